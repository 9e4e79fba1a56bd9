/* SPDX-License-Identifier: GPL-2.0-or-later */
/* RFC 1812 section 5.2.2 sanity checks of a received IPv4 header. */
#ifndef BRINK_DP_IP4_CHECK_H
#define BRINK_DP_IP4_CHECK_H

#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "dataplane/counters.h"

/* One's-complement sum of a 20-byte header in four adds (the common case).
 * The header sits 2 bytes off 4-byte alignment after Ethernet, so it is
 * read with memcpy, into registers: a 20-byte memcpy into an array goes
 * through the stack, as one vector store reloaded in words, and those
 * loads wait for the store to retire. */
static inline uint16_t ip4_hdr_sum20(const struct rte_ipv4_hdr *ip)
{
	const uint8_t *p = (const uint8_t *)ip;
	uint64_t a, b;
	uint32_t c;

	memcpy(&a, p, sizeof(a));
	memcpy(&b, p + 8, sizeof(b));
	memcpy(&c, p + 16, sizeof(c));
	uint64_t s = (a & 0xffffffff) + (a >> 32) + (b & 0xffffffff) + (b >> 32) + c;
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)((s & 0xffff) + (s >> 16));
}

/* Returns 0 when the packet may go on, else the drop counter to charge.
 * m starts with the Ethernet header; the frame may carry trailing padding. */
static inline int ip4_check(const struct rte_mbuf *m)
{
	const uint32_t eth_len = sizeof(struct rte_ether_hdr);
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, eth_len);
	uint32_t frame_ip_len = rte_pktmbuf_pkt_len(m) - eth_len;
	uint16_t ihl_bytes, total, sum;

	/* The header must sit in the first segment; the payload may span several. */
	if (unlikely(rte_pktmbuf_data_len(m) < eth_len + sizeof(*ip)))
		return DP_CNT_DROP_IP4_TRUNCATED;
	if (likely(ip->version_ihl == RTE_IPV4_VHL_DEF)) {
		ihl_bytes = sizeof(*ip);
	} else {
		if ((ip->version_ihl >> 4) != 4)
			return DP_CNT_DROP_IP4_BAD_VERSION;
		ihl_bytes = (uint16_t)((ip->version_ihl & 0xf) * 4);
		if (ihl_bytes < sizeof(*ip) || ihl_bytes > rte_pktmbuf_data_len(m) - eth_len)
			return DP_CNT_DROP_IP4_BAD_IHL;
	}
	total = rte_be_to_cpu_16(ip->total_length);
	if (unlikely(total < ihl_bytes || total > frame_ip_len))
		return DP_CNT_DROP_IP4_BAD_LENGTH;
	if ((m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_GOOD)
		return 0;
	sum = likely(ihl_bytes == sizeof(*ip)) ? ip4_hdr_sum20(ip) : rte_raw_cksum(ip, ihl_bytes);
	return likely(sum == 0xffff) ? 0 : DP_CNT_DROP_IP4_BAD_CHECKSUM;
}

/* RFC 1812 5.3.7: never forward from 0/8, 127/8, multicast, class E or broadcast sources. */
static inline bool ip4_src_is_martian(uint32_t src_be)
{
	uint32_t s = rte_be_to_cpu_32(src_be);
	return s >= 0xe0000000 || (s >> 24) == 0 || (s >> 24) == 127;
}

/* ip4_check, then the addresses a router never forwards from or to. On
 * success *dst_out is the destination address (host order), for routing. */
static inline int ip4_input_verdict(const struct rte_mbuf *m, uint32_t *dst_out)
{
	int why = ip4_check(m);
	if (unlikely(why != 0))
		return why;
	const struct rte_ipv4_hdr *ip =
		rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
	uint32_t dst = rte_be_to_cpu_32(ip->dst_addr);
	*dst_out = dst;
	if (unlikely(ip4_src_is_martian(ip->src_addr)))
		return DP_CNT_DROP_IP4_BAD_SOURCE;
	if (unlikely(dst >= 0xe0000000)) {
		if (dst == 0xffffffff)
			return DP_CNT_DROP_IP4_BROADCAST;
		if ((dst >> 28) == 0xe)
			return DP_CNT_DROP_IP4_MULTICAST;
	}
	return 0;
}

#endif
