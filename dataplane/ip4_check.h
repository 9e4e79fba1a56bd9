/* SPDX-License-Identifier: GPL-2.0-or-later */
/* RFC 1812 section 5.2.2 sanity checks of a received IPv4 header. */
#ifndef BRINK_DP_IP4_CHECK_H
#define BRINK_DP_IP4_CHECK_H

#include <stdbool.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "dataplane/counters.h"

/* Whether a 20-byte header's checksum is right: its 16-bit words must add
 * up to 0xffff in one's complement. Since 2^16 and 2^32 are 1 modulo
 * 0xffff, that sum is congruent to the plain sum of the header's five
 * 32-bit words, so the check is that this sum is a multiple of 0xffff (and
 * not 0: words that are all zero add up to 0, not 0xffff). The compiler
 * tests divisibility by a constant with one multiplication, with none of
 * the end-around carry folds a 16-bit sum needs. The header sits 2 bytes
 * off 4-byte alignment after Ethernet, so it is read with memcpy, into
 * registers: a 20-byte memcpy into an array goes through the stack, as one
 * vector store reloaded in words, and those loads wait for the store to
 * retire. */
static inline bool ip4_hdr20_checksum_ok(const struct rte_ipv4_hdr *ip)
{
	const uint8_t *p = (const uint8_t *)ip;
	uint64_t a, b;
	uint32_t c;

	memcpy(&a, p, sizeof(a));
	memcpy(&b, p + 8, sizeof(b));
	memcpy(&c, p + 16, sizeof(c));
	uint64_t s = (a & 0xffffffff) + (a >> 32) + (b & 0xffffffff) + (b >> 32) + c;
	return s % 0xffff == 0 && s != 0;
}

/* The total length fits the header (ihl_bytes) and the frame, whose
 * padding may follow it. */
static inline bool ip4_length_ok(const struct rte_mbuf *m, const struct rte_ipv4_hdr *ip, uint16_t ihl_bytes)
{
	uint16_t total = rte_be_to_cpu_16(ip->total_length);
	return total >= ihl_bytes && total <= rte_pktmbuf_pkt_len(m) - sizeof(struct rte_ether_hdr);
}

/* The device verified the header checksum. */
static inline bool ip4_rx_cksum_good(const struct rte_mbuf *m)
{
	return (m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_GOOD;
}

/* ip4_check's verdict on a header that is not 20 bytes of version 4:
 * options, or not IPv4 at all. */
static inline int ip4_check_other(const struct rte_mbuf *m, const struct rte_ipv4_hdr *ip)
{
	uint16_t ihl_bytes = (uint16_t)((ip->version_ihl & 0xf) * 4);

	if ((ip->version_ihl >> 4) != 4)
		return DP_CNT_DROP_IP4_BAD_VERSION;
	if (ihl_bytes < sizeof(*ip) || ihl_bytes > rte_pktmbuf_data_len(m) - sizeof(struct rte_ether_hdr))
		return DP_CNT_DROP_IP4_BAD_IHL;
	if (!ip4_length_ok(m, ip, ihl_bytes))
		return DP_CNT_DROP_IP4_BAD_LENGTH;
	if (ip4_rx_cksum_good(m))
		return 0;
	return rte_raw_cksum(ip, ihl_bytes) == 0xffff ? 0 : DP_CNT_DROP_IP4_BAD_CHECKSUM;
}

/* Returns 0 when the packet may go on, else the drop counter to charge.
 * m starts with the Ethernet header; the frame may carry trailing padding. */
static inline int ip4_check(const struct rte_mbuf *m)
{
	const uint32_t eth_len = sizeof(struct rte_ether_hdr);
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, eth_len);

	/* The header must sit in the first segment; the payload may span several. */
	if (unlikely(rte_pktmbuf_data_len(m) < eth_len + sizeof(*ip)))
		return DP_CNT_DROP_IP4_TRUNCATED;
	if (unlikely(ip->version_ihl != RTE_IPV4_VHL_DEF))
		return ip4_check_other(m, ip);
	if (unlikely(!ip4_length_ok(m, ip, sizeof(*ip))))
		return DP_CNT_DROP_IP4_BAD_LENGTH;
	if (ip4_rx_cksum_good(m))
		return 0;
	return likely(ip4_hdr20_checksum_ok(ip)) ? 0 : DP_CNT_DROP_IP4_BAD_CHECKSUM;
}

/* RFC 1812 5.3.7: never forward from 0/8, 127/8, multicast, class E or
 * broadcast sources. 0/8 and 224/3 in one test: their first byte less one
 * wraps to or is at least 0xdf. */
static inline bool ip4_src_is_martian(uint32_t src_be)
{
	uint32_t top = rte_be_to_cpu_32(src_be) >> 24;
	return (uint8_t)(top - 1) >= 0xdf || top == 127;
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
