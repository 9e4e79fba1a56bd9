/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "control/archive.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <zlib.h>

#include "control/brinkd.h"

#define HEADER "# brink revision "
#define HEADER_MAX 4096 /* the longest first line read: the comment, escaped, fits with room to spare */
#define NAME_PREFIX "revision-"
#define NAME_SUFFIX ".conf"
#define GZ_SUFFIX ".gz" /* revisions are written compressed; older plain ones are read as well */
#define TEMP_PREFIX ".revision-"
#define PATH_LEN (sizeof(((struct archive *)0)->dir) + 320) /* room for a directory entry name */

void archive_default_dir(const char *conf_path, char *dir, size_t len)
{
	const char *slash = strrchr(conf_path, '/');

	if (slash)
		snprintf(dir, len, "%.*s/archive", (int)(slash - conf_path), conf_path);
	else
		snprintf(dir, len, "archive");
}

static void rev_path(const struct archive *a, const struct archive_rev *r, char *path, size_t len)
{
	snprintf(path, len, "%s/" NAME_PREFIX "%06" PRIu64 NAME_SUFFIX "%s", a->dir, r->id, r->plain ? "" : GZ_SUFFIX);
}

/* The id in "revision-<id>.conf" or "revision-<id>.conf.gz" (*plain: the
 * former); false for any other name. */
static bool name_id(const char *name, uint64_t *id, bool *plain)
{
	size_t n = strlen(NAME_PREFIX);
	char *end;

	if (strncmp(name, NAME_PREFIX, n) != 0 || name[n] < '0' || name[n] > '9')
		return false;
	errno = 0;
	*id = strtoull(name + n, &end, 10);
	*plain = strcmp(end, NAME_SUFFIX) == 0;
	return !errno && (*plain || strcmp(end, NAME_SUFFIX GZ_SUFFIX) == 0);
}

/* mkdir -p. Returns 1 when it created dir, 0 when it existed, or -errno. */
static int make_dir(const char *dir)
{
	char p[PATH_LEN];
	struct stat st;

	if (stat(dir, &st) == 0)
		return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
	snprintf(p, sizeof(p), "%s", dir);
	for (char *s = p + 1;; s++) {
		if (*s && *s != '/')
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return -errno;
		*s = c;
		if (!c)
			return 1;
	}
}

/* The directory is one brinkd's: two writing the same ids would overwrite
 * each other's revisions. The holder's pid is in the lock file, to name it. */
static bool take_lock(struct archive *a)
{
	char path[PATH_LEN], pid[32];
	int fd;

	snprintf(path, sizeof(path), "%s/lock", a->dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		brinkd_log("commit archive: cannot open %s: %s; revisions are kept in memory only", path,
			   strerror(errno));
		return false;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int err = errno;
		ssize_t n = pread(fd, pid, sizeof(pid) - 1, 0);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		if (err == EWOULDBLOCK)
			brinkd_log("commit archive: %s is in use by another brinkd%s%s%s; this one keeps its revisions "
				   "in memory "
				   "only (--archive gives it a directory of its own)",
				   a->dir, *pid ? " (pid " : "", pid, *pid ? ")" : "");
		else
			brinkd_log("commit archive: cannot lock %s: %s; revisions are kept in memory only", path,
				   strerror(err));
		close(fd);
		return false;
	}
	int len = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t)len, 0) != len)
		brinkd_log("commit archive: cannot write %s: %s (the lock holds all the same)", path, strerror(errno));
	a->lock_fd = fd;
	return true;
}

