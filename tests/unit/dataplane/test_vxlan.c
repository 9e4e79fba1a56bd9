/* SPDX-License-Identifier: GPL-2.0-or-later */
/* VXLAN segments on crafted packets: decapsulation and its drops, learning
 * through the main lcore, static entries, aging, the FDB dump, encapsulation
 * to one VTEP and flooding to all; no mbuf is lost in any of them. */
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <rte_cycles.h>
#include <rte_udp.h>
#include <rte_vxlan.h>

#include "common/msg.h"
#include "dataplane/ctl_server.h"
#include "dataplane/ip4_check.h"
#include "dataplane/neigh.h"
#include "dataplane/path.h"
#include "dataplane/worker.h"
#include "dp_test_env.h"
#include "modules/vxlan/vxlan_msg.h"

#define LOCAL 0xc0a80a01    /* 192.168.10.1, dp1's address: the segment's source */
#define VTEP1 0xc0a80a05    /* 192.168.10.5 */
#define VTEP2 0xc0a80a06    /* 192.168.10.6 */
#define VTEP3 0xc0a80a07    /* 192.168.10.7: only a static entry names it */
#define STRANGER 0xc0a80a09 /* 192.168.10.9: no VTEP of the segment */
#define SEG_ADDR 0x0a320001 /* 10.50.0.1/24 on vxlan100 */
#define INNER_HOST 0x0a32000a
#define INNER_PEER 0x0a320014    /* 10.50.0.20, at PEER_MAC */
#define INNER_UNKNOWN 0x0a32001e /* 10.50.0.30, at a MAC no entry names */
#define POD_HOST 0xac1e010a      /* 172.30.1.10 on dp0 */
#define VNI 100
#define INNER_LEN (14 + 20 + 26)

static struct dp_worker w;
static uint16_t seg;
static unsigned pool_before;
static const uint8_t seg_mac[6] = {0x02, 0x5e, 0, 0, 0, 0x64};
static const uint8_t pod_mac[6] = {0x02, 0xaa, 0, 0, 0, 0x0a};
static const uint8_t vtep1_mac[6] = {0x02, 0xcc, 0, 0, 0, 0x05};
static const uint8_t vtep2_mac[6] = {0x02, 0xcc, 0, 0, 0, 0x06};
static const uint8_t vtep3_mac[6] = {0x02, 0xcc, 0, 0, 0, 0x07};
static const uint8_t peer_mac[6] = {0x52, 0x54, 0, 0xaa, 0xbb, 0xcc};
static const uint8_t other_mac[6] = {0x52, 0x54, 0, 0xaa, 0xbb, 0xdd};
static const uint8_t unknown_mac[6] = {0x52, 0x54, 0, 0x11, 0x22, 0x33};

static struct dp_iface_conf segment_conf(uint32_t vni, uint16_t udp_port)
{
	struct dp_iface_conf c = {.name = "vxlan100", .type = DP_IFACE_VXLAN, .admin_up = 1, .has_mac = 1};
	struct dp_vxlan_info v = {
		.vni = vni, .local = LOCAL, .udp_port = udp_port, .n_remotes = 2, .remotes = {VTEP1, VTEP2}};

	memcpy(c.mac, seg_mac, sizeof(c.mac));
	memcpy(c.info, &v, sizeof(v));
	return c;
}

/* The addresses of dp_test_env, the segment with 10.50.0.1/24, and the static entries fdb[0..n-1]. */
static int commit_segment(const struct dp_iface_conf *c, const struct dp_fdb *fdb, unsigned n, char *err, size_t errlen)
{
	struct dp_state s = {0};
	struct dp_addr a = {.port = "vxlan100", .ip = SEG_ADDR, .prefix_len = 24};

	dp_test_add_addrs(&s);
	cr_assert_eq(state_add_iface(&s, c, err, errlen), 0, "%s", err);
	cr_assert_eq(state_add_addr(&s, &a, err, errlen), 0, "%s", err);
	for (unsigned i = 0; i < n; i++)
		cr_assert_eq(state_add_item(&s, DP_TABLE_FDB, &fdb[i], err, errlen), 0, "%s", err);
	return dp_test_commit_state(&s, false, err, errlen);
}

