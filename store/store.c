/*
 * store.c - PostgreSQL access: schema, batched atomic storage, reparse,
 *	     summary (see store.h for the contract)
 *
 * DESCRIPTION
 *	store_batch() is the hot path: thousands of reports a second with
 *	durable commits.  One call is one transaction with a fixed number of
 *	round trips, whatever the batch size:
 *
 *	  BEGIN + the session's TEMP staging table (created if missing)
 *	  SELECT nextval() x n          ids are taken before the insert
 *	  COPY stage                    the report rows, raw bytes included
 *	  INSERT report SELECT stage    ON CONFLICT DO NOTHING RETURNING id
 *	  SELECT existing ids           only when there were duplicates
 *	  COPY policy, failure_detail   rows of the new reports only
 *	  COMMIT
 *
 *	Knowing the ids before the insert is what lets the child rows go
 *	straight into their tables with COPY.  Copies of one report inside
 *	the batch are settled before staging (the first wins); the staged
 *	rows go in dedup-key order, so two sessions inserting overlapping
 *	keys take them in the same order and wait for each other instead of
 *	deadlocking.
 *
 *	All values travel as COPY text or as query parameters; no value is
 *	ever put into SQL text.
 *
 *	When the database refuses the batch for its data (SQLSTATE class 22,
 *	23 or 54: a value out of range, a CHECK), the batch is redone one
 *	report per savepoint in one transaction, so only the bad report is
 *	STORE_FAILED, and a connection lost midway still stores nothing.
 *	Serialisation failures and deadlocks (class 40) redo the whole batch
 *	twice before giving up.
 *
 * DIAGNOSTICS
 *	Functions return 0, or -1 with one line in err; store_batch() and
 *	store_reparse() leave nothing half-written.  PostgreSQL notices go to
 *	log_debug().
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>
#include <openssl/evp.h>

#include "buf.h"
#include "log.h"
#include "migrations.h"
#include "report.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

/* The staging table lives per session (TEMP).  It is emptied with DELETE
 * when each transaction begins, not ON COMMIT DELETE ROWS: that truncates
 * the table, its TOAST table and index at every commit, which measured
 * 0.6 ms a transaction, more than a whole small batch of serve's group
 * commit.  The dead rows are pruned as pages are read, and the session
 * vacuums the table now and then (stage_vacuum).  The version suffix
 * keeps an old layout, left on a pooled server connection by an older
 * binary, from being reused. */
#define STAGE		"tlsrpt_stage_v2"

#define STAGE_DDL							\
	"CREATE TEMP TABLE IF NOT EXISTS " STAGE " ("			\
	"id bigint, organization_name text, report_id text, "		\
	"start_raw text, end_raw text, start_sec bigint, "		\
	"start_usec integer, end_sec bigint, end_usec integer, "	\
	"contact_info text, verdict text, transport text, source text, "\
	"flags text[], raw bytea, raw_sha256 bytea) ON COMMIT PRESERVE ROWS"

/* Every transaction that uses the stage opens with this, in one round
 * trip.  Creating it in each transaction (rather than once per
 * connection) keeps working behind a transaction-pooling proxy; the
 * "already exists" notice is silenced for the transaction only. */
#define BEGIN_STAGE							\
	"BEGIN; SET LOCAL client_min_messages = warning; " STAGE_DDL	\
	"; DELETE FROM " STAGE

/* Staged rows after which the session vacuums its staging table, so its
 * space is reused (autovacuum never visits temporary tables). */
#define STAGE_VACUUM_ROWS	500

#define COPY_STAGE							\
	"COPY " STAGE " (id, organization_name, report_id, start_raw, "	\
	"end_raw, start_sec, start_usec, end_sec, end_usec, contact_info, "\
	"verdict, transport, source, flags, raw, raw_sha256) FROM STDIN"

#define COPY_POLICY							\
	"COPY policy (report_id, idx, policy_type, policy_domain, domain, "\
	"policy_string, mx_host, total_successful, total_failure) "	\
	"FROM STDIN"

#define COPY_FAILURE							\
	"COPY failure_detail (report_id, policy_idx, idx, result_type, "	\
	"sending_mta_ip, sending_mta_ip_raw, receiving_mx_hostname, "	\
	"receiving_mx_helo, receiving_ip, receiving_ip_raw, "		\
	"failed_session_count, additional_information, "		\
	"failure_reason_code) FROM STDIN"

/* The normalised times from the parser's seconds and microseconds.
 * to_timestamp() of a whole number is exact; adding the fraction as an
 * interval avoids rounding a float. */
#define STAGE_START							\
	"to_timestamp(s.start_sec) + s.start_usec * interval '1 microsecond'"
#define STAGE_END							\
	"to_timestamp(s.end_sec) + s.end_usec * interval '1 microsecond'"
#define STAGE_DAY							\
	"(to_timestamp(s.start_sec) AT TIME ZONE 'UTC')::date"

#define INSERT_REPORTS							\
	"INSERT INTO report (id, organization_name, report_id, start_raw, "\
	"end_raw, start_time, end_time, day, contact_info, verdict, "	\
	"transport, source, flags, raw, raw_sha256, parsed_at) "	\
	"SELECT s.id, s.organization_name, s.report_id, s.start_raw, "	\
	"s.end_raw, " STAGE_START ", " STAGE_END ", " STAGE_DAY ", "	\
	"s.contact_info, s.verdict, s.transport, s.source, s.flags, "	\
	"s.raw, s.raw_sha256, now() "					\
	"FROM " STAGE " s WHERE s.id BETWEEN $1 AND $2 "			\
	"ON CONFLICT (organization_name, report_id, start_raw) DO NOTHING "\
	"RETURNING id"

/* The same for the pipelined batch (batch_fast): the stage holds only
 * this batch, and each staged row comes back with whether it is new and,
 * when not, the id of the report it duplicates if this statement's
 * snapshot sees it (a copy committed by a concurrent batch meanwhile is
 * looked up after the commit). */
#define INSERT_FAST							\
	"WITH ins AS (INSERT INTO report (id, organization_name, report_id, "\
	"start_raw, end_raw, start_time, end_time, day, contact_info, "	\
	"verdict, transport, source, flags, raw, raw_sha256, parsed_at) "\
	"SELECT s.id, s.organization_name, s.report_id, s.start_raw, "	\
	"s.end_raw, " STAGE_START ", " STAGE_END ", " STAGE_DAY ", "	\
	"s.contact_info, s.verdict, s.transport, s.source, s.flags, "	\
	"s.raw, s.raw_sha256, now() FROM " STAGE " s "			\
	"ON CONFLICT (organization_name, report_id, start_raw) DO NOTHING "\
	"RETURNING id) "						\
	"SELECT s.id, i.id IS NOT NULL, CASE WHEN i.id IS NULL THEN "	\
	"(SELECT r.id FROM report r "					\
	"WHERE r.organization_name = s.organization_name "		\
	"AND r.report_id = s.report_id AND r.start_raw = s.start_raw) END "\
	"FROM " STAGE " s LEFT JOIN ins i ON i.id = s.id"

#define SELECT_KEY_ID							\
	"SELECT id FROM report WHERE organization_name = $1 "		\
	"AND report_id = $2 AND start_raw = $3"

/* The row each staged report the insert skipped collided with: an older
 * report, committed by now if it came from a concurrent batch (READ
 * COMMITTED: this statement takes a fresh snapshot), or one stored by
 * this transaction (the one-by-one path). */
#define SELECT_DUPLICATES						\
	"SELECT s.id, (SELECT r.id FROM report r "			\
	"WHERE r.organization_name = s.organization_name "		\
	"AND r.report_id = s.report_id AND r.start_raw = s.start_raw) "	\
	"FROM " STAGE " s WHERE s.id = ANY ($1::bigint[])"

#define SELECT_IDS							\
	"SELECT nextval('report_id_seq') FROM generate_series(1, $1::int)"

/* One page of reparse: at most $2 rows, and no more raw bytes than $3
 * (but always the first row), locked so nothing changes them meanwhile. */
#define SELECT_REPARSE_PAGE						\
	"WITH page AS (SELECT id, octet_length(raw) AS len FROM report "	\
	"WHERE id > $1 ORDER BY id LIMIT $2), "				\
	"acc AS (SELECT id, sum(len) OVER (ORDER BY id) - len AS before "	\
	"FROM page) "							\
	"SELECT r.id, r.raw FROM report r JOIN acc ON acc.id = r.id "	\
	"WHERE acc.before = 0 OR acc.before < $3 "			\
	"ORDER BY r.id FOR UPDATE OF r"

/* The same for the quarantine, with what store_batch needs to know */
#define SELECT_QUARANTINE_PAGE						\
	"WITH page AS (SELECT id, octet_length(raw) AS len FROM quarantine "\
	"WHERE id > $1 ORDER BY id LIMIT $2), "				\
	"acc AS (SELECT id, sum(len) OVER (ORDER BY id) - len AS before "	\
	"FROM page) "							\
	"SELECT q.id, q.transport, q.source, q.raw FROM quarantine q "	\
	"JOIN acc ON acc.id = q.id WHERE acc.before = 0 OR acc.before < $3 "\
	"ORDER BY q.id FOR UPDATE OF q"

