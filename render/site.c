/*
 * site.c - "tlsrpt render": a static site of the reports of a period
 *
 * SYNOPSIS
 *	tlsrpt render --out DIR [--from YYYY-MM-DD] [--to YYYY-MM-DD]
 *	    [--domain D]
 *
 * DESCRIPTION
 *	Writes DIR/index.html (every domain with reports: sessions, TLS
 *	rate, a daily trend, the worst outcome now, the last report; the
 *	configured domains without reports; quarantined and foreign
 *	reports with their reasons), DIR/style.css, DIR/d/DOMAIN.html per
 *	domain (domain_page.c) and DIR/r/ID.html per report of the period
 *	(report_page.c).  Plain HTML and one CSS file: no script, no
 *	external resource; it works from file:// and behind any web server.
 *
 *	The period is --from to --to (inclusive UTC days), by default the
 *	31 days ending today.  Every figure comes from the query layer with
 *	the counting rules of "tlsrpt summary" (the same statement for the
 *	totals, outcomes and sources; the rest built on the same CTE), so
 *	the site and the summary of the same period never disagree.
 *
 *	Made to run from a timer: every file is written to a temporary name
 *	and renamed into place, a file whose content would not change is
 *	not written at all, a report page is rebuilt only when its report
 *	changed (its stamp), and the index is written last.  --domain D
 *	renders only D's page and its report pages (the index and the other
 *	pages stay as they are).  A full render removes the pages of
 *	domains and reports that left the period.
 *
 * DIAGNOSTICS
 *	"rendered DIR: N file(s) written, M unchanged, K report(s) read"
 *	on stdout (K: the reports whose pages were missing or stale).  Exit 64
 *	on usage errors, 73 when a file cannot be written, 75 when the
 *	database cannot be reached, 78 without a schema.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "cmd.h"
#include "domainset.h"
#include "html.h"
#include "log.h"
#include "query.h"
#include "query_site.h"
#include "site.h"
#include "svg.h"
#include "util.h"
#include "xmalloc.h"

#define EX_CANTCREAT_	73

static const char site_css[] =
"body{font:15px/1.45 system-ui,\"DejaVu Sans\",sans-serif;margin:0 auto;"
"max-width:1100px;padding:0 12px;color:#1b1b1b;background:#fff}\n"
"h1{font-size:1.5em;margin:.6em 0 .2em;overflow-wrap:anywhere}\n"
"h2{font-size:1.15em;margin:1.4em 0 .4em;border-bottom:1px solid #bbb}\n"
"table{border-collapse:collapse;width:100%;margin:.4em 0 1em}\n"
"th,td{text-align:left;padding:.25em .5em;border-bottom:1px solid #ddd;"
"vertical-align:top}\n"
"td{overflow-wrap:anywhere}\n"
"th{background:#f2f2f2}\n"
".n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
".chart{width:100%;height:auto;max-width:720px;display:block}\n"
".chart text{font:12px sans-serif;fill:#222}.chart .t{font-weight:bold}\n"
".g{stroke:#bbb;stroke-width:1}\n"
".trend{width:120px;height:24px;vertical-align:middle}\n"
".badge{display:inline-block;padding:0 .35em;border:1px solid;"
"border-radius:3px;font-weight:bold;font-size:.85em}\n"
".bad{color:#8b1a12;border-color:#8b1a12;background:#fbe9e7}\n"
".ok{color:#1e5b1e;border-color:#1e5b1e;background:#eaf5ea}\n"
".warn{color:#6b4500;border-color:#6b4500;background:#fff4d6}\n"
".note{color:#444;font-size:.9em}\n"
"pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f6f6f6;"
"padding:.6em;font-size:13px}\n"
"code{overflow-wrap:anywhere}\n"
"nav{margin:.6em 0}nav a{margin-right:1em}\n"
"dl{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em}\n"
"dt{font-weight:bold}dd{margin:0;overflow-wrap:anywhere}\n"
"@media (max-width:640px){\n"
"table,tbody,tr,td{display:block}thead{display:none}\n"
"tr{border:1px solid #ccc;margin:0 0 .6em;padding:.2em}\n"
"td{border:none;padding:.1em .3em}\n"
"td::before{content:attr(data-label) \": \";font-weight:bold}\n"
".n{text-align:left;white-space:normal}\n"
"dl{display:block}dd{margin:0 0 .3em}\n"
"}\n";

/* site_domain_file - see site.h */
void
site_domain_file(const char *domain, char *out, size_t len)
{
	size_t	 o = 0;

	if (domain_valid(domain)) {
		snprintf(out, len, "%s.html", domain);
		return;
	}
	o = (size_t)snprintf(out, len, "x-");
	for (; *domain && o + 8 < len; domain++)
		o += (size_t)snprintf(out + o, len - o, "%02x",
		    (unsigned char)*domain);
	snprintf(out + o, len - o, ".html");
}

