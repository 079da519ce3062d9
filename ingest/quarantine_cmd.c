/*
 * quarantine_cmd.c - "tlsrpt quarantine": what was kept and not counted
 *
 * SYNOPSIS
 *	tlsrpt quarantine list
 *	tlsrpt quarantine show [--raw] ID
 *	tlsrpt quarantine release [--force] [--dkim-keys FILE] ID
 *	tlsrpt quarantine release --replace ID
 *
 * DESCRIPTION
 *	Two kinds of rows, one list (newest first).  qN: a body the intake
 *	did not accept and kept (an HTTPS body answered 400; a mail not
 *	proven by DKIM, malformed, or without a report though it looked
 *	like one: the whole message, with the gate's result).  cN: a
 *	conflicting copy of a stored report (same organisation, report-id
 *	and start, other content), never counted.
 *
 *	show prints a row's details and its content: a mail or a JSON body
 *	line by line, escaped (lib/escape.h); gzip as its size only.
 *	--raw writes the bytes as they are, for a file or a pipe.
 *
 *	release qN runs the row through its door's judgement again: a mail
 *	through the MIME walk and the DKIM gate (mail.c: keys published or
 *	put in dkim_keys_file since are used), a body through the decoder.
 *	Accepted, it is stored like any new report and leaves the
 *	quarantine.  --force stores a mail despite the gate, unauthenticated
 *	and flagged released-by-hand.
 *
 *	release --replace cN makes a conflicting copy the counted content
 *	of its report (the report keeps its id); the former content becomes
 *	the conflicting copy, marked as replaced by hand (store_replace).
 *
 * DIAGNOSTICS
 *	Exit 0; 65 when the row is not released (still not accepted, no
 *	such row); 75 when the database failed; 64 usage; 78 no schema.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cmd.h"
#include "conf.h"
#include "escape.h"
#include "intake.h"
#include "log.h"
#include "mail.h"
#include "report.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

static int
usage(void)
{
	fputs("usage: tlsrpt quarantine list\n"
	    "       tlsrpt quarantine show [--raw] ID\n"
	    "       tlsrpt quarantine release [--force] [--dkim-keys FILE] ID\n"
	    "       tlsrpt quarantine release --replace ID\n", stderr);
	return EX_USAGE_;
}

/* parse_id - "q12", "c7" or "12" (a quarantined row) */
static int
parse_id(const char *s, char *kind, int64_t *id)
{
	char	*end;

	*kind = 'q';
	if (*s == 'q' || *s == 'c')
		*kind = *s++;
	if (*s < '0' || *s > '9')
		return -1;
	*id = strtoll(s, &end, 10);
	return *end == '\0' && *id > 0 ? 0 : -1;
}

/* put - one escaped field into b ("-" when NULL) */
static void
put(struct buf *b, const char *s)
{
	escape_text(b, s != NULL ? s : "-");
}

static int
list(struct store *st)
{
	struct store_kept_list	 l;
	struct buf		 b = BUF_INIT;
	char			 err[ERRLEN];
	size_t			 i;

	if (store_kept_list(st, &l, err, sizeof err) == -1) {
		log_warnx("%s", err);
		return EX_TEMPFAIL_;
	}
	for (i = 0; i < l.n; i++) {
		const struct store_kept *k = &l.rows[i];

		buf_reset(&b);
		buf_printf(&b, "%c%" PRId64 "  %s  %s  ", k->kind, k->id,
		    k->received, k->transport);
		put(&b, k->source);
		buf_printf(&b, "  %zu bytes  ", k->rawlen);
		put(&b, k->reason);
		if (k->dkim != NULL) {
			buf_puts(&b, "  [dkim: ");
			put(&b, k->dkim);
			buf_putc(&b, ']');
		}
		buf_putc(&b, '\n');
		fwrite(b.data, 1, b.len, stdout);
	}
	printf("%zu kept\n", l.n);
	buf_free(&b);
	store_kept_free(&l);
	return EX_OK_;
}

/* show_text - bytes line by line, each escaped (CR LF or LF) */
static void
show_text(const unsigned char *p, size_t len)
{
	struct buf	 b = BUF_INIT;
	const unsigned char *e, *end = p + len;
	char		*line;
	size_t		 n;

	while (p < end) {
		e = memchr(p, '\n', (size_t)(end - p));
		n = e ? (size_t)(e - p) : (size_t)(end - p);
		line = xstrndup((const char *)p, n && p[n - 1] == '\r' ?
		    n - 1 : n);
		buf_reset(&b);
		escape_text(&b, line);
		buf_putc(&b, '\n');
		fwrite(b.data, 1, b.len, stdout);
		free(line);
		p += n + (e != NULL);
	}
	buf_free(&b);
}

