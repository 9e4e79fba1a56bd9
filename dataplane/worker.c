/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The worker lcore loop: poll every RX queue assigned to this worker, run the
 * whole path for each burst, flush TX, report an RCU quiescent state.
 */
#include "dataplane/worker.h"

#include <string.h>

#include <rte_cycles.h>

#include "dataplane/path.h"

/* A frame from the main lcore for meta.out_iface, its destination MAC set:
 * an ARP request it built, or a packet that waited for its neighbour, whose
 * source MAC, MTU and the interface's output are this worker's to do. */
static void neigh_output(struct dp_worker *w, struct rte_mbuf *m)
{
	struct dp_mbuf_meta *meta = dp_meta(m);
	const struct dp_iface *ifc = &dp_ifaces[meta->out_iface];
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);

	if (eh->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4)) {
		if (trace_on()) {
			trace_rx(&m, 1, RTE_MAX_ETHPORTS, DP_TRACE_FROM_ROUTER);
			trace_step(m, "inject", "built by the main lcore, for %s", ifc->name);
		}
		iface_output(w, meta->out_iface, m, 0);
		return;
	}
	eh->src_addr = ifc->mac;
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eh + 1);
	/* Packets with DF were answered before they waited: these may be split. */
	if (rte_be_to_cpu_16(ip->total_length) > ifc->mtu) {
		uint8_t l2[2 * RTE_ETHER_ADDR_LEN];
		memcpy(l2, eh, sizeof(l2));
		dp_counters_self()->c[DP_CNT_FORWARDED] += ip4_fragment(w, m, meta->out_iface, 0, ifc->mtu, l2);
		return;
	}
	dp_counters_self()->c[DP_CNT_FORWARDED]++;
	iface_output(w, meta->out_iface, m, 0);
}

/* Frames the main lcore wants sent (ARP requests, packets that waited for
 * their neighbour's MAC) or packets to route again (their route changed
 * while they waited). */
void worker_drain_inject(struct dp_worker *w)
{
	struct rte_mbuf *pkts[DP_BURST], *reroute[DP_BURST];
	unsigned n = rte_ring_sc_dequeue_burst(dp.inject, (void **)pkts, DP_BURST, NULL);
	uint16_t n_reroute = 0;

	for (unsigned i = 0; i < n; i++) {
		struct dp_mbuf_meta *meta = dp_meta(pkts[i]);
		if (meta->reason == DP_CTRL_REROUTE) {
			reroute[n_reroute++] = pkts[i];
			continue;
		}
		neigh_output(w, pkts[i]);
	}
	if (n_reroute)
		ip4_route(w, reroute, n_reroute, false);
	ip4_route_later_flush(w);
}

static inline uint16_t poll_queue(struct dp_worker *w, uint16_t port, uint16_t queue)
{
	struct dp_lcore_counters *cnt = dp_counters_self();
	struct rte_mbuf *pkts[DP_BURST];
	uint64_t t0 = 0;
	uint16_t n;

	if (unlikely(dp.profile))
		t0 = rte_rdtsc();
	n = rte_eth_rx_burst(port, queue, pkts, DP_BURST);
	if (n == 0)
		return 0;
	if (unlikely(dp.profile)) {
		cnt->stage[DP_STAGE_RX].cycles += rte_rdtsc() - t0;
		cnt->stage[DP_STAGE_RX].packets += n;
	}
	cnt->c[DP_CNT_RX_PACKETS] += n;
	if (unlikely(dp.ports[port].is_punt))
		punt_port_input(w, pkts, n);
	else
		eth_input(w, port, pkts, n);
	return n;
}

static void flush_and_account(struct dp_worker *w)
{
	struct dp_lcore_counters *cnt = dp_counters_self();
	uint64_t t0 = 0, before = 0;

	if (unlikely(dp.profile)) {
		t0 = rte_rdtsc();
		before = cnt->c[DP_CNT_TX_PACKETS] + cnt->c[DP_CNT_DROP_TX_FULL];
	}
	for (unsigned i = 0; i < w->n_tx_ports; i++)
		tx_flush(w, w->tx_ports[i]);
	if (unlikely(dp.profile)) {
		cnt->stage[DP_STAGE_TX].cycles += rte_rdtsc() - t0;
		cnt->stage[DP_STAGE_TX].packets += cnt->c[DP_CNT_TX_PACKETS] + cnt->c[DP_CNT_DROP_TX_FULL] - before;
	}
}

int worker_main(void *arg)
{
	struct dp_worker *w = arg;

	rte_rcu_qsbr_thread_register(dp.qsbr, w->id);
	rte_rcu_qsbr_thread_online(dp.qsbr, w->id);

	while (!dp.stop) {
		unsigned got = 0;
		trace_round();
		for (unsigned i = 0; i < w->n_rxq; i++)
			got += poll_queue(w, w->rxq[i].port, w->rxq[i].queue);
		if (w->id == 0)
			worker_drain_inject(w);
		ip4_route_later_flush(w);
		dp_round_end_run(w);
		flush_and_account(w);
		rte_rcu_qsbr_quiescent(dp.qsbr, w->id);
		if (got == 0 && dp.idle_sleep_us) {
			/* Off the RCU books while asleep, so writers need not wait for us. */
			rte_rcu_qsbr_thread_offline(dp.qsbr, w->id);
			rte_delay_us_sleep(dp.idle_sleep_us);
			rte_rcu_qsbr_thread_online(dp.qsbr, w->id);
		}
	}
	rte_rcu_qsbr_thread_offline(dp.qsbr, w->id);
	rte_rcu_qsbr_thread_unregister(dp.qsbr, w->id);
	return 0;
}
