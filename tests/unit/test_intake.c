/*
 * test_intake.c - the one intake (ingest/intake.c), the spool replay and
 * reparse, against a live PostgreSQL and a real spool directory
 *
 * SYNOPSIS
 *	TLSRPT_TEST_DB="host=/tmp/pg dbname=postgres" build/tests/test_intake
 *
 * DESCRIPTION
 *	Works in its own schema (test_intake; db.h) and a temporary spool.
 *	Every input is raw bytes, as a door has them.  Covers: one verdict
 *	per input (stored, duplicate, foreign, rejected by the decoder or by
 *	the database) with the body kept in quarantine only when the door
 *	asks; authentication and the home-domain hint stored with the
 *	report; the database away: spooled (with its authentication and
 *	hint) or a temporary failure, rejected bodies spooled as invalid,
 *	and the replay that moves both into the database; reparse: rows
 *	rebuilt from the raw bytes, verdicts decided again with the stored
 *	hint, quarantined bodies that decode now recovered.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "buf.h"
#include "conf.h"
#include "intake.h"
#include "log.h"
#include "replay.h"
#include "reparse.h"
#include "report.h"
#include "spool.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

#include "db.h"
#include "tgz.h"

/* A report for domain D with report-id ID: sts D 10/2, one failure. */
#define JSON(org, id, start, d)						\
	"{\"organization-name\":\"" org "\",\"date-range\":"		\
	"{\"start-datetime\":\"" start "\",\"end-datetime\":"		\
	"\"2024-04-01T23:59:59Z\"},\"contact-info\":\"tls@" d "\","	\
	"\"report-id\":\"" id "\",\"policies\":[{\"policy\":{"		\
	"\"policy-type\":\"sts\",\"policy-string\":[\"version: STSv1\","	\
	"\"mode: enforce\"],\"policy-domain\":\"" d "\",\"mx-host\":"	\
	"[\"mx." d "\"]},\"summary\":{"					\
	"\"total-successful-session-count\":10,"			\
	"\"total-failure-session-count\":2},\"failure-details\":[{"	\
	"\"result-type\":\"certificate-expired\",\"sending-mta-ip\":"	\
	"\"192.0.2.7\",\"receiving-mx-hostname\":\"mx." d "\","		\
	"\"failed-session-count\":2}]}]}"

/* A report whose only domain-bearing field is the one given. */
#define BARE(id, start)							\
	"{\"organization-name\":\"Bare Org\",\"date-range\":"		\
	"{\"start-datetime\":\"" start "\",\"end-datetime\":"		\
	"\"2024-04-03T00:00:00Z\"},\"contact-info\":null,"		\
	"\"report-id\":\"" id "\",\"policies\":[{\"policy\":{"		\
	"\"policy-type\":\"no-policy-found\"},\"summary\":{"		\
	"\"total-successful-session-count\":1,"				\
	"\"total-failure-session-count\":0}}]}"

static struct conf	 conf;		/* database, domains, spool_dir */
static struct conf	 away;		/* the same, with no database */
static char		 spooldir[] = "/tmp/tlsrpt-test-spool.XXXXXX";

/* load_conf - c from a file with these lines; 0 or -1 */
static int
load_conf(struct conf *c, const char *text)
{
	char	 path[] = "/tmp/tlsrpt-test-conf.XXXXXX", err[ERRLEN];
	FILE	*fp;
	int	 fd, rc;

	conf_init(c);
	if ((fd = mkstemp(path)) == -1 || (fp = fdopen(fd, "w")) == NULL)
		return -1;
	fputs(text, fp);
	fclose(fp);
	rc = conf_load(c, path, err, sizeof err) == 0 &&
	    conf_finish(c, err, sizeof err) == 0 ? 0 : -1;
	if (rc == -1)
		printf("conf: %s\n", err);
	unlink(path);
	return rc;
}

