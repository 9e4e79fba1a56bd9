/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Per-worker TX buffers, flushed when full and at the end of each poll round. */
#include "dataplane/path.h"

void tx_flush(struct dp_worker *w, uint16_t port)
{
	struct dp_tx_buffer *b = &w->tx[port];
	struct dp_port *p = &dp.ports[port];
	struct dp_lcore_counters *cnt = dp_counters_self();
	uint16_t sent = 0, queue;
	const bool tracing = trace_on();
	struct trace_ref refs[RTE_DIM(b->pkts)];

	if (b->n == 0)
		return;
	if (unlikely(!dp_ifaces[port].admin_up)) {
		if (unlikely(tracing))
			trace_end_bulk(b->pkts, b->n, "tx", DP_CNT_DROP_PORT_DOWN);
		rte_pktmbuf_free_bulk(b->pkts, b->n);
		cnt->c[DP_CNT_DROP_PORT_DOWN] += b->n;
		b->n = 0;
		return;
	}
	queue = (uint16_t)(w->id % p->n_txq);
	/* The driver may free what it sent before the burst returns. */
	if (unlikely(tracing))
		trace_tx_refs(b->pkts, b->n, refs);
	if (unlikely(p->txq_shared))
		rte_spinlock_lock(&p->txq_lock[queue]);
	sent = rte_eth_tx_burst(port, queue, b->pkts, b->n);
	if (unlikely(p->txq_shared))
		rte_spinlock_unlock(&p->txq_lock[queue]);
	cnt->c[DP_CNT_TX_PACKETS] += sent;
	if (unlikely(tracing))
		trace_tx_done(refs, b->n, sent, port, queue);
	if (unlikely(sent < b->n)) {
		rte_pktmbuf_free_bulk(&b->pkts[sent], b->n - sent);
		cnt->c[DP_CNT_DROP_TX_FULL] += b->n - sent;
		cnt->port_tx_drop[port] += b->n - sent;
	}
	b->n = 0;
}
