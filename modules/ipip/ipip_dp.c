/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IP-in-IP tunnels (protocol 4, RFC 2003) in the dataplane, as Calico's
 * cross-subnet mode uses them. A tunnel is an interface that is not
 * Ethernet: a route through it names the far end (its gateway), or, point
 * to point, the configured remote. Output prepends the outer header the way
 * Linux does (TTL inherited unless set, DF set unless path MTU discovery is
 * off, TOS 0 or inherited) and routes the outer packet as the router's own.
 * Input takes protocol 4 to the router's addresses, only from a configured
 * remote, a far end routes go to, or the peer prefix; anything else is
 * counted as spoofed. The decapsulated packet is input again as received on
 * the tunnel, with every check of a received packet.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/net_addr.h"
#include "dataplane/fib.h"
#include "dataplane/ip4_encap.h"
#include "dataplane/path.h"
#include "modules/ipip/ipip_msg.h"

struct ipip_priv {
	struct dp_ipip_info info; /* as configured */
	uint16_t underlay;        /* the interface of the local address, DP_IFACE_NONE without one */
};

/* The tunnels, for input to find theirs by the outer addresses. */
static uint16_t tunnels[CFG_MAX_IFACES];
static unsigned n_tunnels;
static enum dp_counter_id cnt_spoofed, cnt_truncated, cnt_no_remote;

static struct ipip_priv *priv(struct dp_iface *ifc)
{
	RTE_BUILD_BUG_ON(sizeof(struct ipip_priv) > IFACE_PRIV_LEN);
	return (struct ipip_priv *)ifc->priv;
}

static struct dp_ipip_info conf_info(const struct dp_iface_conf *c)
{
	struct dp_ipip_info t;
	memcpy(&t, c->info, sizeof(t));
	return t;
}

static int ipip_check(const struct dp_iface_conf *c, const struct dp_iface_conf *all, unsigned n, char *err,
		      size_t errlen)
{
	struct dp_ipip_info t = conf_info(c);
	char a[IP4_STR_LEN];

	(void)n;
	if (!t.local || ip4_special(t.local)) {
		snprintf(err, errlen, "tunnel %.*s: no usable source address", DP_NAME_LEN, c->name);
		return -EINVAL;
	}
	if (t.remote == t.local || (t.remote && ip4_special(t.remote)) || t.peer_len > 32 ||
	    (t.peer & ~prefix4_mask(t.peer_len))) {
		snprintf(err, errlen, "tunnel %.*s: unusable remote or peer prefix", DP_NAME_LEN, c->name);
		return -EINVAL;
	}
	/* Input must know whose a packet is: one tunnel per pair of outer addresses. */
	for (const struct dp_iface_conf *o = all; o < c; o++) {
		struct dp_ipip_info ot = conf_info(o);
		if (o->type == DP_IFACE_IPIP && ot.local == t.local && ot.remote == t.remote) {
			snprintf(err, errlen, "tunnels %.*s and %.*s both go from %s to %s", DP_NAME_LEN, o->name,
				 DP_NAME_LEN, c->name, ip4_fmt(t.local, a),
				 t.remote ? "the same remote" : "any remote");
			return -EEXIST;
		}
	}
	return 0;
}

static void list_add(uint16_t id)
{
	for (unsigned i = 0; i < n_tunnels; i++)
		if (tunnels[i] == id)
			return;
	tunnels[n_tunnels] = id;
	__atomic_store_n(&n_tunnels, n_tunnels + 1, __ATOMIC_RELEASE);
}

static void list_del(uint16_t id)
{
	for (unsigned i = 0; i < n_tunnels; i++) {
		if (tunnels[i] != id)
			continue;
		/* A worker reading meanwhile may miss one tunnel for one packet: counted, not lost state. */
		__atomic_store_n(&tunnels[i], tunnels[n_tunnels - 1], __ATOMIC_RELEASE);
		__atomic_store_n(&n_tunnels, n_tunnels - 1, __ATOMIC_RELEASE);
		return;
	}
}

static int ipip_apply(struct dp_iface *ifc, const struct dp_iface_conf *c, char *err, size_t errlen)
{
	struct ipip_priv *p = priv(ifc);

	(void)err, (void)errlen;
	p->info = conf_info(c);
	if (!ifc->type)
		p->underlay = DP_IFACE_NONE;
	list_add(ifc->id);
	return 0;
}

static void ipip_destroy(struct dp_iface *ifc)
{
	list_del(ifc->id);
}

