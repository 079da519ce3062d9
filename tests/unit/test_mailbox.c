/*
 * test_mailbox.c - got/want tables for the mailbox iterator
 * (ingest/mailbox.c)
 *
 * 1. mbox round trip: the corpus .eml files (LF and CRLF), the mail of
 *    Postfix's reporter and crafted messages ("From " and ">From " lines,
 *    an empty last line, a line longer than the read buffer) are written
 *    to an mbox with mboxrd escaping; reading it gives each message back
 *    byte for byte, named FILE:N.  The size cap skips one message and
 *    keeps the others.  mboxo escaping, open errors, an empty file.
 * 2. Maildir: cur/, new/ and tmp/, dot files, a FIFO, a large file, the
 *    order.
 * Files go to a fresh directory under $TMPDIR (or /tmp), removed after.
 */
#include <sys/stat.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "mailbox.h"
#include "util.h"
#include "xmalloc.h"
#include "t.h"

#define SEP	"From MAILER-DAEMON Thu Jan  1 00:00:00 2026\n"

static char	 tmpdir[512];

/* Messages for the round trip besides the corpus: what mbox escaping is
 * about.  Each ends with a line end, as mail does. */
static const char *const crafted[] = {
	"Subject: a\n\nFrom the start of a paragraph\n>From quoted\n"
	">>From twice\n>>>From thrice\n> From not escaped\n>Fromage\n",
	"Subject: b\r\n\r\nbody\r\n\r\nFrom here, after an empty line\r\n",
	"Subject: c\n\nends with an empty line\n\n",
	"Subject: d\n\n\n\n\nFrom\n",
	"Subject: e\n\nmid-line From here\nFrom after a full line\n",
};

/* write_file - dir-relative file with p/n; returns its path (static) */
static const char *
write_file(const char *rel, const void *p, size_t n)
{
	static char	 path[1024];
	FILE		*fp;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	if ((fp = fopen(path, "wb")) == NULL || fwrite(p, 1, n, fp) != n ||
	    fclose(fp) != 0) {
		perror(path);
		exit(2);
	}
	return path;
}

/* mboxrd_add - append one message to an mbox image: separator, the
 * message with ^>*From  lines escaped by one more '>', an empty line */
static void
mboxrd_add(struct buf *mbox, const unsigned char *p, size_t n)
{
	const unsigned char *end = p + n, *eol, *q;

	buf_puts(mbox, SEP);
	for (; p < end; p = eol) {
		eol = memchr(p, '\n', (size_t)(end - p));
		eol = eol != NULL ? eol + 1 : end;
		for (q = p; q < eol && *q == '>'; q++)
			;
		if (eol - q >= 5 && memcmp(q, "From ", 5) == 0)
			buf_putc(mbox, '>');
		buf_append(mbox, p, (size_t)(eol - p));
	}
	buf_puts(mbox, "\n");
}

/* corpus_mails - the corpus .eml files and Postfix's, each as one buf */
static size_t
corpus_mails(struct buf *mails, size_t max)
{
	static const char *const files[] = {
		"deltachat__deltachat-core-rust/tlsrpt.eml",
		"domainaware__parsedmarc/google.com_smtp_tls_report.eml",
		"isseis__tlsrpt-digest/tlsrpt_success_microsoft.eml",
		"kravietz__tlsrpt-rs/empty.eml",
		"kravietz__tlsrpt-rs/google1.eml",
		"kravietz__tlsrpt-rs/google2.eml",
		"kravietz__tlsrpt-rs/mail.ru.eml",
		"kravietz__tlsrpt-rs/microsoft1.eml",
		"marcbradshaw__mail-tls-rpt/email.eml",
		"../postfix-reporter/mail-tlsrpt-test.example.eml",
		"../postfix-reporter/mail-idx1-moved.tlsrpt-test.example.eml",
	};
	const char	*dir = getenv("TLSRPT_CORPUS");
	char		 path[1024], err[ERRLEN];
	unsigned char	*raw;
	size_t		 i, n = 0, len;

	if (dir == NULL || *dir == '\0')
		dir = "../shared/corpus/real";
	for (i = 0; i < sizeof(files) / sizeof(files[0]) && n < max; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		if (!t_ok(files[i], read_file(path, SIZE_MAX / 2, &raw, &len,
		    err, sizeof(err)) == 0, err))
			continue;
		buf_append(&mails[n++], raw, len);
		free(raw);
	}
	return n;
}

