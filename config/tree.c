/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The generic configuration tree: nodes, CLI edits, command lists, comparison, errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/tree.h"

#define MAX_STEPS 8 /* each step is one schema level: deeper than the schema */

void *cfg_xmalloc(size_t n)
{
	void *p = calloc(1, n);

	if (!p)
		abort();
	return p;
}

char *cfg_xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		abort();
	return p;
}

/* Equal keys are one number or address, or text still to compare. */
static int entry_cmp(const struct cfg_entry *a, const struct cfg_entry *b)
{
	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	return schema_value_cmp(a->node.sch, a->node.value, b->node.value);
}

/* RB_GENERATE_STATIC's unused marker is disabled in libbsd's headers. */
RB_GENERATE_INTERNAL(cfg_index, cfg_entry, rb, entry_cmp, __attribute__((unused)) static)

/* The list node of a tag, as opposed to one of its entries. */
static bool is_tag_list(const struct cfg_node *n)
{
	return n->sch->kind == CFG_TAG && !n->item;
}

/* Entries are allocated as struct cfg_entry, whose first member is the node. */
static struct cfg_entry *entry_of(struct cfg_node *n)
{
	return (struct cfg_entry *)n;
}

struct cfg_node *node_new(const struct cfg_schema *sch, const char *value, bool item, int line)
{
	struct cfg_node *n;

	if (item && sch->kind == CFG_TAG) {
		struct cfg_entry *e = cfg_xmalloc(sizeof(*e));
		schema_value_key(sch, value, &e->key);
		n = &e->node;
	} else {
		n = cfg_xmalloc(sizeof(*n));
	}
	n->sch = sch;
	n->value = value ? cfg_xstrdup(value) : NULL;
	n->item = item;
	n->line = line;
	return n;
}

void node_free(struct cfg_node *n)
{
	while (n) {
		struct cfg_node *next = n->next;
		node_free(n->child);
		free(n->value);
		if (n->sch == cfg_schema())
			free(n->root.file);
		free(n);
		n = next;
	}
}

struct cfg_node *node_insert(struct cfg_node *parent, struct cfg_node *child)
{
	struct cfg_node **pp = &parent->child;

	if (child->item && is_tag_list(parent)) {
		struct cfg_entry *e = entry_of(child), *prev;
		struct cfg_entry *dup = RB_INSERT(cfg_index, &parent->index, e);
		if (dup)
			return &dup->node;
		prev = RB_PREV(cfg_index, &parent->index, e);
		pp = prev ? &prev->node.next : &parent->child;
	} else if (child->item) {
		while (*pp)
			pp = &(*pp)->next;
	} else {
		/* children arrays are contiguous, so pointer order is schema order */
		while (*pp && (*pp)->sch < child->sch)
			pp = &(*pp)->next;
	}
	child->next = *pp;
	*pp = child;
	return NULL;
}

static void node_remove(struct cfg_node *parent, struct cfg_node *child)
{
	struct cfg_node **pp = &parent->child;

	if (child->item && is_tag_list(parent)) {
		struct cfg_entry *prev = RB_PREV(cfg_index, &parent->index, entry_of(child));
		RB_REMOVE(cfg_index, &parent->index, entry_of(child));
		pp = prev ? &prev->node.next : &parent->child;
	} else {
		while (*pp != child)
			pp = &(*pp)->next;
	}
	*pp = child->next;
	child->next = NULL;
	node_free(child);
}

struct cfg_node *node_find(const struct cfg_node *parent, const struct cfg_schema *sch)
{
	for (struct cfg_node *c = parent->child; c; c = c->next)
		if (c->sch == sch)
			return c;
	return NULL;
}

struct cfg_node *node_find_item(const struct cfg_node *parent, const char *value)
{
	if (is_tag_list(parent)) {
		struct cfg_entry probe = {.node = {.sch = parent->sch, .value = (char *)value}}, *e;
		schema_value_key(parent->sch, value, &probe.key);
		e = RB_FIND(cfg_index, (struct cfg_index *)&parent->index, &probe);
		return e ? &e->node : NULL;
	}
	for (struct cfg_node *c = parent->child; c; c = c->next)
		if (schema_value_cmp(parent->sch, c->value, value) == 0)
			return c;
	return NULL;
}

