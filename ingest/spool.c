/*
 * spool.c - a durable on-disk queue for reports the database could not take
 *
 * See spool.h for the contract.  Write order for durability: write the
 * whole entry into tmp/, fsync it, rename it into new/, fsync new/.  Only
 * then may the caller acknowledge the report.  Entries are named
 * SECONDS.NANOSECONDS.PID.SEQ.RANDOM, so the names sort by arrival and two
 * processes sharing a directory never collide.
 *
 * A writer killed between open and rename leaves a file in tmp/: never
 * acknowledged, maybe half written, and never read back (only new/ is
 * replayed).  spool_clean() removes such leftovers when a process that
 * owns the spool starts (spool_tidy, replay.c), sparing files whose
 * writer still runs (another process sharing the directory).
 *
 * The size cap (spool_max_bytes) is checked against a running total: a
 * scan of new/ at most every USAGE_SECONDS, plus what this process wrote
 * since.  Scanning on every put would cost a stat per entry per report
 * exactly when the spool is large; removals by a replay are seen at the
 * next scan, so the total errs on the full side for a few seconds.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "spool.h"
#include "util.h"
#include "xmalloc.h"

/* A file in tmp/ older than this is a leftover even if a process with
 * its writer's PID runs (spool_clean): a write takes well under it. */
#define STALE_SECONDS	3600

/* Seconds a scan of the spool's size stays good (spool_put). */
#define USAGE_SECONDS	5

/* The spool's size as this process knows it (spool_put). */
static struct {
	pthread_mutex_t	 lock;
	char		 dir[4096];
	uint64_t	 bytes;
	double		 scanned;	/* monotonic; 0: never */
} usage = { PTHREAD_MUTEX_INITIALIZER, "", 0, 0 };

/* The directories of a spool: DIR itself, then its two parts. */
static const char *const spool_parts[] = { "", "/tmp", "/new" };
#define SPOOL_NPARTS	3

/* spool_init - the directories, private to the server's user */
int
spool_init(const char *dir, char *err, size_t errlen)
{
	char	 path[4096];
	int	 i;

	for (i = 0; i < SPOOL_NPARTS; i++) {
		snprintf(path, sizeof path, "%s%s", dir, spool_parts[i]);
		if (mkdir(path, 0700) == -1 && errno != EEXIST)
			return seterr(err, errlen, "spool: mkdir %s: %s", path,
			    strerror(errno));
	}
	return 0;
}

/* writer_gone - 1 when the process that named tmp entry name (the PID
 * after the second dot) no longer runs, or is this one: at start, this
 * process has written nothing yet */
static int
writer_gone(const char *name)
{
	const char	*p;
	char		*end;
	long		 pid;

	if ((p = strchr(name, '.')) == NULL || (p = strchr(p + 1, '.')) == NULL)
		return 1;		/* not our name: nobody writes it */
	pid = strtol(p + 1, &end, 10);
	if (end == p + 1 || *end != '.' || pid <= 0 || pid > INT32_MAX)
		return 1;
	if ((pid_t)pid == getpid())
		return 1;
	return kill((pid_t)pid, 0) == -1 && errno == ESRCH;
}

/* spool_clean - see spool.h */
int
spool_clean(const char *dir, size_t *removed, char *err, size_t errlen)
{
	struct dirent	*de;
	struct stat	 sb;
	DIR		*d;
	char		 path[4096];
	time_t		 now = time(NULL);

	*removed = 0;
	snprintf(path, sizeof path, "%s/tmp", dir);
	if ((d = opendir(path)) == NULL)
		return seterr(err, errlen, "spool: %s: %s", path,
		    strerror(errno));
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0 ||
		    fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) ==
		    -1 || S_ISDIR(sb.st_mode))
			continue;
		if (!writer_gone(de->d_name) &&
		    now - sb.st_mtime < STALE_SECONDS)
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) == 0)
			(*removed)++;
	}
	closedir(d);
	return 0;
}

/* spool_chown - see spool.h */
int
spool_chown(const char *dir, uid_t uid, gid_t gid, char *err, size_t errlen)
{
	char	 path[4096];
	int	 i;

	for (i = 0; i < SPOOL_NPARTS; i++) {
		snprintf(path, sizeof path, "%s%s", dir, spool_parts[i]);
		if (chown(path, uid, gid) == -1)
			return seterr(err, errlen, "chown %s: %s", path,
			    strerror(errno));
	}
	return 0;
}

