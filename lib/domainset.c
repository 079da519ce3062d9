/*
 * domainset.c - a set of domain names with a subdomain lookup
 *
 * SYNOPSIS
 *	#include "domainset.h"
 *
 *	struct domainset *domainset_new(void)
 *	void domainset_add(set, d)
 *	const char *domainset_match(set, domain)
 *
 * DESCRIPTION
 *	Open addressing with linear probing over a power-of-two table kept
 *	at most half full, keyed by a case-folded FNV-1a hash of the name.
 *	A lookup of "mx1.a.example.com" tries the whole name, then
 *	"a.example.com", "example.com" and "com": one probe sequence per
 *	label, whatever the size of the set.  With 100,000 names a linear
 *	scan cost every report about 100,000 string comparisons per domain
 *	it names (see README, Benchmarks).
 *
 *	The table holds only configured names, so a hostile report cannot
 *	lengthen its probe runs; what it looks up costs at most one probe
 *	run per label.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "domainset.h"
#include "xmalloc.h"

/* A slot keeps the name's length and hash: a probe compares those
 * first and reads the string only when both match. */
struct slot {
	const char	*name;		/* NULL: empty */
	size_t		 len;		/* without a final dot */
	uint64_t	 hash;
};

struct domainset {
	struct slot	*slot;
	size_t		 cap;		/* a power of two */
	size_t		 n;
};

#define DOMAINSET_MIN	16

/* fold - ASCII lower case */
static unsigned char
fold(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

/* hash - FNV-1a of the first len bytes, case-folded, then mixed: the
 * table takes the low bits, and FNV-1a's low bits alone mix poorly for
 * names that differ only before a long common suffix (".example.com") */
static uint64_t
hash(const char *s, size_t len)
{
	uint64_t	 h = 1469598103934665603ULL;
	size_t		 i;

	for (i = 0; i < len; i++)
		h = (h ^ fold((unsigned char)s[i])) * 1099511628211ULL;
	h ^= h >> 32;
	h *= 0x9e3779b97f4a7c15ULL;
	h ^= h >> 29;
	return h;
}

/* keylen - the length that counts: one final dot left out */
static size_t
keylen(const char *s)
{
	size_t	 len = strlen(s);

	return len > 0 && s[len - 1] == '.' ? len - 1 : len;
}

/* find - the slot of the len bytes of s (hash h), or the empty slot
 * where they would go */
static size_t
find(const struct domainset *set, const char *s, size_t len, uint64_t h)
{
	const struct slot	*e;
	size_t			 i = (size_t)h & (set->cap - 1);

	for (;; i = (i + 1) & (set->cap - 1)) {
		e = &set->slot[i];
		if (e->name == NULL || (e->hash == h && e->len == len &&
		    strncasecmp(e->name, s, len) == 0))
			return i;
	}
}

/* grow - double the table and place every name again */
static void
grow(struct domainset *set)
{
	struct domainset old = *set;
	size_t		 i;

	set->cap = old.cap ? old.cap * 2 : DOMAINSET_MIN;
	set->slot = xcalloc(set->cap, sizeof *set->slot);
	for (i = 0; i < old.cap; i++)
		if (old.slot[i].name != NULL)
			set->slot[find(set, old.slot[i].name, old.slot[i].len,
			    old.slot[i].hash)] = old.slot[i];
	free(old.slot);
}

/* domainset_new - see domainset.h */
struct domainset *
domainset_new(void)
{
	struct domainset *set = xcalloc(1, sizeof *set);

	grow(set);
	return set;
}

/* domainset_add - see domainset.h */
void
domainset_add(struct domainset *set, const char *d)
{
	size_t		 i, len = keylen(d);
	uint64_t	 h = hash(d, len);

	if ((set->n + 1) * 2 > set->cap)
		grow(set);
	i = find(set, d, len, h);
	if (set->slot[i].name == NULL) {
		set->slot[i].name = d;
		set->slot[i].len = len;
		set->slot[i].hash = h;
		set->n++;
	}
}

/* domainset_count - see domainset.h */
size_t
domainset_count(const struct domainset *set)
{
	return set != NULL ? set->n : 0;
}

/* domainset_match - see domainset.h: the name, then each parent */
const char *
domainset_match(const struct domainset *set, const char *domain)
{
	const char	*p = domain, *dot;
	size_t		 len, i;

	if (set == NULL || set->n == 0 || domain == NULL)
		return NULL;
	len = keylen(domain);
	for (;;) {
		if (len > 0 && set->slot[i = find(set, p, len,
		    hash(p, len))].name != NULL)
			return set->slot[i].name;
		if ((dot = memchr(p, '.', len)) == NULL)
			return NULL;
		len -= (size_t)(dot + 1 - p);
		p = dot + 1;
	}
}

/* domainset_free - see domainset.h */
struct domainset *
domainset_free(struct domainset *set)
{
	if (set != NULL) {
		free(set->slot);
		free(set);
	}
	return NULL;
}
