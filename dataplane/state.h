/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The state the owners want: the configuration's ports, addresses and
 * static neighbours, and every owner's route paths, kept per prefix in a
 * route table. A transaction or an OBJ request is staged, then applied as
 * a change: a replace (the owner's paths marked, what the items name kept,
 * the rest swept) or a delta (paths added and deleted). Only the prefixes
 * whose paths changed are selected again and written to the FIB, so a
 * change costs its own size, not the table's; a change of ports or
 * addresses (and a port going up or down) selects every prefix again.
 *
 * Every step of a change is logged, so a failed strict change is undone
 * and the previous state selected again: a commit is all or nothing. A
 * best-effort change (resync) skips what it cannot apply and lists it.
 *
 * Routes are chosen here: a prefix takes its usable paths of the lowest
 * distance (connected subnets and local addresses count as distance 0), so
 * a floating route takes over when the ports of the better ones go down.
 */
#ifndef BRINK_DP_STATE_H
#define BRINK_DP_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "common/dp_msg.h"
#include "config/config.h"
#include "dataplane/apply.h"
#include "dataplane/neigh.h"

struct state_path {
	struct dp_route r;
	uint8_t owner; /* enum dp_owner */
	uint8_t flags; /* DP_ROUTE_F_USABLE | DP_ROUTE_F_SELECTED, set when applied */
	uint32_t mark; /* the replace that last named the path: the others of its owner are swept */
};

/* A configuration table that is replaced whole: its items, as the wire has them. */
struct state_items {
	unsigned n, cap;
	uint8_t *v;
};

#define STATE_ADDRS_MAX 4096

struct dp_state {
	unsigned n_ports;
	struct dp_port_conf ports[CFG_MAX_PORTS];
	unsigned n_addrs;
	struct dp_addr addrs[STATE_ADDRS_MAX];
	struct state_items ifaces;                /* struct dp_iface_conf */
	struct state_items modules[DP_TABLE_MAX]; /* by table id: the module tables' items (state_table_register) */
	unsigned n_routes, cap_routes;
	struct state_path *routes;
	unsigned n_neighs, cap_neighs;
	struct dp_neigh *neighs;
};

/* Prefixes and route paths of all owners together, at most. */
int state_init(unsigned max_prefixes, unsigned max_paths);
void state_clear(struct dp_state *s);
int state_add_port(struct dp_state *s, const struct dp_port_conf *c, char *err, size_t errlen);
int state_add_addr(struct dp_state *s, const struct dp_addr *a, char *err, size_t errlen);
int state_add_route(struct dp_state *s, const struct dp_route *r, uint8_t owner, char *err, size_t errlen);
int state_add_neigh(struct dp_state *s, const struct dp_neigh *n, char *err, size_t errlen);
int state_add_iface(struct dp_state *s, const struct dp_iface_conf *c, char *err, size_t errlen);
int state_add_item(struct dp_state *s, uint8_t table, const void *item, char *err, size_t errlen);

/* Makes the module's running state exactly items[0..n-1] (n may be 0): all or nothing
 * (the module builds it aside and swaps it in) unless a->best_effort, then all it can.
 * Long loops call dp_apply_step(a). */
typedef int state_table_apply_fn(const void *items, unsigned n, struct dp_apply *a);
/* A module takes a configuration table of fixed-size items, replaced whole: the core
 * stages its items per transaction, applies it after the interfaces, again whenever
 * the interfaces change, and re-applies the previous items when a commit fails.
 * 0, or -EINVAL (bad id or size, or the table is taken). */
int state_table_register(uint8_t table, size_t item_size, state_table_apply_fn *apply);

/* Make the configuration's state *want (strictly, or best effort per
 * a->best_effort), keeping every other owner's paths; want is left to
 * state_clear. */
int state_commit(struct dp_state *want, struct dp_apply *a);
/* The ports' link or admin state changed: choose the routes again. */
void state_refresh(void);
uint64_t state_generation(uint8_t owner);

/* The transaction of the controller (one at a time): BEGIN, ITEMS, then
 * COMMIT or ABORT. Errors of BEGIN and ITEMS are kept for the COMMIT reply,
 * which state_txn_commit fills in a (dp_apply_fini is the caller's). */
void state_txn_begin(const void *body, size_t len);
void state_txn_items(const void *body, size_t len);
bool state_txn_open(void);
int state_txn_commit(struct dp_apply *a, void (*busy)(void *arg), void *busy_arg);
void state_txn_abort(void);

/* An OBJ request (body: struct dp_obj and its items); *changed: the items applied. */
int state_obj(const void *body, size_t len, unsigned *changed, char *err, size_t errlen);

#endif
