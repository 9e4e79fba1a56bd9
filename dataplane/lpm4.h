/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lpm4: the IPv4 longest-prefix-match table of the FIB, DIR-24-8.
 *
 * tbl24 holds one 32-bit entry per /24; a /24 that holds a longer prefix points
 * to a group of 256 entries, one per address. An entry carries a 24-bit next
 * hop (or group index), a valid and a group bit, and the depth of the rule that
 * wrote it, so an update only rewrites the entries whose depth says they came
 * from the rule itself or from a shorter one. The default route (depth 0) is a
 * word of its own that a lookup which finds no valid entry reads.
 *
 * Why not DPDK's: rte_lpm keeps its rules in a linear table per depth, so
 * each add or delete scans the rules of that depth (a 1M-route load is
 * quadratic); rte_fib frees tbl8 groups at once, with no RCU hook in 22.11.
 * Here the rules live in an rte_hash keyed by (prefix, depth): an add, replace
 * or delete costs one hash operation, the entries its prefix covers, and on a
 * delete up to 32 probes for the covering rule whose entries take its place.
 * rte_rib would find that rule in one walk, but its nodes are a mempool sized
 * up front, two per rule at worst: 394 MB for 1M rules, against 36 MB here.
 *
 * One writer (the main lcore), lock-free readers. Entries are written with
 * 32-bit atomic stores, so a reader sees the old or the new one; a new group is
 * filled before the tbl24 entry that points to it is stored (release), and a
 * group that collapses back into its tbl24 entry goes through the RCU defer
 * queue: it is reused only after every reader passed a quiescent state.
 *
 * Memory follows use: tbl24 and the groups are one anonymous MAP_NORESERVE
 * mapping (transparent huge pages asked for), whose pages the kernel provides
 * when first written; groups are handed out from the bottom up.
 */
#ifndef BRINK_DP_LPM4_H
#define BRINK_DP_LPM4_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

struct rte_hash;
struct rte_rcu_qsbr;
struct rte_rcu_qsbr_dq;

#define LPM4_NH_MAX ((1u << 24) - 1)
#define LPM4_GROUP_ENTRIES 256u

/* Entry layout: next hop or group index, then the flags, then the depth. */
#define LPM4_E_NH_MASK LPM4_NH_MAX
#define LPM4_E_VALID (1u << 24)
#define LPM4_E_GROUP (1u << 25)
#define LPM4_E_DEPTH_SHIFT 26

struct lpm4_config {
	const char *name;          /* unique, at most 20 characters: names the rule hash and the defer queue */
	uint32_t max_rules;        /* the default route included */
	uint32_t n_groups;         /* one is taken by each /24 that holds a prefix longer than /24 */
	struct rte_rcu_qsbr *qsbr; /* the readers' RCU domain; NULL when nobody reads concurrently */
};

struct lpm4_stats {
	uint32_t rules;
	uint32_t groups;          /* configured */
	uint32_t groups_used;     /* pointed to by tbl24 */
	uint32_t groups_free;     /* ready to be handed out */
	uint32_t groups_deferred; /* collapsed, waiting for a grace period */
	uint64_t bytes_touched;   /* tbl24 and the groups ever handed out */
};

struct lpm4 {
	/* read by the workers */
	uint32_t *tbl24; /* 1 << 24 entries, then the groups */
	uint32_t *tbl8;
	uint32_t default_entry;
	/* main lcore only */
	uint32_t n_groups;
	uint32_t groups_fresh;    /* groups [0, groups_fresh) have been handed out at least once */
	uint32_t free_head;       /* free list threaded through each free group's first entry */
	uint32_t groups_free;     /* on the free list */
	uint32_t groups_deferred; /* in the defer queue */
	uint16_t *group_rules;    /* rules longer than /24 in each group's /24 */
	uint32_t rules_at[33];    /* rules of each depth, so delete probes only depths in use */
	uint32_t n_rules, max_rules;
	size_t map_size;
	struct rte_hash *rules;
	struct rte_rcu_qsbr_dq *dq;
};

