/* SPDX-License-Identifier: GPL-2.0-or-later */
/* IPv4 input: the PREROUTING hooks, then routing. The header checks are in ip4_check.h. */
#include "dataplane/ip4_check.h"
#include "dataplane/path.h"

/* Valid IPv4 packets (eth_input ran ip4_input_verdict on each, in its own
 * pass over the headers): the PREROUTING hooks, then routing. */
void ip4_input(struct dp_worker *w, struct rte_mbuf **pkts, const uint32_t *dst, uint16_t n)
{
	if (likely(!hook_active(DP_HOOK_PREROUTING))) {
		ip4_route_dst(w, pkts, dst, n, true);
		return;
	}
	/* Hooks may rewrite (DNAT) or drop packets: route on what they leave. */
	n = hook_run(DP_HOOK_PREROUTING, w, pkts, n);
	if (n)
		ip4_route(w, pkts, n, true);
}

static void input_again(struct dp_worker *w, struct rte_mbuf **pkts, const uint32_t *dst, uint16_t n, dp_verdict how)
{
	if (how == DP_REINJECT_IP4)
		ip4_input(w, pkts, dst, n);
	else
		eth_input_frames(w, pkts, n);
}

void dp_reinject(struct dp_worker *w, struct rte_mbuf **pkts, uint16_t n, dp_verdict how)
{
	struct dp_lcore_counters *cnt = dp_counters_self();
	struct rte_mbuf *ok[DP_BURST];
	uint32_t dst[DP_BURST] __rte_aligned(16);
	uint16_t n_ok = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct dp_mbuf_meta *meta = dp_meta(m);

		if (unlikely(++meta->depth > DP_META_MAX_DEPTH)) {
			dp_drop(cnt, DP_CNT_DROP_TOO_DEEP, m);
			continue;
		}
		if (how == DP_REINJECT_IP4) {
			/* A decapsulated packet gets the checks of a received one. */
			int why = ip4_input_verdict(m, &dst[n_ok]);
			if (unlikely(why != 0)) {
				dp_drop(cnt, (enum dp_counter_id)why, m);
				continue;
			}
		}
		ok[n_ok++] = m;
		if (n_ok == DP_BURST) {
			input_again(w, ok, dst, n_ok, how);
			n_ok = 0;
		}
	}
	if (n_ok)
		input_again(w, ok, dst, n_ok, how);
}
