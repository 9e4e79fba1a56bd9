/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The command registry: dispatch, abbreviations, help, completion, output filters. */
#include "control/cli.h"

#include <errno.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "control/words.h"

#define COMPLETE_MAX 256

/* One word of a command tree; each mode has its own tree. */
struct node {
	char *word;
	const char *help;
	const struct cli_cmd *cmd; /* the command ending at this word, or NULL */
	struct node *child, *next; /* children sorted by word */
};

static struct node roots[2];

static struct node *child_named(struct node *n, const char *word, size_t len)
{
	for (struct node *c = n->child; c; c = c->next)
		if (strlen(c->word) == len && strncmp(c->word, word, len) == 0)
			return c;
	return NULL;
}

static void add_path(struct node *root, const struct cli_cmd *cmd)
{
	struct node *n = root;

	for (const char *p = cmd->path; *p;) {
		size_t len = strcspn(p, " ");
		struct node *c = child_named(n, p, len);
		if (!c) {
			struct node **pp = &n->child;
			c = calloc(1, sizeof(*c));
			if (!c || !(c->word = strndup(p, len)))
				abort();
			while (*pp && strcmp((*pp)->word, c->word) < 0)
				pp = &(*pp)->next;
			c->next = *pp;
			*pp = c;
		}
		n = c;
		p += len;
		p += strspn(p, " ");
	}
	n->cmd = cmd;
	n->help = cmd->help;
}

void cli_register(const struct cli_cmd *cmds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (unsigned mode = 0; mode < 2; mode++)
			if (cmds[i].modes & (1u << mode))
				add_path(&roots[mode], &cmds[i]);
}

/* ---- matching words ---- */

/* The child of n that word names: exactly, or as the unique prefix of one.
 * NULL when none; *ambiguous when several start with it. */
static const struct node *match_child(const struct node *n, const char *word, bool *ambiguous)
{
	const struct node *found = NULL;
	size_t len = strlen(word);
	unsigned k = 0;

	*ambiguous = false;
	for (const struct node *c = n->child; c; c = c->next) {
		if (strcmp(c->word, word) == 0)
			return c;
		if (len && strncmp(c->word, word, len) == 0) {
			found = c;
			k++;
		}
	}
	*ambiguous = k > 1;
	return k == 1 ? found : NULL;
}

/* " (expected a, b or c)\n" */
static void expected(struct sbuf *b, const struct node *n)
{
	sbuf_add(b, " (expected ");
	for (const struct node *c = n->child; c; c = c->next)
		sbuf_printf(b, "%s%s", c == n->child ? "" : c->next ? ", " : " or ", c->word);
	sbuf_add(b, ")\n");
}

static void ambiguous_word(struct sbuf *b, const struct node *n, const char *word)
{
	sbuf_printf(b, "'%s' is ambiguous:", word);
	for (const struct node *c = n->child; c; c = c->next)
		if (strncmp(c->word, word, strlen(word)) == 0)
			sbuf_printf(b, " %s", c->word);
	sbuf_add(b, "\n");
}

/* Walks the words that name a command; *used is how many did. */
static const struct node *resolve(enum cli_mode mode, int argc, char **argv, int *used, struct cli_reply *r)
{
	const struct node *n = &roots[mode];
	struct sbuf said = {0};
	bool ambiguous;
	int i = 0;

	for (; i < argc; i++) {
		/* Below a command whose first parameter is a value, only a full word leads on. */
		bool takes_values = n->cmd && n->cmd->fn && n->cmd->args == CLI_ARGS_PARAMS && n->cmd->params[0].help &&
				    !n->cmd->params[0].word;
		const struct node *c = match_child(n, argv[i], &ambiguous);
		if (c && takes_values && strcmp(c->word, argv[i]) != 0)
			c = NULL;
		if (!c && ambiguous && !takes_values) {
			if (i)
				words_join(&said, i, (const char *const *)argv), sbuf_add(&said, ": ");
			sbuf_add(r->out, sbuf_str(&said));
			ambiguous_word(r->out, n, argv[i]);
			sbuf_free(&said);
			return NULL;
		}
		if (!c)
			break;
		n = c;
	}
	*used = i;
	if (i == 0) {
		sbuf_printf(r->out, "unknown command '%s' (try '?')\n", argv[0]);
		return NULL;
	}
	return n;
}