/* item - an input as a door hands it */
static void
item(struct intake_item *it, const char *raw, const char *source)
{
	memset(it, 0, sizeof *it);
	it->raw = (const unsigned char *)raw;
	it->rawlen = strlen(raw);
	it->transport = "https";
	it->source = source;
}

/* spooled - entries waiting in the spool */
static long
spooled(void)
{
	return spool_count(spooldir);
}

/*
 * test_verdicts - one verdict per input, in one batch, with the database
 * there; rejected bodies kept only when the door asks
 */
static void
test_verdicts(void)
{
	static const char good[] = JSON("V Org", "v-1", "2024-04-01T00:00:00Z",
	    "ours.test");
	static const char other[] = JSON("V Org", "v-2",
	    "2024-04-01T00:00:00Z", "other.test");
	static const char bad[] = "{\"organization-name\":1}";
	static const char text[] = "hello";
	struct intake		 in;
	struct intake_item	 it[6];
	char			 err[ERRLEN], *huge;
	size_t			 i;

	/* a report the database refuses for its data (a CHECK of this
	 * test's schema stands for whatever a future schema may refuse;
	 * the decoder's caps keep real ones from it) */
	q("ALTER TABLE report ADD CONSTRAINT test_refuse CHECK "
	    "(organization_name <> 'Refused Org')", NULL, NULL);
	huge = xstrdup(JSON("Refused Org", "v-3", "2024-04-01T00:00:00Z",
	    "ours.test"));
	intake_open(&in, &conf, "test-intake", INTAKE_QUARANTINE, NULL);
	item(&it[0], good, "192.0.2.1");
	item(&it[1], good, "192.0.2.2");
	item(&it[2], other, "192.0.2.3");
	item(&it[3], bad, "192.0.2.4");
	item(&it[4], text, "192.0.2.5");
	item(&it[5], huge, "192.0.2.6");
	t_int("verdicts submit", intake_submit(&in, it, 6, err, sizeof err),
	    0);
	t_int("verdicts stored", it[0].verdict, INTAKE_STORED);
	t_int("verdicts duplicate in the batch", it[1].verdict,
	    INTAKE_DUPLICATE);
	t_int("verdicts duplicate id", it[1].id, it[0].id);
	t_int("verdicts foreign", it[2].verdict, INTAKE_FOREIGN);
	t_ok("verdicts foreign has a row", it[2].id > 0, NULL);
	t_int("verdicts invalid", it[3].verdict, INTAKE_REJECTED);
	t_int("verdicts invalid layer", it[3].error, REPORT_ERR_SCHEMA);
	t_ok("verdicts invalid reason", strstr(it[3].reason,
	    "organization-name") != NULL, it[3].reason);
	t_int("verdicts invalid kept", it[3].kept, INTAKE_KEPT_QUARANTINE);
	t_int("verdicts not a report", it[4].error, REPORT_ERR_FORMAT);
	t_int("verdicts refused by the database", it[5].verdict,
	    INTAKE_REJECTED);
	t_int("verdicts refused: by the database", it[5].refused, 1);
	t_int("verdicts invalid: not by the database", it[3].refused, 0);
	t_int("verdicts refused kept", it[5].kept, INTAKE_KEPT_QUARANTINE);
	t_str("verdicts rows", q("SELECT string_agg(report_id || ':' || "
	    "verdict || ':' || source, ',' ORDER BY id) FROM report WHERE "
	    "organization_name = 'V Org'", NULL, NULL),
	    "v-1:accepted:192.0.2.1,v-2:foreign:192.0.2.3");
	t_str("verdicts quarantined", q("SELECT string_agg(source, ',' ORDER "
	    "BY id) FROM quarantine", NULL, NULL),
	    "192.0.2.4,192.0.2.5,192.0.2.6");
	for (i = 0; i < 6; i++)
		intake_item_clear(&it[i]);
	q("DELETE FROM quarantine; ALTER TABLE report DROP CONSTRAINT "
	    "test_refuse", NULL, NULL);

	/* the file door: nothing kept, the operator's file stays */
	in.flags = 0;
	item(&it[0], bad, "file.json");
	t_int("no quarantine submit", intake_submit(&in, it, 1, err,
	    sizeof err), 0);
	t_int("no quarantine: rejected", it[0].verdict, INTAKE_REJECTED);
	t_int("no quarantine: not kept", it[0].kept, INTAKE_KEPT_NONE);
	t_str("no quarantine: nothing kept", q("SELECT count(*) FROM "
	    "quarantine", NULL, NULL), "0");
	intake_item_clear(&it[0]);
	t_ok("item cleared", it[0].report == NULL &&
	    it[0].verdict == INTAKE_PENDING, NULL);
	intake_close(&in);
	free(huge);
}

