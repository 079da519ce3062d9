/*
 * spool.c - a durable on-disk queue for reports PostgreSQL could not take
 *
 * See spool.h for the contract.  Write order for durability: write the
 * whole entry into tmp/, fsync it, rename it into new/, fsync new/.  Only
 * then may the caller acknowledge the report.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "log.h"
#include "report.h"
#include "spool.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

/* spool_init - the directories, private to the server's user */
int
spool_init(const char *dir, char *err, size_t errlen)
{
	char	 path[4096];
	int	 i;

	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof path, "%s%s", dir,
		    i == 0 ? "" : i == 1 ? "/tmp" : "/new");
		if (mkdir(path, 0700) == -1 && errno != EEXIST)
			return seterr(err, errlen, "spool: mkdir %s: %s", path,
			    strerror(errno));
	}
	return 0;
}

/* header_value - one header line's value: no newlines, never NULL */
static void
header_line(struct buf *b, const char *key, const char *value)
{
	const char	*p;

	if (value == NULL)
		return;
	buf_printf(b, "%s: ", key);
	for (p = value; *p; p++)
		buf_putc(b, *p == '\n' || *p == '\r' ? ' ' : *p);
	buf_putc(b, '\n');
}

/* write_all - write n bytes, retrying short writes */
static int
write_all(int fd, const unsigned char *p, size_t n)
{
	ssize_t	 w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* fsync_dir - make a rename durable */
static int
fsync_dir(const char *path)
{
	int	 fd, rc;

	if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* spool_put - one entry, durably */
int
spool_put(const char *dir, const char *kind, const char *transport,
    const char *source, const char *reason, const unsigned char *raw,
    size_t rawlen, char *err, size_t errlen)
{
	static unsigned	 seq;
	struct buf	 h = BUF_INIT;
	struct timespec	 ts;
	char		 name[128], tmp[4096], new[4096];
	unsigned char	 rnd[8];
	int		 fd, rc = -1;

	clock_gettime(CLOCK_REALTIME, &ts);
	arc4random_buf(rnd, sizeof rnd);
	snprintf(name, sizeof name, "%lld.%09ld.%d.%u.%02x%02x%02x%02x",
	    (long long)ts.tv_sec, ts.tv_nsec, (int)getpid(),
	    __atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED),
	    rnd[0], rnd[1], rnd[2], rnd[3]);
	snprintf(tmp, sizeof tmp, "%s/tmp/%s", dir, name);
	snprintf(new, sizeof new, "%s/new/%s", dir, name);

	header_line(&h, "kind", kind);
	header_line(&h, "transport", transport);
	header_line(&h, "source", source);
	header_line(&h, "reason", reason);
	buf_printf(&h, "received: %lld\n\n", (long long)ts.tv_sec);

	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd == -1) {
		seterr(err, errlen, "spool: %s: %s", tmp, strerror(errno));
		goto out;
	}
	if (write_all(fd, h.data, h.len) == -1 ||
	    write_all(fd, raw, rawlen) == -1 || fsync(fd) == -1) {
		seterr(err, errlen, "spool: write %s: %s", tmp,
		    strerror(errno));
		close(fd);
		unlink(tmp);
		goto out;
	}
	if (close(fd) == -1 || rename(tmp, new) == -1) {
		seterr(err, errlen, "spool: %s: %s", new, strerror(errno));
		unlink(tmp);
		goto out;
	}
	snprintf(tmp, sizeof tmp, "%s/new", dir);
	if (fsync_dir(tmp) == -1) {
		/* the entry is there, but maybe not durably: say so */
		seterr(err, errlen, "spool: fsync %s: %s", tmp,
		    strerror(errno));
		goto out;
	}
	rc = 0;
out:
	buf_free(&h);
	return rc;
}

/* spool_names - the entries in new/, sorted (oldest first) */
static char **
spool_names(const char *dir, size_t *n)
{
	struct dirent	*de;
	DIR		*d;
	char		 path[4096], **v = NULL;
	size_t		 i, j;

	*n = 0;
	snprintf(path, sizeof path, "%s/new", dir);
	if ((d = opendir(path)) == NULL)
		return NULL;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		v = xreallocarray(v, *n + 1, sizeof *v);
		v[(*n)++] = xstrdup(de->d_name);
	}
	closedir(d);
	for (i = 1; i < *n; i++)		/* few entries: insertion sort */
		for (j = i; j > 0 && strcmp(v[j - 1], v[j]) > 0; j--) {
			char *t = v[j]; v[j] = v[j - 1]; v[j - 1] = t;
		}
	return v;
}

/* spool_count - entries waiting */
long
spool_count(const char *dir)
{
	char	**v;
	size_t	  n, i;

	v = spool_names(dir, &n);
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
	return (long)n;
}

