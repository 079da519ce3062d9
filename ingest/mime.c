/*
 * mime.c - find the TLS report in one RFC 5322 message (R42)
 *
 * SYNOPSIS
 *	#include "mime.h"
 *
 *	void mime_limits_default(&lim)
 *	int mime_parse(msg, len, &lim, &m, err, errlen)
 *	struct mime_message *mime_free(m)
 *
 * DESCRIPTION
 *	mime_parse() reads the top-level header block, then walks the body:
 *	a multipart is split at its delimiter lines (RFC 2046 §5.1.1: the
 *	line break before a delimiter belongs to it) and each part is walked
 *	in turn, depth first; every leaf part is looked at as a report:
 *
 *	  rank 1  declared application/tlsrpt+gzip or application/tlsrpt+json
 *	  rank 2  a file name ending .json or .json.gz (any case)
 *	  rank 3  bytes that, decoded, start as gzip or a JSON object
 *
 *	A part counts once, at its best rank.  The candidates come back best
 *	rank first and in message order within a rank; the caller takes the
 *	first and records MIME_F_SEVERAL when there are more.  A single-part
 *	message is a leaf like any other (mox accepts such reports too).
 *
 *	Leniency (R42): report-type anywhere among the parameters, quoted or
 *	not; any first part (Microsoft sends text/html); preamble, epilogue
 *	and extra parts ignored; a multipart whose close delimiter is missing
 *	(Mail.ru, corpus row 18) ends where its enclosing part ends, with
 *	MIME_F_NO_CLOSE.  Each multipart scans only its own span for its own
 *	boundary, so a nested part that never closes cannot swallow the
 *	parts of its parent.
 *
 *	Bounds: the message size is checked first; the part count and the
 *	depth as the walk goes (the walk recurses, one level per multipart,
 *	so the depth is also capped at MIME_DEPTH_CEILING whatever the
 *	caller asks); each header block is scanned no further than its cap;
 *	a transfer decoding stops at the decoded cap.  Each nesting level
 *	scans its span once, so the work is at most depth times the size.
 *
 * DIAGNOSTICS
 *	-1 with one of "message larger than N bytes", "more than N MIME
 *	parts", "MIME multiparts nested deeper than N levels", "header block
 *	larger than N bytes", "report part N larger than N bytes decoded".
 *	"No report" is not an error: 0 and no candidates.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "mime.h"
#include "mime_int.h"
#include "util.h"
#include "xmalloc.h"

#define KiB			1024
#define MiB			(1024 * KiB)
#define MIME_DEPTH_CEILING	100

/* The fields read: the first three in every part, all at the top level. */
enum {
	F_CTYPE, F_CTE, F_CDISP, F_PART_N = 3,
	F_FROM = F_PART_N, F_SUBJECT, F_MSGID, F_DATE, F_RDOMAIN, F_RSUBMITTER,
	F_N
};

static const char *const field_name[F_N] = {
	"Content-Type", "Content-Transfer-Encoding", "Content-Disposition",
	"From", "Subject", "Message-ID", "Date", "TLS-Report-Domain",
	"TLS-Report-Submitter",
};

/* The state of one walk. */
struct walk {
	const struct mime_limits *lim;
	size_t		 max_depth;	/* lim's, clamped to the ceiling */
	struct mime_message *m;
	size_t		 cand_cap;	/* room in m->cand */
	char		*err;
	size_t		 errlen;
};

static int walk_part(struct walk *, const unsigned char *,
    const unsigned char *, size_t, int);

/* mime_limits_default - the defaults of mime.h */
void
mime_limits_default(struct mime_limits *lim)
{
	lim->max_message = 16 * MiB;
	lim->max_parts = 100;
	lim->max_depth = 8;
	lim->max_header = 256 * KiB;
	lim->max_decoded = 16 * MiB;
}

