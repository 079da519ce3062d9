/*
 * test_ops.c - serve's operations parts without sockets: the Prometheus
 * text of metrics.c, and whom a trusted proxy's X-Forwarded-For names
 * (listen.c) with trusted_proxies as conf.c parses it
 *
 * metrics: counters bumped here appear with the right labels; every
 * family has # HELP and # TYPE; histogram buckets are cumulative and
 * +Inf equals _count; label values are escaped (quotes, backslashes,
 * newlines, bytes outside printable ASCII) so a hostile organisation
 * name stays one label; two names that escape alike give one series.
 *
 * X-Forwarded-For: the right-most element that is not a trusted proxy,
 * the left-most when all are, ports and brackets, IPv6 and IPv4-mapped
 * peers, malformed elements at or right of the answer (-1: the caller
 * keeps the peer), garbage left of it never read; trusted_proxies
 * entries that are not addresses are configuration errors.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "metrics.h"
#include "query_metrics.h"
#include "serve.h"
#include "util.h"
#include "xmalloc.h"

#include "t.h"

/* has - text contains line (a whole line) */
static int
has(const char *text, const char *line)
{
	size_t		 n = strlen(line);
	const char	*p = text;

	while ((p = strstr(p, line)) != NULL) {
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return 1;
		p++;
	}
	return 0;
}

/* families_ok - every sample's family was announced by HELP and TYPE
 * lines before it; returns the number of samples, -1 on a stray one */
static int
families_ok(const char *text)
{
	char		 fam[128], *copy = xstrdup(text), *line, *save, *e;
	int		 n = 0;

	fam[0] = '\0';
	for (line = strtok_r(copy, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "# TYPE ", 7) == 0) {
			snprintf(fam, sizeof fam, "%.*s",
			    (int)strcspn(line + 7, " "), line + 7);
			continue;
		}
		if (line[0] == '#')
			continue;
		e = line + strcspn(line, "{ ");
		if (fam[0] == '\0' || strncmp(line, fam, strlen(fam)) != 0 ||
		    (e != line + strlen(fam) && strncmp(line + strlen(fam),
		    "_bucket", 7) != 0 && strncmp(line + strlen(fam), "_sum",
		    4) != 0 && strncmp(line + strlen(fam), "_count", 6) != 0)) {
			printf("  stray sample: %s (family %s)\n", line, fam);
			free(copy);
			return -1;
		}
		n++;
	}
	free(copy);
	return n;
}

