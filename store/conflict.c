/*
 * conflict.c - copies of a stored report whose content differs
 *
 * SYNOPSIS
 *	#include "store_int.h"
 *
 *	int store_settle_conflicts(s, its, n, &temp, err, errlen)
 *
 * DESCRIPTION
 *	A report is the same report when organization-name, report-id and
 *	the start of its date range match (R24), and report-ids are
 *	predictable (Google's are "<start>_<domain>"): anyone could post a
 *	forged copy first and make the genuine one a "duplicate".  So a copy
 *	whose decoded content differs from the stored report's (the digest
 *	of a canonical form, report_digest: a copy re-compressed by its
 *	sender is still the same) is never dropped: it is kept in
 *	report_conflict with its raw bytes, transport, source,
 *	authentication and time, at most max_conflicts copies per report,
 *	and never counts.  The first copy keeps counting.  Past the cap a
 *	copy is only counted (report.conflicts_dropped).  The same differing
 *	content twice is kept once.
 *
 *	This runs after store_batch() committed, in a transaction of its own,
 *	and only for the duplicates: the hot path stays as it was, and a
 *	conflicting copy is rare.  Should this transaction fail, its copies
 *	are STORE_RETRY: nothing of them is written, and the door answers
 *	"try later" for them alone (a retry finds the conflict again).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "store_int.h"
#include "util.h"
#include "xmalloc.h"

#define SELECT_DIGESTS							\
	"SELECT id, content_sha256 FROM report WHERE id = ANY ($1::bigint[])"

/*
 * One conflicting copy: kept while the report has fewer than $8; the same
 * content kept before is not kept again ("seen"); otherwise only counted.
 * The report row is locked first, so concurrent copies count in turn.
 * Returns (kept, seen).
 */
#define KEEP_CONFLICT							\
	"WITH r AS (SELECT conflicts FROM report WHERE id = $1 FOR UPDATE), "\
	"ins AS (INSERT INTO report_conflict (report_id, transport, source, "\
	"authenticated, domain_hint, raw, raw_sha256, content_sha256, "	\
	"proof, arrival_flags, message_gz, dkim) "			\
	"SELECT $1, $2, $3, $4, $5, $6, sha256($6), $7, $9, "		\
	"coalesce($10::text[], '{}'), $11, $12 FROM r "			\
	"WHERE r.conflicts < $8::int "					\
	"ON CONFLICT (report_id, content_sha256) DO NOTHING RETURNING 1), "\
	"seen AS (SELECT 1 FROM report_conflict WHERE report_id = $1 "	\
	"AND content_sha256 = $7), "					\
	"upd AS (UPDATE report SET "					\
	"conflicts = conflicts + (SELECT count(*) FROM ins), "		\
	"conflicts_dropped = conflicts_dropped + CASE WHEN EXISTS "	\
	"(SELECT 1 FROM ins) OR EXISTS (SELECT 1 FROM seen) THEN 0 "	\
	"ELSE 1 END WHERE id = $1) "					\
	"SELECT EXISTS (SELECT 1 FROM ins), EXISTS (SELECT 1 FROM seen)"

/* dup_wanted - it is a duplicate of a known report (proven: with a proof) */
int
dup_wanted(const struct store_item *it, int proven)
{
	return it->verdict == STORE_DUPLICATE && it->id > 0 &&
	    (!proven || it->proof != NULL);
}

/* dup_query - see store_int.h */
PGresult *
dup_query(struct store *s, struct store_item **its, size_t n, int proven,
    const char *sql, int binary, const char *what, int *none, char *err,
    size_t errlen)
{
	struct buf	 list = BUF_INIT;
	PGresult	*res;
	const char	*param[1];
	int64_t		*ids;
	size_t		 i, m = 0;

	*none = 0;
	ids = xcalloc(n ? n : 1, sizeof *ids);
	for (i = 0; i < n; i++)
		if (dup_wanted(its[i], proven))
			ids[m++] = its[i]->id;
	if (m == 0) {
		free(ids);
		*none = 1;
		return NULL;
	}
	ids_param(&list, ids, m);
	free(ids);
	param[0] = (const char *)list.data;
	res = PQexecParams(s->conn, sql, 1, NULL, param, NULL, NULL, binary);
	buf_free(&list);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		db_fail(s, res, what, err, errlen);
		return NULL;
	}
	return res;
}

/* differs - the duplicates among its[] whose content differs from the
 * stored report's: marked in cand[] (1); returns how many */
