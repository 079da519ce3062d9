/*
 * test_report.c - got/want tables for the report decoder (ingest/decode.c,
 * report_json.c, report_time.c, report_domain.c)
 *
 * 1. The real corpus: every json / gz row of MANIFEST.tsv in
 *    $TLSRPT_CORPUS (default ../shared/corpus/real) must decode, with the
 *    manifest's organization-name, report-id, date strings, policy types
 *    (file order) and result types (sorted, unique).  The files are read
 *    in place, never copied into the repository.
 * 2. Hand-written JSON: every required field missing in turn, wrong types,
 *    strictness (depth, UTF-8, duplicates) and each deviation flag.
 * 3. report_decode over gzip: bomb, members, trailing bytes.
 * 4. report_assign_domains and report_is_ours (report_domain.c).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <zlib.h>

#include "buf.h"
#include "decode.h"
#include "domainset.h"
#include "util.h"
#include "xmalloc.h"
#include "t.h"
#include "tgz.h"

#define MiB		(1024 * 1024)
#define MAX_JSON	(16 * MiB)
#define MAX_VALUES	200000

/* the default limits of lib/conf.c */
static const struct report_limits lim = { MAX_JSON, MAX_VALUES };

/*
 * Helpers.
 */

/* slurp - read a whole file, NULL on error */
static unsigned char *
slurp(const char *path, size_t *len)
{
	struct buf	 b = BUF_INIT;
	unsigned char	 tmp[8192];
	size_t		 n;
	FILE		*fp;

	if ((fp = fopen(path, "rb")) == NULL)
		return NULL;
	while ((n = fread(tmp, 1, sizeof(tmp), fp)) > 0)
		buf_append(&b, tmp, n);
	fclose(fp);
	if (b.data == NULL)
		buf_append(&b, "", 0);
	return buf_steal(&b, len);
}


/* cmpstr - qsort callback for char * */
static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* policy_types - comma list of policy types in file order */
static void
policy_types(const struct report *r, struct buf *b)
{
	size_t	i;

	buf_reset(b);
	buf_append(b, "", 0);
	for (i = 0; i < r->n_policies; i++)
		buf_printf(b, "%s%s", i ? "," : "", r->policies[i].policy_type);
}

/* result_types - comma list of result types, sorted and unique, as the
 * manifest writes them */
static void
result_types(const struct report *r, struct buf *b)
{
	const char	**v = NULL;
	size_t		  n = 0, i, j;

	for (i = 0; i < r->n_policies; i++)
		n += r->policies[i].n_failures;
	v = calloc(n + 1, sizeof(*v));
	n = 0;
	for (i = 0; i < r->n_policies; i++)
		for (j = 0; j < r->policies[i].n_failures; j++)
			v[n++] = r->policies[i].failures[j].result_type;
	qsort(v, n, sizeof(*v), cmpstr);
	buf_reset(b);
	buf_append(b, "", 0);
	for (i = 0; i < n; i++)
		if (i == 0 || strcmp(v[i], v[i - 1]) != 0)
			buf_printf(b, "%s%s", b->len ? "," : "", v[i]);
	free(v);
}

/* flags_name - names of the bits in f, for failure messages */
static void
flags_name(uint32_t f, char *out, size_t len)
{
	unsigned	 i;
	size_t		 n = 0;

	out[0] = '\0';
	for (i = 0; i < REPORT_NFLAGS && n < len; i++)
		if (f & (1u << i))
			n += (size_t)snprintf(out + n, len - n, "%s%s",
			    n ? "," : "", report_flag_name(i));
}

/* check_flags - every bit of set must be on, every bit of clear off */
static void
check_flags(const char *name, uint32_t got, uint32_t set, uint32_t clear)
{
	char	what[1024], g[256], s[256], c[256];

	flags_name(got, g, sizeof(g));
	flags_name(set & ~got, s, sizeof(s));
	flags_name(clear & got, c, sizeof(c));
	snprintf(what, sizeof(what), "flags [%s]: missing [%s], unwanted [%s]",
	    g, s, c);
	t_ok(name, (got & set) == set && (got & clear) == 0, what);
}

/*
 * 1. The corpus.
 */

/* Extra expectations for some corpus files, beyond the manifest. */
struct corpus_extra {
	const char	*file;
	uint32_t	 set, clear;
	int		 policy;	/* 1-based policy for n_policy_string */
	int		 n_policy_string;
	const char	*domain;	/* effective domain of policy 1 */
};

static const struct corpus_extra corpus_extras[] = {
	/* R22/D11: two TLSA RRs double-encoded into one element. */
	{ "cry-inc__dmarc-report-viewer/microsoft.json",
	    REPORT_F_TLSA_NESTED_JSON | REPORT_F_END_INCLUSIVE,
	    REPORT_F_MIXED_DOMAINS, 2, 2, "random.net" },
	{ "sebastka__tlsrpt/microsoft-tlsa-sts.json",
	    REPORT_F_TLSA_NESTED_JSON, 0, 1, 1, "karlsen.fr" },
	/* R16/D12: sum 2, total 1. */
	{ "domainaware__parsedmarc/mail.ru.json",
	    REPORT_F_TOTALS_DISAGREE, REPORT_F_END_INCLUSIVE, 0, 0,
	    "example.com" },
	{ "domainaware__parsedmarc/smtp_tls.json", 0,
	    REPORT_F_TOTALS_DISAGREE | REPORT_F_BAD_IP, 1, 4, "example.com" },
	/* R19: Microsoft without an offset. */
	{ "phi-ag__mta-sts-exporter/microsoft-2.json",
	    REPORT_F_TIME_NO_OFFSET | REPORT_F_END_INCLUSIVE, 0, 0, 0, NULL },
	/* Row 6: contact-info null, exclusive next-day end, []. */
	{ "cry-inc__dmarc-report-viewer/no-contact.json",
	    REPORT_F_CONTACT_NULL,
	    REPORT_F_END_INCLUSIVE | REPORT_F_TOTALS_DISAGREE, 0, 0, NULL },
	{ "Neztore__tls-rpt-monitor/microsoft-report.json.gz", 0,
	    REPORT_F_GZIP_MULTI_MEMBER | REPORT_F_GZIP_TRAILING_JUNK, 0, 0,
	    "josh.scot" },
	{ "cry-inc__dmarc-report-viewer/no_ip_and_mx.json", 0,
	    REPORT_F_BAD_IP, 1, 0, NULL },
};

/* check_corpus_extra - the extra table row for file, if any */
static void
check_corpus_extra(const char *file, const struct report *r)
{
	const struct corpus_extra *x;
	char	 name[300];
	size_t	 i;

	for (i = 0; i < sizeof(corpus_extras) / sizeof(corpus_extras[0]);
	    i++) {
		x = &corpus_extras[i];
		if (strcmp(x->file, file) != 0)
			continue;
		snprintf(name, sizeof(name), "%s extra", file);
		check_flags(name, r->flags, x->set, x->clear);
		if (x->policy > 0 && t_ok(name,
		    r->n_policies >= (size_t)x->policy, "too few policies"))
			t_int(name, (int64_t)r->policies[x->policy - 1].
			    n_policy_string, x->n_policy_string);
		if (x->domain != NULL && r->n_policies > 0)
			t_str(name, r->policies[0].domain, x->domain);
	}
}

/* test_corpus - every json / gz row of MANIFEST.tsv */
static void
test_corpus(void)
{
	const char	*dir = getenv("TLSRPT_CORPUS");
	char		 path[1024], line[4096], name[300], err[ERRLEN];
	char		*f[14], *p;
	struct buf	 got = BUF_INIT;
	struct report	*r;
	unsigned char	*raw;
	size_t		 rawlen, n;
	int		 rows = 0, i;
	FILE		*fp;
	enum report_error rc;

	if (dir == NULL || *dir == '\0')
		dir = "../shared/corpus/real";
	snprintf(path, sizeof(path), "%s/MANIFEST.tsv", dir);
	if (!t_ok("corpus manifest", (fp = fopen(path, "r")) != NULL, path))
		return;
	while (fgets(line, sizeof(line), fp) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		p = line;
		for (i = 0; i < 14; i++)
			f[i] = strsep(&p, "\t");
		if (f[13] == NULL || strcmp(f[0], "file") == 0)
			continue;
		/* Columns: file sha256 bytes repo path commit form org id
		 * start end policy_types result_types dkim_body_hash. */
		if (strcmp(f[6], "json") != 0 && strcmp(f[6], "gz") != 0)
			continue;
		rows++;
		snprintf(path, sizeof(path), "%s/%s", dir, f[0]);
		if (!t_ok(f[0], (raw = slurp(path, &rawlen)) != NULL,
		    "cannot read"))
			continue;
		rc = report_decode(raw, rawlen, &lim, &r, err,
		    sizeof(err));
		free(raw);
		if (!t_int(f[0], rc, REPORT_OK)) {
			printf("  err: %s\n", err);
			continue;
		}
		snprintf(name, sizeof(name), "%s organization-name", f[0]);
		t_str(name, r->organization_name, f[7]);
		snprintf(name, sizeof(name), "%s report-id", f[0]);
		t_str(name, r->report_id, f[8]);
		snprintf(name, sizeof(name), "%s start", f[0]);
		t_str(name, r->start_raw, f[9]);
		snprintf(name, sizeof(name), "%s end", f[0]);
		t_str(name, r->end_raw, f[10]);
		snprintf(name, sizeof(name), "%s policy types", f[0]);
		policy_types(r, &got);
		t_str(name, (char *)got.data, f[11]);
		snprintf(name, sizeof(name), "%s result types", f[0]);
		result_types(r, &got);
		t_str(name, (char *)got.data, f[12]);
		/* Every real report covers exactly one UTC day (R19). */
		snprintf(name, sizeof(name), "%s one day", f[0]);
		t_int(name, r->end_time - r->start_time, 86400);
		check_flags(name, r->flags, 0, REPORT_F_RANGE_NOT_DAY |
		    REPORT_F_RANGE_INVERTED | REPORT_F_EXTENSION_MEMBER);
		for (n = 0; n < r->n_policies; n++)
			t_ok(f[0], r->policies[n].domain != NULL,
			    "no effective domain");
		check_corpus_extra(f[0], r);
		report_free(r);
	}
	fclose(fp);
	buf_free(&got);
	/* SOURCES.md: 15 bare JSON + 2 .json.gz. */
	t_int("corpus json/gz rows", rows, 17);
}

/*
 * 2. Hand-written JSON.
 */

#define ORG		"\"organization-name\":\"Org\","
#define RANGE(s, e)	"\"date-range\":{\"start-datetime\":\"" s \
			"\",\"end-datetime\":\"" e "\"},"
#define DAY		RANGE("2024-01-01T00:00:00Z", "2024-01-01T23:59:59Z")
#define RID		"\"report-id\":\"r1\","
#define CONTACT		"\"contact-info\":\"tlsrpt@example.net\""
#define POLICIES(p)	"\"policies\":[" p "],"
#define REPORT(org, range, rid, pols) \
			"{" org range rid pols CONTACT "}"
#define SUM(s, f)	"\"summary\":{\"total-successful-session-count\":" s \
			",\"total-failure-session-count\":" f "}"
#define POL(type, extra) \
			"\"policy\":{\"policy-type\":\"" type "\"" extra "}"
#define DOM		",\"policy-domain\":\"example.com\""
#define ENTRY(pol, sum, fd) "{" pol "," sum fd "}"
#define FDS(f)		",\"failure-details\":[" f "]"
#define FD(rt, n, extra) "{\"result-type\":\"" rt "\"," \
			"\"failed-session-count\":" n extra "}"
