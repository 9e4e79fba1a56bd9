/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The commit archive: the configurations brinkd ran, newest first, numbered
 * as in VyOS (revision 0 is the running configuration, 1 the one before...).
 * Each revision is a file of its own, a brink.conf compressed with gzip
 * (revision-<id>.conf.gz, as VyOS keeps config.boot.<n>.gz) that "load"
 * accepts as it is, whose first line (a comment holding one JSON object) says when, by whom,
 * how and why it was committed. A file is written once, atomically (temp +
 * rename), and deleted when it falls off the end; a file that cannot be read
 * back is set aside and logged, never a reason for brinkd to stop.
 *
 * One brinkd owns a directory at a time (a lock file). Another one, or one
 * whose directory cannot be written, keeps its revisions in memory.
 *
 * A revision's file is written by a thread of its own, so a commit does not
 * wait for rendering and the disk (0.4 s at 1M routes). The thread reads a
 * share of the tree (shared trees are never edited) and touches nothing
 * else of brinkd's; until it is done the revision is kept in memory, and it
 * stays there if the write fails. One writer at a time.
 */
#ifndef BRINK_ARCHIVE_H
#define BRINK_ARCHIVE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/sbuf.h"
#include "config/config.h"

#define ARCHIVE_KEEP 100 /* revisions kept: VyOS's "system config-management commit-revisions" default */
#define ARCHIVE_COMMENT_MAX 256

struct archive_rev {
	uint64_t id;   /* grows by one per revision, never reused; names its file */
	int64_t time;  /* when, in seconds since the epoch */
	char user[32]; /* who: a login name, or "brinkd" */
	char via[32];  /* how: cli, commit-confirm, rollback, commit-confirm rollback, boot */
	char comment[ARCHIVE_COMMENT_MAX];
	struct cfg_node *tree; /* the configuration when it is not on disk, else NULL */
	bool plain;            /* its file is not compressed (written before revisions were) */
};

/* A revision's file being written (archive.c). */
struct archive_writer;

struct archive {
	char dir[4096];
	int lock_fd;      /* the directory is ours while >= 0; -1: revisions stay in memory */
	uint64_t next_id; /* past every revision file seen, damaged ones included */
	unsigned n;
	struct archive_rev rev[ARCHIVE_KEEP]; /* rev[k] is revision k */
	struct archive_writer *writer;        /* the thread writing a revision's file, or NULL */
};

/* "archive" in the directory of conf_path. */
void archive_default_dir(const char *conf_path, char *dir, size_t len);

/* Reads the revisions kept in dir, creating it when missing. Never fails:
 * what it cannot use (a directory it cannot create or lock, damaged files)
 * it logs and does without. */
void archive_open(struct archive *a, const char *dir);
void archive_close(struct archive *a);
/* Joins the writer if it is done (wait: until it is); its revision then
 * leaves memory, or stays there with a log line when the file could not
 * be written. */
void archive_poll(struct archive *a, bool wait);

/* Adds t as the new revision 0, dropping the oldest beyond ARCHIVE_KEEP.
 * Returns 0, or -errno with the reason (one line) in err when it could not
 * be written: it is then kept in memory, so the numbering stays right. */
int archive_add(struct archive *a, const struct cfg_node *t, const char *user, const char *via, const char *comment,
		struct sbuf *err);

/* Revision n's configuration (the caller frees it; it may be shared with
 * the archive: cfg_unshare before editing it), or NULL with the reason in
 * err. */
struct cfg_node *archive_tree(const struct archive *a, unsigned n, struct sbuf *err);

#endif
