/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Configuration mode: a session edits its own candidate, running at
 * "configure" (its base), below an edit level ("edit protocols static"),
 * and commits it as one transaction. "compare" shows what this session
 * changed; "update" carries those changes onto a running configuration that
 * another session has committed since. Every commit is kept in the commit
 * archive ("show system commit"), which "compare N", "rollback N" and
 * commit-confirm's automatic rollback read.
 *
 * Candidate and base share the running tree until the first edit copies it
 * (cfg_unshare): entering configuration mode, a commit (running becomes the
 * candidate itself), discard and rollback copy nothing, and a session that
 * only looks costs no memory.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/schema.h"
#include "control/cli.h"
#include "control/words.h"

/* ---- entering and leaving ---- */

static void set_base(struct cli_session *s)
{
	cfg_free(s->base);
	s->base = cfg_share(s->d->running);
	s->base_revision = s->d->revision;
}

static void set_edit(struct cli_session *s, int argc, const char *const *argv)
{
	for (int i = 0; i < s->edit_argc; i++)
		free(s->edit_argv[i]);
	s->edit_argc = 0;
	for (int i = 0; i < argc && i < CLI_EDIT_MAX; i++)
		if (!(s->edit_argv[s->edit_argc++] = strdup(argv[i])))
			abort();
}

static int op_configure(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	(void)argc, (void)argv, (void)r;
	s->candidate = cfg_share(s->d->running);
	set_base(s);
	set_edit(s, 0, NULL);
	s->mode = CLI_CONFIGURATION;
	return 0;
}

static int op_exit(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	(void)argc, (void)argv, (void)r;
	s->closed = true;
	return 0;
}

static void leave_config(struct cli_session *s)
{
	cfg_free(s->candidate);
	cfg_free(s->base);
	s->candidate = s->base = NULL;
	set_edit(s, 0, NULL);
	s->mode = CLI_OPERATIONAL;
}

static bool changed(const struct cli_session *s)
{
	return !cfg_equal(s->base, s->candidate);
}

static int cf_exit(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	(void)argc, (void)argv;
	if (changed(s)) {
		sbuf_add(r->out, "uncommitted changes: commit or discard first (or 'exit discard')\n");
		return -EBUSY;
	}
	leave_config(s);
	return 0;
}

static int cf_exit_discard(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	(void)argc, (void)argv, (void)r;
	leave_config(s);
	return 0;
}

/* ---- paths below the edit level ---- */

/* The edit level's words, then argv's: for set, delete, show and edit. */
struct path {
	int argc;
	char *argv[CLI_EDIT_MAX + WORDS_MAX];
};

static void full_path(const struct cli_session *s, int argc, char **argv, struct path *p)
{
	p->argc = 0;
	for (int i = 0; i < s->edit_argc; i++)
		p->argv[p->argc++] = s->edit_argv[i];
	for (int i = 0; i < argc; i++)
		p->argv[p->argc++] = argv[i];
}

/* set and delete: cmd names the command, apply is its cfg_set()/cfg_delete(). */
static int edit_tree(const char *cmd, int (*apply)(struct cfg_node *, int, const char *const *, struct cfg_error *),
		     struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	struct cfg_error e = {0};
	struct path p;

	if (!argc) {
		sbuf_printf(r->out, "%s: a path is missing (try '%s ?')\n", cmd, cmd);
		return -EINVAL;
	}
	full_path(s, argc, argv, &p);
	cfg_unshare(&s->candidate);
	if (apply(s->candidate, p.argc, (const char *const *)p.argv, &e) == 0)
		return 0;
	if (*e.path)
		sbuf_printf(r->out, "%s: %s: %s\n", cmd, e.path, e.msg);
	else
		sbuf_printf(r->out, "%s: %s\n", cmd, e.msg);
	return -EINVAL;
}

static int cf_set(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	return edit_tree("set", cfg_set, s, argc, argv, r);
}

static int cf_delete(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	return edit_tree("delete", cfg_delete, s, argc, argv, r);
}