static void setup(void)
{
	struct dp_iface_conf c = segment_conf(VNI, 0);
	char err[256];

	dp_test_env_up();
	cr_assert_eq(commit_segment(&c, NULL, 0, err, sizeof(err)), 0, "%s", err);
	seg = (uint16_t)iface_by_name("vxlan100");
	cr_assert(iface_is_up(seg), "the segment is up: dp1 holds its source address");
	cr_assert_eq(dp_ifaces[seg].mtu, 1500 - VXLAN_OVERHEAD);
	cr_assert_eq(neigh_set_permanent(VTEP1, 1, vtep1_mac), 0);
	cr_assert_eq(neigh_set_permanent(VTEP2, 1, vtep2_mac), 0);
	cr_assert_eq(neigh_set_permanent(VTEP3, 1, vtep3_mac), 0);
	cr_assert_eq(neigh_set_permanent(POD_HOST, 0, pod_mac), 0);
	cr_assert_eq(neigh_set_permanent(INNER_PEER, seg, peer_mac), 0);
	cr_assert_eq(neigh_set_permanent(INNER_UNKNOWN, seg, unknown_mac), 0);
	/* The segment's address was announced: a gratuitous ARP floods to both VTEPs. */
	worker_drain_inject(&w);
	ip4_route_later_flush(&w);
	cr_assert_eq(w.tx[1].n, 2);
	rte_pktmbuf_free_bulk(w.tx[1].pkts, w.tx[1].n);
	w.tx[1].n = 0;
	dp_counters_clear();
	memset(&iface_counters[rte_lcore_id()][seg], 0, sizeof(struct iface_counters));
	pool_before = rte_mempool_avail_count(dp.pool);
}

TestSuite(vxlan, .init = setup);

/* Frees what the ports' TX buffers hold, then checks every mbuf is back. */
static void no_leak(void)
{
	for (unsigned p = 0; p < RTE_MAX_ETHPORTS; p++) {
		rte_pktmbuf_free_bulk(w.tx[p].pkts, w.tx[p].n);
		w.tx[p].n = 0;
	}
	cr_assert_eq(rte_mempool_avail_count(dp.pool), pool_before, "every mbuf is back in the pool");
}

/* A VXLAN packet to the router on dp1: from vtep, to dst, UDP payload of
 * udp_payload bytes, of which the inner frame (from inner_src to the
 * segment, IPv4 from INNER_HOST to POD_HOST) fills what the VXLAN header leaves. */
static struct rte_mbuf *vxlan_packet(uint32_t vtep, uint32_t dst, uint32_t vni, uint8_t flags,
				     const uint8_t inner_src[6], uint16_t udp_payload)
{
	struct rte_mbuf *m = dp_test_ip4(1, vtep, dst, 64, IPPROTO_UDP, (uint16_t)(8 + udp_payload));
	uint8_t *u = (uint8_t *)(dp_test_ip4_hdr(m) + 1);
	struct rte_udp_hdr udp = {.src_port = RTE_BE16(50000),
				  .dst_port = RTE_BE16(VXLAN_DEFAULT_PORT),
				  .dgram_len = rte_cpu_to_be_16((uint16_t)(8 + udp_payload))};
	struct rte_vxlan_hdr vx = {.vx_flags = rte_cpu_to_be_32((uint32_t)flags << 24),
				   .vx_vni = rte_cpu_to_be_32(vni << 8)};

	memcpy(u, &udp, sizeof(udp));
	if (udp_payload >= sizeof(vx))
		memcpy(u + 8, &vx, sizeof(vx));
	if (udp_payload < sizeof(vx) + INNER_LEN)
		return m;
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)(u + 16);
	memcpy(eh->dst_addr.addr_bytes, seg_mac, 6);
	memcpy(eh->src_addr.addr_bytes, inner_src, 6);
	eh->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);
	*ip = (struct rte_ipv4_hdr){.version_ihl = RTE_IPV4_VHL_DEF,
				    .total_length = RTE_BE16(20 + 26),
				    .time_to_live = 64,
				    .next_proto_id = IPPROTO_UDP,
				    .src_addr = rte_cpu_to_be_32(INNER_HOST),
				    .dst_addr = rte_cpu_to_be_32(POD_HOST)};
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	return m;
}

