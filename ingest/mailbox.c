/*
 * mailbox.c - the messages of an mbox file or a Maildir, one by one
 *
 * SYNOPSIS
 *	#include "mailbox.h"
 *
 *	int mailbox_open_mbox(path, max_message, &mb, err, errlen)
 *	int mailbox_open_maildir(dir, max_message, &mb, err, errlen)
 *	int mailbox_next(mb, &msg, err, errlen)
 *	struct mailbox *mailbox_close(mb)
 *
 * DESCRIPTION
 *	mbox: the file is read through a fixed buffer in pieces, a piece
 *	being a whole line or, for a line longer than the buffer, as much of
 *	it as fits; only the first piece of a line is looked at for "From "
 *	and ">From ".  So a file of any size, or one long line, costs the
 *	buffer plus at most max_message bytes of the message being built; a
 *	message past the cap is read on to its end, not kept, and reported
 *	as a MAILBOX_SKIP.  An empty line is held back until the next line
 *	shows whether it is the separator's (a "From " line follows) or the
 *	message's, so a message comes back byte for byte as it was before
 *	it was written to the mbox, and the cap counts the message alone.
 *
 *	Maildir: the names of cur/ and new/ are listed and sorted at open;
 *	each file is read whole (read_file) when its turn comes.  The
 *	files are never renamed or flagged: this is a reader.
 *
 * DIAGNOSTICS
 *	Errors do not repeat the path (the caller has it): "cannot open:
 *	...", "is a directory", "not an mbox file (the first line is not a
 *	\"From \" line)", "cannot read: ...", "not a Maildir (no cur/ or
 *	new/)", "cur: cannot list: ...".  Skips: "message larger than N
 *	bytes", "not a regular file", and read_file()'s reasons.  Out of
 *	memory is fatal (xmalloc).
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "mailbox.h"
#include "util.h"
#include "xmalloc.h"

/* The mbox read buffer: also the longest line prefix ever looked at. */
#define MBOX_BUF	(64 * 1024)

/* One Maildir file: its name and whether it is in new/ (else cur/). */
struct mdentry {
	char	*name;
	int	 in_new;
};

struct mailbox {
	char		*path;		/* the mbox file or the Maildir */
	size_t		 max;		/* max_message */
	char		*name;		/* the current message's */
	/* mbox */
	int		 fd;		/* -1 for a Maildir */
	unsigned char	*rbuf;
	size_t		 rpos, rlen;
	int		 eof;
	int		 bol;		/* the next piece starts a line */
	int		 have_sep;	/* a "From " line was read and its
					 * message is still to come */
	size_t		 n;		/* messages started */
	struct buf	 msg;
	/* Maildir */
	struct mdentry	*files;
	size_t		 nfiles, next;
	unsigned char	*data;
};

/* mb_piece - the next piece of the mbox: 1 with *p, *n and *bol; 0 at the
 * end; -1 on a read error */
static int
mb_piece(struct mailbox *mb, const unsigned char **p, size_t *n, int *bol,
    char *err, size_t errlen)
{
	unsigned char	*nl = NULL;
	size_t		 avail;
	ssize_t		 r;

	for (;;) {
		avail = mb->rlen - mb->rpos;
		if (avail > 0)
			nl = memchr(mb->rbuf + mb->rpos, '\n', avail);
		if (nl != NULL || mb->eof || avail == MBOX_BUF)
			break;
		/* Keep the partial line and read behind it. */
		memmove(mb->rbuf, mb->rbuf + mb->rpos, avail);
		mb->rpos = 0;
		mb->rlen = avail;
		r = read(mb->fd, mb->rbuf + mb->rlen, MBOX_BUF - mb->rlen);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			return seterr(err, errlen, "cannot read: %s",
			    strerror(errno));
		if (r == 0)
			mb->eof = 1;
		mb->rlen += (size_t)r;
	}
	if (avail == 0)
		return 0;
	*p = mb->rbuf + mb->rpos;
	*n = nl != NULL ? (size_t)(nl - *p) + 1 : avail;
	*bol = mb->bol;
	mb->rpos += *n;
	mb->bol = nl != NULL;
	return 1;
}

/* mb_rest_of_line - read past the pieces that finish the current line */
static int
mb_rest_of_line(struct mailbox *mb, char *err, size_t errlen)
{
	const unsigned char *p;
	size_t		 n;
	int		 bol, rc = 1;

	while (!mb->bol && (rc = mb_piece(mb, &p, &n, &bol, err, errlen)) == 1)
		;
	return rc == -1 ? -1 : 0;
}

