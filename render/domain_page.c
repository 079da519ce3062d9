/*
 * domain_page.c - d/DOMAIN.html: one domain over the period
 *
 * SYNOPSIS
 *	#include "site.h"
 *
 *	int domain_page(&site, &summary_domain, err, errlen)
 *
 * DESCRIPTION
 *	What a domain owner needs to see in ten seconds, top down: the
 *	verdict (sessions, TLS rate, a badge with a word, never only a
 *	colour), the daily chart, then per outcome (with how many distinct
 *	reporters saw it: a failure two independent senders see is not one
 *	sender's problem), per sending source (and how each report arrived
 *	and was proven), the DANE MX hosts counted in the figures, the
 *	failures by receiving MX host and by sending IP, the policies seen
 *	(testing and none modes flagged), and the reports of the period with
 *	a link to each one's page.
 *
 *	Totals, outcomes, sources and DANE MX hosts are the summary's own
 *	rows (query_summary); first and last seen, reporters, ways in,
 *	hosts, policies and reports come from query_site() with the same
 *	counting rules.  Every report string goes through html_text().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "html.h"
#include "site.h"
#include "svg.h"
#include "util.h"

/* th - a header row of n columns; a name starting with '#' is numeric */
static void
th(struct buf *b, const char *const *cols, size_t n)
{
	size_t	 i;

	buf_puts(b, "<table><thead><tr>");
	for (i = 0; i < n; i++)
		buf_printf(b, cols[i][0] == '#' ? "<th class=\"n\">%s</th>" :
		    "<th>%s</th>", cols[i][0] == '#' ? cols[i] + 1 : cols[i]);
	buf_puts(b, "</tr></thead><tbody>\n");
}

/* td_num - a numeric cell */
static void
td_num(struct buf *b, const char *label, int64_t v)
{
	buf_printf(b, "<td class=\"n\" data-label=\"%s\">", label);
	html_num(b, v);
	buf_puts(b, "</td>");
}

/* td_text - a text cell holding s escaped */
static void
td_text(struct buf *b, const char *label, const char *s)
{
	html_td(b, label);
	html_text(b, s);
	buf_puts(b, "</td>");
}

/* json_lines - the strings of a JSON array (as QS_POLICIES gives it),
 * escaped, separated by sep */
static void
json_lines(struct buf *b, const char *json, const char *sep)
{
	json_t	*a;
	size_t	 i;

	if (json == NULL || (a = json_loads(json, 0, NULL)) == NULL)
		return;
	for (i = 0; i < json_array_size(a); i++) {
		if (i > 0)
			buf_puts(b, sep);
		html_text(b, json_string_value(json_array_get(a, i)));
	}
	json_decref(a);
}

/* outcomes - per outcome: sessions, share, first and last seen,
 * reporters */
static void
outcomes(struct site *st, struct buf *b, const struct summary_domain *sd)
{
	static const char *const cols[] = { "Outcome", "#Sessions",
	    "#Share", "First seen", "Last seen", "#Reporters" };
	const struct qtable *t = &st->outcomes;
	size_t		 i, r, lo, hi;
	double		 all = (double)sd->successful + (double)sd->failed;
	int64_t		 rep;

	buf_puts(b, "<h2>Outcomes</h2>\n");
	th(b, cols, 6);
	lo = st->at_outcomes;
	qt_range(t, 0, sd->domain, &lo, &hi);
	st->at_outcomes = hi;
	for (i = 0; i < sd->n_outcomes; i++) {
		const struct summary_outcome *o = &sd->outcomes[i];

		for (r = lo; r < hi; r++)
			if (strcmp(qt(t, r, 1), o->outcome) == 0)
				break;
		buf_puts(b, "<tr>");
		html_td(b, "Outcome");
		if (i > 0)
			buf_puts(b, "<span class=\"badge bad\">FAILED</span> ");
		html_text(b, o->outcome);
		buf_puts(b, "</td>");
		td_num(b, "Sessions", o->sessions);
		buf_printf(b, "<td class=\"n\" data-label=\"Share\">%.2f"
		    "\xc2\xa0%%</td>", all > 0 ? 100.0 * (double)o->sessions /
		    all : 0.0);
		td_text(b, "First seen", r < hi ? qt(t, r, 2) : NULL);
		td_text(b, "Last seen", r < hi ? qt(t, r, 3) : NULL);
		rep = r < hi ? qt_i64(t, r, 4) : 0;
		buf_puts(b, "<td class=\"n\" data-label=\"Reporters\">");
		html_num(b, rep);
		if (i > 0 && rep >= 2)
			buf_puts(b, " <span class=\"note\">(independent)"
			    "</span>");
		buf_puts(b, "</td></tr>\n");
	}
	buf_puts(b, "</tbody></table>\n<p class=\"note\">Failure types "
	    "overlap: one session may count under several. A failure seen "
	    "by two or more reporters is not one sender's problem.</p>\n");
}

