/*
 * test_mime.c - got/want tables for the report finder (ingest/mime.c,
 * mime_header.c, mime_decode.c)
 *
 * 1. The real corpus: every eml row of MANIFEST.tsv in $TLSRPT_CORPUS
 *    (default ../shared/corpus/real) yields its report: the first
 *    candidate decodes (report_decode) to the manifest's
 *    organization-name and report-id; the cron mail yields none.  Then
 *    the mail of Postfix's own reporter (../postfix-reporter next to it).
 * 2. Hand-written messages: line ends, transfer encodings, names, ranks,
 *    nesting, missing close delimiters, flags.
 * 3. Gzip parts, the limits, and garbage that must not crash (run under
 *    ASan: each message is copied into an allocation of its exact size,
 *    so a read past the end is caught).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "buf.h"
#include "decode.h"
#include "mime.h"
#include "util.h"
#include "xmalloc.h"
#include "t.h"
#include "tgz.h"

/* the default limits of lib/conf.c, for report_decode */
static const struct report_limits rlim = { 16 * 1024 * 1024, 200000 };

/* parse - mime_parse over an exact-size copy of p/len */
static int
parse(const void *p, size_t len, const struct mime_limits *lim,
    struct mime_message **m, char *err)
{
	unsigned char	*copy = xmalloc(len);
	struct mime_limits def;
	int		 rc;

	if (lim == NULL) {
		mime_limits_default(&def);
		lim = &def;
	}
	memcpy(copy, p, len);
	rc = mime_parse(copy, len, lim, m, err, ERRLEN);
	free(copy);
	return rc;
}

/* check_report - the first candidate of m decodes to org and id */
static void
check_report(const char *name, const struct mime_message *m,
    const char *org, const char *id)
{
	struct report	*r;
	char		 err[ERRLEN], what[400];

	if (!t_ok(name, m->n_cand > 0, "no candidate"))
		return;
	snprintf(what, sizeof(what), "%s decode", name);
	if (!t_int(what, report_decode(m->cand[0].data, m->cand[0].len, &rlim,
	    &r, err, sizeof(err)), REPORT_OK)) {
		printf("  err: %s\n", err);
		return;
	}
	snprintf(what, sizeof(what), "%s organization-name", name);
	t_str(what, r->organization_name, org);
	snprintf(what, sizeof(what), "%s report-id", name);
	t_str(what, r->report_id, id);
	report_free(r);
}

/* corpus_file - read dir/file and parse it; NULL when either fails */
static struct mime_message *
corpus_file(const char *dir, const char *file)
{
	struct mime_message *m = NULL;
	unsigned char	*raw;
	size_t		 len;
	char		 path[1024], err[ERRLEN];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (read_file(path, SIZE_MAX / 2, &raw, &len, err, sizeof(err)) != 0) {
		t_ok(file, 0, err);
		return NULL;
	}
	if (!t_int(file, parse(raw, len, NULL, &m, err), 0))
		printf("  err: %s\n", err);
	free(raw);
	return m;
}

/* corpus_dir - $TLSRPT_CORPUS or its default */
static const char *
corpus_dir(void)
{
	const char	*dir = getenv("TLSRPT_CORPUS");

	return dir != NULL && *dir != '\0' ? dir : "../shared/corpus/real";
}

/* test_corpus - every eml row of MANIFEST.tsv */
static void
test_corpus(void)
{
	const char	*dir = corpus_dir();
	struct mime_message *m;
	unsigned char	*text;
	size_t		 len;
	char		 path[1024], err[ERRLEN], *line, *next, *col[9];
	int		 rows = 0, i;

	snprintf(path, sizeof(path), "%s/MANIFEST.tsv", dir);
	if (!t_ok("manifest", read_file(path, SIZE_MAX / 2, &text, &len, err,
	    sizeof(err)) == 0, err))
		return;
	for (line = (char *)text; line != NULL; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		/* file sha256 bytes repo path commit form org id ... */
		for (i = 0; i < 9; i++)
			col[i] = strsep(&line, "\t");
		if (col[8] == NULL || strcmp(col[6], "eml") != 0)
			continue;
		rows++;
		if ((m = corpus_file(dir, col[0])) == NULL)
			continue;
		if (*col[7] == '\0')
			t_int(col[0], (int64_t)m->n_cand, 0);
		else
			check_report(col[0], m, col[7], col[8]);
		mime_free(m);
	}
	free(text);
	t_int("corpus eml rows", rows, 11);
}

