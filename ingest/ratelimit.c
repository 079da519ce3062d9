/*
 * ratelimit.c - rate_limit_per_minute: a token bucket per client address
 *
 * DESCRIPTION
 *	R54 (flooding): each client address may make rate_limit_per_minute
 *	requests a minute, in bursts of up to as many.  The buckets live in
 *	a fixed table indexed by a hash of the address (FNV-1a); a full
 *	table reuses the slot the hash points at, so a flood of addresses
 *	can only make the limit more lenient, never block an innocent
 *	sender.  Thread-safe: the handler threads share one table.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve.h"
#include "util.h"
#include "xmalloc.h"

#define RATE_SLOTS	4096

struct rate_slot {
	char		 ip[INET6_ADDRSTRLEN];
	double		 tokens;
	double		 last;
};

struct ratelimit {
	pthread_mutex_t	 lock;
	double		 cap;		/* tokens: the per-minute limit */
	struct rate_slot slots[RATE_SLOTS];
};

/* ratelimit_new - see serve.h */
struct ratelimit *
ratelimit_new(size_t per_minute)
{
	struct ratelimit	*rl;

	if (per_minute == 0)
		return NULL;
	rl = xcalloc(1, sizeof *rl);
	rl->cap = (double)per_minute;
	pthread_mutex_init(&rl->lock, NULL);
	return rl;
}

/* ratelimit_take - one token from ip's bucket: 1 when it had one (or
 * there is no limit), 0 when the client is over the limit */
int
ratelimit_take(struct ratelimit *rl, const char *ip)
{
	struct rate_slot	*r;
	double			 t = mono_now();
	unsigned		 h = 2166136261u;
	const char		*p;
	int			 ok;

	if (rl == NULL)
		return 1;
	for (p = ip; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	pthread_mutex_lock(&rl->lock);
	r = &rl->slots[h % RATE_SLOTS];
	if (strcmp(r->ip, ip) != 0) {
		snprintf(r->ip, sizeof r->ip, "%s", ip);
		r->tokens = rl->cap;
		r->last = t;
	}
	r->tokens += (t - r->last) * rl->cap / 60.0;
	if (r->tokens > rl->cap)
		r->tokens = rl->cap;
	r->last = t;
	ok = r->tokens >= 1.0;
	if (ok)
		r->tokens -= 1.0;
	pthread_mutex_unlock(&rl->lock);
	return ok;
}

/* ratelimit_free - accepts NULL, returns NULL */
struct ratelimit *
ratelimit_free(struct ratelimit *rl)
{
	if (rl == NULL)
		return NULL;
	pthread_mutex_destroy(&rl->lock);
	free(rl);
	return NULL;
}