static struct rte_mbuf *good_packet(uint32_t vtep, const uint8_t inner_src[6])
{
	return vxlan_packet(vtep, LOCAL, VNI, 0x08, inner_src, 8 + INNER_LEN);
}

static struct dp_iface_stats seg_stats(void)
{
	const struct iface_counters *c = &iface_counters[rte_lcore_id()][seg];
	return (struct dp_iface_stats){.rx_packets = c->rx_packets,
				       .tx_packets = c->tx_packets,
				       .rx_dropped = c->rx_dropped};
}

/* The learned or static remote of mac on the segment, as the dump shows it (0: none). */
struct fdb_seen {
	uint32_t remote;
	bool is_static;
	uint32_t age_s;
};

static uint8_t reply[DP_MSG_MAX_LEN];

static int fdb_dump(const char *only, struct dp_fdb_info *out, unsigned max)
{
	struct dp_port_ref ref = {0};

	if (only)
		snprintf(ref.name, sizeof(ref.name), "%s", only);
	const struct dp_msg_hdr *r =
		dp_test_request(DP_MSG_FDB_DUMP, &ref, only ? sizeof(ref) : 0, reply, sizeof(reply));
	if (r->status < 0)
		return r->status;
	cr_assert_eq(r->flags & DP_MSG_F_MORE, 0, "a small dump fits one reply");
	cr_assert_leq(r->count, max);
	memcpy(out, msg_body(reply), sizeof(*out) * r->count);
	return (int)r->count;
}

static struct fdb_seen fdb_entry(const uint8_t mac[6])
{
	struct dp_fdb_info v[16];
	int n = fdb_dump(NULL, v, RTE_DIM(v));

	cr_assert_geq(n, 0);
	for (int i = 0; i < n; i++)
		if (memcmp(v[i].mac, mac, 6) == 0 && strncmp(v[i].iface, "vxlan100", DP_NAME_LEN) == 0)
			return (struct fdb_seen){v[i].remote, v[i].flags & DP_FDB_F_STATIC, v[i].age_s};
	return (struct fdb_seen){0};
}

static void run_main(uint64_t tsc)
{
	dp_main_work_run(tsc);
}

/* The segment's static entries become fdb[0..n-1]. */
static void commit_fdb(const struct dp_fdb *fdb, unsigned n)
{
	struct dp_iface_conf c = segment_conf(VNI, 0);
	char err[256];
	cr_assert_eq(commit_segment(&c, fdb, n, err, sizeof(err)), 0, "%s", err);
}

Test(vxlan, a_good_packet_is_taken_again_as_a_frame_of_the_segment)
{
	struct rte_mbuf *m = good_packet(VTEP1, peer_mac);

	eth_input(&w, 1, &m, 1);
	cr_assert_eq(w.tx[0].n, 1, "the inner packet was routed to dp0");
	struct rte_mbuf *out = w.tx[0].pkts[0];
	struct rte_ipv4_hdr *ip = dp_test_ip4_hdr(out);
	cr_assert_eq(rte_pktmbuf_pkt_len(out), INNER_LEN, "the 50 outer bytes are gone");
	cr_assert_eq(rte_be_to_cpu_32(ip->src_addr), INNER_HOST);
	cr_assert_eq(ip->time_to_live, 63);
	cr_assert_eq(dp_meta(out)->in_iface, seg, "received on the segment");
	cr_assert_arr_eq(rte_pktmbuf_mtod(out, struct rte_ether_hdr *)->dst_addr.addr_bytes, pod_mac, 6);
	cr_assert_eq(seg_stats().rx_packets, 1);
	no_leak();
}