/* test_corpus_quirks - what the corpus mails show beyond the report */
static void
test_corpus_quirks(void)
{
	const char	*dir = corpus_dir();
	struct mime_message *m;

	/* Row 18: no close delimiter; a Subject folded before Domain:. */
	if ((m = corpus_file(dir, "kravietz__tlsrpt-rs/mail.ru.eml")) != NULL) {
		t_ok("mail.ru no close", m->flags & MIME_F_NO_CLOSE, NULL);
		t_str("mail.ru subject", m->subject, "Report Domain: krvtz.net "
		    "Submitter: mail.ru Report-ID: "
		    "<c96d67df-0440-57f7-6e96-c83824d0fdf2@mail.ru>");
		t_str("mail.ru domain", m->report_domain, "krvtz.net");
		t_str("mail.ru submitter", m->report_submitter, "mail.ru");
		t_str("mail.ru from", m->from,
		    "noreply-smtp-tls-reporting@corp.mail.ru");
		t_str("mail.ru message-id", m->message_id,
		    "<c96d67df-0440-57f7-6e96-c83824d0fdf2@mail.ru>");
		t_str("mail.ru date", m->date, "Thu, 26 Jan 2023 03:10:38 +0300");
		t_str("mail.ru content-type", m->content_type,
		    "multipart/report; report-type=\"tlsrpt\"; "
		    "boundary=\"----=_NextPart_1674691838991563614\"");
		t_int("mail.ru candidates", (int64_t)m->n_cand, 1);
		t_int("mail.ru flags", m->flags & (MIME_F_REPORT_TYPE |
		    MIME_F_NOT_REPORT | MIME_F_SEVERAL), 0);
		mime_free(m);
	}
	/* Row 14: text/html first; the name only in Content-Disposition. */
	if ((m = corpus_file(dir, "isseis__tlsrpt-digest/"
	    "tlsrpt_success_microsoft.eml")) != NULL) {
		t_int("microsoft candidates", (int64_t)m->n_cand, 1);
		if (m->n_cand > 0) {
			t_int("microsoft rank", m->cand[0].rank, MIME_RANK_TYPE);
			t_str("microsoft file", m->cand[0].filename,
			    "microsoft.com!example.com!1778630400!1778716799!"
			    "134232617934286362.json.gz");
			t_int("microsoft part", (int64_t)m->cand[0].part, 3);
		}
		t_int("microsoft flags", m->flags & (MIME_F_NO_CLOSE |
		    MIME_F_REPORT_TYPE), 0);
		mime_free(m);
	}
}

/* test_postfix - the mail of Postfix's reporter (README there) */
static void
test_postfix(void)
{
	static const struct {
		const char	*file, *id, *name;
	} want[] = {
		{ "mail-tlsrpt-test.example.eml",
		  "2026-11-30T00:00:00Z_idx1_tlsrpt-test.example",
		  "sender.example!tlsrpt-test.example!1795996800!"
		  "1796083199!1.json.gz" },
		{ "mail-idx1-moved.tlsrpt-test.example.eml",
		  "2026-11-30T00:00:00Z_idx1_moved.tlsrpt-test.example",
		  NULL },
	};
	struct mime_message *m;
	char		 dir[1024];
	size_t		 i;

	snprintf(dir, sizeof(dir), "%s/../postfix-reporter", corpus_dir());
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		if ((m = corpus_file(dir, want[i].file)) == NULL)
			continue;
		check_report(want[i].file, m, "Peer Test Sender Org",
		    want[i].id);
		t_int(want[i].file, (int64_t)m->n_cand, 1);
		if (m->n_cand > 0 && want[i].name != NULL)
			t_str(want[i].file, m->cand[0].filename, want[i].name);
		t_str(want[i].file, m->report_domain, strstr(want[i].file,
		    "moved") ? "moved.tlsrpt-test.example" :
		    "tlsrpt-test.example");
		mime_free(m);
	}
}

/*
 * 2. Hand-written messages.  Text is written with LF; crlf = 1 turns
 * every LF into CRLF.  data is the first candidate's decoded bytes.
 */

