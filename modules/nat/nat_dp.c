/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAT in the dataplane, on connection tracking.
 *
 * A connection is translated as a whole, decided on its first packet: DNAT
 * (destination rules, static rules inbound) at PREROUTING, SNAT (source
 * rules, static rules outbound, hairpin masquerade) at POSTROUTING, each
 * writing the connection's reply tuple (ct_set_reply_tuple) before the
 * connection is confirmed, so that replies find it, and marking in the
 * connection's NAT room which of the two it did. From then on every packet
 * going direction d is made to look like the inverse of the other
 * direction's tuple: its destination at the first hook it meets (DNAT of
 * the original direction, un-SNAT of replies), its source at the last
 * (SNAT, un-DNAT of replies). No per-packet state is written.
 *
 * SNAT ports: each worker searches its own slice of the translation range
 * (no shared allocator), from a per-worker cursor or a random port, and
 * takes the first whose reply tuple no connection holds. The original port
 * is kept when it is free. A search that finds none is counted as
 * exhaustion and drops the packet: a live mapping is never reused.
 *
 * Endpoint-independent mapping (RFC 4787 section 4.1), where a source rule
 * asks for it: a shared table from an internal address and port to the
 * connection that last took a translation for them; a new connection from
 * there takes the same address and port when they are free toward its
 * destination. Workers add (lock-free readers, as conntrack's table); the
 * main lcore removes the mappings whose connection is gone, a slice at a
 * time, their slots reused after an RCU grace period.
 *
 * ICMP errors about a translated connection (RELATED) are translated at the
 * first NAT hook they meet: the quoted packet back to what its sender sent,
 * the error to that sender.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_icmp.h>
#include <rte_malloc.h>
#include <rte_random.h>
#include <rte_rcu_qsbr.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "dataplane/ctl_server.h"
#include "dataplane/path.h"
#include "dataplane/state.h"
#include "modules/conntrack/conntrack.h"
#include "modules/nat/nat_msg.h"

#define NAT_IFACE_UNKNOWN (DP_IFACE_NONE - 1) /* a name no interface has: the rule matches nothing */
#define PORT_TRIES_MAX 256                    /* candidates one new connection looks at */

/* struct nat_binding.manip */
#define NB_DNAT 0x01 /* the original direction's destination was translated */
#define NB_SNAT 0x02 /* the original direction's source was translated */
/* Decided, once for the connection (the packets of a new flow in one burst share it): */
#define NB_DNAT_DONE 0x04
#define NB_SNAT_DONE 0x08
#define NB_SNAT_DROP 0x10 /* no source to give it: its packets are dropped */

/* What a connection keeps in its NAT room (ct_nat). */
struct nat_binding {
	uint8_t manip;
	uint8_t balanced; /* the destination is a backend dnat_rule picked */
	uint16_t reserved;
	uint32_t dnat_rule, snat_rule; /* numbers of the rules that translated it */
	uint32_t reserved2;
};

struct nat_rule {
	struct dp_nat_item item;
	uint16_t iface; /* resolved item.iface: DP_IFACE_NONE for any */
	uint32_t slot;  /* its counters' index */
	uint32_t n_backends, total_weight;
	uint32_t *backend; /* addresses */
	uint32_t *cum;     /* running sums of the weights */
};

struct rule_counters {
	uint64_t connections, exhausted;
	uint64_t picks; /* round-robin */
};

struct nat_conf {
	unsigned n[NAT_ITEM_STATIC + 1]; /* by kind */
	struct nat_rule *rules[NAT_ITEM_STATIC + 1];
	unsigned n_slots;
	struct rule_counters *cnt[DP_MAX_WORKERS]; /* n_slots each */
};

struct worker_state {
	uint32_t cursor;
} __rte_cache_aligned;

static struct nat_conf *active;

#define EIM_ENTRIES 262144  /* internal endpoints with a kept translation, over every rule */
#define EIM_SWEEP 1024      /* mappings the main lcore checks per slice */
#define EIM_SWEEPS_PER_S 64 /* slices a second */

/* The internal side of an endpoint-independent mapping. */
struct eim_key {
	uint32_t addr;
	uint32_t rule; /* the source rule's number */
	uint16_t port; /* ICMP echo: the id */
	uint16_t zone;
	uint8_t proto;
	uint8_t reserved[3];
};

static struct rte_hash *eim; /* made with the first rule that asks for it, to a connection */
static uint32_t eim_cursor;
static uint64_t eim_next_tsc;
static struct worker_state workers[DP_MAX_WORKERS];
static uint32_t feature;
static bool ct_held;
static enum dp_counter_id cnt_dnat, cnt_snat, cnt_exhausted, cnt_no_address, cnt_no_connection, cnt_related;
static enum dp_counter_id cnt_reset, cnt_eim_full;

/* ---- checksums (RFC 1624), on values as they are in the packet ---- */

/* Changes to a one's-complement sum are carried as 32-bit one's-complement
 * addends: a 32-bit word is two 16-bit ones, its carry folded in at the top. */
static inline uint32_t oc_add(uint32_t a, uint32_t b)
{
	uint32_t s = a + b;
	return s + (s < b);
}

/* What replacing 32 bits from by to adds to a one's-complement sum. */
static inline uint32_t delta32(uint32_t from, uint32_t to)
{
	return oc_add(~from, to);
}

/* What replacing 16 bits from by to adds. */
static inline uint32_t delta16(uint16_t from, uint16_t to)
{
	return (uint32_t)(uint16_t)~from + to;
}

/* The checksum sum after the changes whose sum is delta: one 32-bit
 * one's-complement add, then a fold to 16 bits in one add: the high half of
 * s plus s rotated by 16 is its halves' sum with the low half's carry, the
 * end-around carry of a 16-bit add. */
static inline uint16_t sum_adjust(uint16_t sum, uint32_t delta)
{
	uint32_t s = oc_add((uint16_t)~sum, delta);

	s += s >> 16 | s << 16;
	return (uint16_t) ~(s >> 16);
}

static inline void sum_replace32(uint16_t *sum, uint32_t from, uint32_t to)
{
	*sum = sum_adjust(*sum, delta32(from, to));
}

/* ---- rewriting a packet ---- */

/* Where the L4 checksum of an IPv4 packet of protocol proto sits in l4
 * (len bytes of it present), NULL if none to update. */
static inline uint16_t *l4_sum(uint8_t proto, uint8_t *l4, uint32_t len)
{
	if (proto == IPPROTO_TCP && len >= offsetof(struct rte_tcp_hdr, cksum) + 2)
		return (uint16_t *)(l4 + offsetof(struct rte_tcp_hdr, cksum));
	if (proto == IPPROTO_UDP && len >= offsetof(struct rte_udp_hdr, dgram_cksum) + 2) {
		uint16_t *s = (uint16_t *)(l4 + offsetof(struct rte_udp_hdr, dgram_cksum));
		return *s ? s : NULL; /* 0: the sender sent none, and none is made */
	}
	if (proto == IPPROTO_ICMP && len >= offsetof(struct rte_icmp_hdr, icmp_cksum) + 2)
		return (uint16_t *)(l4 + offsetof(struct rte_icmp_hdr, icmp_cksum));
	return NULL;
}

/* An L4 checksum at sum after the changes whose sum is delta. */
static inline void l4_sum_apply(uint8_t proto, uint16_t *sum, uint32_t delta)
{
	uint16_t s = sum_adjust(*sum, delta);

	/* RFC 768: a computed 0 is sent as all ones */
	*sum = proto == IPPROTO_UDP && s == 0 ? 0xffff : s;
}

/* The packet ip (its L4 header at l4, l4len bytes present) gets the source
 * (src) or destination of t: address and port (ICMP echo: the id). */
static void rewrite(struct rte_ipv4_hdr *ip, uint8_t *l4, uint32_t l4len, const struct dp_ct_tuple *t, bool src)
{
	/* the header is 2-byte aligned after Ethernet: its addresses are read and written as members */
	uint32_t from = src ? ip->src_addr : ip->dst_addr;
	uint32_t to = rte_cpu_to_be_32(src ? t->src : t->dst);
	uint8_t proto = ip->next_proto_id;
	uint16_t *sum = l4_sum(proto, l4, l4len);
	uint32_t l4_delta = 0;

	if (from != to) {
		uint32_t d = delta32(from, to);
		ip->hdr_checksum = sum_adjust(ip->hdr_checksum, d);
		if (proto != IPPROTO_ICMP) /* the pseudo-header's addresses */
			l4_delta = d;
		if (src)
			ip->src_addr = to;
		else
			ip->dst_addr = to;
	}
	uint16_t *port = NULL, pto = 0;
	if ((proto == IPPROTO_TCP || proto == IPPROTO_UDP) && l4len >= 4) {
		port = (uint16_t *)(l4 + (src ? 0 : 2));
		pto = rte_cpu_to_be_16(src ? t->sport : t->dport);
	} else if (proto == IPPROTO_ICMP && l4len >= 8) {
		port = (uint16_t *)(l4 + offsetof(struct rte_icmp_hdr, icmp_ident));
		pto = rte_cpu_to_be_16(t->sport);
	}
	if (port && *port != pto) {
		l4_delta = oc_add(l4_delta, delta16(*port, pto));
		*port = pto;
	}
	if (sum && l4_delta)
		l4_sum_apply(proto, sum, l4_delta);
}

static inline struct rte_ipv4_hdr *ip_of(struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
}

static inline uint32_t l4_len_of(struct rte_mbuf *m, const struct rte_ipv4_hdr *ip)
{
	uint32_t have = rte_pktmbuf_data_len(m) - (uint32_t)sizeof(struct rte_ether_hdr);
	uint32_t len = RTE_MIN(have, (uint32_t)rte_be_to_cpu_16(ip->total_length));
	uint32_t ihl = rte_ipv4_hdr_len(ip);
	return len > ihl ? len - ihl : 0;
}

/* rewrite's common case: a TCP segment or UDP datagram with a 20-byte IP
 * header and its whole L4 header, given the address and port it takes (in
 * network order) for its source (src) or destination. */
static inline void rewrite_ports(struct rte_ipv4_hdr *ip, uint32_t to, uint16_t pto, bool src)
{
	uint8_t *l4 = (uint8_t *)(ip + 1);
	uint16_t *port = (uint16_t *)(l4 + (src ? 0 : 2));
	uint16_t *sum =
		(uint16_t *)(l4 + (ip->next_proto_id == IPPROTO_TCP ? offsetof(struct rte_tcp_hdr, cksum)
								    : offsetof(struct rte_udp_hdr, dgram_cksum)));
	uint32_t from = src ? ip->src_addr : ip->dst_addr;
	uint32_t d = delta32(from, to);

	ip->hdr_checksum = sum_adjust(ip->hdr_checksum, d);
	if (src)
		ip->src_addr = to;
	else
		ip->dst_addr = to;
	d = oc_add(d, delta16(*port, pto));
	*port = pto;
	if (ip->next_proto_id == IPPROTO_TCP || *sum) /* UDP's 0 is no checksum, and stays none */
		l4_sum_apply(ip->next_proto_id, sum, d);
}

/* apply_manip of the other packets: ICMP, fragments, options, short headers. */
static __rte_noinline void apply_manip_any(struct rte_mbuf *m, struct rte_ipv4_hdr *ip, const struct dp_ct_tuple *other,
					   bool src)
{
	struct dp_ct_tuple want = ct_tuple_invert(other);
	/* A later fragment has no L4 header: its addresses only. */
	uint32_t l4len = (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_OFFSET_MASK)) ? 0 : l4_len_of(m, ip);

	rewrite(ip, (uint8_t *)ip + rte_ipv4_hdr_len(ip), l4len, &want, src);
}