/* test_auth_hint - what the door says travels with the report */
static void
test_auth_hint(void)
{
	static const char bare[] = BARE("b28254de@mail.ru",
	    "2024-04-02T00:00:00Z");
	struct intake		 in;
	struct intake_item	 it;
	char			 err[ERRLEN];

	intake_open(&in, &conf, "test-intake", 0, NULL);
	item(&it, bare, NULL);
	it.transport = "mail";
	it.auth = "dkim d=mail.ru s=mail";
	it.hint = " Ours.TEST ";
	t_int("hint submit", intake_submit(&in, &it, 1, err, sizeof err), 0);
	t_int("hint: ours by the hint", it.verdict, INTAKE_STORED);
	t_str("hint: home domain", it.report ? it.report->home_domain : NULL,
	    "ours.test");
	t_str("hint and auth stored", q("SELECT transport || '|' || "
	    "authenticated || '|' || domain_hint || '|' || home_domain || '|' "
	    "|| (SELECT domain FROM policy p WHERE p.report_id = r.id) FROM "
	    "report r WHERE id = $1", idtext(it.id), NULL),
	    "mail|dkim d=mail.ru s=mail| Ours.TEST |ours.test|ours.test");
	intake_item_clear(&it);
	intake_close(&in);
}

/*
 * test_away - the database away: reports spooled (or a temporary failure
 * for a door that cannot spool), rejected bodies spooled as invalid; the
 * replay moves them in once it is back
 */
