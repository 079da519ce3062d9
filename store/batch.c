/*
 * batch.c - store_batch: many reports in one durable transaction
 *
 * SYNOPSIS
 *	#include "store.h"
 *
 *	int store_batch(s, items, n, &temp, err, errlen)
 *
 * DESCRIPTION
 *	The hot path: thousands of reports a second with durable commits.
 *	One call is one transaction with a fixed number of round trips,
 *	whatever the batch size:
 *
 *	  BEGIN + the session's TEMP staging table (created if missing)
 *	  COPY stage                    the report rows, raw bytes included
 *	  INSERT report SELECT stage    ON CONFLICT DO NOTHING RETURNING id
 *	  COPY policy, failure_detail   rows of the new reports only
 *	  COMMIT
 *
 *	sent as one multi-statement query (batch_fast).  A single report
 *	takes a path of its own without the staging table (single.c).  Report ids come
 *	from a per-session cache filled by nextval() ahead of time: knowing
 *	them before the insert is what lets the child rows go straight into
 *	their tables with COPY.  Copies of one report inside the batch are
 *	settled before staging (the first wins: the plan); the staged rows
 *	go in dedup-key order, so two sessions inserting overlapping keys
 *	take them in the same order and wait for each other instead of
 *	deadlocking.
 *
 *	When the database refuses the batch for its data (SQLSTATE class 22,
 *	23 or 54: a value out of range, a CHECK), the batch is redone one
 *	report per savepoint in one transaction (store_each_savepoint), so
 *	only the bad report is STORE_FAILED, and a connection lost midway
 *	still stores nothing.  Serialisation failures and deadlocks (class
 *	40) redo the whole batch twice, statement by statement (batch_run),
 *	before giving up.
 *
 *	A duplicate whose content differs from the stored report's is then
 *	kept as a conflicting copy (conflict.c), after the commit: the batch
 *	itself stays four round trips.
 *
 *	This file decides nothing about a report: whether it is ours, its
 *	home domain and its authentication come in the store_item.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "log.h"
#include "store_int.h"
#include "util.h"
#include "xmalloc.h"

#define REPORT_COLUMNS							\
	"id, organization_name, report_id, start_raw, end_raw, "	\
	"start_time, end_time, day, contact_info, verdict, transport, "	\
	"source, authenticated, home_domain, domain_hint, flags, raw, "	\
	"raw_sha256, content_sha256, proof, slot, arrival_flags, parsed_at"
#define STAGE_VALUES							\
	"s.id, s.organization_name, s.report_id, s.start_raw, s.end_raw, "\
	STAGE_START ", " STAGE_END ", " STAGE_DAY ", s.contact_info, "	\
	"s.verdict, s.transport, s.source, s.authenticated, "		\
	"s.home_domain, s.domain_hint, s.flags, s.raw, s.raw_sha256, "	\
	"s.content_sha256, s.proof, s.slot, s.arrival_flags, now()"

#define INSERT_REPORTS							\
	"INSERT INTO report (" REPORT_COLUMNS ") "			\
	"SELECT " STAGE_VALUES " FROM " STAGE " s "			\
	"WHERE s.id BETWEEN $1 AND $2 "					\
	"ON CONFLICT (organization_name, report_id, start_raw, slot) "	\
	"DO NOTHING RETURNING id"

/* The same for the pipelined batch (batch_fast): the stage holds only
 * this batch, and each staged row comes back with whether it is new and,
 * when not, the id of the report it duplicates if this statement's
 * snapshot sees it (a copy committed by a concurrent batch meanwhile is
 * looked up after the commit). */
#define INSERT_FAST							\
	"WITH ins AS (INSERT INTO report (" REPORT_COLUMNS ") "		\
	"SELECT " STAGE_VALUES " FROM " STAGE " s "			\
	"ON CONFLICT (organization_name, report_id, start_raw, slot) "	\
	"DO NOTHING RETURNING id) "					\
	"SELECT s.id, i.id IS NOT NULL, CASE WHEN i.id IS NULL THEN "	\
	"(SELECT r.id FROM report r "					\
	"WHERE r.organization_name = s.organization_name "		\
	"AND r.report_id = s.report_id AND r.start_raw = s.start_raw "	\
	"AND r.slot = s.slot) END "					\
	"FROM " STAGE " s LEFT JOIN ins i ON i.id = s.id"

