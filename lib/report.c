/*
 * report.c - the decoded report's own functions: flag names and freeing
 *
 * SYNOPSIS
 *	#include "report.h"
 *
 *	const char *report_flag_name(bit)
 *	void report_digest(r, out)
 *	struct report *report_free(r)
 *
 * DESCRIPTION
 *	The data model shared by the decoder (ingest/) and the store
 *	(store/), so that the store, which writes the flag names, never
 *	calls into the decoder.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "log.h"
#include "report.h"
#include "util.h"

/* Names stored in the database: one per bit, in bit order (report.h). */
static const char *const report_flag_names[REPORT_NFLAGS] = {
	"gzip-multi-member",
	"gzip-trailing-junk",
	"time-no-offset",
	"time-fraction",
	"time-offset",
	"end-inclusive",
	"range-not-day",
	"range-inverted",
	"contact-null",
	"org-empty",
	"mx-host-string",
	"tlsa-nested-json",
	"policy-string-string",
	"unknown-policy-type",
	"unknown-result-type",
	"extension-member",
	"additional-info-uri",
	"mx-host-name-alias",
	"totals-disagree",
	"bad-ip",
	"no-policy-domain",
	"domain-not-ascii",
	"reason-truncated",
	"no-policies",
	"big-integer",
	"mixed-domains",
	"text-truncated",
	"domain-invalid",
};

/* report_flag_name - the stable name of flag bit number bit */
const char *
report_flag_name(unsigned bit)
{
	if (bit >= REPORT_NFLAGS)
		return NULL;
	return report_flag_names[bit];
}

/* feed - one tagged, length-prefixed item into the digest; with p NULL,
 * len is the item (a count) and nothing follows it */
static void
feed(EVP_MD_CTX *md, char tag, const void *p, uint64_t len)
{
	unsigned char	 head[9];
	int		 i;

	head[0] = (unsigned char)tag;
	for (i = 0; i < 8; i++)
		head[1 + i] = (unsigned char)(len >> (56 - 8 * i));
	if (EVP_DigestUpdate(md, head, sizeof head) != 1 ||
	    (p != NULL && len > 0 && EVP_DigestUpdate(md, p, (size_t)len) != 1))
		fatalx("EVP_DigestUpdate failed");
}

/* feed_str - a string, 'N' for NULL */
static void
feed_str(EVP_MD_CTX *md, const char *s)
{
	if (s == NULL)
		feed(md, 'N', NULL, 0);
	else
		feed(md, 'S', s, strlen(s));
}

/* feed_strv - an array of strings, 'N' when absent */
static void
feed_strv(EVP_MD_CTX *md, char *const *v, size_t n)
{
	size_t	 i;

	if (v == NULL && n == 0) {
		feed(md, 'N', NULL, 0);
		return;
	}
	feed(md, 'A', NULL, n);
	for (i = 0; i < n; i++)
		feed_str(md, v[i]);
}

/* report_digest - see report.h */
void
report_digest(const struct report *r, unsigned char out[REPORT_DIGEST_LEN])
{
	const struct report_policy	*p;
	const struct report_failure	*f;
	EVP_MD_CTX			*md;
	unsigned int			 len = 0;
	size_t				 i, j;

	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(md, md_sha256(), NULL) != 1)
		fatalx("EVP_DigestInit_ex sha256 failed");
	feed_str(md, r->organization_name);
	feed_str(md, r->contact_info);
	feed_str(md, r->report_id);
	feed_str(md, r->start_raw);
	feed_str(md, r->end_raw);
	feed(md, 'P', NULL, r->n_policies);
	for (i = 0; i < r->n_policies; i++) {
		p = &r->policies[i];
		feed_str(md, p->policy_type);
		feed_str(md, p->policy_domain);
		feed_strv(md, p->policy_string, p->n_policy_string);
		feed_strv(md, p->mx_host, p->n_mx_host);
		feed(md, 'I', NULL, (uint64_t)p->total_successful);
		feed(md, 'I', NULL, (uint64_t)p->total_failure);
		feed(md, 'F', NULL, p->n_failures);
		for (j = 0; j < p->n_failures; j++) {
			f = &p->failures[j];
			feed_str(md, f->result_type);
			feed_str(md, f->sending_mta_ip);
			feed_str(md, f->receiving_mx_hostname);
			feed_str(md, f->receiving_mx_helo);
			feed_str(md, f->receiving_ip);
			feed(md, 'I', NULL, (uint64_t)f->failed_session_count);
			feed_str(md, f->additional_information);
			feed_str(md, f->failure_reason_code);
		}
	}
	if (EVP_DigestFinal_ex(md, out, &len) != 1 || len != REPORT_DIGEST_LEN)
		fatalx("EVP_DigestFinal_ex sha256 failed");
	EVP_MD_CTX_free(md);
}

/* report_free - release r and everything in it; accepts NULL */
struct report *
report_free(struct report *r)
{
	struct report_policy *p;
	struct report_failure *f;
	size_t	i, j;

	if (r == NULL)
		return NULL;
	for (i = 0; i < r->n_policies; i++) {
		p = &r->policies[i];
		free(p->policy_type);
		free(p->policy_domain);
		free(p->domain);
		for (j = 0; j < p->n_policy_string; j++)
			free(p->policy_string[j]);
		free(p->policy_string);
		for (j = 0; j < p->n_mx_host; j++)
			free(p->mx_host[j]);
		free(p->mx_host);
		for (j = 0; j < p->n_failures; j++) {
			f = &p->failures[j];
			free(f->result_type);
			free(f->sending_mta_ip);
			free(f->receiving_mx_hostname);
			free(f->receiving_mx_helo);
			free(f->receiving_ip);
			free(f->additional_information);
			free(f->failure_reason_code);
		}
		free(p->failures);
	}
	free(r->policies);
	free(r->organization_name);
	free(r->contact_info);
	free(r->report_id);
	free(r->start_raw);
	free(r->end_raw);
	free(r->home_domain);
	free(r);
	return NULL;
}