static void
test_render(void)
{
	struct metrics_gauges	 g;
	struct db_metrics	 db;
	char			 mail[] = "mail", acc[] = "accepted";
	char			 goog[] = "Google Inc.";
	char			 evil[] = "Evil\"}\nfake_metric 1 \\x\xc3\xa9%";
	char			 evil2[] = "Evil\"}\nfake_metric 1 \\x\xc3\xa9%";
	struct db_count		 counts[1] = { { mail, acc, 7 } };
	struct db_reporter	 reps[3] = {
		{ goog, 1700000000, 40 },
		{ evil, 1700000100, 3 },
		{ evil2, 1700000200, 2 },
	};
	struct buf		 b = BUF_INIT, l = BUF_INIT;
	const char		*t;

	metrics_request(201);
	metrics_request(201);
	metrics_request(429);
	metrics_request(0);
	metrics_request(1000);		/* out of range: counted as 0 */
	metrics_report(INTAKE_STORED);
	metrics_report(INTAKE_DUPLICATE);
	metrics_report(INTAKE_PENDING);	/* not a verdict: not counted */
	metrics_db_error();
	metrics_commit(1, 0.004);
	metrics_commit(30, 0.2);
	metrics_commit(5000, 99);
	metrics_replayed(3);
	metrics_reload(1);
	metrics_reload(0);

	memset(&db, 0, sizeof db);
	db.counts = counts;
	db.n_counts = 1;
	db.reporters = reps;
	db.n_reporters = 3;
	db.reporters_total = 3;
	db.quarantine_entries = 2;
	db.quarantine_bytes = 1234;
	memset(&g, 0, sizeof g);
	g.now = 1700001000;
	g.spool_entries = 4;
	g.spool_oldest = 1700000990;
	g.connections = 5;
	g.inflight_bytes = 4096;
	g.db = &db;
	g.db_up = 1;
	g.db_read_at = 1700000999;
	metrics_render(&b, &g);
	buf_putc(&b, '\0');
	t = (const char *)b.data;

	t_ok("requests by status", has(t,
	    "tlsrpt_http_requests_total{status=\"201\"} 2"), t);
	t_ok("requests 429", has(t,
	    "tlsrpt_http_requests_total{status=\"429\"} 1"), NULL);
	t_ok("requests without an answer (and out of range)", has(t,
	    "tlsrpt_http_requests_total{status=\"0\"} 2"), NULL);
	t_ok("no series for statuses never seen",
	    strstr(t, "status=\"500\"") == NULL, NULL);
	t_ok("reports stored", has(t, "tlsrpt_reports_total{transport=\"https\","
	    "verdict=\"stored\"} 1"), NULL);
	t_ok("reports duplicate", has(t, "tlsrpt_reports_total{transport="
	    "\"https\",verdict=\"duplicate\"} 1"), NULL);
	t_ok("no pending verdict", strstr(t, "pending") == NULL, NULL);
	t_ok("database errors", has(t, "tlsrpt_database_errors_total 1"), NULL);
	t_ok("batch le=1", has(t,
	    "tlsrpt_commit_batch_reports_bucket{le=\"1\"} 1"), NULL);
	t_ok("batch le=25 (cumulative, 30 not in it)", has(t,
	    "tlsrpt_commit_batch_reports_bucket{le=\"25\"} 1"), NULL);
	t_ok("batch le=50", has(t,
	    "tlsrpt_commit_batch_reports_bucket{le=\"50\"} 2"), NULL);
	t_ok("batch +Inf", has(t,
	    "tlsrpt_commit_batch_reports_bucket{le=\"+Inf\"} 3"), NULL);
	t_ok("batch count = +Inf", has(t,
	    "tlsrpt_commit_batch_reports_count 3"), NULL);
	t_ok("batch sum", has(t, "tlsrpt_commit_batch_reports_sum 5031.000000"),
	    NULL);
	t_ok("latency le=0.005", has(t,
	    "tlsrpt_commit_duration_seconds_bucket{le=\"0.005\"} 1"), NULL);
	t_ok("latency le=0.25", has(t,
	    "tlsrpt_commit_duration_seconds_bucket{le=\"0.25\"} 2"), NULL);
	t_ok("latency le=30 (99 s past it)", has(t,
	    "tlsrpt_commit_duration_seconds_bucket{le=\"30\"} 2"), NULL);
	t_ok("latency +Inf", has(t,
	    "tlsrpt_commit_duration_seconds_bucket{le=\"+Inf\"} 3"), NULL);
	t_ok("latency sum", has(t,
	    "tlsrpt_commit_duration_seconds_sum 99.204000"), NULL);
	t_ok("histogram type", has(t,
	    "# TYPE tlsrpt_commit_duration_seconds histogram"), NULL);
	t_ok("spool entries", has(t, "tlsrpt_spool_entries 4"), NULL);
	t_ok("spool oldest age", has(t, "tlsrpt_spool_oldest_age_seconds 10"),
	    NULL);
	t_ok("replayed", has(t, "tlsrpt_spool_replayed_total 3"), NULL);
	t_ok("connections", has(t, "tlsrpt_http_connections 5"), NULL);
	t_ok("reloads ok", has(t, "tlsrpt_reloads_total{result=\"ok\"} 1"),
	    NULL);
	t_ok("reloads failed", has(t,
	    "tlsrpt_reloads_total{result=\"failed\"} 1"), NULL);
	t_ok("build info", strstr(t, "tlsrpt_build_info{version=\""
	    TLSRPT_VERSION "\",commit=\"") != NULL, NULL);
	t_ok("db up", has(t, "tlsrpt_db_up 1"), NULL);
	t_ok("db reports by transport and verdict", has(t,
	    "tlsrpt_db_reports{transport=\"mail\",verdict=\"accepted\"} 7"),
	    NULL);
	t_ok("db quarantine", has(t, "tlsrpt_db_quarantine_bytes 1234"), NULL);
	t_ok("reporter last", has(t,
	    "tlsrpt_db_reporter_last_report_timestamp_seconds{organization="
	    "\"Google Inc.\"} 1700000000"), NULL);
	t_ok("hostile reporter: one escaped label", has(t,
	    "tlsrpt_db_reporter_reports{organization=\"Evil\\\"}%0Afake_metric"
	    " 1 \\\\x%C3%A9%25\"} 3"), NULL);
	t_ok("hostile reporter: no injected line",
	    strstr(t, "\nfake_metric") == NULL, NULL);
	t_ok("hostile reporter: the look-alike left out",
	    strstr(t, "%25\"} 2") == NULL, NULL);
	t_ok("every sample under its HELP and TYPE", families_ok(t) > 40, NULL);
	buf_free(&b);

	/* without the database: only tlsrpt_db_up */
	g.db = NULL;
	g.db_up = 0;
	metrics_render(&b, &g);
	buf_putc(&b, '\0');
	t_ok("db down", has((char *)b.data, "tlsrpt_db_up 0") &&
	    strstr((char *)b.data, "tlsrpt_db_reports") == NULL, NULL);
	buf_free(&b);

	metrics_label(&l, "a\\b\"c\nd\x01");
	buf_putc(&l, '\0');
	t_str("label escaping", (char *)l.data, "a\\\\b\\\"c%0Ad%01");
	buf_free(&l);
}

