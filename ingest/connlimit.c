/*
 * connlimit.c - what one client may hold of serve: connections per
 *		 address, per network and per listener, and time
 *
 * SYNOPSIS
 *	#include "serve.h"
 *
 *	struct connlimit *connlimit_start(conf)
 *	enum MHD_Result connlimit_accept(listener, addr, addrlen)
 *	void connlimit_notify(listener, mhdconn, socket_context, code)
 *	void connlimit_phase(cl, mhdconn, phase)
 *	const char *connlimit_fate(cl, mhdconn)
 *	unsigned connlimit_mhd_limit(conf)
 *	struct connlimit *connlimit_stop(cl)
 *
 * DESCRIPTION
 *	Slowloris: a connection that sends its TLS handshake or its headers
 *	one byte a second is never idle, so libmicrohttpd's only timeout
 *	(timeout_seconds, idle) never ends it, and a few hundred of them
 *	held every connection slot while the listen queue filled behind
 *	them.  Here every connection has a deadline for the phase it is in:
 *	  the TLS handshake and the request headers: header_timeout_seconds
 *	  from the accept (or from the request line, for a later request on
 *	  a kept-alive connection, which first may idle for timeout_seconds);
 *	  the body: request_timeout_seconds from the end of the headers;
 *	  the answer: header_timeout_seconds to send it.
 *	While a request is ours (decoding, waiting for its commit) it has no
 *	deadline.  A watchdog thread shuts down the socket of a connection
 *	past its deadline (shutdown(2): libmicrohttpd then sees the end of
 *	the stream and closes it in its own thread; the descriptor is
 *	closed only after the close notification has taken it out of our
 *	table, under our lock, so it is never a reused number).
 *
 *	The connections of one address (max_connections_per_ip), of one
 *	network (max_connections_per_network: a /24 for IPv4, a /64 for
 *	IPv6, where one host has a whole /64) and of one listener
 *	(max_connections) are counted at the accept.  When a new connection
 *	would pass one of these limits, the connection of the same address,
 *	network or listener that has waited longest for its request headers
 *	(or, kept alive, for its next request) makes room for it; when there
 *	is none, all being busy with a body or an answer, the new one is
 *	refused (closed at once).  So slow connections from many networks
 *	can no longer hold every slot against a real sender: its connection
 *	is taken at once and stays until max_connections newer ones have
 *	come, and a real handshake and request take milliseconds.  (Simply
 *	refusing at the limit would shut the sender out as surely; leaving
 *	it in the listen queue, as libmicrohttpd does at its limit, made it
 *	wait for the slow ones.)  Connections from one network only ever
 *	take that network's share.
 *	libmicrohttpd's own limit (MHD_LIMIT) is set higher than
 *	max_connections, so it only bounds connections already shut down
 *	and not yet closed.  Two accepts at once on two worker threads may
 *	both pass a check; the second is then shut down when its start is
 *	counted.
 *
 *	Every LOG_EVERY seconds in which something was cut or refused, and
 *	at the end, one line counts it.
 *
 * DIAGNOSTICS
 *	"connections: N past the header deadline, N past the body
 *	deadline, N past the answer deadline, N made room for newer ones,
 *	N refused" at most once per LOG_EVERY seconds, and at the end.
 */
#include <sys/socket.h>
#include <sys/random.h>

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <microhttpd.h>

#include "conf.h"
#include "log.h"
#include "serve.h"
#include "util.h"
#include "xmalloc.h"

#define TICK_NSEC	200000000L	/* the watchdog's period: 0.2 s */
#define LOG_EVERY	10.0
#define NBUCKETS	4096	/* of the address and network counts */

/* One connection, from its start notification to its close. */
struct conn {
	struct conn		*prev, *next;	/* all, oldest first */
	struct listener		*l;
	int			 fd;
	struct addrkey		 ip, net;
	enum conn_phase		 phase;
	double			 since;		/* accepted, or the phase's
						 * waiting began (IDLE) */
	double			 deadline;	/* 0: none (CONN_WORK) */
	const char		*fate;		/* why it was shut down */
};

/* How many live connections one address or network has. */
struct count {
	struct addrkey		 key;
	unsigned		 n;
	struct count		*next;
};

