/*
 * purge.c - delete what is older than the retention period, a batch at a time
 *
 * SYNOPSIS
 *	#include "store.h"
 *
 *	int store_purge(s, cutoff, batch, dry_run, &counts, err, errlen)
 *
 * DESCRIPTION
 *	Reports whose day (the UTC day of their start, the day they count
 *	for) is before cutoff go with everything that hangs on them: their
 *	policies, failure details (the policy delete trigger), conflicting
 *	copies and kept mail messages (ON DELETE CASCADE).  Quarantine
 *	entries received before cutoff go too.
 *
 *	Each batch is one statement, so one short transaction of at most
 *	batch reports: ingest never waits behind a long purge, and a purge
 *	cut off half-way leaves only whole reports behind.  The rows are
 *	chosen FOR UPDATE SKIP LOCKED: a report that a mail intake is
 *	superseding at that moment is left for the next run instead of
 *	being waited for.  The counts of cascaded rows are read in the same
 *	statement, from the snapshot the delete works on.
 *
 *	dry_run counts the same rows and deletes nothing.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "store_int.h"
#include "util.h"

/* The reports of one batch and what hangs on them, then the delete. */
#define PURGE_REPORTS							\
	"WITH r AS (SELECT id FROM report WHERE day < $1::date "	\
	"ORDER BY day, id LIMIT $2 FOR UPDATE SKIP LOCKED), "		\
	"c AS (SELECT "							\
	"(SELECT count(*) FROM policy WHERE report_id IN "		\
	"(SELECT id FROM r)) AS np, "					\
	"(SELECT count(*) FROM failure_detail WHERE report_id IN "	\
	"(SELECT id FROM r)) AS nd, "					\
	"(SELECT count(*) FROM report_conflict WHERE report_id IN "	\
	"(SELECT id FROM r)) AS nc, "					\
	"(SELECT count(*) FROM report_message WHERE report_id IN "	\
	"(SELECT id FROM r)) AS nm), "					\
	"d AS (DELETE FROM report WHERE id IN (SELECT id FROM r) "	\
	"RETURNING 1) "							\
	"SELECT (SELECT count(*) FROM d), np, nd, nc, nm FROM c"

#define COUNT_REPORTS							\
	"WITH r AS (SELECT id FROM report WHERE day < $1::date) "	\
	"SELECT (SELECT count(*) FROM r), "				\
	"(SELECT count(*) FROM policy WHERE report_id IN "		\
	"(SELECT id FROM r)), "						\
	"(SELECT count(*) FROM failure_detail WHERE report_id IN "	\
	"(SELECT id FROM r)), "						\
	"(SELECT count(*) FROM report_conflict WHERE report_id IN "	\
	"(SELECT id FROM r)), "						\
	"(SELECT count(*) FROM report_message WHERE report_id IN "	\
	"(SELECT id FROM r))"

/* Quarantine entries: received_at before the cutoff day's UTC midnight. */
#define QUARANTINE_BEFORE						\
	"received_at < ($1::date)::timestamp AT TIME ZONE 'UTC'"
#define PURGE_QUARANTINE						\
	"WITH d AS (DELETE FROM quarantine WHERE id IN (SELECT id FROM "	\
	"quarantine WHERE " QUARANTINE_BEFORE " ORDER BY id LIMIT $2 "	\
	"FOR UPDATE SKIP LOCKED) RETURNING 1) SELECT count(*) FROM d"
#define COUNT_QUARANTINE						\
	"SELECT count(*) FROM quarantine WHERE " QUARANTINE_BEFORE

/* run - one statement with (cutoff[, batch]); its single row into v[] */
static int
run(struct store *s, const char *sql, const char *cutoff, size_t batch,
    int64_t *v, int nv, const char *what, char *err, size_t errlen)
{
	PGresult	*res;
	const char	*param[2];
	char		 lim[INT64_TEXT];
	int		 i;

	snprintf(lim, sizeof lim, "%zu", batch);
	param[0] = cutoff;
	param[1] = lim;
	res = PQexecParams(s->conn, sql, strstr(sql, "$2") ? 2 : 1, NULL,
	    param, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1 ||
	    PQnfields(res) != nv)
		return db_fail(s, res, what, err, errlen);
	for (i = 0; i < nv; i++)
		v[i] = parse_i64(PQgetvalue(res, 0, i));
	PQclear(res);
	return 0;
}

/* store_purge - see store.h */
int
store_purge(struct store *s, const char *cutoff, size_t batch, int dry_run,
    struct store_purge *out, char *err, size_t errlen)
{
	int64_t	 v[5];

	memset(out, 0, sizeof *out);
	if (batch == 0)
		batch = 1;
	if (dry_run) {
		if (run(s, COUNT_REPORTS, cutoff, 0, v, 5, "count reports",
		    err, errlen) == -1 ||
		    run(s, COUNT_QUARANTINE, cutoff, 0, &out->quarantined, 1,
		    "count quarantine", err, errlen) == -1)
			return -1;
		out->reports = v[0];
		out->policies = v[1];
		out->details = v[2];
		out->conflicts = v[3];
		out->messages = v[4];
		return 0;
	}
	for (;;) {
		if (run(s, PURGE_REPORTS, cutoff, batch, v, 5, "purge reports",
		    err, errlen) == -1)
			return -1;
		if (v[0] == 0)
			break;
		out->batches++;
		out->reports += v[0];
		out->policies += v[1];
		out->details += v[2];
		out->conflicts += v[3];
		out->messages += v[4];
		if ((size_t)v[0] < batch)
			break;
	}
	for (;;) {
		if (run(s, PURGE_QUARANTINE, cutoff, batch, v, 1,
		    "purge quarantine", err, errlen) == -1)
			return -1;
		if (v[0] == 0)
			break;
		out->batches++;
		out->quarantined += v[0];
		if ((size_t)v[0] < batch)
			break;
	}
	return 0;
}
