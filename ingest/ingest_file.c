/*
 * ingest_file.c - "tlsrpt ingest [FILE ...]": store report files
 *
 * SYNOPSIS
 *	tlsrpt ingest [FILE ...]	('-' or no FILE: standard input)
 *
 * DESCRIPTION
 *	Each input is decoded (gzip or JSON, sniffed) and stored; per input
 *	one line on stdout, in input order:
 *		stored FILE report-id
 *		duplicate FILE report-id
 *		foreign FILE policy-domain
 *		rejected FILE reason
 *	Inputs are stored in batches (conf.batch_reports per transaction,
 *	each report still all-or-nothing) because one durable commit per
 *	report would cap bulk loads at the disk's fsync rate.  The operator's
 *	files are only read, never moved or removed.
 *
 * DIAGNOSTICS
 *	Exit 75 when the database could not be reached (nothing of the batch
 *	in hand is stored: rerun the command; what was stored before comes
 *	back as duplicate), else 65 when any input was rejected, else 0;
 *	78 when the schema is missing (run "tlsrpt db migrate").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "conf.h"
#include "log.h"
#include "report.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

/* One input in the batch in hand. */
struct input {
	const char	*name;		/* as given on the command line */
	unsigned char	*raw;		/* owned */
	size_t		 rawlen;
	struct report	*report;	/* owned; NULL when rejected */
	char		 reason[ERRLEN];
};

/* first_foreign_domain - the domain to name on a "foreign" line */
static const char *
first_foreign_domain(const struct report *r)
{
	if (r->n_policies > 0)
		return r->policies[0].domain;
	return "(none)";
}

/* flush_batch - store the decoded inputs, print every line, free all */
static int
flush_batch(struct store *st, const struct conf *conf, struct input *in,
    size_t n, int *rejected, char *err, size_t errlen)
{
	struct store_item	*items;
	size_t			 i, k, ni = 0;
	int			 temp = 0, rc = 0;

	items = xcalloc(n ? n : 1, sizeof *items);
	for (i = 0; i < n; i++) {
		if (in[i].report == NULL)
			continue;
		items[ni].report = in[i].report;
		items[ni].raw = in[i].raw;
		items[ni].rawlen = in[i].rawlen;
		items[ni].transport = "file";
		items[ni].source = in[i].name;
		ni++;
	}
	if (ni > 0 && store_batch(st, items, ni, conf->domains,
	    conf->n_domains, &temp, err, errlen) == -1) {
		rc = -1;
		goto out;
	}
	for (i = 0, k = 0; i < n; i++) {
		if (in[i].report == NULL) {
			printf("rejected %s %s\n", in[i].name, in[i].reason);
			*rejected = 1;
			continue;
		}
		switch (items[k].verdict) {
		case STORE_STORED:
			printf("stored %s %s\n", in[i].name,
			    in[i].report->report_id);
			break;
		case STORE_DUPLICATE:
			printf("duplicate %s %s\n", in[i].name,
			    in[i].report->report_id);
			break;
		case STORE_FOREIGN:
			printf("foreign %s %s\n", in[i].name,
			    first_foreign_domain(in[i].report));
			break;
		default:
			printf("rejected %s the database refused it: %s\n",
			    in[i].name, items[k].err);
			*rejected = 1;
			break;
		}
		k++;
	}
	fflush(stdout);
out:
	for (i = 0; i < n; i++) {
		free(in[i].raw);
		report_free(in[i].report);
	}
	free(items);
	return rc;
}

/* cmd_ingest - the subcommand */
int
cmd_ingest(struct conf *conf, int argc, char **argv)
{
	static char	 dash[] = "-";
	static char	*stdin_only[] = { dash };
	struct store	*st;
	struct input	*in;
	char		 err[ERRLEN];
	char	       **files = argv + 1;
	size_t		 nfiles = (size_t)(argc - 1), i, n = 0;
	int		 rejected = 0, rc = 0;

	if (nfiles > 0 && strcmp(files[0], "--") == 0) {
		files++;
		nfiles--;
	}
	if (nfiles > 0 && files[0][0] == '-' && files[0][1] != '\0') {
		fprintf(stderr, "usage: tlsrpt ingest [FILE ...]\n");
		return EX_USAGE_;
	}
	if (nfiles == 0) {
		files = stdin_only;
		nfiles = 1;
	}
	if ((st = store_open(conf->database, "tlsrpt-ingest", err,
	    sizeof err)) == NULL) {
		log_warnx("database unreachable: %s", err);
		return EX_TEMPFAIL_;
	}
	if (store_schema_ok(st, err, sizeof err) == -1) {
		log_warnx("%s", err);
		store_close(st);
		return EX_CONFIG_;
	}

	in = xcalloc(conf->batch_reports, sizeof *in);
	for (i = 0; i < nfiles; i++) {
		struct input	*x = &in[n++];
		int		 r;

		memset(x, 0, sizeof *x);
		x->name = files[i];
		r = read_file(files[i], conf->max_body_bytes, &x->raw,
		    &x->rawlen, x->reason, sizeof x->reason);
		if (r == 0 && report_decode(x->raw, x->rawlen,
		    conf->max_report_bytes, &x->report, x->reason,
		    sizeof x->reason) != REPORT_OK)
			x->report = NULL;
		if (n == conf->batch_reports || i + 1 == nfiles) {
			if (flush_batch(st, conf, in, n, &rejected, err,
			    sizeof err) == -1) {
				log_warnx("database failed, %zu input(s) of "
				    "this batch not stored: %s", n, err);
				rc = EX_TEMPFAIL_;
				n = 0;
				break;
			}
			n = 0;
		}
	}
	free(in);
	store_close(st);
	if (rc == 0 && rejected)
		rc = EX_DATAERR_;
	return rc;
}