#define INSERT_QUARANTINE						\
	"INSERT INTO quarantine (transport, source, reason, raw, raw_sha256) "\
	"VALUES ($1, $2, $3, $4, $5) ON CONFLICT (raw_sha256) DO NOTHING"

/* Drop the oldest bodies until the rest fit $1 bytes; the newest stays
 * whatever its size, so the body just received is never lost at once. */
#define TRIM_QUARANTINE							\
	"DELETE FROM quarantine WHERE id IN (SELECT id FROM (SELECT id, "	\
	"sum(octet_length(raw)) OVER (ORDER BY id DESC) AS upto "	\
	"FROM quarantine) t WHERE upto > $1::bigint "			\
	"AND id < (SELECT max(id) FROM quarantine))"

#define REPARSE_UPDATE							\
	"UPDATE report r SET end_raw = s.end_raw, "			\
	"start_time = " STAGE_START ", end_time = " STAGE_END ", "	\
	"day = " STAGE_DAY ", contact_info = s.contact_info, "		\
	"verdict = s.verdict, flags = s.flags, parsed_at = now() "	\
	"FROM " STAGE " s WHERE r.id = s.id"

#define REPARSE_DELETE							\
	"DELETE FROM policy WHERE report_id IN (SELECT id FROM " STAGE ")"

/* pg_advisory_xact_lock key for store_migrate ("tlsrpt" in ASCII) */
#define MIGRATE_LOCK	"127978118853748"

#define COPY_CHUNK	(256 * 1024)	/* bytes handed to libpq at a time */
#define REPARSE_ROWS	500
#define REPARSE_BYTES	(64 * 1024 * 1024)
#define BATCH_RETRIES	2		/* extra tries after a class-40 error */
#define INT64_TEXT	24		/* room for an int64 in decimal */

struct store {
	PGconn		*conn;
	char		 sqlstate[6];	/* of the last failure, "" if none */
	struct buf	 copy;		/* COPY data not yet sent */
	int64_t		*ids;		/* report ids taken ahead, ascending */
	size_t		 nids, idpos;
	size_t		 staged;	/* rows staged since the last vacuum */
};

/* Report ids are taken from the sequence this many at a time (gaps are
 * harmless), so a small batch costs no round trip for them. */
#define ID_CACHE	1024

/* The three COPYs of a batch */
enum copy_kind {
	COPY_K_STAGE,
	COPY_K_POLICY,
	COPY_K_FAILURE,
};

/* One report on its way into the tables (store_batch and reparse). */
struct row {
	const struct report	*r;
	const char		*verdict;	/* "accepted" or "foreign" */
	const char		*transport;
	const char		*source;
	const unsigned char	*raw;		/* NULL: not staged (reparse) */
	size_t			 rawlen;
	int64_t			 id;
	int			 is_new;	/* write its policies */
	size_t			 item;		/* store_batch: first item of the key */
};

static void	notice_cb(void *, const char *);
static int	db_fail(struct store *, PGresult *, const char *, char *,
		    size_t);
static int	exec_cmd(struct store *, const char *, const char *, char *,
		    size_t);
static void	rollback(struct store *);
static void	stage_vacuum(struct store *, size_t);
static int	state_is_data(const char *);
static int	state_is_retry(const char *);
static int	state_is_temp(struct store *);
static void	put_escaped(struct buf *, const char *, int, int);
static void	put_text(struct buf *, const char *);
static void	put_i64(struct buf *, int64_t);
static void	put_array(struct buf *, char *const *, size_t);
static void	put_flags(struct buf *, uint32_t);
static void	put_bytea(struct buf *, const unsigned char *, size_t);
static int	copy_start(struct store *, const char *, const char *, char *,
		    size_t);
static int	copy_flush(struct store *, int, char *, size_t);
static int	copy_finish(struct store *, char *, size_t);
static void	copy_abort(struct store *);
static const char *decide_verdict(const struct report *, char *const *,
		    size_t);
static void	stage_row(struct buf *, const struct row *);
static void	policy_rows(struct buf *, const struct row *);
static void	failure_rows(struct buf *, const struct row *);
static int	copy_rows(struct store *, enum copy_kind, struct row *, size_t,
		    int, char *, size_t);
static int	take_ids(struct store *, int64_t *, size_t, char *, size_t);
static int	find_duplicates(struct store *, struct row *, size_t,
		    char *, size_t);
static int	batch_run(struct store *, struct store_item **, size_t,
		    char *const *, size_t, char *, size_t);
static int	batch_fast(struct store *, struct store_item **, size_t,
		    char *const *, size_t, char *, size_t);
static void	duplicate_id(struct store *, struct row *);
static int	cmp_i64(const void *, const void *);
static void	batch_reset(struct store_item **, size_t);
static int	items_one_by_one(struct store *, struct store_item **, size_t,
		    char *const *, size_t, char *, size_t);
static int	batch_one_by_one(struct store *, struct store_item **, size_t,
		    char *const *, size_t, int *, char *, size_t);
static int	quarantine_page(struct store *, int64_t *, size_t,
		    char *const *, size_t, size_t *, int *, char *, size_t);
static int	reparse_apply(struct store *, struct row *, size_t, char *,
		    size_t);
static int	reparse_page(struct store *, int64_t *, size_t, char *const *,
		    size_t, size_t *, size_t *, int *, char *, size_t);
static int64_t	parse_i64(const char *);
static int64_t	get_be64(const char *);
static void	array_param(struct buf *, char *const *, size_t);

/* notice_cb - route server notices to the debug log, not to stderr */
static void
notice_cb(void *arg, const char *msg)
{
	size_t	 len = strlen(msg);

	(void)arg;
	while (len > 0 && msg[len - 1] == '\n')
		len--;
	log_debug("postgres: %.*s", (int)len, msg);
}

/*
 * db_fail - put "what: message" into err, remember the SQLSTATE for the
 * retry decisions, release res; returns -1
 */
static int
db_fail(struct store *s, PGresult *res, const char *what, char *err,
    size_t errlen)
{
	const char	*msg = NULL, *st = NULL;
	size_t		 len;

	if (res != NULL) {
		msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
		st = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		if (msg == NULL && PQresultStatus(res) != PGRES_FATAL_ERROR)
			msg = "unexpected result";
	}
	if (msg == NULL || *msg == '\0')
		msg = PQerrorMessage(s->conn);
	if (msg == NULL || *msg == '\0')
		msg = "unknown error";
	len = strcspn(msg, "\n");
	snprintf(s->sqlstate, sizeof s->sqlstate, "%s", st ? st : "");
	seterr(err, errlen, "%s: %.*s", what, (int)len, msg);
	PQclear(res);
	return -1;
}

