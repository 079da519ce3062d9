/*
 * test_query.c - the query layer (store/query.c): the counting rules
 *
 * SYNOPSIS
 *	TLSRPT_TEST_DB="host=/tmp/pg dbname=postgres" build/tests/test_query
 *
 * DESCRIPTION
 *	Works in its own schema (test_query; db.h).  Reports are built by
 *	hand in C with the shapes real senders use, their domains assigned
 *	by report_assign_domains() as the intake does, and every figure is
 *	computed by hand in the comment above its test: sts and tlsa of one
 *	group as two views of the same sessions (Microsoft), split policies
 *	of one type added (Postfix), a policy without policy-domain in the
 *	home domain's group, DANE MX hosts of the home domain (Postfix's
 *	TLSA base domain, a provider's hosted MX) inside its figures, foreign
 *	reports and foreign groups never counted, day ranges and --domain.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "log.h"
#include "query.h"
#include "report.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

#include "db.h"

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

/* rows_text - "name:reports/ok/failed;..." of summary rows */
static void
rows_text(const struct summary_row *rows, size_t n, char *out, size_t len)
{
	size_t	 i, o = 0;

	out[0] = '\0';
	for (i = 0; i < n && o < len; i++)
		o += (size_t)snprintf(out + o, len - o,
		    "%s%s:%" PRId64 "/%" PRId64 "/%" PRId64, i ? ";" : "",
		    rows[i].name, rows[i].reports, rows[i].successful,
		    rows[i].failed);
}

/* check_domain - one summary row against hand-computed figures */
static void
check_domain(const char *tag, const struct summary *s, const char *domain,
    const char *figures, const char *outcomes, const char *sources,
    const char *dane_mx)
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
	rows_text(d->sources, d->n_sources, got, sizeof got);
	snprintf(name, sizeof name, "%s %s sources", tag, domain);
	t_str(name, got, sources);
	rows_text(d->dane_mx, d->n_dane_mx, got, sizeof got);
	snprintf(name, sizeof name, "%s %s DANE MX hosts", tag, domain);
	t_str(name, got, dane_mx);
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

	t_int("summary store", store_reports(rs, 8, doms, 2, items), 0);
	t_int("summary R4 attributed", items[3].verdict, STORE_STORED);
	t_str("summary R5 foreign", q("SELECT verdict FROM report WHERE "
	    "id = $1", idtext(items[4].id), NULL), "foreign");
	t_str("summary R6 mixed", q("SELECT verdict FROM report WHERE "
	    "id = $1", idtext(items[5].id), NULL), "accepted");
	t_str("summary R4 domain", q("SELECT string_agg(domain, ',' ORDER BY "
	    "idx) FROM policy WHERE report_id = $1", idtext(items[3].id), NULL),
	    "b.test,b.test");

	/* all time */
	memset(&sq, 0, sizeof sq);
	sq.domains = doms;
	sq.n_domains = 2;
	t_int("summary all", query_summary(st, &sq, &s, err, sizeof err), 0);
	domain_list(&s, got, sizeof got);
	t_str("all domains", got, "a.test,b.test,mx1.a.test");
	t_ok("all from/to NULL", s.from == NULL && s.to == NULL, NULL);
	check_domain("all", &s, "a.test", "4/205/11",
	    "success=205,sts-policy-fetch-error=5,certificate-expired=3,"
	    "dnssec-invalid=2,validation-failure=1",
	    "Google:1/80/4;Microsoft Corporation:2/120/7;Mixed Org:1/5/0",
	    "");
	check_domain("all", &s, "b.test", "2/17/2",
	    "success=17,new-type=1,starttls-not-supported=1", "sys4:2/17/2",
	    "");
	check_domain("all", &s, "mx1.a.test", "1/9/1",
	    "success=9,certificate-host-mismatch=1", "Google:1/9/1", "");
	query_summary_free(&s);

	/* a day range, inclusive */
	sq.from = "2024-03-02";
	sq.to = "2024-03-03";
	t_int("summary range", query_summary(st, &sq, &s, err, sizeof err), 0);
	domain_list(&s, got, sizeof got);
	t_str("range domains", got, "a.test,b.test");
	t_str("range from", s.from, "2024-03-02");
	t_str("range to", s.to, "2024-03-03");
	check_domain("range", &s, "a.test", "2/100/6",
	    "success=100,certificate-expired=3,dnssec-invalid=2,"
	    "validation-failure=1",
	    "Google:1/80/4;Microsoft Corporation:1/20/2", "");
	check_domain("range", &s, "b.test", "1/10/1",
	    "success=10,starttls-not-supported=1", "sys4:1/10/1", "");
	query_summary_free(&s);

	/* from only; R8 starts 23:59:59 on 03-05 and stays on 03-05 */
	sq.from = "2024-03-05";
	sq.to = NULL;
	t_int("summary from", query_summary(st, &sq, &s, err, sizeof err), 0);
	domain_list(&s, got, sizeof got);
	t_str("from domains", got, "b.test,mx1.a.test");
	check_domain("from", &s, "b.test", "1/7/1",
	    "success=7,new-type=1", "sys4:1/7/1", "");
	query_summary_free(&s);

	/* one domain */
	sq.from = sq.to = NULL;
	sq.domain = "b.test";
	t_int("summary domain", query_summary(st, &sq, &s, err, sizeof err), 0);
	domain_list(&s, got, sizeof got);
	t_str("domain only", got, "b.test");
	query_summary_free(&s);
	sq.domain = "other.test";	/* not ours: nothing */
	t_int("summary foreign domain", query_summary(st, &sq, &s, err,
	    sizeof err), 0);
	t_int("foreign domain rows", (int64_t)s.n_domains, 0);
	query_summary_free(&s);

	/* every domain ours: other.test counts R6 only (R5 stays foreign) */
	sq.domain = "other.test";
	sq.domains = NULL;
	sq.n_domains = 0;
	t_int("summary all ours", query_summary(st, &sq, &s, err, sizeof err),
	    0);
	check_domain("all ours", &s, "other.test", "1/500/50",
	    "success=500,certificate-expired=50", "Mixed Org:1/500/50", "");
	query_summary_free(&s);

	/* a bad day is an error, not a crash */
	sq.domain = NULL;
	sq.from = "2024-13-45";
	t_int("summary bad day", query_summary(st, &sq, &s, err, sizeof err),
	    -1);
	t_int("summary bad day empty", (int64_t)s.n_domains, 0);
	query_summary_free(&s);
}


