/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Completion and help for set/delete words, drawn from the schema and the tree. */
#include <stdio.h>
#include <string.h>

#include "config/tree.h"

struct out {
	struct cfg_completion *v;
	int n, max;
	const char *prefix;
};

static void add(struct out *o, const char *word, const char *help, bool is_value)
{
	if (o->n == o->max)
		return;
	if (!is_value && strncmp(word, o->prefix, strlen(o->prefix)) != 0)
		return;
	snprintf(o->v[o->n].word, sizeof(o->v[o->n].word), "%s", word);
	snprintf(o->v[o->n].help, sizeof(o->v[o->n].help), "%s", help);
	o->v[o->n].is_value = is_value;
	o->n++;
}

/* A value position: the placeholder (always, as help), enum values, and what
 * the tree already holds there. */
static void add_values(struct out *o, const struct cfg_schema *s, const struct cfg_node *existing)
{
	char ph[CFG_PH_MAX];

	add(o, schema_placeholder(s, ph), s->help, true);
	if (s->type == CFG_T_ENUM || s->type == CFG_T_U32_OR_ENUM)
		for (const char *const *e = s->enums; *e; e++)
			add(o, *e, s->help, false);
	if (existing && (s->kind == CFG_TAG || s->kind == CFG_LEAF_LIST))
		for (const struct cfg_node *c = existing->child; c; c = c->next)
			add(o, c->value, "configured", false);
}

int cfg_complete(const struct cfg_node *root, int argc, const char *const *argv, const char *prefix,
		 struct cfg_completion *out, int max)
{
	struct out o = {.v = out, .max = max, .prefix = prefix ? prefix : ""};
	const struct cfg_schema *cur = cfg_schema();
	const struct cfg_node *node = root;      /* tree node matching cur, NULL once off the tree */
	const struct cfg_schema *pending = NULL; /* a tag or leaf waiting for its value */
	const struct cfg_node *pending_node = NULL;
	char value[CFG_VALUE_MAX], msg[256];

	/* nothing may follow a flag or a leaf's value: no candidates then */
	for (int i = 0; i < argc; i++) {
		if (pending) {
			if (pending->kind != CFG_TAG || !schema_parse_value(pending, argv[i], value, msg, sizeof(msg)))
				return 0;
			node = pending_node ? node_find_item(pending_node, value) : NULL;
			cur = pending;
			pending = NULL;
			continue;
		}
		bool ambiguous;
		const struct cfg_schema *s = schema_child_abbrev(cur, argv[i], &ambiguous);
		if (!s || s->kind == CFG_FLAG)
			return 0;
		const struct cfg_node *n = node ? node_find(node, s) : NULL;
		if (s->kind == CFG_CONTAINER) {
			cur = s;
			node = n;
		} else {
			pending = s;
			pending_node = n;
		}
	}
	if (pending) {
		add_values(&o, pending, pending_node);
		return o.n;
	}
	for (unsigned i = 0; i < cur->n_children; i++)
		add(&o, cur->children[i].name, cur->children[i].help, false);
	return o.n;
}