/* site_put - see site.h */
int
site_put(struct site *st, const char *rel, struct buf *b, char *err,
    size_t errlen)
{
	int	 written;

	if (site_write(st->out, rel, b, &written, err, errlen) == -1)
		return -1;
	if (written)
		st->written++;
	else
		st->unchanged++;
	buf_reset(b);
	return 0;
}

/* site_daily_for - see site.h */
void
site_daily_for(struct site *st, const char *domain, struct daily *d)
{
	daily_make(d, &st->daily, &st->at_daily, domain, st->from, st->to);
}

/* worst_now - the result-type with most failures on the last day with
 * sessions, into b ("none" when that day was clean) */
static void
worst_now(struct buf *b, const struct daily *d)
{
	size_t	 i = d->ndays, k, best = 0;

	while (i > 0 && d->ok[i - 1] + d->bad[i - 1] == 0)
		i--;
	if (i == 0) {
		buf_puts(b, "no sessions");
		return;
	}
	i--;
	for (k = 1; k < d->ntypes; k++)
		if (d->fail[i * d->ntypes + k] >
		    d->fail[i * d->ntypes + best])
			best = k;
	if (d->ntypes == 0 || d->fail[i * d->ntypes + best] == 0) {
		buf_printf(b, "<span class=\"badge ok\">OK</span> none on %s",
		    d->day[i]);
		return;
	}
	buf_puts(b, "<span class=\"badge bad\">FAILING</span> ");
	html_text(b, d->type[best]);
	buf_printf(b, " (");
	html_num(b, d->fail[i * d->ntypes + best]);
	buf_printf(b, " on %s)", d->day[i]);
}

/* parent_of - the configured domain (of conf, a set of them) that domain
 * is a subdomain of (an MX host with reports of its own), or NULL: a
 * lookup per label of its parents, since a site may have 100,000 */
static const char *
parent_of(const struct domainset *conf, const char *domain)
{
	const char	*dot = strchr(domain, '.');

	return dot != NULL ? domainset_match(conf, dot + 1) : NULL;
}