/* exec_cmd - run SQL (maybe several statements) that returns no rows */
static int
exec_cmd(struct store *s, const char *sql, const char *what, char *err,
    size_t errlen)
{
	PGresult	*res;

	res = PQexec(s->conn, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		return db_fail(s, res, what, err, errlen);
	PQclear(res);
	return 0;
}

/* rollback - end a failed transaction, if one is open; errors are moot */
static void
rollback(struct store *s)
{
	PGTransactionStatusType	 ts;

	if (PQstatus(s->conn) != CONNECTION_OK)
		return;
	ts = PQtransactionStatus(s->conn);
	if (ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR)
		PQclear(PQexec(s->conn, "ROLLBACK"));
}

/* stage_vacuum - count rows staged; past STAGE_VACUUM_ROWS vacuum the
 * staging table (outside any transaction) so its space is reused.  A
 * failure only delays that: it is logged, never fatal. */
static void
stage_vacuum(struct store *s, size_t rows)
{
	PGresult	*res;

	s->staged += rows;
	if (s->staged < STAGE_VACUUM_ROWS ||
	    PQtransactionStatus(s->conn) != PQTRANS_IDLE)
		return;
	s->staged = 0;
	res = PQexec(s->conn, "VACUUM " STAGE);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		log_debug("vacuum " STAGE ": %s", PQresultErrorMessage(res));
	PQclear(res);
}

/*
 * state_is_data - the error is about the values of a report (data
 * exception, integrity constraint, program limit such as a too-long row):
 * another report may well store fine
 */
static int
state_is_data(const char *st)
{
	return strncmp(st, "22", 2) == 0 || strncmp(st, "23", 2) == 0 ||
	    strncmp(st, "54", 2) == 0;
}

/* state_is_retry - serialisation failure or deadlock: try again */
static int
state_is_retry(const char *st)
{
	return strncmp(st, "40", 2) == 0;
}

/*
 * state_is_temp - the database is away or overloaded, not wrong: the
 * caller should come back later (connection, resources, operator
 * intervention such as a shutdown, system error)
 */
static int
state_is_temp(struct store *s)
{
	const char	*st = s->sqlstate;

	if (PQstatus(s->conn) != CONNECTION_OK)
		return 1;
	return strncmp(st, "08", 2) == 0 || strncmp(st, "40", 2) == 0 ||
	    strncmp(st, "53", 2) == 0 || strncmp(st, "57", 2) == 0 ||
	    strncmp(st, "58", 2) == 0;
}

/*
 * put_escaped - append str for COPY text format and/or as an element of
 * an array literal.  copy: escape backslash, tab, newline and CR (COPY
 * text).  elem: inside a double-quoted array element, escape '"' and
 * backslash first; with both, each array-level backslash is escaped
 * again for COPY.  Other bytes, UTF-8 included, pass through.
 */
static void
put_escaped(struct buf *b, const char *str, int copy, int elem)
{
	size_t		 len = strlen(str), i;
	unsigned char	*o, c;

	if (len > (SIZE_MAX - b->len) / 4 - 1)
		fatalx("put_escaped: string too long");
	buf_reserve(b, len * 4);
	o = b->data + b->len;
	for (i = 0; i < len; i++) {
		c = (unsigned char)str[i];
		if (c == '\\' || (c == '"' && elem)) {
			if (elem) {
				*o++ = '\\';
				if (copy)
					*o++ = '\\';
			}
			if (c == '\\' && copy)
				*o++ = '\\';
			*o++ = c;
		} else if (copy && (c == '\t' || c == '\n' || c == '\r')) {
			*o++ = '\\';
			*o++ = c == '\t' ? 't' : c == '\n' ? 'n' : 'r';
		} else
			*o++ = c;
	}
	b->len = (size_t)(o - b->data);
	b->data[b->len] = '\0';
}

/* put_text - one COPY text field, \N for NULL */
static void
put_text(struct buf *b, const char *str)
{
	if (str == NULL)
		buf_append(b, "\\N", 2);
	else
		put_escaped(b, str, 1, 0);
}

/* put_i64 - one integer field */
static void
put_i64(struct buf *b, int64_t v)
{
	char	 num[INT64_TEXT];
	int	 n;

	n = snprintf(num, sizeof num, "%" PRId64, v);
	buf_append(b, num, (size_t)n);
}

/*
 * put_array - a text[] field: every element double-quoted (so commas,
 * braces, blanks and the word NULL stay data), the literal then escaped
 * for COPY.  v == NULL with n == 0 is SQL NULL (member absent); an empty
 * but present array is {}.
 */
static void
put_array(struct buf *b, char *const *v, size_t n)
{
	size_t	 i;

	if (v == NULL && n == 0) {
		buf_append(b, "\\N", 2);
		return;
	}
	buf_putc(b, '{');
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_putc(b, ',');
		if (v[i] == NULL) {
			buf_append(b, "NULL", 4);
			continue;
		}
		buf_putc(b, '"');
		put_escaped(b, v[i], 1, 1);
		buf_putc(b, '"');
	}
	buf_putc(b, '}');
}

/* put_flags - the flag names as a text[] field */
static void
put_flags(struct buf *b, uint32_t flags)
{
	const char	*name;
	char		 unknown[32];
	unsigned	 bit;
	int		 first = 1;

	buf_putc(b, '{');
	for (bit = 0; bit < 32; bit++) {
		if ((flags & (UINT32_C(1) << bit)) == 0)
			continue;
		if ((name = report_flag_name(bit)) == NULL) {
			/* a parser newer than this list: keep the fact */
			snprintf(unknown, sizeof unknown, "bit-%u", bit);
			name = unknown;
		}
		if (!first)
			buf_putc(b, ',');
		first = 0;
		buf_putc(b, '"');
		put_escaped(b, name, 1, 1);
		buf_putc(b, '"');
	}
	buf_putc(b, '}');
}

/* put_bytea - a bytea field in hex form: \x... with the backslash
 * escaped for COPY */
static void
put_bytea(struct buf *b, const unsigned char *p, size_t len)
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		*o;
	size_t			 i;

	if (len > (SIZE_MAX - b->len) / 2 - 4)
		fatalx("put_bytea: too long");
	buf_reserve(b, 3 + 2 * len);
	o = b->data + b->len;
	*o++ = '\\';
	*o++ = '\\';
	*o++ = 'x';
	for (i = 0; i < len; i++) {
		*o++ = (unsigned char)hex[p[i] >> 4];
		*o++ = (unsigned char)hex[p[i] & 0xf];
	}
	b->len = (size_t)(o - b->data);
	b->data[b->len] = '\0';
}

/* copy_start - begin a COPY ... FROM STDIN; the buffer starts empty */
static int
copy_start(struct store *s, const char *sql, const char *what, char *err,
    size_t errlen)
{
	PGresult	*res;

	buf_reset(&s->copy);
	res = PQexec(s->conn, sql);
	if (PQresultStatus(res) != PGRES_COPY_IN)
		return db_fail(s, res, what, err, errlen);
	PQclear(res);
	return 0;
}

/* copy_flush - hand the buffered rows to libpq (all, or once big enough) */
static int
copy_flush(struct store *s, int force, char *err, size_t errlen)
{
	if (s->copy.len == 0 || (!force && s->copy.len < COPY_CHUNK))
		return 0;
	if (s->copy.len > INT32_MAX) {
		s->sqlstate[0] = '\0';
		return seterr(err, errlen, "COPY row too large");
	}
	if (PQputCopyData(s->conn, (const char *)s->copy.data,
	    (int)s->copy.len) != 1)
		return db_fail(s, NULL, "COPY", err, errlen);
	buf_reset(&s->copy);
	return 0;
}

/* copy_finish - send the rest, end the COPY and read its outcome */
static int
copy_finish(struct store *s, char *err, size_t errlen)
{
	PGresult	*res, *extra;

	if (copy_flush(s, 1, err, errlen) == -1) {
		copy_abort(s);
		return -1;
	}
	if (PQputCopyEnd(s->conn, NULL) != 1)
		return db_fail(s, NULL, "COPY end", err, errlen);
	res = PQgetResult(s->conn);
	while ((extra = PQgetResult(s->conn)) != NULL)
		PQclear(extra);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		return db_fail(s, res, "COPY", err, errlen);
	PQclear(res);
	return 0;
}

/* copy_abort - leave COPY mode after a client-side failure */
static void
copy_abort(struct store *s)
{
	PGresult	*res;

	buf_reset(&s->copy);
	if (PQstatus(s->conn) != CONNECTION_OK)
		return;
	if (PQputCopyEnd(s->conn, "aborted by tlsrpt") == 1)
		while ((res = PQgetResult(s->conn)) != NULL)
			PQclear(res);
}

/*
 * decide_verdict - R56: a report is ours when one of its policies counts
 * for one of our domains (n == 0: every domain is ours).  A report
 * without policies names no domain, so it is ours only when all are.
 */
static const char *
decide_verdict(const struct report *r, char *const *domains, size_t n)
{
	size_t	 i;

	if (n == 0)
		return "accepted";
	for (i = 0; i < r->n_policies; i++)
		if (r->policies[i].domain != NULL &&
		    domain_matches(r->policies[i].domain, domains, n))
			return "accepted";
	return "foreign";
}

/* stage_row - one line of COPY_STAGE */
static void
stage_row(struct buf *b, const struct row *w)
{
	const struct report	*r = w->r;
	unsigned char		 md[EVP_MAX_MD_SIZE];
	unsigned int		 mdlen = 0;

	put_i64(b, w->id);
	buf_putc(b, '\t');
	put_text(b, r->organization_name);
	buf_putc(b, '\t');
	put_text(b, r->report_id);
	buf_putc(b, '\t');
	put_text(b, r->start_raw);
	buf_putc(b, '\t');
	put_text(b, r->end_raw);
	buf_putc(b, '\t');
	put_i64(b, r->start_time);
	buf_putc(b, '\t');
	put_i64(b, r->start_usec);
	buf_putc(b, '\t');
	put_i64(b, r->end_time);
	buf_putc(b, '\t');
	put_i64(b, r->end_usec);
	buf_putc(b, '\t');
	put_text(b, r->contact_info);
	buf_putc(b, '\t');
	put_text(b, w->verdict);
	buf_putc(b, '\t');
	put_text(b, w->transport);
	buf_putc(b, '\t');
	put_text(b, w->source);
	buf_putc(b, '\t');
	put_flags(b, r->flags);
	buf_putc(b, '\t');
	if (w->raw == NULL)
		buf_append(b, "\\N\t\\N", 5);
	else {
		put_bytea(b, w->raw, w->rawlen);
		buf_putc(b, '\t');
		/* fails only without memory or a broken libcrypto */
		if (EVP_Digest(w->raw, w->rawlen, md, &mdlen, EVP_sha256(),
		    NULL) != 1)
			fatalx("EVP_Digest sha256 failed");
		put_bytea(b, md, mdlen);
	}
	buf_putc(b, '\n');
}

/* policy_rows - the COPY_POLICY lines of one report */
static void
policy_rows(struct buf *b, const struct row *w)
{
	const struct report_policy	*p;
	size_t				 i;

	for (i = 0; i < w->r->n_policies; i++) {
		p = &w->r->policies[i];
		put_i64(b, w->id);
		buf_putc(b, '\t');
		put_i64(b, (int64_t)i);
		buf_putc(b, '\t');
		put_text(b, p->policy_type);
		buf_putc(b, '\t');
		put_text(b, p->policy_domain);
		buf_putc(b, '\t');
		put_text(b, p->domain);
		buf_putc(b, '\t');
		put_array(b, p->policy_string, p->n_policy_string);
		buf_putc(b, '\t');
		put_array(b, p->mx_host, p->n_mx_host);
		buf_putc(b, '\t');
		put_i64(b, p->total_successful);
		buf_putc(b, '\t');
		put_i64(b, p->total_failure);
		buf_putc(b, '\n');
	}
}

