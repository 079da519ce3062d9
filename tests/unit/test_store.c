/*
 * test_store.c - store.c against a live PostgreSQL: got/want checks
 *
 * SYNOPSIS
 *	TLSRPT_TEST_DB="host=/tmp/pg dbname=postgres" build/tests/test_store
 *
 * DESCRIPTION
 *	Works in its own schema (test_store, dropped and created afresh,
 *	chosen through PGOPTIONS so store.c sees it as the search_path) of
 *	the database named by TLSRPT_TEST_DB; without that variable it says
 *	so and counts nothing.  Reports are built by hand in C (struct
 *	report), except for reparse, which needs raw bytes the real parser
 *	reads.  Covers: migrate and schema check, round trip of hostile
 *	strings through COPY (quotes, backslashes, \N, \., tabs, newlines,
 *	braces, commas, Unicode) and of raw bytes, duplicates inside a batch
 *	and across batches, foreign and mixed-domain reports, one bad report
 *	in a batch, a batch large enough to send COPY in chunks, the
 *	policy/failure_detail integrity triggers, the summary
 *	rules with hand-computed figures, reparse, and a connection killed
 *	under a store.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "buf.h"
#include "log.h"
#include "migrations.h"
#include "report.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

#include "t.h"

#define SCHEMA		"test_store"
#define DAY(d)		(INT64_C(1709251200) + ((d) - 1) * INT64_C(86400))
					/* 2024-03-d 00:00:00Z */

static PGconn		*db;		/* the test's own connection for checks */
static struct store	*st;
static const char	*conninfo;

/* q - the first value of a query with up to two text parameters, in one
 * of a few rotating buffers; "(null)" for SQL NULL, "ERROR: ..." on error */
static const char *
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
static const char *
idtext(int64_t id)
{
	static char	 ring[4][32];
	static int	 next;
	char		*out = ring[next++ % 4];

	snprintf(out, 32, "%" PRId64, id);
	return out;
}

/* mk_report - a report with the given key, no policies */
static struct report *
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

/* add_policy - append a policy; returns its index.  domain NULL: leave it
 * for report_assign_domains() */
static size_t
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
	p->domain = pdomain ? xstrdup(pdomain) : NULL;
	p->total_successful = ok;
	p->total_failure = bad;
	return r->n_policies++;
}

/* add_failure - append a failure detail to policy pi; returns it */
static struct report_failure *
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

/* strv - a NULL-terminated list of literals as an owned char ** */
static char **
strv(size_t *n, const char *const *v)
{
	char	**out;
	size_t	  i;

	for (*n = 0; v[*n] != NULL; (*n)++)
		;
	out = xcalloc(*n + 1, sizeof *out);
	for (i = 0; i < *n; i++)
		out[i] = xstrdup(v[i]);
	return out;
}

/*
 * store_all - store reports rs[0..n) in one batch (raw = "not json:" and
 * the report-id, so reparse cannot read them), verdicts into items, free
 * the reports.  Returns store_batch()'s result.
 */
static int
store_all(struct report **rs, size_t n, char *const *doms, size_t nd,
    struct store_item *items)
{
	char	 err[ERRLEN], **raws;
	size_t	 i;
	int	 temp = 0, rc;

