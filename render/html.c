/*
 * html.c - HTML text, numbers, days, the daily series, whole files
 *
 * SYNOPSIS
 *	#include "html.h"
 *
 * DESCRIPTION
 *	The helpers the pages (site.c, domain_page.c, report_page.c) and
 *	the digest's HTML part (digest_html.c) share; html.h documents each.
 *	Numbers are grouped with a narrow no-break space (U+202F), which
 *	reads as a number in every language and never wraps.
 *
 *	site_write() is what makes rendering from a timer safe: a reader
 *	(a web server, a browser on file://) sees every page whole, and
 *	an unchanged page keeps its file, its time stamp and its cache.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "domainset.h"
#include "escape.h"
#include "html.h"
#include "util.h"
#include "xmalloc.h"

/* html_text - see html.h */
void
html_text(struct buf *b, const char *s)
{
	escape_html(b, s);
}

/* html_num - see html.h */
void
html_num(struct buf *b, int64_t n)
{
	char	 d[32];
	size_t	 len, i;

	len = (size_t)snprintf(d, sizeof d, "%lld", (long long)n);
	for (i = 0; i < len; i++) {
		/* a group every three digits from the right */
		if (i > 0 && d[i - 1] != '-' && (len - i) % 3 == 0)
			buf_puts(b, "\xe2\x80\xaf");
		buf_putc(b, d[i]);
	}
}

/* html_rate_shown - see html.h */
double
html_rate_shown(int64_t ok, int64_t bad, double *exact)
{
	double	 o = ok > 0 ? (double)ok : 0, f = bad > 0 ? (double)bad : 0;
	double	 r;

	if (o + f <= 0) {
		if (exact)
			*exact = -1;
		return -1;
	}
	r = 100.0 * o / (o + f);
	if (exact)
		*exact = r;
	/* floored to one decimal: 99.96 % with failures must not read as
	 * a clean 100.0 % */
	if (f > 0 && r > 99.9)
		return 99.9;
	return (double)(int64_t)(r * 10) / 10;
}

/* html_rate - see html.h */
void
html_rate(struct buf *b, int64_t ok, int64_t bad, double *pct)
{
	double	 r = html_rate_shown(ok, bad, pct);

	if (r < 0)
		buf_puts(b, "\xe2\x80\x93");	/* en dash */
	else
		buf_printf(b, "%.1f\xc2\xa0%%", r);
}

/* info_safe - an https: URL of printable ASCII without blanks, quotes,
 * angle brackets or backslashes, with a host: worth a link */
static int
info_safe(const char *s)
{
	const unsigned char	*p;

	if (strncasecmp(s, "https://", 8) != 0 || s[8] == '\0' ||
	    s[8] == '/')
		return 0;
	for (p = (const unsigned char *)s; *p; p++)
		if (*p <= 0x20 || *p >= 0x7f || strchr("\"'<>\\`", *p))
			return 0;
	return 1;
}

/* html_info_link - see html.h */
void
html_info_link(struct buf *b, const char *s)
{
	if (s == NULL)
		return;
	if (!info_safe(s)) {
		html_text(b, s);
		return;
	}
	buf_puts(b, "<a href=\"");
	html_text(b, s);
	buf_puts(b, "\" rel=\"noopener noreferrer\">");
	html_text(b, s);
	buf_puts(b, "</a>");
}

/* html_way - see html.h */
void
html_way(struct buf *b, const char *transport, const char *auth,
    const char *source)
{
	const char	*d;
	size_t		 n;

	if (auth != NULL && (d = strstr(auth, "d=")) != NULL) {
		/* the DKIM domain proves who signed, not the organisation
		 * the report names */
		n = strcspn(d, " ;");
		html_text(b, transport);
		buf_puts(b, ", claimed organisation, proven by ");
		d = xstrndup(d, n);
		html_text(b, d);
		free((void *)(uintptr_t)d);
		return;
	}
	if (transport != NULL && strcmp(transport, "https") == 0) {
		buf_puts(b, "HTTPS, unauthenticated");
		if (source != NULL) {
			buf_puts(b, ", from ");
			html_text(b, source);
		}
		return;
	}
	html_text(b, transport);
	if (auth != NULL) {
		buf_puts(b, " (");
		html_text(b, auth);
		buf_putc(b, ')');
	} else if (transport != NULL && strcmp(transport, "file") != 0)
		buf_puts(b, ", unauthenticated");
}

