/*
 * dkim_guard.c - guards around libopendkim 2.11's memory errors (the
 * errors and why these guards suffice: dkim_guard.h)
 *
 * The pad count is a deliberately crude upper bound, so that no parse of
 * ours can disagree with the library's:
 *
 *   the header ends at the first empty line: feed() in dkim_gate.c turns
 *   every bare LF into CRLF, so "\n\n" and "\n\r\n" are exactly where
 *   the library sees CRLF CRLF; nothing after it can be a header field;
 *
 *   "dkim-signature" anywhere in the header, in any case, stands for any
 *   field the library may take as a signature (it trims blanks before
 *   the colon and ignores case);
 *
 *   the colons of the whole header plus one bound the names of every h=
 *   in it.
 *
 * Cost: a signed report mail has 30 to 60 colons in its header; feeding
 * that many 17-byte fields is noise beside one RSA verification.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <string.h>
#include <strings.h>

#include "dkim_guard.h"

static const char	 signame[] = "dkim-signature";

size_t
dkim_pad_count(const unsigned char *msg, size_t len)
{
	size_t	 i, colons = 0, end = len;
	int	 sig = 0;

	for (i = 0; i < len; i++)
		if (msg[i] == '\n' && i + 1 < len && (msg[i + 1] == '\n' ||
		    (msg[i + 1] == '\r' && i + 2 < len && msg[i + 2] == '\n'))) {
			end = i;
			break;
		}
	for (i = 0; i < end; i++) {
		if (msg[i] == ':')
			colons++;
		else if (!sig && (msg[i] | 0x20) == 'd' &&
		    end - i >= sizeof signame - 1 &&
		    strncasecmp((const char *)msg + i, signame,
		    sizeof signame - 1) == 0)
			sig = 1;
	}
	if (!sig)
		return 0;
	return colons + 1 < DKIM_PAD_MAX ? colons + 1 : DKIM_PAD_MAX;
}

typedef int (*qp_fn)(unsigned char *, unsigned char *, int);

static qp_fn		 real_qp;
static pthread_once_t	 real_once = PTHREAD_ONCE_INIT;

static void
find_real(void)
{
	void	*p = dlsym(RTLD_NEXT, "dkim_qp_decode");

	/* object pointer to function pointer: POSIX guarantees it for
	 * dlsym's results */
	memcpy(&real_qp, &p, sizeof real_qp);
}

int
dkim_qp_decode(unsigned char *in, unsigned char *out, int outlen)
{
	const unsigned char	*p;

	if (pthread_once(&real_once, find_real) != 0 || real_qp == NULL)
		return -1;
	/* an escape needs two more bytes, unless it is a soft line break
	 * ("=" CRLF or "=" LF), which the library reads correctly */
	for (p = in; *p != '\0'; p++)
		if (*p == '=' && (p[1] == '\0' || (p[1] != '\n' &&
		    !(p[1] == '\r' && p[2] == '\n') && p[2] == '\0')))
			return -1;
	/* the library writes one byte more than it is given */
	return real_qp(in, out, outlen > 0 ? outlen - 1 : outlen);
}
