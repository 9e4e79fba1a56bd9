/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IPv4 routing and forwarding: one LPM lookup per packet selects a next hop;
 * transit packets get their TTL decremented (RFC 1624 incremental checksum),
 * the MTU checked and the Ethernet header rewritten, then go to TX. Packets
 * whose next hop has no MAC yet wait on the main lcore (neigh.c).
 */
#include <string.h>

#include <rte_hash_crc.h>

#include "common/net_addr.h"
#include "dataplane/fib.h"
#include "dataplane/path.h"

static inline struct rte_ipv4_hdr *ip4_hdr(struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
}

static void hand_to_control(struct dp_lcore_counters *cnt, struct rte_mbuf *m, uint32_t nh_id)
{
	struct dp_mbuf_meta *meta = dp_meta(m);
	meta->nh = nh_id;
	meta->reason = DP_CTRL_RESOLVE;
	trace_handoff(m);
	if (trace_on())
		trace_step(m, "ip4_route", "to the main lcore, to wait for ARP");
	if (unlikely(rte_ring_mp_enqueue(dp.to_control_pkts, m) != 0))
		dp_drop(cnt, DP_CNT_DROP_CONTROL_RING_FULL, m);
	else
		cnt->c[DP_CNT_HELD_FOR_ARP]++;
}

/* Decrement TTL; false when the packet must not be forwarded (TTL expired). */
static inline bool ttl_decrement(struct rte_ipv4_hdr *ip)
{
	if (unlikely(ip->time_to_live <= 1))
		return false;
	ip->time_to_live--;
	uint32_t sum = (uint32_t)ip->hdr_checksum + RTE_BE16(0x0100);
	ip->hdr_checksum = (uint16_t)(sum + (sum >> 16));
	return true;
}

/* A transit packet spends one TTL; an expired one is answered with time
 * exceeded and consumed (false). */
static inline bool ttl_spend(struct dp_worker *w, struct dp_lcore_counters *cnt, struct rte_mbuf *m,
			     struct rte_ipv4_hdr *ip)
{
	if (likely(ttl_decrement(ip)))
		return true;
	cnt->c[DP_CNT_DROP_IP4_TTL_EXCEEDED]++;
	if (trace_on())
		trace_count(m, "ip4_forward", DP_CNT_DROP_IP4_TTL_EXCEEDED, "TTL %u: expired", ip->time_to_live);
	icmp_send_error(w, m, ICMP_TIME_EXCEEDED, 0, m->port, 0);
	return false;
}

/* A resolved next hop as the forwarding loop uses it, decoded once per burst
 * and next hop: most packets of a burst share their next hop. */
struct fwd_target {
	uint32_t id;
	bool ok; /* a resolved neighbour */
	uint16_t port;
	uint16_t mtu;
	uint8_t l2[2 * RTE_ETHER_ADDR_LEN]; /* destination then source MAC */
};

static inline void fwd_target_load(struct fwd_target *t, uint32_t id)
{
	struct nexthop nh = nh_read(id);

	t->id = id;
	t->ok = nh.kind == NH_NEIGHBOR && nh.resolved;
	t->port = nh.port;
	t->mtu = dp.ports[nh.port].mtu;
	memcpy(t->l2, nh.mac, RTE_ETHER_ADDR_LEN);
	memcpy(t->l2 + RTE_ETHER_ADDR_LEN, &dp.ports[nh.port].mac, RTE_ETHER_ADDR_LEN);
}

static __rte_cold void trace_forward(struct rte_mbuf *m, const struct rte_ipv4_hdr *ip, const struct fwd_target *t,
				     bool transit)
{
	char mac[MAC_STR_LEN];

	mac_fmt(t->l2, mac);
	if (transit)
		trace_step(m, "ip4_forward", "TTL %u -> %u, to %s on %s", ip->time_to_live + 1u, ip->time_to_live, mac,
			   dp.ports[t->port].name);
	else
		trace_step(m, "ip4_forward", "TTL %u left as it is, to %s on %s", ip->time_to_live, mac,
			   dp.ports[t->port].name);
}

/* Forward to a resolved neighbour: TTL, MTU (fragmenting without DF), L2
 * rewrite, TX. False when the packet was consumed instead (expired, too big).
 * tracing: trace_on(), as the caller read it for its burst. */
