/*
 * slowloris.c - many slow connections from many addresses, for the
 *		 attack tests (tests/attack.sh) and "make bench"
 *
 * NAME
 *	slowloris - hold connections open by sending a byte at a time
 *
 * SYNOPSIS
 *	slowloris [-n CONNECTIONS] [-t SECONDS] [-i MILLISECONDS]
 *	    [-m headers|body|hello|idle] [--nets N] [--hosts N]
 *	    [--base OCTET] [--once] HOST PORT
 *
 * DESCRIPTION
 *	Opens CONNECTIONS (default 100) TCP connections to HOST:PORT, an
 *	IPv4 address, and keeps each one as slow as the mode says, for
 *	SECONDS (default 10):
 *	  headers  TLS handshake, then a request's headers one byte every
 *		   MILLISECONDS (default 1000), never ending them
 *	  body	   TLS handshake, complete headers announcing 1 MB, then the
 *		   body one byte every MILLISECONDS
 *	  hello	   a TLS ClientHello one byte every MILLISECONDS
 *	  idle	   nothing at all after the TCP connect
 *	A connection the server closes is opened again 200 ms later (never
 *	with --once), the way an attacker keeps up the pressure.  SIGTERM
 *	ends the attack early (with the line below).
 *
 *	Connection i comes from its own loopback address: 127.BASE.0.0
 *	(BASE default 100) plus network i % NETS (a /24 each, default 1)
 *	and host 1 + (i / NETS) % HOSTS (default 250).  Linux routes all of
 *	127.0.0.0/8 to the loopback interface, so a test can play many
 *	clients in many networks.
 *
 * OUTPUT
 *	One line on standard output at the end, for a script to parse:
 *	    opened=N cut=N refused=N failed=N open=N max_open=N lifetime_max=S
 *	opened counts TCP connections made; cut those the server closed
 *	after at least a second (a deadline), refused those it closed
 *	sooner (a limit at accept); failed the connects that did not
 *	succeed; open those still open at the end; lifetime_max the
 *	longest time, in seconds, a connection the server closed had
 *	stayed open.
 *
 * DIAGNOSTICS
 *	Exit 0; 64 on usage errors; 1 when nothing could be set up.
 */
#include <sys/socket.h>
#include <sys/types.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

enum mode { M_HEADERS, M_BODY, M_HELLO, M_IDLE };
enum state { S_WAIT, S_CONNECT, S_HANDSHAKE, S_DRIP };

struct slow {
	enum state	 st;
	int		 fd;
	SSL		*ssl;
	double		 at;		/* S_WAIT: reconnect; S_DRIP: next byte */
	double		 since;		/* connected */
	size_t		 sent;		/* bytes of the script sent */
	struct in_addr	 src;
};

static enum mode	 mode = M_HEADERS;
static double		 interval = 1.0;
static int		 once;
static struct sockaddr_in dst;
static SSL_CTX		*ctx;
static unsigned char	 hello[4096];	/* M_HELLO: a ClientHello */
static size_t		 hellolen;
static unsigned long	 opened, cut, refused, failed, maxopen, nopen;
static double		 lifemax;
static volatile sig_atomic_t stop;

static const char	 head_slow[] = "POST /tlsrpt HTTP/1.1\r\nHost: "
    "localhost\r\nContent-Type: application/tlsrpt+json\r\nX-Slow: ";
static const char	 head_body[] = "POST /tlsrpt HTTP/1.1\r\nHost: "
    "localhost\r\nContent-Type: application/tlsrpt+json\r\n"
    "Content-Length: 1000000\r\n\r\n{";

static double
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* make_hello - the bytes of one ClientHello, through memory BIOs */
static int
make_hello(void)
{
	SSL	*ssl = SSL_new(ctx);
	BIO	*rb = BIO_new(BIO_s_mem()), *wb = BIO_new(BIO_s_mem());
	int	 n;

	if (ssl == NULL || rb == NULL || wb == NULL)
		return -1;
	SSL_set_bio(ssl, rb, wb);
	(void)SSL_connect(ssl);		/* wants to read the ServerHello */
	n = BIO_read(wb, hello, sizeof hello);
	SSL_free(ssl);
	if (n <= 0)
		return -1;
	hellolen = (size_t)n;
	return 0;
}

static void	handshake(struct slow *, double);

