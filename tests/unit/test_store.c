/*
 * test_store.c - store/ against a live PostgreSQL: got/want checks
 *
 * SYNOPSIS
 *	TLSRPT_TEST_DB="host=/tmp/pg dbname=postgres" build/tests/test_store
 *
 * DESCRIPTION
 *	Works in its own schema (test_store; db.h).  Reports are built by
 *	hand in C (struct report): store/ never decodes.  Covers: migrate and
 *	schema check, round trip of hostile strings through COPY (quotes,
 *	backslashes, \N, \., tabs, newlines, braces, commas, Unicode), of
 *	raw bytes, authentication, hint and home domain, duplicates inside a
 *	batch and across batches, one bad report in a batch, a batch large
 *	enough to send COPY in chunks, the policy/failure_detail integrity
 *	triggers, the quarantine's bound, the page reader and the reparse
 *	rewrite, and a connection killed under a store.  The summary is
 *	test_query.c's; decoding and deciding, test_intake.c's.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "buf.h"
#include "log.h"
#include "conf.h"
#include "migrations.h"
#include "query.h"
#include "report.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

#include "db.h"

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
	report_assign_domains(rs[0], NULL);
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
	rs[1]->home_domain = xstrdup("home.test");
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
	items[1].auth = "dkim d=example.net s=\"sel\"\t\\";
	items[1].hint = "Hint.EXAMPLE";
	items[1].foreign = 1;
	rc = store_batch(st, items, 2, &temp, err, sizeof err);
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
	t_str("authenticated as given", R1("authenticated"),
	    "dkim d=example.net s=\"sel\"\t\\");
	t_str("hint kept as given", R1("domain_hint"), "Hint.EXAMPLE");
	t_str("no hint", R0("domain_hint"), "(null)");
	t_str("home domain", R0("home_domain"), "rt.test");
	t_str("home domain given", R1("home_domain"), "home.test");
	t_str("foreign", R1("verdict"), "foreign");
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
	t_str("group and DANE MX mark", P0("domain || ' ' || dane_mx"),
	    "rt.test false");
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
	add_policy(rs[2], "sts", "dup.test", 1, 0);	/* the same content */
	/* another case of "Z": not the same string, not a duplicate */
	rs[3] = mk_report("Dup Org", "dup-1", "2024-02-01T00:00:00z", DAY(1));
	add_policy(rs[3], "sts", "dup.test", 3, 0);
	rs[4] = mk_report("Dup Org", "dup-2", "2024-02-01T00:00:00Z", DAY(1));
	add_policy(rs[4], "sts", "dup.test", 2, 0);
	t_int("dup batch 1", store_reports(rs, 5, NULL, 0, items), 0);
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
	add_policy(rs[0], "sts", "dup.test", 1, 0);
	rs[1] = mk_report("Dup Org", "dup-3", "2024-02-01T00:00:00Z", DAY(1));
	add_policy(rs[1], "sts", "dup.test", 5, 0);
	t_int("dup batch 2", store_reports(rs, 2, NULL, 0, items + 2), 0);
	t_int("dup again duplicate", items[2].verdict, STORE_DUPLICATE);
	t_int("dup again id", items[2].id, items[0].id);
	t_int("dup new stored", items[3].verdict, STORE_STORED);
	t_str("dup rows", q("SELECT count(*) || '/' || (SELECT count(*) FROM "
	    "policy p JOIN report r ON r.id = p.report_id WHERE "
	    "r.organization_name = 'Dup Org') || '/' || (SELECT count(*) FROM "
	    "report_conflict) FROM report WHERE organization_name = 'Dup Org'",
	    NULL, NULL), "4/4/0");
}

/* copy - one copy of the report "Conflict Org" c-1 whose one sts policy
 * has ok successful sessions, from source */
static void
copy(struct store_item *it, int64_t ok, const char *source)
{
	struct report	*r;

	r = mk_report("Conflict Org", "c-1", "2024-02-02T00:00:00Z", DAY(2));
	add_policy(r, "sts", "conflict.test", ok, 0);
	report_assign_domains(r, NULL);
	memset(it, 0, sizeof *it);
	it->report = r;
	it->raw = (const unsigned char *)source;
	it->rawlen = strlen(source);
	it->transport = "https";
	it->source = source;
}