#define STS		ENTRY(POL("sts", DOM), SUM("1", "0"), "")
#define WITH_POL(e)	REPORT(ORG, DAY, RID, POLICIES(e))
#define WITH_FD(f)	WITH_POL(ENTRY(POL("sts", DOM), SUM("0", "1"), FDS(f)))
#define WITH_RANGE(s, e) REPORT(ORG, RANGE(s, e), RID, POLICIES(STS))
#define GOOD		WITH_POL(STS)

#define T0		1704067200	/* 2024-01-01T00:00:00Z */

/* Table rows name only the fields they check; the rest are zero (C11
 * 6.7.9), which -Wextra would otherwise flag in every short row. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

struct json_case {
	const char	*name;
	const char	*json;
	enum report_error rc;
	const char	*err;		/* substring of err */
	uint32_t	 set, clear;	/* flags that must be on / off */
	int64_t		 start, end;	/* 0: not checked */
	void		(*check)(const char *, const struct report *);
	int		 direct;	/* report_parse_json, no sniffing */
};

/* check_p1 - shortcut to policy 1 */
static const struct report_policy *
p1(const char *name, const struct report *r)
{
	if (!t_ok(name, r->n_policies >= 1, "no policy"))
		return NULL;
	return &r->policies[0];
}

/* f1 - shortcut to policy 1, failure 1 */
static const struct report_failure *
f1(const char *name, const struct report *r)
{
	const struct report_policy *p = p1(name, r);

	if (p == NULL || !t_ok(name, p->n_failures >= 1, "no failure"))
		return NULL;
	return &p->failures[0];
}

static void
chk_good(const char *n, const struct report *r)
{
	const struct report_policy *p = p1(n, r);

	t_str(n, r->organization_name, "Org");
	t_str(n, r->contact_info, "tlsrpt@example.net");
	t_str(n, r->report_id, "r1");
	t_int(n, r->start_usec, 0);
	t_int(n, r->end_usec, 0);
	if (p == NULL)
		return;
	t_str(n, p->policy_type, "sts");
	t_str(n, p->policy_domain, "example.com");
	t_str(n, p->domain, "example.com");
	t_int(n, p->total_successful, 1);
	t_int(n, p->total_failure, 0);
	t_int(n, (int64_t)p->n_failures, 0);
	t_int(n, (int64_t)p->n_policy_string, 0);
	t_int(n, (int64_t)p->n_mx_host, 0);
}

static void
chk_usec_5(const char *n, const struct report *r)
{
	t_int(n, r->start_usec, 500000);
}

static void
chk_usec_trunc(const char *n, const struct report *r)
{
	t_int(n, r->start_usec, 123456);
	t_int(n, r->end_usec, 0);
}

static void
chk_contact_null(const char *n, const struct report *r)
{
	t_str(n, r->contact_info, NULL);
}

static void
chk_mx_string(const char *n, const struct report *r)
{
	const struct report_policy *p = p1(n, r);

	if (p != NULL && t_int(n, (int64_t)p->n_mx_host, 1))
		t_str(n, p->mx_host[0], "*.example.com");
}

static void
chk_mx_array(const char *n, const struct report *r)
{
	const struct report_policy *p = p1(n, r);

	if (p != NULL && t_int(n, (int64_t)p->n_mx_host, 2)) {
		t_str(n, p->mx_host[0], "mx1.example.com");
		t_str(n, p->mx_host[1], "mx2.example.com");
	}
}

static void
chk_ps_string(const char *n, const struct report *r)
{
	const struct report_policy *p = p1(n, r);

	if (p != NULL && t_int(n, (int64_t)p->n_policy_string, 1))
		t_str(n, p->policy_string[0], "version: STSv1");
}

static void
chk_tlsa_flat(const char *n, const struct report *r)
{
	const struct report_policy *p = p1(n, r);

	if (p != NULL && t_int(n, (int64_t)p->n_policy_string, 3)) {
		t_str(n, p->policy_string[0], "3 1 1 AA");
		t_str(n, p->policy_string[1], "3 1 1 BB");
		t_str(n, p->policy_string[2], "2 0 1 CC");
	}
}

static void
chk_one_ps(const char *n, const struct report *r)
{
	const struct report_policy *p = p1(n, r);

	if (p != NULL)
		t_int(n, (int64_t)p->n_policy_string, 1);
}

static void
chk_unknown_types(const char *n, const struct report *r)
{
	const struct report_policy *p = p1(n, r);
	const struct report_failure *f = f1(n, r);

	if (p != NULL)
		t_str(n, p->policy_type, "dane-ta");
	if (f != NULL)
		t_str(n, f->result_type, "quantum-failure");
}

static void
chk_info_alias(const char *n, const struct report *r)
{
	const struct report_failure *f = f1(n, r);

	if (f != NULL)
		t_str(n, f->additional_information, "https://x.example/i");
}

static void
chk_host_alias(const char *n, const struct report *r)
{
	const struct report_failure *f = f1(n, r);

	if (f != NULL)
		t_str(n, f->receiving_mx_hostname, "mx.example.com");
}

static void
chk_both_alias(const char *n, const struct report *r)
{
	const struct report_failure *f = f1(n, r);

	if (f != NULL) {
		t_str(n, f->receiving_mx_hostname, "mx.example.com");
		t_str(n, f->additional_information, "canonical");
	}
}

static void
chk_ips(const char *n, const struct report *r)
{
	const struct report_failure *f = f1(n, r);

	if (f == NULL)
		return;
	t_str(n, f->sending_mta_ip, "2001:db8:abcd:0012::1");
	t_int(n, f->sending_ip_ok, 1);
	t_str(n, f->receiving_ip, "192.0.2.1");
	t_int(n, f->receiving_ip_ok, 1);
	t_str(n, f->receiving_mx_helo, "mx.example.com");
	t_str(n, f->failure_reason_code, "X509_V_ERR");
	t_int(n, f->failed_session_count, 3);
}

static void
chk_bad_ip(const char *n, const struct report *r)
{
	const struct report_failure *f = f1(n, r);

	if (f == NULL)
		return;
	t_str(n, f->sending_mta_ip, "x.x.x.x");
	t_int(n, f->sending_ip_ok, 0);
	t_int(n, f->receiving_ip_ok, 1);
}

static void
chk_domain_norm(const char *n, const struct report *r)
{
	const struct report_policy *p = p1(n, r);

	if (p != NULL) {
		t_str(n, p->policy_domain, "example.com");
		t_str(n, p->domain, "example.com");
	}
}

static void
chk_no_domain(const char *n, const struct report *r)
{
	const struct report_policy *p = p1(n, r);

	if (p != NULL) {
		t_str(n, p->policy_domain, NULL);
		t_str(n, p->domain, "(unknown)");
	}
}

static void
chk_no_policies(const char *n, const struct report *r)
{
	t_int(n, (int64_t)r->n_policies, 0);
}

static void
chk_big(const char *n, const struct report *r)
{
	const struct report_policy *p = p1(n, r);

	if (p != NULL)
		t_int(n, p->total_successful, 9007199254740992LL);
}

static void
chk_zero_failures(const char *n, const struct report *r)
{
	const struct report_policy *p = p1(n, r);

	if (p != NULL)
		t_int(n, (int64_t)p->n_failures, 0);
}