/* The underlay is the interface of the source address; the tunnel's MTU is
 * its MTU less the outer header, unless one is configured. */
static void ipip_follow(struct dp_iface *ifc)
{
	struct ipip_priv *p = priv(ifc);

	p->underlay = iface_holding(p->info.local);
	uint16_t under = p->underlay == DP_IFACE_NONE ? DP_DEFAULT_MTU : dp_ifaces[p->underlay].mtu;
	ifc->mtu = ifc->conf.mtu ? ifc->conf.mtu : (uint16_t)(under - IPIP_OVERHEAD);
}

static bool ipip_underlay_up(const struct dp_iface *ifc)
{
	const struct ipip_priv *p = (const struct ipip_priv *)ifc->priv;
	return p->underlay != DP_IFACE_NONE && dp_ifaces[p->underlay].oper_up;
}

static void ipip_info(const struct dp_iface *ifc, uint8_t info[DP_IFACE_INFO_LEN])
{
	memcpy(info, &((const struct ipip_priv *)ifc->priv)->info, sizeof(struct dp_ipip_info));
}

static void ipip_output(struct dp_worker *w, struct dp_iface *ifc, struct rte_mbuf **pkts, const uint32_t *next_hop,
			uint16_t n)
{
	/* A copy: the headers written in the loop could alias the interface's. */
	const struct dp_ipip_info tun = priv(ifc)->info, *t = &tun;
	struct iface_counters *c = iface_counters_self(ifc->id);
	struct dp_lcore_counters *cnt = dp_counters_self();
	const bool tracing = trace_on();
	uint16_t ip_id = w->ip_id;
	struct own_output out;
	uint64_t packets = 0, bytes = 0;

	own_output_begin(&out);
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct rte_ipv4_hdr *inner =
			rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
		uint32_t remote = t->remote ? t->remote : next_hop[i];
		uint16_t inner_len = rte_be_to_cpu_16(inner->total_length);
		struct ip4_outer o = {
			.tos = t->flags & DP_IPIP_F_TOS_INHERIT ? inner->type_of_service : t->tos,
			.ttl = t->ttl ? t->ttl : inner->time_to_live,
			.proto = IPPROTO_IPIP,
			.total_len = (uint16_t)(inner_len + sizeof(struct rte_ipv4_hdr)),
			.id = ip_id++,
			.frag = t->flags & DP_IPIP_F_NO_PMTUD
					? rte_be_to_cpu_16(inner->fragment_offset) & RTE_IPV4_HDR_DF_FLAG
					: RTE_IPV4_HDR_DF_FLAG,
			.src = t->local,
			.dst = remote,
		};

		if (unlikely(!remote)) {
			c->tx_dropped++;
			dp_drop(cnt, cnt_no_remote, m);
			continue;
		}
		/* The frame's padding goes: the outer length is the inner packet's plus the header. */
		uint32_t padding = rte_pktmbuf_pkt_len(m) - sizeof(struct rte_ether_hdr) - inner_len;
		if (unlikely(padding))
			rte_pktmbuf_trim(m, (uint16_t)padding);
		struct rte_ether_hdr *eh = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, sizeof(struct rte_ipv4_hdr));
		if (unlikely(!eh)) {
			c->tx_dropped++;
			dp_drop(cnt, DP_CNT_ICMP_ERR_NO_HEADROOM, m);
			continue;
		}
		/* A new Ethernet header in front, whose addresses the outer route fills. */
		eh->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
		ip4_encap_write((struct rte_ipv4_hdr *)(eh + 1), &o);
		packets++;
		bytes += inner_len;
		if (unlikely(tracing)) {
			char from[IP4_STR_LEN], to[IP4_STR_LEN];
			trace_step(m, "ipip", "encapsulated by %s: %s -> %s, TTL %u", ifc->name,
				   ip4_fmt(t->local, from), ip4_fmt(remote, to), o.ttl);
		}
		own_output_send(w, &out, m, remote, o.total_len);
	}
	w->ip_id = ip_id;
	c->tx_packets += packets;
	c->tx_bytes += bytes;
	own_output_end(&out);
}

static const struct iface_type ipip_type = {
	.type = DP_IFACE_IPIP,
	.name = "ipip",
	.ethernet = false,
	.check = ipip_check,
	.apply = ipip_apply,
	.destroy = ipip_destroy,
	.follow = ipip_follow,
	.underlay_up = ipip_underlay_up,
	.output = ipip_output,
	.info = ipip_info,
};

