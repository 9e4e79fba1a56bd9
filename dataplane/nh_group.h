/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Next-hop groups: the equal-cost paths of a route (ECMP). A group is a next
 * hop of kind NH_GROUP whose ip field indexes dp_nh_groups; each member is a
 * neighbour (a gateway) or an on-link next hop (an interface route). Workers
 * pick a member by a hash of the flow, so one flow stays on one path.
 *
 * Groups are interned by their set of hops: routes with the same paths share
 * one group, and a commit that keeps a route's paths keeps its group (and so
 * its LPM entry). A group never changes once published; it is freed after an
 * RCU grace period when its last route lets go of it.
 */
#ifndef BRINK_DP_NH_GROUP_H
#define BRINK_DP_NH_GROUP_H

#include <stdint.h>

#include "common/dp_msg.h"

#define NH_GROUP_MAX 4096

/* One path: a gateway on iface, or (gateway 0) the destination itself on iface. */
struct fib_hop {
	uint32_t gateway;
	uint16_t iface;
	uint16_t reserved;
};

struct nh_group {
	uint16_t n;
	uint32_t member[DP_ECMP_MAX]; /* next-hop ids */
};

extern struct nh_group *dp_nh_groups;

/* The member of group g a flow with hash h takes. */
static inline uint32_t nh_group_pick(const struct nh_group *g, uint32_t h)
{
	return g->member[((uint64_t)h * g->n) >> 32];
}

/* Control side (main lcore). hops[] sorted by (gateway, iface), n in 2..DP_ECMP_MAX. */
int nh_group_init(void);
/* The group of these hops, created or shared (one more reference). Returns
 * its next-hop id and sets *group, or -errno. */
int32_t nh_group_get(const struct fib_hop *hops, unsigned n, uint32_t *group);
/* The group of these hops if one exists, else UINT32_MAX. */
uint32_t nh_group_find(const struct fib_hop *hops, unsigned n);
void nh_group_put(uint32_t group);
/* Frees groups whose grace period has passed; called from the main loop. */
void nh_group_reclaim(void);

#endif
