/*
 * dkim_gate.c - the RFC 8460 DKIM gate on libopendkim (see dkim_gate.h)
 *
 * One libopendkim handle per process.  Per message: a DKIM verify handle
 * whose user context is a struct gate_msg, which the two callbacks fill:
 *
 *   prescreen   marks every signature whose d= is not aligned (and every
 *               one past max_signatures) ignored, before any key lookup:
 *               a message with a hundred signatures costs no DNS query
 *               for signatures that could not prove the report anyway;
 *   key lookup  fetches the key (keys file or DNS TXT), records its s=
 *               and t= here, and hands the library the record without
 *               s= (the library would otherwise refuse s=tlsrpt keys and
 *               we would lose the original value).
 *
 * After dkim_eom() every signature is judged by our rule, not by the one
 * the library reports on (it picks the first good one, which may be an
 * ESP's).
 */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>
#include <time.h>

#include <opendkim/dkim.h>

#include "dkim_gate.h"
#include "dkim_keycache.h"
#include "dkim_guard.h"
#include "orgdomain.h"
#include "util.h"
#include "xmalloc.h"

#define KEYNAME_MAX	512		/* selector._domainkey.domain */
#define RECORD_MAX	4096		/* one key record, joined */
#define ALIGN_MAX	8		/* registrable domains to align with */
#define CHUNK		65536		/* CRLF conversion buffer */

/* the library's tag getter takes a writable name */
static u_char	tag_l[] = "l", tag_x[] = "x";

struct key {
	char	*name;			/* lower case */
	char	*record;
};

struct gate {
	DKIM_LIB	*lib;
	struct key	*keys;		/* sorted by name; NULL: DNS */
	size_t		 nkeys;
	int		 use_file;
	int		 require_tlsrpt;
	unsigned	 max_sigs;
	struct __res_state res;
	int		 res_ready;
	struct keycache	 kc;		/* keys decoded (dkim_keycache.c) */
};

/* What our callbacks learn of one signature. */
struct gate_sig {
	DKIM_SIGINFO	*sig;
	int		 ignored;	/* by prescreen: why in reason */
	int		 key_seen;	/* our lookup returned a record */
	char		 svc[64];	/* the key's own s=, "" when absent */
	int		 has_svc;
	int		 testing;	/* the key's t= holds y */
	const char	*reason;	/* prescreen's */
};

struct gate_msg {
	struct gate	*g;
	char		 align[ALIGN_MAX][GATE_DOMAIN_LEN];
	size_t		 nalign;
	struct gate_sig	*sigs;
	size_t		 nsigs;
	int		 lookups;	/* keys asked for */
	int		 tempfail;	/* a lookup said try again */
	char		 tempwhy[ERRLEN];
};

static struct gate_sig *
msg_sig(struct gate_msg *m, DKIM_SIGINFO *sig)
{
	size_t	i;

	for (i = 0; i < m->nsigs; i++)
		if (m->sigs[i].sig == sig)
			return &m->sigs[i];
	m->sigs = xreallocarray(m->sigs, m->nsigs + 1, sizeof *m->sigs);
	memset(&m->sigs[m->nsigs], 0, sizeof m->sigs[0]);
	m->sigs[m->nsigs].sig = sig;
	return &m->sigs[m->nsigs++];
}

int
gate_service_ok(const char *s, int require_tlsrpt)
{
	const char	*p, *end;
	size_t		 len;

	if (s == NULL)				/* absent: "*" (RFC 6376) */
		return !require_tlsrpt;
	for (p = s; *p; p = *end ? end + 1 : end) {
		end = p + strcspn(p, ":");
		while (p < end && isspace((unsigned char)*p))
			p++;
		len = (size_t)(end - p);
		while (len > 0 && isspace((unsigned char)p[len - 1]))
			len--;
		if (len == 6 && strncasecmp(p, "tlsrpt", 6) == 0)
			return 1;
		if (len == 1 && *p == '*' && !require_tlsrpt)
			return 1;
	}
	return 0;
}

void
gate_auth(const struct gate_result *res, char *out, size_t outlen)
{
	snprintf(out, outlen, "dkim d=%s s=%s", res->domain, res->selector);
}

/* ---- keys: a file in libopendkim's test format, or DNS ---- */

static int
key_cmp(const void *a, const void *b)
{
	return strcmp(((const struct key *)a)->name,
	    ((const struct key *)b)->name);
}