/* The header of revision file name; -1 with why when it has none. */
static int read_header(const struct archive *a, const char *name, uint64_t id, bool plain, struct archive_rev *r,
		       char *why, size_t whylen)
{
	char path[PATH_LEN], line[HEADER_MAX];
	json_int_t jid, jtime;
	const char *user, *via, *comment;
	json_error_t je;
	gzFile f;

	snprintf(path, sizeof(path), "%s/%s", a->dir, name);
	/* gzread reads a plain file as it is */
	if (!(f = gzopen(path, "rb"))) {
		snprintf(why, whylen, "%s", strerror(errno ? errno : ENOMEM));
		return -1;
	}
	bool got = gzgets(f, line, sizeof(line)) != NULL;
	gzclose(f);
	if (!got || strncmp(line, HEADER, strlen(HEADER)) != 0) {
		snprintf(why, whylen, "its first line is not a revision header");
		return -1;
	}
	json_t *j = json_loads(line + strlen(HEADER), 0, &je);
	if (!j || json_unpack(j, "{s:I, s:I, s:s, s:s, s:s}", "id", &jid, "time", &jtime, "user", &user, "via", &via,
			      "comment", &comment) < 0) {
		snprintf(why, whylen, "its revision header is not readable%s%s", j ? "" : ": ", j ? "" : je.text);
		json_decref(j);
		return -1;
	}
	if ((uint64_t)jid != id) {
		snprintf(why, whylen, "its header names revision id %lld", (long long)jid);
		json_decref(j);
		return -1;
	}
	*r = (struct archive_rev){.id = id, .time = jtime, .plain = plain};
	snprintf(r->user, sizeof(r->user), "%s", user);
	snprintf(r->via, sizeof(r->via), "%s", via);
	snprintf(r->comment, sizeof(r->comment), "%s", comment);
	json_decref(j);
	return 0;
}

/* A damaged file is renamed rather than deleted: it may be all that is left
 * of a configuration someone wants back. */
static void set_aside(const struct archive *a, const char *name, const char *why)
{
	char from[PATH_LEN], to[PATH_LEN + 16];

	snprintf(from, sizeof(from), "%s/%s", a->dir, name);
	snprintf(to, sizeof(to), "%s.damaged", from);
	if (rename(from, to) == 0)
		brinkd_log("commit archive: %s is damaged (%s); set aside as %s", from, why, to);
	else
		brinkd_log("commit archive: %s is damaged (%s) and cannot be set aside: %s; it is left out", from, why,
			   strerror(errno));
}

static int newest_first(const void *x, const void *y)
{
	const struct archive_rev *a = x, *b = y;

	return a->id < b->id ? 1 : a->id > b->id ? -1 : 0;
}

static void scan(struct archive *a)
{
	struct archive_rev *found = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *dh = opendir(a->dir);
	char why[256];

	if (!dh) {
		brinkd_log("commit archive: cannot read %s: %s; starting a fresh one", a->dir, strerror(errno));
		return;
	}
	/* brinkd reads the archive from one thread: readdir() is safe here. */
	// cppcheck-suppress readdirCalled
	while ((de = readdir(dh))) {
		struct archive_rev r;
		uint64_t id;
		bool plain;
		/* what a write cut short by a crash left behind */
		if (strncmp(de->d_name, TEMP_PREFIX, strlen(TEMP_PREFIX)) == 0) {
			unlinkat(dirfd(dh), de->d_name, 0);
			continue;
		}
		if (!name_id(de->d_name, &id, &plain))
			continue;
		if (id >= a->next_id)
			a->next_id = id + 1;
		if (read_header(a, de->d_name, id, plain, &r, why, sizeof(why)) < 0) {
			set_aside(a, de->d_name, why);
			continue;
		}
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			struct archive_rev *more = realloc(found, cap * sizeof(*found));
			if (!more)
				abort();
			found = more;
		}
		found[n++] = r;
	}
	closedir(dh);
	if (n)
		qsort(found, n, sizeof(*found), newest_first);
	for (size_t i = 0; i < n; i++) {
		char path[PATH_LEN];
		if (i < ARCHIVE_KEEP) {
			a->rev[a->n++] = found[i];
			continue;
		}
		rev_path(a, &found[i], path, sizeof(path));
		unlink(path);
	}
	free(found);
}

void archive_open(struct archive *a, const char *dir)
{
	int rc;

	*a = (struct archive){.lock_fd = -1, .next_id = 1};
	snprintf(a->dir, sizeof(a->dir), "%s", dir);
	rc = make_dir(a->dir);
	if (rc < 0) {
		brinkd_log("commit archive: cannot create %s: %s; revisions are kept in memory only", a->dir,
			   strerror(-rc));
		return;
	}
	if (rc == 1)
		brinkd_log("commit archive: %s did not exist; starting a fresh one", a->dir);
	if (!take_lock(a))
		return;
	scan(a);
	if (rc == 0)
		brinkd_log("commit archive %s: %u revision%s", a->dir, a->n, a->n == 1 ? "" : "s");
}

