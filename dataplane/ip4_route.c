/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IPv4 routing: one LPM lookup per packet selects a next hop, and the next
 * hop's kind its output. To a neighbour: transit packets get their TTL
 * decremented (RFC 1624 incremental checksum), the MTU checked and the
 * Ethernet header rewritten, then leave by the neighbour's interface.
 * Through a tunnel: the same checks against the tunnel's MTU, then the
 * tunnel's output. Packets whose neighbour has no MAC yet wait on the main
 * lcore (neigh.c). With output hooks enabled anywhere, the burst takes the
 * hooks first (route_hooked); without, it pays for none.
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

static void hand_to_control(struct dp_lcore_counters *cnt, struct rte_mbuf *m, uint32_t nh_id, uint16_t iface)
{
	struct dp_mbuf_meta *meta = dp_meta(m);
	meta->nh = nh_id;
	meta->out_iface = iface;
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
	icmp_send_error(w, m, ICMP_TIME_EXCEEDED, 0, dp_meta(m)->in_iface, 0);
	return false;
}

/* A resolved next hop as the forwarding loop uses it, decoded once per burst
 * and next hop: most packets of a burst share their next hop. */
struct fwd_target {
	uint32_t id;
	bool ok;     /* a resolved neighbour */
	bool tunnel; /* into a tunnel, toward far_end (0: the packet's destination) */
	bool local;  /* to the router */
	uint16_t iface;
	uint16_t port;
	uint16_t mtu;
	uint32_t far_end;
	struct dp_tx_buffer *tx;            /* on a port: its TX buffer of the worker; else NULL */
	uint8_t l2[2 * RTE_ETHER_ADDR_LEN]; /* destination then source MAC */
};

static inline void fwd_target_load(struct dp_worker *w, struct fwd_target *t, uint32_t id)
{
	struct nexthop nh = nh_read(id);
	const struct dp_iface *ifc = &dp_ifaces[nh.iface];

	t->id = id;
	t->ok = nh.kind == NH_NEIGHBOR && nh.resolved;
	/* A tunnel's far end is the next hop's address; on its subnet, or by an
	 * interface route, the destination's. */
	t->tunnel = nh.kind == NH_TUNNEL || (nh.kind == NH_CONNECTED && ifc->ops && !ifc->ops->ethernet);
	t->far_end = nh.kind == NH_TUNNEL ? nh.ip : 0;
	t->local = nh.kind == NH_LOCAL;
	t->iface = nh.iface;
	t->port = ifc->port;
	t->tx = ifc->type == DP_IFACE_PORT ? &w->tx[ifc->port] : NULL;
	t->mtu = ifc->mtu;
	memcpy(t->l2, nh.mac, RTE_ETHER_ADDR_LEN);
	memcpy(t->l2 + RTE_ETHER_ADDR_LEN, &ifc->mac, RTE_ETHER_ADDR_LEN);
}

static __rte_cold void trace_forward(struct rte_mbuf *m, const struct rte_ipv4_hdr *ip, const struct fwd_target *t,
				     bool transit)
{
	char mac[MAC_STR_LEN];

	mac_fmt(t->l2, mac);
	if (transit)
		trace_step(m, "ip4_forward", "TTL %u -> %u, to %s on %s", ip->time_to_live + 1u, ip->time_to_live, mac,
			   dp_ifaces[t->iface].name);
	else
		trace_step(m, "ip4_forward", "TTL %u left as it is, to %s on %s", ip->time_to_live, mac,
			   dp_ifaces[t->iface].name);
}

/* The MTU of iface is exceeded: fragments without DF, else frag-needed with
 * that MTU. l2: the fragments' Ethernet header. True when fragments left. */
