/*
 * proven.c - proven copies: superseding, and reports of other provers
 *
 * SYNOPSIS
 *	#include "store_int.h"
 *
 *	int store_settle_proven(s, its, n, &temp, err, errlen)
 *	int store_replace(s, item, by_hand, &temp, err, errlen)
 *
 * DESCRIPTION
 *	store_batch() inserts every copy in slot '' of its key
 *	(sql/006_proof.sql), so an unauthenticated copy and a proven one of
 *	the same report meet there whatever their order, and one waits for
 *	the other.  After the commit this settles the proven copies the
 *	insert found a report for (DESIGN.md "Data model"):
 *
 *	  the report is unauthenticated	the proven copy supersedes it: the
 *					row takes the copy's content, raw
 *					bytes, transport, source, proof
 *					and mail, and keeps its id; the
 *					former content, when it differed,
 *					becomes a conflicting copy
 *					(STORE_SUPERSEDED)
 *	  proven by the same domain	a duplicate or a conflicting copy
 *					(conflict.c decides)
 *	  proven by another domain	a report of its own, in the slot of
 *					its proof: stored, or a duplicate
 *					of the one stored there before
 *
 *	An unauthenticated copy of a proven report needs nothing here: it
 *	is a duplicate of the report in slot '' or a conflicting copy of it.
 *
 *	store_replace() is the same content swap by hand ("tlsrpt quarantine
 *	release ID --replace"): a kept conflicting copy becomes the counted
 *	one and the former content the conflicting copy.
 *
 *	Both run in transactions of their own, after the batch; a copy they
 *	could not settle (the database failed) becomes STORE_RETRY, with
 *	nothing of it written: its door answers "try later".
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "store_int.h"
#include "util.h"
#include "xmalloc.h"

#define SELECT_PROOFS							\
	"SELECT id, proof FROM report WHERE id = ANY ($1::bigint[])"

/* The row to supersede, locked; its proof decides (it may have been
 * superseded by a concurrent copy meanwhile). */
#define LOCK_REPORT							\
	"SELECT proof, content_sha256 FROM report WHERE id = $1 FOR UPDATE"

/*
 * The former content as a conflicting copy (kept whatever the report's
 * max_conflicts: it was the counted content), with its mail if it had
 * one.  $2 marks a replacement by hand.  A row stored before migration
 * 005 has no content digest: its raw digest stands in.
 */
#define KEEP_FORMER							\
	"WITH ins AS (INSERT INTO report_conflict (report_id, received_at, "\
	"transport, source, authenticated, domain_hint, raw, raw_sha256, "\
	"content_sha256, proof, arrival_flags, message_gz, dkim, "	\
	"replaced_by_hand) "						\
	"SELECT r.id, r.received_at, r.transport, r.source, "		\
	"r.authenticated, r.domain_hint, r.raw, r.raw_sha256, "		\
	"coalesce(r.content_sha256, r.raw_sha256), r.proof, "		\
	"r.arrival_flags, m.message_gz, m.dkim, "			\
	"CASE WHEN $2::bool THEN now() END "				\
	"FROM report r LEFT JOIN report_message m ON m.report_id = r.id "\
	"WHERE r.id = $1 "						\
	"ON CONFLICT (report_id, content_sha256) DO NOTHING RETURNING 1) "\
	"UPDATE report SET conflicts = conflicts + (SELECT count(*) FROM ins)"\
	" WHERE id = $1"

/* A replacement by hand: the conflicting copy that became the content
 * goes (its content is the report's now). */
#define DROP_CONFLICT							\
	"DELETE FROM report_conflict WHERE id = $1 AND report_id = $2"

#define REPLACE_UPDATE							\
	"UPDATE report r SET end_raw = s.end_raw, "			\
	"start_time = " STAGE_START ", end_time = " STAGE_END ", "	\
	"day = " STAGE_DAY ", contact_info = s.contact_info, "		\
	"verdict = s.verdict, home_domain = s.home_domain, "		\
	"flags = s.flags, content_sha256 = s.content_sha256, "		\
	"transport = s.transport, source = s.source, "			\
	"authenticated = s.authenticated, domain_hint = s.domain_hint, "	\
	"raw = s.raw, raw_sha256 = s.raw_sha256, proof = s.proof, "	\
	"arrival_flags = s.arrival_flags || $1::text[], "		\
	"received_at = now(), parsed_at = now() "			\
	"FROM " STAGE " s WHERE r.id = s.id"