/* keys_load - "selector._domainkey.domain<blanks>record" lines, '#'
 * comments and blank lines skipped (dkim-keys.c dkim_get_key_file) */
static int
keys_load(struct gate *g, const char *path, char *err, size_t errlen)
{
	FILE	*fp;
	char	*line = NULL, *p, *name, *rec;
	size_t	 cap = 0, lineno = 0, i;
	ssize_t	 n;

	if ((fp = fopen(path, "r")) == NULL)
		return seterr(err, errlen, "%s: %s", path, strerror(errno));
	while ((n = getline(&line, &cap, fp)) != -1) {
		lineno++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		for (p = line; *p == ' ' || *p == '\t'; p++)
			;
		if (*p == '\0' || *p == '#')
			continue;
		name = p;
		p += strcspn(p, " \t");
		if (*p == '\0') {
			fclose(fp);
			free(line);
			return seterr(err, errlen, "%s:%zu: a key name without "
			    "a record", path, lineno);
		}
		*p++ = '\0';
		rec = p + strspn(p, " \t");
		if (strlen(rec) >= RECORD_MAX || strlen(name) >= KEYNAME_MAX) {
			fclose(fp);
			free(line);
			return seterr(err, errlen, "%s:%zu: too long", path,
			    lineno);
		}
		for (i = 0; name[i]; i++)
			name[i] = (char)tolower((unsigned char)name[i]);
		if (i > 0 && name[i - 1] == '.')
			name[i - 1] = '\0';
		g->keys = xreallocarray(g->keys, g->nkeys + 1, sizeof *g->keys);
		g->keys[g->nkeys].name = xstrdup(name);
		g->keys[g->nkeys].record = xstrdup(rec);
		g->nkeys++;
	}
	free(line);
	if (ferror(fp)) {
		fclose(fp);
		return seterr(err, errlen, "%s: read error", path);
	}
	fclose(fp);
	qsort(g->keys, g->nkeys, sizeof *g->keys, key_cmp);
	return 0;
}

/* dns_txt - the TXT record of name, its character-strings joined.
 * Returns DKIM_CBSTAT_CONTINUE, _NOTFOUND, or _TRYAGAIN with why. */
static DKIM_CBSTAT
dns_txt(struct gate *g, const char *name, char *out, size_t outlen,
    char *why, size_t whylen)
{
	unsigned char	 ans[8192];
	const unsigned char *rd, *end;
	ns_msg		 msg;
	ns_rr		 rr;
	int		 n, i, count;
	size_t		 len;

	n = res_nquery(&g->res, name, ns_c_in, ns_t_txt, ans, sizeof ans);
	if (n < 0) {
		switch (g->res.res_h_errno) {
		case HOST_NOT_FOUND:
		case NO_DATA:
			return DKIM_CBSTAT_NOTFOUND;
		default:			/* SERVFAIL, timeout, refused */
			seterr(why, whylen, "DNS lookup of %s failed "
			    "(h_errno %d)", name, g->res.res_h_errno);
			return DKIM_CBSTAT_TRYAGAIN;
		}
	}
	if (ns_initparse(ans, n, &msg) < 0) {
		seterr(why, whylen, "DNS answer for %s unreadable", name);
		return DKIM_CBSTAT_TRYAGAIN;
	}
	count = ns_msg_count(msg, ns_s_an);
	for (i = 0; i < count; i++) {
		if (ns_parserr(&msg, ns_s_an, i, &rr) < 0)
			break;
		if (ns_rr_type(rr) != ns_t_txt)
			continue;	/* a CNAME on the way */
		rd = ns_rr_rdata(rr);
		end = rd + ns_rr_rdlen(rr);
		len = 0;
		while (rd < end) {
			size_t	sl = *rd++;

			if (sl > (size_t)(end - rd) || len + sl >= outlen)
				break;
			memcpy(out + len, rd, sl);
			len += sl;
			rd += sl;
		}
		out[len] = '\0';
		/* the first record that looks like a key: a domain may
		 * publish other TXT records under the same name */
		if (strstr(out, "p=") != NULL)
			return DKIM_CBSTAT_CONTINUE;
	}
	return DKIM_CBSTAT_NOTFOUND;
}

/*
 * key_rewrite - split the record's tags: keep s= and t= for us, copy
 * every other tag into out (for the library).  A tag is "name=value",
 * tags separated by ';', blanks around both allowed (RFC 6376 3.2).
 */