/* read_all - iterate path (mbox or Maildir) into got[] and names[];
 * skipped messages get a NULL data and their reason in names[] */
static size_t
read_all(const char *path, int maildir, size_t max, struct buf *got,
    size_t ngot, int *skipped)
{
	struct mailbox	*mb;
	struct mailbox_msg msg;
	char		 err[ERRLEN];
	size_t		 n = 0;
	int		 rc;

	*skipped = 0;
	rc = maildir ? mailbox_open_maildir(path, max, &mb, err, sizeof(err)) :
	    mailbox_open_mbox(path, max, &mb, err, sizeof(err));
	if (!t_int(path, rc, 0)) {
		printf("  err: %s\n", err);
		return 0;
	}
	while ((rc = mailbox_next(mb, &msg, err, sizeof(err))) != MAILBOX_END &&
	    rc != MAILBOX_ERR && n < ngot) {
		buf_reset(&got[n]);
		buf_printf(&got[n], "%s|", msg.name);
		if (rc == MAILBOX_SKIP) {
			buf_printf(&got[n], "skip: %s", err);
			++*skipped;
		} else
			buf_append(&got[n], msg.data, msg.len);
		n++;
	}
	t_int("no read error", rc == MAILBOX_ERR, 0);
	mailbox_close(mb);
	return n;
}

#define NMAIL	32

/* test_mbox_roundtrip - every message back byte for byte, named FILE:N */
static void
test_mbox_roundtrip(void)
{
	struct buf	 mails[NMAIL], got[NMAIL], mbox = BUF_INIT, want = BUF_INIT;
	const char	*path;
	size_t		 i, n, ngot, biggest = 0;
	char		 name[64];
	int		 skipped;

	memset(mails, 0, sizeof(mails));
	memset(got, 0, sizeof(got));
	n = corpus_mails(mails, NMAIL);
	t_int("corpus mails", (int64_t)n, 11);
	for (i = 0; i < sizeof(crafted) / sizeof(crafted[0]); i++)
		buf_puts(&mails[n++], crafted[i]);
	/* Lines longer than the 64 KiB read buffer: "From " lines between
	 * them, and ">From " where a long line crosses the buffer's end (not
	 * a line start: left alone). */
	buf_puts(&mails[n], "Subject: long\n\n");
	for (i = 0; i < 300000; i++)
		buf_puts(&mails[n], i % 70000 == 0 ? "\nFrom " : "x");
	buf_puts(&mails[n], "\n");
	for (i = 0; i < 65536; i++)
		buf_putc(&mails[n], 'x');
	buf_puts(&mails[n], ">From the seam");
	for (i = 0; i < 70000; i++)
		buf_putc(&mails[n], 'y');
	buf_puts(&mails[n++], "\n");
	for (i = 0; i < n; i++) {
		mboxrd_add(&mbox, mails[i].data, mails[i].len);
		if (mails[i].len > mails[biggest].len)
			biggest = i;
	}
	path = write_file("mbox", mbox.data, mbox.len);

	ngot = read_all(path, 0, SIZE_MAX, got, NMAIL, &skipped);
	t_int("mbox messages", (int64_t)ngot, (int64_t)n);
	for (i = 0; i < n && i < ngot; i++) {
		buf_reset(&want);
		buf_printf(&want, "%s:%zu|", path, i + 1);
		buf_append(&want, mails[i].data, mails[i].len);
		snprintf(name, sizeof(name), "mbox message %zu", i + 1);
		t_ok(name, got[i].len == want.len && memcmp(got[i].data,
		    want.data, want.len) == 0, "differs");
	}

	/* The cap: the biggest message is skipped, the numbering goes on. */
	ngot = read_all(path, 0, mails[biggest].len - 1, got, NMAIL, &skipped);
	t_int("mbox capped: messages", (int64_t)ngot, (int64_t)n);
	t_int("mbox capped: skipped", skipped, 1);
	buf_reset(&want);
	buf_printf(&want, "%s:%zu|skip: message larger than %zu bytes", path,
	    biggest + 1, mails[biggest].len - 1);
	t_str("mbox capped: reason", (char *)got[biggest].data,
	    (char *)want.data);
	ngot = read_all(path, 0, mails[biggest].len, got, NMAIL, &skipped);
	t_int("mbox at cap: skipped", skipped, 0);

	for (i = 0; i < NMAIL; i++) {
		buf_free(&mails[i]);
		buf_free(&got[i]);
	}
	buf_free(&mbox);
	buf_free(&want);
}

