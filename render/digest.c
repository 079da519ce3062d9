/*
 * digest.c - "tlsrpt digest": the daily report e-mail with alerts
 *
 * SYNOPSIS
 *	tlsrpt digest [--date YYYY-MM-DD] [--to ADDR] [--from ADDR] [--send]
 *
 * DESCRIPTION
 *	One complete RFC 5322 message (multipart/alternative: text/plain,
 *	then text/html, both UTF-8 quoted-printable) per recipient for
 *	report-day D, the UTC day the reports cover (default yesterday).
 *	Reports arrive hours after their day ends, so the timer in etc/
 *	runs at 12:00 UTC; a report for an earlier day that arrived after
 *	that day's digest (received from D+1 12:00 back to D 12:00 UTC, its
 *	day within the 30 days before D) is listed as late.
 *
 *	Recipients: digest_to (every domain; postmaster when empty) and
 *	digest_domain_to (DOMAIN:ADDRESS, only those domains), or --to
 *	ADDR alone.  Without --send the message(s) go to stdout (several
 *	as an mbox: each after a "From " line); with --send each goes to
 *	"sendmail -t -i" (the sendmail key): every message is tried, and
 *	the exit status is the first failing sendmail's, 0 when all took
 *	theirs.  alert_command, when set, gets the day's alerts as JSON
 *	once (alerts.c), and its failure is only logged.
 *
 *	Figures: the summary of D and of D-30..D-1 (query_summary, so the
 *	digest counts as "tlsrpt summary" does), the days of D-7..D (the
 *	7 days before D are their sum), the reporters' days, the policies of D, the
 *	quarantine and foreign reports of D, the late reports (query_site,
 *	query_digest).
 *
 * DIAGNOSTICS
 *	Exit 64 on usage errors, 75 when the database cannot be reached,
 *	78 without a schema or with a bad address; with --send, the first
 *	failing sendmail's status.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cmd.h"
#include "digest.h"
#include "log.h"
#include "mailout.h"
#include "query.h"
#include "query_site.h"
#include "util.h"
#include "xmalloc.h"

/* digest_wants - see digest.h */
int
digest_wants(const struct recipient *r, const char *domain)
{
	return r->n == 0 || domain_matches(domain, r->domains, r->n);
}

/* window - q over [from, to] */
static void
window(struct summary_query *q, const struct conf *c, const char *from,
    const char *to)
{
	memset(q, 0, sizeof *q);
	q->domains = c->domains;
	q->n_domains = c->n_domains;
	q->from = from;
	q->to = to;
}

/* digest_read - every figure of the day, then the alerts */
static int
digest_read(struct digest *d, struct store *s, const struct conf *c,
    char *err, size_t errlen)
{
	struct summary_query	 q;
	char			 since[40];

	day_add(d->day, -7, d->week);
	day_add(d->day, -30, d->month);
	day_add(d->day, -1, d->prev);
	window(&q, c, d->day, d->day);
	if (query_summary(s, &q, &d->today, err, errlen) == -1 ||
	    query_site(s, QS_POLICIES, &q, NULL, &d->policies, err,
	    errlen) == -1 ||
	    query_site(s, QS_QUARANTINE, &q, NULL, &d->quarantine, err,
	    errlen) == -1 ||
	    query_site(s, QS_FOREIGN, &q, NULL, &d->foreign, err,
	    errlen) == -1)
		return -1;
	window(&q, c, d->week, d->prev);
	if (query_digest(s, QD_REPORTER_DAYS, &q, NULL, &d->reporter_days,
	    err, errlen) == -1)
		return -1;
	window(&q, c, d->month, d->prev);
	if (query_summary(s, &q, &d->before30, err, errlen) == -1)
		return -1;
	/* the previous digest went out at 12:00 UTC on D */
	snprintf(since, sizeof since, "%s 12:00:00+00", d->day);
	if (query_digest(s, QD_LATE, &q, since, &d->late, err, errlen) == -1)
		return -1;
	window(&q, c, d->week, d->day);
	if (query_site(s, QS_DAILY, &q, NULL, &d->daily, err, errlen) == -1)
		return -1;
	alerts_find(d);
	return 0;
}

