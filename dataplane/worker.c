/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The worker lcore loop: poll every RX queue assigned to this worker, run the
 * whole path for each burst, flush TX, report an RCU quiescent state.
 */
#include "dataplane/worker.h"

#include <rte_cycles.h>

#include "dataplane/path.h"

/* Packets the main lcore wants sent (ARP requests) or routed again (resolved). */
static void drain_inject(struct dp_worker *w)
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
		/* Frames the main lcore built (ARP) enter the path here. */
		if (trace_on()) {
			trace_rx(&pkts[i], 1, RTE_MAX_ETHPORTS, DP_TRACE_FROM_ROUTER);
			trace_step(pkts[i], "inject", "built by the main lcore, for %s", dp.ports[meta->out_port].name);
		}
		tx_enqueue(w, meta->out_port, pkts[i]);
	}
	if (n_reroute)
		ip4_route(w, reroute, n_reroute, false);
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
			drain_inject(w);
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
