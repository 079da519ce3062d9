/*
 * test_dkim.c - the DKIM gate (ingest/dkim_gate.c) through real
 * libopendkim, on mails signed by an independent signer (Debian's
 * python3-dkim, tests/mail/dkim_sign.py), one case per rule of R50-R53;
 * then the real report mails of the corpus with their real keys.
 *
 * The keys are made here (OpenSSL) for each run: a keys file in
 * libopendkim's test format names the same public key under several
 * selectors whose records differ only in s=, t= or p=.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dkim_gate.h"
#include "dkim_guard.h"
#include "orgdomain.h"
#include "t.h"
#include "util.h"
#include "xmalloc.h"

#define PY	"/usr/bin/python3"

static char	dir[256];

/* a key pair: PEM (PKCS#1, what dkimpy reads) into path, p= into pub */
static int
make_key(const char *path, char *pub, size_t publen)
{
	EVP_PKEY		*pk = EVP_RSA_gen(2048);
	OSSL_ENCODER_CTX	*ec;
	unsigned char		*der = NULL, *pem = NULL;
	size_t			 pemlen = 0;
	int			 derlen, ok = 0;
	FILE			*fp;

	if (pk == NULL)
		return -1;
	ec = OSSL_ENCODER_CTX_new_for_pkey(pk, OSSL_KEYMGMT_SELECT_KEYPAIR,
	    "PEM", "type-specific", NULL);
	if (ec != NULL && OSSL_ENCODER_to_data(ec, &pem, &pemlen) == 1 &&
	    (fp = fopen(path, "wb")) != NULL) {
		ok = fwrite(pem, 1, pemlen, fp) == pemlen;
		ok = (fclose(fp) == 0) && ok;
	}
	OSSL_ENCODER_CTX_free(ec);
	OPENSSL_free(pem);
	derlen = i2d_PUBKEY(pk, &der);
	if (derlen > 0 && (size_t)(4 * ((derlen + 2) / 3)) < publen)
		EVP_EncodeBlock((unsigned char *)pub, der, derlen);
	else
		ok = 0;
	OPENSSL_free(der);
	EVP_PKEY_free(pk);
	return ok ? 0 : -1;
}

static void
write_file(const char *path, const char *s, size_t len)
{
	FILE	*fp = fopen(path, "wb");

	if (fp == NULL || fwrite(s, 1, len, fp) != len || fclose(fp) != 0) {
		printf("cannot write %s\n", path);
		exit(1);
	}
}

/* The mail: From example.net by default; "FROM" in the template is
 * replaced by from. */
static void
write_mail(const char *path, const char *from, const char *subject)
{
	char	buf[2048];
	int	n;

	n = snprintf(buf, sizeof buf,
	    "From: TLS reports <noreply@%s>\r\n"
	    "To: tlsrpt@reports.test\r\n"
	    "Subject: %s\r\n"
	    "Date: Tue, 01 Dec 2026 10:00:00 +0000\r\n"
	    "Message-ID: <m1@%s>\r\n"
	    "TLS-Report-Domain: ours.test\r\n"
	    "TLS-Report-Submitter: example.net\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain\r\n"
	    "\r\n"
	    "This is a report.\r\n"
	    "It has two lines.\r\n", from, subject, from);
	write_file(path, buf, (size_t)n);
}

enum mutate { M_NONE, M_BODY, M_HEADER };

struct dcase {
	const char	*name;
	const char	*from;		/* the From domain */
	/* up to two signatures, applied in order (the last is on top) */
	const char	*sign1;		/* "DOMAIN SELECTOR KEY [OPTS]" */
	const char	*sign2;
	enum mutate	 mutate;	/* after signing */
	const char	*align2;	/* a second domain to align with */
	int		 require;	/* dkim_require_tlsrpt_key */
	enum gate_outcome want;
	const char	*why;		/* substring of the reason; or the
					 * proof domain when PROVEN */
	unsigned	 flags;
};

