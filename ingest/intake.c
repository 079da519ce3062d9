/*
 * intake.c - the one intake behind every front door (see intake.h)
 *
 * DESCRIPTION
 *	intake_submit() is the only place that stores reports and decides
 *	the fallbacks, in this order:
 *
 *	  1. decode what the door has not decoded (intake_decode);
 *	  2. store every decoded report in one store_batch() (one
 *	     transaction; a report the database refuses for its data fails
 *	     alone, inside the store) and map the store's verdicts;
 *	  3. when the database could not be used: each report to the spool
 *	     (INTAKE_SPOOL: durable, so the door may acknowledge it), else a
 *	     temporary failure;
 *	  4. every rejected body to the quarantine (INTAKE_QUARANTINE), or,
 *	     with the database away, to the spool as "invalid".
 *
 *	After a database failure the intake does not try to connect again
 *	for "backoff" seconds (serve sets 2), so a burst of requests goes
 *	straight to the spool instead of each waiting for a connection
 *	attempt.
 */
#include <arpa/inet.h>

#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "intake.h"
#include "decode.h"
#include "orgdomain.h"
#include "spool.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

/* intake_open - see intake.h */
void
intake_open(struct intake *in, const struct conf *conf, const char *appname,
    unsigned flags, struct store *st)
{
	memset(in, 0, sizeof *in);
	in->conf = conf;
	in->appname = appname;
	in->flags = flags;
	in->store = st;
	if (st != NULL)
		store_set_max_conflicts(st, conf->max_conflicts_per_report);
}

/* intake_close - see intake.h */
void
intake_close(struct intake *in)
{
	in->store = store_close(in->store);
}

/* db_lost - drop the connection; no new attempt for in->backoff s */
static void
db_lost(struct intake *in)
{
	in->store = store_close(in->store);
	in->retry_at = mono_now() + in->backoff;
}

/* intake_db - the connection, or NULL with err while the database is away */
static struct store *
intake_db(struct intake *in, char *err, size_t errlen)
{
	if (in->store != NULL)
		return in->store;
	if (in->flags & INTAKE_NO_DATABASE) {
		seterr(err, errlen, "no database for this door");
		return NULL;
	}
	if (mono_now() < in->retry_at) {
		seterr(err, errlen, "database unavailable (retrying shortly)");
		return NULL;
	}
	if ((in->store = store_open(in->conf->database, in->appname, err,
	    errlen)) == NULL ||
	    (in->timeout > 0 && store_set_timeout(in->store, in->timeout, err,
	    errlen) == -1))
		db_lost(in);
	else
		store_set_max_conflicts(in->store,
		    in->conf->max_conflicts_per_report);
	return in->store;
}

/* reject - an item's verdict: refused, with the layer and the reason */
static void
reject(struct intake_item *it, enum report_error e, const char *why)
{
	it->verdict = INTAKE_REJECTED;
	it->error = e;
	snprintf(it->reason, sizeof it->reason, "%s", why);
}

/* intake_decode - see intake.h */
void
intake_decode(const struct conf *conf, struct intake_item *it)
{
	struct report_limits	 lim;
	enum report_error	 e;
	char			 why[ERRLEN];

	if (it->verdict != INTAKE_PENDING || it->report != NULL)
		return;
	lim.max_json = conf->max_report_bytes;
	lim.max_values = conf->max_report_values;
	e = report_decode(it->raw, it->rawlen, &lim, &it->report, why,
	    sizeof why);
	if (e != REPORT_OK) {
		reject(it, e, why);
		return;
	}
	/* the door's hint: only mail has one (TLS-Report-Domain) */
	if (it->hint != NULL)
		report_assign_domains(it->report, it->hint);
	it->foreign = !report_is_ours(it->report, conf->domain_set);
}

/* spool - the item durably into the spool as kind; 0 or -1 with err */
static int
spool(struct intake *in, struct intake_item *it, const char *kind,
    char *err, size_t errlen)
{
	struct spool_meta	 m;

	memset(&m, 0, sizeof m);
	m.kind = kind;
	m.transport = it->transport;
	m.source = it->source;
	m.reason = it->verdict == INTAKE_REJECTED ? it->reason : NULL;
	m.auth = it->auth;
	m.hint = it->hint;
	return spool_put(in->conf->spool_dir, in->conf->spool_max_bytes, &m,
	    it->raw, it->rawlen, err, errlen);
}

