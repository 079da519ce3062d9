/*
 * query.h - the query layer: every figure render/ shows comes from here
 *
 * The counting rules live in one place, the SQL of query.c, so that
 * "tlsrpt summary", the HTML pages and the digest can never disagree.
 * Reading only: nothing here writes.
 *
 * Ownership: query_summary() fills a struct summary that owns all its
 * strings and arrays; query_summary_free() releases them.
 */
#ifndef TLSRPT_QUERY_H
#define TLSRPT_QUERY_H

#include <stddef.h>
#include <stdint.h>

struct store;

struct summary_query {
	const char	*domain;	/* only this domain (exact), or NULL */
	const char	*from;		/* YYYY-MM-DD inclusive UTC day, or NULL */
	const char	*to;		/* YYYY-MM-DD inclusive, or NULL */
	char *const	*domains;	/* configured domains (n == 0: all) */
	size_t		 n_domains;
};

struct summary_outcome {
	char		*outcome;	/* "success" or a result-type */
	int64_t		 sessions;
};

/* A sending organisation of the domain, or a DANE MX host of it
 * (report_domain.c: its sessions are part of the domain's figures, and
 * shown apart as well): its reports and sessions. */
struct summary_row {
	char		*name;		/* organization-name, or the host */
	int64_t		 reports;
	int64_t		 successful;
	int64_t		 failed;
};

struct summary_domain {
	char		*domain;
	int64_t		 reports;
	int64_t		 successful;
	int64_t		 failed;
	int64_t		 conflicted;	/* reports of which differing copies
					 * arrived (store/conflict.c) */
	struct summary_outcome *outcomes;	/* success first, then by sessions desc */
	size_t		 n_outcomes;
	struct summary_row *sources;		/* sorted by organization */
	size_t		 n_sources;
	struct summary_row *dane_mx;		/* sorted by host; may be none */
	size_t		 n_dane_mx;
};

struct summary {
	char		*from;		/* copies of the query, or NULL */
	char		*to;
	struct summary_domain *domains;	/* sorted by domain */
	size_t		 n_domains;
};

/*
 * query_summary - per domain: reports, sessions, outcomes, sending
 * organisations and DANE MX hosts (rules in README "How it counts" and
 * query.c) into *out, owned by the caller (query_summary_free).  Returns
 * 0, or -1 with err (out is then empty).
 */
int	query_summary(struct store *, const struct summary_query *,
	    struct summary *out, char *err, size_t errlen);

/* query_summary_free - release what query_summary filled; the struct is
 * left empty; accepts NULL, returns NULL */
struct summary *query_summary_free(struct summary *);

#endif
