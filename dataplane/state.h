/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The whole state brinkd wants (ports, addresses, route paths, static
 * neighbours), staged from a transaction and applied as a difference against
 * what runs. A failed strict apply puts back the previous state, so a commit
 * is all or nothing; a best-effort apply (resync) skips what it cannot apply
 * and lists it.
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
	uint8_t flags; /* DP_ROUTE_F_USABLE | DP_ROUTE_F_SELECTED, set when applied */
};

struct dp_state {
	uint64_t generation;
	uint32_t flags; /* DP_TXN_F_* of the transaction */
	unsigned n_ports;
	struct dp_port_conf ports[CFG_MAX_PORTS];
	unsigned n_addrs;
	struct dp_addr addrs[CFG_MAX_PORTS * CFG_MAX_ADDRS];
	unsigned n_routes, cap_routes;
	struct state_path *routes;
	unsigned n_neighs, cap_neighs;
	struct dp_neigh *neighs;
};

void state_clear(struct dp_state *s);
int state_add_port(struct dp_state *s, const struct dp_port_conf *c, char *err, size_t errlen);
int state_add_addr(struct dp_state *s, const struct dp_addr *a, char *err, size_t errlen);
int state_add_route(struct dp_state *s, const struct dp_route *r, char *err, size_t errlen);
int state_add_neigh(struct dp_state *s, const struct dp_neigh *n, char *err, size_t errlen);
/* One DP_MSG_TXN_{PORT,ADDR,ROUTE,NEIGH} body, checked to be exactly one
 * struct of its type, added with the function above that fits it. */
int state_add_item(struct dp_state *s, uint16_t msg_type, const void *body, size_t len, char *err, size_t errlen);

/* Apply *want (strictly, or best effort per a->best_effort); on success it
 * becomes the running state (want is emptied). */
int state_commit(struct dp_state *want, struct dp_apply *a);
/* The ports' link or admin state changed: choose the routes again. */
void state_refresh(void);
uint64_t state_generation(void);

/* Largest route dump: every route path, local and connected prefix, and a host route per neighbour. */
#define STATE_ROUTE_DUMP_MAX (CFG_MAX_ROUTE_PATHS + CFG_MAX_PORTS * CFG_MAX_ADDRS * 2 + NEIGH_MAX)

#endif