#define J	"{\"a\":1}"
#define TOP(ct)	"From: r@example.net\nSubject: Report\nMIME-Version: 1.0\n" \
		"Content-Type: " ct "\n\n"
#define REP	"multipart/report; report-type=tlsrpt; boundary=b"
#define TEXT	"--b\nContent-Type: text/plain\n\nThis is a report.\n"
#define PART(h, body)	"--b\n" h "\n\n" body "\n"
#define JSONP(body)	PART("Content-Type: application/tlsrpt+json", body)
#define END	"--b--\n"

struct mcase {
	const char	*name;
	const char	*msg;
	int		 crlf;
	size_t		 n_cand;
	int		 rank;
	const char	*data;
	const char	*filename;
	const char	*media;
	unsigned	 set;		/* flags that must be set */
	unsigned	 clear;		/* flags that must not be */
};

static const struct mcase mcases[] = {
	{ "LF", TOP(REP) TEXT JSONP(J) END, 0, 1, MIME_RANK_TYPE, J, NULL,
	  "application/tlsrpt+json", 0, MIME_F_NO_CLOSE | MIME_F_SEVERAL |
	  MIME_F_REPORT_TYPE | MIME_F_NOT_REPORT | MIME_F_TRUNCATED },
	{ "CRLF", TOP(REP) TEXT JSONP(J) END, 1, 1, MIME_RANK_TYPE, J, NULL,
	  NULL, 0, MIME_F_NO_CLOSE | MIME_F_TRUNCATED },
	{ "mixed line ends", "Subject: x\r\nContent-Type: multipart/report;\n"
	  "\tboundary=\"b\"; report-type=\"tlsrpt\"\r\n\n--b\r\n"
	  "Content-Type: application/tlsrpt+json\n\r\n" J "\r\n--b--\n",
	  0, 1, MIME_RANK_TYPE, J, NULL, NULL, 0, MIME_F_NO_CLOSE },
	{ "preamble, epilogue, extra part", TOP(REP) "preamble --b text\n"
	  TEXT JSONP(J) PART("Content-Type: image/png", "xyz") END
	  "epilogue\n--b\nContent-Type: application/tlsrpt+json\n\n{}\n",
	  0, 1, MIME_RANK_TYPE, J, NULL, NULL, 0, MIME_F_SEVERAL },
	{ "media type case and parameters", TOP(REP)
	  PART("Content-Type: Application/TLSRPT+JSON ; charset=utf-8", J)
	  END, 0, 1, MIME_RANK_TYPE, J, NULL, "application/tlsrpt+json", 0,
	  0 },
	{ "missing close delimiter", TOP(REP) TEXT JSONP(J) "--b\n\n\n", 1,
	  1, MIME_RANK_TYPE, J, NULL, NULL, MIME_F_NO_CLOSE, 0 },
	{ "close delimiter missing at the end", TOP(REP) TEXT JSONP(J), 0, 1,
	  MIME_RANK_TYPE, J "\n", NULL, NULL, MIME_F_NO_CLOSE, 0 },
	{ "base64 odd lines and trailing junk", TOP(REP)
	  PART("Content-Type: application/tlsrpt+json\n"
	  "Content-Transfer-Encoding: BASE64",
	  "ey\nJh\nIjox\nfQ\n==  \n\n-- \nfooter: scanned!") END, 0, 1,
	  MIME_RANK_TYPE, J, NULL, NULL, MIME_F_BAD_ENCODING,
	  MIME_F_TRUNCATED },
	{ "base64 footer without pad", TOP(REP)
	  PART("Content-Type: application/tlsrpt+json\n"
	  "Content-Transfer-Encoding: base64", "eyJhIjoxfSAg\n"
	  "_______________\nList mailing list") END, 1, 1, MIME_RANK_TYPE,
	  J "  ", NULL, NULL, MIME_F_BAD_ENCODING, MIME_F_TRUNCATED },
	{ "base64 banner right after the data", TOP(REP)
	  PART("Content-Type: application/tlsrpt+json\n"
	  "Content-Transfer-Encoding: base64", "eyJhIjoxfSAg\n"
	  "This message was scanned.") END, 0, 1, MIME_RANK_TYPE, J "  ",
	  NULL, NULL, MIME_F_BAD_ENCODING, 0 },
	{ "base64 Sent from after an empty line", TOP(REP)
	  PART("Content-Type: application/tlsrpt+json\n"
	  "Content-Transfer-Encoding: base64", "eyJhIjoxfSAg\n\nSent from my "
	  "phone") END, 0, 1, MIME_RANK_TYPE, J "  ", NULL, NULL,
	  MIME_F_BAD_ENCODING, 0 },
	{ "base64 without padding", TOP(REP)
	  PART("Content-Type: application/tlsrpt+json\n"
	  "Content-Transfer-Encoding: base64", "eyJhIjoxfQ") END, 0, 1,
	  MIME_RANK_TYPE, J, NULL, NULL, MIME_F_TRUNCATED,
	  MIME_F_BAD_ENCODING },
	{ "quoted-printable soft breaks", TOP(REP)
	  PART("Content-Type: application/tlsrpt+json\n"
	  "Content-Transfer-Encoding: quoted-printable",
	  "{\"a=\n\":=3D1,  =  \n\"b\":\"x=3dy\"}  ") END, 1, 1,
	  MIME_RANK_TYPE, "{\"a\":=1,  \"b\":\"x=y\"}", NULL, NULL, 0,
	  MIME_F_BAD_ENCODING },
	{ "quoted-printable broken escape", TOP(REP)
	  PART("Content-Type: application/tlsrpt+json\n"
	  "Content-Transfer-Encoding: quoted-printable", "{\"a\":\"=ZZ=4\"}")
	  END, 0, 1, MIME_RANK_TYPE, "{\"a\":\"=ZZ=4\"}", NULL, NULL,
	  MIME_F_BAD_ENCODING, 0 },
	{ "unknown transfer encoding", TOP(REP)
	  PART("Content-Type: application/tlsrpt+json\n"
	  "Content-Transfer-Encoding: x-uuencode", J) END, 0, 1,
	  MIME_RANK_TYPE, J, NULL, NULL, MIME_F_UNKNOWN_CTE, 0 },
	{ "nested multipart", TOP("multipart/mixed; boundary=o")
	  "--o\nContent-Type: text/plain\n\nhi\n"
	  "--o\nContent-Type: " REP "\n\n" TEXT JSONP(J) END "--o--\n", 1, 1,
	  MIME_RANK_TYPE, J, NULL, NULL, MIME_F_NOT_REPORT,
	  MIME_F_NO_CLOSE },
	{ "nested boundary that starts like the outer one",
	  TOP("multipart/mixed; boundary=b") "--b\nContent-Type: "
	  "multipart/report; boundary=b-1; report-type=tlsrpt\n\n"
	  "--b-1\nContent-Type: text/plain\n\nx\n--b-1\n"
	  "Content-Type: application/tlsrpt+json\n\n" J "\n--b-1--\n"
	  "--b--\n", 0, 1, MIME_RANK_TYPE, J, NULL, NULL, 0,
	  MIME_F_NO_CLOSE },
	{ "nested part never closed", TOP("multipart/mixed; boundary=o")
	  "--o\nContent-Type: " REP "\n\n" TEXT PART("Content-Type: "
	  "text/plain", "inner") "--o\n"
	  "Content-Type: application/tlsrpt+json\n\n" J "\n--o--\n", 0, 1,
	  MIME_RANK_TYPE, J, NULL, NULL, MIME_F_NO_CLOSE, 0 },
	{ "two report parts", TOP(REP) TEXT JSONP(J) PART("Content-Type: "
	  "application/tlsrpt+json", "{\"b\":2}") END, 0, 2, MIME_RANK_TYPE,
	  J, NULL, NULL, MIME_F_SEVERAL, 0 },
	{ "type outranks an earlier name", TOP(REP) PART("Content-Type: "
	  "application/octet-stream; name=r.json", "{\"b\":2}") JSONP(J) END,
	  0, 2, MIME_RANK_TYPE, J, NULL, NULL, MIME_F_SEVERAL, 0 },
	{ "name outranks an earlier sniff", TOP(REP) PART("Content-Type: "
	  "text/plain", "{\"b\":2}") PART("Content-Type: "
	  "application/octet-stream\nContent-Disposition: attachment; "
	  "filename=\"R.JSON.GZ\"", J) END, 0, 2, MIME_RANK_NAME, J,
	  "R.JSON.GZ", "application/octet-stream", MIME_F_SEVERAL, 0 },
	{ "RFC 2231 name", TOP(REP) PART("Content-Type: "
	  "application/octet-stream\nContent-Disposition: attachment;\n "
	  "filename*0*=us-ascii'en'a%21b;\n filename*1=\"c d\";"
	  " filename*2*=%2Ejson", J) END, 1, 1, MIME_RANK_NAME, J,
	  "a!bc d.json", NULL, 0, 0 },
	{ "RFC 2231 name*= and a plain one", TOP(REP) PART("Content-Type: "
	  "application/octet-stream\nContent-Disposition: attachment; "
	  "filename=x.txt; filename*=utf-8''r%2ejson%00.exe", J) END, 0, 1,
	  MIME_RANK_SNIFF, J, "r.json.exe", NULL, 0, 0 },
	{ "RFC 2047 name", TOP(REP) PART("Content-Type: "
	  "application/octet-stream; name=\"=?utf-8?B?csOp?= "
	  "=?UTF-8?q?port_x=2Ejson?=\"", J) END, 0, 1, MIME_RANK_NAME, J,
	  "r\xc3\xa9port x.json", NULL, 0, 0 },
	{ "Content-Type name, no disposition", TOP(REP) PART("Content-Type: "
	  "application/octet-stream;\n\tname=\"g!d!1!2!001.json.gz\"", J)
	  END, 0, 1, MIME_RANK_NAME, J, "g!d!1!2!001.json.gz", NULL, 0, 0 },
	{ "sniffed JSON in text", TOP(REP) TEXT PART("Content-Type: "
	  "text/plain", "\xef\xbb\xbf \n" J) END, 0, 1, MIME_RANK_SNIFF,
	  "\xef\xbb\xbf \n" J, NULL, "text/plain", 0, 0 },
	{ "report-type missing", TOP("multipart/report; boundary=b")
	  JSONP(J) END, 0, 1, MIME_RANK_TYPE, J, NULL, NULL,
	  MIME_F_REPORT_TYPE, MIME_F_NOT_REPORT },
	{ "report-type other", TOP("multipart/report; "
	  "report-type=feedback-report; boundary=\"b\"") TEXT END, 0, 0, 0,
	  NULL, NULL, NULL, MIME_F_REPORT_TYPE, 0 },
	{ "report-type quoted, first, any case", TOP("Multipart/Report;"
	  " Report-Type=\"TLSRPT\"; Boundary=b") JSONP(J) END, 0, 1,
	  MIME_RANK_TYPE, J, NULL, NULL, 0, MIME_F_REPORT_TYPE },
	{ "single part report", TOP("application/tlsrpt+json") J "\n", 1, 1,
	  MIME_RANK_TYPE, J "\r\n", NULL, NULL, MIME_F_SINGLE_PART |
	  MIME_F_NOT_REPORT, 0 },
	{ "single part by name", TOP("application/gzip; name=r.json.gz")
	  J, 0, 1, MIME_RANK_NAME, J, "r.json.gz", "application/gzip",
	  MIME_F_SINGLE_PART, 0 },
	{ "not a report", TOP("text/plain") "Hello {\n", 0, 0, 0, NULL, NULL,
	  NULL, MIME_F_NOT_REPORT, MIME_F_SINGLE_PART },
	{ "multipart without boundary", TOP("multipart/report") J, 0, 1,
	  MIME_RANK_SNIFF, J, NULL, "multipart/report",
	  MIME_F_NO_BOUNDARY, 0 },
	{ "no delimiter at all", TOP(REP) J "\n", 0, 0, 0, NULL, NULL, NULL,
	  MIME_F_NO_CLOSE, 0 },
	{ "part headers never end", TOP(REP) TEXT "--b\nContent-Type: "
	  "application/tlsrpt+json\n" END, 0, 1, MIME_RANK_TYPE, "", NULL,
	  NULL, MIME_F_TRUNCATED, 0 },
	{ "headers only", "From: a\nSubject: b", 0, 0, 0, NULL, NULL, NULL,
	  MIME_F_TRUNCATED, 0 },
	{ "empty message", "", 0, 0, 0, NULL, NULL, NULL, 0, 0 },
	{ "mbox From line, duplicate field", "From a@b Mon Jan  1 00:00:00 "
	  "2024\nTLS-Report-Domain: x\nTLS-Report-Domain: y\n"
	  "Content-Type: application/tlsrpt+json\n\n" J, 0, 1, MIME_RANK_TYPE,
	  J, NULL, NULL, MIME_F_BAD_HEADER | MIME_F_DUP_HEADER, 0 },
};