static const struct dcase cases[] = {
	{ "key without s=", "example.net", "example.net plain k1", NULL,
	    M_NONE, NULL, 0, GATE_PROVEN, "example.net", 0 },
	{ "s=tlsrpt (the library alone refuses it)", "example.net",
	    "example.net tlsrpt k1", NULL, M_NONE, NULL, 0, GATE_PROVEN,
	    "example.net", 0 },
	{ "s=email:tlsrpt", "example.net", "example.net both k1", NULL,
	    M_NONE, NULL, 0, GATE_PROVEN, "example.net", 0 },
	{ "s=* explicit", "example.net", "example.net star k1", NULL,
	    M_NONE, NULL, 0, GATE_PROVEN, "example.net", 0 },
	{ "s=email only (the library alone accepts it)", "example.net",
	    "example.net email k1", NULL, M_NONE, NULL, 0, GATE_UNPROVEN,
	    "s= allows neither", 0 },
	{ "require_tlsrpt_key: s=tlsrpt", "example.net",
	    "example.net tlsrpt k1", NULL, M_NONE, NULL, 1, GATE_PROVEN,
	    "example.net", 0 },
	{ "require_tlsrpt_key: no s=", "example.net", "example.net plain k1",
	    NULL, M_NONE, NULL, 1, GATE_UNPROVEN, "does not name tlsrpt", 0 },
	{ "require_tlsrpt_key: s=*", "example.net", "example.net star k1",
	    NULL, M_NONE, NULL, 1, GATE_UNPROVEN, "does not name tlsrpt", 0 },
	{ "l= (R52)", "example.net", "example.net plain k1 l", NULL, M_NONE,
	    NULL, 0, GATE_UNPROVEN, "l= (partial body)", 0 },
	{ "body changed after signing", "example.net", "example.net plain k1",
	    NULL, M_BODY, NULL, 0, GATE_UNPROVEN, "body hash mismatch", 0 },
	{ "header changed after signing", "example.net",
	    "example.net plain k1", NULL, M_HEADER, NULL, 0, GATE_UNPROVEN,
	    "d=example.net s=plain: signature verification failed", 0 },
	{ "unsigned", "example.net", NULL, NULL, M_NONE, NULL, 0,
	    GATE_UNPROVEN, "no DKIM signature", 0 },
	{ "d= not aligned with From", "example.net", "evil.test plain k1",
	    NULL, M_NONE, NULL, 0, GATE_UNPROVEN, "not aligned", 0 },
	{ "d= a subdomain of From's registrable domain", "example.net",
	    "corp.example.net plain k1", NULL, M_NONE, NULL, 0, GATE_PROVEN,
	    "example.net", 0 },
	{ "From a subdomain, d= its registrable domain", "mail.example.net",
	    "example.net plain k1", NULL, M_NONE, NULL, 0, GATE_PROVEN,
	    "example.net", 0 },
	{ "d= aligned with a second domain (Submitter)", "mailer.test",
	    "example.net plain k1", NULL, M_NONE, "example.net", 0,
	    GATE_PROVEN, "example.net", 0 },
	{ "d= a public suffix", "example.net", "net plain k1", NULL, M_NONE,
	    NULL, 0, GATE_UNPROVEN, "not aligned", 0 },
	{ "t=y counts as unsigned", "example.net", "example.net testing k1",
	    NULL, M_NONE, NULL, 0, GATE_UNPROVEN, "testing mode",
	    GATE_F_TESTING },
	{ "revoked key (empty p=)", "example.net", "example.net revoked k1",
	    NULL, M_NONE, NULL, 0, GATE_UNPROVEN, "revoked", 0 },
	{ "no key", "example.net", "example.net nokey k1", NULL, M_NONE,
	    NULL, 0, GATE_UNPROVEN, "no key in the keys file", 0 },
	{ "wrong key", "example.net", "example.net plain k2", NULL, M_NONE,
	    NULL, 0, GATE_UNPROVEN,
	    "d=example.net s=plain: signature verification failed", 0 },
	{ "two signatures: a bad one on top of a good one", "example.net",
	    "example.net plain k1", "example.net plain k2", M_NONE, NULL, 0,
	    GATE_PROVEN, "example.net", 0 },
	{ "two signatures: a good one on top of a bad one", "example.net",
	    "example.net plain k2", "example.net plain k1", M_NONE, NULL, 0,
	    GATE_PROVEN, "example.net", 0 },
	{ "two signatures: an ESP's good one, ours s=email", "example.net",
	    "example.net email k1", "esp.test plain k1", M_NONE, NULL, 0,
	    GATE_UNPROVEN, "s= allows neither", 0 },
	{ "expired x= is recorded, not enforced", "example.net",
	    "example.net plain k1 expired", NULL, M_NONE, NULL, 0,
	    GATE_PROVEN, "example.net", GATE_F_EXPIRED },
	{ "LF line ends", "example.net", "example.net plain k1 lf", NULL,
	    M_NONE, NULL, 0, GATE_PROVEN, "example.net", 0 },
	{ "LF line ends, body changed", "example.net",
	    "example.net plain k1 lf", NULL, M_BODY, NULL, 0, GATE_UNPROVEN,
	    "body hash mismatch", 0 },
	/* after many k1 decodings: a key of the same length, other bytes,
	 * must not be answered from the key cache (dkim_keycache.c) */
	{ "another key of the same size after the cached one", "example.net",
	    "example.net other k2", NULL, M_NONE, NULL, 0, GATE_PROVEN,
	    "example.net", 0 },
	{ "the first key again, after the other", "example.net",
	    "example.net plain k1", NULL, M_NONE, NULL, 0, GATE_PROVEN,
	    "example.net", 0 },
};
#define NCASES	(sizeof cases / sizeof cases[0])