static int cf_show(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	struct path p;

	full_path(s, argc, argv, &p);
	if (!p.argc) {
		cli_render_tree(s->candidate, r);
		return 0;
	}
	struct cfg_node *sub = cfg_subtree(s->candidate, p.argc, (const char *const *)p.argv);
	if (!sub) {
		struct sbuf path = {0};
		words_join(&path, p.argc, (const char *const *)p.argv);
		sbuf_printf(r->out, "show: nothing is configured under '%s'\n", sbuf_str(&path));
		sbuf_free(&path);
		return -ENOENT;
	}
	cli_render_tree(sub, r);
	cfg_free(sub);
	return 0;
}

/* "edit PATH": a container or a tag entry becomes the edit level, as in
 * VyOS; it need not be configured yet. */
static int cf_edit(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	struct path p;
	char err[256];

	if (!argc) {
		sbuf_add(r->out, "edit: a path is missing (try 'edit ?')\n");
		return -EINVAL;
	}
	char canonical[CLI_EDIT_MAX][CFG_VALUE_MAX];
	const char *words[CLI_EDIT_MAX];
	int n;
	full_path(s, argc, argv, &p);
	if (p.argc > CLI_EDIT_MAX ||
	    (n = cfg_edit_path(p.argc, (const char *const *)p.argv, canonical, err, sizeof(err))) < 0) {
		sbuf_printf(r->out, "edit: %s\n", p.argc > CLI_EDIT_MAX ? "too deep" : err);
		return -EINVAL;
	}
	for (int i = 0; i < n; i++)
		words[i] = canonical[i];
	set_edit(s, n, words);
	return 0;
}

static int cf_up(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	(void)argc, (void)argv;
	if (!s->edit_argc) {
		sbuf_add(r->out, "up: already at the top\n");
		return -EINVAL;
	}
	/* A tag entry ("route 10.0.0.0/8") is one level, its key included. */
	int n = s->edit_argc - cfg_last_level_words(s->edit_argc, (const char *const *)s->edit_argv);
	for (int i = n; i < s->edit_argc; i++)
		free(s->edit_argv[i]);
	s->edit_argc = n;
	return 0;
}

static int cf_top(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	(void)argc, (void)argv, (void)r;
	set_edit(s, 0, NULL);
	return 0;
}

/* ---- changes ---- */

static int cf_discard(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	(void)argc, (void)argv, (void)r;
	cfg_free(s->candidate);
	s->candidate = cfg_share(s->d->running);
	set_base(s);
	return 0;
}

/* This session's changes (base -> candidate) replayed onto running: the
 * candidate becomes running plus them. Lines that no longer apply (what they
 * delete is gone, what they set is refused) are reported and skipped. */
