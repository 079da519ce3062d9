/*
 * decode.c - decode one RFC 8460 report into struct report: the field
 *	      rules of R17
 *
 * SYNOPSIS
 *	#include "decode.h"
 *
 *	enum report_error report_decode(raw, rawlen, &limits, &r, err, errlen)
 *	enum report_error report_parse_json(json, len, max_values, &r, err,
 *	    errlen)
 *
 * DESCRIPTION
 *	report_decode() sniffs the bytes (gzip magic or a JSON object, R10,
 *	R39), inflates with a cap (R38, R41, gunzip.c) and hands the JSON
 *	text to report_parse_json().  That loads it strictly
 *	(report_json.c, R13) and checks the tree against the field contract
 *	of R17: the fields D4 calls required must be there with the right
 *	JSON type; everything else is optional.  Deviations that still let
 *	us understand the report are accepted and recorded as REPORT_F_*
 *	flags (R15-R34), never silently.  Date-times are read by
 *	report_time.c, the domains assigned by report_domain.c.
 *
 *	Every string is copied out of jansson before the tree is released,
 *	so the report owns all its memory (lib/report.h).
 *
 * DIAGNOSTICS
 *	One short sentence in err naming the JSON member, e.g. missing
 *	"organization-name", "policies" is not an array, or
 *	"failed-session-count" in policy 1 failure detail 2 is not a
 *	non-negative integer.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "decode.h"
#include "gunzip.h"
#include "decode_int.h"
#include "util.h"
#include "xmalloc.h"

/*
 * Length caps, in bytes (README "What is accepted").  A key or a domain
 * longer than its cap refuses the report, naming the field: the database
 * indexes some of them (a 1 MB organization-name failed there as "index
 * row requires 11504 bytes", after a round trip), and no real one comes
 * near.  Free text is cut at its cap on a UTF-8 boundary and the report
 * flagged (failure-reason-code: R31, its own flag).
 */
#define CAP_NAME	1024	/* organization-name, report-id */
#define CAP_TIME	64	/* start-datetime, end-datetime */
#define CAP_TYPE	64	/* policy-type, result-type */
#define CAP_HOST	255	/* policy-domain, mx-host, receiving-mx-hostname */
#define CAP_IP		64	/* sending-mta-ip, receiving-ip */
#define CAP_CONTACT	1024	/* contact-info: cut */
#define CAP_TEXT	4096	/* policy-string lines, receiving-mx-helo,
				 * additional-information,
				 * failure-reason-code: cut */

/* How get_string() treats a string: required or not, its cap, and the
 * flag that marks a cut (0: longer refuses the report). */
struct field {
	int		 required;
	size_t		 cap;
	uint32_t	 cut_flag;
};

static const struct field F_NAME = { 1, CAP_NAME, 0 };
static const struct field F_TIME = { 1, CAP_TIME, 0 };
static const struct field F_TYPE = { 1, CAP_TYPE, 0 };
static const struct field F_HOST = { 0, CAP_HOST, 0 };
static const struct field F_IP = { 0, CAP_IP, 0 };
static const struct field F_CONTACT = { 0, CAP_CONTACT,
    REPORT_F_TEXT_TRUNCATED };
static const struct field F_TEXT = { 0, CAP_TEXT, REPORT_F_TEXT_TRUNCATED };
static const struct field F_REASON = { 0, CAP_TEXT,
    REPORT_F_REASON_TRUNCATED };

/* R13: I-JSON integers must be exact in an IEEE-754 double. */
#define REPORT_MAX_EXACT	9007199254740991LL	/* 2^53 - 1 */

/* R33: the result-type registry as of RFC 8460. */
static const char *const report_result_types[] = {
	"starttls-not-supported", "certificate-host-mismatch",
	"certificate-expired", "tlsa-invalid", "dnssec-invalid",
	"dane-required", "certificate-not-trusted", "sts-policy-invalid",
	"sts-webpki-invalid", "validation-failure", "sts-policy-fetch-error",
	NULL,
};

/* R34: the policy-type values. */
static const char *const report_policy_types[] = {
	"sts", "tlsa", "no-policy-found", NULL,
};

