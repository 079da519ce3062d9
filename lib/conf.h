/*
 * conf.h - the configuration: one table of keys with defaults and bounds
 *
 * File format (etc/tlsrpt.conf documents every key): "key = value" lines;
 * the value is everything after the first '=', trimmed, so a libpq conninfo
 * works; '#' starts a comment (a whole-line comment, or after blanks);
 * sizes take K/M/G; list keys may repeat and also take commas.  Unknown
 * keys and out-of-range values are errors "FILE:LINE: message" (exit 78).
 *
 * Ownership: struct conf owns all its strings; conf_free() releases them.
 */
#ifndef TLSRPT_CONF_H
#define TLSRPT_CONF_H

#include <stddef.h>
#include <stdio.h>

struct domainset;

#define CONF_DEFAULT_PATH	"/etc/tlsrpt/tlsrpt.conf"

/* A list key: repeats and commas add elements. */
struct strlist {
	char	**v;
	size_t	  n;
};

/* A trusted_proxies entry: family 4 or 6, a prefix length, the address
 * with the bits past the prefix cleared. */
struct conf_cidr {
	unsigned char	 family;
	unsigned char	 bits;
	unsigned char	 addr[16];
};

struct conf {
	char	*path;			/* file read, or NULL (defaults only) */
	char	*database;		/* libpq conninfo; NULL = libpq defaults */
	char   **domains;		/* policy domains we serve; n_domains == 0: all */
	size_t	 n_domains;
	struct domainset *domain_set;	/* the same names, for lookups
					 * (domainset.h); NULL: none */
	size_t	 max_report_bytes;	/* inflated JSON cap (R38) */
	size_t	 max_body_bytes;	/* compressed input cap: a file, a body */
	size_t	 batch_reports;		/* reports per ingest transaction */
	size_t	 max_report_values;	/* JSON values per report, counted
					 * before the tree is built */
	size_t	 max_conflicts_per_report; /* differing copies kept */

	/* tlsrpt serve (ingest/serve.c and its files) */
	struct strlist listen;		/* ADDRESS:PORT with TLS */
	struct strlist listen_http;	/* ADDRESS:PORT plain HTTP (reverse proxy) */
	struct strlist report_path;	/* URL paths taking POSTs; default /tlsrpt */
	char	*listen_metrics;	/* ADDRESS:PORT, plain HTTP: /metrics,
					 * /healthz; NULL: none */
	struct strlist trusted_proxies;	/* CIDRs whose X-Forwarded-For counts */
	struct conf_cidr *proxies;	/* ... parsed by conf_finish */
	size_t	 n_proxies;
	char	*tls_cert;		/* PEM certificate chain file */
	char	*tls_key;		/* PEM private key file */
	char	*tls_priorities;	/* GnuTLS priority string */
	char	*spool_dir;		/* durable spool while PostgreSQL is away */
	size_t	 spool_max_bytes;	/* past it: 503, not spooled */
	char	*user;			/* drop privileges to this user; NULL: stay */
	char	*log;			/* "stderr" or "syslog" */
	size_t	 max_connections;
	size_t	 max_connections_per_ip;
	size_t	 max_connections_per_network;	/* /24 IPv4, /64 IPv6 */
	size_t	 rate_limit_per_minute;	/* per client IP; 0 = off */
	size_t	 timeout_seconds;	/* idle connections */
	size_t	 header_timeout_seconds;	/* TLS handshake + headers */
	size_t	 request_timeout_seconds;	/* then the body */
	size_t	 threads;		/* worker threads per listener; 0: one
					 * per online CPU */
	size_t	 max_header_bytes;	/* per connection, headers and buffers */
	size_t	 max_inflight_bytes;	/* bodies buffered, all connections */
	size_t	 quarantine_max_bytes;	/* raw bodies kept of invalid reports */
	size_t	 quarantine_source_share; /* % of it one source may hold */
	size_t	 retention_days;	/* "db purge": older goes; 0 = keep */

	/* the mail intake (ingest/mail*.c) */
	char	*dkim;			/* "on", or "off": no gate, recorded */
	char	*dkim_keys_file;	/* keys from this file, not DNS */
	char	*dkim_require_tlsrpt_key; /* "yes": only s=...tlsrpt keys */
	char	*dkim_nameserver;	/* ADDRESS[:PORT] for key lookups,
					 * not /etc/resolv.conf's */
	char	*trust_authres;		/* accept a dkim=pass of this
					 * Authentication-Results authserv-id */
	size_t	 max_mail_bytes;	/* one message, whole */
	size_t	 mail_timeout_seconds;	/* ingest-mail's own deadline, below
					 * Postfix's command time limit */

	/* tlsrpt render and digest (render/) */
	struct strlist digest_to;	/* every domain; none: postmaster */
	struct strlist digest_domain_to; /* DOMAIN:ADDRESS, that domain only */
	char	*digest_from;		/* NULL: tlsrpt@<host name> */
	char	*digest_subject;	/* the Subject's first words */
	char	*digest_when_empty;	/* "send" or "skip" */
	char	*sendmail;		/* path; run as sendmail -t -i */
	char	*alert_failure_rate;	/* percent, a decimal; checked in
					 * conf_finish */
	size_t	 alert_min_failed;
	char	*alert_command;		/* NULL: none */
};

/* conf_init - fill c with the defaults of the table */
void	conf_init(struct conf *c);

/*
 * conf_load - read path into c (which conf_init prepared).  Returns 0, or
 * -1 with "FILE:LINE: message" in err.  On error c keeps what was read so
 * far and must still be conf_free'd.
 */
int	conf_load(struct conf *c, const char *path, char *err, size_t errlen);

/*
 * conf_parse - parse text[0..len) (need not be NUL-terminated; borrowed)
 * into c, as conf_load does a file; name is the file name for the error
 * messages.  Returns 0, or -1 with "NAME:LINE: message" in err; c then
 * keeps what was read so far and must still be conf_free'd.
 */
int	conf_parse(struct conf *c, const char *name, const char *text,
	    size_t len, char *err, size_t errlen);

/* conf_dump - print the effective settings, one "key = value" a line */
void	conf_dump(const struct conf *c, FILE *fp);

/* conf_free - release what c owns and leave it empty; accepts NULL,
 * returns NULL */
struct conf *conf_free(struct conf *c);

/* conf_finish - after loading: fill list defaults a file did not set and
 * check keys that depend on each other.  Returns 0 or -1 with err. */
int	conf_finish(struct conf *c, char *err, size_t errlen);

#endif