/*
 * test_counting - the home domain and DANE MX rules (the reshape issue),
 * each figure computed by hand.  Configured: t.test, m.test, h.test.
 *
 *   P1 sys4 (Postfix's reporter), 11-30, report-id ..._idx1_t.test, its
 *      policies in the order Postfix sent them:
 *        tlsa mx2.t.test 12/4 [tlsa-invalid 2, dnssec-invalid 1,
 *          dane-required 1]            only tlsa, not the home: DANE MX
 *        sts t.test 40/8 [host-mismatch 2, expired 4, validation 1,
 *          webpki 1]                    the home domain (first sts)
 *        sts t.test 0/3 [fetch-error 2, policy-invalid 1]   added
 *        no-policy-found, no domain, 8/4 [starttls 3, not-trusted 1]:
 *          the home domain's group
 *      t.test: 12+40+0+8 = 60 ok, 4+8+3+4 = 19 failed; mx2.t.test
 *      shown inside it (12/4), no row of its own.
 *   M1 Microsoft, 11-30, 1339+m.test: tlsa m.test 18/2 [tlsa-invalid 2]
 *      and sts m.test 20/0: one group, a tie (20 = 20), sts counts: 20/0.
 *   H1 Microsoft, 11-29, 1339+h.test: tlsa only, for the provider's
 *      name h-test.mx.provider.example 30/2 [host-mismatch 2]: home from
 *      the report-id, the group is a DANE MX of h.test: 30/2.
 *   H2 Google, 11-30, ..._h.test: sts h.test 10/1 [expired 1] + tlsa
 *      mx.h.test 5/0: h.test 15/1, DANE MX mx.h.test 5/0.
 *   F1 Microsoft, 11-30, 1339+other.test: tlsa mx.t.test 7/7 only: the
 *      home domain is other.test, the group its DANE MX: foreign, and
 *      t.test's figures do not change.
 */
