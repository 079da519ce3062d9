/*
 * report_page.c - r/ID.html: one report, everything it said and how it
 * came
 *
 * SYNOPSIS
 *	#include "site.h"
 *
 *	int report_pages(&site, store, prune, err, errlen)
 *
 * DESCRIPTION
 *	A page per report of the period: its data, the domains it counts
 *	for, how it arrived and how it was proven, its deviation flags, its
 *	policies with their failure details, the conflicting copies kept,
 *	and the raw JSON pretty-printed (inflated from the stored bytes with
 *	the max_report_bytes cap).  Every string is a report string:
 *	html_text() throughout; additional-information links only as an
 *	https: URL (html_info_link).
 *
 *	Incremental: a page carries a stamp (html_head) made of the report's
 *	stamp from the query layer (REPORT_STAMP: changes with a reparse, a
 *	new conflicting copy, a new way it was proven), the domains it counts
 *	for and this file's layout version.  A page whose stamp matches is
 *	neither fetched nor written, so rendering every few minutes reads a
 *	few bytes per report.  The rest are fetched 200 at a time.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "buf.h"
#include "gunzip.h"
#include "html.h"
#include "log.h"
#include "query_site.h"
#include "site.h"
#include "util.h"
#include "xmalloc.h"

/* Bump when the page layout changes: every page is then rebuilt. */
#define REPORT_PAGE_VERSION	"1"
#define FETCH	200

/* One report of the period and the domains it counts for. */
struct rp {
	int64_t		 id;
	const char	*sqlstamp;
	char		 stamp[17];
	char		*doms;			/* "a.test b.test" */
};