Test(vxlan, malformed_and_foreign_packets_are_counted_by_reason)
{
	struct rte_mbuf *burst[] = {
		vxlan_packet(VTEP1, LOCAL, VNI, 0x08, peer_mac, 4),                  /* no whole VXLAN header */
		vxlan_packet(VTEP1, LOCAL, VNI, 0x00, peer_mac, 8 + INNER_LEN),      /* I flag clear */
		vxlan_packet(VTEP1, LOCAL, VNI, 0x08, peer_mac, 8 + 10),             /* inner frame of 10 bytes */
		vxlan_packet(VTEP1, LOCAL, 200, 0x08, peer_mac, 8 + INNER_LEN),      /* VNI of no segment */
		vxlan_packet(VTEP1, 0xac1e0101, VNI, 0x08, peer_mac, 8 + INNER_LEN), /* to dp0's address */
		vxlan_packet(STRANGER, LOCAL, VNI, 0x08, peer_mac, 8 + INNER_LEN),   /* from no VTEP of it */
	};

	eth_input(&w, 1, burst, RTE_DIM(burst));
	cr_assert_eq(dp_test_counter("drop.vxlan.truncated"), 1);
	cr_assert_eq(dp_test_counter("drop.vxlan.bad_flags"), 1);
	cr_assert_eq(dp_test_counter("drop.vxlan.runt"), 1);
	cr_assert_eq(dp_test_counter("drop.vxlan.unknown_vni"), 2, "another VNI, or the VNI to another address");
	cr_assert_eq(dp_test_counter("drop.vxlan.unknown_vtep"), 1);
	cr_assert_eq(w.tx[0].n + w.tx[1].n, 0);
	cr_assert_eq(seg_stats().rx_packets, 0);
	cr_assert_eq(seg_stats().rx_dropped, 2, "the segment's own drops: the stranger and the runt");
	no_leak();
}

Test(vxlan, reserved_bits_are_ignored)
{
	struct rte_mbuf *m = vxlan_packet(VTEP1, LOCAL, VNI, 0xff, peer_mac, 8 + INNER_LEN);

	eth_input(&w, 1, &m, 1);
	cr_assert_eq(w.tx[0].n, 1);
	no_leak();
}

Test(vxlan, sources_are_learned_through_the_main_lcore)
{
	struct rte_mbuf *m = good_packet(VTEP1, peer_mac);

	eth_input(&w, 1, &m, 1);
	cr_assert_eq(fdb_entry(peer_mac).remote, 0, "workers do not write the table");
	run_main(rte_rdtsc());
	struct fdb_seen e = fdb_entry(peer_mac);
	cr_assert_eq(e.remote, VTEP1);
	cr_assert_not(e.is_static);
	cr_assert_eq(e.age_s, 0);

	/* The MAC moves to another VTEP: the entry follows. */
	m = good_packet(VTEP2, peer_mac);
	eth_input(&w, 1, &m, 1);
	run_main(rte_rdtsc());
	cr_assert_eq(fdb_entry(peer_mac).remote, VTEP2);
	no_leak();
}

Test(vxlan, nolearning_learns_nothing)
{
	struct dp_iface_conf c = segment_conf(VNI, 0);
	struct dp_vxlan_info v;
	char err[256];

	memcpy(&v, c.info, sizeof(v));
	v.flags = DP_VXLAN_F_NO_LEARNING;
	memcpy(c.info, &v, sizeof(v));
	cr_assert_eq(commit_segment(&c, NULL, 0, err, sizeof(err)), 0, "%s", err);
	struct rte_mbuf *m = good_packet(VTEP1, peer_mac);
	eth_input(&w, 1, &m, 1);
	run_main(rte_rdtsc());
	cr_assert_eq(w.tx[0].n, 1);
	cr_assert_eq(fdb_entry(peer_mac).remote, 0);
	no_leak();
}

