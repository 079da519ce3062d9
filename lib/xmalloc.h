/*
 * xmalloc.h - allocation wrappers that never return NULL
 *
 * Allocation failure is fatal (exit 75, EX_TEMPFAIL, so a mail pipe defers
 * rather than bounces) and is never propagated: this removes a whole class of
 * half-handled error paths (STYLE.md rule 3).  Every pointer returned here is
 * owned by the caller and released with free().
 */
#ifndef TLSRPT_XMALLOC_H
#define TLSRPT_XMALLOC_H

#include <stddef.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
/* xreallocarray - realloc p to n*size bytes, fatal on overflow */
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
/* xstrndup - copy at most n bytes and add a NUL */
char	*xstrndup(const char *, size_t);
void	*xmemdup(const void *, size_t);
/* xasprintf - formatted string in a new allocation */
char	*xasprintf(const char *, ...) __attribute__((format(printf, 1, 2)));

#endif