/* digest_free - what digest_read filled */
static void
digest_free(struct digest *d)
{
	query_summary_free(&d->today);
	query_summary_free(&d->before30);
	qtable_free(&d->daily);
	qtable_free(&d->reporter_days);
	qtable_free(&d->policies);
	qtable_free(&d->quarantine);
	qtable_free(&d->foreign);
	qtable_free(&d->late);
	alerts_free(d);
}

/* add_recipient - addr for domain (NULL: every domain); an address
 * already listed for every domain keeps that */
static void
add_recipient(struct recipient **rs, size_t *n, const char *addr,
    const char *domain)
{
	struct recipient	*r = NULL;
	size_t			 i;

	for (i = 0; i < *n; i++)
		if (strcmp((*rs)[i].addr, addr) == 0)
			r = &(*rs)[i];
	if (r == NULL) {
		*rs = xreallocarray(*rs, *n + 1, sizeof **rs);
		r = &(*rs)[(*n)++];
		memset(r, 0, sizeof *r);
		r->addr = xstrdup(addr);
		if (domain == NULL)
			return;
	} else if (domain == NULL || r->n == 0) {
		for (i = 0; i < r->n; i++)
			free(r->domains[i]);
		free(r->domains);
		r->domains = NULL;
		r->n = 0;
		return;
	}
	r->domains = xreallocarray(r->domains, r->n + 1, sizeof *r->domains);
	r->domains[r->n] = xstrdup(domain);
	domain_normalise(r->domains[r->n++]);
}

/* recipients - --to, else digest_to (postmaster) and digest_domain_to */
static int
recipients(const struct conf *c, const char *to, struct recipient **rs,
    size_t *n)
{
	char	*dom, *addr;
	size_t	 i;

	*rs = NULL;
	*n = 0;
	if (to != NULL) {
		add_recipient(rs, n, to, NULL);
		return mailout_addr_ok(to) ? 0 : -1;
	}
	for (i = 0; i < c->digest_to.n; i++)
		add_recipient(rs, n, c->digest_to.v[i], NULL);
	if (c->digest_to.n == 0 && c->digest_domain_to.n == 0)
		add_recipient(rs, n, "postmaster", NULL);
	for (i = 0; i < c->digest_domain_to.n; i++) {
		/* conf_finish checked the shape */
		dom = xstrdup(c->digest_domain_to.v[i]);
		addr = strchr(dom, ':');
		*addr++ = '\0';
		add_recipient(rs, n, addr, dom);
		free(dom);
	}
	for (i = 0; i < *n; i++)
		if (!mailout_addr_ok((*rs)[i].addr))
			return -1;
	return 0;
}

/* recipients_free - what recipients() made */
static void
recipients_free(struct recipient *rs, size_t n)
{
	size_t	 i, j;

	for (i = 0; i < n; i++) {
		free(rs[i].addr);
		for (j = 0; j < rs[i].n; j++)
			free(rs[i].domains[j]);
		free(rs[i].domains);
	}
	free(rs);
}

/* run_alert_command - the alerts as JSON to alert_command; logged only */
static void
run_alert_command(const struct digest *d, const char *cmd)
{
	char	*json, *argv[2];
	int	 st;

	if (cmd == NULL || *cmd == '\0' || d->n_alerts == 0)
		return;
	json = alerts_json(d);
	argv[0] = (char *)(uintptr_t)cmd;
	argv[1] = NULL;
	if ((st = mailout_pipe(cmd, argv, json, strlen(json))) != 0)
		log_warnx("digest: alert_command %s failed (exit %d); the "
		    "digest goes on", cmd, st);
	free(json);
}

/* deliver - each recipient's message to sendmail or stdout; returns the
 * exit status */
