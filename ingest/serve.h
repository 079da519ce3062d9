/*
 * serve.h - what the files of "tlsrpt serve" share (the HTTPS door)
 *
 *	serve.c		start-up, signals, the spool drain, shutdown
 *	listen.c	sockets and PEM files, before privileges are dropped
 *	http.c		the libmicrohttpd side: daemons, the request handler,
 *			the verdict as an HTTP answer
 *	ratelimit.c	rate_limit_per_minute per client address
 *	connlimit.c	connections per address, network and listener, and
 *			their deadlines (slowloris)
 *	committer.c	the group-commit queue: requests into the intake
 */
#ifndef TLSRPT_SERVE_H
#define TLSRPT_SERVE_H

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "intake.h"

#include <microhttpd.h>

struct committer;
struct conf;
struct metrics_srv;
struct connlimit;
struct ratelimit;

/* One listening socket and the daemon serving it. */
struct listener {
	const char		*spec;		/* as configured */
	int			 fd;
	int			 tls;
	int			 metrics;	/* listen_metrics */
	struct MHD_Daemon	*daemon;
	struct connlimit	*limits;	/* the server's */
	size_t			 nconns;	/* live; under limits' lock */
};

struct server {
	const struct conf	*conf;
	struct listener		*ls;
	size_t			 nls;
	char			*cert_pem;	/* read before dropping privileges */
	char			*key_pem;
	int			 null_mode;	/* bench floor: 204, no work */
	atomic_size_t		 inflight;	/* body buffers, all requests */
	atomic_ulong		 answered;	/* requests done, ever */
	struct ratelimit	*rate;
	struct connlimit	*limits;
	struct committer	*committer;
	char			*tls_priorities; /* in use: conf's, or a reload's */
	/* Daemons a reload replaced: quiesced, finishing their connections;
	 * each generation's PEM strings are kept until all have stopped.
	 * dlock guards them and every listener's daemon pointer (the
	 * metrics thread counts connections while a reload swaps them). */
	pthread_mutex_t		 dlock;
	struct MHD_Daemon     **retired;
	size_t			 nretired;
	char		      **old_pem;
	size_t			 nold_pem;
	struct listener		*mls;		/* listen_metrics, or NULL */
	struct metrics_srv	*metrics;	/* its server (metrics.c) */
};

/* Where a request stands once its body is complete. */
enum job_state {
	JOB_NONE = 0,		/* not handed to the committer */
	JOB_QUEUED,		/* suspended, waiting for its commit */
	JOB_DONE,		/* item has its verdict; resumed */
};

/* What one request carries between the handler's calls (http.c), and
 * through the committer's queue.  Made when its request line is in,
 * freed when libmicrohttpd is done with it (http.c). */
struct request {
	struct buf		 body;
	int			 started;	/* the handler has seen it */
	int			 too_large;	/* over max_body_bytes: 413 */
	int			 busy;		/* over max_inflight_bytes: 503 */
	size_t			 held;		/* of server->inflight */
	const char		*verdict;	/* for the log line; static */
	struct server		*server;
	char			 client[INET6_ADDRSTRLEN];
	struct sockaddr_storage	 addr;		/* the client's: the peer, or
						 * whom a trusted proxy names */
	struct timespec		 t0;
	struct intake_item	 item;		/* body, client; the verdict */
	struct MHD_Connection	*conn;		/* for the committer's ops */
	enum job_state		 state;
	struct request		*next;		/* the committer's queue */
};

/* A client address as a key of what is counted per client: the family
 * (4 or 6), a prefix length, the address cut to it (listen.c). */
struct addrkey {
	unsigned char	 b[18];
};

/* listen.c */
int	listen_bind(struct listener *, char *err, size_t errlen);
char	*read_pem(const char *path, char *err, size_t errlen);
/* listen_addrkey - sa's key, cut to v4bits (IPv4, and IPv4-mapped IPv6)
 * or v6bits; 0, or -1 for another family (k is then zeroed) */
int	listen_addrkey(const struct sockaddr *sa, unsigned v4bits,
	    unsigned v6bits, struct addrkey *k);
