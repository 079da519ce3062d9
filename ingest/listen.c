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
 *
 *	A client's address becomes a key (listen_addrkey) for what is
 *	counted per client: the rate limit's buckets (ratelimit.c) and the
 *	connections per address and per network (connlimit.c).  A key is
 *	the family, a prefix length and the address cut to that prefix, so
 *	keys of different prefixes never compare equal.  An IPv4-mapped
 *	IPv6 address (::ffff:a.b.c.d) is its IPv4 address.
 *
 *	Behind a reverse proxy every connection comes from the proxy: when
 *	the peer is one of trusted_proxies, the client is the address its
 *	X-Forwarded-For names (listen_forwarded: the right-most element
 *	that is not a trusted proxy; elements left of it were written by
 *	the client and are never read).  From any other peer the header
 *	means nothing.  The connection limits are taken at the accept,
 *	before any header, so they keep counting the proxy.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
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
	const char		*what = l->metrics ? "metrics " : "";

	if (getsockname(l->fd, (struct sockaddr *)&ss, &sl) != 0)
		return;
	if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *s6 = (void *)&ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, shown, sizeof shown);
		log_info("%slistening on %s://[%s]:%u", what, scheme, shown,
		    ntohs(s6->sin6_port));
	} else {
		struct sockaddr_in *s4 = (void *)&ss;

		inet_ntop(AF_INET, &s4->sin_addr, shown, sizeof shown);
		log_info("%slistening on %s://%s:%u", what, scheme, shown,
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

/* listen_addrkey - see serve.h */
int
listen_addrkey(const struct sockaddr *sa, unsigned v4bits, unsigned v6bits,
    struct addrkey *k)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0, 0xff, 0xff };
	const unsigned char	*a;
	unsigned		 bits, i;

	memset(k, 0, sizeof *k);
	if (sa != NULL && sa->sa_family == AF_INET) {
		a = (const unsigned char *)&((const struct sockaddr_in *)
		    (const void *)sa)->sin_addr;
		k->b[0] = 4;
	} else if (sa != NULL && sa->sa_family == AF_INET6) {
		a = ((const struct sockaddr_in6 *)(const void *)sa)->
		    sin6_addr.s6_addr;
		k->b[0] = 6;
		if (memcmp(a, mapped, sizeof mapped) == 0) {
			a += sizeof mapped;
			k->b[0] = 4;
		}
	} else
		return -1;
	bits = k->b[0] == 4 ? (v4bits < 32 ? v4bits : 32) :
	    (v6bits < 128 ? v6bits : 128);
	k->b[1] = (unsigned char)bits;
	for (i = 0; i < bits / 8; i++)
		k->b[2 + i] = a[i];
	if (bits % 8)
		k->b[2 + i] = a[i] & (unsigned char)(0xff00u >> (bits % 8));
	return 0;
}

/* listen_addrhash - see serve.h: FNV-1a, seeded */
uint32_t
listen_addrhash(const struct addrkey *k, uint32_t seed)
{
	uint32_t	 h = 2166136261u ^ seed;
	size_t		 i;

	for (i = 0; i < sizeof k->b; i++)
		h = (h ^ k->b[i]) * 16777619u;
	return h;
}

/* listen_addrtext - see serve.h */
void
listen_addrtext(const struct sockaddr *sa, char *buf, size_t len)
{
	snprintf(buf, len, "-");
	if (sa != NULL && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)
		    (const void *)sa)->sin_addr, buf, (socklen_t)len);
	else if (sa != NULL && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)
		    (const void *)sa)->sin6_addr, buf, (socklen_t)len);
}

/* addr_bytes - sa's address as family 4 or 6 and its bytes (an
 * IPv4-mapped IPv6 address is IPv4); 0 for another family */