/* NULL with rte_errno set (EINVAL, ENOMEM, EEXIST for a name in use). */
struct lpm4 *lpm4_create(const struct lpm4_config *cfg);
/* Only once no reader can use the table any more. */
void lpm4_free(struct lpm4 *t);

/* Adds prefix/depth -> nh, or retargets it if present (its entries change
 * with one store each, so it never goes missing). 0, -EINVAL, or -ENOSPC when
 * the rules or the groups are used up; the table is then unchanged. */
int lpm4_add(struct lpm4 *t, uint32_t prefix, uint8_t depth, uint32_t nh);
/* 0, -EINVAL or -ENOENT. Its addresses fall back to the covering rule. */
int lpm4_delete(struct lpm4 *t, uint32_t prefix, uint8_t depth);
/* The next hop of exactly prefix/depth: 0, or -ENOENT. */
int lpm4_rule_get(const struct lpm4 *t, uint32_t prefix, uint8_t depth, uint32_t *nh);
/* Returns collapsed groups whose grace period is over to the free list. */
void lpm4_reclaim(struct lpm4 *t);
void lpm4_stats(const struct lpm4 *t, struct lpm4_stats *s);
/* Depth of the rule that serves ip: 0 for the default route or none. */
uint8_t lpm4_match_depth(const struct lpm4 *t, uint32_t ip);

/* The entry that serves ip, the default route's if no longer rule covers it.
 * Relaxed loads: the group index read from tbl24 is an address dependency of
 * the group load, which orders them (as rte_lpm's readers rely on). */
static inline uint32_t lpm4_entry(const struct lpm4 *t, uint32_t ip)
{
	uint32_t e = __atomic_load_n(&t->tbl24[ip >> 8], __ATOMIC_RELAXED);

	if (e & LPM4_E_GROUP)
		e = __atomic_load_n(&t->tbl8[(e & LPM4_E_NH_MASK) * LPM4_GROUP_ENTRIES + (ip & 0xff)],
				    __ATOMIC_RELAXED);
	if (!(e & LPM4_E_VALID))
		e = __atomic_load_n(&t->default_entry, __ATOMIC_RELAXED);
	return e;
}

/* 0 and the next hop, or -ENOENT. */
static inline int lpm4_lookup(const struct lpm4 *t, uint32_t ip, uint32_t *nh)
{
	uint32_t e = lpm4_entry(t, ip);

	*nh = e & LPM4_E_NH_MASK;
	return (e & LPM4_E_VALID) ? 0 : -ENOENT;
}

/* Four lookups, miss for those no rule covers. The tbl24 loads are issued
 * together, then the group loads, so their cache misses overlap. */
static inline void lpm4_lookupx4(const struct lpm4 *t, const uint32_t ip[4], uint32_t hop[4], uint32_t miss)
{
	uint32_t e[4], dflt = __atomic_load_n(&t->default_entry, __ATOMIC_RELAXED);

	for (unsigned i = 0; i < 4; i++)
		e[i] = __atomic_load_n(&t->tbl24[ip[i] >> 8], __ATOMIC_RELAXED);
	for (unsigned i = 0; i < 4; i++)
		if (e[i] & LPM4_E_GROUP)
			e[i] = __atomic_load_n(&t->tbl8[(e[i] & LPM4_E_NH_MASK) * LPM4_GROUP_ENTRIES + (ip[i] & 0xff)],
					       __ATOMIC_RELAXED);
	for (unsigned i = 0; i < 4; i++) {
		uint32_t v = (e[i] & LPM4_E_VALID) ? e[i] : dflt;
		hop[i] = (v & LPM4_E_VALID) ? (v & LPM4_E_NH_MASK) : miss;
	}
}

#endif