/* spool_read - parse one entry */
static int
spool_read(const char *dir, const char *name, size_t cap,
    struct spool_entry *e, char *err, size_t errlen)
{
	unsigned char	*data, *p, *end, *eol;
	size_t		 len;
	char		 path[4096];

	memset(e, 0, sizeof *e);
	snprintf(path, sizeof path, "%s/new/%s", dir, name);
	if (read_file(path, cap + 65536, &data, &len, err, errlen) != 0)
		return -1;
	e->name = xstrdup(name);
	p = data;
	end = data + len;
	while (p < end && *p != '\n') {
		char *line, *colon;

		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			break;
		line = xstrndup((char *)p, (size_t)(eol - p));
		if ((colon = strstr(line, ": ")) != NULL) {
			*colon = '\0';
			if (strcmp(line, "kind") == 0)
				e->kind = xstrdup(colon + 2);
			else if (strcmp(line, "transport") == 0)
				e->transport = xstrdup(colon + 2);
			else if (strcmp(line, "source") == 0)
				e->source = xstrdup(colon + 2);
			else if (strcmp(line, "reason") == 0)
				e->reason = xstrdup(colon + 2);
			else if (strcmp(line, "received") == 0)
				e->received = strtoll(colon + 2, NULL, 10);
		}
		free(line);
		p = eol + 1;
	}
	if (p >= end || *p != '\n' || e->kind == NULL) {
		free(data);
		spool_entry_free(e);
		return seterr(err, errlen, "spool: %s: bad entry header",
		    name);
	}
	p++;
	e->rawlen = (size_t)(end - p);
	e->raw = xmemdup(p, e->rawlen ? e->rawlen : 1);
	free(data);
	return 0;
}

/* spool_entry_free - release an entry's fields */
void
spool_entry_free(struct spool_entry *e)
{
	free(e->name);
	free(e->kind);
	free(e->transport);
	free(e->source);
	free(e->reason);
	free(e->raw);
	memset(e, 0, sizeof *e);
}

/* spool_take - one entry into the database; 0 when it may be removed */
static int
spool_take(struct store *st, const struct conf *conf, struct spool_entry *e,
    int *temp, char *err, size_t errlen)
{
	struct store_item	 item;
	struct report		*r = NULL;
	char			 why[ERRLEN];
	int			 rc;

	if (strcmp(e->kind, SPOOL_KIND_REPORT) == 0 &&
	    report_decode(e->raw, e->rawlen, conf->max_report_bytes, &r, why,
	    sizeof why) == REPORT_OK) {
		memset(&item, 0, sizeof item);
		item.report = r;
		item.raw = e->raw;
		item.rawlen = e->rawlen;
		item.transport = e->transport ? e->transport : "spool";
		item.source = e->source;
		rc = store_batch(st, &item, 1, conf->domains, conf->n_domains,
		    temp, err, errlen);
		report_free(r);
		if (rc == -1)
			return -1;
		log_info("spool %s: %s%s%s", e->name,
		    item.verdict == STORE_DUPLICATE ? "duplicate" :
		    item.verdict == STORE_FOREIGN ? "foreign" :
		    item.verdict == STORE_STORED ? "stored" :
		    "refused by the database, quarantined",
		    item.err[0] ? ": " : "", item.err);
		if (item.verdict != STORE_FAILED)
			return 0;
		snprintf(why, sizeof why, "%s", item.err);
	}
	/* Spooled as invalid, or no longer parses: quarantine, never drop. */
	return store_quarantine(st, e->transport ? e->transport : "spool",
	    e->source, e->reason ? e->reason : why, e->raw, e->rawlen,
	    conf->quarantine_max_bytes, temp, err, errlen);
}

/* spool_replay - drain new/ into the database */
int
spool_replay(const char *dir, struct store *st, const struct conf *conf,
    size_t *done, int *temp, char *err, size_t errlen)
{
	struct spool_entry	 e;
	char			 path[4096], why[ERRLEN];
	char		       **v;
	size_t			 n, i;
	int			 rc = 0;

	*done = 0;
	*temp = 0;
	v = spool_names(dir, &n);
	for (i = 0; i < n; i++) {
		if (rc == -1)
			break;
		if (spool_read(dir, v[i], conf->max_body_bytes, &e, why,
		    sizeof why) == -1) {
			log_warnx("%s (left in place)", why);
			continue;
		}
		if (spool_take(st, conf, &e, temp, err, errlen) == -1)
			rc = -1;
		else {
			snprintf(path, sizeof path, "%s/new/%s", dir, v[i]);
			if (unlink(path) == -1)
				log_warn("spool: unlink %s", path);
			(*done)++;
		}
		spool_entry_free(&e);
	}
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
	return rc;
}
