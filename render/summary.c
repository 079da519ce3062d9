/*
 * summary.c - "tlsrpt summary": per domain, outcome and sending organisation
 *
 * SYNOPSIS
 *	tlsrpt summary [--domain D] [--from YYYY-MM-DD] [--to YYYY-MM-DD]
 *	    [--format text|json|csv]
 *
 * DESCRIPTION
 *	The figures come from the query layer (store/query.h; the counting
 *	rules are documented in README.md and store/query.c).  JSON has
 *	this stable shape, keys in this order, more keys may follow in later
 *	versions:
 *	{"from":..,"to":..,"domains":[{"domain":..,"reports":..,
 *	"successful_sessions":..,"failed_sessions":..,"outcomes":[{"outcome":
 *	..,"sessions":..}],"sources":[{"organization":..,"reports":..,
 *	"successful_sessions":..,"failed_sessions":..}],"dane_mx":[{"host":
 *	..,"reports":..,"successful_sessions":..,"failed_sessions":..}]}]}
 *	where "dane_mx" (the DANE MX hosts whose sessions the domain's
 *	figures include) is present only when there are any, and after it
 *	"conflicted_reports" (how many of the domain's reports got a copy
 *	whose content differs: kept, never counted) only when not 0.
 *	CSV: a header, then one row per domain total, outcome, source, DANE
 *	MX host and, when not 0, "conflicted" (in the reports column).
 *	Text: a table for people.
 *
 *	Every string from a report goes out through escape.h (text:
 *	escape_text, CSV: escape_csv), so that no report drives the
 *	operator's terminal, forges a line or runs in a spreadsheet; JSON
 *	has its own escaping (jansson) and keeps the strings as they are.
 *	Every figure computed here is computed in double
 *	(render_failed_pct): a stored count may be INT64_MAX.
 *
 * DIAGNOSTICS
 *	64 on usage errors, 75 when the database cannot be reached, 78 when
 *	the schema is missing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "cmd.h"
#include "escape.h"
#include "html.h"
#include "log.h"
#include "query.h"
#include "summary.h"
#include "util.h"

/* json_rows - rows as [{name_key:..,"reports":..,"successful_sessions":..,
 * "failed_sessions":..}] */
static json_t *
json_rows(const struct summary_row *rows, size_t n, const char *name_key)
{
	json_t	*arr = json_array();
	size_t	 j;

	for (j = 0; j < n; j++)
		json_array_append_new(arr, json_pack("{s:s, s:I, s:I, s:I}",
		    name_key, rows[j].name, "reports",
		    (json_int_t)rows[j].reports, "successful_sessions",
		    (json_int_t)rows[j].successful, "failed_sessions",
		    (json_int_t)rows[j].failed));
	return arr;
}

/* render_json - the contract shape, compact, keys in insertion order */
static void
render_json(const struct summary *s, FILE *fp)
{
	json_t	*root, *domains, *d, *arr;
	size_t	 i, j;
	char	*text;

	root = json_object();
	json_object_set_new(root, "from", s->from ? json_string(s->from) :
	    json_null());
	json_object_set_new(root, "to", s->to ? json_string(s->to) :
	    json_null());
	domains = json_array();
	for (i = 0; i < s->n_domains; i++) {
		const struct summary_domain *sd = &s->domains[i];

		d = json_object();
		json_object_set_new(d, "domain", json_string(sd->domain));
		json_object_set_new(d, "reports", json_integer(sd->reports));
		json_object_set_new(d, "successful_sessions",
		    json_integer(sd->successful));
		json_object_set_new(d, "failed_sessions",
		    json_integer(sd->failed));
		arr = json_array();
		for (j = 0; j < sd->n_outcomes; j++)
			json_array_append_new(arr, json_pack("{s:s, s:I}",
			    "outcome", sd->outcomes[j].outcome, "sessions",
			    (json_int_t)sd->outcomes[j].sessions));
		json_object_set_new(d, "outcomes", arr);
		json_object_set_new(d, "sources", json_rows(sd->sources,
		    sd->n_sources, "organization"));
		if (sd->n_dane_mx > 0)
			json_object_set_new(d, "dane_mx", json_rows(sd->dane_mx,
			    sd->n_dane_mx, "host"));
		if (sd->conflicted > 0)
			json_object_set_new(d, "conflicted_reports",
			    json_integer(sd->conflicted));
		json_array_append_new(domains, d);
	}
	json_object_set_new(root, "domains", domains);
	/* json_pack() returns NULL on invalid UTF-8, which the parser never
	 * lets through; a NULL would show as a missing item, not a crash.
	 * ASCII only: C1 and bidi controls as \uXXXX escapes, the same
	 * strings, but none that a terminal showing the JSON obeys. */
	text = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER |
	    JSON_ENSURE_ASCII);
	if (text != NULL) {
		fputs(text, fp);
		fputc('\n', fp);
		free(text);
	}
	json_decref(root);
}

