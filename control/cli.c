/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Command tables of both modes, dispatch, help and completion. */
#include "control/cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "control/words.h"

typedef int (*cli_fn)(struct cli_session *s, int argc, char **argv, struct cli_reply *r);

/* What may follow a command's own words. */
enum cli_args {
	ARGS_NONE,
	ARGS_PATH, /* a configuration path, completed from the schema */
	ARGS_OPER, /* an operational command */
	ARGS_FILE, /* an optional file name */
};

struct cli_cmd {
	const char *name;
	const char *help;
	cli_fn fn;                 /* NULL: a word that needs a subcommand */
	enum cli_args args;
	const struct cli_cmd *sub; /* ends with an entry whose name is NULL */
};

#define COMPLETE_MAX 128

/* ---- operational mode ---- */

static int op_show_interfaces(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	(void)argc, (void)argv;
	return show_interfaces(s->d, r);
}

static int op_show_routes(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	(void)argc, (void)argv;
	return show_routes(s->d, r);
}

static int op_show_arp(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	(void)argc, (void)argv;
	return show_arp(s->d, r);
}

static int op_show_stats(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	(void)argc, (void)argv;
	return show_stats(s->d, false, r);
}

static int op_show_stats_all(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	(void)argc, (void)argv;
	return show_stats(s->d, true, r);
}

static int op_clear_stats(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	(void)argc, (void)argv;
	return clear_stats(s->d, r);
}

static void render_tree(const struct cfg_node *t, struct cli_reply *r)
{
	if (r->json) {
		r->result = cfg_to_json(t);
		return;
	}
	char *text = cfg_render(t);
	sbuf_add(r->out, text);
	free(text);
}

static int op_show_config(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	(void)argc, (void)argv;
	render_tree(s->d->running, r);
	return 0;
}

/* One JSON string per line of text. */
static json_t *lines_json(const char *text)
{
	json_t *a = json_array();

	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		json_array_append_new(a, json_stringn(p, n));
		p += n + (nl != NULL);
	}
	return a;
}

static int op_show_config_commands(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	char *text = cfg_to_commands(s->d->running);

	(void)argc, (void)argv;
	if (r->json)
		r->result = json_pack("{s:o}", "commands", lines_json(text));
	else
		sbuf_add(r->out, text);
	free(text);
	return 0;
}

static int op_configure(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	(void)argc, (void)argv;
	s->candidate = cfg_clone(s->d->running);
	if (!s->candidate) {
		sbuf_add(r->out, "configure: out of memory\n");
		return -ENOMEM;
	}
	s->base_revision = s->d->revision;
	s->mode = CLI_CONFIGURATION;
	return 0;
}

static int op_exit(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	(void)argc, (void)argv, (void)r;
	s->closed = true;
	return 0;
}

static int cmd_help(struct cli_session *s, int argc, char **argv, struct cli_reply *r);

static const struct cli_cmd show_ip_cmds[] = {
	{.name = "route", .help = "IPv4 routing table of the dataplane", .fn = op_show_routes},
	{0},
};
static const struct cli_cmd show_stats_cmds[] = {
	{.name = "all", .help = "Include the counters that are zero", .fn = op_show_stats_all},
	{0},
};
static const struct cli_cmd show_dataplane_cmds[] = {
	{.name = "statistics", .help = "Dataplane counters that are not zero, drops by reason", .fn = op_show_stats, .sub = show_stats_cmds},
	{0},
};
static const struct cli_cmd show_config_cmds[] = {
	{.name = "commands", .help = "The running configuration as set commands", .fn = op_show_config_commands},
	{0},
};
static const struct cli_cmd show_cmds[] = {
	{.name = "interfaces", .help = "Dataplane ports: device, state, addresses, counters", .fn = op_show_interfaces},
	{.name = "ip", .help = "IPv4 state", .sub = show_ip_cmds},
	{.name = "arp", .help = "Neighbour (ARP) table of the dataplane", .fn = op_show_arp},
	{.name = "dataplane", .help = "Dataplane state", .sub = show_dataplane_cmds},
	{.name = "configuration", .help = "The running configuration (brink.conf)", .fn = op_show_config, .sub = show_config_cmds},
	{0},
};
static const struct cli_cmd clear_dataplane_cmds[] = {
	{.name = "statistics", .help = "Reset the dataplane counters", .fn = op_clear_stats},
	{0},
};
static const struct cli_cmd clear_cmds[] = {
	{.name = "dataplane", .help = "Dataplane state", .sub = clear_dataplane_cmds},
	{0},
};
static const struct cli_cmd oper_cmds[] = {
	{.name = "show", .help = "Show operational state or the configuration", .sub = show_cmds},
	{.name = "clear", .help = "Reset counters", .sub = clear_cmds},
	{.name = "configure", .help = "Enter configuration mode", .fn = op_configure},
	{.name = "help", .help = "List the commands of this mode", .fn = cmd_help},
	{.name = "exit", .help = "End the session", .fn = op_exit},
	{.name = "quit", .help = "End the session", .fn = op_exit},
	{0},
};

