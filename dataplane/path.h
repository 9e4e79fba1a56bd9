/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The worker's packet path, one stage per file:
 *
 *   rx -> eth_input (+ IPv4 sanity checks, ip4_check.h) -> arp_input (arp.c)
 *                   -> ip4_input: [registered ip4 stages] -> ip4_route
 *   ip4_route: LPM lookup -> local: ip4_local (icmp.c, registered protocols, punt.c)
 *                         -> forward: TTL, MTU (ip4_frag.c), L2 rewrite -> tx
 *                         -> unresolved next hop: handed to the main lcore (neigh.c)
 *                         -> no route / unreachable: icmp.c error
 *
 * Later features plug in by registering (ip4_stage_register, ip4_local_register)
 * rather than by editing these files. Every stage records what it decides
 * about a traced packet (trace.h); dp_drop() records drops itself.
 */
#ifndef BRINK_DP_PATH_H
#define BRINK_DP_PATH_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "dataplane/dp.h"
#include "dataplane/trace.h"

static inline void dp_drop(struct dp_lcore_counters *cnt, enum dp_counter_id why, struct rte_mbuf *m)
{
	cnt->c[why]++;
	if (trace_on())
		trace_drop(m, why);
	rte_pktmbuf_free(m);
}

/* ---- tx.c ---- */
void tx_flush(struct dp_worker *w, uint16_t port);

static inline void tx_enqueue(struct dp_worker *w, uint16_t port, struct rte_mbuf *m)
{
	struct dp_tx_buffer *b = &w->tx[port];
	b->pkts[b->n++] = m;
	if (unlikely(b->n == RTE_DIM(b->pkts)))
		tx_flush(w, port);
}

/* ---- stages ---- */
void eth_input(struct dp_worker *w, uint16_t port, struct rte_mbuf **pkts, uint16_t n);
void arp_input(struct dp_worker *w, uint16_t port, struct rte_mbuf *m);
/* dst: each packet's destination address, host order, as eth_input read it. */
void ip4_input(struct dp_worker *w, struct rte_mbuf **pkts, const uint32_t *dst, uint16_t n);
/* transit: received from a port (TTL is decremented); otherwise originated by
 * the router or the kernel behind the punt port. */
void ip4_route(struct dp_worker *w, struct rte_mbuf **pkts, uint16_t n, bool transit);
/* The same with the destinations already read (16-byte aligned array). */
void ip4_route_dst(struct dp_worker *w, struct rte_mbuf **pkts, const uint32_t *dst, uint16_t n, bool transit);
/* m (Ethernet + IPv4 without DF, longer than mtu) leaves as fragments of at
 * most mtu bytes, each with the Ethernet header l2 (destination then source
 * MAC), queued on port. m is consumed; false when it was dropped instead. */
bool ip4_fragment(struct dp_worker *w, struct rte_mbuf *m, uint16_t port, uint16_t mtu,
		  const uint8_t l2[2 * RTE_ETHER_ADDR_LEN]);
void ip4_local(struct dp_worker *w, struct rte_mbuf *m);
void punt_to_kernel(struct dp_worker *w, struct rte_mbuf *m);
void punt_port_input(struct dp_worker *w, struct rte_mbuf **pkts, uint16_t n);
/* The kernel side's MAC as its frames show it; written only when it changed,
 * since every worker reads it to punt. */
void punt_learn_kernel_mac(const struct rte_ether_addr *mac);

/* ICMP types a router sends (RFC 792); DPDK 22.11 names only echo. */
#define ICMP_DEST_UNREACH 3
#define ICMP_TIME_EXCEEDED 11
#define ICMP_CODE_NET_UNREACH 0
#define ICMP_CODE_FRAG_NEEDED 4

/* ICMP error about m (an IPv4 packet starting after its Ethernet header),
 * built in m itself and routed back to its source; rate limited per worker.
 * m is consumed in every case. */
void icmp_send_error(struct dp_worker *w, struct rte_mbuf *m, uint8_t type, uint8_t code, uint16_t in_port,
		     uint16_t next_mtu);

/* ---- registration ---- */

/* A stage run on every burst of valid IPv4 packets before routing (firewall,
 * DNAT, decapsulation...). It returns how many packets continue, compacted
 * at the front of pkts; it frees or forwards the others itself. */
typedef uint16_t (*ip4_stage_fn)(struct dp_worker *w, struct rte_mbuf **pkts, uint16_t n);
int ip4_stage_register(const char *name, ip4_stage_fn fn);

/* Handler for packets addressed to the router with a given IP protocol. It
 * consumes m. Unregistered protocols are punted to the kernel. */
typedef void (*ip4_local_fn)(struct dp_worker *w, struct rte_mbuf *m);
void ip4_local_register(uint8_t proto, ip4_local_fn fn);

#endif
