/*
 * quarantine.c - raw bodies we could not accept, kept with the reason
 *
 * SYNOPSIS
 *	#include "store.h"
 *
 *	int store_quarantine(s, transport, source, reason, raw, rawlen,
 *	    mail, max_bytes, &temp, err, errlen)
 *	int store_quarantine_delete(s, ids, n, err, errlen)
 *
 * DESCRIPTION
 *	A body answered 400 (or a spooled one the database refused) is kept
 *	here so that a parser fix can recover it with "tlsrpt reparse":
 *	Postfix's reporter never sends a report twice (sql/002_quarantine.sql).
 *	The same bytes (sha256) are kept once; the table is bounded by
 *	quarantine_max_bytes, the oldest rows going first.
 */
#include <stdint.h>
#include <stdio.h>

#include <libpq-fe.h>
#include <openssl/evp.h>

#include "log.h"
#include "store_int.h"
#include "util.h"

#define INSERT_QUARANTINE						\
	"INSERT INTO quarantine (transport, source, reason, raw, raw_sha256, "\
	"dkim, message_id, mail_from) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "\
	"ON CONFLICT (raw_sha256) DO NOTHING"

/* Drop the oldest bodies until the rest fit $1 bytes; the newest stays
 * whatever its size, so the body just received is never lost at once. */
#define TRIM_QUARANTINE							\
	"DELETE FROM quarantine WHERE id IN (SELECT id FROM (SELECT id, "	\
	"sum(octet_length(raw)) OVER (ORDER BY id DESC) AS upto "	\
	"FROM quarantine) t WHERE upto > $1::bigint "			\
	"AND id < (SELECT max(id) FROM quarantine))"

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

/* trim - drop the oldest bodies past max_bytes (0: no bound) */
static int
trim(struct store *s, size_t max_bytes, char *err, size_t errlen)
{
	const char	*param[1];
	char		 cap[INT64_TEXT];

	if (max_bytes == 0)
		return 0;
	snprintf(cap, sizeof cap, "%zu", max_bytes);
	param[0] = cap;
	return query(s, TRIM_QUARANTINE, 1, param, NULL, NULL,
	    "quarantine trim", err, errlen);
}

/* store_quarantine - see store.h; one transaction: keep, then trim */
int
store_quarantine(struct store *s, const char *transport, const char *source,
    const char *reason, const unsigned char *raw, size_t rawlen,
    const struct store_mail *mail, size_t max_bytes, int *temp, char *err,
    size_t errlen)
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0;
	const char	*param[8];
	int		 len[8] = { 0 }, fmt[8] = { 0, 0, 0, 1, 1, 0, 0, 0 };

	*temp = 0;
	if (rawlen > INT32_MAX)
		return seterr(err, errlen, "quarantine: body too large");
	if (EVP_Digest(raw, rawlen, md, &mdlen, EVP_sha256(), NULL) != 1)
		fatalx("EVP_Digest sha256 failed");
	param[0] = transport ? transport : "unknown";
	param[1] = source;
	param[2] = reason ? reason : "";
	param[3] = raw ? (const char *)raw : "";
	param[4] = (const char *)md;
	param[5] = mail ? mail->dkim : NULL;
	param[6] = mail ? mail->message_id : NULL;
	param[7] = mail ? mail->mail_from : NULL;
	len[3] = (int)rawlen;
	len[4] = (int)mdlen;
	if (exec_cmd(s, "BEGIN", "begin", err, errlen) == 0 &&
	    query(s, INSERT_QUARANTINE, 8, param, len, fmt, "quarantine",
	    err, errlen) == 0 &&
	    trim(s, max_bytes, err, errlen) == 0 &&
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
