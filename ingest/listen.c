/*
 * listen.c - serve's sockets and PEM files, taken before privileges drop
 *
 * DESCRIPTION
 *	STYLE.md rule 7: "tlsrpt serve" binds every socket and reads the
 *	certificate and key as the user who started it (usually root, for
 *	port 443 and a key readable by root only), then drops to "user" and
 *	only then starts libmicrohttpd on the bound sockets (http.c).
 *
 *	A listen spec is "ADDRESS:PORT", "[V6]:PORT" or "*:PORT".  IPv6
 *	sockets are V6ONLY, so "0.0.0.0:443" and "[::]:443" can both be
 *	bound.  Port 0 takes a free port, which is logged (the tests use
 *	it).
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "serve.h"
#include "util.h"

/* log_bound - say where l listens (port 0 got a free one) */
static void
log_bound(const struct listener *l)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sl = sizeof ss;
	char			 shown[INET6_ADDRSTRLEN];
	const char		*scheme = l->tls ? "https" : "http";

	if (getsockname(l->fd, (struct sockaddr *)&ss, &sl) != 0)
		return;
	if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *s6 = (void *)&ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, shown, sizeof shown);
		log_info("listening on %s://[%s]:%u", scheme, shown,
		    ntohs(s6->sin6_port));
	} else {
		struct sockaddr_in *s4 = (void *)&ss;

		inet_ntop(AF_INET, &s4->sin_addr, shown, sizeof shown);
		log_info("listening on %s://%s:%u", scheme, shown,
		    ntohs(s4->sin_port));
	}
}

/* listen_bind - bind and listen on l->spec; 0 or -1 with err */
int
listen_bind(struct listener *l, char *err, size_t errlen)
{
	struct addrinfo	 hints, *res = NULL;
	char		 host[256], *colon, port[16];
	const char	*h;
	int		 one = 1, rc;

	snprintf(host, sizeof host, "%s", l->spec);
	if ((colon = strrchr(host, ':')) == NULL)
		return seterr(err, errlen, "listen \"%s\": expected "
		    "ADDRESS:PORT", l->spec);
	*colon = '\0';
	snprintf(port, sizeof port, "%s", colon + 1);
	h = host;
	if (host[0] == '[') {
		h = host + 1;
		if (strlen(h) > 0 && h[strlen(h) - 1] == ']')
			host[strlen(host) - 1] = '\0';
	}
	if (*h == '\0' || strcmp(h, "*") == 0)
		h = NULL;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV | (h ? AI_NUMERICHOST : 0);
	if ((rc = getaddrinfo(h, port, &hints, &res)) != 0)
		return seterr(err, errlen, "listen \"%s\": %s", l->spec,
		    gai_strerror(rc));
	l->fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, 0);
	if (l->fd == -1 ||
	    setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
	    (res->ai_family == AF_INET6 && setsockopt(l->fd, IPPROTO_IPV6,
	    IPV6_V6ONLY, &one, sizeof one)) ||
	    bind(l->fd, res->ai_addr, res->ai_addrlen) == -1 ||
	    listen(l->fd, 1024) == -1) {
		seterr(err, errlen, "listen \"%s\": %s", l->spec,
		    strerror(errno));
		freeaddrinfo(res);
		return -1;
	}
	freeaddrinfo(res);
	log_bound(l);
	return 0;
}

/* read_pem - a PEM file into a new NUL-terminated string, or NULL with
 * err (before dropping privileges: the key is usually root's only) */
char *
read_pem(const char *path, char *err, size_t errlen)
{
	unsigned char	*data;
	size_t		 len;
	char		 why[ERRLEN];

	if (read_file(path, 1 << 20, &data, &len, why, sizeof why) != 0) {
		seterr(err, errlen, "%s: %s", path, why);
		return NULL;
	}
	return (char *)data;
}