	raws = xcalloc(n, sizeof *raws);
	for (i = 0; i < n; i++) {
		memset(&items[i], 0, sizeof items[i]);
		items[i].report = rs[i];
		if (rs[i] != NULL)
			raws[i] = xasprintf("not json:%s", rs[i]->report_id);
		else
			raws[i] = xstrdup("not json");
		items[i].raw = (const unsigned char *)raws[i];
		items[i].rawlen = strlen(raws[i]);
		items[i].transport = "file";
		items[i].source = "test_store";
	}
	err[0] = '\0';
	rc = store_batch(st, items, n, doms, nd, &temp, err, sizeof err);
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

/* test_migrate - schema check before and after, migrate twice */
static void
test_migrate(void)
{
	const struct store_migration	*m;
	struct buf			 want = BUF_INIT;
	char				 err[ERRLEN], need[64];
	size_t				 i;
	int				 applied = -1;

	err[0] = '\0';
	snprintf(need, sizeof need, "version 0, need %d",
	    store_migrations[store_n_migrations - 1].version);
	t_int("schema_ok before migrate", store_schema_ok(st, err,
	    sizeof err), -1);
	t_ok("schema_ok message", strstr(err, "tlsrpt db migrate") != NULL &&
	    strstr(err, need) != NULL, err);
	t_int("migrate", store_migrate(st, &applied, err, sizeof err), 0);
	t_int("migrate applied", applied, (int64_t)store_n_migrations);
	t_int("migrate again", store_migrate(st, &applied, err, sizeof err),
	    0);
	t_int("migrate again applied", applied, 0);
	t_int("schema_ok after migrate", store_schema_ok(st, err,
	    sizeof err), 0);
	for (i = 0; i < store_n_migrations; i++) {
		m = &store_migrations[i];
		buf_printf(&want, "%s%d %s", i ? "," : "", m->version, m->name);
	}
	t_str("schema_version", q("SELECT string_agg(version || ' ' || name, "
	    "',' ORDER BY version) FROM schema_version", NULL, NULL),
	    (const char *)want.data);
	t_str("first migration", store_migrations[0].name, "001_schema");
	buf_free(&want);
}

/* Hostile strings: every one must come back byte for byte. */
static const char *const nasty_org =
    "Org \"quoted\" \\back\\slash\\ {brace}, comma\ttab\nnewline\rCR "
    "\\N \\. \\\\x00 end";
static const char *const nasty_id = "id\n\\.\n\\.\r\nx\t\\t";
static const char *const nasty_uni = "\xc3\x9cn\xc3\xaf" "c\xc3\xb8" "d\xc3\xa9 "
    "\xe2\x9c\x93 \xf0\x9d\x84\x9e \xe6\x97\xa5\xe6\x9c\xac";
static const char *const nasty_elems[] = {
	"a\"b", "c\\d", "e,f", "{g}", " spaced ", "NULL", "", "tab\tin",
	"nl\nin", "\\\"", "}", "\"", "\\", "{", "\\N",
	"\xc3\x9cn\xc3\xaf \xe2\x9c\x93", NULL
};

/* test_roundtrip - hostile strings, NULL vs empty vs "\N", raw bytes */
static void
test_roundtrip(void)
{
	struct report		*rs[2];
	struct store_item	 items[2];
	struct report_failure	*f;
	unsigned char		 raw[512];
	PGresult		*res;
	const char		*param[1];
	char			 err[ERRLEN], name[64];
	size_t			 i, n;
	int			 temp = 0, rc;

	rs[0] = mk_report(nasty_org, nasty_id, "2024-01-20T00:00:00Z", DAY(1));
	rs[0]->start_usec = 123456;
	rs[0]->end_time = DAY(2);
	free(rs[0]->end_raw);
	rs[0]->end_raw = xstrdup(nasty_uni);
	free(rs[0]->contact_info);
	rs[0]->contact_info = NULL;
	rs[0]->flags = REPORT_F_TIME_NO_OFFSET | REPORT_F_BAD_IP |
	    REPORT_F_MIXED_DOMAINS;
	add_policy(rs[0], "sts", "rt.test", 7, 3);
	rs[0]->policies[0].policy_string = strv(&n, nasty_elems);
	rs[0]->policies[0].n_policy_string = n;
	f = add_failure(rs[0], 0, "validation-failure\t\\x", 2);
	f->sending_mta_ip = xstrdup("192.0.2.1");
	f->sending_ip_ok = 1;
	f->receiving_ip = xstrdup("not-an-ip");
	f->receiving_ip_ok = 0;
	f->receiving_mx_hostname = xstrdup("mx.\\N.test");
	f->receiving_mx_helo = xstrdup(nasty_uni);
	f->additional_information = xstrdup("https://x.test/?a=1&b=\"2\"\\");
	f->failure_reason_code = xstrdup("line1\nline2\r\n\"q\"\t\\");
	f = add_failure(rs[0], 0, "starttls-not-supported", 1);
	f->sending_mta_ip = xstrdup("2001:db8:abcd:0012::1");
	f->sending_ip_ok = 1;

	/* "\N" as a value is text, not NULL; "" is empty, not NULL */
	rs[1] = mk_report("\\N", "\\.", "", DAY(1));
	add_policy(rs[1], "no-policy-found", NULL, 0, 0);
	rs[1]->policies[0].domain = xstrdup("rt.test");
	rs[1]->policies[0].mx_host = xcalloc(1, sizeof(char *));
	rs[1]->policies[0].n_mx_host = 0;	/* present but empty: {} */

	for (i = 0; i < sizeof raw; i++)
		raw[i] = (unsigned char)(i * 7 + 3);
	raw[0] = 0;
	memset(items, 0, sizeof items);
	for (i = 0; i < 2; i++) {
		items[i].report = rs[i];
		items[i].raw = raw;
		items[i].rawlen = i == 0 ? sizeof raw : 0;
		items[i].transport = "https";
		items[i].source = i == 0 ? "198.51.100.9" : NULL;
	}
	rc = store_batch(st, items, 2, NULL, 0, &temp, err, sizeof err);
	t_int("roundtrip store", rc, 0);
	t_int("roundtrip verdict 0", items[0].verdict, STORE_STORED);
	t_int("roundtrip verdict 1", items[1].verdict, STORE_STORED);
	t_ok("roundtrip ids", items[0].id > 0 && items[1].id > items[0].id,
	    NULL);

#define R0(col)	q("SELECT " col " FROM report WHERE id = $1", \
	    idtext(items[0].id), NULL)
#define R1(col)	q("SELECT " col " FROM report WHERE id = $1", \
	    idtext(items[1].id), NULL)
	t_str("org", R0("organization_name"), nasty_org);
	t_str("report_id", R0("report_id"), nasty_id);
	t_str("start_raw", R0("start_raw"), "2024-01-20T00:00:00Z");
	t_str("end_raw unicode", R0("end_raw"), nasty_uni);
	t_str("contact NULL", R0("contact_info"), "(null)");
	t_str("start usec", R0("(extract(epoch FROM start_time) * 1000000)"
	    "::bigint"), "1709251200123456");
	t_str("end", R0("end_time = '2024-03-02T00:00:00Z'"), "t");
	t_str("day", R0("day"), "2024-03-01");
	t_str("verdict", R0("verdict"), "accepted");
	t_str("transport", R0("transport"), "https");
	t_str("source", R0("source"), "198.51.100.9");
	t_str("flags", R0("array_to_string(flags, ',')"),
	    "time-no-offset,bad-ip,mixed-domains");
	t_str("authenticated", R0("authenticated"), "(null)");
	t_str("sha256", R0("raw_sha256 = sha256(raw)"), "t");
	t_str("\\N is text", R1("organization_name"), "\\N");
	t_str("\\. is text", R1("report_id"), "\\.");
	t_str("empty start_raw", R1("start_raw = ''"), "t");
	t_str("source NULL", R1("source"), "(null)");
	t_str("empty raw", R1("octet_length(raw)"), "0");
	t_str("no flags", R1("cardinality(flags)"), "0");

	/* raw bytes back in binary */
	param[0] = idtext(items[0].id);
	res = PQexecParams(db, "SELECT raw FROM report WHERE id = $1", 1, NULL,
	    param, NULL, NULL, 1);
	t_ok("raw bytes", PQresultStatus(res) == PGRES_TUPLES_OK &&
	    PQntuples(res) == 1 && PQgetlength(res, 0, 0) == sizeof raw &&
	    memcmp(PQgetvalue(res, 0, 0), raw, sizeof raw) == 0, NULL);
	PQclear(res);

#define P0(col)	q("SELECT " col " FROM policy WHERE report_id = $1 " \
	    "AND idx = 0", idtext(items[0].id), NULL)
	t_str("policy_string n", P0("cardinality(policy_string)"), "16");
	for (i = 0; nasty_elems[i] != NULL; i++) {
		snprintf(name, sizeof name, "policy_string[%zu]", i + 1);
		t_str(name, q("SELECT policy_string[$2::int] FROM policy "
		    "WHERE report_id = $1 AND idx = 0", idtext(items[0].id),
		    idtext((int64_t)i + 1)), nasty_elems[i]);
	}
	t_str("mx_host absent", P0("mx_host IS NULL"), "t");
	t_str("policy_domain", P0("policy_domain"), "rt.test");
	t_str("counts", P0("total_successful || '/' || total_failure"), "7/3");
	t_str("mx_host empty", q("SELECT mx_host = '{}' FROM policy WHERE "
	    "report_id = $1", idtext(items[1].id), NULL), "t");
	t_str("policy_domain NULL", q("SELECT coalesce(policy_domain, 'NULL') "
	    "|| ' ' || domain FROM policy WHERE report_id = $1",
	    idtext(items[1].id), NULL), "NULL rt.test");

