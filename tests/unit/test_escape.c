/*
 * test_escape.c - got/want tables for lib/escape.c and text_printable()
 *
 * 1. escape_text: what passes raw (ASCII, UTF-8 up to the edges of every
 *    escaped range) and what is escaped (C0, DEL, C1, bidi controls, line
 *    separators, the backslash, every kind of invalid UTF-8), and the
 *    character count used to pad columns.
 * 2. escape_csv: quoting, doubled quotes, the formula guard, controls;
 *    escape_html: markup, attribute breakouts, references, controls.
 * 3. escape_log and text_printable: ASCII only, quotes, whole escapes
 *    when truncated, NULL, the 200-byte cap.
 */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "escape.h"
#include "util.h"
#include "t.h"

struct esc_case {
	const char	*name;
	const char	*in;
	const char	*want;
	size_t		 chars;		/* escape_text's count */
};

static const struct esc_case text_cases[] = {
	{ "plain ASCII", "Google Inc.", "Google Inc.", 11 },
	{ "empty", "", "", 0 },
	{ "space and tilde stay", " ~", " ~", 2 },
	{ "UTF-8 letters stay", "Ma\xc3\xafl \xe2\x82\xac",
	    "Ma\xc3\xafl \xe2\x82\xac", 6 },
	{ "4-byte UTF-8 stays", "\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80", 1 },
	{ "C0: ESC", "a\x1b[2Jb", "a\\x1b[2Jb", 9 },
	{ "C0: newline, CR, tab, BEL", "\n\r\t\a", "\\x0a\\x0d\\x09\\x07", 16 },
	{ "C0: 0x01 and 0x1f", "\x01\x1f", "\\x01\\x1f", 8 },
	{ "DEL", "\x7f", "\\x7f", 4 },
	{ "backslash doubled", "a\\x1b", "a\\\\x1b", 6 },
	{ "quote stays in text", "\"", "\"", 1 },
	{ "C1: U+0080", "\xc2\x80", "\\u{0080}", 8 },
	{ "C1: CSI U+009B", "\xc2\x9b" "31m", "\\u{009B}31m", 11 },
	{ "C1: U+009F", "\xc2\x9f", "\\u{009F}", 8 },
	{ "U+00A0 after C1 stays", "\xc2\xa0", "\xc2\xa0", 1 },
	{ "bidi: U+061C ALM", "\xd8\x9c", "\\u{061C}", 8 },
	{ "U+061B stays", "\xd8\x9b", "\xd8\x9b", 1 },
	{ "bidi: U+200E LRM", "\xe2\x80\x8e", "\\u{200E}", 8 },
	{ "bidi: U+200F RLM", "\xe2\x80\x8f", "\\u{200F}", 8 },
	{ "U+200D ZWJ stays", "\xe2\x80\x8d", "\xe2\x80\x8d", 1 },
	{ "U+2027 stays", "\xe2\x80\xa7", "\xe2\x80\xa7", 1 },
	{ "U+2028 line separator", "\xe2\x80\xa8", "\\u{2028}", 8 },
	{ "U+2029 paragraph separator", "\xe2\x80\xa9", "\\u{2029}", 8 },
	{ "bidi: U+202A LRE", "\xe2\x80\xaa", "\\u{202A}", 8 },
	{ "bidi: U+202E RLO", "exe.\xe2\x80\xaetxt", "exe.\\u{202E}txt", 15 },
	{ "U+202F stays", "\xe2\x80\xaf", "\xe2\x80\xaf", 1 },
	{ "U+2065 stays", "\xe2\x81\xa5", "\xe2\x81\xa5", 1 },
	{ "bidi: U+2066 LRI", "\xe2\x81\xa6", "\\u{2066}", 8 },
	{ "bidi: U+2069 PDI", "\xe2\x81\xa9", "\\u{2069}", 8 },
	{ "U+206A stays", "\xe2\x81\xaa", "\xe2\x81\xaa", 1 },
	{ "invalid: lone continuation", "a\x80z", "a\\x80z", 6 },
	{ "invalid: Latin-1 file name", "caf\xe9.json", "caf\\xe9.json", 12 },
	{ "invalid: overlong '/'", "\xc0\xaf", "\\xc0\\xaf", 8 },
	{ "invalid: overlong 3 bytes", "\xe0\x80\xaf", "\\xe0\\x80\\xaf", 12 },
	{ "invalid: overlong NUL", "\xc0\x80", "\\xc0\\x80", 8 },
	{ "invalid: surrogate", "\xed\xa0\x80", "\\xed\\xa0\\x80", 12 },
	{ "invalid: past U+10FFFF", "\xf4\x90\x80\x80",
	    "\\xf4\\x90\\x80\\x80", 16 },
	{ "invalid: F5", "\xf5", "\\xf5", 4 },
	{ "invalid: FF FE", "\xff\xfe", "\\xff\\xfe", 8 },
	{ "invalid: cut at the end", "a\xe2\x80", "a\\xe2\\x80", 9 },
	{ "invalid: cut by ASCII", "\xe2\x80z", "\\xe2\\x80z", 9 },
	{ "invalid: C1 as a raw byte", "\x9b" "31m", "\\x9b31m", 7 },
	{ "invalid then valid", "\xe2\xe2\x80\xae", "\\xe2\\u{202E}", 12 },
};

