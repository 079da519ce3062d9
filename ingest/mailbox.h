/*
 * mailbox.h - the messages of an existing mbox file or Maildir, one by one
 *
 * For "tlsrpt ingest-mbox FILE..." and "tlsrpt ingest-maildir DIR...": an
 * iterator that hands out one whole message at a time, each with a name
 * for output lines, and skips (with a reason) a message over the size cap
 * rather than failing the whole mailbox.  Nothing here parses MIME
 * (mime.h does) or writes to the mailbox.
 */
#ifndef TLSRPT_MAILBOX_H
#define TLSRPT_MAILBOX_H

#include <stddef.h>

struct mailbox;

/* What mailbox_next() found. */
enum mailbox_status {
	MAILBOX_ERR = -1,	/* the mailbox cannot be read on: err says
				 * why; only mailbox_close() is left */
	MAILBOX_END = 0,	/* no more messages */
	MAILBOX_MSG = 1,	/* msg holds a message */
	MAILBOX_SKIP = 2,	/* a message was passed over: msg->name
				 * names it, err says why, data is NULL */
};

/*
 * One message.  data/len and name are owned by the iterator and stay valid
 * until the next mailbox_next() or mailbox_close(); copy what you keep.
 * data is NUL-terminated past len (the message may hold NUL bytes too).
 */
struct mailbox_msg {
	const unsigned char *data;
	size_t		 len;
	const char	*name;	/* "FILE:N" (N from 1, skipped messages
				 * counted) for mbox, the file's path for
				 * Maildir; raw bytes of the file name:
				 * escape before printing */
};

/*
 * mailbox_open_mbox - iterate an mbox file, mboxrd or mboxo
 *
 * path: the file, or "-" for standard input (borrowed; copied).  Messages
 * are split at "From " lines at the start of the file or after an empty
 * line; that empty line is the separator's, not the message's.  Lines
 * matching ^>+From  lose one '>' (mboxrd; mboxo's ">From " is read the
 * same way, which is the best guess mboxo allows).  The file is read as a
 * stream: memory stays near max_message however big the file is.
 * Returns 0 with a new iterator in *out (mailbox_close it), or -1 with err
 * when the file cannot be opened or does not start with "From " (an empty
 * file is a mailbox without messages).
 */
int	mailbox_open_mbox(const char *path, size_t max_message,
	    struct mailbox **out, char *err, size_t errlen);

/*
 * mailbox_open_maildir - iterate the files of DIR/cur and DIR/new
 *
 * dir: borrowed; copied.  Files whose names start with '.' are skipped,
 * tmp/ is never read (deliveries in progress).  The order is stable: by
 * file name (a Maildir name starts with its delivery time), then cur/
 * before new/.  The list is taken at open; a file that is gone, not a
 * regular file or over max_message by the time it is read is a
 * MAILBOX_SKIP.  Returns 0 with a new iterator in *out, or -1 with err
 * when neither cur/ nor new/ can be listed.
 */
int	mailbox_open_maildir(const char *dir, size_t max_message,
	    struct mailbox **out, char *err, size_t errlen);

/* mailbox_next - the next message into *msg: enum mailbox_status */
int	mailbox_next(struct mailbox *, struct mailbox_msg *msg, char *err,
	    size_t errlen);

/* mailbox_close - release the iterator and its file; accepts NULL,
 * returns NULL */
struct mailbox *mailbox_close(struct mailbox *);

#endif
