/*
 * report.h - one RFC 8460 report, decoded into plain C: what the decoder
 * (ingest/decode.h) makes and the store (store/store.h) writes
 *
 * The data model between the two layers, so that neither reaches into the
 * other: the decoder fills it, the intake decides on it, the store turns
 * it into rows.  Real-world deviations are recorded as flags (REPORT_F_*),
 * whose names are what the database keeps.
 *
 * Ownership: a struct report and every string and array in it are owned by
 * the report and freed by report_free(); nothing points into the input
 * buffer or into jansson objects.  All strings are NUL-terminated UTF-8
 * without NUL bytes (jansson rejects \u0000), so they are safe for
 * PostgreSQL text.
 */
#ifndef TLSRPT_REPORT_H
#define TLSRPT_REPORT_H

#include <stddef.h>
#include <stdint.h>

/* Deviation flags (per report).  The names (report_flag_name) are stored in
 * the database; never renumber or rename, only append. */
enum report_flag {
	REPORT_F_GZIP_MULTI_MEMBER	= 1u << 0,  /* R41 several gzip members */
	REPORT_F_GZIP_TRAILING_JUNK	= 1u << 1,  /* R41 NUL/blank bytes after last member */
	REPORT_F_TIME_NO_OFFSET		= 1u << 2,  /* R19 date-time without offset: UTC */
	REPORT_F_TIME_FRACTION		= 1u << 3,  /* fractional seconds present */
	REPORT_F_TIME_OFFSET		= 1u << 4,  /* non-Z offset such as +02:00 */
	REPORT_F_END_INCLUSIVE		= 1u << 5,  /* R19 end at :59 (23:59:59Z): +1 s */
	REPORT_F_RANGE_NOT_DAY		= 1u << 6,  /* R19 range is not one whole UTC day */
	REPORT_F_RANGE_INVERTED		= 1u << 7,  /* start >= end */
	REPORT_F_CONTACT_NULL		= 1u << 8,  /* contact-info null or absent */
	REPORT_F_ORG_EMPTY		= 1u << 9,  /* organization-name "" */
	REPORT_F_MX_HOST_STRING		= 1u << 10, /* R20/D2 mx-host as a string */
	REPORT_F_TLSA_NESTED_JSON	= 1u << 11, /* R22/D11 Microsoft policy-string in one JSON text */
	REPORT_F_POLICY_STRING_STRING	= 1u << 12, /* policy-string a string, not an array */
	REPORT_F_UNKNOWN_POLICY_TYPE	= 1u << 13, /* R34 */
	REPORT_F_UNKNOWN_RESULT_TYPE	= 1u << 14, /* R33 */
	REPORT_F_EXTENSION_MEMBER	= 1u << 15, /* unknown member somewhere: kept in raw */
	REPORT_F_ADDITIONAL_INFO_URI	= 1u << 16, /* R28 alias additional-info-uri */
	REPORT_F_MX_HOST_NAME_ALIAS	= 1u << 17, /* R26 alias receiving-mx-host-name */
	REPORT_F_TOTALS_DISAGREE	= 1u << 18, /* R16/D12 sum of details != total failures */
	REPORT_F_BAD_IP			= 1u << 19, /* R25 an IP that does not parse: kept as text */
	REPORT_F_NO_POLICY_DOMAIN	= 1u << 20, /* policy without policy-domain (sys4 reporter) */
	REPORT_F_DOMAIN_NOT_ASCII	= 1u << 21, /* R23 U-label where an A-label belongs */
	REPORT_F_REASON_TRUNCATED	= 1u << 22, /* R31 failure-reason-code cut at 4 KiB */
	REPORT_F_NO_POLICIES		= 1u << 23, /* R15 empty policies array */
	REPORT_F_BIG_INTEGER		= 1u << 24, /* R13 count above 2^53-1 */
	REPORT_F_MIXED_DOMAINS		= 1u << 25, /* policies name several domains */
	REPORT_F_TEXT_TRUNCATED		= 1u << 26, /* free text cut at its cap */
	REPORT_F_DOMAIN_INVALID		= 1u << 27, /* R23 a policy-domain that is no
						     * host name: counts for no one */
};
#define REPORT_NFLAGS	28

/* report_flag_name - the stable name of one flag bit, NULL if unknown */
const char *report_flag_name(unsigned bit);

struct report_failure {
	char		*result_type;		/* required */
	char		*sending_mta_ip;	/* raw text or NULL */
	char		*receiving_mx_hostname;	/* or NULL */
	char		*receiving_mx_helo;	/* or NULL */
	char		*receiving_ip;		/* raw text or NULL */
	int		 sending_ip_ok;		/* 1 when sending_mta_ip parses (inet_pton) */
	int		 receiving_ip_ok;	/* same for receiving_ip */
	int64_t		 failed_session_count;	/* >= 0 */
	char		*additional_information;/* or NULL; never dereferenced (R28) */
	char		*failure_reason_code;	/* or NULL; at most 4 KiB (R31) */
};

struct report_policy {
	char		*policy_type;		/* as sent: sts, tlsa, no-policy-found, ... */
	char		*policy_domain;		/* lower-case, final dot stripped; NULL if absent */
	char		*domain;		/* its group: policy_domain, else the
						 * report's home domain
						 * (report_assign_domains); NULL when
						 * policy_domain is no host name
						 * (REPORT_F_DOMAIN_INVALID): it counts
						 * for no one */
	int		 dane_mx;		/* 1: its group is only tlsa for a name
						 * other than the home domain, a DANE
						 * MX host of it: counts for the home
						 * domain (report_domain.c) */
	char	       **policy_string;		/* lines (Microsoft TLSA text flattened) */
	size_t		 n_policy_string;
	char	       **mx_host;		/* patterns; string form becomes one element */
	size_t		 n_mx_host;
	int64_t		 total_successful;	/* >= 0 */
	int64_t		 total_failure;		/* >= 0 */
	struct report_failure *failures;
	size_t		 n_failures;
};

struct report {
	char		*organization_name;	/* required, may be "" (flagged) */
	char		*contact_info;		/* NULL when null/absent */
	char		*report_id;		/* required, non-empty */
	char		*start_raw;		/* date-range strings exactly as sent: */
	char		*end_raw;		/*   start_raw is part of the dedup key (R24) */
	int64_t		 start_time;		/* seconds since the epoch, UTC */
	int64_t		 end_time;		/* exclusive end (R19: :59 gets +1 s) */
	int32_t		 start_usec;		/* fractional part of start, microseconds */
	int32_t		 end_usec;
	struct report_policy *policies;
	size_t		 n_policies;
	uint32_t	 flags;			/* REPORT_F_* */
	char		*home_domain;		/* the recipient domain as best we can
						 * tell (report_assign_domains), never
						 * NULL once assigned */
};

#define REPORT_DIGEST_LEN	32

/*
 * report_digest - the SHA-256 of a canonical form of r's content: every
 * field the report carries, in order, each tagged and length-prefixed (so
 * NULL, "" and absent arrays stay apart).  Not the flags (they record how
 * the bytes were encoded, e.g. gzip members) nor the home domain and
 * groups (derived).  Two copies of a report, however compressed, have the
 * same digest exactly when their decoded content is the same.
 */
void	report_digest(const struct report *r,
	    unsigned char out[REPORT_DIGEST_LEN]);

/* report_free - release r and everything in it; accepts NULL, returns NULL */
struct report *report_free(struct report *);

#endif