/* m of connection c, going d, takes the source or destination the other direction expects. */
static inline void apply_manip(struct rte_mbuf *m, struct ct_conn *c, enum ct_dir d, bool src)
{
	struct rte_ipv4_hdr *ip = ip_of(m);
	const struct dp_ct_tuple *other = ct_tuple(c, d == CT_DIR_ORIGINAL ? CT_DIR_REPLY : CT_DIR_ORIGINAL);
	uint32_t have = rte_pktmbuf_data_len(m) - (uint32_t)sizeof(struct rte_ether_hdr);

	/* The answer's destination is the source this packet takes, and the other way round. */
	if (likely(ip->version_ihl == RTE_IPV4_VHL_DEF &&
		   !(ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) &&
		   ((ip->next_proto_id == IPPROTO_UDP && have >= sizeof(*ip) + sizeof(struct rte_udp_hdr)) ||
		    (ip->next_proto_id == IPPROTO_TCP && have >= sizeof(*ip) + sizeof(struct rte_tcp_hdr)))))
		rewrite_ports(ip, rte_cpu_to_be_32(src ? other->dst : other->src),
			      rte_cpu_to_be_16(src ? other->dport : other->sport), src);
	else
		apply_manip_any(m, ip, other, src);
}

/* ---- ICMP errors (RELATED) ---- */

