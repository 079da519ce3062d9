/*
 * test_gunzip.c - got/want table for ingest/gunzip.c
 *
 * Each case builds its input from segments (a gzip member of some text,
 * raw bytes, a cut or a flipped byte), so no binary fixture is needed.
 * The gzip bomb is deflated in a stream from a small zero buffer, so the
 * test itself never holds the 64 MiB it expands to.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "buf.h"
#include "gunzip.h"
#include "util.h"
#include "t.h"
#include "tgz.h"

#define MiB	(1024 * 1024)

enum seg_kind { SEG_END, SEG_GZ, SEG_GZNAME, SEG_RAW, SEG_CUT, SEG_FLIP };

struct seg {
	enum seg_kind	 kind;
	const char	*data;		/* GZ: text to compress; RAW: bytes */
	size_t		 len;		/* RAW: byte count; CUT: bytes to drop;
					 * FLIP: offset from the end */
};

struct gz_case {
	const char	*name;
	struct seg	 segs[5];
	size_t		 cap;		/* 0: 1 MiB */
	int		 rc;
	unsigned	 flags;
	const char	*out;		/* wanted output (rc 0) */
	const char	*err;		/* wanted substring of err (rc != 0) */
};

/* build - assemble a case's input */
static void
build(struct buf *b, const struct seg *sg)
{
	for (; sg->kind != SEG_END; sg++) {
		switch (sg->kind) {
		case SEG_GZ:
			gz_member(b, sg->data, strlen(sg->data), NULL);
			break;
		case SEG_GZNAME:
			gz_member(b, sg->data, strlen(sg->data),
			    "../../etc/passwd");
			break;
		case SEG_RAW:
			buf_append(b, sg->data, sg->len);
			break;
		case SEG_CUT:
			b->len = b->len > sg->len ? b->len - sg->len : 0;
			break;
		case SEG_FLIP:
			b->data[b->len - sg->len] ^= 0xff;
			break;
		case SEG_END:
			break;
		}
	}
}

#define GZ(s)		{ SEG_GZ, s, 0 }
#define RAW(s, n)	{ SEG_RAW, s, n }
#define CUT(n)		{ SEG_CUT, NULL, n }
#define FLIP(n)		{ SEG_FLIP, NULL, n }
#define J		"{\"a\":1}"

static const struct gz_case cases[] = {
	{ "one member", { GZ(J) }, 0, 0, 0, J, NULL },
	{ "empty member", { GZ("") }, 0, 0, 0, "", NULL },
	{ "FNAME is ignored (R40)", { { SEG_GZNAME, J, 0 } }, 0, 0, 0, J,
	    NULL },
	{ "two members (R41)", { GZ("{\"a\":"), GZ("1}") }, 0, 0,
	    GUNZIP_MULTI_MEMBER, J, NULL },
	{ "three members", { GZ("{"), GZ("\"a\":"), GZ("1}") }, 0, 0,
	    GUNZIP_MULTI_MEMBER, J, NULL },
	{ "trailing NUL", { GZ(J), RAW("\0", 1) }, 0, 0,
	    GUNZIP_TRAILING_JUNK, J, NULL },
	{ "trailing CRLF", { GZ(J), RAW("\r\n", 2) }, 0, 0,
	    GUNZIP_TRAILING_JUNK, J, NULL },
	{ "trailing blanks after two members", { GZ("{"), GZ("}"),
	    RAW(" \t\n\0\0", 5) }, 0, 0,
	    GUNZIP_MULTI_MEMBER | GUNZIP_TRAILING_JUNK, "{}", NULL },
	{ "trailing garbage", { GZ(J), RAW("garbage", 7) }, 0, -1, 0, NULL,
	    "trailing garbage after gzip data" },
	{ "trailing NUL then garbage", { GZ(J), RAW("\0x", 2) }, 0, -1, 0,
	    NULL, "trailing garbage" },
	{ "trailing lone 1f", { GZ(J), RAW("\x1f", 1) }, 0, -1, 0, NULL,
	    "trailing garbage" },
	{ "second member is only a magic", { GZ(J), RAW("\x1f\x8b", 2) },
	    0, -1, 0, NULL, "truncated" },
	{ "second member corrupt", { GZ(J), RAW("\x1f\x8b\x09\0\0\0\0\0\0"
	    "\0xxxxxxxx", 18) }, 0, -1, 0, NULL, "corrupt" },
	{ "truncated trailer", { GZ(J), CUT(4) }, 0, -1, 0, NULL,
	    "gzip data is truncated" },
	{ "truncated to header", { GZ(J), CUT(20) }, 0, -1, 0, NULL,
	    "truncated" },
	{ "magic only", { RAW("\x1f\x8b", 2) }, 0, -1, 0, NULL,
	    "truncated" },
	{ "empty input", { RAW("", 0) }, 0, -1, 0, NULL, "truncated" },
	{ "not gzip", { RAW(J, 7) }, 0, -1, 0, NULL,
	    "gzip data is corrupt (" },
	{ "bad CRC", { GZ(J), FLIP(8) }, 0, -1, 0, NULL, "corrupt" },
	{ "bad ISIZE", { GZ(J), FLIP(4) }, 0, -1, 0, NULL, "corrupt" },
	{ "cap equals size", { GZ(J) }, 7, 0, 0, J, NULL },
	{ "cap one short", { GZ(J) }, 6, -2, 0, NULL,
	    "report is larger than 6 bytes when inflated" },
	{ "cap over two members", { GZ("{\"a\":"), GZ("1}") }, 6, -2, 0,
	    NULL, "larger than 6 bytes" },
};