/* sign_job - one dkim_sign.py job line: IN OUT KEY DOMAIN SELECTOR OPTS */
static void
sign_job(FILE *jobs, const char *in, const char *out, const char *spec)
{
	char	dom[64], sel[64], key[16], opts[32] = "";

	if (sscanf(spec, "%63s %63s %15s %31s", dom, sel, key, opts) < 3) {
		printf("bad spec %s\n", spec);
		exit(1);
	}
	fprintf(jobs, "%s %s %s/%s.pem %s %s %s\n", in, out, dir, key, dom,
	    sel, opts);
}

/* not inlined: GCC 12 then mistakes m for a dangling local */
static __attribute__((noinline)) unsigned char *
slurp(const char *path, size_t *len)
{
	unsigned char	*m;
	char		 err[ERRLEN];

	if (read_file(path, 1 << 24, &m, len, err, sizeof err) != 0) {
		printf("%s\n", err);
		exit(1);
	}
	return m;
}

static void
mutate(const char *path, enum mutate how)
{
	size_t		 len;
	unsigned char	*m = slurp(path, &len);
	char		*p;
	FILE		*fp;

	if (how == M_BODY) {
		if ((fp = fopen(path, "ab")) == NULL)
			exit(1);
		fputs("A line added on the way.\r\n", fp);
		fclose(fp);
	} else if (how == M_HEADER) {
		p = strstr((char *)m, "Subject: ");
		if (p != NULL) {
			p[9] = 'X';	/* the Subject's first letter */
			write_file(path, (char *)m, len);
		}
	}
	free(m);
}