#define SELECT_KEY_ID							\
	"SELECT id FROM report WHERE organization_name = $1 "		\
	"AND report_id = $2 AND start_raw = $3 AND slot = $4"

/* The row each staged report the insert skipped collided with: an older
 * report, committed by now if it came from a concurrent batch (READ
 * COMMITTED: this statement takes a fresh snapshot), or one stored by
 * this transaction (the one-by-one path). */
#define SELECT_DUPLICATES						\
	"SELECT s.id, (SELECT r.id FROM report r "			\
	"WHERE r.organization_name = s.organization_name "		\
	"AND r.report_id = s.report_id AND r.start_raw = s.start_raw "	\
	"AND r.slot = s.slot) "						\
	"FROM " STAGE " s WHERE s.id = ANY ($1::bigint[])"

#define SELECT_IDS							\
	"SELECT nextval('report_id_seq') FROM generate_series(1, $1::int)"

#define BATCH_RETRIES	2		/* extra tries after a class-40 error */

/* Report ids are taken from the sequence this many at a time (gaps are
 * harmless), so a small batch costs no round trip for them; the first
 * batch of a connection takes only its own. */
#define ID_CACHE	1024

/* take_ids - n new report ids, ascending */
static int
take_ids(struct store *s, int64_t *ids, size_t n, char *err, size_t errlen)
{
	PGresult	*res;
	const char	*param[1];
	char		 num[INT64_TEXT];
	size_t		 i;

	snprintf(num, sizeof num, "%zu", n);
	param[0] = num;
	res = PQexecParams(s->conn, SELECT_IDS, 1, NULL, param, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		return db_fail(s, res, "report ids", err, errlen);
	if ((size_t)PQntuples(res) != n) {
		PQclear(res);
		s->sqlstate[0] = '\0';
		return seterr(err, errlen, "report ids: got fewer than %zu", n);
	}
	for (i = 0; i < n; i++)
		ids[i] = parse_i64(PQgetvalue(res, (int)i, 0));
	PQclear(res);
	qsort(ids, n, sizeof *ids, cmp_i64);
	return 0;
}

/* cached_ids - m ascending report ids from the session's cache */
static int
cached_ids(struct store *s, int64_t *ids, size_t m, char *err, size_t errlen)
{
	size_t	 want;

	if (s->nids - s->idpos < m) {
		/* the first batch of a connection takes what it needs: a
		 * process that stores one mail burns no thousand ids */
		want = m > ID_CACHE || !s->ids_taken ? m : ID_CACHE;
		s->ids_taken = 1;
		s->ids = xreallocarray(s->ids, want, sizeof *s->ids);
		s->nids = s->idpos = 0;
		if (take_ids(s, s->ids, want, err, errlen) == -1)
			return -1;
		s->nids = want;
	}
	memcpy(ids, s->ids + s->idpos, m * sizeof *ids);
	s->idpos += m;
	return 0;
}

/*
 * find_duplicates - give every row the insert skipped the id of the
 * report it duplicates
 */
static int
find_duplicates(struct store *s, struct row *rows, size_t n, char *err,
    size_t errlen)
{
	struct buf	 list = BUF_INIT;
	PGresult	*res;
	const char	*param[1];
	struct row	*w;
	int64_t		*dup, sid;
	size_t		 i, ndup = 0;
	int		 k;

	dup = xcalloc(n ? n : 1, sizeof *dup);
	for (i = 0; i < n; i++)
		if (!rows[i].is_new)
			dup[ndup++] = rows[i].id;
	ids_param(&list, dup, ndup);
	free(dup);
	if (ndup == 0) {
		buf_free(&list);
		return 0;
	}
	param[0] = (const char *)list.data;
	res = PQexecParams(s->conn, SELECT_DUPLICATES, 1, NULL, param, NULL,
	    NULL, 0);
	buf_free(&list);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		return db_fail(s, res, "duplicates", err, errlen);
	for (k = 0; k < PQntuples(res); k++) {
		sid = parse_i64(PQgetvalue(res, k, 0));
		for (w = NULL, i = 0; i < n; i++)
			if (rows[i].id == sid) {
				w = &rows[i];
				break;
			}
		if (w == NULL)
			continue;
		if (PQgetisnull(res, k, 1)) {
			/* the row it collided with was deleted meanwhile:
			 * the batch is worth doing again */
			PQclear(res);
			snprintf(s->sqlstate, sizeof s->sqlstate, "40001");
			return seterr(err, errlen,
			    "duplicate vanished while storing");
		}
		w->id = parse_i64(PQgetvalue(res, k, 1));
		w->is_new = -1;		/* found */
	}
	PQclear(res);
	for (i = 0; i < n; i++)
		if (rows[i].is_new == 0) {
			snprintf(s->sqlstate, sizeof s->sqlstate, "40001");
			return seterr(err, errlen,
			    "duplicate vanished while storing");
		}
	for (i = 0; i < n; i++)
		if (rows[i].is_new == -1)
			rows[i].is_new = 0;
	return 0;
}

/* The items of one batch, for sorting by dedup key. */
struct keyed {
	const struct report	*r;
	const char		*slot;		/* "" or the item's proof */
	size_t			 item;		/* index in its[] */
};

/* keycmp - byte order of the dedup key (R24: byte-exact) and slot, then
 * item order, so that the first copy of a key comes first */
static int
keycmp(const void *a, const void *b)
{
	const struct keyed	*x = a, *y = b;
	int			 c;

	if ((c = strcmp(x->r->organization_name, y->r->organization_name)) ||
	    (c = strcmp(x->r->report_id, y->r->report_id)) ||
	    (c = strcmp(x->r->start_raw, y->r->start_raw)) ||
	    (c = strcmp(x->slot, y->slot)))
		return c;
	return x->item < y->item ? -1 : x->item > y->item;
}

/* samekey - two items with the same dedup key and slot */
static int
samekey(const struct keyed *a, const struct keyed *b)
{
	return strcmp(a->r->organization_name, b->r->organization_name) == 0 &&
	    strcmp(a->r->report_id, b->r->report_id) == 0 &&
	    strcmp(a->r->start_raw, b->r->start_raw) == 0 &&
	    strcmp(a->slot, b->slot) == 0;
}

/*
 * The rows of one batch, after copies of one key were settled: one row
 * per key, the first item in item order staying.  That needs no ORDER BY
 * over the wide staged rows (which cost more than the insert itself).
 * The rows are written in key order with ascending ids, so the insert,
 * reading the fresh staging table in the order written, takes the keys
 * of concurrent batches in one order; should that ever not hold, the
 * deadlock is detected and the batch tried again (class 40).
 */
struct plan {
	struct keyed	*ord;
	size_t		*slot;		/* item -> its row */
	struct row	*rows;
	int64_t		*ids;		/* rows' ids, ascending */
	size_t		 m;		/* rows */
	int		 mail;		/* a row has a message: COPY it */
};

/* plan_make - sort its[] by dedup key and slot (slot_proof: each item's
 * proof, else ""), one row per key (the first item) */
static void
plan_make(struct plan *p, struct store_item **its, size_t n, int slot_proof)
{
	struct row	*w;
	size_t		 i, it;

	p->ord = xcalloc(n, sizeof *p->ord);
	p->slot = xcalloc(n, sizeof *p->slot);
	p->rows = xcalloc(n, sizeof *p->rows);
	p->ids = xcalloc(n, sizeof *p->ids);
	p->m = 0;
	p->mail = 0;
	for (i = 0; i < n; i++) {
		p->ord[i].r = its[i]->report;
		p->ord[i].slot = slot_proof && its[i]->proof ? its[i]->proof :
		    "";
		p->ord[i].item = i;
	}
	qsort(p->ord, n, sizeof *p->ord, keycmp);
	for (i = 0; i < n; i++) {
		it = p->ord[i].item;
		if (i > 0 && samekey(&p->ord[i], &p->ord[i - 1])) {
			p->slot[it] = p->m - 1;	/* a later copy */
			continue;
		}
		w = &p->rows[p->m];
		row_from_item(w, its[it], slot_proof);
		w->item = it;
		if (w->mail != NULL)
			p->mail = 1;
		p->slot[it] = p->m++;
	}
}

/* plan_ids - give the rows their (ascending) ids */
static void
plan_ids(struct plan *p)
{
	size_t	 i;

	for (i = 0; i < p->m; i++)
		p->rows[i].id = p->ids[i];
}

/* plan_verdicts - every item's verdict and id from its row */
static void
plan_verdicts(struct plan *p, struct store_item **its, size_t n)
{
	struct row	*w;
	size_t		 i;

	for (i = 0; i < n; i++) {
		w = &p->rows[p->slot[i]];
		its[i]->id = w->id;
		its[i]->verdict = !w->is_new || w->item != i ?
		    STORE_DUPLICATE : STORE_STORED;
	}
}

/* plan_free - release a plan */
static void
plan_free(struct plan *p)
{
	free(p->ord);
	free(p->slot);
	free(p->rows);
	free(p->ids);
}

/* mark_new - the rows whose ids the insert returned are new */
static void
mark_new(struct plan *p, PGresult *res)
{
	int64_t	 id, *hit;
	int	 k;

	for (k = 0; k < PQntuples(res); k++) {
		id = parse_i64(PQgetvalue(res, k, 0));
		if ((hit = bsearch(&id, p->ids, p->m, sizeof *p->ids,
		    cmp_i64)) != NULL)
			p->rows[hit - p->ids].is_new = 1;
	}
}

/*
 * batch_run - store its[0..n) inside the open transaction, one statement
 * at a time, and set their verdict and id (the retry and one-by-one
 * paths; batch_fast is the usual one).  On failure the verdicts are left
 * for the caller to reset.
 */
static int
batch_run(struct store *s, struct store_item **its, size_t n, int slot_proof,
    char *err, size_t errlen)
{
	struct plan	 p;
	PGresult	*res;
	const char	*param[2];
	char		 lo[INT64_TEXT], hi[INT64_TEXT];
	int		 rc = -1;

	plan_make(&p, its, n, slot_proof);
	if (take_ids(s, p.ids, p.m, err, errlen) == -1)
		goto done;
	plan_ids(&p);
	if (copy_rows(s, COPY_K_STAGE, p.rows, p.m, 1, err, errlen) == -1)
		goto done;
	snprintf(lo, sizeof lo, "%" PRId64, p.ids[0]);
	snprintf(hi, sizeof hi, "%" PRId64, p.ids[p.m - 1]);
	param[0] = lo;
	param[1] = hi;
	res = PQexecParams(s->conn, INSERT_REPORTS, 2, NULL, param, NULL, NULL,
	    0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		db_fail(s, res, "insert reports", err, errlen);
		goto done;
	}
	mark_new(&p, res);
	PQclear(res);
	if (find_duplicates(s, p.rows, p.m, err, errlen) == -1 ||
	    copy_rows(s, COPY_K_POLICY, p.rows, p.m, 0, err, errlen) == -1 ||
	    copy_rows(s, COPY_K_FAILURE, p.rows, p.m, 0, err, errlen) == -1 ||
	    (p.mail && copy_rows(s, COPY_K_MESSAGE, p.rows, p.m, 0, err,
	    errlen) == -1))
		goto done;
	plan_verdicts(&p, its, n);
	rc = 0;
done:
	plan_free(&p);
	return rc;
}

/* pipeline_drain - after a failure in the pipelined batch: leave COPY
 * mode and read what is left, so the connection is idle again */
static void
pipeline_drain(struct store *s)
{
	PGresult	*res;

	while (PQstatus(s->conn) == CONNECTION_OK &&
	    (res = PQgetResult(s->conn)) != NULL) {
		if (PQresultStatus(res) == PGRES_COPY_IN)
			PQputCopyEnd(s->conn, "aborted by tlsrpt");
		PQclear(res);
	}
}

/* duplicate_id - the id of the committed report a row duplicates (its
 * copy was committed by a concurrent batch after our insert's snapshot);
 * 0 when it cannot be read: the id is only informative */
static void
duplicate_id(struct store *s, struct row *w)
{
	PGresult	*res;
	const char	*param[4];

	param[0] = w->r->organization_name;
	param[1] = w->r->report_id;
	param[2] = w->r->start_raw;
	param[3] = w->slot;
	res = PQexecParams(s->conn, SELECT_KEY_ID, 4, NULL, param, NULL, NULL,
	    0);
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		w->id = parse_i64(PQgetvalue(res, 0, 0));
	PQclear(res);
}

/* copy_step - the pipelined COPY of kind: wait for the server to ask,
 * send the rows, read its outcome */
static int
copy_step(struct store *s, enum copy_kind kind, struct plan *p, int all,
    char *err, size_t errlen)
{
	if (next_result(s, PGRES_COPY_IN, NULL, copy_what[kind], err,
	    errlen) == -1 ||
	    copy_rows_send(s, kind, p->rows, p->m, all, err, errlen) == -1 ||
	    next_result(s, PGRES_COMMAND_OK, NULL, copy_what[kind], err,
	    errlen) == -1)
		return -1;
	return 0;
}

/*
 * batch_fast - the whole transaction as one multi-statement query:
 *
 *	BEGIN; the staging table; COPY stage FROM STDIN; INSERT ... RETURNING;
 *	COPY policy FROM STDIN; COPY failure_detail FROM STDIN; COMMIT
 *
 * The server runs the statements in order and waits at each COPY for our
 * data, so the batch costs four round trips instead of ten: under load
 * most batches are small, and their round trips (each a scheduling of
 * two processes on a busy machine) would cost more than their rows.
 * Duplicates of rows committed by a concurrent batch get their ids by one
 * more query after the commit.  On failure the transaction is rolled
 * back and store_batch decides (retry, one by one, or temporary).
 */
static int
batch_fast(struct store *s, struct store_item **its, size_t n, int slot_proof,
    char *err, size_t errlen)
{
	struct plan	 p;
	PGresult	*res = NULL;
	struct row	*w;
	int64_t		 id, *hit;
	size_t		 i;
	int		 rc = -1, k;

	plan_make(&p, its, n, slot_proof);
	if (cached_ids(s, p.ids, p.m, err, errlen) == -1)
		goto done;
	plan_ids(&p);
	if (!PQsendQuery(s->conn, p.mail ?
	    BEGIN_STAGE "; " COPY_STAGE_SQL "; " INSERT_FAST "; "
	    COPY_POLICY_SQL "; " COPY_FAILURE_SQL "; " COPY_MESSAGE_SQL
	    "; COMMIT" :
	    BEGIN_STAGE "; " COPY_STAGE_SQL "; " INSERT_FAST "; "
	    COPY_POLICY_SQL "; " COPY_FAILURE_SQL "; COMMIT")) {
		db_fail(s, NULL, "send batch", err, errlen);
		goto done;
	}
	for (k = 0; k < BEGIN_STAGE_RESULTS; k++)
		if (next_result(s, PGRES_COMMAND_OK, NULL, "begin", err,
		    errlen) == -1)
			goto fail;
	if (copy_step(s, COPY_K_STAGE, &p, 1, err, errlen) == -1 ||
	    next_result(s, PGRES_TUPLES_OK, &res, "insert reports", err,
	    errlen) == -1)
		goto fail;
	/* id, is new, the id of the row it duplicates (when visible) */
	for (k = 0; k < PQntuples(res); k++) {
		id = parse_i64(PQgetvalue(res, k, 0));
		if ((hit = bsearch(&id, p.ids, p.m, sizeof *p.ids,
		    cmp_i64)) == NULL)
			continue;
		w = &p.rows[hit - p.ids];
		if (PQgetvalue(res, k, 1)[0] == 't')
			w->is_new = 1;
		else if (!PQgetisnull(res, k, 2))
			w->id = parse_i64(PQgetvalue(res, k, 2));
		else
			w->id = 0;	/* committed meanwhile: after COMMIT */
	}
	PQclear(res);
	res = NULL;
	if (copy_step(s, COPY_K_POLICY, &p, 0, err, errlen) == -1 ||
	    copy_step(s, COPY_K_FAILURE, &p, 0, err, errlen) == -1 ||
	    (p.mail && copy_step(s, COPY_K_MESSAGE, &p, 0, err,
	    errlen) == -1) ||
	    next_result(s, PGRES_COMMAND_OK, NULL, "commit", err,
	    errlen) == -1)
		goto fail;
	if ((res = PQgetResult(s->conn)) != NULL) {
		db_fail(s, res, "batch", err, errlen);
		res = NULL;
		goto fail;
	}
	for (i = 0; i < p.m; i++)
		if (!p.rows[i].is_new && p.rows[i].id == 0)
			duplicate_id(s, &p.rows[i]);
	plan_verdicts(&p, its, n);
	rc = 0;
	goto done;
fail:
	PQclear(res);
	pipeline_drain(s);
done:
	plan_free(&p);
	return rc;
}

/* batch_reset - forget verdicts of a batch that was not committed */
static void
batch_reset(struct store_item **its, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		its[i]->verdict = STORE_PENDING;
		its[i]->id = 0;
		its[i]->err[0] = '\0';
	}
}