static const struct json_case json_cases[] = {
	{ "good", GOOD, REPORT_OK, NULL, REPORT_F_END_INCLUSIVE,
	    REPORT_F_RANGE_NOT_DAY | REPORT_F_CONTACT_NULL |
	    REPORT_F_EXTENSION_MEMBER | REPORT_F_NO_POLICY_DOMAIN |
	    REPORT_F_TIME_NO_OFFSET | REPORT_F_TIME_OFFSET,
	    T0, T0 + 86400, chk_good },

	/* Required members (D4), one missing at a time. */
	{ "missing organization-name", REPORT("", DAY, RID, POLICIES(STS)),
	    REPORT_ERR_SCHEMA, "missing \"organization-name\"" },
	{ "missing date-range", REPORT(ORG, "", RID, POLICIES(STS)),
	    REPORT_ERR_SCHEMA, "missing \"date-range\"" },
	{ "missing start-datetime", REPORT(ORG, "\"date-range\":{"
	    "\"end-datetime\":\"2024-01-01T23:59:59Z\"},", RID,
	    POLICIES(STS)), REPORT_ERR_SCHEMA,
	    "missing \"start-datetime\" in date-range" },
	{ "missing end-datetime", REPORT(ORG, "\"date-range\":{"
	    "\"start-datetime\":\"2024-01-01T00:00:00Z\"},", RID,
	    POLICIES(STS)), REPORT_ERR_SCHEMA,
	    "missing \"end-datetime\" in date-range" },
	{ "missing report-id", REPORT(ORG, DAY, "", POLICIES(STS)),
	    REPORT_ERR_SCHEMA, "missing \"report-id\"" },
	{ "missing policies", REPORT(ORG, DAY, RID, ""),
	    REPORT_ERR_SCHEMA, "missing \"policies\"" },
	{ "missing policy", WITH_POL("{" SUM("1", "0") "}"),
	    REPORT_ERR_SCHEMA, "missing \"policy\" in policy 1" },
	{ "missing policy-type", WITH_POL(ENTRY("\"policy\":{"
	    "\"policy-domain\":\"example.com\"}", SUM("1", "0"), "")),
	    REPORT_ERR_SCHEMA, "missing \"policy-type\" in policy 1" },
	{ "missing summary", WITH_POL("{" POL("sts", DOM) "}"),
	    REPORT_ERR_SCHEMA, "missing \"summary\" in policy 1" },
	{ "missing total-successful-session-count", WITH_POL(ENTRY(
	    POL("sts", DOM), "\"summary\":{\"total-failure-session-count\""
	    ":0}", "")), REPORT_ERR_SCHEMA,
	    "missing \"total-successful-session-count\" in policy 1" },
	{ "missing total-failure-session-count", WITH_POL(ENTRY(
	    POL("sts", DOM), "\"summary\":{"
	    "\"total-successful-session-count\":0}", "")), REPORT_ERR_SCHEMA,
	    "missing \"total-failure-session-count\" in policy 1" },
	{ "missing result-type", WITH_FD("{\"failed-session-count\":1}"),
	    REPORT_ERR_SCHEMA,
	    "missing \"result-type\" in policy 1 failure detail 1" },
	{ "missing failed-session-count", WITH_FD(FD("validation-failure",
	    "1", "") ",{\"result-type\":\"validation-failure\"}"),
	    REPORT_ERR_SCHEMA,
	    "missing \"failed-session-count\" in policy 1 failure detail 2" },

	/* Wrong types. */
	{ "organization-name number", REPORT("\"organization-name\":5,", DAY,
	    RID, POLICIES(STS)), REPORT_ERR_SCHEMA,
	    "\"organization-name\" is not a string" },
	{ "organization-name null", REPORT("\"organization-name\":null,",
	    DAY, RID, POLICIES(STS)), REPORT_ERR_SCHEMA,
	    "\"organization-name\" is not a string" },
	{ "date-range string", REPORT(ORG, "\"date-range\":\"today\",", RID,
	    POLICIES(STS)), REPORT_ERR_SCHEMA,
	    "\"date-range\" is not an object" },
	{ "start-datetime number", REPORT(ORG, "\"date-range\":{"
	    "\"start-datetime\":1,\"end-datetime\":\"x\"},", RID,
	    POLICIES(STS)), REPORT_ERR_SCHEMA,
	    "\"start-datetime\" in date-range is not a string" },
	{ "report-id empty", REPORT(ORG, DAY, "\"report-id\":\"\",",
	    POLICIES(STS)), REPORT_ERR_SCHEMA, "\"report-id\" is empty" },
	{ "report-id number", REPORT(ORG, DAY, "\"report-id\":7,",
	    POLICIES(STS)), REPORT_ERR_SCHEMA,
	    "\"report-id\" is not a string" },
	{ "contact-info number", "{" ORG DAY RID POLICIES(STS)
	    "\"contact-info\":5}", REPORT_ERR_SCHEMA,
	    "\"contact-info\" is not a string" },
	{ "policies as object (R15)", REPORT(ORG, DAY, RID,
	    "\"policies\":" STS ","), REPORT_ERR_SCHEMA,
	    "\"policies\" is not an array" },
	{ "policy entry not an object", WITH_POL("1"), REPORT_ERR_SCHEMA,
	    "policy 1 is not an object" },
	{ "policy not an object", WITH_POL("{\"policy\":[]," SUM("1", "0")
	    "}"), REPORT_ERR_SCHEMA,
	    "\"policy\" in policy 1 is not an object" },
	{ "second policy bad", WITH_POL(STS ",{\"policy\":{\"policy-type\":"
	    "3}," SUM("1", "0") "}"), REPORT_ERR_SCHEMA,
	    "\"policy-type\" in policy 2 is not a string" },
	{ "policy-domain number", WITH_POL(ENTRY(POL("sts",
	    ",\"policy-domain\":1"), SUM("1", "0"), "")), REPORT_ERR_SCHEMA,
	    "\"policy-domain\" in policy 1 is not a string" },
	{ "summary array", WITH_POL(ENTRY(POL("sts", DOM), "\"summary\":[]",
	    "")), REPORT_ERR_SCHEMA,
	    "\"summary\" in policy 1 is not an object" },
	{ "negative count", WITH_POL(ENTRY(POL("sts", DOM), SUM("-1", "0"),
	    "")), REPORT_ERR_SCHEMA, "\"total-successful-session-count\" in "
	    "policy 1 is not a non-negative integer" },
	{ "float count", WITH_POL(ENTRY(POL("sts", DOM), SUM("0", "1.0"),
	    "")), REPORT_ERR_SCHEMA, "\"total-failure-session-count\" in "
	    "policy 1 is not a non-negative integer" },
	{ "exponent count", WITH_POL(ENTRY(POL("sts", DOM), SUM("1e3", "0"),
	    "")), REPORT_ERR_SCHEMA, "not a non-negative integer" },
	{ "string count", WITH_POL(ENTRY(POL("sts", DOM), SUM("\"3\"", "0"),
	    "")), REPORT_ERR_SCHEMA, "\"total-successful-session-count\" in "
	    "policy 1 is not a non-negative integer" },
	{ "null count", WITH_POL(ENTRY(POL("sts", DOM), SUM("null", "0"),
	    "")), REPORT_ERR_SCHEMA, "not a non-negative integer" },
	{ "negative failed-session-count", WITH_FD(FD("validation-failure",
	    "-2", "")), REPORT_ERR_SCHEMA, "\"failed-session-count\" in "
	    "policy 1 failure detail 1 is not a non-negative integer" },
	{ "failure-details object", WITH_POL(ENTRY(POL("sts", DOM),
	    SUM("0", "1"), ",\"failure-details\":{}")), REPORT_ERR_SCHEMA,
	    "\"failure-details\" in policy 1 is not an array" },
	{ "failure detail not object", WITH_FD("\"x\""), REPORT_ERR_SCHEMA,
	    "failure detail 1 in policy 1 is not an object" },
	{ "result-type number", WITH_FD("{\"result-type\":1,"
	    "\"failed-session-count\":1}"), REPORT_ERR_SCHEMA,
	    "\"result-type\" in policy 1 failure detail 1 is not a string" },
	{ "receiving-ip number", WITH_FD(FD("validation-failure", "1",
	    ",\"receiving-ip\":3232235777")), REPORT_ERR_SCHEMA,
	    "\"receiving-ip\" in policy 1 failure detail 1 is not a string" },
	{ "mx-host number", WITH_POL(ENTRY(POL("sts", DOM ",\"mx-host\":1"),
	    SUM("1", "0"), "")), REPORT_ERR_SCHEMA,
	    "\"mx-host\" in policy 1 is not an array of strings" },
	{ "policy-string with a number", WITH_POL(ENTRY(POL("sts", DOM
	    ",\"policy-string\":[\"version: STSv1\",2]"), SUM("1", "0"), "")),
	    REPORT_ERR_SCHEMA,
	    "\"policy-string\" in policy 1 is not an array of strings" },
	{ "top level array", "[" GOOD "]", REPORT_ERR_SCHEMA,
	    "the report is not a JSON object", .direct = 1 },
	{ "BOM, direct", "\xef\xbb\xbf" GOOD, REPORT_OK, .direct = 1 },

	/* Strict JSON (R13). */
	{ "duplicate key", "{\"organization-name\":\"A\","
	    "\"organization-name\":\"B\"," DAY RID POLICIES(STS) CONTACT "}",
	    REPORT_ERR_JSON, "duplicate" },
	{ "duplicate key deep", WITH_POL(ENTRY(POL("sts", DOM), SUM("1",
	    "0") ",\"summary\":{}", "")), REPORT_ERR_JSON, "duplicate" },
	{ "bad UTF-8", REPORT("\"organization-name\":\"Org\xff\",", DAY, RID,
	    POLICIES(STS)), REPORT_ERR_JSON, "invalid UTF-8" },
	{ "overlong UTF-8", REPORT("\"organization-name\":\"\xc0\xaf\",",
	    DAY, RID, POLICIES(STS)), REPORT_ERR_JSON, "invalid UTF-8" },
	{ "NUL escape", REPORT("\"organization-name\":\"a\\u0000b\",", DAY,
	    RID, POLICIES(STS)), REPORT_ERR_JSON, "\\u0000 in a JSON string" },
	{ "NUL escape in key", REPORT("\"organization-name\":\"a\","
	    "\"a\\u0000\":1,", DAY, RID, POLICIES(STS)), REPORT_ERR_JSON,
	    "\\u0000" },
	{ "trailing data", GOOD "x", REPORT_ERR_JSON, "invalid JSON" },
	{ "two objects", GOOD GOOD, REPORT_ERR_JSON, "invalid JSON" },
	{ "truncated JSON", "{\"organization-name\":\"Org\"", REPORT_ERR_JSON,
	    "invalid JSON" },
	{ "huge integer", WITH_POL(ENTRY(POL("sts", DOM),
	    SUM("99999999999999999999", "0"), "")), REPORT_ERR_JSON,
	    "number too large" },
	{ "brackets inside strings", REPORT("\"organization-name\":\""
	    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\\"{{{{{{"
	    "{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{\",", DAY, RID,
	    POLICIES(STS)), REPORT_OK, NULL },

	/* Dates (R19). */
	{ "end next midnight", WITH_RANGE("2024-01-01T00:00:00Z",
	    "2024-01-02T00:00:00Z"), REPORT_OK, NULL, 0,
	    REPORT_F_END_INCLUSIVE | REPORT_F_RANGE_NOT_DAY, T0, T0 + 86400 },
	{ "end 23:59:59 inclusive", WITH_RANGE("2024-01-01T00:00:00Z",
	    "2024-01-01T23:59:59Z"), REPORT_OK, NULL, REPORT_F_END_INCLUSIVE,
	    REPORT_F_RANGE_NOT_DAY, T0, T0 + 86400 },
	{ "no offset (Microsoft)", WITH_RANGE("2024-01-01T00:00:00",
	    "2024-01-01T23:59:59"), REPORT_OK, NULL,
	    REPORT_F_TIME_NO_OFFSET | REPORT_F_END_INCLUSIVE,
	    REPORT_F_RANGE_NOT_DAY | REPORT_F_TIME_OFFSET, T0, T0 + 86400 },
	{ "offset +02:00", WITH_RANGE("2024-01-01T02:00:00+02:00",
	    "2024-01-02T02:00:00+02:00"), REPORT_OK, NULL,
	    REPORT_F_TIME_OFFSET, REPORT_F_RANGE_NOT_DAY |
	    REPORT_F_TIME_NO_OFFSET, T0, T0 + 86400 },
	{ "offset -05:30", WITH_RANGE("2023-12-31T18:30:00-05:30",
	    "2024-01-01T18:30:00-05:30"), REPORT_OK, NULL,
	    REPORT_F_TIME_OFFSET, REPORT_F_RANGE_NOT_DAY, T0, T0 + 86400 },
	{ "offset +02:00 not a UTC day", WITH_RANGE(
	    "2024-01-01T00:00:00+02:00", "2024-01-02T00:00:00+02:00"),
	    REPORT_OK, NULL, REPORT_F_TIME_OFFSET | REPORT_F_RANGE_NOT_DAY, 0,
	    T0 - 7200, T0 + 86400 - 7200 },
	{ "lower-case t and z", WITH_RANGE("2024-01-01t00:00:00z",
	    "2024-01-02t00:00:00z"), REPORT_OK, NULL, 0,
	    REPORT_F_RANGE_NOT_DAY | REPORT_F_TIME_NO_OFFSET, T0,
	    T0 + 86400 },
	{ "space separator", WITH_RANGE("2024-01-01 00:00:00Z",
	    "2024-01-02 00:00:00Z"), REPORT_OK, NULL, 0, 0, T0, T0 + 86400 },
	{ "fraction", WITH_RANGE("2024-01-01T00:00:00.5Z",
	    "2024-01-02T00:00:00Z"), REPORT_OK, NULL,
	    REPORT_F_TIME_FRACTION | REPORT_F_RANGE_NOT_DAY, 0, T0,
	    T0 + 86400, chk_usec_5 },
	{ "fraction of 7 digits", WITH_RANGE("2024-01-01T00:00:00.1234567Z",
	    "2024-01-01T23:59:59.999Z"), REPORT_OK, NULL,
	    REPORT_F_TIME_FRACTION | REPORT_F_END_INCLUSIVE, 0, T0,
	    T0 + 86400, chk_usec_trunc },
	{ "two days", WITH_RANGE("2024-01-01T00:00:00Z",
	    "2024-01-03T00:00:00Z"), REPORT_OK, NULL, REPORT_F_RANGE_NOT_DAY,
	    REPORT_F_RANGE_INVERTED, T0, T0 + 2 * 86400 },
	{ "inverted", WITH_RANGE("2024-01-02T00:00:00Z",
	    "2024-01-01T00:00:00Z"), REPORT_OK, NULL,
	    REPORT_F_RANGE_INVERTED | REPORT_F_RANGE_NOT_DAY, 0,
	    T0 + 86400, T0 },
	{ "empty range", WITH_RANGE("2024-01-01T00:00:00Z",
	    "2024-01-01T00:00:00Z"), REPORT_OK, NULL,
	    REPORT_F_RANGE_INVERTED },
	{ "leap day 2024", WITH_RANGE("2024-02-29T00:00:00Z",
	    "2024-03-01T00:00:00Z"), REPORT_OK, NULL, 0,
	    REPORT_F_RANGE_NOT_DAY, 1709164800, 1709251200 },
	{ "leap day 2000", WITH_RANGE("2000-02-29T00:00:00Z",
	    "2000-03-01T00:00:00Z"), REPORT_OK, NULL, 0,
	    REPORT_F_RANGE_NOT_DAY, 951782400, 951868800 },
	{ "before 1970", WITH_RANGE("1969-12-31T00:00:00Z",
	    "1970-01-01T00:00:00Z"), REPORT_OK, NULL, 0,
	    REPORT_F_RANGE_NOT_DAY, -86400, 0 },
	{ "no leap day 2023", WITH_RANGE("2023-02-29T00:00:00Z",
	    "2023-03-01T00:00:00Z"), REPORT_ERR_SCHEMA,
	    "\"start-datetime\" is not an RFC 3339 date-time" },
	{ "no leap day 1900", WITH_RANGE("1900-02-29T00:00:00Z",
	    "1900-03-01T00:00:00Z"), REPORT_ERR_SCHEMA, "start-datetime" },
	{ "April 31", WITH_RANGE("2024-04-01T00:00:00Z",
	    "2024-04-31T00:00:00Z"), REPORT_ERR_SCHEMA,
	    "\"end-datetime\" is not an RFC 3339 date-time" },
	{ "month 13", WITH_RANGE("2024-13-01T00:00:00Z",
	    "2024-01-02T00:00:00Z"), REPORT_ERR_SCHEMA, "start-datetime" },
	{ "hour 24", WITH_RANGE("2024-01-01T24:00:00Z",
	    "2024-01-02T00:00:00Z"), REPORT_ERR_SCHEMA, "start-datetime" },
	{ "minute 60", WITH_RANGE("2024-01-01T00:60:00Z",
	    "2024-01-02T00:00:00Z"), REPORT_ERR_SCHEMA, "start-datetime" },
	{ "date only", WITH_RANGE("2024-01-01", "2024-01-02"),
	    REPORT_ERR_SCHEMA, "start-datetime" },
	{ "epoch number text", WITH_RANGE("1704067200", "1704153600"),
	    REPORT_ERR_SCHEMA, "start-datetime" },
	{ "junk after Z", WITH_RANGE("2024-01-01T00:00:00Zx",
	    "2024-01-02T00:00:00Z"), REPORT_ERR_SCHEMA, "start-datetime" },
	{ "short offset", WITH_RANGE("2024-01-01T00:00:00+2:00",
	    "2024-01-02T00:00:00Z"), REPORT_ERR_SCHEMA, "start-datetime" },
	{ "empty fraction", WITH_RANGE("2024-01-01T00:00:00.Z",
	    "2024-01-02T00:00:00Z"), REPORT_ERR_SCHEMA, "start-datetime" },
	{ "empty date", WITH_RANGE("", "2024-01-02T00:00:00Z"),
	    REPORT_ERR_SCHEMA, "start-datetime" },

	/* Deviations that are accepted and flagged. */
	{ "organization-name empty", REPORT("\"organization-name\":\"\",",
	    DAY, RID, POLICIES(STS)), REPORT_OK, NULL, REPORT_F_ORG_EMPTY },
	{ "contact-info null", "{" ORG DAY RID POLICIES(STS)
	    "\"contact-info\":null}", REPORT_OK, NULL, REPORT_F_CONTACT_NULL,
	    0, 0, 0, chk_contact_null },
	{ "contact-info absent", "{" ORG DAY RID "\"policies\":[" STS "]}",
	    REPORT_OK, NULL, REPORT_F_CONTACT_NULL, 0, 0, 0,
	    chk_contact_null },
	{ "empty policies (R15)", REPORT(ORG, DAY, RID, POLICIES()),
	    REPORT_OK, NULL, REPORT_F_NO_POLICIES, 0, 0, 0, chk_no_policies },
	{ "mx-host string (R20)", WITH_POL(ENTRY(POL("sts", DOM
	    ",\"mx-host\":\"*.example.com\""), SUM("1", "0"), "")),
	    REPORT_OK, NULL, REPORT_F_MX_HOST_STRING, 0, 0, 0,
	    chk_mx_string },
	{ "mx-host array", WITH_POL(ENTRY(POL("sts", DOM ",\"mx-host\":"
	    "[\"mx1.example.com\",\"mx2.example.com\"]"), SUM("1", "0"), "")),
	    REPORT_OK, NULL, 0, REPORT_F_MX_HOST_STRING, 0, 0, chk_mx_array },
	{ "mx-host empty array", WITH_POL(ENTRY(POL("sts", DOM
	    ",\"mx-host\":[]"), SUM("1", "0"), "")), REPORT_OK, NULL, 0,
	    REPORT_F_MX_HOST_STRING },
	{ "policy-string string", WITH_POL(ENTRY(POL("sts", DOM
	    ",\"policy-string\":\"version: STSv1\""), SUM("1", "0"), "")),
	    REPORT_OK, NULL, REPORT_F_POLICY_STRING_STRING, 0, 0, 0,
	    chk_ps_string },
	{ "tlsa nested JSON (R22)", WITH_POL(ENTRY(POL("tlsa", DOM
	    ",\"policy-string\":[\"[\\\"3 1 1 AA\\\",\\\"3 1 1 BB\\\"]\","
	    "\"2 0 1 CC\"]"), SUM("1", "0"), "")), REPORT_OK, NULL,
	    REPORT_F_TLSA_NESTED_JSON, 0, 0, 0, chk_tlsa_flat },
	{ "tlsa nested JSON that does not decode", WITH_POL(ENTRY(POL("tlsa",
	    DOM ",\"policy-string\":[\"[3 1 1 AA\"]"), SUM("1", "0"), "")),
	    REPORT_OK, NULL, 0, REPORT_F_TLSA_NESTED_JSON, 0, 0, chk_one_ps },
	{ "tlsa nested JSON of numbers", WITH_POL(ENTRY(POL("tlsa",
	    DOM ",\"policy-string\":[\"[1,2]\"]"), SUM("1", "0"), "")),
	    REPORT_OK, NULL, 0, REPORT_F_TLSA_NESTED_JSON, 0, 0, chk_one_ps },
	{ "sts element with bracket is not flattened", WITH_POL(ENTRY(
	    POL("sts", DOM ",\"policy-string\":[\"[\\\"a\\\",\\\"b\\\"]\"]"),
	    SUM("1", "0"), "")), REPORT_OK, NULL, 0,
	    REPORT_F_TLSA_NESTED_JSON, 0, 0, chk_one_ps },
	{ "unknown policy and result types (R33, R34)", WITH_POL(ENTRY(
	    POL("dane-ta", DOM), SUM("0", "1"),
	    FDS(FD("quantum-failure", "1", "")))), REPORT_OK, NULL,
	    REPORT_F_UNKNOWN_POLICY_TYPE | REPORT_F_UNKNOWN_RESULT_TYPE, 0, 0,
	    0, chk_unknown_types },
	{ "all registered result types", WITH_POL(ENTRY(POL("tlsa", DOM),
	    SUM("0", "11"), FDS(FD("starttls-not-supported", "1", "") ","
	    FD("certificate-host-mismatch", "1", "") ","
	    FD("certificate-expired", "1", "") "," FD("tlsa-invalid", "1", "")
	    "," FD("dnssec-invalid", "1", "") "," FD("dane-required", "1", "")
	    "," FD("certificate-not-trusted", "1", "") ","
	    FD("sts-policy-invalid", "1", "") ","
	    FD("sts-webpki-invalid", "1", "") ","
	    FD("validation-failure", "1", "") ","
	    FD("sts-policy-fetch-error", "1", "")))), REPORT_OK, NULL, 0,
	    REPORT_F_UNKNOWN_RESULT_TYPE | REPORT_F_UNKNOWN_POLICY_TYPE |
	    REPORT_F_TOTALS_DISAGREE },
	{ "no-policy-found is known", WITH_POL(ENTRY(POL("no-policy-found",
	    DOM), SUM("1", "0"), "")), REPORT_OK, NULL, 0,
	    REPORT_F_UNKNOWN_POLICY_TYPE },
	{ "additional-info-uri alias (R28)", WITH_FD(FD("validation-failure",
	    "1", ",\"additional-info-uri\":\"https://x.example/i\"")),
	    REPORT_OK, NULL, REPORT_F_ADDITIONAL_INFO_URI, 0, 0, 0,
	    chk_info_alias },
	{ "receiving-mx-host-name alias (R26)", WITH_FD(FD(
	    "validation-failure", "1",
	    ",\"receiving-mx-host-name\":\"mx.example.com\"")), REPORT_OK,
	    NULL, REPORT_F_MX_HOST_NAME_ALIAS, REPORT_F_EXTENSION_MEMBER, 0, 0,
	    chk_host_alias },
	{ "aliases next to canonical names", WITH_FD(FD("validation-failure",
	    "1", ",\"receiving-mx-hostname\":\"mx.example.com\","
	    "\"receiving-mx-host-name\":\"other\","
	    "\"additional-information\":\"canonical\","
	    "\"additional-info-uri\":\"alias\"")), REPORT_OK, NULL,
	    REPORT_F_MX_HOST_NAME_ALIAS | REPORT_F_ADDITIONAL_INFO_URI, 0, 0,
	    0, chk_both_alias },
	{ "every failure field", WITH_POL(ENTRY(POL("sts", DOM), SUM("0", "3"),
	    FDS(FD("certificate-expired", "3",
	    ",\"sending-mta-ip\":\"2001:db8:abcd:0012::1\","
	    "\"receiving-ip\":\"192.0.2.1\","
	    "\"receiving-mx-helo\":\"mx.example.com\","
	    "\"failure-reason-code\":\"X509_V_ERR\"")))), REPORT_OK, NULL, 0,
	    REPORT_F_BAD_IP | REPORT_F_EXTENSION_MEMBER |
	    REPORT_F_TOTALS_DISAGREE, 0, 0, chk_ips },
	{ "bad IP kept (R25)", WITH_FD(FD("validation-failure", "1",
	    ",\"sending-mta-ip\":\"x.x.x.x\","
	    "\"receiving-ip\":\"192.0.2.1\"")), REPORT_OK, NULL,
	    REPORT_F_BAD_IP, 0, 0, 0, chk_bad_ip },
	{ "totals disagree (R16)", WITH_FD(FD("validation-failure", "1", "")
	    "," FD("validation-failure", "1", "")), REPORT_OK, NULL,
	    REPORT_F_TOTALS_DISAGREE },
	{ "totals agree", WITH_FD(FD("validation-failure", "1", "")),
	    REPORT_OK, NULL, 0, REPORT_F_TOTALS_DISAGREE },
	{ "empty failure-details do not disagree", WITH_POL(ENTRY(
	    POL("sts", DOM), SUM("0", "5"), FDS())), REPORT_OK, NULL, 0,
	    REPORT_F_TOTALS_DISAGREE, 0, 0, chk_zero_failures },
	{ "null failure-details", WITH_POL(ENTRY(POL("sts", DOM),
	    SUM("0", "5"), ",\"failure-details\":null")), REPORT_OK, NULL, 0,
	    REPORT_F_TOTALS_DISAGREE, 0, 0, chk_zero_failures },
	{ "count above 2^53-1 (R13)", WITH_POL(ENTRY(POL("sts", DOM),
	    SUM("9007199254740992", "0"), "")), REPORT_OK, NULL,
	    REPORT_F_BIG_INTEGER, 0, 0, 0, chk_big },
	{ "count 2^53-1", WITH_POL(ENTRY(POL("sts", DOM),
	    SUM("9007199254740991", "0"), "")), REPORT_OK, NULL, 0,
	    REPORT_F_BIG_INTEGER },
	{ "policy-domain normalised (R23)", WITH_POL(ENTRY(POL("sts",
	    ",\"policy-domain\":\"Example.COM.\""), SUM("1", "0"), "")),
	    REPORT_OK, NULL, 0, REPORT_F_DOMAIN_NOT_ASCII, 0, 0,
	    chk_domain_norm },
	{ "policy-domain U-label", WITH_POL(ENTRY(POL("sts",
	    ",\"policy-domain\":\"b\xc3\xbc" "cher.example\""), SUM("1", "0"),
	    "")), REPORT_OK, NULL, REPORT_F_DOMAIN_NOT_ASCII },
	{ "no policy-domain", WITH_POL(ENTRY(POL("no-policy-found", ""),
	    SUM("1", "0"), "")), REPORT_OK, NULL, REPORT_F_NO_POLICY_DOMAIN,
	    0, 0, 0, chk_no_domain },
	{ "policy-domain null", WITH_POL(ENTRY(POL("sts",
	    ",\"policy-domain\":null"), SUM("1", "0"), "")), REPORT_OK, NULL,
	    REPORT_F_NO_POLICY_DOMAIN, 0, 0, 0, chk_no_domain },
	{ "policy-domain dot", WITH_POL(ENTRY(POL("sts",
	    ",\"policy-domain\":\".\""), SUM("1", "0"), "")), REPORT_OK, NULL,
	    REPORT_F_NO_POLICY_DOMAIN, 0, 0, 0, chk_no_domain },
	{ "same domain twice", WITH_POL(STS "," ENTRY(POL("tlsa",
	    ",\"policy-domain\":\"EXAMPLE.com\""), SUM("1", "0"), "")),
	    REPORT_OK, NULL, 0, REPORT_F_MIXED_DOMAINS },
	{ "mixed domains", WITH_POL(STS "," ENTRY(POL("tlsa",
	    ",\"policy-domain\":\"mx.example.org\""), SUM("1", "0"), "")),
	    REPORT_OK, NULL, REPORT_F_MIXED_DOMAINS },
	{ "extension member top", REPORT(ORG "\"x-ext\":{\"a\":[1]},", DAY,
	    RID, POLICIES(STS)), REPORT_OK, NULL, REPORT_F_EXTENSION_MEMBER },
	{ "extension member date-range", REPORT(ORG, "\"date-range\":{"
	    "\"start-datetime\":\"2024-01-01T00:00:00Z\",\"end-datetime\":"
	    "\"2024-01-01T23:59:59Z\",\"tz\":\"UTC\"},", RID, POLICIES(STS)),
	    REPORT_OK, NULL, REPORT_F_EXTENSION_MEMBER },
	{ "extension member policy", WITH_POL(ENTRY(POL("sts", DOM
	    ",\"mx-host-pattern\":[]"), SUM("1", "0"), "")), REPORT_OK, NULL,
	    REPORT_F_EXTENSION_MEMBER },
	{ "extension member entry", WITH_POL(ENTRY(POL("sts", DOM),
	    SUM("1", "0"), ",\"note\":1")), REPORT_OK, NULL,
	    REPORT_F_EXTENSION_MEMBER },
	{ "extension member summary", WITH_POL(ENTRY(POL("sts", DOM),
	    "\"summary\":{\"total-successful-session-count\":1,"
	    "\"total-failure-session-count\":0,\"x\":1}", "")), REPORT_OK,
	    NULL, REPORT_F_EXTENSION_MEMBER },
	{ "extension member failure", WITH_FD(FD("validation-failure", "1",
	    ",\"x-why\":\"?\"")), REPORT_OK, NULL,
	    REPORT_F_EXTENSION_MEMBER },
};

