/*
 * mime.h - find the TLS report in one RFC 5322 message (R42)
 *
 * Pure parsing: no database, no DKIM (libopendkim reads the whole message
 * itself).  mime_parse() returns the top-level header fields the mail door
 * needs and the parts that may hold the report, ranked; the caller decodes
 * the first candidate of the best rank (report_decode) and records the
 * flags.  Line ends may be CRLF, bare LF or a mix of both.
 */
#ifndef TLSRPT_MIME_H
#define TLSRPT_MIME_H

#include <stddef.h>

/*
 * The bounds on hostile input, filled by the caller from its configuration
 * (mime_limits_default() gives the values below).  Over any of them
 * mime_parse() fails with -1: the message is refused, never half-read.
 */
struct mime_limits {
	size_t	 max_message;	/* bytes of the whole message (16 MiB) */
	size_t	 max_parts;	/* MIME parts of any kind, the top level
				 * included (100) */
	size_t	 max_depth;	/* multiparts inside multiparts; the top
				 * level multipart is 1 (8; at most 100
				 * whatever is asked: the walk recurses) */
	size_t	 max_header;	/* bytes of one header block, the top
				 * level's or a part's (256 KiB) */
	size_t	 max_decoded;	/* bytes of a candidate after its transfer
				 * encoding is undone (16 MiB) */
};

/* How a part came to be a candidate: the lower the better. */
enum mime_rank {
	MIME_RANK_TYPE = 1,	/* application/tlsrpt+gzip or +json */
	MIME_RANK_NAME = 2,	/* file name ends .json or .json.gz */
	MIME_RANK_SNIFF = 3,	/* decoded bytes start as gzip or JSON */
};

/*
 * Flags: what was odd about the message, worked around and worth a note.
 * A candidate carries the flags of its own part; the message carries the
 * union of all of them plus the structural ones.
 */
#define MIME_F_SEVERAL		0x0001	/* more than one candidate */
#define MIME_F_NO_CLOSE		0x0002	/* a multipart ends without its
					 * close delimiter (Mail.ru) */
#define MIME_F_TRUNCATED	0x0004	/* a header block runs to the end of
					 * its part, or base64 stops in the
					 * middle of a 4-character group */
#define MIME_F_UNKNOWN_CTE	0x0008	/* unknown Content-Transfer-Encoding:
					 * the bytes are kept as they are */
#define MIME_F_BAD_ENCODING	0x0010	/* bytes outside the base64 alphabet
					 * or after its padding (skipped), a
					 * broken quoted-printable escape
					 * (kept as it is) */
#define MIME_F_SINGLE_PART	0x0020	/* the message is not multipart and
					 * its body is a candidate */
#define MIME_F_REPORT_TYPE	0x0040	/* multipart/report whose report-type
					 * is missing or not tlsrpt */
#define MIME_F_NOT_REPORT	0x0080	/* the top level is not
					 * multipart/report */
#define MIME_F_DUP_HEADER	0x0100	/* a field read here appears twice in
					 * one header block: the first one
					 * counts */
#define MIME_F_NO_BOUNDARY	0x0200	/* multipart without a boundary
					 * parameter: read as one leaf */
#define MIME_F_BAD_HEADER	0x0400	/* a header line that is no field (no
					 * colon; an mbox "From " line):
					 * skipped */

struct mime_candidate {
	int		 rank;		/* enum mime_rank */
	unsigned char	*data;		/* the bytes with the transfer encoding
					 * undone; NUL-terminated past len */
	size_t		 len;
	char		*media_type;	/* declared type/subtype, lower case, no
					 * parameters; NULL when not declared */
	char		*filename;	/* Content-Disposition filename= else
					 * Content-Type name=, decoded (RFC 2231,
					 * RFC 2047; NUL bytes dropped); NULL
					 * when none.  Never a path to open. */
	unsigned	 flags;		/* MIME_F_* of this part */
	size_t		 part;		/* 1-based place in the walk, depth
					 * first; the top level is part 1 */
};

/*
 * The header fields are the top level's first occurrence, unfolded (the
 * line breaks of RFC 5322 folding removed, the blanks kept), leading and
 * trailing blanks trimmed, NUL bytes dropped, otherwise raw: no RFC 2047
 * decoding, not even of Subject (a hint only, R47; reports send it in
 * ASCII).  NULL when the field is absent.
 */
struct mime_message {
	char		*from;
	char		*subject;
	char		*message_id;
	char		*date;
	char		*report_domain;		/* TLS-Report-Domain */
	char		*report_submitter;	/* TLS-Report-Submitter */
	char		*content_type;
	struct mime_candidate *cand;	/* best rank first; within a rank in
					 * message order */
	size_t		 n_cand;
	size_t		 n_parts;	/* parts walked, the top level too */
	unsigned	 flags;		/* MIME_F_* */
};

/* mime_limits_default - fill lim with the defaults named above */
void	mime_limits_default(struct mime_limits *lim);

/*
 * mime_parse - walk one message and collect its report candidates
 *
 * msg/len: the whole message, headers and body (borrowed, not modified,
 * never read past len; need not be NUL-terminated).  lim: borrowed.
 * Returns 0 with a new struct mime_message in *out (owned by the caller:
 * mime_free) holding zero or more candidates; zero means "no report", as
 * for the cron mail of corpus row 15.  Returns -1 with *out NULL and one
 * line in err when a bound of lim is passed.  Out of memory is fatal.
 */
int	mime_parse(const unsigned char *msg, size_t len,
	    const struct mime_limits *lim, struct mime_message **out,
	    char *err, size_t errlen);

/* mime_free - release a message and everything in it; accepts NULL,
 * returns NULL */
struct mime_message *mime_free(struct mime_message *);

#endif
