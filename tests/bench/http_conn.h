/*
 * http_conn.h - one HTTP/1.1 client connection, plain or TLS (http_load)
 *
 * http_conn.c opens connections to the target that http_load's main()
 * set up (the resolved address, the TLS context), writes a request and
 * reads one complete answer (Content-Length, chunked, or up to the
 * close).  Each worker thread owns its struct conn; the target is
 * written before the workers start and only read after.
 */
#ifndef HTTP_CONN_H
#define HTTP_CONN_H

#include <stddef.h>

#include <netdb.h>
#include <openssl/ssl.h>

#define IO_TIMEOUT	30		/* seconds, SO_RCVTIMEO/SO_SNDTIMEO */
#define CLOSE_WAIT_MS	1000		/* how long to wait for the server's close */
#define MAX_LINE	8192		/* status, header and chunk-size lines */
#define ERRLEN		256

/* One connection with its read buffer. */
struct conn {
	int		 fd;		/* -1 when closed */
	SSL		*ssl;		/* NULL for plain HTTP */
	int		 broken;	/* fatal TLS error: no close_notify */
	int		 used;		/* has carried a complete answer */
	size_t		 pos, len;
	unsigned char	 buf[16384];
	char		 err[ERRLEN];
};

/* Where every connection goes. */
struct target {
	int		 tls;
	char		*host;		/* unbracketed, for SNI and verification */
	int		 host_is_ip;
	struct addrinfo	*ai;
	SSL_CTX		*ctx;
};

extern struct target target;

/* fatal - a setup error: message on stderr, exit 1 (http_load.c) */
void	fatal(const char *fmt, ...)
	    __attribute__((noreturn, format(printf, 1, 2)));

/* setup_tls - target.ctx for target.host; fatal on errors */
void	setup_tls(const char *cacert);
/* conn_open - connect (and handshake); 0, or -1 with c->err */
int	conn_open(struct conn *c);
/* conn_close - end the connection, politely unless TLS already failed */
void	conn_close(struct conn *c);
/* conn_write - all of buf; 0, or -1 with c->err */
int	conn_write(struct conn *c, const unsigned char *buf, size_t len);
/* read_answer - one whole answer: its status, or -1 with c->err;
 * *closing: the server will close; *started: a byte of it arrived */
int	read_answer(struct conn *c, int *closing, int *started);
/* await_close - let the server close first (TIME_WAIT stays there) */
void	await_close(struct conn *c);

#endif
