/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a module's configuration part (modules/<name>/<name>_config.c) gives
 * the core, from <name>_config_init(): schema fragments, grafted under a
 * node of the core's tree, and a model part, which turns the module's part
 * of a checked tree into logical interfaces (and forwarding entries).
 *
 * A model is built in phases: the core's system and ports; every part's
 * build, which adds the part's interfaces (cfg_build_iface: the core checks
 * their names and addresses against every other interface's); the
 * interfaces sorted by name; every part's check, which may look at every
 * interface and address of the router (a tunnel's source-address); then the
 * routes and neighbours, whose interfaces and gateways may be logical
 * interfaces.
 */
#ifndef BRINK_CONFIG_MODULE_H
#define BRINK_CONFIG_MODULE_H

#include "common/dp_msg.h"
#include "config/tree.h"

/* Adds children under the node path names: schema names separated by
 * spaces ("interfaces", "interfaces dataplane"), a tag standing for its
 * entries. They come after the node's own children, in the order of the
 * calls. A path that names nothing, or a child name the node has already,
 * is a programming error: the process aborts. */
void cfg_schema_extend(const char *path, const struct cfg_schema *children, unsigned n_children);

struct cfg_build; /* a model being built */

struct cfg_model_part {
	void (*build)(struct cfg_build *b, const struct cfg_node *root);
	void (*check)(struct cfg_build *b, const struct cfg_node *root); /* may be NULL */
};

/* part is kept, not copied. Parts run in the order of registration. */
void cfg_model_register(const struct cfg_model_part *part);

/* An error at node n (its line, when it came from the file) for path. */
void cfg_build_fail(struct cfg_build *b, const struct cfg_node *n, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
const struct brink_model *cfg_build_model(const struct cfg_build *b);

/* A new logical interface named name, from tag entry e at path, with the
 * settings every logical interface has read from e: mtu, mac, disable and
 * the address leaf-list (each checked as a port's are). Valid until the
 * next call. NULL, with the error given, when the name is too long or
 * taken, or there are CFG_MAX_IFACES already. */
struct brink_iface *cfg_build_iface(struct cfg_build *b, const struct cfg_node *e, const char *name,
				    enum dp_iface_type type, const char *path);

/* A module's configuration table (common/dp_msg.h), of fixed-size items
 * the wire carries as they are; registered from the module's config init.
 * brinkd sends a registered table whole whenever its items change, after
 * the interfaces and addresses. Registering a table twice, or an id out of
 * range, is a programming error: the process aborts. */
void cfg_table_register(uint8_t table, size_t item_size);
/* The item size of a registered table, 0 for another id. */
size_t cfg_table_item_size(uint8_t table);
/* Adds item (of the table's size) to the model's table. */
void cfg_build_item(struct cfg_build *b, uint8_t table, const void *item);

/* The outer source of the tunnel or segment self, the value of node n: it
 * must be an address of another interface of the router (the underlay). */
void cfg_build_check_source(struct cfg_build *b, const struct cfg_node *n, const char *path, const char *self);
/* A remote tunnel end, the value of node n: not an address of the router. */
void cfg_build_check_remote(struct cfg_build *b, const struct cfg_node *n, const char *path, uint32_t source);

/* A number leaf of n (n may be NULL), def when absent. */
unsigned cfg_leaf_u32(const struct cfg_node *n, const char *name, unsigned def);
/* An IPv4 address leaf of n (host order), 0 when absent. */
uint32_t cfg_leaf_ip4(const struct cfg_node *n, const char *name);

/* Settings every interface has, alike in the core's ports and the modules'
 * interfaces. */
#define CFG_IFACE_ADDRESS                                                                            \
	{                                                                                            \
		.name = "address", .help = "IPv4 address with prefix length", .kind = CFG_LEAF_LIST, \
		.type = CFG_T_IFADDR, .max_values = CFG_MAX_ADDRS                                    \
	}
#define CFG_IFACE_MTU(text)                                                                                \
	{                                                                                                  \
		.name = "mtu", .help = (text), .kind = CFG_LEAF, .type = CFG_T_U32, .min = 68, .max = 9000 \
	}
#define CFG_IFACE_MAC(text)                                                        \
	{                                                                          \
		.name = "mac", .help = (text), .kind = CFG_LEAF, .type = CFG_T_MAC \
	}
#define CFG_IFACE_DESCRIPTION                                                                                   \
	{                                                                                                       \
		.name = "description", .help = "Free text", .kind = CFG_LEAF, .type = CFG_T_STRING, .max = 255, \
		.placeholder = "<text>"                                                                         \
	}
/* A list of interfaces of one type, keyed by name: "interfaces tunnel <name>". */
#define CFG_IFACE_TAG(tag, text, entry)                                                                       \
	{                                                                                                     \
		.name = (tag), .help = (text), .kind = CFG_TAG, .type = CFG_T_IDENT, .placeholder = "<name>", \
		.key_field = "name", CFG_CHILDREN(entry)                                                      \
	}
/* The outer source of a tunnel or segment (cfg_build_check_source). */
#define CFG_IFACE_SOURCE_ADDRESS                                                                             \
	{                                                                                                    \
		.name = "source-address", .help = "Outer source: an address of the router, on the underlay", \
		.kind = CFG_LEAF, .type = CFG_T_IP4, .mandatory = true                                       \
	}
#define CFG_IFACE_DISABLE                                                                               \
	{                                                                                               \
		.name = "disable", .help = "Keep the interface administratively down", .kind = CFG_FLAG \
	}

/* What a firewall or NAT rule matches besides interfaces: the IP protocol,
 * by name or number, and the source and destination, each an address or
 * prefix (ip4_or_prefix_parse) and ports (port_ranges_parse). */
extern const char *const cfg_rule_protocols[];
extern const struct cfg_schema cfg_rule_side_children[2];
#define CFG_RULE_MATCHES                                                                                           \
	{.name = "protocol",                                                                                       \
	 .help = "IP protocol, by name or number",                                                                 \
	 .kind = CFG_LEAF,                                                                                         \
	 .type = CFG_T_U32_OR_ENUM,                                                                                \
	 .max = 255,                                                                                               \
	 .enums = cfg_rule_protocols},                                                                             \
		{.name = "source", .help = "Source", .kind = CFG_CONTAINER, CFG_CHILDREN(cfg_rule_side_children)}, \
	{                                                                                                          \
		.name = "destination", .help = "Destination", .kind = CFG_CONTAINER,                               \
		CFG_CHILDREN(cfg_rule_side_children)                                                               \
	}

#endif