/* run_json - one row through report_decode (which also sniffs) */
static void
run_json(const struct json_case *c)
{
	struct report	*r = (struct report *)1;
	char		 err[ERRLEN] = "", what[600];
	enum report_error rc;

	if (c->direct)
		rc = report_parse_json(c->json, strlen(c->json), MAX_VALUES,
		    &r, err, sizeof(err));
	else
		rc = report_decode((const unsigned char *)c->json,
		    strlen(c->json), &lim, &r, err, sizeof(err));
	if (!t_int(c->name, rc, c->rc))
		printf("  err: %s\n", err);
	if (c->rc != REPORT_OK) {
		t_ok(c->name, r == NULL, "report not NULL on failure");
		snprintf(what, sizeof(what), "err \"%s\" lacks \"%s\"", err,
		    c->err);
		t_ok(c->name, strstr(err, c->err) != NULL, what);
		return;
	}
	if (r == NULL)
		return;
	check_flags(c->name, r->flags, c->set, c->clear);
	if (c->start != 0 || c->end != 0) {
		t_int(c->name, r->start_time, c->start);
		t_int(c->name, r->end_time, c->end);
	}
	if (c->check != NULL)
		c->check(c->name, r);
	report_free(r);
}

/* A report whose failure-reason-code is left open for the test to fill */
#define REASON_HEAD	"{" ORG DAY RID "\"policies\":[{" POL("sts", DOM) "," \
			SUM("0", "1") ",\"failure-details\":[{" \
			"\"result-type\":\"validation-failure\"," \
			"\"failed-session-count\":1,\"failure-reason-code\":\""