static void
key_rewrite(struct gate_sig *gs, const char *rec, char *out, size_t outlen)
{
	const char	*p = rec, *end, *eq, *v;
	size_t		 len = 0, nlen, vlen;

	out[0] = '\0';
	while (*p) {
		end = p + strcspn(p, ";");
		while (p < end && isspace((unsigned char)*p))
			p++;
		eq = memchr(p, '=', (size_t)(end - p));
		if (eq != NULL) {
			nlen = (size_t)(eq - p);
			while (nlen > 0 && isspace((unsigned char)p[nlen - 1]))
				nlen--;
			for (v = eq + 1; v < end && isspace((unsigned char)*v); )
				v++;
			vlen = (size_t)(end - v);
			while (vlen > 0 && isspace((unsigned char)v[vlen - 1]))
				vlen--;
			if (nlen == 1 && *p == 's') {
				gs->has_svc = 1;
				snprintf(gs->svc, sizeof gs->svc, "%.*s",
				    (int)vlen, v);
			} else {
				if (nlen == 1 && *p == 't') {
					/* t= flags, colon-separated */
					const char *f = v;

					while (f < v + vlen) {
						size_t fl = strcspn(f, ":;");

						if (fl > (size_t)(v + vlen - f))
							fl = (size_t)(v + vlen - f);
						while (fl && isspace((unsigned
						    char)f[fl - 1]))
							fl--;
						while (fl && isspace((unsigned
						    char)*f))
							f++, fl--;
						if (fl == 1 && (*f == 'y' ||
						    *f == 'Y'))
							gs->testing = 1;
						f += strcspn(f, ":;");
						if (*f == ':')
							f++;
						else
							break;
					}
				}
				if (len + (size_t)(end - p) + 2 < outlen) {
					if (len > 0)
						out[len++] = ';';
					memcpy(out + len, p, (size_t)(end - p));
					len += (size_t)(end - p);
					out[len] = '\0';
				}
			}
		}
		p = *end ? end + 1 : end;
	}
}

/* host name characters only: the name goes to DNS and into logs */
static int
keyname_ok(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '.' &&
		    *s != '_')
			return 0;
	return 1;
}

static DKIM_CBSTAT
gate_key_lookup(DKIM *d, DKIM_SIGINFO *sig, u_char *buf, size_t buflen)
{
	struct gate_msg	*m = dkim_get_user_context(d);
	struct gate	*g = m->g;
	struct gate_sig	*gs = msg_sig(m, sig);
	const char	*dom = (const char *)dkim_sig_getdomain(sig);
	const char	*sel = (const char *)dkim_sig_getselector(sig);
	char		 name[KEYNAME_MAX], rec[RECORD_MAX], *p;
	DKIM_CBSTAT	 st;

	if (dom == NULL || sel == NULL || !keyname_ok(dom) ||
	    !keyname_ok(sel) || (size_t)snprintf(name, sizeof name,
	    "%s._domainkey.%s", sel, dom) >= sizeof name)
		return DKIM_CBSTAT_NOTFOUND;
	m->lookups++;
	for (p = name; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	if (p > name && p[-1] == '.')
		p[-1] = '\0';
	if (g->use_file) {
		struct key	 k = { name, NULL }, *f;

		f = bsearch(&k, g->keys, g->nkeys, sizeof *g->keys, key_cmp);
		if (f == NULL)
			return DKIM_CBSTAT_NOTFOUND;
		snprintf(rec, sizeof rec, "%s", f->record);
	} else {
		st = dns_txt(g, name, rec, sizeof rec, m->tempwhy,
		    sizeof m->tempwhy);
		if (st == DKIM_CBSTAT_TRYAGAIN)
			m->tempfail = 1;
		if (st != DKIM_CBSTAT_CONTINUE)
			return st;
	}
	gs->key_seen = 1;
	key_rewrite(gs, rec, (char *)buf, buflen);
	if (strlen((char *)buf) + 1 >= buflen)
		return DKIM_CBSTAT_ERROR;
	return DKIM_CBSTAT_CONTINUE;
}

/* ---- alignment (R51) ---- */

static int
msg_aligned(const struct gate_msg *m, const char *dom, char *org,
    size_t orglen)
{
	size_t	i;

	if (dom == NULL || org_domain(dom, org, orglen) == -1)
		return 0;
	for (i = 0; i < m->nalign; i++)
		if (strcmp(m->align[i], org) == 0)
			return 1;
	return 0;
}

int
gate_align(const char *d, const char *const *align, size_t nalign,
    char *proof, size_t prooflen)
{
	char	 a[GATE_DOMAIN_LEN];
	size_t	 i;

	if (d == NULL || org_domain(d, proof, prooflen) == -1)
		return 0;
	for (i = 0; i < nalign; i++)
		if (align[i] != NULL && org_domain(align[i], a,
		    sizeof a) == 0 && strcmp(a, proof) == 0)
			return 1;
	return 0;
}

static DKIM_CBSTAT
gate_prescreen(DKIM *d, DKIM_SIGINFO **sigs, int nsigs)
{
	struct gate_msg	*m = dkim_get_user_context(d);
	char		 org[GATE_DOMAIN_LEN];
	unsigned	 taken = 0;
	int		 i;

	for (i = 0; i < nsigs; i++) {
		struct gate_sig *gs = msg_sig(m, sigs[i]);

		if (!msg_aligned(m, (const char *)dkim_sig_getdomain(sigs[i]),
		    org, sizeof org)) {
			gs->ignored = 1;
			gs->reason = "d= not aligned with From, "
			    "TLS-Report-Submitter or contact-info";
		} else if (taken >= m->g->max_sigs) {
			gs->ignored = 1;
			gs->reason = "past the signatures judged per message";
		} else {
			taken++;
			continue;
		}
		dkim_sig_ignore(sigs[i]);
	}
	return DKIM_CBSTAT_CONTINUE;
}

/* ---- the gate ---- */

/* set_nameserver - "A.B.C.D[:PORT]" as the only server of res */
static int
set_nameserver(struct __res_state *res, const char *spec)
{
	struct sockaddr_in	 sin;
	char			 host[64], *colon, *end;
	unsigned long		 port = 53;

	if (strlen(spec) >= sizeof host)
		return -1;
	memcpy(host, spec, strlen(spec) + 1);
	if ((colon = strchr(host, ':')) != NULL) {
		*colon = '\0';
		port = strtoul(colon + 1, &end, 10);
		if (*end != '\0' || port == 0 || port > 65535)
			return -1;
	}
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &sin.sin_addr) != 1)
		return -1;
	res->nsaddr_list[0] = sin;
	res->nscount = 1;
	return 0;
}