static void
run_cases(void)
{
	char		 path[512], in[512], out[512], cmd[1024], err[ERRLEN];
	char		 pub1[1024], pub2[1024];
	struct gate	*g[2];
	FILE		*jobs, *keys;
	size_t		 i;

	snprintf(path, sizeof path, "%s/k1.pem", dir);
	if (make_key(path, pub1, sizeof pub1) != 0)
		exit(1);
	snprintf(path, sizeof path, "%s/k2.pem", dir);
	if (make_key(path, pub2, sizeof pub2) != 0)
		exit(1);

	/* the same public key under selectors whose records differ */
	snprintf(path, sizeof path, "%s/keys.txt", dir);
	if ((keys = fopen(path, "w")) == NULL)
		exit(1);
	fprintf(keys,
	    "# test keys\n\n"
	    "plain._domainkey.example.net v=DKIM1; k=rsa; p=%s\n"
	    "TLSRPT._domainkey.Example.NET v=DKIM1; k=rsa; s=tlsrpt; p=%s\n"
	    "both._domainkey.example.net v=DKIM1; k=rsa; s = email : tlsrpt ; "
	    "p=%s\n"
	    "email._domainkey.example.net v=DKIM1; k=rsa; s=email; p=%s\n"
	    "star._domainkey.example.net v=DKIM1; k=rsa; s=*; p=%s\n"
	    "testing._domainkey.example.net v=DKIM1; k=rsa; t=y; p=%s\n"
	    "revoked._domainkey.example.net v=DKIM1; k=rsa; p=\n"
	    "plain._domainkey.corp.example.net v=DKIM1; k=rsa; p=%s\n"
	    "plain._domainkey.evil.test v=DKIM1; k=rsa; p=%s\n"
	    "plain._domainkey.esp.test v=DKIM1; k=rsa; p=%s\n"
	    "plain._domainkey.net v=DKIM1; k=rsa; p=%s\n"
	    "other._domainkey.example.net v=DKIM1; k=rsa; p=%s\n",
	    pub1, pub1, pub1, pub1, pub1, pub1, pub1, pub1, pub1, pub1, pub2);
	fclose(keys);

	/* every case's mail, then one signer run for all */
	snprintf(path, sizeof path, "%s/jobs", dir);
	if ((jobs = fopen(path, "w")) == NULL)
		exit(1);
	for (i = 0; i < NCASES; i++) {
		snprintf(in, sizeof in, "%s/c%zu.in", dir, i);
		snprintf(out, sizeof out, "%s/c%zu.eml", dir, i);
		write_mail(cases[i].sign1 ? in : out, cases[i].from,
		    "Report Domain: ours.test Submitter: example.net");
		if (cases[i].sign1)
			sign_job(jobs, in, out, cases[i].sign1);
		if (cases[i].sign2)
			sign_job(jobs, out, out, cases[i].sign2);
	}
	fclose(jobs);
	snprintf(cmd, sizeof cmd, PY " tests/mail/dkim_sign.py < %s/jobs",
	    dir);
	if (!t_ok("dkim_sign.py signs every case", system(cmd) == 0, cmd))
		return;

	for (i = 0; i < 2; i++) {
		struct gate_conf gc = { 0 };

		snprintf(path, sizeof path, "%s/keys.txt", dir);
		gc.keys_file = path;
		gc.require_tlsrpt_key = (int)i;
		g[i] = gate_open(&gc, err, sizeof err);
		if (!t_ok("gate_open", g[i] != NULL, err))
			return;
	}
	for (i = 0; i < NCASES; i++) {
		const struct dcase *c = &cases[i];
		const char	*align[2] = { c->from, c->align2 };
		struct gate_result r;
		unsigned char	*m;
		size_t		 len;

		snprintf(out, sizeof out, "%s/c%zu.eml", dir, i);
		mutate(out, c->mutate);
		m = slurp(out, &len);
		gate_check(g[c->require], m, len, align, 2, &r);
		free(m);
		t_int(c->name, r.outcome, c->want);
		if (c->want == GATE_PROVEN)
			t_str(c->name, r.proof, c->why);
		else if (!t_ok(c->name, strstr(r.reason, c->why) != NULL,
		    "reason"))
			printf("  reason: %s\n", r.reason);
		t_int(c->name, r.flags, c->flags);
	}
	/* libopendkim's key decodings went through the gate's cache: two
	 * distinct keys (k1's and k2's) decoded once each, every other
	 * verification answered from the cache */
	{
		size_t	hits, misses;

		gate_keycache(g[0], &hits, &misses);
		t_int("key cache: two keys decoded", (long long)misses, 2);
		t_ok("key cache: the other verifications hit", hits >= 15,
		    "hits");
	}
	gate_close(g[0]);
	gate_close(g[1]);
}

/* a message with many signatures: only aligned ones cost a lookup, and
 * past max_signatures aligned ones are not judged */
