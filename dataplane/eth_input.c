/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Ethernet input: accept frames for the interface's MAC (or broadcast and
 * multicast), dispatch by EtherType; IPv4 headers are checked in the same
 * pass. A registered EtherType (802.1Q) may hand a frame back as received on
 * another interface, which is then taken from the top. */
#include <string.h>

#include <rte_arp.h>

#include "common/net_addr.h"
#include "dataplane/ip4_check.h"
#include "dataplane/path.h"

static eth_input_fn by_type[2]; /* 0: 802.1Q, 1: QinQ (802.1ad) */
static eth_input_fn stripped;

void eth_input_register(uint16_t ethertype, eth_input_fn fn)
{
	RTE_VERIFY(ethertype == RTE_ETHER_TYPE_VLAN || ethertype == RTE_ETHER_TYPE_QINQ);
	by_type[ethertype == RTE_ETHER_TYPE_QINQ] = fn;
}

void eth_input_register_stripped(eth_input_fn fn)
{
	stripped = fn;
}

/* The interface's own MAC, or a group address. Compared as a 4-byte and a
 * 2-byte word rather than three 2-byte ones. */
static inline bool frame_for_us(const struct rte_ether_hdr *eh, const struct dp_iface *ifc)
{
	uint32_t d4, m4;
	uint16_t d2, m2;

	memcpy(&d4, &eh->dst_addr, sizeof(d4));
	memcpy(&d2, &eh->dst_addr.addr_bytes[4], sizeof(d2));
	memcpy(&m4, &ifc->mac, sizeof(m4));
	memcpy(&m2, &ifc->mac.addr_bytes[4], sizeof(m2));
	return ((d4 ^ m4) | (uint32_t)(d2 ^ m2)) == 0 || rte_is_multicast_ether_addr(&eh->dst_addr);
}

static __rte_cold void trace_accepted(struct rte_mbuf *m, const char *what)
{
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	char mac[MAC_STR_LEN];

	trace_step(m, "eth_input", "%s accepted for %s%s", what, mac_fmt(eh->dst_addr.addr_bytes, mac),
		   rte_is_broadcast_ether_addr(&eh->dst_addr)   ? " (broadcast)"
		   : rte_is_multicast_ether_addr(&eh->dst_addr) ? " (multicast)"
								: "");
}

/* A registered EtherType's handler; true when m is now a frame of another
 * interface, to be taken again. */
static bool other_type(struct dp_worker *w, struct dp_lcore_counters *cnt, struct dp_iface *ifc, eth_input_fn fn,
		       struct rte_mbuf *m)
{
	dp_verdict v;

	if (!fn) {
		dp_drop(cnt, DP_CNT_DROP_ETH_UNSUPPORTED, m);
		return false;
	}
	v = fn(w, ifc, m);
	if (v == DP_REINJECT_ETH)
		return true;
	if (v == DP_CONTINUE)
		dp_drop(cnt, DP_CNT_DROP_ETH_UNSUPPORTED, m);
	else
		dp_verdict_apply(w, m, v);
	return false;
}

static inline bool is_vlan_type(uint16_t type_be)
{
	return type_be == RTE_BE16(RTE_ETHER_TYPE_VLAN) || type_be == RTE_BE16(RTE_ETHER_TYPE_QINQ);
}

/* Frames of one burst received on port, or (DP_IFACE_NONE) each with its
 * meta.in_iface set; t0: when the burst came in, for the profile (0: not timed). */
static void frames_input(struct dp_worker *w, struct rte_mbuf **pkts, uint16_t n, uint16_t port, bool tracing,
			 uint64_t t0)
{
	struct dp_lcore_counters *cnt = dp_counters_self();
	struct dp_iface *port_ifc = port != DP_IFACE_NONE ? &dp_ifaces[port] : NULL;
	struct rte_mbuf *ip4[DP_BURST];
	uint32_t dst[DP_BURST] __rte_aligned(16);
	uint16_t n_ip4 = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct dp_mbuf_meta *meta = dp_meta(m);
		struct dp_iface *ifc = port_ifc;

		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		if (likely(port_ifc)) {
			meta->in_iface = port;
			meta->depth = 0;
		} else {
			ifc = &dp_ifaces[meta->in_iface];
		}
	again:;
		const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);

		if (unlikely(rte_pktmbuf_data_len(m) < sizeof(*eh))) {
			dp_drop(cnt, DP_CNT_DROP_ETH_RUNT, m);
			continue;
		}
		/* An untagged IPv4 frame is the one case tested first. A tagged
		 * frame is for its VLAN's MAC, which may differ from the port's. */
		bool tagged = m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED;
		if (unlikely(tagged || eh->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4)) &&
		    (tagged || is_vlan_type(eh->ether_type))) {
			eth_input_fn fn = tagged ? stripped : by_type[eh->ether_type == RTE_BE16(RTE_ETHER_TYPE_QINQ)];
			if (!other_type(w, cnt, ifc, fn, m))
				continue;
			ifc = &dp_ifaces[meta->in_iface];
			goto again;
		}
		if (unlikely(!frame_for_us(eh, ifc))) {
			dp_drop(cnt, DP_CNT_DROP_ETH_OTHER_HOST, m);
			continue;
		}
		if (likely(eh->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4))) {
			/* Checked here, while the header is at hand, rather than in a second pass. */
			int why = ip4_input_verdict(m, &dst[n_ip4]);
			if (likely(why == 0)) {
				if (unlikely(tracing))
					trace_accepted(m, "IPv4");
				ip4[n_ip4++] = m;
			} else {
				dp_drop(cnt, (enum dp_counter_id)why, m);
			}
		} else if (eh->ether_type == RTE_BE16(RTE_ETHER_TYPE_ARP)) {
			if (unlikely(tracing))
				trace_accepted(m, "ARP");
			arp_input(w, meta->in_iface, m);
		} else {
			dp_drop(cnt, DP_CNT_DROP_ETH_UNSUPPORTED, m);
		}
	}
	if (unlikely(dp.profile) && t0) {
		cnt->stage[DP_STAGE_INPUT].cycles += rte_rdtsc() - t0;
		cnt->stage[DP_STAGE_INPUT].packets += n;
	}
	if (n_ip4)
		ip4_input(w, ip4, dst, n_ip4);
}

void eth_input(struct dp_worker *w, uint16_t port, struct rte_mbuf **pkts, uint16_t n)
{
	struct dp_lcore_counters *cnt = dp_counters_self();
	uint64_t t0 = 0;
	const bool tracing = trace_on();

	if (unlikely(dp.profile))
		t0 = rte_rdtsc();
	if (unlikely(tracing))
		trace_rx(pkts, n, port, DP_TRACE_FROM_PORT);
	if (unlikely(!dp_ifaces[port].admin_up)) {
		if (unlikely(tracing))
			trace_end_bulk(pkts, n, "eth_input", DP_CNT_DROP_PORT_DOWN);
		rte_pktmbuf_free_bulk(pkts, n);
		cnt->c[DP_CNT_DROP_PORT_DOWN] += n;
		return;
	}
	frames_input(w, pkts, n, port, tracing, t0);
}

void eth_input_frames(struct dp_worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	frames_input(w, pkts, n, DP_IFACE_NONE, trace_on(), 0);
}
