/*
 * dkim_keycache.c - d2i_PUBKEY_bio for libopendkim, with a per-gate cache
 *
 * SYNOPSIS
 *	#include "dkim_keycache.h"
 *
 *	keycache_enter(&kc); ... dkim_eom() ...; keycache_leave();
 *	keycache_clear(&kc);
 *
 * DESCRIPTION
 *	Why (dkim_keycache.h has the figures): importing a Maildir of signed
 *	reports spent most of its DKIM time in OpenSSL 3.0's key decoder,
 *	called by libopendkim once per message for the same few keys.
 *	libopendkim has no way to be handed a decoded key, so this file
 *	defines the function it calls.  An executable's definition comes
 *	first in the dynamic linker's search, so libopendkim (and anything
 *	else in the process) calls this one; it finds OpenSSL's with
 *	dlsym(RTLD_NEXT) and passes every call through unless the calling
 *	thread is inside a gate (keycache_enter), the key is wanted as a new
 *	object (a == NULL) and the BIO is a memory BIO, which is how
 *	libopendkim calls it.
 *
 *	A hit returns the cached key with one more reference; libopendkim
 *	frees it after the message as it would free a fresh one.  The BIO
 *	is left unread on a hit: libopendkim frees it right after.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "dkim_keycache.h"
#include "xmalloc.h"

typedef EVP_PKEY *(*d2i_fn)(BIO *, EVP_PKEY **);

static d2i_fn		 real_d2i;
static pthread_once_t	 real_once = PTHREAD_ONCE_INIT;
static _Thread_local struct keycache *current;

static void
find_real(void)
{
	void	*p = dlsym(RTLD_NEXT, "d2i_PUBKEY_bio");

	/* object pointer to function pointer: POSIX guarantees it for
	 * dlsym's results */
	memcpy(&real_d2i, &p, sizeof real_d2i);
}

/* keycache_enter - see dkim_keycache.h */
void
keycache_enter(struct keycache *kc)
{
	current = kc;
}

/* keycache_leave - see dkim_keycache.h */
void
keycache_leave(void)
{
	current = NULL;
}

/* keycache_clear - see dkim_keycache.h */
void
keycache_clear(struct keycache *kc)
{
	size_t	i;

	for (i = 0; i < KEYCACHE_SLOTS; i++) {
		free(kc->slot[i].der);
		EVP_PKEY_free(kc->slot[i].key);
	}
	memset(kc, 0, sizeof *kc);
}

/* remember - keep key (one more reference) for der (taken over: the
 * caller's malloc'd copy), in the least recently used slot */
static void
remember(struct keycache *kc, unsigned char *der, size_t len, EVP_PKEY *key)
{
	struct keycache_slot	*s = &kc->slot[0];
	size_t			 i;

	for (i = 1; i < KEYCACHE_SLOTS && s->der != NULL; i++)
		if (kc->slot[i].der == NULL || kc->slot[i].used < s->used)
			s = &kc->slot[i];
	if (EVP_PKEY_up_ref(key) != 1) {
		free(der);
		return;
	}
	free(s->der);
	EVP_PKEY_free(s->key);
	s->der = der;
	s->len = len;
	s->key = key;
	s->used = ++kc->tick;
}

/*
 * d2i_PUBKEY_bio - OpenSSL's, through the calling gate's cache (see the
 * top of this file)
 */
EVP_PKEY *
d2i_PUBKEY_bio(BIO *bp, EVP_PKEY **a)
{
	struct keycache	*kc = current;
	EVP_PKEY	*key;
	unsigned char	*der;
	char		*data;
	long		 len;
	size_t		 i;

	if (pthread_once(&real_once, find_real) != 0 || real_d2i == NULL)
		return NULL;
	if (kc == NULL || a != NULL || bp == NULL ||
	    BIO_method_type(bp) != BIO_TYPE_MEM ||
	    (len = BIO_get_mem_data(bp, &data)) <= 0)
		return real_d2i(bp, a);
	for (i = 0; i < KEYCACHE_SLOTS; i++) {
		struct keycache_slot *s = &kc->slot[i];

		if (s->der != NULL && s->len == (size_t)len &&
		    memcmp(s->der, data, (size_t)len) == 0 &&
		    EVP_PKEY_up_ref(s->key) == 1) {
			s->used = ++kc->tick;
			kc->hits++;
			return s->key;
		}
	}
	kc->misses++;
	/* real_d2i reads the BIO: copy what it holds first */
	der = xmalloc((size_t)len);
	memcpy(der, data, (size_t)len);
	if ((key = real_d2i(bp, NULL)) != NULL)
		remember(kc, der, (size_t)len, key);
	else
		free(der);
	return key;
}