/* R17: member names per object; anything else is an extension member. */
static const char *const top_members[] = {
	"organization-name", "date-range", "contact-info", "report-id",
	"policies", NULL,
};
static const char *const range_members[] = {
	"start-datetime", "end-datetime", NULL,
};
static const char *const entry_members[] = {
	"policy", "summary", "failure-details", NULL,
};
static const char *const policy_members[] = {
	"policy-type", "policy-string", "policy-domain", "mx-host", NULL,
};
static const char *const summary_members[] = {
	"total-successful-session-count", "total-failure-session-count", NULL,
};
static const char *const failure_members[] = {
	"result-type", "sending-mta-ip", "receiving-mx-hostname",
	"receiving-mx-host-name", "receiving-mx-helo", "receiving-ip",
	"failed-session-count", "additional-information",
	"additional-info-uri", "failure-reason-code", NULL,
};

/* in_list - 1 when s is one of the NULL-terminated list */
static int
in_list(const char *s, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(s, *list) == 0)
			return 1;
	return 0;
}

/*
 * Validation helpers.  Each returns 0, or -1 with err set; "where" is
 * "" or " in policy N ..." and is appended to the member name.
 */

struct ctx {
	struct report	*r;
	size_t		 max_values;	/* for JSON texts inside strings too */
	char		*err;
	size_t		 errlen;
};

/* check_members - flag members that RFC 8460 does not define (kept in raw) */
static void
check_members(struct ctx *c, json_t *obj, const char *const *known)
{
	const char	*key;
	json_t		*v;

	json_object_foreach(obj, key, v) {
		(void)v;
		if (!in_list(key, known)) {
			c->r->flags |= REPORT_F_EXTENSION_MEMBER;
			return;
		}
	}
}

/* get_object - required member that must be an object */
static int
get_object(struct ctx *c, json_t *obj, const char *key, const char *where,
    json_t **out)
{
	json_t	*v = json_object_get(obj, key);

	*out = NULL;
	if (v == NULL)
		return seterr(c->err, c->errlen, "missing \"%s\"%s", key,
		    where);
	if (!json_is_object(v))
		return seterr(c->err, c->errlen, "\"%s\"%s is not an object",
		    key, where);
	*out = v;
	return 0;
}

/* fit - s (key's value) against f's cap: 0 when it fits or was cut,
 * -1 naming the field when it is too long to keep */
static int
fit(struct ctx *c, char *s, const char *key, const char *where,
    const struct field *f)
{
	size_t	 n;

	if (s == NULL || (n = strlen(s)) <= f->cap)
		return 0;
	if (f->cut_flag == 0)
		return seterr(c->err, c->errlen, "%s%s longer than %zu bytes",
		    key, where, f->cap);
	/* back up to a UTF-8 character boundary, so the stored text stays
	 * valid UTF-8 (jansson checked the input) */
	for (n = f->cap; n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80; n--)
		;
	s[n] = '\0';
	c->r->flags |= f->cut_flag;
	return 0;
}

/* get_string - member that must be a string; JSON null counts as absent
 * unless required; held to f's cap.  *out is a new copy or NULL. */
static int
get_string(struct ctx *c, json_t *obj, const char *key, const char *where,
    const struct field *f, char **out)
{
	json_t	*v = json_object_get(obj, key);

	*out = NULL;
	if (v == NULL || (json_is_null(v) && !f->required)) {
		if (f->required)
			return seterr(c->err, c->errlen, "missing \"%s\"%s",
			    key, where);
		return 0;
	}
	if (!json_is_string(v))
		return seterr(c->err, c->errlen, "\"%s\"%s is not a string",
		    key, where);
	*out = xstrdup(json_string_value(v));
	return fit(c, *out, key, where, f);
}

/* get_count - required member that must be a JSON integer >= 0 (R27) */
static int
get_count(struct ctx *c, json_t *obj, const char *key, const char *where,
    int64_t *out)
{
	json_t		*v = json_object_get(obj, key);
	json_int_t	 n;

	*out = 0;
	if (v == NULL)
		return seterr(c->err, c->errlen, "missing \"%s\"%s", key,
		    where);
	/* jansson keeps 1 and 1.0 apart: reals, strings and negatives are
	 * all wrong here (R27), not something to round. */
	if (!json_is_integer(v) || (n = json_integer_value(v)) < 0)
		return seterr(c->err, c->errlen, "\"%s\"%s is not a "
		    "non-negative integer", key, where);
	if (n > REPORT_MAX_EXACT)
		c->r->flags |= REPORT_F_BIG_INTEGER;
	*out = (int64_t)n;
	return 0;
}