static inline bool forward(struct dp_worker *w, struct dp_lcore_counters *cnt, struct rte_mbuf *m,
			   const struct fwd_target *t, bool transit, bool tracing)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);

	if (transit && unlikely(!ttl_spend(w, cnt, m, ip)))
		return false;
	if (unlikely(rte_be_to_cpu_16(ip->total_length) > t->mtu)) {
		if (!(ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_DF_FLAG)))
			return ip4_fragment(w, m, t->port, t->mtu, t->l2);
		cnt->c[DP_CNT_DROP_IP4_MTU_EXCEEDED]++;
		if (tracing)
			trace_count(m, "ip4_forward", DP_CNT_DROP_IP4_MTU_EXCEEDED,
				    "%u bytes over the MTU %u of %s, DF set", rte_be_to_cpu_16(ip->total_length),
				    t->mtu, dp.ports[t->port].name);
		icmp_send_error(w, m, ICMP_DEST_UNREACH, ICMP_CODE_FRAG_NEEDED, m->port, t->mtu);
		return false;
	}
	if (unlikely(tracing))
		trace_forward(m, ip, t, transit);
	memcpy(eh, t->l2, sizeof(t->l2));
	tx_enqueue(w, t->port, m);
	return true;
}

/* A flow's hash for choosing among equal-cost paths: addresses and protocol,
 * plus the ports of TCP, UDP and SCTP when the packet carries them (a
 * fragment does not, so its flow hashes on addresses alone). Computed here,
 * not taken from RSS: RSS values of one queue share their low bits. */
static inline uint32_t flow_hash(const struct rte_mbuf *m, const struct rte_ipv4_hdr *ip)
{
	uint32_t h = rte_hash_crc_4byte(ip->src_addr, ip->dst_addr ^ ip->next_proto_id);
	uint16_t ihl = rte_ipv4_hdr_len(ip);
	uint32_t ports;

	if ((ip->next_proto_id == IPPROTO_TCP || ip->next_proto_id == IPPROTO_UDP ||
	     ip->next_proto_id == IPPROTO_SCTP) &&
	    !(ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) &&
	    rte_pktmbuf_data_len(m) >= sizeof(struct rte_ether_hdr) + ihl + sizeof(ports)) {
		memcpy(&ports, (const uint8_t *)ip + ihl, sizeof(ports));
		h = rte_hash_crc_4byte(ports, h);
	}
	return h;
}

/* Everything that is not "transit to a resolved neighbour": rare, kept out of the loop. */
static void route_slow(struct dp_worker *w, struct rte_mbuf *m, bool found, uint32_t nh_id, bool transit)
{
	struct dp_lcore_counters *cnt = dp_counters_self();
	struct rte_ipv4_hdr *ip = ip4_hdr(m);
	uint16_t in_port = m->port;
	const bool tracing = trace_on();
	char addr[IP4_STR_LEN];

	if (!found) {
		cnt->c[DP_CNT_DROP_IP4_NO_ROUTE]++;
		if (tracing)
			trace_count(m, "ip4_route", DP_CNT_DROP_IP4_NO_ROUTE, "no route to %s",
				    ip4_fmt(rte_be_to_cpu_32(ip->dst_addr), addr));
		icmp_send_error(w, m, ICMP_DEST_UNREACH, ICMP_CODE_NET_UNREACH, in_port, 0);
		return;
	}
	struct nexthop nh = nh_read(nh_id);
	switch (nh.kind) {
	case NH_LOCAL:
		ip4_local(w, m);
		return;
	case NH_BLACKHOLE:
		dp_drop(cnt, DP_CNT_DROP_IP4_BLACKHOLE, m);
		return;
	case NH_REJECT:
		cnt->c[DP_CNT_DROP_IP4_REJECT]++;
		if (tracing)
			trace_count(m, "ip4_route", DP_CNT_DROP_IP4_REJECT, "rejected");
		icmp_send_error(w, m, ICMP_DEST_UNREACH, ICMP_CODE_NET_UNREACH, in_port, 0);
		return;
	case NH_RESERVED:
		dp_drop(cnt, DP_CNT_DROP_IP4_BAD_DESTINATION, m);
		return;
	case NH_GROUP: {
		/* The group's member for this flow, then as for any next hop. */
		uint32_t member = nh_group_pick(&dp_nh_groups[nh.ip], flow_hash(m, ip));
		struct fwd_target t;
		fwd_target_load(&t, member);
		if (tracing) {
			struct nexthop path = nh_read(member);
			bool via = path.kind == NH_NEIGHBOR && path.ip != rte_be_to_cpu_32(ip->dst_addr);
			trace_step(m, "ip4_route", "this flow's path: %s%s on %s", via ? "via " : "directly",
				   via ? ip4_fmt(path.ip, addr) : "", dp.ports[t.port].name);
		}
		if (t.ok)
			cnt->c[DP_CNT_FORWARDED] += forward(w, cnt, m, &t, transit, tracing);
		else
			route_slow(w, m, true, member, transit);
		return;
	}
	case NH_CONNECTED:
		if (rte_be_to_cpu_32(ip->dst_addr) == (nh.ip | ~nh_connected_mask(&nh))) {
			dp_drop(cnt, DP_CNT_DROP_IP4_BROADCAST, m);
			return;
		}
		break;
	case NH_NEIGHBOR:
		break;
	default:
		dp_drop(cnt, DP_CNT_DROP_IP4_NO_ROUTE, m);
		return;
	}
	if (transit && !ttl_spend(w, cnt, m, ip))
		return;
	if (tracing && transit)
		trace_step(m, "ip4_forward", "TTL %u -> %u", ip->time_to_live + 1u, ip->time_to_live);
	hand_to_control(cnt, m, nh_id);
}

