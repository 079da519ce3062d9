/*
 * http_load.c - HTTP(S) POST load generator for "make bench"
 *
 * NAME
 *	http_load - post report files to a URL from many threads
 *
 * SYNOPSIS
 *	http_load [-k] [-c CONCURRENCY] [-n REQUESTS] [-d SECONDS] [--plain]
 *	    [--cacert FILE] [--type CONTENT-TYPE] URL FILE...
 *
 * DESCRIPTION
 *	Every FILE is read into memory once, before the clock starts, and
 *	request i posts the body of FILE number i % (number of FILEs), so
 *	a corpus of distinct reports is posted as distinct reports.
 *	CONCURRENCY worker threads (default 8) claim request numbers from
 *	one atomic counter until REQUESTS (default: the number of FILEs)
 *	have been claimed; each number is posted exactly once.  With -d,
 *	they stop claiming once SECONDS have passed instead (and REQUESTS,
 *	when given too, still bounds the count); requests then go on
 *	through the FILEs in order, so with enough FILEs each report is
 *	posted once.
 *
 *	By default every request opens a new TCP connection and, for
 *	https, does a full TLS handshake (TLS 1.2 or later, default
 *	ciphers, no session tickets and no session cache): the real
 *	senders each post one report a day, so the handshake is the cost
 *	the receiver actually pays.  The request carries "Connection:
 *	close" and the client waits for the server's close before its own,
 *	so the TIME_WAIT state stays with the server as it would in real
 *	life.  With -k each thread keeps one HTTP/1.1 connection and
 *	reuses it, reconnecting whenever the server closes it.
 *
 *	URL is http://HOST[:PORT][/PATH] or https://...; HOST is a name,
 *	an IPv4 literal or a bracketed IPv6 literal.  It is resolved once,
 *	before the clock starts.  --plain speaks plain HTTP even to an
 *	https URL.  With --cacert the server certificate must chain to a
 *	certificate in FILE and match HOST (name or IP address); without
 *	it nothing is verified.  SNI is sent for names only: RFC 6066
 *	does not allow address literals there.
 *
 *	The Content-Type is application/tlsrpt+gzip unless --type says
 *	otherwise.  A response is read completely (Content-Length,
 *	chunked, or up to the close) before its status is counted.
 *
 * OUTPUT
 *	On standard output, for a script to parse:
 *		requests: N ok: M seconds: S.SSSSSS rate: R.R/s
 *		cpu: S.SSSSSS	(this process, user + system, while posting)
 *		status CODE: COUNT	(one line per code seen, ascending)
 *		latency ms: p50 A p90 B p99 C max D
 *		files: K	(distinct FILEs posted: min(requests, FILEs))
 *	ok counts 2xx answers; latency is from the first byte sent (the
 *	connection opened, for a new one) to the answer read, over every
 *	request; rate is requests (all of them) per second
 *	of wall-clock time; status 0 counts requests that got no complete
 *	HTTP answer (connect, TLS, timeout or protocol error).  The first
 *	few such errors are described on standard error.
 *
 * DIAGNOSTICS
 *	Exit 0 when every request got an HTTP answer, whatever its status;
 *	1 otherwise or when a FILE, the URL's host or --cacert cannot be
 *	used; 64 on usage errors.
 *
 * BUGS
 *	On a reused (-k) connection that fails before any byte of the
 *	answer arrives, the request is sent once more on a new connection:
 *	that is how an idle close by the server looks, but if the server
 *	had in fact taken the request, it is posted twice.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <fcntl.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "http_conn.h"

#define EX_USAGE	64
#define MAX_ERRORS	10		/* errors described on stderr */
#define NSTATUS		1000		/* status codes 0 and 100..999 */

/* What the workers share; written only before they start. */
static struct {
	int		 keepalive;
	unsigned char	**req;		/* complete request per FILE */
	size_t		*reqlen;
	size_t		 nreq;
	unsigned long	 total;		/* requests to make */
	double		 until;		/* -d: no claim after (monotonic) */
} g;

static atomic_ulong next_index;		/* next request number to claim */
static atomic_uint nerrors;		/* errors seen, for the stderr limit */


/* One worker thread and its private counts (no sharing on the hot path). */
struct worker {
	pthread_t	 tid;
	unsigned long	 count[NSTATUS];
	double		*ms;		/* each request's latency */
	size_t		 nms, capms;
};