static void
test_counting(void)
{
	char			 d1[] = "t.test", d2[] = "m.test", d3[] = "h.test";
	char			*doms[] = { d1, d2, d3 };
	struct summary_query	 sq;
	struct summary		 s;
	struct report		*rs[5], *r;
	struct store_item	 items[5];
	char			 err[ERRLEN], got[1024];
	size_t			 pi;

	r = rs[0] = mk_report("sys4", "2026-11-30T00:00:00Z_idx1_t.test",
	    "p1", DAY(30));
	pi = add_policy(r, "tlsa", "mx2.t.test", 12, 4);
	add_failure(r, pi, "tlsa-invalid", 2);
	add_failure(r, pi, "dnssec-invalid", 1);
	add_failure(r, pi, "dane-required", 1);
	pi = add_policy(r, "sts", "t.test", 40, 8);
	add_failure(r, pi, "certificate-host-mismatch", 2);
	add_failure(r, pi, "certificate-expired", 4);
	add_failure(r, pi, "validation-failure", 1);
	add_failure(r, pi, "sts-webpki-invalid", 1);
	pi = add_policy(r, "sts", "t.test", 0, 3);
	add_failure(r, pi, "sts-policy-fetch-error", 2);
	add_failure(r, pi, "sts-policy-invalid", 1);
	pi = add_policy(r, "no-policy-found", NULL, 8, 4);
	add_failure(r, pi, "starttls-not-supported", 3);
	add_failure(r, pi, "certificate-not-trusted", 1);

	r = rs[1] = mk_report("Microsoft Corporation", "1339+m.test", "m1",
	    DAY(30));
	pi = add_policy(r, "tlsa", "m.test", 18, 2);
	add_failure(r, pi, "tlsa-invalid", 2);
	add_policy(r, "sts", "m.test", 20, 0);

	r = rs[2] = mk_report("Microsoft Corporation", "1339+h.test", "h1",
	    DAY(29));
	pi = add_policy(r, "tlsa", "h-test.mx.provider.example", 30, 2);
	add_failure(r, pi, "certificate-host-mismatch", 2);

	r = rs[3] = mk_report("Google Inc.", "2024-03-30T00:00:00Z_h.test",
	    "h2", DAY(30));
	pi = add_policy(r, "sts", "h.test", 10, 1);
	add_failure(r, pi, "certificate-expired", 1);
	add_policy(r, "tlsa", "mx.h.test", 5, 0);

	r = rs[4] = mk_report("Microsoft Corporation", "1339+other.test", "f1",
	    DAY(30));
	pi = add_policy(r, "tlsa", "mx.t.test", 7, 7);
	add_failure(r, pi, "certificate-expired", 7);

	t_int("counting store", store_reports(rs, 5, doms, 3, items), 0);
	t_str("counting verdicts and home domains", q("SELECT string_agg("
	    "start_raw || ':' || verdict || ':' || home_domain, ',' ORDER BY "
	    "start_raw) FROM report WHERE start_raw IN ('p1', 'm1', 'h1', "
	    "'h2', 'f1')", NULL, NULL), "f1:foreign:other.test,"
	    "h1:accepted:h.test,h2:accepted:h.test,m1:accepted:m.test,"
	    "p1:accepted:t.test");

	memset(&sq, 0, sizeof sq);
	sq.domains = doms;
	sq.n_domains = 3;
	sq.from = "2024-03-29";
	t_int("counting summary", query_summary(st, &sq, &s, err, sizeof err),
	    0);
	domain_list(&s, got, sizeof got);
	t_str("counting domains: no MX host rows", got,
	    "h.test,m.test,t.test");
	check_domain("counting", &s, "t.test", "1/60/19",
	    "success=60,certificate-expired=4,starttls-not-supported=3,"
	    "certificate-host-mismatch=2,sts-policy-fetch-error=2,"
	    "tlsa-invalid=2,certificate-not-trusted=1,dane-required=1,"
	    "dnssec-invalid=1,sts-policy-invalid=1,sts-webpki-invalid=1,"
	    "validation-failure=1", "sys4:1/60/19", "mx2.t.test:1/12/4");
	check_domain("counting", &s, "m.test", "1/20/0", "success=20",
	    "Microsoft Corporation:1/20/0", "");
	check_domain("counting", &s, "h.test", "2/45/3",
	    "success=45,certificate-host-mismatch=2,certificate-expired=1",
	    "Google Inc.:1/15/1;Microsoft Corporation:1/30/2",
	    "h-test.mx.provider.example:1/30/2;mx.h.test:1/5/0");
	query_summary_free(&s);

	/* --domain: a DANE MX host is no domain of its own */
	sq.domain = "mx2.t.test";
	t_int("counting MX host as --domain", query_summary(st, &sq, &s, err,
	    sizeof err), 0);
	t_int("counting MX host as --domain: nothing", (int64_t)s.n_domains,
	    0);
	query_summary_free(&s);
	sq.domain = "t.test";
	t_int("counting --domain", query_summary(st, &sq, &s, err, sizeof err),
	    0);
	check_domain("counting --domain", &s, "t.test", "1/60/19",
	    "success=60,certificate-expired=4,starttls-not-supported=3,"
	    "certificate-host-mismatch=2,sts-policy-fetch-error=2,"
	    "tlsa-invalid=2,certificate-not-trusted=1,dane-required=1,"
	    "dnssec-invalid=1,sts-policy-invalid=1,sts-webpki-invalid=1,"
	    "validation-failure=1", "sys4:1/60/19", "mx2.t.test:1/12/4");
	query_summary_free(&s);

	/* a report stored before the rules (no home domain: migration 003)
	 * counts each policy for its own policy-domain until reparse */
	q("UPDATE report SET home_domain = NULL WHERE start_raw = 'p1'; "
	    "UPDATE policy SET dane_mx = false WHERE report_id = (SELECT id "
	    "FROM report WHERE start_raw = 'p1')", NULL, NULL);
	sq.domain = NULL;
	t_int("counting old rows", query_summary(st, &sq, &s, err, sizeof err),
	    0);
	domain_list(&s, got, sizeof got);
	t_str("counting old rows: as before", got,
	    "h.test,m.test,mx2.t.test,t.test");
	query_summary_free(&s);
	q("DELETE FROM report WHERE start_raw = 'p1'", NULL, NULL);
}