/* run_case - one table row */
static void
run_case(const struct gz_case *c)
{
	struct buf	 in = BUF_INIT;
	static unsigned char sentinel[] = "sentinel";
	unsigned char	*out = sentinel;
	size_t		 outlen = 99;
	unsigned	 flags = 99;
	char		 err[ERRLEN] = "", what[512];
	int		 rc;

	build(&in, c->segs);
	rc = gunzip(in.data ? in.data : (const unsigned char *)"", in.len,
	    c->cap ? c->cap : MiB, &out, &outlen, &flags, err, sizeof(err));
	if (!t_int(c->name, rc, c->rc))
		printf("  err: %s\n", err);
	if (c->rc == 0) {
		t_int(c->name, flags, c->flags);
		t_int(c->name, (int64_t)outlen, (int64_t)strlen(c->out));
		t_ok(c->name, out != NULL && memcmp(out, c->out, outlen) == 0 &&
		    out[outlen] == '\0', "output differs or is not terminated");
	} else {
		t_ok(c->name, out == NULL, "out not NULL on failure");
		snprintf(what, sizeof(what), "err \"%s\" lacks \"%s\"", err,
		    c->err);
		t_ok(c->name, strstr(err, c->err) != NULL, what);
	}
	if (rc == 0)
		free(out);
	buf_free(&in);
}

/* test_bomb - 64 MiB of zeros must stop at a 16 MiB cap (R38) */
static void
test_bomb(void)
{
	struct buf	 in = BUF_INIT;
	unsigned char	*out = NULL;
	size_t		 outlen = 0;
	unsigned	 flags = 0;
	char		 err[ERRLEN] = "";
	int		 rc;

	gz_bomb(&in, 64 * (size_t)MiB);
	t_ok("bomb is small", in.len < 256 * 1024, "bomb did not compress");
	rc = gunzip(in.data, in.len, 16 * MiB, &out, &outlen, &flags, err,
	    sizeof(err));
	t_int("bomb", rc, -2);
	t_ok("bomb", out == NULL, "out not NULL");
	t_str("bomb err", err,
	    "report is larger than 16777216 bytes when inflated");

	buf_free(&in);

	/* A stream that fits exactly inflates completely, one byte less of
	 * cap refuses it: the cap is exact, not rounded to a chunk. */
	gz_bomb(&in, MiB + 1);
	rc = gunzip(in.data, in.len, MiB + 1, &out, &outlen, &flags, err,
	    sizeof(err));
	t_int("zeros at cap", rc, 0);
	t_int("zeros at cap size", (int64_t)outlen, MiB + 1);
	free(out);
	rc = gunzip(in.data, in.len, MiB, &out, &outlen, &flags, err,
	    sizeof(err));
	t_int("zeros over cap", rc, -2);
	buf_free(&in);
}

/* test_magic - the sniffing helper (R39) */
static void
test_magic(void)
{
	static const struct {
		const char	*name;
		const char	*in;
		size_t		 len;
		int		 want;
	} m[] = {
		{ "magic", "\x1f\x8b\x08", 3, 1 },
		{ "magic exact", "\x1f\x8b", 2, 1 },
		{ "magic short", "\x1f", 1, 0 },
		{ "magic empty", "", 0, 0 },
		{ "magic json", "{}", 2, 0 },
		{ "magic swapped", "\x8b\x1f", 2, 0 },
	};
	size_t	i;

	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		t_int(m[i].name, gunzip_magic((const unsigned char *)m[i].in,
		    m[i].len), m[i].want);
}

int
main(void)
{
	size_t	i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
	test_bomb();
	test_magic();
	return t_done();
}