/* html_td - see html.h */
void
html_td(struct buf *b, const char *label)
{
	buf_printf(b, "<td data-label=\"%s\">", label);
}

/* html_head - see html.h */
void
html_head(struct buf *b, const char *title, const char *css,
    const char *stamp)
{
	buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n");
	if (stamp != NULL)
		buf_printf(b, "<meta name=\"tlsrpt-stamp\" content=\"%s\">\n",
		    stamp);
	buf_puts(b, "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\">\n<title>");
	html_text(b, title);
	buf_puts(b, "</title>\n");
	if (css != NULL)
		buf_printf(b, "<link rel=\"stylesheet\" href=\"%s\">\n", css);
	buf_puts(b, "</head>\n<body>\n");
}

/* html_foot - see html.h */
void
html_foot(struct buf *b)
{
	buf_puts(b, "<footer><p>Made by tlsrpt from SMTP TLS reports "
	    "(RFC 8460). Every figure counts as <code>tlsrpt summary</code> "
	    "does.</p></footer>\n</body>\n</html>\n");
}

/* html_stamp_of - see html.h; the stamp sits in the first lines */
int
html_stamp_of(const char *path, char *out, size_t len)
{
	static const char	 key[] = "<meta name=\"tlsrpt-stamp\" content=\"";
	char			 head[256];
	const char		*p;
	size_t			 n, k;
	FILE			*fp;

	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	n = fread(head, 1, sizeof head - 1, fp);
	fclose(fp);
	head[n] = '\0';
	if ((p = strstr(head, key)) == NULL)
		return -1;
	p += sizeof key - 1;
	k = strcspn(p, "\"");
	if (p[k] != '"' || k >= len)
		return -1;
	memcpy(out, p, k);
	out[k] = '\0';
	return 0;
}

/* summary_covered - see html.h: each summary domain marks the
 * configured domains it equals or lies under (its ancestors, one set
 * lookup each), so 100,000 configured domains with reports cost 100,000
 * walks, not 100,000 scans of the summary */
unsigned char *
summary_covered(const struct summary *s, char *const *conf, size_t n)
{
	struct domainset	*set = domainset_new(), *hit = domainset_new();
	unsigned char		*flags = xcalloc(n ? n : 1, 1);
	const char		*d, *m;
	size_t			 i;

	for (i = 0; i < n; i++)
		domainset_add(set, conf[i]);
	for (i = 0; i < s->n_domains; i++)
		for (d = s->domains[i].domain; d != NULL &&
		    (m = domainset_match(set, d)) != NULL;
		    d = strchr(m, '.') ? strchr(m, '.') + 1 : NULL)
			domainset_add(hit, m);
	for (i = 0; i < n; i++)
		flags[i] = (m = domainset_match(hit, conf[i])) != NULL &&
		    strcasecmp(m, conf[i]) == 0;
	domainset_free(hit);
	domainset_free(set);
	return flags;
}

/* day_valid - see html.h */
int
day_valid(const char *s)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int	 y, m, d, leap, i;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return 0;
	y = atoi(s);
	m = atoi(s + 5);
	d = atoi(s + 8);
	if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return 0;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return !(m == 2 && d == 29 && !leap);
}

/* day_add - see html.h */
int
day_add(const char *day, int delta, char out[DAYLEN])
{
	struct tm	 tm;
	time_t		 t;

	if (!day_valid(day))
		return -1;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = atoi(day) - 1900;
	tm.tm_mon = atoi(day + 5) - 1;
	tm.tm_mday = atoi(day + 8) + delta;
	tm.tm_hour = 12;
	t = timegm(&tm);
	gmtime_r(&t, &tm);
	strftime(out, DAYLEN, "%Y-%m-%d", &tm);
	return 0;
}

/* day_today - see html.h */
void
day_today(char out[DAYLEN])
{
	struct tm	 tm;
	time_t		 t = time(NULL);

	gmtime_r(&t, &tm);
	strftime(out, DAYLEN, "%Y-%m-%d", &tm);
}

/* daily_type - the index of type in d->type, added when new */
static size_t
daily_type(struct daily *d, char *type)
{
	size_t	 i;

	for (i = 0; i < d->ntypes; i++)
		if (strcmp(d->type[i], type) == 0)
			return i;
	d->type = xreallocarray(d->type, d->ntypes + 1, sizeof *d->type);
	d->type[d->ntypes] = type;
	d->fail = xreallocarray(d->fail, d->ndays * (d->ntypes + 1),
	    sizeof *d->fail);
	/* the array is day-major: move each day's row to the new width */
	for (i = d->ndays; i-- > 0;) {
		memmove(&d->fail[i * (d->ntypes + 1)],
		    &d->fail[i * d->ntypes], d->ntypes * sizeof *d->fail);
		d->fail[i * (d->ntypes + 1) + d->ntypes] = 0;
	}
	return d->ntypes++;
}