static void
test_away(void)
{
	static const char good[] = JSON("Away Org", "a-1",
	    "2024-04-01T00:00:00Z", "ours.test");
	static const char bad[] = "{\"organization-name\":\"x\"}";
	struct intake		 in;
	struct intake_item	 it[2];
	char			 err[ERRLEN], *many;
	size_t			 done = 0, i;

	intake_open(&in, &away, "test-intake", INTAKE_SPOOL |
	    INTAKE_QUARANTINE, NULL);
	item(&it[0], good, "192.0.2.10");
	it[0].auth = "dkim d=ours.test s=x";
	it[0].hint = "ours.test";
	item(&it[1], bad, "192.0.2.11");
	t_int("away submit fails", intake_submit(&in, it, 2, err, sizeof err),
	    -1);
	t_ok("away: says why", strstr(err, "connect") != NULL, err);
	t_int("away: spooled", it[0].verdict, INTAKE_SPOOLED);
	t_int("away: rejected", it[1].verdict, INTAKE_REJECTED);
	t_int("away: rejected, spooled as invalid", it[1].kept,
	    INTAKE_KEPT_SPOOL);
	t_int("away: two entries", spooled(), 2);
	intake_item_clear(&it[0]);
	intake_item_clear(&it[1]);
	intake_close(&in);

	/* a door that may not spool gets a temporary failure */
	intake_open(&in, &away, "test-intake", 0, NULL);
	item(&it[0], good, "192.0.2.10");
	t_int("away, no spool", intake_submit(&in, it, 1, err, sizeof err),
	    -1);
	t_int("away, no spool: tempfail", it[0].verdict, INTAKE_TEMPFAIL);
	t_int("away, no spool: nothing spooled", spooled(), 2);
	intake_item_clear(&it[0]);
	intake_close(&in);

	/* back: the replay stores the report and quarantines the other */
	intake_open(&in, &conf, "test-intake", INTAKE_QUARANTINE, NULL);
	t_int("replay", spool_replay(&in, spooldir, &done, err, sizeof err),
	    0);
	t_int("replay: both taken", (int64_t)done, 2);
	t_int("replay: spool empty", spooled(), 0);
	t_str("replay: stored with its auth and hint", q("SELECT source || '|' "
	    "|| authenticated || '|' || domain_hint FROM report WHERE "
	    "report_id = 'a-1'", NULL, NULL),
	    "192.0.2.10|dkim d=ours.test s=x|ours.test");
	t_str("replay: invalid body quarantined", q("SELECT source || '|' || "
	    "(reason LIKE '%date-range%') FROM quarantine WHERE source = "
	    "'192.0.2.11'", NULL, NULL), "192.0.2.11|true");
	t_int("replay again: nothing", spool_replay(&in, spooldir, &done,
	    err, sizeof err), 0);
	t_int("replay again: done", (int64_t)done, 0);
	intake_close(&in);

	/* a replay with the database away leaves the entry */
	intake_open(&in, &away, "test-intake", INTAKE_SPOOL, NULL);
	item(&it[0], good, "192.0.2.12");
	intake_submit(&in, it, 1, err, sizeof err);
	intake_item_clear(&it[0]);
	intake_close(&in);
	intake_open(&in, &away, "test-intake", INTAKE_QUARANTINE, NULL);
	t_int("replay away", spool_replay(&in, spooldir, &done, err,
	    sizeof err), -1);
	t_int("replay away: left", spooled(), 1);
	intake_close(&in);
	intake_open(&in, &conf, "test-intake", INTAKE_QUARANTINE, NULL);
	t_int("replay back", spool_replay(&in, spooldir, &done, err,
	    sizeof err), 0);
	t_int("replay back: a duplicate now, removed", spooled(), 0);
	intake_close(&in);
	t_int("spool of a missing directory", spool_count("/nonexistent/x"),
	    -1);

	/* 150 entries: more than one replay transaction (100 each) */
	intake_open(&in, &away, "test-intake", INTAKE_SPOOL, NULL);
	for (i = 0; i < 150; i++) {
		many = xasprintf(JSON("Many Org", "m-%zu",
		    "2024-04-01T00:00:00Z", "ours.test"), i);
		item(&it[0], many, NULL);
		intake_submit(&in, it, 1, err, sizeof err);
		intake_item_clear(&it[0]);
		free(many);
	}
	intake_close(&in);
	t_int("many spooled", spool_count(spooldir), 150);
	intake_open(&in, &conf, "test-intake", INTAKE_QUARANTINE, NULL);
	t_int("many replayed", spool_replay(&in, spooldir, &done, err,
	    sizeof err), 0);
	t_int("many: all taken", (int64_t)done, 150);
	intake_close(&in);
	t_str("many: stored once each", q("SELECT count(*) || '/' || "
	    "count(DISTINCT report_id) FROM report WHERE organization_name = "
	    "'Many Org'", NULL, NULL), "150/150");
	t_ok("spool_entry_free(NULL)", spool_entry_free(NULL) == NULL, NULL);
}

/*
 * test_reparse - rows rebuilt from raw, tampering undone, verdicts decided
 * again (with the hint the door gave), nothing lost or doubled; then a
 * quarantined body that decodes now becomes a report
 */
