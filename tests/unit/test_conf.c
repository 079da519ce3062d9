/*
 * test_conf.c - the bounds and the size units of lib/conf.c, through
 * conf_load() on a temporary file
 *
 * 1. Every numeric key of the table (found through conf_dump, its bounds
 *    through the "out of range (MIN to MAX)" diagnostic): its maximum and
 *    its minimum are accepted, one above and one below are refused.
 * 2. A table of sizes: K, M and G are 1024-based (either case, with an
 *    optional B), the bounds written with units, malformed sizes.
 * 3. conf_parse() on memory: line ends, a buffer that is not
 *    NUL-terminated, a NUL byte, errors naming their line.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "util.h"
#include "t.h"

static char	 path[64];

/* load - conf_load of the one line "key = value"; rc 0 or -1, the error
 * in err; c must be conf_free'd */
static int
load(struct conf *c, const char *key, const char *value, char *err,
    size_t errlen)
{
	FILE	*fp;

	if ((fp = fopen(path, "w")) == NULL) {
		perror(path);
		exit(1);
	}
	fprintf(fp, "%s = %s\n", key, value);
	fclose(fp);
	conf_init(c);
	err[0] = '\0';
	return conf_load(c, path, err, errlen);
}

/* dumped - the value conf_dump shows for key, into out; 0 or -1 */
static int
dumped(const struct conf *c, const char *key, char *out, size_t outlen)
{
	char	*text = NULL, *line, *save = NULL;
	size_t	 len = 0, klen = strlen(key);
	FILE	*fp;
	int	 rc = -1;

	if ((fp = open_memstream(&text, &len)) == NULL)
		return -1;
	conf_dump(c, fp);
	fclose(fp);
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save))
		if (strncmp(line, key, klen) == 0 &&
		    strncmp(line + klen, " = ", 3) == 0) {
			snprintf(out, outlen, "%s", line + klen + 3);
			rc = 0;
			break;
		}
	free(text);
	return rc;
}

/* check_load - "key = value" loads and conf_dump shows want (err NULL),
 * or it is refused with a message holding err (want NULL) */
static void
check_load(const char *name, const char *key, const char *value,
    const char *want, const char *err)
{
	struct conf	 c;
	char		 got[ERRLEN], tname[256], what[2 * ERRLEN];
	int		 rc;

	rc = load(&c, key, value, got, sizeof got);
	snprintf(tname, sizeof tname, "%s: %s = %s %s", name, key, value,
	    err ? "refused" : "accepted");
	snprintf(what, sizeof what, "got \"%s\", want \"%s\"", got,
	    err ? err : "");
	if (err != NULL)
		t_ok(tname, rc == -1 && strstr(got, err) != NULL, what);
	else if (t_ok(tname, rc == 0, what)) {
		got[0] = '\0';
		dumped(&c, key, got, sizeof got);
		snprintf(tname, sizeof tname, "%s: %s = %s", name, key,
		    value);
		t_str(tname, got, want);
	}
	conf_free(&c);
}

/* test_bounds - every numeric key at and past both of its bounds */
static void
test_bounds(void)
{
	struct conf	 c;
	char		*text = NULL, *line, *save = NULL, *eq;
	char		 err[ERRLEN], key[64], v[32], range[64];
	unsigned long long min, max;
	size_t		 len = 0, nkeys = 0;
	FILE		*fp;

	conf_init(&c);
	if ((fp = open_memstream(&text, &len)) == NULL)
		exit(1);
	conf_dump(&c, fp);
	fclose(fp);
	conf_free(&c);
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if ((eq = strstr(line, " = ")) == NULL || eq[3] == '\0' ||
		    strspn(eq + 3, "0123456789") != strlen(eq + 3))
			continue;	/* not a number: a string or a list */
		snprintf(key, sizeof key, "%.*s", (int)(eq - line), line);
		/* past any bound: the diagnostic names both */
		load(&c, key, "18446744073709551615", err, sizeof err);
		conf_free(&c);
		if (!t_ok(key, sscanf(strstr(err, "out of range") ?
		    strstr(err, "out of range") : "", "out of range "
		    "(%llu to %llu)", &min, &max) == 2, err))
			continue;
		nkeys++;
		snprintf(range, sizeof range, "out of range (%llu to %llu)",
		    min, max);
		snprintf(v, sizeof v, "%llu", max);
		check_load("bound", key, v, v, NULL);
		snprintf(v, sizeof v, "%llu", max + 1);
		check_load("bound", key, v, NULL, range);
		snprintf(v, sizeof v, "%llu", min);
		check_load("bound", key, v, v, NULL);
		if (min > 0) {
			snprintf(v, sizeof v, "%llu", min - 1);
			check_load("bound", key, v, NULL, range);
		}
	}
	free(text);
	/* the table has 17 numeric keys today; fewer means the dump or the
	 * diagnostic changed and this test stopped looking */
	t_ok("bounds: every numeric key found", nkeys >= 17, NULL);
	printf("bounds: %zu numeric keys\n", nkeys);
}

