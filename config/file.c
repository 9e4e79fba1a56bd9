/* SPDX-License-Identifier: GPL-2.0-or-later */
/* brink.conf: libconfig text to tree and back. */
#include <errno.h>
#include <libconfig.h>
#include <limits.h>
#include <libgen.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "config/tree.h"

#define RENDER_HEADER "# Brink configuration, written by brink: comments and defaults are not kept\n"

struct loader {
	struct cfg_errors *errs;
	const char *file;
};

static const char *type_name(int type)
{
	switch (type) {
	case CONFIG_TYPE_GROUP:
		return "a group { ... }";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return "a number";
	case CONFIG_TYPE_FLOAT:
		return "a decimal number";
	case CONFIG_TYPE_STRING:
		return "a string";
	case CONFIG_TYPE_BOOL:
		return "true or false";
	case CONFIG_TYPE_ARRAY:
		return "an array [ ... ]";
	case CONFIG_TYPE_LIST:
		return "a list ( ... )";
	default:
		return "nothing";
	}
}

static int line_of(const config_setting_t *s)
{
	return config_setting_source_line(s);
}

/* Reads a scalar into its stored form; reports a wrong type or a bad value. */
static bool load_value(struct loader *ld, const struct cfg_schema *sch, const config_setting_t *s, const char *path,
		       char out[CFG_VALUE_MAX])
{
	int want = schema_is_number(sch) ? CONFIG_TYPE_INT : CONFIG_TYPE_STRING;
	int type = config_setting_type(s);
	char number[24];
	const char *text = number;
	char msg[256];

	if (type == CONFIG_TYPE_INT64)
		type = CONFIG_TYPE_INT;
	/* a number or a word: a number may be written as one */
	if (type == CONFIG_TYPE_INT && sch->type == CFG_T_U32_OR_ENUM)
		want = CONFIG_TYPE_INT;
	if (type != want) {
		cfg_errors_add(ld->errs, ld->file, line_of(s), path, "expected %s, not %s", type_name(want),
			       type_name(type));
		return false;
	}
	if (want == CONFIG_TYPE_INT)
		snprintf(number, sizeof(number), "%lld", config_setting_get_int64(s));
	else
		text = config_setting_get_string(s);
	if (!schema_parse_value(sch, text, out, msg, sizeof(msg))) {
		cfg_errors_add(ld->errs, ld->file, line_of(s), path, "%s", msg);
		return false;
	}
	return true;
}

static void load_group(struct loader *ld, const config_setting_t *grp, struct cfg_node *parent, const char *path);

/* The values of a leaf-list, or the keys of a tag whose entries hold
 * nothing but their keys ("next-hop = "192.168.10.2";" or an array of keys):
 * an array or list of scalars, or for a tag one scalar. */
static void load_values(struct loader *ld, const config_setting_t *s, struct cfg_node *n, const char *path)
{
	int type = config_setting_type(s);
	bool array = type == CONFIG_TYPE_ARRAY || type == CONFIG_TYPE_LIST;
	int len = array ? config_setting_length(s) : 1;
	char value[CFG_VALUE_MAX];

	for (int i = 0; i < len; i++) {
		const config_setting_t *v = array ? config_setting_get_elem(s, (unsigned)i) : s;
		if (!load_value(ld, n->sch, v, path, value))
			continue;
		if (node_find_item(n, value)) {
			cfg_errors_add(ld->errs, ld->file, line_of(v), path, "'%s' is listed twice", value);
			continue;
		}
		if (n->sch->kind == CFG_LEAF_LIST && node_count(n) == n->sch->max_values) {
			cfg_errors_add(ld->errs, ld->file, line_of(v), path, "at most %u values", n->sch->max_values);
			break;
		}
		node_insert(n, node_new(n->sch, value, true, line_of(v)));
	}
}

/* A checked tag entry of the file, before it becomes a node. */
struct pending_entry {
	uint64_t key;     /* schema_value_key, or 0 for keys ordered as text */
	const char *text; /* the stored form of a key that is not a number */
	const config_setting_t *entry;
};

static int pending_cmp(const void *a, const void *b, void *sch)
{
	const struct pending_entry *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	int c = x->text ? schema_value_cmp(sch, x->text, y->text) : 0;
	return c ? c : line_of(x->entry) - line_of(y->entry);
}