/* rp_cmp - by id */
static int
rp_cmp(const void *a, const void *b)
{
	const struct rp	*x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* rp_cmp_dom - by id, then domain: the same order on every run, so the
 * stamp of a report counted for two domains does not change */
static int
rp_cmp_dom(const void *a, const void *b)
{
	const struct rp	*x = a, *y = b;

	return x->id != y->id ? rp_cmp(a, b) : strcmp(x->doms, y->doms);
}

/* fnv - FNV-1a 64 of s, continuing from h */
static uint64_t
fnv(uint64_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

/* rows_of - rows [*lo, *hi) of t whose column col is id (t sorted by it
 * numerically; walk forward) */
static void
rows_of(const struct qtable *t, size_t col, int64_t id, size_t *lo,
    size_t *hi)
{
	size_t	 r = *lo;

	while (r < t->nrows && qt_i64(t, r, col) < id)
		r++;
	*lo = r;
	while (r < t->nrows && qt_i64(t, r, col) == id)
		r++;
	*hi = r;
}

/* dl_item - <dt>name</dt><dd>value escaped</dd> (NULL: "–") */
static void
dl_item(struct buf *b, const char *name, const char *v)
{
	buf_printf(b, "<dt>%s</dt><dd>", name);
	if (v == NULL)
		buf_puts(b, "\xe2\x80\x93");
	html_text(b, v);
	buf_puts(b, "</dd>\n");
}

/* json_list - the strings of a JSON array as lines */
static void
json_list(struct buf *b, const char *json)
{
	json_t	*a;
	size_t	 i;

	if (json == NULL || (a = json_loads(json, 0, NULL)) == NULL) {
		buf_puts(b, "\xe2\x80\x93");
		return;
	}
	for (i = 0; i < json_array_size(a); i++) {
		buf_puts(b, i ? "<br><code>" : "<code>");
		html_text(b, json_string_value(json_array_get(a, i)));
		buf_puts(b, "</code>");
	}
	json_decref(a);
}

/* raw_json - the stored bytes (hex) inflated and pretty-printed */
static void
raw_json(struct buf *b, const char *hex, size_t cap)
{
	unsigned char	*raw, *json = NULL;
	size_t		 n = strlen(hex) / 2, i, jlen;
	unsigned	 flags, v;
	char		 err[ERRLEN], *pretty = NULL;
	json_t		*root = NULL;

	raw = xmalloc(n + 1);
	for (i = 0; i < n; i++) {
		sscanf(hex + 2 * i, "%2x", &v);
		raw[i] = (unsigned char)v;
	}
	raw[n] = '\0';
	if (gunzip_magic(raw, n)) {
		if (gunzip(raw, n, cap, &json, &jlen, &flags, err,
		    sizeof err) != 0) {
			buf_puts(b, "<p>The stored bytes do not inflate: ");
			html_text(b, err);
			buf_puts(b, "</p>\n");
			free(raw);
			return;
		}
	} else {
		json = raw;
		jlen = n;
		raw = NULL;
	}
	if ((root = json_loadb((const char *)json, jlen, 0, NULL)) != NULL)
		pretty = json_dumps(root, JSON_INDENT(2) |
		    JSON_PRESERVE_ORDER);
	buf_puts(b, "<pre>");
	if (pretty != NULL)
		html_text(b, pretty);
	else
		html_text(b, (const char *)json);
	buf_puts(b, "</pre>\n");
	free(pretty);
	json_decref(root);
	free(json);
	free(raw);
}

/* details - the failure details of one policy */
static void
details(struct buf *b, const struct qtable *t, size_t lo, size_t hi,
    int64_t idx)
{
	size_t	 r, n = 0;

	for (r = lo; r < hi; r++) {
		if (qt_i64(t, r, 1) != idx)
			continue;
		if (n++ == 0)
			buf_puts(b, "<table><thead><tr><th>Result-type</th>"
			    "<th class=\"n\">Sessions</th><th>Sending IP</th>"
			    "<th>Receiving MX</th><th>HELO</th>"
			    "<th>Receiving IP</th><th>Reason code</th>"
			    "<th>Additional information</th></tr></thead>"
			    "<tbody>\n");
		buf_puts(b, "<tr>");
		html_td(b, "Result-type");
		html_text(b, qt(t, r, 2));
		buf_puts(b, "</td><td class=\"n\" data-label=\"Sessions\">");
		html_num(b, qt_i64(t, r, 7));
		buf_puts(b, "</td>");
		html_td(b, "Sending IP");
		html_text(b, qt(t, r, 3));
		buf_puts(b, "</td>");
		html_td(b, "Receiving MX");
		html_text(b, qt(t, r, 4));
		buf_puts(b, "</td>");
		html_td(b, "HELO");
		html_text(b, qt(t, r, 5));
		buf_puts(b, "</td>");
		html_td(b, "Receiving IP");
		html_text(b, qt(t, r, 6));
		buf_puts(b, "</td>");
		html_td(b, "Reason code");
		html_text(b, qt(t, r, 9));
		buf_puts(b, "</td>");
		html_td(b, "Additional information");
		html_info_link(b, qt(t, r, 8));
		buf_puts(b, "</td></tr>\n");
	}
	if (n > 0)
		buf_puts(b, "</tbody></table>\n");
}

/* Everything fetched for one chunk of reports. */
struct fetched {
	struct qtable	 rep, pol, det, con;
	size_t		 at_pol, at_det, at_con;
};

/* page - one report's page into b */
static void
page(struct buf *b, struct fetched *f, size_t r, const struct rp *p,
    size_t cap)
{
	const struct qtable *t = &f->rep;
	size_t		 lo, hi, dlo, dhi, k;
	char		*doms, *dom, *save, file[600];

	html_head(b, qt(t, r, QP_RID), "../style.css", p->stamp);
	buf_puts(b, "<nav><a href=\"../index.html\">All domains</a>");
	doms = xstrdup(p->doms);
	for (dom = strtok_r(doms, " ", &save); dom != NULL;
	    dom = strtok_r(NULL, " ", &save)) {
		site_domain_file(dom, file, sizeof file);
		buf_puts(b, "<a href=\"../d/");
		html_text(b, file);
		buf_puts(b, "\">");
		html_text(b, dom);
		buf_puts(b, "</a>");
	}
	free(doms);
	buf_puts(b, "</nav>\n<h1>Report ");
	html_text(b, qt(t, r, QP_RID));
	buf_puts(b, "</h1>\n<dl>\n");
	dl_item(b, "Organisation (claimed)", qt(t, r, QP_ORG));
	dl_item(b, "Report-id", qt(t, r, QP_RID));
	dl_item(b, "Start (as sent)", qt(t, r, QP_START));
	dl_item(b, "End (as sent)", qt(t, r, QP_END));
	dl_item(b, "Day", qt(t, r, QP_DAY));
	dl_item(b, "Contact-info", qt(t, r, QP_CONTACT));
	dl_item(b, "Counts for", p->doms);
	dl_item(b, "Home domain", qt(t, r, QP_HOME));
	dl_item(b, "Received (UTC)", qt(t, r, QP_RECEIVED));
	buf_puts(b, "<dt>Arrived as</dt><dd>");
	html_way(b, qt(t, r, QP_TRANSPORT), qt(t, r, QP_AUTH),
	    qt(t, r, QP_SOURCE));
	buf_puts(b, "</dd>\n");
	dl_item(b, "Source", qt(t, r, QP_SOURCE));
	dl_item(b, "Authentication", qt(t, r, QP_AUTH) ? qt(t, r, QP_AUTH) :
	    "none (unauthenticated)");
	/* the identity part the mail intake proved (sql/006_proof.sql) */
	dl_item(b, "Proven by", qt(t, r, QP_PROOF) ? qt(t, r, QP_PROOF) :
	    "nobody: the organisation is only claimed");
	if (qt(t, r, QP_DKIM) != NULL)
		dl_item(b, "DKIM (the mail is kept)", qt(t, r, QP_DKIM));
	buf_puts(b, "<dt>How it arrived</dt><dd>");
	json_list(b, qt(t, r, QP_ARRIVAL));
	buf_puts(b, "</dd>\n");
	buf_puts(b, "<dt>Deviations</dt><dd>");
	json_list(b, qt(t, r, QP_FLAGS));
	buf_puts(b, "</dd>\n</dl>\n<h2>Policies</h2>\n");
	rows_of(&f->pol, 0, p->id, &f->at_pol, &hi);
	lo = f->at_pol;
	f->at_pol = hi;
	rows_of(&f->det, 0, p->id, &f->at_det, &dhi);
	dlo = f->at_det;
	f->at_det = dhi;
	for (k = lo; k < hi; k++) {
		const struct qtable *pt = &f->pol;

		buf_printf(b, "<h3>Policy %lld: ", (long long)qt_i64(pt, k, 1));
		html_text(b, qt(pt, k, 2));
		buf_puts(b, " ");
		html_text(b, qt(pt, k, 3));
		buf_puts(b, "</h3>\n<dl>\n");
		dl_item(b, "Group", qt(pt, k, 4));
		dl_item(b, "DANE MX host", strcmp(qt(pt, k, 5), "t") == 0 ?
		    "yes: counts for the home domain" : "no");
		buf_puts(b, "<dt>Policy-string</dt><dd>");
		json_list(b, qt(pt, k, 6));
		buf_puts(b, "</dd>\n<dt>MX hosts</dt><dd>");
		json_list(b, qt(pt, k, 7));
		buf_puts(b, "</dd>\n<dt>Successful</dt><dd>");
		html_num(b, qt_i64(pt, k, 8));
		buf_puts(b, "</dd>\n<dt>Failed</dt><dd>");
		html_num(b, qt_i64(pt, k, 9));
		buf_puts(b, "</dd>\n</dl>\n");
		details(b, &f->det, dlo, dhi, qt_i64(pt, k, 1));
	}
	buf_puts(b, "<h2>Conflicting copies</h2>\n");
	rows_of(&f->con, 0, p->id, &f->at_con, &hi);
	lo = f->at_con;
	f->at_con = hi;
	if (lo == hi)
		buf_puts(b, "<p>None kept.</p>\n");
	for (k = lo; k < hi; k++) {
		buf_puts(b, k == lo ? "<ul>\n<li>" : "<li>");
		html_text(b, qt(&f->con, k, 1));
		buf_puts(b, ": ");
		html_way(b, qt(&f->con, k, 2), qt(&f->con, k, 4),
		    qt(&f->con, k, 3));
		buf_puts(b, k + 1 == hi ? "</li>\n</ul>\n" : "</li>\n");
	}
	if (qt_i64(t, r, QP_DROPPED) > 0) {
		buf_puts(b, "<p>");
		html_num(b, qt_i64(t, r, QP_DROPPED));
		buf_puts(b, " more arrived and were not kept "
		    "(max_conflicts_per_report).</p>\n");
	}
	buf_puts(b, "<p class=\"note\">A differing copy never counts: the "
	    "first copy does.</p>\n<h2>The report as received</h2>\n");
	raw_json(b, qt(t, r, QP_RAW), cap);
	html_foot(b);
}

/* fetch_write - fetch the reports ps[0..n) and write their pages */
static int
fetch_write(struct site *st, struct store *s, struct rp *ps, size_t n,
    char *err, size_t errlen)
{
	struct fetched	 f;
	struct buf	 ids = BUF_INIT, b = BUF_INIT;
	size_t		 i, r = 0, lo, hi;
	char		 rel[64];
	int		 rc = -1;

	memset(&f, 0, sizeof f);
	buf_putc(&ids, '{');
	for (i = 0; i < n; i++)
		buf_printf(&ids, "%s%lld", i ? "," : "", (long long)ps[i].id);
	buf_putc(&ids, '}');
	if (query_site(s, QS_REPORT, &st->q, (char *)ids.data, &f.rep, err,
	    errlen) == -1 ||
	    query_site(s, QS_REPORT_POLICIES, &st->q, (char *)ids.data,
	    &f.pol, err, errlen) == -1 ||
	    query_site(s, QS_REPORT_DETAILS, &st->q, (char *)ids.data,
	    &f.det, err, errlen) == -1 ||
	    query_site(s, QS_REPORT_CONFLICTS, &st->q, (char *)ids.data,
	    &f.con, err, errlen) == -1)
		goto out;
	for (i = 0; i < n; i++) {
		lo = r;
		rows_of(&f.rep, QP_ID, ps[i].id, &lo, &hi);
		if (lo == hi)
			continue;	/* gone meanwhile */
		r = lo;
		page(&b, &f, r, &ps[i], st->max_report_bytes);
		snprintf(rel, sizeof rel, "r/%lld.html", (long long)ps[i].id);
		if (site_put(st, rel, &b, err, errlen) == -1)
			goto out;
	}
	rc = 0;
out:
	buf_free(&b);
	buf_free(&ids);
	qtable_free(&f.rep);
	qtable_free(&f.pol);
	qtable_free(&f.det);
	qtable_free(&f.con);
	return rc;
}

/* prune - remove r/ID.html of reports not in ps[0..n) (sorted by id) */
static void
prune(struct site *st, const struct rp *ps, size_t n)
{
	struct dirent	*e;
	struct rp	 key;
	char		*path, *end;
	DIR		*dir;

	path = xasprintf("%s/r", st->out);
	if ((dir = opendir(path)) == NULL) {
		free(path);
		return;
	}
	while ((e = readdir(dir)) != NULL) {
		key.id = strtoll(e->d_name, &end, 10);
		if (end == e->d_name || strcmp(end, ".html") != 0)
			continue;
		if (bsearch(&key, ps, n, sizeof *ps, rp_cmp) == NULL &&
		    unlinkat(dirfd(dir), e->d_name, 0) == -1)
			log_warn("render: %s/%s", path, e->d_name);
	}
	closedir(dir);
	free(path);
}

/* report_pages - see site.h */
int
report_pages(struct site *st, struct store *s, int do_prune, char *err,
    size_t errlen)
{
	const struct qtable *t = &st->reports;
	struct rp	*ps, *todo;
	size_t		 i, j, n = 0, ntodo = 0;
	char		*path, old[64];
	uint64_t	 h;
	int		 rc = 0;

	ps = xcalloc(t->nrows + 1, sizeof *ps);
	for (i = 0; i < t->nrows; i++) {
		ps[i].id = qt_i64(t, i, QR_ID);
		ps[i].sqlstamp = qt(t, i, QR_STAMP);
		ps[i].doms = (char *)(uintptr_t)qt(t, i, QR_DOM);
	}
	qsort(ps, t->nrows, sizeof *ps, rp_cmp_dom);
	/* one entry per report; the domains it counts for joined */
	for (i = 0; i < t->nrows; i = j) {
		struct buf	 db = BUF_INIT;

		for (j = i; j < t->nrows && ps[j].id == ps[i].id; j++) {
			if (j > i)
				buf_putc(&db, ' ');
			buf_puts(&db, ps[j].doms);
		}
		ps[n] = ps[i];
		ps[n].doms = (char *)buf_steal(&db, NULL);
		h = fnv(fnv(fnv(0xcbf29ce484222325ULL, ps[n].sqlstamp),
		    ps[n].doms), REPORT_PAGE_VERSION);
		snprintf(ps[n].stamp, sizeof ps[n].stamp, "%016llx",
		    (unsigned long long)h);
		n++;
	}
	todo = xcalloc(n + 1, sizeof *todo);
	for (i = 0; i < n; i++) {
		path = xasprintf("%s/r/%lld.html", st->out,
		    (long long)ps[i].id);
		if (html_stamp_of(path, old, sizeof old) == 0 &&
		    strcmp(old, ps[i].stamp) == 0)
			st->unchanged++;
		else
			todo[ntodo++] = ps[i];
		free(path);
	}
	st->fetched += ntodo;
	for (i = 0; i < ntodo && rc == 0; i += FETCH)
		rc = fetch_write(st, s, todo + i, ntodo - i < FETCH ?
		    ntodo - i : FETCH, err, errlen);
	if (rc == 0 && do_prune)
		prune(st, ps, n);
	for (i = 0; i < n; i++)
		free(ps[i].doms);
	free(todo);
	free(ps);
	return rc;
}
