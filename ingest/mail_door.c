/*
 * mail_door.c - the mail doors: "tlsrpt ingest-mail", "ingest-mbox",
 * "ingest-maildir"
 *
 * SYNOPSIS
 *	tlsrpt ingest-mail [--check] [--dkim-keys FILE] [-q QUEUE_ID]
 *	    [-s SENDER] [-- RECIPIENT ...]
 *	tlsrpt ingest-mbox [--dkim-keys FILE] FILE ...
 *	tlsrpt ingest-maildir [--dkim-keys FILE] DIR ...
 *
 * DESCRIPTION
 *	ingest-mail is a Postfix pipe(8) command: one RFC 5322 message on
 *	standard input (CRLF or bare LF), judged by mail.c and handed to
 *	the intake.  Its exit status is a contract with Postfix
 *	(../shared/API-NOTES.md §2f): 0 means done, 75 means "try again
 *	later"; any other status would bounce the mail to its sender,
 *	which for reports means backscatter to a forged address or a lost
 *	report.  So every path exits 0 or 75, option and configuration
 *	errors included (lib/main.c), and the command keeps its own
 *	deadline (mail_timeout_seconds) below Postfix's time limit, which
 *	would kill it and bounce.  Stored, duplicate, foreign, conflicting,
 *	quarantined (not authentic, malformed) and no report: 0.  The
 *	database away, a DNS temporary failure, the deadline, an internal
 *	error: 75.  Postfix reads an output line that starts with "4." or
 *	"5." as a status: every line this command writes starts with
 *	"tlsrpt: ".  --check judges the message (MIME, decoder, DKIM) and
 *	logs its line without storing anything: to try a mail by hand, and
 *	the floor of "make bench".
 *
 *	ingest-mbox and ingest-maildir import existing mailboxes (mboxrd
 *	or mboxo; Maildir cur/ and new/) in batches of batch_reports
 *	through the same intake, printing one line per message:
 *		stored NAME report-id	superseded NAME report-id
 *		duplicate NAME report-id	conflict NAME report-id
 *		foreign NAME home-domain
 *		quarantined NAME reason	no-report NAME reason
 *	(other mail in a mailbox is normal: no-report is no error).
 *
 * DIAGNOSTICS
 *	ingest-mail: 0 or 75 only, one log line per message (message-id,
 *	from, verdict, reason, DKIM).  ingest-mbox, ingest-maildir: 75 when
 *	the database (or DNS) could not be reached, else 65 when a message
 *	was quarantined or a mailbox could not be read, else 0.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cmd.h"
#include "conf.h"
#include "escape.h"
#include "intake.h"
#include "log.h"
#include "mail.h"
#include "mailbox.h"
#include "report.h"
#include "util.h"
#include "xmalloc.h"

/* messages of one mailbox batch at most this many bytes together */
#define BATCH_BYTES	(64 * 1024 * 1024)

/* ---- ingest-mail ---- */

/* The deadline: Postfix would kill the command at its time limit and
 * bounce the mail; ours comes first and defers it. */
static void
deadline(int sig)
{
	static const char msg[] = "tlsrpt: ingest-mail: mail_timeout_seconds "
	    "passed, deferring the message\n";

	(void)sig;
	(void)!write(STDERR_FILENO, msg, sizeof msg - 1);
	_exit(EX_TEMPFAIL_);
}

/* read_stdin - the message, at most cap bytes of it; *over when more
 * followed (the rest is read and dropped: pipe(8) ignores EPIPE, but a
 * message read to its end is simpler to reason about) */
static int
read_stdin(size_t cap, struct buf *b, int *over)
{
	char	 chunk[65536];
	ssize_t	 n;
	size_t	 take;

	*over = 0;
	for (;;) {
		n = read(STDIN_FILENO, chunk, sizeof chunk);
		if (n == 0)
			return 0;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		take = (size_t)n;
		if (b->len + take > cap) {
			take = cap - b->len;
			*over = 1;
		}
		buf_append(b, chunk, take);
	}
}

/* dkim_keys_option - --dkim-keys FILE, or --dkim-keys=FILE, into conf;
 * 1 when argv[*i] was it, 0 when not, -1 when its value is missing */
static int
dkim_keys_option(struct conf *conf, int argc, char **argv, int *i)
{
	const char	*v;

	if (strncmp(argv[*i], "--dkim-keys=", 12) == 0)
		v = argv[*i] + 12;
	else if (strcmp(argv[*i], "--dkim-keys") == 0) {
		if (*i + 1 >= argc)
			return -1;
		v = argv[++*i];
	} else
		return 0;
	free(conf->dkim_keys_file);
	conf->dkim_keys_file = xstrdup(v);
	return 1;
}

