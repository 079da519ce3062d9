/*
 * cmd.h - the subcommands of the one tlsrpt program
 *
 * Each takes the loaded configuration and the arguments after its own name
 * (argv[0] is the subcommand name) and returns the process exit status
 * (sysexits, util.h).  Where each lives tells what it belongs to:
 * ingest/ the front doors and what decodes (reparse too), store/ the
 * database, render/ the output.
 */
#ifndef TLSRPT_CMD_H
#define TLSRPT_CMD_H

#include "conf.h"

struct store;

/* cmd_store - connect for a command and check the schema; NULL with the
 * exit status in *status: 75 unreachable, 78 no schema (store_cmd.c).
 * The caller owns the store (store_close). */
struct store *cmd_store(const struct conf *, const char *appname,
	    int *status);
/* cmd_store_close - close what cmd_store opened; accepts NULL, returns
 * NULL (so that a reading command needs only query.h besides this) */
struct store *cmd_store_close(struct store *);

int	cmd_ingest(struct conf *, int argc, char **argv);	/* ingest/ingest_file.c */
int	cmd_db(struct conf *, int argc, char **argv);		/* store/store_cmd.c */
int	cmd_reparse(struct conf *, int argc, char **argv);	/* ingest/reparse.c */
int	cmd_summary(struct conf *, int argc, char **argv);	/* render/summary.c */
int	cmd_serve(struct conf *, int argc, char **argv);	/* ingest/serve.c */
int	cmd_spool(struct conf *, int argc, char **argv);	/* ingest/replay.c */
int	cmd_ingest_mail(struct conf *, int argc, char **argv);	/* ingest/mail_door.c */
int	cmd_ingest_mbox(struct conf *, int argc, char **argv);	/* ingest/mail_door.c */
int	cmd_ingest_maildir(struct conf *, int argc, char **argv); /* ingest/mail_door.c */
int	cmd_quarantine(struct conf *, int argc, char **argv);	/* ingest/quarantine_cmd.c */
int	cmd_render(struct conf *, int argc, char **argv);	/* render/site.c */
int	cmd_digest(struct conf *, int argc, char **argv);	/* render/digest.c */

#endif
