/*
 * reparse.c - stored bodies read back by pages; reparsed rows written
 *
 * SYNOPSIS
 *	#include "store.h"
 *
 *	int store_page_read(s, table, after, &page, err, errlen)
 *	struct store_page *store_page_free(&page)
 *	int store_reparse_apply(s, items, n, &temp, err, errlen)
 *
 * DESCRIPTION
 *	"tlsrpt reparse" walks the report table and the quarantine in id
 *	order, a page at a time, and decodes the raw bytes again above this
 *	layer (ingest/reparse.c): store/ never decodes.  One page reader
 *	serves both tables.  A page of reports is read in a transaction
 *	that locks its rows (FOR UPDATE) until store_reparse_apply() has
 *	written their new rows and committed, so nothing else changes a
 *	report between the read and the rewrite; quarantined bodies are
 *	read without a lock, because they are stored through the intake
 *	like any new report and then deleted (store_quarantine_delete).
 *
 *	A page holds at most PAGE_ROWS rows and no more raw bytes than
 *	PAGE_BYTES, but always its first row, so a huge body still moves.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "store_int.h"
#include "util.h"
#include "xmalloc.h"

#define PAGE_ROWS	500
#define PAGE_BYTES	(64 * 1024 * 1024)

/* One page of table (alias t): id, raw, transport, source, hint, auth. */
#define SELECT_PAGE(table, cols, lock)					\
	"WITH page AS (SELECT id, octet_length(raw) AS len FROM " table	\
	" WHERE id > $1 ORDER BY id LIMIT $2), "			\
	"acc AS (SELECT id, sum(len) OVER (ORDER BY id) - len AS before "	\
	"FROM page) "							\
	"SELECT t.id, t.raw, t.transport, t.source, " cols " FROM "	\
	table " t JOIN acc ON acc.id = t.id "				\
	"WHERE acc.before = 0 OR acc.before < $3 ORDER BY t.id" lock

static const char *const page_sql[] = {
	[STORE_T_REPORT] = SELECT_PAGE("report",
	    "t.domain_hint, t.authenticated", " FOR UPDATE OF t"),
	[STORE_T_QUARANTINE] = SELECT_PAGE("quarantine",
	    "NULL::text, NULL::text", ""),
};

#define REPARSE_UPDATE							\
	"UPDATE report r SET end_raw = s.end_raw, "			\
	"start_time = " STAGE_START ", end_time = " STAGE_END ", "	\
	"day = " STAGE_DAY ", contact_info = s.contact_info, "		\
	"verdict = s.verdict, home_domain = s.home_domain, "		\
	"flags = s.flags, content_sha256 = s.content_sha256, "		\
	"parsed_at = now() "						\
	"FROM " STAGE " s WHERE r.id = s.id"

#define REPARSE_DELETE							\
	"DELETE FROM policy WHERE report_id IN (SELECT id FROM " STAGE ")"

/* field - a value of the page, or NULL for SQL NULL */
static const char *
field(PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL :
	    PQgetvalue(res, row, col);
}

/* store_page_read - see store.h */
int
store_page_read(struct store *s, enum store_table table, int64_t after,
    struct store_page *page, char *err, size_t errlen)
{
	PGresult	*res;
	struct store_raw *w;
	const char	*param[3];
	char		 from[INT64_TEXT], lim[INT64_TEXT], cap[INT64_TEXT];
	int		 k, n;

