/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The exception path: packets for the router that the dataplane does not
 * handle go to a kernel interface (TAP or virtio-user) in the management
 * namespace; what the kernel sends back is routed like any packet the
 * router originates. The dataplane answers every ARP request from the kernel
 * (arp.c), so the kernel sends all its traffic to us.
 */
#include "dataplane/ip4_check.h"
#include "dataplane/path.h"

void punt_to_kernel(struct dp_worker *w, struct rte_mbuf *m)
{
	struct dp_lcore_counters *cnt = dp_counters_self();
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);

	if (dp.punt_port < 0) {
		dp_drop(cnt, DP_CNT_DROP_PUNT_DISABLED, m);
		return;
	}
	struct dp_port *p = &dp.ports[dp.punt_port];
	eh->dst_addr = p->kernel_mac;
	eh->src_addr = dp_ifaces[dp.punt_port].mac;
	cnt->c[DP_CNT_PUNTED]++;
	if (trace_on())
		trace_step(m, "punt", "to the kernel on %s", dp_ifaces[dp.punt_port].name);
	tx_enqueue(w, (uint16_t)dp.punt_port, m);
}

void punt_learn_kernel_mac(const struct rte_ether_addr *mac)
{
	struct dp_port *p = &dp.ports[dp.punt_port];
	if (unlikely(!rte_is_same_ether_addr(&p->kernel_mac, mac)))
		p->kernel_mac = *mac;
}

void punt_port_input(struct dp_worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	struct dp_lcore_counters *cnt = dp_counters_self();
	const struct dp_iface *p = &dp_ifaces[dp.punt_port];
	struct rte_mbuf *ip4[DP_BURST];
	uint32_t dst[DP_BURST] __rte_aligned(16);
	uint16_t n_ip4 = 0;
	const bool tracing = trace_on();

	if (unlikely(tracing))
		trace_rx(pkts, n, (uint16_t)dp.punt_port, DP_TRACE_FROM_KERNEL);
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
		struct dp_mbuf_meta *meta = dp_meta(m);

		meta->in_iface = (uint16_t)dp.punt_port;
		meta->depth = 0;
		if (rte_pktmbuf_data_len(m) < sizeof(*eh)) {
			dp_drop(cnt, DP_CNT_DROP_PUNT_FROM_KERNEL_BAD, m);
			continue;
		}
		if (eh->ether_type == RTE_BE16(RTE_ETHER_TYPE_ARP)) {
			arp_input(w, (uint16_t)dp.punt_port, m);
		} else if (eh->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4) &&
			   rte_is_same_ether_addr(&eh->dst_addr, &p->mac)) {
			/* The same checks as from any port: the kernel's multicast and
			 * broadcast have nowhere to go. */
			int why = ip4_input_verdict(m, &dst[n_ip4]);
			if (why != 0) {
				dp_drop(cnt, (enum dp_counter_id)why, m);
				continue;
			}
			punt_learn_kernel_mac(&eh->src_addr);
			cnt->c[DP_CNT_FROM_KERNEL]++;
			if (unlikely(tracing))
				trace_step(m, "punt", "IPv4 from the kernel, routed as the router's own");
			ip4[n_ip4++] = m;
		} else {
			/* IPv6 router solicitations and the like: the kernel talks, nobody listens. */
			dp_drop(cnt, DP_CNT_DROP_PUNT_FROM_KERNEL_BAD, m);
		}
	}
	if (n_ip4)
		ip4_route_dst(w, ip4, dst, n_ip4, false);
}
