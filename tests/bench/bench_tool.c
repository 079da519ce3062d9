/*
 * bench_tool.c - corpus generator and parse-only floor for "make bench"
 *
 * SYNOPSIS
 *	bench_tool gen DIR N [typical]	write N deterministic gzip'd reports
 *	bench_tool load CONF DOMAINS LASTDAY  store a year of reports through
 *					the intake: one a day per domain up to
 *					LASTDAY (YYYY-MM-DD), shaped like
 *					"typical"; print how many were stored
 *	bench_tool parse FILE...	read, inflate and parse each; print
 *					"reports seconds"
 *	bench_tool copy CONNINFO FILE...  the bare-COPY floor; print
 *					"reports seconds"
 *
 * The corpus is the same on every run (a fixed LCG, no rand()): reports
 * for 50 domains from 4 organisations, 1-2 policies, 0-20 failure details
 * each ("typical": shaped like ../shared/corpus/real instead).
 *
 * The two floors the ingest rate is compared with:
 *   parse  the time to merely read, inflate and parse the same files,
 *          nothing stored;
 *   copy   the physical limit of a durable normalised store: the same
 *          reports' rows, encoded by store/rows.c exactly as ingest sends
 *          them, into three plain tables (no raw bytes, no dedup index,
 *          no constraint, no trigger) with one COPY each in one
 *          transaction, committed durably.  Decoding and encoding are
 *          done before the clock starts.  The tables live in a schema of
 *          their own, named like the staging table, policy and
 *          failure_detail, so the store's own COPY statements fill them.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zlib.h>

#include <libpq-fe.h>

#include "buf.h"
#include "conf.h"
#include "decode.h"
#include "intake.h"
#include "store.h"
#include "store_int.h"
#include "util.h"
#include "xmalloc.h"

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

/* year_one - the report of domain dom on day (typical shape): one of
 * four organisations by turns, mostly one sts policy, a quarter with 1-3
 * failure details */
static void
year_one(struct buf *b, unsigned dom, const char *day)
{
	unsigned	 nf = next(4) == 0 ? next(3) + 1 : 0, f;

	buf_printf(b, "{\"organization-name\":\"%s\",\"date-range\":"
	    "{\"start-datetime\":\"%sT00:00:00Z\",\"end-datetime\":"
	    "\"%sT23:59:59Z\"},\"contact-info\":\"tlsrpt@example.org\","
	    "\"report-id\":\"%s-y%u_d%u.example\",\"policies\":[{\"policy\":"
	    "{\"policy-type\":\"sts\",\"policy-string\":[\"version: STSv1\","
	    "\"mode: %s\",\"mx: mx1.d%u.example\",\"max_age: 604800\"],"
	    "\"policy-domain\":\"d%u.example\",\"mx-host\":"
	    "[\"mx1.d%u.example\"]},\"summary\":{"
	    "\"total-successful-session-count\":%u,"
	    "\"total-failure-session-count\":%u}", orgs[next(4)], day, day,
	    day, dom, dom, dom % 50 ? "enforce" : "testing", dom, dom, dom,
	    next(5000), nf * 2);
	if (nf)
		buf_puts(b, ",\"failure-details\":[");
	for (f = 0; f < nf; f++)
		buf_printf(b, "%s{\"result-type\":\"%s\","
		    "\"sending-mta-ip\":\"198.51.%u.%u\","
		    "\"receiving-mx-hostname\":\"mx1.d%u.example\","
		    "\"failed-session-count\":2}", f ? "," : "",
		    results[next(6)], next(256), next(256), dom);
	buf_puts(b, nf ? "]}]}" : "}]}");
}

/* load - a report a day per domain for the 365 days up to last, through
 * the intake (decode, decide, store) in batches of a day, from memory:
 * 365,000 files would cost minutes of file system time alone */