static void
test_reparse(void)
{
	static const char json1[] = JSON("Reparse Org", "rp-1",
	    "2024-04-01T00:00:00Z", "reparse.test");
	static const char json2[] = BARE("rp-2", "2024-04-02T00:00:00Z");
	static const char json3[] = JSON("Quarantine Org", "q-1",
	    "2024-04-05T00:00:00Z", "q.test");
	struct intake		 in;
	struct intake_item	 it[2];
	struct conf		 c2;
	char			 err[ERRLEN], before[256], flags1[256];
	char			 detail[256], text[512];
	long long		 nr, np, nf;
	size_t			 reparsed = 0, failed = 0;
	int			 temp = 0;

	/* stored while every domain was ours (no domains) */
	snprintf(text, sizeof text, "database = %s\nspool_dir = %s\n",
	    conninfo, spooldir);
	if (load_conf(&c2, text) == -1)
		return;
	intake_open(&in, &c2, "test-intake", 0, NULL);
	item(&it[0], json1, NULL);
	item(&it[1], json2, NULL);
	it[1].hint = "reparse.test";
	t_int("reparse store", intake_submit(&in, it, 2, err, sizeof err), 0);
	t_int("reparse stored", it[0].verdict, INTAKE_STORED);
	t_int("reparse stored by the hint", it[1].verdict, INTAKE_STORED);
	intake_close(&in);
	snprintf(flags1, sizeof flags1, "%s", q("SELECT array_to_string(flags, "
	    "',') FROM report WHERE id = $1", idtext(it[0].id), NULL));
	snprintf(detail, sizeof detail, "%s", q("SELECT result_type || ' ' || "
	    "host(sending_mta_ip) || ' ' || failed_session_count FROM "
	    "failure_detail WHERE report_id = $1", idtext(it[0].id), NULL));
	t_str("reparse detail", detail, "certificate-expired 192.0.2.7 2");
	snprintf(before, sizeof before, "%s", q("SELECT (SELECT count(*) FROM "
	    "report) || '/' || (SELECT count(*) FROM policy) || '/' || "
	    "(SELECT count(*) FROM failure_detail) || '/' || (SELECT max(id) "
	    "FROM report)", NULL, NULL));

	/* tamper: flags, verdict, contact, home, a lost failure detail; and
	 * a body in the quarantine that decodes (a parser fix since) */
	q("UPDATE report SET flags = '{bogus}', verdict = 'foreign', "
	    "contact_info = 'x', home_domain = NULL WHERE id = $1",
	    idtext(it[0].id), NULL);
	q("DELETE FROM failure_detail WHERE report_id = $1", idtext(it[0].id),
	    NULL);
	t_int("reparse quarantine a body", store_quarantine(st, "https",
	    "198.51.100.3", "was broken", (const unsigned char *)json3,
	    strlen(json3), NULL, NULL, &temp, err, sizeof err), 0);

	/* now with domains: reparse.test and q.test ours (conf) */
	intake_open(&in, &conf, "test-intake", 0, store_open(conninfo,
	    "test-reparse", err, sizeof err));
	t_int("reparse", reparse_all(&in, &reparsed, &failed, err,
	    sizeof err), 0);
	intake_close(&in);
	t_int("reparse: none failed", (int64_t)failed, 0);
	t_int("reparse: 156 rewritten, 1 recovered", (int64_t)reparsed, 157);
	t_str("reparse flags restored", q("SELECT array_to_string(flags, ',') "
	    "FROM report WHERE id = $1", idtext(it[0].id), NULL), flags1);
	t_str("reparse verdict, contact, home", q("SELECT verdict || ' ' || "
	    "contact_info || ' ' || home_domain FROM report WHERE id = $1",
	    idtext(it[0].id), NULL), "accepted tls@reparse.test reparse.test");
	t_str("reparse: the stored hint decides again", q("SELECT verdict || "
	    "' ' || home_domain FROM report WHERE id = $1", idtext(it[1].id),
	    NULL), "accepted reparse.test");
	t_str("reparse detail restored", q("SELECT result_type || ' ' || "
	    "host(sending_mta_ip) || ' ' || failed_session_count FROM "
	    "failure_detail WHERE report_id = $1", idtext(it[0].id), NULL),
	    detail);
	t_str("reparse key kept", q("SELECT report_id || ' ' || start_raw || "
	    "' ' || end_time FROM report WHERE id = $1", idtext(it[0].id),
	    NULL), "rp-1 2024-04-01T00:00:00Z 2024-04-02 00:00:00+00");
	t_str("reparse: the quarantined body is a report now", q("SELECT "
	    "transport || ' ' || source || ' ' || verdict || ' ' || "
	    "(convert_from(raw, 'UTF8') = $1) || ' ' || (SELECT count(*) FROM "
	    "policy p WHERE p.report_id = r.id) FROM report r WHERE "
	    "report_id = 'q-1'", json3, NULL),
	    "https 198.51.100.3 accepted true 1");
	t_str("reparse: quarantine left", q("SELECT count(*) FROM quarantine "
	    "WHERE source = '198.51.100.3'", NULL, NULL), "0");
	t_str("reparse: undecodable bodies stay", q("SELECT count(*) > 0 FROM "
	    "quarantine", NULL, NULL), "t");
	/* counts: one report more (q-1, one policy, one failure detail),
	 * the rest as before the tampering */
	if (sscanf(before, "%lld/%lld/%lld", &nr, &np, &nf) == 3) {
		snprintf(text, sizeof text, "%lld/%lld/%lld", nr + 1, np + 1,
		    nf + 1);
		t_str("reparse counts", q("SELECT (SELECT count(*) FROM report) "
		    "|| '/' || (SELECT count(*) FROM policy) || '/' || (SELECT "
		    "count(*) FROM failure_detail)", NULL, NULL), text);
	}
	intake_item_clear(&it[0]);
	intake_item_clear(&it[1]);
	conf_free(&c2);
}