/* One small mbox read as it is: want is the messages joined by '|'. */
struct mbcase {
	const char	*name;
	const char	*mbox;
	int		 rc;		/* of mailbox_open_mbox */
	const char	*want;		/* messages, "|" after each; or the
					 * open error */
};

static const struct mbcase mbcases[] = {
	{ "empty file", "", 0, "" },
	{ "mboxo", SEP "S: 1\n\n>From x\n\n" SEP "S: 2\n\n", 0,
	  "S: 1\n\nFrom x\n|S: 2\n|" },
	{ "From after a full line", SEP "S: 1\n\nbody\nFrom x\n", 0,
	  "S: 1\n\nbody\nFrom x\n|" },
	{ "From after a line that is not empty", SEP "a\n" SEP "b", 0,
	  "a\n" SEP "b|" },
	{ "CRLF separator line", "From x\r\nS: 1\r\n\r\nb\r\n\n"
	  "From y\r\nS: 2\r\n", 0, "S: 1\r\n\r\nb\r\n|S: 2\r\n|" },
	{ "empty messages", SEP "\n" SEP "\n" SEP, 0, "||" "|" },
	{ "not an mbox", "Subject: x\n\nFrom y\n", -1, "not an mbox file" },
	{ "leading empty line", "\n" SEP "a\n", -1, "not an mbox file" },
};

/* test_mbox_cases - the table above */
static void
test_mbox_cases(void)
{
	struct buf	 got = BUF_INIT;
	struct mailbox	*mb;
	struct mailbox_msg msg;
	const char	*path;
	char		 err[ERRLEN], path_none[600];
	size_t		 i;
	int		 rc;

	for (i = 0; i < sizeof(mbcases) / sizeof(mbcases[0]); i++) {
		path = write_file("case", mbcases[i].mbox,
		    strlen(mbcases[i].mbox));
		rc = mailbox_open_mbox(path, 1000, &mb, err, sizeof(err));
		if (!t_int(mbcases[i].name, rc, mbcases[i].rc) || rc == -1) {
			t_ok(mbcases[i].name, rc == 0 || strstr(err,
			    mbcases[i].want) != NULL, err);
			continue;
		}
		buf_reset(&got);
		buf_append(&got, "", 0);
		while (mailbox_next(mb, &msg, err, sizeof(err)) == MAILBOX_MSG) {
			buf_append(&got, msg.data, msg.len);
			buf_putc(&got, '|');
		}
		t_str(mbcases[i].name, (char *)got.data, mbcases[i].want);
		mailbox_close(mb);
	}
	/* A separator line longer than the read buffer is read past whole. */
	buf_reset(&got);
	buf_puts(&got, "From ");
	for (i = 0; i < 70000; i++)
		buf_putc(&got, 'x');
	buf_puts(&got, "\nS: 1\n");
	path = write_file("case", got.data, got.len);
	if (t_int("long separator", mailbox_open_mbox(path, 1000, &mb, err,
	    sizeof(err)), 0)) {
		rc = mailbox_next(mb, &msg, err, sizeof(err));
		t_ok("long separator", rc == MAILBOX_MSG && msg.len == 5 &&
		    memcmp(msg.data, "S: 1\n", 5) == 0, "message differs");
		mailbox_close(mb);
	}
	rc = mailbox_open_mbox(tmpdir, 1000, &mb, err, sizeof(err));
	t_int("mbox directory", rc, -1);
	t_str("mbox directory", err, "is a directory");
	snprintf(path_none, sizeof(path_none), "%s/none", tmpdir);
	rc = mailbox_open_mbox(path_none, 1000, &mb, err, sizeof(err));
	t_int("mbox missing", rc, -1);
	t_ok("mbox missing", strstr(err, "cannot open") != NULL, err);
	buf_free(&got);
}