int
cmd_ingest_mail(struct conf *conf, int argc, char **argv)
{
	struct mail_env	 env;
	struct mail	 m;
	struct intake	 in;
	struct buf	 msg = BUF_INIT;
	char		 err[ERRLEN], source[300];
	const char	*queue_id = NULL, *sender = NULL;
	int		 i, k, rc = EX_TEMPFAIL_, check = 0;

	signal(SIGALRM, deadline);
	alarm((unsigned)conf->mail_timeout_seconds);
	if (strcmp(conf->log, "syslog") == 0)
		log_init("tlsrpt", 1, EX_TEMPFAIL_);
	signal(SIGPIPE, SIG_IGN);
	for (i = 1; i < argc; i++) {
		if ((k = dkim_keys_option(conf, argc, argv, &i)) == 1)
			continue;
		if (k == -1)
			goto usage;
		if (strcmp(argv[i], "--") == 0)
			break;		/* the recipients: not needed */
		if (strcmp(argv[i], "--check") == 0)
			check = 1;
		else if (strcmp(argv[i], "-q") == 0 && i + 1 < argc)
			queue_id = argv[++i];
		else if (strcmp(argv[i], "-s") == 0 && i + 1 < argc)
			sender = argv[++i];
		else
			goto usage;
	}
	snprintf(source, sizeof source, "%s%s%s", queue_id ? queue_id : "",
	    queue_id && sender ? " " : "", sender ? sender : "");

	if (mail_env_open(&env, conf, err, sizeof err) == -1) {
		log_warnx("ingest-mail: %s (deferring)", err);
		return EX_TEMPFAIL_;
	}
	if (read_stdin(conf->max_mail_bytes, &msg, &k) == -1) {
		log_warn("ingest-mail: reading the message (deferring)");
		goto out;
	}
	memset(&m, 0, sizeof m);
	m.msg = msg.data ? msg.data : (const unsigned char *)"";
	m.len = msg.len;
	m.over = k;
	m.source = source[0] ? source : NULL;
	mail_read(&env, &m, 0);
	if (m.kind == MAIL_REPORT && !check) {
		intake_open(&in, conf, "tlsrpt-mail", INTAKE_QUARANTINE, NULL);
		in.timeout = (unsigned)conf->mail_timeout_seconds;
		if (intake_submit(&in, &m.item, 1, err, sizeof err) == -1 &&
		    m.item.verdict != INTAKE_TEMPFAIL) {
			/* stored or decided, but the quarantine failed */
			m.item.verdict = INTAKE_TEMPFAIL;
			snprintf(m.item.reason, sizeof m.item.reason, "%s",
			    err);
		}
		intake_close(&in);
	}
	mail_log(&m);
	rc = m.kind == MAIL_TEMPFAIL || (m.kind == MAIL_REPORT &&
	    m.item.verdict == INTAKE_TEMPFAIL) ? EX_TEMPFAIL_ : EX_OK_;
	mail_clear(&m);
out:
	mail_env_close(&env);
	buf_free(&msg);
	return rc;
usage:
	log_warnx("usage: tlsrpt ingest-mail [--check] [--dkim-keys FILE] "
	    "[-q QUEUE_ID] [-s SENDER] [-- RECIPIENT ...] (deferring)");
	return EX_TEMPFAIL_;
}

/* ---- ingest-mbox, ingest-maildir ---- */

/* One batch of mailbox messages: their bytes (copied: the iterator's are
 * gone at its next call) and their judgement.  Each struct mail is
 * allocated on its own: its item points into it. */
struct mbatch {
	struct mail    **m;
	size_t		 n, cap, bytes;
};

static void
mbatch_add(struct mbatch *b, struct mail_env *env, const struct mailbox_msg *mm)
{
	struct mail	*m;
	unsigned char	*copy;

	if (b->n == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 64;
		b->m = xreallocarray(b->m, b->cap, sizeof *b->m);
	}
	copy = xmalloc(mm->len ? mm->len : 1);
	memcpy(copy, mm->data, mm->len);
	m = b->m[b->n++] = xcalloc(1, sizeof *m);
	m->msg = copy;
	m->len = mm->len;
	m->source = xstrdup(mm->name);
	b->bytes += mm->len;
	mail_read(env, m, 0);
}

static void
mbatch_free(struct mbatch *b)
{
	size_t	 i;

	for (i = 0; i < b->n; i++) {
		mail_clear(b->m[i]);
		free((void *)(uintptr_t)b->m[i]->msg);
		free((void *)(uintptr_t)b->m[i]->source);
		free(b->m[i]);
	}
	b->n = b->bytes = 0;
}

