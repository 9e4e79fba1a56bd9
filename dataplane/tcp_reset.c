/* SPDX-License-Identifier: GPL-2.0-or-later */
/* TCP resets the router sends in a host's name: a firewall's reject, a
 * segment of a connection that ended under it (NAT). */
#include <string.h>

#include <rte_ip.h>
#include <rte_tcp.h>

#include "dataplane/path.h"

bool tcp_send_reset(struct dp_worker *w, struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
	uint16_t ihl = rte_ipv4_hdr_len(ip), ip_len = rte_be_to_cpu_16(ip->total_length);
	struct rte_tcp_hdr th;

	if (m->nb_segs > 1 || rte_pktmbuf_data_len(m) < sizeof(struct rte_ether_hdr) + ihl + sizeof(th) ||
	    ip_len < ihl + sizeof(th) || (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_OFFSET_MASK)))
		return false;
	memcpy(&th, (uint8_t *)ip + ihl, sizeof(th));
	if (th.tcp_flags & RTE_TCP_RST_FLAG)
		return false; /* never a reset for a reset */
	uint32_t doff = (uint32_t)(th.data_off >> 4) * 4;
	if (doff < sizeof(th) || doff > (uint32_t)(ip_len - ihl))
		return false; /* no segment to answer */
	uint32_t seg_len = ip_len - ihl - doff;
	if (th.tcp_flags & RTE_TCP_SYN_FLAG)
		seg_len++;
	if (th.tcp_flags & RTE_TCP_FIN_FLAG)
		seg_len++;
	struct rte_tcp_hdr rst = {.src_port = th.dst_port, .dst_port = th.src_port, .data_off = 5 << 4};
	if (th.tcp_flags & RTE_TCP_ACK_FLAG) {
		rst.sent_seq = th.recv_ack;
		rst.tcp_flags = RTE_TCP_RST_FLAG;
	} else {
		rst.recv_ack = rte_cpu_to_be_32(rte_be_to_cpu_32(th.sent_seq) + seg_len);
		rst.tcp_flags = RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG;
	}
	struct rte_ipv4_hdr out = {
		.version_ihl = RTE_IPV4_VHL_DEF,
		.total_length = RTE_BE16(sizeof(out) + sizeof(rst)),
		.time_to_live = 64,
		.next_proto_id = IPPROTO_TCP,
		.src_addr = ip->dst_addr,
		.dst_addr = ip->src_addr,
	};
	out.hdr_checksum = rte_ipv4_cksum(&out);
	memcpy(ip, &out, sizeof(out));
	rst.cksum = 0;
	memcpy(ip + 1, &rst, sizeof(rst));
	struct rte_tcp_hdr *t = (struct rte_tcp_hdr *)(ip + 1);
	t->cksum = rte_ipv4_udptcp_cksum(ip, t);
	rte_pktmbuf_trim(m,
			 (uint16_t)(rte_pktmbuf_pkt_len(m) - sizeof(struct rte_ether_hdr) - sizeof(out) - sizeof(rst)));
	m->ol_flags &= RTE_MBUF_F_EXTERNAL | RTE_MBUF_F_INDIRECT;
	dp_meta(m)->depth = 0;
	ip4_route_later(w, m);
	return true;
}