/* The tunnel a packet from src to the router's dst came through, or DP_IFACE_NONE. */
static uint16_t tunnel_of(uint32_t dst, uint32_t src)
{
	unsigned n = __atomic_load_n(&n_tunnels, __ATOMIC_ACQUIRE);
	uint16_t any = DP_IFACE_NONE;

	for (unsigned i = 0; i < n; i++) {
		uint16_t id = __atomic_load_n(&tunnels[i], __ATOMIC_ACQUIRE);
		const struct dp_iface *ifc = &dp_ifaces[id];
		const struct dp_ipip_info *t = &((const struct ipip_priv *)ifc->priv)->info;
		if (ifc->type != DP_IFACE_IPIP || t->local != dst)
			continue;
		if (t->remote == src)
			return id;
		if (!t->remote &&
		    ((t->peer_len && prefix4_contains(t->peer, t->peer_len, src)) || fib_tunnel_far_end(id, src)))
			any = id;
	}
	return any;
}

/* A run of packets received on one tunnel, counted when it ends. */
struct rx_run {
	uint16_t id; /* DP_IFACE_NONE: none yet */
	uint32_t dst, src;
	uint64_t packets, bytes;
};

static dp_verdict decapsulate(struct rte_mbuf *m, struct rx_run *r, bool tracing)
{
	uint8_t *eh = rte_pktmbuf_mtod(m, uint8_t *);
	const struct rte_ipv4_hdr *outer = (const struct rte_ipv4_hdr *)(eh + sizeof(struct rte_ether_hdr));
	uint16_t ihl = rte_ipv4_hdr_len(outer), outer_len = rte_be_to_cpu_16(outer->total_length);
	uint32_t src = rte_be_to_cpu_32(outer->src_addr), dst = rte_be_to_cpu_32(outer->dst_addr);

	if (unlikely(outer_len < ihl + sizeof(struct rte_ipv4_hdr) ||
		     rte_pktmbuf_data_len(m) < sizeof(struct rte_ether_hdr) + ihl + sizeof(struct rte_ipv4_hdr)))
		return DP_DROP(cnt_truncated);
	/* The packets of a burst mostly come through one tunnel. */
	if (unlikely(r->id == DP_IFACE_NONE || r->dst != dst || r->src != src)) {
		uint16_t id = tunnel_of(dst, src);
		if (id == DP_IFACE_NONE) {
			if (tracing) {
				char from[IP4_STR_LEN];
				trace_count(m, "ipip", cnt_spoofed, "from %s: no tunnel takes it", ip4_fmt(src, from));
			}
			return DP_DROP(cnt_spoofed);
		}
		iface_count_rx(r->id, r->packets, r->bytes);
		*r = (struct rx_run){.id = id, .dst = dst, .src = src};
	}
	const struct dp_iface *ifc = &dp_ifaces[r->id];
	if (unlikely(!ifc->oper_up)) {
		iface_counters_self(r->id)->rx_dropped++;
		return DP_DROP(DP_CNT_DROP_IFACE_DOWN);
	}
	/* What follows the outer datagram (Ethernet padding) goes, then the outer header. */
	uint32_t padding = rte_pktmbuf_pkt_len(m) - sizeof(struct rte_ether_hdr) - outer_len;
	if (unlikely(padding))
		rte_pktmbuf_trim(m, (uint16_t)padding);
	/* Of the Ethernet header in front of the inner packet only the type
	 * counts: every output writes the addresses. */
	rte_pktmbuf_adj(m, ihl);
	rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	r->packets++;
	r->bytes += outer_len - ihl;
	dp_meta(m)->in_iface = r->id;
	if (unlikely(tracing))
		trace_step(m, "ipip", "decapsulated by %s", ifc->name);
	return DP_REINJECT_IP4;
}

static void ipip_input(struct dp_worker *w, struct rte_mbuf **pkts, dp_verdict *v, uint16_t n)
{
	struct rx_run r = {.id = DP_IFACE_NONE};
	const bool tracing = trace_on();

	(void)w;
	for (uint16_t i = 0; i < n; i++)
		v[i] = decapsulate(pkts[i], &r, tracing);
	iface_count_rx(r.id, r.packets, r.bytes);
}

void ipip_dataplane_init(void)
{
	iface_type_register(&ipip_type);
	ip4_local_register(IPPROTO_IPIP, ipip_input);
	cnt_spoofed = dp_counter_register("drop.ipip.spoofed");
	cnt_truncated = dp_counter_register("drop.ipip.truncated");
	cnt_no_remote = dp_counter_register("drop.ipip.no_remote");
}