static bool too_big(struct dp_worker *w, struct dp_lcore_counters *cnt, struct rte_mbuf *m,
		    const struct rte_ipv4_hdr *ip, uint16_t iface, uint32_t next_hop, uint16_t mtu,
		    const uint8_t l2[2 * RTE_ETHER_ADDR_LEN])
{
	if (!(ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_DF_FLAG)))
		return ip4_fragment(w, m, iface, next_hop, mtu, l2);
	cnt->c[DP_CNT_DROP_IP4_MTU_EXCEEDED]++;
	if (trace_on())
		trace_count(m, "ip4_forward", DP_CNT_DROP_IP4_MTU_EXCEEDED, "%u bytes over the MTU %u of %s, DF set",
			    rte_be_to_cpu_16(ip->total_length), mtu, dp_ifaces[iface].name);
	icmp_send_error(w, m, ICMP_DEST_UNREACH, ICMP_CODE_FRAG_NEEDED, dp_meta(m)->in_iface, mtu);
	return false;
}

/* Forward to a resolved neighbour: TTL, MTU (fragmenting without DF), L2
 * rewrite, the interface's output. False when the packet was consumed
 * instead (expired, too big). tracing: trace_on(), as the caller read it
 * for its burst. */
static inline bool forward(struct dp_worker *w, struct dp_lcore_counters *cnt, struct rte_mbuf *m,
			   const struct fwd_target *t, bool transit, bool tracing)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);

	if (transit && unlikely(!ttl_spend(w, cnt, m, ip)))
		return false;
	if (unlikely(rte_be_to_cpu_16(ip->total_length) > t->mtu))
		return too_big(w, cnt, m, ip, t->iface, 0, t->mtu, t->l2);
	if (unlikely(tracing))
		trace_forward(m, ip, t, transit);
	memcpy(eh, t->l2, sizeof(t->l2));
	if (likely(t->tx))
		tx_buffer_add(w, t->tx, t->port, m);
	else
		iface_queue(w, t->iface, m, 0);
	return true;
}

static __rte_cold void tunnel_too_big(struct dp_worker *w, struct dp_lcore_counters *cnt, struct rte_mbuf *m,
				      const struct rte_ipv4_hdr *ip, uint16_t iface, uint32_t next_hop)
{
	static const uint8_t no_l2[2 * RTE_ETHER_ADDR_LEN];

	cnt->c[DP_CNT_FORWARDED] += too_big(w, cnt, m, ip, iface, next_hop, dp_ifaces[iface].mtu, no_l2);
}

static __rte_cold void trace_tunnel(struct rte_mbuf *m, uint16_t iface, uint32_t next_hop)
{
	char to[IP4_STR_LEN];

	trace_step(m, "ip4_forward", "into %s, toward %s", dp_ifaces[iface].name, ip4_fmt(next_hop, to));
}

/* Into a tunnel (nh on an interface that is not Ethernet): TTL, the
 * tunnel's MTU, then its output toward next_hop, with the burst's others. */