#define F(col, idx) q("SELECT " col " FROM failure_detail WHERE " \
	    "report_id = $1 AND policy_idx = 0 AND idx = $2", \
	    idtext(items[0].id), idx)
	t_str("result_type", F("result_type", "0"), "validation-failure\t\\x");
	t_str("sending ip", F("host(sending_mta_ip)", "0"), "192.0.2.1");
	t_str("sending ip raw", F("sending_mta_ip_raw", "0"), "192.0.2.1");
	t_str("bad receiving ip", F("receiving_ip IS NULL", "0"), "t");
	t_str("bad receiving ip raw", F("receiving_ip_raw", "0"), "not-an-ip");
	t_str("hostname", F("receiving_mx_hostname", "0"), "mx.\\N.test");
	t_str("helo", F("receiving_mx_helo", "0"), nasty_uni);
	t_str("additional", F("additional_information", "0"),
	    "https://x.test/?a=1&b=\"2\"\\");
	t_str("reason", F("failure_reason_code", "0"),
	    "line1\nline2\r\n\"q\"\t\\");
	t_str("count", F("failed_session_count", "0"), "2");
	t_str("ipv6", F("host(sending_mta_ip)", "1"), "2001:db8:abcd:12::1");
	t_str("ipv6 raw", F("sending_mta_ip_raw", "1"),
	    "2001:db8:abcd:0012::1");
	t_str("absent receiving ip", F("receiving_ip_raw IS NULL AND "
	    "receiving_ip IS NULL AND receiving_mx_helo IS NULL", "1"), "t");

	for (i = 0; i < 2; i++)
		report_free(rs[i]);
}

/* test_duplicates - first copy wins, inside a batch and across batches;
 * the start string is compared byte for byte */
static void
test_duplicates(void)
{
	struct report		*rs[5];
	struct store_item	 items[5];

	rs[0] = mk_report("Dup Org", "dup-1", "2024-02-01T00:00:00Z", DAY(1));
	add_policy(rs[0], "sts", "dup.test", 1, 0);
	rs[1] = mk_report("Dup Org", "dup-2", "2024-02-01T00:00:00Z", DAY(1));
	add_policy(rs[1], "sts", "dup.test", 2, 0);
	rs[2] = mk_report("Dup Org", "dup-1", "2024-02-01T00:00:00Z", DAY(1));
	add_policy(rs[2], "sts", "dup.test", 99, 0);
	add_policy(rs[2], "tlsa", "dup.test", 99, 0);
	/* another case of "Z": not the same string, not a duplicate */
	rs[3] = mk_report("Dup Org", "dup-1", "2024-02-01T00:00:00z", DAY(1));
	add_policy(rs[3], "sts", "dup.test", 3, 0);
	rs[4] = mk_report("Dup Org", "dup-2", "2024-02-01T00:00:00Z", DAY(1));
	t_int("dup batch 1", store_all(rs, 5, NULL, 0, items), 0);
	t_int("dup 0 stored", items[0].verdict, STORE_STORED);
	t_int("dup 1 stored", items[1].verdict, STORE_STORED);
	t_int("dup 2 duplicate", items[2].verdict, STORE_DUPLICATE);
	t_int("dup 2 id", items[2].id, items[0].id);
	t_int("dup 3 stored", items[3].verdict, STORE_STORED);
	t_int("dup 4 duplicate", items[4].verdict, STORE_DUPLICATE);
	t_int("dup 4 id", items[4].id, items[1].id);
	t_str("dup first wins", q("SELECT string_agg(p.total_successful::text,"
	    "',') FROM report r JOIN policy p ON p.report_id = r.id WHERE "
	    "r.report_id = 'dup-1' AND r.start_raw = '2024-02-01T00:00:00Z'",
	    NULL, NULL), "1");
	t_str("dup raw first", q("SELECT convert_from(raw, 'UTF8') FROM report "
	    "WHERE id = $1", idtext(items[0].id), NULL), "not json:dup-1");

	rs[0] = mk_report("Dup Org", "dup-1", "2024-02-01T00:00:00Z", DAY(1));
	add_policy(rs[0], "sts", "dup.test", 5, 0);
	rs[1] = mk_report("Dup Org", "dup-3", "2024-02-01T00:00:00Z", DAY(1));
	add_policy(rs[1], "sts", "dup.test", 5, 0);
	t_int("dup batch 2", store_all(rs, 2, NULL, 0, items + 2), 0);
	t_int("dup again duplicate", items[2].verdict, STORE_DUPLICATE);
	t_int("dup again id", items[2].id, items[0].id);
	t_int("dup new stored", items[3].verdict, STORE_STORED);
	t_str("dup rows", q("SELECT count(*) || '/' || (SELECT count(*) FROM "
	    "policy p JOIN report r ON r.id = p.report_id WHERE "
	    "r.organization_name = 'Dup Org') FROM report WHERE "
	    "organization_name = 'Dup Org'", NULL, NULL), "4/4");
}