static const struct esc_case csv_cases[] = {
	{ "plain", "Google Inc.", "\"Google Inc.\"", 0 },
	{ "empty: an empty cell", "", "", 0 },
	{ "quote doubled", "Evil \"Corp\"", "\"Evil \"\"Corp\"\"\"", 0 },
	{ "only a quote", "\"", "\"\"\"\"", 0 },
	{ "comma stays inside quotes", "a,b", "\"a,b\"", 0 },
	{ "formula '='", "=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\"", 0 },
	{ "formula '+'", "+1", "\"'+1\"", 0 },
	{ "formula '-'", "-1+2", "\"'-1+2\"", 0 },
	{ "formula '@'", "@SUM(A1)", "\"'@SUM(A1)\"", 0 },
	{ "'=' later is no formula", "a=b", "\"a=b\"", 0 },
	{ "tab first: escaped, not raw", "\t=1", "\"\\x09=1\"", 0 },
	{ "CR LF inside", "a\r\nb", "\"a\\x0d\\x0ab\"", 0 },
	{ "ESC and BEL", "\x1b]0;x\a", "\"\\x1b]0;x\\x07\"", 0 },
	{ "bidi", "\xe2\x80\xae", "\"\\u{202E}\"", 0 },
	{ "C1", "\xc2\x9b", "\"\\u{009B}\"", 0 },
	{ "backslash", "\\", "\"\\\\\"", 0 },
	{ "UTF-8 stays", "\xc3\xa9", "\"\xc3\xa9\"", 0 },
	{ "invalid UTF-8", "\xff", "\"\\xff\"", 0 },
};

static const struct esc_case html_cases[] = {
	{ "plain", "Google Inc.", "Google Inc.", 0 },
	{ "markup", "<script>a('x')</script>",
	    "&lt;script&gt;a(&#39;x&#39;)&lt;/script&gt;", 0 },
	{ "attribute breakout", "\"><img src=x onerror=alert(1)>",
	    "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;", 0 },
	{ "ampersand, a reference stays text", "a &amp; b",
	    "a &amp;amp; b", 0 },
	{ "controls visible", "helo \x1b[31m\x07", "helo \\x1b[31m\\x07", 0 },
	{ "bidi visible", "a\xe2\x80\xae" "b", "a\\u{202E}b", 0 },
	{ "backslash doubled", "a\\b", "a\\\\b", 0 },
	{ "UTF-8 stays", "f\xc3\xbcr", "f\xc3\xbcr", 0 },
	{ "invalid UTF-8", "\xff<", "\\xff&lt;", 0 },
};