/* failure_rows - the COPY_FAILURE lines of one report; an address goes
 * into the inet column only when the parser could read it (R25) */
static void
failure_rows(struct buf *b, const struct row *w)
{
	const struct report_policy	*p;
	const struct report_failure	*f;
	size_t				 i, j;

	for (i = 0; i < w->r->n_policies; i++) {
		p = &w->r->policies[i];
		for (j = 0; j < p->n_failures; j++) {
			f = &p->failures[j];
			put_i64(b, w->id);
			buf_putc(b, '\t');
			put_i64(b, (int64_t)i);
			buf_putc(b, '\t');
			put_i64(b, (int64_t)j);
			buf_putc(b, '\t');
			put_text(b, f->result_type);
			buf_putc(b, '\t');
			put_text(b, f->sending_ip_ok ? f->sending_mta_ip : NULL);
			buf_putc(b, '\t');
			put_text(b, f->sending_mta_ip);
			buf_putc(b, '\t');
			put_text(b, f->receiving_mx_hostname);
			buf_putc(b, '\t');
			put_text(b, f->receiving_mx_helo);
			buf_putc(b, '\t');
			put_text(b, f->receiving_ip_ok ? f->receiving_ip : NULL);
			buf_putc(b, '\t');
			put_text(b, f->receiving_ip);
			buf_putc(b, '\t');
			put_i64(b, f->failed_session_count);
			buf_putc(b, '\t');
			put_text(b, f->additional_information);
			buf_putc(b, '\t');
			put_text(b, f->failure_reason_code);
			buf_putc(b, '\n');
		}
	}
}

/*
 * copy_rows - one COPY of the rows[] (of the new reports only, unless
 * all) into the staging table, policy or failure_detail
 */
static int
copy_rows(struct store *s, enum copy_kind kind, struct row *rows, size_t n,
    int all, char *err, size_t errlen)
{
	static const char *const sql[] = { COPY_STAGE, COPY_POLICY,
		COPY_FAILURE };
	static const char *const what[] = { "COPY reports", "COPY policies",
		"COPY failure details" };
	size_t	 i;

	if (copy_start(s, sql[kind], what[kind], err, errlen) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if (!all && !rows[i].is_new)
			continue;
		if (kind == COPY_K_STAGE)
			stage_row(&s->copy, &rows[i]);
		else if (kind == COPY_K_POLICY)
			policy_rows(&s->copy, &rows[i]);
		else
			failure_rows(&s->copy, &rows[i]);
		if (copy_flush(s, 0, err, errlen) == -1) {
			copy_abort(s);
			return -1;
		}
	}
	return copy_finish(s, err, errlen);
}