/* put_buf - write what b holds to fp and release it */
static void
put_buf(FILE *fp, struct buf *b)
{
	if (b->len > 0)
		fwrite(b->data, 1, b->len, fp);
	buf_free(b);
}

/* csv_field - one cell (escape_csv: RFC 4180 quoting, controls escaped,
 * a leading = + - @ defused) */
static void
csv_field(FILE *fp, const char *s)
{
	struct buf	 b = BUF_INIT;

	escape_csv(&b, s);
	put_buf(fp, &b);
}

/* csv_rows - a "source" or "dane_mx" row each */
static void
csv_rows(FILE *fp, const char *domain, const char *kind,
    const struct summary_row *rows, size_t n)
{
	size_t	 j;

	for (j = 0; j < n; j++) {
		csv_field(fp, domain);
		fprintf(fp, ",%s,", kind);
		csv_field(fp, rows[j].name);
		fprintf(fp, ",%lld,%lld,%lld,\r\n", (long long)rows[j].reports,
		    (long long)rows[j].successful, (long long)rows[j].failed);
	}
}

/* render_csv - one row per domain total, outcome, source, DANE MX host */
static void
render_csv(const struct summary *s, FILE *fp)
{
	size_t	 i, j;

	fputs("domain,row,name,reports,successful_sessions,failed_sessions,"
	    "sessions\r\n", fp);
	for (i = 0; i < s->n_domains; i++) {
		const struct summary_domain *sd = &s->domains[i];

		csv_field(fp, sd->domain);
		fprintf(fp, ",total,,%lld,%lld,%lld,\r\n",
		    (long long)sd->reports, (long long)sd->successful,
		    (long long)sd->failed);
		for (j = 0; j < sd->n_outcomes; j++) {
			csv_field(fp, sd->domain);
			fputs(",outcome,", fp);
			csv_field(fp, sd->outcomes[j].outcome);
			fprintf(fp, ",,,,%lld\r\n",
			    (long long)sd->outcomes[j].sessions);
		}
		csv_rows(fp, sd->domain, "source", sd->sources, sd->n_sources);
		csv_rows(fp, sd->domain, "dane_mx", sd->dane_mx,
		    sd->n_dane_mx);
		if (sd->conflicted > 0) {
			csv_field(fp, sd->domain);
			fprintf(fp, ",conflicted,,%lld,,,\r\n",
			    (long long)sd->conflicted);
		}
	}
}

/* text_safe - print s escaped for a terminal (escape_text: a report's
 * strings must not drive the operator's terminal nor forge lines), padded
 * with blanks to width characters */
static void
text_safe(FILE *fp, const char *s, int width)
{
	struct buf	 b = BUF_INIT;
	size_t		 n;

	for (n = escape_text(&b, s); n < (size_t)width; n++)
		buf_putc(&b, ' ');
	put_buf(fp, &b);
}

/* render_failed_pct - see summary.h */
double
render_failed_pct(int64_t successful, int64_t failed)
{
	/* In double: successful + failed overflows int64_t (undefined
	 * behaviour, then a negative share) when a report claims sessions
	 * near INT64_MAX.  A count is never negative; if a broken store
	 * gave one, it must not show as "-0.0%". */
	double	 ok = successful > 0 ? (double)successful : 0.0;
	double	 bad = failed > 0 ? (double)failed : 0.0;

	return ok + bad > 0.0 ? 100.0 * bad / (ok + bad) : 0.0;
}

/* text_rows - a heading and a line per row (none: nothing) */
static void
text_rows(FILE *fp, const char *heading, const struct summary_row *rows,
    size_t n)
{
	size_t	 j;

	if (n == 0)
		return;
	fprintf(fp, "  %-30s reports  successful      failed\n", heading);
	for (j = 0; j < n; j++) {
		fputs("  ", fp);
		text_safe(fp, rows[j].name, 28);
		fprintf(fp, " %8lld %11lld %11lld\n", (long long)rows[j].reports,
		    (long long)rows[j].successful, (long long)rows[j].failed);
	}
}