	memset(page, 0, sizeof *page);
	if (table == STORE_T_REPORT &&
	    exec_cmd(s, BEGIN_STAGE, "begin", err, errlen) == -1)
		return -1;
	snprintf(from, sizeof from, "%" PRId64, after);
	snprintf(lim, sizeof lim, "%d", PAGE_ROWS);
	snprintf(cap, sizeof cap, "%d", PAGE_BYTES);
	param[0] = from;
	param[1] = lim;
	param[2] = cap;
	/* binary results: raw comes as bytes; libpq ends every value,
	 * binary ones too, with a NUL, so text columns read as strings */
	res = PQexecParams(s->conn, page_sql[table], 3, NULL, param, NULL,
	    NULL, 1);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		db_fail(s, res, table == STORE_T_REPORT ? "reparse select" :
		    "quarantine select", err, errlen);
		rollback(s);
		return -1;
	}
	n = PQntuples(res);
	page->res = res;
	page->n = (size_t)n;
	page->rows = xcalloc(n ? (size_t)n : 1, sizeof *page->rows);
	for (k = 0; k < n; k++) {
		w = &page->rows[k];
		w->id = get_be64(PQgetvalue(res, k, 0));
		w->raw = (const unsigned char *)PQgetvalue(res, k, 1);
		w->rawlen = (size_t)PQgetlength(res, k, 1);
		w->transport = PQgetvalue(res, k, 2);
		w->source = field(res, k, 3);
		w->hint = field(res, k, 4);
		w->auth = field(res, k, 5);
	}
	return 0;
}

/* store_page_free - see store.h */
struct store_page *
store_page_free(struct store_page *page)
{
	if (page == NULL)
		return NULL;
	PQclear(page->res);
	free(page->rows);
	memset(page, 0, sizeof *page);
	return NULL;
}

/* The rows being rewritten (store_reparse_apply and its steps). */
struct rewrite {
	struct store_item	*items;
	struct row		*rows;
};

/*
 * rewrite_rows - replace the rows of rows[0..n) inside the open
 * transaction: the report's own columns except id, raw, the dedup key,
 * transport, source, authentication and hint, and all its policies
 * (failure details go with them: the policy_delete_details trigger)
 */
static int
rewrite_rows(struct store *s, struct row *rows, size_t n, char *err,
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

/* rewrite_one, rewrite_failed - store_each_savepoint's callbacks */
static int
rewrite_one(struct store *s, void *ctx, size_t i, char *err, size_t errlen)
{
	struct rewrite	*rw = ctx;

	return rewrite_rows(s, &rw->rows[i], 1, err, errlen);
}

static void
rewrite_failed(void *ctx, size_t i, const char *why)
{
	struct rewrite	*rw = ctx;

	rw->items[i].verdict = STORE_FAILED;
	seterr(rw->items[i].err, sizeof rw->items[i].err, "%s", why);
}

/* store_reparse_apply - see store.h */
int
store_reparse_apply(struct store *s, struct store_item *items, size_t n,
    int *temp, char *err, size_t errlen)
{
	struct rewrite	 rw;
	size_t		 i;
	int		 rc = -1;

	*temp = 0;
	rw.items = items;
	rw.rows = xcalloc(n ? n : 1, sizeof *rw.rows);
	for (i = 0; i < n; i++) {
		items[i].verdict = STORE_STORED;
		items[i].err[0] = '\0';
		rw.rows[i].r = items[i].report;
		rw.rows[i].id = items[i].id;
		rw.rows[i].verdict = items[i].foreign ? "foreign" : "accepted";
		rw.rows[i].is_new = 1;
	}
	/* all at once; a report the database refuses makes the rest go
	 * one per savepoint, and it keeps its old rows */
	if (n > 0) {
		if (exec_cmd(s, "SAVEPOINT tlsrpt_page", "savepoint", err,
		    errlen) == -1)
			goto fail;
		if (rewrite_rows(s, rw.rows, n, err, errlen) == -1 &&
		    (PQstatus(s->conn) != CONNECTION_OK ||
		    !state_is_data(s->sqlstate) ||
		    exec_cmd(s, "ROLLBACK TO SAVEPOINT tlsrpt_page",
		    "rollback to savepoint", err, errlen) == -1 ||
		    store_each_savepoint(s, n, rewrite_one, rewrite_failed,
		    &rw, err, errlen) == -1))
			goto fail;
	}
	if (exec_cmd(s, "COMMIT", "commit", err, errlen) == -1)
		goto fail;
	store_stage_vacuum(s, n);
	rc = 0;
fail:
	if (rc == -1) {
		rollback(s);
		*temp = state_is_temp(s);
	}
	free(rw.rows);
	return rc;
}
