/*
 * rows.c - the table rows of one report, as COPY text
 *
 * DESCRIPTION
 *	A report becomes one staging row (its own columns, raw bytes and
 *	their sha256 included), one policy row per policy and one
 *	failure_detail row per failure detail (sql/001_schema.sql).  An
 *	address goes into the inet column only when the parser could read
 *	it, and always into the *_raw column as sent (R25).
 */
#include <stdio.h>

#include <libpq-fe.h>
#include <openssl/evp.h>

#include "log.h"
#include "store_int.h"

const char *const copy_sql[] = { COPY_STAGE_SQL, COPY_POLICY_SQL,
	COPY_FAILURE_SQL, COPY_MESSAGE_SQL };
const char *const copy_what[] = { "COPY reports", "COPY policies",
	"COPY failure details", "COPY messages" };

/* The columns of a COPY line: each appends its value and a tab; end()
 * turns the last tab into the newline. */
static void
col_text(struct buf *b, const char *s)
{
	put_text(b, s);
	buf_putc(b, '\t');
}

static void
col_i64(struct buf *b, int64_t v)
{
	put_i64(b, v);
	buf_putc(b, '\t');
}

static void
end_line(struct buf *b)
{
	b->data[b->len - 1] = '\n';
}

/* stage_row - one line of COPY_STAGE_SQL */
void
stage_row(struct buf *b, const struct row *w)
{
	const struct report	*r = w->r;
	unsigned char		 md[EVP_MAX_MD_SIZE];
	unsigned int		 mdlen = 0;

	col_i64(b, w->id);
	col_text(b, r->organization_name);
	col_text(b, r->report_id);
	col_text(b, r->start_raw);
	col_text(b, r->end_raw);
	col_i64(b, r->start_time);
	col_i64(b, r->start_usec);
	col_i64(b, r->end_time);
	col_i64(b, r->end_usec);
	col_text(b, r->contact_info);
	col_text(b, w->verdict);
	col_text(b, w->transport);
	col_text(b, w->source);
	col_text(b, w->auth);
	col_text(b, r->home_domain);
	col_text(b, w->hint);
	put_flags(b, r->flags);
	buf_putc(b, '\t');
	if (w->raw == NULL)
		buf_append(b, "\\N\t\\N", 5);
	else {
		put_bytea(b, w->raw, w->rawlen);
		buf_putc(b, '\t');
		/* fails only without memory or a broken libcrypto */
		if (EVP_Digest(w->raw, w->rawlen, md, &mdlen, md_sha256(),
		    NULL) != 1)
			fatalx("EVP_Digest sha256 failed");
		put_bytea(b, md, mdlen);
	}
	buf_putc(b, '\t');
	report_digest(r, md);
	put_bytea(b, md, REPORT_DIGEST_LEN);
	buf_putc(b, '\t');
	col_text(b, w->proof);
	col_text(b, w->slot ? w->slot : "");
	if (w->narrival == 0)
		buf_append(b, "{}\n", 3);
	else {
		put_array(b, w->arrival, w->narrival);
		buf_putc(b, '\n');
	}
}

/* message_row - the COPY_MESSAGE_SQL line of a mailed report (none for
 * another) */
void
message_row(struct buf *b, const struct row *w)
{
	const struct store_mail	*m = w->mail;
	unsigned char		 md[EVP_MAX_MD_SIZE];
	unsigned int		 mdlen = 0;

	if (m == NULL || m->message_gz == NULL)
		return;
	col_i64(b, w->id);
	put_bytea(b, m->message_gz, m->message_gzlen);
	buf_putc(b, '\t');
	if (EVP_Digest(m->message_gz, m->message_gzlen, md, &mdlen,
	    md_sha256(), NULL) != 1)
		fatalx("EVP_Digest sha256 failed");
	put_bytea(b, md, mdlen);
	buf_putc(b, '\t');
	col_text(b, m->dkim ? m->dkim : "unknown");
	col_text(b, m->message_id);
	col_text(b, m->mail_from);
	end_line(b);
}

/* row_from_item - the row of one item (its id, is_new and item index are
 * the caller's); slot_proof: the item goes into the slot of its proof */
