/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The tree as JSON, shaped like brink.conf: containers and tag entries are
 * objects, a tag node is an object keyed by its keys (so "dp0" is found by
 * name), numbers are integers, leaf-lists arrays of strings, flags true.
 */
#include <stdlib.h>

#include "config/tree.h"

static json_t *scalar(const struct cfg_schema *s, const char *value)
{
	if (schema_is_number(s))
		return json_integer(strtoll(value, NULL, 10));
	return json_string(value);
}

static json_t *object_of(const struct cfg_node *n)
{
	json_t *obj = json_object();

	for (const struct cfg_node *c = n->child; c; c = c->next) {
		json_t *v;
		switch (c->sch->kind) {
		case CFG_CONTAINER:
			v = object_of(c);
			break;
		case CFG_TAG:
			v = json_object();
			for (const struct cfg_node *e = c->child; e; e = e->next)
				json_object_set_new(v, e->value, object_of(e));
			break;
		case CFG_LEAF:
			v = scalar(c->sch, c->value);
			break;
		case CFG_LEAF_LIST:
			v = json_array();
			for (const struct cfg_node *e = c->child; e; e = e->next)
				json_array_append_new(v, scalar(c->sch, e->value));
			break;
		case CFG_FLAG:
		default:
			v = json_true();
			break;
		}
		json_object_set_new(obj, c->sch->name, v);
	}
	return obj;
}

json_t *cfg_to_json(const struct cfg_node *root)
{
	return root ? object_of(root) : json_object();
}