/* ---- configuration mode ---- */

/* set and delete: cmd names the command, apply is its cfg_set()/cfg_delete(). */
static int edit(const char *cmd, int (*apply)(struct cfg_node *, int, const char *const *, struct cfg_error *),
		struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	struct cfg_error e = {0};

	if (!argc) {
		sbuf_printf(r->out, "%s: a path is missing (try '%s ?')\n", cmd, cmd);
		return -EINVAL;
	}
	if (apply(s->candidate, argc, (const char *const *)argv, &e) == 0)
		return 0;
	if (*e.path)
		sbuf_printf(r->out, "%s: %s: %s\n", cmd, e.path, e.msg);
	else
		sbuf_printf(r->out, "%s: %s\n", cmd, e.msg);
	return -EINVAL;
}

static int cf_set(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	return edit("set", cfg_set, s, argc, argv, r);
}

static int cf_delete(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	return edit("delete", cfg_delete, s, argc, argv, r);
}

/* The part of root under a path, as a tree of its own: the set commands
 * that start with the path, replayed into an empty tree. NULL when nothing
 * is configured there. */
static struct cfg_node *subtree(const struct cfg_node *root, int argc, char **argv)
{
	char *cmds = cfg_to_commands(root), *save = NULL, err[128];
	struct cfg_node *sub = cfg_new();
	bool any = false;

	for (char *line = strtok_r(cmds, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct words w;
		struct cfg_error e;
		if (words_split(line, &w, err, sizeof(err)) < 0)
			continue;
		bool match = w.argc > argc;
		for (int i = 0; match && i < argc; i++)
			match = strcmp(w.argv[i + 1], argv[i]) == 0;
		if (match && cfg_set(sub, w.argc - 1, (const char *const *)w.argv + 1, &e) == 0)
			any = true;
		words_free(&w);
	}
	free(cmds);
	if (!any) {
		cfg_free(sub);
		return NULL;
	}
	return sub;
}

static int cf_show(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	if (!argc) {
		render_tree(s->candidate, r);
		return 0;
	}
	struct cfg_node *sub = subtree(s->candidate, argc, argv);
	if (!sub) {
		struct sbuf path = {0};
		words_join(&path, argc, (const char *const *)argv);
		sbuf_printf(r->out, "show: nothing is configured under '%s'\n", sbuf_str(&path));
		sbuf_free(&path);
		return -ENOENT;
	}
	render_tree(sub, r);
	cfg_free(sub);
	return 0;
}

static int cf_compare(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	char *diff = cfg_compare(s->d->running, s->candidate);

	(void)argc, (void)argv;
	if (r->json)
		r->result = json_pack("{s:o}", "changes", lines_json(diff));
	else
		sbuf_add(r->out, *diff ? diff : "no changes\n");
	free(diff);
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
				 "'discard' to start again from the running configuration\n");
		return -EAGAIN;
	}
	int rc = brinkd_commit(s->d, s->candidate, r->out);
	if (rc == 0)
		s->base_revision = s->d->revision;
	return rc;
}

static int cf_discard(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	struct cfg_node *fresh = cfg_clone(s->d->running);

	(void)argc, (void)argv;
	if (!fresh) {
		sbuf_add(r->out, "discard: out of memory\n");
		return -ENOMEM;
	}
	cfg_free(s->candidate);
	s->candidate = fresh;
	s->base_revision = s->d->revision;
	return 0;
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

static int dispatch(struct cli_session *s, const struct cli_cmd *table, int argc, char **argv,
		    struct cli_reply *r);

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
	return dispatch(s, oper_cmds, argc, argv, r);
}

static void leave_config(struct cli_session *s)
{
	cfg_free(s->candidate);
	s->candidate = NULL;
	s->mode = CLI_OPERATIONAL;
}

