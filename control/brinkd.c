/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "control/brinkd.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "control/punt_kernel.h"
#include "modules/modules.h"

/* A retry that keeps failing the same way is logged once, not every second. */
static void log_once(struct brinkd *d, const char *msg)
{
	if (strcmp(d->last_log, msg) == 0)
		return;
	snprintf(d->last_log, sizeof(d->last_log), "%s", msg);
	brinkd_log("%s", msg);
}

static void errors_to(struct sbuf *out, const struct cfg_errors *e)
{
	char *buf = malloc(64 * 1024);

	if (!buf)
		abort();
	cfg_errors_format(e, buf, 64 * 1024);
	sbuf_add(out, buf);
	if (out->len && out->s[out->len - 1] != '\n')
		sbuf_add(out, "\n");
	free(buf);
}

static void log_notify(void *arg, const char *text)
{
	(void)arg;
	brinkd_log("dataplane: %s", text);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* The configuration brinkd starts with is revision 0 too, unless it is the
 * newest one already (a restart without changes adds nothing). */
static void archive_boot(struct brinkd *d, const char *archive_dir)
{
	char dir[sizeof(d->archive.dir)];
	struct sbuf err = {0}, comment = {0};
	struct cfg_node *newest = NULL;

	if (archive_dir)
		snprintf(dir, sizeof(dir), "%s", archive_dir);
	else
		archive_default_dir(d->conf_path, dir, sizeof(dir));
	archive_open(&d->archive, dir);
	if (d->archive.n && !(newest = archive_tree(&d->archive, 0, &err)))
		brinkd_log("commit archive: %s", sbuf_str(&err));
	if (!cfg_equal(newest, d->running)) {
		sbuf_printf(&comment, "loaded %s", d->conf_path);
		sbuf_reset(&err);
		if (archive_add(&d->archive, d->running, "brinkd", "boot", sbuf_str(&comment), &err) < 0)
			brinkd_log("commit archive: %s; the revision is kept in memory only", sbuf_str(&err));
	}
	cfg_free(newest);
	sbuf_free(&err);
	sbuf_free(&comment);
}

int brinkd_init(struct brinkd *d, const char *conf_path, const char *dp_sock, const char *archive_dir,
		struct sbuf *errs)
{
	struct cfg_errors e = {0};

	static pthread_once_t modules_once = PTHREAD_ONCE_INIT;

	/* Before the first command: the modules' commands and interface types. */
	pthread_once(&modules_once, brink_modules_control_init);
	*d = (struct brinkd){.archive.lock_fd = -1, .clock_ms = now_ms};
	snprintf(d->conf_path, sizeof(d->conf_path), "%s", conf_path);
	dpc_init(&d->dp, dp_sock);
	d->dp.on_notify = log_notify;
	learned_init(&d->learned);
	d->running = cfg_load_file_model(conf_path, &d->model, &e);
	if (!d->running) {
		errors_to(errs, &e);
		return -1;
	}
	archive_boot(d, archive_dir);
	return 0;
}

static void confirm_clear(struct brinkd *d)
{
	cfg_free(d->confirm.restore);
	d->confirm = (struct brinkd_confirm){0};
}

void brinkd_fini(struct brinkd *d)
{
	dpc_close(&d->dp);
	sbuf_free(&d->dp_refused);
	if (d->running) {
		cfg_free(d->running);
		brink_model_free(&d->model);
	}
	d->running = NULL;
	confirm_clear(d);
	learned_fini(&d->learned);
	archive_close(&d->archive);
}

static int punt_sync(struct brinkd *d, char *err, size_t errlen)
{
	int rc;

	if (!d->model.punt_enabled) {
		d->punt_pending = false;
		return 0;
	}
	rc = punt_kernel_sync(&d->model, err, errlen);
	if (rc == 0) {
		if (d->punt_pending)
			brinkd_log("punt interface %s configured", d->model.punt_ifname);
		d->punt_pending = false;
	}
	return rc;
}

/* Makes the dataplane run m. Returns 0 (1: it ran m already), the
 * dataplane's refusal (< 0, connection kept, err says why) or a transport
 * error (dpc_lost() is true). Once synced the dataplane runs d->model, so a
 * commit sends only what m changes of it. */
static int push(struct brinkd *d, const struct brink_model *m, uint32_t flags, struct sbuf *refused, char *err,
		size_t errlen)
{
	int rc = dpc_push_state(&d->dp, d->synced ? &d->model : NULL, m, flags, refused, err, errlen);

	d->generation = d->dp.generation;
	return rc;
}

/* What the dataplane refused of the running configuration at a resync:
 * logged when it changes, shown by the CLI, pushed again every
 * BRINKD_RETRY_MS until nothing is refused. */
static void set_refused(struct brinkd *d, struct sbuf *refused)
{
	unsigned n = 0;

	for (const char *p = sbuf_str(refused); *p; p++)
		n += *p == '\n';
	if (strcmp(sbuf_str(refused), sbuf_str(&d->dp_refused)) != 0) {
		if (n)
			brinkd_log("the dataplane refused %u item%s of the running configuration (retrying every %d "
				   "s):\n%s",
				   n, n == 1 ? "" : "s", BRINKD_RETRY_MS / 1000, sbuf_str(refused));
		else if (d->n_dp_refused)
			brinkd_log("the dataplane now runs the whole running configuration");
	}
	sbuf_free(&d->dp_refused);
	d->dp_refused = *refused;
	*refused = (struct sbuf){0};
	d->n_dp_refused = n;
	d->retry_at_ms = now_ms() + BRINKD_RETRY_MS;
}

static void confirm_due(struct brinkd *d);

/* Each learned owner the dataplane is not in line with gets its paths, or
 * gives them when brinkd has none since it started. Returns false when the
 * connection was lost. */
static bool sync_learned(struct brinkd *d)
{
	char err[512], msg[600];

	for (uint8_t owner = 0; owner < DP_OWNER_MAX; owner++) {
		const char *name = learned_owner_name(owner);
		struct learned_owner *o = &d->learned.owners[owner];
		struct sbuf refused = {0};
		unsigned n_refused;
		size_t n_adopted;
		if (!name || o->synced)
			continue;
		int rc = learned_sync(&d->learned, &d->dp, owner, &refused, &n_refused, &n_adopted, err, sizeof(err));
		if (rc < 0) {
			snprintf(msg, sizeof(msg), "routes of %s: %s", name, err);
			log_once(d, msg);
		} else if (rc == LEARNED_ADOPTED) {
			brinkd_log("routes of %s: adopted the %zu path%s the dataplane holds (generation %llu)", name,
				   n_adopted, n_adopted == 1 ? "" : "s", (unsigned long long)o->generation);
		} else if (rc == LEARNED_REPLACED) {
			brinkd_log("routes of %s: %zu path%s pushed (generation %llu)%s%s", name, o->n_paths,
				   o->n_paths == 1 ? "" : "s", (unsigned long long)o->generation,
				   n_refused ? "; the dataplane refused:\n" : "", sbuf_str(&refused));
		}
		sbuf_free(&refused);
		if (dpc_lost(&d->dp, rc))
			return false;
	}
	return true;
}

void brinkd_tick(struct brinkd *d)
{
	char err[512], msg[600];
	int rc;

	confirm_due(d);
	archive_poll(&d->archive, false);
	if (!dpc_connected(&d->dp)) {
		d->synced = false;
		rc = dpc_connect(&d->dp, err, sizeof(err));
		if (rc == -EBUSY) {
			/* Another brinkd is in control: keep asking, never evict it. */
			char busy[sizeof(d->last_log)];
			snprintf(busy, sizeof(busy), "dataplane at %s is %.400s (retrying every second)", d->dp.path,
				 err);
			log_once(d, busy);
			return;
		}
		if (rc < 0) {
			snprintf(msg, sizeof(msg), "dataplane: %s (retrying every second)", err);
			log_once(d, msg);
			return;
		}
		brinkd_log("dataplane connected: %u ports, %u workers, configuration generation %016llx",
			   d->dp.hello.n_ports, d->dp.hello.n_workers, (unsigned long long)d->dp.generation);
		learned_connected(&d->learned);
	}
	if (!d->synced || (d->n_dp_refused && now_ms() >= d->retry_at_ms)) {
		/* Best effort: a refused item must not leave the router without
		 * the rest of its configuration. */
		struct sbuf refused = {0};
		bool first = !d->synced;
		rc = push(d, &d->model, DP_TXN_F_BEST_EFFORT, &refused, err, sizeof(err));
		if (dpc_lost(&d->dp, rc)) {
			sbuf_free(&refused);
			log_once(d, err);
			return;
		}
		d->synced = true;
		d->last_log[0] = '\0';
		if (rc < 0)
			sbuf_printf(&refused, "%s\n", err);
		set_refused(d, &refused);
		if (first && rc == 1)
			brinkd_log("the dataplane runs the running configuration already (generation %016llx)",
				   (unsigned long long)d->generation);
		else if (first)
			brinkd_log("running configuration pushed (generation %016llx)",
				   (unsigned long long)d->generation);
		d->punt_pending = d->model.punt_enabled;
	}
	/* After the configuration, so that the ports and subnets the paths use are there. */
	if (!sync_learned(d))
		return;
	if (d->punt_pending && punt_sync(d, err, sizeof(err)) < 0)
		log_once(d, err);
}

void brinkd_dp_readable(struct brinkd *d)
{
	char err[512];

	/* Between requests the dataplane only notifies; anything else closed the connection. */
	if (dpc_poll(&d->dp, err, sizeof(err)) == 0)
		return;
	brinkd_log("%s; reconnecting", err);
	d->synced = false;
}

/* Boot-time settings the dataplane reads only when it starts. */
static void boot_notices(const struct brink_model *a, const struct brink_model *b, struct sbuf *out)
{
	static const char *when = "takes effect when brink-dataplane restarts";

	if (a->main_cpu != b->main_cpu || a->n_workers != b->n_workers ||
	    memcmp(a->worker_cpus, b->worker_cpus, sizeof(a->worker_cpus)) != 0 ||
	    a->idle_sleep_us != b->idle_sleep_us || a->mbufs != b->mbufs || a->fib_size != b->fib_size ||
	    a->punt_enabled != b->punt_enabled || a->punt_type != b->punt_type ||
	    strcmp(a->punt_ifname, b->punt_ifname) != 0)
		sbuf_printf(out, "notice: system dataplane: the change %s\n", when);
	for (unsigned i = 0; i < b->n_ports; i++) {
		const struct brink_port *old = brink_model_port(a, b->ports[i].name);
		if (!old)
			sbuf_printf(out, "notice: interfaces dataplane %s: a new port %s\n", b->ports[i].name, when);
		else if (strcmp(old->device, b->ports[i].device) != 0)
			sbuf_printf(out, "notice: interfaces dataplane %s device: the change %s\n", b->ports[i].name,
				    when);
	}
	for (unsigned i = 0; i < a->n_ports; i++)
		if (!brink_model_port(b, a->ports[i].name))
			sbuf_printf(out, "notice: interfaces dataplane %s: removing a port %s\n", a->ports[i].name,
				    when);
}

/* "by USER via HOW "COMMENT"": the commit as the log names it. */
static void describe(struct sbuf *b, const struct brinkd_commit_info *info)
{
	sbuf_printf(b, "by %s via %s", info->user, info->via);
	if (info->comment && *info->comment) {
		sbuf_add(b, " ");
		sbuf_add_quoted(b, info->comment);
	}
}

/* The reason goes to the CLI and, with who asked, to the log. */
static int refuse(const struct brinkd_commit_info *info, int rc, struct sbuf *why, struct sbuf *out)
{
	struct sbuf who = {0};

	sbuf_printf(out, "commit failed: %s", sbuf_str(why));
	describe(&who, info);
	brinkd_log("commit %s refused: %s", sbuf_str(&who), sbuf_str(why));
	sbuf_free(&who);
	sbuf_free(why);
	return rc;
}

int brinkd_commit(struct brinkd *d, const struct cfg_node *candidate, const struct brinkd_commit_info *info,
		  struct sbuf *out)
{
	struct cfg_errors e = {0};
	struct brink_model m;
	struct cfg_node *adopted;
	struct sbuf why = {0}, what = {0};
	char err[512];
	bool pushed = false;

	if (brink_model_build(candidate, &m, &e) < 0) {
		/* The candidate is not the file: after a save or CLI edits its
		 * lines would point at the wrong place. Paths say where. */
		for (unsigned i = 0; i < e.count && i < sizeof(e.e) / sizeof(e.e[0]); i++) {
			e.e[i].file[0] = '\0';
			e.e[i].line = 0;
		}
		sbuf_add(&why, "the configuration is not valid:\n");
		errors_to(&why, &e);
		return refuse(info, -EINVAL, &why, out);
	}
	/* Running becomes the candidate itself, shared with its session, which
	 * copies it only when it edits again. */
	adopted = cfg_share(candidate);
	if (dpc_connected(&d->dp)) {
		int rc = push(d, &m, 0, NULL, err, sizeof(err));
		if (rc < 0 && !dpc_lost(&d->dp, rc)) {
			/* The dataplane went back to what it ran; so do we. */
			sbuf_printf(&why, "the dataplane refused the configuration: %s\n", err);
			brink_model_free(&m);
			cfg_free(adopted);
			return refuse(info, rc, &why, out);
		}
		if (rc < 0) {
			brinkd_log("%s", err);
			sbuf_printf(out, "warning: %s: the configuration will be pushed when it reconnects\n", err);
		}
		pushed = rc >= 0;
	} else {
		sbuf_add(out, "warning: dataplane not connected: the configuration will be pushed when it connects\n");
	}
	boot_notices(&d->model, &m, out);
	cfg_free(d->running);
	brink_model_free(&d->model);
	d->running = adopted;
	d->revision++;
	d->model = m;
	d->synced = pushed;
	describe(&what, info);
	if (pushed) {
		struct sbuf none = {0};
		set_refused(d, &none); /* a strict commit applied every item */
		brinkd_log("commit %s pushed (generation %016llx)", sbuf_str(&what), (unsigned long long)d->generation);
		d->punt_pending = m.punt_enabled;
		int rc = punt_sync(d, err, sizeof(err));
		if (rc == -EAGAIN)
			sbuf_printf(out, "notice: %s: it is configured once it appears\n", err);
		else if (rc < 0)
			sbuf_printf(out, "warning: punt interface: %s (retrying every second)\n", err);
	} else {
		brinkd_log("commit %s accepted; the dataplane gets it when it connects", sbuf_str(&what));
	}
	if (d->confirm.pending) {
		sbuf_printf(out, "notice: this commit confirms the commit-confirm by %s: there will be no rollback\n",
			    d->confirm.user);
		brinkd_log("commit-confirm by %s confirmed by the commit %s", d->confirm.user, sbuf_str(&what));
		confirm_clear(d);
	}
	if (archive_add(&d->archive, d->running, info->user, info->via, info->comment, &why) < 0) {
		sbuf_printf(out, "warning: commit archive: %s; the revision is kept in memory only\n", sbuf_str(&why));
		brinkd_log("commit archive: %s; the revision is kept in memory only", sbuf_str(&why));
	}
	sbuf_free(&why);
	sbuf_free(&what);
	return 0;
}

int brinkd_commit_confirm(struct brinkd *d, const struct cfg_node *candidate, unsigned minutes,
			  const struct brinkd_commit_info *info, struct sbuf *out)
{
	struct cfg_node *before;
	int rc;

	if (d->confirm.pending) {
		struct sbuf why = {0};
		sbuf_printf(
			&why,
			"the commit-confirm by %s still waits for 'confirm' (rollback in %lld s); 'confirm' it first, "
			"or use 'commit', which confirms it\n",
			d->confirm.user, brinkd_confirm_left_s(d));
		return refuse(info, -EBUSY, &why, out);
	}
	before = cfg_share(d->running);
	rc = brinkd_commit(d, candidate, info, out);
	if (rc < 0) {
		cfg_free(before);
		return rc;
	}
	d->confirm = (struct brinkd_confirm){.pending = true,
					     .deadline_ms = d->clock_ms() + minutes * 60000LL,
					     .minutes = minutes,
					     .restore = before};
	snprintf(d->confirm.user, sizeof(d->confirm.user), "%s", info->user);
	sbuf_printf(out,
		    "commit-confirm: unless 'confirm' follows within %u minute%s (from any session), brinkd rolls "
		    "back to the configuration before this commit\n",
		    minutes, minutes == 1 ? "" : "s");
	brinkd_log("commit-confirm by %s: rolled back in %u minute%s unless confirmed", info->user, minutes,
		   minutes == 1 ? "" : "s");
	return 0;
}

long long brinkd_confirm_left_s(const struct brinkd *d)
{
	long long ms = d->confirm.deadline_ms - d->clock_ms();

	return ms > 0 ? (ms + 999) / 1000 : 0;
}

void brinkd_confirm(struct brinkd *d, const char *user, struct sbuf *out)
{
	if (!d->confirm.pending) {
		sbuf_add(out, "nothing to confirm: no commit-confirm is waiting\n");
		return;
	}
	sbuf_printf(out, "confirmed: the commit-confirm by %s stays\n", d->confirm.user);
	brinkd_log("commit-confirm by %s confirmed by %s", d->confirm.user, user);
	confirm_clear(d);
}

/* The deadline passed without "confirm": the configuration before the
 * commit-confirm is committed again, like any commit (atomic, only what
 * differs reaches the dataplane). A refusal is tried again later. */
static void confirm_due(struct brinkd *d)
{
	struct brinkd_confirm c = d->confirm;
	char comment[ARCHIVE_COMMENT_MAX];
	struct sbuf out = {0};

	if (!c.pending || d->clock_ms() < c.deadline_ms)
		return;
	snprintf(comment, sizeof(comment), "commit-confirm by %s not confirmed within %u minute%s", c.user, c.minutes,
		 c.minutes == 1 ? "" : "s");
	struct brinkd_commit_info info = {.user = "brinkd", .via = "commit-confirm rollback", .comment = comment};
	d->confirm = (struct brinkd_confirm){0};
	if (brinkd_commit(d, c.restore, &info, &out) < 0) {
		c.deadline_ms = d->clock_ms() + BRINKD_RETRY_MS;
		d->confirm = c;
		brinkd_log("commit-confirm rollback failed; trying again in %d s", BRINKD_RETRY_MS / 1000);
	} else {
		cfg_free(c.restore);
		brinkd_log("%s: rolled back to the configuration before it%s%s", comment, out.len ? "\n" : "",
			   sbuf_str(&out));
	}
	sbuf_free(&out);
}

void brinkd_status_comment(const struct brinkd *d, struct sbuf *out)
{
	if (!dpc_connected(&d->dp)) {
		sbuf_add(out,
			 "# the dataplane is not connected: what it runs may differ (brinkd retries every second)\n");
	} else if (!d->synced) {
		sbuf_add(out, "# not yet pushed to the dataplane\n");
	} else if (d->n_dp_refused) {
		sbuf_printf(out, "# the dataplane refused %u item%s of this configuration (pushed again every %d s):\n",
			    d->n_dp_refused, d->n_dp_refused == 1 ? "" : "s", BRINKD_RETRY_MS / 1000);
		for (const char *p = sbuf_str(&d->dp_refused); *p;) {
			size_t n = strcspn(p, "\n");
			sbuf_printf(out, "#   %.*s\n", (int)n, p);
			p += n + (p[n] == '\n');
		}
	}
}