/* settle - store copies[0..n), free their reports; store_batch's result */
static int
settle(struct store_item *its, size_t n)
{
	char	 err[ERRLEN];
	size_t	 i;
	int	 temp = 0, rc;

	rc = store_batch(st, its, n, &temp, err, sizeof err);
	for (i = 0; i < n; i++)
		its[i].report = report_free((struct report *)(uintptr_t)
		    its[i].report);
	return rc;
}

/*
 * test_conflicts - a copy whose content differs is kept beside the
 * report (never counted, never dropped), once per content, up to the
 * cap; past it only counted; the first copy keeps counting
 */
static void
test_conflicts(void)
{
	struct store_item	 its[3];
	int64_t			 id;

	store_set_max_conflicts(st, 2);
	copy(&its[0], 1, "first");
	copy(&its[1], 99, "forged in the same batch");
	t_int("conflict batch", settle(its, 2), 0);
	t_int("conflict: first stored", its[0].verdict, STORE_STORED);
	t_int("conflict: in the batch", its[1].verdict, STORE_CONFLICT);
	t_int("conflict: the report's id", its[1].id, its[0].id);
	id = its[0].id;
	copy(&its[0], 99, "the same forgery again");
	copy(&its[1], 7, "another");
	copy(&its[2], 1, "an identical copy");
	t_int("conflict batch 2", settle(its, 3), 0);
	t_int("conflict: the same content is kept once", its[0].verdict,
	    STORE_DUPLICATE);
	t_int("conflict: another", its[1].verdict, STORE_CONFLICT);
	t_int("conflict: identical", its[2].verdict, STORE_DUPLICATE);
	copy(&its[0], 8, "over the cap");
	t_int("conflict batch 3", settle(its, 1), 0);
	t_int("conflict: over the cap", its[0].verdict, STORE_CONFLICT_OVER);
	t_str("conflict: kept, counted", q("SELECT conflicts || '/' || "
	    "conflicts_dropped || ' ' || (SELECT string_agg(source || ':' || "
	    "transport || ':' || convert_from(raw, 'UTF8') || ':' || "
	    "(raw_sha256 = sha256(raw)), ',' ORDER BY id) FROM report_conflict "
	    "c WHERE c.report_id = r.id) FROM report r WHERE id = $1",
	    idtext(id), NULL), "2/1 forged in the same batch:https:forged in "
	    "the same batch:true,another:https:another:true");
	t_str("conflict: the first copy keeps counting", q("SELECT "
	    "string_agg(total_successful::text, ',') FROM policy WHERE "
	    "report_id = $1", idtext(id), NULL), "1");

	/* the database fails keeping it: nothing of it written, retry */
	q("ALTER TABLE report_conflict ADD CONSTRAINT test_refuse CHECK "
	    "(source <> 'refused')", NULL, NULL);
	store_set_max_conflicts(st, 8);
	copy(&its[0], 9, "refused");
	t_int("conflict refused batch", settle(its, 1), 0);
	t_int("conflict refused: retry", its[0].verdict, STORE_RETRY);
	t_ok("conflict refused: why", its[0].err[0] != '\0', NULL);
	t_str("conflict refused: nothing written", q("SELECT conflicts || '/' "
	    "|| conflicts_dropped FROM report WHERE id = $1", idtext(id), NULL),
	    "2/1");
	q("ALTER TABLE report_conflict DROP CONSTRAINT test_refuse", NULL,
	    NULL);

	/* stored before migration 005: no digest, a copy is a duplicate */
	q("UPDATE report SET content_sha256 = NULL WHERE id = $1", idtext(id),
	    NULL);
	copy(&its[0], 10, "of an old row");
	t_int("conflict old row batch", settle(its, 1), 0);
	t_int("conflict: old rows have no digest", its[0].verdict,
	    STORE_DUPLICATE);
}

/* pcopy - a copy of "Proof Org" rid whose one sts policy has ok
 * successful sessions, from source, proven by proof (NULL: none) */
