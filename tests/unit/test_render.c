/*
 * test_render.c - render/summary.c on hand-built summaries (no database)
 *
 * 1. The "(x% failed)" figure of the text summary: ordinary shares,
 *    rounding, nothing, all failed, and counts near INT64_MAX, whose sum
 *    does not fit an int64_t (UBSan traps a signed overflow);
 *    render_failed_pct() on negative counts.
 * 2. Hostile strings in every field a report gives (domain, outcome,
 *    organisation, DANE MX host): the text output never holds a control,
 *    C1 or bidi character raw, and shows each escaped; columns stay
 *    aligned.
 * 3. CSV: a quote doubled, the formula guard on every cell from a report,
 *    controls escaped, the figures in their columns.
 * 4. JSON keeps the strings as they are (JSON escaping only).
 * 5. summary_covered (render/html.c): configured domains with reports.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "query.h"
#include "summary.h"
#include "xmalloc.h"
#include "t.h"

/* add_domain - a domain with its totals and one "success" outcome, as
 * query_summary() makes it */
static struct summary_domain *
add_domain(struct summary *s, const char *name, int64_t reports,
    int64_t ok, int64_t bad)
{
	struct summary_domain	*d;

	s->domains = xreallocarray(s->domains, s->n_domains + 1,
	    sizeof *s->domains);
	d = &s->domains[s->n_domains++];
	memset(d, 0, sizeof *d);
	d->domain = xstrdup(name);
	d->reports = reports;
	d->successful = ok;
	d->failed = bad;
	d->outcomes = xcalloc(1, sizeof *d->outcomes);
	d->outcomes[0].outcome = xstrdup("success");
	d->outcomes[0].sessions = ok;
	d->n_outcomes = 1;
	return d;
}

/* add_outcome - a failure type of d */
static void
add_outcome(struct summary_domain *d, const char *name, int64_t sessions)
{
	d->outcomes = xreallocarray(d->outcomes, d->n_outcomes + 1,
	    sizeof *d->outcomes);
	d->outcomes[d->n_outcomes].outcome = xstrdup(name);
	d->outcomes[d->n_outcomes++].sessions = sessions;
}

/* add_row - a source or DANE MX row onto *rows */
static void
add_row(struct summary_row **rows, size_t *n, const char *name,
    int64_t reports, int64_t ok, int64_t bad)
{
	struct summary_row	*r;

	*rows = xreallocarray(*rows, *n + 1, sizeof **rows);
	r = &(*rows)[(*n)++];
	r->name = xstrdup(name);
	r->reports = reports;
	r->successful = ok;
	r->failed = bad;
}

/* render - s in format f as a new string (the caller frees it) */
static char *
render(const struct summary *s, enum render_format f)
{
	char	*text = NULL;
	size_t	 len = 0;
	FILE	*fp;

	if ((fp = open_memstream(&text, &len)) == NULL) {
		perror("open_memstream");
		exit(1);
	}
	render_summary(s, f, fp);
	fclose(fp);
	return text;
}

/* shown - text with every byte outside printable ASCII as \xNN, for a
 * failure message: the output under test may hold what would drive the
 * terminal of whoever reads it (and this must not rely on escape.c) */
static const char *
shown(const char *text)
{
	static char	 out[4096];
	const unsigned char *p = (const unsigned char *)text;
	size_t		 o = 0;

	for (; *p != '\0' && o + 5 < sizeof out; p++) {
		if (*p == '\n' || (*p >= 0x20 && *p < 0x7f))
			out[o++] = (char)*p;
		else
			o += (size_t)snprintf(out + o, sizeof out - o,
			    "\\x%02x", *p);
	}
	out[o] = '\0';
	return out;
}

/* has - name: text contains needle */
static void
has(const char *name, const char *text, const char *needle)
{
	char	 what[8192];

	snprintf(what, sizeof what, "\"%s\" not in:", needle);
	snprintf(what + strlen(what), sizeof what - strlen(what), "\n%s",
	    shown(text));
	t_ok(name, strstr(text, needle) != NULL, what);
}