/* store_all - step 2: the decoded items in one batch; -1 with err when
 * the database could not be used (the items stay pending) */
static int
store_all(struct intake *in, struct intake_item *items, size_t n, char *err,
    size_t errlen)
{
	struct store_item	*si;
	struct store		*st;
	size_t			*map, i, m = 0;
	int			 temp, rc = 0;

	si = xcalloc(n ? n : 1, sizeof *si);
	map = xcalloc(n ? n : 1, sizeof *map);
	for (i = 0; i < n; i++) {
		if (items[i].verdict != INTAKE_PENDING)
			continue;
		si[m].report = items[i].report;
		si[m].raw = items[i].raw;
		si[m].rawlen = items[i].rawlen;
		si[m].transport = items[i].transport;
		si[m].source = items[i].source;
		si[m].auth = items[i].auth;
		si[m].hint = items[i].hint;
		si[m].proof = items[i].proof;
		si[m].arrival = items[i].arrival;
		si[m].narrival = items[i].narrival;
		si[m].mail = items[i].mail;
		si[m].foreign = items[i].foreign;
		map[m++] = i;
	}
	if (m > 0 && ((st = intake_db(in, err, errlen)) == NULL ||
	    store_batch(st, si, m, &temp, err, errlen) == -1)) {
		if (in->store != NULL)
			db_lost(in);
		rc = -1;
		m = 0;
	}
	if (m > 0 && temp)
		db_lost(in);	/* a conflicting copy failed: the database */
	for (i = 0; i < m; i++) {
		struct intake_item *it = &items[map[i]];

		it->id = si[i].id;
		switch (si[i].verdict) {
		case STORE_STORED:
			it->verdict = it->foreign ? INTAKE_FOREIGN :
			    INTAKE_STORED;
			break;
		case STORE_SUPERSEDED:
			it->verdict = INTAKE_SUPERSEDED;
			break;
		case STORE_DUPLICATE:
			it->verdict = INTAKE_DUPLICATE;
			break;
		case STORE_CONFLICT:
			it->verdict = INTAKE_CONFLICT;
			it->kept = INTAKE_KEPT_CONFLICT;
			break;
		case STORE_CONFLICT_OVER:
			it->verdict = INTAKE_CONFLICT;
			break;
		case STORE_RETRY:
			/* the database failed keeping this conflicting
			 * copy: like the database away, for it alone */
			if (rc == 0)
				seterr(err, errlen, "%s", si[i].err);
			rc = -1;
			break;
		default:
			/* PostgreSQL refused this one report's data. */
			reject(it, REPORT_OK, si[i].err);
			it->refused = 1;
			break;
		}
	}
	free(si);
	free(map);
	return rc;
}

/* intake_share - see intake.h.  An HTTPS client's network is a fact; for
 * a mail every name is a claim (a quarantined mail was not proven), and
 * the pipe is not told which MTA relayed it.  The From's registrable
 * domain is the claim a reader of the quarantine groups by; a flood that
 * changes it each time gets a share per registrable domain it owns or
 * forges (subdomains do not multiply it), and the whole bound still
 * trims the largest holder first. */
void
intake_share(const struct intake_item *it, char *buf, size_t len)
{
	unsigned char	 a[16];
	char		 dom[256], org[256], net[INET6_ADDRSTRLEN];
	const char	*tr = it->transport ? it->transport : "unknown";

	if (it->mail != NULL || strcmp(tr, "mail") == 0) {
		if (it->mail == NULL || it->mail->mail_from == NULL ||
		    addr_domain(it->mail->mail_from, dom, sizeof dom) == -1)
			snprintf(buf, len, "mail (no From)");
		else
			snprintf(buf, len, "mail %s", org_domain(dom, org,
			    sizeof org) == 0 ? org : dom);
		return;
	}
	if (it->source == NULL) {
		snprintf(buf, len, "%s", tr);
		return;
	}
	if (inet_pton(AF_INET, it->source, a) == 1) {
		a[3] = 0;
		inet_ntop(AF_INET, a, net, sizeof net);
		snprintf(buf, len, "%s %s/24", tr, net);
	} else if (inet_pton(AF_INET6, it->source, a) == 1) {
		memset(a + 8, 0, 8);
		inet_ntop(AF_INET6, a, net, sizeof net);
		snprintf(buf, len, "%s %s/64", tr, net);
	} else
		snprintf(buf, len, "%s %s", tr, it->source);
}