Test(vxlan, static_entries_beat_learning_and_admit_their_vtep)
{
	struct dp_fdb f = {.iface = "vxlan100", .remote = VTEP3};

	memcpy(f.mac, peer_mac, 6);
	commit_fdb(&f, 1);
	struct rte_mbuf *burst[] = {good_packet(VTEP1, peer_mac), good_packet(VTEP3, other_mac)};
	eth_input(&w, 1, burst, 2);
	run_main(rte_rdtsc());
	cr_assert_eq(dp_test_counter("drop.vxlan.unknown_vtep"), 0, "a static entry's VTEP is one of the segment's");
	cr_assert_eq(w.tx[0].n, 2);
	struct fdb_seen e = fdb_entry(peer_mac);
	cr_assert_eq(e.remote, VTEP3, "the static entry stays");
	cr_assert(e.is_static);
	cr_assert_eq(fdb_entry(other_mac).remote, VTEP3, "learned from the static entry's VTEP");

	/* Without the entry, VTEP3 is a stranger again, and its learned entries stay until they age. */
	commit_fdb(NULL, 0);
	cr_assert_eq(fdb_entry(peer_mac).remote, 0);
	struct rte_mbuf *m = good_packet(VTEP3, other_mac);
	eth_input(&w, 1, &m, 1);
	cr_assert_eq(dp_test_counter("drop.vxlan.unknown_vtep"), 1);
	no_leak();
}

Test(vxlan, static_entries_naming_no_segment_are_refused)
{
	struct dp_iface_conf c = segment_conf(VNI, 0);
	struct dp_fdb f = {.iface = "dp0", .remote = VTEP3};
	char err[256];

	memcpy(f.mac, peer_mac, 6);
	cr_assert_lt(commit_segment(&c, &f, 1, err, sizeof(err)), 0);
	cr_assert(strstr(err, "no VXLAN interface named 'dp0'"), "%s", err);
	snprintf(f.iface, sizeof(f.iface), "vxlan100");
	f.mac[0] = 0x01;
	cr_assert_lt(commit_segment(&c, &f, 1, err, sizeof(err)), 0);
	cr_assert(strstr(err, "not a unicast MAC address"), "%s", err);
	cr_assert(iface_is_up(seg), "the previous state runs on");
}

Test(vxlan, learned_entries_age_out)
{
	uint64_t t0 = rte_rdtsc(), hz = rte_get_tsc_hz();
	struct rte_mbuf *m = good_packet(VTEP1, peer_mac);

	eth_input(&w, 1, &m, 1);
	run_main(t0);
	run_main(t0 + 299 * hz);
	cr_assert_eq(fdb_entry(peer_mac).remote, VTEP1, "seen 299 s ago: kept");
	run_main(t0 + 301 * hz);
	cr_assert_eq(fdb_entry(peer_mac).remote, 0, "seen 301 s ago: gone");
	no_leak();
}

Test(vxlan, the_dump_filters_by_segment)
{
	struct dp_fdb f = {.iface = "vxlan100", .remote = VTEP3};
	struct dp_fdb_info v[4];

	memcpy(f.mac, other_mac, 6);
	commit_fdb(&f, 1);
	struct rte_mbuf *m = good_packet(VTEP1, peer_mac);
	eth_input(&w, 1, &m, 1);
	run_main(rte_rdtsc());
	cr_assert_eq(fdb_dump("vxlan100", v, RTE_DIM(v)), 2);
	cr_assert_eq(fdb_dump("dp0", v, RTE_DIM(v)), -ENODEV);
	cr_assert(strstr((const char *)msg_body(reply), "no VXLAN interface named 'dp0'"));
	no_leak();
}

/* A packet from the pod on dp0 to dst on the segment, UDP with source port sport. */
static struct rte_mbuf *to_segment(uint32_t dst, uint16_t sport)
{
	struct rte_mbuf *m = dp_test_ip4(0, POD_HOST, dst, 64, IPPROTO_UDP, 26);
	uint16_t ports[2] = {rte_cpu_to_be_16(sport), RTE_BE16(53)};
	memcpy(dp_test_ip4_hdr(m) + 1, ports, sizeof(ports));
	return m;
}

struct outer {
	struct rte_ether_hdr eth;
	struct rte_ipv4_hdr ip;
	struct rte_udp_hdr udp;
	struct rte_vxlan_hdr vx;
	struct rte_ether_hdr inner;
} __rte_packed __rte_aligned(2);

static const struct outer *outer_of(struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod(m, const struct outer *);
}

