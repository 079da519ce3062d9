/*
 * alerts.c - the digest's five alert rules, and what operators get of them
 *
 * SYNOPSIS
 *	#include "digest.h"
 *
 *	void alerts_find(&digest)
 *	char *alerts_json(&digest)
 *
 * DESCRIPTION
 *	Each rule reads the digest's figures for report-day D, all from the
 *	query layer with the summary's counting rules:
 *	1. new-failure-type: a result-type with failed sessions on D that
 *	   the domain had on none of the 30 days before (D-30..D-1); only
 *	   when the domain had reports in that window, so a new domain does
 *	   not alert on everything.  a = failed sessions on D.
 *	2. failure-rate: failed / (successful + failed) on D above
 *	   alert_failure_rate percent (strictly) with at least
 *	   alert_min_failed failed sessions.  a = failed, b = all sessions.
 *	3. sts-testing: a counted MTA-STS policy seen on D in mode testing
 *	   or none: failures are reported, not prevented.  Listed, never
 *	   counted in the Subject.  a = reports.
 *	4. reporter-quiet: an organisation that reported the domain on at
 *	   least 4 of the 7 days before D (D-7..D-1) but not on D.  a = its
 *	   days.
 *	5. no-reports: a configured domain (or its subdomains) without an
 *	   accepted report on D; never when "domains" is empty.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "digest.h"
#include "escape.h"
#include "html.h"
#include "util.h"
#include "xmalloc.h"

#define QUIET_MIN_DAYS	4	/* of the 7 days before D */

static const char *const rule_name[] = {
	[ALERT_NEW_TYPE] = "new-failure-type",
	[ALERT_RATE] = "failure-rate",
	[ALERT_STS_TESTING] = "sts-testing",
	[ALERT_QUIET] = "reporter-quiet",
	[ALERT_NO_REPORTS] = "no-reports",
};

/* add - one more alert */
static struct alert *
add(struct digest *d, enum alert_rule rule, const char *domain,
    const char *what)
{
	struct alert	*a;

	d->alerts = xreallocarray(d->alerts, d->n_alerts + 1,
	    sizeof *d->alerts);
	a = &d->alerts[d->n_alerts++];
	memset(a, 0, sizeof *a);
	a->rule = rule;
	a->domain = xstrdup(domain);
	a->what = what ? xstrdup(what) : NULL;
	return a;
}

/* find_domain - the summary's entry for domain, or NULL */
static const struct summary_domain *
find_domain(const struct summary *s, const char *domain)
{
	size_t	 i;

	for (i = 0; i < s->n_domains; i++)
		if (strcmp(s->domains[i].domain, domain) == 0)
			return &s->domains[i];
	return NULL;
}

/* has_outcome - sd lists the outcome (with sessions: the summary lists
 * none without) */
static int
has_outcome(const struct summary_domain *sd, const char *outcome)
{
	size_t	 i;

	for (i = 0; i < sd->n_outcomes; i++)
		if (strcmp(sd->outcomes[i].outcome, outcome) == 0)
			return 1;
	return 0;
}

/* has_source - sd has a report of org */
static int
has_source(const struct summary_domain *sd, const char *org)
{
	size_t	 i;

	for (i = 0; sd != NULL && i < sd->n_sources; i++)
		if (strcmp(sd->sources[i].name, org) == 0)
			return 1;
	return 0;
}

/* rules_per_domain - rules 1 and 2 for each domain with reports on D */
static void
rules_per_domain(struct digest *d)
{
	const struct summary_domain *sd, *before;
	struct alert	*a;
	size_t		 i, j;
	double		 share;

	for (i = 0; i < d->today.n_domains; i++) {
		sd = &d->today.domains[i];
		before = find_domain(&d->before30, sd->domain);
		for (j = 1; before != NULL && j < sd->n_outcomes; j++)
			if (!has_outcome(before, sd->outcomes[j].outcome)) {
				a = add(d, ALERT_NEW_TYPE, sd->domain,
				    sd->outcomes[j].outcome);
				a->a = sd->outcomes[j].sessions;
			}
		share = sd->successful + sd->failed > 0 ? 100.0 *
		    (double)sd->failed / ((double)sd->successful +
		    (double)sd->failed) : 0;
		if (share > d->rate_pct && sd->failed >= d->min_failed) {
			a = add(d, ALERT_RATE, sd->domain, NULL);
			a->a = sd->failed;
			a->b = sd->successful + sd->failed;
			a->pct = share;
		}
	}
}

/* rule_testing - rule 3 from the policies of D */
static void
rule_testing(struct digest *d)
{
	const struct qtable *t = &d->policies;
	const char	*mode;
	struct alert	*a;
	size_t		 r, k;

	for (r = 0; r < t->nrows; r++) {
		mode = qt(t, r, 6);
		if (strcmp(qt(t, r, 1), "sts") != 0 || mode == NULL ||
		    (strcmp(mode, "testing") != 0 && strcmp(mode, "none") != 0))
			continue;
		/* one alert per domain and mode, whatever the policy text */
		for (k = 0; k < d->n_alerts; k++)
			if (d->alerts[k].rule == ALERT_STS_TESTING &&
			    strcmp(d->alerts[k].domain, qt(t, r, 0)) == 0 &&
			    strcmp(d->alerts[k].what, mode) == 0)
				break;
		a = k < d->n_alerts ? &d->alerts[k] :
		    add(d, ALERT_STS_TESTING, qt(t, r, 0), mode);
		a->a += qt_i64(t, r, 9);
	}
}

