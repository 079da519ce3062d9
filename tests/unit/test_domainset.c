/*
 * test_domainset.c - the configured domains' lookup (lib/domainset.c)
 *
 * Hits, misses, subdomains, ASCII case and a final dot, near misses
 * ("xexample.com" is not under "example.com"), the closest of nested
 * names, duplicates counted once, 100,000 names (every one found, its
 * subdomains too, a miss still a miss), and the conf path: "domains ="
 * lines fill the set that report_is_ours() reads.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "domainset.h"
#include "util.h"
#include "xmalloc.h"

#include "t.h"

static const struct {
	const char	*name;
	const char	*domain;
	const char	*want;		/* NULL: no match */
} cases[] = {
	{ "hit", "example.com", "example.com" },
	{ "hit, other name", "example.net", "example.net" },
	{ "miss", "example.org", NULL },
	{ "subdomain", "mx1.example.com", "example.com" },
	{ "deep subdomain", "a.b.c.d.example.net", "example.net" },
	{ "upper case", "EXAMPLE.COM", "example.com" },
	{ "mixed case subdomain", "Mx1.ExAmple.Com", "example.com" },
	{ "final dot", "example.com.", "example.com" },
	{ "a suffix that is not a label boundary", "xexample.com", NULL },
	{ "the parent of a listed name", "com", NULL },
	{ "closest of nested names", "mx.sub.example.org", "sub.example.org" },
	{ "nested name itself", "sub.example.org", "sub.example.org" },
	{ "empty", "", NULL },
	{ "a dot alone", ".", NULL },
	{ "listed with upper case, looked up lower", "upper.test", "UPPER.test" },
};

static void
test_table(void)
{
	struct domainset	*s = domainset_new();
	const char		*got;
	size_t			 i;

	domainset_add(s, "example.com");
	domainset_add(s, "example.net");
	domainset_add(s, "sub.example.org");
	domainset_add(s, "UPPER.test");
	domainset_add(s, "example.com");	/* once */
	domainset_add(s, "Example.COM.");	/* the same name */
	t_int("duplicates counted once", (int64_t)domainset_count(s), 4);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		got = domainset_match(s, cases[i].domain);
		t_str(cases[i].name, got, cases[i].want);
	}
	t_ok("NULL set matches nothing", domainset_match(NULL, "a.b") == NULL,
	    NULL);
	t_int("NULL set counts 0", (int64_t)domainset_count(NULL), 0);
	domainset_free(s);
}

/* test_large - 100,000 names, as a hosting provider configures them */
static void
test_large(void)
{
	struct domainset	*s = domainset_new();
	char			**names, q[64];
	size_t			 i, n = 100000, found = 0, sub = 0, miss = 0;

	names = xcalloc(n, sizeof *names);
	for (i = 0; i < n; i++) {
		names[i] = xasprintf("customer%zu.example", i);
		domainset_add(s, names[i]);
	}
	t_int("100,000 names", (int64_t)domainset_count(s), (int64_t)n);
	for (i = 0; i < n; i++) {
		found += domainset_match(s, names[i]) == names[i];
		snprintf(q, sizeof q, "mx1.CUSTOMER%zu.example.", i);
		sub += domainset_match(s, q) == names[i];
		snprintf(q, sizeof q, "customer%zu.example", n + i);
		miss += domainset_match(s, q) == NULL;
	}
	t_int("100,000: every name found", (int64_t)found, (int64_t)n);
	t_int("100,000: every subdomain found", (int64_t)sub, (int64_t)n);
	t_int("100,000: other names missed", (int64_t)miss, (int64_t)n);
	domainset_free(s);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* test_conf - "domains" lines fill conf->domain_set */
static void
test_conf(void)
{
	struct conf	 c;
	char		 path[] = "/tmp/tlsrpt-test-domainset.XXXXXX", err[ERRLEN];
	FILE		*fp;
	int		 fd;

	if ((fd = mkstemp(path)) == -1 || (fp = fdopen(fd, "w")) == NULL) {
		t_ok("conf: temporary file", 0, NULL);
		return;
	}
	fputs("domains = Example.com, example.net.\ndomains = a.test\n", fp);
	fclose(fp);
	conf_init(&c);
	t_int("conf: loads", conf_load(&c, path, err, sizeof err), 0);
	t_int("conf: three names", (int64_t)domainset_count(c.domain_set), 3);
	t_str("conf: subdomain of a normalised name",
	    domainset_match(c.domain_set, "mx.example.com"), "example.com");
	t_str("conf: final dot dropped",
	    domainset_match(c.domain_set, "example.net"), "example.net");
	t_ok("conf: a miss", domainset_match(c.domain_set, "b.test") == NULL,
	    NULL);
	conf_free(&c);
	t_ok("conf: freed", c.domain_set == NULL, NULL);
	unlink(path);
}

int
main(void)
{
	test_table();
	test_large();
	test_conf();
	return t_done();
}
