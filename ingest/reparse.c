/*
 * reparse.c - "tlsrpt reparse": every stored report decoded again
 *
 * SYNOPSIS
 *	tlsrpt reparse
 *
 * DESCRIPTION
 *	After a parser fix, a change of "domains" or of the counting rules,
 *	every stored report's raw bytes are decoded again with the current
 *	code (intake_decode: the same decoder and the same decision, ours or
 *	foreign, as for a new report, with the hint its door gave) and its
 *	rows are rewritten; nothing is lost or duplicated.  store/ reads the
 *	raw bytes by pages and writes the new rows (store_page_read,
 *	store_reparse_apply) and never decodes.  A report whose bytes no
 *	longer decode, or whose new rows the database refuses, keeps its old
 *	rows and is counted as failed.
 *
 *	Then every quarantined body goes through the intake once more; those
 *	that decode now become reports (or duplicates, or foreign) and leave
 *	the quarantine.
 *
 * DIAGNOSTICS
 *	"reparsed N report(s), M failed" on stdout; a line on stderr per
 *	failure.  Exit 65 when some failed, 75 when the database failed, 78
 *	without a schema.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "conf.h"
#include "intake.h"
#include "log.h"
#include "reparse.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

/* page_items - the bodies of a page as intake items (borrowing from it) */
static struct intake_item *
page_items(const struct store_page *page)
{
	struct intake_item	*items;
	size_t			 k;

	items = xcalloc(page->n ? page->n : 1, sizeof *items);
	for (k = 0; k < page->n; k++) {
		items[k].raw = page->rows[k].raw;
		items[k].rawlen = page->rows[k].rawlen;
		items[k].transport = page->rows[k].transport;
		items[k].source = page->rows[k].source;
		items[k].auth = page->rows[k].auth;
		items[k].hint = page->rows[k].hint;
	}
	return items;
}

/* page_items_free - release what page_items() and the intake made */
static void
page_items_free(struct intake_item *items, size_t n)
{
	size_t	 k;

	for (k = 0; k < n; k++)
		intake_item_clear(&items[k]);
	free(items);
}

/* reparse_page - decode and rewrite one page of reports; the counts go up */
static int
reparse_page(struct intake *in, struct store_page *page, size_t *reparsed,
    size_t *failed, char *err, size_t errlen)
{
	struct intake_item	*items;
	struct store_item	*si;
	size_t			 k, m = 0;
	int			 temp, rc;

	items = page_items(page);
	si = xcalloc(page->n ? page->n : 1, sizeof *si);
	for (k = 0; k < page->n; k++) {
		intake_decode(in->conf, &items[k]);
		if (items[k].verdict == INTAKE_REJECTED) {
			log_warnx("reparse: report %" PRId64 " no longer "
			    "parses, left as it was: %s", page->rows[k].id,
			    items[k].reason);
			(*failed)++;
			continue;
		}
		si[m].report = items[k].report;
		si[m].foreign = items[k].foreign;
		si[m++].id = page->rows[k].id;
	}
	rc = store_reparse_apply(in->store, si, m, &temp, err, errlen);
	for (k = 0; rc == 0 && k < m; k++) {
		if (si[k].verdict == STORE_STORED) {
			(*reparsed)++;
			continue;
		}
		log_warnx("reparse: report %" PRId64 " refused by the "
		    "database, left as it was: %s", si[k].id, si[k].err);
		(*failed)++;
	}
	page_items_free(items, page->n);
	free(si);
	return rc;
}

/* reparse_reports - every page of the report table, in id order */
static int
reparse_reports(struct intake *in, size_t *reparsed, size_t *failed,
    char *err, size_t errlen)
{
	struct store_page	 page;
	int64_t			 last = 0;
	int			 rc, more;

	do {
		if (store_page_read(in->store, STORE_T_REPORT, last, &page,
		    err, errlen) == -1)
			return -1;
		more = page.n > 0;
		if (more)
			last = page.rows[page.n - 1].id;
		rc = reparse_page(in, &page, reparsed, failed, err, errlen);
		store_page_free(&page);
	} while (rc == 0 && more);
	return rc;
}

/* recover_page - one page of quarantined bodies through the intake;
 * those it takes leave the quarantine */
static int
recover_page(struct intake *in, struct store_page *page, size_t *recovered,
    char *err, size_t errlen)
{
	struct intake_item	*items;
	int64_t			*gone;
	size_t			 k, m = 0;
	int			 rc = 0;

	items = page_items(page);
	gone = xcalloc(page->n, sizeof *gone);
	if (intake_submit(in, items, page->n, err, errlen) == -1)
		rc = -1;
	for (k = 0; rc == 0 && k < page->n; k++) {
		switch (items[k].verdict) {
		case INTAKE_STORED:
		case INTAKE_DUPLICATE:
		case INTAKE_FOREIGN:
			log_info("reparse: quarantined body %" PRId64 " is "
			    "report %" PRId64 " now", page->rows[k].id,
			    items[k].id);
			gone[m++] = page->rows[k].id;
			break;
		case INTAKE_REJECTED:
			/* still undecodable: it stays, as it was */
			if (items[k].refused)
				log_warnx("reparse: quarantined body %" PRId64
				    " parses now, but: %s", page->rows[k].id,
				    items[k].reason);
			break;
		default:
			break;
		}
	}
	if (rc == 0 && (in->store == NULL || store_quarantine_delete(in->store,
	    gone, m, err, errlen) == -1))
		rc = -1;
	if (rc == 0)
		*recovered += m;
	page_items_free(items, page->n);
	free(gone);
	return rc;
}

/* recover_quarantine - every page of the quarantine, in id order */
static int
recover_quarantine(struct intake *in, size_t *recovered, char *err,
    size_t errlen)
{
	struct store_page	 page;
	int64_t			 last = 0;
	int			 rc = 0;

	for (;;) {
		if (in->store == NULL)
			return seterr(err, errlen, "database connection lost");
		if (store_page_read(in->store, STORE_T_QUARANTINE, last, &page,
		    err, errlen) == -1)
			return -1;
		if (page.n == 0)
			break;
		last = page.rows[page.n - 1].id;
		rc = recover_page(in, &page, recovered, err, errlen);
		store_page_free(&page);
		if (rc == -1)
			return -1;
	}
	store_page_free(&page);
	return 0;
}

/* reparse_all - see reparse.h */
int
reparse_all(struct intake *in, size_t *reparsed, size_t *failed, char *err,
    size_t errlen)
{
	if (reparse_reports(in, reparsed, failed, err, errlen) == -1 ||
	    recover_quarantine(in, reparsed, err, errlen) == -1)
		return -1;
	return 0;
}

/* cmd_reparse - the subcommand */
int
cmd_reparse(struct conf *conf, int argc, char **argv)
{
	struct intake	 in;
	struct store	*st;
	char		 err[ERRLEN];
	size_t		 reparsed = 0, failed = 0;
	int		 rc = 0;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: tlsrpt reparse\n");
		return EX_USAGE_;
	}
	if ((st = cmd_store(conf, "tlsrpt-reparse", &rc)) == NULL)
		return rc;
	/* no spool, no quarantine: a body that does not decode stays
	 * where it is */
	intake_open(&in, conf, "tlsrpt-reparse", 0, st);
	if (reparse_all(&in, &reparsed, &failed, err, sizeof err) == -1) {
		log_warnx("reparse: %s", err);
		rc = EX_TEMPFAIL_;
	} else {
		printf("reparsed %zu report(s), %zu failed\n", reparsed,
		    failed);
		if (failed)
			rc = EX_DATAERR_;
	}
	intake_close(&in);
	return rc;
}
