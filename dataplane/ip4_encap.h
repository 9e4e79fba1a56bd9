/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The outer IPv4 header of an encapsulation (IPIP, VXLAN), written with its
 * checksum summed from the field values. rte_ipv4_cksum() would read back
 * the header just stored, in other widths than it was written: the loads
 * cannot be forwarded from the store buffer and wait for the stores to
 * retire, which cost about a third of an encapsulation.
 */
#ifndef BRINK_DP_IP4_ENCAP_H
#define BRINK_DP_IP4_ENCAP_H

#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_ip.h>

/* The fields in host order; frag: flags and offset (RTE_IPV4_HDR_DF_FLAG). */
struct ip4_outer {
	uint8_t tos;
	uint8_t ttl;
	uint8_t proto;
	uint16_t total_len;
	uint16_t id;
	uint16_t frag;
	uint32_t src, dst;
};

static inline void ip4_encap_write(struct rte_ipv4_hdr *h, const struct ip4_outer *o)
{
	/* What a tunnel's packets share comes first, in its own sum: in a loop
	 * over a burst the compiler computes it once. */
	uint32_t shared = (uint32_t)(RTE_IPV4_VHL_DEF << 8) + o->proto + (o->src >> 16) + (o->src & 0xffff);
	uint32_t sum = shared + o->tos + o->total_len + o->id + o->frag + (uint32_t)(o->ttl << 8) + (o->dst >> 16) +
		       (o->dst & 0xffff);

	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	/* Field by field: a compound literal would be built on the stack and
	 * copied, with loads that again cannot be forwarded. */
	h->version_ihl = RTE_IPV4_VHL_DEF;
	h->type_of_service = o->tos;
	h->total_length = rte_cpu_to_be_16(o->total_len);
	h->packet_id = rte_cpu_to_be_16(o->id);
	h->fragment_offset = rte_cpu_to_be_16(o->frag);
	h->time_to_live = o->ttl;
	h->next_proto_id = o->proto;
	h->hdr_checksum = rte_cpu_to_be_16((uint16_t)~sum);
	h->src_addr = rte_cpu_to_be_32(o->src);
	h->dst_addr = rte_cpu_to_be_32(o->dst);
}

#endif
