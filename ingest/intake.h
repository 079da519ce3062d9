/*
 * intake.h - the one intake behind every front door
 *
 * A door knows its protocol only.  It hands the intake raw bytes with
 * their transport, source, authentication and home-domain hint; the
 * intake decodes them (report_decode), decides whose report it is
 * (report_assign_domains, report_is_ours: R56), stores it (store_batch)
 * and falls back: a report the database refuses is rejected alone, a
 * rejected body is kept in the quarantine when the door asks for that,
 * and while the database is away reports go to the spool when the door
 * asks for that, else they are a temporary failure.  Every input gets
 * exactly one verdict; the door maps it to its answer (an HTTP status, a
 * line on stdout, an exit code).
 *
 * Doors: "tlsrpt ingest" (ingest_file.c), "tlsrpt serve" (committer.c),
 * "tlsrpt spool replay" and serve's own replay (replay.c), reparse's
 * quarantine recovery (reparse.c); the mail intake plugs in the same way.
 *
 * Threads: intake_decode() touches no database and may run in any
 * thread.  A struct intake (its connection) belongs to one thread.
 */
#ifndef TLSRPT_INTAKE_H
#define TLSRPT_INTAKE_H

#include <stddef.h>
#include <stdint.h>

#include "decode.h"
#include "util.h"

struct conf;
struct store;
struct store_mail;

enum intake_verdict {
	INTAKE_PENDING = 0,	/* not decided yet (decoded or not) */
	INTAKE_STORED,		/* a new report of ours */
	INTAKE_SUPERSEDED,	/* a proven copy that replaced the
				 * unauthenticated copy stored before (id:
				 * the report, kept) */
	INTAKE_DUPLICATE,	/* stored before: nothing written */
	INTAKE_FOREIGN,		/* a new report, none of our domains: kept,
				 * never counted */
	INTAKE_CONFLICT,	/* a copy of a stored report whose content
				 * differs: kept beside it (kept ==
				 * INTAKE_KEPT_CONFLICT) unless the report has
				 * max_conflicts_per_report; never counted */
	INTAKE_REJECTED,	/* not a report we can accept: reason, error */
	INTAKE_SPOOLED,		/* the database is away: durably spooled */
	INTAKE_TEMPFAIL,	/* neither the database nor the spool took it:
				 * reason; the sender should try again */
};

/* Where a rejected body went. */
enum intake_kept {
	INTAKE_KEPT_NONE = 0,
	INTAKE_KEPT_QUARANTINE,
	INTAKE_KEPT_SPOOL,	/* as "invalid", for the quarantine later */
	INTAKE_KEPT_CONFLICT,	/* CONFLICT: beside the report it differs from */
};

/* One input.  The door fills the first block; raw and the strings are
 * borrowed and must stay valid until the verdict is read.  The door may
 * set verdict = INTAKE_REJECTED with a reason itself (an unreadable
 * file, a spooled invalid body): it is then only kept. */
struct intake_item {
	const unsigned char	*raw;		/* as received: gzip or JSON */
	size_t			 rawlen;
	const char		*transport;	/* "file", "https", "mail", ... */
	const char		*source;	/* file name, client IP, ...; or NULL */
	const char		*auth;		/* proof of origin, NULL: none */
	const char		*hint;		/* home-domain hint (TLS-Report-Domain),
						 * or NULL */
	const char		*proof;		/* registrable DKIM d= that proved
						 * it; NULL: none (store.h) */
	char *const		*arrival;	/* arrival flag names, or NULL */
	size_t			 narrival;
	const struct store_mail	*mail;		/* the mail door's message and
						 * gate result; NULL: other doors */

	enum intake_verdict	 verdict;
	enum report_error	 error;		/* REJECTED by the decoder: the
						 * layer that refused it */
	int			 refused;	/* REJECTED: the database refused
						 * the decoded report's data */
	enum intake_kept	 kept;		/* REJECTED: where the body went */
	struct report		*report;	/* decoded, owned (intake_item_clear) */
	int			 foreign;	/* decoded: none of our domains */
	int64_t			 id;		/* STORED, DUPLICATE, FOREIGN,
						 * CONFLICT: the report row */
	char			 reason[ERRLEN];/* REJECTED, TEMPFAIL */
};

/* What a door asks of the intake (intake_open flags). */
#define INTAKE_SPOOL		0x1	/* database away: spool, not TEMPFAIL */
#define INTAKE_QUARANTINE	0x2	/* keep rejected bodies */
#define INTAKE_NO_DATABASE	0x4	/* never connect: the spool only */

struct intake {
	const struct conf	*conf;
	const char		*appname;	/* PostgreSQL application_name */
	unsigned		 flags;		/* INTAKE_* */
	unsigned		 timeout;	/* statement timeout, s; 0: none */
	unsigned		 backoff;	/* after a failure, s without trying */
	struct store		*store;		/* owned; NULL while away */
	double			 retry_at;	/* monotonic: no attempt before */
};

/*
 * intake_open - prepare an intake for one thread.  st: a connection the
 * door opened itself (to check the schema first), taken over; or NULL to
 * connect on first use (conf->database).  timeout and backoff start at 0.
 */
void	intake_open(struct intake *, const struct conf *, const char *appname,
	    unsigned flags, struct store *st);

/* intake_close - close the connection, if any */
void	intake_close(struct intake *);

/*
 * intake_decode - decode and decide one pending item without a database:
 * on success item->report is set and item->foreign decided (the verdict
 * stays PENDING); else the verdict is REJECTED with error and reason.
 * An item already decoded or decided is left alone.
 */
void	intake_decode(const struct conf *, struct intake_item *);

/*
 * intake_share - the source whose share of the quarantine an item's body
 * uses (store_qbound), into buf: "mail " and the registrable domain of the
 * mail's From (its domain when it has none; "mail (no From)" without
 * one); for an address source, the transport and the client's network,
 * a /24 for IPv4 or a /64 for IPv6 ("https 192.0.2.0/24": one host often
 * holds many addresses of its network); else the transport and source.
 */
void	intake_share(const struct intake_item *, char *buf, size_t len);

/*
 * intake_submit - give every item of items[0..n) its verdict: decode what
 * is not decoded, store the rest in one batch (one transaction), fall back
 * as the flags say.  Returns 0, or -1 when the database failed (for the
 * batch, or for keeping a rejected body) with the reason in err: the
 * door logs it; every item has its verdict either way.
 */
int	intake_submit(struct intake *, struct intake_item *items, size_t n,
	    char *err, size_t errlen);

/* intake_item_clear - free what the intake allocated in an item (the
 * report) and make it pending again; the door's inputs stay */
void	intake_item_clear(struct intake_item *);

/* intake_verdict_name - "stored", "superseded", "duplicate", "foreign", "conflict",
 * "rejected", "spooled", "unavailable" */
const char *intake_verdict_name(enum intake_verdict);

#endif
