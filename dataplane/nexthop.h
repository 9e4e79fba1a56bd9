/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Next hops: what an LPM entry points to (its 24-bit next-hop field is an
 * index into dp_nexthops). Workers read one 64-bit word per packet: the
 * destination MAC, the kind and whether the MAC is known, stored with one
 * atomic write by the control side, so a worker never sees half an update.
 */
#ifndef BRINK_DP_NEXTHOP_H
#define BRINK_DP_NEXTHOP_H

#include <stdbool.h>
#include <stdint.h>

enum nh_kind {
	NH_FREE = 0,
	NH_NEIGHBOR,  /* a host on a connected subnet (gateway or final host) */
	NH_CONNECTED, /* a connected subnet, or an interface route (prefix_len 0): the
		       * destination itself is the next hop, on iface */
	NH_LOCAL,     /* an address of the router */
	NH_BLACKHOLE,
	NH_REJECT,   /* discard with ICMP net unreachable */
	NH_GROUP,    /* equal-cost paths: ip is an index into dp_nh_groups (nh_group.h) */
	NH_RESERVED, /* a block no packet may be routed to (0/8, 127/8, 240/4) */
	NH_TUNNEL,   /* the far end ip (0: the route's own destination) of a tunnel iface */
};

struct nexthop {
	union {
		uint64_t word;
		struct {
			uint8_t mac[6];
			uint8_t kind;     /* enum nh_kind */
			uint8_t resolved; /* mac is valid */
		};
	};
	uint16_t iface;     /* output (or owning) interface */
	uint8_t prefix_len; /* NH_CONNECTED: length of the subnet */
	uint8_t reserved;
	uint32_t ip; /* neighbour or local address, the connected subnet, or the group index; host order */
};

static inline uint32_t nh_connected_mask(const struct nexthop *nh)
{
	return nh->prefix_len ? ~0u << (32 - nh->prefix_len) : 0;
}

#define NH_MAX (1u << 18)

extern struct nexthop *dp_nexthops;

static inline struct nexthop nh_read(uint32_t id)
{
	struct nexthop nh = dp_nexthops[id];
	nh.word = __atomic_load_n(&dp_nexthops[id].word, __ATOMIC_ACQUIRE);
	return nh;
}

/* The forwarding generation: changes with every route, next hop and
 * interface change, so a worker's cache of a routing decision (the outer
 * route of a tunnel) knows when to decide again. Written by the main lcore
 * only, rarely: reading it costs a shared, clean cache line. */
extern uint32_t dp_fwd_gen;

static inline uint32_t fwd_gen(void)
{
	return __atomic_load_n(&dp_fwd_gen, __ATOMIC_ACQUIRE);
}

static inline void fwd_gen_bump(void)
{
	__atomic_store_n(&dp_fwd_gen, dp_fwd_gen + 1, __ATOMIC_RELEASE);
}

/* Control side (main lcore only). */
int nh_table_init(void);
int32_t nh_alloc(enum nh_kind kind, uint16_t iface, uint32_t ip, uint8_t prefix_len);
void nh_set_mac(uint32_t id, const uint8_t mac[6]);
void nh_clear_mac(uint32_t id);
/* Return the id to the free list once no worker can still use it. */
void nh_free_deferred(uint32_t id);
/* Frees ids whose grace period has passed; called from the main loop. */
void nh_reclaim(void);
unsigned nh_in_use(void);

#endif
