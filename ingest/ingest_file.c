/*
 * ingest_file.c - "tlsrpt ingest [FILE ...]": store report files
 *
 * SYNOPSIS
 *	tlsrpt ingest [FILE ...]	('-' or no FILE: standard input)
 *
 * DESCRIPTION
 *	Each input is decoded (gzip or JSON, sniffed) and stored; per input
 *	one line on stdout, in input order:
 *		stored FILE report-id
 *		duplicate FILE report-id
 *		foreign FILE policy-domain
 *		rejected FILE reason
 *	Inputs are stored in batches (conf.batch_reports per transaction,
 *	each report still all-or-nothing) because one durable commit per
 *	report would cap bulk loads at the disk's fsync rate.  The operator's
 *	files are only read, never moved or removed.
 *
 * DIAGNOSTICS
 *	Exit 75 when the database could not be reached (nothing of the batch
 *	in hand is stored: rerun the command; what was stored before comes
 *	back as duplicate), else 65 when any input was rejected, else 0;
 *	78 when the schema is missing (run "tlsrpt db migrate").
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "conf.h"
#include "log.h"
#include "report.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

/* One input of a batch. */
struct input {
	const char	*name;		/* as given on the command line */
	unsigned char	*raw;		/* owned */
	size_t		 rawlen;
	struct report	*report;	/* owned; NULL when rejected */
	char		 reason[ERRLEN];
};

/* first_foreign_domain - the domain to name on a "foreign" line */
static const char *
first_foreign_domain(const struct report *r)
{
	if (r->n_policies > 0)
		return r->policies[0].domain;
	return "(none)";
}

/* store_inputs - store the decoded inputs of a batch; *items gets one
 * verdict per decoded input, in order (the caller frees it) */
static int
store_inputs(struct store *st, const struct conf *conf, struct input *in,
    size_t n, struct store_item **items, char *err, size_t errlen)
{
	size_t	 i, ni = 0;
	int	 temp = 0;

	*items = xcalloc(n ? n : 1, sizeof **items);
	for (i = 0; i < n; i++) {
		if (in[i].report == NULL)
			continue;
		(*items)[ni].report = in[i].report;
		(*items)[ni].raw = in[i].raw;
		(*items)[ni].rawlen = in[i].rawlen;
		(*items)[ni].transport = "file";
		(*items)[ni].source = in[i].name;
		ni++;
	}
	if (ni > 0 && store_batch(st, *items, ni, conf->domains,
	    conf->n_domains, &temp, err, errlen) == -1)
		return -1;
	return 0;
}

/* print_inputs - one line per input; 1 when any was rejected */
static int
print_inputs(const struct input *in, size_t n, const struct store_item *items)
{
	size_t	 i, k;
	int	 rejected = 0;

	for (i = 0, k = 0; i < n; i++) {
		if (in[i].report == NULL) {
			printf("rejected %s %s\n", in[i].name, in[i].reason);
			rejected = 1;
			continue;
		}
		switch (items[k].verdict) {
		case STORE_STORED:
			printf("stored %s %s\n", in[i].name,
			    in[i].report->report_id);
			break;
		case STORE_DUPLICATE:
			printf("duplicate %s %s\n", in[i].name,
			    in[i].report->report_id);
			break;
		case STORE_FOREIGN:
			printf("foreign %s %s\n", in[i].name,
			    first_foreign_domain(in[i].report));
			break;
		default:
			printf("rejected %s the database refused it: %s\n",
			    in[i].name, items[k].err);
			rejected = 1;
			break;
		}
		k++;
	}
	fflush(stdout);
	return rejected;
}

/*
 * The pipeline: a reader thread reads and decodes batches; NSTORERS
 * threads, each with its own database connection, store them.  While one
 * storer waits for its commit's fsync the other sends the next batch, and
 * the parser runs beside them.  Lines are
 * printed in input order: a storer prints its batch only when the batches
 * before it are printed.  At most QUEUE_DEPTH decoded batches wait, which
 * bounds memory to a few batches of reports.
 */
#define QUEUE_DEPTH	2
/* Storers: on this project's 2-core reference machine a second one gave
 * nothing (the parser and the server already fill both cores); with the
 * database on its own host, two overlap one batch's commit with the next
 * batch's COPY. */
#define NSTORERS	2

struct batch {
	struct input	*in;
	size_t		 n;
	size_t		 seq;		/* 0, 1, 2, ... in input order */
};

struct pipeline {
	const struct conf *conf;
	char	       **files;
	size_t		 nfiles;
	pthread_mutex_t	 lock;
	pthread_cond_t	 cond;
	struct batch	 q[QUEUE_DEPTH];
	size_t		 head, count;
	size_t		 printed;	/* batches printed (or skipped) so far */
	int		 done;		/* the reader has queued everything */
	int		 cancel;	/* the database failed: stop */
	int		 rejected;	/* some input was rejected */
	char		 err[ERRLEN];	/* the first database failure */
};

struct storer {
	struct pipeline	*p;
	struct store	*st;
	pthread_t	 tid;
};

/* decode_one - read and decode one input into x */
static void
decode_one(const struct conf *conf, const char *name, struct input *x)
{
	memset(x, 0, sizeof *x);
	x->name = name;
	if (read_file(name, conf->max_body_bytes, &x->raw, &x->rawlen,
	    x->reason, sizeof x->reason) == 0 && report_decode(x->raw,
	    x->rawlen, conf->max_report_bytes, &x->report, x->reason,
	    sizeof x->reason) != REPORT_OK)
		x->report = NULL;
}

