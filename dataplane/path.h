/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The worker's packet path, one stage per file:
 *
 *   rx -> eth_input: the interface's MAC, then by EtherType: IPv4 (+ sanity
 *         checks, ip4_check.h), ARP (arp.c), or a registered type (802.1Q:
 *         modules/vlan, which hands the frame back as received on its VLAN)
 *      -> ip4_input: PREROUTING hooks -> ip4_route: LPM lookup, then by next hop:
 *         local:      LOCAL_IN hooks -> ip4_local: a registered protocol (ICMP,
 *                     UDP by port: udp_local_register), else the kernel (punt.c)
 *         neighbour:  FORWARD, POSTROUTING hooks -> TTL, MTU (ip4_frag.c), the
 *                     neighbour's MAC -> the interface's output (a port's TX,
 *                     a VLAN's tag, a VXLAN segment's encapsulation)
 *         tunnel:     the same hooks -> the tunnel's output (encapsulation), whose
 *                     outer packet leaves as the router's own (own_output_send)
 *         unresolved: handed to the main lcore (neigh.c), which sends it back
 *                     to the interface's output once the MAC is known
 *         none, reject: icmp.c error; blackhole: dropped
 *   Packets the router or the kernel originates enter at ip4_route and pass
 *   LOCAL_OUT and POSTROUTING. A decapsulated packet is input again on its
 *   tunnel or segment, at most DP_META_MAX_DEPTH times.
 *
 * Features plug in by registering (hook.h, iface.h, eth_input_register,
 * ip4_local_register, udp_local_register) rather than by editing these files.
 * Every stage records what it decides about a traced packet (trace.h);
 * dp_drop() records drops itself.
 */
#ifndef BRINK_DP_PATH_H
#define BRINK_DP_PATH_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "dataplane/dp.h"
#include "dataplane/hook.h"
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

/* m joins b, port's TX buffer of worker w (&w->tx[port], found once by a
 * caller that sends many packets to one port). */
static inline void tx_buffer_add(struct dp_worker *w, struct dp_tx_buffer *b, uint16_t port, struct rte_mbuf *m)
{
	b->pkts[b->n++] = m;
	if (unlikely(b->n == RTE_DIM(b->pkts)))
		tx_flush(w, port);
}

static inline void tx_enqueue(struct dp_worker *w, uint16_t port, struct rte_mbuf *m)
{
	tx_buffer_add(w, &w->tx[port], port, m);
}

/* pkts leave by logical interface id, in one call of its output (see
 * struct iface_type), or are dropped while it is down. */
static inline void iface_send(struct dp_worker *w, uint16_t id, struct rte_mbuf **pkts, const uint32_t *next_hop,
			      uint16_t n)
{
	struct dp_iface *ifc = &dp_ifaces[id];

	if (unlikely(!ifc->type || !ifc->oper_up)) {
		struct dp_lcore_counters *cnt = dp_counters_self();
		for (uint16_t i = 0; i < n; i++)
			dp_drop(cnt, DP_CNT_DROP_IFACE_DOWN, pkts[i]);
		return;
	}
	ifc->ops->output(w, ifc, pkts, next_hop, n);
}

/* Hands the packets queued for one logical interface to its output. */
static inline void iface_queue_flush(struct dp_worker *w)
{
	uint16_t n = w->n_out;

	if (n) {
		w->n_out = 0;
		iface_send(w, w->out_iface, w->out, w->out_next_hop, n);
	}
}

/* m leaves by interface id (a frame, or for a tunnel an IPv4 packet after
 * an Ethernet header, to next_hop). */
static inline void iface_output(struct dp_worker *w, uint16_t id, struct rte_mbuf *m, uint32_t next_hop)
{
	if (likely(dp_ifaces[id].type == DP_IFACE_PORT)) {
		tx_enqueue(w, dp_ifaces[id].port, m);
		return;
	}
	if (w->n_out && w->out_iface == id)
		iface_queue_flush(w);
	iface_send(w, id, &m, &next_hop, 1);
}