static void related_translate(struct rte_mbuf *m, struct ct_conn *c, enum ct_dir d)
{
	struct rte_ipv4_hdr *ip = ip_of(m);
	uint32_t icmp_len = l4_len_of(m, ip);
	struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)((uint8_t *)ip + rte_ipv4_hdr_len(ip));
	struct rte_ipv4_hdr *inner = (struct rte_ipv4_hdr *)(icmp + 1);
	/* What the quoted packet was when its sender sent it: the other direction's tuple. */
	const struct dp_ct_tuple *sent = ct_tuple(c, d == CT_DIR_ORIGINAL ? CT_DIR_REPLY : CT_DIR_ORIGINAL);

	/* conntrack checked the quoted header and 8 bytes of its L4 header */
	uint32_t inner_ihl = rte_ipv4_hdr_len(inner);
	uint8_t *inner_l4 = (uint8_t *)inner + inner_ihl;
	uint32_t inner_l4_len = icmp_len - (uint32_t)sizeof(*icmp) - inner_ihl;
	uint32_t quoted_dst = inner->dst_addr;
	rewrite(inner, inner_l4, inner_l4_len, sent, true);
	rewrite(inner, inner_l4, inner_l4_len, sent, false);
	/* The error goes to the quoted packet's sender; from its destination if that made it. */
	uint32_t to = rte_cpu_to_be_32(sent->src);
	if (ip->dst_addr != to) {
		sum_replace32(&ip->hdr_checksum, ip->dst_addr, to);
		ip->dst_addr = to;
	}
	if (ip->src_addr == quoted_dst) {
		uint32_t from = rte_cpu_to_be_32(sent->dst);
		sum_replace32(&ip->hdr_checksum, ip->src_addr, from);
		ip->src_addr = from;
	}
	icmp->icmp_cksum = 0;
	icmp->icmp_cksum = (uint16_t)~rte_raw_cksum(icmp, icmp_len);
	dp_counters_self()->c[cnt_related]++;
}

/* ---- rules ---- */

static inline bool ports_in(const struct port_range *r, uint8_t n, uint16_t port)
{
	if (!n)
		return true;
	for (uint8_t i = 0; i < n; i++)
		if (port >= r[i].lo && port <= r[i].hi)
			return true;
	return false;
}

static inline bool has_ports(uint8_t proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP;
}

static bool rule_matches(const struct nat_rule *r, const struct dp_ct_tuple *k, uint16_t iface)
{
	const struct dp_nat_item *it = &r->item;

	if (r->iface != DP_IFACE_NONE && r->iface != iface)
		return false;
	if (it->flags & NAT_F_TCP_UDP) {
		if (!has_ports(k->proto))
			return false;
	} else if (it->proto && it->proto != k->proto) {
		return false;
	}
	if (!prefix4_contains(it->src, it->src_len, k->src) || !prefix4_contains(it->dst, it->dst_len, k->dst))
		return false;
	if ((it->n_sports || it->n_dports) && !(has_ports(k->proto) && ports_in(it->sports, it->n_sports, k->sport) &&
						ports_in(it->dports, it->n_dports, k->dport)))
		return false;
	return true;
}

static const struct nat_rule *rule_find(const struct nat_conf *cf, uint8_t kind, const struct dp_ct_tuple *k,
					uint16_t iface)
{
	for (unsigned i = 0; i < cf->n[kind]; i++)
		if (rule_matches(&cf->rules[kind][i], k, iface))
			return &cf->rules[kind][i];
	return NULL;
}

static inline struct rule_counters *rule_cnt(const struct nat_conf *cf, const struct dp_worker *w,
					     const struct nat_rule *r)
{
	return &cf->cnt[w->id][r->slot];
}

static inline uint32_t netmap(uint32_t net, uint8_t len, uint32_t addr)
{
	uint32_t mask = prefix4_mask(len);
	return (net & mask) | (addr & ~mask);
}

/* A backend by weight for x (0 .. total_weight - 1). */
static uint32_t backend_at(const struct nat_rule *r, uint32_t x)
{
	uint32_t lo = 0, hi = r->n_backends - 1;

	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		if (x < r->cum[mid])
			hi = mid;
		else
			lo = mid + 1;
	}
	return r->backend[lo];
}