/* index_domains - the table of domains with reports */
static void
index_domains(struct site *st, struct buf *b)
{
	struct daily	 d;
	size_t		 i, lo = 0, hi;
	char		 file[600];
	const char	*parent;
	struct domainset *conf = domainset_new();

	for (i = 0; i < st->n_conf; i++)
		domainset_add(conf, st->conf_domains[i]);
	/* the tables are sorted by domain, as the summary is: walk them */

	buf_puts(b, "<h2>Domains</h2>\n<table><thead><tr><th>Domain</th>"
	    "<th class=\"n\">Reports</th><th class=\"n\">Sessions</th>"
	    "<th class=\"n\">TLS</th><th>Daily failed share</th>"
	    "<th>Worst outcome now</th><th>Last report</th></tr></thead>"
	    "<tbody>\n");
	st->at_daily = 0;
	for (i = 0; i < st->sum.n_domains; i++) {
		const struct summary_domain *sd = &st->sum.domains[i];

		site_daily_for(st, sd->domain, &d);
		site_domain_file(sd->domain, file, sizeof file);
		buf_puts(b, "<tr>");
		html_td(b, "Domain");
		buf_puts(b, "<a href=\"d/");
		html_text(b, file);
		buf_puts(b, "\">");
		html_text(b, sd->domain);
		buf_puts(b, "</a>");
		if ((parent = parent_of(conf, sd->domain)) != NULL) {
			buf_puts(b, " <span class=\"note\">(MX host of ");
			html_text(b, parent);
			buf_puts(b, ")</span>");
		}
		buf_puts(b, "</td>");
		html_td(b, "Reports");
		html_num(b, sd->reports);
		buf_puts(b, "</td>");
		html_td(b, "Sessions");
		html_num(b, sd->successful + sd->failed);
		buf_puts(b, "</td>");
		html_td(b, "TLS");
		html_rate(b, sd->successful, sd->failed, NULL);
		buf_puts(b, "</td>");
		html_td(b, "Daily failed share");
		svg_trend(b, &d);
		buf_puts(b, "</td>");
		html_td(b, "Worst outcome now");
		worst_now(b, &d);
		buf_puts(b, "</td>");
		html_td(b, "Last report");
		if (qt_range(&st->reports, QR_DOM, sd->domain, &lo, &hi))
			html_text(b, qt(&st->reports, lo, QR_DAY));
		buf_puts(b, "</td></tr>\n");
		daily_free(&d);
	}
	buf_puts(b, "</tbody></table>\n");
	domainset_free(conf);
}

/* index_silent - the configured domains without a report in the period */
static void
index_silent(struct site *st, struct buf *b)
{
	unsigned char	*covered;
	size_t		 i, n = 0;

	covered = summary_covered(&st->sum, st->conf_domains, st->n_conf);
	for (i = 0; i < st->n_conf; i++) {
		if (covered[i])
			continue;
		if (n++ == 0)
			buf_puts(b, "<h2>Configured domains without "
			    "reports</h2>\n<p class=\"note\">No report in the "
			    "period counted for these: check their "
			    "<code>_smtp._tls</code> TXT record.</p>\n<ul>\n");
		buf_puts(b, "<li><span class=\"badge warn\">NO REPORTS</span> ");
		html_text(b, st->conf_domains[i]);
		buf_puts(b, "</li>\n");
	}
	if (n > 0)
		buf_puts(b, "</ul>\n");
	free(covered);
}

/* index_kept - a table of quarantined or foreign reports by reason */
static void
index_kept(struct buf *b, const struct qtable *t, const char *title,
    const char *what, const char *note)
{
	size_t	 r;

	buf_printf(b, "<h2>%s</h2>\n<p class=\"note\">%s</p>\n", title, note);
	if (t->nrows == 0) {
		buf_puts(b, "<p>None.</p>\n");
		return;
	}
	buf_printf(b, "<table><thead><tr><th>%s</th><th class=\"n\">"
	    "Count</th><th>Last</th></tr></thead><tbody>\n", what);
	for (r = 0; r < t->nrows; r++) {
		buf_puts(b, "<tr>");
		html_td(b, what);
		html_text(b, qt(t, r, 0));
		buf_puts(b, "</td>");
		buf_puts(b, "<td class=\"n\" data-label=\"Count\">");
		html_num(b, qt_i64(t, r, 1));
		buf_puts(b, "</td>");
		html_td(b, "Last");
		html_text(b, qt(t, r, 2));
		buf_puts(b, "</td></tr>\n");
	}
	buf_puts(b, "</tbody></table>\n");
}