static void
run_many(void)
{
	char		 path[512], in[512], out[512], cmd[1024], err[ERRLEN];
	char		 keys[512];
	struct gate_conf gc = { 0 };
	struct gate	*g;
	struct gate_result r;
	const char	*align[1] = { "example.net" };
	unsigned char	*m;
	size_t		 len;
	FILE		*jobs;
	int		 i;

	snprintf(path, sizeof path, "%s/jobs2", dir);
	snprintf(in, sizeof in, "%s/many.in", dir);
	snprintf(out, sizeof out, "%s/many.eml", dir);
	write_mail(in, "example.net", "many signatures");
	if ((jobs = fopen(path, "w")) == NULL)
		exit(1);
	sign_job(jobs, in, out, "example.net plain k1");
	for (i = 0; i < 20; i++)
		sign_job(jobs, out, out, "evil.test plain k1");
	fclose(jobs);
	snprintf(cmd, sizeof cmd, PY " tests/mail/dkim_sign.py < %s", path);
	if (!t_ok("dkim_sign.py", system(cmd) == 0, cmd))
		return;
	snprintf(keys, sizeof keys, "%s/keys.txt", dir);
	gc.keys_file = keys;
	m = slurp(out, &len);

	g = gate_open(&gc, err, sizeof err);
	gate_check(g, m, len, align, 1, &r);
	t_int("20 unaligned signatures on a good one", r.outcome, GATE_PROVEN);
	t_int("20 unaligned signatures: all seen", r.nsigs, 21);
	t_int("20 unaligned signatures: one key fetched", r.lookups, 1);
	gate_close(g);

	/* the aligned good one is the 21st: beyond a cap of 0 aligned? no:
	 * the cap counts aligned signatures only, so a cap of 1 still
	 * reaches it */
	gc.max_signatures = 1;
	g = gate_open(&gc, err, sizeof err);
	gate_check(g, m, len, align, 1, &r);
	t_int("cap 1: the one aligned signature is judged", r.outcome,
	    GATE_PROVEN);
	free(m);

	/* two aligned bad signatures on top: with a cap of 2 the good one
	 * (the third aligned) is never judged */
	snprintf(path, sizeof path, "%s/jobs3", dir);
	if ((jobs = fopen(path, "w")) == NULL)
		exit(1);
	sign_job(jobs, out, out, "example.net plain k2");
	sign_job(jobs, out, out, "example.net plain k2");
	fclose(jobs);
	snprintf(cmd, sizeof cmd, PY " tests/mail/dkim_sign.py < %s", path);
	if (!t_ok("dkim_sign.py", system(cmd) == 0, cmd))
		return;
	m = slurp(out, &len);
	gate_close(g);
	gc.max_signatures = 2;
	g = gate_open(&gc, err, sizeof err);
	gate_check(g, m, len, align, 1, &r);
	t_int("cap 2: the third aligned signature is not judged", r.outcome,
	    GATE_UNPROVEN);
	t_ok("cap 2: the reason is the two bad ones'", strstr(r.reason,
	    "signature verification failed") != NULL, r.reason);
	gate_close(g);
	gc.max_signatures = 3;
	g = gate_open(&gc, err, sizeof err);
	gate_check(g, m, len, align, 1, &r);
	t_int("cap 3: it is", r.outcome, GATE_PROVEN);
	gate_close(g);
	free(m);
}

/* qp - dkim_qp_decode on a writable copy of s (its prototype takes
 * u_char *) */
static int
qp(const char *s, char *out, int outlen)
{
	unsigned char	in[64];

	snprintf((char *)in, sizeof in, "%s", s);
	return dkim_qp_decode(in, (unsigned char *)out, outlen);
}

/*
 * libopendkim 2.11's memory errors (dkim_guard.h), each reached by a
 * sender's DKIM-Signature before any key lookup.  Each mail must end in
 * a plain verdict; the heap write (1.) is seen by the valgrind pass of
 * "make test" ("Invalid write of size 8" in dkim_canon_selecthdrs) as
 * soon as the pad fields stop covering it, the read errors by the
 * decoder's own cases below.
 */
