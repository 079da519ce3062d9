/*
 * domainset.h - a set of domain names with a subdomain lookup
 *
 * "domains" may list 100,000 names (a hosting provider): whether a
 * report's domain is one of them, or below one of them, is a hash lookup
 * per label of the name (at most 127), not a scan of the list.
 *
 * Ownership: the set borrows the strings added to it; they must outlive
 * it (conf.c adds the strings of conf->domains, which it owns too).
 * Not thread-safe while it is being filled; lookups may run in any number
 * of threads at once once it is full.
 */
#ifndef TLSRPT_DOMAINSET_H
#define TLSRPT_DOMAINSET_H

#include <stddef.h>

struct domainset;

/* domainset_new - an empty set */
struct domainset *domainset_new(void);

/* domainset_add - add d (borrowed; compared without regard to ASCII
 * case; one final dot ignored); a name already there is not added again */
void	domainset_add(struct domainset *, const char *d);

/* domainset_count - the distinct names in the set; 0 for NULL */
size_t	domainset_count(const struct domainset *);

/* domainset_match - the name of the set that domain equals or is a
 * subdomain of (the closest one: "a.b.example" finds "b.example" before
 * "example"), or NULL; NULL too for a NULL set */
const char *domainset_match(const struct domainset *, const char *domain);

/* domainset_free - accepts NULL, returns NULL */
struct domainset *domainset_free(struct domainset *);

#endif