static inline void tunnel_forward(struct dp_worker *w, struct dp_lcore_counters *cnt, struct rte_mbuf *m,
				  uint16_t iface, uint32_t next_hop, bool transit)
{
	struct rte_ipv4_hdr *ip = ip4_hdr(m);

	if (transit && unlikely(!ttl_spend(w, cnt, m, ip)))
		return;
	if (unlikely(rte_be_to_cpu_16(ip->total_length) > dp_ifaces[iface].mtu)) {
		tunnel_too_big(w, cnt, m, ip, iface, next_hop);
		return;
	}
	if (unlikely(trace_on()))
		trace_tunnel(m, iface, next_hop);
	cnt->c[DP_CNT_FORWARDED]++;
	iface_queue(w, iface, m, next_hop);
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

/* Packets of a burst for the router: handed to ip4_local together. */
struct local_burst {
	uint16_t n;
	struct rte_mbuf *pkts[DP_BURST];
};

/* Everything that is not "transit to a resolved neighbour": rare, kept out of the loop. */
static void route_slow(struct dp_worker *w, struct rte_mbuf *m, bool found, uint32_t nh_id, bool transit,
		       struct local_burst *local)
{
	struct dp_lcore_counters *cnt = dp_counters_self();
	struct rte_ipv4_hdr *ip = ip4_hdr(m);
	uint16_t in_iface = dp_meta(m)->in_iface;
	const bool tracing = trace_on();
	char addr[IP4_STR_LEN];

	if (!found) {
		cnt->c[DP_CNT_DROP_IP4_NO_ROUTE]++;
		if (tracing)
			trace_count(m, "ip4_route", DP_CNT_DROP_IP4_NO_ROUTE, "no route to %s",
				    ip4_fmt(rte_be_to_cpu_32(ip->dst_addr), addr));
		icmp_send_error(w, m, ICMP_DEST_UNREACH, ICMP_CODE_NET_UNREACH, in_iface, 0);
		return;
	}
	struct nexthop nh = nh_read(nh_id);
	switch (nh.kind) {
	case NH_LOCAL:
		local->pkts[local->n++] = m;
		return;
	case NH_BLACKHOLE:
		dp_drop(cnt, DP_CNT_DROP_IP4_BLACKHOLE, m);
		return;
	case NH_REJECT:
		cnt->c[DP_CNT_DROP_IP4_REJECT]++;
		if (tracing)
			trace_count(m, "ip4_route", DP_CNT_DROP_IP4_REJECT, "rejected");
		icmp_send_error(w, m, ICMP_DEST_UNREACH, ICMP_CODE_NET_UNREACH, in_iface, 0);
		return;
	case NH_RESERVED:
		dp_drop(cnt, DP_CNT_DROP_IP4_BAD_DESTINATION, m);
		return;
	case NH_GROUP: {
		/* The group's member for this flow, then as for any next hop. */
		uint32_t member = nh_group_pick(&dp_nh_groups[nh.ip], flow_hash(m, ip));
		struct fwd_target t;
		fwd_target_load(w, &t, member);
		if (tracing) {
			struct nexthop path = nh_read(member);
			bool via = path.kind != NH_CONNECTED && path.ip != rte_be_to_cpu_32(ip->dst_addr);
			trace_step(m, "ip4_route", "this flow's path: %s%s on %s", via ? "via " : "directly",
				   via ? ip4_fmt(path.ip, addr) : "", dp_ifaces[t.iface].name);
		}
		if (t.ok)
			cnt->c[DP_CNT_FORWARDED] += forward(w, cnt, m, &t, transit, tracing);
		else
			route_slow(w, m, true, member, transit, local);
		return;
	}
	case NH_TUNNEL:
		tunnel_forward(w, cnt, m, nh.iface, nh.ip, transit);
		return;
	case NH_CONNECTED:
		if (!dp_ifaces[nh.iface].ops->ethernet) {
			/* On a tunnel's subnet, or through it: the destination is the far end. */
			tunnel_forward(w, cnt, m, nh.iface, rte_be_to_cpu_32(ip->dst_addr), transit);
			return;
		}
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
	if (rte_be_to_cpu_16(ip->total_length) > dp_ifaces[nh.iface].mtu &&
	    (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_DF_FLAG))) {
		/* Too big even once resolved: said now, not after the wait. */
		static const uint8_t unknown_l2[2 * RTE_ETHER_ADDR_LEN];
		too_big(w, cnt, m, ip, nh.iface, 0, dp_ifaces[nh.iface].mtu, unknown_l2);
		return;
	}
	if (tracing && transit)
		trace_step(m, "ip4_forward", "TTL %u -> %u", ip->time_to_live + 1u, ip->time_to_live);
	hand_to_control(cnt, m, nh_id, nh.iface);
}

/* One packet whose next hop nh_id routing (and the hooks) chose. */
static inline void output_one(struct dp_worker *w, struct dp_lcore_counters *cnt, struct rte_mbuf *m, uint32_t nh_id,
			      struct fwd_target *t, bool transit, bool tracing, uint16_t *n_fwd,
			      struct local_burst *local)
{
	if (unlikely(nh_id != t->id))
		fwd_target_load(w, t, nh_id);
	if (likely(t->ok))
		*n_fwd += forward(w, cnt, m, t, transit, tracing);
	else if (t->local)
		local->pkts[local->n++] = m;
	else if (t->tunnel)
		tunnel_forward(w, cnt, m, t->iface, t->far_end ? t->far_end : rte_be_to_cpu_32(ip4_hdr(m)->dst_addr),
			       transit);
	else
		route_slow(w, m, true, nh_id, transit, local);
}

/* With output hooks enabled somewhere: each packet's next hop (an ECMP
 * group's member for its flow) goes into its metadata, the hooks run, then
 * the survivors leave by the next hop they have then. */
static void route_hooked(struct dp_worker *w, struct rte_mbuf **pkts, const uint32_t *hop, uint16_t n, bool transit,
			 struct local_burst *local)
{
	struct dp_lcore_counters *cnt = dp_counters_self();
	struct rte_mbuf *out[DP_BURST];
	struct fwd_target t = {.id = UINT32_MAX};
	uint16_t n_out = 0, n_fwd = 0;
	const bool tracing = trace_on();
	/* The last route's next hop, read again when the route changes: most packets of a burst share it. */
	uint32_t last = FIB_NO_ROUTE;
	struct nexthop route_nh = {0};
	uint16_t mtu = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		uint32_t id = hop[i];
		struct nexthop nh;

		if (id == FIB_NO_ROUTE) {
			route_slow(w, m, false, id, transit, local);
			continue;
		}
		if (unlikely(id != last)) {
			last = id;
			route_nh = nh_read(id);
			mtu = dp_ifaces[route_nh.iface].mtu;
		}
		nh = route_nh;
		if (unlikely(nh.kind == NH_GROUP)) {
			id = nh_group_pick(&dp_nh_groups[nh.ip], flow_hash(m, ip4_hdr(m)));
			nh = nh_read(id);
			mtu = dp_ifaces[nh.iface].mtu;
			last = FIB_NO_ROUTE;
		}
		if (nh.kind != NH_NEIGHBOR && nh.kind != NH_CONNECTED && nh.kind != NH_TUNNEL) {
			route_slow(w, m, true, id, transit, local);
			continue;
		}
		/* As Linux: an expired or too big packet is answered before the
		 * hooks, so the error quotes it as it came (before SNAT) and no
		 * connection is made for it. */
		struct rte_ipv4_hdr *ip = ip4_hdr(m);
		if (transit && !ttl_spend(w, cnt, m, ip))
			continue;
		if (unlikely(rte_be_to_cpu_16(ip->total_length) > mtu &&
			     (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_DF_FLAG)))) {
			static const uint8_t unknown_l2[2 * RTE_ETHER_ADDR_LEN];
			too_big(w, cnt, m, ip, nh.iface, 0, mtu, unknown_l2);
			continue;
		}
		dp_meta(m)->nh = id;
		dp_meta(m)->out_iface = nh.iface;
		out[n_out++] = m;
	}
	n_out = hook_run(transit ? DP_HOOK_FORWARD : DP_HOOK_LOCAL_OUT, w, out, n_out);
	n_out = hook_run(DP_HOOK_POSTROUTING, w, out, n_out);
	/* The TTL is spent: the output leaves it as it is. */
	for (uint16_t i = 0; i < n_out; i++)
		output_one(w, cnt, out[i], dp_meta(out[i])->nh, &t, false, tracing, &n_fwd, local);
	cnt->c[DP_CNT_FORWARDED] += n_fwd;
}