/* Entries are checked, sorted by key (then line) and only then made into
 * nodes: in key order the index takes them fastest, and the nodes lie in
 * memory in the order every walk of the tree follows, whatever the file's
 * order. A duplicate meets its first occurrence in the index. */
static void load_tag(struct loader *ld, const config_setting_t *s, struct cfg_node *tag, const char *path)
{
	const struct cfg_schema *sch = tag->sch;
	int len = config_setting_length(s);
	struct pending_entry *pending = cfg_xmalloc(sizeof(*pending) * (size_t)(len ? len : 1));
	size_t n = 0;
	char key[CFG_VALUE_MAX];
	char epath[512];

	for (int i = 0; i < len; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		const config_setting_t *k;
		if (config_setting_type(e) != CONFIG_TYPE_GROUP) {
			cfg_errors_add(ld->errs, ld->file, line_of(e), path, "entries must be groups { ... }, not %s",
				       type_name(config_setting_type(e)));
			continue;
		}
		k = config_setting_get_member(e, sch->key_field);
		if (!k) {
			cfg_errors_add(ld->errs, ld->file, line_of(e), path, "entry has no '%s'", sch->key_field);
			continue;
		}
		if (!load_value(ld, sch, k, path, key))
			continue;
		/* a value that is not a number is stored as written */
		pending[n] =
			(struct pending_entry){.entry = e,
					       .text = schema_is_number(sch) ? NULL : config_setting_get_string(k)};
		schema_value_key(sch, key, &pending[n].key);
		n++;
	}
	qsort_r(pending, n, sizeof(*pending), pending_cmp, (void *)sch);
	for (size_t i = 0; i < n; i++) {
		const char *value = pending[i].text;
		struct cfg_node *entry, *dup;
		if (!value) {
			snprintf(key, sizeof(key), "%llu", (unsigned long long)pending[i].key);
			value = key;
		}
		entry = node_new(sch, value, true, line_of(pending[i].entry));
		cfg_path_join(epath, sizeof(epath), path, value);
		load_group(ld, pending[i].entry, entry, epath);
		if ((dup = node_insert(tag, entry))) {
			cfg_errors_add(ld->errs, ld->file, entry->line, path, "duplicate '%s' (also at line %d)",
				       entry->value, dup->line);
			node_free(entry);
		}
	}
	free(pending);
}

static bool is_scalar(int type)
{
	return type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64 || type == CONFIG_TYPE_STRING;
}

/* A list whose elements are all scalars: the key-only form of a tag. */
static bool is_key_list(const config_setting_t *s)
{
	int type = config_setting_type(s);

	if (type == CONFIG_TYPE_ARRAY)
		return true;
	if (type != CONFIG_TYPE_LIST)
		return false;
	for (int i = 0; i < config_setting_length(s); i++)
		if (!is_scalar(config_setting_type(config_setting_get_elem(s, (unsigned)i))))
			return false;
	return config_setting_length(s) > 0;
}

static void load_setting(struct loader *ld, const config_setting_t *s, const struct cfg_schema *sch,
			 struct cfg_node *parent, const char *path)
{
	static const int want[] = {
		[CFG_CONTAINER] = CONFIG_TYPE_GROUP,
		[CFG_TAG] = CONFIG_TYPE_LIST,
		[CFG_LEAF_LIST] = CONFIG_TYPE_ARRAY,
		[CFG_FLAG] = CONFIG_TYPE_BOOL,
	};
	int type = config_setting_type(s);
	struct cfg_node *n;
	char value[CFG_VALUE_MAX];