/* get_kept - one kept row with its bytes into l; EX_OK_, or the exit
 * status with the reason said (no such row: 65) */
static int
get_kept(struct store *st, char kind, int64_t id, struct store_kept_list *l)
{
	char	 err[ERRLEN];

	if (store_kept_get(st, kind, id, l, err, sizeof err) == -1) {
		log_warnx("%s", err);
		return EX_TEMPFAIL_;
	}
	if (l->n == 0) {
		fprintf(stderr, "tlsrpt: no kept row %c%" PRId64 "\n", kind, id);
		store_kept_free(l);
		return EX_DATAERR_;
	}
	return EX_OK_;
}

static int
show(struct store *st, char kind, int64_t id, int raw)
{
	struct store_kept_list	 l;
	struct buf		 b = BUF_INIT;
	const struct store_kept	*k;
	int			 rc;

	if ((rc = get_kept(st, kind, id, &l)) != EX_OK_)
		return rc;
	k = &l.rows[0];
	if (raw) {
		fwrite(k->raw, 1, k->rawlen, stdout);
		store_kept_free(&l);
		return EX_OK_;
	}
	buf_printf(&b, "id: %c%" PRId64 "\nreceived: %s\ntransport: %s\n"
	    "source: ", k->kind, k->id, k->received, k->transport);
	put(&b, k->source);
	buf_puts(&b, "\nreason: ");
	put(&b, k->reason);
	if (k->kind == 'c')
		buf_printf(&b, "\nreport: %" PRId64, k->report);
	buf_puts(&b, "\ndkim: ");
	put(&b, k->dkim);
	if (k->kind == 'c') {
		buf_puts(&b, "\nauthenticated: ");
		put(&b, k->auth);
	} else {
		buf_puts(&b, "\nmessage-id: ");
		put(&b, k->message_id);
		buf_puts(&b, "\nfrom: ");
		put(&b, k->mail_from);
	}
	buf_printf(&b, "\nbytes: %zu\n\n", k->rawlen);
	fwrite(b.data, 1, b.len, stdout);
	buf_free(&b);
	if (k->rawlen >= 2 && k->raw[0] == 0x1f && k->raw[1] == 0x8b)
		printf("(gzip data: \"tlsrpt quarantine show --raw %c%" PRId64
		    " | zcat\" shows it)\n", kind, id);
	else
		show_text(k->raw, k->rawlen);
	store_kept_free(&l);
	return EX_OK_;
}

/* release_q - a quarantined row through its door's judgement again */
static int
release_q(const struct conf *conf, struct store *st,
    const struct store_kept *k, int force)
{
	struct mail_env		 env;
	struct mail		 m;
	struct intake		 in;
	struct intake_item	*it;
	char			 err[ERRLEN], why[ERRLEN];
	int			 rc = EX_OK_, ismail;

	ismail = strcmp(k->transport, "mail") == 0;
	memset(&m, 0, sizeof m);
	if (ismail) {
		if (mail_env_open(&env, conf, err, sizeof err) == -1) {
			log_warnx("%s", err);
			return EX_CONFIG_;
		}
		m.msg = k->raw;
		m.len = k->rawlen;
		m.source = k->source;
		mail_read(&env, &m, force ? MAIL_FORCE : 0);
		mail_env_close(&env);
		if (m.kind != MAIL_REPORT) {
			text_printable(why, sizeof why, m.reason);
			fprintf(stderr, "tlsrpt: q%" PRId64 " not released: "
			    "%s\n", k->id, why);
			mail_clear(&m);
			return m.kind == MAIL_TEMPFAIL ? EX_TEMPFAIL_ :
			    EX_DATAERR_;
		}
	} else {
		m.item.raw = k->raw;
		m.item.rawlen = k->rawlen;
		m.item.transport = k->transport;
		m.item.source = k->source;
	}
	it = &m.item;
	/* a connection of its own (the intake closes it when it fails); no
	 * quarantine flag: a row still refused stays where it is */
	intake_open(&in, conf, "tlsrpt-quarantine", 0, NULL);
	if (intake_submit(&in, it, 1, err, sizeof err) == -1) {
		log_warnx("q%" PRId64 " not released: %s", k->id, err);
		rc = EX_TEMPFAIL_;
	} else if (it->verdict == INTAKE_REJECTED) {
		text_printable(why, sizeof why, it->reason);
		fprintf(stderr, "tlsrpt: q%" PRId64 " not released: %s\n",
		    k->id, why);
		rc = EX_DATAERR_;
	} else if (store_quarantine_delete(st, &k->id, 1, err,
	    sizeof err) == -1) {
		log_warnx("q%" PRId64 ": %s", k->id, err);
		rc = EX_TEMPFAIL_;
	} else {
		text_printable(why, sizeof why, it->report->report_id);
		printf("released q%" PRId64 ": %s report %" PRId64 " %s%s\n",
		    k->id, intake_verdict_name(it->verdict), it->id, why,
		    force && ismail ? " (by hand, unauthenticated)" : "");
	}
	intake_close(&in);
	mail_clear(&m);
	return rc;
}

