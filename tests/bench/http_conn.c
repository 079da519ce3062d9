/*
 * http_conn.c - one HTTP/1.1 client connection for http_load: TCP with
 * timeouts, TLS without resumption, and reading one complete answer
 *
 * See http_conn.h.  Errors are described in the connection's err
 * buffer (thread-safe: each worker owns its connection); only
 * setup_tls(), before the workers start, is fatal.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "http_conn.h"

struct target	 target;

/* seterr - format one message into c->err; returns -1 for tail calls */
static int __attribute__((format(printf, 2, 3)))
seterr(struct conn *c, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
	return -1;
}

/* syserr - c->err from errno, thread-safe (strerror(3) is not) */
static int
syserr(struct conn *c, const char *what)
{
	char	 tmp[128];

	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return seterr(c, "%s: timed out after %d s", what, IO_TIMEOUT);
	return seterr(c, "%s: %s", what, strerror_r(errno, tmp, sizeof(tmp)));
}

/* sslerr - c->err after a failed SSL call that returned ret */
static int
sslerr(struct conn *c, const char *what, int ret)
{
	int		 e = SSL_get_error(c->ssl, ret);
	unsigned long	 code = ERR_peek_last_error();
	char		 tmp[160];
	long		 vr;

	c->broken = (e == SSL_ERROR_SYSCALL || e == SSL_ERROR_SSL);
	/* the sockets block: "want" can only mean SO_RCVTIMEO/SO_SNDTIMEO */
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		c->broken = 1;
		ERR_clear_error();
		return seterr(c, "%s: timed out after %d s", what, IO_TIMEOUT);
	}
	if (e == SSL_ERROR_SYSCALL && code == 0) {
		if (errno == 0)
			return seterr(c, "%s: connection closed", what);
		return syserr(c, what);
	}
	if (code == 0)
		return seterr(c, "%s: TLS error %d", what, e);
	ERR_error_string_n(code, tmp, sizeof(tmp));
	ERR_clear_error();
	/* "certificate verify failed" alone does not say which check */
	vr = SSL_get_verify_result(c->ssl);
	if (vr != X509_V_OK && (SSL_get_verify_mode(c->ssl) & SSL_VERIFY_PEER))
		return seterr(c, "%s: %s (%s)", what, tmp,
		    X509_verify_cert_error_string(vr));
	return seterr(c, "%s: %s", what, tmp);
}

/* setup_tls - the one client context every connection is made from */
void
setup_tls(const char *cacert)
{
	X509_VERIFY_PARAM	*param;
	unsigned char		 addr[16];
	char			 tmp[160];

	target.host_is_ip = inet_pton(AF_INET, target.host, addr) == 1 ||
	    inet_pton(AF_INET6, target.host, addr) == 1;
	if (!target.tls)
		return;
	if ((target.ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		fatal("SSL_CTX_new failed");
	SSL_CTX_set_min_proto_version(target.ctx, TLS1_2_VERSION);
	/*
	 * No resumption of any kind, so every new connection pays for a
	 * full handshake.  Servers that close without close_notify are
	 * common and harmless here: an EOF is an EOF.
	 */
	SSL_CTX_set_options(target.ctx, SSL_OP_NO_TICKET |
	    SSL_OP_IGNORE_UNEXPECTED_EOF);
	SSL_CTX_set_session_cache_mode(target.ctx, SSL_SESS_CACHE_OFF);
	if (cacert == NULL) {
		SSL_CTX_set_verify(target.ctx, SSL_VERIFY_NONE, NULL);
		return;
	}
	if (SSL_CTX_load_verify_locations(target.ctx, cacert, NULL) != 1) {
		ERR_error_string_n(ERR_peek_last_error(), tmp, sizeof(tmp));
		fatal("%s: cannot load CA certificates: %s", cacert, tmp);
	}
	SSL_CTX_set_verify(target.ctx, SSL_VERIFY_PEER, NULL);
	/* set on the context once, copied into every SSL */
	param = SSL_CTX_get0_param(target.ctx);
	if ((target.host_is_ip ? X509_VERIFY_PARAM_set1_ip_asc(param, target.host) :
	    X509_VERIFY_PARAM_set1_host(param, target.host, 0)) != 1)
		fatal("cannot set the name to verify");
}

/* conn_close - end the connection, politely unless TLS already failed */
void
conn_close(struct conn *c)
{
	if (c->ssl != NULL) {
		/* send close_notify, do not wait for the server's */
		if (!c->broken)
			(void)SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->broken = c->used = 0;
	c->pos = c->len = 0;
	ERR_clear_error();
}

/* tcp_connect - a connected socket with timeouts, or -1 with c->err */
static int
tcp_connect(struct conn *c)
{
	struct timeval	 tv = { IO_TIMEOUT, 0 };
	struct addrinfo	*ai;
	int		 fd, one = 1;

	for (ai = target.ai; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol);
		if (fd < 0) {
			syserr(c, "socket");
			continue;
		}
		/* SO_SNDTIMEO also bounds connect(2) on Linux */
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		/* requests are single writes: Nagle could only add delay */
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one));
		while (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
			if (errno == EINTR)
				continue;
			syserr(c, "connect");
			close(fd);
			fd = -1;
			break;
		}
		if (fd >= 0)
			return fd;
	}
	return -1;
}