/* test_maildir - cur/ and new/ by name, tmp/ and dot files never */
static void
test_maildir(void)
{
	struct buf	 got[8], want = BUF_INIT;
	struct mailbox	*mb;
	char		 path[1024], err[ERRLEN];
	size_t		 i, n;
	int		 skipped;

	memset(got, 0, sizeof(got));
	snprintf(path, sizeof(path), "%s/md", tmpdir);
	t_int("maildir missing", mailbox_open_maildir(path, 100, &mb, err,
	    sizeof(err)), -1);
	t_str("maildir missing", err, "not a Maildir (no cur/ or new/)");
	mkdir(path, 0700);
	t_int("maildir empty dir", mailbox_open_maildir(path, 100, &mb, err,
	    sizeof(err)), -1);
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/md/%s", tmpdir,
		    (const char *[]){ "cur", "new", "tmp" }[i]);
		mkdir(path, 0700);
	}
	write_file("md/new/1700000002.M1P2.host", "two\n", 4);
	write_file("md/cur/1700000001.M1P1.host:2,S", "one\r\n", 5);
	write_file("md/cur/1700000002.M1P2.host", "two in cur\n", 11);
	write_file("md/cur/.hidden", "no\n", 3);
	write_file("md/tmp/1700000000.M0P0.host", "no\n", 3);
	write_file("md/new/1700000004.big", "0123456789abcdef", 16);
	snprintf(path, sizeof(path), "%s/md/new/1700000003.fifo", tmpdir);
	mkfifo(path, 0600);

	snprintf(path, sizeof(path), "%s/md", tmpdir);
	n = read_all(path, 1, 12, got, 8, &skipped);
	t_int("maildir messages", (int64_t)n, 5);
	t_int("maildir skipped", skipped, 2);
	static const char *const want_rel[] = {
		"cur/1700000001.M1P1.host:2,S|one\r\n",
		"cur/1700000002.M1P2.host|two in cur\n",
		"new/1700000002.M1P2.host|two\n",
		"new/1700000003.fifo|skip: not a regular file",
		"new/1700000004.big|skip: message larger than 12 bytes",
	};
	for (i = 0; i < n && i < 5; i++) {
		buf_reset(&want);
		buf_printf(&want, "%s/%s", path, want_rel[i]);
		t_str(want_rel[i], (char *)got[i].data, (char *)want.data);
	}
	for (i = 0; i < 8; i++)
		buf_free(&got[i]);
	buf_free(&want);
}

int
main(void)
{
	const char	*t = getenv("TMPDIR");
	char		 cmd[600];

	snprintf(tmpdir, sizeof(tmpdir), "%s/test_mailbox.XXXXXX",
	    t != NULL && *t != '\0' ? t : "/tmp");
	/* A broken FIFO check blocks in open(2): die, do not hang the run. */
	alarm(120);
	if (mkdtemp(tmpdir) == NULL) {
		perror(tmpdir);
		return 2;
	}
	test_mbox_roundtrip();
	test_mbox_cases();
	test_maildir();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		printf("could not remove %s\n", tmpdir);
	return t_done();
}