int cli_dispatch(struct cli_session *s, enum cli_mode mode, int argc, char **argv, struct cli_reply *r)
{
	struct sbuf said = {0};
	int used;
	const struct node *n = resolve(mode, argc, argv, &used, r);

	if (!n)
		return -EINVAL;
	const struct cli_cmd *cmd = n->cmd;
	if (cmd && cmd->fn && (used == argc || cmd->args != CLI_ARGS_NONE)) {
		/* Commands see their own words in full, abbreviated or not. */
		return cmd->fn(s, argc - used, argv + used, r);
	}
	words_join(&said, used, (const char *const *)argv);
	if (used == argc) {
		sbuf_printf(r->out, "%s: incomplete command", sbuf_str(&said));
		expected(r->out, n);
	} else if (n->child) {
		sbuf_printf(r->out, "%s: unknown word '%s'", sbuf_str(&said), argv[used]);
		expected(r->out, n);
	} else {
		sbuf_printf(r->out, "%s: unexpected '%s' (nothing may follow)\n", sbuf_str(&said), argv[used]);
	}
	sbuf_free(&said);
	return -EINVAL;
}

/* ---- parameters ---- */

static const struct cli_param *keyword(const struct cli_param *params, const char *word, bool *ambiguous)
{
	const struct cli_param *found = NULL;
	unsigned k = 0;

	*ambiguous = false;
	for (const struct cli_param *p = params; p->help; p++) {
		if (!p->word)
			continue;
		if (strcmp(p->word, word) == 0)
			return p;
		if (strncmp(p->word, word, strlen(word)) == 0) {
			found = p;
			k++;
		}
	}
	*ambiguous = k > 1;
	return k == 1 ? found : NULL;
}

int cli_parse(const char *what, const struct cli_param *params, int argc, char **argv, struct cli_values *v,
	      struct cli_reply *r)
{
	unsigned pos = 0;
	bool ambiguous;
	int i = 0;

	*v = (struct cli_values){0};
	for (const struct cli_param *p = params; p->help && !p->word; p++, pos++) {
		if (i < argc && !keyword(params, argv[i], &ambiguous))
			v->value[pos] = argv[i++];
		else if (!p->optional) {
			sbuf_printf(r->out, "%s: %s is missing (%s)\n", what, p->value, p->help);
			return -EINVAL;
		}
	}
	for (; i < argc; i++) {
		const struct cli_param *p = keyword(params, argv[i], &ambiguous);
		if (!p) {
			sbuf_printf(r->out, "%s: %s '%s' (try '%s ?')\n", what,
				    ambiguous ? "ambiguous" : "unknown word", argv[i], what);
			return -EINVAL;
		}
		if (p->value && i + 1 == argc) {
			sbuf_printf(r->out, "%s: %s needs a value %s\n", what, p->word, p->value);
			return -EINVAL;
		}
		v->value[p - params] = p->value ? argv[++i] : p->word;
	}
	return 0;
}

bool cli_number(const char *what, const char *text, long min, long max, long *out, struct cli_reply *r)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(text, &end, 10);
	if (!*text || *end || errno || v < min || v > max) {
		sbuf_printf(r->out, "%s: '%s' is not a number from %ld to %ld\n", what, text, min, max);
		return false;
	}
	*out = v;
	return true;
}

/* ---- completion and help ---- */

struct cands {
	struct cfg_completion v[COMPLETE_MAX];
	int n;
	const char *prefix;
};

static void cand_add(struct cands *c, const char *word, const char *help, bool is_value)
{
	if (c->n == COMPLETE_MAX || (!is_value && strncmp(word, c->prefix, strlen(c->prefix)) != 0))
		return;
	snprintf(c->v[c->n].word, sizeof(c->v[c->n].word), "%s", word);
	snprintf(c->v[c->n].help, sizeof(c->v[c->n].help), "%s", help ? help : "");
	c->v[c->n++].is_value = is_value;
}

static void offer_value(void *ctx, const char *word, const char *help)
{
	cand_add(ctx, word, help, false);
}

static void complete_words(struct cli_session *s, enum cli_mode mode, int argc, char **argv, struct cands *c);