/* sources - per sending organisation: figures, last report, ways in,
 * conflicting copies */
static void
sources(struct site *st, struct buf *b, const struct summary_domain *sd)
{
	static const char *const cols[] = { "Organisation", "#Reports",
	    "#Successful", "#Failed", "#TLS", "Last report",
	    "Arrived as", "#Conflicting copies" };
	const struct qtable *t = &st->sources;
	size_t		 i, r, lo, hi, k;

	buf_puts(b, "<h2>Sending sources</h2>\n");
	th(b, cols, 8);
	lo = st->at_sources;
	qt_range(t, 1, sd->domain, &lo, &hi);
	st->at_sources = hi;
	for (i = 0; i < sd->n_sources; i++) {
		const struct summary_row *row = &sd->sources[i];

		for (r = lo; r < hi; r++)
			if (strcmp(qt(t, r, 2), row->name) == 0 &&
			    qt_i64(t, r, 0) == 0)
				break;
		buf_puts(b, "<tr>");
		td_text(b, "Organisation", row->name);
		td_num(b, "Reports", row->reports);
		td_num(b, "Successful", row->successful);
		td_num(b, "Failed", row->failed);
		buf_puts(b, "<td class=\"n\" data-label=\"TLS\">");
		html_rate(b, row->successful, row->failed, NULL);
		buf_puts(b, "</td>");
		td_text(b, "Last report", r < hi ? qt(t, r, 3) : NULL);
		html_td(b, "Arrived as");
		for (k = r + 1; r < hi && k < hi &&
		    qt_i64(t, k, 0) == 1 &&
		    strcmp(qt(t, k, 2), row->name) == 0; k++) {
			if (k > r + 1)
				buf_puts(b, "; ");
			html_way(b, qt(t, k, 6), qt(t, k, 7), qt(t, k, 8));
			buf_puts(b, " (");
			html_num(b, qt_i64(t, k, 4));
			buf_puts(b, ")");
		}
		buf_puts(b, "</td>");
		buf_puts(b, "<td class=\"n\" data-label=\"Conflicting "
		    "copies\">");
		html_num(b, r < hi ? qt_i64(t, r, 4) : 0);
		if (r < hi && qt_i64(t, r, 5) > 0) {
			buf_puts(b, " kept, ");
			html_num(b, qt_i64(t, r, 5));
			buf_puts(b, " dropped");
		}
		buf_puts(b, "</td></tr>\n");
	}
	buf_puts(b, "</tbody></table>\n<p class=\"note\">The organisation is "
	    "what a report claims. Only a DKIM signature proves who sent "
	    "it; HTTPS reports are unauthenticated.</p>\n");
}

/* dane_mx - the DANE MX hosts whose sessions the domain's figures hold */
static void
dane_mx(struct buf *b, const struct summary_domain *sd)
{
	static const char *const cols[] = { "DANE MX host", "#Reports",
	    "#Successful", "#Failed", "#TLS" };
	size_t	 i;

	if (sd->n_dane_mx == 0)
		return;
	buf_puts(b, "<h2>DANE MX hosts</h2>\n<p class=\"note\">TLSA "
	    "policy-domains of this domain's MX hosts, counted in its "
	    "figures above.</p>\n");
	th(b, cols, 5);
	for (i = 0; i < sd->n_dane_mx; i++) {
		buf_puts(b, "<tr>");
		html_td(b, "DANE MX host");
		html_text(b, sd->dane_mx[i].name);
		buf_puts(b, " <span class=\"note\">(MX host of ");
		html_text(b, sd->domain);
		buf_puts(b, ")</span></td>");
		td_num(b, "Reports", sd->dane_mx[i].reports);
		td_num(b, "Successful", sd->dane_mx[i].successful);
		td_num(b, "Failed", sd->dane_mx[i].failed);
		buf_puts(b, "<td class=\"n\" data-label=\"TLS\">");
		html_rate(b, sd->dane_mx[i].successful, sd->dane_mx[i].failed,
		    NULL);
		buf_puts(b, "</td></tr>\n");
	}
	buf_puts(b, "</tbody></table>\n");
}