static inline bool output_hooks(bool transit)
{
	return hook_active(DP_HOOK_POSTROUTING) || hook_active(transit ? DP_HOOK_FORWARD : DP_HOOK_LOCAL_OUT);
}

void ip4_route_dst(struct dp_worker *w, struct rte_mbuf **pkts, const uint32_t *dst, uint16_t n, bool transit)
{
	struct dp_lcore_counters *cnt = dp_counters_self();
	struct local_burst local;
	uint32_t hop[DP_BURST];
	uint64_t t0 = 0, t1 = 0;
	uint16_t n_fwd = 0, i = 0;
	const bool tracing = trace_on();

	local.n = 0;
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
	if (unlikely(tracing))
		for (i = 0; i < n; i++)
			if (hop[i] != FIB_NO_ROUTE)
				trace_route(pkts[i], dst[i], hop[i]);
	if (unlikely(output_hooks(transit))) {
		route_hooked(w, pkts, hop, n, transit, &local);
	} else {
		struct fwd_target t = {.id = UINT32_MAX};
		for (i = 0; i < n; i++) {
			if (likely(hop[i] != FIB_NO_ROUTE))
				output_one(w, cnt, pkts[i], hop[i], &t, transit, tracing, &n_fwd, &local);
			else
				route_slow(w, pkts[i], false, hop[i], transit, &local);
		}
		cnt->c[DP_CNT_FORWARDED] += n_fwd;
	}
	if (unlikely(dp.profile)) {
		cnt->stage[DP_STAGE_IP4_FORWARD].cycles += rte_rdtsc() - t1;
		cnt->stage[DP_STAGE_IP4_FORWARD].packets += n;
	}
	iface_queue_flush(w);
	if (local.n)
		ip4_local(w, local.pkts, local.n);
	/* What the tunnels of this burst encapsulated, as one burst of its own. */
	ip4_route_later_flush(w);
}