/* test_foreign - R56 verdicts against the configured domains */
static void
test_foreign(void)
{
	char			 d1[] = "example.com", d2[] = "example.net";
	char			*doms[] = { d1, d2 };
	struct report		*rs[5];
	struct store_item	 items[5];

	rs[0] = mk_report("F", "f-1", "s", DAY(2));
	add_policy(rs[0], "sts", "other.org", 1, 0);
	rs[1] = mk_report("F", "f-2", "s", DAY(2));
	add_policy(rs[1], "tlsa", "mx1.example.com", 1, 0);	/* subdomain */
	rs[2] = mk_report("F", "f-3", "s", DAY(2));		/* no policies */
	rs[3] = mk_report("F", "f-4", "s", DAY(2));
	add_policy(rs[3], "sts", "other.org", 1, 0);
	add_policy(rs[3], "sts", "example.net", 1, 0);		/* mixed */
	rs[4] = mk_report("F", "f-5", "s", DAY(2));
	add_policy(rs[4], "sts", "notexample.com", 1, 0);	/* not a suffix */
	t_int("foreign batch", store_all(rs, 5, doms, 2, items), 0);
	t_int("foreign other.org", items[0].verdict, STORE_FOREIGN);
	t_int("foreign subdomain ours", items[1].verdict, STORE_STORED);
	t_int("foreign no policies", items[2].verdict, STORE_FOREIGN);
	t_int("foreign mixed ours", items[3].verdict, STORE_STORED);
	t_int("foreign label boundary", items[4].verdict, STORE_FOREIGN);
	t_str("foreign column", q("SELECT string_agg(verdict, ',' ORDER BY "
	    "report_id) FROM report WHERE organization_name = 'F'", NULL,
	    NULL), "foreign,accepted,foreign,accepted,foreign");
	t_ok("foreign has id", items[0].id > 0, NULL);
	t_str("foreign rows kept", q("SELECT count(*) FROM policy WHERE "
	    "report_id = $1", idtext(items[0].id), NULL), "1");

	rs[0] = mk_report("F", "f-6", "s", DAY(2));		/* all ours */
	t_int("no domains batch", store_all(rs, 1, NULL, 0, items), 0);
	t_int("no policies, all ours", items[0].verdict, STORE_STORED);
}

/* test_failed - one report the database refuses fails alone */
static void
test_failed(void)
{
	struct report		*rs[5];
	struct store_item	 items[5];

	rs[0] = mk_report("Bad", "b-1", "s", DAY(3));
	add_policy(rs[0], "sts", "bad.test", 1, 0);
	rs[1] = mk_report("Bad", "b-2", "s", DAY(3));
	add_policy(rs[1], "sts", "bad.test", 1, -1);	/* CHECK >= 0 */
	rs[2] = mk_report("Bad", "b-3", "s", DAY(3));
	rs[2]->start_time = INT64_C(900000000000000);	/* beyond timestamptz */
	rs[3] = NULL;
	rs[4] = mk_report("Bad", "b-1", "s", DAY(3));	/* dup of the first */
	t_int("failed batch", store_all(rs, 5, NULL, 0, items), 0);
	t_int("failed 0 stored", items[0].verdict, STORE_STORED);
	t_int("failed 1 check", items[1].verdict, STORE_FAILED);
	t_ok("failed 1 message", strstr(items[1].err, "check") != NULL ||
	    strstr(items[1].err, "violates") != NULL, items[1].err);
	t_int("failed 2 time", items[2].verdict, STORE_FAILED);
	t_ok("failed 2 message", items[2].err[0] != '\0', NULL);
	t_int("failed 3 no report", items[3].verdict, STORE_FAILED);
	t_int("failed 4 duplicate", items[4].verdict, STORE_DUPLICATE);
	t_int("failed 4 id", items[4].id, items[0].id);
	t_str("failed rows", q("SELECT string_agg(report_id, ',' ORDER BY "
	    "report_id) FROM report WHERE organization_name = 'Bad'", NULL,
	    NULL), "b-1");
	t_str("failed no orphans", q("SELECT count(*) FROM policy p JOIN "
	    "report r ON r.id = p.report_id WHERE r.organization_name = "
	    "'Bad'", NULL, NULL), "1");
}

/* test_large - a batch whose COPY data is sent in several chunks */
static void
test_large(void)
{
	enum { N = 300, NF = 20 };
	struct report		*rs[N];
	struct store_item	*items;
	struct report_failure	*f;
	char			 rid[64], reason[400];
	size_t			 i, j, pi;
	int			 ok = 1;

	memset(reason, 'r', sizeof reason - 1);
	reason[sizeof reason - 1] = '\0';
	for (i = 0; i < N; i++) {
		snprintf(rid, sizeof rid, "large-%zu", i);
		rs[i] = mk_report("Large", rid, "2024-03-01T00:00:00Z", DAY(1));
		for (pi = 0; pi < 2; pi++) {
			add_policy(rs[i], pi ? "tlsa" : "sts", "large.test",
			    100, NF);
			for (j = 0; j < NF; j++) {
				f = add_failure(rs[i], pi, "certificate-expired",
				    1);
				f->sending_mta_ip = xstrdup("203.0.113.5");
				f->sending_ip_ok = 1;
				f->failure_reason_code = xstrdup(reason);
			}
		}
	}
	items = xcalloc(N, sizeof *items);
	t_int("large batch", store_all(rs, N, NULL, 0, items), 0);
	for (i = 0; i < N; i++)
		if (items[i].verdict != STORE_STORED)
			ok = 0;
	t_ok("large all stored", ok, NULL);
	t_str("large rows", q("SELECT count(DISTINCT r.id) || '/' || "
	    "count(DISTINCT (p.report_id, p.idx)) || '/' || count(*) || '/' || "
	    "sum(f.failed_session_count) FROM report r JOIN policy p ON "
	    "p.report_id = r.id JOIN failure_detail f ON f.report_id = "
	    "p.report_id AND f.policy_idx = p.idx WHERE "
	    "r.organization_name = 'Large'", NULL, NULL), "300/600/12000/12000");
	free(items);
}

/* test_integrity - a failure detail needs its policy; deleting a report
 * takes its policies and their details along */
static void
test_integrity(void)
{
	struct report		*rs[1];
	struct store_item	 items[1];
	const char		*r;

	r = q("INSERT INTO failure_detail (report_id, policy_idx, idx, "
	    "result_type, failed_session_count) VALUES (-1, 0, 0, 'x', 1)",
	    NULL, NULL);
	t_ok("orphan detail refused", strstr(r, "without its policy") != NULL,
	    r);
	rs[0] = mk_report("Gone", "g-1", "s", DAY(1));
	add_policy(rs[0], "sts", "gone.test", 1, 2);
	add_failure(rs[0], 0, "certificate-expired", 2);
	add_policy(rs[0], "tlsa", "gone.test", 1, 2);
	add_failure(rs[0], 1, "tlsa-invalid", 2);
	t_int("integrity store", store_all(rs, 1, NULL, 0, items), 0);
	t_str("integrity details", q("SELECT count(*) FROM failure_detail "
	    "WHERE report_id = $1", idtext(items[0].id), NULL), "2");
	q("DELETE FROM report WHERE id = $1", idtext(items[0].id), NULL);
	t_str("integrity cascade", q("SELECT (SELECT count(*) FROM policy "
	    "WHERE report_id = $1) || '/' || (SELECT count(*) FROM "
	    "failure_detail WHERE report_id = $1)", idtext(items[0].id), NULL),
	    "0/0");
}

