/*
 * decode_int.h - what the files of the report decoder share (not for the
 * rest of the program: use decode.h)
 *
 *	decode.c	the field rules of R17: the tree into struct report
 *	report_json.c	strict JSON loading (R13): depth, duplicates, NUL
 *	report_time.c	RFC 3339 date-times (R19)
 *	report_domain.c	the home domain, the policy groups, ours or foreign
 */
#ifndef TLSRPT_DECODE_INT_H
#define TLSRPT_DECODE_INT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "decode.h"

/* Deepest [ / { nesting we accept (report_json.c). */
#define REPORT_MAX_DEPTH	32

/*
 * report_json_load - json_loadb with our rules (R13): no duplicate member
 * names, no \u0000, at most REPORT_MAX_DEPTH levels, at most max_values
 * values (counted before jansson builds anything), an object or array at
 * the top.  REPORT_OK with a new reference in *out (json_decref), or
 * REPORT_ERR_TOO_BIG (too many values) / REPORT_ERR_JSON with one
 * sentence in err.  Out of memory is fatal (STYLE rule 3).
 */
enum report_error report_json_load(const char *p, size_t len,
	    size_t max_values, json_t **out, char *err, size_t errlen);

/*
 * report_parse_time - one RFC 3339 date-time, leniently (R19).  *t gets
 * seconds since the epoch (UTC), *usec the fraction, *sec the seconds
 * field as written (for the :59 rule); REPORT_F_TIME_* bits are or'ed
 * into *flags.  Returns 0, or -1 when s is not a date-time.
 */
int	report_parse_time(const char *s, int64_t *t, int32_t *usec, int *sec,
	    uint32_t *flags);

#endif
