/*
 * util.c - small helpers shared by every module (see util.h)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "escape.h"
#include "util.h"
#include "xmalloc.h"

/* seterr - write one formatted line into the caller's error buffer */
int
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;

	if (err == NULL || errlen == 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * read_file - read a file or stdin ("-") whole, refusing more than cap
 * bytes.  Reads at most cap+1 bytes, so an endless or huge input never
 * allocates past the cap.
 */
int
read_file(const char *path, size_t cap, unsigned char **out, size_t *outlen,
    char *err, size_t errlen)
{
	struct buf	 b = BUF_INIT;
	struct stat	 st;
	ssize_t		 n;
	int		 fd, is_stdin = strcmp(path, "-") == 0;

	*out = NULL;
	*outlen = 0;
	if (is_stdin)
		fd = STDIN_FILENO;
	else if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1)
		return seterr(err, errlen, "cannot open: %s", strerror(errno));
	if (fstat(fd, &st) == -1)
		st.st_mode = 0;
	if (S_ISDIR(st.st_mode)) {
		if (!is_stdin)
			close(fd);
		return seterr(err, errlen, "is a directory");
	}
	/* A regular file gets its size at once (plus one byte to see EOF):
	 * growing a buffer read by read would pass malloc's mmap threshold
	 * and cost an mmap and munmap per report. */
	if (S_ISREG(st.st_mode) && st.st_size >= 0)
		buf_reserve(&b, (size_t)st.st_size < cap ?
		    (size_t)st.st_size + 1 : cap + 1);
	for (;;) {
		size_t room;

		if (b.cap - b.len <= 1)
			buf_reserve(&b, 65536);
		room = b.cap - b.len - 1;
		n = read(fd, b.data + b.len, room);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			seterr(err, errlen, "cannot read: %s", strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		b.len += (size_t)n;
		b.data[b.len] = '\0';
		if (b.len > cap) {
			seterr(err, errlen, "input is larger than %zu bytes",
			    cap);
			if (!is_stdin)
				close(fd);
			buf_free(&b);
			return -2;
		}
	}
	if (!is_stdin)
		close(fd);
	*out = buf_steal(&b, outlen);
	return 0;
fail:
	if (!is_stdin)
		close(fd);
	buf_free(&b);
	return -1;
}

/* domain_normalise - lower-case ASCII letters, drop one final dot */
void
domain_normalise(char *d)
{
	size_t	 len;
	char	*p;

	for (p = d; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	len = strlen(d);
	if (len > 0 && d[len - 1] == '.')
		d[len - 1] = '\0';
}

/* domain_valid - see util.h */
int
domain_valid(const char *d)
{
	const char	*label = d, *p;
	size_t		 len;

	if (d == NULL || *d == '\0' || strlen(d) > 253)
		return 0;
	for (p = d;; p++) {
		if (*p != '.' && *p != '\0') {
			if (!((*p >= 'a' && *p <= 'z') ||
			    (*p >= '0' && *p <= '9') || *p == '-'))
				return 0;
			continue;
		}
		len = (size_t)(p - label);
		if (len == 0 || len > 63 || label[0] == '-' ||
		    label[len - 1] == '-')
			return 0;
		if (*p == '\0')
			return 1;
		label = p + 1;
	}
}

/* domain_matches - equal to, or a subdomain of, a listed domain */
int
domain_matches(const char *domain, char *const *list, size_t n)
{
	size_t	 i, dl, ll;

	if (n == 0)
		return 1;
	dl = strlen(domain);
	for (i = 0; i < n; i++) {
		ll = strlen(list[i]);
		if (dl == ll && strcmp(domain, list[i]) == 0)
			return 1;
		if (dl > ll && domain[dl - ll - 1] == '.' &&
		    strcmp(domain + dl - ll, list[i]) == 0)
			return 1;
	}
	return 0;
}

/* mono_now - monotonic seconds */
double
mono_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* text_printable - a report's string for a log line (see util.h); the
 * escaping itself is escape_log's, shared with every other output */
void
text_printable(char *dst, size_t dstlen, const char *s)
{
	if (dstlen == 0)
		return;
	escape_log(dst, dstlen < 201 ? dstlen : 201, s != NULL ? s : "-");
}

static const EVP_MD	*sha256_md;

static void
fetch_sha256(void)
{
	if ((sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL)
		sha256_md = EVP_sha256();
}

/* md_sha256 - see util.h */
const EVP_MD *
md_sha256(void)
{
	static pthread_once_t	 once = PTHREAD_ONCE_INIT;

	pthread_once(&once, fetch_sha256);
	return sha256_md;
}