/* free_inputs - release a batch's inputs */
static void
free_inputs(struct input *in, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		free(in[i].raw);
		report_free(in[i].report);
	}
	free(in);
}

/* reader - the decoding thread */
static void *
reader(void *arg)
{
	struct pipeline	*p = arg;
	struct batch	 b;
	size_t		 i = 0, k, seq = 0;

	while (i < p->nfiles) {
		b.n = p->nfiles - i < p->conf->batch_reports ?
		    p->nfiles - i : p->conf->batch_reports;
		b.in = xcalloc(b.n, sizeof *b.in);
		b.seq = seq++;
		for (k = 0; k < b.n; k++)
			decode_one(p->conf, p->files[i + k], &b.in[k]);
		i += b.n;
		pthread_mutex_lock(&p->lock);
		while (p->count == QUEUE_DEPTH && !p->cancel)
			pthread_cond_wait(&p->cond, &p->lock);
		if (p->cancel) {
			pthread_mutex_unlock(&p->lock);
			free_inputs(b.in, b.n);
			break;
		}
		p->q[(p->head + p->count++) % QUEUE_DEPTH] = b;
		pthread_cond_broadcast(&p->cond);
		pthread_mutex_unlock(&p->lock);
	}
	pthread_mutex_lock(&p->lock);
	p->done = 1;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* next_batch - the next decoded batch, or 0 when there is no more */
static int
next_batch(struct pipeline *p, struct batch *b)
{
	int	 got = 0;

	pthread_mutex_lock(&p->lock);
	while (p->count == 0 && !p->done)
		pthread_cond_wait(&p->cond, &p->lock);
	if (p->count > 0) {
		*b = p->q[p->head];
		p->head = (p->head + 1) % QUEUE_DEPTH;
		p->count--;
		got = 1;
		pthread_cond_broadcast(&p->cond);
	}
	pthread_mutex_unlock(&p->lock);
	return got;
}

/* storer - store batches; print each in its turn.  After a database
 * failure nothing more is stored, but turns are still passed on. */
static void *
storer(void *arg)
{
	struct storer		*sr = arg;
	struct pipeline		*p = sr->p;
	struct store_item	*items;
	struct batch		 b;
	char			 err[ERRLEN];
	int			 ok, cancel;

	while (next_batch(p, &b)) {
		pthread_mutex_lock(&p->lock);
		cancel = p->cancel;
		pthread_mutex_unlock(&p->lock);
		items = NULL;
		ok = !cancel && store_inputs(sr->st, p->conf, b.in, b.n,
		    &items, err, sizeof err) == 0;
		pthread_mutex_lock(&p->lock);
		if (!ok && !p->cancel && !cancel) {
			log_warnx("database failed, the inputs from %s on "
			    "are not stored: %s", b.in[0].name, err);
			snprintf(p->err, sizeof p->err, "%s", err);
			p->cancel = 1;
			pthread_cond_broadcast(&p->cond);
		}
		while (p->printed != b.seq)
			pthread_cond_wait(&p->cond, &p->lock);
		if (ok && print_inputs(b.in, b.n, items))
			p->rejected = 1;
		p->printed++;
		pthread_cond_broadcast(&p->cond);
		pthread_mutex_unlock(&p->lock);
		free(items);
		free_inputs(b.in, b.n);
	}
	return NULL;
}

/* cmd_ingest - the subcommand */
int
cmd_ingest(struct conf *conf, int argc, char **argv)
{
	static char	 dash[] = "-";
	static char	*stdin_only[] = { dash };
	struct pipeline	 p;
	struct storer	 sr[NSTORERS];
	pthread_t	 tid;
	char	       **files = argv + 1;
	size_t		 nfiles = (size_t)(argc - 1), i, nsr;
	int		 rc = 0;

	if (nfiles > 0 && strcmp(files[0], "--") == 0) {
		files++;
		nfiles--;
	}
	if (nfiles > 0 && files[0][0] == '-' && files[0][1] != '\0') {
		fprintf(stderr, "usage: tlsrpt ingest [FILE ...]\n");
		return EX_USAGE_;
	}
	if (nfiles == 0) {
		files = stdin_only;
		nfiles = 1;
	}
	/* One connection per storer; a second only when there is more than
	 * one batch to store. */
	nsr = nfiles > conf->batch_reports ? NSTORERS : 1;
	memset(sr, 0, sizeof sr);
	for (i = 0; i < nsr; i++)
		if ((sr[i].st = cmd_store(conf, "tlsrpt-ingest", &rc)) == NULL)
			goto close;

	memset(&p, 0, sizeof p);
	p.conf = conf;
	p.files = files;
	p.nfiles = nfiles;
	pthread_mutex_init(&p.lock, NULL);
	pthread_cond_init(&p.cond, NULL);
	if (pthread_create(&tid, NULL, reader, &p) != 0)
		fatalx("cannot start the reader thread");
	for (i = 0; i < nsr; i++) {
		sr[i].p = &p;
		if (pthread_create(&sr[i].tid, NULL, storer, &sr[i]) != 0)
			fatalx("cannot start a storer thread");
	}
	for (i = 0; i < nsr; i++)
		pthread_join(sr[i].tid, NULL);
	pthread_join(tid, NULL);
	pthread_mutex_destroy(&p.lock);
	pthread_cond_destroy(&p.cond);
	if (p.cancel)
		rc = EX_TEMPFAIL_;
	else if (p.rejected)
		rc = EX_DATAERR_;
close:
	for (i = 0; i < nsr; i++)
		store_close(sr[i].st);
	return rc;
}
