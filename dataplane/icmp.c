/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ICMP: echo replies for our addresses (in place) and the errors a router
 * sends (RFC 1812 4.3.2): time exceeded, destination unreachable. Errors are
 * built inside the offending packet's own mbuf, so no allocation is needed,
 * and are rate limited by a per-worker token bucket.
 */
#include <rte_cycles.h>
#include <rte_icmp.h>

#include "common/net_addr.h"
#include "dataplane/nh_group.h"
#include "dataplane/path.h"

#define ICMP_ERROR_QUOTE 8     /* bytes of the offending datagram after its header */
#define ICMP_ERRORS_PER_S 1000 /* per worker */
#define ICMP_ERROR_BURST 100

static dp_verdict echo_reply(struct dp_worker *w, struct rte_mbuf *m)
{
	struct dp_lcore_counters *cnt = dp_counters_self();
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
	uint16_t ihl = rte_ipv4_hdr_len(ip);
	uint16_t ip_len = rte_be_to_cpu_16(ip->total_length);
	struct rte_icmp_hdr *icmp;

	if (ip_len < ihl + sizeof(*icmp) ||
	    rte_pktmbuf_data_len(m) < sizeof(struct rte_ether_hdr) + ihl + sizeof(*icmp)) {
		return DP_DROP(DP_CNT_DROP_ICMP_MALFORMED);
	}
	icmp = (struct rte_icmp_hdr *)((uint8_t *)ip + ihl);
	if (icmp->icmp_type != RTE_IP_ICMP_ECHO_REQUEST || icmp->icmp_code != 0) {
		if (trace_on())
			trace_step(m, "icmp", "type %u code %u: for the kernel", icmp->icmp_type, icmp->icmp_code);
		return DP_CONTINUE;
	}
	uint32_t our = ip->dst_addr;
	ip->dst_addr = ip->src_addr;
	ip->src_addr = our;
	ip->time_to_live = 64;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	icmp->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	/* RFC 1624: the type moved from 8 to 0 in the high byte of the first word. */
	uint32_t sum = (uint32_t)icmp->icmp_cksum + RTE_BE16(RTE_IP_ICMP_ECHO_REQUEST << 8);
	icmp->icmp_cksum = (uint16_t)(sum + (sum >> 16));
	/* Drop Ethernet padding so the reply carries exactly the datagram. */
	rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_pkt_len(m) - sizeof(struct rte_ether_hdr) - ip_len));
	cnt->c[DP_CNT_ICMP_ECHO_REPLIES]++;
	if (trace_on()) {
		char to[IP4_STR_LEN];
		trace_step(m, "icmp", "echo reply to %s", ip4_fmt(rte_be_to_cpu_32(ip->dst_addr), to));
	}
	ip4_route(w, &m, 1, false);
	return DP_CONSUMED;
}

static void echo_replies(struct dp_worker *w, struct rte_mbuf **pkts, dp_verdict *v, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++)
		v[i] = echo_reply(w, pkts[i]);
}

RTE_INIT(icmp_register)
{
	ip4_local_register(IPPROTO_ICMP, echo_replies);
}

static bool rate_allows(struct dp_worker *w)
{
	/* Tokens are kept in TSC cycles x errors per second: one error costs hz of them. */
	uint64_t now = rte_rdtsc(), hz = rte_get_tsc_hz();
	uint64_t cap = ICMP_ERROR_BURST * hz;

	if (w->icmp_last_tsc == 0)
		w->icmp_tokens = cap; /* a worker starts with a full bucket */
	else
		w->icmp_tokens += (now - w->icmp_last_tsc) * ICMP_ERRORS_PER_S;
	w->icmp_last_tsc = now;
	if (w->icmp_tokens > cap)
		w->icmp_tokens = cap;
	if (w->icmp_tokens < hz)
		return false;
	w->icmp_tokens -= hz;
	return true;
}

/* RFC 1812 4.3.2.7: no error about an error, a non-first fragment, or a non-unicast source. */
static bool error_allowed(const struct rte_mbuf *m, const struct rte_ipv4_hdr *ip)
{
	uint16_t ihl = rte_ipv4_hdr_len(ip);

	if (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_OFFSET_MASK))
		return false;
	if (ip->next_proto_id == IPPROTO_ICMP) {
		const struct rte_icmp_hdr *icmp = (const struct rte_icmp_hdr *)((const uint8_t *)ip + ihl);
		if (rte_pktmbuf_data_len(m) < sizeof(struct rte_ether_hdr) + ihl + 1)
			return false;
		if (icmp->icmp_type != RTE_IP_ICMP_ECHO_REQUEST && icmp->icmp_type != RTE_IP_ICMP_ECHO_REPLY &&
		    icmp->icmp_type != 13 && icmp->icmp_type != 14)
			return false;
	}
	return true;
}