/* cmp_i64 - qsort/bsearch order of int64_t */
static int
cmp_i64(const void *a, const void *b)
{
	int64_t	 x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

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

/* parse_i64 - a decimal integer PostgreSQL sent (trusted format) */
static int64_t
parse_i64(const char *s)
{
	return (int64_t)strtoll(s, NULL, 10);
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
	size_t		 i, ndup = 0;
	int64_t		 sid;
	int		 k;

	buf_putc(&list, '{');
	for (i = 0; i < n; i++) {
		if (rows[i].is_new)
			continue;
		if (ndup++ > 0)
			buf_putc(&list, ',');
		put_i64(&list, rows[i].id);
	}
	buf_putc(&list, '}');
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

/* The items of one batch_run(), for sorting by dedup key. */
struct keyed {
	const struct report	*r;
	size_t			 item;		/* index in its[] */
};

/* keycmp - byte order of the dedup key (R24: byte-exact), then item
 * order, so that the first copy of a key comes first */
static int
keycmp(const void *a, const void *b)
{
	const struct keyed	*x = a, *y = b;
	int			 c;

	if ((c = strcmp(x->r->organization_name, y->r->organization_name)) ||
	    (c = strcmp(x->r->report_id, y->r->report_id)) ||
	    (c = strcmp(x->r->start_raw, y->r->start_raw)))
		return c;
	return x->item < y->item ? -1 : x->item > y->item;
}

/* samekey - two reports with the same dedup key */
static int
samekey(const struct report *a, const struct report *b)
{
	return strcmp(a->organization_name, b->organization_name) == 0 &&
	    strcmp(a->report_id, b->report_id) == 0 &&
	    strcmp(a->start_raw, b->start_raw) == 0;
}

/*
 * batch_run - store its[0..n) inside the open transaction and set their
 * verdict and id.  On failure the verdicts are left for the caller to
 * reset.
 *
 * Copies of one key inside the batch are settled here, the first in item
 * order staying: that needs no ORDER BY over the wide staged rows (which
 * cost more than the insert itself).  The staged rows are written in key
 * order with ascending ids, so the insert, reading the fresh staging
 * table in the order written, takes the keys of concurrent batches in one
 * order; should that ever not hold, the deadlock is detected and the
 * batch tried again (class 40).
 */
/* The rows of one batch, after copies of one key were settled. */
struct plan {
	struct keyed	*ord;
	size_t		*slot;		/* item -> its row */
	struct row	*rows;
	int64_t		*ids;		/* rows' ids, ascending */
	size_t		 m;		/* rows */
};

/* plan_make - sort its[] by dedup key, one row per key (the first item) */
static void
plan_make(struct plan *p, struct store_item **its, size_t n,
    char *const *domains, size_t n_domains)
{
	struct row	*w;
	size_t		 i;

	p->ord = xcalloc(n, sizeof *p->ord);
	p->slot = xcalloc(n, sizeof *p->slot);
	p->rows = xcalloc(n, sizeof *p->rows);
	p->ids = xcalloc(n, sizeof *p->ids);
	p->m = 0;
	for (i = 0; i < n; i++) {
		p->ord[i].r = its[i]->report;
		p->ord[i].item = i;
	}
	qsort(p->ord, n, sizeof *p->ord, keycmp);
	for (i = 0; i < n; i++) {
		size_t	 it = p->ord[i].item;

		if (i > 0 && samekey(p->ord[i].r, p->ord[i - 1].r)) {
			p->slot[it] = p->m - 1;	/* a later copy */
			continue;
		}
		w = &p->rows[p->m];
		w->r = p->ord[i].r;
		w->verdict = decide_verdict(w->r, domains, n_domains);
		w->transport = its[it]->transport;
		w->source = its[it]->source;
		/* an empty raw still gets a (non-NULL) bytea */
		w->raw = its[it]->raw ? its[it]->raw :
		    (const unsigned char *)"";
		w->rawlen = its[it]->raw ? its[it]->rawlen : 0;
		w->item = it;
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
		if (!w->is_new || w->item != i)
			its[i]->verdict = STORE_DUPLICATE;
		else if (strcmp(w->verdict, "foreign") == 0)
			its[i]->verdict = STORE_FOREIGN;
		else
			its[i]->verdict = STORE_STORED;
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
 * batch_run - store its[0..n) inside the open transaction and set their
 * verdict and id, one statement at a time (the retry and one-by-one
 * paths; batch_fast is the usual one).  On failure the verdicts are left
 * for the caller to reset.
 *
 * Copies of one key inside the batch are settled by plan_make, the first
 * in item order staying: that needs no ORDER BY over the wide staged rows
 * (which cost more than the insert itself).  The staged rows are written
 * in key order with ascending ids, so the insert, reading the fresh
 * staging table in the order written, takes the keys of concurrent
 * batches in one order; should that ever not hold, the deadlock is
 * detected and the batch tried again (class 40).
 */
static int
batch_run(struct store *s, struct store_item **its, size_t n,
    char *const *domains, size_t n_domains, char *err, size_t errlen)
{
	struct plan	 p;
	PGresult	*res;
	const char	*param[2];
	char		 lo[INT64_TEXT], hi[INT64_TEXT];
	int		 rc = -1;

	plan_make(&p, its, n, domains, n_domains);
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
	    copy_rows(s, COPY_K_FAILURE, p.rows, p.m, 0, err, errlen) == -1)
		goto done;
	plan_verdicts(&p, its, n);
	rc = 0;
done:
	plan_free(&p);
	return rc;
}

/* cached_ids - m ascending report ids from the session's cache */
static int
cached_ids(struct store *s, int64_t *ids, size_t m, char *err, size_t errlen)
{
	size_t	 want;

	if (s->nids - s->idpos < m) {
		want = m > ID_CACHE ? m : ID_CACHE;
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

/* next_result - the next result of the pipelined batch; -1 with err when
 * it is not of the status expected */
static int
next_result(struct store *s, ExecStatusType want, PGresult **out,
    const char *what, char *err, size_t errlen)
{
	PGresult	*res = PQgetResult(s->conn);

	if (PQresultStatus(res) != want)
		return db_fail(s, res, what, err, errlen);
	if (out != NULL)
		*out = res;
	else
		PQclear(res);
	return 0;
}

/* send_copy - the COPY data in hand, then its end */
static int
send_copy(struct store *s, char *err, size_t errlen)
{
	if (copy_flush(s, 1, err, errlen) == -1) {
		copy_abort(s);
		return -1;
	}
	if (PQputCopyEnd(s->conn, NULL) != 1)
		return db_fail(s, NULL, "COPY end", err, errlen);
	return 0;
}

/* drain - after a failure in the pipelined batch: leave COPY mode and
 * read what is left, so the connection is idle again */
static void
drain(struct store *s)
{
	PGresult	*res;

	while (PQstatus(s->conn) == CONNECTION_OK &&
	    (res = PQgetResult(s->conn)) != NULL) {
		if (PQresultStatus(res) == PGRES_COPY_IN)
			PQputCopyEnd(s->conn, "aborted by tlsrpt");
		PQclear(res);
	}
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
 * two processes on a busy machine) would cost more than their rows.  Ids
 * come from a per-session cache.  Duplicates of rows committed by a
 * concurrent batch get their ids by one more query after the commit.  On
 * failure the transaction is rolled back and store_batch decides (retry,
 * one by one, or temporary).
 */
static int
batch_fast(struct store *s, struct store_item **its, size_t n,
    char *const *domains, size_t n_domains, char *err, size_t errlen)
{
	struct plan	 p;
	PGresult	*res = NULL;
	size_t		 i;
	int		 rc = -1, k;

	plan_make(&p, its, n, domains, n_domains);
	if (cached_ids(s, p.ids, p.m, err, errlen) == -1)
		goto done;
	plan_ids(&p);
	if (!PQsendQuery(s->conn, BEGIN_STAGE "; " COPY_STAGE "; "
	    INSERT_FAST "; " COPY_POLICY "; " COPY_FAILURE "; COMMIT")) {
		db_fail(s, NULL, "send batch", err, errlen);
		goto done;
	}
	for (k = 0; k < 4; k++)		/* BEGIN, SET LOCAL, CREATE, DELETE */
		if (next_result(s, PGRES_COMMAND_OK, NULL, "begin", err,
		    errlen) == -1)
			goto fail;
	if (next_result(s, PGRES_COPY_IN, NULL, "COPY reports", err,
	    errlen) == -1)
		goto fail;
	buf_reset(&s->copy);
	for (i = 0; i < p.m; i++) {
		stage_row(&s->copy, &p.rows[i]);
		if (copy_flush(s, 0, err, errlen) == -1)
			goto fail;
	}
	if (send_copy(s, err, errlen) == -1 ||
	    next_result(s, PGRES_COMMAND_OK, NULL, "COPY reports", err,
	    errlen) == -1 ||
	    next_result(s, PGRES_TUPLES_OK, &res, "insert reports", err,
	    errlen) == -1)
		goto fail;
	/* id, is new, the id of the row it duplicates (when visible) */
	for (k = 0; k < PQntuples(res); k++) {
		int64_t	 id = parse_i64(PQgetvalue(res, k, 0)), *hit;
		struct row *w;

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
	if (next_result(s, PGRES_COPY_IN, NULL, "COPY policies", err,
	    errlen) == -1)
		goto fail;
	buf_reset(&s->copy);
	for (i = 0; i < p.m; i++)
		if (p.rows[i].is_new) {
			policy_rows(&s->copy, &p.rows[i]);
			if (copy_flush(s, 0, err, errlen) == -1)
				goto fail;
		}
	if (send_copy(s, err, errlen) == -1 ||
	    next_result(s, PGRES_COMMAND_OK, NULL, "COPY policies", err,
	    errlen) == -1 ||
	    next_result(s, PGRES_COPY_IN, NULL, "COPY failure details", err,
	    errlen) == -1)
		goto fail;
	buf_reset(&s->copy);
	for (i = 0; i < p.m; i++)
		if (p.rows[i].is_new) {
			failure_rows(&s->copy, &p.rows[i]);
			if (copy_flush(s, 0, err, errlen) == -1)
				goto fail;
		}
	if (send_copy(s, err, errlen) == -1 ||
	    next_result(s, PGRES_COMMAND_OK, NULL, "COPY failure details",
	    err, errlen) == -1 ||
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
	drain(s);
done:
	plan_free(&p);
	return rc;
}

/* duplicate_id - the id of the committed report a row duplicates (its
 * copy was committed by a concurrent batch after our insert's snapshot);
 * 0 when it cannot be read: the id is only informative */
static void
duplicate_id(struct store *s, struct row *w)
{
	PGresult	*res;
	const char	*param[3];

	param[0] = w->r->organization_name;
	param[1] = w->r->report_id;
	param[2] = w->r->start_raw;
	res = PQexecParams(s->conn, SELECT_KEY_ID, 3, NULL, param, NULL, NULL,
	    0);
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		w->id = parse_i64(PQgetvalue(res, 0, 0));
	PQclear(res);
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

/*
 * items_one_by_one - inside the open transaction, each item under its own
 * savepoint: an item the database refuses for its data is STORE_FAILED
 * with the message, the others are stored.  -1 on any other failure.
 */
static int
items_one_by_one(struct store *s, struct store_item **its, size_t n,
    char *const *domains, size_t n_domains, char *err, size_t errlen)
{
	char	 ierr[ERRLEN];
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (exec_cmd(s, "SAVEPOINT tlsrpt_one", "savepoint", err,
		    errlen) == -1)
			return -1;
		if (batch_run(s, &its[i], 1, domains, n_domains, ierr,
		    sizeof ierr) == 0) {
			if (exec_cmd(s, "RELEASE SAVEPOINT tlsrpt_one",
			    "release savepoint", err, errlen) == -1)
				return -1;
			continue;
		}
		if (PQstatus(s->conn) != CONNECTION_OK ||
		    !state_is_data(s->sqlstate))
			return seterr(err, errlen, "%s", ierr);
		its[i]->verdict = STORE_FAILED;
		its[i]->id = 0;
		seterr(its[i]->err, sizeof its[i]->err, "%s", ierr);
		if (exec_cmd(s, "ROLLBACK TO SAVEPOINT tlsrpt_one",
		    "rollback to savepoint", err, errlen) == -1)
			return -1;
	}
	return 0;
}

/*
 * batch_one_by_one - the slow path after the database refused a batch
 * for its data: one savepoint per report inside one transaction, so each
 * bad report fails alone and a lost connection still stores nothing
 */
static int
batch_one_by_one(struct store *s, struct store_item **its, size_t n,
    char *const *domains, size_t n_domains, int *temp, char *err,
    size_t errlen)
{
	if (exec_cmd(s, BEGIN_STAGE, "begin", err, errlen) == -1 ||
	    items_one_by_one(s, its, n, domains, n_domains, err,
	    errlen) == -1 ||
	    exec_cmd(s, "COMMIT", "commit", err, errlen) == -1) {
		batch_reset(its, n);
		rollback(s);
		*temp = state_is_temp(s);
		return -1;
	}
	return 0;
}

/* store_batch - see store.h */
int
store_batch(struct store *s, struct store_item *items, size_t n,
    char *const *domains, size_t n_domains, int *temp, char *err,
    size_t errlen)
{
	struct store_item	**its;
	size_t			  i, m = 0;
	int			  attempt, rc = -1;

	*temp = 0;
	its = xcalloc(n ? n : 1, sizeof *its);
	for (i = 0; i < n; i++) {
		items[i].verdict = STORE_PENDING;
		items[i].id = 0;
		items[i].err[0] = '\0';
		if (items[i].report == NULL) {
			items[i].verdict = STORE_FAILED;
			snprintf(items[i].err, sizeof items[i].err,
			    "no parsed report");
		} else
			its[m++] = &items[i];
	}
	if (m == 0) {
		free(its);
		return 0;
	}
	if (PQstatus(s->conn) != CONNECTION_OK) {
		*temp = 1;
		seterr(err, errlen, "database connection lost");
		goto done;
	}
	for (attempt = 0;; attempt++) {
		if (attempt == 0 ? batch_fast(s, its, m, domains, n_domains,
		    err, errlen) == 0 :
		    (exec_cmd(s, BEGIN_STAGE, "begin", err, errlen) == 0 &&
		    batch_run(s, its, m, domains, n_domains, err,
		    errlen) == 0 &&
		    exec_cmd(s, "COMMIT", "commit", err, errlen) == 0)) {
			rc = 0;
			goto done;
		}
		batch_reset(its, m);
		rollback(s);
		if (PQstatus(s->conn) != CONNECTION_OK) {
			*temp = 1;
			goto done;
		}
		if (state_is_retry(s->sqlstate) && attempt < BATCH_RETRIES)
			continue;
		if (!state_is_data(s->sqlstate)) {
			*temp = state_is_temp(s);
			goto done;
		}
		break;
	}
	log_debug("batch of %zu refused (%s); storing one by one", m, err);
	rc = batch_one_by_one(s, its, m, domains, n_domains, temp, err,
	    errlen);
done:
	if (rc == 0)
		stage_vacuum(s, m);
	free(its);
	return rc;
}

/*
 * store_open - connect.  conninfo goes last (dbname with expansion), so
 * whatever it says overrides the defaults put before it; TimeZone and
 * client_encoding are then fixed for the session because every time and
 * string this module sends or reads assumes UTC and UTF-8.
 */
struct store *
store_open(const char *conninfo, const char *appname, char *err,
    size_t errlen)
{
	const char	*keys[] = { "fallback_application_name",
			    "connect_timeout", "dbname", NULL };
	const char	*vals[] = { appname, "10", conninfo, NULL };
	struct store	*s;
	PGconn		*conn;
	PGresult	*res;
	const char	*msg;

	conn = PQconnectdbParams(keys, vals, 1);
	if (conn == NULL) {
		seterr(err, errlen, "cannot connect: out of memory");
		return NULL;
	}
	if (PQstatus(conn) != CONNECTION_OK) {
		msg = PQerrorMessage(conn);
		seterr(err, errlen, "cannot connect: %.*s",
		    (int)strcspn(msg, "\n"), msg);
		PQfinish(conn);
		return NULL;
	}
	PQsetNoticeProcessor(conn, notice_cb, NULL);
	if (PQsetClientEncoding(conn, "UTF8") != 0) {
		msg = PQerrorMessage(conn);
		seterr(err, errlen, "client_encoding UTF8: %.*s",
		    (int)strcspn(msg, "\n"), msg);
		PQfinish(conn);
		return NULL;
	}
	/* No JIT: the batch insert's plan cost passes jit_above_cost, and
	 * compiling it took longer than running it, every batch. */
	res = PQexec(conn, "SET TimeZone = 'UTC'; SET jit = off");
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		msg = PQresultErrorMessage(res);
		seterr(err, errlen, "SET TimeZone, jit: %.*s",
		    (int)strcspn(msg, "\n"), msg);
		PQclear(res);
		PQfinish(conn);
		return NULL;
	}
	PQclear(res);
	s = xcalloc(1, sizeof *s);
	s->conn = conn;
	return s;
}

/* store_close - disconnect and free */
struct store *
store_close(struct store *s)
{
	if (s == NULL)
		return NULL;
	PQfinish(s->conn);
	buf_free(&s->copy);
	free(s->ids);
	free(s);
	return NULL;
}

/* store_set_timeout - see store.h */
int
store_set_timeout(struct store *s, unsigned seconds, char *err,
    size_t errlen)
{
	PGresult	*res;
	const char	*param[1];
	char		 ms[32];

	snprintf(ms, sizeof ms, "%u", seconds * 1000);
	param[0] = ms;
	res = PQexecParams(s->conn,
	    "SELECT set_config('statement_timeout', $1, false)", 1, NULL,
	    param, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		return db_fail(s, res, "statement_timeout", err, errlen);
	PQclear(res);
	return 0;
}

/*
 * store_migrate - apply the embedded migrations the database lacks.  The
 * advisory lock comes before anything else, so two concurrent runs (two
 * hosts upgrading at once) serialise instead of racing on CREATE TABLE.
 */
int
store_migrate(struct store *s, int *applied, char *err, size_t errlen)
{
	const struct store_migration	*m;
	PGresult			*res;
	const char			*param[2];
	char				 ver[INT64_TEXT], what[128];
	size_t				 i;
	int				 have;

	*applied = 0;
	if (exec_cmd(s, "BEGIN; SET LOCAL client_min_messages = warning; "
	    "SELECT pg_advisory_xact_lock(" MIGRATE_LOCK "); "
	    "CREATE TABLE IF NOT EXISTS schema_version ("
	    "version integer PRIMARY KEY, name text NOT NULL, "
	    "applied_at timestamptz NOT NULL DEFAULT now())",
	    "migrate", err, errlen) == -1)
		goto fail;
	res = PQexec(s->conn,
	    "SELECT coalesce(max(version), 0) FROM schema_version");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		db_fail(s, res, "schema_version", err, errlen);
		goto fail;
	}
	have = (int)parse_i64(PQgetvalue(res, 0, 0));
	PQclear(res);
	for (i = 0; i < store_n_migrations; i++) {
		m = &store_migrations[i];
		if (m->version <= have)
			continue;
		snprintf(what, sizeof what, "migration %s", m->name);
		res = PQexec(s->conn, m->sql);
		if (PQresultStatus(res) != PGRES_COMMAND_OK &&
		    PQresultStatus(res) != PGRES_TUPLES_OK) {
			db_fail(s, res, what, err, errlen);
			goto fail;
		}
		PQclear(res);
		snprintf(ver, sizeof ver, "%d", m->version);
		param[0] = ver;
		param[1] = m->name;
		res = PQexecParams(s->conn, "INSERT INTO schema_version "
		    "(version, name) VALUES ($1, $2)", 2, NULL, param, NULL,
		    NULL, 0);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			db_fail(s, res, what, err, errlen);
			goto fail;
		}
		PQclear(res);
		(*applied)++;
	}
	if (exec_cmd(s, "COMMIT", "commit", err, errlen) == -1)
		goto fail;
	return 0;
fail:
	*applied = 0;
	rollback(s);
	return -1;
}

/*
 * store_schema_ok - the schema is at least the newest migration this
 * binary knows.  A newer schema is accepted: migrations only add, and
 * hosts running the previous binary keep working during an upgrade.
 */
int
store_schema_ok(struct store *s, char *err, size_t errlen)
{
	PGresult	*res;
	int		 have = 0, need;

	need = store_n_migrations ?
	    store_migrations[store_n_migrations - 1].version : 0;
	res = PQexec(s->conn, "SELECT to_regclass('schema_version') IS NULL");
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		return db_fail(s, res, "schema check", err, errlen);
	if (strcmp(PQgetvalue(res, 0, 0), "f") == 0) {
		PQclear(res);
		res = PQexec(s->conn,
		    "SELECT coalesce(max(version), 0) FROM schema_version");
		if (PQresultStatus(res) != PGRES_TUPLES_OK)
			return db_fail(s, res, "schema check", err, errlen);
		have = (int)parse_i64(PQgetvalue(res, 0, 0));
	}
	PQclear(res);
	if (have < need)
		return seterr(err, errlen, "database schema is missing or old "
		    "(version %d, need %d): run \"tlsrpt db migrate\"", have,
		    need);
	return 0;
}

/* get_be64 - a binary int8 result value */
static int64_t
get_be64(const char *p)
{
	const unsigned char	*u = (const unsigned char *)p;
	uint64_t		 v = 0;
	int			 i;

	for (i = 0; i < 8; i++)
		v = v << 8 | u[i];
	return (int64_t)v;
}

/*
 * reparse_apply - replace the rows of rows[0..n) (ids known, reports
 * decoded) inside the open transaction: the report's own columns except
 * id, raw and the dedup key, and all its policies (failure details go
 * with them by ON DELETE CASCADE)
 */
static int
reparse_apply(struct store *s, struct row *rows, size_t n, char *err,
    size_t errlen)
{
	if (copy_rows(s, COPY_K_STAGE, rows, n, 1, err, errlen) == -1 ||
	    exec_cmd(s, REPARSE_DELETE, "delete policies", err, errlen) == -1 ||
	    exec_cmd(s, REPARSE_UPDATE, "update reports", err, errlen) == -1 ||
	    copy_rows(s, COPY_K_POLICY, rows, n, 1, err, errlen) == -1 ||
	    copy_rows(s, COPY_K_FAILURE, rows, n, 1, err, errlen) == -1)
		return -1;
	/* the stage must be empty for the next group of this transaction */
	return exec_cmd(s, "DELETE FROM " STAGE, "clear stage", err, errlen);
}

/*
 * reparse_page - one transaction: lock the next page of reports after
 * *last, decode their raw bytes, replace the rows of those that decode.
 * *done = 1 when there was nothing left.
 */
static int
reparse_page(struct store *s, int64_t *last, size_t max_json,
    char *const *domains, size_t n_domains, size_t *reparsed,
    size_t *failed, int *done, char *err, size_t errlen)
{
	PGresult	*res = NULL;
	struct row	*rows = NULL;
	struct report	*r, **owned = NULL;
	const char	*param[3];
	char		 after[INT64_TEXT], lim[INT64_TEXT], cap[INT64_TEXT];
	char		 derr[ERRLEN];
	size_t		 i, n, nok = 0, nfail = 0, ngood;
	int64_t		 id;
	int		 rc = -1;

	*done = 0;
	if (exec_cmd(s, BEGIN_STAGE, "begin", err, errlen) == -1)
		return -1;
	snprintf(after, sizeof after, "%" PRId64, *last);
	snprintf(lim, sizeof lim, "%d", REPARSE_ROWS);
	snprintf(cap, sizeof cap, "%d", REPARSE_BYTES);
	param[0] = after;
	param[1] = lim;
	param[2] = cap;
	res = PQexecParams(s->conn, SELECT_REPARSE_PAGE, 3, NULL, param, NULL,
	    NULL, 1);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		db_fail(s, res, "reparse select", err, errlen);
		res = NULL;
		goto fail;
	}
	if ((n = (size_t)PQntuples(res)) == 0) {
		*done = 1;
		PQclear(res);
		res = NULL;
		if (exec_cmd(s, "COMMIT", "commit", err, errlen) == -1)
			goto fail;
		return 0;
	}
	rows = xcalloc(n, sizeof *rows);
	owned = xcalloc(n, sizeof *owned);
	for (i = 0; i < n; i++) {
		id = get_be64(PQgetvalue(res, (int)i, 0));
		*last = id;
		if (report_decode((const unsigned char *)PQgetvalue(res,
		    (int)i, 1), (size_t)PQgetlength(res, (int)i, 1), max_json,
		    &r, derr, sizeof derr) != REPORT_OK) {
			log_warnx("reparse: report %" PRId64 " no longer "
			    "parses, left as it was: %s", id, derr);
			nfail++;
			continue;
		}
		owned[nok] = r;
		rows[nok].r = r;
		rows[nok].id = id;
		rows[nok].verdict = decide_verdict(r, domains, n_domains);
		rows[nok].is_new = 1;
		nok++;
	}
	PQclear(res);
	res = NULL;

	ngood = nok;
	if (nok > 0) {
		/* all at once; a report the database refuses makes the rest
		 * go one per savepoint, and it keeps its old rows */
		if (exec_cmd(s, "SAVEPOINT tlsrpt_page", "savepoint", err,
		    errlen) == -1)
			goto fail;
		if (reparse_apply(s, rows, nok, err, errlen) == -1) {
			if (PQstatus(s->conn) != CONNECTION_OK ||
			    !state_is_data(s->sqlstate))
				goto fail;
			if (exec_cmd(s, "ROLLBACK TO SAVEPOINT tlsrpt_page",
			    "rollback to savepoint", err, errlen) == -1)
				goto fail;
			for (i = 0; i < nok; i++) {
				if (exec_cmd(s, "SAVEPOINT tlsrpt_one",
				    "savepoint", err, errlen) == -1)
					goto fail;
				if (reparse_apply(s, &rows[i], 1, derr,
				    sizeof derr) == 0) {
					if (exec_cmd(s, "RELEASE SAVEPOINT "
					    "tlsrpt_one", "release savepoint",
					    err, errlen) == -1)
						goto fail;
					continue;
				}
				if (PQstatus(s->conn) != CONNECTION_OK ||
				    !state_is_data(s->sqlstate)) {
					seterr(err, errlen, "%s", derr);
					goto fail;
				}
				log_warnx("reparse: report %" PRId64 " refused "
				    "by the database, left as it was: %s",
				    rows[i].id, derr);
				nfail++;
				ngood--;
				if (exec_cmd(s, "ROLLBACK TO SAVEPOINT "
				    "tlsrpt_one", "rollback to savepoint", err,
				    errlen) == -1)
					goto fail;
			}
		}
	}
	if (exec_cmd(s, "COMMIT", "commit", err, errlen) == -1)
		goto fail;
	stage_vacuum(s, nok);
	*reparsed += ngood;
	*failed += nfail;
	rc = 0;
fail:
	if (rc == -1)
		rollback(s);
	PQclear(res);
	for (i = 0; i < nok; i++)
		report_free(owned[i]);
	free(owned);
	free(rows);
	return rc;
}

/*
 * quarantine_page - one transaction: lock the next quarantined bodies
 * after *last; those that now decode are stored like any new report (a
 * duplicate or foreign one too) and leave the quarantine.  Bodies that
 * still do not decode stay, and are not counted as failures: they never
 * parsed.
 */
static int
quarantine_page(struct store *s, int64_t *last, size_t max_json,
    char *const *domains, size_t n_domains, size_t *recovered, int *done,
    char *err, size_t errlen)
{
	PGresult		*res = NULL;
	struct store_item	*items = NULL, **its = NULL;
	struct buf		 gone = BUF_INIT;
	struct report		*r, **owned = NULL;
	const char		*param[3];
	char			 after[INT64_TEXT], lim[INT64_TEXT];
	char			 cap[INT64_TEXT], derr[ERRLEN];
	int64_t			*qids = NULL;
	size_t			 i, n, m = 0, ngone = 0;
	int			 rc = -1;

	*done = 0;
	if (exec_cmd(s, BEGIN_STAGE, "begin", err, errlen) == -1)
		return -1;
	snprintf(after, sizeof after, "%" PRId64, *last);
	snprintf(lim, sizeof lim, "%d", REPARSE_ROWS);
	snprintf(cap, sizeof cap, "%d", REPARSE_BYTES);
	param[0] = after;
	param[1] = lim;
	param[2] = cap;
	res = PQexecParams(s->conn, SELECT_QUARANTINE_PAGE, 3, NULL, param,
	    NULL, NULL, 1);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		db_fail(s, res, "quarantine select", err, errlen);
		res = NULL;
		goto fail;
	}
	if ((n = (size_t)PQntuples(res)) == 0)
		*done = 1;
	items = xcalloc(n ? n : 1, sizeof *items);
	its = xcalloc(n ? n : 1, sizeof *its);
	qids = xcalloc(n ? n : 1, sizeof *qids);
	owned = xcalloc(n ? n : 1, sizeof *owned);
	for (i = 0; i < n; i++) {
		*last = get_be64(PQgetvalue(res, (int)i, 0));
		if (report_decode((const unsigned char *)PQgetvalue(res,
		    (int)i, 3), (size_t)PQgetlength(res, (int)i, 3), max_json,
		    &r, derr, sizeof derr) != REPORT_OK)
			continue;
		owned[m] = r;
		items[m].report = r;
		/* borrowed from res, which lives until the end */
		items[m].raw = (const unsigned char *)PQgetvalue(res, (int)i, 3);
		items[m].rawlen = (size_t)PQgetlength(res, (int)i, 3);
		items[m].transport = PQgetvalue(res, (int)i, 1);
		items[m].source = PQgetisnull(res, (int)i, 2) ? NULL :
		    PQgetvalue(res, (int)i, 2);
		its[m] = &items[m];
		qids[m] = *last;
		m++;
	}
	if (m > 0) {
		if (exec_cmd(s, "SAVEPOINT tlsrpt_page", "savepoint", err,
		    errlen) == -1)
			goto fail;
		if (batch_run(s, its, m, domains, n_domains, err,
		    errlen) == -1) {
			batch_reset(its, m);
			if (PQstatus(s->conn) != CONNECTION_OK ||
			    !state_is_data(s->sqlstate) ||
			    exec_cmd(s, "ROLLBACK TO SAVEPOINT tlsrpt_page",
			    "rollback to savepoint", err, errlen) == -1 ||
			    items_one_by_one(s, its, m, domains, n_domains, err,
			    errlen) == -1)
				goto fail;
		}
		buf_putc(&gone, '{');
		for (i = 0; i < m; i++) {
			if (items[i].verdict == STORE_FAILED) {
				log_warnx("reparse: quarantined body %" PRId64
				    " parses now, but: %s", qids[i],
				    items[i].err);
				continue;
			}
			if (ngone++ > 0)
				buf_putc(&gone, ',');
			put_i64(&gone, qids[i]);
			log_info("reparse: quarantined body %" PRId64 " is "
			    "report %" PRId64 " now", qids[i], items[i].id);
		}
		buf_putc(&gone, '}');
		param[0] = (const char *)gone.data;
		if (ngone > 0) {
			PGresult *del = PQexecParams(s->conn, "DELETE FROM "
			    "quarantine WHERE id = ANY ($1::bigint[])", 1, NULL,
			    param, NULL, NULL, 0);

			if (PQresultStatus(del) != PGRES_COMMAND_OK) {
				db_fail(s, del, "quarantine delete", err,
				    errlen);
				goto fail;
			}
			PQclear(del);
		}
	}
	if (exec_cmd(s, "COMMIT", "commit", err, errlen) == -1)
		goto fail;
	stage_vacuum(s, m);
	*recovered += ngone;
	rc = 0;
fail:
	if (rc == -1)
		rollback(s);
	for (i = 0; i < m; i++)
		report_free(owned[i]);
	free(owned);
	PQclear(res);
	buf_free(&gone);
	free(items);
	free(its);
	free(qids);
	return rc;
}

/* store_reparse - see store.h; pages in id order, one transaction each,
 * then the quarantined bodies that parse now become reports */
int
store_reparse(struct store *s, size_t max_json, char *const *domains,
    size_t n_domains, size_t *reparsed, size_t *failed, char *err,
    size_t errlen)
{
	int64_t	 last = 0;
	int	 done = 0;

	*reparsed = *failed = 0;
	while (!done)
		if (reparse_page(s, &last, max_json, domains, n_domains,
		    reparsed, failed, &done, err, errlen) == -1)
			return -1;
	last = 0;
	done = 0;
	while (!done)
		if (quarantine_page(s, &last, max_json, domains, n_domains,
		    reparsed, &done, err, errlen) == -1)
			return -1;
	return 0;
}

/* store_quarantine - see store.h; one transaction: keep, then trim */
int
store_quarantine(struct store *s, const char *transport, const char *source,
    const char *reason, const unsigned char *raw, size_t rawlen,
    size_t max_bytes, int *temp, char *err, size_t errlen)
{
	PGresult	*res;
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0;
	const char	*param[5];
	int		 len[5] = { 0, 0, 0, 0, 0 }, fmt[5] = { 0, 0, 0, 1, 1 };
	char		 cap[INT64_TEXT];

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
	len[3] = (int)rawlen;
	len[4] = (int)mdlen;
	if (exec_cmd(s, "BEGIN", "begin", err, errlen) == -1)
		goto fail;
	res = PQexecParams(s->conn, INSERT_QUARANTINE, 5, NULL, param, len,
	    fmt, 0);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		db_fail(s, res, "quarantine", err, errlen);
		goto fail;
	}
	PQclear(res);
	/* 0: no bound */
	if (max_bytes > 0) {
		snprintf(cap, sizeof cap, "%zu", max_bytes);
		param[0] = cap;
		res = PQexecParams(s->conn, TRIM_QUARANTINE, 1, NULL, param,
		    NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			db_fail(s, res, "quarantine trim", err, errlen);
			goto fail;
		}
		PQclear(res);
	}
	if (exec_cmd(s, "COMMIT", "commit", err, errlen) == -1)
		goto fail;
	return 0;
fail:
	rollback(s);
	*temp = state_is_temp(s);
	return -1;
}

/*
 * The summary (contract in store.h / the issue): per report and domain,
 * the sts policies together and the tlsa policies together are two views
 * of the same sessions (Microsoft lists them under both), so only the
 * type with the larger total counts (sts on a tie); any other type adds.
 * One statement, so one snapshot, returning three kinds of rows sorted
 * the way struct summary wants them: 0 = the domain, 1 = a result-type,
 * 2 = an organisation.  Sums are capped at the bigint maximum: the counts
 * come from senders and a few huge fakes must not break the summary.
 */
#define SUMMARY_SQL							\
	"WITH pol AS ("							\
	" SELECT p.report_id, p.idx, p.domain, r.organization_name AS org,"\
	"  CASE p.policy_type WHEN 'sts' THEN 1 WHEN 'tlsa' THEN 2"	\
	"   ELSE 0 END AS kind,"					\
	"  p.total_successful AS ok, p.total_failure AS bad"		\
	" FROM report r JOIN policy p ON p.report_id = r.id"		\
	" WHERE r.verdict = 'accepted'"					\
	"  AND ($2::date IS NULL OR r.day >= $2::date)"			\
	"  AND ($3::date IS NULL OR r.day <= $3::date)"			\
	"  AND ($4::text IS NULL OR p.domain = $4::text)"		\
	"  AND (cardinality($1::text[]) = 0 OR EXISTS ("		\
	"   SELECT 1 FROM unnest($1::text[]) AS c(d)"			\
	"   WHERE p.domain = c.d"					\
	"    OR right(p.domain, length(c.d) + 1) = '.' || c.d))"	\
	"), typed AS ("							\
	" SELECT report_id, domain,"					\
	"  coalesce(sum(ok + bad) FILTER (WHERE kind = 1), -1) AS sts,"	\
	"  coalesce(sum(ok + bad) FILTER (WHERE kind = 2), -1) AS tlsa"	\
	" FROM pol GROUP BY report_id, domain"				\
	"), counted AS ("						\
	" SELECT pol.* FROM pol JOIN typed t"				\
	"  ON t.report_id = pol.report_id AND t.domain = pol.domain"	\
	" WHERE pol.kind = 0"						\
	"  OR (pol.kind = 1 AND t.sts >= t.tlsa)"			\
	"  OR (pol.kind = 2 AND t.tlsa > t.sts)"			\
	"), dom AS ("							\
	" SELECT domain, count(DISTINCT report_id) AS reports,"		\
	"  sum(ok) AS ok, sum(bad) AS bad FROM counted GROUP BY domain"	\
	"), outc AS ("							\
	" SELECT c.domain, f.result_type,"				\
	"  sum(f.failed_session_count) AS sessions"			\
	" FROM counted c JOIN failure_detail f"				\
	"  ON f.report_id = c.report_id AND f.policy_idx = c.idx"	\
	" GROUP BY c.domain, f.result_type"				\
	"), src AS ("							\
	" SELECT domain, org, count(DISTINCT report_id) AS reports,"	\
	"  sum(ok) AS ok, sum(bad) AS bad FROM counted"			\
	" GROUP BY domain, org"						\
	") "								\
	"SELECT kind, domain, name, reports,"				\
	" least(ok, 9223372036854775807)::bigint,"			\
	" least(bad, 9223372036854775807)::bigint FROM ("		\
	" SELECT 0 AS kind, domain, NULL::text AS name, reports, ok, bad,"\
	"  0::numeric AS ord FROM dom"					\
	" UNION ALL"							\
	" SELECT 1, domain, result_type, 0, sessions, 0, -sessions"	\
	"  FROM outc WHERE sessions > 0"				\
	" UNION ALL"							\
	" SELECT 2, domain, org, reports, ok, bad, 0 FROM src"		\
	") u ORDER BY domain COLLATE \"C\", kind, ord,"			\
	" name COLLATE \"C\""

/* array_param - a text[] literal for a query parameter */
static void
array_param(struct buf *b, char *const *v, size_t n)
{
	size_t	 i;

	buf_putc(b, '{');
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_putc(b, ',');
		buf_putc(b, '"');
		put_escaped(b, v[i], 0, 1);
		buf_putc(b, '"');
	}
	buf_putc(b, '}');
}

/* store_summary - see store.h; the SQL above does the counting */
int
store_summary(struct store *s, const struct summary_query *q,
    struct summary *out, char *err, size_t errlen)
{
	struct buf		 doms = BUF_INIT;
	struct summary_domain	*d = NULL;
	struct summary_outcome	*o;
	struct summary_source	*src;
	PGresult		*res;
	const char		*param[4], *dom;
	int			 k, kind;

	memset(out, 0, sizeof *out);
	array_param(&doms, q->domains, q->n_domains);
	param[0] = (const char *)doms.data;
	param[1] = q->from;
	param[2] = q->to;
	param[3] = q->domain;
	res = PQexecParams(s->conn, SUMMARY_SQL, 4, NULL, param, NULL, NULL,
	    0);
	buf_free(&doms);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		return db_fail(s, res, "summary", err, errlen);
	out->from = q->from ? xstrdup(q->from) : NULL;
	out->to = q->to ? xstrdup(q->to) : NULL;
	for (k = 0; k < PQntuples(res); k++) {
		kind = (int)parse_i64(PQgetvalue(res, k, 0));
		dom = PQgetvalue(res, k, 1);
		if (kind == 0) {
			/* every domain's kind-0 row comes first (sorted) */
			out->domains = xreallocarray(out->domains,
			    out->n_domains + 1, sizeof *out->domains);
			d = &out->domains[out->n_domains++];
			memset(d, 0, sizeof *d);
			d->domain = xstrdup(dom);
			d->reports = parse_i64(PQgetvalue(res, k, 3));
			d->successful = parse_i64(PQgetvalue(res, k, 4));
			d->failed = parse_i64(PQgetvalue(res, k, 5));
			d->outcomes = xcalloc(1, sizeof *d->outcomes);
			d->outcomes[0].outcome = xstrdup("success");
			d->outcomes[0].sessions = d->successful;
			d->n_outcomes = 1;
			continue;
		}
		if (d == NULL || strcmp(d->domain, dom) != 0) {
			PQclear(res);
			summary_free(out);
			return seterr(err, errlen, "summary: rows out of order");
		}
		if (kind == 1) {
			d->outcomes = xreallocarray(d->outcomes,
			    d->n_outcomes + 1, sizeof *d->outcomes);
			o = &d->outcomes[d->n_outcomes++];
			o->outcome = xstrdup(PQgetvalue(res, k, 2));
			o->sessions = parse_i64(PQgetvalue(res, k, 4));
		} else {
			d->sources = xreallocarray(d->sources,
			    d->n_sources + 1, sizeof *d->sources);
			src = &d->sources[d->n_sources++];
			src->organization = xstrdup(PQgetvalue(res, k, 2));
			src->reports = parse_i64(PQgetvalue(res, k, 3));
			src->successful = parse_i64(PQgetvalue(res, k, 4));
			src->failed = parse_i64(PQgetvalue(res, k, 5));
		}
	}
	PQclear(res);
	return 0;
}

/* summary_free - release everything store_summary allocated; the struct
 * is left empty */
void
summary_free(struct summary *sum)
{
	struct summary_domain	*d;
	size_t			 i, j;

	if (sum == NULL)
		return;
	for (i = 0; i < sum->n_domains; i++) {
		d = &sum->domains[i];
		free(d->domain);
		for (j = 0; j < d->n_outcomes; j++)
			free(d->outcomes[j].outcome);
		free(d->outcomes);
		for (j = 0; j < d->n_sources; j++)
			free(d->sources[j].organization);
		free(d->sources);
	}
	free(sum->domains);
	free(sum->from);
	free(sum->to);
	memset(sum, 0, sizeof *sum);
}
