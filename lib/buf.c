/*
 * buf.c - a growable byte buffer (see buf.h)
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "xmalloc.h"

/* buf_reserve - make room for n more bytes plus the terminating NUL */
void
buf_reserve(struct buf *b, size_t n)
{
	size_t	 need, cap;

	if (n > SIZE_MAX - b->len - 1)
		fatalx("buf_reserve: size overflow");
	need = b->len + n + 1;
	if (need <= b->cap)
		return;
	cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	b->data = xrealloc(b->data, cap);
	b->cap = cap;
}

/* buf_append - append n bytes */
void
buf_append(struct buf *b, const void *p, size_t n)
{
	buf_reserve(b, n);
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

/* buf_puts - append a C string */
void
buf_puts(struct buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

/* buf_putc - append one byte */
void
buf_putc(struct buf *b, int c)
{
	unsigned char	 ch = (unsigned char)c;

	buf_append(b, &ch, 1);
}

/* buf_printf - append formatted text */
void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		fatalx("buf_printf: bad format");
	buf_reserve(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* buf_reset - forget the contents, keep the memory */
void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

/* buf_free - release the memory; the buffer is empty and reusable */
struct buf *
buf_free(struct buf *b)
{
	if (b == NULL)
		return NULL;
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
	return NULL;
}

/* buf_steal - give the data to the caller */
unsigned char *
buf_steal(struct buf *b, size_t *len)
{
	unsigned char	*p;

	if (b->data == NULL)
		buf_reserve(b, 0);
	p = b->data;
	b->data[b->len] = '\0';
	if (len)
		*len = b->len;
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}