static int
differs(struct store *s, struct store_item **its, size_t n, char *cand,
    size_t *ncand, char *err, size_t errlen)
{
	PGresult	*res;
	unsigned char	 mine[REPORT_DIGEST_LEN];
	int64_t		 id;
	size_t		 i;
	int		 k, none;

	*ncand = 0;
	if ((res = dup_query(s, its, n, 0, SELECT_DIGESTS, 1, "conflicts",
	    &none, err, errlen)) == NULL)
		return none ? 0 : -1;
	for (i = 0; i < n; i++) {
		if (!dup_wanted(its[i], 0))
			continue;
		for (k = 0; k < PQntuples(res); k++) {
			id = get_be64(PQgetvalue(res, k, 0));
			/* no digest: stored before migration 005, until a
			 * reparse gives it one; call it the same */
			if (id != its[i]->id || PQgetisnull(res, k, 1) ||
			    PQgetlength(res, k, 1) != REPORT_DIGEST_LEN)
				continue;
			report_digest(its[i]->report, mine);
			if (memcmp(PQgetvalue(res, k, 1), mine,
			    REPORT_DIGEST_LEN) != 0) {
				cand[i] = 1;
				(*ncand)++;
			}
			break;
		}
	}
	PQclear(res);
	return 0;
}

/* keep - one conflicting copy, inside the open transaction */
static int
keep(struct store *s, struct store_item *it, char *err, size_t errlen)
{
	PGresult	*res;
	struct buf	 flags = BUF_INIT;
	unsigned char	 md[REPORT_DIGEST_LEN];
	const char	*param[12];
	int		 len[12] = { 0 }, fmt[12] = { 0 };
	char		 id[INT64_TEXT], max[INT64_TEXT];

	if (it->rawlen > INT32_MAX)
		return seterr(err, errlen, "conflict: body too large");
	report_digest(it->report, md);
	snprintf(id, sizeof id, "%lld", (long long)it->id);
	snprintf(max, sizeof max, "%zu", s->max_conflicts);
	param[0] = id;
	param[1] = it->transport ? it->transport : "unknown";
	param[2] = it->source;
	param[3] = it->auth;
	param[4] = it->hint;
	param[5] = it->raw ? (const char *)it->raw : "";
	param[6] = (const char *)md;
	param[7] = max;
	param[8] = it->proof;
	param[9] = NULL;
	if (it->narrival > 0) {
		array_param(&flags, it->arrival, it->narrival);
		param[9] = (const char *)flags.data;
	}
	param[10] = it->mail && it->mail->message_gz ?
	    (const char *)it->mail->message_gz : NULL;
	param[11] = it->mail ? it->mail->dkim : NULL;
	len[5] = (int)it->rawlen;
	len[6] = REPORT_DIGEST_LEN;
	len[10] = param[10] ? (int)it->mail->message_gzlen : 0;
	fmt[5] = fmt[6] = fmt[10] = 1;
	res = PQexecParams(s->conn, KEEP_CONFLICT, 12, NULL, param, len, fmt,
	    0);
	buf_free(&flags);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
		return db_fail(s, res, "conflict", err, errlen);
	if (PQgetvalue(res, 0, 0)[0] == 't')
		it->verdict = STORE_CONFLICT;
	else if (PQgetvalue(res, 0, 1)[0] != 't')
		it->verdict = STORE_CONFLICT_OVER;
	PQclear(res);		/* seen before: stays a duplicate */
	return 0;
}

/* store_settle_conflicts - see store_int.h */
int
store_settle_conflicts(struct store *s, struct store_item **its, size_t n,
    int *temp, char *err, size_t errlen)
{
	char	*cand;
	size_t	 i, ncand = 0;
	int	 rc = -1;

	*temp = 0;
	cand = xcalloc(n ? n : 1, 1);
	if (differs(s, its, n, cand, &ncand, err, errlen) == -1)
		goto fail;
	if (ncand == 0) {
		free(cand);
		return 0;
	}
	if (exec_cmd(s, "BEGIN", "begin", err, errlen) == -1)
		goto fail;
	for (i = 0; i < n; i++)
		if (cand[i] && keep(s, its[i], err, errlen) == -1)
			goto fail;
	if (exec_cmd(s, "COMMIT", "commit", err, errlen) == 0)
		rc = 0;
fail:
	if (rc == -1) {
		rollback(s);
		*temp = state_is_temp(s);
		/* nothing of them is written: the door answers "later" */
		for (i = 0; i < n; i++)
			if (cand[i] || (ncand == 0 &&
			    its[i]->verdict == STORE_DUPLICATE)) {
				its[i]->verdict = STORE_RETRY;
				seterr(its[i]->err, sizeof its[i]->err, "%s",
				    err);
			}
	}
	free(cand);
	return rc;
}
