/*
 * digest_body.c - one recipient's digest: the Subject, the text part and
 * the HTML part
 *
 * SYNOPSIS
 *	#include "digest.h"
 *
 *	int digest_body(&digest, &recipient, &subject, &text, &html)
 *
 * DESCRIPTION
 *	Read on a phone in the morning: the alerts first (each with its
 *	domain and the numbers behind it), then per domain the day's
 *	sessions and TLS rate against the 7 days before, a bar per day of
 *	those 8 days, the outcomes and the sending sources of the day; then
 *	quarantined and foreign reports (for recipients of every domain:
 *	they belong to none) and the reports that arrived late.
 *
 *	The HTML part uses tables and inline styles only: mail clients show
 *	no SVG, load no style sheet, and must not fetch anything, so the
 *	bars are table cells with a width.  Every report string is escaped
 *	for its part (escape_html, escape_text).  Only the domains the
 *	recipient receives are in the message, the Subject's figures too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "digest.h"
#include "escape.h"
#include "html.h"
#include "util.h"

/* The style of the HTML part's tables (inline: no style sheet). */
#define TD	"<td style=\"padding:2px 6px;border-bottom:1px solid #ddd\">"
#define TDN	"<td style=\"padding:2px 6px;border-bottom:1px solid #ddd;" \
		"text-align:right;white-space:nowrap\">"
#define TH	"<th style=\"text-align:left;overflow-wrap:normal\">"
#define TABLE	"<table style=\"border-collapse:collapse;margin:4px 0 12px;" \
		"font-size:14px\">"

/* week_before - the domain's sessions on the 7 days before D, from the
 * daily rows (each report counts on one day, so they add up to what the
 * summary of those days shows) */
static void
week_before(const struct digest *d, const char *domain, int64_t *ok,
    int64_t *bad)
{
	const struct qtable *t = &d->daily;
	size_t		 lo = 0, hi, r;

	*ok = *bad = 0;
	if (!qt_range(t, 0, domain, &lo, &hi))
		return;
	for (r = lo; r < hi; r++)
		if (qt(t, r, 2) == NULL && strcmp(qt(t, r, 1), d->day) < 0) {
			*ok += qt_i64(t, r, 3);
			*bad += qt_i64(t, r, 4);
		}
}

/* rate_text - the rate as text ("99.4 %", "-" without sessions) */
static void
rate_text(struct buf *b, int64_t ok, int64_t bad)
{
	double	 r = html_rate_shown(ok, bad, NULL);

	if (r < 0)
		buf_puts(b, "-");
	else
		buf_printf(b, "%.1f %%", r);
}

/* bars - a bar per day of D-7..D in HTML: successful and failed */
static void
bars(struct buf *h, const struct digest *d, const char *domain)
{
	struct daily	 dl;
	size_t		 i, lo = 0;
	int64_t		 max = 1, all;
	int		 wok, wbad;

	daily_make(&dl, &d->daily, &lo, domain, d->week, d->day);
	for (i = 0; i < dl.ndays; i++)
		if (dl.ok[i] + dl.bad[i] > max)
			max = dl.ok[i] + dl.bad[i];
	buf_puts(h, TABLE "<tr>" TH "Day</th>" TH "Sessions (green: TLS, "
	    "red hatched: failed)</th>" TH "TLS</th></tr>\n");
	for (i = 0; i < dl.ndays; i++) {
		all = dl.ok[i] + dl.bad[i];
		wok = (int)(200.0 * (double)dl.ok[i] / (double)max);
		wbad = dl.bad[i] > 0 ? (int)(200.0 * (double)dl.bad[i] /
		    (double)max) + 2 : 0;
		buf_printf(h, "<tr>" TDN "%s</td>" TD, dl.day[i] + 5);
		if (wok > 0)
			buf_printf(h, "<span style=\"display:inline-block;"
			    "height:10px;width:%dpx;background:#5a9a5a\">"
			    "</span>", wok);
		if (wbad > 0)
			buf_printf(h, "<span style=\"display:inline-block;"
			    "height:10px;width:%dpx;background:repeating-"
			    "linear-gradient(45deg,#b3261e 0 3px,#f6d5d2 3px "
			    "6px);border:1px solid #b3261e\"></span>", wbad);
		buf_puts(h, " ");
		html_num(h, all);
		buf_puts(h, "</td>" TDN);
		html_rate(h, dl.ok[i], dl.bad[i], NULL);
		buf_puts(h, "</td></tr>\n");
	}
	buf_puts(h, "</table>\n");
	daily_free(&dl);
}

/* domain_part - one domain's figures of the day, in both parts */
static void
domain_part(const struct digest *d, const struct summary_domain *sd,
    struct buf *t, struct buf *h)
{
	int64_t	 wok, wbad;
	size_t	 i;