/* ends_with - 1 when s ends with suffix, ignoring ASCII case */
static int
ends_with(const char *s, const char *suffix)
{
	size_t	 n = strlen(s), k = strlen(suffix);

	return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

/* add_candidate - append one candidate to the message (takes data, mt and
 * fname) */
static void
add_candidate(struct walk *w, int rank, struct buf *data, char *mt,
    char *fname, unsigned flags)
{
	struct mime_message *m = w->m;
	struct mime_candidate *c;

	if (m->n_cand == w->cand_cap) {
		w->cand_cap = w->cand_cap ? 2 * w->cand_cap : 4;
		m->cand = xreallocarray(m->cand, w->cand_cap, sizeof(*c));
	}
	c = &m->cand[m->n_cand++];
	c->rank = rank;
	c->data = buf_steal(data, &c->len);
	c->media_type = mt;
	c->filename = fname;
	c->flags = flags;
	c->part = m->n_parts;
}

/* walk_leaf - look at one leaf part as a report; takes mt */
static int
walk_leaf(struct walk *w, const struct mime_field *f, char *mt,
    const char *ctype, const unsigned char *body, const unsigned char *end,
    unsigned flags, int top)
{
	struct buf	 data = BUF_INIT;
	char		*cdisp, *cte, *fname;
	int		 rank = 0, over, rc = 0;

	cdisp = mime_unfold(&f[F_CDISP]);
	if ((fname = mime_param(cdisp, "filename")) == NULL)
		fname = mime_param(ctype, "name");
	free(cdisp);
	if (mt != NULL && (strcmp(mt, "application/tlsrpt+gzip") == 0 ||
	    strcmp(mt, "application/tlsrpt+json") == 0))
		rank = MIME_RANK_TYPE;
	else if (fname != NULL && (ends_with(fname, ".json") ||
	    ends_with(fname, ".json.gz")))
		rank = MIME_RANK_NAME;

	/* Every leaf is decoded, also to sniff it; the cap bounds what a
	 * big image or text costs. */
	cte = mime_unfold(&f[F_CTE]);
	over = mime_decode(body, (size_t)(end - body), cte,
	    w->lim->max_decoded, &data, &flags);
	free(cte);
	if (rank == 0 && mime_sniff(data.data, data.len))
		rank = MIME_RANK_SNIFF;
	w->m->flags |= flags;
	if (rank != 0 && over)
		rc = seterr(w->err, w->errlen, "report part %zu larger than "
		    "%zu bytes decoded", w->m->n_parts, w->lim->max_decoded);
	else if (rank != 0) {
		if (top)
			w->m->flags |= MIME_F_SINGLE_PART;
		add_candidate(w, rank, &data, mt, fname, flags);
		return 0;
	}
	buf_free(&data);
	free(mt);
	free(fname);
	return rc;
}

/* part_end - where a part that runs up to the delimiter line at q ends:
 * the line break before the delimiter is the delimiter's (RFC 2046) */
static const unsigned char *
part_end(const unsigned char *part, const unsigned char *q)
{
	if (q > part && q[-1] == '\n') {
		q--;
		if (q > part && q[-1] == '\r')
			q--;
	}
	return q;
}

/* delimiter - 1 for "--boundary" (2 for the close "--boundary--") and
 * blanks up to the line end at le; 0 for any other line q..le */
static int
delimiter(const unsigned char *q, const unsigned char *le, const char *bd,
    size_t blen)
{
	const unsigned char *r;
	int		 close = 0;

	if ((size_t)(le - q) < 2 + blen || q[0] != '-' || q[1] != '-' ||
	    memcmp(q + 2, bd, blen) != 0)
		return 0;
	r = q + 2 + blen;
	if (le - r >= 2 && r[0] == '-' && r[1] == '-') {
		close = 1;
		r += 2;
	}
	/* transport padding; a longer boundary that starts like this one
	 * (a nested part's) is not this one */
	while (r < le && (*r == ' ' || *r == '\t' || *r == '\r'))
		r++;
	return r == le ? 1 + close : 0;
}

/* walk_multipart - split p..end at boundary bd and walk each part */
static int
walk_multipart(struct walk *w, const unsigned char *p,
    const unsigned char *end, const char *bd, size_t level)
{
	const unsigned char *q, *eol, *next, *part = NULL, *pe;
	size_t		 blen = strlen(bd);
	int		 d;

	if (level > w->max_depth)
		return seterr(w->err, w->errlen, "MIME multiparts nested "
		    "deeper than %zu levels", w->max_depth);
	for (q = p; q < end; q = next) {
		eol = memchr(q, '\n', (size_t)(end - q));
		next = eol != NULL ? eol + 1 : end;
		if (q[0] != '-' || (d = delimiter(q, eol != NULL ? eol : end,
		    bd, blen)) == 0)
			continue;
		/* Parts of zero bytes ("--b\n--b") hold nothing to walk. */
		if (part != NULL && (pe = part_end(part, q)) > part &&
		    walk_part(w, part, pe, level, 0) == -1)
			return -1;
		if (d == 2)
			return 0;	/* what follows is the epilogue */
		part = next;
	}
	w->m->flags |= MIME_F_NO_CLOSE;
	if (part != NULL && part < end && walk_part(w, part, end, level,
	    0) == -1)
		return -1;
	return 0;
}

/* keep_top - copy the top-level fields the caller wants into the message */
static void
keep_top(struct mime_message *m, const struct mime_field *f)
{
	m->from = mime_unfold(&f[F_FROM]);
	m->subject = mime_unfold(&f[F_SUBJECT]);
	m->message_id = mime_unfold(&f[F_MSGID]);
	m->date = mime_unfold(&f[F_DATE]);
	m->report_domain = mime_unfold(&f[F_RDOMAIN]);
	m->report_submitter = mime_unfold(&f[F_RSUBMITTER]);
}

/* top_flags - what the top-level type says about the message (R42) */
static unsigned
top_flags(const char *mt, const char *ctype)
{
	char		*rt;
	unsigned	 flags = 0;

	if (mt == NULL || strcmp(mt, "multipart/report") != 0)
		return MIME_F_NOT_REPORT;
	rt = mime_param(ctype, "report-type");
	if (rt == NULL || strcasecmp(rt, "tlsrpt") != 0)
		flags = MIME_F_REPORT_TYPE;
	free(rt);
	return flags;
}

/* walk_part - one part (the whole message when top): headers, then a
 * multipart's parts or a leaf */
static int
walk_part(struct walk *w, const unsigned char *p, const unsigned char *end,
    size_t level, int top)
{
	struct mime_field f[F_N];
	const unsigned char *body;
	unsigned	 flags = 0;
	char		*ctype, *mt, *bd = NULL;
	size_t		 i;
	int		 rc;

	if (++w->m->n_parts > w->lim->max_parts)
		return seterr(w->err, w->errlen, "more than %zu MIME parts",
		    w->lim->max_parts);
	for (i = 0; i < F_N; i++)
		f[i].name = field_name[i];
	if (mime_header_scan(p, end, w->lim->max_header, f,
	    top ? F_N : F_PART_N, &body, &flags, w->err, w->errlen) == -1)
		return -1;
	ctype = mime_unfold(&f[F_CTYPE]);
	mt = mime_media_type(ctype);
	if (top) {
		keep_top(w->m, f);
		w->m->flags |= top_flags(mt, ctype);
	}
	if (mt != NULL && strncmp(mt, "multipart/", 10) == 0) {
		if ((bd = mime_param(ctype, "boundary")) == NULL || *bd == '\0')
			flags |= MIME_F_NO_BOUNDARY;
	}
	if (bd != NULL && *bd != '\0') {
		w->m->flags |= flags;
		free(mt);
		rc = walk_multipart(w, body, end, bd, level + 1);
	} else
		rc = walk_leaf(w, f, mt, ctype, body, end, flags, top);
	free(bd);
	if (top)
		w->m->content_type = ctype;
	else
		free(ctype);
	return rc;
}

/* rank_order - the candidates best rank first, message order kept within
 * a rank (three passes: no sort, no quadratic case) */
static void
rank_order(struct mime_message *m)
{
	struct mime_candidate *c;
	size_t		 i, n = 0;
	int		 rank;

	if (m->n_cand < 2)
		return;
	c = xreallocarray(NULL, m->n_cand, sizeof(*c));
	for (rank = MIME_RANK_TYPE; rank <= MIME_RANK_SNIFF; rank++)
		for (i = 0; i < m->n_cand; i++)
			if (m->cand[i].rank == rank)
				c[n++] = m->cand[i];
	free(m->cand);
	m->cand = c;
	m->flags |= MIME_F_SEVERAL;
}

/* mime_parse - walk one message and collect its report candidates */
int
mime_parse(const unsigned char *msg, size_t len,
    const struct mime_limits *lim, struct mime_message **out, char *err,
    size_t errlen)
{
	struct walk	 w;

	*out = NULL;
	if (len > lim->max_message)
		return seterr(err, errlen, "message larger than %zu bytes",
		    lim->max_message);
	memset(&w, 0, sizeof(w));
	w.lim = lim;
	w.max_depth = lim->max_depth < MIME_DEPTH_CEILING ?
	    lim->max_depth : MIME_DEPTH_CEILING;
	w.m = xcalloc(1, sizeof(*w.m));
	w.err = err;
	w.errlen = errlen;
	if (walk_part(&w, msg, msg + len, 0, 1) == -1) {
		mime_free(w.m);
		return -1;
	}
	rank_order(w.m);
	*out = w.m;
	return 0;
}

/* mime_free - release a message; accepts NULL, returns NULL */
struct mime_message *
mime_free(struct mime_message *m)
{
	size_t	 i;

	if (m == NULL)
		return NULL;
	for (i = 0; i < m->n_cand; i++) {
		free(m->cand[i].data);
		free(m->cand[i].media_type);
		free(m->cand[i].filename);
	}
	free(m->cand);
	free(m->from);
	free(m->subject);
	free(m->message_id);
	free(m->date);
	free(m->report_domain);
	free(m->report_submitter);
	free(m->content_type);
	free(m);
	return NULL;
}