/* print_mail - the line of one message (see the header) */
static void
print_mail(const struct mail *m)
{
	struct buf		 b = BUF_INIT;
	const struct intake_item *it = &m->item;
	const char		*text;

	if (m->kind != MAIL_REPORT)
		text = m->reason;
	else if (it->verdict == INTAKE_REJECTED ||
	    it->verdict == INTAKE_TEMPFAIL)
		text = it->reason;
	else if (it->verdict == INTAKE_FOREIGN)
		text = it->report->home_domain;
	else
		text = it->report != NULL ? it->report->report_id : NULL;
	buf_printf(&b, "%s ", mail_verdict(m));
	escape_text(&b, m->source);
	buf_putc(&b, ' ');
	escape_text(&b, text != NULL ? text : "-");
	buf_putc(&b, '\n');
	fwrite(b.data, 1, b.len, stdout);
	buf_free(&b);
}

/*
 * mbatch_flush - submit the batch's reports in one intake call and print
 * every message in order.  Returns 0, or -1 when the database failed
 * (nothing of the batch stored).  *quarantined is set when one was.
 */
static int
mbatch_flush(struct mbatch *b, struct intake *in, int *quarantined,
    int *temp)
{
	struct intake_item	*items;
	size_t			*map, i, n = 0;
	char			 err[ERRLEN], name[256];
	int			 rc = 0;

	items = xcalloc(b->n ? b->n : 1, sizeof *items);
	map = xcalloc(b->n ? b->n : 1, sizeof *map);
	for (i = 0; i < b->n; i++)
		if (b->m[i]->kind == MAIL_REPORT) {
			items[n] = b->m[i]->item;	/* moved, back below */
			map[n++] = i;
		}
	if (n > 0 && intake_submit(in, items, n, err, sizeof err) == -1) {
		text_printable(name, sizeof name, b->m[0]->source);
		log_warnx("database failed, the messages from \"%s\" on are "
		    "not stored: %s", name, err);
		rc = -1;
	}
	for (i = 0; i < n; i++)
		b->m[map[i]]->item = items[i];
	for (i = 0; rc == 0 && i < b->n; i++) {
		print_mail(b->m[i]);
		if (b->m[i]->kind == MAIL_TEMPFAIL)
			*temp = 1;
		else if (b->m[i]->kind == MAIL_REPORT &&
		    b->m[i]->item.verdict == INTAKE_REJECTED)
			*quarantined = 1;
	}
	free(items);
	free(map);
	mbatch_free(b);
	return rc;
}

/*
 * The import is two threads, as "tlsrpt ingest" is: the judge reads the
 * mailboxes and judges each message (MIME, decoder, DKIM: mail_read) into
 * batches; the main thread stores each batch through the intake and
 * prints it.  Judging the next batch while the database takes the last
 * one is what keeps the import near bulk ingest's rate (make bench).
 */
#define QUEUE_DEPTH	2

struct judge {
	struct conf		*conf;
	struct mail_env		 env;		/* the judge thread's */
	char		       **boxes;
	int			 nboxes, maildir;
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;
	struct mbatch		 q[QUEUE_DEPTH];
	int			 head, count, done, cancel, unread;
};

/* judge_push - hand a full batch over (waits while the queue is full);
 * 0, or -1 when the import was cancelled (the batch is freed) */
static int
judge_push(struct judge *j, struct mbatch *b)
{
	int	 rc = 0;

	pthread_mutex_lock(&j->lock);
	while (j->count == QUEUE_DEPTH && !j->cancel)
		pthread_cond_wait(&j->cond, &j->lock);
	if (j->cancel)
		rc = -1;
	else {
		j->q[(j->head + j->count++) % QUEUE_DEPTH] = *b;
		memset(b, 0, sizeof *b);
		pthread_cond_broadcast(&j->cond);
	}
	pthread_mutex_unlock(&j->lock);
	if (rc == -1) {
		mbatch_free(b);
		free(b->m);
		memset(b, 0, sizeof *b);
	}
	return rc;
}

static int
judge_cancelled(struct judge *j)
{
	int	 c;

	pthread_mutex_lock(&j->lock);
	c = j->cancel;
	pthread_mutex_unlock(&j->lock);
	return c;
}