static int cf_exit(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	(void)argc, (void)argv;
	if (!cfg_equal(s->d->running, s->candidate)) {
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

static const struct cli_cmd exit_cmds[] = {
	{.name = "discard", .help = "Leave configuration mode, dropping uncommitted changes", .fn = cf_exit_discard},
	{0},
};
static const struct cli_cmd config_cmds[] = {
	{.name = "set", .help = "Set a value, creating what is missing on the way", .fn = cf_set, .args = ARGS_PATH},
	{.name = "delete", .help = "Delete a subtree or one value", .fn = cf_delete, .args = ARGS_PATH},
	{.name = "show", .help = "Show the candidate configuration, or the part under a path", .fn = cf_show, .args = ARGS_PATH},
	{.name = "compare", .help = "Differences from the running configuration", .fn = cf_compare},
	{.name = "commit", .help = "Validate the candidate and apply it (all or nothing)", .fn = cf_commit},
	{.name = "discard", .help = "Drop the uncommitted changes", .fn = cf_discard},
	{.name = "save", .help = "Write the running configuration to brinkd's file, or to the one given", .fn = cf_save, .args = ARGS_FILE},
	{.name = "run", .help = "Run an operational command", .fn = cf_run, .args = ARGS_OPER},
	{.name = "help", .help = "List the commands of this mode", .fn = cmd_help},
	{.name = "exit", .help = "Leave configuration mode", .fn = cf_exit, .sub = exit_cmds},
	{.name = "quit", .help = "Leave configuration mode", .fn = cf_exit, .sub = exit_cmds},
	{0},
};

/* ---- dispatch ---- */

static const struct cli_cmd *mode_table(const struct cli_session *s)
{
	return s->mode == CLI_CONFIGURATION ? config_cmds : oper_cmds;
}

static const struct cli_cmd *find(const struct cli_cmd *list, const char *word)
{
	for (; list && list->name; list++)
		if (strcmp(list->name, word) == 0)
			return list;
	return NULL;
}

/* " (expected a, b or c)\n" */
static void expected(struct sbuf *b, const struct cli_cmd *list)
{
	sbuf_add(b, " (expected ");
	for (const struct cli_cmd *c = list; c->name; c++)
		sbuf_printf(b, "%s%s", c == list ? "" : c[1].name ? ", " : " or ", c->name);
	sbuf_add(b, ")\n");
}

static int dispatch(struct cli_session *s, const struct cli_cmd *table, int argc, char **argv, struct cli_reply *r)
{
	const struct cli_cmd *cmd = find(table, argv[0]);
	struct sbuf said = {0};
	int i = 1;

	if (!cmd) {
		sbuf_printf(r->out, "unknown command '%s' (try '?')\n", argv[0]);
		return -EINVAL;
	}
	for (const struct cli_cmd *c; i < argc && cmd->sub && (c = find(cmd->sub, argv[i])); i++)
		cmd = c;
	if (cmd->fn && (i == argc || cmd->args != ARGS_NONE))
		return cmd->fn(s, argc - i, argv + i, r);
	words_join(&said, i, (const char *const *)argv);
	if (i == argc) {
		sbuf_printf(r->out, "%s: incomplete command", sbuf_str(&said));
		expected(r->out, cmd->sub);
	} else if (cmd->sub) {
		sbuf_printf(r->out, "%s: unknown word '%s'", sbuf_str(&said), argv[i]);
		expected(r->out, cmd->sub);
	} else {
		sbuf_printf(r->out, "%s: unexpected '%s' (nothing may follow)\n", sbuf_str(&said), argv[i]);
	}
	sbuf_free(&said);
	return -EINVAL;
}

/* ---- completion and help ---- */

struct cands {
	struct cfg_completion v[COMPLETE_MAX];
	int n;
};

static void cand_add(struct cands *c, const char *word, const char *help, bool is_value)
{
	if (c->n == COMPLETE_MAX)
		return;
	snprintf(c->v[c->n].word, sizeof(c->v[c->n].word), "%s", word);
	snprintf(c->v[c->n].help, sizeof(c->v[c->n].help), "%s", help);
	c->v[c->n++].is_value = is_value;
}

static void complete(struct cli_session *s, const struct cli_cmd *table, int argc, char **argv, const char *prefix,
		     struct cands *c);

static void complete_args(struct cli_session *s, const struct cli_cmd *cmd, int argc, char **argv,
			  const char *prefix, struct cands *c)
{
	switch (cmd->args) {
	case ARGS_PATH:
		c->n += cfg_complete(s->candidate, argc, (const char *const *)argv, prefix, c->v + c->n,
				     COMPLETE_MAX - c->n);
		break;
	case ARGS_OPER:
		complete(s, oper_cmds, argc, argv, prefix, c);
		break;
	case ARGS_FILE:
		if (!argc)
			cand_add(c, "<file>", "File to write (default: the file brinkd loaded)", true);
		break;
	case ARGS_NONE:
		break;
	}
}

static void complete(struct cli_session *s, const struct cli_cmd *table, int argc, char **argv, const char *prefix,
		     struct cands *c)
{
	const struct cli_cmd *list = table, *cmd = NULL;

	for (int i = 0; i < argc; i++) {
		const struct cli_cmd *next = find(list, argv[i]);
		if (!next) {
			if (cmd)
				complete_args(s, cmd, argc - i, argv + i, prefix, c);
			return;
		}
		cmd = next;
		list = next->sub;
	}
	for (const struct cli_cmd *e = list; e && e->name; e++)
		if (strncmp(e->name, prefix, strlen(prefix)) == 0)
			cand_add(c, e->name, e->help, false);
	if (cmd)
		complete_args(s, cmd, 0, NULL, prefix, c);
}

/* What may follow argv[0..argc-1] in the session's mode and starts with
 * prefix. Caller frees. */
static struct cands *candidates(struct cli_session *s, int argc, char **argv, const char *prefix)
{
	struct cands *c = calloc(1, sizeof(*c));

	if (!c)
		abort();
	complete(s, mode_table(s), argc, argv, prefix, c);
	return c;
}

/* "complete WORD... PREFIX": what may follow WORD... and starts with PREFIX,
 * one "word<TAB>help<TAB>keyword|value" line each. */
static int cmd_complete(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	struct cands *c = candidates(s, argc ? argc - 1 : 0, argv, argc ? argv[argc - 1] : "");

	if (r->json)
		r->result = json_array();
	for (int i = 0; i < c->n; i++) {
		if (r->json)
			json_array_append_new(r->result, json_pack("{s:s, s:s, s:b}", "word", c->v[i].word, "help",
								   c->v[i].help, "value", c->v[i].is_value));
		else
			sbuf_printf(r->out, "%s\t%s\t%s\n", c->v[i].word, c->v[i].help,
				    c->v[i].is_value ? "value" : "keyword");
	}
	free(c);
	return 0;
}

/* "WORD... ?": the possible next words with their help. */
static int help_for(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	struct cands *c = candidates(s, argc, argv, "");

	if (r->json)
		r->result = json_object();
	if (!c->n && !r->json)
		sbuf_add(r->out, "nothing may follow\n");
	for (int i = 0; i < c->n; i++) {
		if (r->json)
			json_object_set_new(r->result, c->v[i].word, json_string(c->v[i].help));
		else
			sbuf_printf(r->out, "  %-24s %s\n", c->v[i].word, c->v[i].help);
	}
	free(c);
	return 0;
}

static int cmd_help(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	(void)argc, (void)argv;
	return help_for(s, 0, NULL, r);
}

/* ---- sessions ---- */

void cli_session_init(struct cli_session *s, struct brinkd *d) { *s = (struct cli_session){.d = d}; }

void cli_session_fini(struct cli_session *s)
{
	cfg_free(s->candidate);
	s->candidate = NULL;
}

/* Text without its final newline, for JSON strings. */
static json_t *trimmed(const struct sbuf *b)
{
	size_t n = b->len;

	while (n && b->s[n - 1] == '\n')
		n--;
	return json_stringn(sbuf_str(b), n);
}

int cli_exec(struct cli_session *s, const char *line, bool json, struct sbuf *out)
{
	struct sbuf text = {0};
	struct cli_reply r = {.json = json, .out = &text};
	struct words w;
	char err[256];
	int rc = 0;

	if (words_split(line, &w, err, sizeof(err)) < 0) {
		sbuf_printf(&text, "%s\n", err);
		rc = -EINVAL;
	} else {
		if (w.argc && strcmp(w.argv[0], "complete") == 0)
			rc = cmd_complete(s, w.argc - 1, w.argv + 1, &r);
		else if (w.argc && strcmp(w.argv[w.argc - 1], "?") == 0)
			rc = help_for(s, w.argc - 1, w.argv, &r);
		else if (w.argc)
			rc = dispatch(s, mode_table(s), w.argc, w.argv, &r);
		words_free(&w);
	}
	if (!json) {
		sbuf_add(out, sbuf_str(&text));
	} else {
		json_t *j = rc < 0	 ? json_pack("{s:o}", "error", trimmed(&text))
			    : r.result ? json_incref(r.result)
			    : text.len ? json_pack("{s:o}", "message", trimmed(&text))
				       : json_object();
		char *dumped = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
		if (!dumped)
			abort();
		sbuf_printf(out, "%s\n", dumped);
		free(dumped);
		json_decref(j);
	}
	json_decref(r.result);
	sbuf_free(&text);
	return rc;
}