/* outcome_text - "name=n,..." of a summary domain */
static void
outcome_text(const struct summary_domain *d, char *out, size_t len)
{
	size_t	 i, o = 0;

	out[0] = '\0';
	for (i = 0; i < d->n_outcomes && o < len; i++)
		o += (size_t)snprintf(out + o, len - o, "%s%s=%" PRId64,
		    i ? "," : "", d->outcomes[i].outcome,
		    d->outcomes[i].sessions);
}

/* source_text - "org:reports/ok/failed;..." of a summary domain */
static void
source_text(const struct summary_domain *d, char *out, size_t len)
{
	size_t	 i, o = 0;

	out[0] = '\0';
	for (i = 0; i < d->n_sources && o < len; i++)
		o += (size_t)snprintf(out + o, len - o,
		    "%s%s:%" PRId64 "/%" PRId64 "/%" PRId64, i ? ";" : "",
		    d->sources[i].organization, d->sources[i].reports,
		    d->sources[i].successful, d->sources[i].failed);
}

/* check_domain - one summary row against hand-computed figures */
static void
check_domain(const char *tag, const struct summary *s, const char *domain,
    const char *figures, const char *outcomes, const char *sources)
{
	const struct summary_domain	*d = NULL;
	char				 name[128], got[1024];
	size_t				 i;

	for (i = 0; i < s->n_domains; i++)
		if (strcmp(s->domains[i].domain, domain) == 0)
			d = &s->domains[i];
	snprintf(name, sizeof name, "%s %s present", tag, domain);
	if (!t_ok(name, d != NULL, NULL))
		return;
	snprintf(got, sizeof got, "%" PRId64 "/%" PRId64 "/%" PRId64,
	    d->reports, d->successful, d->failed);
	snprintf(name, sizeof name, "%s %s reports/ok/failed", tag, domain);
	t_str(name, got, figures);
	outcome_text(d, got, sizeof got);
	snprintf(name, sizeof name, "%s %s outcomes", tag, domain);
	t_str(name, got, outcomes);
	source_text(d, got, sizeof got);
	snprintf(name, sizeof name, "%s %s sources", tag, domain);
	t_str(name, got, sources);
}

/* domain_list - "a,b,c" of a summary's domains */
static void
domain_list(const struct summary *s, char *out, size_t len)
{
	size_t	 i, o = 0;

	out[0] = '\0';
	for (i = 0; i < s->n_domains && o < len; i++)
		o += (size_t)snprintf(out + o, len - o, "%s%s", i ? "," : "",
		    s->domains[i].domain);
}

/*
 * test_summary - the counting rules with hand-computed figures
 *
 *   R1 Microsoft 03-01  a.test sts 100/5 [fetch-error 5] + tlsa 100/5
 *                       [tlsa-invalid 5]: a tie, sts counts
 *   R2 Microsoft 03-02  a.test sts 10/0 + tlsa 20/2 [dnssec-invalid 2]:
 *                       tlsa is larger and counts
 *   R3 Google    03-02  a.test sts 50/3 [expired 2, validation 1,
 *                       webpki 0] + sts 30/1 [expired 1]: added
 *   R4 sys4      03-03  b.test sts 7/0 + no-policy-found without
 *                       policy-domain 3/1 [starttls 1]: attributed, added
 *   R5 Evil      03-02  foreign (other.test): not counted
 *   R6 Mixed Org 03-04  a.test sts 5/0 + other.test sts 500/50: only
 *                       a.test counts
 *   R7 Google    03-05  mx1.a.test tlsa 9/1 [host-mismatch 1]: own row
 *   R8 sys4      03-05  b.test sts 4/0 + tlsa 6/0 + weird 1/1
 *                       [new-type 1]: tlsa, plus the unknown type
 */