/* header_line - "key: value\n" with newlines in value made blanks; nothing
 * for a NULL value */
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

/* scan_bytes - the bytes of the entries in DIR/new */
static uint64_t
scan_bytes(const char *dir)
{
	struct dirent	*de;
	struct stat	 sb;
	DIR		*d;
	char		 path[4096];
	uint64_t	 total = 0;

	snprintf(path, sizeof path, "%s/new", dir);
	if ((d = opendir(path)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.' &&
		    fstatat(dirfd(d), de->d_name, &sb, 0) == 0)
			total += (uint64_t)sb.st_size;
	closedir(d);
	return total;
}

/* room - 1 when dir holds less than max bytes; counts len in when so */
static int
room(const char *dir, size_t max, size_t len)
{
	double	 t = mono_now();
	int	 ok;

	pthread_mutex_lock(&usage.lock);
	if (strcmp(usage.dir, dir) != 0 || usage.scanned == 0 ||
	    t - usage.scanned > USAGE_SECONDS) {
		snprintf(usage.dir, sizeof usage.dir, "%s", dir);
		usage.bytes = scan_bytes(dir);
		usage.scanned = t;
	}
	if ((ok = usage.bytes < max))
		usage.bytes += len;
	pthread_mutex_unlock(&usage.lock);
	return ok;
}

/* spool_put - one entry, durably */
int
spool_put(const char *dir, size_t max_bytes, const struct spool_meta *m,
    const unsigned char *raw, size_t rawlen, char *err, size_t errlen)
{
	static unsigned	 seq;
	struct buf	 h = BUF_INIT;
	struct timespec	 ts;
	char		 name[128], tmp[4096], new[4096];
	unsigned char	 rnd[8];
	int		 fd, rc = -1;

	if (!room(dir, max_bytes, rawlen))
		return seterr(err, errlen, "spool: %s holds %zu bytes or more "
		    "(spool_max_bytes)", dir, max_bytes);
	clock_gettime(CLOCK_REALTIME, &ts);
	arc4random_buf(rnd, sizeof rnd);
	snprintf(name, sizeof name, "%lld.%09ld.%d.%u.%02x%02x%02x%02x",
	    (long long)ts.tv_sec, ts.tv_nsec, (int)getpid(),
	    __atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED),
	    rnd[0], rnd[1], rnd[2], rnd[3]);
	snprintf(tmp, sizeof tmp, "%s/tmp/%s", dir, name);
	snprintf(new, sizeof new, "%s/new/%s", dir, name);

	header_line(&h, "kind", m->kind);
	header_line(&h, "transport", m->transport);
	header_line(&h, "source", m->source);
	header_line(&h, "reason", m->reason);
	header_line(&h, "auth", m->auth);
	header_line(&h, "hint", m->hint);
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

/* namecmp - qsort order of entry names: by arrival */
static int
namecmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* spool_names - see spool.h */
int
spool_names(const char *dir, char ***names, size_t *n, char *err,
    size_t errlen)
{
	struct dirent	*de;
	DIR		*d;
	char		 path[4096], **v = NULL;

	*names = NULL;
	*n = 0;
	snprintf(path, sizeof path, "%s/new", dir);
	if ((d = opendir(path)) == NULL)
		return seterr(err, errlen, "spool: %s: %s", path,
		    strerror(errno));
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		v = xreallocarray(v, *n + 1, sizeof *v);
		v[(*n)++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (*n > 1)
		qsort(v, *n, sizeof *v, namecmp);
	*names = v;
	return 0;
}

/* spool_count - see spool.h */
long
spool_count(const char *dir)
{
	char	**v, err[ERRLEN];
	size_t	  n, i;

	if (spool_names(dir, &v, &n, err, sizeof err) == -1)
		return -1;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
	return (long)n;
}

/* header_field - the field of e that header key fills, or NULL */
static char **
header_field(struct spool_entry *e, const char *key)
{
	static const struct {
		const char	*key;
		size_t		 off;
	} keys[] = {
		{ "kind", offsetof(struct spool_entry, kind) },
		{ "transport", offsetof(struct spool_entry, transport) },
		{ "source", offsetof(struct spool_entry, source) },
		{ "reason", offsetof(struct spool_entry, reason) },
		{ "auth", offsetof(struct spool_entry, auth) },
		{ "hint", offsetof(struct spool_entry, hint) },
	};
	size_t	 i;

	for (i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (strcmp(key, keys[i].key) == 0)
			return (char **)(void *)((char *)e + keys[i].off);
	return NULL;
}

/* spool_read - see spool.h */
int
spool_read(const char *dir, const char *name, size_t cap,
    struct spool_entry *e, char *err, size_t errlen)
{
	unsigned char	*data, *p, *end, *eol;
	char		 path[4096], *line, *colon, **field;
	size_t		 len;

	memset(e, 0, sizeof *e);
	snprintf(path, sizeof path, "%s/new/%s", dir, name);
	if (read_file(path, cap + 65536, &data, &len, err, errlen) != 0)
		return -1;
	e->name = xstrdup(name);
	p = data;
	end = data + len;
	while (p < end && *p != '\n') {
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			break;
		line = xstrndup((char *)p, (size_t)(eol - p));
		if ((colon = strstr(line, ": ")) != NULL) {
			*colon = '\0';
			if (strcmp(line, "received") == 0)
				e->received = strtoll(colon + 2, NULL, 10);
			else if ((field = header_field(e, line)) != NULL) {
				free(*field);
				*field = xstrdup(colon + 2);
			}
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

/* spool_remove - see spool.h */
int
spool_remove(const char *dir, const char *name, char *err, size_t errlen)
{
	char	 path[4096];

	snprintf(path, sizeof path, "%s/new/%s", dir, name);
	if (unlink(path) == -1)
		return seterr(err, errlen, "spool: unlink %s: %s", path,
		    strerror(errno));
	return 0;
}

/* spool_entry_free - see spool.h */
struct spool_entry *
spool_entry_free(struct spool_entry *e)
{
	if (e == NULL)
		return NULL;
	free(e->name);
	free(e->kind);
	free(e->transport);
	free(e->source);
	free(e->reason);
	free(e->auth);
	free(e->hint);
	free(e->raw);
	memset(e, 0, sizeof *e);
	return NULL;
}

/* spool_stat - see spool.h: names only (they begin with the arrival's
 * unix seconds), no stat(2) per entry: a scraper may ask every few
 * seconds while tens of thousands of entries wait */
int
spool_stat(const char *dir, long *entries, int64_t *oldest)
{
	struct dirent	*de;
	DIR		*d;
	char		 path[4096], *end;
	long long	 t;

	*entries = 0;
	*oldest = 0;
	snprintf(path, sizeof path, "%s/new", dir);
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		(*entries)++;
		t = strtoll(de->d_name, &end, 10);
		if (end != de->d_name && *end == '.' && t > 0 &&
		    (*oldest == 0 || t < *oldest))
			*oldest = (int64_t)t;
	}
	closedir(d);
	return 0;
}

/* spool_probe - see spool.h: what spool_put would meet, without an
 * entry: the cap, then a block written and fsync'ed in tmp/ (a full
 * disk fails the write or the fsync, an unwritable directory the open) */
int
spool_probe(const char *dir, size_t max_bytes, char *err, size_t errlen)
{
	char		 path[4096];
	unsigned char	 block[4096];
	int		 fd, rc = 0;

	if (!room(dir, max_bytes, 0))
		return seterr(err, errlen, "spool: %s holds %zu bytes or more "
		    "(spool_max_bytes)", dir, max_bytes);
	snprintf(path, sizeof path, "%s/tmp/.probe.%d", dir, (int)getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd == -1)
		return seterr(err, errlen, "spool: %s: %s", path,
		    strerror(errno));
	memset(block, 0, sizeof block);
	if (write_all(fd, block, sizeof block) == -1 || fsync(fd) == -1)
		rc = seterr(err, errlen, "spool: write %s: %s", path,
		    strerror(errno));
	close(fd);
	unlink(path);
	return rc;
}