static int cf_update(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	struct cfg_node *fresh = cfg_clone(s->d->running);
	char *diff = cfg_compare(s->base, s->candidate), *save = NULL, err[256];
	unsigned applied = 0, skipped = 0;

	(void)argc, (void)argv;
	if (!fresh)
		abort();
	for (char *line = strtok_r(diff, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct words w;
		struct cfg_error e;
		if (words_split(line + 2, &w, err, sizeof(err)) < 0 || w.argc < 2)
			continue;
		const char *const *path = (const char *const *)w.argv + 1;
		int rc =
			line[0] == '-' ? cfg_delete(fresh, w.argc - 1, path, &e) : cfg_set(fresh, w.argc - 1, path, &e);
		if (rc == 0) {
			applied++;
		} else {
			skipped++;
			sbuf_printf(r->out, "not carried over: %s (%s)\n", line, e.msg);
		}
		words_free(&w);
	}
	free(diff);
	cfg_free(s->candidate);
	s->candidate = fresh;
	set_base(s);
	sbuf_printf(r->out, "updated to the running configuration: %u change%s carried over%s\n", applied,
		    applied == 1 ? "" : "s", skipped ? ", some not (above)" : "");
	return 0;
}

/* ---- commits and the commit archive ---- */

static const char *who(const struct cli_session *s)
{
	return *s->user ? s->user : "unknown";
}

/* "rollback 7": the command as typed, for messages. */
static void command_text(struct sbuf *b, const char *cmd, int argc, char **argv)
{
	sbuf_add(b, cmd);
	for (int i = 0; i < argc; i++) {
		sbuf_add(b, " ");
		sbuf_add_word(b, argv[i]);
	}
}

static void which_exist(struct sbuf *b, const struct archive *a)
{
	if (a->n == 1)
		sbuf_add(b, "only revision 0 exists");
	else
		sbuf_printf(b, "only revisions 0-%u exist", a->n - 1);
}

/* text as a revision of the archive; false with the reason in r->out. */
static bool revision_number(const struct cli_session *s, const char *what, const char *text, unsigned *n,
			    struct cli_reply *r)
{
	const struct archive *a = &s->d->archive;
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(text, &end, 10);
	if (*text < '0' || *text > '9' || *end || errno) {
		sbuf_printf(r->out, "%s: '%s' is not a revision number (", what, text);
		which_exist(r->out, a);
		sbuf_add(r->out, "; 'show system commit' lists them)\n");
		return false;
	}
	if (v >= a->n) {
		sbuf_printf(r->out, "%s: no revision %lu (", what, v);
		which_exist(r->out, a);
		sbuf_add(r->out, ")\n");
		return false;
	}
	*n = (unsigned)v;
	return true;
}

static void rev_when(const struct archive_rev *rev, char *buf, size_t len)
{
	time_t t = (time_t)rev->time;
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
}

/* "2024-05-01 12:00:00 by root via cli": a revision in one line. */
static void rev_line(struct sbuf *b, const struct archive_rev *rev)
{
	char when[32];

	rev_when(rev, when, sizeof(when));
	sbuf_printf(b, "%s by %s via %s", when, rev->user, rev->via);
}

static void offer_revisions(struct cli_session *s, void (*add)(void *ctx, const char *word, const char *help),
			    void *ctx)
{
	for (unsigned i = 0; i < s->d->archive.n; i++) {
		struct sbuf help = {0};
		char word[16];
		snprintf(word, sizeof(word), "%u", i);
		rev_line(&help, &s->d->archive.rev[i]);
		add(ctx, word, sbuf_str(&help));
		sbuf_free(&help);
	}
}

/* A comment fits the archive and its JSON. */
static bool comment_ok(const char *what, const char *comment, struct cli_reply *r)
{
	json_t *j;

	if (!comment)
		return true;
	if (strlen(comment) >= ARCHIVE_COMMENT_MAX) {
		sbuf_printf(r->out, "%s: the comment is %zu bytes long; at most %d fit\n", what, strlen(comment),
			    ARCHIVE_COMMENT_MAX - 1);
		return false;
	}
	if (!(j = json_string(comment))) {
		sbuf_printf(r->out, "%s: the comment is not valid UTF-8\n", what);
		return false;
	}
	json_decref(j);
	return true;
}

/* commit and commit-confirm (minutes > 0): the candidate, when it changes
 * running and starts from the latest running configuration. */
static int commit_candidate(struct cli_session *s, const char *cmd, long minutes, const char *comment,
			    struct cli_reply *r)
{
	struct brinkd_commit_info info = {.user = who(s),
					  .via = minutes ? "commit-confirm" : "cli",
					  .comment = comment};
	int rc;

	if (cfg_equal(s->d->running, s->candidate)) {
		sbuf_printf(r->out, "no changes to commit%s\n", minutes ? " (nothing to confirm, no rollback)" : "");
		return 0;
	}
	/* Committing a candidate cloned before another session's commit would undo that commit. */
	if (s->base_revision != s->d->revision) {
		sbuf_printf(r->out,
			    "%s failed: another session committed since this one started editing; "
			    "'update' carries your changes onto it ('compare' shows them), 'discard' drops them\n",
			    cmd);
		brinkd_log("%s by %s refused: another session committed since this one started editing", cmd, who(s));
		return -EAGAIN;
	}
	if (minutes)
		rc = brinkd_commit_confirm(s->d, s->candidate, (unsigned)minutes, &info, r->out);
	else
		rc = brinkd_commit(s->d, s->candidate, &info, r->out);
	if (rc == 0)
		set_base(s);
	return rc;
}

static const struct cli_param commit_params[] = {
	{.word = "comment", .value = "<text>", .help = "Why: kept with the revision ('show system commit' shows it)"},
	{0},
};

static const struct cli_param commit_confirm_params[] = {
	{.value = "<1-60>",
	 .help = "Minutes until brinkd rolls back unless 'confirm' follows (default 10)",
	 .optional = true},
	{.word = "comment", .value = "<text>", .help = "Why: kept with the revision ('show system commit' shows it)"},
	{0},
};

static int cf_commit(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	struct cli_values v;

	if (cli_parse("commit", commit_params, argc, argv, &v, r) < 0 || !comment_ok("commit", v.value[0], r))
		return -EINVAL;
	return commit_candidate(s, "commit", 0, v.value[0], r);
}

static int cf_commit_confirm(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	struct cli_values v;
	long minutes = 10;

	if (cli_parse("commit-confirm", commit_confirm_params, argc, argv, &v, r) < 0 ||
	    (v.value[0] && !cli_number("commit-confirm", v.value[0], 1, 60, &minutes, r)) ||
	    !comment_ok("commit-confirm", v.value[1], r))
		return -EINVAL;
	return commit_candidate(s, "commit-confirm", minutes, v.value[1], r);
}

static int cf_confirm(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	(void)argc, (void)argv;
	brinkd_confirm(s->d, who(s), r->out);
	return 0;
}

static const struct cli_param revision_param[] = {
	{.value = "<n>",
	 .help = "A revision: 0 is the running configuration, 1 the one before...",
	 .offer = offer_revisions},
	{0},
};

/* Revision n becomes the candidate and is committed at once: one atomic
 * commit, archived as a revision of its own. */
static int cf_rollback(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	struct sbuf what = {0};
	struct cli_values v;
	struct cfg_node *t;
	char comment[64];
	unsigned n;
	int rc;

	command_text(&what, "rollback", argc, argv);
	if (cli_parse("rollback", revision_param, argc, argv, &v, r) < 0 ||
	    !revision_number(s, sbuf_str(&what), v.value[0], &n, r)) {
		sbuf_free(&what);
		return -EINVAL;
	}
	if (changed(s)) {
		sbuf_printf(r->out,
			    "%s: this session has uncommitted changes ('compare' shows them); commit or "
			    "discard them first\n",
			    sbuf_str(&what));
		brinkd_log("%s by %s refused: the session has uncommitted changes", sbuf_str(&what), who(s));
		sbuf_free(&what);
		return -EBUSY;
	}
	if (!(t = archive_tree(&s->d->archive, n, r->out))) {
		sbuf_free(&what);
		return -EIO;
	}
	rc = 0;
	if (cfg_equal(t, s->d->running)) {
		sbuf_printf(r->out, "%s: revision %u is the running configuration already; nothing to commit\n",
			    sbuf_str(&what), n);
	} else {
		snprintf(comment, sizeof(comment), "rollback to revision %u", n);
		struct brinkd_commit_info info = {.user = who(s), .via = "rollback", .comment = comment};
		rc = brinkd_commit(s->d, t, &info, r->out);
		if (rc == 0)
			sbuf_printf(r->out, "%s: committed revision %u again; it is revision 0 now\n", sbuf_str(&what),
				    n);
	}
	if (rc == 0) {
		cfg_free(s->candidate);
		s->candidate = cfg_share(s->d->running);
		set_base(s);
	}
	cfg_free(t);
	sbuf_free(&what);
	return rc;
}

static void changes_reply(const char *diff, const char *same, struct cli_reply *r)
{
	if (r->json)
		r->result = json_pack("{s:o}", "changes", cli_lines_json(diff));
	else
		sbuf_add(r->out, *diff ? diff : same);
}

static const struct cli_param compare_params[] = {
	{.value = "<n>",
	 .help = "Compare the candidate with revision N ('show system commit' lists them)",
	 .offer = offer_revisions,
	 .optional = true},
	{.value = "<m>",
	 .help = "Compare revision N with revision M instead: + what N has that M lacks, - the reverse",
	 .offer = offer_revisions,
	 .optional = true},
	{0},
};

/* "compare": this session's changes; "compare N": revision N -> the
 * candidate; "compare N M": revision M -> revision N (as VyOS). */
static int cf_compare(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	struct sbuf what = {0}, same = {0};
	struct cfg_node *from = NULL, *to = NULL;
	struct cli_values v;
	unsigned n, m;
	char *diff;
	int rc = -EINVAL;

	if (cli_parse("compare", compare_params, argc, argv, &v, r) < 0)
		return -EINVAL;
	if (!v.value[0]) {
		diff = cfg_compare(s->base, s->candidate);
		changes_reply(diff, "no changes\n", r);
		free(diff);
		return 0;
	}
	command_text(&what, "compare", argc, argv);
	if (!revision_number(s, sbuf_str(&what), v.value[0], &n, r) ||
	    (v.value[1] && !revision_number(s, sbuf_str(&what), v.value[1], &m, r)))
		goto out;
	rc = -EIO;
	if (!(from = archive_tree(&s->d->archive, v.value[1] ? m : n, r->out)))
		goto out;
	if (v.value[1] && !(to = archive_tree(&s->d->archive, n, r->out)))
		goto out;
	diff = cfg_compare(from, to ? to : s->candidate);
	if (v.value[1])
		sbuf_printf(&same, "no differences between revisions %u and %u\n", n, m);
	else
		sbuf_printf(&same, "no differences between revision %u and the candidate\n", n);
	changes_reply(diff, sbuf_str(&same), r);
	free(diff);
	rc = 0;
out:
	cfg_free(from);
	cfg_free(to);
	sbuf_free(&what);
	sbuf_free(&same);
	return rc;
}

/* ---- show system commit ---- */

static json_t *rev_json(const struct brinkd *d, unsigned n)
{
	const struct archive_rev *rev = &d->archive.rev[n];
	char when[32];
	json_t *confirm = json_null();

	rev_when(rev, when, sizeof(when));
	/* only the newest commit can be waiting: any later one confirms it */
	if (n == 0 && d->confirm.pending)
		confirm = json_pack("{s:s, s:i, s:I}", "user", d->confirm.user, "minutes", (int)d->confirm.minutes,
				    "rollback_in_s", (json_int_t)brinkd_confirm_left_s(d));
	return json_pack("{s:i, s:I, s:s, s:I, s:s, s:s, s:s, s:o}", "revision", (int)n, "id", (json_int_t)rev->id,
			 "time", when, "time_s", (json_int_t)rev->time, "user", rev->user, "via", rev->via, "comment",
			 rev->comment, "confirm_pending", confirm);
}

static void rev_text(struct sbuf *b, unsigned n, const struct archive_rev *rev)
{
	sbuf_printf(b, "%-3u ", n);
	rev_line(b, rev);
	if (*rev->comment) {
		sbuf_add(b, "  ");
		sbuf_add_quoted(b, rev->comment);
	}
	sbuf_add(b, "\n");
}

static int show_commit_list(struct cli_session *s, struct cli_reply *r)
{
	const struct brinkd *d = s->d;

	if (r->json) {
		r->result = json_array();
		for (unsigned i = 0; i < d->archive.n; i++)
			json_array_append_new(r->result, rev_json(d, i));
		return 0;
	}
	if (d->confirm.pending)
		sbuf_printf(r->out,
			    "commit-confirm by %s pending: unless 'confirm' follows within %lld s, brinkd rolls back "
			    "revision 0 to revision 1\n",
			    d->confirm.user, brinkd_confirm_left_s(d));
	for (unsigned i = 0; i < d->archive.n; i++)
		rev_text(r->out, i, &d->archive.rev[i]);
	return 0;
}

/* One revision: its line as a comment, then its configuration (a file that
 * 'load' accepts as it is). */
static int show_commit_one(struct cli_session *s, const char *what, const char *text, struct cli_reply *r)
{
	struct cfg_node *t;
	unsigned n;

	if (!revision_number(s, what, text, &n, r))
		return -EINVAL;
	if (!(t = archive_tree(&s->d->archive, n, r->out)))
		return -EIO;
	if (r->json) {
		r->result = rev_json(s->d, n);
		json_object_set_new(r->result, "configuration", cfg_to_json(t));
	} else {
		const struct archive_rev *rev = &s->d->archive.rev[n];
		sbuf_printf(r->out, "# revision %u: ", n);
		rev_line(r->out, rev);
		if (*rev->comment) {
			sbuf_add(r->out, " ");
			sbuf_add_quoted(r->out, rev->comment);
		}
		sbuf_add(r->out, "\n");
		cli_render_tree(t, r);
	}
	cfg_free(t);
	return 0;
}

static const struct cli_param show_commit_params[] = {
	{.value = "<n>", .help = "One revision's configuration", .offer = offer_revisions, .optional = true},
	{0},
};

static int show_commit(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	struct cli_values v;
	struct sbuf what = {0};
	int rc;

	if (cli_parse("show system commit", show_commit_params, argc, argv, &v, r) < 0)
		return -EINVAL;
	if (!v.value[0])
		return show_commit_list(s, r);
	command_text(&what, "show system commit", argc, argv);
	rc = show_commit_one(s, sbuf_str(&what), v.value[0], r);
	sbuf_free(&what);
	return rc;
}

static int show_commit_file(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	struct cli_values v;
	struct sbuf what = {0};
	int rc;

	if (cli_parse("show system commit file", revision_param, argc, argv, &v, r) < 0)
		return -EINVAL;
	command_text(&what, "show system commit file", argc, argv);
	rc = show_commit_one(s, sbuf_str(&what), v.value[0], r);
	sbuf_free(&what);
	return rc;
}

/* What commit N changed: revision N+1 -> N. */
static int show_commit_diff(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	struct sbuf what = {0};
	struct cfg_node *before = NULL, *after = NULL;
	struct cli_values v;
	unsigned n;
	char *diff;
	int rc = -EINVAL;

	if (cli_parse("show system commit diff", revision_param, argc, argv, &v, r) < 0)
		return -EINVAL;
	command_text(&what, "show system commit diff", argc, argv);
	if (!revision_number(s, sbuf_str(&what), v.value[0], &n, r))
		goto out;
	if (n + 1 == s->d->archive.n) {
		sbuf_printf(r->out, "%s: revision %u is the oldest kept; there is none before it to compare with\n",
			    sbuf_str(&what), n);
		goto out;
	}
	rc = -EIO;
	if (!(before = archive_tree(&s->d->archive, n + 1, r->out)) ||
	    !(after = archive_tree(&s->d->archive, n, r->out)))
		goto out;
	diff = cfg_compare(before, after);
	changes_reply(diff, "no changes\n", r);
	free(diff);
	rc = 0;
out:
	cfg_free(before);
	cfg_free(after);
	sbuf_free(&what);
	return rc;
}

static int cf_save(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	const char *path = argc ? argv[0] : s->d->conf_path;
	int rc;

	if (argc > 1) {
		sbuf_printf(r->out, "save: unexpected '%s' (save takes one file name at most)\n", argv[1]);
		return -EINVAL;
	}
	rc = cfg_save_file(s->d->running, path);
	if (rc < 0) {
		sbuf_printf(r->out, "save: %s: %s\n", path, strerror(-rc));
		return rc;
	}
	if (!cfg_equal(s->d->running, s->candidate))
		sbuf_add(r->out,
			 "warning: uncommitted changes are not saved (save writes the running configuration)\n");
	sbuf_printf(r->out, "saved to %s\n", path);
	return 0;
}

/* load: the candidate becomes the file; merge: the file's settings are set
 * on top of the candidate. Either way nothing is committed yet. */
static int load_or_merge(const char *cmd, bool merge, struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	const char *path = argc ? argv[0] : s->d->conf_path;
	struct cfg_errors e;
	struct cfg_node *t;

	if (argc > 1) {
		sbuf_printf(r->out, "%s: unexpected '%s' (one file name at most)\n", cmd, argv[1]);
		return -EINVAL;
	}
	if (!(t = cfg_load_file(path, &e))) {
		char *buf = malloc(16384);
		if (!buf)
			abort();
		cfg_errors_format(&e, buf, 16384);
		sbuf_printf(r->out, "%s: %s is not valid, the candidate is unchanged:\n%s", cmd, path, buf);
		free(buf);
		return -EINVAL;
	}
	if (merge) {
		char *cmds = cfg_to_commands(t), *save = NULL, err[128];
		cfg_unshare(&s->candidate);
		for (char *line = strtok_r(cmds, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			struct words w;
			struct cfg_error ce;
			if (words_split(line, &w, err, sizeof(err)) == 0 && w.argc > 1 &&
			    cfg_set(s->candidate, w.argc - 1, (const char *const *)w.argv + 1, &ce) < 0)
				sbuf_printf(r->out, "not merged: %s (%s)\n", line, ce.msg);
			words_free(&w);
		}
		free(cmds);
		cfg_free(t);
	} else {
		cfg_free(s->candidate);
		s->candidate = t;
	}
	char *diff = cfg_compare(s->d->running, s->candidate);
	unsigned n = 0;
	for (const char *p = diff; *p; p++)
		n += *p == '\n';
	free(diff);
	sbuf_printf(r->out,
		    "%s %s: %u line%s differ from the running configuration ('compare' shows them, 'commit' applies)\n",
		    merge ? "merged" : "loaded", path, n, n == 1 ? "" : "s");
	return 0;
}

static int cf_load(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	return load_or_merge("load", false, s, argc, argv, r);
}

static int cf_merge(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	return load_or_merge("merge", true, s, argc, argv, r);
}

static int cf_run(struct cli_session *s, int argc, char **argv, struct cli_reply *r);

static const struct cli_param file_param[] = {
	{.value = "<file>", .help = "A brink.conf file (default: the file brinkd loaded)", .optional = true},
	{0},
};

static const struct cli_cmd config_cmds[] = {
	{.path = "configure", .help = "Enter configuration mode", .modes = CLI_OPER, .fn = op_configure},
	{.path = "exit", .help = "End the session", .modes = CLI_OPER, .fn = op_exit},
	{.path = "quit", .help = "End the session", .modes = CLI_OPER, .fn = op_exit},
	{.path = "set",
	 .help = "Set a value, creating what is missing on the way",
	 .modes = CLI_CONF,
	 .fn = cf_set,
	 .args = CLI_ARGS_PATH},
	{.path = "delete",
	 .help = "Delete a subtree or one value",
	 .modes = CLI_CONF,
	 .fn = cf_delete,
	 .args = CLI_ARGS_PATH},
	{.path = "show",
	 .help = "Show the candidate configuration, or the part under a path",
	 .modes = CLI_CONF,
	 .fn = cf_show,
	 .args = CLI_ARGS_PATH},
	{.path = "edit",
	 .help = "Make a part of the configuration the edit level",
	 .modes = CLI_CONF,
	 .fn = cf_edit,
	 .args = CLI_ARGS_PATH},
	{.path = "up", .help = "Go one edit level up", .modes = CLI_CONF, .fn = cf_up},
	{.path = "top", .help = "Go to the top edit level", .modes = CLI_CONF, .fn = cf_top},
	{.path = "compare",
	 .help = "What this session changed, or how two revisions differ",
	 .modes = CLI_CONF,
	 .fn = cf_compare,
	 .args = CLI_ARGS_PARAMS,
	 .params = compare_params},
	{.path = "commit",
	 .help = "Validate the candidate and apply it (all or nothing)",
	 .modes = CLI_CONF,
	 .fn = cf_commit,
	 .args = CLI_ARGS_PARAMS,
	 .params = commit_params},
	{.path = "commit-confirm",
	 .help = "Commit, rolled back automatically unless 'confirm' follows",
	 .modes = CLI_CONF,
	 .fn = cf_commit_confirm,
	 .args = CLI_ARGS_PARAMS,
	 .params = commit_confirm_params},
	{.path = "confirm",
	 .help = "Keep the configuration of a pending commit-confirm",
	 .modes = CLI_CONF,
	 .fn = cf_confirm},
	{.path = "rollback",
	 .help = "Commit an earlier revision again (one atomic commit)",
	 .modes = CLI_CONF,
	 .fn = cf_rollback,
	 .args = CLI_ARGS_PARAMS,
	 .params = revision_param},
	{.path = "discard", .help = "Drop the uncommitted changes", .modes = CLI_CONF, .fn = cf_discard},
	{.path = "update",
	 .help = "Carry this session's changes onto the latest running configuration",
	 .modes = CLI_CONF,
	 .fn = cf_update},
	{.path = "load",
	 .help = "Replace the candidate with a file",
	 .modes = CLI_CONF,
	 .fn = cf_load,
	 .args = CLI_ARGS_PARAMS,
	 .params = file_param},
	{.path = "merge",
	 .help = "Add a file's settings to the candidate",
	 .modes = CLI_CONF,
	 .fn = cf_merge,
	 .args = CLI_ARGS_PARAMS,
	 .params = file_param},
	{.path = "save",
	 .help = "Write the running configuration to brinkd's file, or to the one given",
	 .modes = CLI_CONF,
	 .fn = cf_save,
	 .args = CLI_ARGS_PARAMS,
	 .params = file_param},
	{.path = "run", .help = "Run an operational command", .modes = CLI_CONF, .fn = cf_run, .args = CLI_ARGS_OPER},
	{.path = "exit", .help = "Leave configuration mode", .modes = CLI_CONF, .fn = cf_exit},
	{.path = "exit discard",
	 .help = "Leave configuration mode, dropping uncommitted changes",
	 .modes = CLI_CONF,
	 .fn = cf_exit_discard},
	{.path = "quit", .help = "Leave configuration mode", .modes = CLI_CONF, .fn = cf_exit},
	{.path = "quit discard",
	 .help = "Leave configuration mode, dropping uncommitted changes",
	 .modes = CLI_CONF,
	 .fn = cf_exit_discard},
};
CLI_REGISTER(config_cmds)

static const struct cli_cmd archive_cmds[] = {
	{.path = "show system", .help = "The system: its commit archive", .modes = CLI_OPER},
	{.path = "show system commit",
	 .help = "The commit archive: revisions, or one revision's configuration",
	 .modes = CLI_OPER,
	 .fn = show_commit,
	 .args = CLI_ARGS_PARAMS,
	 .params = show_commit_params},
	{.path = "show system commit file",
	 .help = "One revision's configuration",
	 .modes = CLI_OPER,
	 .fn = show_commit_file,
	 .args = CLI_ARGS_PARAMS,
	 .params = revision_param},
	{.path = "show system commit diff",
	 .help = "What a commit changed: revision N against N+1",
	 .modes = CLI_OPER,
	 .fn = show_commit_diff,
	 .args = CLI_ARGS_PARAMS,
	 .params = revision_param},
};
CLI_REGISTER(archive_cmds)

static int cf_run(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	if (!argc) {
		sbuf_add(r->out, "run: an operational command is missing (try 'run ?')\n");
		return -EINVAL;
	}
	/* Mode changes belong to the configuration mode's own commands. */
	if (!strcmp(argv[0], "configure") || !strcmp(argv[0], "exit") || !strcmp(argv[0], "quit")) {
		sbuf_printf(r->out, "run: '%s' is not available in configuration mode\n", argv[0]);
		return -EINVAL;
	}
	return cli_dispatch(s, CLI_OPERATIONAL, argc, argv, r);
}
