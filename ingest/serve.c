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
 *	system (give_back).  SIGHUP reloads the certificate and key (and
 *	tls_priorities) without dropping a connection (reload).  SIGTERM
 *	and SIGINT stop accepting, let requests in flight finish (up to
 *	timeout_seconds), and exit 0.
 *
 * DIAGNOSTICS
 *	Exit 78 on configuration errors, 71 when a socket cannot be bound or
 *	privileges cannot be dropped.
 */
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
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

/* The replay runs in the main thread, which also takes the signals: a
 * database that hangs (a lock held) held SIGTERM until it answered (47 s
 * in tests/fault.sh, systemd kills at 90 s).  Past this a replay
 * statement is cancelled, the entries stay, SIGTERM is seen. */
#define DRAIN_STATEMENT_SECONDS	10

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
	spool_tidy(conf->spool_dir);
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

/* retire_done - stop the daemons a reload replaced once their last
 * connection is gone (main thread, each tick), and when none is left,
 * free the PEM strings they were started with.  Each connection phase
 * has a deadline (connlimit.c) but ours, which the committer bounds,
 * so every replaced daemon ends by itself. */
static void
retire_done(struct server *s)
{
	const union MHD_DaemonInfo	*di;
	size_t				 i = 0;

	pthread_mutex_lock(&s->dlock);
	while (i < s->nretired) {
		di = MHD_get_daemon_info(s->retired[i],
		    MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
		if (di != NULL && di->num_connections > 0) {
			i++;
			continue;
		}
		/* quiesced: stopping it leaves the listening socket open */
		MHD_stop_daemon(s->retired[i]);
		s->retired[i] = s->retired[--s->nretired];
		log_info("reload: a replaced daemon finished its connections");
	}
	if (s->nretired == 0) {
		for (i = 0; i < s->nold_pem; i++)
			free(s->old_pem[i]);
		s->nold_pem = 0;
	}
	pthread_mutex_unlock(&s->dlock);
}

/* retire - with dlock held: d stops accepting and finishes what it has */
static void
retire(struct server *s, struct MHD_Daemon *d)
{
	(void)MHD_quiesce_daemon(d);
	s->retired = xreallocarray(s->retired, s->nretired + 1,
	    sizeof *s->retired);
	s->retired[s->nretired++] = d;
}

/* keep_pem - with dlock held: p is freed once no retired daemon is left */
static void
keep_pem(struct server *s, char *p)
{
	s->old_pem = xreallocarray(s->old_pem, s->nold_pem + 1,
	    sizeof *s->old_pem);
	s->old_pem[s->nold_pem++] = p;
}

/* changed_keys - the keys whose values differ between a and b, other than
 * those a reload applies, as "k1, k2" into buf; 0 when none */
static int
changed_keys(const struct conf *a, const struct conf *b, char *buf,
    size_t len)
{
	static const char *const applied[] = { "tls_cert =", "tls_key =",
	    "tls_priorities =" };
	char	*ta = NULL, *tb = NULL, *la, *lb, *ea, *eb;
	size_t	 na = 0, nb = 0, i, o = 0;
	FILE	*fa, *fb;
	int	 n = 0, skip;

	buf[0] = '\0';
	if ((fa = open_memstream(&ta, &na)) == NULL)
		return 0;
	if ((fb = open_memstream(&tb, &nb)) == NULL) {
		fclose(fa);
		free(ta);
		return 0;
	}
	conf_dump(a, fa);
	conf_dump(b, fb);
	fclose(fa);
	fclose(fb);
	/* the same table dumps the same keys in the same order */
	for (la = ta, lb = tb; *la != '\0' && *lb != '\0'; la = ea + 1,
	    lb = eb + 1) {
		if ((ea = strchr(la, '\n')) == NULL ||
		    (eb = strchr(lb, '\n')) == NULL)
			break;
		if (ea - la == eb - lb && memcmp(la, lb, (size_t)(ea - la)) == 0)
			continue;
		for (skip = 0, i = 0; i < sizeof applied / sizeof applied[0];
		    i++)
			skip |= strncmp(la, applied[i], strlen(applied[i])) == 0;
		if (skip)
			continue;
		if (o + 64 < len)
			o += (size_t)snprintf(buf + o, len - o, "%s%.*s",
			    n ? ", " : "", (int)strcspn(la, " ="), la);
		n++;
	}
	free(ta);
	free(tb);
	return n;
}

/* tls_log - MHD_OPTION_EXTERNAL_LOGGER of tls_check: keep the first
 * message, which says why GnuTLS refused */
static void
tls_log(void *cls, const char *fmt, va_list ap)
{
	char	*why = cls;
	size_t	 len;

	if (why[0] != '\0')
		return;
	vsnprintf(why, ERRLEN, fmt, ap);
	len = strlen(why);
	while (len > 0 && (why[len - 1] == '\n' || why[len - 1] == '\r'))
		why[--len] = '\0';
}

/* no_access - tls_check's daemon never gets a request; MHD wants one */
static enum MHD_Result
no_access(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *data,
    size_t *size, void **con_cls)
{
	(void)cls, (void)c, (void)url, (void)method, (void)version;
	(void)data, (void)size, (void)con_cls;
	return MHD_NO;
}

/* tls_check - would libmicrohttpd start with this certificate, key and
 * priority string?  Tried on a daemon without a socket, because a daemon
 * that fails to start closes the listening socket it was given. */
static int
tls_check(const char *cert, const char *key, const char *prio, char *err,
    size_t errlen)
{
	struct MHD_Daemon	*d;
	char			 why[ERRLEN] = "";

	d = MHD_start_daemon(MHD_USE_TLS | MHD_USE_NO_LISTEN_SOCKET |
	    MHD_USE_ERROR_LOG, 0, NULL, NULL, no_access, NULL,
	    MHD_OPTION_EXTERNAL_LOGGER, tls_log, (void *)why,
	    MHD_OPTION_HTTPS_MEM_KEY, key,
	    MHD_OPTION_HTTPS_MEM_CERT, cert,
	    MHD_OPTION_HTTPS_PRIORITIES, prio,
	    MHD_OPTION_END);
	if (d == NULL)
		return seterr(err, errlen, "the certificate, key or "
		    "tls_priorities is refused: %s", why[0] ? why :
		    "no reason given");
	MHD_stop_daemon(d);
	return 0;
}

/*
 * reload - SIGHUP: read the configuration file again and apply what can
 * change at run time: the certificate and key (the files it names, read
 * again even if the names are the same) and tls_priorities.  Every TLS
 * listener gets a new daemon on its same socket with them, and the old
 * one is quiesced: it accepts nothing more and finishes the connections
 * it has (retire_done), so no request in flight is dropped.  The new
 * certificate is tried before anything is replaced (tls_check): if a
 * file cannot be read (after the privilege drop, the key must be
 * readable by "user") or GnuTLS refuses the pair (not PEM, a key that
 * does not match, bad priorities), the old daemons keep serving and the
 * log says why.  Other changed keys are named in the log: they need a
 * restart (the connection limits, the database and the rest are read by
 * every thread and stay as they were at the start).
 */
static void
reload(struct server *s)
{
	const struct conf	*cur = s->conf;
	struct conf		 nc;
	struct MHD_Daemon      **fresh = NULL;
	const char		*certf, *keyf, *prio;
	char			 err[ERRLEN], keys[512];
	char			*cert = NULL, *key = NULL, *oldc, *oldk, *oldp;
	size_t			 i, ntls = 0;
	int			 ok = 1, have = 0;

	conf_init(&nc);
	if (cur->path != NULL && (conf_load(&nc, cur->path, err,
	    sizeof err) == 0 && conf_finish(&nc, err, sizeof err) == 0))
		have = 1;
	else if (cur->path != NULL)
		log_warnx("reload: %s; reading the same certificate files "
		    "again", err);
	certf = have && nc.tls_cert != NULL ? nc.tls_cert : cur->tls_cert;
	keyf = have && nc.tls_key != NULL ? nc.tls_key : cur->tls_key;
	prio = have ? nc.tls_priorities : s->tls_priorities != NULL ?
	    s->tls_priorities : cur->tls_priorities;
	if (have && changed_keys(cur, &nc, keys, sizeof keys) > 0)
		log_warnx("reload: changed, applied only by a restart: %s",
		    keys);
	for (i = 0; i < s->nls; i++)
		ntls += s->ls[i].tls;
	if (ntls == 0 || certf == NULL) {
		log_info("reload: no TLS listener, nothing to reload");
		conf_free(&nc);
		return;
	}
	if ((cert = read_pem(certf, err, sizeof err)) == NULL ||
	    (key = read_pem(keyf, err, sizeof err)) == NULL ||
	    tls_check(cert, key, prio, err, sizeof err) == -1) {
		free(key);
		log_warnx("reload: %s; the certificate in use stays", err);
		metrics_reload(0);
		free(cert);
		conf_free(&nc);
		return;
	}

	pthread_mutex_lock(&s->dlock);
	oldc = s->cert_pem;
	oldk = s->key_pem;
	oldp = s->tls_priorities;
	s->cert_pem = cert;
	s->key_pem = key;
	s->tls_priorities = xstrdup(prio);
	fresh = xcalloc(s->nls, sizeof *fresh);
	for (i = 0; i < s->nls && ok; i++) {
		if (!s->ls[i].tls)
			continue;
		fresh[i] = s->ls[i].daemon;	/* the old one, for now */
		if (http_start(s, &s->ls[i], err, sizeof err) == -1)
			ok = 0;
		/* swap: ls[i] has the new daemon, fresh[i] the old */
		{
			struct MHD_Daemon *nd = s->ls[i].daemon;

			s->ls[i].daemon = fresh[i];
			fresh[i] = nd;
		}
	}
	if (!ok) {
		/* the listeners keep their daemons; new ones that started
		 * before the failure finish what they took */
		for (i = 0; i < s->nls; i++)
			if (fresh[i] != NULL)
				retire(s, fresh[i]);
		keep_pem(s, s->cert_pem);
		keep_pem(s, s->key_pem);
		keep_pem(s, s->tls_priorities);
		s->cert_pem = oldc;
		s->key_pem = oldk;
		s->tls_priorities = oldp;
		pthread_mutex_unlock(&s->dlock);
		/* tls_check passed, so this is rare (threads, memory); a
		 * daemon that failed to start closed its socket: say so */
		log_warnx("reload: %s (%s, %s); the certificate in use stays; "
		    "if a listener stopped answering, restart", err, certf,
		    keyf);
		metrics_reload(0);
	} else {
		for (i = 0; i < s->nls; i++)
			if (fresh[i] != NULL) {
				retire(s, s->ls[i].daemon);
				s->ls[i].daemon = fresh[i];
			}
		keep_pem(s, oldc);
		keep_pem(s, oldk);
		if (oldp != NULL)
			keep_pem(s, oldp);
		pthread_mutex_unlock(&s->dlock);
		log_info("reload: certificate %s read; new connections get "
		    "it, %zu replaced daemon(s) finish their connections",
		    certf, ntls);
		metrics_reload(1);
	}
	free(fresh);
	conf_free(&nc);
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
	drainer.timeout = DRAIN_STATEMENT_SECONDS;
	for (;;) {
		sig = sigtimedwait(sigs, &si, &tick);
		if (sig == SIGTERM || sig == SIGINT)
			break;
		if (sig == SIGHUP)
			reload(s);
		retire_done(s);
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
	pthread_mutex_init(&s.dlock, NULL);
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
	for (i = 0; i < s.nretired; i++)
		MHD_stop_daemon(s.retired[i]);	/* quiesced by reload */
	s.nretired = 0;
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
	free(s.tls_priorities);
	for (i = 0; i < s.nold_pem; i++)
		free(s.old_pem[i]);
	free(s.old_pem);
	free(s.retired);
	pthread_mutex_destroy(&s.dlock);
	return rc;
}
