/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The IPv4 FIB: lpm4 (dataplane/lpm4.h) read lock-free by workers, written
 * only by the main lcore. Updates are made in place, one prefix at a time:
 * lpm4 replaces an existing prefix's next hop atomically and, attached to our
 * RCU domain, reuses its tbl8 groups only after every worker went quiescent.
 * So a route change never blackholes the prefix, and no worker ever waits.
 * The default route is lpm4's depth 0.
 */
#ifndef BRINK_DP_FIB_H
#define BRINK_DP_FIB_H

#include <stdbool.h>
#include <stdint.h>

#include "common/dp_msg.h"
#include "dataplane/apply.h"
#include "dataplane/nh_group.h"

#define FIB_NO_ROUTE UINT32_MAX

/* What a prefix resolves to. */
enum fib_kind {
	FIB_LOCAL = 1, /* an address of the router, on iface */
	FIB_CONNECTED, /* the subnet of an address on iface */
	FIB_GATEWAY,   /* one gateway on iface (a tunnel's: its far end) */
	FIB_INTERFACE, /* the destination itself on iface */
	FIB_GROUP,     /* several gateways and interfaces: ECMP */
	FIB_BLACKHOLE,
	FIB_REJECT,
};

struct fib_route {
	uint32_t prefix;
	uint8_t len;
	uint8_t kind;               /* enum fib_kind */
	uint8_t origin;             /* enum dp_route_origin */
	uint8_t n_hops;             /* FIB_GROUP */
	uint16_t iface;             /* LOCAL, CONNECTED, GATEWAY, INTERFACE */
	uint32_t gateway;           /* GATEWAY */
	const struct fib_hop *hops; /* FIB_GROUP: the hops given to fib_set (sorted) */
	uint32_t group;             /* FIB_GROUP: set by fib_set */
	uint32_t nh;                /* set by fib_set */
};

int fib_init(unsigned max_routes);

/* Make the FIB hold w for its prefix, in place of what the prefix had: one
 * LPM write, so the prefix never goes missing meanwhile. A prefix kept with
 * the same target is not touched: no LPM write, no new next hop. An entry
 * that cannot be installed is refused through a; the prefix keeps what it had. */
int fib_set(struct fib_route *w, struct dp_apply *a);
/* The prefix leaves the FIB (nothing when it is not there). */
void fib_unset(uint32_t prefix, uint8_t len);

/* Ends the holds of routes that moved to a new gateway (see FIB_HOLD_MS)
 * once it resolved or the hold timed out; called from the main lcore's timer. */
void fib_hold_timer(uint64_t now_tsc);

/* Longest-prefix match, the default route included: the next hop, or FIB_NO_ROUTE. */
uint32_t fib_lookup(uint32_t ip);
/* The installed entry of exactly prefix/len, or NULL. */
const struct fib_route *fib_find(uint32_t prefix, uint8_t len);
bool fib_is_configured(uint32_t prefix, uint8_t len);

/* The on-link next hop of an interface (interface routes): shared, counted. */
int32_t fib_onlink_get(uint16_t iface);
void fib_onlink_put(uint16_t iface);
/* The next hop of a gateway on iface: its neighbour, or into a tunnel, its
 * far end: shared, counted. */
int32_t fib_gateway_get(uint32_t gateway, uint16_t iface);
/* Worker: does a route go through tunnel iface to the far end ip? */
bool fib_tunnel_far_end(uint16_t iface, uint32_t ip);
void fib_gateway_put(uint32_t gateway, uint16_t iface);

/* Connected and local routes, then neighbour host routes. */
unsigned fib_dump_connected(struct dp_route_info *out, unsigned max);

#endif
