/*
 * mailgen.c - signed report mails for "make bench"
 *
 * SYNOPSIS
 *	mailgen KEY.pem MAILDIR FILE...
 *
 * Wraps each report file (gzip) as RFC 8460 §5.3 describes (a
 * multipart/report, the report base64 as application/tlsrpt+gzip), signs
 * it with d=example.net s=bench (relaxed/relaxed, rsa-sha256) through
 * libopendkim, and writes it with CRLF line ends into MAILDIR/new/ (cur/
 * and tmp/ are made too).  The tests sign with an independent signer
 * (python3-dkim); here only the speed of making 20,000 mails matters.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <opendkim/dkim.h>

static unsigned char *
slurp(const char *path, size_t *len)
{
	FILE		*fp = fopen(path, "rb");
	unsigned char	*b = NULL;
	size_t		 cap = 0, n;

	*len = 0;
	if (fp == NULL)
		return NULL;
	for (;;) {
		if (*len + 65536 > cap) {
			cap = 2 * cap + 65536;
			if ((b = realloc(b, cap)) == NULL)
				exit(1);
		}
		if ((n = fread(b + *len, 1, 65536, fp)) == 0)
			break;
		*len += n;
	}
	fclose(fp);
	return b;
}

/* mail - the message of report i into out (CRLF), returns its length */
static size_t
mail(char *out, size_t cap, unsigned i, const unsigned char *gz, size_t gzlen)
{
	static unsigned char	 b64[4 * 1024 * 1024];
	size_t			 n, k, blen;

	if (4 * ((gzlen + 2) / 3) + 1 > sizeof b64)
		return 0;
	blen = (size_t)EVP_EncodeBlock(b64, gz, (int)gzlen);
	n = (size_t)snprintf(out, cap,
	    "From: TLS reports <noreply-smtp-tls-reporting@example.net>\r\n"
	    "To: tlsrpt@reports.test\r\n"
	    "Subject: Report Domain: example.com Submitter: example.net "
	    "Report-ID: <bench-%u@example.net>\r\n"
	    "Date: Tue, 01 Dec 2026 10:00:00 +0000\r\n"
	    "Message-ID: <bench-%u@example.net>\r\n"
	    "TLS-Report-Domain: example.com\r\n"
	    "TLS-Report-Submitter: example.net\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: multipart/report; report-type=\"tlsrpt\";\r\n"
	    "\tboundary=\"----=_bench\"\r\n"
	    "\r\n"
	    "------=_bench\r\n"
	    "Content-Type: text/plain; charset=us-ascii\r\n"
	    "\r\n"
	    "This is an aggregate TLS report.\r\n"
	    "\r\n"
	    "------=_bench\r\n"
	    "Content-Type: application/tlsrpt+gzip\r\n"
	    "Content-Disposition: attachment; filename=\"report.json.gz\"\r\n"
	    "Content-Transfer-Encoding: base64\r\n"
	    "\r\n", i, i);
	for (k = 0; k < blen && n + 80 < cap; k += 76) {
		size_t l = blen - k < 76 ? blen - k : 76;

		memcpy(out + n, b64 + k, l);
		n += l;
		out[n++] = '\r';
		out[n++] = '\n';
	}
	n += (size_t)snprintf(out + n, cap - n, "------=_bench--\r\n");
	return n;
}

int
main(int argc, char **argv)
{
	static char	 msg[8 * 1024 * 1024];
	unsigned char	 hdr[4096], *key, *gz;
	size_t		 keylen, gzlen, n;
	char		 path[4096];
	DKIM_LIB	*lib;
	DKIM		*d;
	DKIM_STAT	 st;
	FILE		*fp;
	int		 i;
	const char	*sub[] = { "new", "cur", "tmp" };

	if (argc < 3) {
		fprintf(stderr, "usage: mailgen KEY.pem MAILDIR FILE...\n");
		return 64;
	}
	if ((key = slurp(argv[1], &keylen)) == NULL)
		return 1;
	key = realloc(key, keylen + 1);
	key[keylen] = '\0';
	mkdir(argv[2], 0755);
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof path, "%s/%s", argv[2], sub[i]);
		if (mkdir(path, 0755) == -1 && errno != EEXIST)
			return 1;
	}
	if ((lib = dkim_init(NULL, NULL)) == NULL)
		return 1;
	for (i = 3; i < argc; i++) {
		if ((gz = slurp(argv[i], &gzlen)) == NULL ||
		    (n = mail(msg, sizeof msg, (unsigned)i, gz, gzlen)) == 0)
			return 1;
		free(gz);
		d = dkim_sign(lib, (const unsigned char *)"bench", NULL, key,
		    (const unsigned char *)"bench",
		    (const unsigned char *)"example.net", DKIM_CANON_RELAXED,
		    DKIM_CANON_RELAXED, DKIM_SIGN_RSASHA256, -1, &st);
		if (d == NULL || dkim_chunk(d, (unsigned char *)msg, n) !=
		    DKIM_STAT_OK || dkim_chunk(d, NULL, 0) != DKIM_STAT_OK ||
		    dkim_eom(d, NULL) != DKIM_STAT_OK ||
		    dkim_getsighdr(d, hdr, sizeof hdr,
		    strlen(DKIM_SIGNHEADER) + 2) != DKIM_STAT_OK) {
			fprintf(stderr, "mailgen: signing %s failed\n", argv[i]);
			return 1;
		}
		dkim_free(d);
		snprintf(path, sizeof path, "%s/new/%06d.eml", argv[2], i - 2);
		if ((fp = fopen(path, "wb")) == NULL)
			return 1;
		fprintf(fp, "%s: %s\r\n", DKIM_SIGNHEADER, hdr);
		fwrite(msg, 1, n, fp);
		if (fclose(fp) != 0)
			return 1;
	}
	dkim_close(lib);
	free(key);
	return 0;
}