/* hosts - failures by receiving MX host (kind 0) or sending IP (1) */
static void
hosts(struct buf *b, const struct qtable *t, size_t lo, size_t hi,
    int64_t kind, const char *title, const char *what)
{
	const char	*cols[] = { what, "#Failed sessions", "Result-types",
	    "#Reporters" };
	size_t		 r, n = 0;

	buf_printf(b, "<h2>%s</h2>\n", title);
	for (r = lo; r < hi; r++) {
		if (qt_i64(t, r, 0) != kind)
			continue;
		if (n++ == 0)
			th(b, cols, 4);
		buf_puts(b, "<tr>");
		td_text(b, what, *qt(t, r, 2) ? qt(t, r, 2) : "(not given)");
		td_num(b, "Failed sessions", qt_i64(t, r, 3));
		td_text(b, "Result-types", qt(t, r, 4));
		td_num(b, "Reporters", qt_i64(t, r, 5));
		buf_puts(b, "</tr>\n");
	}
	if (n == 0) {
		buf_puts(b, "<p>No failure details.</p>\n");
		return;
	}
	buf_puts(b, "</tbody></table>\n");
	if ((int64_t)n < qt_i64(t, r - 1, 6))
		buf_printf(b, "<p class=\"note\">The %zu with most failed "
		    "sessions of %lld.</p>\n", n,
		    (long long)qt_i64(t, r - 1, 6));
}

/* policies - the counted policies seen, testing and none flagged */
static void
policies(struct site *st, struct buf *b, const char *domain)
{
	static const char *const cols[] = { "Type", "Policy-domain",
	    "STS mode", "max_age", "MX patterns / policy", "#Reports",
	    "Last seen", "#Reporters" };
	const struct qtable *t = &st->policies;
	const char	*mode;
	size_t		 r, lo, hi;

	buf_puts(b, "<h2>Policies seen</h2>\n");
	lo = st->at_policies;
	if (!qt_range(t, 0, domain, &lo, &hi)) {
		st->at_policies = lo;
		buf_puts(b, "<p>None.</p>\n");
		return;
	}
	st->at_policies = hi;
	th(b, cols, 8);
	for (r = lo; r < hi; r++) {
		mode = qt(t, r, 6);
		buf_puts(b, "<tr>");
		td_text(b, "Type", qt(t, r, 1));
		html_td(b, "Policy-domain");
		html_text(b, qt(t, r, 2));
		if (strcmp(qt(t, r, 3), "t") == 0)
			buf_puts(b, " <span class=\"note\">(DANE MX host)"
			    "</span>");
		buf_puts(b, "</td>");
		html_td(b, "STS mode");
		if (mode != NULL && (strcmp(mode, "testing") == 0 ||
		    strcmp(mode, "none") == 0)) {
			buf_puts(b, "<span class=\"badge warn\">WARNING</span> ");
			html_text(b, mode);
			buf_puts(b, ": failures are reported, not prevented");
		} else
			html_text(b, mode);
		buf_puts(b, "</td>");
		td_text(b, "max_age", qt(t, r, 7));
		html_td(b, "MX patterns / policy");
		if (qt(t, r, 8) != NULL)
			html_text(b, qt(t, r, 8));
		else
			json_lines(b, qt(t, r, 4), "<br>");
		buf_puts(b, "</td>");
		td_num(b, "Reports", qt_i64(t, r, 9));
		td_text(b, "Last seen", qt(t, r, 10));
		td_num(b, "Reporters", qt_i64(t, r, 11));
		buf_puts(b, "</tr>\n");
	}
	buf_puts(b, "</tbody></table>\n");
}

