/*
 * main.c - tlsrpt: receive, verify, store and explain SMTP TLS reports
 *
 * SYNOPSIS
 *	tlsrpt [-c FILE] [--db CONNINFO] [-n] [-v] COMMAND ...
 *
 * DESCRIPTION
 *	Global options come before the command.  The configuration file is
 *	-c FILE, else /etc/tlsrpt/tlsrpt.conf when it exists, else the
 *	built-in defaults.  The database is --db, else "database =" in the
 *	file, else libpq's own defaults (PGHOST, PGDATABASE, ...).
 *
 * DIAGNOSTICS
 *	Exit 64 on usage errors, 78 on configuration errors ("FILE:LINE:
 *	message"), both 75 for ingest-mail (a Postfix pipe command must
 *	never bounce); each command documents the rest (README.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cmd.h"
#include "conf.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

static const struct {
	const char	*name;
	int		(*fn)(struct conf *, int, char **);
} commands[] = {
	{ "db",		cmd_db },
	{ "ingest",	cmd_ingest },
	{ "summary",	cmd_summary },
	{ "reparse",	cmd_reparse },
	{ "serve",	cmd_serve },
	{ "spool",	cmd_spool },
	{ "ingest-mail", cmd_ingest_mail },
	{ "ingest-mbox", cmd_ingest_mbox },
	{ "ingest-maildir", cmd_ingest_maildir },
	{ "quarantine",	cmd_quarantine },
	{ "render",	cmd_render },
	{ "digest",	cmd_digest },
};

/*
 * The status of an error before the command runs.  Postfix bounces a
 * pipe command's mail on any status but 0 and 75 (API-NOTES §2f), so for
 * ingest-mail a bad option or configuration defers the mail instead: the
 * operator fixes it and the queue is flushed, nothing bounces.
 */
static int	fail_usage = EX_USAGE_, fail_config = EX_CONFIG_;

/* mail_command - 1 when the command word of argv is ingest-mail */
static int
mail_command(int argc, char **argv)
{
	int	 i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--db") == 0)
			i++;
		else if (strcmp(argv[i], "--") == 0)
			return i + 1 < argc &&
			    strcmp(argv[i + 1], "ingest-mail") == 0;
		else if (argv[i][0] != '-' || argv[i][1] == '\0')
			return strcmp(argv[i], "ingest-mail") == 0;
	}
	return 0;
}

/* usage - the synopsis, to stderr, and EX_USAGE (75 for ingest-mail) */
static int
usage(void)
{
	fputs("usage: tlsrpt [-c FILE] [--db CONNINFO] [-n] [-v] COMMAND ...\n"
	    "  db migrate                 create or upgrade the schema\n"
	    "  db purge [--dry-run] [--days N] [--batch N]\n"
	    "                             delete what is older than "
	    "retention_days\n"
	    "  ingest [FILE ...]          store report files (JSON or gzip; "
	    "'-' or none = stdin)\n"
	    "  summary [--domain D] [--from YYYY-MM-DD] [--to YYYY-MM-DD] "
	    "[--format text|json|csv]\n"
	    "  reparse                    re-run the parser over every stored "
	    "raw report\n"
	    "  serve                      the HTTPS endpoint for rua=https: "
	    "reports\n"
	    "  spool replay               move spooled reports into the "
	    "database\n"
	    "  ingest-mail [--dkim-keys FILE] [-q ID] [-s SENDER]  one mailed "
	    "report on stdin\n"
	    "                             (a Postfix pipe command: exits 0 or "
	    "75 only)\n"
	    "  ingest-mbox FILE ...       import mailboxes (mboxrd, mboxo)\n"
	    "  ingest-maildir DIR ...     import Maildirs (cur/ and new/)\n"
	    "  quarantine list | show [--raw] ID | release [--force | "
	    "--replace] ID\n"
	    "                             what was kept and not counted\n"
	    "  render --out DIR [--from D] [--to D] [--domain D]\n"
	    "                             the static HTML site\n"
	    "  digest [--date D] [--to ADDR] [--from ADDR] [--send]\n"
	    "                             the daily report e-mail\n"
	    "  -n                         check the configuration and exit\n",
	    stderr);
	return fail_usage;
}

int
main(int argc, char **argv)
{
	struct conf	 conf;
	const char	*path = NULL, *db = NULL;
	char		 err[ERRLEN];
	int		 i, check = 0, dump = 0, rc;
	size_t		 c;

	log_init("tlsrpt", 0, EX_TEMPFAIL_);
	if (mail_command(argc, argv))
		fail_usage = fail_config = EX_TEMPFAIL_;
	/* Seed jansson's hash once, before any thread exists (API-NOTES 2d). */
	json_object_seed(0);

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
			path = argv[++i];
		else if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
			db = argv[++i];
		else if (strncmp(argv[i], "--db=", 5) == 0)
			db = argv[i] + 5;
		else if (strcmp(argv[i], "-n") == 0)
			check = 1;
		else if (strcmp(argv[i], "-N") == 0)
			dump = 1;
		else if (strcmp(argv[i], "-v") == 0)
			log_verbose(1);
		else if (strcmp(argv[i], "--version") == 0) {
			printf("tlsrpt %s\n", TLSRPT_VERSION);
			return 0;
		} else if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			usage();
			return 0;
		} else
			return usage();
	}

	conf_init(&conf);
	if (path == NULL && access(CONF_DEFAULT_PATH, F_OK) == 0)
		path = CONF_DEFAULT_PATH;
	if (path != NULL && conf_load(&conf, path, err, sizeof err) == -1) {
		fprintf(stderr, "tlsrpt: %s\n", err);
		conf_free(&conf);
		return fail_config;
	}
	if (conf_finish(&conf, err, sizeof err) == -1) {
		fprintf(stderr, "tlsrpt: %s\n", err);
		conf_free(&conf);
		return fail_config;
	}
	if (db != NULL) {
		free(conf.database);
		conf.database = xstrdup(db);
	}
	if (check || dump) {
		if (dump)
			conf_dump(&conf, stdout);
		else
			printf("configuration OK%s%s\n", path ? ": " : "",
			    path ? path : " (built-in defaults)");
		conf_free(&conf);
		return 0;
	}
	if (i >= argc) {
		conf_free(&conf);
		return usage();
	}
	rc = -1;
	for (c = 0; c < sizeof commands / sizeof commands[0]; c++)
		if (strcmp(argv[i], commands[c].name) == 0) {
			rc = commands[c].fn(&conf, argc - i, argv + i);
			break;
		}
	if (rc == -1) {
		fprintf(stderr, "tlsrpt: unknown command \"%s\"\n", argv[i]);
		rc = usage();
	}
	conf_free(&conf);
	return rc;
}
