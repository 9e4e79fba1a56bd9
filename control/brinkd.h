/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * brinkd's state: the running configuration (the one source of truth), its
 * model, and the dataplane connection. Startup, CLI commits and resyncs
 * after a (re)connect all send the whole state of a model as one
 * transaction.
 */
#ifndef BRINK_BRINKD_H
#define BRINK_BRINKD_H

#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"
#include "control/archive.h"
#include "control/dpc.h"
#include "control/learned_routes.h"
#include "common/sbuf.h"

#define BRINKD_RETRY_MS 30000 /* pushes again while the dataplane refuses items */

/* Who commits, how and why: kept with the revision in the archive and logged. */
struct brinkd_commit_info {
	const char *user;    /* a login name, or "brinkd" for its own commits */
	const char *via;     /* "cli", "commit-confirm", "rollback", "commit-confirm rollback", "boot" */
	const char *comment; /* or NULL */
};

/* A commit-confirm waiting for "confirm": at the deadline brinkd commits
 * restore again. Any other commit before then confirms it. */
struct brinkd_confirm {
	bool pending;
	long long deadline_ms; /* on brinkd's clock_ms */
	unsigned minutes;
	char user[32];            /* who committed it */
	struct cfg_node *restore; /* the running configuration before it */
};

struct brinkd {
	char conf_path[4096]; /* the -f file: what save writes by default */
	struct cfg_node *running;
	uint64_t revision;        /* counts commits: sessions check they edit the latest */
	struct brink_model model; /* of running */
	struct dpc dp;
	uint64_t generation;    /* of the last transaction sent */
	bool synced;            /* the connected dataplane got the running config */
	struct sbuf dp_refused; /* what it refused of it at the last resync, one item a line */
	unsigned n_dp_refused;
	long long retry_at_ms;  /* when to push again while items are refused */
	bool punt_pending;      /* the punt interface still needs to be configured */
	char last_log[640];     /* repeated retry failures are logged once */
	struct archive archive; /* revision 0 is running */
	struct brinkd_confirm confirm;
	struct learned_routes learned; /* the routing daemon's and IKE's paths, given to the dataplane */
	long long (*clock_ms)(void);   /* monotonic milliseconds for the commit-confirm deadline; tests set their own */
};

/* Loads and validates conf_path, opens the commit archive in archive_dir
 * (NULL: "archive" next to conf_path) and archives the loaded configuration
 * when it differs from the newest revision. Returns 0, or -1 with every
 * error (FILE:LINE: PATH: MESSAGE lines) in errs. */
int brinkd_init(struct brinkd *d, const char *conf_path, const char *dp_sock, const char *archive_dir,
		struct sbuf *errs);
void brinkd_fini(struct brinkd *d);

/* The 1 s timer: connect to the dataplane and push the running state when
 * not connected or not in sync; retry the punt interface; roll back a
 * commit-confirm whose deadline passed; bring the learned routes of each
 * owner in line with the dataplane (learned_sync). A dataplane that
 * another brinkd controls is asked again every second, never taken from it
 * (unless dp.takeover is set, for the first connection only).
 * brinkd_dp_readable is called when the dataplane socket becomes readable
 * between requests: it logs the dataplane's notifications and notices that
 * the connection closed. */
void brinkd_tick(struct brinkd *d);
void brinkd_dp_readable(struct brinkd *d);

/* Validate candidate, push it, make it the running configuration (shared,
 * not copied: edit it after this only through cfg_unshare) and archive it
 * as revision 0; a pending commit-confirm counts as confirmed.
 * Messages (errors, warnings, notices) go to out; the commit, or its
 * refusal, to the log. Returns 0 or -errno; on failure the running
 * configuration is unchanged. */
int brinkd_commit(struct brinkd *d, const struct cfg_node *candidate, const struct brinkd_commit_info *info,
		  struct sbuf *out);

/* brinkd_commit, then a rollback to the configuration before it when
 * "confirm" does not follow within minutes. -EBUSY while another
 * commit-confirm is pending. */
int brinkd_commit_confirm(struct brinkd *d, const struct cfg_node *candidate, unsigned minutes,
			  const struct brinkd_commit_info *info, struct sbuf *out);

/* Keeps the pending commit-confirm, if any: user confirms it. */
void brinkd_confirm(struct brinkd *d, const char *user, struct sbuf *out);
/* Seconds until a pending commit-confirm rolls back. */
long long brinkd_confirm_left_s(const struct brinkd *d);

/* Log a line to stderr with brinkd's prefix, and keep it for "show log" (log.c). */
void brinkd_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Comment lines ("# ...") saying how the dataplane differs from the running
 * configuration: not connected, not yet pushed, items refused; none when it
 * runs all of it. */
void brinkd_status_comment(const struct brinkd *d, struct sbuf *out);

#endif
