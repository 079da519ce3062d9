/*
 * committer.c - serve's group commit: decoded requests into the intake
 *
 * DESCRIPTION
 *	A request whose body is complete is decoded by its worker thread
 *	(intake_decode), suspended (MHD_suspend_connection) and queued here.
 *	One committer thread takes what waits, hands it to the intake as one
 *	batch (one transaction, one fsync, each report still all-or-nothing;
 *	the spool while the database is away, the quarantine for rejected
 *	bodies) and resumes the requests; their handlers then answer from
 *	the verdicts.  Under load the batches grow by themselves, so the
 *	disk's fsync rate no longer bounds the request rate, and no worker
 *	thread ever blocks on the database.
 *
 *	The committer never touches libmicrohttpd itself: the door gives
 *	it a suspend and a resume (struct committer_ops; http.c's suspend
 *	and resume the request's connection), so that a test can drive it
 *	without a server.
 *
 *	At shutdown, committer_stop answers everything queued and joins the
 *	thread; a request that completes after that (the daemons still
 *	finish what is in flight) is stored by its own worker into the spool
 *	(durable, so its 201 holds) instead of being refused.  The committer
 *	is freed only after the daemons stopped, so no worker ever reaches
 *	freed memory.
 *
 *	One committer, and it waits up to GATHER_USEC for more requests
 *	when fewer than GATHER_MIN are queued: fewer, larger transactions.
 *	A transaction costs PostgreSQL about 1 ms of CPU whatever its size,
 *	a report about 0.1 ms more, so under load the batch size decides the
 *	database's share.  Measured with make bench (new TLS connection per
 *	report, 2 cores, 4 worker threads, (b)/(a) over three rounds): two
 *	committers 0.55, one 0.66, gathering 1 ms 0.67-0.69, 4 ms 0.71-0.73,
 *	10 ms 0.74-0.77, 20 ms 0.73 (then too few of the 64 senders are left
 *	handshaking).  A lone report waits those 10 ms; its sender, which
 *	allows minutes, never sees the difference.
 *
 * DIAGNOSTICS
 *	"database: ..." when a batch could not be stored (it was spooled) or
 *	a rejected body could not be quarantined.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "intake.h"
#include "log.h"
#include "metrics.h"
#include "serve.h"
#include "util.h"
#include "xmalloc.h"

#define GATHER_USEC	10000L
#define GATHER_MIN	32

/* After a database failure, requests go straight to the spool for this
 * long instead of each waiting for a connection attempt. */
#define DB_BACKOFF_SECONDS	2

/* A database that hangs rather than fails (a lock held, a disk stalled)
 * would hold every request waiting for the committer: past this, the
 * statement is cancelled and the reports go to the spool.  It bounds how
 * long a sender waits for its answer, and senders give up after 30 s or
 * so (and many never retry): at 30 s, tests/fault.sh saw every request
 * posted during a held lock time out before its 201.  A batch that is
 * merely slow is not lost either: spooled, the replay stores it later. */
#define DB_STATEMENT_SECONDS	10

struct committer {
	const struct conf	*conf;
	struct committer_ops	 ops;
	struct intake		 in;		/* the committer thread's */
	pthread_t		 tid;
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;		/* on CLOCK_MONOTONIC */
	struct request		*jobs;		/* FIFO of suspended requests */
	struct request	       **tail;
	size_t			 njobs;
	int			 idle;		/* the thread waits for a job */
	int			 gathering;	/* ... for GATHER_MIN jobs */
	int			 stopping;
};

/* commit - one batch of requests through the intake; each gets its
 * verdict in rq->item */
static void
commit(struct committer *cm, struct request *list, size_t n)
{
	struct intake_item	*items;
	struct request		*rq;
	char			 err[ERRLEN];
	size_t			 i;

	double			 t0;

	items = xcalloc(n, sizeof *items);
	for (rq = list, i = 0; rq != NULL; rq = rq->next, i++)
		items[i] = rq->item;
	t0 = mono_now();
	if (intake_submit(&cm->in, items, n, err, sizeof err) == -1) {
		log_warnx("database: %s", err);
		metrics_db_error();
	}
	metrics_commit(n, mono_now() - t0);
	for (rq = list, i = 0; rq != NULL; rq = rq->next, i++)
		rq->item = items[i];
	free(items);
}

/* gather - with the lock held: when few requests wait, give others up to
 * GATHER_USEC to join them in the same transaction */
static void
gather(struct committer *cm)
{
	struct timespec	 dl;

	if (cm->njobs >= GATHER_MIN || cm->stopping)
		return;
	cm->gathering = 1;
	clock_gettime(CLOCK_MONOTONIC, &dl);	/* the condition's clock */
	dl.tv_nsec += GATHER_USEC * 1000L;
	if (dl.tv_nsec >= 1000000000L) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000L;
	}
	while (cm->njobs < GATHER_MIN && !cm->stopping &&
	    pthread_cond_timedwait(&cm->cond, &cm->lock, &dl) == 0)
		;
	cm->gathering = 0;
}

