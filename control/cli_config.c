/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Configuration mode: a session edits its own candidate, cloned from running
 * at "configure" (its base), below an edit level ("edit protocols static"),
 * and commits it as one transaction. "compare" shows what this session
 * changed; "update" carries those changes onto a running configuration that
 * another session has committed since.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config/schema.h"
#include "control/cli.h"
#include "control/words.h"

/* ---- entering and leaving ---- */

static void set_base(struct cli_session *s)
{
	cfg_free(s->base);
	s->base = cfg_clone(s->d->running);
	if (!s->base)
		abort();
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
	s->candidate = cfg_clone(s->d->running);
	if (!s->candidate)
		abort();
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
	struct cfg_node *sub = cli_subtree(s->candidate, p.argc, p.argv);
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
	char *keep[CLI_EDIT_MAX];
	for (int i = 0; i < n; i++)
		keep[i] = s->edit_argv[i];
	for (int i = n; i < s->edit_argc; i++)
		free(s->edit_argv[i]);
	s->edit_argc = n;
	memcpy(s->edit_argv, keep, sizeof(*keep) * (size_t)n);
	return 0;
}

static int cf_top(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	(void)argc, (void)argv, (void)r;
	set_edit(s, 0, NULL);
	return 0;
}

/* ---- changes ---- */

static int cf_compare(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	char *diff = cfg_compare(s->base, s->candidate);

	(void)argc, (void)argv;
	if (r->json)
		r->result = json_pack("{s:o}", "changes", cli_lines_json(diff));
	else
		sbuf_add(r->out, *diff ? diff : "no changes\n");
	free(diff);
	return 0;
}

static int cf_discard(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	(void)argc, (void)argv, (void)r;
	cfg_free(s->candidate);
	s->candidate = cfg_clone(s->d->running);
	if (!s->candidate)
		abort();
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
		int rc = line[0] == '-' ? cfg_delete(fresh, w.argc - 1, path, &e) : cfg_set(fresh, w.argc - 1, path, &e);
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

static int cf_commit(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	(void)argc, (void)argv;
	if (cfg_equal(s->d->running, s->candidate)) {
		sbuf_add(r->out, "no changes to commit\n");
		return 0;
	}
	/* Committing a candidate cloned before another session's commit would undo that commit. */
	if (s->base_revision != s->d->revision) {
		sbuf_add(r->out, "commit failed: another session committed since this one started editing; "
				 "'update' carries your changes onto it ('compare' shows them), 'discard' drops them\n");
		return -EAGAIN;
	}
	int rc = brinkd_commit(s->d, s->candidate, r->out);
	if (rc == 0)
		set_base(s);
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
		sbuf_add(r->out, "warning: uncommitted changes are not saved (save writes the running configuration)\n");
	sbuf_printf(r->out, "saved to %s\n", path);
	return 0;
}

/* load: the candidate becomes the file; merge: the file's settings are set
 * on top of the candidate. Either way nothing is committed yet. */
static int load_or_merge(const char *cmd, bool merge, struct cli_session *s, int argc, char **argv,
			 struct cli_reply *r)
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
	sbuf_printf(r->out, "%s %s: %u line%s differ from the running configuration ('compare' shows them, 'commit' applies)\n",
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
	{.path = "set", .help = "Set a value, creating what is missing on the way", .modes = CLI_CONF, .fn = cf_set,
	 .args = CLI_ARGS_PATH},
	{.path = "delete", .help = "Delete a subtree or one value", .modes = CLI_CONF, .fn = cf_delete,
	 .args = CLI_ARGS_PATH},
	{.path = "show", .help = "Show the candidate configuration, or the part under a path", .modes = CLI_CONF,
	 .fn = cf_show, .args = CLI_ARGS_PATH},
	{.path = "edit", .help = "Make a part of the configuration the edit level", .modes = CLI_CONF, .fn = cf_edit,
	 .args = CLI_ARGS_PATH},
	{.path = "up", .help = "Go one edit level up", .modes = CLI_CONF, .fn = cf_up},
	{.path = "top", .help = "Go to the top edit level", .modes = CLI_CONF, .fn = cf_top},
	{.path = "compare", .help = "What this session changed", .modes = CLI_CONF, .fn = cf_compare},
	{.path = "commit", .help = "Validate the candidate and apply it (all or nothing)", .modes = CLI_CONF,
	 .fn = cf_commit},
	{.path = "discard", .help = "Drop the uncommitted changes", .modes = CLI_CONF, .fn = cf_discard},
	{.path = "update", .help = "Carry this session's changes onto the latest running configuration",
	 .modes = CLI_CONF, .fn = cf_update},
	{.path = "load", .help = "Replace the candidate with a file", .modes = CLI_CONF, .fn = cf_load,
	 .args = CLI_ARGS_PARAMS, .params = file_param},
	{.path = "merge", .help = "Add a file's settings to the candidate", .modes = CLI_CONF, .fn = cf_merge,
	 .args = CLI_ARGS_PARAMS, .params = file_param},
	{.path = "save", .help = "Write the running configuration to brinkd's file, or to the one given",
	 .modes = CLI_CONF, .fn = cf_save, .args = CLI_ARGS_PARAMS, .params = file_param},
	{.path = "run", .help = "Run an operational command", .modes = CLI_CONF, .fn = cf_run, .args = CLI_ARGS_OPER},
	{.path = "exit", .help = "Leave configuration mode", .modes = CLI_CONF, .fn = cf_exit},
	{.path = "exit discard", .help = "Leave configuration mode, dropping uncommitted changes", .modes = CLI_CONF,
	 .fn = cf_exit_discard},
	{.path = "quit", .help = "Leave configuration mode", .modes = CLI_CONF, .fn = cf_exit},
	{.path = "quit discard", .help = "Leave configuration mode, dropping uncommitted changes", .modes = CLI_CONF,
	 .fn = cf_exit_discard},
};
CLI_REGISTER(config_cmds)

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