/* test_built - cases whose input is too long for a literal */
static void
test_built(void)
{
	struct buf	 b = BUF_INIT;
	struct report	*r;
	char		 err[ERRLEN];
	enum report_error rc;
	size_t		 i;

	/* 1000 levels: our pre-scan refuses long before jansson's 2048. */
	buf_puts(&b, "{\"a\":");
	for (i = 0; i < 1000; i++)
		buf_putc(&b, '[');
	rc = report_decode(b.data, b.len, &lim, &r, err, sizeof(err));
	t_int("deep nesting", rc, REPORT_ERR_JSON);
	t_ok("deep nesting", strstr(err, "nesting") != NULL, err);
	rc = report_parse_json((const char *)b.data + 5, b.len - 5,
	    MAX_VALUES, &r, err,
	    sizeof(err));
	t_int("deep nesting, array only", rc, REPORT_ERR_JSON);
	t_str("deep nesting, array only", err,
	    "JSON nesting deeper than 32 levels");

	/* Exactly 32 levels (the object itself is one) pass; 33 do not. */
	buf_reset(&b);
	buf_puts(&b, "{\"x\":");
	for (i = 0; i < 31; i++)
		buf_putc(&b, '[');
	for (i = 0; i < 31; i++)
		buf_putc(&b, ']');
	buf_puts(&b, "," ORG DAY RID POLICIES(STS) CONTACT "}");
	rc = report_decode(b.data, b.len, &lim, &r, err, sizeof(err));
	if (t_int("nesting 32", rc, REPORT_OK)) {
		check_flags("nesting 32", r->flags, REPORT_F_EXTENSION_MEMBER,
		    0);
		report_free(r);
	} else
		printf("  err: %s\n", err);
	buf_reset(&b);
	buf_puts(&b, "{\"x\":");
	for (i = 0; i < 32; i++)
		buf_putc(&b, '[');
	for (i = 0; i < 32; i++)
		buf_putc(&b, ']');
	buf_puts(&b, "," ORG DAY RID POLICIES(STS) CONTACT "}");
	rc = report_decode(b.data, b.len, &lim, &r, err, sizeof(err));
	t_int("nesting 33", rc, REPORT_ERR_JSON);

	/* R31: 4 KiB cap on a UTF-8 boundary: "a" + 3000 x U+00E9 puts
	 * byte 4096 in the middle of a character, so 4095 bytes remain. */
	buf_reset(&b);
	buf_puts(&b, REASON_HEAD "a");
	for (i = 0; i < 3000; i++)
		buf_puts(&b, "\xc3\xa9");
	buf_puts(&b, "\"}]}]," CONTACT "}");
	rc = report_decode(b.data, b.len, &lim, &r, err, sizeof(err));
	if (t_int("reason truncated", rc, REPORT_OK)) {
		check_flags("reason truncated", r->flags,
		    REPORT_F_REASON_TRUNCATED, 0);
		t_int("reason truncated length", (int64_t)strlen(
		    r->policies[0].failures[0].failure_reason_code), 4095);
		report_free(r);
	} else
		printf("  err: %s\n", err);

	/* Exactly 4096 bytes stay whole. */
	buf_reset(&b);
	buf_puts(&b, REASON_HEAD);
	for (i = 0; i < 4096; i++)
		buf_putc(&b, 'x');
	buf_puts(&b, "\"}]}]," CONTACT "}");
	rc = report_decode(b.data, b.len, &lim, &r, err, sizeof(err));
	if (t_int("reason 4096", rc, REPORT_OK)) {
		check_flags("reason 4096", r->flags, 0,
		    REPORT_F_REASON_TRUNCATED);
		t_int("reason 4096 length", (int64_t)strlen(
		    r->policies[0].failures[0].failure_reason_code), 4096);
		report_free(r);
	}
	buf_free(&b);
}

/*
 * test_caps - every key or domain has a length cap that refuses the
 * report naming the field; free text is cut at its cap and flagged.
 * Each template has one %s where a string of n 'x' goes.
 */
struct cap_case {
	const char	*field;		/* as the reason names it */
	const char	*tmpl;
	size_t		 cap;
	int		 cut;		/* 1: free text, cut and flagged */
};

#define TOP(k)		"{\"" k "\":\"%s\"," DAY RID POLICIES(STS) CONTACT "}"
#define IN_POL(k)	WITH_POL(ENTRY(POL("sts", DOM ",\"" k "\":\"%s\""), \
			SUM("1", "0"), ""))
#define IN_FD(k)	WITH_FD(FD("starttls-not-supported", "1", \
			",\"" k "\":\"%s\""))

static const struct cap_case cap_cases[] = {
	{ "organization-name", TOP("organization-name"), 1024, 0 },
	{ "report-id", "{" ORG DAY "\"report-id\":\"%s\"," POLICIES(STS)
	    CONTACT "}", 1024, 0 },
	{ "start-datetime in date-range", "{" ORG "\"date-range\":{"
	    "\"start-datetime\":\"%s\",\"end-datetime\":"
	    "\"2024-01-01T23:59:59Z\"}," RID POLICIES(STS) CONTACT "}", 64, 0 },
	{ "policy-type in policy 1", WITH_POL(ENTRY("\"policy\":{"
	    "\"policy-type\":\"%s\"" DOM "}", SUM("1", "0"), "")), 64, 0 },
	{ "policy-domain in policy 1", WITH_POL(ENTRY(POL("sts",
	    ",\"policy-domain\":\"%s\""), SUM("1", "0"), "")), 255, 0 },
	{ "mx-host in policy 1", IN_POL("mx-host"), 255, 0 },
	{ "result-type in policy 1 failure detail 1", WITH_FD("{"
	    "\"result-type\":\"%s\",\"failed-session-count\":1}"), 64, 0 },
	{ "sending-mta-ip in policy 1 failure detail 1",
	    IN_FD("sending-mta-ip"), 64, 0 },
	{ "receiving-ip in policy 1 failure detail 1", IN_FD("receiving-ip"),
	    64, 0 },
	{ "receiving-mx-hostname in policy 1 failure detail 1",
	    IN_FD("receiving-mx-hostname"), 255, 0 },
	{ "receiving-mx-host-name in policy 1 failure detail 1",
	    IN_FD("receiving-mx-host-name"), 255, 0 },
	{ "contact-info", "{" ORG DAY RID POLICIES(STS)
	    "\"contact-info\":\"%s\"}", 1024, 1 },
	{ "policy-string", IN_POL("policy-string"), 4096, 1 },
	{ "receiving-mx-helo", IN_FD("receiving-mx-helo"), 4096, 1 },
	{ "additional-information", IN_FD("additional-information"), 4096, 1 },
};

/* cap_text - the cut field's value in r, or NULL */
static const char *
cap_text(const struct cap_case *c, const struct report *r)
{
	if (strcmp(c->field, "contact-info") == 0)
		return r->contact_info;
	if (strcmp(c->field, "policy-string") == 0)
		return r->policies[0].policy_string[0];
	if (strcmp(c->field, "receiving-mx-helo") == 0)
		return r->policies[0].failures[0].receiving_mx_helo;
	return r->policies[0].failures[0].additional_information;
}