/* strv_push - append s (taken over) to the vector v, n entries, cap slots */
static void
strv_push(char ***v, size_t *n, size_t *cap, char *s)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 4;
		*v = xreallocarray(*v, *cap, sizeof(**v));
	}
	(*v)[(*n)++] = s;
}

/* get_strings - optional member: array of strings, or one string (which
 * sets string_flag); each held to f's cap.  Appends copies to v and n. */
static int
get_strings(struct ctx *c, json_t *obj, const char *key, const char *where,
    uint32_t string_flag, const struct field *f, char ***v, size_t *n)
{
	json_t	*a = json_object_get(obj, key), *e;
	size_t	 i, cap = 0;

	if (a == NULL || json_is_null(a))
		return 0;
	if (json_is_string(a)) {
		c->r->flags |= string_flag;
		strv_push(v, n, &cap, xstrdup(json_string_value(a)));
		return fit(c, (*v)[*n - 1], key, where, f);
	}
	if (!json_is_array(a))
		return seterr(c->err, c->errlen, "\"%s\"%s is not an array of "
		    "strings", key, where);
	json_array_foreach(a, i, e) {
		if (!json_is_string(e))
			return seterr(c->err, c->errlen, "\"%s\"%s is not an "
			    "array of strings", key, where);
		strv_push(v, n, &cap, xstrdup(json_string_value(e)));
		if (fit(c, (*v)[*n - 1], key, where, f) < 0)
			return -1;
	}
	return 0;
}

/* nested_strings - decode s as a JSON array of strings, or NULL; the
 * same value cap as the report's, since a string may hold a whole JSON
 * text */
static json_t *
nested_strings(const struct ctx *c, const char *s)
{
	json_t	*a, *e;
	size_t	 k;
	char	 junk[ERRLEN];

	if (report_json_load(s, strlen(s), c->max_values, &a, junk,
	    sizeof(junk)) != REPORT_OK)
		return NULL;
	if (!json_is_array(a)) {
		json_decref(a);
		return NULL;
	}
	json_array_foreach(a, k, e)
		if (!json_is_string(e)) {
			json_decref(a);
			return NULL;
		}
	return a;
}

/* flatten_tlsa - R22/D11: Microsoft sends all TLSA RRs as one JSON text
 * inside one policy-string element; split such elements into one RR each.
 * An element that does not decode as an array of strings is kept as is
 * (R21: never reject policy text, just store it). */
static void
flatten_tlsa(struct ctx *c, struct report_policy *p)
{
	char	**v = NULL;
	size_t	  n = 0, cap = 0, i, k;
	json_t	 *a, *e;

	for (i = 0; i < p->n_policy_string; i++) {
		if (p->policy_string[i][0] == '[' &&
		    (a = nested_strings(c, p->policy_string[i])) != NULL) {
			json_array_foreach(a, k, e)
				strv_push(&v, &n, &cap,
				    xstrdup(json_string_value(e)));
			json_decref(a);
			free(p->policy_string[i]);
			c->r->flags |= REPORT_F_TLSA_NESTED_JSON;
			continue;
		}
		strv_push(&v, &n, &cap, p->policy_string[i]);
	}
	free(p->policy_string);
	p->policy_string = v;
	p->n_policy_string = n;
}

/* check_ip - R25: note whether an address parses; never fatal */
static int
check_ip(struct ctx *c, const char *s)
{
	struct in6_addr	a6;
	struct in_addr	a4;

	if (s == NULL)
		return 0;
	if (inet_pton(AF_INET, s, &a4) == 1 || inet_pton(AF_INET6, s, &a6) == 1)
		return 1;
	c->r->flags |= REPORT_F_BAD_IP;
	return 0;
}

/* get_alias - a string member that has a misspelt alias: canonical name
 * wins; the alias alone is accepted and flagged (R26, R28) */
static int
get_alias(struct ctx *c, json_t *obj, const char *key, const char *alias,
    const char *where, uint32_t flag, const struct field *f, char **out)
{
	char	*a;

	if (get_string(c, obj, key, where, f, out) < 0)
		return -1;
	if (json_object_get(obj, alias) == NULL)
		return 0;
	c->r->flags |= flag;
	if (get_string(c, obj, alias, where, f, &a) < 0) {
		free(a);
		return -1;
	}
	if (*out == NULL)
		*out = a;
	else
		free(a);
	return 0;
}