/* proxies - a conf with trusted_proxies = list; 0 or -1 */
static int
proxies(struct conf *c, const char *list, char *err, size_t errlen)
{
	char	 path[] = "/tmp/tlsrpt-test-ops.XXXXXX";
	FILE	*fp;
	int	 fd, rc;

	conf_init(c);
	if ((fd = mkstemp(path)) == -1 || (fp = fdopen(fd, "w")) == NULL)
		return -1;
	fprintf(fp, "trusted_proxies = %s\n", list);
	fclose(fp);
	rc = conf_load(c, path, err, errlen) == 0 &&
	    conf_finish(c, err, errlen) == 0 ? 0 : -1;
	unlink(path);
	return rc;
}

/* peer - a sockaddr for text */
static const struct sockaddr *
peer(const char *text, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof *ss);
	if (inet_pton(AF_INET, text, &((struct sockaddr_in *)(void *)ss)->
	    sin_addr) == 1)
		ss->ss_family = AF_INET;
	else if (inet_pton(AF_INET6, text, &((struct sockaddr_in6 *)
	    (void *)ss)->sin6_addr) == 1)
		ss->ss_family = AF_INET6;
	return (const struct sockaddr *)ss;
}

static const struct {
	const char	*name;
	const char	*xff;
	const char	*want;		/* NULL: -1, the peer stays */
} xff_cases[] = {
	{ "one client", "203.0.113.7", "203.0.113.7" },
	{ "blanks", "  203.0.113.7\t", "203.0.113.7" },
	{ "right-most untrusted", "198.51.100.1, 203.0.113.7",
	    "203.0.113.7" },
	{ "trusted proxies passed over", "203.0.113.7, 10.1.2.3, 127.0.0.1",
	    "203.0.113.7" },
	{ "all trusted: the left-most", "10.0.0.1, 10.0.0.2", "10.0.0.1" },
	{ "IPv4 with a port", "203.0.113.7:5555", "203.0.113.7" },
	{ "IPv6", "2001:db8::1", "2001:db8::1" },
	{ "IPv6 in brackets with a port", "[2001:db8::1]:443", "2001:db8::1" },
	{ "IPv6 trusted passed over", "203.0.113.9, fd00::5", "203.0.113.9" },
	{ "garbage left of the answer is not read", "<script>, 203.0.113.7",
	    "203.0.113.7" },
	{ "malformed: a name", "not-an-address", NULL },
	{ "malformed right-most", "203.0.113.7, unknown", NULL },
	{ "malformed behind a trusted proxy", "junk, 10.0.0.1", NULL },
	{ "malformed: empty", "", NULL },
	{ "malformed: an empty element", "203.0.113.7,", NULL },
	{ "malformed: two ports", "203.0.113.7:1:2", NULL },
	{ "malformed: a prefix", "203.0.113.0/24", NULL },
	{ "malformed: bracket without close", "[2001:db8::1", NULL },
	{ "malformed: a port that is no number", "203.0.113.7:http", NULL },
	{ "malformed: out of range", "203.0.113.256", NULL },
};