/*
 * test_spool_cap - spool_max_bytes: past it a report is a temporary
 * failure (serve answers 503), not spooled
 */
static void
test_spool_cap(void)
{
	struct intake		 in;
	struct intake_item	 it;
	struct conf		 c;
	struct buf		 big = BUF_INIT;
	char			 text[512], dir[] = "/tmp/tlsrpt-test-cap.XXXXXX";
	char			 err[ERRLEN];
	int			 i, verdicts[3];

	if (mkdtemp(dir) == NULL || spool_init(dir, err, sizeof err) == -1)
		return;
	snprintf(text, sizeof text, "database = host=/nonexistent dbname=x\n"
	    "spool_dir = %s\nspool_max_bytes = 1M\n", dir);
	if (load_conf(&c, text) == -1)
		return;
	/* a report padded to 600 KB with blanks: two fit under 1 MiB */
	buf_puts(&big, JSON("Cap Org", "cap-1", "2024-04-01T00:00:00Z",
	    "ours.test"));
	big.len--;		/* reopen the object */
	for (i = 0; i < 600 * 1024; i++)
		buf_putc(&big, ' ');
	buf_putc(&big, '}');
	intake_open(&in, &c, "test-intake", INTAKE_SPOOL, NULL);
	for (i = 0; i < 3; i++) {
		memset(&it, 0, sizeof it);
		it.raw = big.data;
		it.rawlen = big.len;
		it.transport = "https";
		intake_submit(&in, &it, 1, err, sizeof err);
		verdicts[i] = it.verdict;
		if (i == 2)
			t_ok("spool cap: why", strstr(it.reason,
			    "spool_max_bytes") != NULL, it.reason);
		intake_item_clear(&it);
	}
	t_int("spool cap: first spooled", verdicts[0], INTAKE_SPOOLED);
	t_int("spool cap: second spooled (1.2 MB now)", verdicts[1],
	    INTAKE_SPOOLED);
	t_int("spool cap: third refused", verdicts[2], INTAKE_TEMPFAIL);
	t_int("spool cap: two entries", spool_count(dir), 2);
	intake_close(&in);
	conf_free(&c);
	buf_free(&big);
	snprintf(text, sizeof text, "rm -rf '%s'", dir);
	if (system(text) != 0)
		printf("could not remove %s\n", dir);
}

