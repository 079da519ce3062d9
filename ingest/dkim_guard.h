/*
 * dkim_guard.h - guards around three memory errors of libopendkim 2.11
 *
 * Found by fuzz_dkim against an ASan build of Debian 12's libopendkim
 * source (2.11.0~beta2-8+deb12u1; how: docs/fuzz-log.txt).  Debian's
 * own build is not instrumented, so a plain fuzz run saw only the write,
 * later, as a corrupted heap ("asan_allocator.cpp:188 ((old)) ==
 * ((kAllocBegMagic))" in a free() from dkim_free()).  Each is reached by
 * a sender's DKIM-Signature field, before any key is looked up:
 *
 * 1. A heap write.  dkim_canon_selecthdrs() keeps one pointer per header
 *    field of the message (dkim_hdrcnt) and, for each name of a
 *    signature's h=, first stores NULL at the next free slot.  When every
 *    field of the message is already taken by an earlier name and h=
 *    names one more, that NULL lands 8 bytes past the array.
 *    Guard: before the message the gate feeds the library pad fields
 *    (DKIM_PAD_FIELD), as many as any h= of the header can name
 *    (dkim_pad_count), so the array always has a slot to spare.  A pad
 *    field is named by no honest h=, so it changes no verification; a
 *    signature that names it fails as it would for any field added in
 *    transit.
 *
 * 2. A read past the end of a string.  dkim_qp_decode() takes "=" and
 *    the next two bytes as a hex escape without checking for the string's
 *    end (strchr() finds the terminator in its digit table), so an i= that
 *    ends in "=" or "=X" makes it read on past the NUL.
 * 3. An unterminated string.  dkim_qp_decode() writes outlen + 1 bytes;
 *    dkim_sig_domainok() passes its 257-byte buffer as 256 and then
 *    strchr()s it: an i= of 257 bytes or more leaves no NUL, and the
 *    stack is read past the buffer.
 *    Guard for both: this module defines dkim_qp_decode.  libopendkim
 *    calls it through its PLT, so the dynamic linker binds those calls to
 *    the executable's definition (as dkim_keycache.c does for
 *    d2i_PUBKEY_bio); ours refuses an escape cut short by the end (-1, a
 *    parse error, as the library returns for any bad escape) and hands
 *    the library's own decoder one byte less room, so it writes at most
 *    outlen bytes as its comment promises.  Every other input decodes as
 *    before.
 */
#ifndef TLSRPT_DKIM_GUARD_H
#define TLSRPT_DKIM_GUARD_H

#include <stddef.h>

#define DKIM_PAD_FIELD	"X-TLSRPT-Pad: 1\r\n"
#define DKIM_PAD_MAX	2049		/* DKIM_MAXHEADER / 2 + 1 names */

/*
 * dkim_pad_count - how many pad fields to feed before msg (len bytes,
 * LF or CRLF line ends): 0 when the header (up to the first empty line)
 * does not contain "dkim-signature" in any case, else min(the header's
 * colons + 1, DKIM_PAD_MAX): each name of an h= but the first follows a
 * colon, and the library keeps at most 4,096 bytes of h=.  Reads msg
 * only.
 */
size_t	dkim_pad_count(const unsigned char *msg, size_t len);

/*
 * dkim_qp_decode - libopendkim's quoted-printable decoder, guarded (3.
 * above): the number of bytes in (NUL-terminated) decodes to, which may
 * exceed outlen, or -1 for a bad escape; writes at most outlen bytes to
 * out and does not terminate it.  Signature as in <opendkim/dkim.h>.
 */
int	dkim_qp_decode(unsigned char *in, unsigned char *out, int outlen);

#endif