/* crlf_copy - s with every LF turned into CRLF (when crlf) */
static void
crlf_copy(struct buf *b, const char *s, int crlf)
{
	buf_reset(b);
	buf_append(b, "", 0);
	for (; *s != '\0'; s++) {
		if (*s == '\n' && crlf)
			buf_putc(b, '\r');
		buf_putc(b, *s);
	}
}

/* test_cases - the table above */
static void
test_cases(void)
{
	struct buf	 b = BUF_INIT;
	struct mime_message *m;
	const struct mcase *c;
	char		 err[ERRLEN], name[200];
	size_t		 i;

	for (i = 0; i < sizeof(mcases) / sizeof(mcases[0]); i++) {
		c = &mcases[i];
		crlf_copy(&b, c->msg, c->crlf);
		if (!t_int(c->name, parse(b.data, b.len, NULL, &m, err), 0)) {
			printf("  err: %s\n", err);
			continue;
		}
		snprintf(name, sizeof(name), "%s: candidates", c->name);
		t_int(name, (int64_t)m->n_cand, (int64_t)c->n_cand);
		snprintf(name, sizeof(name), "%s: flags set", c->name);
		t_int(name, m->flags & c->set, c->set);
		snprintf(name, sizeof(name), "%s: flags clear", c->name);
		t_int(name, m->flags & c->clear, 0);
		if (m->n_cand > 0 && c->n_cand > 0) {
			snprintf(name, sizeof(name), "%s: rank", c->name);
			t_int(name, m->cand[0].rank, c->rank);
			snprintf(name, sizeof(name), "%s: data", c->name);
			t_str(name, (char *)m->cand[0].data, c->data);
			t_int(name, (int64_t)m->cand[0].len,
			    (int64_t)strlen(c->data));
			snprintf(name, sizeof(name), "%s: file name", c->name);
			t_str(name, m->cand[0].filename, c->filename);
			snprintf(name, sizeof(name), "%s: media", c->name);
			if (c->media != NULL)
				t_str(name, m->cand[0].media_type, c->media);
		}
		mime_free(m);
	}
	buf_free(&b);
}

