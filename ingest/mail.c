/*
 * mail.c - one mailed report: MIME walk, decode, DKIM gate (see mail.h)
 *
 * DESCRIPTION
 *	The order matters: the report is decoded before the gate runs,
 *	because its contact-info is one of the domains a signature may
 *	align with (R51).  The gate runs on every message that may be kept,
 *	so a quarantined one records why it was not proven.
 *
 *	Arrival flags record what the mail said against the report (R47:
 *	hints, never the identity): TLS-Report-Domain that names none of
 *	the report's domains, TLS-Report-Submitter other than the
 *	contact-info's domain (Mail.ru: mail.ru against corp.mail.ru), a
 *	Subject Report-ID other than the report-id (Google's always is:
 *	dots and "+domain@google.com"), and what the MIME walk worked
 *	around.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <zlib.h>

#include "buf.h"
#include "conf.h"
#include "escape.h"
#include "log.h"
#include "mail.h"
#include "orgdomain.h"
#include "report.h"
#include "util.h"
#include "xmalloc.h"

int
mail_env_open(struct mail_env *env, const struct conf *conf, char *err,
    size_t errlen)
{
	struct gate_conf	 gc;

	memset(env, 0, sizeof *env);
	env->conf = conf;
	mime_limits_default(&env->lim);
	env->lim.max_message = conf->max_mail_bytes;
	env->lim.max_decoded = conf->max_body_bytes > conf->max_report_bytes ?
	    conf->max_body_bytes : conf->max_report_bytes;
	if (strcmp(conf->dkim, "off") == 0)
		return 0;
	memset(&gc, 0, sizeof gc);
	gc.keys_file = conf->dkim_keys_file;
	gc.nameserver = conf->dkim_nameserver;
	gc.require_tlsrpt_key = strcmp(conf->dkim_require_tlsrpt_key,
	    "yes") == 0;
	if ((env->gate = gate_open(&gc, err, errlen)) == NULL)
		return -1;
	return 0;
}

void
mail_env_close(struct mail_env *env)
{
	gate_close(env->gate);
	env->gate = NULL;
}

void
mail_clear(struct mail *m)
{
	intake_item_clear(&m->item);
	m->mm = mime_free(m->mm);
	free(m->gz);
	m->gz = NULL;
	m->nflags = 0;
}

static void
flag(struct mail *m, const char *name)
{
	if (m->nflags < MAIL_MAX_FLAGS)
		m->flags[m->nflags++] = name;
}

/* gzip - the whole message compressed, as kept beside its report */
static unsigned char *
gzip(const unsigned char *in, size_t len, size_t *outlen)
{
	z_stream	 z;
	unsigned char	*out;
	size_t		 cap;

	memset(&z, 0, sizeof z);
	/* the fastest level: the message is an archive copy, and level 6
	 * cost three times as much for a tenth less */
	if (deflateInit2(&z, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		fatalx("deflateInit2 failed");
	cap = deflateBound(&z, (uLong)len) + 32;
	out = xmalloc(cap);
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END)
		fatalx("deflate failed");
	*outlen = cap - z.avail_out;
	deflateEnd(&z);
	return out;
}

/*
 * looks_like_report - the mail says it is a TLS report although no part
 * decoded as one: it is kept (R50), not dropped as other mail.  What only
 * TLS reports carry counts: a TLS-Report-Domain or TLS-Report-Submitter
 * header, a multipart/report with report-type=tlsrpt.  The Subject does
 * not: DMARC aggregate reports use the same "Report Domain: ... Report-ID:"
 * form (RFC 7489 7.2.1.1), and a report address shared with rua= of DMARC
 * would fill the quarantine with them.
 */
static int
looks_like_report(const struct mime_message *mm)
{
	return mm->report_domain != NULL || mm->report_submitter != NULL ||
	    !(mm->flags & (MIME_F_NOT_REPORT | MIME_F_REPORT_TYPE));
}

/* quarantine - the whole message to the quarantine, with why */
static void
quarantine(struct mail *m, const char *why)
{
	intake_item_clear(&m->item);
	m->item.raw = m->msg;
	m->item.rawlen = m->len;
	m->item.verdict = INTAKE_REJECTED;
	snprintf(m->item.reason, sizeof m->item.reason, "%s", why);
	m->kind = MAIL_REPORT;
}

/* pick - decode the best candidate (mail.h); 0 with item decoded, or -1
 * with why (malformed: set when a declared candidate failed) */
static int
pick(struct mail_env *env, struct mail *m, int *malformed, char *why,
    size_t whylen)
{
	const struct mime_candidate	*c;
	size_t				 i;

	*malformed = 0;
	why[0] = '\0';
	for (i = 0; i < m->mm->n_cand; i++) {
		c = &m->mm->cand[i];
		intake_item_clear(&m->item);
		m->item.raw = c->data;
		m->item.rawlen = c->len;
		m->item.hint = m->mm->report_domain;
		intake_decode(env->conf, &m->item);
		if (m->item.report != NULL)
			return 0;
		if (c->rank != MIME_RANK_SNIFF) {
			/* declared a report: the first at the best rank
			 * wins, and it is broken */
			*malformed = 1;
			snprintf(why, whylen, "malformed report (%.40s%s%s): %.180s",
			    c->media_type ? c->media_type : "",
			    c->media_type && c->filename ? ", " : "",
			    c->filename ? "file name" : "", m->item.reason);
			return -1;
		}
		if (why[0] == '\0')
			snprintf(why, whylen, "no report part (%.200s)",
			    m->item.reason);
	}
	if (why[0] == '\0')
		snprintf(why, whylen, "no report part");
	return -1;
}

/* subject_report_id - the Subject's "Report-ID: <id>" (R47), angle
 * brackets dropped, into out; NULL when there is none */
static const char *
subject_report_id(const char *subject, char *out, size_t outlen)
{
	const char	*p, *e;

	if (subject == NULL || (p = strcasestr(subject, "Report-ID:")) == NULL)
		return NULL;
	for (p += 10; *p == ' ' || *p == '\t'; p++)
		;
	if (*p == '<') {
		p++;
		e = strchr(p, '>');
	} else
		e = p + strcspn(p, " \t");
	if (e == NULL || e == p || (size_t)(e - p) >= outlen)
		return NULL;
	memcpy(out, p, (size_t)(e - p));
	out[e - p] = '\0';
	return out;
}

/* header_flags - what the headers say against the decoded report */
static void
header_flags(struct mail *m)
{
	const struct report	*r = m->item.report;
	const struct mime_message *mm = m->mm;
	char			 d[GATE_DOMAIN_LEN], c[GATE_DOMAIN_LEN];
	char			 id[512];
	size_t			 i, len;
	int			 named = 0;

	if (mm->report_domain == NULL)
		flag(m, "header-report-domain-absent");
	else {
		len = strlen(mm->report_domain);
		if (len < sizeof d) {
			memcpy(d, mm->report_domain, len + 1);
			domain_normalise(d);
			named = r->home_domain != NULL &&
			    strcmp(r->home_domain, d) == 0;
			for (i = 0; !named && i < r->n_policies; i++)
				named = r->policies[i].domain != NULL &&
				    strcmp(r->policies[i].domain, d) == 0;
		}
		if (!named)
			flag(m, "header-report-domain-differs");
	}
	if (mm->report_submitter == NULL)
		flag(m, "header-submitter-absent");
	else {
		len = strlen(mm->report_submitter);
		if (len >= sizeof d || addr_domain(r->contact_info, c,
		    sizeof c) == -1)
			flag(m, "header-submitter-differs");
		else {
			memcpy(d, mm->report_submitter, len + 1);
			domain_normalise(d);
			if (strcmp(c, d) != 0)
				flag(m, "header-submitter-differs");
		}
	}
	if (subject_report_id(mm->subject, id, sizeof id) == NULL)
		flag(m, "subject-report-id-absent");
	else if (strcmp(id, r->report_id) != 0)
		flag(m, "subject-report-id-differs");
	if (mm->flags & MIME_F_SEVERAL)
		flag(m, "mail-several-reports");
	if (mm->flags & MIME_F_NO_CLOSE)
		flag(m, "mime-no-close-delimiter");
	if (mm->flags & (MIME_F_NOT_REPORT | MIME_F_REPORT_TYPE))
		flag(m, "mime-not-multipart-report");
}

/* strip_comments - RFC 5322 comments "(...)", nested, removed in place */
static void
strip_comments(char *s)
{
	char	*w = s;
	int	 depth = 0;

	for (; *s; s++) {
		if (*s == '\\' && depth > 0 && s[1] != '\0')
			s++;
		else if (*s == '(')
			depth++;
		else if (*s == ')' && depth > 0)
			depth--;
		else if (depth == 0)
			*w++ = *s;
	}
	*w = '\0';
}

/* authres_one - one Authentication-Results value: when its authserv-id is
 * ours and it says dkim=pass for an aligned header.d (or header.i), fill
 * res and return 1 */
static int
authres_one(char *v, const char *ours, const char *const *align,
    size_t nalign, struct gate_result *res)
{
	char	*info, *tok, *save, *d, *sel;
	size_t	 n;

	strip_comments(v);
	v += strspn(v, " \t");
	n = strcspn(v, "; \t");
	if (n != strlen(ours) || strncasecmp(v, ours, n) != 0)
		return 0;
	for (info = strtok_r(v + n, ";", &save); info != NULL;
	    info = strtok_r(NULL, ";", &save)) {
		char	*s2;
		int	 pass = 0;

		d = sel = NULL;
		for (tok = strtok_r(info, " \t", &s2); tok != NULL;
		    tok = strtok_r(NULL, " \t", &s2)) {
			if (strcasecmp(tok, "dkim=pass") == 0)
				pass = 1;
			else if (strncasecmp(tok, "header.d=", 9) == 0)
				d = tok + 9;
			else if (strncasecmp(tok, "header.i=", 9) == 0 &&
			    d == NULL)
				d = strchr(tok, '@') ? strchr(tok, '@') + 1 :
				    tok + 9;
			else if (strncasecmp(tok, "header.s=", 9) == 0)
				sel = tok + 9;
		}
		if (pass && d != NULL && gate_align(d, align, nalign,
		    res->proof, sizeof res->proof)) {
			text_printable(res->domain, sizeof res->domain, d);
			text_printable(res->selector, sizeof res->selector,
			    sel);
			return 1;
		}
	}
	return 0;
}

/*
 * authres - trust_authres: a dkim=pass our own MTA recorded (RFC 8601)
 * in an Authentication-Results field of the top-level header, with our
 * authserv-id.  Only safe when that MTA removes such fields with its id
 * from incoming mail (RFC 8601 section 5), as Postfix with OpenDKIM or
 * OpenARC does.  1 with res filled when found.
 */
static int
authres(const unsigned char *msg, size_t len, const char *ours,
    const char *const *align, size_t nalign, struct gate_result *res)
{
	const unsigned char	*p = msg, *end = msg + len, *e;
	struct buf		 field = BUF_INIT;
	int			 found = 0;

	if (len > 256 * 1024)
		end = msg + 256 * 1024;	/* the header is at the start */
	while (p < end && !found) {
		e = memchr(p, '\n', (size_t)(end - p));
		if (e == NULL)
			e = end;
		/* a field and its continuation lines, unfolded */
		buf_reset(&field);
		buf_append(&field, p, (size_t)(e - p));
		p = e + (e < end);
		while (p < end && (*p == ' ' || *p == '\t')) {
			e = memchr(p, '\n', (size_t)(end - p));
			if (e == NULL)
				e = end;
			buf_append(&field, p, (size_t)(e - p));
			p = e + (e < end);
		}
		if (field.len == 0 || (field.len == 1 &&
		    field.data[0] == '\r'))
			break;			/* end of the header */
		for (size_t i = 0; i < field.len; i++)
			if (field.data[i] == '\r' || field.data[i] == '\0')
				field.data[i] = ' ';
		if (field.len > 23 && strncasecmp((char *)field.data,
		    "Authentication-Results:", 23) == 0)
			found = authres_one((char *)field.data + 23, ours,
			    align, nalign, res);
	}
	buf_free(&field);
	return found;
}

/* run_gate - the DKIM gate over the whole message; the domains a
 * signature may align with: From, TLS-Report-Submitter, contact-info */
static void
run_gate(struct mail_env *env, struct mail *m)
{
	char		 from[GATE_DOMAIN_LEN], contact[GATE_DOMAIN_LEN];
	const char	*align[3];

	align[0] = addr_domain(m->mm->from, from, sizeof from) == 0 ? from :
	    NULL;
	align[1] = m->mm->report_submitter;
	align[2] = m->item.report != NULL && addr_domain(
	    m->item.report->contact_info, contact, sizeof contact) == 0 ?
	    contact : NULL;
	gate_check(env->gate, m->msg, m->len, align, 3, &m->gate);
	if (m->gate.outcome == GATE_UNPROVEN &&
	    env->conf->trust_authres != NULL) {
		struct gate_result ar;

		memset(&ar, 0, sizeof ar);
		if (authres(m->msg, m->len, env->conf->trust_authres, align, 3,
		    &ar)) {
			ar.outcome = GATE_PROVEN;
			ar.nsigs = m->gate.nsigs;
			m->gate = ar;
			snprintf(m->dkim, sizeof m->dkim, "pass d=%.80s "
			    "s=%.50s (Authentication-Results of %.50s)",
			    ar.domain, ar.selector, env->conf->trust_authres);
			flag(m, "dkim-authres");
			m->by_authres = 1;
			return;
		}
	}
	switch (m->gate.outcome) {
	case GATE_PROVEN:
		snprintf(m->dkim, sizeof m->dkim, "pass d=%.120s s=%.100s",
		    m->gate.domain, m->gate.selector);
		break;
	case GATE_UNPROVEN:
		snprintf(m->dkim, sizeof m->dkim, "fail: %.240s", m->gate.reason);
		break;
	case GATE_TEMPFAIL:
		snprintf(m->dkim, sizeof m->dkim, "temporary: %.240s",
		    m->gate.reason);
		break;
	}
}

void
mail_read(struct mail_env *env, struct mail *m, unsigned flags)
{
	char	 why[ERRLEN];
	int	 malformed, decoded;

	m->kind = MAIL_REPORT;
	m->reason[0] = m->auth[0] = m->dkim[0] = m->proof[0] = '\0';
	m->by_authres = 0;
	m->nflags = 0;
	memset(&m->item, 0, sizeof m->item);
	memset(&m->sm, 0, sizeof m->sm);
	memset(&m->gate, 0, sizeof m->gate);
	m->item.transport = "mail";
	m->item.source = m->source;

	if (m->over) {
		snprintf(why, sizeof why, "message over max_mail_bytes (%zu "
		    "bytes; its beginning is kept)", env->conf->max_mail_bytes);
		quarantine(m, why);
		snprintf(m->dkim, sizeof m->dkim, "not checked");
		goto done;
	}
	if (mime_parse(m->msg, m->len, &env->lim, &m->mm, why,
	    sizeof why) == -1) {
		snprintf(m->dkim, sizeof m->dkim, "not checked");
		quarantine(m, why);
		goto done;
	}
	decoded = pick(env, m, &malformed, why, sizeof why) == 0;
	if (!decoded && !malformed && !looks_like_report(m->mm)) {
		intake_item_clear(&m->item);
		m->kind = MAIL_NONE;
		snprintf(m->reason, sizeof m->reason, "%s", why);
		goto done;
	}

	if (env->gate == NULL) {
		snprintf(m->dkim, sizeof m->dkim, "off");
		snprintf(m->auth, sizeof m->auth, "dkim off");
		flag(m, "dkim-off");
	} else {
		run_gate(env, m);
		if (m->gate.outcome == GATE_TEMPFAIL) {
			intake_item_clear(&m->item);
			m->kind = MAIL_TEMPFAIL;
			snprintf(m->reason, sizeof m->reason, "%s",
			    m->gate.reason);
			goto done;
		}
	}
	if (!decoded) {
		quarantine(m, why);
		goto done;
	}
	if (m->gate.outcome == GATE_PROVEN && env->gate != NULL) {
		gate_auth(&m->gate, m->auth, sizeof m->auth);
		if (m->by_authres)
			snprintf(m->auth + strlen(m->auth), sizeof m->auth -
			    strlen(m->auth), " (Authentication-Results)");
		snprintf(m->proof, sizeof m->proof, "%s", m->gate.proof);
		m->item.proof = m->proof;
		if (m->gate.flags & GATE_F_EXPIRED)
			flag(m, "dkim-expired");
	} else if (env->gate != NULL) {
		if (!(flags & MAIL_FORCE)) {
			snprintf(why, sizeof why, "not authentic (R50): %.220s",
			    m->gate.reason);
			quarantine(m, why);
			goto done;
		}
		/* released by hand: unauthenticated, and said so */
		snprintf(m->auth, sizeof m->auth, "released by hand");
		flag(m, "released-by-hand");
	}
	header_flags(m);
	m->item.auth = m->auth;
	m->gz = gzip(m->msg, m->len, &m->sm.message_gzlen);
	m->sm.message_gz = m->gz;
done:
	m->sm.dkim = m->dkim;
	if (m->mm != NULL) {
		m->sm.message_id = m->mm->message_id;
		m->sm.mail_from = m->mm->from;
	}
	m->item.mail = &m->sm;
	m->item.transport = "mail";
	m->item.source = m->source;
	m->item.arrival = (char *const *)(uintptr_t)m->flags;
	m->item.narrival = m->nflags;
}

const char *
mail_verdict(const struct mail *m)
{
	if (m->kind == MAIL_NONE)
		return "no-report";
	if (m->kind == MAIL_TEMPFAIL)
		return "unavailable";
	if (m->item.verdict == INTAKE_REJECTED)
		return m->item.kept == INTAKE_KEPT_NONE ? "not-accepted" :
		    "quarantined";
	if (m->item.verdict == INTAKE_PENDING)
		return "accepted";	/* judged, not stored (--check) */
	return intake_verdict_name(m->item.verdict);
}

void
mail_log(const struct mail *m)
{
	char		 id[160], from[160], why[201], src[160], dkim[201];
	const char	*reason;

	/* every value is the sender's: escaped, "-" when absent */
	text_printable(id, sizeof id, m->mm ? m->mm->message_id : NULL);
	text_printable(from, sizeof from, m->mm ? m->mm->from : NULL);
	text_printable(src, sizeof src, m->source);
	reason = m->kind != MAIL_REPORT ? m->reason :
	    m->item.verdict == INTAKE_REJECTED ||
	    m->item.verdict == INTAKE_TEMPFAIL ? m->item.reason :
	    m->item.report != NULL ? m->item.report->report_id : NULL;
	text_printable(why, sizeof why, reason);
	text_printable(dkim, sizeof dkim, m->dkim[0] ? m->dkim : NULL);
	log_info("mail %s message-id=\"%s\" from=\"%s\" verdict=%s "
	    "reason=\"%s\" dkim=\"%s\"", src, id, from, mail_verdict(m), why,
	    dkim);
}
