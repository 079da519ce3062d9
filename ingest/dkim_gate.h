/*
 * dkim_gate.h - the RFC 8460 DKIM gate on libopendkim (R50-R53)
 *
 * A mailed report counts as proven when at least one DKIM-Signature of
 * its message has a valid header signature AND a matching body hash,
 * carries no l= (R52), and its d= has the same registrable domain
 * (lib/orgdomain.h) as one of the domains the door names: the header
 * From, TLS-Report-Submitter, the report's contact-info (R51).  Its key
 * must allow the service (R53): s= absent, or a colon list holding "*" or
 * "tlsrpt" (only "tlsrpt" when require_tlsrpt_key); an "email"-only key
 * does not count.  A t=y key counts as unsigned, an empty p= is revoked.
 * x= expiry is recorded (GATE_F_EXPIRED), not enforced: reports wait in
 * queues and archives are old.
 *
 * libopendkim itself checks s= against "email" only (it rejects
 * tlsrpt-only keys and accepts email-only ones: ../shared/API-NOTES.md
 * §2a).  So every key goes through our own lookup (a keys file in
 * libopendkim's test format, or DNS TXT), which keeps the key's s= and
 * t= for our rule and hands the library the record without s=.
 *
 * Line ends: the message may come with CRLF or bare LF (Postfix pipe
 * without eol=\r\n); the gate feeds the library CRLF either way.
 *
 * Ownership: a struct gate (one per process, not thread-safe) owns the
 * library handle and the keys; gate_check() fills a caller's struct.
 */
#ifndef TLSRPT_DKIM_GATE_H
#define TLSRPT_DKIM_GATE_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

struct gate;

struct gate_conf {
	const char	*keys_file;	/* NULL: keys from DNS */
	int		 require_tlsrpt_key; /* only s=...tlsrpt... keys */
	const char	*nameserver;	/* "IPv4[:PORT]" instead of
					 * /etc/resolv.conf's; NULL: those */
	unsigned	 dns_timeout;	/* seconds per DNS query; 0: 5 */
	unsigned	 max_signatures; /* aligned signatures judged; 0: 8 */
};

enum gate_outcome {
	GATE_PROVEN = 0,	/* a signature passed every rule */
	GATE_UNPROVEN,		/* none did: reason says why */
	GATE_TEMPFAIL,		/* a key could not be fetched, or the
				 * library failed: try again later */
};

#define GATE_F_EXPIRED		0x01	/* the proving signature's x= passed */
#define GATE_F_TESTING		0x02	/* a t=y key was seen (not counted) */

#define GATE_DOMAIN_LEN		256

struct gate_result {
	enum gate_outcome	outcome;
	unsigned		flags;		/* GATE_F_* */
	int			nsigs;		/* DKIM-Signature fields seen */
	int			lookups;	/* keys fetched (file or DNS) */
	/* PROVEN: the signature's d= and s=, and the registrable d= that
	 * becomes part of the report's identity; UNPROVEN: the signature
	 * judged nearest to passing, if any (else empty) */
	char			domain[GATE_DOMAIN_LEN];
	char			selector[GATE_DOMAIN_LEN];
	char			proof[GATE_DOMAIN_LEN];
	char			reason[ERRLEN];	/* UNPROVEN, TEMPFAIL */
};

/* gate_open - load the library (and the keys file).  Returns the gate, or
 * NULL with err (an unreadable or malformed keys file). */
struct gate *gate_open(const struct gate_conf *, char *err, size_t errlen);

/* gate_close - release the gate; accepts NULL */
void	gate_close(struct gate *);

/* gate_keycache - how many key decodings the gate's cache answered and
 * how many went to OpenSSL (dkim_keycache.h) */
void	gate_keycache(const struct gate *, size_t *hits, size_t *misses);

/*
 * gate_check - judge the message msg[0..len) (headers and body, CRLF or
 * LF line ends).  align[0..nalign) are the domains a signature may align
 * with (any case; NULL entries are skipped).  Fills *res; returns
 * res->outcome.
 */
enum gate_outcome gate_check(struct gate *, const unsigned char *msg,
	    size_t len, const char *const *align, size_t nalign,
	    struct gate_result *res);

/*
 * gate_service_ok - R53: does a key's s= value (NULL: absent) allow
 * TLSRPT?  "*" or "tlsrpt" in its colon list, case-insensitive, blanks
 * trimmed; with require_tlsrpt only "tlsrpt".
 */
int	gate_service_ok(const char *s, int require_tlsrpt);

/*
 * gate_align - R51 for a domain proven otherwise (trust_authres): 1 when
 * d's registrable domain is that of one of align[0..nalign), with it in
 * proof; else 0
 */
int	gate_align(const char *d, const char *const *align, size_t nalign,
	    char *proof, size_t prooflen);

/*
 * gate_auth - the text stored as a report's authentication for res
 * ("dkim d=google.com s=20230601"), into out
 */
void	gate_auth(const struct gate_result *res, char *out, size_t outlen);

#endif