/* run_cap - the field at its cap and one byte over */
static void
run_cap(const struct cap_case *c)
{
	struct report	*r;
	char		 err[ERRLEN] = "", want[300], *x, *json;
	size_t		 n;
	enum report_error rc;

	for (n = c->cap; n <= c->cap + 1; n++) {
		x = xcalloc(n + 1, 1);
		memset(x, 'x', n);
		json = xasprintf(c->tmpl, x);
		err[0] = '\0';
		rc = report_parse_json(json, strlen(json), MAX_VALUES, &r, err,
		    sizeof(err));
		if (c->cut && t_int(c->field, rc, REPORT_OK)) {
			t_int(c->field, (int64_t)strlen(cap_text(c, r)),
			    (int64_t)c->cap);
			check_flags(c->field, r->flags, n > c->cap ?
			    REPORT_F_TEXT_TRUNCATED : 0, n > c->cap ? 0 :
			    REPORT_F_TEXT_TRUNCATED);
		} else if (!c->cut && n > c->cap) {
			snprintf(want, sizeof(want), "%s longer than %zu bytes",
			    c->field, c->cap);
			t_int(c->field, rc, REPORT_ERR_SCHEMA);
			t_str(c->field, err, want);
		} else if (!c->cut)
			t_ok(c->field, strstr(err, "longer") == NULL, err);
		report_free(r);
		free(json);
		free(x);
	}
}

/*
 * test_digest - report_digest: every field of the content changes it;
 * the JSON's layout, member order and the gzip around it do not
 */
#define DIGEST_BASE(org, contact, rid, start, end, ptype, pdom, pstr, mx, \
	    ok, bad, rt, sip, rmx, helo, rip, n, info, code) \
	"{\"organization-name\":\"" org "\",\"date-range\":{" \
	"\"start-datetime\":\"" start "\",\"end-datetime\":\"" end "\"}," \
	"\"contact-info\":\"" contact "\",\"report-id\":\"" rid "\"," \
	"\"policies\":[{\"policy\":{\"policy-type\":\"" ptype "\"," \
	"\"policy-domain\":\"" pdom "\",\"policy-string\":[\"" pstr "\"]," \
	"\"mx-host\":[\"" mx "\"]},\"summary\":{" \
	"\"total-successful-session-count\":" ok "," \
	"\"total-failure-session-count\":" bad "},\"failure-details\":[{" \
	"\"result-type\":\"" rt "\",\"sending-mta-ip\":\"" sip "\"," \
	"\"receiving-mx-hostname\":\"" rmx "\",\"receiving-mx-helo\":\"" \
	helo "\",\"receiving-ip\":\"" rip "\",\"failed-session-count\":" n \
	",\"additional-information\":\"" info "\",\"failure-reason-code\":\"" \
	code "\"}]}]}"
/* D(...) - DIGEST_BASE with its arguments expanded first (so D(DB)
 * works) */
#define D(...)	DIGEST_BASE(__VA_ARGS__)
#define DB	"O", "c@x", "r", "2024-01-01T00:00:00Z", "2024-01-01T23:59:59Z", \
	"sts", "a.example", "mode: enforce", "mx.a.example", "1", "2", \
	"certificate-expired", "192.0.2.1", "mx.a.example", "helo", \
	"192.0.2.2", "2", "info", "code"

static const char *const digest_variants[] = {
	D("O2", "c@x", "r", "2024-01-01T00:00:00Z", "2024-01-01T23:59:59Z",
	    "sts", "a.example", "mode: enforce", "mx.a.example", "1", "2",
	    "certificate-expired", "192.0.2.1", "mx.a.example", "helo",
	    "192.0.2.2", "2", "info", "code"),
	D("O", "c2@x", "r", "2024-01-01T00:00:00Z", "2024-01-01T23:59:59Z",
	    "sts", "a.example", "mode: enforce", "mx.a.example", "1", "2",
	    "certificate-expired", "192.0.2.1", "mx.a.example", "helo",
	    "192.0.2.2", "2", "info", "code"),
	D("O", "c@x", "r2", "2024-01-01T00:00:00Z", "2024-01-01T23:59:59Z",
	    "sts", "a.example", "mode: enforce", "mx.a.example", "1", "2",
	    "certificate-expired", "192.0.2.1", "mx.a.example", "helo",
	    "192.0.2.2", "2", "info", "code"),
	D("O", "c@x", "r", "2024-01-01T00:00:00z", "2024-01-01T23:59:59Z",
	    "sts", "a.example", "mode: enforce", "mx.a.example", "1", "2",
	    "certificate-expired", "192.0.2.1", "mx.a.example", "helo",
	    "192.0.2.2", "2", "info", "code"),
	D("O", "c@x", "r", "2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z",
	    "sts", "a.example", "mode: enforce", "mx.a.example", "1", "2",
	    "certificate-expired", "192.0.2.1", "mx.a.example", "helo",
	    "192.0.2.2", "2", "info", "code"),
	D("O", "c@x", "r", "2024-01-01T00:00:00Z", "2024-01-01T23:59:59Z",
	    "tlsa", "a.example", "mode: enforce", "mx.a.example", "1", "2",
	    "certificate-expired", "192.0.2.1", "mx.a.example", "helo",
	    "192.0.2.2", "2", "info", "code"),
	D("O", "c@x", "r", "2024-01-01T00:00:00Z", "2024-01-01T23:59:59Z",
	    "sts", "b.example", "mode: enforce", "mx.a.example", "1", "2",
	    "certificate-expired", "192.0.2.1", "mx.a.example", "helo",
	    "192.0.2.2", "2", "info", "code"),
	D("O", "c@x", "r", "2024-01-01T00:00:00Z", "2024-01-01T23:59:59Z",
	    "sts", "a.example", "mode: testing", "mx.a.example", "1", "2",
	    "certificate-expired", "192.0.2.1", "mx.a.example", "helo",
	    "192.0.2.2", "2", "info", "code"),
	D("O", "c@x", "r", "2024-01-01T00:00:00Z", "2024-01-01T23:59:59Z",
	    "sts", "a.example", "mode: enforce", "mx.b.example", "1", "2",
	    "certificate-expired", "192.0.2.1", "mx.a.example", "helo",
	    "192.0.2.2", "2", "info", "code"),
	D("O", "c@x", "r", "2024-01-01T00:00:00Z", "2024-01-01T23:59:59Z",
	    "sts", "a.example", "mode: enforce", "mx.a.example", "9", "2",
	    "certificate-expired", "192.0.2.1", "mx.a.example", "helo",
	    "192.0.2.2", "2", "info", "code"),
	D("O", "c@x", "r", "2024-01-01T00:00:00Z", "2024-01-01T23:59:59Z",
	    "sts", "a.example", "mode: enforce", "mx.a.example", "1", "9",
	    "certificate-expired", "192.0.2.1", "mx.a.example", "helo",
	    "192.0.2.2", "2", "info", "code"),
	D("O", "c@x", "r", "2024-01-01T00:00:00Z", "2024-01-01T23:59:59Z",
	    "sts", "a.example", "mode: enforce", "mx.a.example", "1", "2",
	    "tlsa-invalid", "192.0.2.1", "mx.a.example", "helo",
	    "192.0.2.2", "2", "info", "code"),
	D("O", "c@x", "r", "2024-01-01T00:00:00Z", "2024-01-01T23:59:59Z",
	    "sts", "a.example", "mode: enforce", "mx.a.example", "1", "2",
	    "certificate-expired", "192.0.2.9", "mx.a.example", "helo",
	    "192.0.2.2", "2", "info", "code"),
	D("O", "c@x", "r", "2024-01-01T00:00:00Z", "2024-01-01T23:59:59Z",
	    "sts", "a.example", "mode: enforce", "mx.a.example", "1", "2",
	    "certificate-expired", "192.0.2.1", "mx.b.example", "helo",
	    "192.0.2.2", "2", "info", "code"),
	D("O", "c@x", "r", "2024-01-01T00:00:00Z", "2024-01-01T23:59:59Z",
	    "sts", "a.example", "mode: enforce", "mx.a.example", "1", "2",
	    "certificate-expired", "192.0.2.1", "mx.a.example", "helo2",
	    "192.0.2.2", "2", "info", "code"),
	D("O", "c@x", "r", "2024-01-01T00:00:00Z", "2024-01-01T23:59:59Z",
	    "sts", "a.example", "mode: enforce", "mx.a.example", "1", "2",
	    "certificate-expired", "192.0.2.1", "mx.a.example", "helo",
	    "192.0.2.9", "2", "info", "code"),
	D("O", "c@x", "r", "2024-01-01T00:00:00Z", "2024-01-01T23:59:59Z",
	    "sts", "a.example", "mode: enforce", "mx.a.example", "1", "2",
	    "certificate-expired", "192.0.2.1", "mx.a.example", "helo",
	    "192.0.2.2", "3", "info", "code"),
	D("O", "c@x", "r", "2024-01-01T00:00:00Z", "2024-01-01T23:59:59Z",
	    "sts", "a.example", "mode: enforce", "mx.a.example", "1", "2",
	    "certificate-expired", "192.0.2.1", "mx.a.example", "helo",
	    "192.0.2.2", "2", "info2", "code"),
	D("O", "c@x", "r", "2024-01-01T00:00:00Z", "2024-01-01T23:59:59Z",
	    "sts", "a.example", "mode: enforce", "mx.a.example", "1", "2",
	    "certificate-expired", "192.0.2.1", "mx.a.example", "helo",
	    "192.0.2.2", "2", "info", "code2"),
};

/* digest_of - report_digest of json, or all zero when it does not parse */
static void
digest_of(const char *json, size_t len, unsigned char *md)
{
	struct report	*r;
	char		 err[ERRLEN];

	memset(md, 0, REPORT_DIGEST_LEN);
	if (report_parse_json(json, len, MAX_VALUES, &r, err,
	    sizeof(err)) != REPORT_OK) {
		t_ok("digest fixture parses", 0, err);
		return;
	}
	report_digest(r, md);
	report_free(r);
}

static void
test_digest(void)
{
	static const char base[] = D(DB);
	/* the same content: blanks, member order, a report-id key later */
	static const char layout[] = "{ \"contact-info\" : \"c@x\", "
	    "\"organization-name\":\"O\",\"report-id\":\"r\",\"date-range\":{"
	    "\"end-datetime\":\"2024-01-01T23:59:59Z\",\"start-datetime\":"
	    "\"2024-01-01T00:00:00Z\"},\"policies\":[{\"summary\":{"
	    "\"total-failure-session-count\":2,"
	    "\"total-successful-session-count\":1},\"policy\":{"
	    "\"policy-type\":\"sts\",\"policy-domain\":\"A.EXAMPLE.\","
	    "\"policy-string\":[\"mode: enforce\"],\"mx-host\":["
	    "\"mx.a.example\"]},\"failure-details\":[{\"failed-session-count\""
	    ":2,\"result-type\":\"certificate-expired\",\"sending-mta-ip\":"
	    "\"192.0.2.1\",\"receiving-mx-hostname\":\"mx.a.example\","
	    "\"receiving-mx-helo\":\"helo\",\"receiving-ip\":\"192.0.2.2\","
	    "\"additional-information\":\"info\",\"failure-reason-code\":"
	    "\"code\"}]}]}";
	unsigned char	 md0[REPORT_DIGEST_LEN], md[REPORT_DIGEST_LEN];
	struct buf	 gz = BUF_INIT;
	struct report	*r;
	char		 err[ERRLEN], name[64];
	size_t		 i;

	digest_of(base, strlen(base), md0);
	for (i = 0; i < sizeof(digest_variants) / sizeof(digest_variants[0]);
	    i++) {
		snprintf(name, sizeof(name), "digest: variant %zu differs",
		    i + 1);
		digest_of(digest_variants[i], strlen(digest_variants[i]), md);
		t_ok(name, memcmp(md, md0, sizeof(md)) != 0, NULL);
	}
	digest_of(layout, strlen(layout), md);
	t_ok("digest: layout and order do not count",
	    memcmp(md, md0, sizeof(md)) == 0, NULL);
	/* two gzip members (a flag): the same content */
	gz_member(&gz, base, 40, NULL);
	gz_member(&gz, base + 40, strlen(base) - 40, NULL);
	if (t_int("digest: gzip", report_decode(gz.data, gz.len, &lim, &r,
	    err, sizeof(err)), REPORT_OK)) {
		report_digest(r, md);
		t_ok("digest: compression does not count",
		    memcmp(md, md0, sizeof(md)) == 0, NULL);
		report_free(r);
	}
	buf_free(&gz);
}

