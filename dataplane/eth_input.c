/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Ethernet input: accept frames for our MAC (or broadcast/multicast), dispatch
 * by EtherType; IPv4 headers are checked in the same pass. */
#include <rte_arp.h>

#include "common/net_addr.h"
#include "dataplane/ip4_check.h"
#include "dataplane/path.h"

static inline bool frame_for_us(const struct rte_ether_hdr *eh, const struct dp_port *p)
{
	return rte_is_same_ether_addr(&eh->dst_addr, &p->mac) || rte_is_multicast_ether_addr(&eh->dst_addr);
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

void eth_input(struct dp_worker *w, uint16_t port, struct rte_mbuf **pkts, uint16_t n)
{
	struct dp_lcore_counters *cnt = dp_counters_self();
	struct dp_port *p = &dp.ports[port];
	struct rte_mbuf *ip4[DP_BURST];
	uint32_t dst[DP_BURST] __rte_aligned(16);
	uint16_t n_ip4 = 0;
	uint64_t t0 = 0;
	const bool tracing = trace_on();

	if (unlikely(dp.profile))
		t0 = rte_rdtsc();
	if (unlikely(tracing))
		trace_rx(pkts, n, port, DP_TRACE_FROM_PORT);
	if (unlikely(!p->admin_up)) {
		if (unlikely(tracing))
			trace_end_bulk(pkts, n, "eth_input", DP_CNT_DROP_PORT_DOWN);
		rte_pktmbuf_free_bulk(pkts, n);
		cnt->c[DP_CNT_DROP_PORT_DOWN] += n;
		return;
	}
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);

		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		if (unlikely(rte_pktmbuf_data_len(m) < sizeof(*eh))) {
			dp_drop(cnt, DP_CNT_DROP_ETH_RUNT, m);
			continue;
		}
		if (unlikely(!frame_for_us(eh, p))) {
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
			arp_input(w, port, m);
		} else {
			dp_drop(cnt, DP_CNT_DROP_ETH_UNSUPPORTED, m);
		}
	}
	if (unlikely(dp.profile)) {
		cnt->stage[DP_STAGE_INPUT].cycles += rte_rdtsc() - t0;
		cnt->stage[DP_STAGE_INPUT].packets += n;
	}
	if (n_ip4)
		ip4_input(w, ip4, dst, n_ip4);
}