/* listen_addrhash - a seeded hash of a key */
uint32_t listen_addrhash(const struct addrkey *, uint32_t seed);
/* listen_addrtext - sa as text into buf, "-" when there is none */
void	listen_addrtext(const struct sockaddr *sa, char *buf, size_t len);
/* listen_trusted - 1 when sa is in one of conf's trusted_proxies */
int	listen_trusted(const struct conf *, const struct sockaddr *sa);
/* listen_forwarded - the client an X-Forwarded-For value names (xff: the
 * values of every such header joined by commas), seen from a trusted
 * proxy: the right-most element that is not a trusted proxy itself (the
 * left-most when all are), into *out; 0, or -1 when xff is NULL or an
 * element read on the way does not parse (the caller then keeps the
 * peer's address) */
int	listen_forwarded(const struct conf *, const char *xff,
	    struct sockaddr_storage *out);

/* http.c: start the daemon of one bound listener */
int	http_start(struct server *, struct listener *, char *err,
	    size_t errlen);
/* http_connections - requests in flight over all daemons */
unsigned http_connections(struct server *);

/*
 * ratelimit.c: per_minute requests per client (IPv4 address, IPv6 /64),
 * in a table of at most slots buckets (RATELIMIT_SLOTS for serve).
 * ratelimit_new returns NULL when per_minute is 0 (no limit); take
 * returns 1 when the request may go on (or rl is NULL), 0 when the
 * client is over its limit; now is mono_now() (a parameter for the
 * tests).  free accepts NULL and returns NULL.
 */
#define RATELIMIT_SLOTS	4096
struct ratelimit *ratelimit_new(size_t per_minute, size_t slots);
int	ratelimit_take(struct ratelimit *, const struct sockaddr *,
	    double now);
struct ratelimit *ratelimit_free(struct ratelimit *);

/*
 * connlimit.c: one per server, shared by its listeners.  start starts
 * the watchdog thread; stop (after every daemon has stopped) joins it
 * and frees everything.  accept and notify are libmicrohttpd's accept
 * policy and connection notification callbacks, with the listener as
 * their closure.  phase says what a connection is doing now, which sets
 * its deadline; fate says why a connection was shut down ("deadline",
 * "evicted", "refused"; static) or NULL.  mhd_limit is the
 * MHD_OPTION_CONNECTION_LIMIT to give libmicrohttpd.
 */
enum conn_phase {
	CONN_HEAD,	/* TLS handshake, request headers */
	CONN_BODY,	/* the body */
	CONN_WORK,	/* ours: decoding, the commit; no deadline */
	CONN_REPLY,	/* the answer going out */
	CONN_IDLE,	/* kept alive, waiting for the next request */
	CONN_NPHASES
};
struct connlimit *connlimit_start(const struct conf *);
enum MHD_Result connlimit_accept(void *listener, const struct sockaddr *,
	    socklen_t);
void	connlimit_notify(void *listener, struct MHD_Connection *,
	    void **socket_context, enum MHD_ConnectionNotificationCode);
void	connlimit_phase(struct connlimit *, struct MHD_Connection *,
	    enum conn_phase);
const char *connlimit_fate(struct connlimit *, struct MHD_Connection *);
unsigned connlimit_mhd_limit(const struct conf *);
struct connlimit *connlimit_stop(struct connlimit *);

/*
 * committer.c: one thread that stores for every worker.
 *
 * committer_start: ops says how to suspend a request's connection while
 * it is queued and resume it once its verdict is in rq->item (state
 * JOB_DONE); both are called with rq, whose conn the door has set.
 * enqueue returns 1 when rq is queued (it is resumed later), 0 when the
 * committer has stopped: rq then has its verdict already (spooled, or
 * the body kept for the quarantine; TEMPFAIL only when the spool failed
 * too) and the caller answers at once.  stop answers everything queued
 * and joins the thread (enqueue still works: it spools); free, after
 * the daemons stopped, stops if needed and frees; it accepts NULL and
 * returns NULL.
 */
struct committer_ops {
	void	(*suspend)(struct request *);
	void	(*resume)(struct request *);
};
struct committer *committer_start(const struct conf *,
	    const struct committer_ops *);
int	committer_enqueue(struct committer *, struct request *);
void	committer_stop(struct committer *);
struct committer *committer_free(struct committer *);

/* http.c: suspend and resume a request's libmicrohttpd connection */
extern const struct committer_ops http_committer_ops;

#endif
