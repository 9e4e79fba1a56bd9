/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Brink configuration: one schema drives the brink.conf file (libconfig), the
 * CLI's set/delete/completion/help, validation and the typed model that
 * brinkd pushes to the dataplane.
 *
 * Three layers:
 *  - the schema (config/schema.c): a static tree of containers, tag nodes
 *    (keyed lists such as "dataplane <name>", "route <prefix>"), leaves and
 *    leaf-lists, each with a value type and a help string, which feature
 *    modules extend with fragments of their own (config/module.h);
 *  - the configuration tree (struct cfg_node): what a file or a CLI session
 *    holds, checked against the schema on every change, with the source line
 *    of each node when it came from a file;
 *  - the model (struct brink_model): typed, semantically validated values,
 *    the modules' logical interfaces made by the model parts they register.
 *
 * Errors are collected, not printed: struct cfg_errors holds every problem
 * found, each with file, line, schema path and a sentence for the operator.
 */
#ifndef BRINK_CONFIG_H
#define BRINK_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/dp_msg.h"

#define CFG_NAME_MAX 16    /* interface names, e.g. "dp0" */
#define CFG_DEVICE_MAX 256 /* a PCI address or a vdev string */
#define CFG_MAX_PORTS 16
#define CFG_MAX_ADDRS 8 /* per port */
#define CFG_MAX_WORKERS 16
#define CFG_MAX_PATHS 16 /* next hops and interfaces of one route: the widest ECMP group */
#define CFG_MAX_NEIGHS 4096
#define CFG_FIB_SIZE_DEFAULT 1048576 /* system dataplane fib-size */
#define CFG_MAX_IFACES 1024          /* logical interfaces: VLANs, tunnels, segments */
#define CFG_IFACE_INFO_LEN 136       /* a type's own settings: DP_IFACE_INFO_LEN */

/* ---- errors ---- */

struct cfg_error {
	char file[256]; /* empty when not from a file */
	int line;       /* 0 when unknown */
	char path[256]; /* e.g. "interfaces dataplane dp0 address" */
	char msg[256];  /* what is wrong, for the operator */
};

struct cfg_errors {
	unsigned count;
	struct cfg_error e[32]; /* the first 32 are kept; count goes on counting */
};

/* "brink.conf:12: interfaces dataplane dp0 address: '10.0.0.300/24' is not an IPv4 prefix" */
void cfg_errors_format(const struct cfg_errors *errs, char *buf, size_t len);

/* ---- configuration tree ---- */

struct cfg_node; /* opaque */

struct cfg_node *cfg_new(void); /* empty root */
struct cfg_node *cfg_clone(const struct cfg_node *root);
/* What root holds under a path of CLI words (names, tag keys, values;
 * a leaf's value names the leaf), with the path itself: a new tree, found
 * in O(depth log n), or NULL when nothing is configured there. */
struct cfg_node *cfg_subtree(const struct cfg_node *root, int argc, const char *const *argv);
/* A tree nobody edits (running, a session's base, an archived revision) is
 * shared rather than copied: cfg_share counts one more holder and returns
 * root, cfg_free drops one and frees the tree with the last. A shared tree
 * is not edited (cfg_set and cfg_delete refuse it): cfg_unshare first makes
 * *root the caller's own, a copy when others hold it too. */
struct cfg_node *cfg_share(const struct cfg_node *root);
void cfg_unshare(struct cfg_node **root);
void cfg_free(struct cfg_node *root);
/* O(1) for two holders of one tree. */
bool cfg_equal(const struct cfg_node *a, const struct cfg_node *b);

/* Load brink.conf (libconfig syntax). On any error returns NULL and fills errs
 * with every problem found (syntax, unknown setting, bad value, semantic). */
struct cfg_node *cfg_load_file(const char *path, struct cfg_errors *errs);
struct cfg_node *cfg_load_string(const char *text, const char *name, struct cfg_errors *errs);

/* Render as brink.conf text (what save writes, what "show configuration" shows).
 * Caller frees. load(render(t)) equals t. */
char *cfg_render(const struct cfg_node *root);
/* Write atomically (temp file + rename). Returns 0 or -errno. */
int cfg_save_file(const struct cfg_node *root, const char *path);

/* The tree as JSON (for "show configuration" in JSON mode). */
json_t *cfg_to_json(const struct cfg_node *root);

/* CLI edits, words as typed after "set"/"delete":
 *   {"interfaces","dataplane","dp0","address","172.30.1.1/24"}
 * set: creates intermediate nodes, checks the value type; for a leaf replaces,
 * for a leaf-list adds. delete: removes the named subtree or one value of a
 * leaf-list; deleting what does not exist is an error.
 * Return 0, or -1 with *err filled (path = the words that were understood). */
int cfg_set(struct cfg_node *root, int argc, const char *const *argv, struct cfg_error *err);
int cfg_delete(struct cfg_node *root, int argc, const char *const *argv, struct cfg_error *err);

/* An edit level (brinksh "edit"): argv must name a container or a tag
 * entry. Writes its words in full (keywords unabbreviated) to out and
 * returns how many, or -1 with a message. */
int cfg_edit_path(int argc, const char *const *argv, char (*out)[256], char *msg, size_t msglen);
/* How many of an edit level's last words are its last level: 2 for a tag
 * entry (name and key), 1 for a container. */
int cfg_last_level_words(int argc, const char *const *argv);

/* Flatten to "set ..." command lines, one per leaf value, in schema order.
 * Caller frees. */
char *cfg_to_commands(const struct cfg_node *root);

/* Differences running -> candidate as lines "+ set ..." / "- set ..." (sorted
 * in schema order); empty string when equal. Caller frees. */