static void
pcopy(struct store_item *it, const char *rid, int64_t ok, const char *source,
    const char *proof)
{
	copy(it, ok, source);
	free(((struct report *)(uintptr_t)it->report)->organization_name);
	free(((struct report *)(uintptr_t)it->report)->report_id);
	((struct report *)(uintptr_t)it->report)->organization_name =
	    xstrdup("Proof Org");
	((struct report *)(uintptr_t)it->report)->report_id = xstrdup(rid);
	if (proof != NULL) {
		it->proof = proof;
		it->auth = strcmp(proof, "google.com") == 0 ?
		    "dkim d=google.com s=20230601" : "dkim d=evil.test s=x";
		it->transport = "mail";
	}
}

/* total - the successful sessions counted for report id */
static const char *
total(int64_t id)
{
	return q("SELECT coalesce(string_agg(total_successful::text, ','), "
	    "'none') FROM policy WHERE report_id = $1", idtext(id), NULL);
}

/*
 * test_proven - the proof is part of a report's identity (DESIGN.md
 * "Data model"): a proven copy supersedes an unauthenticated one and
 * keeps its id, an unauthenticated copy of a proven report is a duplicate
 * or a conflicting copy, other provers make reports of their own
 */
static void
test_proven(void)
{
	static const unsigned char gz[] = { 0x1f, 0x8b, 'm', 's', 'g' };
	struct store_mail	 mail = { gz, sizeof gz, "pass d=google.com "
				    "s=20230601", "<m1@google.com>",
				    "noreply@google.com" };
	struct store_item	 its[2];
	char			 err[ERRLEN];
	int64_t			 id, evil, cid;
	int			 temp;

	store_set_max_conflicts(st, 8);
	/* identical: superseded, no conflicting copy */
	pcopy(&its[0], "p-1", 1, "https first", NULL);
	t_int("proven 1 batch", settle(its, 1), 0);
	id = its[0].id;
	pcopy(&its[0], "p-1", 1, "mail copy", "google.com");
	its[0].mail = &mail;
	t_int("proven 1 mail batch", settle(its, 1), 0);
	t_int("proven supersedes", its[0].verdict, STORE_SUPERSEDED);
	t_int("proven supersedes: the id stays", its[0].id, id);
	t_str("proven supersedes: the row", q("SELECT proof || ' ' || "
	    "authenticated || ' ' || transport || ' ' || "
	    "convert_from(raw, 'UTF8') || ' ' || conflicts || ' ' || "
	    "array_to_string(arrival_flags, ',') || ' ' || (SELECT dkim || ' ' "
	    "|| mail_from FROM report_message WHERE report_id = r.id) FROM "
	    "report r WHERE id = $1", idtext(id), NULL), "google.com dkim "
	    "d=google.com s=20230601 mail mail copy 0 supersedes-"
	    "unauthenticated pass d=google.com s=20230601 noreply@google.com");

	/* differing: the unauthenticated content becomes the conflict */
	pcopy(&its[0], "p-2", 5, "forged first", NULL);
	pcopy(&its[1], "p-2", 1, "genuine", "google.com");
	its[1].mail = &mail;
	t_int("proven 2 batch", settle(its, 2), 0);
	t_int("proven 2: the forgery stored first", its[0].verdict,
	    STORE_STORED);
	t_int("proven 2: the genuine copy supersedes it", its[1].verdict,
	    STORE_SUPERSEDED);
	id = its[0].id;
	t_int("proven 2: same id", its[1].id, id);
	t_str("proven 2: counted", total(id), "1");
	t_str("proven 2: the forgery kept as a conflicting copy", q("SELECT "
	    "string_agg(source || ':' || coalesce(proof, '-') || ':' || "
	    "(message_gz IS NULL), ',') FROM report_conflict WHERE report_id "
	    "= $1", idtext(id), NULL), "forged first:-:true");

	/* unauthenticated after proven: duplicate or conflict */
	pcopy(&its[0], "p-2", 1, "https identical", NULL);
	pcopy(&its[1], "p-2", 9, "https other", NULL);
	t_int("proven 3 batch", settle(its, 2), 0);
	t_int("unauthenticated after proven, identical", its[0].verdict,
	    STORE_DUPLICATE);
	t_int("unauthenticated after proven, differing", its[1].verdict,
	    STORE_CONFLICT);
	t_int("unauthenticated after proven: its id", its[1].id, id);
	t_str("proven 3: still counted once", total(id), "1");

	/* another prover: a report of its own; again: a duplicate of it */
	pcopy(&its[0], "p-2", 100, "evil", "evil.test");
	t_int("proven 4 batch", settle(its, 1), 0);
	t_int("another prover: stored", its[0].verdict, STORE_STORED);
	evil = its[0].id;
	t_ok("another prover: a new report", evil != id, NULL);
	t_str("another prover: its slot", q("SELECT slot || ' ' || proof FROM "
	    "report WHERE id = $1", idtext(evil), NULL), "evil.test evil.test");
	pcopy(&its[0], "p-2", 100, "evil again", "evil.test");
	pcopy(&its[1], "p-2", 101, "evil other", "evil.test");
	t_int("proven 5 batch", settle(its, 2), 0);
	t_int("another prover again: duplicate", its[0].verdict,
	    STORE_DUPLICATE);
	t_int("another prover again: its report", its[0].id, evil);
	t_int("another prover, other content: conflict", its[1].verdict,
	    STORE_CONFLICT);
	t_int("another prover, other content: its report", its[1].id, evil);
	pcopy(&its[0], "p-2", 2, "google other", "google.com");
	t_int("proven 6 batch", settle(its, 1), 0);
	t_int("same prover, other content: conflict", its[0].verdict,
	    STORE_CONFLICT);
	t_int("same prover, other content: its report", its[0].id, id);
	t_str("proven 6: both provers counted, once each", q("SELECT "
	    "string_agg(r.proof || '=' || p.total_successful, ',' ORDER BY "
	    "r.proof) FROM report r JOIN policy p ON p.report_id = r.id WHERE "
	    "r.report_id = 'p-2'", NULL, NULL), "evil.test=100,google.com=1");

	/* two provers in one batch, nothing stored before */
	pcopy(&its[0], "p-3", 1, "g", "google.com");
	pcopy(&its[1], "p-3", 2, "e", "evil.test");
	t_int("proven 7 batch", settle(its, 2), 0);
	t_ok("two provers in one batch: both stored", its[0].verdict ==
	    STORE_STORED && its[1].verdict == STORE_STORED && its[0].id !=
	    its[1].id, NULL);

	/* by hand: the forgery of p-2 made the counted content */
	cid = atoll(q("SELECT id FROM report_conflict WHERE report_id = $1 "
	    "AND source = 'forged first'", idtext(id), NULL));
	pcopy(&its[0], "p-2", 5, "forged first", NULL);
	its[0].id = id;
	t_int("replace by hand", store_replace(st, &its[0], cid, &temp, err,
	    sizeof err), 0);
	its[0].report = report_free((struct report *)(uintptr_t)
	    its[0].report);
	t_str("replace by hand: counted", total(id), "5");
	t_str("replace by hand: the row", q("SELECT coalesce(proof, '-') || "
	    "' ' || array_to_string(arrival_flags, ',') || ' ' || "
	    "(SELECT count(*) FROM report_message WHERE report_id = r.id) FROM "
	    "report r WHERE id = $1", idtext(id), NULL),
	    "- replaced-by-hand 0");
	t_str("replace by hand: the former content is the conflict", q(
	    "SELECT string_agg(source || ':' || coalesce(proof, '-') || ':' || "
	    "(replaced_by_hand IS NOT NULL) || ':' || (message_gz IS NOT NULL),"
	    " ',' ORDER BY id) FROM report_conflict WHERE report_id = $1",
	    idtext(id), NULL), "https other:-:false:false,google other:"
	    "google.com:false:false,genuine:google.com:true:true");
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
	add_policy(rs[4], "sts", "bad.test", 1, 0);
	t_int("failed batch", store_reports(rs, 5, NULL, 0, items), 0);
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
	t_int("large batch", store_reports(rs, N, NULL, 0, items), 0);
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
	t_int("integrity store", store_reports(rs, 1, NULL, 0, items), 0);
	t_str("integrity details", q("SELECT count(*) FROM failure_detail "
	    "WHERE report_id = $1", idtext(items[0].id), NULL), "2");
	q("DELETE FROM report WHERE id = $1", idtext(items[0].id), NULL);
	t_str("integrity cascade", q("SELECT (SELECT count(*) FROM policy "
	    "WHERE report_id = $1) || '/' || (SELECT count(*) FROM "
	    "failure_detail WHERE report_id = $1)", idtext(items[0].id), NULL),
	    "0/0");
}

