#!/bin/sh
# soak.sh - "make soak": the slow-connection attack of tests/fault.sh for
# SOAK_SECONDS (300), against a private PostgreSQL
#
#   sh tests/soak.sh BINARY
#
# 400 connections from 400 /24s sending headers byte by byte and 200 from
# one /24 sending bodies, each reopened as soon as it is cut, while a real
# sender posts a report every 2 s (20 s allowed each): it must be answered
# every time, and serve's peak RSS (printed) must stay under 64 MiB.
# The test suite runs the same for 20 s.  Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/.." || exit 1
. tests/pg.sh
: "${TLSRPT_CORPUS:=$(cd .. && pwd)/shared/corpus/real}"
export TLSRPT_CORPUS
PGTMP=$(pg_tmpdir) || exit 1
trap 'pg_stop "$PGTMP"; rm -rf "$PGTMP"' EXIT
pg_start "$PGTMP" || exit 1
FAULT_PARTS=slowloris FAULT_SLOWLORIS_SECONDS=${SOAK_SECONDS:-300} \
    bash tests/fault.sh "$1" "$PGTMP" soak