static __rte_cold void trace_error(struct rte_mbuf *m, uint8_t type, uint8_t code, uint32_t src, uint32_t dst)
{
	const char *what = type == ICMP_TIME_EXCEEDED      ? "time exceeded"
			   : code == ICMP_CODE_FRAG_NEEDED ? "fragmentation needed"
							   : "net unreachable";
	char from[IP4_STR_LEN], to[IP4_STR_LEN];

	trace_step(m, "icmp", "%s (%u/%u) to %s from %s", what, type, code, ip4_fmt(dst, to), ip4_fmt(src, from));
}

/* The error's source: the address of the interface the offending packet
 * came in on; when it has none (a tunnel without one), of the interface the
 * error leaves by; else, as Linux picks one, the first interface's that has
 * an address. */
static uint32_t error_source(uint16_t in_iface, uint32_t to_be)
{
	uint32_t src = in_iface < DP_IFACE_MAX ? dp_ifaces[in_iface].primary_ip : 0;
	uint32_t id;

	if (src)
		return src;
	if (lpm4_lookup(dp.lpm, rte_be_to_cpu_32(to_be), &id) == 0) {
		struct nexthop nh = nh_read(id);
		if (nh.kind == NH_GROUP)
			nh = nh_read(nh_group_pick(&dp_nh_groups[nh.ip], 0));
		if (nh.kind == NH_NEIGHBOR || nh.kind == NH_CONNECTED || nh.kind == NH_TUNNEL)
			src = dp_ifaces[nh.iface].primary_ip;
	}
	for (unsigned i = 0; i < DP_IFACE_MAX && !src; i++)
		if (dp_ifaces[i].type && !(i < RTE_MAX_ETHPORTS && dp.ports[i].is_punt))
			src = dp_ifaces[i].primary_ip;
	return src;
}

void icmp_send_error(struct dp_worker *w, struct rte_mbuf *m, uint8_t type, uint8_t code, uint16_t in_iface,
		     uint16_t next_mtu)
{
	struct dp_lcore_counters *cnt = dp_counters_self();
	struct rte_ipv4_hdr *orig = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
	uint32_t src = error_source(in_iface, orig->src_addr);
	uint16_t quote = (uint16_t)RTE_MIN((uint32_t)rte_ipv4_hdr_len(orig) + ICMP_ERROR_QUOTE,
					   (uint32_t)rte_be_to_cpu_16(orig->total_length));
	const uint16_t new_hdrs = sizeof(struct rte_ipv4_hdr) + sizeof(struct rte_icmp_hdr);

	/* m's fate was counted by the caller's drop reason; these say why no error went out. */
	if (!error_allowed(m, orig) || rte_pktmbuf_data_len(m) < sizeof(struct rte_ether_hdr) + quote) {
		dp_drop(cnt, DP_CNT_ICMP_ERR_NOT_ALLOWED, m);
		return;
	}
	if (src == 0) {
		dp_drop(cnt, DP_CNT_ICMP_ERR_NO_SOURCE, m);
		return;
	}
	if (!rate_allows(w)) {
		dp_drop(cnt, DP_CNT_ICMP_ERR_RATE_LIMITED, m);
		return;
	}
	/* Keep the quoted part (in the first segment: the rest of a chain goes),
	 * drop the old Ethernet header, then prepend Ethernet + IPv4 + ICMP. */
	if (m->nb_segs > 1) {
		rte_pktmbuf_free(m->next);
		m->next = NULL;
		m->nb_segs = 1;
		m->pkt_len = m->data_len;
	}
	rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_pkt_len(m) - sizeof(struct rte_ether_hdr) - quote));
	rte_pktmbuf_adj(m, sizeof(struct rte_ether_hdr));
	uint32_t dst = orig->src_addr;
	if (!rte_pktmbuf_prepend(m, new_hdrs + sizeof(struct rte_ether_hdr))) {
		dp_drop(cnt, DP_CNT_ICMP_ERR_NO_HEADROOM, m);
		return;
	}
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);
	struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)(ip + 1);

	eh->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	*ip = (struct rte_ipv4_hdr){
		.version_ihl = RTE_IPV4_VHL_DEF,
		.total_length = rte_cpu_to_be_16((uint16_t)(new_hdrs + quote)),
		.time_to_live = 64,
		.next_proto_id = IPPROTO_ICMP,
		.src_addr = rte_cpu_to_be_32(src),
		.dst_addr = dst,
	};
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	icmp->icmp_type = type;
	icmp->icmp_code = code;
	icmp->icmp_cksum = 0;
	/* Unused word, or the next-hop MTU for "fragmentation needed" (RFC 1191). */
	icmp->icmp_ident = 0;
	icmp->icmp_seq_nb = rte_cpu_to_be_16(next_mtu);
	icmp->icmp_cksum = (uint16_t)~rte_raw_cksum(icmp, sizeof(*icmp) + quote);
	cnt->c[DP_CNT_ICMP_ERRORS_SENT]++;
	if (trace_on())
		trace_error(m, type, code, src, rte_be_to_cpu_32(dst));
	ip4_route(w, &m, 1, false);
}