/* The items of a one-by-one pass (store_each_savepoint's ctx). */
struct one_ctx {
	struct store_item	**its;
	int			  slot_proof;
};

/* one_step, one_failed - store_each_savepoint's callbacks: one item */
static int
one_step(struct store *s, void *ctx, size_t i, char *err, size_t errlen)
{
	struct one_ctx	*c = ctx;

	return batch_run(s, &c->its[i], 1, c->slot_proof, err, errlen);
}

static void
one_failed(void *ctx, size_t i, const char *why)
{
	struct one_ctx	*c = ctx;

	c->its[i]->verdict = STORE_FAILED;
	c->its[i]->id = 0;
	seterr(c->its[i]->err, sizeof c->its[i]->err, "%s", why);
}

/*
 * batch_one_by_one - the slow path after the database refused a batch
 * for its data: one savepoint per report inside one transaction, so each
 * bad report fails alone and a lost connection still stores nothing
 */
static int
batch_one_by_one(struct store *s, struct store_item **its, size_t n,
    int slot_proof, int *temp, char *err, size_t errlen)
{
	struct one_ctx	 c = { its, slot_proof };

	if (exec_cmd(s, BEGIN_STAGE, "begin", err, errlen) == -1 ||
	    store_each_savepoint(s, n, one_step, one_failed, &c, err,
	    errlen) == -1 ||
	    exec_cmd(s, "COMMIT", "commit", err, errlen) == -1) {
		batch_reset(its, n);
		rollback(s);
		*temp = state_is_temp(s);
		return -1;
	}
	return 0;
}

