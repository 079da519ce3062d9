/*
 * store_int.h - what the files of store/ share (the rest of the program
 * uses store.h and query.h)
 *
 *	pg.c		the connection, SQLSTATE classes, one-statement helpers,
 *			the savepoint loop
 *	copy.c		COPY text encoding and the COPY protocol
 *	rows.c		the staging, policy and failure_detail rows of a report
 *	batch.c		store_batch: the dedup plan, the pipelined transaction,
 *			its fallbacks
 *	single.c	one report without the staging table
 *	proven.c	proven copies: superseding, reports of other provers
 *	conflict.c	copies of a stored report whose content differs
 *	migrate.c	the embedded migrations and the schema check
 *	reparse.c	stored bodies read back by pages, reparsed rows written
 *	quarantine.c	bodies we could not accept
 *	query.c		the summary query (query.h)
 *	query_site.c	the tables of the pages and the digest, and the
 *			runner they share (query_site.h)
 *	query_digest.c	the digest's own tables
 *	query_int.h	the counting rules every query starts with
 */
#ifndef TLSRPT_STORE_INT_H
#define TLSRPT_STORE_INT_H

#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "buf.h"
#include "report.h"
#include "store.h"

/* The staging table lives per session (TEMP).  It is emptied with DELETE
 * when each transaction begins, not ON COMMIT DELETE ROWS: that truncates
 * the table, its TOAST table and index at every commit, which measured
 * 0.6 ms a transaction, more than a whole small batch of serve's group
 * commit.  The dead rows are pruned as pages are read, and the session
 * vacuums the table now and then (store_stage_vacuum).  The version
 * suffix keeps an old layout, left on a pooled server connection by an
 * older binary, from being reused. */
#define STAGE		"tlsrpt_stage_v5"

#define STAGE_DDL							\
	"CREATE TEMP TABLE IF NOT EXISTS " STAGE " ("			\
	"id bigint, organization_name text, report_id text, "		\
	"start_raw text, end_raw text, start_sec bigint, "		\
	"start_usec integer, end_sec bigint, end_usec integer, "	\
	"contact_info text, verdict text, transport text, source text, "\
	"authenticated text, home_domain text, domain_hint text, "	\
	"flags text[], raw bytea, raw_sha256 bytea, content_sha256 bytea, "\
	"proof text, slot text, arrival_flags text[]) "			\
	"ON COMMIT PRESERVE ROWS"

/* Every transaction that uses the stage opens with this, in one round
 * trip.  Creating it in each transaction (rather than once per
 * connection) keeps working behind a transaction-pooling proxy; the
 * "already exists" notice is silenced for the transaction only.  Four
 * results: BEGIN, SET, CREATE, DELETE. */
#define BEGIN_STAGE							\
	"BEGIN; SET LOCAL client_min_messages = warning; " STAGE_DDL	\
	"; DELETE FROM " STAGE
#define BEGIN_STAGE_RESULTS	4

/* The normalised times from the parser's seconds and microseconds.
 * to_timestamp() of a whole number is exact; adding the fraction as an
 * interval avoids rounding a float. */
#define STAGE_START							\
	"to_timestamp(s.start_sec) + s.start_usec * interval '1 microsecond'"
#define STAGE_END							\
	"to_timestamp(s.end_sec) + s.end_usec * interval '1 microsecond'"
#define STAGE_DAY							\
	"(to_timestamp(s.start_sec) AT TIME ZONE 'UTC')::date"

/* The three COPYs of a report's rows (rows.c) */
#define COPY_STAGE_SQL						\
	"COPY " STAGE " (id, organization_name, report_id, start_raw, "	\
	"end_raw, start_sec, start_usec, end_sec, end_usec, contact_info, "\
	"verdict, transport, source, authenticated, home_domain, "	\
	"domain_hint, flags, raw, raw_sha256, content_sha256, proof, slot, "\
	"arrival_flags) FROM STDIN"

#define COPY_POLICY_SQL						\
	"COPY policy (report_id, idx, policy_type, policy_domain, domain, "\
	"dane_mx, policy_string, mx_host, total_successful, total_failure) "\
	"FROM STDIN"

#define COPY_FAILURE_SQL						\
	"COPY failure_detail (report_id, policy_idx, idx, result_type, "	\
	"sending_mta_ip, sending_mta_ip_raw, receiving_mx_hostname, "	\
	"receiving_mx_helo, receiving_ip, receiving_ip_raw, "		\
	"failed_session_count, additional_information, "		\
	"failure_reason_code) FROM STDIN"

#define COPY_MESSAGE_SQL						\
	"COPY report_message (report_id, message_gz, message_sha256, dkim, "\
	"message_id, mail_from) FROM STDIN"

#define INT64_TEXT	24		/* room for an int64 in decimal */

struct store {
	PGconn		*conn;
	char		 sqlstate[6];	/* of the last failure, "" if none */
	struct buf	 copy;		/* COPY data not yet sent */
	int64_t		*ids;		/* report ids taken ahead, ascending */
	size_t		 nids, idpos;
	int		 ids_taken;	/* the cache was filled before */
	size_t		 staged;	/* rows staged since the last vacuum */
	size_t		 max_conflicts;	/* differing copies kept per report */
};

/* The three COPYs of a batch (rows.c) */
enum copy_kind {
	COPY_K_STAGE,
	COPY_K_POLICY,
	COPY_K_FAILURE,
	COPY_K_MESSAGE,		/* the mail of a mailed copy */
};