/* What may follow the parameters typed so far. */
static void complete_params(struct cli_session *s, const struct cli_param *params, int argc, char **argv,
			    struct cands *c)
{
	const struct cli_param *pending = NULL;
	unsigned pos = 0;
	bool used[CLI_PARAMS_MAX] = {0}, ambiguous;
	int i = 0;

	for (const struct cli_param *p = params; p->help && !p->word && i < argc; p++, pos++)
		if (!keyword(params, argv[i], &ambiguous))
			i++;
	for (; i < argc; i++) {
		const struct cli_param *p = keyword(params, argv[i], &ambiguous);
		if (!p)
			return;
		used[p - params] = true;
		if (p->value && i + 1 == argc)
			pending = p;
		else if (p->value)
			i++;
	}
	if (pending) {
		cand_add(c, pending->value, pending->help, true);
		if (pending->offer)
			pending->offer(s, offer_value, c);
		return;
	}
	const struct cli_param *next = &params[pos];
	if (next->help && !next->word) {
		cand_add(c, next->value, next->help, true);
		if (next->offer)
			next->offer(s, offer_value, c);
		if (!next->optional)
			return;
	}
	for (const struct cli_param *p = params; p->help; p++)
		if (p->word && !used[p - params])
			cand_add(c, p->word, p->help, false);
}

static void complete_args(struct cli_session *s, const struct cli_cmd *cmd, int argc, char **argv, struct cands *c)
{
	char *path[CLI_EDIT_MAX + WORDS_MAX];
	int n = 0;

	switch (cmd->args) {
	case CLI_ARGS_PATH:
		for (int i = 0; i < s->edit_argc; i++)
			path[n++] = s->edit_argv[i];
		for (int i = 0; i < argc; i++)
			path[n++] = argv[i];
		c->n += cfg_complete(s->mode == CLI_CONFIGURATION ? s->candidate : s->d->running, n,
				     (const char *const *)path, c->prefix, c->v + c->n, COMPLETE_MAX - c->n);
		break;
	case CLI_ARGS_OPER:
		complete_words(s, CLI_OPERATIONAL, argc, argv, c);
		break;
	case CLI_ARGS_PARAMS:
		complete_params(s, cmd->params, argc, argv, c);
		break;
	case CLI_ARGS_NONE:
		break;
	}
}

static void complete_words(struct cli_session *s, enum cli_mode mode, int argc, char **argv, struct cands *c)
{
	const struct node *n = &roots[mode];
	bool ambiguous;

	for (int i = 0; i < argc; i++) {
		const struct node *next = match_child(n, argv[i], &ambiguous);
		if (!next) {
			if (n->cmd && n->cmd->fn)
				complete_args(s, n->cmd, argc - i, argv + i, c);
			return;
		}
		n = next;
	}
	for (const struct node *e = n->child; e; e = e->next)
		cand_add(c, e->word, e->help, false);
	if (n->cmd && n->cmd->fn)
		complete_args(s, n->cmd, 0, NULL, c);
}

/* What may follow argv in the session's mode and starts with prefix. Caller frees. */
static struct cands *candidates(struct cli_session *s, int argc, char **argv, const char *prefix)
{
	struct cands *c = calloc(1, sizeof(*c));

