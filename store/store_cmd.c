/*
 * store_cmd.c - "tlsrpt db migrate", and how every command connects
 *
 * SYNOPSIS
 *	tlsrpt db migrate
 *	tlsrpt db purge [--dry-run] [--days N] [--batch N]
 *
 * DESCRIPTION
 *	db migrate applies the numbered migrations from sql/ (compiled into
 *	the binary) that the database lacks, in one transaction; running it
 *	again changes nothing.  When stored reports predate the current
 *	counting rules (decoded before migration 003), it says to run
 *	"tlsrpt reparse".
 *
 *	db purge deletes the reports whose day is more than retention_days
 *	(or --days N) days before today (UTC), with all their rows, and the
 *	quarantine entries received before that day, in transactions of at
 *	most --batch reports (default 1000; store/purge.c says why).  With
 *	retention_days = 0 (the default: keep everything) and no --days it
 *	deletes nothing.  --dry-run prints what would go.
 *
 * DIAGNOSTICS
 *	75 when the database cannot be reached or a statement fails, 78
 *	without a schema, 64 on usage errors.  purge prints one line:
 *	"purged before DAY: N reports (N policies, N failure details,
 *	N conflicting copies, N mail messages), N quarantine entries, in N
 *	transactions" ("would purge" with --dry-run).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

#define PURGE_BATCH	1000
#define DAYS_MAX	36500		/* retention_days' bound too */

/* count_arg - a decimal in [lo, hi]; 0, or -1 */
static int
count_arg(const char *s, unsigned long lo, unsigned long hi,
    unsigned long *out)
{
	char	*end;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	*out = strtoul(s, &end, 10);
	return *end != '\0' || *out < lo || *out > hi ? -1 : 0;
}

/* purge - "db purge [--dry-run] [--days N] [--batch N]" */
static int
purge(struct conf *conf, int argc, char **argv)
{
	struct store		*st;
	struct store_purge	 p;
	struct tm		 tm;
	char			 err[ERRLEN], cutoff[16];
	unsigned long		 days = conf->retention_days, batch = PURGE_BATCH;
	time_t			 t;
	int			 i, dry = 0, rc;

	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--dry-run") == 0)
			dry = 1;
		else if (strcmp(argv[i], "--days") == 0 && i + 1 < argc &&
		    count_arg(argv[i + 1], 1, DAYS_MAX, &days) == 0)
			i++;
		else if (strcmp(argv[i], "--batch") == 0 && i + 1 < argc &&
		    count_arg(argv[i + 1], 1, 100000, &batch) == 0)
			i++;
		else {
			fprintf(stderr, "usage: tlsrpt db purge [--dry-run] "
			    "[--days N] [--batch N]\n");
			return EX_USAGE_;
		}
	}
	if (days == 0) {
		printf("retention_days = 0 (keep everything): nothing to "
		    "purge\n");
		return EX_OK_;
	}
	t = time(NULL) - (time_t)days * 86400;
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(cutoff, sizeof cutoff, "%Y-%m-%d", &tm) == 0)
		return EX_SOFTWARE_;
	if ((st = cmd_store(conf, "tlsrpt-purge", &rc)) == NULL)
		return rc;
	rc = EX_OK_;
	if (store_purge(st, cutoff, batch, dry, &p, err, sizeof err) == -1) {
		log_warnx("purge: %s", err);
		rc = EX_TEMPFAIL_;
	}
	printf("%s before %s: %" PRId64 " reports (%" PRId64 " policies, %"
	    PRId64 " failure details, %" PRId64 " conflicting copies, %"
	    PRId64 " mail messages), %" PRId64 " quarantine entries",
	    dry ? "would purge" : rc == EX_OK_ ? "purged" : "purged, then "
	    "stopped,", cutoff, p.reports, p.policies, p.details,
	    p.conflicts, p.messages, p.quarantined);
	if (dry)
		printf("\n");
	else
		printf(", in %zu transactions\n", p.batches);
	store_close(st);
	return rc;
}

/* cmd_db - "db migrate", "db purge" */
int
cmd_db(struct conf *conf, int argc, char **argv)
{
	struct store	*st;
	char		 err[ERRLEN];
	int64_t		 stale = 0;
	int		 applied = 0, rc = 0;

	if (argc >= 2 && strcmp(argv[1], "purge") == 0)
		return purge(conf, argc, argv);
	if (argc != 2 || strcmp(argv[1], "migrate") != 0) {
		fprintf(stderr, "usage: tlsrpt db migrate | db purge "
		    "[--dry-run] [--days N] [--batch N]\n");
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