void ip4_route_dst(struct dp_worker *w, struct rte_mbuf **pkts, const uint32_t *dst, uint16_t n, bool transit)
{
	struct dp_lcore_counters *cnt = dp_counters_self();
	uint32_t hop[DP_BURST];
	uint64_t t0 = 0, t1 = 0;
	uint16_t n_fwd = 0, i = 0;
	const bool tracing = trace_on();

	if (unlikely(dp.profile))
		t0 = rte_rdtsc();
	/* Four lookups at a time, so their cache misses overlap; a miss (no
	 * route, not even a default one) is FIB_NO_ROUTE, never a valid id. */
	for (; i + 4 <= n; i += 4)
		lpm4_lookupx4(dp.lpm, &dst[i], &hop[i], FIB_NO_ROUTE);
	for (; i < n; i++)
		if (lpm4_lookup(dp.lpm, dst[i], &hop[i]) != 0)
			hop[i] = FIB_NO_ROUTE;
	if (unlikely(dp.profile)) {
		t1 = rte_rdtsc();
		cnt->stage[DP_STAGE_IP4_ROUTE].cycles += t1 - t0;
		cnt->stage[DP_STAGE_IP4_ROUTE].packets += n;
	}
	struct fwd_target t = {.id = UINT32_MAX};
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		bool found = hop[i] != FIB_NO_ROUTE;
		uint32_t nh_id = hop[i];

		if (unlikely(tracing) && found)
			trace_route(m, dst[i], nh_id);
		if (likely(found)) {
			if (unlikely(nh_id != t.id))
				fwd_target_load(&t, nh_id);
			if (likely(t.ok)) {
				n_fwd += forward(w, cnt, m, &t, transit, tracing);
				continue;
			}
		}
		route_slow(w, m, found, nh_id, transit);
	}
	cnt->c[DP_CNT_FORWARDED] += n_fwd;
	if (unlikely(dp.profile)) {
		cnt->stage[DP_STAGE_IP4_FORWARD].cycles += rte_rdtsc() - t1;
		cnt->stage[DP_STAGE_IP4_FORWARD].packets += n;
	}
}

void ip4_route(struct dp_worker *w, struct rte_mbuf **pkts, uint16_t n, bool transit)
{
	uint32_t dst[DP_BURST] __rte_aligned(16);

	for (uint16_t i = 0; i < n; i++)
		dst[i] = rte_be_to_cpu_32(ip4_hdr(pkts[i])->dst_addr);
	ip4_route_dst(w, pkts, dst, n, transit);
}