static const struct esc_case log_cases[] = {
	{ "plain", "Google Inc.", "Google Inc.", 0 },
	{ "quote and backslash", "a\"b\\c", "a\\\"b\\\\c", 0 },
	{ "UTF-8 as bytes", "\xc3\xa9", "\\xc3\\xa9", 0 },
	{ "bidi as bytes", "\xe2\x80\xae", "\\xe2\\x80\\xae", 0 },
	{ "controls", "\x1b\n\x7f", "\\x1b\\x0a\\x7f", 0 },
	{ "invalid", "\xff", "\\xff", 0 },
};

/* run_table - each case through escape_text (csv == 0, the character
 * count checked too), escape_csv (csv == 1) or escape_html (csv == 2)
 * onto an empty buffer */
static void
run_table(const char *kind, const struct esc_case *cases, size_t n,
    int csv)
{
	struct buf	 b = BUF_INIT;
	char		 name[128];
	size_t		 i, chars = 0;

	for (i = 0; i < n; i++) {
		buf_reset(&b);
		buf_append(&b, "", 0);
		if (csv == 1)
			escape_csv(&b, cases[i].in);
		else if (csv == 2)
			escape_html(&b, cases[i].in);
		else
			chars = escape_text(&b, cases[i].in);
		snprintf(name, sizeof name, "%s: %s", kind, cases[i].name);
		t_str(name, (const char *)b.data, cases[i].want);
		snprintf(name, sizeof name, "%s: %s: characters", kind,
		    cases[i].name);
		if (!csv)
			t_int(name, (int64_t)chars, (int64_t)cases[i].chars);
	}
	buf_free(&b);
}

/* test_append - both append to what the buffer holds; NULL in CSV */
static void
test_append(void)
{
	struct buf	 b = BUF_INIT;

	buf_puts(&b, "x ");
	escape_text(&b, "\x1b");
	escape_csv(&b, "=1");
	escape_csv(&b, NULL);
	t_str("text, csv: append; NULL is an empty cell",
	    (const char *)b.data, "x \\x1b\"'=1\"");
	buf_free(&b);
}

/* test_log - escape_log and text_printable */
static void
test_log(void)
{
	char	 dst[512], name[128], big[400];
	size_t	 i, n;

	for (i = 0; i < sizeof log_cases / sizeof log_cases[0]; i++) {
		const struct esc_case *c = &log_cases[i];

		snprintf(name, sizeof name, "log: %s", c->name);
		escape_log(dst, sizeof dst, c->in);
		t_str(name, dst, c->want);
		snprintf(name, sizeof name, "text_printable: %s", c->name);
		text_printable(dst, sizeof dst, c->in);
		t_str(name, dst, c->want);
	}
	/* "ab\x1b" takes 6 bytes: with 6 (5 and a NUL) the escape is left
	 * out whole, never cut to "ab\x1" */
	n = escape_log(dst, 6, "ab\x1b");
	t_str("log: truncated before an escape", dst, "ab");
	t_int("log: bytes written", (int64_t)n, 2);
	n = escape_log(dst, 7, "ab\x1b");
	t_str("log: an escape that just fits", dst, "ab\\x1b");
	t_int("log: bytes written, fits", (int64_t)n, 6);
	escape_log(dst, 1, "abc");
	t_str("log: room for the NUL only", dst, "");
	text_printable(dst, sizeof dst, NULL);
	t_str("text_printable: NULL is -", dst, "-");
	text_printable(dst, 7, "a\"\x1b");
	t_str("text_printable: small buffer, whole escapes", dst, "a\\\"");
	memset(big, '\n', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	text_printable(dst, sizeof dst, big);
	t_int("text_printable: at most 200 bytes", (int64_t)strlen(dst), 200);
	t_ok("text_printable: only whole escapes", strncmp(dst + 196,
	    "\\x0a", 4) == 0, dst + 196);
}

int
main(void)
{
	run_table("text", text_cases, sizeof text_cases /
	    sizeof text_cases[0], 0);
	run_table("csv", csv_cases, sizeof csv_cases / sizeof csv_cases[0],
	    1);
	run_table("html", html_cases, sizeof html_cases /
	    sizeof html_cases[0], 2);
	test_append();
	test_log();
	return t_done();
}