static uint32_t balance_key(const struct nat_rule *r, struct rule_counters *rc, const struct dp_ct_tuple *k)
{
	uint8_t h = r->item.hash;
	uint32_t v = 0;

	if (h & NAT_HASH_ROUND_ROBIN)
		return (uint32_t)rc->picks++;
	if (h & NAT_HASH_RANDOM)
		return (uint32_t)rte_rand();
	if (h & NAT_HASH_SRC_ADDR)
		v = rte_hash_crc_4byte(k->src, v);
	if (h & NAT_HASH_DST_ADDR)
		v = rte_hash_crc_4byte(k->dst, v);
	if (h & NAT_HASH_SRC_PORT)
		v = rte_hash_crc_2byte(k->sport, v);
	if (h & NAT_HASH_DST_PORT)
		v = rte_hash_crc_2byte(k->dport, v);
	return v;
}

/* ---- DNAT (PREROUTING) ---- */

static struct nat_binding *binding(struct ct_conn *c)
{
	return ct_nat(c);
}

/* The new connection c arrived on the packet's interface: a destination
 * rule, or else a static rule, may translate its destination. */
static void dnat_new(const struct nat_conf *cf, struct dp_worker *w, struct rte_mbuf *m, struct ct_conn *c)
{
	const struct dp_ct_tuple *k = ct_tuple(c, CT_DIR_ORIGINAL);
	uint16_t iface = dp_meta(m)->in_iface;
	const struct nat_rule *r;
	struct dp_ct_tuple reply = *ct_tuple(c, CT_DIR_REPLY);
	struct nat_binding *b = binding(c);

	if (b->manip & NB_DNAT_DONE)
		return;
	b->manip |= NB_DNAT_DONE;
	/* A static rule is a prefix's own: it comes before the others. */
	if ((r = rule_find(cf, NAT_ITEM_STATIC, k, iface))) {
		reply.src = netmap(r->item.addr_lo, r->item.addr_len, k->dst);
		rule_cnt(cf, w, r)->connections++;
	} else if (!(r = rule_find(cf, NAT_ITEM_DESTINATION, k, iface))) {
		return;
	} else {
		const struct dp_nat_item *it = &r->item;
		struct rule_counters *rc = rule_cnt(cf, w, r);
		if (it->flags & NAT_F_EXCLUDE)
			return;
		if (r->n_backends) {
			reply.src = backend_at(r, balance_key(r, rc, k) % r->total_weight);
			b->balanced = 1;
		} else if (it->flags & NAT_F_NETMAP) {
			reply.src = netmap(it->addr_lo, it->addr_len, k->dst);
		} else if (it->addr_hi) {
			uint32_t n = it->addr_hi - it->addr_lo + 1;
			reply.src = it->addr_lo + (n > 1 ? rte_hash_crc_4byte(k->src, 0) % n : 0);
		}
		if (it->port_hi && has_ports(k->proto)) {
			uint32_t off = it->port_hi > it->port_lo && it->n_dports ? k->dport - it->dports[0].lo : 0;
			reply.sport = (uint16_t)RTE_MIN((uint32_t)it->port_lo + off, (uint32_t)it->port_hi);
		}
		rc->connections++;
	}
	if (ct_set_reply_tuple(c, &reply) != 0)
		return;
	b->manip |= NB_DNAT;
	b->dnat_rule = r->item.number;
	dp_counters_self()->c[cnt_dnat]++;
}

/* A TCP segment of no connection toward a translated address: without its
 * connection it would leave untranslated (its flow was cleared, or began
 * before the router knew it). It is answered with a reset instead. */
static bool orphan_of_dnat(const struct nat_conf *cf, struct rte_mbuf *m)
{
	const struct rte_ipv4_hdr *ip = ip_of(m);

	if (ct_state(m) != CT_INVALID || ip->next_proto_id != IPPROTO_TCP || l4_len_of(m, ip) < 4 ||
	    (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_OFFSET_MASK)))
		return false;
	const struct rte_tcp_hdr *th = (const struct rte_tcp_hdr *)((const uint8_t *)ip + rte_ipv4_hdr_len(ip));
	struct dp_ct_tuple k = {.src = rte_be_to_cpu_32(ip->src_addr),
				.dst = rte_be_to_cpu_32(ip->dst_addr),
				.sport = rte_be_to_cpu_16(th->src_port),
				.dport = rte_be_to_cpu_16(th->dst_port),
				.proto = IPPROTO_TCP};
	const struct nat_rule *r = rule_find(cf, NAT_ITEM_DESTINATION, &k, dp_meta(m)->in_iface);
	return r && !(r->item.flags & NAT_F_EXCLUDE);
}

/* A packet without a connection, at PREROUTING: an orphan of a DNAT rule's
 * connection gets a reset (its peer learns at once that the connection is
 * gone), the others go on. */
static dp_verdict unconnected(const struct nat_conf *cf, struct dp_worker *w, struct rte_mbuf *m)
{
	if (!orphan_of_dnat(cf, m))
		return DP_CONTINUE;
	if (tcp_send_reset(w, m)) {
		dp_counters_self()->c[cnt_reset]++;
		return DP_CONSUMED;
	}
	return DP_DROP(cnt_no_connection);
}

static void dnat_burst(struct dp_worker *w, struct rte_mbuf **pkts, dp_verdict *v, uint16_t n, bool local_out)
{
	const struct nat_conf *cf = __atomic_load_n(&active, __ATOMIC_ACQUIRE);

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct ct_conn *c = ct_conn_of(m);
		enum ct_state st = ct_state(m);
		enum ct_dir d = ct_dir(m);

		v[i] = DP_CONTINUE;
		if (!cf)
			continue;
		if (!c) {
			if (!local_out)
				v[i] = unconnected(cf, w, m);
			continue;
		}
		if (st == CT_RELATED) {
			if (binding(c)->manip)
				related_translate(m, c, d);
			continue;
		}
		if (st == CT_NEW && !local_out)
			dnat_new(cf, w, m, c);
		uint8_t manip = binding(c)->manip;
		if ((d == CT_DIR_ORIGINAL && (manip & NB_DNAT)) || (d == CT_DIR_REPLY && (manip & NB_SNAT)))
			apply_manip(m, c, d, false);
	}
}