/*
 * 3. report_decode: sniffing and gzip.
 */

struct decode_case {
	const char	*name;
	const char	*pre;		/* raw bytes before (with prelen) */
	size_t		 prelen;
	int		 members;	/* 0: plain JSON; n: GOOD split in n */
	const char	*post;		/* raw bytes after */
	size_t		 postlen;
	int		 cut;		/* bytes cut off the end */
	size_t		 max_json;	/* 0: MAX_JSON */
	enum report_error rc;
	const char	*err;
	uint32_t	 set, clear;
};

static const struct decode_case decode_cases[] = {
	{ "plain", "", 0, 0, "", 0, 0, 0, REPORT_OK, NULL, 0,
	    REPORT_F_GZIP_MULTI_MEMBER | REPORT_F_GZIP_TRAILING_JUNK },
	{ "leading blanks", " \r\n\t", 4, 0, "", 0, 0, 0, REPORT_OK, NULL },
	{ "trailing blanks", "", 0, 0, "\r\n", 2, 0, 0, REPORT_OK, NULL },
	{ "BOM", "\xef\xbb\xbf", 3, 0, "", 0, 0, 0, REPORT_OK, NULL },
	{ "BOM then blank", "\xef\xbb\xbf\n", 4, 0, "", 0, 0, 0, REPORT_OK,
	    NULL },
	{ "not JSON", "hello", 5, -1, "", 0, 0, 0, REPORT_ERR_FORMAT,
	    "neither gzip nor JSON" },
	{ "empty", "", 0, -1, "", 0, 0, 0, REPORT_ERR_FORMAT,
	    "neither gzip nor JSON" },
	{ "blanks only", "  \n", 3, -1, "", 0, 0, 0, REPORT_ERR_FORMAT,
	    "neither gzip nor JSON" },
	{ "JSON array", "[", 1, -1, "", 0, 0, 0, REPORT_ERR_FORMAT,
	    "neither gzip nor JSON" },
	{ "zlib stream is not gzip", "\x78\x9c", 2, -1, "", 0, 0, 0,
	    REPORT_ERR_FORMAT, "neither" },
	{ "plain too big", "", 0, 0, "", 0, 0, 100, REPORT_ERR_TOO_BIG,
	    "larger than 100 bytes" },
	{ "gzip", "", 0, 1, "", 0, 0, 0, REPORT_OK, NULL, 0,
	    REPORT_F_GZIP_MULTI_MEMBER | REPORT_F_GZIP_TRAILING_JUNK },
	{ "gzip two members", "", 0, 2, "", 0, 0, 0, REPORT_OK, NULL,
	    REPORT_F_GZIP_MULTI_MEMBER, REPORT_F_GZIP_TRAILING_JUNK },
	{ "gzip trailing NUL", "", 0, 1, "\0", 1, 0, 0, REPORT_OK, NULL,
	    REPORT_F_GZIP_TRAILING_JUNK, REPORT_F_GZIP_MULTI_MEMBER },
	{ "gzip trailing garbage", "", 0, 1, "junk", 4, 0, 0,
	    REPORT_ERR_GZIP, "trailing garbage after gzip data" },
	{ "gzip truncated", "", 0, 1, "", 0, 10, 0, REPORT_ERR_GZIP,
	    "gzip data is truncated" },
	{ "gzip too big", "", 0, 1, "", 0, 0, 100, REPORT_ERR_TOO_BIG,
	    "report is larger than 100 bytes when inflated" },
	{ "gzip of BOM and JSON", "", 0, 3, "", 0, 0, 0, REPORT_OK, NULL },
};

/* run_decode - one row of decode_cases */
static void
run_decode(const struct decode_case *c)
{
	static const char good[] = GOOD;
	struct report_limits small;
	struct buf	 b = BUF_INIT;
	struct report	*r;
	char		 err[ERRLEN] = "", what[600];
	enum report_error rc;
	size_t		 half = sizeof(good) / 2;

	buf_append(&b, c->pre, c->prelen);
	if (c->members == 0)
		buf_puts(&b, good);
	else if (c->members == 1)
		gz_member(&b, good, strlen(good), NULL);
	else if (c->members == 2) {
		gz_member(&b, good, half, NULL);
		gz_member(&b, good + half, strlen(good) - half, NULL);
	} else if (c->members == 3) {
		gz_member(&b, "\xef\xbb\xbf", 3, NULL);
		gz_member(&b, good, strlen(good), NULL);
	}
	buf_append(&b, c->post, c->postlen);
	b.len -= (size_t)c->cut;
	small.max_json = c->max_json ? c->max_json : MAX_JSON;
	small.max_values = MAX_VALUES;
	rc = report_decode(b.data ? b.data : (const unsigned char *)"", b.len,
	    &small, &r, err, sizeof(err));
	if (!t_int(c->name, rc, c->rc))
		printf("  err: %s\n", err);
	if (c->rc != REPORT_OK) {
		t_ok(c->name, r == NULL, "report not NULL on failure");
		snprintf(what, sizeof(what), "err \"%s\" lacks \"%s\"", err,
		    c->err);
		t_ok(c->name, strstr(err, c->err) != NULL, what);
	} else if (r != NULL) {
		check_flags(c->name, r->flags, c->set, c->clear);
		t_str(c->name, r->report_id, "r1");
		report_free(r);
	}
	buf_free(&b);
}

/* test_bomb - 64 MiB of zeros under a 16 MiB cap (R38) */
static void
test_bomb(void)
{
	struct buf	 b = BUF_INIT;
	struct report	*r;
	char		 err[ERRLEN] = "";
	enum report_error rc;

	gz_bomb(&b, 64 * (size_t)MiB);
	rc = report_decode(b.data, b.len, &lim, &r, err, sizeof(err));
	t_int("gzip bomb", rc, REPORT_ERR_TOO_BIG);
	t_ok("gzip bomb", r == NULL, "report not NULL");
	t_str("gzip bomb", err,
	    "report is larger than 16777216 bytes when inflated");
	buf_free(&b);
}

/*
 * test_values - max_report_values: values are counted before the tree is
 * built, in the report and in JSON texts inside strings
 */
static void
test_values(void)
{
	struct buf	 b = BUF_INIT, z = BUF_INIT;
	struct report	*r;
	char		 err[ERRLEN] = "";
	size_t		 i;

	/* {"a":[1,2,3]}: the object, the array, three numbers = 5 values;
	 * at 5 the scan passes (the schema then fails), at 4 it refuses */
	t_int("values: at the cap", report_parse_json("{\"a\":[1,2,3]}", 13,
	    5, &r, err, sizeof(err)), REPORT_ERR_SCHEMA);
	t_int("values: one over", report_parse_json("{\"a\":[1,2,3]}", 13,
	    4, &r, err, sizeof(err)), REPORT_ERR_TOO_BIG);
	t_str("values: why", err,
	    "report has more than 4 JSON values (max_report_values)");

	/* the 14 KB body of the issue: 5 million empty objects in gzip */
	buf_puts(&b, "{\"x\":[{}");
	for (i = 1; i < 5000000; i++)
		buf_append(&b, ",{}", 3);
	buf_puts(&b, "]}");
	gz_member(&z, b.data, b.len, NULL);
	t_ok("values: the bomb is small", z.len < 64 * 1024, NULL);
	t_int("values: the bomb", report_decode(z.data, z.len, &lim, &r, err,
	    sizeof(err)), REPORT_ERR_TOO_BIG);
	t_ok("values: the bomb, no report", r == NULL, NULL);
	t_str("values: the bomb, why", err, "report has more than 200000 JSON "
	    "values (max_report_values)");

	/* a TLSA policy-string holding a JSON text of 100 strings (R22):
	 * flattened under a cap of 200 values, kept whole under 60 (the
	 * outer report has fewer) */
	buf_reset(&b);
	buf_puts(&b, "{" ORG DAY RID "\"policies\":[{\"policy\":{"
	    "\"policy-type\":\"tlsa\"" DOM ",\"policy-string\":[\"[");
	for (i = 0; i < 100; i++)
		buf_puts(&b, i ? ",\\\"a\\\"" : "\\\"a\\\"");
	buf_puts(&b, "]\"]}," SUM("1", "0") "}]," CONTACT "}");
	t_int("values: inside a string", report_parse_json((char *)b.data,
	    b.len, 200, &r, err, sizeof(err)), REPORT_OK);
	t_int("values: inside a string, flattened", r ?
	    (int64_t)r->policies[0].n_policy_string : -1, 100);
	r = report_free(r);
	t_int("values: inside a string, over", report_parse_json(
	    (char *)b.data, b.len, 60, &r, err, sizeof(err)), REPORT_OK);
	t_int("values: inside a string, over: kept whole", r ?
	    (int64_t)r->policies[0].n_policy_string : -1, 1);
	report_free(r);
	buf_free(&b);
	buf_free(&z);
}

/*
 * 4. report_assign_domains and report_is_ours (report_domain.c).
 */

#define NODOM(type)	ENTRY(POL(type, ""), SUM("1", "0"), "")
#define WITHDOM(type, d) ENTRY(POL(type, ",\"policy-domain\":\"" d "\""), \
			SUM("1", "0"), "")
#define WITH_ID(id, p)	REPORT(ORG, DAY, "\"report-id\":\"" id "\",", \
			POLICIES(p))

struct domain_case {
	const char	*name;
	const char	*json;
	const char	*hint;
	const char	*home;		/* the home domain */
	const char	*want;		/* comma list, one per policy; a DANE
					 * MX group's domain ends in '*' */
};