/* render_text - a table per domain */
static void
render_text(const struct summary *s, FILE *fp)
{
	size_t	 i, j;

	if (s->from == NULL && s->to == NULL)
		fputs("TLS reports, all days\n", fp);
	else
		fprintf(fp, "TLS reports from %s to %s\n", s->from ? s->from :
		    "the first day", s->to ? s->to : "today");
	if (s->n_domains == 0)
		fputs("\nno reports\n", fp);
	for (i = 0; i < s->n_domains; i++) {
		const struct summary_domain *sd = &s->domains[i];

		fputs("\n", fp);
		text_safe(fp, sd->domain, 0);
		fprintf(fp, ": %lld report(s), %lld successful and %lld "
		    "failed session(s) (%.1f%% failed)\n",
		    (long long)sd->reports, (long long)sd->successful,
		    (long long)sd->failed,
		    render_failed_pct(sd->successful, sd->failed));
		fputs("  outcome                        sessions\n", fp);
		for (j = 0; j < sd->n_outcomes; j++) {
			fputs("  ", fp);
			text_safe(fp, sd->outcomes[j].outcome, 28);
			fprintf(fp, " %10lld\n",
			    (long long)sd->outcomes[j].sessions);
		}
		text_rows(fp, "sending organisation", sd->sources,
		    sd->n_sources);
		text_rows(fp, "DANE MX host (in the figures)", sd->dane_mx,
		    sd->n_dane_mx);
		if (sd->conflicted > 0)
			fprintf(fp, "  %lld report(s) with conflicting copies "
			    "(kept, not counted)\n", (long long)sd->conflicted);
	}
}

/* render_summary - dispatch on the format */
void
render_summary(const struct summary *s, enum render_format f, FILE *fp)
{
	switch (f) {
	case RENDER_JSON:
		render_json(s, fp);
		break;
	case RENDER_CSV:
		render_csv(s, fp);
		break;
	case RENDER_TEXT:
		render_text(s, fp);
		break;
	}
}

/* cmd_summary - the subcommand */
int
cmd_summary(struct conf *conf, int argc, char **argv)
{
	struct summary_query	 q;
	struct summary		 s;
	struct store		*st;
	enum render_format	 fmt = RENDER_TEXT;
	char			 err[ERRLEN], dom[256];
	int			 i, rc = 0;

	memset(&q, 0, sizeof q);
	q.domains = conf->domains;
	q.n_domains = conf->n_domains;
	for (i = 1; i < argc; i++) {
		const char *opt = argv[i], *val = i + 1 < argc ?
		    argv[i + 1] : NULL;

		if (val == NULL)
			goto usage;
		if (strcmp(opt, "--domain") == 0 &&
		    strlen(val) < sizeof dom) {
			/* as stored: lower-case, no final dot */
			snprintf(dom, sizeof dom, "%s", val);
			domain_normalise(dom);
			q.domain = dom;
		}
		else if (strcmp(opt, "--from") == 0 && day_valid(val))
			q.from = val;
		else if (strcmp(opt, "--to") == 0 && day_valid(val))
			q.to = val;
		else if (strcmp(opt, "--format") == 0 &&
		    strcmp(val, "json") == 0)
			fmt = RENDER_JSON;
		else if (strcmp(opt, "--format") == 0 &&
		    strcmp(val, "csv") == 0)
			fmt = RENDER_CSV;
		else if (strcmp(opt, "--format") == 0 &&
		    strcmp(val, "text") == 0)
			fmt = RENDER_TEXT;
		else
			goto usage;
		i++;
	}
	if ((st = cmd_store(conf, "tlsrpt-summary", &rc)) == NULL)
		return rc;
	if (query_summary(st, &q, &s, err, sizeof err) == -1) {
		log_warnx("summary: %s", err);
		rc = EX_TEMPFAIL_;
	} else {
		render_summary(&s, fmt, stdout);
		query_summary_free(&s);
	}
	cmd_store_close(st);
	return rc;
usage:
	fprintf(stderr, "usage: tlsrpt summary [--domain D] [--from "
	    "YYYY-MM-DD] [--to YYYY-MM-DD] [--format text|json|csv]\n");
	return EX_USAGE_;
}
