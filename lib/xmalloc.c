/*
 * xmalloc.c - allocation wrappers that never return NULL (see xmalloc.h)
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "xmalloc.h"

/* xmalloc - malloc or die; a zero size still returns a unique pointer */
void *
xmalloc(size_t n)
{
	void	*p = malloc(n ? n : 1);

	if (p == NULL)
		fatal("malloc %zu bytes", n);
	return p;
}

/* xcalloc - zeroed array or die */
void *
xcalloc(size_t n, size_t size)
{
	void	*p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		fatal("calloc %zu x %zu bytes", n, size);
	return p;
}

/* xrealloc - realloc or die */
void *
xrealloc(void *old, size_t n)
{
	void	*p = realloc(old, n ? n : 1);

	if (p == NULL)
		fatal("realloc %zu bytes", n);
	return p;
}

/* xreallocarray - realloc to n*size bytes, refusing overflow */
void *
xreallocarray(void *old, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size)
		fatalx("reallocarray: %zu x %zu overflows", n, size);
	return xrealloc(old, n * size);
}

/* xstrdup - copy a C string */
char *
xstrdup(const char *s)
{
	return xmemdup(s, strlen(s) + 1);
}

/* xstrndup - copy at most n bytes of s and terminate */
char *
xstrndup(const char *s, size_t n)
{
	size_t	 len = strnlen(s, n);
	char	*p = xmalloc(len + 1);

	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

/* xmemdup - copy n bytes */
void *
xmemdup(const void *s, size_t n)
{
	void	*p = xmalloc(n);

	if (n)
		memcpy(p, s, n);
	return p;
}

/* xasprintf - format into a new allocation */
char *
xasprintf(const char *fmt, ...)
{
	va_list	 ap;
	char	*p;
	int	 n;

	va_start(ap, fmt);
	n = vasprintf(&p, fmt, ap);
	va_end(ap);
	if (n < 0)
		fatal("asprintf");
	return p;
}
