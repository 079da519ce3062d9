/*
 * decode.h - the report decoder: raw bytes into a struct report (report.h)
 *
 * report_decode() is the one decoder behind every front door (the intake,
 * ingest/intake.h, calls it for files, HTTPS, mail, the spool and
 * reparse): it sniffs the bytes (gzip magic 1f 8b or JSON '{',
 * R10/R39), inflates with a hard cap (R38, R41), parses with jansson
 * rejecting duplicate keys (R13) and validates the field contract of
 * RFC8460-RECEIVER.md R17 (D4: only organization-name, date-range,
 * report-id, policies, policy-type, summary counts, result-type and
 * failed-session-count are required).  Real-world deviations are accepted
 * and recorded as flags (REPORT_F_*), never silently.  Then
 * report_assign_domains() and report_is_ours() say whose report it is.
 */
#ifndef TLSRPT_DECODE_H
#define TLSRPT_DECODE_H

#include <stddef.h>

#include "report.h"

/* Result of report_decode when it fails: which layer refused the bytes. */
enum report_error {
	REPORT_OK = 0,
	REPORT_ERR_FORMAT,	/* neither gzip nor JSON (HTTP 415) */
	REPORT_ERR_GZIP,	/* bad or truncated gzip (400) */
	REPORT_ERR_TOO_BIG,	/* inflated size or values over the cap (413) */
	REPORT_ERR_JSON,	/* not valid JSON / UTF-8 / depth / duplicate key */
	REPORT_ERR_SCHEMA,	/* valid JSON, but a required field is missing/wrong */
};

/* The decoder's bounds on hostile input (from the configuration). */
struct report_limits {
	size_t	 max_json;	/* inflated bytes: max_report_bytes (R38) */
	size_t	 max_values;	/* JSON values: max_report_values, counted
				 * before the parser builds anything */
};

/*
 * report_decode - sniff, inflate and parse raw report bytes
 *
 * raw/rawlen: the bytes as received (borrowed, not modified).  lim: the
 * caps (borrowed).  Over either: REPORT_ERR_TOO_BIG.  On success returns
 * REPORT_OK and a new report in *out (free with report_free); domains are
 * assigned with no hint (report_assign_domains(r, NULL)).  On failure
 * returns a REPORT_ERR_* value, leaves *out NULL and writes one short human
 * sentence naming the field or layer into err.
 */
enum report_error report_decode(const unsigned char *raw, size_t rawlen,
	    const struct report_limits *lim, struct report **out, char *err,
	    size_t errlen);

/* report_parse_json - the JSON layer alone (json need not be
 * NUL-terminated), at most max_values values */
enum report_error report_parse_json(const char *json, size_t len,
	    size_t max_values, struct report **out, char *err, size_t errlen);

/*
 * report_assign_domains - (re)compute the home domain, every policy's
 * group and its dane_mx mark (rules in report_domain.c): the home domain
 * is the policy-domain of the first sts policy, else the domain that ends
 * the report-id ("2026-11-21T00:00:00Z_idx1_example.com",
 * "1339...+example.com"), else hint (the mail TLS-Report-Domain header;
 * may be NULL), else the first policy-domain, else "(unknown)".
 */
void	report_assign_domains(struct report *, const char *hint);

/*
 * report_is_ours - R56: 1 when the home domain or the group of a policy
 * that is not a DANE MX host is one of the names of domains or a
 * subdomain of one (a hash lookup per label: domainset.h); an empty or
 * NULL set: every report is ours.  Needs report_assign_domains() first.
 */
struct domainset;
int	report_is_ours(const struct report *, const struct domainset *domains);

#endif