void archive_close(struct archive *a)
{
	archive_poll(a, true);
	for (unsigned i = 0; i < a->n; i++)
		cfg_free(a->rev[i].tree);
	a->n = 0;
	if (a->lock_fd >= 0)
		close(a->lock_fd);
	a->lock_fd = -1;
}

static int write_all(int fd, const char *s, size_t len)
{
	while (len) {
		ssize_t n = write(fd, s, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

/* temp + fsync + rename, then fsync of the directory: after a crash the
 * revision is there whole or not at all. */
static int write_file(const struct archive *a, const char *path, const char *text, size_t len)
{
	char tmp[PATH_LEN];
	int fd, dfd, rc;

	snprintf(tmp, sizeof(tmp), "%s/" TEMP_PREFIX "XXXXXX", a->dir);
	if ((fd = mkstemp(tmp)) < 0)
		return -errno;
	rc = write_all(fd, text, len);
	if (!rc && (fchmod(fd, 0644) < 0 || fsync(fd) < 0))
		rc = -errno;
	if (close(fd) < 0 && !rc)
		rc = -errno;
	if (!rc && rename(tmp, path) < 0)
		rc = -errno;
	if (rc) {
		unlink(tmp);
		return rc;
	}
	if ((dfd = open(a->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

struct archive_writer {
	pthread_t thread;
	const struct archive *a;
	struct archive_rev rev;
	struct cfg_node *tree; /* the writer's share */
	int rc;
	char err[512];
	atomic_bool done;
};

/* The parts one after the other, compressed as a gzip file (the fastest
 * level: a 64 MB revision in about 0.4 s, to a twelfth of its size). */
static int gzip_parts(const char *const *parts, unsigned n, uint8_t **out, size_t *out_len)
{
	z_stream zs = {0};
	size_t total = 0;

	for (unsigned i = 0; i < n; i++)
		total += strlen(parts[i]);
	if (deflateInit2(&zs, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	size_t cap = deflateBound(&zs, total);
	uint8_t *buf = malloc(cap);
	int zrc = Z_OK;
	if (!buf) {
		deflateEnd(&zs);
		return -ENOMEM;
	}
	zs.next_out = buf;
	zs.avail_out = (uInt)cap;
	for (unsigned i = 0; i < n && zrc == Z_OK; i++) {
		zs.next_in = (Bytef *)parts[i];
		zs.avail_in = (uInt)strlen(parts[i]);
		zrc = deflate(&zs, i + 1 == n ? Z_FINISH : Z_NO_FLUSH);
		if (i + 1 < n && zrc == Z_OK && zs.avail_in)
			zrc = Z_BUF_ERROR;
	}
	*out_len = zs.total_out;
	deflateEnd(&zs);
	if (zrc != Z_STREAM_END) {
		free(buf);
		return -ENOMEM;
	}
	*out = buf;
	return 0;
}

static int write_rev(const struct archive *a, const struct archive_rev *r, const struct cfg_node *t, struct sbuf *err)
{
	char path[PATH_LEN];
	json_t *h = json_pack("{s:I, s:I, s:s, s:s, s:s}", "id", (json_int_t)r->id, "time", (json_int_t)r->time, "user",
			      r->user, "via", r->via, "comment", r->comment);
	uint8_t *gz = NULL;
	size_t gz_len = 0;
	int rc;

	rev_path(a, r, path, sizeof(path));
	if (!h) {
		sbuf_printf(err, "cannot write %s: its user or comment is not valid UTF-8", path);
		return -EINVAL;
	}
	char *head = json_dumps(h, JSON_COMPACT | JSON_PRESERVE_ORDER), *text = cfg_render(t);
	if (!head)
		abort();
	const char *parts[] = {HEADER, head, "\n", text};
	rc = gzip_parts(parts, 4, &gz, &gz_len);
	if (rc == 0)
		rc = write_file(a, path, (const char *)gz, gz_len);
	if (rc < 0)
		sbuf_printf(err, "cannot write %s: %s", path, strerror(-rc));
	free(gz);
	free(text);
	free(head);
	json_decref(h);
	return rc;
}

/* The writer thread: only it touches its job until done is set. */
static void *write_job(void *arg)
{
	struct archive_writer *w = arg;
	struct sbuf why = {0};

	w->rc = write_rev(w->a, &w->rev, w->tree, &why);
	snprintf(w->err, sizeof(w->err), "%s", sbuf_str(&why));
	sbuf_free(&why);
	atomic_store_explicit(&w->done, true, memory_order_release);
	return NULL;
}

void archive_poll(struct archive *a, bool wait)
{
	struct archive_writer *w = a->writer;

	if (!w || (!wait && !atomic_load_explicit(&w->done, memory_order_acquire)))
		return;
	pthread_join(w->thread, NULL);
	for (unsigned i = 0; i < a->n; i++) {
		struct archive_rev *r = &a->rev[i];
		if (r->id != w->rev.id)
			continue;
		if (w->rc == 0) {
			cfg_free(r->tree);
			r->tree = NULL;
		} else {
			brinkd_log("commit archive: %s; revision %llu is kept in memory only", w->err,
				   (unsigned long long)r->id);
		}
	}
	cfg_free(w->tree);
	free(w);
	a->writer = NULL;
}

/* The file of r, written by a thread while r stays in memory; here if no thread can be had. */
static int write_rev_async(struct archive *a, struct archive_rev *r, const struct cfg_node *t, struct sbuf *err)
{
	struct archive_writer *w = calloc(1, sizeof(*w));

	archive_poll(a, true);
	if (w) {
		/* The tree is shared, so nobody edits it meanwhile; the
		 * thread reads it only, and the main thread frees it. */
		*w = (struct archive_writer){.a = a, .rev = *r, .tree = cfg_share(t)};
		if (pthread_create(&w->thread, NULL, write_job, w) == 0) {
			r->tree = cfg_share(t);
			a->writer = w;
			return 0;
		}
		cfg_free(w->tree);
		free(w);
	}
	return write_rev(a, r, t, err);
}

int archive_add(struct archive *a, const struct cfg_node *t, const char *user, const char *via, const char *comment,
		struct sbuf *err)
{
	struct archive_rev r = {.id = a->next_id, .time = (int64_t)time(NULL)};
	int rc = 0;

	snprintf(r.user, sizeof(r.user), "%s", user);
	snprintf(r.via, sizeof(r.via), "%s", via);
	snprintf(r.comment, sizeof(r.comment), "%s", comment ? comment : "");
	if (a->lock_fd >= 0)
		rc = write_rev_async(a, &r, t, err);
	if ((a->lock_fd < 0 || rc < 0) && !r.tree)
		r.tree = cfg_share(t);
	a->next_id++;
	if (a->n == ARCHIVE_KEEP) {
		struct archive_rev *old = &a->rev[--a->n];
		char path[PATH_LEN];
		cfg_free(old->tree);
		if (a->lock_fd >= 0) { /* its file, if it has one */
			rev_path(a, old, path, sizeof(path));
			unlink(path);
		}
	}
	memmove(&a->rev[1], &a->rev[0], a->n * sizeof(a->rev[0]));
	a->rev[0] = r;
	a->n++;
	return rc;
}

struct cfg_node *archive_tree(const struct archive *a, unsigned n, struct sbuf *err)
{
	const struct archive_rev *r = &a->rev[n];
	struct cfg_errors e;
	char path[PATH_LEN];

	if (r->tree)
		return cfg_share(r->tree);
	rev_path(a, r, path, sizeof(path));
	struct cfg_node *t = cfg_load_file(path, &e);
	if (!t) {
		char *buf = malloc(16384);
		if (!buf)
			abort();
		cfg_errors_format(&e, buf, 16384);
		sbuf_printf(err, "revision %u cannot be read back from %s:\n%s", n, path, buf);
		if (err->len && err->s[err->len - 1] != '\n')
			sbuf_add(err, "\n");
		free(buf);
	}
	return t;
}