/* is_from - 1 when the piece p/n starts with "From " */
static int
is_from(const unsigned char *p, size_t n)
{
	return n >= 5 && memcmp(p, "From ", 5) == 0;
}

/* is_blank_line - 0, or the length of the empty line p/n ("\n", "\r\n") */
static size_t
is_blank_line(const unsigned char *p, size_t n)
{
	if (n == 1 && p[0] == '\n')
		return 1;
	if (n == 2 && p[0] == '\r' && p[1] == '\n')
		return 2;
	return 0;
}

/* mb_add - append p/n to the message unless that passes the cap */
static void
mb_add(struct mailbox *mb, const void *p, size_t n, int *over)
{
	if (*over)
		return;
	if (n > mb->max - mb->msg.len) {
		*over = 1;
		buf_reset(&mb->msg);
		return;
	}
	buf_append(&mb->msg, p, n);
}

/* mbox_next - read one message, up to the next separator or the end */
static int
mbox_next(struct mailbox *mb, struct mailbox_msg *msg, char *err,
    size_t errlen)
{
	const unsigned char *p;
	size_t		 n, k, blank = 0;
	int		 bol, rc, over = 0;

	if (!mb->have_sep)
		return MAILBOX_END;
	mb->have_sep = 0;
	mb->n++;
	free(mb->name);
	mb->name = xasprintf("%s:%zu", mb->path, mb->n);
	msg->name = mb->name;
	buf_reset(&mb->msg);
	buf_append(&mb->msg, "", 0);
	while ((rc = mb_piece(mb, &p, &n, &bol, err, errlen)) == 1) {
		if (bol && blank > 0 && is_from(p, n)) {
			mb->have_sep = 1;
			break;
		}
		/* The held-back empty line was the message's after all. */
		if (blank > 0)
			mb_add(mb, blank == 2 ? "\r\n" : "\n", blank, &over);
		blank = bol ? is_blank_line(p, n) : 0;
		if (blank > 0)
			continue;
		if (bol && p[0] == '>') {
			for (k = 1; k < n && p[k] == '>'; k++)
				;
			if (is_from(p + k, n - k)) {
				p++;	/* mboxrd: one '>' less */
				n--;
			}
		}
		mb_add(mb, p, n, &over);
	}
	if (rc == -1 || (mb->have_sep && mb_rest_of_line(mb, err, errlen)))
		return MAILBOX_ERR;
	if (over) {
		seterr(err, errlen, "message larger than %zu bytes", mb->max);
		return MAILBOX_SKIP;
	}
	msg->data = mb->msg.data;
	msg->len = mb->msg.len;
	return MAILBOX_MSG;
}

/* new_mailbox - an iterator with nothing open yet */
static struct mailbox *
new_mailbox(const char *path, size_t max)
{
	struct mailbox	*mb = xcalloc(1, sizeof(*mb));

	mb->path = xstrdup(path);
	mb->max = max;
	mb->fd = -1;
	return mb;
}

/* mailbox_open_mbox - iterate an mbox file */
int
mailbox_open_mbox(const char *path, size_t max_message,
    struct mailbox **out, char *err, size_t errlen)
{
	struct mailbox	*mb;
	struct stat	 st;
	const unsigned char *p;
	size_t		 n;
	int		 bol, rc;

