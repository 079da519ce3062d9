/*
 * buf.h - a growable byte buffer
 *
 * struct buf owns data; buf_free() releases it and leaves an empty buffer.
 * data is always NUL-terminated past len (so text can be used as a C string)
 * once anything has been appended.  Growth is fatal on OOM (xmalloc.h).
 */
#ifndef TLSRPT_BUF_H
#define TLSRPT_BUF_H

#include <stddef.h>

struct buf {
	unsigned char	*data;
	size_t		 len;
	size_t		 cap;
};

#define BUF_INIT { NULL, 0, 0 }

void	buf_reserve(struct buf *, size_t);
void	buf_append(struct buf *, const void *, size_t);
void	buf_puts(struct buf *, const char *);
void	buf_putc(struct buf *, int);
void	buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	buf_reset(struct buf *);	/* len = 0, keeps the memory */
/* buf_free - release the data, leave an empty buffer; accepts NULL,
 * returns NULL */
struct buf *buf_free(struct buf *);
/* buf_steal - hand data to the caller (free() it); the buffer is left empty */
unsigned char *buf_steal(struct buf *, size_t *);

#endif
