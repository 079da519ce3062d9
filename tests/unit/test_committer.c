/*
 * test_committer.c - serve's group commit (ingest/committer.c) against a
 * live PostgreSQL and a real spool directory
 *
 * SYNOPSIS
 *	TLSRPT_TEST_DB="host=/tmp/pg dbname=postgres" build/tests/test_committer
 *
 * DESCRIPTION
 *	The committer holds connections through the door's suspend and
 *	resume (struct committer_ops); here they record what happened and
 *	wake the test, so no HTTP server is needed: the committer thread,
 *	the intake, PostgreSQL (its own schema, db.h) and the spool are the
 *	real ones.  Covers: a request queued, stored and resumed; requests
 *	still queued at shutdown answered by committer_stop; and a request
 *	that completes after the committer has stopped (the daemons still
 *	finish what is in flight) spooled durably, answered at once, never
 *	refused (503) nor suspended.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "intake.h"
#include "log.h"
#include "serve.h"
#include "spool.h"
#include "util.h"
#include "xmalloc.h"

#include "db.h"

#define REPORT(id)							\
	"{\"organization-name\":\"C Org\",\"date-range\":"		\
	"{\"start-datetime\":\"2024-04-01T00:00:00Z\",\"end-datetime\":"	\
	"\"2024-04-01T23:59:59Z\"},\"contact-info\":\"tls@c.test\","	\
	"\"report-id\":\"" id "\",\"policies\":[{\"policy\":{"		\
	"\"policy-type\":\"sts\",\"policy-string\":[\"version: STSv1\"],"	\
	"\"policy-domain\":\"c.test\",\"mx-host\":[\"mx.c.test\"]},"	\
	"\"summary\":{\"total-successful-session-count\":3,"		\
	"\"total-failure-session-count\":0}}]}"

static struct conf	 conf;
static char		 spooldir[] = "/tmp/tlsrpt-test-spool.XXXXXX";
static pthread_mutex_t	 lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	 cond = PTHREAD_COND_INITIALIZER;
static int		 suspended, resumed;

static void
suspend(struct request *rq)
{
	(void)rq;
	pthread_mutex_lock(&lock);
	suspended++;
	pthread_mutex_unlock(&lock);
}

static void
resume(struct request *rq)
{
	(void)rq;
	pthread_mutex_lock(&lock);
	resumed++;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
}

static const struct committer_ops ops = { suspend, resume };

/* wait_resumed - until n requests were resumed, at most 20 s; the count */
static int
wait_resumed(int n)
{
	struct timespec	 dl;
	int		 got;

	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += 20;
	pthread_mutex_lock(&lock);
	while (resumed < n && pthread_cond_timedwait(&cond, &lock, &dl) !=
	    ETIMEDOUT)
		;
	got = resumed;
	pthread_mutex_unlock(&lock);
	return got;
}

/* request - a request whose body is complete, as http.c hands it over */
static struct request *
request(const char *body)
{
	struct request	*rq = xcalloc(1, sizeof *rq);

	buf_puts(&rq->body, body);
	snprintf(rq->client, sizeof rq->client, "192.0.2.9");
	rq->item.raw = rq->body.data;
	rq->item.rawlen = rq->body.len;
	rq->item.transport = "https";
	rq->item.source = rq->client;
	return rq;
}

/* request_free - what completed() in http.c does */
static struct request *
request_free(struct request *rq)
{
	intake_item_clear(&rq->item);
	buf_free(&rq->body);
	free(rq);
	return NULL;
}

static void
test_committer(void)
{
	struct committer	*cm;
	struct request		*a, *b, *c, *d, *e;

	cm = committer_start(&conf, &ops);

	/* running: queued, suspended, stored, resumed */
	a = request(REPORT("c-1"));
	t_int("running: queued", committer_enqueue(cm, a), 1);
	t_int("running: resumed once stored", wait_resumed(1), 1);
	t_int("running: suspended first", suspended, 1);
	t_int("running: done", a->state, JOB_DONE);
	t_str("running: stored", intake_verdict_name(a->item.verdict),
	    "stored");

	/* queued when the shutdown comes: stop answers them all */
	b = request(REPORT("c-2"));
	c = request(REPORT("c-3"));
	t_int("at shutdown: queued", committer_enqueue(cm, b) +
	    committer_enqueue(cm, c), 2);
	committer_stop(cm);
	t_int("at shutdown: every queued request resumed by stop", resumed, 3);
	t_str("at shutdown: b stored", intake_verdict_name(b->item.verdict),
	    "stored");
	t_str("at shutdown: c stored", intake_verdict_name(c->item.verdict),
	    "stored");

	/* after the stop: the worker spools it and answers at once */
	d = request(REPORT("c-4"));
	t_int("after stop: answered at once", committer_enqueue(cm, d), 0);
	t_str("after stop: spooled (201), not refused (503)",
	    intake_verdict_name(d->item.verdict), "spooled");
	t_int("after stop: done", d->state, JOB_DONE);
	t_int("after stop: in the spool", spool_count(spooldir), 1);
	t_int("after stop: never suspended", suspended, 3);
	t_int("after stop: never resumed", resumed, 3);
	e = request("{\"not\": \"a report\"}");
	t_int("after stop, invalid: answered at once",
	    committer_enqueue(cm, e), 0);
	t_str("after stop, invalid: rejected (400)",
	    intake_verdict_name(e->item.verdict), "rejected");
	t_int("after stop, invalid: kept in the spool for the quarantine",
	    e->item.kept, INTAKE_KEPT_SPOOL);
	t_int("after stop, invalid: in the spool", spool_count(spooldir), 2);
	committer_stop(cm);	/* twice: harmless */
	cm = committer_free(cm);
	t_ok("free returns NULL", cm == NULL, NULL);
	t_str("stored once each", q("SELECT count(*) || '/' || "
	    "count(DISTINCT report_id) FROM report", NULL, NULL), "3/3");
	a = request_free(a);
	b = request_free(b);
	c = request_free(c);
	d = request_free(d);
	e = request_free(e);
}

int
main(void)
{
	char	 err[ERRLEN];

	log_init("test_committer", 0, 75);
	if (db_start("test_committer", 0) == -1 || mkdtemp(spooldir) == NULL) {
		db_stop();
		return t_done();
	}
	conf_init(&conf);
	conf.database = xstrdup(conninfo);
	free(conf.spool_dir);
	conf.spool_dir = xstrdup(spooldir);
	if (t_int("conf", conf_finish(&conf, err, sizeof err), 0) &&
	    t_int("spool", spool_init(spooldir, err, sizeof err), 0))
		test_committer();
	conf_free(&conf);
	db_stop();
	snprintf(err, sizeof err, "rm -rf '%s'", spooldir);
	if (system(err) != 0)
		printf("could not remove %s\n", spooldir);
	return t_done();
}
