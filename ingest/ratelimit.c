/*
 * ratelimit.c - rate_limit_per_minute: a token bucket per client
 *
 * DESCRIPTION
 *	R54 (flooding): each client may make rate_limit_per_minute requests
 *	a minute, in bursts of up to as many.  A client is its IPv4
 *	address, or its IPv6 /64: one host is given a /64, and would
 *	otherwise have 2^64 buckets to choose from.
 *
 *	The buckets live in a table of a fixed number of slots, so a flood
 *	of addresses cannot make it grow.  An address may sit in any of
 *	RATE_WINDOW slots from where its (seeded) hash points; it keeps
 *	its slot for as long as it holds a bucket that is not full.  A
 *	newcomer takes a free slot of its window, or evicts a bucket that
 *	has refilled completely: such a bucket is the same as none, so its
 *	owner loses nothing.  A bucket that still counts requests is never
 *	reset by another address (the old table, one slot per hash, let
 *	two colliding addresses reset each other's bucket by alternating,
 *	and neither was ever limited).  When every slot of the window holds
 *	a bucket in use, the newcomer shares one overflow bucket with every
 *	other such newcomer: a flood of addresses can then only limit
 *	itself and newcomers, never a client that already has a bucket.
 *
 *	Thread-safe: the handler threads share one table under one lock
 *	(a lookup probes at most RATE_WINDOW slots).
 */
#include <sys/random.h>

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "serve.h"
#include "xmalloc.h"

#define RATE_WINDOW	16

struct rate_bucket {
	struct addrkey	 key;
	int		 used;
	double		 tokens;
	double		 last;		/* mono_now() of the last refill */
};

struct ratelimit {
	pthread_mutex_t	 lock;
	double		 cap;		/* tokens: the per-minute limit */
	uint32_t	 seed;		/* unguessable: no crafted collisions */
	size_t		 nslots;
	struct rate_bucket overflow;
	struct rate_bucket *slots;
};

/* ratelimit_new - see serve.h */
struct ratelimit *
ratelimit_new(size_t per_minute, size_t slots)
{
	struct ratelimit	*rl;

	if (per_minute == 0)
		return NULL;
	rl = xcalloc(1, sizeof *rl);
	rl->cap = (double)per_minute;
	rl->nslots = slots ? slots : 1;
	rl->slots = xcalloc(rl->nslots, sizeof *rl->slots);
	rl->overflow.used = 1;
	rl->overflow.tokens = rl->cap;
	if (getrandom(&rl->seed, sizeof rl->seed, 0) != sizeof rl->seed)
		rl->seed = (uint32_t)(uintptr_t)rl;
	pthread_mutex_init(&rl->lock, NULL);
	return rl;
}

/* level - b's tokens at now (not stored) */
static double
level(const struct ratelimit *rl, const struct rate_bucket *b, double now)
{
	double	 t = b->tokens;

	if (now > b->last)
		t += (now - b->last) * rl->cap / 60.0;
	return t < rl->cap ? t : rl->cap;
}

/* bucket - with the lock held: k's bucket, a new one, or the overflow */
static struct rate_bucket *
bucket(struct ratelimit *rl, const struct addrkey *k, double now)
{
	struct rate_bucket	*b, *spare = NULL;
	size_t			 h, i, n;

	h = listen_addrhash(k, rl->seed) % rl->nslots;
	n = rl->nslots < RATE_WINDOW ? rl->nslots : RATE_WINDOW;
	for (i = 0; i < n; i++) {
		b = &rl->slots[(h + i) % rl->nslots];
		if (b->used && memcmp(&b->key, k, sizeof *k) == 0)
			return b;
		if (spare == NULL && (!b->used || level(rl, b, now) >= rl->cap))
			spare = b;
	}
	if (spare == NULL)
		return &rl->overflow;
	spare->key = *k;
	spare->used = 1;
	spare->tokens = rl->cap;
	spare->last = now;
	return spare;
}

/* ratelimit_take - see serve.h */
int
ratelimit_take(struct ratelimit *rl, const struct sockaddr *sa, double now)
{
	struct rate_bucket	*b;
	struct addrkey		 k;
	int			 ok;

	if (rl == NULL)
		return 1;
	/* not IP (a unix socket): one key for all, as one client */
	(void)listen_addrkey(sa, 32, 64, &k);
	pthread_mutex_lock(&rl->lock);
	b = bucket(rl, &k, now);
	b->tokens = level(rl, b, now);
	if (now > b->last)
		b->last = now;
	ok = b->tokens >= 1.0;
	if (ok)
		b->tokens -= 1.0;
	pthread_mutex_unlock(&rl->lock);
	return ok;
}

/* ratelimit_free - see serve.h */
struct ratelimit *
ratelimit_free(struct ratelimit *rl)
{
	if (rl == NULL)
		return NULL;
	pthread_mutex_destroy(&rl->lock);
	free(rl->slots);
	free(rl);
	return NULL;
}
