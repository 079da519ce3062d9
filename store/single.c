/*
 * single.c - one report, without the bulk machinery
 *
 * SYNOPSIS
 *	#include "store_int.h"
 *
 *	int store_single(s, it, slot_proof, err, errlen)
 *
 * DESCRIPTION
 *	A process that stores one report ("tlsrpt ingest-mail", one process
 *	per mail as Postfix runs it) pays for every statement of its
 *	connection: the staging table of batch.c is a temporary table,
 *	created in the session's first transaction (catalog rows, a file),
 *	which measured about 7 ms of a 100 ms mail.  So one report goes
 *	straight into report with a parameterised INSERT ... ON CONFLICT,
 *	then its policies, failure details and mail with COPY, in one
 *	transaction: the same rows as a batch of one, and the same verdicts
 *	(a duplicate's id is read back; conflicts and proofs are settled
 *	after the commit by store_batch, as for a batch).
 *
 *	Returns 0 with it->verdict (STORED, DUPLICATE) and it->id, or -1
 *	with err and s->sqlstate (the caller rolls back and decides, as for
 *	a batch).
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <libpq-fe.h>

#include "store_int.h"
#include "util.h"

/*
 * The new report, or the id of the one in its key and slot: $1..$22 as
 * in single_params().  A copy committed by a concurrent transaction after
 * this statement's snapshot is not seen by the second SELECT: then no row
 * comes back, and the id is read after the commit.
 */
#define INSERT_ONE							\
	"WITH ins AS (INSERT INTO report (organization_name, report_id, "	\
	"start_raw, end_raw, start_time, end_time, day, contact_info, "	\
	"verdict, transport, source, authenticated, home_domain, "	\
	"domain_hint, flags, raw, raw_sha256, content_sha256, proof, slot, "\
	"arrival_flags) VALUES ($1, $2, $3, $4, "			\
	"to_timestamp($5::bigint) + $6::int * interval '1 microsecond', "\
	"to_timestamp($7::bigint) + $8::int * interval '1 microsecond', "\
	"(to_timestamp($5::bigint) AT TIME ZONE 'UTC')::date, $9, $10, $11, "\
	"$12, $13, $14, $15, $16::text[], $17, sha256($17), $18, $19, $20, "\
	"coalesce($21::text[], '{}')) "					\
	"ON CONFLICT (organization_name, report_id, start_raw, slot) "	\
	"DO NOTHING RETURNING id) "					\
	"SELECT id, true FROM ins UNION ALL "				\
	"SELECT id, false FROM report WHERE organization_name = $1 AND "	\
	"report_id = $2 AND start_raw = $3 AND slot = $20 "		\
	"AND NOT EXISTS (SELECT 1 FROM ins)"

#define SELECT_ONE_ID							\
	"SELECT id FROM report WHERE organization_name = $1 "		\
	"AND report_id = $2 AND start_raw = $3 AND slot = $4"

#define NPARAM	21

/* store_single - see above */
int
store_single(struct store *s, struct store_item *it, int slot_proof,
    char *err, size_t errlen)
{
	const struct report	*r = it->report;
	struct row		 w;
	struct buf		 flags = BUF_INIT, arrival = BUF_INIT;
	PGresult		*res;
	unsigned char		 md[REPORT_DIGEST_LEN];
	const char		*param[NPARAM];
	int			 len[NPARAM] = { 0 }, fmt[NPARAM] = { 0 };
	char			 num[4][INT64_TEXT];
	int			 is_new = 0, found = 0, rc = -1;

	memset(&w, 0, sizeof w);
	row_from_item(&w, it, slot_proof);
	if (w.rawlen > INT32_MAX)
		return seterr(err, errlen, "report body too large");
	put_flags(&flags, r->flags);
	if (w.narrival > 0)
		array_param(&arrival, w.arrival, w.narrival);
	report_digest(r, md);
	snprintf(num[0], sizeof num[0], "%" PRId64, (int64_t)r->start_time);
	snprintf(num[1], sizeof num[1], "%d", (int)r->start_usec);
	snprintf(num[2], sizeof num[2], "%" PRId64, (int64_t)r->end_time);
	snprintf(num[3], sizeof num[3], "%d", (int)r->end_usec);
	param[0] = r->organization_name;
	param[1] = r->report_id;
	param[2] = r->start_raw;
	param[3] = r->end_raw;
	param[4] = num[0];
	param[5] = num[1];
	param[6] = num[2];
	param[7] = num[3];
	param[8] = r->contact_info;
	param[9] = w.verdict;
	param[10] = w.transport;
	param[11] = w.source;
	param[12] = w.auth;
	param[13] = r->home_domain;
	param[14] = w.hint;
	param[15] = (const char *)flags.data;
	param[16] = (const char *)w.raw;
	len[16] = (int)w.rawlen;
	fmt[16] = 1;
	param[17] = (const char *)md;
	len[17] = REPORT_DIGEST_LEN;
	fmt[17] = 1;
	param[18] = w.proof;
	param[19] = w.slot;
	param[20] = w.narrival > 0 ? (const char *)arrival.data : NULL;

	if (exec_cmd(s, "BEGIN", "begin", err, errlen) == -1)
		goto out;
	res = PQexecParams(s->conn, INSERT_ONE, NPARAM, NULL, param, len, fmt,
	    0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		db_fail(s, res, "insert report", err, errlen);
		goto out;
	}
	if (PQntuples(res) == 1) {
		found = 1;
		w.id = parse_i64(PQgetvalue(res, 0, 0));
		is_new = PQgetvalue(res, 0, 1)[0] == 't';
	}
	PQclear(res);
	w.is_new = is_new;
	if (is_new && (copy_rows(s, COPY_K_POLICY, &w, 1, 0, err,
	    errlen) == -1 || copy_rows(s, COPY_K_FAILURE, &w, 1, 0, err,
	    errlen) == -1 || (w.mail != NULL && copy_rows(s, COPY_K_MESSAGE,
	    &w, 1, 0, err, errlen) == -1)))
		goto out;
	if (exec_cmd(s, "COMMIT", "commit", err, errlen) == -1)
		goto out;
	if (!found) {
		/* its copy was committed meanwhile: the id is informative */
		param[3] = w.slot;
		res = PQexecParams(s->conn, SELECT_ONE_ID, 4, NULL, param,
		    NULL, NULL, 0);
		if (PQresultStatus(res) == PGRES_TUPLES_OK &&
		    PQntuples(res) == 1)
			w.id = parse_i64(PQgetvalue(res, 0, 0));
		PQclear(res);
	}
	it->id = w.id;
	it->verdict = is_new ? STORE_STORED : STORE_DUPLICATE;
	rc = 0;
out:
	buf_free(&flags);
	buf_free(&arrival);
	return rc;
}
