/*
 * serve.c - "tlsrpt serve": start-up, signals and shutdown of the HTTPS
 *	     door
 *
 * SYNOPSIS
 *	tlsrpt serve
 *
 * DESCRIPTION
 *	Start-up order (STYLE.md rule 7): read the certificate and key,
 *	create the spool, bind every socket (listen.c), then drop to "user"
 *	(the spool is handed to that user first), then start the connection
 *	limits and their watchdog (connlimit.c), the committer (committer.c)
 *	and the daemons on the bound sockets (http.c).
 *
 *	The main thread waits for signals and, once a second, moves spooled
 *	reports into the database whenever entries wait and the database
 *	answers (replay.c), and after a burst gives freed memory back to the
 *	system (give_back).  SIGTERM, SIGINT and SIGHUP stop accepting, let
 *	requests in flight finish (up to timeout_seconds), and exit 0.
 *
 * DIAGNOSTICS
 *	Exit 78 on configuration errors, 71 when a socket cannot be bound or
 *	privileges cannot be dropped.
 */
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "cmd.h"
#include "conf.h"
#include "intake.h"
#include "log.h"
#include "metrics.h"
#include "privdrop.h"
#include "replay.h"
#include "serve.h"
#include "spool.h"
#include "util.h"
#include "xmalloc.h"

#define EX_OSERR_	71

/* glibc malloc: blocks from this size up are mmap'ed; an arena whose
 * free top passes TRIM_THRESHOLD shrinks (memory_policy) */
#define MMAP_THRESHOLD	(256 * 1024)
#define TRIM_THRESHOLD	(1024 * 1024)

/* After a failed replay, the spool waits this long before the next try. */
#define DRAIN_BACKOFF_SECONDS	5

/* drain - move waiting spool entries into the database (main thread).
 * While the database is away nothing is scanned: with tens of thousands
 * of entries, reading the directory every second kept this thread busy
 * for nothing. */
static void
drain(struct server *s, struct intake *in)
{
	char	 err[ERRLEN];
	size_t	 done = 0;

	if (mono_now() < in->retry_at || spool_count(s->conf->spool_dir) <= 0)
		return;
	if (spool_replay(in, s->conf->spool_dir, &done, err,
	    sizeof err) == -1) {
		log_warnx("spool replay: %s", err);
		metrics_db_error();
		intake_close(in);
		in->retry_at = mono_now() + DRAIN_BACKOFF_SECONDS;
	}
	metrics_replayed(done);
	if (done)
		log_info("spool: %zu entr%s moved into the database", done,
		    done == 1 ? "y" : "ies");
}

/* setup - everything that needs the starting user's privileges: the
 * certificate and key, the spool, the sockets; then drop them.  Returns
 * 0 or the exit status. */
static int
setup(struct server *s)
{
	const struct conf	*conf = s->conf;
	char			 err[ERRLEN];
	uid_t			 uid;
	gid_t			 gid;
	size_t			 i;

	if (conf->tls_cert != NULL &&
	    ((s->cert_pem = read_pem(conf->tls_cert, err, sizeof err)) == NULL ||
	    (s->key_pem = read_pem(conf->tls_key, err, sizeof err)) == NULL)) {
		log_warnx("%s", err);
		return EX_CONFIG_;
	}
	if (spool_init(conf->spool_dir, err, sizeof err) == -1) {
		log_warnx("%s", err);
		return EX_CONFIG_;
	}
	s->nls = conf->listen.n + conf->listen_http.n;
	s->ls = xcalloc(s->nls, sizeof *s->ls);
	for (i = 0; i < s->nls; i++) {
		s->ls[i].fd = -1;
		s->ls[i].tls = i < conf->listen.n;
		s->ls[i].spec = s->ls[i].tls ? conf->listen.v[i] :
		    conf->listen_http.v[i - conf->listen.n];
		if (listen_bind(&s->ls[i], err, sizeof err) == -1) {
			log_warnx("%s", err);
			return EX_OSERR_;
		}
	}
	if (conf->listen_metrics != NULL) {
		s->mls = xcalloc(1, sizeof *s->mls);
		s->mls->fd = -1;
		s->mls->metrics = 1;
		s->mls->spec = conf->listen_metrics;
		if (listen_bind(s->mls, err, sizeof err) == -1) {
			log_warnx("%s", err);
			return EX_OSERR_;
		}
	}
	if (conf->user != NULL &&
	    (priv_lookup(conf->user, &uid, &gid, err, sizeof err) == -1 ||
	    spool_chown(conf->spool_dir, uid, gid, err, sizeof err) == -1 ||
	    priv_drop(conf->user, uid, gid, err, sizeof err) == -1)) {
		log_warnx("%s", err);
		return EX_OSERR_;
	}
	return 0;
}

/* memory_policy - before any thread: large buffers (bodies, inflated
 * reports) are mapped and unmapped on their own, so freeing them gives
 * the memory back at once.  glibc's default raises its mmap threshold
 * to the size of a large block once one is freed (up to 32 MiB), after
 * which such buffers come from the worker threads' arenas, whose tops
 * it only trims past twice that and which malloc_trim() does not trim:
 * measured with make bench, 16 gzip bombs (15 MB inflated each) left
 * serve at 40 MB for good; fixed thresholds give it back. */
