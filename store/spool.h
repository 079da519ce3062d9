/*
 * spool.h - a durable on-disk queue for reports PostgreSQL could not take
 *
 * When the database is away, "tlsrpt serve" writes the raw body into the
 * spool and answers 2xx only after the file and its directory entry are
 * fsync'ed (a report acknowledged is never lost).  Entries are drained
 * into the database by the server itself when it comes back, or by
 * "tlsrpt spool replay".  An entry is removed only after its transaction
 * committed; a crash between the two leaves it in place and the replay
 * then finds a duplicate, so nothing is ever stored twice.
 *
 * Layout: DIR/tmp/ (being written) and DIR/new/ (complete, rename(2)'d
 * there).  An entry is a few "key: value" lines, a blank line, and the
 * bytes exactly as received.
 */
#ifndef TLSRPT_SPOOL_H
#define TLSRPT_SPOOL_H

#include <stddef.h>
#include <stdint.h>

struct conf;
struct store;

#define SPOOL_KIND_REPORT	"report"	/* to store as a report */
#define SPOOL_KIND_INVALID	"invalid"	/* to keep in quarantine */

struct spool_entry {
	char		*name;		/* file name under DIR/new */
	char		*kind;		/* SPOOL_KIND_* */
	char		*transport;	/* "https", "mail", ... */
	char		*source;	/* client address or NULL */
	char		*reason;	/* why invalid, or NULL */
	int64_t		 received;	/* unix time it arrived */
	unsigned char	*raw;		/* the body as received */
	size_t		 rawlen;
};

/* spool_init - create DIR, DIR/tmp and DIR/new (mode 0700) if missing */
int	spool_init(const char *dir, char *err, size_t errlen);

/* spool_put - write one entry durably; 0 only once it is fsync'ed and
 * renamed into new/ (and the directory fsync'ed).  Strings are borrowed;
 * newlines in them are replaced so the header stays one line a key. */
int	spool_put(const char *dir, const char *kind, const char *transport,
	    const char *source, const char *reason, const unsigned char *raw,
	    size_t rawlen, char *err, size_t errlen);

/* spool_count - entries waiting in DIR/new (-1 when unreadable) */
long	spool_count(const char *dir);

/*
 * spool_replay - store every waiting entry: reports with store_batch()
 * (duplicates are fine), invalid bodies in the quarantine; each entry is
 * removed after its commit.  *done gets how many entries were taken.
 * Returns 0, or -1 when the database failed (entries stay; *temp = 1 when
 * it is unreachable).
 */
int	spool_replay(const char *dir, struct store *, const struct conf *,
	    size_t *done, int *temp, char *err, size_t errlen);

/* spool_entry_free - release what spool reading allocated */
void	spool_entry_free(struct spool_entry *);

#endif