/* release_c - a conflicting copy made the counted content (--replace) */
static int
release_c(const struct conf *conf, struct store *st,
    const struct store_kept *k)
{
	struct intake_item	 it;
	struct store_item	 si;
	struct store_mail	 sm;
	char			 err[ERRLEN], why[ERRLEN];
	int			 temp, rc = EX_OK_;

	memset(&it, 0, sizeof it);
	it.raw = k->raw;
	it.rawlen = k->rawlen;
	it.hint = k->hint;
	intake_decode(conf, &it);
	if (it.report == NULL) {
		text_printable(why, sizeof why, it.reason);
		fprintf(stderr, "tlsrpt: c%" PRId64 " not released: it no "
		    "longer decodes: %s\n", k->id, why);
		return EX_DATAERR_;
	}
	memset(&si, 0, sizeof si);
	memset(&sm, 0, sizeof sm);
	si.report = it.report;
	si.raw = k->raw;
	si.rawlen = k->rawlen;
	si.transport = k->transport;
	si.source = k->source;
	si.auth = k->auth;
	si.hint = k->hint;
	si.proof = k->proof;
	si.foreign = it.foreign;
	si.id = k->report;
	if (k->message_gz != NULL) {
		sm.message_gz = k->message_gz;
		sm.message_gzlen = k->message_gzlen;
		sm.dkim = k->dkim;
		si.mail = &sm;
	}
	if (store_replace(st, &si, k->id, &temp, err, sizeof err) == -1) {
		log_warnx("c%" PRId64 " not released: %s", k->id, err);
		rc = temp ? EX_TEMPFAIL_ : EX_DATAERR_;
	} else
		printf("released c%" PRId64 ": now the counted content of "
		    "report %" PRId64 "\n", k->id, k->report);
	intake_item_clear(&it);
	return rc;
}

static int
release(struct conf *conf, struct store *st, char kind, int64_t id,
    int force, int replace)
{
	struct store_kept_list	 l;
	int			 rc;

	if ((kind == 'c') != replace) {
		fprintf(stderr, "tlsrpt: %s\n", replace ?
		    "--replace takes a conflicting copy (cN)" :
		    "a conflicting copy (cN) is released with --replace");
		return EX_USAGE_;
	}
	if ((rc = get_kept(st, kind, id, &l)) != EX_OK_)
		return rc;
	rc = kind == 'c' ? release_c(conf, st, &l.rows[0]) :
	    release_q(conf, st, &l.rows[0], force);
	store_kept_free(&l);
	return rc;
}

int
cmd_quarantine(struct conf *conf, int argc, char **argv)
{
	struct store	*st;
	const char	*idarg = NULL;
	char		 kind = 'q';
	int64_t		 id = 0;
	int		 i, rc, raw = 0, force = 0, replace = 0;

	if (argc < 2)
		return usage();
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--raw") == 0)
			raw = 1;
		else if (strcmp(argv[i], "--force") == 0)
			force = 1;
		else if (strcmp(argv[i], "--replace") == 0)
			replace = 1;
		else if (strcmp(argv[i], "--dkim-keys") == 0 && i + 1 < argc) {
			free(conf->dkim_keys_file);
			conf->dkim_keys_file = xstrdup(argv[++i]);
		} else if (idarg == NULL && argv[i][0] != '-')
			idarg = argv[i];
		else
			return usage();
	}
	if (strcmp(argv[1], "list") == 0) {
		if (idarg != NULL || raw || force || replace)
			return usage();
	} else if (strcmp(argv[1], "show") == 0) {
		if (idarg == NULL || force || replace)
			return usage();
	} else if (strcmp(argv[1], "release") == 0) {
		if (idarg == NULL || raw || (force && replace))
			return usage();
	} else
		return usage();
	if (idarg != NULL && parse_id(idarg, &kind, &id) == -1)
		return usage();
	if ((st = cmd_store(conf, "tlsrpt-quarantine", &rc)) == NULL)
		return rc;
	if (strcmp(argv[1], "list") == 0)
		rc = list(st);
	else if (strcmp(argv[1], "show") == 0)
		rc = show(st, kind, id, raw);
	else
		rc = release(conf, st, kind, id, force, replace);
	store_close(st);
	return rc;
}