struct connlimit {
	const struct conf	*conf;
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;		/* the watchdog's sleep */
	pthread_t		 tid;
	int			 stopping;
	uint32_t		 seed;
	struct conn		*head, *tail;
	struct count		*buckets[NBUCKETS];
	/* since the last log line */
	unsigned long		 late[CONN_NPHASES], evicted, refused;
	double			 logged;
};

/* count - with the lock held: the link that holds k's count, or the
 * NULL link at the end of its bucket where it would go */
static struct count **
count(struct connlimit *cl, const struct addrkey *k)
{
	struct count	**pp;

	pp = &cl->buckets[listen_addrhash(k, cl->seed) % NBUCKETS];
	while (*pp != NULL && memcmp(&(*pp)->key, k, sizeof *k) != 0)
		pp = &(*pp)->next;
	return pp;
}

/* count_of - with the lock held: live connections of key k */
static unsigned
count_of(struct connlimit *cl, const struct addrkey *k)
{
	struct count	**pp = count(cl, k);

	return *pp != NULL ? (*pp)->n : 0;
}

/* count_add - with the lock held: k's count += d (d is 1 or -1); a
 * count that reaches 0 is freed, so the table holds live keys only */
static void
count_add(struct connlimit *cl, const struct addrkey *k, int d)
{
	struct count	**pp = count(cl, k), *c;

	if (*pp == NULL) {
		if (d < 0)
			return;
		*pp = xcalloc(1, sizeof **pp);
		(*pp)->key = *k;
	}
	c = *pp;
	if (d > 0)
		c->n++;
	else if (--c->n == 0) {
		*pp = c->next;
		free(c);
	}
}

/* live - with the lock held: count c in (d = 1) or out (d = -1) */
static void
live(struct connlimit *cl, struct conn *c, int d)
{
	count_add(cl, &c->ip, d);
	count_add(cl, &c->net, d);
	c->l->nconns = d > 0 ? c->l->nconns + 1 : c->l->nconns - 1;
}

/* doom - with the lock held: shut c down; MHD closes it soon.  It no
 * longer counts against any limit. */
static void
doom(struct connlimit *cl, struct conn *c, const char *fate)
{
	if (c->fate != NULL)
		return;
	c->fate = fate;
	(void)shutdown(c->fd, SHUT_RDWR);
	live(cl, c, -1);
}

/* Which of the limits a scope is. */
enum scope { SCOPE_IP, SCOPE_NET, SCOPE_LISTENER };

/* in_scope - c shares the scope's key with the newcomer */
static int
in_scope(const struct conn *c, enum scope sc, const struct addrkey *k,
    const struct listener *l)
{
	switch (sc) {
	case SCOPE_IP:
		return memcmp(&c->ip, k, sizeof *k) == 0;
	case SCOPE_NET:
		return memcmp(&c->net, k, sizeof *k) == 0;
	default:
		return c->l == l;
	}
}

/* make_room - with the lock held: shut down the connection of the scope
 * that has waited longest for its headers; 0 when one made room, -1
 * when none waits for headers */
static int
make_room(struct connlimit *cl, enum scope sc, const struct addrkey *k,
    const struct listener *l)
{
	struct conn	*c, *oldest = NULL;

	for (c = cl->head; c != NULL; c = c->next)
		if (c->fate == NULL && (c->phase == CONN_HEAD ||
		    c->phase == CONN_IDLE) && in_scope(c, sc, k, l) &&
		    (oldest == NULL || c->since < oldest->since))
			oldest = c;
	if (oldest == NULL)
		return -1;
	doom(cl, oldest, "evicted");
	cl->evicted++;
	return 0;
}

/* admit - with the lock held: whether a connection from ip/net may join
 * l, making room where a limit is reached; over: whether the limits are
 * already passed (the newcomer itself counted) rather than reached */
static int
admit(struct connlimit *cl, struct listener *l, const struct addrkey *ip,
    const struct addrkey *net, int over)
{
	const struct conf	*conf = cl->conf;

	if ((count_of(cl, ip) + !over > conf->max_connections_per_ip &&
	    make_room(cl, SCOPE_IP, ip, l) == -1) ||
	    (count_of(cl, net) + !over > conf->max_connections_per_network &&
	    make_room(cl, SCOPE_NET, net, l) == -1) ||
	    (l->nconns + !over > conf->max_connections &&
	    make_room(cl, SCOPE_LISTENER, NULL, l) == -1)) {
		cl->refused++;
		return 0;
	}
	return 1;
}