/* parse_failure - one failure-details entry (R17, R29-R33) */
static int
parse_failure(struct ctx *c, json_t *fd, struct report_failure *f,
    const char *where)
{
	if (get_string(c, fd, "result-type", where, &F_TYPE,
	    &f->result_type) < 0 ||
	    get_count(c, fd, "failed-session-count", where,
	    &f->failed_session_count) < 0 ||
	    get_string(c, fd, "sending-mta-ip", where, &F_IP,
	    &f->sending_mta_ip) < 0 ||
	    get_alias(c, fd, "receiving-mx-hostname", "receiving-mx-host-name",
	    where, REPORT_F_MX_HOST_NAME_ALIAS, &F_HOST,
	    &f->receiving_mx_hostname) < 0 ||
	    get_string(c, fd, "receiving-mx-helo", where, &F_TEXT,
	    &f->receiving_mx_helo) < 0 ||
	    get_string(c, fd, "receiving-ip", where, &F_IP,
	    &f->receiving_ip) < 0 ||
	    get_alias(c, fd, "additional-information", "additional-info-uri",
	    where, REPORT_F_ADDITIONAL_INFO_URI, &F_TEXT,
	    &f->additional_information) < 0 ||
	    get_string(c, fd, "failure-reason-code", where, &F_REASON,
	    &f->failure_reason_code) < 0)
		return -1;
	check_members(c, fd, failure_members);

	/* R33: the registry grows; keep unknown values, just mark them. */
	if (!in_list(f->result_type, report_result_types))
		c->r->flags |= REPORT_F_UNKNOWN_RESULT_TYPE;
	f->sending_ip_ok = check_ip(c, f->sending_mta_ip);
	f->receiving_ip_ok = check_ip(c, f->receiving_ip);
	return 0;
}

/* parse_domain - R23: lower-case, strip the final dot, flag U-labels and
 * anything that is no host name (kept as sent, counted for no one) */
static void
parse_domain(struct ctx *c, struct report_policy *p)
{
	const unsigned char *u;

	if (p->policy_domain == NULL)
		return;
	domain_normalise(p->policy_domain);
	/* "" or "." names nothing: same as an absent policy-domain. */
	if (p->policy_domain[0] == '\0') {
		free(p->policy_domain);
		p->policy_domain = NULL;
		return;
	}
	for (u = (const unsigned char *)p->policy_domain; *u; u++)
		if (*u >= 0x80) {
			c->r->flags |= REPORT_F_DOMAIN_NOT_ASCII;
			break;
		}
	if (!domain_valid(p->policy_domain))
		c->r->flags |= REPORT_F_DOMAIN_INVALID;
}

/* parse_policy - one element of "policies" (R15, R17, R20-R23, R27) */
static int
parse_policy(struct ctx *c, json_t *e, struct report_policy *p, size_t idx)
{
	json_t	*pol, *sum, *fds, *fd;
	char	 where[64], fwhere[128];
	size_t	 i;
	int64_t	 total;

	snprintf(where, sizeof(where), " in policy %zu", idx + 1);
	if (!json_is_object(e))
		return seterr(c->err, c->errlen, "policy %zu is not an object",
		    idx + 1);
	check_members(c, e, entry_members);

	if (get_object(c, e, "policy", where, &pol) < 0 ||
	    get_string(c, pol, "policy-type", where, &F_TYPE,
	    &p->policy_type) < 0 ||
	    get_string(c, pol, "policy-domain", where, &F_HOST,
	    &p->policy_domain) < 0 ||
	    get_strings(c, pol, "policy-string", where,
	    REPORT_F_POLICY_STRING_STRING, &F_TEXT, &p->policy_string,
	    &p->n_policy_string) < 0 ||
	    get_strings(c, pol, "mx-host", where, REPORT_F_MX_HOST_STRING,
	    &F_HOST, &p->mx_host, &p->n_mx_host) < 0)
		return -1;
	check_members(c, pol, policy_members);
	if (!in_list(p->policy_type, report_policy_types))
		c->r->flags |= REPORT_F_UNKNOWN_POLICY_TYPE;
	parse_domain(c, p);
	if (p->policy_domain == NULL)
		c->r->flags |= REPORT_F_NO_POLICY_DOMAIN;
	if (strcmp(p->policy_type, "tlsa") == 0)
		flatten_tlsa(c, p);

	if (get_object(c, e, "summary", where, &sum) < 0 ||
	    get_count(c, sum, "total-successful-session-count", where,
	    &p->total_successful) < 0 ||
	    get_count(c, sum, "total-failure-session-count", where,
	    &p->total_failure) < 0)
		return -1;
	check_members(c, sum, summary_members);

	/* failure-details: absent, null and [] all mean "no failures". */
	fds = json_object_get(e, "failure-details");
	if (fds == NULL || json_is_null(fds))
		return 0;
	if (!json_is_array(fds))
		return seterr(c->err, c->errlen, "\"failure-details\"%s is not "
		    "an array", where);
	if (json_array_size(fds) == 0)
		return 0;
	p->failures = xcalloc(json_array_size(fds), sizeof(*p->failures));
	total = 0;
	json_array_foreach(fds, i, fd) {
		snprintf(fwhere, sizeof(fwhere), "%s failure detail %zu",
		    where, i + 1);
		if (!json_is_object(fd))
			return seterr(c->err, c->errlen, "failure detail %zu"
			    "%s is not an object", i + 1, where);
		/* Count it before filling, so report_free() sees it. */
		p->n_failures = i + 1;
		if (parse_failure(c, fd, &p->failures[i], fwhere) < 0)
			return -1;
		if (total >= 0 && __builtin_add_overflow(total,
		    p->failures[i].failed_session_count, &total))
			total = -1;
	}
	/* R16/D12: failure types overlap, so a mismatch is normal enough to
	 * store, but worth showing. */
	if (total != p->total_failure)
		c->r->flags |= REPORT_F_TOTALS_DISAGREE;
	return 0;
}