Test(vxlan, a_frame_to_a_learned_mac_goes_to_its_vtep)
{
	struct rte_mbuf *m = good_packet(VTEP1, peer_mac);

	eth_input(&w, 1, &m, 1);
	run_main(rte_rdtsc());
	rte_pktmbuf_free_bulk(w.tx[0].pkts, w.tx[0].n);
	w.tx[0].n = 0;
	struct rte_mbuf *burst[] = {to_segment(INNER_PEER, 1000), to_segment(INNER_PEER, 1001)};
	eth_input(&w, 0, burst, 2);
	cr_assert_eq(w.tx[1].n, 2, "both packets encapsulated toward VTEP1 on dp1");
	const struct outer *o = outer_of(w.tx[1].pkts[0]), *o2 = outer_of(w.tx[1].pkts[1]);
	cr_assert_arr_eq(o->eth.dst_addr.addr_bytes, vtep1_mac, 6);
	cr_assert(rte_is_same_ether_addr(&o->eth.src_addr, &dp_ifaces[1].mac));
	cr_assert_eq(rte_be_to_cpu_32(o->ip.src_addr), LOCAL);
	cr_assert_eq(rte_be_to_cpu_32(o->ip.dst_addr), VTEP1);
	cr_assert_eq(o->ip.next_proto_id, IPPROTO_UDP);
	cr_assert_eq(o->ip.time_to_live, 64);
	cr_assert_eq(o->ip.fragment_offset & RTE_BE16(RTE_IPV4_HDR_DF_FLAG), 0, "DF clear");
	cr_assert_eq(rte_raw_cksum(&o->ip, sizeof(o->ip)), 0xffff, "outer checksum");
	cr_assert_neq(o->ip.packet_id, o2->ip.packet_id);
	cr_assert_eq(rte_be_to_cpu_16(o->ip.total_length), 20 + 8 + 8 + INNER_LEN);
	cr_assert_eq(rte_be_to_cpu_16(o->udp.dst_port), VXLAN_DEFAULT_PORT);
	cr_assert_eq(rte_be_to_cpu_16(o->udp.dgram_len), 8 + 8 + INNER_LEN);
	cr_assert_eq(o->udp.dgram_cksum, 0);
	cr_assert_geq(rte_be_to_cpu_16(o->udp.src_port), 49152);
	cr_assert_geq(rte_be_to_cpu_16(o2->udp.src_port), 49152);
	cr_assert_neq(o->udp.src_port, o2->udp.src_port, "two flows, two source ports");
	cr_assert_eq(rte_be_to_cpu_32(o->vx.vx_flags), 0x08000000u);
	cr_assert_eq(rte_be_to_cpu_32(o->vx.vx_vni), VNI << 8);
	cr_assert_arr_eq(o->inner.dst_addr.addr_bytes, peer_mac, 6);
	cr_assert_arr_eq(o->inner.src_addr.addr_bytes, seg_mac, 6);
	cr_assert_eq(rte_pktmbuf_pkt_len(w.tx[1].pkts[0]), 14 + 20 + 8 + 8 + INNER_LEN);
	cr_assert_eq(seg_stats().tx_packets, 2);
	cr_assert_eq(dp_test_counter("vxlan.flooded"), 0);
	no_leak();
}

Test(vxlan, a_frame_to_an_unknown_mac_floods_a_copy_to_every_vtep)
{
	struct rte_mbuf *m = to_segment(INNER_UNKNOWN, 1000);

	eth_input(&w, 0, &m, 1);
	cr_assert_eq(w.tx[1].n, 2, "one copy per VTEP of the flood list");
	const struct outer *o1 = outer_of(w.tx[1].pkts[0]), *o2 = outer_of(w.tx[1].pkts[1]);
	uint32_t d1 = rte_be_to_cpu_32(o1->ip.dst_addr), d2 = rte_be_to_cpu_32(o2->ip.dst_addr);
	cr_assert((d1 == VTEP1 && d2 == VTEP2) || (d1 == VTEP2 && d2 == VTEP1));
	cr_assert_neq(w.tx[1].pkts[0], w.tx[1].pkts[1], "copies, not the same mbuf twice");
	cr_assert_eq(rte_mbuf_refcnt_read(w.tx[1].pkts[0]), 1, "no clone shares a buffer");
	cr_assert_eq(rte_mbuf_refcnt_read(w.tx[1].pkts[1]), 1);
	cr_assert_arr_eq(o1->inner.dst_addr.addr_bytes, unknown_mac, 6);
	cr_assert_arr_eq(o2->inner.dst_addr.addr_bytes, unknown_mac, 6);
	cr_assert_eq(dp_test_counter("vxlan.flooded"), 1);
	no_leak();
}