/* raw_control - the first control, C1 or bidi character of text that is
 * not a line end (or, for CSV, the CR of one) as an offset, or -1 */
static long
raw_control(const char *text, int csv)
{
	const unsigned char	*p = (const unsigned char *)text;
	size_t			 i;

	for (i = 0; p[i] != '\0'; i++) {
		if (p[i] == '\n' || (csv && p[i] == '\r' && p[i + 1] == '\n'))
			continue;
		if (p[i] < 0x20 || p[i] == 0x7f)
			return (long)i;
		if (p[i] == 0xc2 && p[i + 1] >= 0x80 && p[i + 1] <= 0x9f)
			return (long)i;		/* C1 */
		if (p[i] == 0xd8 && p[i + 1] == 0x9c)
			return (long)i;		/* U+061C */
		if (p[i] == 0xe2 && p[i + 1] == 0x80 && (p[i + 2] == 0x8e ||
		    p[i + 2] == 0x8f || (p[i + 2] >= 0xa8 && p[i + 2] <= 0xae)))
			return (long)i;	/* U+200E/F, U+2028..U+202E */
		if (p[i] == 0xe2 && p[i + 1] == 0x81 && p[i + 2] >= 0xa6 &&
		    p[i + 2] <= 0xa9)
			return (long)i;		/* U+2066..U+2069 */
	}
	return -1;
}

static const struct {
	const char	*name;
	int64_t		 ok, bad;
	const char	*want;	/* as the text summary shows it */
} pct_cases[] = {
	{ "a quarter", 3, 1, "(25.0% failed)" },
	{ "a third, rounded", 2, 1, "(33.3% failed)" },
	{ "two thirds, rounded up", 1, 2, "(66.7% failed)" },
	{ "207 and 9", 207, 9, "(4.2% failed)" },
	{ "no sessions", 0, 0, "(0.0% failed)" },
	{ "none failed", 100, 0, "(0.0% failed)" },
	{ "all failed", 0, 5, "(100.0% failed)" },
	{ "both at INT64_MAX", INT64_MAX, INT64_MAX, "(50.0% failed)" },
	{ "successful at INT64_MAX", INT64_MAX, 1, "(0.0% failed)" },
	{ "failed at INT64_MAX", 1, INT64_MAX, "(100.0% failed)" },
	{ "sum just past INT64_MAX", INT64_MAX - 1, 2, "(0.0% failed)" },
};

/* test_pct - the failed share of the text summary */
static void
test_pct(void)
{
	struct summary	 s;
	char		*text, name[128];
	size_t		 i;

	for (i = 0; i < sizeof pct_cases / sizeof pct_cases[0]; i++) {
		memset(&s, 0, sizeof s);
		add_domain(&s, "example.com", 2, pct_cases[i].ok,
		    pct_cases[i].bad);
		text = render(&s, RENDER_TEXT);
		snprintf(name, sizeof name, "pct: %s", pct_cases[i].name);
		has(name, text, pct_cases[i].want);
		free(text);
		query_summary_free(&s);
	}
	/* a broken store's negative count counts as 0, never "-0.0%" */
	t_ok("pct: negative failed", render_failed_pct(5, -3) == 0.0, NULL);
	t_ok("pct: negative successful",
	    render_failed_pct(INT64_MIN, 3) == 100.0, NULL);
	t_ok("pct: both negative", render_failed_pct(-1, INT64_MIN) == 0.0,
	    NULL);
	t_ok("pct: both at INT64_MAX, exact",
	    render_failed_pct(INT64_MAX, INT64_MAX) == 50.0, NULL);
	/* the whole line, so that the figure sits where it belongs */
	memset(&s, 0, sizeof s);
	add_domain(&s, "example.com", 4, 207, 9);
	text = render(&s, RENDER_TEXT);
	has("pct: the domain line", text, "\nexample.com: 4 report(s), 207 "
	    "successful and 9 failed session(s) (4.2% failed)\n");
	free(text);
	query_summary_free(&s);
}