/* index_page - index.html */
static int
index_page(struct site *st, struct store *s, char *err, size_t errlen)
{
	struct buf	 b = BUF_INIT;
	struct qtable	 quar, foreign;
	int64_t		 ok = 0, bad = 0, reports = 0;
	size_t		 i;
	int		 rc;

	if (query_site(s, QS_QUARANTINE, &st->q, NULL, &quar, err,
	    errlen) == -1)
		return -1;
	if (query_site(s, QS_FOREIGN, &st->q, NULL, &foreign, err,
	    errlen) == -1) {
		qtable_free(&quar);
		return -1;
	}
	for (i = 0; i < st->sum.n_domains; i++) {
		reports += st->sum.domains[i].reports;
		ok += st->sum.domains[i].successful;
		bad += st->sum.domains[i].failed;
	}
	html_head(&b, "TLS reports", "style.css", NULL);
	buf_printf(&b, "<h1>TLS reports</h1>\n<p>%s to %s (UTC days): "
	    "%zu domain(s), ", st->from, st->to, st->sum.n_domains);
	html_num(&b, reports);
	buf_puts(&b, " report(s), ");
	html_num(&b, ok + bad);
	buf_puts(&b, " session(s), ");
	html_rate(&b, ok, bad, NULL);
	buf_puts(&b, " over TLS.</p>\n");
	if (st->sum.n_domains > 0)
		index_domains(st, &b);
	else
		buf_puts(&b, "<p>No reports in this period.</p>\n");
	index_silent(st, &b);
	index_kept(&b, &quar, "Quarantined reports", "Reason",
	    "Bodies received in the period that could not be accepted, kept "
	    "for <code>tlsrpt reparse</code> after a fix.");
	index_kept(&b, &foreign, "Foreign reports", "For domain",
	    "Reports of the period for none of the configured domains: kept, "
	    "never counted.");
	html_foot(&b);
	rc = site_put(st, "index.html", &b, err, errlen);
	buf_free(&b);
	qtable_free(&quar);
	qtable_free(&foreign);
	return rc;
}

/* prune_domains - remove d/ pages of domains no longer shown */
static void
prune_domains(struct site *st)
{
	char		 file[600], *path;
	struct dirent	*e;
	size_t		 i;
	DIR		*dir;

	path = xasprintf("%s/d", st->out);
	if ((dir = opendir(path)) == NULL) {
		free(path);
		return;
	}
	while ((e = readdir(dir)) != NULL) {
		if (e->d_name[0] == '.' || strlen(e->d_name) < 6 ||
		    strcmp(e->d_name + strlen(e->d_name) - 5, ".html") != 0)
			continue;
		for (i = 0; i < st->sum.n_domains; i++) {
			site_domain_file(st->sum.domains[i].domain, file,
			    sizeof file);
			if (strcmp(file, e->d_name) == 0)
				break;
		}
		if (i == st->sum.n_domains &&
		    unlinkat(dirfd(dir), e->d_name, 0) == -1)
			log_warn("render: %s/%s", path, e->d_name);
	}
	closedir(dir);
	free(path);
}

/* site_read - the summary and the tables of the period */
static int
site_read(struct site *st, struct store *s, char *err, size_t errlen)
{
	static const enum query_site_kind kinds[] = { QS_DAILY, QS_OUTCOMES,
	    QS_SOURCES, QS_HOSTS, QS_POLICIES, QS_REPORTS };
	struct qtable	*tabs[] = { &st->daily, &st->outcomes, &st->sources,
	    &st->hosts, &st->policies, &st->reports };
	size_t		 i;

	if (query_summary(s, &st->q, &st->sum, err, errlen) == -1)
		return -1;
	for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (query_site(s, kinds[i], &st->q, NULL, tabs[i], err,
		    errlen) == -1)
			return -1;
	return 0;
}

/* site_free - what site_read filled */
static void
site_free(struct site *st)
{
	query_summary_free(&st->sum);
	qtable_free(&st->daily);
	qtable_free(&st->outcomes);
	qtable_free(&st->sources);
	qtable_free(&st->hosts);
	qtable_free(&st->policies);
	qtable_free(&st->reports);
}

