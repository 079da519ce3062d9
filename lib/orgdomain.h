/*
 * orgdomain.h - registrable ("organisational") domains through libpsl
 *
 * The DKIM gate aligns d= with the From, TLS-Report-Submitter and
 * contact-info domains by their registrable domain (RFC8460-RECEIVER
 * R51: d=corp.mail.ru signs for mail.ru), and a proven report's identity
 * contains the registrable d= domain.  The public suffix list is Debian's
 * (package publicsuffix) when it is newer than libpsl's built-in copy.
 */
#ifndef TLSRPT_ORGDOMAIN_H
#define TLSRPT_ORGDOMAIN_H

#include <stddef.h>

/*
 * org_domain - the registrable domain of domain (any case, one final dot
 * allowed) into out (outlen bytes, lower case).  Returns 0, or -1 when it
 * has none: a public suffix itself ("co.uk", "com"), a single label, not
 * a host name, or longer than out.
 */
int	org_domain(const char *domain, char *out, size_t outlen);

/*
 * addr_domain - the domain of an address as it appears in a header field
 * or a contact-info: "Name <user@dom>", "user@dom", "mailto:user@dom",
 * "https://host/path" (the host).  Into out, lower case, no final dot.
 * Returns 0, or -1 when there is none (or it is no host name).
 */
int	addr_domain(const char *s, char *out, size_t outlen);

#endif