/* daily_make - see html.h */
void
daily_make(struct daily *d, const struct qtable *t, size_t *lo,
    const char *domain, const char *first, const char *last)
{
	char		 day[DAYLEN];
	size_t		 i, r, hi, ti;
	const char	*rd;

	memset(d, 0, sizeof *d);
	snprintf(day, sizeof day, "%s", first);
	while (strcmp(day, last) <= 0 && d->ndays < 3660) {
		d->day = xreallocarray(d->day, d->ndays + 1, sizeof *d->day);
		memcpy(d->day[d->ndays++], day, DAYLEN);
		if (day_add(day, 1, day) == -1)
			break;
	}
	d->ok = xcalloc(d->ndays + 1, sizeof *d->ok);
	d->bad = xcalloc(d->ndays + 1, sizeof *d->bad);
	d->fail = xcalloc(1, sizeof *d->fail);
	if (!qt_range(t, 0, domain, lo, &hi))
		return;
	for (r = *lo, i = 0; r < hi; r++) {
		rd = qt(t, r, 1);
		while (i < d->ndays && strcmp(d->day[i], rd) < 0)
			i++;
		if (i == d->ndays)
			break;
		if (strcmp(d->day[i], rd) != 0)
			continue;
		if (qt(t, r, 2) == NULL) {
			d->ok[i] = qt_i64(t, r, 3);
			d->bad[i] = qt_i64(t, r, 4);
		} else {
			ti = daily_type(d, t->cell[r * t->ncols + 2]);
			d->fail[i * d->ntypes + ti] = qt_i64(t, r, 3);
		}
	}
	*lo = hi;
}

/* daily_free - see html.h */
void
daily_free(struct daily *d)
{
	free(d->day);
	free(d->ok);
	free(d->bad);
	free(d->type);
	free(d->fail);
	memset(d, 0, sizeof *d);
}

/* same_content - the file at path holds exactly b */
static int
same_content(const char *path, const struct buf *b)
{
	struct stat	 st;
	unsigned char	 chunk[65536];
	size_t		 off = 0, n;
	FILE		*fp;
	int		 same = 1;

	if (stat(path, &st) == -1 || (size_t)st.st_size != b->len ||
	    (fp = fopen(path, "rb")) == NULL)
		return 0;
	while (same && (n = fread(chunk, 1, sizeof chunk, fp)) > 0) {
		same = off + n <= b->len && memcmp(chunk, b->data + off, n) == 0;
		off += n;
	}
	fclose(fp);
	return same && off == b->len;
}

/* site_write - see html.h */
int
site_write(const char *dir, const char *rel, const struct buf *b,
    int *written, char *err, size_t errlen)
{
	char	*path, *tmp;
	int	 fd, rc = -1;
	size_t	 off = 0;
	ssize_t	 n;

	*written = 0;
	path = xasprintf("%s/%s", dir, rel);
	if (same_content(path, b)) {
		free(path);
		return 0;
	}
	/* in the same folder, so that rename() is atomic; a leading dot
	 * keeps a half-written file out of directory listings */
	tmp = xasprintf("%s/.%s.%ld.tmp", dir, rel, (long)getpid());
	if (strchr(rel, '/') != NULL) {
		free(tmp);
		tmp = xasprintf("%s/%.*s/.%s.%ld.tmp", dir,
		    (int)(strrchr(rel, '/') - rel), rel,
		    strrchr(rel, '/') + 1, (long)getpid());
	}
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644)) == -1) {
		seterr(err, errlen, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	while (off < b->len) {
		if ((n = write(fd, b->data + off, b->len - off)) == -1) {
			if (errno == EINTR)
				continue;
			seterr(err, errlen, "%s: %s", tmp, strerror(errno));
			close(fd);
			unlink(tmp);
			goto out;
		}
		off += (size_t)n;
	}
	if (close(fd) == -1 || rename(tmp, path) == -1) {
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	*written = 1;
	rc = 0;
out:
	free(tmp);
	free(path);
	return rc;
}