/* committer_main - the thread: take at most batch_reports, store, resume */
static void *
committer_main(void *arg)
{
	struct committer *cm = arg;
	struct request	*list, *rq, *next;
	size_t		 n;

	for (;;) {
		pthread_mutex_lock(&cm->lock);
		cm->idle = 1;
		while (cm->jobs == NULL && !cm->stopping)
			pthread_cond_wait(&cm->cond, &cm->lock);
		cm->idle = 0;
		if (cm->jobs == NULL && cm->stopping) {
			pthread_mutex_unlock(&cm->lock);
			break;
		}
		gather(cm);
		list = cm->jobs;
		for (rq = list, n = 1; rq->next != NULL &&
		    n < cm->conf->batch_reports; rq = rq->next, n++)
			;
		cm->jobs = rq->next;
		rq->next = NULL;
		cm->njobs -= n;
		if (cm->jobs == NULL)
			cm->tail = &cm->jobs;
		pthread_mutex_unlock(&cm->lock);

		log_debug("committer: batch of %zu", n);
		commit(cm, list, n);
		for (rq = list; rq != NULL; rq = next) {
			next = rq->next;
			rq->next = NULL;
			rq->state = JOB_DONE;
			cm->ops.resume(rq);
		}
	}
	intake_close(&cm->in);
	return NULL;
}

/* committer_start - see serve.h */
struct committer *
committer_start(const struct conf *conf, const struct committer_ops *ops)
{
	struct committer	*cm = xcalloc(1, sizeof *cm);
	pthread_condattr_t	 ca;

	cm->conf = conf;
	cm->ops = *ops;
	intake_open(&cm->in, conf, "tlsrpt-serve",
	    INTAKE_SPOOL | INTAKE_QUARANTINE, NULL);
	cm->in.timeout = DB_STATEMENT_SECONDS;
	cm->in.backoff = DB_BACKOFF_SECONDS;
	cm->tail = &cm->jobs;
	pthread_mutex_init(&cm->lock, NULL);
	/* gather() waits against the monotonic clock: a wall clock set back
	 * must not hold requests for as long. */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&cm->cond, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&cm->tid, NULL, committer_main, cm) != 0)
		fatalx("cannot start the committer thread");
	return cm;
}

/* spool_now - the committer has stopped: rq's verdict from the spool
 * (or the quarantine's spool entry), in the caller's thread */
static void
spool_now(const struct conf *conf, struct request *rq)
{
	struct intake	 in;
	char		 err[ERRLEN];

	intake_open(&in, conf, "tlsrpt-serve", INTAKE_SPOOL |
	    INTAKE_QUARANTINE | INTAKE_NO_DATABASE, NULL);
	/* -1 says only that there is no database: the verdict says the
	 * rest (SPOOLED, or TEMPFAIL with its reason when the spool failed) */
	(void)intake_submit(&in, &rq->item, 1, err, sizeof err);
	intake_close(&in);
	rq->state = JOB_DONE;
}

/* committer_enqueue - see serve.h */
int
committer_enqueue(struct committer *cm, struct request *rq)
{
	pthread_mutex_lock(&cm->lock);
	if (cm->stopping) {
		pthread_mutex_unlock(&cm->lock);
		spool_now(cm->conf, rq);
		return 0;
	}
	rq->state = JOB_QUEUED;
	rq->next = NULL;
	/* suspended before it is queued: the committer cannot resume it
	 * before that */
	cm->ops.suspend(rq);
	*cm->tail = rq;
	cm->tail = &rq->next;
	cm->njobs++;
	/* Wake the committer only when it waits for this: a wake-up per
	 * request, while it gathers or commits, would cost a context switch
	 * each (about 10 µs here) for nothing. */
	if (cm->idle || (cm->gathering && cm->njobs >= GATHER_MIN))
		pthread_cond_signal(&cm->cond);
	pthread_mutex_unlock(&cm->lock);
	return 1;
}

/* committer_stop - see serve.h */
void
committer_stop(struct committer *cm)
{
	if (cm == NULL)
		return;
	pthread_mutex_lock(&cm->lock);
	if (cm->stopping) {
		pthread_mutex_unlock(&cm->lock);
		return;
	}
	cm->stopping = 1;
	pthread_cond_broadcast(&cm->cond);
	pthread_mutex_unlock(&cm->lock);
	pthread_join(cm->tid, NULL);
}

/* committer_free - see serve.h */
struct committer *
committer_free(struct committer *cm)
{
	if (cm == NULL)
		return NULL;
	committer_stop(cm);
	pthread_mutex_destroy(&cm->lock);
	pthread_cond_destroy(&cm->cond);
	free(cm);
	return NULL;
}
