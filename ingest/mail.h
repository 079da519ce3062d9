/*
 * mail.h - one mailed report: MIME walk, decode, DKIM gate (R42, R50-R53)
 *
 * What every mail door shares ("tlsrpt ingest-mail", "ingest-mbox",
 * "ingest-maildir", "quarantine release"): mail_read() takes one whole
 * message and leaves an intake item ready for intake_submit():
 *
 *   a report, proven by DKIM	pending, with its proof (the registrable
 *				d=), the authentication text, the
 *				TLS-Report-Domain hint, arrival flags and
 *				the whole message gzip-compressed
 *   a report, dkim = off	pending, recorded as "dkim off", unproven
 *   not proven, malformed, or	rejected, raw = the whole message: the
 *   no report but it looked	intake keeps it in the quarantine with the
 *   like one			gate's result (R50: ignored, never bounced)
 *   no report at all		MAIL_NONE: nothing to keep (other mail)
 *   a key lookup failed	MAIL_TEMPFAIL: try again later (75)
 *
 * Which part is the report: the MIME walker's candidates in rank order;
 * the first that decodes wins.  A candidate declared as a report (its
 * type or its file name) that does not decode makes the mail malformed;
 * a sniffed one that does not decode (a DMARC .xml.gz) is no report.
 *
 * Ownership: a struct mail_env (one per process) owns the DKIM gate; a
 * struct mail owns what mail_read() allocated in it (mail_clear()); the
 * message bytes are the caller's and must outlive the item's submission.
 */
#ifndef TLSRPT_MAIL_H
#define TLSRPT_MAIL_H

#include <stddef.h>

#include "dkim_gate.h"
#include "intake.h"
#include "mime.h"
#include "store.h"

struct conf;

struct mail_env {
	const struct conf	*conf;
	struct gate		*gate;		/* NULL: dkim = off */
	struct mime_limits	 lim;
};

/* mail_env_open - the gate as configured (dkim, dkim_keys_file, ...).
 * Returns 0, or -1 with err (an unreadable keys file, a bad
 * dkim_nameserver). */
int	mail_env_open(struct mail_env *, const struct conf *, char *err,
	    size_t errlen);
void	mail_env_close(struct mail_env *);

enum mail_kind {
	MAIL_REPORT = 0,	/* item is for intake_submit (pending or
				 * rejected: to the quarantine) */
	MAIL_NONE,		/* no report, and it did not look like one */
	MAIL_TEMPFAIL,		/* reason: try the whole message later */
};

#define MAIL_FORCE	0x1	/* store despite the gate (release --force) */

#define MAIL_MAX_FLAGS	16

struct mail {
	/* the door's */
	const unsigned char	*msg;		/* the whole message */
	size_t			 len;
	const char		*source;	/* where it came from (queue id,
						 * FILE:N, a Maildir file) */
	int			 over;		/* msg is the first max_mail_bytes
						 * of a larger message */

	/* mail_read()'s */
	enum mail_kind		 kind;
	struct intake_item	 item;
	struct mime_message	*mm;
	struct gate_result	 gate;
	char			 reason[ERRLEN];	/* NONE, TEMPFAIL */
	char			 auth[2 * GATE_DOMAIN_LEN + 16];
	char			 dkim[ERRLEN];		/* the gate's result */
	char			 proof[GATE_DOMAIN_LEN];
	int			 by_authres;	/* proven by trust_authres */
	struct store_mail	 sm;
	unsigned char		*gz;			/* the message, gzip */
	const char		*flags[MAIL_MAX_FLAGS];	/* arrival flags */
	size_t			 nflags;
};

/*
 * mail_read - judge m->msg (see above) into m->kind and m->item.
 * flags: MAIL_FORCE.  Never fails otherwise: every outcome is a kind.
 */
void	mail_read(struct mail_env *, struct mail *m, unsigned flags);

/* mail_clear - free what mail_read() allocated; the door's fields stay */
void	mail_clear(struct mail *);

/*
 * mail_log - the one log line of a message once its verdict is known:
 * message-id, from, verdict, reason, DKIM d=/s= (log_info, escaped)
 */
void	mail_log(const struct mail *);

/* mail_verdict - the word for a message: the intake's verdict name, or
 * "quarantined", "no-report", "unavailable"; before it is submitted,
 * "accepted" or "not-accepted" */
const char *mail_verdict(const struct mail *);

#endif