static void
run_hostile(void)
{
	static const char over[] =
	    "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;\r\n"
	    " d=example.net; s=plain; h=from:dkim-signature:to:subject:from;\r\n"
	    " bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=AAAA\r\n"
	    "From: a@example.net\r\n"
	    "To: b@x.test\r\n"
	    "Subject: every field signed, and one name more\r\n"
	    "\r\n"
	    "body\r\n";
	static const char cut[] =
	    "DKIM-Signature: v=1; a=rsa-sha256; d=example.net; s=plain;\r\n"
	    " i=@example.net=4; h=from; bh=AAAA; b=AAAA\r\n"
	    "From: a@example.net\r\n"
	    "\r\n"
	    "body\r\n";
	static const char unsigned_[] =
	    "From: a@b.test\r\nTo: c@d.test\r\n\r\n"
	    "DKIM-Signature: in the body, not a field\r\n";
	static const char *const align[1] = { "example.net" };
	struct gate_conf gc = { 0 };
	struct gate	*g;
	struct gate_result r;
	char		 keys[512], err[ERRLEN], mail[1024], out[8];
	char		 path[600], name[700];
	void		*bound = dlsym(RTLD_DEFAULT, "dkim_qp_decode");
	DIR		*dp;
	struct dirent	*de;
	int		 n, nregress = 0;

	snprintf(keys, sizeof keys, "%s/keys.txt", dir);
	gc.keys_file = keys;
	if ((g = gate_open(&gc, err, sizeof err)) == NULL) {
		t_ok("gate_open", 0, err);
		return;
	}
	t_ok("pads: at least the 5 names of h=",
	    dkim_pad_count((const unsigned char *)over, sizeof over - 1) >= 5,
	    "too few");
	t_int("pads: none for an unsigned mail", dkim_pad_count(
	    (const unsigned char *)unsigned_, sizeof unsigned_ - 1), 0);
	gate_check(g, (const unsigned char *)over, sizeof over - 1, align, 1,
	    &r);
	t_int("h= names more fields than the mail has: unproven", r.outcome,
	    GATE_UNPROVEN);
	t_ok("... with a reason", r.reason[0] != '\0', "empty");
	gate_check(g, (const unsigned char *)cut, sizeof cut - 1, align, 1,
	    &r);
	t_int("i= ends inside an escape: unproven", r.outcome, GATE_UNPROVEN);
	n = snprintf(mail, sizeof mail, "DKIM-Signature: v=1; a=rsa-sha256; "
	    "d=example.net; s=plain; h=from; bh=AAAA; b=AAAA;\r\n i=%0300d"
	    "@example.net\r\nFrom: a@example.net\r\n\r\nbody\r\n", 0);
	gate_check(g, (const unsigned char *)mail, (size_t)n, align, 1, &r);
	t_int("i= of 312 bytes: unproven", r.outcome, GATE_UNPROVEN);
	/* the fuzzer's inputs for these (fuzz/regress/dkim/): here too, so
	 * that the valgrind pass sees them go through the real library */
	if ((dp = opendir("fuzz/regress/dkim")) != NULL) {
		while ((de = readdir(dp)) != NULL) {
			unsigned char	*m;
			size_t		 len;

			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof path, "fuzz/regress/dkim/%s",
			    de->d_name);
			m = slurp(path, &len);
			gate_check(g, m, len, align, 1, &r);
			snprintf(name, sizeof name, "%s: unproven", path);
			t_ok(name, r.outcome == GATE_UNPROVEN, r.reason);
			free(m);
			nregress++;
		}
		closedir(dp);
	}
	t_ok("fuzz/regress/dkim/ has inputs", nregress >= 3, "fewer than 3");
	gate_close(g);

	/* the decoder libopendkim calls is ours */
	t_ok("libopendkim's dkim_qp_decode binds to the guard",
	    bound != NULL && bound == (void *)dkim_qp_decode, "not ours");
	t_int("qp: a=41b", qp("a=41b", out, sizeof out), 3);
	t_ok("qp: a=41b decoded", memcmp(out, "aAb", 3) == 0, "not aAb");
	t_int("qp: ends in =", qp("ab=", out, sizeof out), -1);
	t_int("qp: ends in =4", qp("ab=4", out, sizeof out), -1);
	t_ok("qp: a soft line break at the end is no error",
	    qp("ab=\r\n", out, sizeof out) >= 0, "-1");
	memset(out, 'X', sizeof out);
	t_int("qp: 6 bytes into room for 3: counted", qp("abcdef", out, 3), 6);
	t_ok("qp: ... and not one byte written past the 3", out[3] == 'X' &&
	    memcmp(out, "abc", 3) == 0, "written past");
}