static const struct {
	const char	*key, *value, *want;	/* want NULL: refused */
} size_cases[] = {
	{ "max_body_bytes", "3K", "3072" },
	{ "max_body_bytes", "3k", "3072" },
	{ "max_body_bytes", "64KB", "65536" },
	{ "max_body_bytes", "2M", "2097152" },
	{ "max_body_bytes", "2m", "2097152" },
	{ "max_body_bytes", "10MB", "10485760" },
	{ "max_body_bytes", "1G", "1073741824" },
	{ "max_body_bytes", "1g", "1073741824" },
	{ "max_body_bytes", "1000K", "1024000" },
	{ "max_body_bytes", "  5M  ", "5242880" },
	/* bounds written with units */
	{ "max_report_bytes", "1K", "1024" },
	{ "max_report_bytes", "1G", "1073741824" },
	{ "max_report_bytes", "1025M", NULL },
	{ "max_report_bytes", "1048577K", NULL },
	{ "max_header_bytes", "4K", "4096" },
	{ "max_header_bytes", "1M", "1048576" },
	{ "max_header_bytes", "1025K", NULL },
	{ "spool_max_bytes", "1024G", "1099511627776" },
	{ "spool_max_bytes", "1025G", NULL },
	{ "spool_max_bytes", "1048576K", "1073741824" },
	/* malformed */
	{ "max_body_bytes", "10X", NULL },
	{ "max_body_bytes", "M", NULL },
	{ "max_body_bytes", "-1M", NULL },
	{ "max_body_bytes", "1.5M", NULL },
	{ "max_body_bytes", "1MM", NULL },
	{ "max_body_bytes", "99999999999G", NULL },
	/* (2^34 + 1) * 2^30 wraps to 2^30, which is in range */
	{ "max_body_bytes", "17179869185G", NULL },
	{ "max_body_bytes", "18446744073709551616", NULL },
	{ "batch_reports", "1K", NULL },	/* a count takes no unit */
};

/* test_sizes - K, M, G are 1024-based */
static void
test_sizes(void)
{
	size_t	 i;

	/* a refusal names the key */
	for (i = 0; i < sizeof size_cases / sizeof size_cases[0]; i++)
		check_load("size", size_cases[i].key, size_cases[i].value,
		    size_cases[i].want, size_cases[i].want ? NULL :
		    size_cases[i].key);
}

/* parse_case - conf_parse of len bytes of text: rc, err (or ""),
 * max_body_bytes and batch_reports afterwards */
struct parse_case {
	const char	*name;
	const char	*text;
	size_t		 len;
	int		 rc;
	const char	*err;
	size_t		 body, batch;
};

static const struct parse_case parse_cases[] = {
	{ "lines, a comment, a blank line, no final newline",
	    "max_body_bytes = 2K\n# c\n\n  batch_reports=5", 42, 0, "",
	    2048, 5 },
	{ "CRLF line ends", "batch_reports = 6\r\nmax_body_bytes = 1M\r\n",
	    40, 0, "", 1048576, 6 },
	{ "the buffer ends before its NUL (len, not strlen)",
	    "batch_reports = 78", 17, 0, "", 10485760, 7 },
	{ "empty", "", 0, 0, "", 10485760, 1000 },
	{ "a NUL byte: refused with its line, not read as the line's end",
	    "batch_reports = 9\nmax_body_bytes = 2K\0garbage\n", 46, -1,
	    "t.conf:2: a NUL byte", 10485760, 9 },
	{ "an unknown key: its line", "\n\nno_such = 1\n", 14, -1,
	    "t.conf:3: unknown key \"no_such\"", 10485760, 1000 },
	{ "no '='", "batch_reports\n", 14, -1,
	    "t.conf:1: expected \"key = value\"", 10485760, 1000 },
};

/* test_parse - conf_parse on memory (what conf_load and the fuzz target
 * call), and conf_load's message for a file it cannot read */
static void
test_parse(void)
{
	struct conf	 c;
	char		 err[ERRLEN], name[256];
	size_t		 i;
	int		 rc;

	for (i = 0; i < sizeof parse_cases / sizeof parse_cases[0]; i++) {
		const struct parse_case *pc = &parse_cases[i];

		conf_init(&c);
		err[0] = '\0';
		rc = conf_parse(&c, "t.conf", pc->text, pc->len, err,
		    sizeof err);
		snprintf(name, sizeof name, "conf_parse %s: rc", pc->name);
		t_int(name, rc, pc->rc);
		snprintf(name, sizeof name, "conf_parse %s: err", pc->name);
		t_str(name, err, pc->err);
		snprintf(name, sizeof name, "conf_parse %s: values", pc->name);
		t_ok(name, c.max_body_bytes == pc->body &&
		    c.batch_reports == pc->batch, "max_body_bytes or "
		    "batch_reports differ");
		conf_free(&c);
	}
	conf_init(&c);
	rc = conf_load(&c, "/nonexistent/tlsrpt.conf", err, sizeof err);
	t_int("conf_load of a missing file: -1", rc, -1);
	t_str("conf_load of a missing file: names it", err,
	    "/nonexistent/tlsrpt.conf: cannot open: No such file or "
	    "directory");
	conf_free(&c);
}

int
main(void)
{
	int	 fd;

	snprintf(path, sizeof path, "/tmp/test_conf.XXXXXX");
	if ((fd = mkstemp(path)) == -1) {
		perror("mkstemp");
		return 1;
	}
	close(fd);
	test_bounds();
	test_sizes();
	test_parse();
	unlink(path);
	return t_done();
}