unsigned node_count(const struct cfg_node *n)
{
	unsigned k = 0;

	for (const struct cfg_node *c = n->child; c; c = c->next)
		k++;
	return k;
}

const struct cfg_node *node_get(const struct cfg_node *n, const char *name)
{
	for (const struct cfg_node *c = n->child; c; c = c->next)
		if (strcmp(c->sch->name, name) == 0)
			return c;
	return NULL;
}

const struct cfg_node *node_walk(const struct cfg_node *n, const char *path)
{
	char words[256], *save = NULL;

	snprintf(words, sizeof(words), "%s", path);
	for (char *w = strtok_r(words, " ", &save); w && n; w = strtok_r(NULL, " ", &save))
		n = node_get(n, w);
	return n;
}

const char *node_leaf(const struct cfg_node *n, const char *name)
{
	const struct cfg_node *c = node_get(n, name);

	return c ? c->value : NULL;
}

/* ---- errors ---- */

/* Without printf: the loader and the model join a path for every setting. */
void cfg_path_join(char *buf, size_t len, const char *parent, const char *word)
{
	size_t a = strnlen(parent, len - 1), b;

	memmove(buf, parent, a);
	if (a && a < len - 1)
		buf[a++] = ' ';
	b = strnlen(word, len - 1 - a);
	memcpy(buf + a, word, b);
	buf[a + b] = '\0';
}

void cfg_errors_add(struct cfg_errors *errs, const char *file, int line, const char *path, const char *fmt, ...)
{
	va_list ap;

	if (errs->count < sizeof(errs->e) / sizeof(errs->e[0])) {
		struct cfg_error *e = &errs->e[errs->count];
		snprintf(e->file, sizeof(e->file), "%s", file ? file : "");
		e->line = line;
		snprintf(e->path, sizeof(e->path), "%s", path ? path : "");
		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
		va_end(ap);
	}
	errs->count++;
}

void cfg_errors_format(const struct cfg_errors *errs, char *buf, size_t len)
{
	const unsigned kept = sizeof(errs->e) / sizeof(errs->e[0]);
	struct sbuf b = {0};
	char *s;

	for (unsigned i = 0; i < errs->count && i < kept; i++) {
		const struct cfg_error *e = &errs->e[i];
		if (e->file[0])
			sbuf_printf(&b, "%s:", e->file);
		if (e->line > 0)
			sbuf_printf(&b, e->file[0] ? "%d:" : "line %d:", e->line);
		if (b.len && b.s[b.len - 1] == ':')
			sbuf_add(&b, " ");
		if (e->path[0])
			sbuf_printf(&b, "%s: ", e->path);
		sbuf_printf(&b, "%s\n", e->msg);
	}
	if (errs->count > kept)
		sbuf_printf(&b, "... and %u more errors\n", errs->count - kept);
	s = sbuf_take(&b);
	if (len)
		snprintf(buf, len, "%s", s);
	free(s);
}

/* ---- whole trees ---- */

struct cfg_node *cfg_new(void)
{
	struct cfg_node *root = node_new(cfg_schema(), NULL, false, 0);

	root->root.refs = 1;
	return root;
}

void cfg_free(struct cfg_node *root)
{
	if (root && --root->root.refs == 0)
		node_free(root);
}

struct cfg_node *cfg_share(const struct cfg_node *root)
{
	/* the count is bookkeeping, not content: a const holder may share */
	struct cfg_node *t = (struct cfg_node *)root;

	if (t)
		t->root.refs++;
	return t;
}

/* Appends in list order, so a tag's index is filled from sorted keys. */
static struct cfg_node *clone_node(const struct cfg_node *n)
{
	struct cfg_node *c = node_new(n->sch, n->value, n->item, n->line), **tail = &c->child;

	for (const struct cfg_node *k = n->child; k; k = k->next) {
		*tail = clone_node(k);
		if (is_tag_list(c))
			RB_INSERT(cfg_index, &c->index, entry_of(*tail));
		tail = &(*tail)->next;
	}
	return c;
}

