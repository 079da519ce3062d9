/*
 * test_mailout.c - got/want tables for render/mailout.c and render/html.c
 *
 * 1. mailout_qp: what stays, what is encoded ('=', non-ASCII, a blank at a
 *    line end, a '.' or "From " at a line start), soft breaks keeping
 *    every line within 76 characters.
 * 2. mailout_header: ASCII as it is; anything else RFC 2047 Q-encoded,
 *    folded within 76 characters, never splitting a UTF-8 character.
 * 3. html_rate_shown: floored, never 100.0 with a failure; html_num's
 *    groups; html_info_link: a link only for a harmless https: URL.
 */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "html.h"
#include "mailout.h"
#include "t.h"

static const struct {
	const char	*name, *in, *want;
} qp_cases[] = {
	{ "plain", "hello\n", "hello\n" },
	{ "equals", "a=b\n", "a=3Db\n" },
	{ "UTF-8", "f\xc3\xbcr\n", "f=C3=BCr\n" },
	{ "blank at line end", "a \nb\t\n", "a=20\nb=09\n" },
	{ "blank inside", "a b\n", "a b\n" },
	{ "dot at line start", ".\n..x\n", "=2E\n=2E.x\n" },
	{ "From at line start", "From me\nx From y\n", "=46rom me\nx From y\n" },
	{ "control", "a\x1b" "b\n", "a=1Bb\n" },
	{ "no final newline", "abc", "abc\n" },
};

/* lines_ok - every line of s at most max characters */
static int
lines_ok(const char *s, size_t max)
{
	size_t	 n;

	while (*s) {
		n = strcspn(s, "\n");
		if (n > max)
			return 0;
		s += n + (s[n] == '\n');
	}
	return 1;
}

static void
test_qp(void)
{
	struct buf	 b = BUF_INIT;
	char		 name[128], big[400];
	size_t		 i;

	for (i = 0; i < sizeof qp_cases / sizeof qp_cases[0]; i++) {
		buf_reset(&b);
		buf_append(&b, "", 0);
		mailout_qp(&b, qp_cases[i].in, strlen(qp_cases[i].in));
		snprintf(name, sizeof name, "qp: %s", qp_cases[i].name);
		t_str(name, (const char *)b.data, qp_cases[i].want);
	}
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	big[100] = '=';
	buf_reset(&b);
	mailout_qp(&b, big, strlen(big));
	t_ok("qp: long line within 76 characters", lines_ok((char *)b.data,
	    76), (char *)b.data);
	t_ok("qp: soft break", strstr((char *)b.data, "=\n") != NULL, NULL);
	t_ok("qp: never a cut =XX", strstr((char *)b.data, "=3\n") == NULL &&
	    strstr((char *)b.data, "=\nD") == NULL, NULL);
	buf_free(&b);
}

static void
test_header(void)
{
	struct buf	 b = BUF_INIT;
	char		 subj[300];
	size_t		 i;

	mailout_header(&b, "Subject", "TLS reports 2026-11-21: 12 domains");
	t_str("header: ASCII as it is", (char *)b.data,
	    "Subject: TLS reports 2026-11-21: 12 domains\n");
	buf_reset(&b);
	mailout_header(&b, "Subject", "TLS f\xc3\xbcr a_b=c?");
	t_str("header: encoded", (char *)b.data,
	    "Subject: =?UTF-8?Q?TLS_f=C3=BCr_a=5Fb=3Dc=3F?=\n");
	buf_reset(&b);
	for (i = 0; i + 2 < 200; i += 2)
		memcpy(subj + i, "\xc3\xbc", 2);
	subj[i] = '\0';
	mailout_header(&b, "Subject", subj);
	t_ok("header: folded within 76", lines_ok((char *)b.data, 76),
	    (char *)b.data);
	t_ok("header: a character never split", strstr((char *)b.data,
	    "=C3?=") == NULL, (char *)b.data);
	buf_free(&b);
}

static void
test_html(void)
{
	struct buf	 b = BUF_INIT;

	t_ok("rate: 99.96 with failures shows 99.9",
	    html_rate_shown(9996, 4, NULL) == 99.9, NULL);
	t_ok("rate: all TLS is 100.0", html_rate_shown(10, 0, NULL) == 100.0,
	    NULL);
	t_ok("rate: floored", html_rate_shown(9949, 51, NULL) == 99.4, NULL);
	t_ok("rate: no sessions", html_rate_shown(0, 0, NULL) == -1, NULL);
	html_num(&b, 1234567);
	t_str("num: groups", (char *)b.data, "1\xe2\x80\xaf" "234\xe2\x80\xaf"
	    "567");
	buf_reset(&b);
	html_info_link(&b, "https://x.example/a?b=1&c=2");
	t_str("info: https link", (char *)b.data, "<a href=\"https://x.example"
	    "/a?b=1&amp;c=2\" rel=\"noopener noreferrer\">https://x.example/a?"
	    "b=1&amp;c=2</a>");
	buf_reset(&b);
	html_info_link(&b, "javascript:alert(1)");
	t_str("info: javascript: is text", (char *)b.data,
	    "javascript:alert(1)");
	buf_reset(&b);
	html_info_link(&b, "http://x.example/");
	t_str("info: http: is text", (char *)b.data, "http://x.example/");
	buf_reset(&b);
	html_info_link(&b, "https://x.example/\"onmouseover=x");
	t_str("info: a quote is no link", (char *)b.data,
	    "https://x.example/&quot;onmouseover=x");
	buf_free(&b);
}

int
main(void)
{
	test_qp();
	test_header();
	test_html();
	return t_done();
}