Test(vxlan, arp_requests_of_the_segment_flood)
{
	/* 10.50.0.40 is on the segment but unknown: routing asks ARP, the main
	 * lcore builds a broadcast request, a worker sends it. */
	struct rte_mbuf *m = to_segment(0x0a320028, 1000), *req = NULL;

	eth_input(&w, 0, &m, 1);
	cr_assert_eq(rte_ring_dequeue(dp.to_control_pkts, (void **)&req), 0);
	neigh_resolve_packet(req);
	worker_drain_inject(&w);
	ip4_route_later_flush(&w);
	cr_assert_eq(w.tx[1].n, 2);
	const struct outer *o = outer_of(w.tx[1].pkts[0]);
	cr_assert(rte_is_broadcast_ether_addr(&o->inner.dst_addr));
	cr_assert_eq(o->inner.ether_type, RTE_BE16(RTE_ETHER_TYPE_ARP));
	neigh_flush_all();
	no_leak();
}

Test(vxlan, segments_are_checked)
{
	struct dp_iface_conf c = segment_conf(0, 0);
	char err[256];

	cr_assert_lt(commit_segment(&c, NULL, 0, err, sizeof(err)), 0);
	cr_assert(strstr(err, "VNI 0 is not in 1-16777215"), "%s", err);
	c = segment_conf(VNI, 0);
	struct dp_vxlan_info v;
	memcpy(&v, c.info, sizeof(v));
	v.remotes[1] = LOCAL;
	memcpy(c.info, &v, sizeof(v));
	cr_assert_lt(commit_segment(&c, NULL, 0, err, sizeof(err)), 0);
	cr_assert(strstr(err, "remote 192.168.10.1 is its own source address"), "%s", err);
}

/* Cycles per packet of decapsulation and of encapsulation (each with the
 * routing on either side), beside plain forwarding in the same harness. */
Test(vxlan, a_packet_costs)
{
	enum { ROUNDS = 2000 };
	uint64_t decap = 0, encap = 0, plain = 0;
	struct rte_mbuf *m = good_packet(VTEP1, peer_mac);

	eth_input(&w, 1, &m, 1);
	run_main(rte_rdtsc());
	no_leak();
	for (int r = 0; r < ROUNDS; r++) {
		struct rte_mbuf *in[DP_BURST], *out[DP_BURST], *fwd[DP_BURST];
		for (int i = 0; i < DP_BURST; i++) {
			in[i] = good_packet(VTEP1, peer_mac);
			out[i] = to_segment(INNER_PEER, (uint16_t)i);
		}
		uint64_t t0 = rte_rdtsc();
		eth_input(&w, 1, in, DP_BURST);
		uint64_t t1 = rte_rdtsc();
		eth_input(&w, 0, out, DP_BURST);
		uint64_t t2 = rte_rdtsc();
		cr_assert_eq(w.tx[0].n, DP_BURST, "decapsulated, then routed to dp0");
		cr_assert_eq(w.tx[1].n, DP_BURST, "encapsulated, then routed to dp1");
		no_leak();
		for (int i = 0; i < DP_BURST; i++)
			fwd[i] = to_segment(VTEP2, (uint16_t)i);
		uint64_t t3 = rte_rdtsc();
		eth_input(&w, 0, fwd, DP_BURST);
		plain += rte_rdtsc() - t3;
		decap += t1 - t0;
		encap += t2 - t1;
		cr_assert_eq(w.tx[1].n, DP_BURST, "forwarded to dp1");
		no_leak();
	}
	double per = ROUNDS * DP_BURST;
	printf("vxlan: cycles/packet: forward %.0f, decap+forward %.0f, forward+encap %.0f\n", (double)plain / per,
	       (double)decap / per, (double)encap / per);
}