/* judge_run - the judge thread */
static void *
judge_run(void *arg)
{
	struct judge	*j = arg;
	struct mbatch	 b;
	struct mailbox	*box;
	struct mailbox_msg mm;
	char		 err[ERRLEN], name[256];
	int		 i, st, stop = 0, unread = 0;

	memset(&b, 0, sizeof b);
	for (i = 0; i < j->nboxes && !stop; i++) {
		st = j->maildir ? mailbox_open_maildir(j->boxes[i],
		    j->conf->max_mail_bytes, &box, err, sizeof err) :
		    mailbox_open_mbox(j->boxes[i], j->conf->max_mail_bytes,
		    &box, err, sizeof err);
		if (st != 0) {
			text_printable(name, sizeof name, j->boxes[i]);
			log_warnx("%s: %s", name, err);
			unread = 1;
			continue;
		}
		while (!stop && (st = mailbox_next(box, &mm, err,
		    sizeof err)) != MAILBOX_END) {
			if (st == MAILBOX_ERR) {
				text_printable(name, sizeof name, j->boxes[i]);
				log_warnx("%s: %s", name, err);
				unread = 1;
				break;
			}
			if (st == MAILBOX_SKIP) {
				text_printable(name, sizeof name, mm.name);
				log_warnx("%s: skipped: %s", name, err);
				unread = 1;
				continue;
			}
			mbatch_add(&b, &j->env, &mm);
			if ((b.n >= j->conf->batch_reports ||
			    b.bytes >= BATCH_BYTES) && judge_push(j, &b) == -1)
				stop = 1;
			else if (b.n == 0 && judge_cancelled(j))
				stop = 1;
		}
		mailbox_close(box);
	}
	if (!stop && b.n > 0)
		(void)judge_push(j, &b);
	mbatch_free(&b);
	free(b.m);
	pthread_mutex_lock(&j->lock);
	j->done = 1;
	j->unread |= unread;
	pthread_cond_broadcast(&j->cond);
	pthread_mutex_unlock(&j->lock);
	return NULL;
}

/* judge_pop - the next batch into *b; 0 when there is none left */
static int
judge_pop(struct judge *j, struct mbatch *b)
{
	int	 got = 0;

	pthread_mutex_lock(&j->lock);
	while (j->count == 0 && !j->done)
		pthread_cond_wait(&j->cond, &j->lock);
	if (j->count > 0) {
		*b = j->q[j->head];
		j->head = (j->head + 1) % QUEUE_DEPTH;
		j->count--;
		got = 1;
		pthread_cond_broadcast(&j->cond);
	}
	pthread_mutex_unlock(&j->lock);
	return got;
}

/* import - every message of every mailbox named in argv[first..argc) */
static int
import(struct conf *conf, int argc, char **argv, int maildir)
{
	struct judge	 j;
	struct intake	 in;
	struct mbatch	 b;
	pthread_t	 tid;
	char		 err[ERRLEN];
	int		 st, rc, first, quarantined = 0, temp = 0, failed = 0;
	const char	*cmd = maildir ? "ingest-maildir" : "ingest-mbox";

	for (first = 1; first < argc; first++) {
		if ((st = dkim_keys_option(conf, argc, argv, &first)) == 1)
			continue;
		if (st == -1 || argv[first][0] != '-' ||
		    strcmp(argv[first], "--") == 0)
			break;
		fprintf(stderr, "usage: tlsrpt %s [--dkim-keys FILE] %s ...\n",
		    cmd, maildir ? "DIR" : "FILE");
		return EX_USAGE_;
	}
	if (first < argc && strcmp(argv[first], "--") == 0)
		first++;
	if (first >= argc) {
		fprintf(stderr, "usage: tlsrpt %s [--dkim-keys FILE] %s ...\n",
		    cmd, maildir ? "DIR" : "FILE");
		return EX_USAGE_;
	}
	memset(&j, 0, sizeof j);
	if (mail_env_open(&j.env, conf, err, sizeof err) == -1) {
		log_warnx("%s", err);
		return EX_CONFIG_;
	}
	intake_open(&in, conf, "tlsrpt-mailbox", INTAKE_QUARANTINE,
	    cmd_store(conf, "tlsrpt-mailbox", &rc));
	if (in.store == NULL) {
		mail_env_close(&j.env);
		return rc;
	}
	j.conf = conf;
	j.boxes = argv + first;
	j.nboxes = argc - first;
	j.maildir = maildir;
	pthread_mutex_init(&j.lock, NULL);
	pthread_cond_init(&j.cond, NULL);
	if (pthread_create(&tid, NULL, judge_run, &j) != 0)
		fatalx("cannot start the judge thread");
	while (judge_pop(&j, &b)) {
		if (!failed && mbatch_flush(&b, &in, &quarantined,
		    &temp) == -1) {
			failed = 1;
			pthread_mutex_lock(&j.lock);
			j.cancel = 1;
			pthread_cond_broadcast(&j.cond);
			pthread_mutex_unlock(&j.lock);
		}
		mbatch_free(&b);
		free(b.m);
	}
	pthread_join(tid, NULL);
	pthread_mutex_destroy(&j.lock);
	pthread_cond_destroy(&j.cond);
	intake_close(&in);
	mail_env_close(&j.env);
	if (failed || temp)
		return EX_TEMPFAIL_;
	return quarantined || j.unread ? EX_DATAERR_ : EX_OK_;
}

int
cmd_ingest_mbox(struct conf *conf, int argc, char **argv)
{
	return import(conf, argc, argv, 0);
}

int
cmd_ingest_maildir(struct conf *conf, int argc, char **argv)
{
	return import(conf, argc, argv, 1);
}
