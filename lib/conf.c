/*
 * conf.c - the configuration table and its file parser (see conf.h)
 *
 * Every key is one row of conf_table: name, type, default, bounds.  That
 * row is the only place a setting is defined (Postfix CONFIG_INT_TABLE,
 * redis standardConfig); etc/tlsrpt.conf documents each row and a test
 * checks that the two agree.
 */
#include <sys/socket.h>
#include <arpa/inet.h>

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "domainset.h"
#include "util.h"
#include "xmalloc.h"

enum conf_type { CONF_STR, CONF_SIZE, CONF_UINT, CONF_DOMAINS, CONF_LIST,
	CONF_ENUM };

struct conf_entry {
	const char	*name;
	enum conf_type	 type;
	size_t		 offset;	/* into struct conf */
	const char	*defval;	/* parsed like a file value; NULL = unset */
	uint64_t	 min, max;	/* CONF_SIZE / CONF_UINT bounds */
	const char	*choices;	/* CONF_ENUM: "a|b" */
};

/* GnuTLS priorities: TLS 1.2 and 1.3, forward-secret key exchange and
 * AEAD ciphers only (no CBC, no SHA-1 MACs, no static RSA). */
#define TLS_PRIORITIES_DEFAULT						\
	"NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-CIPHER-ALL:"	\
	"+AES-128-GCM:+AES-256-GCM:+CHACHA20-POLY1305:-MAC-ALL:+AEAD:"	\
	"-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA"

#define KIB	1024ULL
#define MIB	(1024ULL * KIB)
#define GIB	(1024ULL * MIB)

/* a configuration file is read whole: 100,000 domains fit in far less */
#define CONF_MAX_BYTES	(64 * MIB)

