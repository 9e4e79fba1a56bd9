/* SPDX-License-Identifier: GPL-2.0-or-later */
/* IPv4 input: header sanity checks, then the registered input stages, then routing. */
#include <string.h>

#include "dataplane/ip4_check.h"
#include "dataplane/path.h"

#define IP4_STAGES_MAX 16

static struct {
	const char *name;
	ip4_stage_fn fn;
} stages[IP4_STAGES_MAX];
static unsigned n_stages;

int ip4_stage_register(const char *name, ip4_stage_fn fn)
{
	if (n_stages == IP4_STAGES_MAX)
		return -ENOSPC;
	stages[n_stages].name = name;
	stages[n_stages].fn = fn;
	n_stages++;
	return 0;
}

unsigned ip4_stages_count(void)
{
	return n_stages;
}

/* RFC 1812 5.3.7: never forward from 0/8, 127/8, multicast, class E or broadcast sources. */
static inline bool src_is_bad(uint32_t src_be)
{
	uint32_t s = rte_be_to_cpu_32(src_be);
	return s >= 0xe0000000 || (s >> 24) == 0 || (s >> 24) == 127;
}

void ip4_input(struct dp_worker *w, uint16_t port, struct rte_mbuf **pkts, uint16_t n)
{
	struct dp_lcore_counters *cnt = dp_counters_self();
	uint16_t kept = 0;
	uint64_t t0 = 0;

	(void)port;
	if (unlikely(dp.profile))
		t0 = rte_rdtsc();
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		int why = ip4_check(m);
		if (likely(why == 0)) {
			const struct rte_ipv4_hdr *ip =
				rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
			uint32_t dst = rte_be_to_cpu_32(ip->dst_addr);
			if (unlikely(src_is_bad(ip->src_addr)))
				why = DP_CNT_DROP_IP4_BAD_SOURCE;
			else if (unlikely(dst >= 0xe0000000)) {
				if (dst == 0xffffffff)
					why = DP_CNT_DROP_IP4_BROADCAST;
				else if ((dst >> 28) == 0xe)
					why = DP_CNT_DROP_IP4_MULTICAST;
			}
		}
		if (likely(why == 0))
			pkts[kept++] = m;
		else
			dp_drop(cnt, (enum dp_counter_id)why, m);
	}
	if (unlikely(dp.profile)) {
		cnt->stage[DP_STAGE_IP4_INPUT].cycles += rte_rdtsc() - t0;
		cnt->stage[DP_STAGE_IP4_INPUT].packets += n;
	}
	for (unsigned s = 0; s < n_stages && kept; s++)
		kept = stages[s].fn(w, pkts, kept);
	if (kept)
		ip4_route(w, pkts, kept, true);
}