static int
addr_bytes(const struct sockaddr *sa, const unsigned char **a)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0, 0xff, 0xff };

	if (sa != NULL && sa->sa_family == AF_INET) {
		*a = (const unsigned char *)&((const struct sockaddr_in *)
		    (const void *)sa)->sin_addr;
		return 4;
	}
	if (sa != NULL && sa->sa_family == AF_INET6) {
		*a = ((const struct sockaddr_in6 *)(const void *)sa)->
		    sin6_addr.s6_addr;
		if (memcmp(*a, mapped, sizeof mapped) == 0) {
			*a += sizeof mapped;
			return 4;
		}
		return 6;
	}
	return 0;
}

/* listen_trusted - see serve.h */
int
listen_trusted(const struct conf *conf, const struct sockaddr *sa)
{
	const struct conf_cidr	*c;
	const unsigned char	*a;
	unsigned		 full, rest;
	size_t			 i;
	int			 fam;

	if ((fam = addr_bytes(sa, &a)) == 0)
		return 0;
	for (i = 0; i < conf->n_proxies; i++) {
		c = &conf->proxies[i];
		if (c->family != fam)
			continue;
		full = c->bits / 8;
		rest = c->bits % 8;
		if (memcmp(a, c->addr, full) == 0 && (rest == 0 ||
		    (a[full] & (unsigned char)(0xff00u >> rest)) ==
		    c->addr[full]))
			return 1;
	}
	return 0;
}

/* xff_entry - one X-Forwarded-For element (blanks trimmed) as an
 * address: "192.0.2.1", "192.0.2.1:port", "2001:db8::1",
 * "[2001:db8::1]" or "[2001:db8::1]:port"; 0 or -1 */
static int
xff_entry(const char *p, size_t len, struct sockaddr_storage *out)
{
	struct sockaddr_in	*s4 = (void *)out;
	struct sockaddr_in6	*s6 = (void *)out;
	char			 t[INET6_ADDRSTRLEN + 16], *e;
	const char		*colon;

	while (len > 0 && (*p == ' ' || *p == '\t'))
		p++, len--;
	while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
		len--;
	if (len == 0 || len >= sizeof t)
		return -1;
	memcpy(t, p, len);
	t[len] = '\0';
	memset(out, 0, sizeof *out);
	if (t[0] == '[') {
		if ((e = strchr(t, ']')) == NULL || (e[1] != '\0' &&
		    (e[1] != ':' || e[2] == '\0' ||
		    e[2 + strspn(e + 2, "0123456789")] != '\0')))
			return -1;
		*e = '\0';
		s6->sin6_family = AF_INET6;
		return inet_pton(AF_INET6, t + 1, &s6->sin6_addr) == 1 ? 0 : -1;
	}
	if (inet_pton(AF_INET6, t, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		return 0;
	}
	/* IPv4, maybe with a port: one colon at most */
	if ((colon = strchr(t, ':')) != NULL) {
		if (strchr(colon + 1, ':') != NULL || colon[1] == '\0' ||
		    colon[1 + strspn(colon + 1, "0123456789")] != '\0')
			return -1;
		t[colon - t] = '\0';
	}
	s4->sin_family = AF_INET;
	return inet_pton(AF_INET, t, &s4->sin_addr) == 1 ? 0 : -1;
}

/* listen_forwarded - see serve.h.  From the right: each element a
 * trusted proxy appended is passed over; the first that is not one is
 * the client.  What lies left of it was written by the client itself and
 * is never read, so garbage there cannot make the proxy's own address
 * the client (whose rate limit every sender behind the proxy shares). */
int
listen_forwarded(const struct conf *conf, const char *xff,
    struct sockaddr_storage *out)
{
	struct sockaddr_storage	 cur;
	const char		*end, *start;
	int			 any = 0;

	if (xff == NULL)
		return -1;
	end = xff + strlen(xff);
	for (;;) {
		for (start = end; start > xff && start[-1] != ','; start--)
			;
		if (xff_entry(start, (size_t)(end - start), &cur) == -1)
			return -1;
		*out = cur;
		any = 1;
		if (!listen_trusted(conf, (const struct sockaddr *)&cur))
			return 0;
		if (start == xff)
			break;
		end = start - 1;
	}
	/* every element a trusted proxy: the left-most is the client */
	return any ? 0 : -1;
}
