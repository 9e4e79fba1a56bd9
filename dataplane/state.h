/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The whole state brinkd wants (ports, addresses, routes, static neighbours),
 * staged from a transaction and applied as a difference against what runs.
 * A failed apply puts back the previous state, so a commit is all or nothing.
 */
#ifndef BRINK_DP_STATE_H
#define BRINK_DP_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "common/dp_msg.h"
#include "config/config.h"

struct dp_state {
	uint64_t generation;
	unsigned n_ports;
	struct dp_port_conf ports[CFG_MAX_PORTS];
	unsigned n_addrs;
	struct dp_addr addrs[CFG_MAX_PORTS * CFG_MAX_ADDRS];
	unsigned n_routes, cap_routes;
	struct dp_route *routes;
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

/* Apply *want; on success it becomes the running state (want is emptied). */
int state_commit(struct dp_state *want, char *err, size_t errlen);
uint64_t state_generation(void);

#endif