static const struct conf_entry conf_table[] = {
	{ "database", CONF_STR, offsetof(struct conf, database), NULL, 0, 0, NULL },
	{ "domains", CONF_DOMAINS, offsetof(struct conf, domains), NULL, 0, 0, NULL },
	{ "max_report_bytes", CONF_SIZE,
	    offsetof(struct conf, max_report_bytes), "16M", 1 * KIB, 1 * GIB, NULL },
	{ "max_body_bytes", CONF_SIZE,
	    offsetof(struct conf, max_body_bytes), "10M", 1 * KIB, 1 * GIB, NULL },
	{ "batch_reports", CONF_UINT,
	    offsetof(struct conf, batch_reports), "1000", 1, 100000, NULL },
	{ "max_report_values", CONF_UINT,
	    offsetof(struct conf, max_report_values), "200000", 1000,
	    100000000, NULL },
	{ "max_conflicts_per_report", CONF_UINT,
	    offsetof(struct conf, max_conflicts_per_report), "8", 0, 1000,
	    NULL },
	{ "listen", CONF_LIST, offsetof(struct conf, listen), NULL, 0, 0, NULL },
	{ "listen_http", CONF_LIST, offsetof(struct conf, listen_http), NULL,
	    0, 0, NULL },
	{ "report_path", CONF_LIST, offsetof(struct conf, report_path), NULL,
	    0, 0, NULL },
	{ "listen_metrics", CONF_STR, offsetof(struct conf, listen_metrics),
	    NULL, 0, 0, NULL },
	{ "trusted_proxies", CONF_LIST, offsetof(struct conf, trusted_proxies),
	    NULL, 0, 0, NULL },
	{ "tls_cert", CONF_STR, offsetof(struct conf, tls_cert), NULL, 0, 0, NULL },
	{ "tls_key", CONF_STR, offsetof(struct conf, tls_key), NULL, 0, 0, NULL },
	{ "tls_priorities", CONF_STR, offsetof(struct conf, tls_priorities),
	    TLS_PRIORITIES_DEFAULT, 0, 0, NULL },
	{ "spool_dir", CONF_STR, offsetof(struct conf, spool_dir),
	    "/var/spool/tlsrpt", 0, 0, NULL },
	{ "spool_max_bytes", CONF_SIZE, offsetof(struct conf, spool_max_bytes),
	    "1G", 1 * MIB, 1024 * GIB, NULL },
	{ "user", CONF_STR, offsetof(struct conf, user), NULL, 0, 0, NULL },
	{ "log", CONF_ENUM, offsetof(struct conf, log), "stderr", 0, 0,
	    "stderr|syslog" },
	{ "max_connections", CONF_UINT,
	    offsetof(struct conf, max_connections), "1024", 1, 100000, NULL },
	{ "max_connections_per_ip", CONF_UINT,
	    offsetof(struct conf, max_connections_per_ip), "32", 1, 100000, NULL },
	{ "max_connections_per_network", CONF_UINT,
	    offsetof(struct conf, max_connections_per_network), "64", 1, 100000,
	    NULL },
	{ "rate_limit_per_minute", CONF_UINT,
	    offsetof(struct conf, rate_limit_per_minute), "600", 0, 10000000, NULL },
	{ "timeout_seconds", CONF_UINT,
	    offsetof(struct conf, timeout_seconds), "30", 1, 3600, NULL },
	{ "header_timeout_seconds", CONF_UINT,
	    offsetof(struct conf, header_timeout_seconds), "10", 1, 3600, NULL },
	{ "request_timeout_seconds", CONF_UINT,
	    offsetof(struct conf, request_timeout_seconds), "60", 1, 86400,
	    NULL },
	{ "threads", CONF_UINT, offsetof(struct conf, threads), "0", 0, 256, NULL },
	{ "max_header_bytes", CONF_SIZE,
	    offsetof(struct conf, max_header_bytes), "32K", 4 * KIB, 1 * MIB, NULL },
	{ "max_inflight_bytes", CONF_SIZE,
	    offsetof(struct conf, max_inflight_bytes), "64M", 1 * MIB, 64 * GIB,
	    NULL },
	{ "quarantine_max_bytes", CONF_SIZE,
	    offsetof(struct conf, quarantine_max_bytes), "1G", 0, 1024 * GIB, NULL },
	{ "quarantine_source_share", CONF_UINT,
	    offsetof(struct conf, quarantine_source_share), "10", 1, 100, NULL },
	{ "retention_days", CONF_UINT, offsetof(struct conf, retention_days),
	    "0", 0, 36500, NULL },
	{ "dkim", CONF_ENUM, offsetof(struct conf, dkim), "on", 0, 0,
	    "on|off" },
	{ "dkim_keys_file", CONF_STR, offsetof(struct conf, dkim_keys_file),
	    NULL, 0, 0, NULL },
	{ "dkim_require_tlsrpt_key", CONF_ENUM,
	    offsetof(struct conf, dkim_require_tlsrpt_key), "no", 0, 0,
	    "no|yes" },
	{ "dkim_nameserver", CONF_STR, offsetof(struct conf, dkim_nameserver),
	    NULL, 0, 0, NULL },
	{ "trust_authres", CONF_STR, offsetof(struct conf, trust_authres),
	    NULL, 0, 0, NULL },
	{ "max_mail_bytes", CONF_SIZE, offsetof(struct conf, max_mail_bytes),
	    "16M", 64 * KIB, 1 * GIB, NULL },
	{ "mail_timeout_seconds", CONF_UINT,
	    offsetof(struct conf, mail_timeout_seconds), "60", 5, 3600, NULL },

	/* tlsrpt render and digest */
	{ "digest_to", CONF_LIST, offsetof(struct conf, digest_to), NULL, 0,
	    0, NULL },
	{ "digest_domain_to", CONF_LIST,
	    offsetof(struct conf, digest_domain_to), NULL, 0, 0, NULL },
	{ "digest_from", CONF_STR, offsetof(struct conf, digest_from), NULL,
	    0, 0, NULL },
	{ "digest_subject", CONF_STR, offsetof(struct conf, digest_subject),
	    "TLS reports", 0, 0, NULL },
	{ "digest_when_empty", CONF_ENUM,
	    offsetof(struct conf, digest_when_empty), "send", 0, 0,
	    "send|skip" },
	{ "sendmail", CONF_STR, offsetof(struct conf, sendmail),
	    "/usr/sbin/sendmail", 0, 0, NULL },
	{ "alert_failure_rate", CONF_STR,
	    offsetof(struct conf, alert_failure_rate), "1.0", 0, 0, NULL },
	{ "alert_min_failed", CONF_UINT,
	    offsetof(struct conf, alert_min_failed), "10", 0, 1000000000,
	    NULL },
	{ "alert_command", CONF_STR, offsetof(struct conf, alert_command),
	    NULL, 0, 0, NULL },
};
#define CONF_NENTRIES	(sizeof conf_table / sizeof conf_table[0])

