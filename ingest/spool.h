/*
 * spool.h - a durable on-disk queue for reports the database could not take
 *
 * The spool is the intake's fallback (intake.c): while PostgreSQL is away,
 * a report (or a rejected body, to be quarantined later) is written here,
 * and the door answers 2xx only after the file and its directory entry
 * are fsync'ed (a report acknowledged is never lost).  Entries are moved
 * into the database by "tlsrpt serve" itself once it is back, or by
 * "tlsrpt spool replay" (replay.c).  An entry is removed only after its
 * transaction committed; a crash between the two leaves it in place and
 * the replay then finds a duplicate, so nothing is ever stored twice.
 *
 * Layout: DIR/tmp/ (being written) and DIR/new/ (complete, rename(2)'d
 * there).  An entry is a few "key: value" lines, a blank line, and the
 * bytes exactly as received.  Only this file knows that layout.
 */
#ifndef TLSRPT_SPOOL_H
#define TLSRPT_SPOOL_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#define SPOOL_KIND_REPORT	"report"	/* to store as a report */
#define SPOOL_KIND_INVALID	"invalid"	/* to keep in quarantine */

/* What an entry says about its bytes (spool_put: borrowed; NULL: absent;
 * newlines are replaced so that each stays one header line). */
struct spool_meta {
	const char	*kind;		/* SPOOL_KIND_* */
	const char	*transport;	/* "https", "mail", ... */
	const char	*source;	/* client address, ... */
	const char	*reason;	/* why invalid */
	const char	*auth;		/* proof of origin (intake_item.auth) */
	const char	*hint;		/* home-domain hint (intake_item.hint) */
};

/* One entry read back (spool_read); owns every string and raw. */
struct spool_entry {
	char		*name;		/* file name under DIR/new */
	char		*kind;		/* never NULL once read */
	char		*transport;
	char		*source;
	char		*reason;
	char		*auth;
	char		*hint;
	int64_t		 received;	/* unix time it arrived */
	unsigned char	*raw;		/* the body as received */
	size_t		 rawlen;
};

/* spool_init - create DIR, DIR/tmp and DIR/new (mode 0700) if missing */
int	spool_init(const char *dir, char *err, size_t errlen);

/* spool_clean - at start: remove what a writer killed mid-write left in
 * DIR/tmp (an entry there was never acknowledged, and may be half
 * written: it is never replayed).  Only files whose writer (the PID in
 * the name) is gone, or is this process, or that are older than an hour
 * (a PID reused), so that another process sharing the spool keeps the
 * entry it is writing.  *removed: how many; -1 with err when DIR/tmp
 * cannot be read. */
int	spool_clean(const char *dir, size_t *removed, char *err,
	    size_t errlen);

/* spool_chown - hand DIR and its subdirectories to uid:gid (before a
 * daemon drops privileges) */
int	spool_chown(const char *dir, uid_t, gid_t, char *err, size_t errlen);

/* spool_put - write one entry durably; 0 only once it is fsync'ed and
 * renamed into new/ (and the directory fsync'ed).  -1 with err when it
 * fails, or when the spool already holds max_bytes or more (a flood while
 * the database is away must not fill the disk).  Thread-safe. */
int	spool_put(const char *dir, size_t max_bytes, const struct spool_meta *,
	    const unsigned char *raw, size_t rawlen, char *err, size_t errlen);

/* spool_names - the entries waiting in DIR/new, oldest first, in a new
 * array of new strings (free each, then the array); -1 with err when the
 * directory cannot be read */
int	spool_names(const char *dir, char ***names, size_t *n, char *err,
	    size_t errlen);

/* spool_count - entries waiting in DIR/new; -1 when it cannot be read */
long	spool_count(const char *dir);

/* spool_stat - entries waiting in DIR/new and the arrival (unix
 * seconds) of the oldest, 0 when none; -1 when it cannot be read */
int	spool_stat(const char *dir, long *entries, int64_t *oldest);

/* spool_probe - 0 when an entry could be written now: under max_bytes,
 * and a block can be written and fsync'ed in DIR/tmp (then removed);
 * -1 with err naming what failed */
int	spool_probe(const char *dir, size_t max_bytes, char *err,
	    size_t errlen);

/* spool_read - entry name of DIR/new into *e (spool_entry_free), the body
 * at most cap bytes; -1 with err when it cannot be read or is not an entry */
int	spool_read(const char *dir, const char *name, size_t cap,
	    struct spool_entry *e, char *err, size_t errlen);

/* spool_remove - delete entry name (its transaction committed) */
int	spool_remove(const char *dir, const char *name, char *err,
	    size_t errlen);

/* spool_entry_free - release what spool_read filled; accepts NULL and an
 * empty entry; returns NULL */
struct spool_entry *spool_entry_free(struct spool_entry *);

#endif