static void
test_summary(void)
{
	char			 d1[] = "a.test", d2[] = "b.test";
	char			*doms[] = { d1, d2 };
	struct summary_query	 sq;
	struct summary		 s;
	struct report		*rs[8], *r;
	struct store_item	 items[8];
	char			 err[ERRLEN], got[1024];
	size_t			 pi;

	r = rs[0] = mk_report("Microsoft Corporation", "133+a.test", "d1",
	    DAY(1));
	pi = add_policy(r, "sts", "a.test", 100, 5);
	add_failure(r, pi, "sts-policy-fetch-error", 5);
	pi = add_policy(r, "tlsa", "a.test", 100, 5);
	add_failure(r, pi, "tlsa-invalid", 5);

	r = rs[1] = mk_report("Microsoft Corporation", "134+a.test", "d2",
	    DAY(2) + 3600);
	add_policy(r, "sts", "a.test", 10, 0);
	pi = add_policy(r, "tlsa", "a.test", 20, 2);
	add_failure(r, pi, "dnssec-invalid", 2);

	r = rs[2] = mk_report("Google", "2024-03-02T00:00:00Z_a.test", "d2",
	    DAY(2));
	pi = add_policy(r, "sts", "a.test", 50, 3);
	add_failure(r, pi, "certificate-expired", 2);
	add_failure(r, pi, "validation-failure", 1);
	add_failure(r, pi, "sts-webpki-invalid", 0);
	pi = add_policy(r, "sts", "a.test", 30, 1);
	add_failure(r, pi, "certificate-expired", 1);

	r = rs[3] = mk_report("sys4", "2024-03-03T00:00:00Z_idx1_b.test", "d3",
	    DAY(3));
	add_policy(r, "sts", "b.test", 7, 0);
	pi = add_policy(r, "no-policy-found", NULL, 3, 1);
	add_failure(r, pi, "starttls-not-supported", 1);
	report_assign_domains(r, NULL);

	r = rs[4] = mk_report("Evil", "e-1", "d2", DAY(2));
	pi = add_policy(r, "sts", "other.test", 1000, 1000);
	add_failure(r, pi, "certificate-expired", 1000);

	r = rs[5] = mk_report("Mixed Org", "m-1", "d4", DAY(4));
	add_policy(r, "sts", "a.test", 5, 0);
	pi = add_policy(r, "sts", "other.test", 500, 50);
	add_failure(r, pi, "certificate-expired", 50);

	r = rs[6] = mk_report("Google", "2024-03-05T00:00:00Z_mx1.a.test", "d5",
	    DAY(5));
	pi = add_policy(r, "tlsa", "mx1.a.test", 9, 1);
	add_failure(r, pi, "certificate-host-mismatch", 1);

	r = rs[7] = mk_report("sys4", "2024-03-05T00:00:00Z_idx1_b.test", "d5",
	    DAY(5) + 86399);
	add_policy(r, "sts", "b.test", 4, 0);
	add_policy(r, "tlsa", "b.test", 6, 0);
	pi = add_policy(r, "weird", "b.test", 1, 1);
	add_failure(r, pi, "new-type", 1);

	t_int("summary store", store_all(rs, 8, doms, 2, items), 0);
	t_int("summary R4 attributed", items[3].verdict, STORE_STORED);
	t_int("summary R5 foreign", items[4].verdict, STORE_FOREIGN);
	t_int("summary R6 mixed", items[5].verdict, STORE_STORED);
	t_str("summary R4 domain", q("SELECT string_agg(domain, ',' ORDER BY "
	    "idx) FROM policy WHERE report_id = $1", idtext(items[3].id), NULL),
	    "b.test,b.test");

	/* all time */
	memset(&sq, 0, sizeof sq);
	sq.domains = doms;
	sq.n_domains = 2;
	t_int("summary all", store_summary(st, &sq, &s, err, sizeof err), 0);
	domain_list(&s, got, sizeof got);
	t_str("all domains", got, "a.test,b.test,mx1.a.test");
	t_ok("all from/to NULL", s.from == NULL && s.to == NULL, NULL);
	check_domain("all", &s, "a.test", "4/205/11",
	    "success=205,sts-policy-fetch-error=5,certificate-expired=3,"
	    "dnssec-invalid=2,validation-failure=1",
	    "Google:1/80/4;Microsoft Corporation:2/120/7;Mixed Org:1/5/0");
	check_domain("all", &s, "b.test", "2/17/2",
	    "success=17,new-type=1,starttls-not-supported=1", "sys4:2/17/2");
	check_domain("all", &s, "mx1.a.test", "1/9/1",
	    "success=9,certificate-host-mismatch=1", "Google:1/9/1");
	summary_free(&s);

	/* a day range, inclusive */
	sq.from = "2024-03-02";
	sq.to = "2024-03-03";
	t_int("summary range", store_summary(st, &sq, &s, err, sizeof err), 0);
	domain_list(&s, got, sizeof got);
	t_str("range domains", got, "a.test,b.test");
	t_str("range from", s.from, "2024-03-02");
	t_str("range to", s.to, "2024-03-03");
	check_domain("range", &s, "a.test", "2/100/6",
	    "success=100,certificate-expired=3,dnssec-invalid=2,"
	    "validation-failure=1",
	    "Google:1/80/4;Microsoft Corporation:1/20/2");
	check_domain("range", &s, "b.test", "1/10/1",
	    "success=10,starttls-not-supported=1", "sys4:1/10/1");
	summary_free(&s);

	/* from only; R8 starts 23:59:59 on 03-05 and stays on 03-05 */
	sq.from = "2024-03-05";
	sq.to = NULL;
	t_int("summary from", store_summary(st, &sq, &s, err, sizeof err), 0);
	domain_list(&s, got, sizeof got);
	t_str("from domains", got, "b.test,mx1.a.test");
	check_domain("from", &s, "b.test", "1/7/1",
	    "success=7,new-type=1", "sys4:1/7/1");
	summary_free(&s);

	/* one domain */
	sq.from = sq.to = NULL;
	sq.domain = "b.test";
	t_int("summary domain", store_summary(st, &sq, &s, err, sizeof err), 0);
	domain_list(&s, got, sizeof got);
	t_str("domain only", got, "b.test");
	summary_free(&s);
	sq.domain = "other.test";	/* not ours: nothing */
	t_int("summary foreign domain", store_summary(st, &sq, &s, err,
	    sizeof err), 0);
	t_int("foreign domain rows", (int64_t)s.n_domains, 0);
	summary_free(&s);

	/* every domain ours: other.test counts R6 only (R5 stays foreign) */
	sq.domain = "other.test";
	sq.domains = NULL;
	sq.n_domains = 0;
	t_int("summary all ours", store_summary(st, &sq, &s, err, sizeof err),
	    0);
	check_domain("all ours", &s, "other.test", "1/500/50",
	    "success=500,certificate-expired=50", "Mixed Org:1/500/50");
	summary_free(&s);

	/* a bad day is an error, not a crash */
	sq.domain = NULL;
	sq.from = "2024-13-45";
	t_int("summary bad day", store_summary(st, &sq, &s, err, sizeof err),
	    -1);
	t_int("summary bad day empty", (int64_t)s.n_domains, 0);
	summary_free(&s);
}