/* As iface_output for a logical interface, at the latest when routing's
 * burst ends (ip4_route_dst flushes), so that the interface's output runs
 * once for the packets of a burst that take it. Order is kept: a packet for
 * another interface flushes the queue first. */
static inline void iface_queue(struct dp_worker *w, uint16_t id, struct rte_mbuf *m, uint32_t next_hop)
{
	if (unlikely(w->out_iface != id || w->n_out == DP_BURST)) {
		iface_queue_flush(w);
		w->out_iface = id;
	}
	w->out[w->n_out] = m;
	w->out_next_hop[w->n_out++] = next_hop;
}

/* ---- stages ---- */
/* Frames received on a port. */
void eth_input(struct dp_worker *w, uint16_t port, struct rte_mbuf **pkts, uint16_t n);
/* Frames whose meta.in_iface is set: decapsulated from a tunnel or segment. */
void eth_input_frames(struct dp_worker *w, struct rte_mbuf **pkts, uint16_t n);
void arp_input(struct dp_worker *w, uint16_t iface, struct rte_mbuf *m);
/* dst: each packet's destination address, host order, as eth_input read it. */
void ip4_input(struct dp_worker *w, struct rte_mbuf **pkts, const uint32_t *dst, uint16_t n);
/* transit: received (TTL is decremented); otherwise originated by the router
 * or the kernel behind the punt port. */
void ip4_route(struct dp_worker *w, struct rte_mbuf **pkts, uint16_t n, bool transit);
/* The same with the destinations already read (16-byte aligned array). */
void ip4_route_dst(struct dp_worker *w, struct rte_mbuf **pkts, const uint32_t *dst, uint16_t n, bool transit);
/* m (Ethernet + IPv4 without DF, longer than mtu) leaves by iface as
 * fragments of at most mtu bytes, each with the Ethernet header l2
 * (destination then source MAC), toward next_hop. m is consumed; false when
 * it was dropped instead. */
bool ip4_fragment(struct dp_worker *w, struct rte_mbuf *m, uint16_t iface, uint32_t next_hop, uint16_t mtu,
		  const uint8_t l2[2 * RTE_ETHER_ADDR_LEN]);
/* Packets to the router, in bursts. */
void ip4_local(struct dp_worker *w, struct rte_mbuf **pkts, uint16_t n);
void punt_to_kernel(struct dp_worker *w, struct rte_mbuf *m);
void punt_port_input(struct dp_worker *w, struct rte_mbuf **pkts, uint16_t n);
/* The kernel side's MAC as its frames show it; written only when it changed,
 * since every worker reads it to punt. */
void punt_learn_kernel_mac(const struct rte_ether_addr *mac);
/* m, a tunnel's outer packet (after an Ethernet header), is routed as the
 * router's own at the end of the burst that made it, with the others. */
void ip4_route_later(struct dp_worker *w, struct rte_mbuf *m);
/* Routes what waits now (the worker, before it flushes TX). */
void ip4_route_later_flush(struct dp_worker *w);
/* The route of one destination of the router's own packets, as this lcore
 * last found it: the part a tunnel's output needs to send straight out. */
struct own_route {
	uint32_t dst;
	uint32_t gen;        /* the forwarding generation it was decided in */
	uint16_t direct_len; /* packets up to this length go straight out (0: none does) */
	uint16_t port;
	uint8_t l2[2 * RTE_ETHER_ADDR_LEN]; /* destination then source MAC */
};
/* A tunnel's outer packets (after an Ethernet header) leave as the
 * router's own, each as soon as it is built: straight out to a resolved
 * neighbour on a port when nothing else has to see them, else (hooks, a
 * trace, ECMP, ARP, a tunnel in a tunnel, too big) routed in full with the
 * burst's others (ip4_route_later). One own_output per burst, between
 * own_output_begin and own_output_end. */
struct own_output {
	const struct own_route *r; /* the last destination's */
	uint32_t gen;
	uint32_t sent;
	bool routed; /* hooks or a trace: every packet is routed in full */
};
void own_output_begin(struct own_output *o);
/* dst's route, decided again when no route, next hop or interface changed since. */
const struct own_route *own_route_find(struct dp_worker *w, uint32_t dst, uint32_t gen);