/*
 * 3. Gzip parts, limits, garbage.
 */

/* b64_lines - base64 of p/len into b in lines of width characters */
static void
b64_lines(struct buf *b, const void *p, size_t len, size_t width)
{
	unsigned char	*enc = xmalloc(4 * (len / 3 + 1) + 1);
	size_t		 i, n;

	n = (size_t)EVP_EncodeBlock(enc, p, (int)len);
	for (i = 0; i < n; i += width) {
		buf_append(b, enc + i, n - i < width ? n - i : width);
		buf_puts(b, "\n");
	}
	free(enc);
}

/* test_gzip - a real gzip report in odd lines; a DMARC-like part */
static void
test_gzip(void)
{
	struct buf	 b = BUF_INIT, gz = BUF_INIT;
	struct mime_message *m;
	struct report	*r = NULL;
	unsigned char	*raw;
	size_t		 len;
	char		 path[1024], err[ERRLEN];

	snprintf(path, sizeof(path), "%s/marcbradshaw__mail-tls-rpt/"
	    "report.json.gz", corpus_dir());
	if (!t_ok("report.json.gz", read_file(path, SIZE_MAX / 2, &raw, &len,
	    err, sizeof(err)) == 0, err))
		return;
	buf_puts(&b, TOP(REP) TEXT "--b\nContent-Type: application/"
	    "tlsrpt+gzip\nContent-Transfer-Encoding: base64\n\n");
	b64_lines(&b, raw, len, 59);
	buf_puts(&b, END);
	if (t_int("gzip odd lines", parse(b.data, b.len, NULL, &m, err), 0)) {
		t_ok("gzip bytes", m->n_cand == 1 && m->cand[0].len == len &&
		    memcmp(m->cand[0].data, raw, len) == 0, "differ");
		check_report("gzip odd lines", m, "Google Inc.",
		    "2020-03-02T00:00:00Z_fastmaildmarc.com");
		mime_free(m);
	}
	free(raw);

	/* DMARC aggregate report: a rank-3 candidate that is not JSON. */
	gz_member(&gz, "<feedback/>", 11, NULL);
	buf_reset(&b);
	buf_puts(&b, TOP("multipart/mixed; boundary=b") TEXT "--b\n"
	    "Content-Type: application/gzip;\n name=\"google.com!example.com!"
	    "1!2.xml.gz\"\nContent-Transfer-Encoding: base64\n\n");
	b64_lines(&b, gz.data, gz.len, 76);
	buf_puts(&b, END);
	if (t_int("dmarc", parse(b.data, b.len, NULL, &m, err), 0)) {
		t_int("dmarc candidates", (int64_t)m->n_cand, 1);
		if (m->n_cand == 1) {
			t_int("dmarc rank", m->cand[0].rank, MIME_RANK_SNIFF);
			t_str("dmarc media", m->cand[0].media_type,
			    "application/gzip");
			t_str("dmarc name", m->cand[0].filename,
			    "google.com!example.com!1!2.xml.gz");
			t_ok("dmarc not a report", report_decode(
			    m->cand[0].data, m->cand[0].len, &rlim, &r, err,
			    sizeof(err)) != REPORT_OK, "decoded");
			report_free(r);
		}
		mime_free(m);
	}
	buf_free(&gz);
	buf_free(&b);
}