/* hostile - a summary whose every report string is an attack */
static void
hostile(struct summary *s)
{
	struct summary_domain	*d;

	memset(s, 0, sizeof *s);
	s->from = xstrdup("2026-03-01");
	s->to = xstrdup("2026-03-31");
	d = add_domain(s, "evil\x1b[2J.example", 3, 20, 4);
	add_outcome(d, "\xc2\x9b" "31mred", 3);
	add_outcome(d, "-2+3", 1);
	add_row(&d->sources, &d->n_sources, "+1", 1, 0, 1);
	add_row(&d->sources, &d->n_sources, "=HYPERLINK(\"http://x\")", 1,
	    10, 0);
	add_row(&d->sources, &d->n_sources, "@SUM(A1)", 1, 0, 1);
	add_row(&d->sources, &d->n_sources, "Evil \"Corp\"\xe2\x80\xae"
	    "moc.elgoog", 1, 5, 2);
	add_row(&d->sources, &d->n_sources, "Line1\nstored forged.json x\r",
	    1, 5, 0);
	add_row(&d->dane_mx, &d->n_dane_mx, "mx\a.example\xe2\x81\xa6", 1,
	    7, 1);
	add_domain(s, "=cmd|' /C calc'!A0", 1, 1, 0);
}

/* test_text - hostile strings in the text summary */
static void
test_text(void)
{
	struct summary	 s;
	char		*text;
	long		 at;

	hostile(&s);
	text = render(&s, RENDER_TEXT);
	at = raw_control(text, 0);
	t_int("text: no raw control, C1 or bidi character (offset)", at, -1);
	has("text: heading", text, "TLS reports from 2026-03-01 to "
	    "2026-03-31\n");
	has("text: domain, ESC escaped", text, "\nevil\\x1b[2J.example: 3 "
	    "report(s), 20 successful and 4 failed session(s) (16.7% "
	    "failed)\n");
	has("text: outcome, C1 CSI escaped", text,
	    "\n  \\u{009B}31mred                        3\n");
	has("text: organisation, bidi escaped, aligned", text,
	    "\n  Evil \"Corp\"\\u{202E}moc.elgoog        1           5"
	    "           2\n");
	has("text: organisation, newline escaped: no forged line", text,
	    "\n  Line1\\x0astored forged.json x\\x0d        1           5"
	    "           0\n");
	has("text: DANE MX host, BEL and bidi escaped", text,
	    "\n  mx\\x07.example\\u{2066}              1           7"
	    "           1\n");
	has("text: a formula is only text here", text,
	    "\n=cmd|' /C calc'!A0: 1 report(s)");
	free(text);
	query_summary_free(&s);
}

/* test_csv - hostile strings in CSV */
static void
test_csv(void)
{
	struct summary	 s;
	char		*text;

	hostile(&s);
	text = render(&s, RENDER_CSV);
	t_int("csv: no raw control, C1 or bidi character (offset)",
	    raw_control(text, 1), -1);
	has("csv: header", text, "domain,row,name,reports,"
	    "successful_sessions,failed_sessions,sessions\r\n");
	has("csv: total row, ESC escaped", text,
	    "\r\n\"evil\\x1b[2J.example\",total,,3,20,4,\r\n");
	has("csv: outcome, C1 escaped", text,
	    ",outcome,\"\\u{009B}31mred\",,,,3\r\n");
	has("csv: outcome starting with -", text,
	    ",outcome,\"'-2+3\",,,,1\r\n");
	has("csv: source starting with +", text, ",source,\"'+1\",1,0,1,\r\n");
	has("csv: source starting with =, quotes doubled", text,
	    ",source,\"'=HYPERLINK(\"\"http://x\"\")\",1,10,0,\r\n");
	has("csv: source starting with @", text,
	    ",source,\"'@SUM(A1)\",1,0,1,\r\n");
	has("csv: quotes doubled, bidi escaped", text,
	    ",source,\"Evil \"\"Corp\"\"\\u{202E}moc.elgoog\",1,5,2,\r\n");
	has("csv: newline and CR escaped", text,
	    ",source,\"Line1\\x0astored forged.json x\\x0d\",1,5,0,\r\n");
	has("csv: DANE MX host escaped", text,
	    ",dane_mx,\"mx\\x07.example\\u{2066}\",1,7,1,\r\n");
	has("csv: domain starting with =", text,
	    "\r\n\"'=cmd|' /C calc'!A0\",total,,1,1,0,\r\n");
	free(text);
	query_summary_free(&s);
}

