/*
 * quarantine.c - raw bodies we could not accept, kept with the reason
 *
 * SYNOPSIS
 *	#include "store.h"
 *
 *	int store_quarantine(s, transport, source, reason, raw, rawlen,
 *	    mail, &bound, &temp, err, errlen)
 *	int store_quarantine_delete(s, ids, n, err, errlen)
 *
 * DESCRIPTION
 *	A body answered 400 (or a spooled one the database refused) is kept
 *	here so that a parser fix can recover it with "tlsrpt reparse":
 *	Postfix's reporter never sends a report twice (sql/002_quarantine.sql).
 *	The same bytes (sha256) are kept once; the table is bounded by
 *	quarantine_max_bytes.  Each body counts against its source's share
 *	(store_qbound.share, chosen by the door: a client's network, a
 *	mail's From domain): one source holds at most share_max bytes, its
 *	own oldest going first, so a flood from one place cannot push out
 *	what others sent (sql/008_quarantine_share.sql).  Past the whole
 *	bound, the source holding most gives way first, oldest first.  The
 *	body just received always stays, whatever its size.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>
#include <openssl/evp.h>

#include "log.h"
#include "store_int.h"
#include "util.h"
#include "xmalloc.h"

#define INSERT_QUARANTINE						\
	"INSERT INTO quarantine (transport, source, reason, raw, raw_sha256, "\
	"dkim, message_id, mail_from, share) VALUES ($1, $2, $3, $4, $5, $6, "\
	"$7, $8, $9) ON CONFLICT (raw_sha256) DO NOTHING"

/* Source $1's oldest bodies until the rest of its own fit $2 bytes; its
 * newest stays whatever its size, so the body just received is never
 * lost at once.  Only the source that just grew can be over its share. */
#define TRIM_SHARE							\
	"DELETE FROM quarantine WHERE id IN (SELECT id FROM (SELECT id, "	\
	"sum(octet_length(raw)) OVER (ORDER BY id DESC) AS upto "	\
	"FROM quarantine WHERE share = $1) t WHERE upto > $2::bigint "	\
	"AND id < (SELECT max(id) FROM quarantine WHERE share = $1))"

/* Then the whole to $1 bytes: bodies in the order the sources give way
 * (most bytes held first; each source's oldest first), dropped while what
 * is left is over the bound; the newest body of all stays. */
#define TRIM_QUARANTINE							\
	"WITH s AS (SELECT share, sum(octet_length(raw)) AS held "	\
	"FROM quarantine GROUP BY share), "				\
	"o AS (SELECT q.id, octet_length(q.raw) AS len, "		\
	"sum(octet_length(q.raw)) OVER (ORDER BY s.held DESC, q.share, "	\
	"q.id ROWS UNBOUNDED PRECEDING) AS freed "			\
	"FROM quarantine q JOIN s USING (share) "			\
	"WHERE q.id < (SELECT max(id) FROM quarantine)) "		\
	"DELETE FROM quarantine WHERE id IN (SELECT id FROM o "		\
	"WHERE (SELECT sum(held) FROM s) - (freed - len) > $1::bigint)"

/* query - a statement with parameters that returns no rows */
static int
query(struct store *s, const char *sql, int n, const char *const *param,
    const int *len, const int *fmt, const char *what, char *err,
    size_t errlen)
{
	PGresult	*res;

	res = PQexecParams(s->conn, sql, n, NULL, param, len, fmt, 0);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		return db_fail(s, res, what, err, errlen);
	PQclear(res);
	return 0;
}