/* nested - n multiparts inside each other around one report part */
static void
nested(struct buf *b, size_t n)
{
	size_t	 i;

	buf_reset(b);
	buf_puts(b, "Subject: deep\n");
	for (i = 0; i < n; i++)
		buf_printf(b, "Content-Type: multipart/mixed; boundary=b%zu\n"
		    "\n--b%zu\n", i, i);
	buf_puts(b, "Content-Type: application/tlsrpt+json\n\n" J "\n");
	while (i-- > 0)
		buf_printf(b, "--b%zu--\n", i);
}

/* limit_case - parse b under lim: want 0, or -1 with an err holding want */
static void
limit_case(const char *name, const struct buf *b,
    const struct mime_limits *lim, const char *want)
{
	struct mime_message *m = NULL;
	char		 err[ERRLEN] = "";
	int		 rc;

	rc = parse(b->data, b->len, lim, &m, err);
	if (want == NULL) {
		if (t_int(name, rc, 0))
			t_ok(name, m->n_cand > 0, "no candidate");
		else
			printf("  err: %s\n", err);
	} else if (t_int(name, rc, -1)) {
		t_ok(name, m == NULL, "out set on failure");
		t_ok(name, strstr(err, want) != NULL, err);
	}
	mime_free(m);
}

/* test_limits - every cap, just under and just over */
static void
test_limits(void)
{
	struct mime_limits lim, def;
	struct buf	 b = BUF_INIT;
	size_t		 i;

	mime_limits_default(&def);
	buf_puts(&b, TOP(REP) TEXT JSONP(J) JSONP(J) JSONP(J) END);
	lim = def;
	lim.max_message = b.len;
	limit_case("message at cap", &b, &lim, NULL);
	lim.max_message = b.len - 1;
	limit_case("message over cap", &b, &lim, "message larger than");
	lim = def;
	lim.max_parts = 5;
	limit_case("parts at cap", &b, &lim, NULL);
	lim.max_parts = 4;
	limit_case("parts over cap", &b, &lim, "more than 4 MIME parts");

	lim = def;
	nested(&b, 3);
	lim.max_depth = 3;
	limit_case("depth at cap", &b, &lim, NULL);
	lim.max_depth = 2;
	limit_case("depth over cap", &b, &lim, "deeper than 2 levels");
	/* The walk recurses: 100 levels whatever the caller asks. */
	nested(&b, 150);
	lim.max_depth = lim.max_parts = SIZE_MAX;
	limit_case("depth ceiling", &b, &lim, "deeper than 100 levels");

	lim = def;
	buf_reset(&b);
	buf_puts(&b, "Subject: ");
	for (i = 0; i < 2000; i++)
		buf_puts(&b, "x");
	buf_puts(&b, "\nContent-Type: application/tlsrpt+json\n\n" J);
	lim.max_header = 2000 + 50;
	limit_case("header at cap", &b, &lim, NULL);
	lim.max_header = 2000;
	limit_case("header over cap", &b, &lim, "header block larger");
	buf_reset(&b);
	buf_puts(&b, TOP(REP) "--b\nContent-Type: application/tlsrpt+json\n"
	    "X-Junk: ");
	for (i = 0; i < 4000; i++)
		buf_puts(&b, "=?");
	buf_puts(&b, "\n\n" J "\n" END);
	lim.max_header = 4000;
	limit_case("part header over cap", &b, &lim, "header block larger");

	lim = def;
	buf_reset(&b);
	buf_puts(&b, TOP(REP) "--b\nContent-Type: text/plain\n\n");
	for (i = 0; i < 2000; i++)
		buf_puts(&b, "t");
	buf_puts(&b, "\n--b\nContent-Type: application/tlsrpt+json\n\n{");
	for (i = 0; i < 998; i++)
		buf_puts(&b, " ");
	buf_puts(&b, "}\n" END);
	lim.max_decoded = 1000;
	limit_case("decoded at cap, big text part", &b, &lim, NULL);
	lim.max_decoded = 999;
	limit_case("decoded over cap", &b, &lim,
	    "report part 3 larger than 999 bytes decoded");
	buf_free(&b);
}

