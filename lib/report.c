/*
 * report.c - the decoded report's own functions: flag names and freeing
 *
 * SYNOPSIS
 *	#include "report.h"
 *
 *	const char *report_flag_name(bit)
 *	struct report *report_free(r)
 *
 * DESCRIPTION
 *	The data model shared by the decoder (ingest/) and the store
 *	(store/), so that the store, which writes the flag names, never
 *	calls into the decoder.
 */
#include <stdlib.h>

#include "report.h"

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
};

/* report_flag_name - the stable name of flag bit number bit (0..25) */
const char *
report_flag_name(unsigned bit)
{
	if (bit >= REPORT_NFLAGS)
		return NULL;
	return report_flag_names[bit];
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