/* conf_size - parse "123", "64K", "16M", "1G" (binary units) */
static int
conf_size(const char *s, uint64_t *out)
{
	char			*end;
	unsigned long long	 v, mul = 1;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	switch (*end) {
	case 'k': case 'K': mul = KIB; end++; break;
	case 'm': case 'M': mul = MIB; end++; break;
	case 'g': case 'G': mul = GIB; end++; break;
	}
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end != '\0' || (v != 0 && mul > ULLONG_MAX / v))
		return -1;
	*out = v * mul;
	return 0;
}

/* next_item - the next item of a list value (items are separated by
 * commas and blanks): a new string, or NULL at the end */
static char *
next_item(const char **pp)
{
	const char	*p = *pp, *q;

	while (*p == ' ' || *p == '\t' || *p == ',')
		p++;
	if (*p == '\0')
		return NULL;
	for (q = p; *q && *q != ',' && *q != ' ' && *q != '\t'; q++)
		;
	*pp = q;
	return xstrndup(p, (size_t)(q - p));
}

/* conf_add_domains - append a domain list, normalised and checked */
static int
conf_add_domains(struct conf *c, const char *value, char *why, size_t whylen)
{
	char	*d;

	while ((d = next_item(&value)) != NULL) {
		domain_normalise(d);
		if (!domain_valid(d)) {
			seterr(why, whylen, "invalid domain \"%s\"", d);
			free(d);
			return -1;
		}
		/* doubling at each power of two: 100,000 domains must not
		 * cost 100,000 reallocations */
		if ((c->n_domains & (c->n_domains - 1)) == 0)
			c->domains = xreallocarray(c->domains,
			    c->n_domains ? c->n_domains * 2 : 1,
			    sizeof *c->domains);
		c->domains[c->n_domains++] = d;
		if (c->domain_set == NULL)
			c->domain_set = domainset_new();
		domainset_add(c->domain_set, d);
	}
	return 0;
}

/* conf_add_list - append the items of a list value */
static void
conf_add_list(struct strlist *l, const char *value)
{
	char	*item;

	while ((item = next_item(&value)) != NULL) {
		l->v = xreallocarray(l->v, l->n + 1, sizeof *l->v);
		l->v[l->n++] = item;
	}
}

/* conf_enum_ok - value is one of the "a|b|c" choices */
static int
conf_enum_ok(const char *choices, const char *value)
{
	size_t		 len = strlen(value);
	const char	*p = choices;

	while (p) {
		if (strncmp(p, value, len) == 0 && (p[len] == '|' ||
		    p[len] == '\0') && len > 0)
			return 1;
		p = strchr(p, '|');
		if (p)
			p++;
	}
	return 0;
}