/* test_json - JSON carries the strings unchanged, JSON-escaped */
static void
test_json(void)
{
	struct summary	 s;
	char		*text;

	hostile(&s);
	text = render(&s, RENDER_JSON);
	has("json: ESC as \\u001B", text,
	    "\"domain\":\"evil\\u001B[2J.example\"");
	has("json: quotes and newline JSON-escaped", text,
	    "\"organization\":\"Line1\\nstored forged.json x\\r\"");
	has("json: a formula is data", text,
	    "\"organization\":\"=HYPERLINK(\\\"http://x\\\")\"");
	free(text);
	query_summary_free(&s);
}

/* test_conflicted - the count of reports with conflicting copies, in
 * every format, and nothing when there are none */
static void
test_conflicted(void)
{
	struct summary		 s;
	struct summary_domain	*d;
	char			*text;

	memset(&s, 0, sizeof s);
	d = add_domain(&s, "c.example", 4, 40, 0);
	d->conflicted = 3;
	add_domain(&s, "d.example", 1, 1, 0);
	text = render(&s, RENDER_TEXT);
	has("conflicted: text", text, "\nc.example: 4 report(s)");
	has("conflicted: text line", text, "  3 report(s) with conflicting "
	    "copies (kept, not counted)\n");
	t_ok("conflicted: text, only where there are any", strstr(text,
	    "1 report(s) with conflicting") == NULL && strstr(strstr(text,
	    "d.example"), "conflicting") == NULL, text);
	free(text);
	text = render(&s, RENDER_CSV);
	has("conflicted: csv", text, "\r\n\"c.example\",conflicted,,3,,,\r\n");
	t_ok("conflicted: csv, only where there are any",
	    strstr(text, "\"d.example\",conflicted") == NULL, text);
	free(text);
	text = render(&s, RENDER_JSON);
	has("conflicted: json", text, "\"conflicted_reports\":3}");
	t_ok("conflicted: json, only where there are any", strstr(text,
	    "\"conflicted_reports\":0") == NULL, text);
	free(text);
	query_summary_free(&s);
}

/* test_covered - summary_covered (render/html.c): which configured
 * domains have reports, the domain itself or a subdomain (the index's
 * and the digest's "no reports" lists) */
static void
test_covered(void)
{
	struct summary	 s;
	char		 a[] = "a.example", b[] = "b.example", d[] = "d.example";
	char		 e[] = "example", up[] = "C.EXAMPLE", x[] = "xa.example";
	char		*conf[] = { a, b, d, e, up, x };
	unsigned char	*f;

	memset(&s, 0, sizeof s);
	add_domain(&s, "a.example", 1, 1, 0);
	add_domain(&s, "c.example", 1, 1, 0);
	add_domain(&s, "mx1.b.example", 1, 1, 0);
	f = summary_covered(&s, conf, 6);
	t_int("covered: the domain itself", f[0], 1);
	t_int("covered: by a subdomain", f[1], 1);
	t_int("covered: no report", f[2], 0);
	t_int("covered: the parent of all", f[3], 1);
	t_int("covered: case", f[4], 1);
	t_int("covered: a suffix that is no label", f[5], 0);
	free(f);
	f = summary_covered(&s, NULL, 0);
	free(f);
	query_summary_free(&s);
}

int
main(void)
{
	test_covered();
	test_pct();
	test_text();
	test_csv();
	test_json();
	test_conflicted();
	return t_done();
}