char *cfg_compare(const struct cfg_node *running, const struct cfg_node *candidate);

/* ---- completion and help, drawn from the schema ---- */

struct cfg_completion {
	char word[64]; /* a keyword, or a placeholder such as "<a.b.c.d/len>" */
	char help[128];
	bool is_value; /* a value placeholder rather than a literal keyword */
};

/* What may follow argv[0..argc-1] in a set/delete command, filtered by prefix
 * (may be ""). For tag nodes and leaf-lists, existing keys/values from root
 * (may be NULL) are offered too. Returns the number written (<= max). */
int cfg_complete(const struct cfg_node *root, int argc, const char *const *argv, const char *prefix,
		 struct cfg_completion *out, int max);

/* ---- model ---- */

struct brink_addr {
	uint32_t ip; /* host order */
	uint8_t prefix_len;
};

struct brink_port {
	char name[CFG_NAME_MAX];     /* "dp0" ... */
	char device[CFG_DEVICE_MAX]; /* "0000:3b:00.0" or "net_af_packet0,iface=veth0" */
	uint16_t mtu;                /* 0 = device default */
	bool has_mac;
	uint8_t mac[6];
	bool disabled;
	unsigned n_addrs;
	struct brink_addr addrs[CFG_MAX_ADDRS];
};

/* A logical interface (a VLAN, a tunnel, a segment): what its module's model
 * builder made of its part of the tree. The core knows the common settings;
 * info is the module's own (its wire struct, modules/<type>/<type>_msg.h). */
struct brink_iface {
	char name[CFG_NAME_MAX];   /* "dp0.100", "tun0", "vxlan100" */
	char parent[CFG_NAME_MAX]; /* the port a VLAN stands on, or "" */
	uint8_t type;              /* enum dp_iface_type */
	uint16_t mtu;              /* 0: the type's default */
	bool has_mac;
	uint8_t mac[6];
	bool disabled;
	unsigned n_addrs;
	struct brink_addr addrs[CFG_MAX_ADDRS];
	uint8_t info[CFG_IFACE_INFO_LEN];
};

/* A module table (common/dp_msg.h): the items as the wire carries them,
 * sorted (as bytes), so that models compare table by table with memcmp. */
struct brink_items {
	unsigned n, cap;
	uint8_t *v; /* owned, n items of the table's size (cfg_table_register) */
};

enum brink_path_kind {
	BRINK_PATH_GATEWAY = 1, /* via a gateway address */
	BRINK_PATH_INTERFACE,   /* the destination itself, on an interface */
	BRINK_PATH_BLACKHOLE,
	BRINK_PATH_REJECT, /* discard with ICMP unreachable */
};

/* One way to reach a route's prefix. The dataplane uses the usable paths of
 * the lowest distance: several of them share the traffic (ECMP). */
struct brink_path {
	enum brink_path_kind kind;
	uint8_t distance;          /* 1-254 */
	uint32_t gateway;          /* GATEWAY */
	char ifname[CFG_NAME_MAX]; /* INTERFACE; for GATEWAY the interface it was given, or "" */
};

/* A static route: paths[first_path .. first_path + n_paths - 1] of the model.
 * Disabled paths and paths of distance 255 are left out; a route with none
 * left is not in the model. */
struct brink_route {
	uint32_t prefix;
	uint8_t prefix_len;
	unsigned first_path, n_paths;
};

struct brink_neigh {
	uint32_t ip;
	uint8_t mac[6];
};

enum brink_punt_type {
	BRINK_PUNT_TAP = 1,     /* net_tap */
	BRINK_PUNT_VIRTIO_USER, /* virtio_user + vhost-net */
};

struct brink_model {
	/* boot-time: read by brink-dataplane when it starts */
	unsigned main_cpu;
	unsigned n_workers;
	unsigned worker_cpus[CFG_MAX_WORKERS];
	unsigned idle_sleep_us; /* 0: workers always busy-poll */
	unsigned mbufs;         /* mempool size */
	unsigned fib_size;      /* routes the FIB holds: the dataplane refuses more */
	bool punt_enabled;
	enum brink_punt_type punt_type;
	char punt_ifname[CFG_NAME_MAX]; /* kernel interface name */
	unsigned n_ports;
	struct brink_port ports[CFG_MAX_PORTS];

	/* runtime: pushed by brinkd. routes are sorted by (prefix, prefix_len)
	 * and neighs by ip, each key once, so that two models are diffed by a
	 * merge. */
	unsigned n_routes;
	struct brink_route *routes; /* owned, n_routes entries */
	unsigned n_paths;
	struct brink_path *paths; /* owned, the paths of all routes */
	unsigned n_neighs;
	struct brink_neigh *neighs; /* owned */
	/* sorted by name, each name once, none a port's */
	unsigned n_ifaces;
	struct brink_iface *ifaces; /* owned */
	/* by table id; the tables no module registered stay empty */
	struct brink_items tables[DP_TABLE_MAX];
};

/* As cfg_load_file, giving also the model the load checked the tree with
 * (brink_model_free is the caller's), so that it is built once. */
struct cfg_node *cfg_load_file_model(const char *path, struct brink_model *m, struct cfg_errors *errs);

/* Typed, semantically checked view of a tree. Returns 0 or -1 with errs filled. */
int brink_model_build(const struct cfg_node *root, struct brink_model *m, struct cfg_errors *errs);
void brink_model_free(struct brink_model *m);
const struct brink_port *brink_model_port(const struct brink_model *m, const char *name);
/* A logical interface of a built model by name, or NULL. */
const struct brink_iface *brink_model_iface(const struct brink_model *m, const char *name);

#endif