/* conf_set - give one key its value; why gets the reason on error */
static int
conf_set(struct conf *c, const struct conf_entry *e, const char *value,
    char *why, size_t whylen)
{
	char		*base = (char *)c;
	uint64_t	 v = 0;
	char		*end;

	switch (e->type) {
	case CONF_STR:
		free(*(char **)(base + e->offset));
		*(char **)(base + e->offset) = xstrdup(value);
		return 0;
	case CONF_DOMAINS:
		return conf_add_domains(c, value, why, whylen);
	case CONF_LIST:
		conf_add_list((struct strlist *)(void *)(base + e->offset),
		    value);
		return 0;
	case CONF_ENUM:
		if (!conf_enum_ok(e->choices, value))
			return seterr(why, whylen, "%s: \"%s\" is not one of "
			    "%s", e->name, value, e->choices);
		free(*(char **)(base + e->offset));
		*(char **)(base + e->offset) = xstrdup(value);
		return 0;
	case CONF_SIZE:
		if (conf_size(value, &v) == -1)
			return seterr(why, whylen, "%s: \"%s\" is not a size "
			    "(a number with an optional K, M or G)", e->name,
			    value);
		break;
	case CONF_UINT:
		errno = 0;
		v = strtoull(value, &end, 10);
		if (*value < '0' || *value > '9' || *end != '\0' || errno)
			return seterr(why, whylen, "%s: \"%s\" is not a "
			    "number", e->name, value);
		break;
	}
	if (v < e->min || v > e->max)
		return seterr(why, whylen, "%s: %s is out of range "
		    "(%llu to %llu)", e->name, value,
		    (unsigned long long)e->min, (unsigned long long)e->max);
	*(size_t *)(base + e->offset) = (size_t)v;
	return 0;
}

/* conf_find - the table row for name, or NULL */
static const struct conf_entry *
conf_find(const char *name)
{
	size_t	 i;

	for (i = 0; i < CONF_NENTRIES; i++)
		if (strcmp(conf_table[i].name, name) == 0)
			return &conf_table[i];
	return NULL;
}

/* conf_init - the defaults */
void
conf_init(struct conf *c)
{
	char	 why[ERRLEN];
	size_t	 i;

	memset(c, 0, sizeof *c);
	for (i = 0; i < CONF_NENTRIES; i++)
		if (conf_table[i].defval != NULL &&
		    conf_set(c, &conf_table[i], conf_table[i].defval, why,
		    sizeof why) == -1)
			abort();	/* a bad default is a programming error */
}

/* trim - strip blanks on both ends in place */
static char *
trim(char *s)
{
	char	*e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' ||
	    e[-1] == '\n'))
		*--e = '\0';
	return s;
}

/* conf_line - one line (NUL-terminated, changed in place) into c: 0, or
 * -1 with the reason in why */
static int
conf_line(struct conf *c, char *line, char *why, size_t whylen)
{
	const struct conf_entry	*e;
	char			*key, *value, *eq;

	key = trim(line);
	if (*key == '\0' || *key == '#')
		return 0;
	if ((eq = strchr(key, '=')) == NULL)
		return seterr(why, whylen, "expected \"key = value\"");
	*eq = '\0';
	key = trim(key);
	value = trim(eq + 1);
	if ((e = conf_find(key)) == NULL)
		return seterr(why, whylen, "unknown key \"%s\"", key);
	return conf_set(c, e, value, why, whylen);
}

/* conf_parse - see conf.h.  A NUL byte is refused rather than read as
 * the end of its line: the rest of the line would be ignored unseen. */
int
conf_parse(struct conf *c, const char *name, const char *text, size_t len,
    char *err, size_t errlen)
{
	const char	*p = text, *end = text + len, *nl;
	char		*line = NULL;
	char		 why[ERRLEN];
	size_t		 n, cap = 0, lineno = 0;
	int		 rc = 0;

	while (p < end) {
		lineno++;
		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		if (memchr(p, '\0', n) != NULL) {
			rc = seterr(err, errlen, "%s:%zu: a NUL byte", name,
			    lineno);
			break;
		}
		if (n + 1 > cap) {
			cap = n + 1;
			line = xrealloc(line, cap);
		}
		memcpy(line, p, n);
		line[n] = '\0';
		if (conf_line(c, line, why, sizeof why) == -1) {
			rc = seterr(err, errlen, "%s:%zu: %s", name, lineno,
			    why);
			break;
		}
		p += n + (nl != NULL);
	}
	free(line);
	return rc;
}

