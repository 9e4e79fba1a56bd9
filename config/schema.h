/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The schema tree that drives file loading, CLI edits, completion and the
 * model: the core's static tree (schema.c) completed, on first use, with the
 * fragments feature modules register (config/module.h).
 */
#ifndef BRINK_CONFIG_SCHEMA_H
#define BRINK_CONFIG_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CFG_VALUE_MAX 256 /* longest value text, NUL included */
#define CFG_PH_MAX 32     /* longest placeholder, e.g. "<1024-1048576>" */

enum cfg_kind {
	CFG_CONTAINER,
	CFG_TAG, /* keyed list: the key is the next CLI word */
	CFG_LEAF,
	CFG_LEAF_LIST, /* several values, order kept, no duplicates */
	CFG_FLAG,      /* valueless: present or not */
};

enum cfg_vtype {
	CFG_T_NONE,
	CFG_T_U32,
	CFG_T_IP4,
	CFG_T_IFADDR, /* prefix with host bits allowed, length 1..32 */
	CFG_T_NET,    /* network prefix: host bits zero */
	CFG_T_MAC,    /* unicast */
	CFG_T_STRING, /* printable ASCII, 1..max characters */
	CFG_T_IDENT,  /* [a-z][a-z0-9]{0,14} */
	CFG_T_IFNAME, /* where an interface is named: an IDENT, or a VLAN sub-interface "dp0.100" */
	CFG_T_ENUM,
	CFG_T_U32_OR_ENUM, /* a number in min..max or one of enums ("inherit"); stored as text */
};

struct cfg_schema {
	const char *name;
	const char *help;
	enum cfg_kind kind;
	enum cfg_vtype type;      /* leaves, leaf-lists and tag keys */
	uint32_t min, max;        /* CFG_T_U32 range; CFG_T_STRING maximum length */
	const char *const *enums; /* CFG_T_ENUM, NULL-terminated */
	const char *placeholder;  /* NULL: derived from the type */
	const char *key_field;    /* tag nodes: the setting holding the key in brink.conf */
	bool mandatory;           /* leaves that must be set in their parent */
	bool presence;            /* containers whose presence alone means something */
	unsigned max_values;      /* leaf-lists */
	const struct cfg_schema *children;
	unsigned n_children;
};

#define CFG_CHILDREN(a) .children = (a), .n_children = sizeof(a) / sizeof((a)[0])

/* The root: a container holding system, interfaces and protocols, with
 * every module's fragment. The first call completes it (every module's
 * brink_modules_config_init() registration, once, whatever the thread);
 * it does not change afterwards. */
const struct cfg_schema *cfg_schema(void);

const struct cfg_schema *schema_child(const struct cfg_schema *s, const char *name);
/* The child name names in full, or as the unique prefix of one name (an
 * abbreviation, "int" for "interfaces"); NULL otherwise, with *ambiguous
 * set when several names start with it. */
const struct cfg_schema *schema_child_abbrev(const struct cfg_schema *s, const char *name, bool *ambiguous);
/* The child names that start with prefix, space-separated, into buf. */
const char *schema_starting(const struct cfg_schema *s, const char *prefix, char *buf, size_t len);
/* "unknown setting 'x'" for a name that is not a child of s, with the closest
 * child name as a hint when one is near. */
void schema_unknown(const struct cfg_schema *s, const char *name, char *msg, size_t len);

/* Checks text against the value type of s. On success writes the stored form
 * to out (numbers canonical, everything else as given) and returns true; on
 * failure writes a sentence to msg. */
bool schema_parse_value(const struct cfg_schema *s, const char *text, char out[CFG_VALUE_MAX], char *msg,
			size_t msg_len);
/* A valid value's place in the order as a number, for the types that have
 * one (numbers, addresses, prefixes: address, then length); false for the
 * types ordered as text. */
bool schema_value_key(const struct cfg_schema *s, const char *value, uint64_t *key);
/* Orders two valid values: numbers and addresses numerically, the rest lexically. */
int schema_value_cmp(const struct cfg_schema *s, const char *a, const char *b);
/* True when stored as a number in brink.conf and JSON. */
static inline bool schema_is_number(const struct cfg_schema *s)
{
	return s->type == CFG_T_U32;
}
const char *schema_placeholder(const struct cfg_schema *s, char buf[CFG_PH_MAX]);

#endif