/* the corpus: real mails with their real keys (SOURCES.md) */
static void
run_corpus(void)
{
	static const struct {
		const char *file, *from;
		enum gate_outcome want;
		const char *why;
	} real[] = {
		{ "deltachat__deltachat-core-rust/tlsrpt.eml", "google.com",
		    GATE_PROVEN, "google.com" },
		{ "kravietz__tlsrpt-rs/google1.eml", "google.com",
		    GATE_PROVEN, "google.com" },
		{ "kravietz__tlsrpt-rs/google2.eml", "google.com",
		    GATE_PROVEN, "google.com" },
		{ "marcbradshaw__mail-tls-rpt/email.eml", "google.com",
		    GATE_PROVEN, "google.com" },
		{ "kravietz__tlsrpt-rs/mail.ru.eml", "corp.mail.ru",
		    GATE_PROVEN, "mail.ru" },
		{ "domainaware__parsedmarc/google.com_smtp_tls_report.eml",
		    "google.com", GATE_UNPROVEN, "body hash mismatch" },
		{ "kravietz__tlsrpt-rs/empty.eml", "example.org",
		    GATE_UNPROVEN, "no DKIM signature" },
	};
	const char	*corpus = getenv("TLSRPT_CORPUS");
	char		 path[1024], err[ERRLEN];
	struct gate_conf gc = { 0 };
	struct gate	*g;
	size_t		 i;

	if (!t_ok("TLSRPT_CORPUS", corpus != NULL, NULL))
		return;
	snprintf(path, sizeof path, "%s/dkim-keys.txt", corpus);
	gc.keys_file = path;
	if (!t_ok("gate_open corpus keys", (g = gate_open(&gc, err,
	    sizeof err)) != NULL, err))
		return;
	for (i = 0; i < sizeof real / sizeof real[0]; i++) {
		const char	*align[1] = { real[i].from };
		struct gate_result r;
		unsigned char	*m;
		size_t		 len;

		snprintf(path, sizeof path, "%s/%s", corpus, real[i].file);
		m = slurp(path, &len);
		gate_check(g, m, len, align, 1, &r);
		free(m);
		t_int(real[i].file, r.outcome, real[i].want);
		if (real[i].want == GATE_PROVEN) {
			t_str(real[i].file, r.proof, real[i].why);
			/* their x= passed long ago */
			t_int(real[i].file, (r.flags & GATE_F_EXPIRED) != 0,
			    strstr(real[i].file, "marcbradshaw") == NULL);
		} else if (!t_ok(real[i].file, strstr(r.reason, real[i].why)
		    != NULL, "reason"))
			printf("  reason: %s\n", r.reason);
	}
	gate_close(g);
}

static void
run_tables(void)
{
	static const struct { const char *s; int req, want; } svc[] = {
		{ NULL, 0, 1 }, { NULL, 1, 0 }, { "*", 0, 1 }, { "*", 1, 0 },
		{ "tlsrpt", 0, 1 }, { "TLSRPT", 1, 1 }, { "email", 0, 0 },
		{ "email:tlsrpt", 1, 1 }, { " email : * ", 0, 1 },
		{ "email:tlsrptx", 0, 0 }, { "", 0, 0 }, { "**", 0, 0 },
	};
	static const struct { const char *in, *want; } org[] = {
		{ "corp.mail.ru", "mail.ru" }, { "Google.COM.", "google.com" },
		{ "a.b.example.co.uk", "example.co.uk" }, { "co.uk", NULL },
		{ "com", NULL }, { "bad..name", NULL }, { "", NULL },
	};
	static const struct { const char *in, *want; } addr[] = {
		{ "TLS <noreply-smtp-tls-reporting@Google.com>", "google.com" },
		{ "a@b.example.net", "b.example.net" },
		{ "mailto:reports@mail.ru", "mail.ru" },
		{ "https://tlsrpt.example.org/path?q", "tlsrpt.example.org" },
		{ "smtp-tls-reporting@corp.mail.ru", "corp.mail.ru" },
		{ "no address here", NULL }, { "x@", NULL },
		{ "\"a<b\" <user@x.example>", "x.example" },
	};
	char	buf[256], name[300];
	size_t	i;

	for (i = 0; i < sizeof svc / sizeof svc[0]; i++) {
		snprintf(name, sizeof name, "service_ok(%s, %d)",
		    svc[i].s ? svc[i].s : "absent", svc[i].req);
		t_int(name, gate_service_ok(svc[i].s, svc[i].req), svc[i].want);
	}
	for (i = 0; i < sizeof org / sizeof org[0]; i++) {
		snprintf(name, sizeof name, "org_domain(%s)", org[i].in);
		t_str(name, org_domain(org[i].in, buf, sizeof buf) == 0 ? buf :
		    NULL, org[i].want);
	}
	for (i = 0; i < sizeof addr / sizeof addr[0]; i++) {
		snprintf(name, sizeof name, "addr_domain(%s)", addr[i].in);
		t_str(name, addr_domain(addr[i].in, buf, sizeof buf) == 0 ?
		    buf : NULL, addr[i].want);
	}
}

int
main(void)
{
	char	cmd[300];

	snprintf(dir, sizeof dir, "/tmp/test_dkim.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 1;
	run_tables();
	run_cases();
	run_many();
	run_hostile();
	run_corpus();
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		printf("cannot remove %s\n", dir);
	return t_done();
}
