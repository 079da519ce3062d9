/*
 * store_cmd.c - "tlsrpt db migrate", and how every command connects
 *
 * SYNOPSIS
 *	tlsrpt db migrate
 *
 * DESCRIPTION
 *	db migrate applies the numbered migrations from sql/ (compiled into
 *	the binary) that the database lacks, in one transaction; running it
 *	again changes nothing.  When stored reports predate the current
 *	counting rules (decoded before migration 003), it says to run
 *	"tlsrpt reparse".
 *
 * DIAGNOSTICS
 *	75 when the database cannot be reached or the migration fails, 64 on
 *	usage errors.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "log.h"
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

/* cmd_store_close - see cmd.h */
struct store *
cmd_store_close(struct store *st)
{
	return store_close(st);
}

/* cmd_db - "db migrate" */
int
cmd_db(struct conf *conf, int argc, char **argv)
{
	struct store	*st;
	char		 err[ERRLEN];
	int64_t		 stale = 0;
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
	if (rc == 0 && store_stale_reports(st, &stale, err, sizeof err) == 0 &&
	    stale > 0)
		printf("%" PRId64 " stored report(s) predate the current "
		    "counting rules: run \"tlsrpt reparse\"\n", stale);
	store_close(st);
	return rc;
}