/* qput - a body of 100 bytes, distinct by tag, from share */
static int
qput(const char *tag, const char *share, size_t share_max, size_t max)
{
	struct store_qbound	 b = { share, share_max, max };
	unsigned char		 body[100];
	char			 err[ERRLEN];
	int			 temp;

	memset(body, 'x', sizeof body);
	memcpy(body, tag, strlen(tag));
	return store_quarantine(st, "https", NULL, tag, body, sizeof body,
	    NULL, &b, &temp, err, sizeof err);
}

/* test_quarantine_share - a flood from one source trims its own oldest
 * (its share), never another source's bodies; past the whole bound, the
 * source holding most gives way first */
static void
test_quarantine_share(void)
{
	char	 tag[16];
	int	 i, rc = 0;

	q("DELETE FROM quarantine", NULL, NULL);
	rc |= qput("b1", "https 198.51.100.0/24", 300, 1000);
	rc |= qput("b2", "https 198.51.100.0/24", 300, 1000);
	for (i = 1; i <= 20; i++) {
		snprintf(tag, sizeof tag, "f%d", i);
		rc |= qput(tag, "https 203.0.113.0/24", 300, 1000);
	}
	t_int("share: kept", rc, 0);
	t_str("share: a flood of 20 keeps its newest 3 (300 bytes), the "
	    "other source both", q("SELECT string_agg(reason, ',' ORDER BY "
	    "id) FROM quarantine", NULL, NULL), "b1,b2,f18,f19,f20");
	t_str("share: recorded", q("SELECT string_agg(DISTINCT share, ',') "
	    "FROM quarantine", NULL, NULL),
	    "https 198.51.100.0/24,https 203.0.113.0/24");
	/* past the whole bound (500): the flood holds most, it gives way */
	rc |= qput("c1", "mail c.test", 0, 500);
	t_str("whole bound: the source holding most gives way first",
	    q("SELECT string_agg(reason, ',' ORDER BY id) FROM quarantine",
	    NULL, NULL), "b1,b2,f19,f20,c1");
	/* a source alone, over its share with one body: it stays */
	rc |= qput("d1", "mail d.test", 50, 0);
	t_str("share: the newest body stays whatever its size",
	    q("SELECT count(*) FROM quarantine WHERE share = 'mail d.test'",
	    NULL, NULL), "1");
	q("DELETE FROM quarantine", NULL, NULL);
}