/* mkdirs - DIR, DIR/d and DIR/r */
static int
mkdirs(const char *out, char *err, size_t errlen)
{
	const char	*sub[] = { "", "/d", "/r" };
	char		*p;
	size_t		 i;

	for (i = 0; i < 3; i++) {
		p = xasprintf("%s%s", out, sub[i]);
		if (mkdir(p, 0755) == -1 && errno != EEXIST) {
			seterr(err, errlen, "%s: %s", p, strerror(errno));
			free(p);
			return -1;
		}
		free(p);
	}
	return 0;
}

/* render_site - everything, in the order that keeps readers safe */
static int
render_site(struct site *st, struct store *s, int *status, char *err,
    size_t errlen)
{
	struct buf	 b = BUF_INIT;
	size_t		 i;

	*status = EX_TEMPFAIL_;
	if (site_read(st, s, err, errlen) == -1)
		return -1;
	*status = EX_CANTCREAT_;
	if (mkdirs(st->out, err, errlen) == -1)
		return -1;
	buf_puts(&b, site_css);
	if (site_put(st, "style.css", &b, err, errlen) == -1) {
		buf_free(&b);
		return -1;
	}
	buf_free(&b);
	/* the report pages first: a domain page links to them */
	if (report_pages(st, s, st->q.domain == NULL, err, errlen) == -1)
		return -1;
	for (i = 0; i < st->sum.n_domains; i++)
		if (domain_page(st, &st->sum.domains[i], err, errlen) == -1)
			return -1;
	if (st->q.domain != NULL)
		return 0;
	prune_domains(st);
	/* the index last: everything it links to is in place */
	return index_page(st, s, err, errlen);
}

/* cmd_render - the subcommand */
int
cmd_render(struct conf *conf, int argc, char **argv)
{
	struct site	 st;
	struct store	*s;
	char		 err[ERRLEN], dom[256];
	const char	*from = NULL, *to = NULL;
	int		 i, rc = 0, status;

	memset(&st, 0, sizeof st);
	for (i = 1; i < argc; i++) {
		const char *opt = argv[i], *val = i + 1 < argc ?
		    argv[i + 1] : NULL;

		if (val == NULL)
			goto usage;
		if (strcmp(opt, "--out") == 0 && *val != '\0')
			st.out = val;
		else if (strcmp(opt, "--from") == 0 && day_valid(val))
			from = val;
		else if (strcmp(opt, "--to") == 0 && day_valid(val))
			to = val;
		else if (strcmp(opt, "--domain") == 0 &&
		    strlen(val) < sizeof dom) {
			snprintf(dom, sizeof dom, "%s", val);
			domain_normalise(dom);
			st.q.domain = dom;
		} else
			goto usage;
		i++;
	}
	if (st.out == NULL)
		goto usage;
	if (to != NULL)
		snprintf(st.to, sizeof st.to, "%s", to);
	else
		day_today(st.to);
	if (from != NULL)
		snprintf(st.from, sizeof st.from, "%s", from);
	else
		day_add(st.to, -30, st.from);
	if (strcmp(st.from, st.to) > 0)
		goto usage;
	st.q.from = st.from;
	st.q.to = st.to;
	st.q.domains = st.conf_domains = conf->domains;
	st.q.n_domains = st.n_conf = conf->n_domains;
	st.max_report_bytes = conf->max_report_bytes;
	if ((s = cmd_store(conf, "tlsrpt-render", &rc)) == NULL)
		return rc;
	if (render_site(&st, s, &status, err, sizeof err) == -1) {
		log_warnx("render: %s", err);
		rc = status;
	} else
		printf("rendered %s: %zu file(s) written, %zu unchanged, %zu "
		    "report(s) read\n", st.out, st.written, st.unchanged,
		    st.fetched);
	site_free(&st);
	cmd_store_close(s);
	return rc;
usage:
	fprintf(stderr, "usage: tlsrpt render --out DIR [--from YYYY-MM-DD] "
	    "[--to YYYY-MM-DD] [--domain D]\n");
	return EX_USAGE_;
}