/* Deeper than any schema: a longer path names nothing. */
#define SUBTREE_DEPTH_MAX 32

struct cfg_node *cfg_subtree(const struct cfg_node *root, int argc, const char *const *argv)
{
	const struct cfg_node *path[SUBTREE_DEPTH_MAX + 1];
	int depth = 0;

	if (argc > SUBTREE_DEPTH_MAX)
		return NULL;
	path[0] = root;
	for (int i = 0; i < argc; i++) {
		const struct cfg_node *n = path[depth], *next = NULL;
		enum cfg_kind kind = n->sch->kind;
		if (n != root && !n->item && (kind == CFG_TAG || kind == CFG_LEAF_LIST))
			next = node_find_item(n, argv[i]); /* an entry's key, a list's value */
		else if (n == root || n->item || kind == CFG_CONTAINER)
			next = node_get(n, argv[i]);
		else if (kind == CFG_LEAF && i + 1 == argc && schema_value_cmp(n->sch, n->value, argv[i]) == 0)
			break; /* the leaf's own value: the leaf */
		if (!next)
			return NULL;
		path[++depth] = next;
	}
	/* The nodes on the way, each alone, then what the path names, whole. */
	struct cfg_node *out = cfg_new(), *o = out;
	for (int k = 1; k <= depth; k++) {
		const struct cfg_node *n = path[k];
		struct cfg_node *c = k == depth ? clone_node(n) : node_new(n->sch, n->value, n->item, n->line);
		node_insert(o, c);
		o = c;
	}
	return out;
}

struct cfg_node *cfg_clone(const struct cfg_node *root)
{
	struct cfg_node *c;

	if (!root)
		return NULL;
	c = clone_node(root);
	c->root.file = root->root.file ? cfg_xstrdup(root->root.file) : NULL;
	c->root.refs = 1;
	return c;
}

void cfg_unshare(struct cfg_node **root)
{
	struct cfg_node *own;

	if (!*root || (*root)->root.refs == 1)
		return;
	own = cfg_clone(*root);
	cfg_free(*root);
	*root = own;
}

static bool list_equal(const struct cfg_node *a, const struct cfg_node *b)
{
	for (; a && b; a = a->next, b = b->next) {
		if (a->sch != b->sch || a->item != b->item || !a->value != !b->value)
			return false;
		if (a->value && strcmp(a->value, b->value) != 0)
			return false;
		if (!list_equal(a->child, b->child))
			return false;
	}
	return !a && !b;
}

bool cfg_equal(const struct cfg_node *a, const struct cfg_node *b)
{
	if (a == b)
		return true;
	if (!a || !b)
		return false;
	return list_equal(a->child, b->child);
}

/* ---- CLI words ---- */

struct step {
	const struct cfg_schema *sch;
	bool has_value;
	char value[CFG_VALUE_MAX];
	struct cfg_node *list; /* the node of sch in the tree, when found */
	struct cfg_node *node; /* the entry or leaf-list value named, else list */
};

struct walk {
	int n;
	struct step st[MAX_STEPS];
};

static void join_words(int argc, const char *const *argv, char *buf, size_t len)
{
	struct sbuf b = {0};
	char *s;

	for (int i = 0; i < argc; i++) {
		if (i)
			sbuf_add(&b, " ");
		sbuf_add_word(&b, argv[i]);
	}
	s = sbuf_take(&b);
	snprintf(buf, len, "%s", s);
	free(s);
}