/* reports - the reports of the period, each linking to its page */
static void
reports(struct site *st, struct buf *b, const char *domain)
{
	static const char *const cols[] = { "Day", "Organisation",
	    "Report-id", "#Successful", "#Failed", "Arrived as",
	    "Deviations", "#Conflicting copies" };
	const struct qtable *t = &st->reports;
	size_t		 r, lo, hi;

	buf_puts(b, "<h2>Reports</h2>\n");
	lo = st->at_reports;
	if (!qt_range(t, QR_DOM, domain, &lo, &hi)) {
		st->at_reports = lo;
		buf_puts(b, "<p>None.</p>\n");
		return;
	}
	st->at_reports = hi;
	th(b, cols, 8);
	for (r = lo; r < hi; r++) {
		buf_puts(b, "<tr>");
		td_text(b, "Day", qt(t, r, QR_DAY));
		td_text(b, "Organisation", qt(t, r, QR_ORG));
		html_td(b, "Report-id");
		buf_printf(b, "<a href=\"../r/%s.html\">", qt(t, r, QR_ID));
		html_text(b, qt(t, r, QR_RID));
		buf_puts(b, "</a></td>");
		td_num(b, "Successful", qt_i64(t, r, QR_OK));
		td_num(b, "Failed", qt_i64(t, r, QR_BAD));
		html_td(b, "Arrived as");
		html_way(b, qt(t, r, QR_TRANSPORT), qt(t, r, QR_AUTH),
		    qt(t, r, QR_SOURCE));
		buf_puts(b, "</td>");
		html_td(b, "Deviations");
		json_lines(b, qt(t, r, QR_FLAGS), ", ");
		buf_puts(b, "</td>");
		td_num(b, "Conflicting copies", qt_i64(t, r, QR_CONFLICTS) +
		    qt_i64(t, r, QR_DROPPED));
		buf_puts(b, "</tr>\n");
	}
	buf_puts(b, "</tbody></table>\n");
}

/* domain_page - see site.h */
int
domain_page(struct site *st, const struct summary_domain *sd, char *err,
    size_t errlen)
{
	struct buf	 b = BUF_INIT;
	struct daily	 d;
	char		 file[600], rel[620];
	double		 pct;
	size_t		 lo, hi;
	int		 rc;

	html_head(&b, sd->domain, "../style.css", NULL);
	buf_puts(&b, "<nav><a href=\"../index.html\">All domains</a></nav>\n"
	    "<h1>");
	html_text(&b, sd->domain);
	/* the figures as data too, for scripts (and tests/render.sh) */
	buf_printf(&b, "</h1>\n<p class=\"totals\" data-reports=\"%lld\" "
	    "data-successful=\"%lld\" data-failed=\"%lld\">%s to %s (UTC "
	    "days): ", (long long)sd->reports, (long long)sd->successful,
	    (long long)sd->failed, st->from, st->to);
	html_num(&b, sd->reports);
	buf_puts(&b, " report(s), ");
	html_num(&b, sd->successful + sd->failed);
	buf_puts(&b, " session(s), <strong>");
	html_rate(&b, sd->successful, sd->failed, &pct);
	buf_puts(&b, " over TLS</strong>, ");
	html_num(&b, sd->failed);
	buf_printf(&b, " failed. %s</p>\n", sd->failed > 0 ?
	    "<span class=\"badge bad\">FAILURES</span>" :
	    "<span class=\"badge ok\">ALL TLS</span>");
	if (sd->conflicted > 0) {
		buf_puts(&b, "<p><span class=\"badge warn\">CONFLICTS</span> ");
		html_num(&b, sd->conflicted);
		buf_puts(&b, " report(s) got a copy with other content: kept, "
		    "never counted (see Sending sources).</p>\n");
	}
	buf_puts(&b, "<h2>Sessions per day</h2>\n");
	site_daily_for(st, sd->domain, &d);
	svg_daily(&b, &d);
	daily_free(&d);
	outcomes(st, &b, sd);
	sources(st, &b, sd);
	dane_mx(&b, sd);
	lo = st->at_hosts;
	qt_range(&st->hosts, 1, sd->domain, &lo, &hi);
	st->at_hosts = hi;
	hosts(&b, &st->hosts, lo, hi, 0, "Failures by receiving MX host",
	    "MX host");
	hosts(&b, &st->hosts, lo, hi, 1, "Failures by sending IP",
	    "Sending IP");
	policies(st, &b, sd->domain);
	reports(st, &b, sd->domain);
	html_foot(&b);
	site_domain_file(sd->domain, file, sizeof file);
	snprintf(rel, sizeof rel, "d/%s", file);
	rc = site_put(st, rel, &b, err, errlen);
	buf_free(&b);
	return rc;
}