void
row_from_item(struct row *w, const struct store_item *it, int slot_proof)
{
	w->r = it->report;
	w->verdict = it->foreign ? "foreign" : "accepted";
	w->transport = it->transport;
	w->source = it->source;
	w->auth = it->auth;
	w->hint = it->hint;
	w->proof = it->proof;
	w->slot = slot_proof && it->proof ? it->proof : "";
	w->arrival = it->arrival;
	w->narrival = it->narrival;
	w->mail = it->mail && it->mail->message_gz ? it->mail : NULL;
	/* an empty raw still gets a (non-NULL) bytea */
	w->raw = it->raw ? it->raw : (const unsigned char *)"";
	w->rawlen = it->raw ? it->rawlen : 0;
}

/* policy_rows - the COPY_POLICY_SQL lines of one report */
void
policy_rows(struct buf *b, const struct row *w)
{
	const struct report_policy	*p;
	size_t				 i;

	for (i = 0; i < w->r->n_policies; i++) {
		p = &w->r->policies[i];
		col_i64(b, w->id);
		col_i64(b, (int64_t)i);
		col_text(b, p->policy_type);
		col_text(b, p->policy_domain);
		col_text(b, p->domain);
		put_bool(b, p->dane_mx);
		buf_putc(b, '\t');
		put_array(b, p->policy_string, p->n_policy_string);
		buf_putc(b, '\t');
		put_array(b, p->mx_host, p->n_mx_host);
		buf_putc(b, '\t');
		col_i64(b, p->total_successful);
		col_i64(b, p->total_failure);
		end_line(b);
	}
}

/* failure_rows - the COPY_FAILURE_SQL lines of one report; an address
 * goes into the inet column only when the parser could read it (R25) */
void
failure_rows(struct buf *b, const struct row *w)
{
	const struct report_policy	*p;
	const struct report_failure	*f;
	size_t				 i, j;

	for (i = 0; i < w->r->n_policies; i++) {
		p = &w->r->policies[i];
		for (j = 0; j < p->n_failures; j++) {
			f = &p->failures[j];
			col_i64(b, w->id);
			col_i64(b, (int64_t)i);
			col_i64(b, (int64_t)j);
			col_text(b, f->result_type);
			col_text(b, f->sending_ip_ok ? f->sending_mta_ip : NULL);
			col_text(b, f->sending_mta_ip);
			col_text(b, f->receiving_mx_hostname);
			col_text(b, f->receiving_mx_helo);
			col_text(b, f->receiving_ip_ok ? f->receiving_ip : NULL);
			col_text(b, f->receiving_ip);
			col_i64(b, f->failed_session_count);
			col_text(b, f->additional_information);
			col_text(b, f->failure_reason_code);
			end_line(b);
		}
	}
}

/* append_rows - the lines of kind for one report */
static void
append_rows(struct buf *b, enum copy_kind kind, const struct row *w)
{
	if (kind == COPY_K_STAGE)
		stage_row(b, w);
	else if (kind == COPY_K_POLICY)
		policy_rows(b, w);
	else if (kind == COPY_K_FAILURE)
		failure_rows(b, w);
	else
		message_row(b, w);
}

/*
 * copy_rows_send - the data of one COPY already started (of the new
 * reports only, unless all), then its end; the caller reads the outcome
 */
int
copy_rows_send(struct store *s, enum copy_kind kind, struct row *rows,
    size_t n, int all, char *err, size_t errlen)
{
	size_t	 i;

	buf_reset(&s->copy);
	for (i = 0; i < n; i++) {
		if (!all && !rows[i].is_new)
			continue;
		append_rows(&s->copy, kind, &rows[i]);
		if (copy_flush(s, 0, err, errlen) == -1) {
			copy_abort(s);
			return -1;
		}
	}
	return copy_send_end(s, err, errlen);
}

/* copy_rows - one whole COPY of rows[] into the staging table, policy
 * or failure_detail, its outcome read */
int
copy_rows(struct store *s, enum copy_kind kind, struct row *rows, size_t n,
    int all, char *err, size_t errlen)
{
	PGresult	*res, *extra;

	if (copy_start(s, copy_sql[kind], copy_what[kind], err, errlen) == -1 ||
	    copy_rows_send(s, kind, rows, n, all, err, errlen) == -1)
		return -1;
	res = PQgetResult(s->conn);
	while ((extra = PQgetResult(s->conn)) != NULL)
		PQclear(extra);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		return db_fail(s, res, copy_what[kind], err, errlen);
	PQclear(res);
	return 0;
}
