/*
 * report_domain.c - whose report it is: the home domain, the policy
 *		     groups, ours or foreign (R23, R24, R56, R60)
 *
 * SYNOPSIS
 *	#include "decode.h"
 *
 *	void report_assign_domains(r, hint)
 *	int report_is_ours(r, domainset)
 *
 * DESCRIPTION
 *	A report names up to three kinds of domain: the recipient domain
 *	(an MTA-STS policy-domain is always that, R60), the TLSA base domain
 *	of a DANE policy, which is usually an MX host and may be the
 *	provider's (Postfix puts mx2.example.com there; Exchange Online
 *	publishes TLSA for *.mail.protection.outlook.com), and nothing at
 *	all (Postfix's reporter on no-policy-found).  The home domain is
 *	the recipient domain as best we can tell:
 *
 *	  1. the policy-domain of the first "sts" policy;
 *	  2. the domain that ends the report-id ("..._idx1_example.com",
 *	     "1339...+example.com"; R24 lists the formats);
 *	  3. the hint the door passes (the mail intake's TLS-Report-Domain
 *	     header, R43; stored with the report so reparse sees it again);
 *	  4. the first policy-domain;
 *	  5. "(unknown)".
 *
 *	Only a syntactically valid host name (LDH labels or A-labels, R23)
 *	names a domain: a policy-domain, report-id ending or hint that is
 *	not one is passed over, and a policy whose policy-domain is not one
 *	belongs to no group and counts for no one (it stays stored, flagged
 *	"domain-invalid"): "\033[31m=evil\".example.com" must not count
 *	for example.com by its suffix.
 *
 *	Policies group by policy-domain, a policy without one joining the
 *	home domain's group.  A group of only "tlsa" policies for another
 *	name than the home domain is a DANE MX host of the home domain: its
 *	sessions are its own (Postfix applies one policy per session), so
 *	they count for the home domain, next to its other groups.  Every
 *	other group counts for its own domain.
 */
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "domainset.h"
#include "util.h"
#include "xmalloc.h"

/* id_domain - the domain that ends a report-id ("..._example.com",
 * "...+example.com"), lower-cased in a new string, or NULL (R24) */
static char *
id_domain(const char *id)
{
	const char	*s, *p;
	size_t		 len;
	char		*d;

	s = strrchr(id, '_');
	p = strrchr(id, '+');
	if (p != NULL && (s == NULL || p > s))
		s = p;
	if (s == NULL)
		return NULL;
	s++;
	len = strlen(s);
	/* Only a host name with at least two labels: "uuid@mail.ru" or
	 * "123_456" must not invent a domain; nor may "example.com." */
	if (len == 0 || strchr(s, '.') == NULL || s[len - 1] == '.')
		return NULL;
	d = xstrdup(s);
	domain_normalise(d);
	if (!domain_valid(d)) {
		free(d);
		return NULL;
	}
	return d;
}

/* hint_domain - a header value as a domain: blanks trimmed, lower-cased
 * (R43); NULL when nothing is left */
static char *
hint_domain(const char *hint)
{
	const char	*h, *e;
	char		*d;

	for (h = hint; *h == ' ' || *h == '\t'; h++)
		;
	for (e = h + strlen(h); e > h && (e[-1] == ' ' || e[-1] == '\t' ||
	    e[-1] == '\r' || e[-1] == '\n'); e--)
		;
	d = xstrndup(h, (size_t)(e - h));
	domain_normalise(d);
	if (!domain_valid(d)) {
		free(d);
		return NULL;
	}
	return d;
}

/* named - the policy names a valid host name (NULL: none, or not one) */
static const char *
named(const struct report_policy *p)
{
	return domain_valid(p->policy_domain) ? p->policy_domain : NULL;
}

/* home_domain - rules 1-5 above, in a new string */
static char *
home_domain(const struct report *r, const char *hint)
{
	char	*d = NULL;
	size_t	 i;

	for (i = 0; i < r->n_policies; i++)
		if (named(&r->policies[i]) != NULL &&
		    strcmp(r->policies[i].policy_type, "sts") == 0)
			return xstrdup(r->policies[i].policy_domain);
	if (r->report_id != NULL && (d = id_domain(r->report_id)) != NULL)
		return d;
	if (hint != NULL && (d = hint_domain(hint)) != NULL)
		return d;
	for (i = 0; i < r->n_policies; i++)
		if (named(&r->policies[i]) != NULL)
			return xstrdup(r->policies[i].policy_domain);
	return xstrdup("(unknown)");
}

/* A policy's place in the sort by group (report_assign_domains). */
struct grouped {
	const char	*domain;
	size_t		 idx;
};

/* groupcmp - by domain, then position */
static int
groupcmp(const void *a, const void *b)
{
	const struct grouped	*x = a, *y = b;
	int			 c;

	if ((c = strcmp(x->domain, y->domain)) != 0)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/*
 * report_assign_domains - (re)compute the home domain, every policy's
 * group and which groups are DANE MX hosts.  The groups are found by
 * sorting, not by comparing every pair: a hostile report may carry a
 * great many policies.
 */
void
report_assign_domains(struct report *r, const char *hint)
{
	struct report_policy	*p;
	struct grouped		*g;
	size_t			 i, j, k, n = 0;
	int			 tlsa_only;

	free(r->home_domain);
	r->home_domain = home_domain(r, hint);
	for (i = 0; i < r->n_policies; i++) {
		p = &r->policies[i];
		free(p->domain);
		p->domain = p->policy_domain == NULL ?
		    xstrdup(r->home_domain) : named(p) != NULL ?
		    xstrdup(p->policy_domain) : NULL;
		p->dane_mx = 0;
	}
	g = xcalloc(r->n_policies ? r->n_policies : 1, sizeof *g);
	for (i = 0; i < r->n_policies; i++)
		if (r->policies[i].domain != NULL) {
			g[n].domain = r->policies[i].domain;
			g[n++].idx = i;
		}
	qsort(g, n, sizeof *g, groupcmp);
	for (i = 0; i < n; i = j) {
		tlsa_only = 1;
		for (j = i; j < n &&
		    strcmp(g[j].domain, g[i].domain) == 0; j++)
			if (strcmp(r->policies[g[j].idx].policy_type,
			    "tlsa") != 0)
				tlsa_only = 0;
		if (!tlsa_only || strcmp(g[i].domain, r->home_domain) == 0)
			continue;
		for (k = i; k < j; k++)
			r->policies[g[k].idx].dane_mx = 1;
	}
	free(g);
}

/* report_is_ours - R56: see decode.h */
int
report_is_ours(const struct report *r, const struct domainset *domains)
{
	size_t	 i;

	if (domainset_count(domains) == 0)
		return 1;
	if (r->home_domain != NULL &&
	    domainset_match(domains, r->home_domain) != NULL)
		return 1;
	for (i = 0; i < r->n_policies; i++)
		if (!r->policies[i].dane_mx && r->policies[i].domain != NULL &&
		    domainset_match(domains, r->policies[i].domain) != NULL)
			return 1;
	return 0;
}
