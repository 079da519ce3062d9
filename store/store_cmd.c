/*
 * store_cmd.c - "tlsrpt db migrate" and "tlsrpt reparse"
 *
 * SYNOPSIS
 *	tlsrpt db migrate
 *	tlsrpt reparse
 *	tlsrpt spool replay
 *
 * DESCRIPTION
 *	db migrate applies the numbered migrations from sql/ (compiled into
 *	the binary) that the database lacks, in one transaction; running it
 *	again changes nothing.  reparse runs the current parser over every
 *	stored raw report and rebuilds its rows, and decides again whether
 *	it is ours or foreign (after "domains" changed, or a parser fix).
 *
 * DIAGNOSTICS
 *	75 when the database cannot be reached, 78 when reparse finds no
 *	schema, 65 when some raw reports no longer parse, 64 on usage errors.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "log.h"
#include "spool.h"
#include "store.h"
#include "util.h"

/* cmd_store - connect for a command and check the schema; NULL with the
 * exit status in *status (75 unreachable, 78 no schema) */
struct store *
cmd_store(const struct conf *conf, const char *appname, int *status)
{
	struct store	*st;
	char		 err[ERRLEN];

	if ((st = store_open(conf->database, appname, err,
	    sizeof err)) == NULL) {
		log_warnx("database unreachable: %s", err);
		*status = EX_TEMPFAIL_;
		return NULL;
	}
	if (store_schema_ok(st, err, sizeof err) == -1) {
		log_warnx("%s", err);
		*status = EX_CONFIG_;
		return store_close(st);
	}
	return st;
}

/* cmd_db - "db migrate" */
int
cmd_db(struct conf *conf, int argc, char **argv)
{
	struct store	*st;
	char		 err[ERRLEN];
	int		 applied = 0, rc = 0;

	if (argc != 2 || strcmp(argv[1], "migrate") != 0) {
		fprintf(stderr, "usage: tlsrpt db migrate\n");
		return EX_USAGE_;
	}
	if ((st = store_open(conf->database, "tlsrpt-migrate", err,
	    sizeof err)) == NULL) {
		log_warnx("database unreachable: %s", err);
		return EX_TEMPFAIL_;
	}
	if (store_migrate(st, &applied, err, sizeof err) == -1) {
		log_warnx("migrate: %s", err);
		rc = EX_TEMPFAIL_;
	} else if (applied == 0)
		printf("schema is up to date\n");
	else
		printf("applied %d migration(s)\n", applied);
	store_close(st);
	return rc;
}

/* cmd_reparse - "reparse" */
int
cmd_reparse(struct conf *conf, int argc, char **argv)
{
	struct store	*st;
	char		 err[ERRLEN];
	size_t		 reparsed = 0, failed = 0;
	int		 rc = 0;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: tlsrpt reparse\n");
		return EX_USAGE_;
	}
	if ((st = cmd_store(conf, "tlsrpt-reparse", &rc)) == NULL)
		return rc;
	if (store_reparse(st, conf->max_report_bytes, conf->domains,
	    conf->n_domains, &reparsed, &failed, err, sizeof err) == -1) {
		log_warnx("reparse: %s", err);
		rc = EX_TEMPFAIL_;
	} else {
		printf("reparsed %zu report(s), %zu failed\n", reparsed,
		    failed);
		if (failed)
			rc = EX_DATAERR_;
	}
	store_close(st);
	return rc;
}

/* cmd_spool - "spool replay": what serve does by itself, by hand */
int
cmd_spool(struct conf *conf, int argc, char **argv)
{
	struct store	*st;
	char		 err[ERRLEN];
	size_t		 done = 0;
	int		 temp = 0, rc = 0;

	if (argc != 2 || strcmp(argv[1], "replay") != 0) {
		fprintf(stderr, "usage: tlsrpt spool replay\n");
		return EX_USAGE_;
	}
	if ((st = cmd_store(conf, "tlsrpt-spool", &rc)) == NULL)
		return rc;
	if (spool_replay(conf->spool_dir, st, conf, &done, &temp, err,
	    sizeof err) == -1) {
		log_warnx("spool replay: %s", err);
		rc = EX_TEMPFAIL_;
	}
	printf("%zu spooled entr%s moved into the database, %ld left\n",
	    done, done == 1 ? "y" : "ies", spool_count(conf->spool_dir));
	store_close(st);
	return rc;
}