static int
load(const char *conffile, unsigned ndom, const char *last)
{
	struct conf		 conf;
	struct intake		 in;
	struct intake_item	*items;
	struct buf		*bodies;
	struct tm		 tm;
	time_t			 t;
	char			 day[16], err[ERRLEN];
	unsigned		 d, k;
	size_t			 stored = 0;
	int			 rc = 0;

	conf_init(&conf);
	memset(&tm, 0, sizeof tm);
	if (conf_load(&conf, conffile, err, sizeof err) == -1 ||
	    conf_finish(&conf, err, sizeof err) == -1 ||
	    sscanf(last, "%d-%d-%d", &tm.tm_year, &tm.tm_mon,
	    &tm.tm_mday) != 3) {
		fprintf(stderr, "bench_tool: %s\n", err);
		conf_free(&conf);
		return 64;
	}
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	tm.tm_hour = 12;
	t = timegm(&tm) - 364 * 86400;
	intake_open(&in, &conf, "bench-load", 0, NULL);
	items = xcalloc(ndom, sizeof *items);
	bodies = xcalloc(ndom, sizeof *bodies);
	for (k = 0; k < 365 && rc == 0; k++, t += 86400) {
		gmtime_r(&t, &tm);
		strftime(day, sizeof day, "%Y-%m-%d", &tm);
		for (d = 0; d < ndom; d++) {
			buf_reset(&bodies[d]);
			year_one(&bodies[d], d, day);
			memset(&items[d], 0, sizeof items[d]);
			items[d].raw = bodies[d].data;
			items[d].rawlen = bodies[d].len;
			items[d].transport = "file";
			items[d].source = "bench";
		}
		if (intake_submit(&in, items, ndom, err, sizeof err) == -1) {
			fprintf(stderr, "bench_tool: %s\n", err);
			rc = 1;
		}
		for (d = 0; d < ndom; d++) {
			stored += items[d].verdict == INTAKE_STORED;
			intake_item_clear(&items[d]);
		}
	}
	printf("%zu\n", stored);
	for (d = 0; d < ndom; d++)
		buf_free(&bodies[d]);
	free(bodies);
	free(items);
	intake_close(&in);
	conf_free(&conf);
	return rc;
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

/* the default limits of lib/conf.c */
static const struct report_limits lim = { 16 << 20, 200000 };

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
		if (report_decode(raw, rawlen, &lim, &r, err,
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

/* The floor's tables: the staging table's shape (the report row without
 * its raw bytes), policy and failure_detail, all plain. */

#define FLOOR_SCHEMA	"tlsrpt_bench_floor"
#define FLOOR_DDL							\
	"SET client_min_messages = warning; "				\
	"DROP SCHEMA IF EXISTS " FLOOR_SCHEMA " CASCADE; "		\
	"CREATE SCHEMA " FLOOR_SCHEMA "; "				\
	"SET search_path = " FLOOR_SCHEMA "; "				\
	"CREATE TABLE " STAGE " (id bigint, organization_name text, "	\
	"report_id text, start_raw text, end_raw text, start_sec bigint, "\
	"start_usec integer, end_sec bigint, end_usec integer, "	\
	"contact_info text, verdict text, transport text, source text, "	\
	"authenticated text, home_domain text, domain_hint text, "	\
	"flags text[], raw bytea, raw_sha256 bytea, content_sha256 bytea, "\
	"proof text, slot text, arrival_flags text[]); "		\
	"CREATE TABLE policy (report_id bigint, idx integer, "		\
	"policy_type text, policy_domain text, domain text, "		\
	"dane_mx boolean, policy_string text[], mx_host text[], "	\
	"total_successful bigint, total_failure bigint); "		\
	"CREATE TABLE failure_detail (report_id bigint, policy_idx integer, "\
	"idx integer, result_type text, sending_mta_ip inet, "		\
	"sending_mta_ip_raw text, receiving_mx_hostname text, "		\
	"receiving_mx_helo text, receiving_ip inet, receiving_ip_raw text, "\
	"failed_session_count bigint, additional_information text, "	\
	"failure_reason_code text)"

/* copy_floor - decode every file, then time the three COPYs and COMMIT */
static int
copy_floor(const char *conninfo, int argc, char **argv)
{
	struct timespec	 t0, t1;
	struct store	*s;
	struct row	*rows;
	struct report	*r, **owned;
	unsigned char	*raw;
	size_t		 rawlen, n = 0, i;
	char		 err[ERRLEN];
	int		 k, rc = 1;

	if ((s = store_open(conninfo, "bench-floor", err, sizeof err)) == NULL) {
		fprintf(stderr, "bench_tool: %s\n", err);
		return 1;
	}
	rows = xcalloc((size_t)argc + 1, sizeof *rows);
	owned = xcalloc((size_t)argc + 1, sizeof *owned);
	for (k = 0; k < argc; k++) {
		if (read_file(argv[k], 10 << 20, &raw, &rawlen, err,
		    sizeof err) != 0)
			continue;
		if (report_decode(raw, rawlen, &lim, &r, err,
		    sizeof err) == REPORT_OK) {
			rows[n].r = owned[n] = r;
			rows[n].id = (int64_t)n + 1;
			rows[n].verdict = "accepted";
			rows[n].transport = "file";
			rows[n].source = argv[k];
			rows[n].is_new = 1;
			n++;
		}
		free(raw);
	}
	if (exec_cmd(s, FLOOR_DDL, "floor tables", err, sizeof err) == -1)
		goto out;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (exec_cmd(s, "BEGIN", "begin", err, sizeof err) == -1 ||
	    copy_rows(s, COPY_K_STAGE, rows, n, 1, err, sizeof err) == -1 ||
	    copy_rows(s, COPY_K_POLICY, rows, n, 1, err, sizeof err) == -1 ||
	    copy_rows(s, COPY_K_FAILURE, rows, n, 1, err, sizeof err) == -1 ||
	    exec_cmd(s, "COMMIT", "commit", err, sizeof err) == -1)
		goto out;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%zu %.6f\n", n, (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "bench_tool: %s\n", err);
	exec_cmd(s, "DROP SCHEMA " FLOOR_SCHEMA " CASCADE", "drop", err,
	    sizeof err);
	for (i = 0; i < n; i++)
		report_free(owned[i]);
	free(owned);
	free(rows);
	store_close(s);
	return rc;
}

int
main(int argc, char **argv)
{
	if ((argc == 4 || (argc == 5 && strcmp(argv[4], "typical") == 0)) &&
	    strcmp(argv[1], "gen") == 0)
		return gen(argv[2], (unsigned)strtoul(argv[3], NULL, 10),
		    argc == 5);
	if (argc == 5 && strcmp(argv[1], "load") == 0)
		return load(argv[2], (unsigned)strtoul(argv[3], NULL, 10),
		    argv[4]);
	if (argc >= 2 && strcmp(argv[1], "parse") == 0)
		return parse(argc - 2, argv + 2);
	if (argc >= 3 && strcmp(argv[1], "copy") == 0)
		return copy_floor(argv[2], argc - 3, argv + 3);
	fprintf(stderr, "usage: bench_tool gen DIR N [typical] | load CONF "
	    "DOMAINS LASTDAY | parse FILE... | copy CONNINFO FILE...\n");
	return 64;
}