/* rule_quiet - rule 4 from the reporters' days before D */
static void
rule_quiet(struct digest *d)
{
	const struct qtable *t = &d->reporter_days;
	struct alert	*a;
	size_t		 r;

	for (r = 0; r < t->nrows; r++) {
		if (qt_i64(t, r, 2) < QUIET_MIN_DAYS ||
		    has_source(find_domain(&d->today, qt(t, r, 0)),
		    qt(t, r, 1)))
			continue;
		a = add(d, ALERT_QUIET, qt(t, r, 0), qt(t, r, 1));
		a->a = qt_i64(t, r, 2);
	}
}

/* rule_silent - rule 5 for each configured domain */
static void
rule_silent(struct digest *d)
{
	unsigned char	*covered;
	size_t		 i;

	covered = summary_covered(&d->today, d->conf_domains, d->n_conf);
	for (i = 0; i < d->n_conf; i++)
		if (!covered[i])
			add(d, ALERT_NO_REPORTS, d->conf_domains[i], NULL);
	free(covered);
}

/* alerts_find - see digest.h */
void
alerts_find(struct digest *d)
{
	rules_per_domain(d);
	rule_testing(d);
	rule_quiet(d);
	rule_silent(d);
}

/* alerts_free - see digest.h */
void
alerts_free(struct digest *d)
{
	size_t	 i;

	for (i = 0; i < d->n_alerts; i++) {
		free(d->alerts[i].domain);
		free(d->alerts[i].what);
	}
	free(d->alerts);
	d->alerts = NULL;
	d->n_alerts = 0;
}

/* alert_counted - see digest.h */
int
alert_counted(const struct alert *a)
{
	return a->rule != ALERT_STS_TESTING;
}

/* esc - a report string for the part being written */
static void
esc(struct buf *b, const char *s, int html)
{
	if (html)
		escape_html(b, s);
	else
		escape_text(b, s);
}

/* alert_text - see digest.h */
void
alert_text(struct buf *b, const struct alert *a, int html)
{
	esc(b, a->domain, html);
	switch (a->rule) {
	case ALERT_NEW_TYPE:
		buf_puts(b, ": new failure type ");
		esc(b, a->what, html);
		buf_printf(b, ", %lld failed session(s), none on the 30 days "
		    "before", (long long)a->a);
		break;
	case ALERT_RATE:
		buf_printf(b, ": %.2f %% of sessions failed (%lld of %lld)",
		    a->pct, (long long)a->a, (long long)a->b);
		break;
	case ALERT_STS_TESTING:
		buf_puts(b, ": MTA-STS policy in mode ");
		esc(b, a->what, html);
		buf_printf(b, " (%lld report(s)): failures are reported, not "
		    "prevented", (long long)a->a);
		break;
	case ALERT_QUIET:
		buf_puts(b, ": ");
		esc(b, a->what, html);
		buf_printf(b, " reported on %lld of the 7 days before, not on "
		    "this day", (long long)a->a);
		break;
	case ALERT_NO_REPORTS:
		buf_puts(b, ": no accepted report for this day");
		break;
	}
}

/* alerts_json - see digest.h; the caller frees the string */
char *
alerts_json(const struct digest *d)
{
	json_t			*root, *arr, *o;
	struct buf		 msg = BUF_INIT;
	const struct alert	*a;
	size_t			 i;
	char			*s;

	root = json_object();
	json_object_set_new(root, "date", json_string(d->day));
	arr = json_array();
	for (i = 0; i < d->n_alerts; i++) {
		a = &d->alerts[i];
		o = json_object();
		json_object_set_new(o, "rule", json_string(rule_name[a->rule]));
		json_object_set_new(o, "domain", json_string(a->domain));
		if (a->what != NULL)
			json_object_set_new(o, a->rule == ALERT_QUIET ?
			    "organization" : a->rule == ALERT_STS_TESTING ?
			    "mode" : "result_type", json_string(a->what));
		switch (a->rule) {
		case ALERT_NEW_TYPE:
			json_object_set_new(o, "failed_sessions",
			    json_integer(a->a));
			break;
		case ALERT_RATE:
			json_object_set_new(o, "failed_sessions",
			    json_integer(a->a));
			json_object_set_new(o, "sessions", json_integer(a->b));
			json_object_set_new(o, "failed_percent",
			    json_real(a->pct));
			break;
		case ALERT_STS_TESTING:
			json_object_set_new(o, "reports", json_integer(a->a));
			break;
		case ALERT_QUIET:
			json_object_set_new(o, "days", json_integer(a->a));
			break;
		case ALERT_NO_REPORTS:
			break;
		}
		json_object_set_new(o, "counted",
		    json_boolean(alert_counted(a)));
		buf_reset(&msg);
		alert_text(&msg, a, 0);
		json_object_set_new(o, "message", json_string((char *)
		    msg.data));
		json_array_append_new(arr, o);
	}
	json_object_set_new(root, "alerts", arr);
	s = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER |
	    JSON_ENSURE_ASCII);
	json_decref(root);
	buf_free(&msg);
	return s;
}