/* parse_range - date-range (R19): raw strings, epoch values, flags */
static int
parse_range(struct ctx *c, json_t *root)
{
	struct report	*r = c->r;
	json_t		*dr;
	int		 ssec, esec;
	int64_t		 len;

	if (get_object(c, root, "date-range", "", &dr) < 0 ||
	    get_string(c, dr, "start-datetime", " in date-range", &F_TIME,
	    &r->start_raw) < 0 ||
	    get_string(c, dr, "end-datetime", " in date-range", &F_TIME,
	    &r->end_raw) < 0)
		return -1;
	check_members(c, dr, range_members);
	if (report_parse_time(r->start_raw, &r->start_time, &r->start_usec,
	    &ssec, &r->flags) < 0)
		return seterr(c->err, c->errlen, "\"start-datetime\" is not an "
		    "RFC 3339 date-time");
	if (report_parse_time(r->end_raw, &r->end_time, &r->end_usec, &esec,
	    &r->flags) < 0)
		return seterr(c->err, c->errlen, "\"end-datetime\" is not an "
		    "RFC 3339 date-time");

	/* R19: Google and Microsoft end at 23:59:59Z, meaning "through that
	 * second"; the exclusive bound is the next whole second. */
	if (esec == 59) {
		r->end_time++;
		r->end_usec = 0;
		r->flags |= REPORT_F_END_INCLUSIVE;
	}
	len = r->end_time - r->start_time;
	if (((r->start_time % 86400) + 86400) % 86400 != 0 ||
	    r->start_usec != 0 || r->end_usec != 0 || len != 86400)
		r->flags |= REPORT_F_RANGE_NOT_DAY;
	if (r->start_time > r->end_time || (r->start_time == r->end_time &&
	    r->start_usec >= r->end_usec))
		r->flags |= REPORT_F_RANGE_INVERTED;
	return 0;
}