	week_before(d, sd->domain, &wok, &wbad);
	escape_text(t, sd->domain);
	buf_puts(t, ": ");
	html_num(t, sd->successful + sd->failed);
	buf_puts(t, " sessions, ");
	rate_text(t, sd->successful, sd->failed);
	buf_puts(t, " TLS (7 days before: ");
	rate_text(t, wok, wbad);
	buf_puts(t, " of ");
	html_num(t, wok + wbad);
	buf_puts(t, ")\n");
	buf_puts(h, "<h2 style=\"font-size:17px;margin:16px 0 4px\">");
	escape_html(h, sd->domain);
	buf_puts(h, "</h2>\n<p style=\"margin:0 0 4px\">");
	html_num(h, sd->successful + sd->failed);
	buf_puts(h, " sessions, <b>");
	html_rate(h, sd->successful, sd->failed, NULL);
	buf_puts(h, " TLS</b> (7 days before: ");
	html_rate(h, wok, wbad, NULL);
	buf_puts(h, " of ");
	html_num(h, wok + wbad);
	buf_puts(h, ")</p>\n");
	bars(h, d, sd->domain);

	buf_puts(t, "  outcomes (sessions):\n");
	buf_puts(h, TABLE "<tr>" TH "Outcome</th>" TH "Sessions</th></tr>\n");
	for (i = 0; i < sd->n_outcomes; i++) {
		buf_puts(t, "  ");
		escape_text(t, sd->outcomes[i].outcome);
		buf_puts(t, ": ");
		html_num(t, sd->outcomes[i].sessions);
		buf_puts(t, "\n");
		buf_puts(h, "<tr>" TD);
		if (i > 0)
			buf_puts(h, "<b>FAILED</b> ");
		escape_html(h, sd->outcomes[i].outcome);
		buf_puts(h, "</td>" TDN);
		html_num(h, sd->outcomes[i].sessions);
		buf_puts(h, "</td></tr>\n");
	}
	buf_puts(h, "</table>\n" TABLE "<tr>" TH "Sending organisation</th>"
	    TH "Reports</th>" TH "OK</th>" TH "Failed</th>" TH "TLS</th></tr>\n");
	buf_puts(t, "  sending organisation: reports, successful, failed\n");
	for (i = 0; i < sd->n_sources; i++) {
		const struct summary_row *s = &sd->sources[i];

		buf_puts(t, "  ");
		escape_text(t, s->name);
		buf_printf(t, ": %lld, ", (long long)s->reports);
		html_num(t, s->successful);
		buf_puts(t, ", ");
		html_num(t, s->failed);
		buf_puts(t, "\n");
		buf_puts(h, "<tr>" TD);
		escape_html(h, s->name);
		buf_puts(h, "</td>" TDN);
		html_num(h, s->reports);
		buf_puts(h, "</td>" TDN);
		html_num(h, s->successful);
		buf_puts(h, "</td>" TDN);
		html_num(h, s->failed);
		buf_puts(h, "</td>" TDN);
		html_rate(h, s->successful, s->failed, NULL);
		buf_puts(h, "</td></tr>\n");
	}
	buf_puts(h, "</table>\n");
	buf_puts(t, "\n");
}

/* kept_part - quarantined or foreign reports of the day */
static void
kept_part(const struct qtable *q, const char *title, struct buf *t,
    struct buf *h)
{
	int64_t	 n = 0;
	size_t	 r;

	for (r = 0; r < q->nrows; r++)
		n += qt_i64(q, r, 1);
	buf_printf(t, "%s: %lld\n", title, (long long)n);
	buf_printf(h, "<p style=\"margin:4px 0\"><b>%s:</b> %lld", title,
	    (long long)n);
	for (r = 0; r < q->nrows; r++) {
		buf_puts(t, "  ");
		escape_text(t, qt(q, r, 0));
		buf_printf(t, ": %lld\n", (long long)qt_i64(q, r, 1));
		buf_puts(h, r == 0 ? " (" : "; ");
		escape_html(h, qt(q, r, 0));
		buf_printf(h, ": %lld", (long long)qt_i64(q, r, 1));
	}
	buf_puts(h, q->nrows > 0 ? ")</p>\n" : "</p>\n");
}

/* late_part - reports of earlier days that arrived after their digest */
static void
late_part(const struct digest *d, const struct recipient *r,
    struct buf *t, struct buf *h)
{
	const struct qtable *q = &d->late;
	size_t		 k, n = 0;

