/*
 * util.h - small helpers shared by every module
 */
#ifndef TLSRPT_UTIL_H
#define TLSRPT_UTIL_H

#include <stddef.h>
#include <stdarg.h>

/* The version (a build may set it with -DTLSRPT_VERSION=...) */
#ifndef TLSRPT_VERSION
#define TLSRPT_VERSION	"0.1"
#endif

/* One error-buffer size for every 0/-1 function with an err argument. */
#define ERRLEN	256

/* sysexits(3) values: the exit status is a contract with Postfix and scripts */
#define EX_OK_		0
#define EX_USAGE_	64
#define EX_DATAERR_	65
#define EX_NOINPUT_	66
#define EX_SOFTWARE_	70
#define EX_TEMPFAIL_	75
#define EX_CONFIG_	78

/* seterr - format one line into err (errlen bytes, always terminated); returns -1 */
int	 seterr(char *err, size_t errlen, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* read_file - read a whole file (or stdin for "-") into a new allocation.
 * Returns 0, or -1 with err; -2 when the file is larger than cap (nothing
 * returned).  *out is NUL-terminated past *outlen; the caller frees it. */
int	 read_file(const char *path, size_t cap, unsigned char **out,
	    size_t *outlen, char *err, size_t errlen);

/* domain_normalise - lower-case ASCII in place and strip one final dot */
void	 domain_normalise(char *);

/* domain_valid - 1 when d (normalised: lower-case, no final dot) is a
 * syntactically valid host name: LDH labels of 1 to 63 bytes (A-labels
 * are LDH) that neither start nor end with '-', 253 bytes at most (R23) */
int	 domain_valid(const char *d);

/* domain_matches - 1 when domain equals one of list[] or is a subdomain of
 * one of them (DANE reports often name the MX host).  n == 0 matches all. */
int	 domain_matches(const char *domain, char *const *list, size_t n);

/* md_sha256 - OpenSSL's SHA-256, fetched once per process: EVP_sha256()
 * makes every digest look its implementation up again, under a lock
 * (OpenSSL 3), which measured a tenth of the mail import's time */
struct evp_md_st;
const struct evp_md_st *md_sha256(void);

/* mono_now - seconds on the monotonic clock (intervals and deadlines) */
double	 mono_now(void);

/* text_printable - s made fit for one log line into dst: printable ASCII
 * only (other bytes as \xNN), quotes and backslashes escaped, at most 200
 * bytes of it; NULL becomes "-" */
void	 text_printable(char *dst, size_t dstlen, const char *s);

#endif