/* parse_report - the top-level object (R14, R17, R18, R24) */
static int
parse_report(struct ctx *c, json_t *root)
{
	struct report	*r = c->r;
	json_t		*pols, *e, *contact;
	size_t		 i;
	const char	*d0 = NULL;

	if (!json_is_object(root))
		return seterr(c->err, c->errlen, "the report is not a JSON "
		    "object");
	check_members(c, root, top_members);

	if (get_string(c, root, "organization-name", "", &F_NAME,
	    &r->organization_name) < 0)
		return -1;
	if (r->organization_name[0] == '\0')
		r->flags |= REPORT_F_ORG_EMPTY;

	if (parse_range(c, root) < 0)
		return -1;

	/* R17: contact-info null is real (corpus row 6); any other
	 * non-string is not something we can understand. */
	contact = json_object_get(root, "contact-info");
	if (contact == NULL || json_is_null(contact))
		r->flags |= REPORT_F_CONTACT_NULL;
	else if (get_string(c, root, "contact-info", "", &F_CONTACT,
	    &r->contact_info) < 0)
		return -1;

	if (get_string(c, root, "report-id", "", &F_NAME, &r->report_id) < 0)
		return -1;
	if (r->report_id[0] == '\0')
		return seterr(c->err, c->errlen, "\"report-id\" is empty");

	/* R15: policies MUST be an array, even with one policy. */
	pols = json_object_get(root, "policies");
	if (pols == NULL)
		return seterr(c->err, c->errlen, "missing \"policies\"");
	if (!json_is_array(pols))
		return seterr(c->err, c->errlen,
		    "\"policies\" is not an array");
	if (json_array_size(pols) == 0) {
		r->flags |= REPORT_F_NO_POLICIES;
		return 0;
	}
	r->policies = xcalloc(json_array_size(pols), sizeof(*r->policies));
	json_array_foreach(pols, i, e) {
		/* Count it before filling, so report_free() sees it. */
		r->n_policies = i + 1;
		if (parse_policy(c, e, &r->policies[i], i) < 0)
			return -1;
	}

	for (i = 0; i < r->n_policies; i++) {
		if (r->policies[i].policy_domain == NULL)
			continue;
		if (d0 == NULL)
			d0 = r->policies[i].policy_domain;
		else if (strcmp(d0, r->policies[i].policy_domain) != 0)
			r->flags |= REPORT_F_MIXED_DOMAINS;
	}
	return 0;
}

/* report_parse_json - the JSON layer alone (json need not be terminated) */
enum report_error
report_parse_json(const char *json, size_t len, size_t max_values,
    struct report **out, char *err, size_t errlen)
{
	enum report_error rc;
	struct ctx	 c;
	json_t		*root;

	*out = NULL;
	/* A UTF-8 byte order mark is not JSON (RFC 8259 8.1) but harmless;
	 * jansson would reject it, so step over it. */
	if (len >= 3 && memcmp(json, "\xef\xbb\xbf", 3) == 0) {
		json += 3;
		len -= 3;
	}
	if ((rc = report_json_load(json, len, max_values, &root, err,
	    errlen)) != REPORT_OK)
		return rc;

	c.r = xcalloc(1, sizeof(*c.r));
	c.max_values = max_values;
	c.err = err;
	c.errlen = errlen;
	if (parse_report(&c, root) < 0) {
		json_decref(root);
		report_free(c.r);
		return REPORT_ERR_SCHEMA;
	}
	json_decref(root);
	report_assign_domains(c.r, NULL);
	*out = c.r;
	return REPORT_OK;
}

/* report_decode - sniff, inflate and parse raw report bytes */
enum report_error
report_decode(const unsigned char *raw, size_t rawlen,
    const struct report_limits *lim, struct report **out, char *err,
    size_t errlen)
{
	enum report_error rc;
	unsigned char	*json;
	size_t		 jlen, i = 0;
	unsigned	 gflags;

	*out = NULL;
	/* R10/R39: the bytes decide, never the declared media type. */
	if (gunzip_magic(raw, rawlen)) {
		switch (gunzip(raw, rawlen, lim->max_json, &json, &jlen,
		    &gflags, err, errlen)) {
		case 0:
			break;
		case -2:
			return REPORT_ERR_TOO_BIG;
		default:
			return REPORT_ERR_GZIP;
		}
		rc = report_parse_json((const char *)json, jlen,
		    lim->max_values, out, err, errlen);
		free(json);
		if (rc == REPORT_OK) {
			if (gflags & GUNZIP_MULTI_MEMBER)
				(*out)->flags |= REPORT_F_GZIP_MULTI_MEMBER;
			if (gflags & GUNZIP_TRAILING_JUNK)
				(*out)->flags |= REPORT_F_GZIP_TRAILING_JUNK;
		}
		return rc;
	}

	if (rawlen >= 3 && memcmp(raw, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < rawlen && (raw[i] == ' ' || raw[i] == '\t' ||
	    raw[i] == '\r' || raw[i] == '\n'))
		i++;
	if (i == rawlen || raw[i] != '{') {
		seterr(err, errlen, "neither gzip nor JSON");
		return REPORT_ERR_FORMAT;
	}
	if (rawlen > lim->max_json) {
		seterr(err, errlen, "report is larger than %zu bytes",
		    lim->max_json);
		return REPORT_ERR_TOO_BIG;
	}
	return report_parse_json((const char *)raw, rawlen, lim->max_values,
	    out, err, errlen);
}