static void nat_prerouting(struct dp_worker *w, struct rte_mbuf **pkts, dp_verdict *v, uint16_t n)
{
	dnat_burst(w, pkts, v, n, false);
}

static void nat_local_out(struct dp_worker *w, struct rte_mbuf **pkts, dp_verdict *v, uint16_t n)
{
	dnat_burst(w, pkts, v, n, true);
}

/* ---- SNAT (POSTROUTING) ---- */

/* The port field a source translation changes in a reply tuple. */
static inline uint16_t *reply_port(struct dp_ct_tuple *reply)
{
	return reply->proto == IPPROTO_ICMP ? &reply->sport : &reply->dport;
}

/* A free port for reply (its destination address set) in lo..hi; orig is
 * the connection's own. False: none is free. */
static bool port_pick(struct dp_worker *w, struct dp_ct_tuple *reply, uint16_t lo, uint16_t hi, uint16_t orig,
		      uint8_t flags)
{
	uint16_t *port = reply_port(reply);

	if (!(flags & NAT_F_PORT_RANDOM) && orig >= lo && orig <= hi) {
		*port = orig;
		if (!ct_tuple_taken(reply))
			return true;
	}
	if (flags & NAT_F_PORT_KEEP) {
		*port = orig;
		return !ct_tuple_taken(reply);
	}
	/* This worker's slice of the range; all of it when the range is too small to share. */
	uint32_t size = (uint32_t)hi - lo + 1, nw = RTE_MAX(dp.n_workers, 1u);
	uint32_t slice_lo = lo, slice = size;
	if (size >= nw * 2) {
		slice = size / nw;
		slice_lo = lo + w->id * slice;
		if (w->id == nw - 1)
			slice = size - w->id * slice;
	}
	uint32_t start = (flags & NAT_F_PORT_RANDOM) ? (uint32_t)rte_rand() : workers[w->id].cursor;
	uint32_t tries = RTE_MIN(slice, (uint32_t)PORT_TRIES_MAX);
	for (uint32_t t = 0; t < tries; t++) {
		*port = (uint16_t)(slice_lo + (start + t) % slice);
		if (!ct_tuple_taken(reply)) {
			workers[w->id].cursor = start + t + 1;
			return true;
		}
	}
	workers[w->id].cursor = start + tries;
	return false;
}

/* Which ports a source translation may give a connection whose own is orig. */
static void port_range_of(const struct dp_nat_item *it, uint8_t proto, uint16_t orig, uint16_t *lo, uint16_t *hi)
{
	if (it && it->port_hi) {
		*lo = it->port_lo;
		*hi = it->port_hi;
	} else if (proto == IPPROTO_ICMP) {
		*lo = 0;
		*hi = UINT16_MAX;
	} else if (orig < 1024) {
		/* privileged ports stay privileged, as Linux keeps them */
		*lo = 1;
		*hi = 1023;
	} else {
		*lo = 1024;
		*hi = UINT16_MAX;
	}
}

/* ---- endpoint-independent mapping ---- */

static inline uint16_t reply_port_of(const struct dp_ct_tuple *reply)
{
	return reply->proto == IPPROTO_ICMP ? reply->sport : reply->dport;
}

/* Whether connection c still holds the translation k's endpoint got from
 * k's rule. made_too: also before c is confirmed (the main lcore's view). */
static bool eim_holds(struct ct_conn *c, const struct eim_key *k, bool made_too)
{
	if (!ct_conn_live(c, made_too))
		return false;
	const struct dp_ct_tuple *o = ct_tuple(c, CT_DIR_ORIGINAL);
	const struct nat_binding *b = binding(c);
	return o->src == k->addr && o->sport == k->port && o->proto == k->proto && o->zone == k->zone &&
	       (b->manip & NB_SNAT) && b->snat_rule == k->rule;
}

/* What the rule may give now: the ports a new connection may get, and a
 * kept translation outside it (the rule or the interface's address
 * changed) is not reused. */
struct eim_bounds {
	uint32_t addr_lo, addr_hi;
	uint16_t port_lo, port_hi;
};

/* reply (toward the connection's destination) takes the address and port
 * k's endpoint holds, if it holds some within bounds and they are free for it. */
static bool eim_reuse(const struct eim_key *k, const struct eim_bounds *in, struct dp_ct_tuple *reply)
{
	void *data;

	if (rte_hash_lookup_data(eim, k, &data) < 0 || !eim_holds(data, k, false))
		return false;
	const struct dp_ct_tuple *held = ct_tuple(data, CT_DIR_REPLY);
	uint16_t port = reply_port_of(held);
	if (held->dst < in->addr_lo || held->dst > in->addr_hi || port < in->port_lo || port > in->port_hi)
		return false;
	struct dp_ct_tuple want = *reply;
	want.dst = held->dst;
	*reply_port(&want) = port;
	if (ct_tuple_taken(&want))
		return false;
	*reply = want;
	return true;
}

/* Main lcore: the mappings of a slice whose connection is gone go. */
static void eim_sweep(uint64_t now_tsc)
{
	const void *key;
	void *data;

	if (!eim || now_tsc < eim_next_tsc)
		return;
	eim_next_tsc = now_tsc + rte_get_tsc_hz() / EIM_SWEEPS_PER_S;
	for (unsigned i = 0; i < EIM_SWEEP; i++) {
		if (rte_hash_iterate(eim, &key, &data, &eim_cursor) < 0) {
			eim_cursor = 0;
			return;
		}
		if (!eim_holds(data, key, true))
			rte_hash_del_key(eim, key);
	}
}

