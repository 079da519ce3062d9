/*
 * pg.c - the PostgreSQL connection and what every store file needs of it
 *
 * SYNOPSIS
 *	#include "store.h"
 *
 *	struct store *store_open(conninfo, appname, err, errlen)
 *	struct store *store_close(s)
 *	int store_set_timeout(s, seconds, err, errlen)
 *
 * DESCRIPTION
 *	One struct store wraps one PGconn.  Besides opening and closing,
 *	this file holds the helpers of store_int.h: turning a failed result
 *	into one line of err while remembering its SQLSTATE, the SQLSTATE
 *	classes that decide between "this report is bad", "try again" and
 *	"the database is away", and the savepoint loop that lets one bad
 *	report fail alone.
 *
 * DIAGNOSTICS
 *	PostgreSQL notices go to log_debug(); everything else is returned in
 *	err for the caller to report.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "log.h"
#include "store_int.h"
#include "util.h"
#include "xmalloc.h"

/* Staged rows after which the session vacuums its staging table, so its
 * space is reused (autovacuum never visits temporary tables). */
#define STAGE_VACUUM_ROWS	500

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
int
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
int
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

/* next_result - the next result of a multi-statement query; -1 with err
 * when it is not of the status expected.  *out gets it when out != NULL
 * (the caller clears it). */
int
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

/* rollback - end a failed transaction, if one is open; errors are moot */
void
rollback(struct store *s)
{
	PGTransactionStatusType	 ts;

	if (PQstatus(s->conn) != CONNECTION_OK)
		return;
	ts = PQtransactionStatus(s->conn);
	if (ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR)
		PQclear(PQexec(s->conn, "ROLLBACK"));
}

/* store_stage_vacuum - count rows staged; past STAGE_VACUUM_ROWS vacuum
 * the staging table (outside any transaction) so its space is reused.  A
 * failure only delays that (the next transaction's DELETE keeps the table
 * correct), so it is not reported. */
void
store_stage_vacuum(struct store *s, size_t rows)
{
	PGresult	*res;

	s->staged += rows;
	if (s->staged < STAGE_VACUUM_ROWS ||
	    PQtransactionStatus(s->conn) != PQTRANS_IDLE)
		return;
	s->staged = 0;
	res = PQexec(s->conn, "VACUUM " STAGE);
	PQclear(res);
}

/*
 * state_is_data - the error is about the values of a report (data
 * exception, integrity constraint, program limit such as a too-long row):
 * another report may well store fine
 */
int
state_is_data(const char *st)
{
	return strncmp(st, "22", 2) == 0 || strncmp(st, "23", 2) == 0 ||
	    strncmp(st, "54", 2) == 0;
}

/* state_is_retry - serialisation failure or deadlock: try again */
int
state_is_retry(const char *st)
{
	return strncmp(st, "40", 2) == 0;
}

/*
 * state_is_temp - the database is away or overloaded, not wrong: the
 * caller should come back later (connection, resources, operator
 * intervention such as a shutdown, system error)
 */
int
state_is_temp(struct store *s)
{
	const char	*st = s->sqlstate;

	if (PQstatus(s->conn) != CONNECTION_OK)
		return 1;
	return strncmp(st, "08", 2) == 0 || strncmp(st, "40", 2) == 0 ||
	    strncmp(st, "53", 2) == 0 || strncmp(st, "57", 2) == 0 ||
	    strncmp(st, "58", 2) == 0;
}

/* parse_i64 - a decimal integer PostgreSQL sent (trusted format) */
int64_t
parse_i64(const char *s)
{
	return (int64_t)strtoll(s, NULL, 10);
}

/* get_be64 - a binary int8 result value */
int64_t
get_be64(const char *p)
{
	const unsigned char	*u = (const unsigned char *)p;
	uint64_t		 v = 0;
	int			 i;

	for (i = 0; i < 8; i++)
		v = v << 8 | u[i];
	return (int64_t)v;
}

/* cmp_i64 - qsort/bsearch order of int64_t */
int
cmp_i64(const void *a, const void *b)
{
	int64_t	 x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* store_each_savepoint - see store_int.h */
int
store_each_savepoint(struct store *s, size_t n, store_step_fn step,
    store_failed_fn failed, void *ctx, char *err, size_t errlen)
{
	char	 ierr[ERRLEN];
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (exec_cmd(s, "SAVEPOINT tlsrpt_one", "savepoint", err,
		    errlen) == -1)
			return -1;
		if (step(s, ctx, i, ierr, sizeof ierr) == 0) {
			if (exec_cmd(s, "RELEASE SAVEPOINT tlsrpt_one",
			    "release savepoint", err, errlen) == -1)
				return -1;
			continue;
		}
		if (PQstatus(s->conn) != CONNECTION_OK ||
		    !state_is_data(s->sqlstate))
			return seterr(err, errlen, "%s", ierr);
		failed(ctx, i, ierr);
		if (exec_cmd(s, "ROLLBACK TO SAVEPOINT tlsrpt_one",
		    "rollback to savepoint", err, errlen) == -1)
			return -1;
	}
	return 0;
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
	/*
	 * The session settings ride in the startup packet rather than in
	 * SETs after it: a process that stores one mail pays every round
	 * trip.  A conninfo with options= of its own replaces ours, so the
	 * settings that matter for correctness are checked below.
	 */
	const char	*keys[] = { "fallback_application_name",
			    "connect_timeout", "client_encoding", "options",
			    "dbname", NULL };
	const char	*vals[] = { appname, "10", "UTF8", NULL, conninfo,
			    NULL };
	const char	*tz, *enc, *env = getenv("PGOPTIONS");
	char		 opts[1024];

	/* PGOPTIONS is the environment's default for options=: keep it */
	snprintf(opts, sizeof opts, "%s%s-c TimeZone=UTC -c jit=off",
	    env != NULL && strlen(env) < 900 ? env : "",
	    env != NULL && strlen(env) < 900 ? " " : "");
	vals[3] = opts;
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
	enc = PQparameterStatus(conn, "client_encoding");
	if ((enc == NULL || strcmp(enc, "UTF8") != 0) &&
	    PQsetClientEncoding(conn, "UTF8") != 0) {
		msg = PQerrorMessage(conn);
		seterr(err, errlen, "client_encoding UTF8: %.*s",
		    (int)strcspn(msg, "\n"), msg);
		PQfinish(conn);
		return NULL;
	}
	/* No JIT: the batch insert's plan cost passes jit_above_cost, and
	 * compiling it took longer than running it, every batch. */
	tz = PQparameterStatus(conn, "TimeZone");
	if (tz != NULL && strcmp(tz, "UTC") == 0)
		res = NULL;
	else if (PQresultStatus(res = PQexec(conn, "SET TimeZone = 'UTC'; "
	    "SET jit = off")) != PGRES_COMMAND_OK) {
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
	s->max_conflicts = 8;
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

/* store_set_max_conflicts - see store.h */
void
store_set_max_conflicts(struct store *s, size_t max)
{
	s->max_conflicts = max;
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
