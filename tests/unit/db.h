/*
 * db.h - what the unit tests that need PostgreSQL share
 *
 * Each such program works in its own schema of the database named by
 * TLSRPT_TEST_DB (dropped and created afresh, chosen through PGOPTIONS so
 * every connection of the program sees it as its search_path); without
 * that variable it says so and counts nothing.  The schema is migrated
 * (db_start), so tests see exactly what "tlsrpt db migrate" makes.
 * Reports are built by hand in C (mk_report, add_policy, add_failure)
 * where the test is about the store, not the parser.
 */
#ifndef TLSRPT_TEST_DB_H
#define TLSRPT_TEST_DB_H

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "decode.h"
#include "domainset.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

#include "t.h"

#define DAY(d)		(INT64_C(1709251200) + ((d) - 1) * INT64_C(86400))
					/* 2024-03-d 00:00:00Z */

static PGconn		*db;		/* the test's own connection for checks */
static struct store	*st;		/* the store under test */
static const char	*conninfo;

/* q - the first value of a query with up to two text parameters, in one
 * of a few rotating buffers; "(null)" for SQL NULL, "ERROR: ..." on error */
__attribute__((unused)) static const char *
q(const char *sql, const char *p1, const char *p2)
{
	static char	 ring[4][4096];
	static int	 next;
	const char	*param[2] = { p1, p2 };
	PGresult	*res;
	char		*out = ring[next++ % 4];
	int		 np = p2 ? 2 : p1 ? 1 : 0;

	/* without parameters several statements may be sent at once */
	res = np ? PQexecParams(db, sql, np, NULL, param, NULL, NULL, 0) :
	    PQexec(db, sql);
	if (PQresultStatus(res) != PGRES_TUPLES_OK &&
	    PQresultStatus(res) != PGRES_COMMAND_OK)
		snprintf(out, 4096, "ERROR: %s", PQresultErrorMessage(res));
	else if (PQntuples(res) < 1 || PQnfields(res) < 1)
		snprintf(out, 4096, "(no rows)");
	else if (PQgetisnull(res, 0, 0))
		snprintf(out, 4096, "(null)");
	else
		snprintf(out, 4096, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return out;
}

/* idtext - an id as a query parameter */
__attribute__((unused)) static const char *
idtext(int64_t id)
{
	static char	 ring[4][32];
	static int	 next;
	char		*out = ring[next++ % 4];

	snprintf(out, 32, "%" PRId64, id);
	return out;
}

/* mk_report - a report with the given key, no policies */
__attribute__((unused)) static struct report *
mk_report(const char *org, const char *rid, const char *start_raw,
    int64_t start)
{
	struct report	*r = xcalloc(1, sizeof *r);

	r->organization_name = xstrdup(org);
	r->report_id = xstrdup(rid);
	r->start_raw = xstrdup(start_raw);
	r->end_raw = xstrdup("end");
	r->start_time = start;
	r->end_time = start + 86400;
	r->contact_info = xstrdup("tlsrpt@example.net");
	return r;
}

/* add_policy - append a policy; returns its index.  The domain is left
 * for report_assign_domains() (call it once all policies are there). */
__attribute__((unused)) static size_t
add_policy(struct report *r, const char *type, const char *pdomain,
    int64_t ok, int64_t bad)
{
	struct report_policy	*p;

	r->policies = xreallocarray(r->policies, r->n_policies + 1,
	    sizeof *r->policies);
	p = &r->policies[r->n_policies];
	memset(p, 0, sizeof *p);
	p->policy_type = xstrdup(type);
	p->policy_domain = pdomain ? xstrdup(pdomain) : NULL;
	p->total_successful = ok;
	p->total_failure = bad;
	return r->n_policies++;
}

/* add_failure - append a failure detail to policy pi; returns it */
__attribute__((unused)) static struct report_failure *
add_failure(struct report *r, size_t pi, const char *type, int64_t n)
{
	struct report_policy	*p = &r->policies[pi];
	struct report_failure	*f;

	p->failures = xreallocarray(p->failures, p->n_failures + 1,
	    sizeof *p->failures);
	f = &p->failures[p->n_failures++];
	memset(f, 0, sizeof *f);
	f->result_type = xstrdup(type);
	f->failed_session_count = n;
	return f;
}

/*
 * store_reports - store rs[0..n) in one batch, their domains assigned
 * first (raw = "not json:" and the report-id, so reparse cannot read
 * them; foreign as doms[0..nd) say), verdicts into items, free the
 * reports.  Returns store_batch()'s result.
 */
__attribute__((unused)) static int
store_reports(struct report **rs, size_t n, char *const *doms, size_t nd,
    struct store_item *items)
{
	char	 err[ERRLEN], **raws;
	size_t	 i;
	int	 temp = 0, rc;
	struct domainset *set = domainset_new();

	for (i = 0; i < nd; i++)
		domainset_add(set, doms[i]);
	raws = xcalloc(n, sizeof *raws);
	for (i = 0; i < n; i++) {
		memset(&items[i], 0, sizeof items[i]);
		items[i].report = rs[i];
		if (rs[i] != NULL) {
			report_assign_domains(rs[i], NULL);
			items[i].foreign = !report_is_ours(rs[i], set);
			raws[i] = xasprintf("not json:%s", rs[i]->report_id);
		} else
			raws[i] = xstrdup("not json");
		items[i].raw = (const unsigned char *)raws[i];
		items[i].rawlen = strlen(raws[i]);
		items[i].transport = "file";
		items[i].source = "test";
	}
	err[0] = '\0';
	rc = store_batch(st, items, n, &temp, err, sizeof err);
	set = domainset_free(set);
	if (rc == -1)
		printf("store_batch: %s (temp %d)\n", err, temp);
	for (i = 0; i < n; i++) {
		report_free(rs[i]);
		items[i].report = NULL;
		free(raws[i]);
		items[i].raw = NULL;
	}
	free(raws);
	return rc;
}

/*
 * db_start - connect to TLSRPT_TEST_DB in a fresh schema; migrate it
 * unless bare.  Returns 0, or -1 (the caller ends with t_done(): skipped
 * or failed, as printed).
 */
__attribute__((unused)) static int
db_start(const char *schema, int bare)
{
	char		 err[ERRLEN], sql[256], opt[128];
	const char	*r;
	int		 applied;

	if ((conninfo = getenv("TLSRPT_TEST_DB")) == NULL ||
	    *conninfo == '\0') {
		printf("TLSRPT_TEST_DB not set, skipped\n");
		return -1;
	}
	snprintf(opt, sizeof opt, "-c search_path=%s", schema);
	setenv("PGOPTIONS", opt, 1);
	db = PQconnectdb(conninfo);
	if (PQstatus(db) != CONNECTION_OK) {
		t_ok("connect", 0, PQerrorMessage(db));
		return -1;
	}
	PQclear(PQexec(db, "SET client_min_messages = warning"));
	snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS %s CASCADE; "
	    "CREATE SCHEMA %s", schema, schema);
	r = q(sql, NULL, NULL);
	if (!t_ok("fresh schema", strncmp(r, "ERROR", 5) != 0, r))
		return -1;
	PQclear(PQexec(db, "SET TimeZone = 'UTC'"));
	if ((st = store_open(conninfo, "tlsrpt-test", err, sizeof err)) ==
	    NULL) {
		t_ok("store_open", 0, err);
		return -1;
	}
	if (!bare && !t_int("migrate", store_migrate(st, &applied, err,
	    sizeof err), 0)) {
		printf("  %s\n", err);
		return -1;
	}
	return 0;
}

/* db_stop - close both connections */
__attribute__((unused)) static void
db_stop(void)
{
	st = store_close(st);
	PQfinish(db);
	db = NULL;
}

#endif