/* closed - the server closed c (or the connect failed): count, retry */
static void
closed(struct slow *c, double t, int was_open)
{
	double	 life = t - c->since;

	if (was_open) {
		if (life >= 1.0)
			cut++;
		else
			refused++;
		if (life > lifemax)
			lifemax = life;
		nopen--;
	} else
		failed++;
	if (c->ssl != NULL)
		SSL_free(c->ssl);
	c->ssl = NULL;
	close(c->fd);
	c->fd = -1;
	c->st = S_WAIT;
	c->at = once ? 1e300 : t + 0.2;
}

/* start - a new connection from c->src */
static void
start(struct slow *c, double t)
{
	struct sockaddr_in	 src;

	memset(&src, 0, sizeof src);
	src.sin_family = AF_INET;
	src.sin_addr = c->src;
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd == -1 || bind(c->fd, (struct sockaddr *)&src,
	    sizeof src) == -1 || (connect(c->fd, (struct sockaddr *)&dst,
	    sizeof dst) == -1 && errno != EINPROGRESS)) {
		if (c->fd != -1)
			closed(c, t, 0);
		else {
			failed++;
			c->at = t + 1.0;
		}
		return;
	}
	c->st = S_CONNECT;
}

/* connected - the TCP connect is done */
static void
connected(struct slow *c, double t)
{
	int		 e = 0;
	socklen_t	 el = sizeof e;

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &el) == -1 || e) {
		closed(c, t, 0);
		return;
	}
	opened++;
	if (++nopen > maxopen)
		maxopen = nopen;
	c->since = t;
	c->sent = 0;
	c->at = t;
	if (mode == M_HELLO || mode == M_IDLE) {
		c->st = S_DRIP;
		return;
	}
	c->ssl = SSL_new(ctx);
	SSL_set_fd(c->ssl, c->fd);
	SSL_set_tlsext_host_name(c->ssl, "localhost");
	c->st = S_HANDSHAKE;
	handshake(c, t);	/* the ClientHello goes out now */
}

/* script - the next byte c sends, and how many to send now */
static const void *
script(struct slow *c, size_t *n)
{
	static const char	 x = 'x', sp = ' ';

	*n = 1;
	switch (mode) {
	case M_HELLO:
		return c->sent < hellolen ? &hello[c->sent] : NULL;
	case M_HEADERS:
		if (c->sent == 0)
			*n = sizeof head_slow - 1;
		return c->sent == 0 ? head_slow : &x;
	case M_BODY:
		if (c->sent == 0)
			*n = sizeof head_body - 1;
		return c->sent == 0 ? head_body : &sp;
	default:
		return NULL;
	}
}

/* drip - send c's next bytes; notice a close */
static void
drip(struct slow *c, double t)
{
	const void	*p;
	size_t		 n;
	ssize_t		 w;
	int		 r;

	c->at = t + interval;
	if ((p = script(c, &n)) == NULL)
		return;
	if (c->ssl != NULL) {
		ERR_clear_error();
		if ((r = SSL_write(c->ssl, p, (int)n)) > 0)
			c->sent += (size_t)r;
		else if (SSL_get_error(c->ssl, r) != SSL_ERROR_WANT_READ &&
		    SSL_get_error(c->ssl, r) != SSL_ERROR_WANT_WRITE)
			closed(c, t, 1);
		return;
	}
	if ((w = send(c->fd, p, n, MSG_NOSIGNAL)) > 0)
		c->sent += (size_t)w;
	else if (w == -1 && errno != EAGAIN)
		closed(c, t, 1);
}

/* readable - the server sent something, or closed */
static void
readable(struct slow *c, double t)
{
	char	 buf[4096];
	int	 r;

	if (c->ssl != NULL) {
		ERR_clear_error();
		r = SSL_read(c->ssl, buf, sizeof buf);
		if (r <= 0 && SSL_get_error(c->ssl, r) != SSL_ERROR_WANT_READ &&
		    SSL_get_error(c->ssl, r) != SSL_ERROR_WANT_WRITE)
			closed(c, t, 1);
		return;
	}
	r = (int)recv(c->fd, buf, sizeof buf, 0);
	if (r == 0 || (r == -1 && errno != EAGAIN))
		closed(c, t, 1);
}

/* handshake - move c's TLS handshake on */
static void
handshake(struct slow *c, double t)
{
	int	 r, e;

	ERR_clear_error();
	if ((r = SSL_connect(c->ssl)) == 1) {
		c->st = S_DRIP;
		c->at = t;
		return;
	}
	e = SSL_get_error(c->ssl, r);
	if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
		closed(c, t, 1);
}

/* events - what to poll c for */
static short
events(const struct slow *c)
{
	if (c->st == S_CONNECT)
		return POLLOUT;
	if (c->st == S_HANDSHAKE && SSL_want_write(c->ssl))
		return POLLOUT;
	return POLLIN;
}