/* test_reparse - rows rebuilt from raw, tampering undone, nothing lost */
static void
test_reparse(void)
{
	static const char json1[] =
	    "{\"organization-name\":\"Reparse Org\",\"date-range\":"
	    "{\"start-datetime\":\"2024-04-01T00:00:00Z\",\"end-datetime\":"
	    "\"2024-04-01T23:59:59Z\"},\"contact-info\":\"tls@reparse.test\","
	    "\"report-id\":\"rp-1\",\"policies\":[{\"policy\":{\"policy-type\":"
	    "\"sts\",\"policy-string\":[\"version: STSv1\",\"mode: enforce\"],"
	    "\"policy-domain\":\"reparse.test\",\"mx-host\":"
	    "[\"mx.reparse.test\"]},\"summary\":{"
	    "\"total-successful-session-count\":10,"
	    "\"total-failure-session-count\":2},\"failure-details\":[{"
	    "\"result-type\":\"certificate-expired\",\"sending-mta-ip\":"
	    "\"192.0.2.7\",\"receiving-mx-hostname\":\"mx.reparse.test\","
	    "\"failed-session-count\":2}]}]}";
	static const char json2[] =
	    "{\"organization-name\":\"Reparse Org\",\"date-range\":"
	    "{\"start-datetime\":\"2024-04-02T00:00:00Z\",\"end-datetime\":"
	    "\"2024-04-03T00:00:00Z\"},\"contact-info\":null,"
	    "\"report-id\":\"rp-2\",\"policies\":[{\"policy\":{\"policy-type\":"
	    "\"no-policy-found\",\"policy-domain\":\"elsewhere.test\"},"
	    "\"summary\":{\"total-successful-session-count\":1,"
	    "\"total-failure-session-count\":0}}]}";
	const char		*raws[2] = { json1, json2 };
	char			 d1[] = "reparse.test";
	char			*doms[] = { d1 };
	struct report		*r[2];
	struct store_item	 items[2];
	char			 err[ERRLEN], before[256], flags1[256];
	char			 derr[ERRLEN], detail[256];
	size_t			 i, reparsed = 0, failed = 0;
	int			 temp = 0, ok = 1;

	memset(items, 0, sizeof items);
	for (i = 0; i < 2; i++) {
		if (report_decode((const unsigned char *)raws[i],
		    strlen(raws[i]), 1 << 20, &r[i], derr, sizeof derr) !=
		    REPORT_OK) {
			t_ok("reparse fixture decodes", 0, derr);
			ok = 0;
		}
		items[i].report = r[i];
		items[i].raw = (const unsigned char *)raws[i];
		items[i].rawlen = strlen(raws[i]);
		items[i].transport = "mail";
	}
	if (!ok) {
		for (i = 0; i < 2; i++)
			report_free(r[i]);
		return;
	}
	/* stored while every domain was ours */
	t_int("reparse store", store_batch(st, items, 2, NULL, 0, &temp, err,
	    sizeof err), 0);
	for (i = 0; i < 2; i++)
		report_free(r[i]);
	t_int("reparse stored", items[0].verdict, STORE_STORED);
	snprintf(flags1, sizeof flags1, "%s", q("SELECT array_to_string(flags, "
	    "',') FROM report WHERE id = $1", idtext(items[0].id), NULL));
	snprintf(detail, sizeof detail, "%s", q("SELECT result_type || ' ' || "
	    "host(sending_mta_ip) || ' ' || failed_session_count FROM "
	    "failure_detail WHERE report_id = $1", idtext(items[0].id), NULL));
	t_str("reparse detail", detail, "certificate-expired 192.0.2.7 2");
	snprintf(before, sizeof before, "%s", q("SELECT (SELECT count(*) FROM "
	    "report) || '/' || (SELECT count(*) FROM policy) || '/' || "
	    "(SELECT count(*) FROM failure_detail) || '/' || (SELECT max(id) "
	    "FROM report)", NULL, NULL));

	/* tamper: flags, verdict, contact, a lost failure detail */
	q("UPDATE report SET flags = '{bogus}', verdict = 'foreign', "
	    "contact_info = 'x' WHERE id = $1", idtext(items[0].id), NULL);
	q("DELETE FROM failure_detail WHERE report_id = $1",
	    idtext(items[0].id), NULL);
	t_str("reparse tampered", q("SELECT array_to_string(flags, ',') FROM "
	    "report WHERE id = $1", idtext(items[0].id), NULL), "bogus");

	t_int("reparse", store_reparse(st, 1 << 20, doms, 1, &reparsed,
	    &failed, err, sizeof err), 0);
	t_int("reparse reparsed", (int64_t)reparsed, 2);
	t_str("reparse failed = the hand-built ones", idtext((int64_t)failed),
	    q("SELECT count(*) - 2 FROM report", NULL, NULL));
	t_str("reparse flags restored", q("SELECT array_to_string(flags, ',') "
	    "FROM report WHERE id = $1", idtext(items[0].id), NULL), flags1);
	t_str("reparse verdict ours", q("SELECT verdict || ' ' || contact_info "
	    "FROM report WHERE id = $1", idtext(items[0].id), NULL),
	    "accepted tls@reparse.test");
	t_str("reparse verdict decided again", q("SELECT verdict FROM report "
	    "WHERE id = $1", idtext(items[1].id), NULL), "foreign");
	t_str("reparse detail restored", q("SELECT result_type || ' ' || "
	    "host(sending_mta_ip) || ' ' || failed_session_count FROM "
	    "failure_detail WHERE report_id = $1", idtext(items[0].id), NULL),
	    detail);
	t_str("reparse counts unchanged", q("SELECT (SELECT count(*) FROM "
	    "report) || '/' || (SELECT count(*) FROM policy) || '/' || "
	    "(SELECT count(*) FROM failure_detail) || '/' || (SELECT max(id) "
	    "FROM report)", NULL, NULL), before);
	t_str("reparse key kept", q("SELECT report_id || ' ' || start_raw || "
	    "' ' || end_time FROM report WHERE id = $1", idtext(items[0].id),
	    NULL), "rp-1 2024-04-01T00:00:00Z 2024-04-02 00:00:00+00");
	t_str("reparse left the others", q("SELECT organization_name FROM "
	    "report WHERE report_id = 'dup-1' ORDER BY id LIMIT 1", NULL, NULL),
	    "Dup Org");
}

/* test_quarantine - bodies kept once, the oldest dropped past the cap,
 * and a body that parses now becomes a report at reparse */