/* rnd - xorshift32: the same garbage on every run */
static uint32_t
rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* test_garbage - random MIME-ish bytes and every prefix of real mail:
 * never a crash, a leak or a read past the end (ASan) */
static void
test_garbage(void)
{
	static const char *const tok[] = {
		"\n", "\r\n", "--", "b", "--b\n", "--b--\n", "Content-Type: ",
		"multipart/report; boundary=b", "multipart/mixed; boundary=",
		"application/tlsrpt+gzip", "Content-Transfer-Encoding: ",
		"base64", "quoted-printable", "=", "=?", "?=", "?B?", "?Q?",
		"; name*0*=a'b'%2", "; filename*1=\"", "\"", ";", ":", " ", "\t",
		"{", "\x1f\x8b", "eyJh", "\0", "%", "'", "\\", "\n\n",
	};
	struct buf	 b = BUF_INIT;
	struct mime_message *m;
	struct mime_limits lim;
	unsigned char	*raw;
	size_t		 i, n, len, bad = 0;
	uint32_t	 seed = 2463534242u;
	char		 err[ERRLEN], path[1024];
	int		 rc;

	mime_limits_default(&lim);
	lim.max_decoded = 512;
	for (i = 0; i < 3000; i++) {
		buf_reset(&b);
		buf_append(&b, "", 0);
		for (n = rnd(&seed) % 200; n > 0; n--) {
			const char *t = tok[rnd(&seed) % (sizeof(tok) /
			    sizeof(tok[0]))];

			buf_append(&b, t, *t == '\0' ? 1 : strlen(t));
		}
		rc = parse(b.data, b.len, &lim, &m, err);
		if (rc == 0)
			for (n = 0; n < m->n_cand; n++)
				bad += m->cand[n].len > lim.max_decoded ||
				    m->cand[n].data[m->cand[n].len] != '\0';
		else
			bad += rc != -1 || m != NULL;
		mime_free(m);
	}
	t_int("garbage", (int64_t)bad, 0);

	snprintf(path, sizeof(path), "%s/kravietz__tlsrpt-rs/mail.ru.eml",
	    corpus_dir());
	if (read_file(path, SIZE_MAX / 2, &raw, &len, err, sizeof(err)) != 0)
		return;
	for (n = 0; n <= len; n++) {
		rc = parse(raw, n, NULL, &m, err);
		bad += rc != 0;
		mime_free(m);
	}
	t_int("every prefix of mail.ru.eml", (int64_t)bad, 0);
	free(raw);
	buf_free(&b);
}

int
main(void)
{
	test_corpus();
	test_corpus_quirks();
	test_postfix();
	test_cases();
	test_gzip();
	test_limits();
	test_garbage();
	return t_done();
}