/* One report on its way into the tables (batch.c and reparse.c). */
struct row {
	const struct report	*r;
	const char		*verdict;	/* "accepted" or "foreign" */
	const char		*transport;
	const char		*source;
	const char		*auth;
	const char		*hint;
	const char		*proof;		/* registrable d=; NULL: none */
	const char		*slot;		/* "" or the proof (006_proof.sql) */
	char *const		*arrival;
	size_t			 narrival;
	const struct store_mail	*mail;		/* with a message, or NULL */
	const unsigned char	*raw;		/* NULL: not staged (reparse) */
	size_t			 rawlen;
	int64_t			 id;
	int			 is_new;	/* write its policies */
	size_t			 item;		/* store_batch: first item of the key */
};

/* pg.c */
int	db_fail(struct store *, PGresult *, const char *what, char *err,
	    size_t errlen);
int	exec_cmd(struct store *, const char *sql, const char *what,
	    char *err, size_t errlen);
int	next_result(struct store *, ExecStatusType want, PGresult **out,
	    const char *what, char *err, size_t errlen);
void	rollback(struct store *);
void	store_stage_vacuum(struct store *, size_t rows);
int	state_is_data(const char *sqlstate);
int	state_is_retry(const char *sqlstate);
int	state_is_temp(struct store *);
int64_t	parse_i64(const char *);
int64_t	get_be64(const char *);
int	cmp_i64(const void *, const void *);

/*
 * store_each_savepoint - inside the open transaction, step(s, ctx, i) for
 * i in [0, n), each under its own savepoint.  A step the database refuses
 * for its data (state_is_data) is rolled back alone and reported through
 * failed(ctx, i, message); the others stay.  Returns 0, or -1 with err on
 * any other failure (the caller rolls back).  This is the one fallback
 * for "one bad report must not take the others with it".
 */
typedef int	(*store_step_fn)(struct store *, void *ctx, size_t i,
		    char *err, size_t errlen);
typedef void	(*store_failed_fn)(void *ctx, size_t i, const char *why);
int	store_each_savepoint(struct store *, size_t n, store_step_fn step,
	    store_failed_fn failed, void *ctx, char *err, size_t errlen);

/* proven.c: after the batch committed, proven duplicates of an
 * unauthenticated report supersede it, and those of a report proven by
 * another domain are stored as reports of their own (slot = proof) */
int	store_settle_proven(struct store *, struct store_item **its,
	    size_t n, int *temp, char *err, size_t errlen);

/* single.c: one report without the staging table, in a transaction of
 * its own; 0 with its verdict, or -1 with err (rolled back by the caller) */
int	store_single(struct store *, struct store_item *, int slot_proof,
	    char *err, size_t errlen);

/* batch.c: store its[0..n) in a transaction of its own; slot_proof: in
 * the slot of their proof (proven.c's second reports) */
int	store_batch_items(struct store *, struct store_item **its, size_t n,
	    int slot_proof, int *temp, char *err, size_t errlen);

/* conflict.c: dup_wanted - it is a duplicate of a known report (proven:
 * and has a proof); dup_query - sql run with $1 = the report ids of those
 * duplicates among its[] (binary: binary results).  Returns the result
 * (the caller clears it), or NULL: *none = 1 when there was no such
 * duplicate, else the query failed (err, s->sqlstate). */
int	dup_wanted(const struct store_item *, int proven);
PGresult *dup_query(struct store *, struct store_item **its, size_t n,
	    int proven, const char *sql, int binary, const char *what,
	    int *none, char *err, size_t errlen);

/* conflict.c: after the batch committed, the duplicates whose content
 * differs from the stored report's become conflicting copies */
int	store_settle_conflicts(struct store *, struct store_item **its,
	    size_t n, int *temp, char *err, size_t errlen);

/* copy.c: COPY text fields (put_*) and the COPY protocol (copy_*) */
void	put_escaped(struct buf *, const char *, int copy, int elem);
void	put_text(struct buf *, const char *);
void	put_i64(struct buf *, int64_t);
void	put_bool(struct buf *, int);
void	put_array(struct buf *, char *const *, size_t);
void	put_flags(struct buf *, uint32_t);
void	put_bytea(struct buf *, const unsigned char *, size_t);
void	array_param(struct buf *, char *const *, size_t);
void	ids_param(struct buf *, const int64_t *, size_t);
int	copy_start(struct store *, const char *sql, const char *what,
	    char *err, size_t errlen);
int	copy_flush(struct store *, int force, char *err, size_t errlen);
int	copy_send_end(struct store *, char *err, size_t errlen);
void	copy_abort(struct store *);

/* rows.c */
extern const char *const copy_sql[];	/* by enum copy_kind */
extern const char *const copy_what[];
void	stage_row(struct buf *, const struct row *);
void	policy_rows(struct buf *, const struct row *);
void	failure_rows(struct buf *, const struct row *);
void	message_row(struct buf *, const struct row *);
void	row_from_item(struct row *, const struct store_item *, int slot_proof);
int	copy_rows_send(struct store *, enum copy_kind, struct row *,
	    size_t n, int all, char *err, size_t errlen);
int	copy_rows(struct store *, enum copy_kind, struct row *, size_t n,
	    int all, char *err, size_t errlen);

#endif