struct gate *
gate_open(const struct gate_conf *gc, char *err, size_t errlen)
{
	struct gate	*g = xcalloc(1, sizeof *g);
	unsigned int	 flags = DKIM_LIBFLAGS_NONE, minbits = 1024;
	uint64_t	 drift;

	g->require_tlsrpt = gc->require_tlsrpt_key;
	g->max_sigs = gc->max_signatures ? gc->max_signatures : 8;
	if (gc->keys_file != NULL) {
		g->use_file = 1;
		if (keys_load(g, gc->keys_file, err, errlen) == -1) {
			gate_close(g);
			return NULL;
		}
	} else {
		if (res_ninit(&g->res) != 0) {
			seterr(err, errlen, "resolver: res_ninit failed");
			gate_close(g);
			return NULL;
		}
		g->res_ready = 1;
		g->res.retrans = (int)(gc->dns_timeout ? gc->dns_timeout : 5);
		g->res.retry = 2;
		if (gc->nameserver != NULL &&
		    set_nameserver(&g->res, gc->nameserver) == -1) {
			seterr(err, errlen, "dkim_nameserver: \"%s\" is not "
			    "an IPv4 address with an optional :PORT",
			    gc->nameserver);
			gate_close(g);
			return NULL;
		}
	}
	if ((g->lib = dkim_init(NULL, NULL)) == NULL) {
		seterr(err, errlen, "libopendkim: dkim_init failed");
		gate_close(g);
		return NULL;
	}
	/*
	 * x= is recorded, not enforced (dkim_gate.h): the library checks
	 * x= against now + clock drift, so the drift is made 10^9 s (31
	 * years).  Not more: its "t= in the future" test computes t - drift
	 * unsigned, which wraps for a drift above t (a century made every
	 * signature "in the future").  libopendkim 2.11 takes this option
	 * as a uint64_t (API-NOTES §2a).
	 */
	drift = 1000000000;
	if (dkim_options(g->lib, DKIM_OP_SETOPT, DKIM_OPTS_FLAGS, &flags,
	    sizeof flags) != DKIM_STAT_OK ||
	    dkim_options(g->lib, DKIM_OP_SETOPT, DKIM_OPTS_MINKEYBITS,
	    &minbits, sizeof minbits) != DKIM_STAT_OK ||
	    dkim_options(g->lib, DKIM_OP_SETOPT, DKIM_OPTS_CLOCKDRIFT, &drift,
	    sizeof drift) != DKIM_STAT_OK) {
		seterr(err, errlen, "libopendkim: options refused");
		gate_close(g);
		return NULL;
	}
	dkim_set_key_lookup(g->lib, gate_key_lookup);
	dkim_set_prescreen(g->lib, gate_prescreen);
	return g;
}