/* keys - the address and network keys of sa */
static void
keys(const struct sockaddr *sa, struct addrkey *ip, struct addrkey *net)
{
	(void)listen_addrkey(sa, 32, 128, ip);
	(void)listen_addrkey(sa, 24, 64, net);
}

/* connlimit_accept - see serve.h */
enum MHD_Result
connlimit_accept(void *cls, const struct sockaddr *sa, socklen_t salen)
{
	struct listener		*l = cls;
	struct connlimit	*cl = l->limits;
	struct addrkey		 ip, net;
	int			 ok;

	(void)salen;
	keys(sa, &ip, &net);
	pthread_mutex_lock(&cl->lock);
	ok = admit(cl, l, &ip, &net, 0);
	pthread_mutex_unlock(&cl->lock);
	return ok ? MHD_YES : MHD_NO;
}

/* started - a connection MHD took: count it, start its header clock */
static struct conn *
started(struct connlimit *cl, struct listener *l, struct MHD_Connection *mc)
{
	const union MHD_ConnectionInfo	*fd, *ad;
	struct conn			*c = xcalloc(1, sizeof *c);

	fd = MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CONNECTION_FD);
	ad = MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	c->fd = fd != NULL ? fd->connect_fd : -1;
	c->l = l;
	keys(ad != NULL ? ad->client_addr : NULL, &c->ip, &c->net);
	c->phase = CONN_HEAD;
	c->since = mono_now();
	c->deadline = c->since + (double)cl->conf->header_timeout_seconds;
	pthread_mutex_lock(&cl->lock);
	c->prev = cl->tail;
	if (cl->tail != NULL)
		cl->tail->next = c;
	else
		cl->head = c;
	cl->tail = c;
	live(cl, c, 1);
	/* an accept on another thread passed the same check meanwhile */
	if (c->fd == -1 || !admit(cl, l, &c->ip, &c->net, 1))
		doom(cl, c, "refused");
	pthread_mutex_unlock(&cl->lock);
	return c;
}

/* closed - MHD closes c's socket after this returns */
static void
closed(struct connlimit *cl, struct conn *c)
{
	pthread_mutex_lock(&cl->lock);
	if (c->fate == NULL)
		live(cl, c, -1);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		cl->head = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	else
		cl->tail = c->prev;
	pthread_mutex_unlock(&cl->lock);
	free(c);
}

/* connlimit_notify - see serve.h */
void
connlimit_notify(void *cls, struct MHD_Connection *mc, void **socket_context,
    enum MHD_ConnectionNotificationCode code)
{
	struct listener	*l = cls;

	if (code == MHD_CONNECTION_NOTIFY_STARTED)
		*socket_context = started(l->limits, l, mc);
	else if (*socket_context != NULL) {
		closed(l->limits, *socket_context);
		*socket_context = NULL;
	}
}

