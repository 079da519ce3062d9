/*
 * dkim_keycache.h - the DKIM public keys libopendkim decodes, remembered
 *
 * libopendkim decodes a signer's key (d2i_PUBKEY_bio) for every message
 * it verifies.  With OpenSSL 3.0 that decoding costs 5 times the RSA
 * verification itself (measured: 216 against 43 us per message for
 * RSA-2048, under load), and report mails come from a handful of keys.
 * dkim_keycache.c defines d2i_PUBKEY_bio in our binary, which the
 * dynamic linker binds libopendkim's call to: while a gate judges a
 * message (keycache_enter .. keycache_leave, on that thread), a key whose
 * DER bytes it has decoded before comes from the gate's cache; any other
 * caller, and any call outside a gate, goes to OpenSSL's own function.
 * The cache compares the whole DER encoding, so a rotated key is a
 * different entry, never a stale one.
 *
 * Ownership: a struct keycache belongs to one gate and is used by one
 * thread at a time (a gate is); it holds one reference on each key and
 * returns a new one to libopendkim, which frees it as before.
 */
#ifndef TLSRPT_DKIM_KEYCACHE_H
#define TLSRPT_DKIM_KEYCACHE_H

#include <stddef.h>
#include <stdint.h>

#define KEYCACHE_SLOTS	16		/* keys remembered per gate */

struct keycache_slot {
	unsigned char	*der;		/* NULL: empty */
	size_t		 len;
	void		*key;		/* EVP_PKEY *, one reference held */
	uint64_t	 used;		/* tick of the last hit, for LRU */
};

struct keycache {
	struct keycache_slot slot[KEYCACHE_SLOTS];
	uint64_t	 tick;
	size_t		 hits, misses;
};

/* keycache_enter - this thread's key decodings use kc until
 * keycache_leave(); keycache_leave - back to OpenSSL alone */
void	keycache_enter(struct keycache *kc);
void	keycache_leave(void);

/* keycache_clear - drop every key (the gate's close) */
void	keycache_clear(struct keycache *kc);

#endif