void ip4_route_later_flush(struct dp_worker *w)
{
	while (w->n_later) {
		struct rte_mbuf *later[DP_BURST];
		uint16_t k = w->n_later;
		memcpy(later, w->later, sizeof(later[0]) * k);
		w->n_later = 0;
		ip4_route(w, later, k, false);
	}
}

/* The last routes of the router's own packets, per lcore, by destination. */
#define OWN_ROUTES 64
static RTE_DEFINE_PER_LCORE(struct own_route, own_routes[OWN_ROUTES]);

void own_output_begin(struct own_output *o)
{
	o->r = NULL;
	o->gen = fwd_gen();
	o->sent = 0;
	o->routed = output_hooks(false) || trace_on();
}

const struct own_route *own_route_find(struct dp_worker *w, uint32_t dst, uint32_t gen)
{
	struct own_route *c = &RTE_PER_LCORE(own_routes)[rte_hash_crc_4byte(dst, 0) % OWN_ROUTES];
	struct fwd_target t;
	uint32_t id;

	if (likely(c->dst == dst && c->gen == gen))
		return c;
	/* Decided again; a change while this runs bumps gen past the one kept. */
	c->dst = dst;
	c->gen = gen;
	c->direct_len = 0;
	if (lpm4_lookup(dp.lpm, dst, &id) == 0) {
		fwd_target_load(w, &t, id);
		if (t.ok && t.tx) {
			c->direct_len = t.mtu;
			c->port = t.port; /* not t.tx: an entry outlives the burst, and is the lcore's */
			memcpy(c->l2, t.l2, sizeof(c->l2));
		}
	}
	return c;
}

void ip4_route_later(struct dp_worker *w, struct rte_mbuf *m)
{
	if (unlikely(++dp_meta(m)->depth > DP_META_MAX_DEPTH)) {
		dp_drop(dp_counters_self(), DP_CNT_DROP_TOO_DEEP, m);
		return;
	}
	if (unlikely(w->n_later == DP_BURST))
		ip4_route_later_flush(w);
	w->later[w->n_later++] = m;
}

void ip4_route(struct dp_worker *w, struct rte_mbuf **pkts, uint16_t n, bool transit)
{
	uint32_t dst[DP_BURST] __rte_aligned(16);

	for (uint16_t i = 0; i < n; i++)
		dst[i] = rte_be_to_cpu_32(ip4_hdr(pkts[i])->dst_addr);
	ip4_route_dst(w, pkts, dst, n, transit);
}
