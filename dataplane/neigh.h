/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The neighbour (ARP) table, owned by the main lcore. A neighbour is a next
 * hop of kind NH_NEIGHBOR; once resolved it is also installed as a /32 host
 * route, so a packet to any resolved host needs a single LPM lookup.
 * Packets waiting for resolution are held in a small per-neighbour queue.
 *
 * Traffic to hosts that never answer must not take what everyone needs: held
 * packets have a bound over all neighbours (a share of the mempool), entries
 * created by traffic are capped and rate limited while unresolved, and ARP
 * requests go through a token bucket. Gateways that routes use are exempt
 * from the cap and have a reserve in the other two budgets, so a flood of
 * random destinations cannot stop them from resolving.
 */
#ifndef BRINK_DP_NEIGH_H
#define BRINK_DP_NEIGH_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "common/dp_msg.h"
#include "dataplane/arp.h"

#define NEIGH_MAX 16384
#define NEIGH_HOLD_MAX 8     /* packets held per unresolved neighbour */
#define NEIGH_REACHABLE_S 30 /* confirmed entries are trusted this long */
#define NEIGH_PROBES 3       /* requests sent before giving up */
#define NEIGH_PROBE_INTERVAL_MS 1000
#define NEIGH_HOLD_POOL_SHARE 8   /* all held packets together: at most 1/8 of the mempool */
#define NEIGH_HOLD_TOTAL_MAX 4096 /* ... and never more than this */
#define NEIGH_PENDING_MAX 1024    /* unresolved entries created by traffic */
#define NEIGH_CREATE_PER_S 500    /* new entries created by traffic, per second */
#define NEIGH_CREATE_BURST 100
#define NEIGH_ARP_PER_S 500 /* ARP requests sent, per second */
#define NEIGH_ARP_BURST 100
#define NEIGH_ARP_GATEWAY_RESERVE 50 /* tokens only gateways may use */

/* After the mempool is created: the hold bound is sized from it. */
int neigh_init(void);

/* A route uses ip (on iface) as its gateway: returns the next hop id or -errno. */
int32_t neigh_ref(uint32_t ip, uint16_t iface);
void neigh_unref(uint32_t ip);

/* Static entries: set (replacing any learned MAC) or return to dynamic. */
int neigh_set_permanent(uint32_t ip, uint16_t iface, const uint8_t mac[6]);
void neigh_clear_permanent(uint32_t ip);

/* From the workers. */
void neigh_arp_event(const struct arp_event *ev);
void neigh_resolve_packet(struct rte_mbuf *m);

/* Timers: probes, aging, held packets. */
void neigh_timer(uint64_t now_tsc);

/* Forget the dynamic neighbours no route uses that are no longer on-link:
 * onlink(iface, ip) says whether ip may still be reached on iface. */
void neigh_sweep(bool (*onlink)(uint16_t iface, uint32_t ip));
/* True when ip's MAC is known; then it is copied to mac (which may be NULL). */
bool neigh_mac(uint32_t ip, uint8_t mac[6]);
/* A configured /32 stopped shadowing a neighbour's host route: put it back. */
void neigh_restore_host_route(uint32_t ip);

/* Drop every held packet (shutdown). */
void neigh_flush_all(void);

unsigned neigh_dump(struct dp_neigh_info *out, unsigned max);
/* Host routes installed for resolved neighbours. */
unsigned neigh_host_routes(struct dp_route_info *out, unsigned max);

#endif
