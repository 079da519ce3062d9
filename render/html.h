/*
 * html.h - what the pages and the digest share: HTML text, numbers,
 * days, the daily series, and files written whole or not at all
 *
 * Every string from a report reaches HTML through html_text() (which is
 * lib/escape.h escape_html: one escaping module for every output), and
 * additional-information becomes a link only through html_info_link().
 *
 * Ownership: the functions append to the caller's struct buf and keep
 * nothing; struct daily owns its arrays (daily_free).
 */
#ifndef TLSRPT_RENDER_HTML_H
#define TLSRPT_RENDER_HTML_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "query.h"
#include "query_site.h"

#define DAYLEN	11		/* "YYYY-MM-DD" and its NUL */

/* html_text - s escaped for HTML text or a quoted attribute (NULL: "") */
void	html_text(struct buf *, const char *s);
/* html_num - n with thin-space thousands groups ("12 345 678") */
void	html_num(struct buf *, int64_t n);
/* html_rate - the TLS success rate of ok and bad, e.g. "99.4 %", never
 * "100.0 %" while something failed (it is floored, not rounded); "–"
 * without sessions.  *pct gets the rate (0..100, -1 without sessions)
 * when pct is not NULL. */
void	html_rate(struct buf *, int64_t ok, int64_t bad, double *pct);
/* html_rate_shown - the rate html_rate() shows (floored to one decimal,
 * below 100 while something failed), -1 without sessions; *exact gets
 * the unrounded rate when exact is not NULL */
double	html_rate_shown(int64_t ok, int64_t bad, double *exact);
/* html_info_link - additional-information: a link (rel="noopener
 * noreferrer") only when it is an https: URL of harmless characters,
 * else text */
void	html_info_link(struct buf *, const char *s);
/* html_way - how a report arrived, in words: "HTTPS, unauthenticated,
 * from 192.0.2.1", "mail, claimed organisation, proven by d=example.com",
 * "file" (transport, auth and source as stored) */
void	html_way(struct buf *, const char *transport, const char *auth,
	    const char *source);
/* html_td - "<td data-label=\"label\">" (the label shows on a narrow
 * screen, where a table row becomes a card) */
void	html_td(struct buf *, const char *label);
/* html_head - the document up to <body> (stamp: a <meta> that
 * html_stamp_of() finds again, or NULL); html_foot - the end */
void	html_head(struct buf *, const char *title, const char *css,
	    const char *stamp);
void	html_foot(struct buf *);
/* html_stamp_of - the stamp of the page at path, into out; 0, or -1
 * when there is no page or no stamp */
int	html_stamp_of(const char *path, char *out, size_t len);

/* summary_covered - for each of conf[0..n), 1 when s has a domain that
 * is it or one of its subdomains (a configured domain with reports), in
 * a new array of n flags (free it); a hash lookup per label of each of
 * s's domains, not a scan of s per configured domain */
unsigned char *summary_covered(const struct summary *s, char *const *conf,
	    size_t n);

/* day_add - the UTC day delta days after day (YYYY-MM-DD) into out;
 * 0, or -1 when day is no day */
int	day_add(const char *day, int delta, char out[DAYLEN]);
/* day_today - today's UTC day */
void	day_today(char out[DAYLEN]);
/* day_valid - 1 when s is a real calendar day YYYY-MM-DD */
int	day_valid(const char *s);

/* One domain's days from first to last, gaps filled with zeros, and its
 * failures per day by result-type (QS_DAILY). */
struct daily {
	size_t	  ndays;
	char	(*day)[DAYLEN];
	int64_t	 *ok, *bad;
	size_t	  ntypes;
	char	**type;			/* borrowed from the qtable */
	int64_t	 *fail;			/* ndays * ntypes */
};

/* daily_make - the series of domain over [first, last] from the rows of
 * QS_DAILY (t, borrowed: keep it until daily_free); *lo is where the
 * domain's rows start (advanced past them) */
void	daily_make(struct daily *, const struct qtable *t, size_t *lo,
	    const char *domain, const char *first, const char *last);
void	daily_free(struct daily *);

/*
 * site_write - make dir/rel hold exactly b: nothing is written when the
 * file holds it already (*written = 0); else b goes to a temporary file
 * in the same folder, renamed into place (*written = 1), so a reader sees
 * the old file or the new one, never half of one.  Returns 0, or -1 with
 * err.
 */
int	site_write(const char *dir, const char *rel, const struct buf *b,
	    int *written, char *err, size_t errlen);

#endif
