/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Internal view of the configuration tree, shared by the files of config/. */
#ifndef BRINK_CONFIG_TREE_H
#define BRINK_CONFIG_TREE_H

#include <stdarg.h>

#include <bsd/sys/tree.h>

#include "common/sbuf.h"
#include "config/config.h"
#include "config/schema.h"

/*
 * Shapes, by schema kind:
 *  - container (and the root): children in schema order;
 *  - tag: one node for the list, its children are the entries (item = true,
 *    value = key) sorted by key, each a struct cfg_entry also held in the
 *    tag's index; an entry's children are in schema order;
 *  - leaf: value; flag: no value;
 *  - leaf-list: its children are the values (item = true), in entry order.
 * Empty non-presence containers, tags and leaf-lists are never kept, so two
 * trees holding the same configuration have the same shape.
 *
 * Route tables make tags large: the index finds an entry, and the entry
 * before it (where a new one goes in the list), in O(log n). The list stays
 * what every walk over the tree follows.
 */
struct cfg_entry;
RB_HEAD(cfg_index, cfg_entry);

struct cfg_node {
	const struct cfg_schema *sch;
	char *value;
	struct cfg_node *child, *next;
	int line; /* source line in the loaded file, 0 when created by the CLI */
	bool item;
	union {
		struct {
			char *file;     /* the file the tree was loaded from */
			unsigned refs;  /* holders of a shared tree (cfg_share) */
		} root;                 /* the root */
		struct cfg_index index; /* a tag: its entries by key */
	};
};

/* A tag entry. key: the value's order as a number where its type has one
 * (schema_value_key), so that the index compares without parsing text. */
struct cfg_entry {
	struct cfg_node node;
	RB_ENTRY(cfg_entry) rb;
	uint64_t key;
};

/* Configurations are small; running out of memory here cannot be recovered
 * from sensibly, so allocation failures abort. */
void *cfg_xmalloc(size_t n);
char *cfg_xstrdup(const char *s);

struct cfg_node *node_new(const struct cfg_schema *sch, const char *value, bool item, int line);
void node_free(struct cfg_node *n);
/* Inserts in the place the shape rules above demand. Returns NULL, or for a
 * tag entry whose key the tag holds already, that entry (child is then not
 * inserted). */
struct cfg_node *node_insert(struct cfg_node *parent, struct cfg_node *child);
struct cfg_node *node_find(const struct cfg_node *parent, const struct cfg_schema *sch);
/* Entry of a tag, or value of a leaf-list, equal to value. */
struct cfg_node *node_find_item(const struct cfg_node *parent, const char *value);
unsigned node_count(const struct cfg_node *n);
/* Child by schema name, and a leaf's value or NULL. */
const struct cfg_node *node_get(const struct cfg_node *n, const char *name);
const char *node_leaf(const struct cfg_node *n, const char *name);
/* Down by schema names separated by spaces ("interfaces dataplane"), from
 * n (may be NULL); NULL when one is not there. */
const struct cfg_node *node_walk(const struct cfg_node *n, const char *path);

/* An error path one word deeper: "parent word", or "word" at the top; buf
 * may be parent. */
void cfg_path_join(char *buf, size_t len, const char *parent, const char *word);
void cfg_errors_add(struct cfg_errors *errs, const char *file, int line, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* A whole regular file as a NUL-terminated string (caller frees), or NULL
 * with *why saying what is wrong ("Is a directory", "not a regular file"...). */
char *cfg_read_text(const char *path, const char **why);
/* The checks libconfig 1.5 cannot make itself (prescan.c); appends to errs. */
void cfg_prescan(const char *text, const char *name, struct cfg_errors *errs);

/* Semantic checks of a tree whose values are all valid; appends to errs. */
int cfg_model_build(const struct cfg_node *root, struct brink_model *m, struct cfg_errors *errs);

#endif