#define REPLACE_DELETE							\
	"DELETE FROM policy WHERE report_id IN (SELECT id FROM " STAGE "); "\
	"DELETE FROM report_message WHERE report_id IN "		\
	"(SELECT id FROM " STAGE ")"

/* The superseding copies of one settle pass (store_each_savepoint). */
struct swap {
	struct store_item	**its;
	int			  by_hand;
	int64_t			  conflict_id;	/* by hand: the copy taken */
};

static int
exec_params(struct store *s, const char *sql, int n, const char *const *param,
    const char *what, char *err, size_t errlen)
{
	PGresult	*res;

	res = PQexecParams(s->conn, sql, n, NULL, param, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_COMMAND_OK &&
	    PQresultStatus(res) != PGRES_TUPLES_OK)
		return db_fail(s, res, what, err, errlen);
	PQclear(res);
	return 0;
}

/*
 * swap_one - inside the open transaction: give report it->id the content
 * of it (its rows, raw bytes, origin and mail); the former content is
 * kept as a conflicting copy when it differed.  *skip = 1 (nothing done)
 * when the report is no longer unauthenticated and this is no
 * replacement by hand.
 */
static int
swap_one(struct store *s, struct store_item *it, int by_hand,
    int64_t conflict_id, int *skip, char *err, size_t errlen)
{
	PGresult	*res;
	struct row	 w;
	unsigned char	 md[REPORT_DIGEST_LEN];
	const char	*param[2];
	char		 id[INT64_TEXT], cid[INT64_TEXT];
	int		 same;

	*skip = 0;
	snprintf(id, sizeof id, "%" PRId64, it->id);
	param[0] = id;
	res = PQexecParams(s->conn, LOCK_REPORT, 1, NULL, param, NULL, NULL, 1);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		return db_fail(s, res, "lock report", err, errlen);
	if (PQntuples(res) != 1 || (!by_hand && !PQgetisnull(res, 0, 0))) {
		PQclear(res);
		*skip = 1;
		return 0;
	}
	report_digest(it->report, md);
	same = !PQgetisnull(res, 0, 1) && PQgetlength(res, 0, 1) ==
	    REPORT_DIGEST_LEN && memcmp(PQgetvalue(res, 0, 1), md,
	    REPORT_DIGEST_LEN) == 0;
	PQclear(res);

	if (!same) {
		param[1] = by_hand ? "t" : "f";
		if (exec_params(s, KEEP_FORMER, 2, param, "keep former content",
		    err, errlen) == -1)
			return -1;
	}
	if (by_hand) {
		snprintf(cid, sizeof cid, "%" PRId64, conflict_id);
		param[0] = cid;
		param[1] = id;
		if (exec_params(s, DROP_CONFLICT, 2, param, "drop conflict",
		    err, errlen) == -1)
			return -1;
	}

	memset(&w, 0, sizeof w);
	row_from_item(&w, it, 0);
	w.id = it->id;
	w.is_new = 1;
	param[0] = by_hand ? "{replaced-by-hand}" :
	    "{supersedes-unauthenticated}";
	if (exec_cmd(s, "DELETE FROM " STAGE, "clear stage", err,
	    errlen) == -1 ||
	    copy_rows(s, COPY_K_STAGE, &w, 1, 1, err, errlen) == -1 ||
	    exec_cmd(s, REPLACE_DELETE, "delete rows", err, errlen) == -1 ||
	    exec_params(s, REPLACE_UPDATE, 1, param, "replace report", err,
	    errlen) == -1 ||
	    copy_rows(s, COPY_K_POLICY, &w, 1, 1, err, errlen) == -1 ||
	    copy_rows(s, COPY_K_FAILURE, &w, 1, 1, err, errlen) == -1 ||
	    (w.mail != NULL && copy_rows(s, COPY_K_MESSAGE, &w, 1, 1, err,
	    errlen) == -1))
		return -1;
	return 0;
}