/*
 * test_conflict - the forged copy first, the genuine one later: the
 * genuine one is kept beside it (never dropped), and a copy that only
 * differs in its compression is the same report
 */
static void
test_conflict(void)
{
	static const char forged[] = BARE("2024-04-07T00:00:00Z_ours.test",
	    "2024-04-07T00:00:00Z");
	static const char genuine[] = JSON("Bare Org",
	    "2024-04-07T00:00:00Z_ours.test", "2024-04-07T00:00:00Z",
	    "ours.test");
	struct intake		 in;
	struct intake_item	 it[2];
	struct buf		 gz = BUF_INIT;
	char			 err[ERRLEN];

	intake_open(&in, &conf, "test-intake", INTAKE_QUARANTINE, NULL);
	item(&it[0], forged, "203.0.113.66");
	t_int("conflict: forged first", intake_submit(&in, it, 1, err,
	    sizeof err), 0);
	t_int("conflict: forged stored", it[0].verdict, INTAKE_STORED);
	item(&it[1], genuine, "209.85.220.41");
	t_int("conflict: genuine", intake_submit(&in, &it[1], 1, err,
	    sizeof err), 0);
	t_int("conflict: genuine kept", it[1].verdict, INTAKE_CONFLICT);
	t_int("conflict: kept beside", it[1].kept, INTAKE_KEPT_CONFLICT);
	t_int("conflict: of the forged report", it[1].id, it[0].id);
	t_str("conflict: the genuine bytes are there", q("SELECT source || ' ' "
	    "|| (convert_from(raw, 'UTF8') = $2) FROM report_conflict WHERE "
	    "report_id = $1", idtext(it[0].id), genuine),
	    "209.85.220.41 true");
	intake_item_clear(&it[0]);
	intake_item_clear(&it[1]);

	/* the genuine report gzip'd: the same decoded content as the kept
	 * copy, so nothing new */
	gz_member(&gz, genuine, strlen(genuine), NULL);
	memset(&it[0], 0, sizeof it[0]);
	it[0].raw = gz.data;
	it[0].rawlen = gz.len;
	it[0].transport = "https";
	t_int("conflict: re-compressed", intake_submit(&in, it, 1, err,
	    sizeof err), 0);
	t_int("conflict: re-compressed is the same", it[0].verdict,
	    INTAKE_DUPLICATE);
	t_str("conflict: one kept", q("SELECT conflicts FROM report WHERE "
	    "id = $1", idtext(it[0].id), NULL), "1");
	intake_item_clear(&it[0]);
	buf_free(&gz);
	intake_close(&in);
}

int
main(void)
{
	char	 text[1024];

	log_init("test_intake", 0, 75);
	if (db_start("test_intake", 0) == -1 || mkdtemp(spooldir) == NULL) {
		db_stop();
		return t_done();
	}
	snprintf(text, sizeof text, "database = %s\nspool_dir = %s\n"
	    "domains = ours.test, reparse.test, q.test\n", conninfo, spooldir);
	if (load_conf(&conf, text) == 0 && spool_init(spooldir, text,
	    sizeof text) == 0) {
		snprintf(text, sizeof text, "database = host=/nonexistent "
		    "dbname=x connect_timeout=2\nspool_dir = %s\n"
		    "domains = ours.test\n", spooldir);
		if (load_conf(&away, text) == 0) {
			test_verdicts();
			test_auth_hint();
			test_away();
			test_reparse();
			test_conflict();
			test_spool_cap();
		}
	}
	conf_free(&conf);
	conf_free(&away);
	db_stop();
	snprintf(text, sizeof text, "rm -rf '%s'", spooldir);
	if (system(text) != 0)
		printf("could not remove %s\n", spooldir);
	return t_done();
}