	*out = NULL;
	mb = new_mailbox(path, max_message);
	if (strcmp(path, "-") == 0)
		mb->fd = STDIN_FILENO;
	else if ((mb->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) ==
	    -1) {
		seterr(err, errlen, "cannot open: %s", strerror(errno));
		goto fail;
	}
	if (fstat(mb->fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		seterr(err, errlen, "is a directory");
		goto fail;
	}
	mb->rbuf = xmalloc(MBOX_BUF);
	mb->bol = 1;
	if ((rc = mb_piece(mb, &p, &n, &bol, err, errlen)) == -1)
		goto fail;
	/* Refuse a file that is not an mbox (a single .eml, say) rather
	 * than read it as one odd message. */
	if (rc == 1 && !is_from(p, n)) {
		seterr(err, errlen, "not an mbox file (the first line is not "
		    "a \"From \" line)");
		goto fail;
	}
	if (rc == 1 && mb_rest_of_line(mb, err, errlen) == -1)
		goto fail;
	mb->have_sep = rc == 1;
	*out = mb;
	return 0;
fail:
	mailbox_close(mb);
	return -1;
}

/* mdentry_cmp - qsort: by name, then cur/ before new/ */
static int
mdentry_cmp(const void *a, const void *b)
{
	const struct mdentry *x = a, *y = b;
	int		 c = strcmp(x->name, y->name);

	return c != 0 ? c : x->in_new - y->in_new;
}

/* md_list - add the names of dir/sub to mb; 1 when there is no such
 * directory, -1 on another error */
static int
md_list(struct mailbox *mb, const char *sub, int in_new, size_t *cap,
    char *err, size_t errlen)
{
	struct dirent	*de;
	DIR		*d;
	char		*path = xasprintf("%s/%s", mb->path, sub);

	d = opendir(path);
	free(path);
	if (d == NULL && (errno == ENOENT || errno == ENOTDIR))
		return 1;
	if (d == NULL)
		return seterr(err, errlen, "%s: cannot list: %s", sub,
		    strerror(errno));
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (mb->nfiles == *cap) {
			*cap = *cap ? 2 * *cap : 64;
			mb->files = xreallocarray(mb->files, *cap,
			    sizeof(*mb->files));
		}
		mb->files[mb->nfiles].name = xstrdup(de->d_name);
		mb->files[mb->nfiles++].in_new = in_new;
	}
	if (errno != 0) {
		seterr(err, errlen, "%s: cannot list: %s", sub,
		    strerror(errno));
		closedir(d);
		return -1;
	}
	closedir(d);
	return 0;
}

/* mailbox_open_maildir - iterate the files of a Maildir */
int
mailbox_open_maildir(const char *dir, size_t max_message,
    struct mailbox **out, char *err, size_t errlen)
{
	struct mailbox	*mb = new_mailbox(dir, max_message);
	size_t		 cap = 0;
	int		 cur, new;

	*out = NULL;
	if ((cur = md_list(mb, "cur", 0, &cap, err, errlen)) == -1 ||
	    (new = md_list(mb, "new", 1, &cap, err, errlen)) == -1)
		goto fail;
	if (cur == 1 && new == 1) {
		seterr(err, errlen, "not a Maildir (no cur/ or new/)");
		goto fail;
	}
	if (mb->nfiles > 1)
		qsort(mb->files, mb->nfiles, sizeof(*mb->files), mdentry_cmp);
	*out = mb;
	return 0;
fail:
	mailbox_close(mb);
	return -1;
}

/* maildir_next - read the next file of the list */
static int
maildir_next(struct mailbox *mb, struct mailbox_msg *msg, char *err,
    size_t errlen)
{
	const struct mdentry *e;
	struct stat	 st;
	size_t		 len;
	int		 rc;

	free(mb->data);
	mb->data = NULL;
	if (mb->next == mb->nfiles)
		return MAILBOX_END;
	e = &mb->files[mb->next++];
	free(mb->name);
	mb->name = xasprintf("%s/%s/%s", mb->path, e->in_new ? "new" : "cur",
	    e->name);
	msg->name = mb->name;
	/* lstat first: a FIFO or a device would block or never end. */
	if (lstat(mb->name, &st) == -1) {
		seterr(err, errlen, "cannot stat: %s", strerror(errno));
		return MAILBOX_SKIP;
	}
	if (!S_ISREG(st.st_mode)) {
		seterr(err, errlen, "not a regular file");
		return MAILBOX_SKIP;
	}
	if ((rc = read_file(mb->name, mb->max, &mb->data, &len, err,
	    errlen)) != 0) {
		if (rc == -2)
			seterr(err, errlen, "message larger than %zu bytes",
			    mb->max);
		return MAILBOX_SKIP;
	}
	msg->data = mb->data;
	msg->len = len;
	return MAILBOX_MSG;
}

/* mailbox_next - the next message of either kind */
int
mailbox_next(struct mailbox *mb, struct mailbox_msg *msg, char *err,
    size_t errlen)
{
	msg->data = NULL;
	msg->len = 0;
	msg->name = NULL;
	if (mb->fd == -1)
		return maildir_next(mb, msg, err, errlen);
	return mbox_next(mb, msg, err, errlen);
}

/* mailbox_close - release everything; accepts NULL, returns NULL */
struct mailbox *
mailbox_close(struct mailbox *mb)
{
	size_t	 i;

	if (mb == NULL)
		return NULL;
	if (mb->fd != -1 && mb->fd != STDIN_FILENO)
		close(mb->fd);
	for (i = 0; i < mb->nfiles; i++)
		free(mb->files[i].name);
	free(mb->files);
	free(mb->data);
	buf_free(&mb->msg);
	free(mb->rbuf);
	free(mb->name);
	free(mb->path);
	free(mb);
	return NULL;
}
