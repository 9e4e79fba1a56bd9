/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IPv4 fragmentation (RFC 791, RFC 1812 5.2.6) of packets larger than the
 * egress MTU without DF, transit or originated alike. DPDK's ip_frag copies
 * the datagram into fresh direct mbufs of dp.pool, one per fragment, so every
 * mbuf a port transmits stays direct, single-segment and from one pool, as
 * RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE requires; a multi-segment datagram is
 * copied segment by segment. Only packets over the MTU come here.
 */
#include <errno.h>
#include <string.h>

#include <rte_ip_frag.h>

#include "dataplane/path.h"

/* Enough for any datagram that fits one mbuf, even at the smallest MTU (68). */
#define IP4_FRAG_MAX 64

bool ip4_fragment(struct dp_worker *w, struct rte_mbuf *m, uint16_t iface, uint32_t next_hop, uint16_t mtu,
		  const uint8_t l2[2 * RTE_ETHER_ADDR_LEN])
{
	struct dp_lcore_counters *cnt = dp_counters_self();
	const struct rte_ipv4_hdr *ip =
		rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
	uint32_t padding = rte_pktmbuf_pkt_len(m) - sizeof(struct rte_ether_hdr) - rte_be_to_cpu_16(ip->total_length);
	/* A fragment is one mbuf: no larger than the pool's data room. */
	uint16_t frag_mtu = (uint16_t)RTE_MIN(mtu, rte_pktmbuf_data_room_size(dp.pool) - RTE_PKTMBUF_HEADROOM);
	struct rte_mbuf *frags[IP4_FRAG_MAX];
	struct dp_mbuf_meta meta = *dp_meta(m);
	int32_t n;

	/* The library splits everything from the IPv4 header to the end of the chain. */
	if (unlikely(padding && rte_pktmbuf_trim(m, (uint16_t)padding) != 0)) {
		dp_drop(cnt, DP_CNT_DROP_IP4_FRAG_FAILED, m);
		return false;
	}
	rte_pktmbuf_adj(m, sizeof(struct rte_ether_hdr));
	n = rte_ipv4_fragment_copy_nonseg_packet(m, frags, IP4_FRAG_MAX, frag_mtu, dp.pool);
	if (unlikely(n < 0)) {
		dp_drop(cnt, n == -ENOMEM ? DP_CNT_DROP_IP4_FRAG_NO_MBUFS : DP_CNT_DROP_IP4_FRAG_FAILED, m);
		return false;
	}
	/* The datagram's record ends here: the fragments are new packets. */
	if (trace_on())
		trace_end(m, "ip4_frag", DP_CNT_IP4_FRAGMENTED, "fragmented into %d of at most %u bytes, to %s", n,
			  frag_mtu, dp_ifaces[iface].name);
	rte_pktmbuf_free(m);
	for (int32_t i = 0; i < n; i++) {
		struct rte_mbuf *f = frags[i];
		struct rte_ipv4_hdr *fip = rte_pktmbuf_mtod(f, struct rte_ipv4_hdr *);
		/* Fresh mbufs have the whole headroom for the Ethernet header. */
		struct rte_ether_hdr *eh = (struct rte_ether_hdr *)rte_pktmbuf_prepend(f, sizeof(*eh));

		*dp_meta(f) = meta;
		if (trace_on())
			trace_untraced(f);
		fip->hdr_checksum = rte_ipv4_cksum(fip); /* the library leaves it zero */
		memcpy(eh, l2, 2 * RTE_ETHER_ADDR_LEN);
		eh->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
		iface_output(w, iface, f, next_hop);
	}
	cnt->c[DP_CNT_IP4_FRAGMENTED]++;
	cnt->c[DP_CNT_IP4_FRAGMENTS_SENT] += (uint64_t)n;
	return true;
}