void
gate_close(struct gate *g)
{
	size_t	i;

	if (g == NULL)
		return;
	if (g->lib != NULL)
		dkim_close(g->lib);
	for (i = 0; i < g->nkeys; i++) {
		free(g->keys[i].name);
		free(g->keys[i].record);
	}
	free(g->keys);
	if (g->res_ready)
		res_nclose(&g->res);
	keycache_clear(&g->kc);
	free(g);
}

/* gate_keycache - see dkim_gate.h */
void
gate_keycache(const struct gate *g, size_t *hits, size_t *misses)
{
	*hits = g->kc.hits;
	*misses = g->kc.misses;
}

/* feed - the pad fields (dkim_guard.h), then msg, to the library with CRLF
 * line ends: a bare LF becomes CRLF, CRLF stays (libopendkim wants CRLF,
 * and its FIXCRLF guesses from the first line only: API-NOTES §2a) */
static DKIM_STAT
feed(DKIM *d, const unsigned char *msg, size_t len)
{
	unsigned char	 out[CHUNK + 2];
	size_t		 i, o = 0, pads = dkim_pad_count(msg, len);
	DKIM_STAT	 st;

	/* first the pad fields that keep the library inside its array
	 * (dkim_guard.h) */
	for (i = 0; i < pads; i++) {
		memcpy(out + o, DKIM_PAD_FIELD, sizeof DKIM_PAD_FIELD - 1);
		o += sizeof DKIM_PAD_FIELD - 1;
		if (o + sizeof DKIM_PAD_FIELD > CHUNK || i + 1 == pads) {
			if ((st = dkim_chunk(d, out, o)) != DKIM_STAT_OK)
				return st;
			o = 0;
		}
	}
	for (i = 0; i < len; i++) {
		if (msg[i] == '\n' && (i == 0 || msg[i - 1] != '\r'))
			out[o++] = '\r';
		out[o++] = msg[i];
		if (o >= CHUNK) {
			if ((st = dkim_chunk(d, out, o)) != DKIM_STAT_OK)
				return st;
			o = 0;
		}
	}
	if (o > 0 && (st = dkim_chunk(d, out, o)) != DKIM_STAT_OK)
		return st;
	return dkim_chunk(d, NULL, 0);
}

static int
stat_temporary(DKIM_STAT st)
{
	return st == DKIM_STAT_KEYFAIL || st == DKIM_STAT_CBTRYAGAIN ||
	    st == DKIM_STAT_NORESOURCE || st == DKIM_STAT_INTERNAL;
}

/*
 * judge - one signature against R50-R53.  Returns 0 when it proves the
 * report, else how near it came (1 unaligned .. 4 crypto good but a rule
 * of ours failed) with why.
 */
static int
judge(struct gate_msg *m, DKIM_SIGINFO *sig, const char **why,
    unsigned *flags)
{
	struct gate_sig	*gs = msg_sig(m, sig);
	unsigned int	 f = dkim_sig_getflags(sig);
	int		 bh = dkim_sig_getbh(sig), err = dkim_sig_geterror(sig);

	if (gs->ignored) {
		*why = gs->reason;
		return 1;
	}
	if (!(f & DKIM_SIGFLAG_PASSED) || bh != DKIM_SIGBH_MATCH) {
		if ((f & DKIM_SIGFLAG_PASSED) || bh == DKIM_SIGBH_MISMATCH)
			*why = "body hash mismatch";
		else if (err == DKIM_SIGERROR_KEYREVOKED)
			*why = "key revoked (empty p=)";
		else if (err == DKIM_SIGERROR_NOKEY)
			*why = m->g->use_file ? "no key in the keys file" :
			    "no key in DNS";
		else if (err != DKIM_SIGERROR_OK && err != DKIM_SIGERROR_UNKNOWN)
			*why = dkim_sig_geterrorstr(err);
		else
			*why = "signature did not verify";
		return bh == DKIM_SIGBH_MISMATCH ? 3 : 2;
	}
	/* R52: a signature over part of the body proves nothing of the rest */
	if (dkim_sig_gettagvalue(sig, 0, tag_l) != NULL) {
		*why = "l= (partial body) signatures do not count";
		return 4;
	}
	if (gs->testing || (f & DKIM_SIGFLAG_TESTKEY)) {
		*flags |= GATE_F_TESTING;
		*why = "the key is in testing mode (t=y)";
		return 4;
	}
	if (!gate_service_ok(gs->has_svc ? gs->svc : NULL,
	    m->g->require_tlsrpt)) {
		*why = m->g->require_tlsrpt ?
		    "the key's s= does not name tlsrpt" :
		    "the key's s= allows neither * nor tlsrpt";
		return 4;
	}
	return 0;
}