/* usage - the synopsis on stderr, exit 64 */
static void __attribute__((noreturn))
usage(void)
{
	fputs("usage: http_load [-k] [-c CONCURRENCY] [-n REQUESTS] "
	    "[-d SECONDS] [--plain]\n"
	    "\t[--cacert FILE] [--type CONTENT-TYPE] URL FILE...\n", stderr);
	exit(EX_USAGE);
}

/* fatal - a setup error: message on stderr, exit 1 */
void
fatal(const char *fmt, ...)
{
	va_list	 ap;

	fputs("http_load: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* xmalloc - malloc that never returns NULL: a benchmark has no plan B */
static void *
xmalloc(size_t n)
{
	void	*p = malloc(n ? n : 1);

	if (p == NULL)
		fatal("out of memory");
	return p;
}

/* number - parse a positive decimal option argument, or exit 64 */
static unsigned long
number(const char *s, unsigned long max)
{
	char		*end;
	unsigned long	 v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (*s < '0' || *s > '9' || *end != '\0' || errno != 0 || v == 0 ||
	    v > max) {
		fprintf(stderr, "http_load: bad number \"%s\"\n", s);
		usage();
	}
	return v;
}

/* load_file - the whole of path in a new allocation */
static unsigned char *
load_file(const char *path, size_t *lenp)
{
	unsigned char	*data;
	struct stat	 st;
	size_t		 len = 0;
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) < 0)
		fatal("%s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		fatal("%s: not a regular file", path);
	data = xmalloc((size_t)st.st_size);
	/* a file that shrinks under us is posted as it was read */
	while (len < (size_t)st.st_size) {
		n = read(fd, data + len, (size_t)st.st_size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			fatal("%s: %s", path, strerror(errno));
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	*lenp = len;
	return data;
}

/* build_request - header and body in one buffer: one write, one record */
static void
build_request(size_t i, const char *path, const char *authority,
    const char *type, const unsigned char *body, size_t bodylen)
{
	char	 head[4096];
	int	 n;

	n = snprintf(head, sizeof(head), "POST %s HTTP/1.1\r\nHost: %s\r\n"
	    "Content-Type: %s\r\nContent-Length: %zu\r\n%s\r\n", path,
	    authority, type, bodylen, g.keepalive ? "" :
	    "Connection: close\r\n");
	if (n < 0 || (size_t)n >= sizeof(head))
		fatal("request header too long");
	g.reqlen[i] = (size_t)n + bodylen;
	g.req[i] = xmalloc(g.reqlen[i]);
	memcpy(g.req[i], head, (size_t)n);
	if (bodylen > 0)
		memcpy(g.req[i] + n, body, bodylen);
}

/*
 * parse_url - split URL into target.tls, target.host, port, authority and path.
 * The strings returned through pointers are new allocations.
 */
static void
parse_url(const char *url, int plain, char **portp, char **authp,
    char **pathp)
{
	const char	*rest, *slash, *hend, *colon = NULL;
	size_t		 alen;
	char		*auth, *end;
	unsigned long	 port;

	if (strncasecmp(url, "https://", 8) == 0) {
		target.tls = !plain;
		rest = url + 8;
		*portp = strdup("443");
	} else if (strncasecmp(url, "http://", 7) == 0) {
		target.tls = 0;
		rest = url + 7;
		*portp = strdup("80");
	} else {
		fprintf(stderr, "http_load: URL must be http:// or https://\n");
		usage();
	}
	slash = rest + strcspn(rest, "/?#");
	alen = (size_t)(slash - rest);
	auth = xmalloc(alen + 1);
	memcpy(auth, rest, alen);
	auth[alen] = '\0';
	if (alen == 0 || strchr(auth, '@') != NULL) {
		fprintf(stderr, "http_load: bad host in URL \"%s\"\n", url);
		usage();
	}

	/* [v6]:port, v4:port or name:port; the brackets stay in Host: */
	if (auth[0] == '[') {
		if ((hend = strchr(auth, ']')) == NULL ||
		    (hend[1] != '\0' && hend[1] != ':')) {
			fprintf(stderr, "http_load: bad IPv6 literal in URL\n");
			usage();
		}
		target.host = strndup(auth + 1, (size_t)(hend - auth - 1));
		if (hend[1] == ':')
			colon = hend + 1;
	} else {
		colon = strchr(auth, ':');
		target.host = colon ? strndup(auth, (size_t)(colon - auth)) :
		    strdup(auth);
	}
	if (colon != NULL) {
		errno = 0;
		port = strtoul(colon + 1, &end, 10);
		if (colon[1] < '0' || colon[1] > '9' || *end != '\0' ||
		    errno != 0 || port == 0 || port > 65535) {
			fprintf(stderr, "http_load: bad port in URL\n");
			usage();
		}
		free(*portp);
		*portp = strdup(colon + 1);
	}
	if (target.host == NULL || *portp == NULL)
		fatal("out of memory");
	if (target.host[0] == '\0') {
		fprintf(stderr, "http_load: empty host in URL\n");
		usage();
	}
	*authp = auth;
	/* a query without a path still needs the "/" of origin-form */
	if (*slash == '/')
		*pathp = strdup(slash);
	else if (asprintf(pathp, "/%s", *slash == '?' ? slash : "") < 0)
		*pathp = NULL;
	if (*pathp == NULL)
		fatal("out of memory");
	(*pathp)[strcspn(*pathp, "#")] = '\0';
}

/* report_error - describe the first MAX_ERRORS failures on stderr */
static void
report_error(unsigned long i, const struct conn *c)
{
	if (atomic_fetch_add(&nerrors, 1) < MAX_ERRORS)
		fprintf(stderr, "http_load: request %lu: %s\n", i, c->err);
}

/* post - make request i: its answer's status, or 0 */
static int
post(struct conn *c, unsigned long i)
{
	size_t	 k = i % g.nreq;
	int	 status, closing = 0, started, reused, attempt;

	for (attempt = 0; ; attempt++) {
		c->err[0] = '\0';
		if (c->fd < 0 && conn_open(c) < 0)
			break;
		reused = c->used;
		if (conn_write(c, g.req[k], g.reqlen[k]) < 0)
			status = 0, started = 0;
		else
			status = read_answer(c, &closing, &started);
		if (status == 0) {
			conn_close(c);
			/* how an idle keep-alive close looks: once more */
			if (reused && !started && attempt == 0)
				continue;
			break;
		}
		if (!g.keepalive) {
			await_close(c);
			conn_close(c);
		} else if (closing)
			conn_close(c);
		else
			c->used = 1;
		return status;
	}
	report_error(i, c);
	return 0;
}

static double now(void);

/* worker - claim request numbers until none are left (or time is up) */
static void *
worker(void *arg)
{
	struct worker	*w = arg;
	struct conn	*c = xmalloc(sizeof(*c));
	unsigned long	 i;
	double		 t0;

	c->fd = -1;
	c->ssl = NULL;
	c->pos = c->len = 0;
	c->broken = c->used = 0;
	while ((g.until == 0 || now() < g.until) &&
	    (i = atomic_fetch_add(&next_index, 1)) < g.total) {
		t0 = now();
		w->count[post(c, i)]++;
		if (w->nms == w->capms) {
			w->capms = w->capms ? 2 * w->capms : 1024;
			if ((w->ms = realloc(w->ms, w->capms *
			    sizeof(*w->ms))) == NULL)
				fatal("out of memory");
		}
		w->ms[w->nms++] = (now() - t0) * 1e3;
	}
	conn_close(c);
	free(c);
	return NULL;
}

/* tv_secs - a struct timeval in seconds */
static double
tv_secs(const struct timeval *tv)
{
	return (double)tv->tv_sec + (double)tv->tv_usec / 1e6;
}

/* now - monotonic seconds */
static double
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* dblcmp - qsort order of latencies */
static int
dblcmp(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* pct - the p-th percentile of n sorted values (nearest rank) */
static double
pct(const double *v, size_t n, double p)
{
	size_t	 k;

	if (n == 0)
		return 0;
	k = (size_t)(p / 100 * (double)n + 0.999999);
	return v[k == 0 ? 0 : (k > n ? n - 1 : k - 1)];
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "plain", no_argument, NULL, 'P' },
		{ "cacert", required_argument, NULL, 'C' },
		{ "type", required_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*cacert = NULL, *type = "application/tlsrpt+gzip";
	char		*port, *authority, *path;
	struct worker	*w;
	struct addrinfo	 hints;
	unsigned long	 conc = 8, total = 0, sum[NSTATUS], ok = 0, nthreads, t;
	unsigned long	 made = 0, duration = 0;
	unsigned char	*body;
	size_t		 bodylen, k, nall = 0;
	double		 t0, secs, *all;
	struct rusage	 ru0, ru1;
	int		 ch, plain = 0, err, s;

	while ((ch = getopt_long(argc, argv, "kc:n:d:", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'k':
			g.keepalive = 1;
			break;
		case 'c':
			conc = number(optarg, 100000);
			break;
		case 'n':
			total = number(optarg, ULONG_MAX / 2);
			break;
		case 'd':
			duration = number(optarg, 86400);
			break;
		case 'P':
			plain = 1;
			break;
		case 'C':
			cacert = optarg;
			break;
		case 'T':
			/* it goes into a header line verbatim */
			if (optarg[0] == '\0' || strpbrk(optarg, "\r\n")) {
				fprintf(stderr, "http_load: bad --type\n");
				usage();
			}
			type = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 2)
		usage();

	parse_url(argv[0], plain, &port, &authority, &path);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_ADDRCONFIG;
	/* resolved once: name lookup is not what is being measured */
	if ((err = getaddrinfo(target.host, port, &hints, &target.ai)) != 0)
		fatal("%s: %s", target.host, gai_strerror(err));
	setup_tls(cacert);

	g.nreq = (size_t)(argc - 1);
	g.req = xmalloc(g.nreq * sizeof(*g.req));
	g.reqlen = xmalloc(g.nreq * sizeof(*g.reqlen));
	for (k = 0; k < g.nreq; k++) {
		body = load_file(argv[k + 1], &bodylen);
		build_request(k, path, authority, type, body, bodylen);
		free(body);
	}
	g.total = total ? total : duration ? ULONG_MAX / 2 : g.nreq;

	/* a server that resets under TLS must not kill us with SIGPIPE */
	signal(SIGPIPE, SIG_IGN);

	nthreads = conc < g.total ? conc : g.total;
	w = calloc(nthreads, sizeof(*w));
	if (w == NULL)
		fatal("out of memory");
	getrusage(RUSAGE_SELF, &ru0);
	t0 = now();
	if (duration > 0)
		g.until = t0 + (double)duration;
	for (t = 0; t < nthreads; t++)
		if ((err = pthread_create(&w[t].tid, NULL, worker, &w[t])) != 0)
			fatal("pthread_create: %s", strerror(err));
	for (t = 0; t < nthreads; t++)
		pthread_join(w[t].tid, NULL);
	secs = now() - t0;
	getrusage(RUSAGE_SELF, &ru1);

	memset(sum, 0, sizeof(sum));
	for (t = 0; t < nthreads; t++)
		for (s = 0; s < NSTATUS; s++)
			sum[s] += w[t].count[s];
	for (s = 200; s < 300; s++)
		ok += sum[s];
	for (s = 0; s < NSTATUS; s++)
		made += sum[s];
	printf("requests: %lu ok: %lu seconds: %.6f rate: %.1f/s\n", made,
	    ok, secs, secs > 0 ? (double)made / secs : 0.0);
	printf("cpu: %.6f\n", tv_secs(&ru1.ru_utime) - tv_secs(&ru0.ru_utime) +
	    tv_secs(&ru1.ru_stime) - tv_secs(&ru0.ru_stime));
	for (s = 0; s < NSTATUS; s++)
		if (sum[s] > 0)
			printf("status %d: %lu\n", s, sum[s]);
	for (t = 0; t < nthreads; t++)
		nall += w[t].nms;
	if ((all = malloc((nall ? nall : 1) * sizeof(*all))) == NULL)
		fatal("out of memory");
	for (nall = 0, t = 0; t < nthreads; t++) {
		if (w[t].nms > 0)
			memcpy(all + nall, w[t].ms, w[t].nms * sizeof(*all));
		nall += w[t].nms;
		free(w[t].ms);
	}
	qsort(all, nall, sizeof(*all), dblcmp);
	printf("latency ms: p50 %.1f p90 %.1f p99 %.1f max %.1f\n",
	    pct(all, nall, 50), pct(all, nall, 90), pct(all, nall, 99),
	    nall ? all[nall - 1] : 0.0);
	printf("files: %lu\n", made < g.nreq ? made : (unsigned long)g.nreq);
	free(all);
	if (atomic_load(&nerrors) > MAX_ERRORS)
		fprintf(stderr, "http_load: %u more errors not shown\n",
		    atomic_load(&nerrors) - MAX_ERRORS);

	for (k = 0; k < g.nreq; k++)
		free(g.req[k]);
	free(g.req);
	free(g.reqlen);
	free(w);
	free(port);
	free(authority);
	free(path);
	free(target.host);
	freeaddrinfo(target.ai);
	SSL_CTX_free(target.ctx);
	if (fflush(stdout) != 0 || ferror(stdout))
		return 1;
	return sum[0] > 0 ? 1 : 0;
}