static void
test_quarantine(void)
{
	static const char json3[] =
	    "{\"organization-name\":\"Quarantine Org\",\"date-range\":"
	    "{\"start-datetime\":\"2024-04-05T00:00:00Z\",\"end-datetime\":"
	    "\"2024-04-06T00:00:00Z\"},\"contact-info\":\"q@q.test\","
	    "\"report-id\":\"q-1\",\"policies\":[{\"policy\":{\"policy-type\":"
	    "\"sts\",\"policy-domain\":\"q.test\"},\"summary\":{"
	    "\"total-successful-session-count\":3,"
	    "\"total-failure-session-count\":0}}]}";
	unsigned char	 body[3][100], big[300];
	char		 err[ERRLEN], d1[] = "q.test", *doms[] = { d1 };
	size_t		 i, reparsed = 0, failed = 0;
	int		 temp = 0, rc = 0;

	for (i = 0; i < 3; i++) {
		memset(body[i], 'a' + (int)i, sizeof body[i]);
		body[i][0] = 0;		/* not JSON, not gzip, not text */
	}
	memset(big, 'z', sizeof big);
	rc |= store_quarantine(st, "https", "192.0.2.9", "neither gzip nor JSON",
	    body[0], sizeof body[0], 250, &temp, err, sizeof err);
	rc |= store_quarantine(st, "https", "192.0.2.9", "again", body[0],
	    sizeof body[0], 250, &temp, err, sizeof err);
	t_int("quarantine kept", rc, 0);
	t_str("quarantine once", q("SELECT count(*) || ' ' || reason || ' ' || "
	    "source || ' ' || (raw_sha256 = sha256(raw)) FROM quarantine GROUP "
	    "BY reason, source, raw_sha256, raw", NULL, NULL),
	    "1 neither gzip nor JSON 192.0.2.9 true");
	rc |= store_quarantine(st, "mail", NULL, "r2", body[1], sizeof body[1],
	    250, &temp, err, sizeof err);
	rc |= store_quarantine(st, "mail", NULL, "r3", body[2], sizeof body[2],
	    250, &temp, err, sizeof err);
	t_int("quarantine more", rc, 0);
	t_str("quarantine oldest dropped", q("SELECT string_agg(reason, ',' "
	    "ORDER BY id) FROM quarantine", NULL, NULL), "r2,r3");
	rc |= store_quarantine(st, "mail", NULL, "big", big, sizeof big, 250,
	    &temp, err, sizeof err);
	t_str("quarantine newest stays", q("SELECT string_agg(reason, ',' "
	    "ORDER BY id) FROM quarantine", NULL, NULL), "big");
	rc |= store_quarantine(st, "https", "198.51.100.3", "was broken",
	    (const unsigned char *)json3, strlen(json3), 0, &temp, err,
	    sizeof err);
	t_int("quarantine json", rc, 0);
	t_str("quarantine no cap", q("SELECT count(*) FROM quarantine", NULL,
	    NULL), "2");

	t_int("quarantine reparse", store_reparse(st, 1 << 20, doms, 1,
	    &reparsed, &failed, err, sizeof err), 0);
	t_int("quarantine recovered counted", (int64_t)reparsed, 3);
	t_str("quarantine left", q("SELECT string_agg(reason, ',') FROM "
	    "quarantine", NULL, NULL), "big");
	t_str("quarantine report row", q("SELECT transport || ' ' || source || "
	    "' ' || verdict || ' ' || (convert_from(raw, 'UTF8') = $1) || ' ' || "
	    "(SELECT count(*) FROM policy p WHERE p.report_id = r.id) FROM "
	    "report r WHERE report_id = 'q-1'", json3, NULL),
	    "https 198.51.100.3 accepted true 1");
}

/* test_lost - a store whose connection dies says so (temp) and stores
 * nothing */
static void
test_lost(void)
{
	struct store		*victim;
	struct report		*rs[1];
	struct store_item	 items[1];
	char			 err[ERRLEN];
	const char		*killed;
	int			 temp = 0;

	if ((victim = store_open(conninfo, "tlsrpt-test-victim", err,
	    sizeof err)) == NULL) {
		t_ok("victim open", 0, err);
		return;
	}
	killed = q("SELECT count(pg_terminate_backend(pid, 5000)) FROM "
	    "pg_stat_activity WHERE application_name = 'tlsrpt-test-victim'",
	    NULL, NULL);
	if (strcmp(killed, "1") != 0) {
		/* application_name set elsewhere (conninfo, PGAPPNAME) */
		printf("test_lost skipped: no backend to kill (%s)\n", killed);
		store_close(victim);
		return;
	}
	rs[0] = mk_report("Lost", "l-1", "s", DAY(1));
	add_policy(rs[0], "sts", "lost.test", 1, 0);
	memset(items, 0, sizeof items);
	items[0].report = rs[0];
	items[0].raw = (const unsigned char *)"x";
	items[0].rawlen = 1;
	items[0].transport = "file";
	t_int("lost batch", store_batch(victim, items, 1, NULL, 0, &temp, err,
	    sizeof err), -1);
	t_int("lost temp", temp, 1);
	t_int("lost verdict pending", items[0].verdict, STORE_PENDING);
	t_str("lost nothing stored", q("SELECT count(*) FROM report WHERE "
	    "organization_name = 'Lost'", NULL, NULL), "0");
	report_free(rs[0]);
	store_close(victim);
}

int
main(void)
{
	char		 err[ERRLEN];
	const char	*r;

	log_init("test_store", 0, 75);
	if ((conninfo = getenv("TLSRPT_TEST_DB")) == NULL ||
	    *conninfo == '\0') {
		printf("test_store: TLSRPT_TEST_DB not set, skipped\n");
		return t_done();
	}
	/* every connection of this program works in its own schema */
	setenv("PGOPTIONS", "-c search_path=" SCHEMA, 1);
	db = PQconnectdb(conninfo);
	if (PQstatus(db) != CONNECTION_OK) {
		t_ok("connect", 0, PQerrorMessage(db));
		PQfinish(db);
		return t_done();
	}
	PQclear(PQexec(db, "SET client_min_messages = warning"));
	r = q("DROP SCHEMA IF EXISTS " SCHEMA " CASCADE; CREATE SCHEMA " SCHEMA,
	    NULL, NULL);
	if (!t_ok("fresh schema", strncmp(r, "ERROR", 5) != 0, r)) {
		PQfinish(db);
		return t_done();
	}
	PQclear(PQexec(db, "SET TimeZone = 'UTC'"));
	if ((st = store_open(conninfo, "tlsrpt-test", err, sizeof err)) ==
	    NULL) {
		t_ok("store_open", 0, err);
		PQfinish(db);
		return t_done();
	}
	test_migrate();
	test_roundtrip();
	test_duplicates();
	test_foreign();
	test_failed();
	test_large();
	test_integrity();
	test_summary();
	test_reparse();
	test_quarantine();
	test_lost();
	store_close(st);
	PQfinish(db);
	return t_done();
}