static struct rte_hash *eim_create(void)
{
	struct rte_hash_parameters hp = {
		.name = "brink_nat_eim",
		.entries = EIM_ENTRIES,
		.key_len = sizeof(struct eim_key),
		.hash_func = rte_hash_crc,
		.socket_id = (int)rte_socket_id(),
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF | RTE_HASH_EXTRA_FLAGS_MULTI_WRITER_ADD,
	};
	struct rte_hash_rcu_config rc = {.v = dp.qsbr, .mode = RTE_HASH_QSBR_MODE_DQ};
	struct rte_hash *h = rte_hash_create(&hp);

	if (h && rte_hash_rcu_qsbr_add(h, &rc) != 0) {
		rte_hash_free(h);
		h = NULL;
	}
	eim_cursor = 0;
	return h;
}

/* The new connection c leaves by out_iface: a source rule, a static rule
 * or hairpin may translate it. A verdict: DP_CONTINUE or a counted drop. */
static dp_verdict snat_decide(const struct nat_conf *cf, struct dp_worker *w, struct rte_mbuf *m, struct ct_conn *c)
{
	const struct dp_mbuf_meta *meta = dp_meta(m);
	struct nat_binding *b = binding(c);
	struct dp_ct_tuple reply = *ct_tuple(c, CT_DIR_REPLY);
	const struct dp_ct_tuple now = ct_tuple_invert(&reply); /* the packet as it is after DNAT */
	const struct nat_rule *r = NULL;
	bool has_port = has_ports(now.proto) || now.proto == IPPROTO_ICMP;
	uint16_t orig = now.sport; /* ICMP echo: the id */
	uint32_t addr;

	/* The internal side of a static rule leaving by its interface: the
	 * external address of the same host bits, before any source rule. */
	for (unsigned i = 0; i < cf->n[NAT_ITEM_STATIC]; i++) {
		const struct nat_rule *s = &cf->rules[NAT_ITEM_STATIC][i];
		if (s->iface != meta->out_iface || !prefix4_contains(s->item.addr_lo, s->item.addr_len, now.src))
			continue;
		reply.dst = netmap(s->item.dst, s->item.dst_len, now.src);
		if (ct_set_reply_tuple(c, &reply) == 0) {
			b->manip |= NB_SNAT;
			b->snat_rule = s->item.number;
			rule_cnt(cf, w, s)->connections++;
			dp_counters_self()->c[cnt_snat]++;
		}
		return DP_CONTINUE;
	}
	r = rule_find(cf, NAT_ITEM_SOURCE, &now, meta->out_iface);
	const struct dp_nat_item *it = r ? &r->item : NULL;
	if (it && (it->flags & NAT_F_EXCLUDE))
		return DP_CONTINUE;
	if (!r) {
		/* Hairpin: a translated destination back out where the packet came
		 * in would answer its sender directly, past the translation. */
		if (!(b->manip & NB_DNAT) || meta->out_iface != meta->in_iface)
			return DP_CONTINUE;
	}
	if (!it || (it->flags & NAT_F_MASQUERADE)) {
		addr = meta->out_iface < DP_IFACE_MAX ? dp_ifaces[meta->out_iface].primary_ip : 0;
		if (!addr)
			return DP_DROP(cnt_no_address);
	} else if (it->flags & NAT_F_NETMAP) {
		addr = netmap(it->addr_lo, it->addr_len, now.src);
	} else {
		uint32_t n = it->addr_hi - it->addr_lo + 1;
		uint32_t x = n == 1                            ? 0
			     : (it->flags & NAT_F_ADDR_RANDOM) ? (uint32_t)rte_rand() % n
							       : rte_hash_crc_4byte(now.src, 0) % n;
		addr = it->addr_lo + x;
	}
	reply.dst = addr;
	bool keep_port = it && (it->flags & NAT_F_NETMAP) && !it->port_hi;
	bool pick_port = has_port && !keep_port;
	bool eim_on = it && (it->flags & NAT_F_EIM) && pick_port && eim;
	struct eim_bounds in = {.addr_lo = addr, .addr_hi = addr};
	struct eim_key ek = {0};
	if (pick_port)
		port_range_of(it, now.proto, orig, &in.port_lo, &in.port_hi);
	if (eim_on) {
		ek = (struct eim_key){
			.addr = now.src, .rule = it->number, .port = orig, .zone = now.zone, .proto = now.proto};
		if (!(it->flags & NAT_F_MASQUERADE) && it->addr_hi) {
			in.addr_lo = it->addr_lo;
			in.addr_hi = it->addr_hi;
		}
	}
	if (eim_on && eim_reuse(&ek, &in, &reply)) {
		/* the endpoint's translation, kept */
	} else if (pick_port) {
		if (!port_pick(w, &reply, in.port_lo, in.port_hi, orig, it ? it->flags : 0)) {
			if (r)
				rule_cnt(cf, w, r)->exhausted++;
			return DP_DROP(cnt_exhausted);
		}
	} else if (ct_tuple_taken(&reply)) {
		if (r)
			rule_cnt(cf, w, r)->exhausted++;
		return DP_DROP(cnt_exhausted);
	}
	if (ct_set_reply_tuple(c, &reply) != 0)
		return DP_CONTINUE;
	b->manip |= NB_SNAT;
	b->snat_rule = r ? it->number : 0;
	if (r)
		rule_cnt(cf, w, r)->connections++;
	dp_counters_self()->c[cnt_snat]++;
	/* The newest connection holds the mapping: it outlives the older ones most often. */
	if (eim_on && rte_hash_add_key_data(eim, &ek, c) < 0)
		dp_counters_self()->c[cnt_eim_full]++;
	return DP_CONTINUE;
}

static dp_verdict snat_new(const struct nat_conf *cf, struct dp_worker *w, struct rte_mbuf *m, struct ct_conn *c)
{
	struct nat_binding *b = binding(c);

	if (!(b->manip & NB_SNAT_DONE)) {
		b->manip |= NB_SNAT_DONE;
		dp_verdict v = snat_decide(cf, w, m, c);
		if (v != DP_CONTINUE)
			b->manip |= NB_SNAT_DROP;
		return v;
	}
	return (b->manip & NB_SNAT_DROP) ? DP_DROP(cnt_exhausted) : DP_CONTINUE;
}