	if (sch->kind == CFG_LEAF) {
		if (load_value(ld, sch, s, path, value))
			node_insert(parent, node_new(sch, value, false, line_of(s)));
		return;
	}
	/* a one-line list of strings may be written ( ... ) as well as [ ... ] */
	if (sch->kind == CFG_LEAF_LIST && type == CONFIG_TYPE_LIST)
		type = CONFIG_TYPE_ARRAY;
	if (sch->kind == CFG_TAG && (is_scalar(type) || is_key_list(s))) {
		n = node_new(sch, NULL, false, line_of(s));
		load_values(ld, s, n, path);
		if (n->child)
			node_insert(parent, n);
		else
			node_free(n);
		return;
	}
	/* a presence container holding nothing may be written "name = true;" */
	if (sch->kind == CFG_CONTAINER && sch->presence && type == CONFIG_TYPE_BOOL) {
		if (config_setting_get_bool(s))
			node_insert(parent, node_new(sch, NULL, false, line_of(s)));
		return;
	}
	if (type != want[sch->kind]) {
		cfg_errors_add(ld->errs, ld->file, line_of(s), path, "expected %s, not %s", type_name(want[sch->kind]),
			       type_name(type));
		return;
	}
	if (sch->kind == CFG_FLAG && !config_setting_get_bool(s))
		return;
	n = node_new(sch, NULL, false, line_of(s));
	if (sch->kind == CFG_CONTAINER)
		load_group(ld, s, n, path);
	else if (sch->kind == CFG_TAG)
		load_tag(ld, s, n, path);
	else if (sch->kind == CFG_LEAF_LIST)
		load_values(ld, s, n, path);
	if (n->child || sch->kind == CFG_FLAG || sch->presence)
		node_insert(parent, n);
	else
		node_free(n);
}

static void load_group(struct loader *ld, const config_setting_t *grp, struct cfg_node *parent, const char *path)
{
	const char *key_field = parent->item ? parent->sch->key_field : NULL;
	char cpath[512];
	char msg[sizeof(ld->errs->e[0].msg)];

	for (int i = 0; i < config_setting_length(grp); i++) {
		const config_setting_t *s = config_setting_get_elem(grp, (unsigned)i);
		const char *name = config_setting_name(s);
		const struct cfg_schema *sch = schema_child(parent->sch, name);

		if (key_field && strcmp(name, key_field) == 0)
			continue;
		if (!sch) {
			schema_unknown(parent->sch, name, msg, sizeof(msg));
			cfg_errors_add(ld->errs, ld->file, line_of(s), path, "%s", msg);
			continue;
		}
		cfg_path_join(cpath, sizeof(cpath), path, name);
		load_setting(ld, s, sch, parent, cpath);
	}
}

/* Problems are found by kind (duplicates after sorting, semantics last);
 * the operator reads them best in file order. Insertion sort: stable, and
 * only the few kept errors are sorted. */
static void sort_by_line(struct cfg_errors *errs)
{
	const unsigned kept = sizeof(errs->e) / sizeof(errs->e[0]);
	unsigned n = errs->count < kept ? errs->count : kept;

	for (unsigned i = 1; i < n; i++) {
		struct cfg_error e = errs->e[i];
		unsigned j = i;
		for (; j > 0 && errs->e[j - 1].line > e.line; j--)
			errs->e[j] = errs->e[j - 1];
		errs->e[j] = e;
	}
}

/* keep: where the model the tree was checked with goes, or NULL to free it. */
static struct cfg_node *load(config_t *cf, int ok, const char *name, struct brink_model *keep, struct cfg_errors *errs)
{
	struct loader ld = {.errs = errs, .file = name};
	struct brink_model m;
	struct cfg_node *root;

	if (!ok) {
		cfg_errors_add(errs, config_error_file(cf) ? config_error_file(cf) : name, config_error_line(cf), "",
			       "%s", config_error_text(cf) ? config_error_text(cf) : "cannot read the file");
		return NULL;
	}
	root = cfg_new();
	root->root.file = cfg_xstrdup(name);
	load_group(&ld, config_root_setting(cf), root, "");
	/* semantic checks only on a clean tree: a dropped bad value would make
	 * them report consequences rather than causes */
	if (errs->count == 0 && cfg_model_build(root, &m, errs) == 0) {
		if (keep)
			*keep = m;
		else
			brink_model_free(&m);
	}
	if (errs->count) {
		sort_by_line(errs);
		cfg_free(root);
		return NULL;
	}
	return root;
}

/* Past this a compressed file is refused rather than inflated further. */
#define TEXT_MAX ((size_t)1 << 30)