static void
on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static void
usage(void)
{
	fprintf(stderr, "usage: slowloris [-n CONNECTIONS] [-t SECONDS] "
	    "[-i MILLISECONDS] [-m headers|body|hello|idle] [--nets N] "
	    "[--hosts N] [--base OCTET] [--once] HOST PORT\n");
	exit(64);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "nets", required_argument, NULL, 'N' },
		{ "hosts", required_argument, NULL, 'H' },
		{ "base", required_argument, NULL, 'B' },
		{ "once", no_argument, NULL, 'O' },
		{ NULL, 0, NULL, 0 },
	};
	struct slow	*cs;
	struct pollfd	*pfd;
	size_t		*idx;
	unsigned long	 n = 100, nets = 1, hosts = 250, base = 100, i, k, np;
	double		 secs = 10, t, end, next;
	int		 ch, timeout;

	while ((ch = getopt_long(argc, argv, "n:t:i:m:", longopts, NULL)) != -1)
		switch (ch) {
		case 'n': n = strtoul(optarg, NULL, 10); break;
		case 't': secs = atof(optarg); break;
		case 'i': interval = atof(optarg) / 1000.0; break;
		case 'm':
			if (strcmp(optarg, "headers") == 0)
				mode = M_HEADERS;
			else if (strcmp(optarg, "body") == 0)
				mode = M_BODY;
			else if (strcmp(optarg, "hello") == 0)
				mode = M_HELLO;
			else if (strcmp(optarg, "idle") == 0)
				mode = M_IDLE;
			else
				usage();
			break;
		case 'N': nets = strtoul(optarg, NULL, 10); break;
		case 'H': hosts = strtoul(optarg, NULL, 10); break;
		case 'B': base = strtoul(optarg, NULL, 10); break;
		case 'O': once = 1; break;
		default: usage();
		}
	if (argc - optind != 2 || n == 0 || nets == 0 || hosts == 0 ||
	    hosts > 254 || base + (nets - 1) / 256 > 255)
		usage();
	memset(&dst, 0, sizeof dst);
	dst.sin_family = AF_INET;
	dst.sin_port = htons((unsigned short)atoi(argv[optind + 1]));
	if (inet_pton(AF_INET, argv[optind], &dst.sin_addr) != 1)
		usage();
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL ||
	    (mode == M_HELLO && make_hello() == -1)) {
		fprintf(stderr, "slowloris: cannot set up TLS\n");
		return 1;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	cs = calloc(n, sizeof *cs);
	pfd = calloc(n, sizeof *pfd);
	idx = calloc(n, sizeof *idx);
	if (cs == NULL || pfd == NULL || idx == NULL)
		return 1;
	t = now();
	end = t + secs;
	for (i = 0; i < n; i++) {
		k = i % nets;
		cs[i].fd = -1;
		cs[i].src.s_addr = htonl(127u << 24 |
		    (unsigned)(base + k / 256) << 16 | (unsigned)(k % 256) << 8 |
		    (unsigned)(1 + (i / nets) % hosts));
		cs[i].st = S_WAIT;
		cs[i].at = t;
	}
	while ((t = now()) < end && !stop) {
		next = end;
		for (i = np = 0; i < n; i++) {
			if (cs[i].st == S_WAIT && cs[i].at <= t)
				start(&cs[i], t);
			if (cs[i].st == S_DRIP && cs[i].at <= t)
				drip(&cs[i], t);
			if (cs[i].st == S_WAIT || cs[i].st == S_DRIP)
				next = cs[i].at < next ? cs[i].at : next;
			if (cs[i].st != S_WAIT) {
				pfd[np].fd = cs[i].fd;
				pfd[np].events = events(&cs[i]);
				pfd[np].revents = 0;
				idx[np++] = i;
			}
		}
		timeout = (int)((next - t) * 1000) + 1;
		if (poll(pfd, np, timeout > 100 ? 100 : timeout) <= 0)
			continue;
		t = now();
		for (k = 0; k < np; k++) {
			struct slow	*c = &cs[idx[k]];

			if (pfd[k].revents == 0 || c->fd != pfd[k].fd)
				continue;
			if (c->st == S_CONNECT)
				connected(c, t);
			else if (c->st == S_HANDSHAKE)
				handshake(c, t);
			else
				readable(c, t);
		}
	}
	printf("opened=%lu cut=%lu refused=%lu failed=%lu open=%lu "
	    "max_open=%lu lifetime_max=%.1f\n", opened, cut, refused, failed,
	    nopen, maxopen, lifemax);
	return 0;
}