static void nat_postrouting(struct dp_worker *w, struct rte_mbuf **pkts, dp_verdict *v, uint16_t n)
{
	const struct nat_conf *cf = __atomic_load_n(&active, __ATOMIC_ACQUIRE);

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct ct_conn *c = ct_conn_of(m);
		enum ct_state st = ct_state(m);
		enum ct_dir d = ct_dir(m);

		v[i] = DP_CONTINUE;
		if (!c || !cf || st == CT_RELATED)
			continue;
		if (st == CT_NEW) {
			v[i] = snat_new(cf, w, m, c);
			if (v[i] != DP_CONTINUE)
				continue;
		}
		uint8_t manip = binding(c)->manip;
		if ((d == CT_DIR_ORIGINAL && (manip & NB_SNAT)) || (d == CT_DIR_REPLY && (manip & NB_DNAT)))
			apply_manip(m, c, d, true);
	}
}

/* ---- configuration (main lcore) ---- */

static void conf_free(struct nat_conf *c)
{
	if (!c)
		return;
	for (unsigned k = 0; k <= NAT_ITEM_STATIC; k++) {
		for (unsigned i = 0; i < c->n[k]; i++) {
			free(c->rules[k][i].backend);
			free(c->rules[k][i].cum);
		}
		free(c->rules[k]);
	}
	for (unsigned w = 0; w < DP_MAX_WORKERS; w++)
		rte_free(c->cnt[w]);
	free(c);
}

static int by_number(const void *a, const void *b)
{
	const struct nat_rule *x = a, *y = b;
	return x->item.number < y->item.number ? -1 : x->item.number > y->item.number;
}

static struct nat_rule *rule_by_number(const struct nat_conf *c, uint8_t kind, uint32_t number)
{
	struct nat_rule key = {.item = {.number = number}};
	return c->n[kind] ? bsearch(&key, c->rules[kind], c->n[kind], sizeof(key), by_number) : NULL;
}

static struct nat_conf *conf_build(const struct dp_nat_item *items, unsigned n, struct dp_apply *a, int *rc)
{
	struct nat_conf *c = calloc(1, sizeof(*c));

	*rc = -ENOMEM;
	if (!c)
		return NULL;
	for (unsigned i = 0; i < n; i++) {
		if (items[i].kind < NAT_ITEM_SOURCE || items[i].kind > NAT_ITEM_BACKEND) {
			*rc = dp_apply_refuse(a, -EINVAL, "NAT item of unknown kind %u", items[i].kind);
			goto fail;
		}
		if (items[i].kind != NAT_ITEM_BACKEND)
			c->n[items[i].kind]++;
	}
	for (unsigned k = NAT_ITEM_SOURCE; k <= NAT_ITEM_STATIC; k++) {
		if (c->n[k] > NAT_RULES_MAX) {
			*rc = dp_apply_refuse(a, -E2BIG, "%u NAT rules of one kind, more than %u", c->n[k],
					      NAT_RULES_MAX);
			goto fail;
		}
		c->rules[k] = c->n[k] ? calloc(c->n[k], sizeof(struct nat_rule)) : NULL;
		if (c->n[k] && !c->rules[k])
			goto fail;
		c->n[k] = 0;
	}
	for (unsigned i = 0; i < n; i++) {
		const struct dp_nat_item *it = &items[i];
		if (it->kind == NAT_ITEM_BACKEND)
			continue;
		struct nat_rule *r = &c->rules[it->kind][c->n[it->kind]++];
		r->item = *it;
		r->iface = iface_by_msg_name(it->iface, NAT_IFACE_UNKNOWN);
		r->slot = c->n_slots++;
	}
	for (unsigned k = NAT_ITEM_SOURCE; k <= NAT_ITEM_STATIC; k++) {
		if (c->n[k])
			qsort(c->rules[k], c->n[k], sizeof(struct nat_rule), by_number);
		for (unsigned i = 1; i < c->n[k]; i++)
			if (c->rules[k][i].item.number == c->rules[k][i - 1].item.number) {
				*rc = dp_apply_refuse(a, -EINVAL, "NAT rule %u twice", c->rules[k][i].item.number);
				goto fail;
			}
	}
	for (unsigned i = 0; i < n; i++) {
		const struct dp_nat_item *it = &items[i];
		struct nat_rule *r;
		if (it->kind != NAT_ITEM_BACKEND)
			continue;
		r = rule_by_number(c, NAT_ITEM_DESTINATION, it->number);
		if (!r || !it->weight || r->n_backends == NAT_BACKENDS_MAX) {
			*rc = dp_apply_refuse(a, -EINVAL, "NAT backend of rule %u: %s", it->number,
					      !r            ? "no such destination rule"
					      : !it->weight ? "weight 0"
							    : "too many");
			goto fail;
		}
		uint32_t *be = realloc(r->backend, (r->n_backends + 1) * sizeof(*be));
		if (!be)
			goto fail;
		r->backend = be;
		uint32_t *cum = realloc(r->cum, (r->n_backends + 1) * sizeof(*cum));
		if (!cum)
			goto fail;
		r->cum = cum;
		r->total_weight += it->weight;
		r->backend[r->n_backends] = it->addr_lo;
		r->cum[r->n_backends++] = r->total_weight;
	}
	for (unsigned w = 0; w < dp.n_workers; w++) {
		c->cnt[w] = rte_zmalloc("brink_nat_cnt", RTE_MAX(c->n_slots, 1u) * sizeof(struct rule_counters),
					RTE_CACHE_LINE_SIZE);
		if (!c->cnt[w])
			goto fail;
	}
	*rc = 0;
	return c;
fail:
	if (*rc == -ENOMEM)
		dp_apply_refuse(a, -ENOMEM, "no memory for %u NAT items", n);
	conf_free(c);
	return NULL;
}