/* test_quarantine - bodies kept once, the oldest dropped past the cap,
 * read back by pages and deleted by id (recovery: test_intake.c) */
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
	struct store_page page;
	unsigned char	 body[3][100], big[300];
	char		 err[ERRLEN];
	int64_t		 ids[2] = { 0, 0 };
	size_t		 i;
	int		 temp = 0, rc = 0;
	const struct store_qbound cap250 = { "q", 0, 250 };

	for (i = 0; i < 3; i++) {
		memset(body[i], 'a' + (int)i, sizeof body[i]);
		body[i][0] = 0;		/* not JSON, not gzip, not text */
	}
	memset(big, 'z', sizeof big);
	rc |= store_quarantine(st, "https", "192.0.2.9", "neither gzip nor JSON",
	    body[0], sizeof body[0], NULL, &cap250, &temp, err, sizeof err);
	rc |= store_quarantine(st, "https", "192.0.2.9", "again", body[0],
	    sizeof body[0], NULL, &cap250, &temp, err, sizeof err);
	t_int("quarantine kept", rc, 0);
	t_str("quarantine once", q("SELECT count(*) || ' ' || reason || ' ' || "
	    "source || ' ' || (raw_sha256 = sha256(raw)) FROM quarantine GROUP "
	    "BY reason, source, raw_sha256, raw", NULL, NULL),
	    "1 neither gzip nor JSON 192.0.2.9 true");
	rc |= store_quarantine(st, "mail", NULL, "r2", body[1], sizeof body[1],
	    NULL, &cap250, &temp, err, sizeof err);
	rc |= store_quarantine(st, "mail", NULL, "r3", body[2], sizeof body[2],
	    NULL, &cap250, &temp, err, sizeof err);
	t_int("quarantine more", rc, 0);
	t_str("quarantine oldest dropped", q("SELECT string_agg(reason, ',' "
	    "ORDER BY id) FROM quarantine", NULL, NULL), "r2,r3");
	rc |= store_quarantine(st, "mail", NULL, "big", big, sizeof big, NULL,
	    &cap250, &temp, err, sizeof err);
	t_str("quarantine newest stays", q("SELECT string_agg(reason, ',' "
	    "ORDER BY id) FROM quarantine", NULL, NULL), "big");
	rc |= store_quarantine(st, "https", "198.51.100.3", "was broken",
	    (const unsigned char *)json3, strlen(json3), NULL, NULL, &temp,
	    err, sizeof err);
	t_int("quarantine json", rc, 0);
	t_str("quarantine no cap", q("SELECT count(*) FROM quarantine", NULL,
	    NULL), "2");

	t_int("quarantine page", store_page_read(st, STORE_T_QUARANTINE, 0,
	    &page, err, sizeof err), 0);
	t_int("quarantine page rows", (int64_t)page.n, 2);
	if (page.n == 2) {
		t_ok("quarantine page body", page.rows[1].rawlen ==
		    strlen(json3) && memcmp(page.rows[1].raw, json3,
		    strlen(json3)) == 0, NULL);
		t_str("quarantine page transport", page.rows[1].transport,
		    "https");
		t_str("quarantine page source", page.rows[1].source,
		    "198.51.100.3");
		t_ok("quarantine page no hint", page.rows[1].hint == NULL &&
		    page.rows[0].source == NULL, NULL);
		ids[0] = page.rows[0].id;
		ids[1] = page.rows[1].id + 1000;	/* gone: no error */
		t_int("quarantine delete", store_quarantine_delete(st, ids, 2,
		    err, sizeof err), 0);
	}
	t_ok("quarantine page free", store_page_free(&page) == NULL, NULL);
	t_str("quarantine left", q("SELECT string_agg(reason, ',') FROM "
	    "quarantine", NULL, NULL), "was broken");
	t_int("quarantine page after the last", store_page_read(st,
	    STORE_T_QUARANTINE, ids[0] + 1000000, &page, err, sizeof err), 0);
	t_int("quarantine page empty", (int64_t)page.n, 0);
	store_page_free(&page);
	test_quarantine_share();
}