/* trim - the source's share, then the whole (0: no bound) */
static int
trim(struct store *s, const char *share, const struct store_qbound *b,
    char *err, size_t errlen)
{
	const char	*param[2];
	char		 cap[INT64_TEXT];

	if (b == NULL)
		return 0;
	if (b->share_max > 0) {
		snprintf(cap, sizeof cap, "%zu", b->share_max);
		param[0] = share;
		param[1] = cap;
		if (query(s, TRIM_SHARE, 2, param, NULL, NULL,
		    "quarantine trim share", err, errlen) == -1)
			return -1;
	}
	if (b->max_bytes == 0)
		return 0;
	snprintf(cap, sizeof cap, "%zu", b->max_bytes);
	param[0] = cap;
	return query(s, TRIM_QUARANTINE, 1, param, NULL, NULL,
	    "quarantine trim", err, errlen);
}

/* store_quarantine - see store.h; one transaction: keep, then trim */
int
store_quarantine(struct store *s, const char *transport, const char *source,
    const char *reason, const unsigned char *raw, size_t rawlen,
    const struct store_mail *mail, const struct store_qbound *bound,
    int *temp, char *err, size_t errlen)
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0;
	const char	*param[9], *share;
	int		 len[9] = { 0 }, fmt[9] = { 0, 0, 0, 1, 1, 0, 0, 0, 0 };

	*temp = 0;
	if (rawlen > INT32_MAX)
		return seterr(err, errlen, "quarantine: body too large");
	if (EVP_Digest(raw, rawlen, md, &mdlen, md_sha256(), NULL) != 1)
		fatalx("EVP_Digest sha256 failed");
	param[0] = transport ? transport : "unknown";
	param[1] = source;
	param[2] = reason ? reason : "";
	param[3] = raw ? (const char *)raw : "";
	param[4] = (const char *)md;
	param[5] = mail ? mail->dkim : NULL;
	param[6] = mail ? mail->message_id : NULL;
	param[7] = mail ? mail->mail_from : NULL;
	share = bound != NULL && bound->share != NULL ? bound->share : "";
	param[8] = share;
	len[3] = (int)rawlen;
	len[4] = (int)mdlen;
	if (exec_cmd(s, "BEGIN", "begin", err, errlen) == 0 &&
	    query(s, INSERT_QUARANTINE, 9, param, len, fmt, "quarantine",
	    err, errlen) == 0 &&
	    trim(s, share, bound, err, errlen) == 0 &&
	    exec_cmd(s, "COMMIT", "commit", err, errlen) == 0)
		return 0;
	rollback(s);
	*temp = state_is_temp(s);
	return -1;
}

/* store_quarantine_delete - see store.h */
int
store_quarantine_delete(struct store *s, const int64_t *ids, size_t n,
    char *err, size_t errlen)
{
	struct buf	 list = BUF_INIT;
	const char	*param[1];
	int		 rc;

	if (n == 0)
		return 0;
	ids_param(&list, ids, n);
	param[0] = (const char *)list.data;
	rc = query(s, "DELETE FROM quarantine WHERE id = ANY ($1::bigint[])",
	    1, param, NULL, NULL, "quarantine delete", err, errlen);
	buf_free(&list);
	return rc;
}

/*
 * The kept rows: quarantine (q) and report_conflict (c) in one shape.
 * Columns: kind, id, report, received, transport, source, reason, dkim,
 * message_id, mail_from, auth, hint, proof, raw (or NULL), raw length,
 * message_gz (or NULL).  $1: 't' for the bytes too; $2/$3: one row.
 */
#define KEPT_SELECT(where_q, where_c)					\
	"SELECT 'q', id, NULL::bigint, to_char(received_at AT TIME ZONE "\
	"'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), transport, source, "	\
	"reason, dkim, message_id, mail_from, NULL, NULL, NULL, "	\
	"CASE WHEN $1::bool THEN raw END, octet_length(raw), NULL::bytea "\
	"FROM quarantine " where_q " UNION ALL "			\
	"SELECT 'c', c.id, c.report_id, to_char(c.received_at AT TIME "	\
	"ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), c.transport, "	\
	"c.source, 'conflicting copy of ' || r.organization_name || ' ' "\
	"|| r.report_id, c.dkim, NULL, NULL, c.authenticated, "		\
	"c.domain_hint, c.proof, CASE WHEN $1::bool THEN c.raw END, "	\
	"octet_length(c.raw), CASE WHEN $1::bool THEN c.message_gz END "\
	"FROM report_conflict c JOIN report r ON r.id = c.report_id "	\
	where_c