/* The counters of rules that stay (same kind and number) go on. */
static void counters_carry(struct nat_conf *to, struct nat_conf *from)
{
	for (unsigned k = NAT_ITEM_SOURCE; from && k <= NAT_ITEM_STATIC; k++)
		for (unsigned i = 0; i < to->n[k]; i++) {
			const struct nat_rule *r = &to->rules[k][i];
			const struct nat_rule *o = rule_by_number(from, (uint8_t)k, r->item.number);
			for (unsigned w = 0; o && w < dp.n_workers; w++)
				to->cnt[w][r->slot] = from->cnt[w][o->slot];
		}
}

static bool backend_kept(const struct nat_conf *c, uint32_t rule, uint32_t addr)
{
	const struct nat_rule *r = rule_by_number(c, NAT_ITEM_DESTINATION, rule);

	for (uint32_t i = 0; r && i < r->n_backends; i++)
		if (r->backend[i] == addr)
			return true;
	return false;
}

/* A connection balanced to a backend its rule no longer has ends. */
static bool backend_gone(struct ct_conn *c, void *arg)
{
	const struct nat_binding *b = binding(c);

	return b->balanced && !backend_kept(arg, b->dnat_rule, ct_tuple(c, CT_DIR_REPLY)->src);
}

static bool any_backend(const struct nat_conf *c)
{
	for (unsigned i = 0; c && i < c->n[NAT_ITEM_DESTINATION]; i++)
		if (c->rules[NAT_ITEM_DESTINATION][i].n_backends)
			return true;
	return false;
}

static bool any_eim(const struct nat_conf *c)
{
	for (unsigned i = 0; c && i < c->n[NAT_ITEM_SOURCE]; i++)
		if (c->rules[NAT_ITEM_SOURCE][i].item.flags & NAT_F_EIM)
			return true;
	return false;
}

static int nat_apply(const void *items, unsigned n, struct dp_apply *a)
{
	int rc;
	struct nat_conf *c = n ? conf_build(items, n, a, &rc) : NULL;

	if (n && !c)
		return rc;
	struct nat_conf *old = active;
	if (any_eim(c) && !eim && !(eim = eim_create())) {
		conf_free(c);
		return dp_apply_refuse(a, -ENOMEM, "nat: no memory for endpoint-independent mappings");
	}
	if (c && !ct_held) {
		if (ct_use(true) < 0) {
			conf_free(c);
			return dp_apply_refuse(a, -ENOMEM,
					       "connection tracking cannot start: no memory for its table "
					       "(system conntrack table-size)");
		}
		ct_held = true;
	}
	if (c)
		counters_carry(c, old);
	__atomic_store_n(&active, c, __ATOMIC_RELEASE);
	hook_feature_everywhere(feature, c != NULL);
	rte_rcu_qsbr_synchronize(dp.qsbr, RTE_QSBR_THRID_INVALID);
	if (any_backend(old)) {
		static struct nat_conf none;
		ct_clear_matching(backend_gone, c ? c : &none);
	}
	conf_free(old);
	if (!any_eim(c) && eim) {
		/* no worker reads it since the synchronize */
		rte_hash_free(eim);
		eim = NULL;
	}
	if (!c && ct_held) {
		ct_use(false);
		ct_held = false;
	}
	return 0;
}

/* ---- DP_MSG_NAT_DUMP ---- */

static unsigned fill_counters(void *out, unsigned max)
{
	struct dp_nat_counter *e = out;
	const struct nat_conf *c = active;
	unsigned n = 0;

	for (unsigned k = NAT_ITEM_SOURCE; c && k <= NAT_ITEM_STATIC; k++)
		for (unsigned i = 0; i < c->n[k] && n < max; i++) {
			const struct nat_rule *r = &c->rules[k][i];
			struct dp_nat_counter x = {.kind = (uint8_t)k, .number = r->item.number};
			for (unsigned w = 0; w < dp.n_workers; w++) {
				x.connections += c->cnt[w][r->slot].connections;
				x.exhausted += c->cnt[w][r->slot].exhausted;
			}
			e[n++] = x;
		}
	return n;
}

static void handle_dump(struct ctl_conn *conn, const struct dp_msg_hdr *req, const void *body, size_t len)
{
	(void)body;
	(void)len;
	ctl_reply_dump(conn, req, sizeof(struct dp_nat_counter), active ? active->n_slots : 0, fill_counters);
}

void nat_dataplane_init(void)
{
	RTE_BUILD_BUG_ON(sizeof(struct nat_binding) > CT_NAT_LEN);
	feature = dp_feature_register("nat");
	RTE_VERIFY(feature);
	RTE_VERIFY(dp_hook_register(DP_HOOK_PREROUTING, DP_PRIO_DNAT, "dnat", feature, nat_prerouting) == 0);
	RTE_VERIFY(dp_hook_register(DP_HOOK_LOCAL_OUT, DP_PRIO_DNAT, "dnat", feature, nat_local_out) == 0);
	RTE_VERIFY(dp_hook_register(DP_HOOK_POSTROUTING, DP_PRIO_SNAT, "snat", feature, nat_postrouting) == 0);
	state_table_register(DP_TABLE_NAT, sizeof(struct dp_nat_item), nat_apply);
	ctl_register(DP_MSG_NAT_DUMP, handle_dump);
	cnt_dnat = dp_counter_register("nat.dnat");
	cnt_snat = dp_counter_register("nat.snat");
	cnt_related = dp_counter_register("nat.related");
	cnt_exhausted = dp_counter_register("drop.nat.exhausted");
	cnt_no_address = dp_counter_register("drop.nat.no_address");
	cnt_no_connection = dp_counter_register("drop.nat.no_connection");
	cnt_reset = dp_counter_register("nat.resets_sent");
	cnt_eim_full = dp_counter_register("nat.mappings_full");
	dp_main_work_register(eim_sweep);
}
