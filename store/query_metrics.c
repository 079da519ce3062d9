/*
 * query_metrics.c - what the database knows, for serve's /metrics
 *
 * SYNOPSIS
 *	#include "query_metrics.h"
 *
 *	int query_metrics(s, max_reporters, &out, err, errlen)
 *	int query_ping(s, err, errlen)
 *
 * DESCRIPTION
 *	One statement, so one snapshot: three kinds of rows, 0 = reports
 *	of a transport and verdict, 1 = a reporting organisation (its
 *	latest received_at and its reports; accepted reports only, the
 *	max_reporters with the most reports, so that a flood of reports
 *	under new names cannot push the real senders out), 2 = the totals (organisations, the
 *	quarantine's entries and bytes, kept conflicting copies).  Each
 *	part reads a whole table: the caller (ingest/metrics.c) keeps the
 *	answer for a while, so that a scraper cannot make the database
 *	scan its tables every second.
 */
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "query_int.h"
#include "query_metrics.h"
#include "store_int.h"
#include "util.h"
#include "xmalloc.h"

static const char metrics_sql[] =
	"WITH org AS ("
	" SELECT organization_name AS name, max(received_at) AS last,"
	"  count(*) AS n FROM report WHERE verdict = 'accepted'"
	"  GROUP BY organization_name"
	") "
	"SELECT * FROM ("
	" SELECT 0 AS kind, transport AS a, verdict AS b, count(*) AS n,"
	"  NULL::bigint AS t FROM report GROUP BY transport, verdict"
	" UNION ALL"
	" SELECT 1, name, NULL, n, extract(epoch FROM last)::bigint"
	"  FROM (SELECT * FROM org ORDER BY n DESC, name COLLATE \"C\""
	"  LIMIT $1::bigint) o"
	" UNION ALL"
	" SELECT 2, NULL, NULL, (SELECT count(*) FROM org), NULL"
	" UNION ALL"
	" SELECT 3, NULL, NULL, count(*), coalesce(sum(octet_length(raw)), 0)"
	"  FROM quarantine"
	" UNION ALL"
	" SELECT 4, NULL, NULL, (SELECT count(*) FROM report_conflict), NULL"
	") u ORDER BY kind, a COLLATE \"C\", b COLLATE \"C\"";

/* query_metrics - see query_metrics.h */
int
query_metrics(struct store *s, size_t max_reporters, struct db_metrics *out,
    char *err, size_t errlen)
{
	struct db_count		*c;
	struct db_reporter	*r;
	PGresult		*res;
	const char		*param[1];
	char			 lim[32];
	int			 k;

	memset(out, 0, sizeof *out);
	snprintf(lim, sizeof lim, "%zu", max_reporters);
	param[0] = lim;
	res = PQexecParams(s->conn, metrics_sql, 1, NULL, param, NULL, NULL,
	    0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		return db_fail(s, res, "metrics", err, errlen);
	for (k = 0; k < PQntuples(res); k++) {
		switch (parse_i64(PQgetvalue(res, k, 0))) {
		case 0:
			c = GROW(out->counts, out->n_counts);
			c->transport = xstrdup(PQgetvalue(res, k, 1));
			c->verdict = xstrdup(PQgetvalue(res, k, 2));
			c->reports = parse_i64(PQgetvalue(res, k, 3));
			break;
		case 1:
			r = GROW(out->reporters, out->n_reporters);
			r->organization = xstrdup(PQgetvalue(res, k, 1));
			r->reports = parse_i64(PQgetvalue(res, k, 3));
			r->last = parse_i64(PQgetvalue(res, k, 4));
			break;
		case 2:
			out->reporters_total = parse_i64(PQgetvalue(res, k, 3));
			break;
		case 3:
			out->quarantine_entries =
			    parse_i64(PQgetvalue(res, k, 3));
			out->quarantine_bytes = parse_i64(PQgetvalue(res, k, 4));
			break;
		case 4:
			out->conflicts = parse_i64(PQgetvalue(res, k, 3));
			break;
		}
	}
	PQclear(res);
	return 0;
}

/* query_metrics_free - see query_metrics.h */
struct db_metrics *
query_metrics_free(struct db_metrics *m)
{
	size_t	 i;

	if (m == NULL)
		return NULL;
	for (i = 0; i < m->n_counts; i++) {
		free(m->counts[i].transport);
		free(m->counts[i].verdict);
	}
	free(m->counts);
	for (i = 0; i < m->n_reporters; i++)
		free(m->reporters[i].organization);
	free(m->reporters);
	memset(m, 0, sizeof *m);
	return NULL;
}

/* query_ping - see query_metrics.h */
int
query_ping(struct store *s, char *err, size_t errlen)
{
	PGresult	*res;

	res = PQexec(s->conn, "SELECT 1");
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		return db_fail(s, res, "ping", err, errlen);
	PQclear(res);
	return 0;
}