static const struct domain_case domain_cases[] = {
	{ "own policy-domain", WITH_ID("r1", WITHDOM("sts", "a.example")),
	    "hint.example", "a.example", "a.example" },
	{ "sibling policy-domain", WITH_ID("r1", NODOM("no-policy-found") ","
	    WITHDOM("sts", "b.example")), NULL, "b.example",
	    "b.example,b.example" },
	{ "sts beats hint and report-id", WITH_ID("1339+id.example",
	    NODOM("no-policy-found") "," WITHDOM("sts", "b.example")),
	    "hint.example", "b.example", "b.example,b.example" },
	{ "first sts of mixed; a tlsa host is a DANE MX", WITH_ID("r1",
	    WITHDOM("sts", "c.example") "," NODOM("no-policy-found") ","
	    WITHDOM("tlsa", "mx.d.example")), NULL, "c.example",
	    "c.example,c.example,mx.d.example*" },
	{ "hint", WITH_ID("r1", NODOM("no-policy-found")),
	    " Hint.EXAMPLE. \r\n", "hint.example", "hint.example" },
	{ "report-id beats hint", WITH_ID("1339+id.example",
	    NODOM("no-policy-found")), "hint.example", "id.example",
	    "id.example" },
	{ "blank hint ignored", WITH_ID("r1", NODOM("no-policy-found")),
	    "  ", "(unknown)", "(unknown)" },
	{ "sys4 report-id", WITH_ID("2026-11-21T00:00:00Z_idx1_example.com",
	    NODOM("no-policy-found")), NULL, "example.com", "example.com" },
	{ "Microsoft report-id", WITH_ID("1339+Example.COM",
	    NODOM("no-policy-found")), NULL, "example.com", "example.com" },
	{ "Google report-id", WITH_ID("2024-01-20T00:00:00Z_nine.testrun.org",
	    NODOM("sts")), NULL, "nine.testrun.org", "nine.testrun.org" },
	{ "Mail.ru report-id", WITH_ID("b28254de@mail.ru",
	    NODOM("no-policy-found")), NULL, "(unknown)", "(unknown)" },
	{ "Mail.ru report-id with hint", WITH_ID("b28254de@mail.ru",
	    NODOM("no-policy-found")), "example.net", "example.net",
	    "example.net" },
	{ "small MTA report-id", WITH_ID("1768089600_5665667737528564296",
	    NODOM("sts")), NULL, "(unknown)", "(unknown)" },
	{ "empty suffix", WITH_ID("1234567890+", NODOM("sts")), NULL,
	    "(unknown)", "(unknown)" },
	{ "suffix ends with a dot", WITH_ID("1_example.com.", NODOM("sts")),
	    NULL, "(unknown)", "(unknown)" },
	{ "suffix starts with a dash", WITH_ID("1_-example.com",
	    NODOM("sts")), NULL, "(unknown)", "(unknown)" },
	{ "suffix with a slash", WITH_ID("1_exa/mple.com", NODOM("sts")),
	    NULL, "(unknown)", "(unknown)" },
	{ "last of _ and +", WITH_ID("a_b.example+c.example", NODOM("sts")),
	    NULL, "c.example", "c.example" },
	{ "no policies", WITH_ID("1+x.example", ""), NULL, "x.example", "" },
	/* the counting rules of the reshape issue, by the senders' shapes */
	{ "Postfix: the TLSA MX host comes first",
	    WITH_ID("2026-11-30T00:00:00Z_idx1_t.example",
	    WITHDOM("tlsa", "mx2.t.example") "," WITHDOM("sts", "t.example")
	    "," WITHDOM("sts", "t.example") "," NODOM("no-policy-found")),
	    NULL, "t.example",
	    "mx2.t.example*,t.example,t.example,t.example" },
	{ "Microsoft: sts and tlsa for the recipient domain",
	    WITH_ID("1339+m.example", WITHDOM("tlsa", "m.example") ","
	    WITHDOM("sts", "m.example")), NULL, "m.example",
	    "m.example,m.example" },
	{ "hosted DANE MX: only the provider's TLSA name",
	    WITH_ID("1339+customer.example", WITHDOM("tlsa",
	    "customer-example.mail.protection.outlook.com")), NULL,
	    "customer.example",
	    "customer-example.mail.protection.outlook.com*" },
	{ "Google: a report for the MX host itself",
	    WITH_ID("2026-03-06T00:00:00Z_mx1.g.example",
	    WITHDOM("tlsa", "mx1.g.example")), NULL, "mx1.g.example",
	    "mx1.g.example" },
	{ "a group with sts and tlsa is no DANE MX", WITH_ID("r1",
	    WITHDOM("sts", "a.example") "," WITHDOM("tlsa", "mx.a.example")
	    "," WITHDOM("sts", "mx.a.example")), NULL, "a.example",
	    "a.example,mx.a.example,mx.a.example" },
	{ "two tlsa policies of one host, after the hint",
	    WITH_ID("b28254de@mail.ru", WITHDOM("tlsa", "mx.h.example") ","
	    WITHDOM("tlsa", "mx.h.example")), "h.example", "h.example",
	    "mx.h.example*,mx.h.example*" },
	{ "only a tlsa host and nothing else names a domain",
	    WITH_ID("r1", WITHDOM("tlsa", "mx.h.example")), NULL,
	    "mx.h.example", "mx.h.example" },
	/* R23: only host names name a domain */
	{ "an escape sequence is no host name", WITH_ID("r1", WITHDOM("sts",
	    "\\u001b[31m=evil\\\".example.com")), NULL, "(unknown)",
	    "(none)" },
	{ "an invalid sts domain is passed over", WITH_ID("1339+t.example",
	    WITHDOM("sts", "bad_name.t.example") "," WITHDOM("tlsa",
	    "mx.t.example")), NULL, "t.example", "(none),mx.t.example*" },
	{ "a U-label is no host name", WITH_ID("r1", WITHDOM("sts",
	    "b\xc3\xbc" "cher.example")), NULL, "(unknown)", "(none)" },
	{ "a label over 63 bytes", WITH_ID("r1", WITHDOM("sts",
	    "a234567890123456789012345678901234567890123456789012345678901234"
	    ".example")), NULL, "(unknown)", "(none)" },
	{ "a label of 63 bytes", WITH_ID("r1", WITHDOM("sts",
	    "a23456789012345678901234567890123456789012345678901234567890123"
	    ".example")), NULL,
	    "a23456789012345678901234567890123456789012345678901234567890123"
	    ".example",
	    "a23456789012345678901234567890123456789012345678901234567890123"
	    ".example" },
	{ "a label starting with a dash", WITH_ID("r1", WITHDOM("sts",
	    "-a.example")), NULL, "(unknown)", "(none)" },
	{ "an empty label", WITH_ID("r1", WITHDOM("sts", "a..example")), NULL,
	    "(unknown)", "(none)" },
	{ "an invalid hint is passed over", WITH_ID("r1",
	    NODOM("no-policy-found")), "exa mple.net", "(unknown)",
	    "(unknown)" },
	{ "a report-id ending in an invalid name", WITH_ID("1339+a..example",
	    NODOM("no-policy-found")), NULL, "(unknown)", "(unknown)" },
};

/* run_domain - parse, then assign with the row's hint (twice: it must be
 * safe to call again) */
static void
run_domain(const struct domain_case *c)
{
	struct buf	 got = BUF_INIT;
	struct report	*r;
	char		 err[ERRLEN], name[160];
	size_t		 i;

	if (!t_int(c->name, report_parse_json(c->json, strlen(c->json),
	    MAX_VALUES, &r, err, sizeof(err)), REPORT_OK)) {
		printf("  err: %s\n", err);
		return;
	}
	report_assign_domains(r, "first.example");
	report_assign_domains(r, c->hint);
	buf_append(&got, "", 0);
	for (i = 0; i < r->n_policies; i++)
		buf_printf(&got, "%s%s%s", i ? "," : "",
		    r->policies[i].domain ? r->policies[i].domain : "(none)",
		    r->policies[i].dane_mx ? "*" : "");
	t_str(c->name, (char *)got.data, c->want);
	snprintf(name, sizeof name, "%s: home domain", c->name);
	t_str(name, r->home_domain, c->home);
	buf_free(&got);
	report_free(r);
}

/* R56: ours or foreign, against example.com and example.net */
struct ours_case {
	const char	*name;
	const char	*json;
	int		 want;
};

static const struct ours_case ours_cases[] = {
	{ "foreign sts", WITH_ID("f-1", WITHDOM("sts", "other.org")), 0 },
	{ "MX host of ours: a subdomain", WITH_ID("f-2",
	    WITHDOM("tlsa", "mx1.example.com")), 1 },
	{ "no policies, no domain", WITH_ID("f-3", ""), 0 },
	{ "no policies, report-id names ours", WITH_ID("1+example.com", ""),
	    1 },
	{ "mixed: one group is ours", WITH_ID("f-4", WITHDOM("sts",
	    "other.org") "," WITHDOM("sts", "example.net")), 1 },
	{ "label boundary", WITH_ID("f-5", WITHDOM("sts", "notexample.com")),
	    0 },
	{ "hosted DANE MX counts for the home domain",
	    WITH_ID("1339+example.net", WITHDOM("tlsa",
	    "example-net.mail.protection.outlook.com")), 1 },
	{ "the provider's DANE name alone is not ours",
	    WITH_ID("1339+other.org", WITHDOM("tlsa",
	    "mx.example.com.provider.test")), 0 },
	{ "a DANE MX group under our name does not make it ours",
	    WITH_ID("1339+other.org", WITHDOM("tlsa", "mx.example.com")), 0 },
	{ "home domain ours, policy for elsewhere",
	    WITH_ID("2026-01-01T00:00:00Z_example.com",
	    WITHDOM("no-policy-found", "other.org")), 1 },
	{ "no host name is ours by its suffix", WITH_ID("f-6", WITHDOM("sts",
	    "\\u001b[31m=evil\\\".example.com")), 0 },
};

/* test_ours - report_is_ours against two domains, and with none */
static void
test_ours(void)
{
	char		 d1[] = "example.com", d2[] = "example.net";
	struct domainset *doms = domainset_new();
	struct report	*r;
	char		 err[ERRLEN];
	size_t		 i;

	domainset_add(doms, d1);
	domainset_add(doms, d2);
	for (i = 0; i < sizeof(ours_cases) / sizeof(ours_cases[0]); i++) {
		if (!t_int(ours_cases[i].name, report_parse_json(
		    ours_cases[i].json, strlen(ours_cases[i].json), MAX_VALUES,
		    &r, err, sizeof(err)), REPORT_OK)) {
			printf("  err: %s\n", err);
			continue;
		}
		t_int(ours_cases[i].name, report_is_ours(r, doms),
		    ours_cases[i].want);
		t_int("every report is ours without domains",
		    report_is_ours(r, NULL), 1);
		report_free(r);
	}
	domainset_free(doms);
}

/* test_flag_names - one stable, distinct name per bit; NULL past the end */
static void
test_flag_names(void)
{
	static const struct {
		unsigned	 bit;
		const char	*want;
	} n[] = {
		{ 0, "gzip-multi-member" },
		{ 1, "gzip-trailing-junk" },
		{ 2, "time-no-offset" },
		{ 5, "end-inclusive" },
		{ 11, "tlsa-nested-json" },
		{ 25, "mixed-domains" },
		{ REPORT_NFLAGS, NULL },
		{ 1000, NULL },
	};
	unsigned	 i, j;
	int		 dup = 0, missing = 0;

	for (i = 0; i < sizeof(n) / sizeof(n[0]); i++)
		t_str("flag name", report_flag_name(n[i].bit), n[i].want);
	for (i = 0; i < REPORT_NFLAGS; i++) {
		if (report_flag_name(i) == NULL) {
			missing++;
			continue;
		}
		for (j = 0; j < i; j++)
			if (report_flag_name(j) != NULL && strcmp(
			    report_flag_name(i), report_flag_name(j)) == 0)
				dup++;
	}
	t_int("flag names missing", missing, 0);
	t_int("flag names duplicate", dup, 0);
	t_ok("report_free(NULL)", report_free(NULL) == NULL, NULL);
}

int
main(void)
{
	size_t	i;

	json_object_seed(1);
	test_corpus();
	for (i = 0; i < sizeof(json_cases) / sizeof(json_cases[0]); i++)
		run_json(&json_cases[i]);
	test_built();
	for (i = 0; i < sizeof(decode_cases) / sizeof(decode_cases[0]); i++)
		run_decode(&decode_cases[i]);
	test_bomb();
	test_values();
	test_digest();
	for (i = 0; i < sizeof(cap_cases) / sizeof(cap_cases[0]); i++)
		run_cap(&cap_cases[i]);
	for (i = 0; i < sizeof(domain_cases) / sizeof(domain_cases[0]); i++)
		run_domain(&domain_cases[i]);
	test_ours();
	test_flag_names();
	return t_done();
}