/* conf_load - read the whole file, then conf_parse */
int
conf_load(struct conf *c, const char *path, char *err, size_t errlen)
{
	unsigned char	*text;
	char		 why[ERRLEN];
	size_t		 len;
	int		 rc;

	/* read_file takes "-" for stdin, which may be the mail ingest-mail
	 * reads: a file named "-" is meant */
	if (read_file(strcmp(path, "-") == 0 ? "./-" : path, CONF_MAX_BYTES,
	    &text, &len, why, sizeof why) != 0)
		return seterr(err, errlen, "%s: %s", path, why);
	free(c->path);
	c->path = xstrdup(path);
	rc = conf_parse(c, path, (const char *)text, len, err, errlen);
	free(text);
	return rc;
}

/* conf_dump - the effective settings, as a file would set them */
void
conf_dump(const struct conf *c, FILE *fp)
{
	const char	*base = (const char *)c;
	const char	*s;
	size_t		 i, j;

	for (i = 0; i < CONF_NENTRIES; i++) {
		const struct conf_entry *e = &conf_table[i];

		fprintf(fp, "%s =", e->name);
		switch (e->type) {
		case CONF_LIST: {
			const struct strlist *l = (const struct strlist *)
			    (const void *)(base + e->offset);

			for (j = 0; j < l->n; j++)
				fprintf(fp, "%s %s", j ? "," : "", l->v[j]);
			break;
		}
		case CONF_STR:
		case CONF_ENUM:
			s = *(char *const *)(base + e->offset);
			if (s)
				fprintf(fp, " %s", s);
			break;
		case CONF_DOMAINS:
			for (j = 0; j < c->n_domains; j++)
				fprintf(fp, "%s %s", j ? "," : "",
				    c->domains[j]);
			break;
		case CONF_SIZE:
		case CONF_UINT:
			fprintf(fp, " %zu", *(const size_t *)(base +
			    e->offset));
			break;
		}
		fputc('\n', fp);
	}
}

