/*
 * orgdomain.c - registrable domains (libpsl) and the domain of an address
 */
#include <libpsl.h>
#include <string.h>

#include "orgdomain.h"
#include "util.h"

#define DOMAIN_MAX	253

/* the list is loaded once per process: psl_latest() reads Debian's file
 * only when it is newer than the built-in copy (measured: 0.2 ms) */
static const psl_ctx_t *
psl(void)
{
	static psl_ctx_t	*ctx;
	static int		 tried;

	if (!tried) {
		tried = 1;
		ctx = psl_latest(NULL);
	}
	return ctx ? ctx : psl_builtin();
}

int
org_domain(const char *domain, char *out, size_t outlen)
{
	char		 d[DOMAIN_MAX + 2];
	const char	*reg;
	const psl_ctx_t	*p;
	size_t		 len = strlen(domain);

	if (len == 0 || len > DOMAIN_MAX + 1)
		return -1;
	memcpy(d, domain, len + 1);
	domain_normalise(d);
	if (!domain_valid(d) || (p = psl()) == NULL)
		return -1;
	if ((reg = psl_registrable_domain(p, d)) == NULL)
		return -1;
	if (strlen(reg) >= outlen)
		return -1;
	memcpy(out, reg, strlen(reg) + 1);
	return 0;
}

int
addr_domain(const char *s, char *out, size_t outlen)
{
	const char	*p, *at, *end, *lt;
	size_t		 len;

	if (s == NULL)
		return -1;
	/* "Name <user@dom>": only what is inside the last angle brackets */
	if ((lt = strrchr(s, '<')) != NULL)
		s = lt + 1;
	if (strncmp(s, "https://", 8) == 0 || strncmp(s, "http://", 7) == 0) {
		p = strstr(s, "//") + 2;
		if ((at = strpbrk(p, "@/")) != NULL && *at == '@')
			p = at + 1;		/* userinfo@host */
	} else {
		if (strncmp(s, "mailto:", 7) == 0)
			s += 7;
		if ((at = strrchr(s, '@')) == NULL)
			return -1;
		p = at + 1;
	}
	end = p + strcspn(p, ">/:?#;, \t\r\n\"'");
	len = (size_t)(end - p);
	if (len == 0 || len >= outlen || len > DOMAIN_MAX + 1)
		return -1;
	memcpy(out, p, len);
	out[len] = '\0';
	domain_normalise(out);
	return domain_valid(out) ? 0 : -1;
}