/* store_batch_items - see store_int.h */
int
store_batch_items(struct store *s, struct store_item **its, size_t m,
    int slot_proof, int *temp, char *err, size_t errlen)
{
	int	 attempt;

	*temp = 0;
	if (PQstatus(s->conn) != CONNECTION_OK) {
		*temp = 1;
		return seterr(err, errlen, "database connection lost");
	}
	for (attempt = 0;; attempt++) {
		if (m == 1 ? store_single(s, its[0], slot_proof, err,
		    errlen) == 0 :
		    attempt == 0 ? batch_fast(s, its, m, slot_proof, err,
		    errlen) == 0 :
		    (exec_cmd(s, BEGIN_STAGE, "begin", err, errlen) == 0 &&
		    batch_run(s, its, m, slot_proof, err, errlen) == 0 &&
		    exec_cmd(s, "COMMIT", "commit", err, errlen) == 0)) {
			if (m > 1)
				store_stage_vacuum(s, m);
			return 0;
		}
		batch_reset(its, m);
		rollback(s);
		if (PQstatus(s->conn) != CONNECTION_OK) {
			*temp = 1;
			return -1;
		}
		if (state_is_retry(s->sqlstate) && attempt < BATCH_RETRIES)
			continue;
		if (!state_is_data(s->sqlstate)) {
			*temp = state_is_temp(s);
			return -1;
		}
		if (m == 1) {		/* refused alone: nothing to split */
			one_failed(&(struct one_ctx){ its, slot_proof }, 0,
			    err);
			return 0;
		}
		break;
	}
	if (batch_one_by_one(s, its, m, slot_proof, temp, err, errlen) == -1)
		return -1;
	store_stage_vacuum(s, m);
	return 0;
}

/* store_batch - see store.h */
int
store_batch(struct store *s, struct store_item *items, size_t n, int *temp,
    char *err, size_t errlen)
{
	struct store_item	**its;
	size_t			  i, m = 0;
	int			  rc;

	*temp = 0;
	its = xcalloc(n ? n : 1, sizeof *its);
	for (i = 0; i < n; i++) {
		items[i].verdict = STORE_PENDING;
		items[i].id = 0;
		items[i].err[0] = '\0';
		if (items[i].report == NULL) {
			items[i].verdict = STORE_FAILED;
			snprintf(items[i].err, sizeof items[i].err,
			    "no decoded report");
		} else
			its[m++] = &items[i];
	}
	if (m == 0) {
		free(its);
		return 0;
	}
	rc = store_batch_items(s, its, m, 0, temp, err, errlen);
	if (rc == 0) {
		/* each settles only what concerns it and gives the items
		 * it could not settle STORE_RETRY: the batch stays stored */
		(void)store_settle_proven(s, its, m, temp, err, errlen);
		(void)store_settle_conflicts(s, its, m, temp, err, errlen);
	}
	free(its);
	return rc;
}
