/*
 * replay.c - "tlsrpt spool replay": the spool door
 *
 * SYNOPSIS
 *	tlsrpt spool replay
 *
 * DESCRIPTION
 *	What "tlsrpt serve" does by itself once PostgreSQL is back, by hand:
 *	every spooled entry goes through the intake like a new report, and
 *	is removed only after its commit (spool.h).  An entry spooled as
 *	"invalid" (answered 400 while the database was away) is only kept in
 *	the quarantine.  A report the database refuses goes to the
 *	quarantine too, never away.
 *
 * DIAGNOSTICS
 *	One log line per entry: its name, the verdict, the organisation and
 *	report-id.  Exit 75 when the database failed (the rest stays
 *	spooled), 66 when the spool cannot be read, 78 without a schema.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "conf.h"
#include "intake.h"
#include "log.h"
#include "replay.h"
#include "spool.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

/* Entries per replay transaction, and their bodies' bytes at most. */
#define REPLAY_ENTRIES	100
#define REPLAY_BYTES	(16 * 1024 * 1024)

/* log_entry - the one line per entry, like serve's request line */
static void
log_entry(const char *name, const struct intake_item *it)
{
	char	 org[256], rid[256], why[256];
	const struct report *r = it->report;

	text_printable(org, sizeof org, r ? r->organization_name : NULL);
	text_printable(rid, sizeof rid, r ? r->report_id : NULL);
	text_printable(why, sizeof why, it->reason);
	log_info("spool %s: %s%s org=\"%s\" report-id=\"%s\"%s%s", name,
	    intake_verdict_name(it->verdict),
	    it->kept == INTAKE_KEPT_QUARANTINE ? ", quarantined" : "",
	    org, rid, it->reason[0] ? " reason=" : "",
	    it->reason[0] ? why : "");
}

/* The entries of one transaction of the replay. */
struct replay_batch {
	struct spool_entry	 e[REPLAY_ENTRIES];
	struct intake_item	 it[REPLAY_ENTRIES];
	size_t			 n;
};

/* batch_read - up to REPLAY_ENTRIES readable entries from names[*next],
 * no more than REPLAY_BYTES of bodies (but always one) */
static void
batch_read(struct intake *in, const char *dir, char **names, size_t n,
    size_t *next, struct replay_batch *b)
{
	struct spool_entry	*e;
	struct intake_item	*it;
	char			 why[ERRLEN];
	size_t			 bytes = 0;

	b->n = 0;
	for (; *next < n && b->n < REPLAY_ENTRIES &&
	    (b->n == 0 || bytes < REPLAY_BYTES); (*next)++) {
		e = &b->e[b->n];
		if (spool_read(dir, names[*next], in->conf->max_body_bytes, e,
		    why, sizeof why) == -1) {
			log_warnx("%s (left in place)", why);
			continue;
		}
		it = &b->it[b->n++];
		memset(it, 0, sizeof *it);
		it->raw = e->raw;
		it->rawlen = e->rawlen;
		it->transport = e->transport ? e->transport : "spool";
		it->source = e->source;
		it->auth = e->auth;
		it->hint = e->hint;
		if (strcmp(e->kind, SPOOL_KIND_INVALID) == 0) {
			it->verdict = INTAKE_REJECTED;
			snprintf(it->reason, sizeof it->reason, "%s",
			    e->reason ? e->reason : "invalid");
		}
		bytes += e->rawlen;
	}
}

/* spool_tidy - see replay.h */
void
spool_tidy(const char *dir)
{
	char	 err[ERRLEN];
	size_t	 n;

	if (spool_clean(dir, &n, err, sizeof err) == -1)
		log_warnx("%s", err);
	else if (n > 0)
		log_info("spool: removed %zu unfinished entr%s from %s/tmp "
		    "(a writer was killed mid-write; never acknowledged)", n,
		    n == 1 ? "y" : "ies", dir);
}

/* spool_replay - see replay.h; REPLAY_ENTRIES entries per transaction:
 * one commit per entry made a large spool drain slowly (150 s for 27,000
 * entries), and every second of it competes with new requests */
int
spool_replay(struct intake *in, const char *dir, size_t *done, char *err,
    size_t errlen)
{
	struct replay_batch	*b;
	struct intake_item	*it;
	char			 why[ERRLEN], **names;
	size_t			 n, i, k, next = 0;
	int			 rc = 0;

	*done = 0;
	if (spool_names(dir, &names, &n, err, errlen) == -1)
		return -1;
	b = xcalloc(1, sizeof *b);
	while (next < n && rc == 0) {
		batch_read(in, dir, names, n, &next, b);
		if (b->n > 0 && intake_submit(in, b->it, b->n, err,
		    errlen) == -1)
			rc = -1;
		for (k = 0; k < b->n; k++) {
			it = &b->it[k];
			if (it->verdict == INTAKE_TEMPFAIL ||
			    (it->verdict == INTAKE_REJECTED &&
			    it->kept == INTAKE_KEPT_NONE))
				rc = -1;	/* stays for the next time */
			else if (spool_remove(dir, b->e[k].name, why,
			    sizeof why) == -1)
				log_warnx("%s", why);
			else
				(*done)++;
			log_entry(b->e[k].name, it);
			intake_item_clear(it);
			spool_entry_free(&b->e[k]);
		}
	}
	free(b);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

/* cmd_spool - the subcommand */
int
cmd_spool(struct conf *conf, int argc, char **argv)
{
	struct intake	 in;
	struct store	*st;
	char		 err[ERRLEN];
	size_t		 done = 0;
	int		 rc = 0;

	if (argc != 2 || strcmp(argv[1], "replay") != 0) {
		fprintf(stderr, "usage: tlsrpt spool replay\n");
		return EX_USAGE_;
	}
	if (spool_count(conf->spool_dir) == -1) {
		log_warnx("spool replay: cannot read %s/new", conf->spool_dir);
		return EX_NOINPUT_;
	}
	spool_tidy(conf->spool_dir);
	if ((st = cmd_store(conf, "tlsrpt-spool", &rc)) == NULL)
		return rc;
	intake_open(&in, conf, "tlsrpt-spool", INTAKE_QUARANTINE, st);
	if (spool_replay(&in, conf->spool_dir, &done, err, sizeof err) == -1) {
		log_warnx("spool replay: %s", err);
		rc = EX_TEMPFAIL_;
	}
	printf("%zu spooled entr%s moved into the database, %ld left\n",
	    done, done == 1 ? "y" : "ies", spool_count(conf->spool_dir));
	intake_close(&in);
	return rc;
}
