/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Hook points of the IPv4 path, where features (firewall, NAT, IPsec...)
 * plug in. A hook is a function a module registers at a point, with a
 * priority (lower runs first) and a feature bit; it runs only on the packets
 * whose interface has that feature enabled, so traffic on interfaces with no
 * feature pays nothing, and a point no interface uses costs one test per
 * burst. A hook returns one verdict per packet and never frees or sends a
 * packet itself: every mbuf stays counted.
 *
 *   received -> PREROUTING (in) -> lookup -> local: LOCAL_IN (in) -> handlers
 *                                         -> routed: FORWARD (in or out) -> POSTROUTING (out) -> output
 *   originated by the router or the kernel -> lookup -> LOCAL_OUT (out) -> POSTROUTING (out) -> output
 *
 * (in) and (out): the packet's input or output interface (struct
 * dp_mbuf_meta) is the one whose features count. At FORWARD, POSTROUTING and
 * LOCAL_OUT, meta.out_iface and meta.nh hold what routing chose.
 */
#ifndef BRINK_DP_HOOK_H
#define BRINK_DP_HOOK_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "dataplane/counters.h"

struct dp_worker;

enum dp_hook_point {
	DP_HOOK_PREROUTING,
	DP_HOOK_LOCAL_IN,
	DP_HOOK_FORWARD,
	DP_HOOK_POSTROUTING,
	DP_HOOK_LOCAL_OUT,
	DP_HOOK_MAX,
};

/* What becomes of a packet after a hook, or a local handler. */
typedef uint16_t dp_verdict;
#define DP_CONTINUE 0      /* on along the path */
#define DP_CONSUMED 1      /* the hook keeps it (queued, handed on): its fate is the hook's to count */
#define DP_REINJECT_ETH 2  /* now a frame received on meta.in_iface (decapsulated): input again */
#define DP_REINJECT_IP4 3  /* now an IPv4 packet received on meta.in_iface: input again */
#define DP_VERDICT_DROP 16 /* DP_DROP(counter): dropped and counted by the path */
#define DP_DROP(counter) ((dp_verdict)(DP_VERDICT_DROP + (counter)))

typedef void (*dp_hook_fn)(struct dp_worker *w, struct rte_mbuf **pkts, dp_verdict *verdicts, uint16_t n);

/* Priorities of the stateful features where they share a point, in the
 * order netfilter runs its equivalents: the connection is found before any
 * rule looks at its state, rules on the original destination (Calico's
 * preDNAT policy) run before DNAT, filters see translated destinations, SNAT
 * comes last before output, and a new connection is entered in the table
 * only once every hook let its first packet through. */
#define DP_PRIO_CONNTRACK (-200)      /* PREROUTING, LOCAL_OUT */
#define DP_PRIO_FILTER_PREDNAT (-150) /* PREROUTING */
#define DP_PRIO_DNAT (-100)           /* PREROUTING, LOCAL_OUT */
#define DP_PRIO_FILTER 0              /* FORWARD, LOCAL_IN, LOCAL_OUT */
#define DP_PRIO_SNAT 100              /* POSTROUTING */
#define DP_PRIO_CONNTRACK_CONFIRM 300 /* POSTROUTING, LOCAL_IN */

#define DP_FEATURES_MAX 32

/* A feature bit for hooks to be enabled by, per interface; 0 when all are taken. */
uint32_t dp_feature_register(const char *name);
int dp_hook_register(enum dp_hook_point point, int priority, const char *name, uint32_t feature, dp_hook_fn fn);

/* Control side: the features enabled on an interface (0 when it goes). */
void hook_iface_features(uint16_t iface, uint32_t features);
/* Control side: one feature on or off on an interface, the others kept. */
void hook_iface_feature_set(uint16_t iface, uint32_t feature, bool on);
/* Control side: a feature on every interface, those made later too
 * (connection tracking sees all traffic once a stateful feature needs it). */
void hook_feature_everywhere(uint32_t feature, bool on);

/* Interfaces on which some hook of the point runs. */
extern unsigned dp_hook_users[DP_HOOK_MAX];

static inline bool hook_active(enum dp_hook_point p)
{
	return __atomic_load_n(&dp_hook_users[p], __ATOMIC_RELAXED) != 0;
}

/* The point's hooks on pkts: returns how many go on (in order, at the front
 * of pkts); the others were dropped, consumed or input again. */
uint16_t hook_run(enum dp_hook_point p, struct dp_worker *w, struct rte_mbuf **pkts, uint16_t n);

/* Carries out a verdict other than DP_CONTINUE for m. */
void dp_verdict_apply(struct dp_worker *w, struct rte_mbuf *m, dp_verdict v);

#endif
