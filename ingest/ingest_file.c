/*
 * ingest_file.c - "tlsrpt ingest [FILE ...]": the file door
 *
 * SYNOPSIS
 *	tlsrpt ingest [FILE ...]	('-' or no FILE: standard input)
 *
 * DESCRIPTION
 *	Each input is read, handed to the intake (intake.h: decoded, decided
 *	and stored) and answered with one line on stdout, in input order:
 *		stored FILE report-id
 *		duplicate FILE report-id
 *		foreign FILE home-domain
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

#include "buf.h"
#include "cmd.h"
#include "conf.h"
#include "escape.h"
#include "intake.h"
#include "log.h"
#include "report.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

/* print_line - "VERDICT FILE TEXT" on stdout.  The file name and the
 * text (a report-id, a home domain, a reason quoting the input) go
 * through escape_text: a file name may hold any byte, a newline or an ESC
 * among them, and would otherwise forge lines of this output or drive the
 * terminal. */
static void
print_line(const char *verdict, const char *file, const char *prefix,
    const char *text)
{
	struct buf	 b = BUF_INIT;

	buf_printf(&b, "%s ", verdict);
	escape_text(&b, file != NULL ? file : "-");
	buf_printf(&b, " %s", prefix);
	escape_text(&b, text != NULL ? text : "-");
	buf_putc(&b, '\n');
	fwrite(b.data, 1, b.len, stdout);
	buf_free(&b);
}

/* print_batch - one line per input of files[0..n), in order; 1 when any
 * was rejected */
static int
print_batch(const struct intake_item *items, char *const *files, size_t n)
{
	const struct intake_item *it;
	size_t	 i;
	int	 rejected = 0;

	for (i = 0; i < n; i++) {
		it = &items[i];
		switch (it->verdict) {
		case INTAKE_STORED:
		case INTAKE_DUPLICATE:
			print_line(intake_verdict_name(it->verdict), files[i],
			    "", it->report->report_id);
			break;
		case INTAKE_FOREIGN:
			print_line("foreign", files[i], "",
			    it->report->home_domain);
			break;
		case INTAKE_CONFLICT:
			/* a copy of a stored report that differs: kept
			 * beside it, never counted */
			print_line("conflict", files[i], it->kept ==
			    INTAKE_KEPT_CONFLICT ? "" : "not kept, too many: ",
			    it->report->report_id);
			break;
		default:
			print_line("rejected", files[i], it->refused ?
			    "the database refused it: " : "", it->reason);
			rejected = 1;
			break;
		}
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
	struct intake_item *items;
	unsigned char	**raw;		/* owned: items[i].raw */
	char		**files;	/* borrowed: the names as given */
	char		**label;	/* owned: items[i].source when a name is
					 * not UTF-8 (escaped), else NULL */
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
	struct intake	 in;		/* its own database connection */
	pthread_t	 tid;
};

/* read_one - read input i of b and decode it (the reader thread) */
static void
read_one(const struct conf *conf, const char *name, struct batch *b,
    size_t i)
{
	struct intake_item	*it = &b->items[i];
	struct buf		 esc = BUF_INIT;

	it->transport = "file";
	it->source = name;
	/* The name is stored as the report's source, in a text column: a
	 * name that is not UTF-8 goes there escaped. */
	if (!escape_utf8_valid(name)) {
		escape_text(&esc, name);
		it->source = b->label[i] = (char *)buf_steal(&esc, NULL);
	}
	if (read_file(name, conf->max_body_bytes, &b->raw[i], &it->rawlen,
	    it->reason, sizeof it->reason) != 0) {
		it->verdict = INTAKE_REJECTED;
		return;
	}
	it->raw = b->raw[i];
	intake_decode(conf, it);
}

/* free_batch - release a batch's inputs */
static void
free_batch(struct batch *b)
{
	size_t	 i;

	for (i = 0; i < b->n; i++) {
		intake_item_clear(&b->items[i]);
		free(b->raw[i]);
		free(b->label[i]);
	}
	free(b->items);
	free(b->raw);
	free(b->label);
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
		b.items = xcalloc(b.n, sizeof *b.items);
		b.raw = xcalloc(b.n, sizeof *b.raw);
		b.label = xcalloc(b.n, sizeof *b.label);
		b.files = p->files + i;
		b.seq = seq++;
		for (k = 0; k < b.n; k++)
			read_one(p->conf, p->files[i + k], &b, k);
		i += b.n;
		pthread_mutex_lock(&p->lock);
		while (p->count == QUEUE_DEPTH && !p->cancel)
			pthread_cond_wait(&p->cond, &p->lock);
		if (p->cancel) {
			pthread_mutex_unlock(&p->lock);
			free_batch(&b);
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
	struct batch		 b;
	char			 err[ERRLEN], name[256];
	int			 ok, cancel;

	while (next_batch(p, &b)) {
		pthread_mutex_lock(&p->lock);
		cancel = p->cancel;
		pthread_mutex_unlock(&p->lock);
		ok = !cancel && intake_submit(&sr->in, b.items, b.n, err,
		    sizeof err) == 0;
		pthread_mutex_lock(&p->lock);
		if (!ok && !p->cancel && !cancel) {
			text_printable(name, sizeof name, b.files[0]);
			log_warnx("database failed, the inputs from \"%s\" on "
			    "are not stored: %s", name, err);
			snprintf(p->err, sizeof p->err, "%s", err);
			p->cancel = 1;
			pthread_cond_broadcast(&p->cond);
		}
		while (p->printed != b.seq)
			pthread_cond_wait(&p->cond, &p->lock);
		if (ok && print_batch(b.items, b.files, b.n))
			p->rejected = 1;
		p->printed++;
		pthread_cond_broadcast(&p->cond);
		pthread_mutex_unlock(&p->lock);
		free_batch(&b);
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
	for (i = 0; i < nsr; i++) {
		/* no spool and no quarantine: the operator's file stays
		 * where it is, and a failure is exit 75 */
		intake_open(&sr[i].in, conf, "tlsrpt-ingest", 0,
		    cmd_store(conf, "tlsrpt-ingest", &rc));
		if (sr[i].in.store == NULL)
			goto close;
	}

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
		intake_close(&sr[i].in);
	return rc;
}