#define KEPT_ALL							\
	KEPT_SELECT("WHERE $2::text IS NULL OR $3::bigint IS NULL",	\
	    "WHERE $2::text IS NULL OR $3::bigint IS NULL")		\
	" ORDER BY 4 DESC, 1, 2 DESC"
#define KEPT_ONE							\
	KEPT_SELECT("WHERE $2::text = 'q' AND id = $3::bigint",		\
	    "WHERE $2::text = 'c' AND c.id = $3::bigint")

static const char *
kept_field(PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

/* kept_query - run the select into list */
static int
kept_query(struct store *s, const char *sql, const char *const *param,
    struct store_kept_list *list, char *err, size_t errlen)
{
	PGresult		*res;
	struct store_kept	*k;
	int			 i, n;

	memset(list, 0, sizeof *list);
	/* binary: the bytes come as they are; ids as big-endian int8 */
	res = PQexecParams(s->conn, sql, 3, NULL, param, NULL, NULL, 1);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		return db_fail(s, res, "quarantine list", err, errlen);
	n = PQntuples(res);
	list->res[0] = res;
	list->n = (size_t)n;
	list->rows = xcalloc(n ? (size_t)n : 1, sizeof *list->rows);
	for (i = 0; i < n; i++) {
		k = &list->rows[i];
		k->kind = PQgetvalue(res, i, 0)[0];
		k->id = get_be64(PQgetvalue(res, i, 1));
		k->report = PQgetisnull(res, i, 2) ? 0 :
		    get_be64(PQgetvalue(res, i, 2));
		k->received = PQgetvalue(res, i, 3);
		k->transport = PQgetvalue(res, i, 4);
		k->source = kept_field(res, i, 5);
		k->reason = kept_field(res, i, 6);
		k->dkim = kept_field(res, i, 7);
		k->message_id = kept_field(res, i, 8);
		k->mail_from = kept_field(res, i, 9);
		k->auth = kept_field(res, i, 10);
		k->hint = kept_field(res, i, 11);
		k->proof = kept_field(res, i, 12);
		if (!PQgetisnull(res, i, 13)) {
			k->raw = (const unsigned char *)PQgetvalue(res, i, 13);
			k->rawlen = (size_t)PQgetlength(res, i, 13);
		} else
			k->rawlen = (size_t)(uint32_t)ntohl(*(const uint32_t *)
			    (const void *)PQgetvalue(res, i, 14));
		if (!PQgetisnull(res, i, 15)) {
			k->message_gz = (const unsigned char *)
			    PQgetvalue(res, i, 15);
			k->message_gzlen = (size_t)PQgetlength(res, i, 15);
		}
	}
	return 0;
}

/* store_kept_list - see store.h */
int
store_kept_list(struct store *s, struct store_kept_list *list, char *err,
    size_t errlen)
{
	const char	*param[3] = { "f", NULL, NULL };

	return kept_query(s, KEPT_ALL, param, list, err, errlen);
}

/* store_kept_get - see store.h */
int
store_kept_get(struct store *s, char kind, int64_t id,
    struct store_kept_list *list, char *err, size_t errlen)
{
	const char	*param[3];
	char		 k[2] = { kind, '\0' }, num[INT64_TEXT];

	snprintf(num, sizeof num, "%lld", (long long)id);
	param[0] = "t";
	param[1] = k;
	param[2] = num;
	return kept_query(s, KEPT_ONE, param, list, err, errlen);
}

/* store_kept_free - see store.h */
struct store_kept_list *
store_kept_free(struct store_kept_list *list)
{
	if (list == NULL)
		return NULL;
	PQclear(list->res[0]);
	free(list->rows);
	memset(list, 0, sizeof *list);
	return NULL;
}