/* conn_open - connect and, for https, handshake; -1 with c->err */
int
conn_open(struct conn *c)
{
	int	 ret;

	c->pos = c->len = 0;
	c->broken = c->used = 0;
	if ((c->fd = tcp_connect(c)) < 0)
		return -1;
	if (!target.tls)
		return 0;
	ERR_clear_error();
	if ((c->ssl = SSL_new(target.ctx)) == NULL ||
	    SSL_set_fd(c->ssl, c->fd) != 1) {
		seterr(c, "SSL_new failed");
		c->broken = 1;
		conn_close(c);
		return -1;
	}
	if (!target.host_is_ip)
		(void)SSL_set_tlsext_host_name(c->ssl, target.host);
	errno = 0;
	if ((ret = SSL_connect(c->ssl)) != 1) {
		sslerr(c, "TLS handshake", ret);
		c->broken = 1;
		conn_close(c);
		return -1;
	}
	return 0;
}

/* conn_write - all of buf, or -1 with c->err */
int
conn_write(struct conn *c, const unsigned char *buf, size_t len)
{
	size_t	 done;
	ssize_t	 n;
	int	 ret;

	if (c->ssl != NULL) {
		ERR_clear_error();
		errno = 0;
		if (len == 0)
			return 0;
		if ((ret = SSL_write_ex(c->ssl, buf, len, &done)) != 1)
			return sslerr(c, "write", ret);
		return 0;
	}
	for (done = 0; done < len; done += (size_t)n) {
		/* MSG_NOSIGNAL: a closed peer is an error, not a signal */
		n = send(c->fd, buf + done, len - done, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			n = 0;
		else if (n < 0)
			return syserr(c, "write");
	}
	return 0;
}

/* conn_fill - refill an empty buffer: >0 bytes, 0 at EOF, -1 on error */
static int
conn_fill(struct conn *c)
{
	size_t	 got;
	ssize_t	 n;
	int	 ret;

	if (c->pos < c->len)
		return (int)(c->len - c->pos);
	c->pos = c->len = 0;
	if (c->ssl != NULL) {
		ERR_clear_error();
		errno = 0;
		if ((ret = SSL_read_ex(c->ssl, c->buf, sizeof(c->buf),
		    &got)) == 1) {
			c->len = got;
			return (int)got;
		}
		if (SSL_get_error(c->ssl, ret) == SSL_ERROR_ZERO_RETURN)
			return 0;
		return sslerr(c, "read", ret);
	}
	do
		n = recv(c->fd, c->buf, sizeof(c->buf), 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return syserr(c, "read");
	c->len = (size_t)n;
	return (int)n;
}

/* conn_getline - one CRLF or LF terminated line, without its end */
static int
conn_getline(struct conn *c, char *line, size_t size)
{
	size_t	 n = 0;
	int	 ret;

	for (;;) {
		if ((ret = conn_fill(c)) < 0)
			return -1;
		if (ret == 0)
			return seterr(c, "connection closed %s",
			    n ? "within a line" : "before the answer was "
			    "complete");
		while (c->pos < c->len) {
			char	 ch = (char)c->buf[c->pos++];

			if (ch == '\n') {
				if (n > 0 && line[n - 1] == '\r')
					n--;
				line[n] = '\0';
				return 0;
			}
			if (n + 1 >= size)
				return seterr(c, "answer line longer than %zu "
				    "bytes", size);
			line[n++] = ch;
		}
	}
}

/* conn_skip - discard exactly len bytes of body */
static int
conn_skip(struct conn *c, uintmax_t len)
{
	size_t	 n;
	int	 ret;

	while (len > 0) {
		if ((ret = conn_fill(c)) < 0)
			return -1;
		if (ret == 0)
			return seterr(c, "connection closed within the body");
		n = c->len - c->pos;
		if (n > len)
			n = (size_t)len;
		c->pos += n;
		len -= n;
	}
	return 0;
}

/* conn_drain - discard everything up to the server's close */
static int
conn_drain(struct conn *c)
{
	int	 ret;

	while ((ret = conn_fill(c)) > 0)
		c->pos = c->len;
	return ret;
}

/* header_value - the value of "Name: value" when the name matches */
static const char *
header_value(const char *line, const char *name)
{
	size_t	 n = strlen(name);

	if (strncasecmp(line, name, n) != 0 || line[n] != ':')
		return NULL;
	line += n + 1;
	return line + strspn(line, " \t");
}

/* isdigit_ - an ASCII digit, whatever the locale and the sign of char */
static int
isdigit_(char ch)
{
	return ch >= '0' && ch <= '9';
}

/* has_token - 1 when the comma-separated list holds token (any case) */
static int
has_token(const char *list, const char *token)
{
	size_t	 n = strlen(token), len;

	while (*list != '\0') {
		list += strspn(list, " \t,");
		len = strcspn(list, " \t,;");
		if (len == n && strncasecmp(list, token, n) == 0)
			return 1;
		list += strcspn(list, ",");
	}
	return 0;
}

/* read_chunked - a chunked body and its trailer */
static int
read_chunked(struct conn *c, char *line, size_t size)
{
	uintmax_t	 len;
	char		*end;

	for (;;) {
		if (conn_getline(c, line, size) < 0)
			return -1;
		errno = 0;
		len = strtoumax(line, &end, 16);
		if (end == line || errno != 0 ||
		    (*end != '\0' && *end != ';' && *end != ' ' && *end != '\t'))
			return seterr(c, "bad chunk size \"%.40s\"", line);
		if (len == 0)
			break;
		if (conn_skip(c, len) < 0 || conn_getline(c, line, size) < 0)
			return -1;
		if (line[0] != '\0')
			return seterr(c, "no CRLF after chunk data");
	}
	/* trailer fields up to the empty line */
	do
		if (conn_getline(c, line, size) < 0)
			return -1;
	while (line[0] != '\0');
	return 0;
}

/*
 * read_answer - one complete answer: its status (100..999), or 0 with
 * c->err.  *closing is set when the connection cannot carry another
 * request; *started when any byte of the answer arrived.
 */
int
read_answer(struct conn *c, int *closing, int *started)
{
	char		 line[MAX_LINE], *end;
	const char	*v;
	uintmax_t	 clen = 0;
	int		 status, minor, have_clen, chunked, te;

	*started = 0;
	for (;;) {
		*closing = 0;
		if (conn_fill(c) <= 0) {
			if (c->err[0] == '\0')
				seterr(c, "connection closed before an answer");
			return 0;
		}
		*started = 1;
		if (conn_getline(c, line, sizeof(line)) < 0)
			return 0;
		if (strncmp(line, "HTTP/1.", 7) != 0 || !isdigit_(line[7]) ||
		    line[8] != ' ' || line[9] < '1' || line[9] > '9' ||
		    !isdigit_(line[10]) || !isdigit_(line[11]) ||
		    (line[12] != ' ' && line[12] != '\0')) {
			seterr(c, "bad status line \"%.60s\"", line);
			return 0;
		}
		status = atoi(line + 9);
		minor = line[7] - '0';
		/* HTTP/1.0 closes unless it says keep-alive */
		*closing = minor == 0;
		have_clen = chunked = te = 0;
		for (;;) {
			if (conn_getline(c, line, sizeof(line)) < 0)
				return 0;
			if (line[0] == '\0')
				break;
			if ((v = header_value(line, "Content-Length")) != NULL) {
				errno = 0;
				clen = strtoumax(v, &end, 10);
				if (*v < '0' || *v > '9' || errno != 0 ||
				    *(end + strspn(end, " \t")) != '\0') {
					seterr(c, "bad Content-Length \"%.40s\"",
					    v);
					return 0;
				}
				have_clen = 1;
			} else if ((v = header_value(line,
			    "Transfer-Encoding")) != NULL) {
				te = 1;
				chunked = has_token(v, "chunked");
			} else if ((v = header_value(line, "Connection")) !=
			    NULL) {
				if (has_token(v, "close"))
					*closing = 1;
				else if (has_token(v, "keep-alive"))
					*closing = 0;
			}
		}
		/* interim answers (100 Continue) precede the real one */
		if (status >= 100 && status < 200) {
			if (status == 101) {
				seterr(c, "unexpected 101 Switching Protocols");
				return 0;
			}
			continue;
		}
		break;
	}

	/* the body, framed as RFC 9112 section 6.3 says */
	if (status == 204 || status == 304)
		return status;
	if (chunked) {
		if (read_chunked(c, line, sizeof(line)) < 0)
			return 0;
	} else if (te || !have_clen) {
		*closing = 1;
		if (conn_drain(c) < 0)
			return 0;
	} else if (conn_skip(c, clen) < 0)
		return 0;
	return status;
}

/*
 * await_close - in close mode, let the server close first: then its
 * side holds TIME_WAIT, as with real senders, and its close is part of
 * what is measured.  A server that keeps the connection open anyway is
 * given CLOSE_WAIT_MS before we close it ourselves.
 */
void
await_close(struct conn *c)
{
	struct pollfd	 pfd = { .fd = c->fd, .events = POLLIN };
	int		 i;

	for (i = 0; i < 16; i++) {
		if (c->pos == c->len &&
		    (c->ssl == NULL || SSL_pending(c->ssl) == 0) &&
		    poll(&pfd, 1, CLOSE_WAIT_MS) <= 0)
			return;
		if (conn_fill(c) <= 0)
			return;
		c->pos = c->len;
	}
}