	if (!c)
		abort();
	c->prefix = prefix;
	complete_words(s, s->mode, argc, argv, c);
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

static const struct cli_cmd core_cmds[] = {
	{.path = "help", .help = "List the commands of this mode", .modes = CLI_OPER | CLI_CONF, .fn = cmd_help},
};
CLI_REGISTER(core_cmds)

/* ---- output filters ---- */

enum filter_kind { F_MATCH, F_EXCEPT, F_COUNT, F_JSON, F_NO_MORE };

struct filter {
	enum filter_kind kind;
	regex_t re;
};

struct filters {
	unsigned n;
	struct filter f[8];
	unsigned counted; /* lines of a job's output that passed so far, for "| count" */
};

static void filters_free(struct filters *fs)
{
	for (unsigned i = 0; i < fs->n; i++)
		if (fs->f[i].kind == F_MATCH || fs->f[i].kind == F_EXCEPT)
			regfree(&fs->f[i].re);
	fs->n = 0;
}

/* The words after the first unquoted '|' are filters; *argc is cut there. */
static int parse_filters(int *argc, char **argv, struct filters *fs, bool *json, struct sbuf *out)
{
	static const char *const names[] = {
		[F_MATCH] = "match", [F_EXCEPT] = "except", [F_COUNT] = "count", [F_JSON] = "json", [F_NO_MORE] = "no-more"};
	int i = 0;

	fs->n = 0;
	while (i < *argc && strcmp(argv[i], "|") != 0)
		i++;
	int end = i;
	while (i < *argc) {
		i++; /* the '|' */
		enum filter_kind k;
		for (k = F_MATCH; k <= F_NO_MORE; k++)
			if (i < *argc && strcmp(argv[i], names[k]) == 0)
				break;
		if (k > F_NO_MORE || fs->n == sizeof(fs->f) / sizeof(fs->f[0])) {
			sbuf_printf(out,
				    "| %s: unknown filter (expected match RE, except RE, count, json or no-more)\n",
				    i < *argc ? argv[i] : "");
			filters_free(fs);
			return -EINVAL;
		}
		struct filter *f = &fs->f[fs->n];
		f->kind = k;
		i++;
		if (k == F_MATCH || k == F_EXCEPT) {
			char msg[128];
			int rc = i < *argc ? regcomp(&f->re, argv[i], REG_EXTENDED | REG_NOSUB) : REG_BADPAT;
			if (rc) {
				if (i < *argc)
					regerror(rc, &f->re, msg, sizeof(msg));
				sbuf_printf(out, "| %s: %s\n", names[k],
					    i < *argc ? msg : "a regular expression is missing");
				filters_free(fs);
				return -EINVAL;
			}
			i++;
		}
		fs->n++;
		*json |= k == F_JSON;
		if (i < *argc && strcmp(argv[i], "|") != 0) {
			sbuf_printf(out, "| %s: unexpected '%s'\n", names[k], argv[i]);
			filters_free(fs);
			return -EINVAL;
		}
	}
	*argc = end;
	return 0;
}

static bool keep(const struct filters *fs, const char *text)
{
	for (unsigned i = 0; i < fs->n; i++) {
		const struct filter *f = &fs->f[i];
		if (f->kind == F_MATCH && regexec(&f->re, text, 0, NULL, 0) != 0)
			return false;
		if (f->kind == F_EXCEPT && regexec(&f->re, text, 0, NULL, 0) == 0)
			return false;
	}
	return true;
}

static bool counting(const struct filters *fs)
{
	for (unsigned i = 0; i < fs->n; i++)
		if (fs->f[i].kind == F_COUNT)
			return true;
	return false;
}

/* Keeps the lines of text that pass (with "| count", none: they are only
 * counted). Returns how many passed. */
static unsigned filter_lines(const struct filters *fs, struct sbuf *text)
{
	struct sbuf out = {0};
	unsigned kept = 0;

	for (const char *p = sbuf_str(text); *p;) {
		size_t n = strcspn(p, "\n");
		char *line = strndup(p, n);
		if (!line)
			abort();
		if (keep(fs, line)) {
			kept++;
			if (!counting(fs))
				sbuf_printf(&out, "%s\n", line);
		}
		free(line);
		p += n + (p[n] == '\n');
	}
	sbuf_free(text);
	*text = out;
	return kept;
}

static void add_count(struct sbuf *text, unsigned n)
{
	sbuf_printf(text, "Count: %u line%s\n", n, n == 1 ? "" : "s");
}

/* Text: the lines that pass; JSON: the array elements (or object members)
 * whose compact JSON passes. Then "| count" replaces them with their number. */
static void apply_filters(const struct filters *fs, struct cli_reply *r, struct sbuf *text)
{
	unsigned kept = 0;

	if (r->json && r->result) {
		json_t *keep_out = json_is_object(r->result) ? json_object() : json_array();
		const char *k;
		size_t idx;
		json_t *v;
		if (json_is_object(r->result)) {
			json_object_foreach(r->result, k, v)
			{
				json_t *pair = json_pack("{s:O}", k, v);
				char *t = json_dumps(pair, JSON_COMPACT);
				if (t && keep(fs, t))
					json_object_set(keep_out, k, v), kept++;
				free(t);
				json_decref(pair);
			}
		} else if (json_is_array(r->result)) {
			json_array_foreach(r->result, idx, v)
			{
				char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
				if (t && keep(fs, t))
					json_array_append(keep_out, v), kept++;
				free(t);
			}
		}
		json_decref(r->result);
		r->result = counting(fs) ? json_pack("{s:i}", "count", (int)kept) : keep_out;
		if (counting(fs))
			json_decref(keep_out);
		return;
	}
	kept = filter_lines(fs, text);
	if (counting(fs))
		add_count(text, kept);
}

/* ---- sessions ---- */

void cli_session_init(struct cli_session *s, struct brinkd *d)
{
	*s = (struct cli_session){.d = d};
}

void cli_job_stop(struct cli_session *s)
{
	if (s->job) {
		struct cli_job *j = s->job;
		s->job = NULL;
		j->stop(j, s);
	}
	if (s->job_filters) {
		filters_free(s->job_filters);
		free(s->job_filters);
		s->job_filters = NULL;
	}
}

void cli_job_filter(struct cli_session *s, struct sbuf *out, bool last)
{
	struct filters *fs = s->job_filters;

	if (!fs || !fs->n)
		return;
	fs->counted += filter_lines(fs, out);
	if (last && counting(fs))
		add_count(out, fs->counted);
}

void cli_edit_level(const struct cli_session *s, char *buf, size_t len)
{
	struct sbuf b = {0};

	words_join(&b, s->edit_argc, (const char *const *)s->edit_argv);
	snprintf(buf, len, "%s", sbuf_str(&b));
	sbuf_free(&b);
}

void cli_session_fini(struct cli_session *s)
{
	cli_job_stop(s);
	cfg_free(s->candidate);
	cfg_free(s->base);
	s->candidate = s->base = NULL;
	for (int i = 0; i < s->edit_argc; i++)
		free(s->edit_argv[i]);
	s->edit_argc = 0;
}

/* Text without its final newline, for JSON strings. */
static json_t *trimmed(const struct sbuf *b)
{
	size_t n = b->len;

	while (n && b->s[n - 1] == '\n')
		n--;
	return json_stringn(sbuf_str(b), n);
}

static int run_words(struct cli_session *s, struct words *w, struct cli_reply *r, struct filters *fs)
{
	int argc = w->argc;

	if (argc && strcmp(w->argv[0], "complete") == 0)
		return cmd_complete(s, argc - 1, w->argv + 1, r);
	if (parse_filters(&argc, w->argv, fs, &r->json, r->out) < 0)
		return -EINVAL;
	if (argc && strcmp(w->argv[argc - 1], "?") == 0)
		return help_for(s, argc - 1, w->argv, r);
	return argc ? cli_dispatch(s, s->mode, argc, w->argv, r) : 0;
}

int cli_exec(struct cli_session *s, const char *line, bool json, struct sbuf *out)
{
	struct sbuf text = {0};
	struct cli_reply r = {.json = json, .out = &text};
	struct filters fs = {0};
	struct words w;
	char err[256];
	int rc;

	if (words_split(line, &w, err, sizeof(err)) < 0) {
		sbuf_printf(&text, "%s\n", err);
		rc = -EINVAL;
	} else {
		rc = run_words(s, &w, &r, &fs);
		words_free(&w);
	}
	if (r.job) {
		/* match and except go on filtering what the job writes */
		r.job->json = r.json;
		s->job = r.job;
		s->job_filters = malloc(sizeof(fs));
		if (!s->job_filters)
			abort();
		*(struct filters *)s->job_filters = fs;
		fs.n = 0;
	}
	if (rc == 0 && fs.n)
		apply_filters(&fs, &r, &text);
	filters_free(&fs);
	if (!r.json) {
		sbuf_add(out, sbuf_str(&text));
	} else if (rc == 0 && r.job && !r.result && !text.len) {
		/* a job's first output is its own */
	} else {
		json_t *j = rc < 0     ? json_pack("{s:o}", "error", trimmed(&text))
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

/* ---- shared by the command files ---- */

void cli_offer_interfaces(struct cli_session *s, void (*add)(void *ctx, const char *word, const char *help), void *ctx)
{
	for (unsigned i = 0; i < s->d->model.n_ports; i++)
		add(ctx, s->d->model.ports[i].name, "dataplane interface");
}

void cli_render_tree(const struct cfg_node *t, struct cli_reply *r)
{
	if (r->json) {
		r->result = cfg_to_json(t);
		return;
	}
	char *text = cfg_render(t);
	sbuf_add(r->out, text);
	free(text);
}

json_t *cli_lines_json(const char *text)
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
