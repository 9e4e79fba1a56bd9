/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The IPv4 FIB: rte_lpm read lock-free by workers, written only by the main
 * lcore. Updates are made in place, one prefix at a time: rte_lpm replaces an
 * existing prefix's next hop atomically and, attached to our RCU domain,
 * frees its tbl8 groups only after every worker went quiescent. So a route
 * change never blackholes the prefix, and no worker ever waits.
 */
#ifndef BRINK_DP_FIB_H
#define BRINK_DP_FIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/dp_msg.h"

/* A configured route: connected subnet, local address or static route. */
struct fib_route {
	uint32_t prefix;
	uint8_t len;
	uint8_t origin;  /* enum dp_route_origin */
	uint8_t kind;    /* enum dp_route_kind for static routes, 0 otherwise */
	uint16_t port;   /* connected/local: its port; gateway routes: the gateway's port */
	uint32_t gateway;
	uint32_t nh;     /* filled in by fib_apply */
};

int fib_init(unsigned max_routes);

/* Make the configured routes exactly want[] (sorted in place). Prefixes the
 * set keeps with the same target are not touched. On failure, returns
 * -errno with a message; the FIB then holds a mix of old and new that the
 * caller repairs by applying the previous set again. */
int fib_apply(struct fib_route *want, unsigned n, char *err, size_t errlen);

bool fib_is_configured(uint32_t prefix, uint8_t len);
unsigned fib_dump(struct dp_route_info *out, unsigned max);

#endif