/* conn_of - MHD's socket context of mc: our struct conn, or NULL */
static struct conn *
conn_of(struct MHD_Connection *mc)
{
	const union MHD_ConnectionInfo	*ci;

	ci = MHD_get_connection_info(mc, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci != NULL ? ci->socket_context : NULL;
}

/* connlimit_phase - see serve.h */
void
connlimit_phase(struct connlimit *cl, struct MHD_Connection *mc,
    enum conn_phase phase)
{
	const struct conf	*conf = cl->conf;
	struct conn		*c = conn_of(mc);
	double			 now = mono_now(), limit = 0;

	if (c == NULL)
		return;
	switch (phase) {
	case CONN_HEAD:
	case CONN_REPLY:
		limit = (double)conf->header_timeout_seconds;
		break;
	case CONN_BODY:
		limit = (double)conf->request_timeout_seconds;
		break;
	case CONN_IDLE:
		limit = (double)(conf->timeout_seconds +
		    conf->header_timeout_seconds);
		break;
	case CONN_WORK:
	case CONN_NPHASES:
		break;
	}
	pthread_mutex_lock(&cl->lock);
	/* the request line of the first request does not restart the
	 * clock of the handshake and headers */
	if (phase != CONN_HEAD || c->phase != CONN_HEAD)
		c->deadline = limit > 0 ? now + limit : 0;
	if (phase == CONN_IDLE)
		c->since = now;
	c->phase = phase;
	pthread_mutex_unlock(&cl->lock);
}

/* connlimit_fate - see serve.h */
const char *
connlimit_fate(struct connlimit *cl, struct MHD_Connection *mc)
{
	struct conn	*c = conn_of(mc);
	const char	*fate;

	if (c == NULL)
		return NULL;
	pthread_mutex_lock(&cl->lock);
	fate = c->fate;
	pthread_mutex_unlock(&cl->lock);
	return fate;
}

/* report - with the lock held: the periodic line, when there is news
 * (force: now, whatever the time, at the end) */
static void
report(struct connlimit *cl, double now, int force)
{
	if (now - cl->logged < LOG_EVERY && !force)
		return;
	cl->logged = now;
	if (cl->late[CONN_HEAD] + cl->late[CONN_BODY] + cl->late[CONN_REPLY] +
	    cl->late[CONN_IDLE] + cl->evicted + cl->refused == 0)
		return;
	log_info("connections: %lu past the header deadline, %lu past the "
	    "body deadline, %lu past the answer deadline, %lu made room for "
	    "newer ones, %lu refused", cl->late[CONN_HEAD] +
	    cl->late[CONN_IDLE], cl->late[CONN_BODY], cl->late[CONN_REPLY],
	    cl->evicted, cl->refused);
	memset(cl->late, 0, sizeof cl->late);
	cl->evicted = cl->refused = 0;
}

/* watchdog - the thread: shut down connections past their deadline */
static void *
watchdog(void *arg)
{
	struct connlimit	*cl = arg;
	struct conn		*c;
	struct timespec		 ts;
	double			 now;

	pthread_mutex_lock(&cl->lock);
	while (!cl->stopping) {
		now = mono_now();
		for (c = cl->head; c != NULL; c = c->next)
			if (c->fate == NULL && c->deadline != 0 &&
			    now >= c->deadline) {
				cl->late[c->phase]++;
				doom(cl, c, "deadline");
			}
		report(cl, now, 0);
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += TICK_NSEC;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		(void)pthread_cond_timedwait(&cl->cond, &cl->lock, &ts);
	}
	report(cl, mono_now(), 1);
	pthread_mutex_unlock(&cl->lock);
	return NULL;
}

/* connlimit_start - see serve.h */
struct connlimit *
connlimit_start(const struct conf *conf)
{
	struct connlimit	*cl = xcalloc(1, sizeof *cl);
	pthread_condattr_t	 ca;

	cl->conf = conf;
	cl->logged = mono_now();
	if (getrandom(&cl->seed, sizeof cl->seed, 0) != sizeof cl->seed)
		cl->seed = (uint32_t)(uintptr_t)cl;
	pthread_mutex_init(&cl->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&cl->cond, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&cl->tid, NULL, watchdog, cl) != 0)
		fatalx("cannot start the connection watchdog");
	return cl;
}

/* connlimit_stop - see serve.h */
struct connlimit *
connlimit_stop(struct connlimit *cl)
{
	struct count	*c, *next;
	struct conn	*cn;
	size_t		 i;

	if (cl == NULL)
		return NULL;
	pthread_mutex_lock(&cl->lock);
	cl->stopping = 1;
	pthread_cond_signal(&cl->cond);
	pthread_mutex_unlock(&cl->lock);
	pthread_join(cl->tid, NULL);
	while ((cn = cl->head) != NULL) {	/* none once MHD stopped */
		cl->head = cn->next;
		free(cn);
	}
	for (i = 0; i < NBUCKETS; i++)
		for (c = cl->buckets[i]; c != NULL; c = next) {
			next = c->next;
			free(c);
		}
	pthread_mutex_destroy(&cl->lock);
	pthread_cond_destroy(&cl->cond);
	free(cl);
	return NULL;
}

/* connlimit_mhd_limit - see serve.h: libmicrohttpd's own limit, above
 * ours by as many again, for connections shut down and not yet closed */
unsigned
connlimit_mhd_limit(const struct conf *conf)
{
	size_t	 n = conf->max_connections * 2;

	return n > 200000 ? 200000 : (unsigned)n;
}