/*
 * test_hostile - no stored value can break or falsify the summary:
 *   O1, O2  big.test, 9223372036854775807 successful and 1 failed each:
 *           every sum in numeric, the totals shown capped at the bigint
 *           maximum (each report's own total already overflowed bigint)
 *   N1      an sts policy for a policy-domain that is no host name
 *           ("\033[31m=evil\".big.test"): counts for no one, even with
 *           every domain ours
 *   C1, C2  c.test: a report and a copy of it that differs: one report,
 *           the first copy's figures, 1 conflicted
 */
static void
test_hostile(void)
{
	char			 d1[] = "big.test", d2[] = "c.test";
	char			*doms[] = { d1, d2 };
	struct summary_query	 sq;
	struct summary		 s;
	struct report		*rs[5];
	struct store_item	 items[5];
	char			 err[ERRLEN], got[1024];
	size_t			 i;

	for (i = 0; i < 2; i++) {
		rs[i] = mk_report("Huge", i ? "o-2" : "o-1", "o", DAY(20));
		add_policy(rs[i], "sts", "big.test", INT64_MAX, 1);
	}
	rs[2] = mk_report("Evil", "n-1", "n", DAY(20));
	add_policy(rs[2], "sts", "\033[31m=evil\".big.test", 5, 5);
	rs[3] = mk_report("Copier", "c-1", "c", DAY(20));
	add_policy(rs[3], "sts", "c.test", 10, 1);
	rs[4] = mk_report("Copier", "c-1", "c", DAY(20));
	add_policy(rs[4], "sts", "c.test", 1000, 0);
	t_int("hostile store", store_reports(rs, 5, doms, 2, items), 0);
	t_int("hostile: the differing copy", items[4].verdict, STORE_CONFLICT);

	memset(&sq, 0, sizeof sq);
	sq.domains = doms;
	sq.n_domains = 2;
	sq.from = sq.to = "2024-03-20";
	t_int("hostile summary", query_summary(st, &sq, &s, err, sizeof err),
	    0);
	domain_list(&s, got, sizeof got);
	t_str("hostile domains", got, "big.test,c.test");
	check_domain("hostile", &s, "big.test", "2/9223372036854775807/2",
	    "success=9223372036854775807", "Huge:2/9223372036854775807/2",
	    "");
	check_domain("hostile", &s, "c.test", "1/10/1", "success=10",
	    "Copier:1/10/1", "");
	t_int("hostile: conflicted", s.n_domains == 2 ?
	    s.domains[1].conflicted : -1, 1);
	t_int("hostile: not conflicted", s.n_domains == 2 ?
	    s.domains[0].conflicted : -1, 0);
	query_summary_free(&s);

	/* every domain ours: still no row for the escape sequence */
	sq.domains = NULL;
	sq.n_domains = 0;
	t_int("hostile summary, all ours", query_summary(st, &sq, &s, err,
	    sizeof err), 0);
	domain_list(&s, got, sizeof got);
	t_str("hostile: no host name, no row", got, "big.test,c.test");
	query_summary_free(&s);
}

int
main(void)
{
	log_init("test_query", 0, 75);
	if (db_start("test_query", 0) == 0) {
		test_summary();
		test_counting();
		test_hostile();
	}
	db_stop();
	return t_done();
}
