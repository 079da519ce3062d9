/*
 * site.h - "tlsrpt render": what its files (site.c, domain_page.c,
 * report_page.c) share
 *
 * The site of one period: index.html, style.css, d/DOMAIN.html per
 * domain, r/ID.html per report of the period.  All figures are read once
 * per run through the query layer (query.h, query_site.h) into struct
 * site; the pages only format them.
 *
 * Ownership: struct site owns its summary and tables (site.c frees them).
 */
#ifndef TLSRPT_RENDER_SITE_H
#define TLSRPT_RENDER_SITE_H

#include <stddef.h>

#include "buf.h"
#include "html.h"
#include "query.h"
#include "query_site.h"

struct store;

struct site {
	const char		*out;		/* the folder */
	char			 from[DAYLEN], to[DAYLEN];
	struct summary_query	 q;		/* from, to, domains, domain */
	char *const		*conf_domains;	/* the configured ones */
	size_t			 n_conf;
	size_t			 max_report_bytes;
	struct summary		 sum;
	struct qtable		 daily, outcomes, sources, hosts, policies,
				 reports;
	/* where the next domain's rows start in each table */
	size_t			 at_daily, at_outcomes, at_sources,
				 at_hosts, at_policies, at_reports;
	size_t			 written, unchanged;	/* files */
	size_t			 fetched;	/* reports read for their pages */
};

/* site_domain_file - the file name of domain's page under d/ (a host
 * name as it is; anything else hex-encoded, so no report string ever
 * names a path) into out */
void	site_domain_file(const char *domain, char *out, size_t len);

/* site_put - write b as rel under the site's folder and count it;
 * b is reset.  0, or -1 with err. */
int	site_put(struct site *, const char *rel, struct buf *b, char *err,
	    size_t errlen);

/* site_daily_for - the daily series of domain (from the site's QS_DAILY
 * rows, advancing at_daily) over the period */
void	site_daily_for(struct site *, const char *domain, struct daily *);

/* domain_page - write d/DOMAIN.html of sd (domain_page.c) */
int	domain_page(struct site *, const struct summary_domain *sd,
	    char *err, size_t errlen);

/* report_pages - write r/ID.html of every report of the period whose
 * page is missing or stale (its stamp differs), and (full render only,
 * prune != 0) remove the pages of reports no longer in it
 * (report_page.c) */
int	report_pages(struct site *, struct store *, int prune, char *err,
	    size_t errlen);

#endif