/* The whole file, decompressed when it is gzip (archived revisions are). */
char *cfg_read_text(const char *path, const char **why)
{
	struct stat st;
	size_t len = 0, cap;
	char *text;
	gzFile f;

	if (stat(path, &st) < 0) {
		*why = strerror(errno);
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		*why = S_ISDIR(st.st_mode) ? strerror(EISDIR) : "not a regular file";
		return NULL;
	}
	errno = 0;
	if (!(f = gzopen(path, "rb"))) {
		*why = strerror(errno ? errno : ENOMEM);
		return NULL;
	}
	/* a plain file fits with a byte to spare, so the read that finds its end needs no growth */
	cap = (size_t)st.st_size + 2;
	text = cfg_xmalloc(cap);
	for (;;) {
		if (len + 1 == cap) {
			char *more = cap < TEXT_MAX ? realloc(text, cap * 2) : NULL;
			if (!more) {
				*why = cap < TEXT_MAX ? strerror(ENOMEM) : "larger than 1 GiB once decompressed";
				break;
			}
			text = more;
			cap *= 2;
		}
		size_t room = cap - len - 1;
		int n = gzread(f, text + len, room > INT_MAX ? INT_MAX : (unsigned)room);
		if (n <= 0) {
			int zerr = Z_OK;
			gzerror(f, &zerr);
			if (n == 0 && zerr == Z_OK) {
				text[len] = '\0';
				gzclose(f);
				return text;
			}
			*why = zerr == Z_ERRNO ? strerror(errno) : "its compressed data is damaged";
			break;
		}
		len += (size_t)n;
	}
	free(text);
	gzclose(f);
	return NULL;
}

static struct cfg_node *load_string(const char *text, const char *name, struct brink_model *keep,
				    struct cfg_errors *errs);

struct cfg_node *cfg_load_file_model(const char *path, struct brink_model *m, struct cfg_errors *errs)
{
	const char *why;
	char *text = cfg_read_text(path, &why);
	struct cfg_node *root;

	if (!text) {
		memset(errs, 0, sizeof(*errs));
		cfg_errors_add(errs, path, 0, "", "%s", why);
		return NULL;
	}
	root = load_string(text, path, m, errs);
	free(text);
	return root;
}

struct cfg_node *cfg_load_file(const char *path, struct cfg_errors *errs)
{
	return cfg_load_file_model(path, NULL, errs);
}

struct cfg_node *cfg_load_string(const char *text, const char *name, struct cfg_errors *errs)
{
	return load_string(text, name, NULL, errs);
}

static struct cfg_node *load_string(const char *text, const char *name, struct brink_model *keep,
				    struct cfg_errors *errs)
{
	config_t cf;
	struct cfg_node *root;

	memset(errs, 0, sizeof(*errs));
	cfg_prescan(text, name ? name : "", errs);
	if (errs->count)
		return NULL;
	config_init(&cf);
	root = load(&cf, config_read_string(&cf, text), name ? name : "", keep, errs);
	config_destroy(&cf);
	/* libconfig's settings lay between the tree's nodes: without this a
	 * 1M-route file keeps 950 MB resident rather than the tree's 400 */
	malloc_trim(0);
	return root;
}

/* ---- rendering ---- */

/* Rendering writes a line per route: without printf. */
static void add_name(struct sbuf *b, const char *name, const char *after)
{
	sbuf_add(b, name);
	sbuf_add(b, after);
}

/* n spaces; the schema is less than 12 levels deep */
static void indent(struct sbuf *b, int n)
{
	static const char spaces[] = "                        ";

	sbuf_add(b, spaces + sizeof(spaces) - 1 - n);
}

static void render_scalar(struct sbuf *b, const struct cfg_schema *sch, const char *value)
{
	if (schema_is_number(sch))
		sbuf_add(b, value);
	else
		sbuf_add_quoted(b, value);
}

/* "[ a, b ]": the values of a leaf-list, or the keys of a tag. */
static void render_array(struct sbuf *b, const struct cfg_node *list)
{
	sbuf_add(b, "[ ");
	for (const struct cfg_node *v = list->child; v; v = v->next) {
		render_scalar(b, list->sch, v->value);
		sbuf_add(b, v->next ? ", " : " ");
	}
	sbuf_add(b, "]");
}

/* A leaf, leaf-list or flag: "name = value;". */
static void render_value_setting(struct sbuf *b, const struct cfg_node *c)
{
	const struct cfg_schema *s = c->sch;

	add_name(b, s->name, " = ");
	if (s->kind == CFG_LEAF) {
		render_scalar(b, s, c->value);
	} else if (s->kind == CFG_LEAF_LIST) {
		render_array(b, c);
	} else {
		sbuf_add(b, "true");
	}
	sbuf_add(b, ";");
}