static void
test_forwarded(void)
{
	struct conf		 c;
	struct sockaddr_storage	 ss, out;
	char			 err[ERRLEN], got[INET6_ADDRSTRLEN];
	size_t			 i;
	int			 rc;

	if (!t_int("trusted_proxies loads", proxies(&c,
	    "127.0.0.1, 10.0.0.0/8, fd00::/8, 192.0.2.129/25", err,
	    sizeof err), 0)) {
		printf("  %s\n", err);
		conf_free(&c);
		return;
	}
	t_int("trusted: 127.0.0.1", listen_trusted(&c, peer("127.0.0.1", &ss)),
	    1);
	t_int("trusted: in 10/8", listen_trusted(&c, peer("10.200.1.1", &ss)),
	    1);
	t_int("not trusted: 11.0.0.1", listen_trusted(&c, peer("11.0.0.1",
	    &ss)), 0);
	t_int("trusted: fd00::/8", listen_trusted(&c, peer("fd12::1", &ss)), 1);
	t_int("not trusted: fe80::1", listen_trusted(&c, peer("fe80::1", &ss)),
	    0);
	t_int("trusted: IPv4-mapped 127.0.0.1", listen_trusted(&c,
	    peer("::ffff:127.0.0.1", &ss)), 1);
	t_int("host bits of a prefix cleared: /25 from .129",
	    listen_trusted(&c, peer("192.0.2.200", &ss)), 1);
	t_int("host bits of a prefix cleared: .100 outside the /25",
	    listen_trusted(&c, peer("192.0.2.100", &ss)), 0);
	for (i = 0; i < sizeof xff_cases / sizeof xff_cases[0]; i++) {
		rc = listen_forwarded(&c, xff_cases[i].xff, &out);
		if (xff_cases[i].want == NULL) {
			t_int(xff_cases[i].name, rc, -1);
			continue;
		}
		if (!t_int(xff_cases[i].name, rc, 0))
			continue;
		listen_addrtext((struct sockaddr *)&out, got, sizeof got);
		t_str(xff_cases[i].name, got, xff_cases[i].want);
	}
	t_int("no header", listen_forwarded(&c, NULL, &out), -1);
	conf_free(&c);

	t_int("trusted_proxies: a name is refused", proxies(&c, "proxy.local",
	    err, sizeof err), -1);
	t_ok("trusted_proxies: the error names it",
	    strstr(err, "proxy.local") != NULL, err);
	conf_free(&c);
	t_int("trusted_proxies: /33 refused", proxies(&c, "10.0.0.0/33", err,
	    sizeof err), -1);
	conf_free(&c);
	t_int("trusted_proxies: /129 refused", proxies(&c, "::/129", err,
	    sizeof err), -1);
	conf_free(&c);
	t_int("trusted_proxies: /x refused", proxies(&c, "10.0.0.0/x", err,
	    sizeof err), -1);
	conf_free(&c);
	t_int("trusted_proxies: ::/0 accepted", proxies(&c, "::/0", err,
	    sizeof err), 0);
	t_int("::/0 trusts any IPv6", listen_trusted(&c, peer("2001:db8::1",
	    &ss)), 1);
	t_int("::/0 trusts no IPv4", listen_trusted(&c, peer("192.0.2.1",
	    &ss)), 0);
	conf_free(&c);
}

int
main(void)
{
	test_render();
	test_forwarded();
	return t_done();
}
