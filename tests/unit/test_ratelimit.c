/*
 * test_ratelimit.c - serve's rate limit (ingest/ratelimit.c)
 *
 * DESCRIPTION
 *	The clock is a parameter of ratelimit_take, so every case runs at
 *	chosen instants.  Small tables make addresses collide whatever the
 *	hash: with fewer slots than the probe window, every address may
 *	sit in every slot.  Covers: a bucket per client, refill, colliding
 *	addresses alternating without resetting each other (the bug of the
 *	old one-slot-per-hash table), eviction of refilled buckets only,
 *	the shared overflow bucket once none can be evicted, a flood of
 *	addresses that leaves a limited client limited, IPv6 by its /64 and
 *	IPv4-mapped IPv6 as IPv4.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>

#include "serve.h"
#include "t.h"

/* sa - a socket address for a literal, in one of a few rotating buffers */
static const struct sockaddr *
sa(const char *text)
{
	static struct sockaddr_storage	 ring[4];
	static int			 next;
	struct sockaddr_storage		*ss = &ring[next++ % 4];
	struct sockaddr_in		*s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6		*s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof *ss);
	if (inet_pton(AF_INET, text, &s4->sin_addr) == 1)
		s4->sin_family = AF_INET;
	else if (inet_pton(AF_INET6, text, &s6->sin6_addr) == 1)
		s6->sin6_family = AF_INET6;
	return (const struct sockaddr *)ss;
}

/* takes - how many of n requests of ip at now were let through */
static int
takes(struct ratelimit *rl, const char *ip, int n, double now)
{
	int	 ok = 0;

	while (n-- > 0)
		ok += ratelimit_take(rl, sa(ip), now);
	return ok;
}

int
main(void)
{
	struct ratelimit	*rl;
	char			 ip[32];
	int			 i, ok, alt;

	t_ok("no limit: NULL", ratelimit_new(0, 16) == NULL, NULL);
	t_int("no limit: always", takes(NULL, "192.0.2.1", 1000, 1.0), 1000);

	/* one client: a burst of the limit, then one per 60/limit s */
	rl = ratelimit_new(5, RATELIMIT_SLOTS);
	t_int("one client: the burst", takes(rl, "192.0.2.1", 7, 100.0), 5);
	t_int("one client: still limited", takes(rl, "192.0.2.1", 1, 105.0), 0);
	t_int("one client: a token 13 s later", takes(rl, "192.0.2.1", 2,
	    113.0), 1);
	t_int("one client: full after a minute", takes(rl, "192.0.2.1", 9,
	    300.0), 5);
	t_int("another client: its own bucket", takes(rl, "192.0.2.2", 5,
	    300.0), 5);
	rl = ratelimit_free(rl);
	t_ok("free returns NULL", rl == NULL, NULL);

	/* Two slots, two addresses alternating: every address collides with
	 * every other.  The old table reset the bucket of an address whose
	 * slot another one had taken, so neither was ever limited. */
	rl = ratelimit_new(5, 2);
	for (ok = alt = 0, i = 0; i < 20; i++) {
		ok += ratelimit_take(rl, sa("127.0.1.10"), 10.0);
		alt += ratelimit_take(rl, sa("127.0.2.149"), 10.0);
	}
	t_int("colliding, alternating: the first limited", ok, 5);
	t_int("colliding, alternating: the second limited", alt, 5);

	/* both slots hold buckets in use: a third address shares the
	 * overflow bucket with a fourth, and neither resets the others */
	ok = takes(rl, "127.0.3.1", 3, 10.0);
	alt = takes(rl, "127.0.3.2", 3, 10.0);
	t_int("table full: newcomers share one overflow bucket", ok + alt, 5);
	t_int("table full: the first still limited",
	    takes(rl, "127.0.1.10", 1, 10.0), 0);
	rl = ratelimit_free(rl);

	/* eviction: only a bucket that has refilled completely makes room */
	rl = ratelimit_new(5, 2);
	t_int("evict: A spends all", takes(rl, "198.51.100.1", 9, 0.0), 5);
	t_int("evict: B spends one", takes(rl, "198.51.100.2", 1, 0.0), 1);
	t_int("evict: C at once, nothing refilled: overflow",
	    takes(rl, "198.51.100.3", 1, 0.0) + takes(rl, "198.51.100.4", 9,
	    0.0), 5);
	/* 13 s later B is full again (one token per 12 s), A is not */
	t_int("evict: C takes B's refilled slot, a bucket of its own",
	    takes(rl, "198.51.100.3", 9, 13.0), 5);
	t_int("evict: A was not evicted (one token back, not five)",
	    takes(rl, "198.51.100.1", 9, 13.0), 1);
	rl = ratelimit_free(rl);

	/* a flood of addresses cannot free a limited client */
	rl = ratelimit_new(5, RATELIMIT_SLOTS);
	t_int("flood: the client spends all", takes(rl, "203.0.113.9", 9,
	    50.0), 5);
	for (i = 0; i < 3 * RATELIMIT_SLOTS; i++) {
		snprintf(ip, sizeof ip, "10.%d.%d.%d", i >> 16, (i >> 8) & 255,
		    i & 255);
		(void)ratelimit_take(rl, sa(ip), 50.0);
	}
	t_int("flood: the client still limited", takes(rl, "203.0.113.9", 1,
	    50.0), 0);
	rl = ratelimit_free(rl);

	/* IPv6 by its /64; IPv4-mapped IPv6 as the IPv4 address */
	rl = ratelimit_new(3, RATELIMIT_SLOTS);
	t_int("IPv6: one address of a /64",
	    takes(rl, "2001:db8:1:2::1", 2, 0.0), 2);
	t_int("IPv6: another of the same /64 shares it",
	    takes(rl, "2001:db8:1:2:ffff::7", 3, 0.0), 1);
	t_int("IPv6: the next /64 has its own",
	    takes(rl, "2001:db8:1:3::1", 3, 0.0), 3);
	t_int("IPv4: one address", takes(rl, "192.0.2.77", 2, 0.0), 2);
	t_int("IPv4-mapped IPv6: the same client",
	    takes(rl, "::ffff:192.0.2.77", 3, 0.0), 1);
	t_int("IPv4: the next address has its own",
	    takes(rl, "192.0.2.78", 3, 0.0), 3);
	rl = ratelimit_free(rl);
	return t_done();
}