/* swap_step, swap_failed - store_each_savepoint's callbacks */
static int
swap_step(struct store *s, void *ctx, size_t i, char *err, size_t errlen)
{
	struct swap		*sw = ctx;
	struct store_item	*it = sw->its[i];
	int			 skip;

	if (swap_one(s, it, sw->by_hand, sw->conflict_id, &skip, err,
	    errlen) == -1)
		return -1;
	/* superseded by a concurrent copy first: a copy of that one now,
	 * which a retry settles like any other */
	it->verdict = skip ? STORE_RETRY : STORE_SUPERSEDED;
	if (skip)
		seterr(it->err, sizeof it->err, "the report changed meanwhile");
	return 0;
}

static void
swap_failed(void *ctx, size_t i, const char *why)
{
	struct swap	*sw = ctx;

	sw->its[i]->verdict = STORE_FAILED;
	seterr(sw->its[i]->err, sizeof sw->its[i]->err, "%s", why);
}

/* swap_all - one transaction for its[0..n); on failure they are RETRY */
static int
swap_all(struct store *s, struct swap *sw, size_t n, int *temp, char *err,
    size_t errlen)
{
	size_t	 i;

	if (exec_cmd(s, BEGIN_STAGE, "begin", err, errlen) == 0 &&
	    store_each_savepoint(s, n, swap_step, swap_failed, sw, err,
	    errlen) == 0 &&
	    exec_cmd(s, "COMMIT", "commit", err, errlen) == 0) {
		store_stage_vacuum(s, n);
		return 0;
	}
	rollback(s);
	*temp = state_is_temp(s);
	for (i = 0; i < n; i++) {
		sw->its[i]->verdict = STORE_RETRY;
		seterr(sw->its[i]->err, sizeof sw->its[i]->err, "%s", err);
	}
	return -1;
}

/* store_settle_proven - see store_int.h */
int
store_settle_proven(struct store *s, struct store_item **its, size_t n,
    int *temp, char *err, size_t errlen)
{
	struct store_item	**sup, **other;
	struct swap		  sw;
	PGresult		 *res;
	int64_t			  id;
	size_t			  i, nsup = 0, nother = 0;
	int			  k, rc = 0, t, none;

	*temp = 0;
	if ((res = dup_query(s, its, n, 1, SELECT_PROOFS, 0, "proofs", &none,
	    err, errlen)) == NULL) {
		if (none)
			return 0;
		*temp = state_is_temp(s);
		for (i = 0; i < n; i++)
			if (dup_wanted(its[i], 1)) {
				its[i]->verdict = STORE_RETRY;
				seterr(its[i]->err, sizeof its[i]->err, "%s",
				    err);
			}
		return -1;
	}
	sup = xcalloc(n, sizeof *sup);
	other = xcalloc(n, sizeof *other);
	for (i = 0; i < n; i++) {
		if (!dup_wanted(its[i], 1))
			continue;
		for (k = 0; k < PQntuples(res); k++) {
			id = parse_i64(PQgetvalue(res, k, 0));
			if (id != its[i]->id)
				continue;
			if (PQgetisnull(res, k, 1))
				sup[nsup++] = its[i];
			else if (strcmp(PQgetvalue(res, k, 1),
			    its[i]->proof) != 0)
				other[nother++] = its[i];
			break;
		}
	}
	PQclear(res);

	if (nsup > 0) {
		sw.its = sup;
		sw.by_hand = 0;
		sw.conflict_id = 0;
		if (swap_all(s, &sw, nsup, &t, err, errlen) == -1) {
			*temp = t;
			rc = -1;
		}
	}
	if (nother > 0 && store_batch_items(s, other, nother, 1, &t, err,
	    errlen) == -1) {
		*temp = *temp || t;
		rc = -1;
		for (i = 0; i < nother; i++) {
			other[i]->verdict = STORE_RETRY;
			seterr(other[i]->err, sizeof other[i]->err, "%s", err);
		}
	}
	free(sup);
	free(other);
	return rc;
}

/* store_replace - see store.h */
int
store_replace(struct store *s, struct store_item *it, int64_t conflict_id,
    int *temp, char *err, size_t errlen)
{
	struct swap	 sw;
	struct store_item *one[1] = { it };

	*temp = 0;
	sw.its = one;
	sw.by_hand = 1;
	sw.conflict_id = conflict_id;
	if (swap_all(s, &sw, 1, temp, err, errlen) == -1)
		return -1;
	if (it->verdict == STORE_FAILED)
		return seterr(err, errlen, "%s", it->err);
	return 0;
}