/* strlist_free - release a list key */
static void
strlist_free(struct strlist *l)
{
	size_t	 i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* conf_finish_digest - the digest's keys that the table cannot check:
 * a decimal percentage, DOMAIN:ADDRESS items */
static int
conf_finish_digest(struct conf *c, const char *where, char *err,
    size_t errlen)
{
	char	*end, *colon, d[256];
	double	 rate;
	size_t	 i;

	rate = strtod(c->alert_failure_rate, &end);
	if (end == c->alert_failure_rate || *end != '\0' || !(rate >= 0) ||
	    rate > 100)
		return seterr(err, errlen, "%s: alert_failure_rate \"%s\" is "
		    "not a percentage from 0 to 100", where,
		    c->alert_failure_rate);
	for (i = 0; i < c->digest_domain_to.n; i++) {
		colon = strchr(c->digest_domain_to.v[i], ':');
		if (colon == NULL || colon[1] == '\0' ||
		    (size_t)(colon - c->digest_domain_to.v[i]) >= sizeof d)
			goto bad;
		snprintf(d, sizeof d, "%.*s",
		    (int)(colon - c->digest_domain_to.v[i]),
		    c->digest_domain_to.v[i]);
		domain_normalise(d);
		if (!domain_valid(d))
			goto bad;
	}
	return 0;
bad:
	return seterr(err, errlen, "%s: digest_domain_to \"%s\" is not "
	    "DOMAIN:ADDRESS", where, c->digest_domain_to.v[i]);
}

/* conf_cidr - "ADDRESS[/BITS]" (IPv4 or IPv6) into *c; 0 or -1 */
static int
conf_cidr(const char *text, struct conf_cidr *c)
{
	char		 a[INET6_ADDRSTRLEN + 8], *slash, *end;
	unsigned long	 bits;
	unsigned	 i, max;

	if (strlen(text) >= sizeof a)
		return -1;
	snprintf(a, sizeof a, "%s", text);
	memset(c, 0, sizeof *c);
	if ((slash = strchr(a, '/')) != NULL)
		*slash++ = '\0';
	if (inet_pton(AF_INET, a, c->addr) == 1) {
		c->family = 4;
		max = 32;
	} else if (inet_pton(AF_INET6, a, c->addr) == 1) {
		c->family = 6;
		max = 128;
	} else
		return -1;
	bits = max;
	if (slash != NULL) {
		if (*slash < '0' || *slash > '9')
			return -1;
		bits = strtoul(slash, &end, 10);
		if (*end != '\0' || bits > max)
			return -1;
	}
	c->bits = (unsigned char)bits;
	/* the bits past the prefix do not count: cleared once here */
	for (i = 0; i < 16; i++)
		if (i * 8 >= bits)
			c->addr[i] = 0;
		else if (i * 8 + 8 > bits)
			c->addr[i] &= (unsigned char)(0xff00u >> (bits % 8));
	return 0;
}

/* conf_finish_proxies - trusted_proxies into c->proxies */
static int
conf_finish_proxies(struct conf *c, const char *where, char *err,
    size_t errlen)
{
	size_t	 i;

	free(c->proxies);
	c->proxies = NULL;
	c->n_proxies = 0;
	if (c->trusted_proxies.n == 0)
		return 0;
	c->proxies = xcalloc(c->trusted_proxies.n, sizeof *c->proxies);
	for (i = 0; i < c->trusted_proxies.n; i++)
		if (conf_cidr(c->trusted_proxies.v[i], &c->proxies[i]) == -1)
			return seterr(err, errlen, "%s: trusted_proxies \"%s\" "
			    "is not an address or ADDRESS/BITS", where,
			    c->trusted_proxies.v[i]);
	c->n_proxies = c->trusted_proxies.n;
	return 0;
}

/* conf_finish - list defaults and cross-key checks */
int
conf_finish(struct conf *c, char *err, size_t errlen)
{
	const char	*where = c->path ? c->path : "configuration";
	size_t		 i;

	if (c->report_path.n == 0)
		conf_add_list(&c->report_path, "/tlsrpt");
	for (i = 0; i < c->report_path.n; i++)
		if (c->report_path.v[i][0] != '/')
			return seterr(err, errlen, "%s: report_path \"%s\" "
			    "must start with /", where, c->report_path.v[i]);
	if ((c->tls_cert == NULL) != (c->tls_key == NULL))
		return seterr(err, errlen, "%s: tls_cert and tls_key go "
		    "together", where);
	if (conf_finish_proxies(c, where, err, errlen) == -1)
		return -1;
	return conf_finish_digest(c, where, err, errlen);
}

/* conf_free - release every string */
struct conf *
conf_free(struct conf *c)
{
	size_t	 i;

	if (c == NULL)
		return NULL;
	free(c->path);
	free(c->database);
	c->domain_set = domainset_free(c->domain_set);
	for (i = 0; i < c->n_domains; i++)
		free(c->domains[i]);
	free(c->domains);
	strlist_free(&c->listen);
	strlist_free(&c->listen_http);
	strlist_free(&c->report_path);
	free(c->listen_metrics);
	strlist_free(&c->trusted_proxies);
	free(c->proxies);
	free(c->tls_cert);
	free(c->tls_key);
	free(c->tls_priorities);
	free(c->spool_dir);
	free(c->user);
	free(c->log);
	free(c->dkim);
	free(c->dkim_keys_file);
	free(c->dkim_require_tlsrpt_key);
	free(c->dkim_nameserver);
	free(c->trust_authres);
	strlist_free(&c->digest_to);
	strlist_free(&c->digest_domain_to);
	free(c->digest_from);
	free(c->digest_subject);
	free(c->digest_when_empty);
	free(c->sendmail);
	free(c->alert_failure_rate);
	free(c->alert_command);
	memset(c, 0, sizeof *c);
	return NULL;
}