static void render_inline(struct sbuf *b, const struct cfg_node *n);

/* Writes a tag in its key-only form when no entry holds more than its key:
 * "name = "key";" or "name = [ "a", "b" ];". False when it needs groups. */
static bool render_tag_keys(struct sbuf *b, const struct cfg_node *tag)
{
	for (const struct cfg_node *e = tag->child; e; e = e->next)
		if (e->child)
			return false;
	add_name(b, tag->sch->name, " = ");
	if (tag->child && !tag->child->next)
		render_scalar(b, tag->sch, tag->child->value);
	else
		render_array(b, tag);
	sbuf_add(b, ";");
	return true;
}

static void render_entry(struct sbuf *b, const struct cfg_node *e)
{
	sbuf_add(b, "{ ");
	sbuf_add(b, e->sch->key_field);
	sbuf_add(b, " = ");
	render_scalar(b, e->sch, e->value);
	sbuf_add(b, ";");
	render_inline(b, e);
	sbuf_add(b, " }");
}

/* The children of an entry on one line, as in "{ name = "dp0"; mtu = 1500; }". */
static void render_inline(struct sbuf *b, const struct cfg_node *n)
{
	for (const struct cfg_node *c = n->child; c; c = c->next) {
		sbuf_add(b, " ");
		if (c->sch->kind == CFG_CONTAINER) {
			add_name(b, c->sch->name, ": {");
			render_inline(b, c);
			sbuf_add(b, " };");
		} else if (c->sch->kind == CFG_TAG && render_tag_keys(b, c)) {
			continue;
		} else if (c->sch->kind == CFG_TAG) {
			add_name(b, c->sch->name, " = (");
			for (const struct cfg_node *e = c->child; e; e = e->next) {
				sbuf_add(b, " ");
				render_entry(b, e);
				sbuf_add(b, e->next ? "," : "");
			}
			sbuf_add(b, " );");
		} else {
			render_value_setting(b, c);
		}
	}
}

static void render_children(struct sbuf *b, const struct cfg_node *n, int depth)
{
	int ind = depth * 2;

	for (const struct cfg_node *c = n->child; c; c = c->next) {
		const struct cfg_schema *s = c->sch;
		indent(b, ind);
		if (s->kind == CFG_CONTAINER && !c->child) {
			add_name(b, s->name, ": { };\n");
		} else if (s->kind == CFG_CONTAINER) {
			add_name(b, s->name, ": {\n");
			render_children(b, c, depth + 1);
			indent(b, ind);
			sbuf_add(b, "};\n");
		} else if (s->kind == CFG_TAG && render_tag_keys(b, c)) {
			sbuf_add(b, "\n");
		} else if (s->kind == CFG_TAG) {
			add_name(b, s->name, " = (\n");
			for (const struct cfg_node *e = c->child; e; e = e->next) {
				indent(b, ind + 2);
				render_entry(b, e);
				sbuf_add(b, e->next ? ",\n" : "\n");
			}
			indent(b, ind);
			sbuf_add(b, ");\n");
		} else {
			render_value_setting(b, c);
			sbuf_add(b, "\n");
		}
	}
}

char *cfg_render(const struct cfg_node *root)
{
	struct sbuf b = {0};

	sbuf_printf(&b, RENDER_HEADER);
	if (root)
		render_children(&b, root, 0);
	return sbuf_take(&b);
}

int cfg_save_file(const struct cfg_node *root, const char *path)
{
	char *text = cfg_render(root);
	char *dir_copy = cfg_xstrdup(path);
	char tmp[4096];
	size_t len = strlen(text), off = 0;
	int fd, err = 0;

	snprintf(tmp, sizeof(tmp), "%s/.brink.conf.XXXXXX", dirname(dir_copy));
	free(dir_copy);
	fd = mkstemp(tmp);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			break;
		}
		off += (size_t)n;
	}
	if (!err && (fchmod(fd, 0644) < 0 || fsync(fd) < 0))
		err = -errno;
	if (close(fd) < 0 && !err)
		err = -errno;
	if (!err && rename(tmp, path) < 0)
		err = -errno;
	if (err)
		unlink(tmp);
out:
	free(text);
	return err;
}
