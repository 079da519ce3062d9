/*
 * bench_tool.c - corpus generator and parse-only floor for "make bench"
 *
 * SYNOPSIS
 *	bench_tool gen DIR N	write N deterministic gzip'd reports into DIR
 *	bench_tool parse FILE...	read, inflate and parse each; print seconds
 *
 * The corpus is the same on every run (a fixed LCG, no rand()): reports
 * for 50 domains from 4 organisations, 1-2 policies, 0-20 failure details
 * each.  "parse" is the floor the ingest rate is compared with: the time
 * to merely read, inflate and parse the same files, nothing stored.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zlib.h>

#include "buf.h"
#include "report.h"
#include "util.h"

static uint64_t lcg = 0x2545F4914F6CDD1DULL;

/* next - a deterministic pseudo-random number below n */
static unsigned
next(unsigned n)
{
	lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned)((lcg >> 33) % n);
}

static const char *const orgs[] = { "Google Inc.", "Microsoft Corporation",
	"Mail.ru", "Yahoo Inc." };
static const char *const results[] = { "certificate-expired",
	"starttls-not-supported", "validation-failure",
	"sts-policy-fetch-error", "certificate-host-mismatch", "tlsa-invalid" };

/* gen_one - one report as JSON into b; typical: shaped like the real
 * corpus rather than heavy (see gen) */
static void
gen_one(struct buf *b, unsigned i, int typical)
{
	unsigned	 org = next(4), dom = next(50), day = i % 28 + 1;
	unsigned	 npol, p, f, nf;

	npol = typical ? (next(10) == 0 ? 2 : 1) : next(2) + 1;

	buf_printf(b, "{\"organization-name\":\"%s\",\"date-range\":"
	    "{\"start-datetime\":\"2026-02-%02uT00:00:00Z\",\"end-datetime\":"
	    "\"2026-02-%02uT23:59:59Z\"},\"contact-info\":\"tlsrpt@example."
	    "org\",\"report-id\":\"bench-%u_d%u.example\",\"policies\":[",
	    orgs[org], day, day, i, dom);
	for (p = 0; p < npol; p++) {
		if (p > 0)
			nf = 0;
		else if (typical)
			nf = next(4) == 0 ? next(3) + 1 : 0;
		else
			nf = next(21);
		buf_printf(b, "%s{\"policy\":{\"policy-type\":\"%s\","
		    "\"policy-string\":[\"version: STSv1\",\"mode: enforce\","
		    "\"mx: mx1.d%u.example\",\"max_age: 604800\"],"
		    "\"policy-domain\":\"d%u.example\",\"mx-host\":"
		    "[\"mx1.d%u.example\"]},\"summary\":{"
		    "\"total-successful-session-count\":%u,"
		    "\"total-failure-session-count\":%u}", p ? "," : "",
		    p ? "tlsa" : "sts", dom, dom, dom, next(5000), nf * 2);
		if (nf)
			buf_puts(b, ",\"failure-details\":[");
		for (f = 0; f < nf; f++)
			buf_printf(b, "%s{\"result-type\":\"%s\","
			    "\"sending-mta-ip\":\"198.51.%u.%u\","
			    "\"receiving-mx-hostname\":\"mx1.d%u.example\","
			    "\"receiving-ip\":\"2001:db8::%x\","
			    "\"failed-session-count\":2}", f ? "," : "",
			    results[next(6)], next(256), next(256), dom,
			    next(65535));
		if (nf)
			buf_puts(b, "]");
		buf_puts(b, "}");
	}
	buf_puts(b, "]}");
}

/* gen - write n files DIR/rNNNNN.json.gz */
static int
gen(const char *dir, unsigned n, int typical)
{
	struct buf	 b = BUF_INIT;
	char		 path[4096];
	gzFile		 gz;
	unsigned	 i;

	for (i = 0; i < n; i++) {
		buf_reset(&b);
		gen_one(&b, i, typical);
		snprintf(path, sizeof path, "%s/r%05u.json.gz", dir, i);
		if ((gz = gzopen(path, "wb6")) == NULL ||
		    gzwrite(gz, b.data, (unsigned)b.len) != (int)b.len ||
		    gzclose(gz) != Z_OK) {
			fprintf(stderr, "bench_tool: cannot write %s\n", path);
			buf_free(&b);
			return 1;
		}
	}
	buf_free(&b);
	return 0;
}

/* parse - the floor: read + inflate + parse, nothing stored */
static int
parse(int argc, char **argv)
{
	struct timespec	 t0, t1;
	struct report	*r;
	unsigned char	*raw;
	size_t		 rawlen;
	char		 err[ERRLEN];
	int		 i, ok = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < argc; i++) {
		if (read_file(argv[i], 10 << 20, &raw, &rawlen, err,
		    sizeof err) != 0)
			continue;
		if (report_decode(raw, rawlen, 16 << 20, &r, err,
		    sizeof err) == REPORT_OK)
			ok++;
		report_free(r);
		free(raw);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%d %.6f\n", ok, (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return ok == argc ? 0 : 1;
}

int
main(int argc, char **argv)
{
	if ((argc == 4 || (argc == 5 && strcmp(argv[4], "typical") == 0)) &&
	    strcmp(argv[1], "gen") == 0)
		return gen(argv[2], (unsigned)strtoul(argv[3], NULL, 10),
		    argc == 5);
	if (argc >= 2 && strcmp(argv[1], "parse") == 0)
		return parse(argc - 2, argv + 2);
	fprintf(stderr, "usage: bench_tool gen DIR N [typical] | parse FILE...\n");
	return 64;
}