/* m to dst (host order), len bytes from its IPv4 header on: dst and len
 * are the header's, kept so that a header just written need not be read back. */
static inline void own_output_send(struct dp_worker *w, struct own_output *o, struct rte_mbuf *m, uint32_t dst,
				   uint16_t len)
{
	if (unlikely(!o->r || o->r->dst != dst)) {
		if (o->routed) {
			ip4_route_later(w, m);
			return;
		}
		o->r = own_route_find(w, dst, o->gen);
	}
	if (likely(len <= o->r->direct_len)) {
		memcpy(rte_pktmbuf_mtod(m, uint8_t *), o->r->l2, sizeof(o->r->l2));
		tx_enqueue(w, o->r->port, m);
		o->sent++;
	} else {
		ip4_route_later(w, m);
	}
}

static inline void own_output_end(struct own_output *o)
{
	dp_counters_self()->c[DP_CNT_FORWARDED] += o->sent;
}

/* Packets a hook or a handler turned into received ones (DP_REINJECT_ETH,
 * DP_REINJECT_IP4): input again on meta.in_iface, within DP_META_MAX_DEPTH. */
void dp_reinject(struct dp_worker *w, struct rte_mbuf **pkts, uint16_t n, dp_verdict how);

/* ICMP types a router sends (RFC 792); DPDK 22.11 names only echo. */
#define ICMP_DEST_UNREACH 3
#define ICMP_TIME_EXCEEDED 11
#define ICMP_CODE_NET_UNREACH 0
#define ICMP_CODE_FRAG_NEEDED 4

/* ICMP error about m (an IPv4 packet starting after its Ethernet header),
 * built in m itself and routed back to its source from in_iface's address;
 * rate limited per worker. m is consumed in every case. */
void icmp_send_error(struct dp_worker *w, struct rte_mbuf *m, uint8_t type, uint8_t code, uint16_t in_iface,
		     uint16_t next_mtu);

/* A TCP RST answering m (an IPv4 TCP segment after its Ethernet header,
 * RFC 9293 3.10.7.1), from m's destination to its source, built in m and
 * routed as the router's own. False, m untouched, for a reset, a later
 * fragment or a segment too short to answer: the caller still owns m. */
bool tcp_send_reset(struct dp_worker *w, struct rte_mbuf *m);

/* ---- registration ---- */

/* Frames of an EtherType the core does not handle (802.1Q...), received on
 * in. The handler returns a verdict: DP_REINJECT_ETH once it made m a frame
 * received on another interface (meta.in_iface); DP_CONTINUE: not its own,
 * dropped as unsupported. */
typedef dp_verdict (*eth_input_fn)(struct dp_worker *w, struct dp_iface *in, struct rte_mbuf *m);
void eth_input_register(uint16_t ethertype, eth_input_fn fn);
/* For frames the port's RX already stripped of an 802.1Q tag (RTE_MBUF_F_RX_VLAN_STRIPPED). */
void eth_input_register_stripped(eth_input_fn fn);

/* Handler for packets addressed to the router with a given IP protocol,
 * given together as they came: one verdict per packet (DP_CONSUMED once it
 * sent or freed it; DP_CONTINUE: not its own, for the kernel; DP_REINJECT_*
 * once decapsulated; DP_DROP). Unregistered protocols are punted to the kernel. */
typedef void (*ip4_local_fn)(struct dp_worker *w, struct rte_mbuf **pkts, dp_verdict *verdicts, uint16_t n);
void ip4_local_register(uint8_t proto, ip4_local_fn fn);
/* UDP to the router by destination port (VXLAN, later IKE and ESP in UDP).
 * Registrations of one port are counted: the last unregister ends it.
 * Ports nobody registered go to the kernel. Control side only. */
int udp_local_register(uint16_t port, ip4_local_fn fn);
void udp_local_unregister(uint16_t port);

#endif