static void
copy_id(struct gate_result *res, DKIM_SIGINFO *sig)
{
	const char	*dom = (const char *)dkim_sig_getdomain(sig);
	const char	*sel = (const char *)dkim_sig_getselector(sig);

	text_printable(res->domain, sizeof res->domain, dom);
	text_printable(res->selector, sizeof res->selector, sel);
}

enum gate_outcome
gate_check(struct gate *g, const unsigned char *msg, size_t len,
    const char *const *align, size_t nalign, struct gate_result *res)
{
	struct gate_msg	 m;
	DKIM		*d;
	DKIM_SIGINFO   **sigs = NULL;
	DKIM_STAT	 st;
	const char	*why = NULL, *best_why = NULL;
	int		 nsigs = 0, i, rank, best = -1;
	size_t		 k, j;
	unsigned	 flags = 0;

	memset(res, 0, sizeof *res);
	memset(&m, 0, sizeof m);
	m.g = g;
	for (k = 0; k < nalign && m.nalign < ALIGN_MAX; k++) {
		if (align[k] == NULL || org_domain(align[k],
		    m.align[m.nalign], sizeof m.align[0]) == -1)
			continue;
		for (j = 0; j < m.nalign; j++)
			if (strcmp(m.align[j], m.align[m.nalign]) == 0)
				break;
		if (j == m.nalign)
			m.nalign++;
	}

	d = dkim_verify(g->lib, (const u_char *)"tlsrpt", NULL, &st);
	if (d == NULL) {
		res->outcome = GATE_TEMPFAIL;
		seterr(res->reason, sizeof res->reason, "libopendkim: "
		    "dkim_verify failed (status %d)", st);
		return res->outcome;
	}
	dkim_set_user_context(d, &m);
	keycache_enter(&g->kc);
	st = feed(d, msg, len);
	if (st == DKIM_STAT_OK)
		st = dkim_eom(d, NULL);
	keycache_leave();
	if (stat_temporary(st) || m.tempfail) {
		res->outcome = GATE_TEMPFAIL;
		if (m.tempfail)
			snprintf(res->reason, sizeof res->reason, "%s",
			    m.tempwhy);
		else
			seterr(res->reason, sizeof res->reason, "DKIM: %s",
			    dkim_geterror(d) ? dkim_geterror(d) :
			    "temporary failure");
		goto out;
	}
	res->outcome = GATE_UNPROVEN;
	if (dkim_getsiglist(d, &sigs, &nsigs) != DKIM_STAT_OK)
		nsigs = 0;
	res->nsigs = nsigs;
	res->lookups = m.lookups;
	for (i = 0; i < nsigs; i++) {
		rank = judge(&m, sigs[i], &why, &flags);
		if (rank == 0) {
			const char *x = (const char *)dkim_sig_gettagvalue(
			    sigs[i], 0, tag_x);

			res->outcome = GATE_PROVEN;
			copy_id(res, sigs[i]);
			org_domain((const char *)dkim_sig_getdomain(sigs[i]),
			    res->proof, sizeof res->proof);
			if (x != NULL && strtoull(x, NULL, 10) <
			    (unsigned long long)time(NULL))
				flags |= GATE_F_EXPIRED;
			res->flags = flags & ~(unsigned)GATE_F_TESTING;
			goto out;
		}
		if (rank > best) {
			best = rank;
			best_why = why;
			copy_id(res, sigs[i]);
		}
	}
	res->flags = flags;
	if (nsigs == 0)
		snprintf(res->reason, sizeof res->reason, "no DKIM signature");
	else
		snprintf(res->reason, sizeof res->reason, "d=%.80s s=%.60s: %s",
		    res->domain, res->selector, best_why);
out:
	dkim_free(d);
	free(m.sigs);
	return res->outcome;
}