static void
memory_policy(void)
{
	(void)mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD);
	(void)mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD);
}

/* give_back - once a second: after a burst, when a second has passed
 * without a request ending, hand the memory freed since back to the
 * system.  glibc keeps what the worker threads free in their arenas (and
 * raises its mmap threshold after a large free, so the next large
 * buffers come from the arenas too): a burst of large reports would
 * otherwise leave the server at its peak size for good.  malloc_trim(0)
 * returns the free pages of every arena. */
static void
give_back(struct server *s, unsigned long *seen, unsigned long *trimmed)
{
	unsigned long	 n = atomic_load(&s->answered);

	if (n != *seen) {
		*seen = n;		/* still busy */
		return;
	}
	if (n == *trimmed)
		return;			/* nothing since */
	(void)malloc_trim(0);
	*trimmed = n;
}

/* run - serve until a signal; the daemons are running */
static int
run(struct server *s, sigset_t *sigs)
{
	struct intake	 drainer;
	struct timespec	 tick = { 1, 0 };
	siginfo_t	 si;
	double		 deadline;
	unsigned long	 seen = 0, trimmed = 0;
	size_t		 i;
	int		 sig;

	/* replays must not spool again: the quarantine is their fallback */
	intake_open(&drainer, s->conf, "tlsrpt-spool", INTAKE_QUARANTINE,
	    NULL);
	for (;;) {
		sig = sigtimedwait(sigs, &si, &tick);
		if (sig == SIGTERM || sig == SIGINT || sig == SIGHUP)
			break;
		drain(s, &drainer);
		give_back(s, &seen, &trimmed);
	}
	intake_close(&drainer);
	log_info("signal %d: finishing requests in flight", sig);
	for (i = 0; i < s->nls; i++)
		MHD_quiesce_daemon(s->ls[i].daemon);
	deadline = mono_now() + (double)s->conf->timeout_seconds;
	while (http_connections(s) > 0 && mono_now() < deadline)
		nanosleep(&(struct timespec){ 0, 100000000 }, NULL);
	return 0;
}

/* cmd_serve - the subcommand */
int
cmd_serve(struct conf *conf, int argc, char **argv)
{
	struct server	 s;
	sigset_t	 sigs;
	char		 err[ERRLEN];
	size_t		 i;
	int		 rc = 0;

	memset(&s, 0, sizeof s);
	s.conf = conf;
	for (i = 1; i < (size_t)argc; i++) {
		if (strcmp(argv[i], "--bench-null") == 0)
			s.null_mode = 1;
		else {
			fprintf(stderr, "usage: tlsrpt serve\n");
			return EX_USAGE_;
		}
	}
	if (strcmp(conf->log, "syslog") == 0)
		log_init("tlsrpt", 1, EX_TEMPFAIL_);
	memory_policy();
	if (conf->listen.n + conf->listen_http.n == 0) {
		log_warnx("%s: neither listen nor listen_http is set",
		    conf->path ? conf->path : "configuration");
		return EX_CONFIG_;
	}
	if (conf->listen.n > 0 && conf->tls_cert == NULL) {
		log_warnx("%s: listen needs tls_cert and tls_key",
		    conf->path ? conf->path : "configuration");
		return EX_CONFIG_;
	}
	if ((rc = setup(&s)) != 0)
		goto out;

	/* Signals are taken by the main thread alone (sigtimedwait): block
	 * them before any other thread exists, so all inherit the mask. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	s.rate = ratelimit_new(conf->rate_limit_per_minute, RATELIMIT_SLOTS);
	s.limits = connlimit_start(conf);
	s.committer = committer_start(conf, &http_committer_ops);
	for (i = 0; i < s.nls && rc == 0; i++)
		if (http_start(&s, &s.ls[i], err, sizeof err) == -1) {
			log_warnx("%s", err);
			rc = EX_CONFIG_;
		}
	if (rc == 0 && s.mls != NULL &&
	    metrics_start(&s, s.mls, err, sizeof err) == -1) {
		log_warnx("%s", err);
		rc = EX_OSERR_;
	}
	if (rc == 0) {
		log_info("serving %zu listener(s), report path%s %s%s", s.nls,
		    conf->report_path.n > 1 ? "s" : "", conf->report_path.v[0],
		    conf->report_path.n > 1 ? " ..." : "");
		rc = run(&s, &sigs);
	}
	/* Stop the committer first: it answers and resumes every request it
	 * holds, and later ones are spooled by their own workers, so no
	 * connection is suspended when the daemons stop (MHD requires it).
	 * It is freed only once no worker can reach it. */
	committer_stop(s.committer);
	metrics_stop(&s);
	for (i = 0; i < s.nls; i++)
		if (s.ls[i].daemon != NULL)
			MHD_stop_daemon(s.ls[i].daemon);
	s.committer = committer_free(s.committer);
	s.limits = connlimit_stop(s.limits);
	s.rate = ratelimit_free(s.rate);
	log_info("stopped");
out:
	for (i = 0; s.ls != NULL && i < s.nls; i++)
		if (s.ls[i].fd != -1)
			close(s.ls[i].fd);	/* after MHD_stop_daemon */
	free(s.ls);
	if (s.mls != NULL && s.mls->fd != -1)
		close(s.mls->fd);
	free(s.mls);
	free(s.cert_pem);
	free(s.key_pem);
	return rc;
}