	for (k = 0; k < q->nrows; k++) {
		if (!digest_wants(r, qt(q, k, 0)))
			continue;
		if (n++ == 0) {
			buf_puts(t, "\nLate reports (earlier days, arrived "
			    "after their digest):\n");
			buf_puts(h, "<h2 style=\"font-size:17px\">Late reports"
			    "</h2>\n<p>For earlier days, arrived after their "
			    "digest.</p>\n<ul>\n");
		}
		buf_puts(t, "  ");
		buf_puts(h, "<li>");
		escape_text(t, qt(q, k, 0));
		escape_html(h, qt(q, k, 0));
		buf_printf(t, " %s ", qt(q, k, 1));
		buf_printf(h, " %s ", qt(q, k, 1));
		escape_text(t, qt(q, k, 2));
		escape_html(h, qt(q, k, 2));
		buf_puts(t, " ");
		buf_puts(h, " ");
		escape_text(t, qt(q, k, 3));
		escape_html(h, qt(q, k, 3));
		buf_printf(t, ", received %s\n", qt(q, k, 4));
		buf_printf(h, ", received %s</li>\n", qt(q, k, 4));
	}
	if (n > 0)
		buf_puts(h, "</ul>\n");
}

/* alerts_part - the recipient's alerts, counted ones first; returns how
 * many count in the Subject */
static size_t
alerts_part(const struct digest *d, const struct recipient *r,
    struct buf *t, struct buf *h, size_t *listed)
{
	size_t	 i, pass, counted = 0;

	*listed = 0;
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < d->n_alerts; i++) {
			const struct alert *a = &d->alerts[i];

			if (!digest_wants(r, a->domain) ||
			    alert_counted(a) != (pass == 0))
				continue;
			if ((*listed)++ == 0) {
				buf_puts(t, "ALERTS\n");
				buf_puts(h, "<h2 style=\"font-size:17px;color:"
				    "#8b1a12\">Alerts</h2>\n<ul>\n");
			}
			counted += pass == 0;
			buf_puts(t, pass == 0 ? "! " : "- note: ");
			buf_puts(h, pass == 0 ? "<li><b>ALERT</b> " :
			    "<li><b>NOTE</b> ");
			alert_text(t, a, 0);
			alert_text(h, a, 1);
			buf_puts(t, "\n");
			buf_puts(h, "</li>\n");
		}
	if (*listed > 0) {
		buf_puts(t, "\n");
		buf_puts(h, "</ul>\n");
	}
	return counted;
}

/* digest_body - see digest.h */
int
digest_body(const struct digest *d, const struct recipient *r,
    struct buf *subject, struct buf *t, struct buf *h)
{
	struct buf	 body_t = BUF_INIT, body_h = BUF_INIT;
	size_t		 i, ndom = 0, counted, listed;
	int64_t		 ok = 0, bad = 0;

	counted = alerts_part(d, r, &body_t, &body_h, &listed);
	for (i = 0; i < d->today.n_domains; i++) {
		const struct summary_domain *sd = &d->today.domains[i];

		if (!digest_wants(r, sd->domain))
			continue;
		ndom++;
		ok += sd->successful;
		bad += sd->failed;
		domain_part(d, sd, &body_t, &body_h);
	}
	if (ndom == 0) {
		buf_puts(&body_t, "No reports for this day.\n\n");
		buf_puts(&body_h, "<p>No reports for this day.</p>\n");
	}
	if (r->n == 0) {
		kept_part(&d->quarantine, "Quarantined (received this day)",
		    &body_t, &body_h);
		kept_part(&d->foreign, "Foreign reports (for no configured "
		    "domain)", &body_t, &body_h);
	}
	late_part(d, r, &body_t, &body_h);

	buf_printf(subject, "%s %s: ", d->subject, d->day);
	if (ndom == 0)
		buf_puts(subject, "no reports");
	else {
		buf_printf(subject, "%zu domain%s, ", ndom, ndom == 1 ? "" :
		    "s");
		rate_text(subject, ok, bad);
		buf_puts(subject, " TLS");
	}
	buf_printf(subject, ", %zu alert%s", counted, counted == 1 ? "" : "s");

	buf_printf(t, "TLS reports for %s (UTC), by the day the reports "
	    "cover.\n\n", d->day);
	buf_append(t, body_t.data, body_t.len);
	buf_puts(t, "-- \ntlsrpt digest; every figure counts as \"tlsrpt "
	    "summary\" does.\n");
	buf_puts(h, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta "
	    "charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width="
	    "device-width, initial-scale=1\">\n<title>");
	escape_html(h, (const char *)subject->data);
	buf_printf(h, "</title>\n</head>\n<body style=\"font-family:sans-"
	    "serif;font-size:15px;color:#1b1b1b;max-width:640px;margin:0 "
	    "auto;padding:0 8px;overflow-wrap:anywhere\">\n<h1 style=\""
	    "font-size:20px\">TLS reports for %s</h1>\n<p>UTC day the "
	    "reports cover.</p>\n", d->day);
	buf_append(h, body_h.data, body_h.len);
	buf_puts(h, "<p style=\"color:#555;font-size:12px\">tlsrpt digest; "
	    "every figure counts as <code>tlsrpt summary</code> does.</p>\n"
	    "</body>\n</html>\n");
	buf_free(&body_t);
	buf_free(&body_h);
	return ndom == 0 && listed == 0;
}