/*
 * test_pages - reparse's store side: every report read back by pages (in
 * a locking transaction each), one rewritten with new rows, one whose
 * new rows the database refuses keeps its old ones
 */
static void
test_pages(void)
{
	struct store_page	 page;
	struct store_item	 items[2];
	struct report		*rs[2];
	char			 err[ERRLEN], want[64];
	int64_t			 last = 0, id1, id2;
	size_t			 seen = 0, k;
	int			 temp = 0, ordered = 1;

	for (;;) {
		if (!t_int("pages read", store_page_read(st, STORE_T_REPORT,
		    last, &page, err, sizeof err), 0)) {
			printf("  %s\n", err);
			return;
		}
		for (k = 0; k < page.n; k++)
			if (page.rows[k].id <= last)
				ordered = 0;
		seen += page.n;
		if (page.n > 0)
			last = page.rows[page.n - 1].id;
		t_int("pages: the transaction ends", store_reparse_apply(st,
		    NULL, 0, &temp, err, sizeof err), 0);
		if (page.n == 0)
			break;
		store_page_free(&page);
	}
	store_page_free(&page);
	t_ok("pages in id order", ordered, NULL);
	snprintf(want, sizeof want, "%zu", seen);
	t_str("pages: every report once", q("SELECT count(*) FROM report",
	    NULL, NULL), want);

	id1 = strtoll(q("SELECT id FROM report WHERE report_id = 'dup-3'",
	    NULL, NULL), NULL, 10);
	id2 = strtoll(q("SELECT id FROM report WHERE report_id = 'dup-2'",
	    NULL, NULL), NULL, 10);
	rs[0] = mk_report("ignored", "ignored", "ignored", DAY(9));
	add_policy(rs[0], "tlsa", "mx.new.test", 4, 1);
	add_failure(rs[0], 0, "dane-required", 1);
	add_policy(rs[0], "sts", "new.test", 6, 0);
	report_assign_domains(rs[0], NULL);
	rs[1] = mk_report("ignored", "ignored", "ignored", DAY(9));
	add_policy(rs[1], "sts", "bad.test", 1, -5);	/* CHECK >= 0 */
	report_assign_domains(rs[1], NULL);
	memset(items, 0, sizeof items);
	for (k = 0; k < 2; k++) {
		items[k].report = rs[k];
		items[k].foreign = (int)k;
	}
	items[0].id = id1;
	items[1].id = id2;
	t_int("rewrite: lock the page", store_page_read(st, STORE_T_REPORT,
	    id1 - 1, &page, err, sizeof err), 0);
	t_int("rewrite", store_reparse_apply(st, items, 2, &temp, err,
	    sizeof err), 0);
	store_page_free(&page);
	t_int("rewrite stored", items[0].verdict, STORE_STORED);
	t_int("rewrite refused", items[1].verdict, STORE_FAILED);
	t_ok("rewrite refused: why", strstr(items[1].err, "check") != NULL ||
	    strstr(items[1].err, "violates") != NULL, items[1].err);
	t_str("rewrite: new rows, key and raw kept", q("SELECT organization_name "
	    "|| ' ' || report_id || ' ' || home_domain || ' ' || day || ' ' || "
	    "verdict || ' ' || convert_from(raw, 'UTF8') || ' ' || (SELECT "
	    "string_agg(domain || '/' || dane_mx || '/' || total_successful, "
	    "',' ORDER BY idx) FROM policy p WHERE p.report_id = r.id) || "
	    "' ' || (SELECT count(*) FROM failure_detail f WHERE f.report_id = "
	    "r.id) FROM report r WHERE id = $1", idtext(id1), NULL),
	    "Dup Org dup-3 new.test 2024-03-09 accepted not json:dup-3 "
	    "mx.new.test/true/4,new.test/false/6 1");
	t_str("rewrite refused: old rows kept", q("SELECT verdict || ' ' || "
	    "(SELECT string_agg(domain || '/' || total_successful, ',') FROM "
	    "policy p WHERE p.report_id = r.id) FROM report r WHERE id = $1",
	    idtext(id2), NULL), "accepted dup.test/2");
	for (k = 0; k < 2; k++)
		report_free(rs[k]);
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
	report_assign_domains(rs[0], NULL);
	t_int("lost batch", store_batch(victim, items, 1, &temp, err,
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
	log_init("test_store", 0, 75);
	if (db_start("test_store", 1) == -1) {
		db_stop();
		return t_done();
	}
	test_migrate();
	test_roundtrip();
	test_duplicates();
	test_conflicts();
	test_proven();
	test_failed();
	test_large();
	test_integrity();
	test_quarantine();
	test_pages();
	test_lost();
	db_stop();
	/* house rule: free functions accept NULL and return NULL */
	t_ok("free(NULL) returns NULL", store_close(NULL) == NULL &&
	    store_page_free(NULL) == NULL && query_summary_free(NULL) == NULL &&
	    buf_free(NULL) == NULL && conf_free(NULL) == NULL &&
	    report_free(NULL) == NULL, NULL);
	return t_done();
}