static int word_error(struct cfg_error *err, int argc, const char *const *argv, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int word_error(struct cfg_error *err, int argc, const char *const *argv, const char *fmt, ...)
{
	va_list ap;

	memset(err, 0, sizeof(*err));
	join_words(argc, argv, err->path, sizeof(err->path));
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

/* Matches words against the schema, checking every value; does not look at a tree. */
static int resolve(int argc, const char *const *argv, struct walk *w, struct cfg_error *err)
{
	const struct cfg_schema *cur = cfg_schema();
	char msg[sizeof(err->msg)];

	w->n = 0;
	for (int i = 0; i < argc; i++) {
		struct step *last = w->n ? &w->st[w->n - 1] : NULL;
		const struct cfg_schema *sch;
		struct step *st;

		if (last && (last->sch->kind == CFG_FLAG || (last->has_value && last->sch->kind != CFG_TAG)))
			return word_error(err, i, argv, "unexpected '%s'", argv[i]);
		if (last && last->sch->kind != CFG_CONTAINER && !last->has_value) {
			if (!schema_parse_value(last->sch, argv[i], last->value, msg, sizeof(msg)))
				return word_error(err, i, argv, "%s", msg);
			last->has_value = true;
			continue;
		}
		if (last)
			cur = last->sch;
		bool ambiguous;
		sch = schema_child_abbrev(cur, argv[i], &ambiguous);
		if (!sch && ambiguous)
			return word_error(err, i, argv, "'%s' is ambiguous (%s)", argv[i],
					  schema_starting(cur, argv[i], msg, sizeof(msg)));
		if (!sch) {
			schema_unknown(cur, argv[i], msg, sizeof(msg));
			return word_error(err, i, argv, "%s", msg);
		}
		st = &w->st[w->n++];
		memset(st, 0, sizeof(*st));
		st->sch = sch;
	}
	return 0;
}

/* Finds the nodes each step names; returns the index of the first step not
 * in the tree, or w->n when all are. */
static int lookup(struct cfg_node *root, struct walk *w)
{
	struct cfg_node *parent = root;

	for (int k = 0; k < w->n; k++) {
		struct step *st = &w->st[k];
		st->list = node_find(parent, st->sch);
		st->node = st->list;
		if (st->list && st->has_value && (st->sch->kind == CFG_TAG || st->sch->kind == CFG_LEAF_LIST))
			st->node = node_find_item(st->list, st->value);
		if (st->list && st->has_value && st->sch->kind == CFG_LEAF &&
		    schema_value_cmp(st->sch, st->list->value, st->value) != 0)
			st->node = NULL;
		if (!st->node)
			return k;
		parent = st->node;
	}
	return w->n;
}

int cfg_edit_path(int argc, const char *const *argv, char (*out)[CFG_VALUE_MAX], char *msg, size_t msglen)
{
	struct walk w;
	struct cfg_error err;
	int n = 0;

	if (resolve(argc, argv, &w, &err) < 0) {
		snprintf(msg, msglen, "%s: %s", err.path, err.msg);
		return -1;
	}
	const struct step *last = w.n ? &w.st[w.n - 1] : NULL;
	if (last && !(last->sch->kind == CFG_CONTAINER || (last->sch->kind == CFG_TAG && last->has_value))) {
		snprintf(msg, msglen, "'%s' is a %s, not a level to edit (name a container or an entry)",
			 last->sch->name, last->sch->kind == CFG_TAG ? "list: give the entry's key" : "setting");
		return -1;
	}
	for (int k = 0; k < w.n; k++) {
		snprintf(out[n++], CFG_VALUE_MAX, "%s", w.st[k].sch->name);
		if (w.st[k].has_value)
			snprintf(out[n++], CFG_VALUE_MAX, "%s", w.st[k].value);
	}
	return n;
}

int cfg_last_level_words(int argc, const char *const *argv)
{
	struct walk w;
	struct cfg_error err;

	if (argc == 0 || resolve(argc, argv, &w, &err) < 0 || w.n == 0)
		return argc;
	return w.st[w.n - 1].has_value ? 2 : 1;
}

int cfg_set(struct cfg_node *root, int argc, const char *const *argv, struct cfg_error *err)
{
	struct walk w;
	struct step *last;
	struct cfg_node *parent = root;
	char ph[CFG_PH_MAX];

	if (root->root.refs > 1)
		return word_error(err, 0, argv, "the tree is shared: cfg_unshare() it before editing");
	if (resolve(argc, argv, &w, err) < 0)
		return -1;
	if (w.n == 0)
		return word_error(err, 0, argv, "incomplete command: name a setting");
	last = &w.st[w.n - 1];
	if (last->sch->kind == CFG_CONTAINER && !last->sch->presence)
		return word_error(err, argc, argv, "incomplete command: name a setting under '%s'", last->sch->name);
	if (last->sch->kind != CFG_CONTAINER && last->sch->kind != CFG_FLAG && !last->has_value)
		return word_error(err, argc, argv, "incomplete command: %s expected",
				  schema_placeholder(last->sch, ph));
	lookup(root, &w);
	if (last->sch->kind == CFG_LEAF_LIST && last->list && !last->node &&
	    node_count(last->list) >= last->sch->max_values)
		return word_error(err, argc, argv, "at most %u values", last->sch->max_values);

	for (int k = 0; k < w.n; k++) {
		struct step *st = &w.st[k];
		enum cfg_kind kind = st->sch->kind;
		if (!st->list) {
			st->list = node_new(st->sch, kind == CFG_LEAF ? st->value : NULL, false, 0);
			node_insert(parent, st->list);
		} else if (kind == CFG_LEAF && strcmp(st->list->value, st->value) != 0) {
			free(st->list->value);
			st->list->value = cfg_xstrdup(st->value);
			st->list->line = 0;
		}
		st->node = st->list;
		if (kind == CFG_TAG || kind == CFG_LEAF_LIST) {
			st->node = node_find_item(st->list, st->value);
			if (!st->node) {
				st->node = node_new(st->sch, st->value, true, 0);
				node_insert(st->list, st->node);
			}
		}
		parent = st->node;
	}
	return 0;
}

static bool prunable(const struct cfg_node *n)
{
	if (n->child)
		return false;
	return n->sch->kind == CFG_TAG || n->sch->kind == CFG_LEAF_LIST ||
	       (n->sch->kind == CFG_CONTAINER && !n->sch->presence);
}

int cfg_delete(struct cfg_node *root, int argc, const char *const *argv, struct cfg_error *err)
{
	struct walk w;
	struct step *last;
	int k;

	if (root->root.refs > 1)
		return word_error(err, 0, argv, "the tree is shared: cfg_unshare() it before editing");
	if (resolve(argc, argv, &w, err) < 0)
		return -1;
	if (w.n == 0)
		return word_error(err, 0, argv, "incomplete command: name a setting");
	if (lookup(root, &w) < w.n)
		return word_error(err, argc, argv, "not configured");

	last = &w.st[w.n - 1];
	k = w.n - 1;
	if (last->node != last->list) {
		node_remove(last->list, last->node);
	} else {
		node_remove(k ? w.st[k - 1].node : root, last->list);
		k--;
	}
	/* drop what the deletion left empty, up to the nearest tag entry */
	for (; k >= 0; k--) {
		struct step *st = &w.st[k];
		if (st->node != st->list && st != last)
			break;
		if (!prunable(st->list))
			break;
		node_remove(k ? w.st[k - 1].node : root, st->list);
	}
	return 0;
}

/* ---- command lists and comparison ---- */

static void emit_line(struct sbuf *out, const struct sbuf *path, const char *sign, const char *value)
{
	sbuf_add(out, sign);
	sbuf_add(out, "set ");
	sbuf_add(out, path->s);
	if (value) {
		sbuf_add(out, " ");
		sbuf_add_word(out, value);
	}
	sbuf_add(out, "\n");
}

static void path_push(struct sbuf *path, const char *word)
{
	if (path->len)
		sbuf_add(path, " ");
	sbuf_add_word(path, word);
}

static void path_pop(struct sbuf *path, size_t len)
{
	path->len = len;
	if (path->s)
		path->s[len] = '\0';
}

static void emit_node(struct sbuf *out, struct sbuf *path, const struct cfg_node *n, const char *sign);

/* An entry or a presence container stands as a command of its own when empty. */
static void emit_body(struct sbuf *out, struct sbuf *path, const struct cfg_node *n, const char *sign)
{
	if (!n->child) {
		emit_line(out, path, sign, NULL);
		return;
	}
	for (const struct cfg_node *c = n->child; c; c = c->next)
		emit_node(out, path, c, sign);
}

static void emit_entry(struct sbuf *out, struct sbuf *path, const struct cfg_node *e, const char *sign)
{
	size_t save = path->len;

	path_push(path, e->value);
	emit_body(out, path, e, sign);
	path_pop(path, save);
}

static void emit_node(struct sbuf *out, struct sbuf *path, const struct cfg_node *n, const char *sign)
{
	size_t save = path->len;

	path_push(path, n->sch->name);
	switch (n->sch->kind) {
	case CFG_CONTAINER:
		emit_body(out, path, n, sign);
		break;
	case CFG_TAG:
		for (const struct cfg_node *e = n->child; e; e = e->next)
			emit_entry(out, path, e, sign);
		break;
	case CFG_LEAF:
		emit_line(out, path, sign, n->value);
		break;
	case CFG_LEAF_LIST:
		for (const struct cfg_node *v = n->child; v; v = v->next)
			emit_line(out, path, sign, v->value);
		break;
	case CFG_FLAG:
		emit_line(out, path, sign, NULL);
		break;
	}
	path_pop(path, save);
}

char *cfg_to_commands(const struct cfg_node *root)
{
	struct sbuf out = {0}, path = {0};

	if (root)
		for (const struct cfg_node *c = root->child; c; c = c->next)
			emit_node(&out, &path, c, "");
	free(path.s);
	return sbuf_take(&out);
}

static void diff_node(struct sbuf *out, struct sbuf *path, const struct cfg_node *a, const struct cfg_node *b);

/* a and b hold the same container or entry; root when path is empty. */
static void diff_body(struct sbuf *out, struct sbuf *path, const struct cfg_node *a, const struct cfg_node *b)
{
	if (path->len && !a->child != !b->child)
		emit_line(out, path, a->child ? "+ " : "- ", NULL);
	for (unsigned i = 0; i < a->sch->n_children; i++) {
		const struct cfg_schema *s = &a->sch->children[i];
		diff_node(out, path, node_find(a, s), node_find(b, s));
	}
}

static void diff_tag(struct sbuf *out, struct sbuf *path, const struct cfg_node *a, const struct cfg_node *b)
{
	const struct cfg_node *x = a->child, *y = b->child;

	while (x || y) {
		int c = !x ? 1 : !y ? -1 : schema_value_cmp(a->sch, x->value, y->value);
		if (c < 0) {
			emit_entry(out, path, x, "- ");
			x = x->next;
		} else if (c > 0) {
			emit_entry(out, path, y, "+ ");
			y = y->next;
		} else {
			size_t save = path->len;
			path_push(path, x->value);
			diff_body(out, path, x, y);
			path_pop(path, save);
			x = x->next;
			y = y->next;
		}
	}
}

static void diff_node(struct sbuf *out, struct sbuf *path, const struct cfg_node *a, const struct cfg_node *b)
{
	size_t save = path->len;

	if (!a || !b) {
		if (a || b)
			emit_node(out, path, a ? a : b, a ? "- " : "+ ");
		return;
	}
	path_push(path, a->sch->name);
	switch (a->sch->kind) {
	case CFG_CONTAINER:
		diff_body(out, path, a, b);
		break;
	case CFG_TAG:
		diff_tag(out, path, a, b);
		break;
	case CFG_LEAF:
		if (strcmp(a->value, b->value) != 0) {
			emit_line(out, path, "- ", a->value);
			emit_line(out, path, "+ ", b->value);
		}
		break;
	case CFG_LEAF_LIST:
		for (const struct cfg_node *v = a->child; v; v = v->next)
			if (!node_find_item(b, v->value))
				emit_line(out, path, "- ", v->value);
		for (const struct cfg_node *v = b->child; v; v = v->next)
			if (!node_find_item(a, v->value))
				emit_line(out, path, "+ ", v->value);
		break;
	case CFG_FLAG:
		break;
	}
	path_pop(path, save);
}

char *cfg_compare(const struct cfg_node *running, const struct cfg_node *candidate)
{
	struct sbuf out = {0}, path = {0};
	struct cfg_node *empty = cfg_new();

	diff_body(&out, &path, running ? running : empty, candidate ? candidate : empty);
	cfg_free(empty);
	free(path.s);
	return sbuf_take(&out);
}