static int
deliver(const struct digest *d, const struct conf *c,
    const struct recipient *rs, size_t n, const char *from, int send)
{
	struct buf	 subj = BUF_INIT, text = BUF_INIT, html = BUF_INIT;
	struct buf	 msg = BUF_INIT;
	char		 a0[] = "sendmail", a1[] = "-t", a2[] = "-i";
	char		*argv[] = { a0, a1, a2, NULL }, left[64];
	size_t		 i, out = 0;
	int		 rc = 0, st, empty;

	for (i = 0; i < n; i++) {
		empty = digest_body(d, &rs[i], &subj, &text, &html);
		if (empty && strcmp(c->digest_when_empty, "skip") == 0)
			goto next;
		snprintf(left, sizeof left, "tlsrpt-digest.%s.%zu", d->day, i);
		mailout_message(&msg, from, rs[i].addr, (char *)subj.data, left,
		    &text, &html);
		if (send) {
			st = mailout_pipe(c->sendmail, argv, msg.data, msg.len);
			if (st != 0) {
				log_warnx("digest: %s for %s exited %d",
				    c->sendmail, rs[i].addr, st);
				if (rc == 0)
					rc = st;
			}
		} else {
			/* several messages: an mbox, each after "From " */
			if (n > 1)
				printf("%sFrom tlsrpt %s\n", out ? "\n" : "",
				    d->day);
			fwrite(msg.data, 1, msg.len, stdout);
			out++;
		}
next:
		buf_reset(&subj);
		buf_reset(&text);
		buf_reset(&html);
		buf_reset(&msg);
	}
	buf_free(&subj);
	buf_free(&text);
	buf_free(&html);
	buf_free(&msg);
	return rc;
}

/* cmd_digest - the subcommand */
int
cmd_digest(struct conf *c, int argc, char **argv)
{
	struct digest	 d;
	struct recipient *rs = NULL;
	struct store	*s;
	const char	*to = NULL, *from = NULL;
	char		 err[ERRLEN], host[256], *deffrom = NULL;
	size_t		 n = 0;
	int		 i, rc = 0, send = 0;

	memset(&d, 0, sizeof d);
	day_today(d.day);
	day_add(d.day, -1, d.day);
	for (i = 1; i < argc; i++) {
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(argv[i], "--send") == 0) {
			send = 1;
			continue;
		}
		if (val == NULL)
			goto usage;
		if (strcmp(argv[i], "--date") == 0 && day_valid(val))
			snprintf(d.day, sizeof d.day, "%s", val);
		else if (strcmp(argv[i], "--to") == 0)
			to = val;
		else if (strcmp(argv[i], "--from") == 0)
			from = val;
		else
			goto usage;
		i++;
	}
	if (from == NULL && (from = c->digest_from) == NULL) {
		if (gethostname(host, sizeof host) == -1)
			snprintf(host, sizeof host, "localhost");
		host[sizeof host - 1] = '\0';
		from = deffrom = xasprintf("tlsrpt@%s", host);
	}
	if (!mailout_addr_ok(from) || recipients(c, to, &rs, &n) == -1) {
		log_warnx("digest: an address is empty or not printable "
		    "ASCII (digest_from, digest_to, digest_domain_to, --to, "
		    "--from)");
		rc = EX_CONFIG_;
		goto out;
	}
	d.conf_domains = c->domains;
	d.n_conf = c->n_domains;
	d.rate_pct = strtod(c->alert_failure_rate, NULL);
	d.min_failed = (int64_t)c->alert_min_failed;
	d.subject = c->digest_subject;
	if ((s = cmd_store(c, "tlsrpt-digest", &rc)) == NULL)
		goto out;
	if (digest_read(&d, s, c, err, sizeof err) == -1) {
		log_warnx("digest: %s", err);
		rc = EX_TEMPFAIL_;
	} else {
		run_alert_command(&d, c->alert_command);
		rc = deliver(&d, c, rs, n, from, send);
	}
	cmd_store_close(s);
out:
	digest_free(&d);
	recipients_free(rs, n);
	free(deffrom);
	return rc;
usage:
	fprintf(stderr, "usage: tlsrpt digest [--date YYYY-MM-DD] [--to ADDR] "
	    "[--from ADDR] [--send]\n");
	return EX_USAGE_;
}