/* keep - step 4: a rejected body into the quarantine, or into the spool
 * (as "invalid", for the quarantine later) when the database did not take
 * it; -1 with err when the database did not */
static int
keep(struct intake *in, struct intake_item *it, char *err, size_t errlen)
{
	struct store_qbound	 b;
	struct store		*st;
	char			 why[ERRLEN], swhy[ERRLEN], share[300];
	int			 temp = 0;

	intake_share(it, share, sizeof share);
	b.share = share;
	b.max_bytes = in->conf->quarantine_max_bytes;
	b.share_max = b.max_bytes / 100 * in->conf->quarantine_source_share +
	    b.max_bytes % 100 * in->conf->quarantine_source_share / 100;
	if (b.max_bytes == 0 || in->conf->quarantine_source_share >= 100)
		b.share_max = 0;	/* the whole bound is the only one */
	if ((st = intake_db(in, why, sizeof why)) != NULL) {
		if (store_quarantine(st, it->transport, it->source, it->reason,
		    it->raw, it->rawlen, it->mail, &b, &temp, why,
		    sizeof why) == 0) {
			it->kept = INTAKE_KEPT_QUARANTINE;
			return 0;
		}
		if (temp)
			db_lost(in);
	}
	if (!(in->flags & INTAKE_SPOOL))
		return seterr(err, errlen, "quarantine: %s", why);
	if (spool(in, it, SPOOL_KIND_INVALID, swhy, sizeof swhy) == 0) {
		it->kept = INTAKE_KEPT_SPOOL;
		return seterr(err, errlen, "quarantine: %s (spooled)", why);
	}
	return seterr(err, errlen, "quarantine: %s; %s", why, swhy);
}

/* intake_submit - see intake.h */
int
intake_submit(struct intake *in, struct intake_item *items, size_t n,
    char *err, size_t errlen)
{
	struct intake_item	*it;
	char			 why[ERRLEN];
	size_t			 i;
	int			 rc = 0;

	err[0] = '\0';
	for (i = 0; i < n; i++)
		intake_decode(in->conf, &items[i]);
	if (store_all(in, items, n, err, errlen) == -1)
		rc = -1;
	for (i = 0; i < n; i++) {
		it = &items[i];
		if (it->verdict == INTAKE_PENDING) {
			/* step 3: the database could not take it */
			if (!(in->flags & INTAKE_SPOOL)) {
				it->verdict = INTAKE_TEMPFAIL;
				snprintf(it->reason, sizeof it->reason,
				    "database unavailable: %s", err);
			} else if (spool(in, it, SPOOL_KIND_REPORT, why,
			    sizeof why) == 0)
				it->verdict = INTAKE_SPOOLED;
			else {
				it->verdict = INTAKE_TEMPFAIL;
				snprintf(it->reason, sizeof it->reason, "%s",
				    why);
			}
		}
		if (it->verdict == INTAKE_REJECTED &&
		    it->kept == INTAKE_KEPT_NONE &&
		    (in->flags & INTAKE_QUARANTINE) &&
		    keep(in, it, rc == 0 ? err : why,
		    rc == 0 ? errlen : sizeof why) == -1)
			rc = -1;
	}
	return rc;
}

/* intake_item_clear - see intake.h */
void
intake_item_clear(struct intake_item *it)
{
	it->report = report_free(it->report);
	it->verdict = INTAKE_PENDING;
	it->error = REPORT_OK;
	it->refused = 0;
	it->kept = INTAKE_KEPT_NONE;
	it->foreign = 0;
	it->id = 0;
	it->reason[0] = '\0';
}

/* intake_verdict_name - see intake.h */
const char *
intake_verdict_name(enum intake_verdict v)
{
	switch (v) {
	case INTAKE_STORED:
		return "stored";
	case INTAKE_SUPERSEDED:
		return "superseded";
	case INTAKE_DUPLICATE:
		return "duplicate";
	case INTAKE_FOREIGN:
		return "foreign";
	case INTAKE_CONFLICT:
		return "conflict";
	case INTAKE_REJECTED:
		return "rejected";
	case INTAKE_SPOOLED:
		return "spooled";
	case INTAKE_TEMPFAIL:
		return "unavailable";
	default:
		return "pending";
	}
}
