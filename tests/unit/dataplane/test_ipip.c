/* SPDX-License-Identifier: GPL-2.0-or-later */
/* IP-in-IP tunnels (modules/ipip): what leaves encapsulated, what is taken in, what is refused. */
#include <criterion/criterion.h>
#include <rte_icmp.h>

#include "dataplane/neigh.h"
#include "dataplane/path.h"
#include "dp_test_env.h"
#include "modules/ipip/ipip_msg.h"

#define POD_HOST 0xac1e010a   /* 172.30.1.10 on dp0 */
#define ROUTER_DP1 0xc0a80a01 /* 192.168.10.1: the tunnels' source */
#define NODE_A 0xc0a80a05     /* 192.168.10.5: tun0's remote */
#define NODE_B 0xc0a80a07     /* 192.168.10.7: a far end of tun1 */
#define BEHIND_A 0xac1f0009   /* 172.31.0.9, routed into tun0 */
#define BEHIND_B 0xac200009   /* 172.32.0.9, routed via NODE_B into tun1 */
#define ON_SUBNET 0xac210009  /* 172.33.0.9, via NODE_B without the tunnel */

static struct dp_worker w;
static const uint8_t pod_mac[6] = {0x02, 0xaa, 0, 0, 0, 0x0a};
static const uint8_t node_a_mac[6] = {0x02, 0xbb, 0, 0, 0, 0x05};
static const uint8_t node_b_mac[6] = {0x02, 0xbb, 0, 0, 0, 0x07};
static unsigned pool_free;

static void tunnel(struct dp_state *s, const char *name, uint32_t remote, uint32_t peer, uint8_t peer_len)
{
	struct dp_iface_conf c = {.type = DP_IFACE_IPIP, .admin_up = 1};
	struct dp_ipip_info t = {.local = ROUTER_DP1, .remote = remote, .peer = peer, .peer_len = peer_len};
	char err[256];

	snprintf(c.name, sizeof(c.name), "%s", name);
	memcpy(c.info, &t, sizeof(t));
	cr_assert_eq(state_add_iface(s, &c, err, sizeof(err)), 0, "%s", err);
}

static void route(struct dp_state *s, uint32_t prefix, uint8_t len, uint32_t gateway, const char *iface)
{
	struct dp_route r = {.prefix = prefix, .prefix_len = len, .distance = 1};
	char err[256];

	r.kind = gateway ? DP_ROUTE_GATEWAY : DP_ROUTE_INTERFACE;
	r.gateway = gateway;
	snprintf(r.port, sizeof(r.port), "%s", iface);
	cr_assert_eq(state_add_route(s, &r, DP_OWNER_CONFIG, err, sizeof(err)), 0, "%s", err);
}

static void setup(void)
{
	struct dp_state s = {0};
	char err[256];

	dp_test_env_up();
	dp_test_add_addrs(&s);
	tunnel(&s, "tun0", NODE_A, 0, 0);
	tunnel(&s, "tun1", 0, 0, 0);
	route(&s, BEHIND_A & 0xffff0000, 16, 0, "tun0");
	route(&s, BEHIND_B & 0xffffff00, 24, NODE_B, "tun1");
	route(&s, ON_SUBNET & 0xffffff00, 24, NODE_B, "");
	cr_assert_eq(dp_test_commit_state(&s, false, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(neigh_set_permanent(POD_HOST, 0, pod_mac), 0);
	cr_assert_eq(neigh_set_permanent(NODE_A, 1, node_a_mac), 0);
	cr_assert_eq(neigh_set_permanent(NODE_B, 1, node_b_mac), 0);
	pool_free = rte_mempool_avail_count(dp.pool);
}

/* What every test leaves: no mbuf lost. */
static void teardown(void)
{
	for (uint16_t p = 0; p < 2; p++) {
		rte_pktmbuf_free_bulk(w.tx[p].pkts, w.tx[p].n);
		w.tx[p].n = 0;
	}
	cr_assert_eq(rte_mempool_avail_count(dp.pool), pool_free, "every mbuf back in the pool");
}

TestSuite(ipip, .init = setup, .fini = teardown);

static uint64_t counter_named(const char *name)
{
	return dp_counter_total(dp_counter_register(name));
}

static struct rte_mbuf *only_tx(uint16_t port)
{
	cr_assert_eq(w.tx[port].n, 1, "one packet queued on port %u, got %u", port, w.tx[port].n);
	return w.tx[port].pkts[0];
}

static void assert_outer(struct rte_mbuf *m, uint32_t dst, const uint8_t mac[6], uint8_t ttl, uint16_t inner_len)
{
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_ipv4_hdr *o = dp_test_ip4_hdr(m);

	cr_assert_arr_eq(eh->dst_addr.addr_bytes, mac, 6);
	cr_assert(rte_is_same_ether_addr(&eh->src_addr, &dp_ifaces[1].mac));
	cr_assert_eq(eh->ether_type, RTE_BE16(RTE_ETHER_TYPE_IPV4));
	cr_assert_eq(o->next_proto_id, IPPROTO_IPIP);
	cr_assert_eq(rte_be_to_cpu_32(o->src_addr), ROUTER_DP1);
	cr_assert_eq(rte_be_to_cpu_32(o->dst_addr), dst);
	cr_assert_eq(o->time_to_live, ttl, "the inner TTL, inherited");
	cr_assert(o->fragment_offset & RTE_BE16(RTE_IPV4_HDR_DF_FLAG), "DF, as Linux with path MTU discovery");
	cr_assert_eq(rte_be_to_cpu_16(o->total_length), inner_len + 20);
	cr_assert_eq(rte_pktmbuf_pkt_len(m), 14 + 20 + inner_len);
	cr_assert_eq(rte_raw_cksum(o, sizeof(*o)), 0xffff, "a valid outer checksum");
	const struct rte_ipv4_hdr *in = (const struct rte_ipv4_hdr *)(o + 1);
	cr_assert_eq(rte_be_to_cpu_16(in->total_length), inner_len);
	cr_assert_eq(in->time_to_live, ttl);
}

Test(ipip, a_packet_routed_into_a_point_to_point_tunnel_leaves_encapsulated_to_its_remote)
{
	struct rte_mbuf *m = dp_test_ip4(0, POD_HOST, BEHIND_A, 64, IPPROTO_UDP, 26);

	eth_input(&w, 0, &m, 1);
	assert_outer(only_tx(1), NODE_A, node_a_mac, 63, 46);
	cr_assert_eq(dp_ifaces[iface_by_name("tun0")].mtu, 1480, "the underlay's MTU less the outer header");
}

Test(ipip, point_to_multipoint_the_routes_gateway_is_the_far_end_and_an_on_subnet_one_is_not_encapsulated)
{
	struct rte_mbuf *m = dp_test_ip4(0, POD_HOST, BEHIND_B, 64, IPPROTO_UDP, 26);

	eth_input(&w, 0, &m, 1);
	assert_outer(only_tx(1), NODE_B, node_b_mac, 63, 46);
	rte_pktmbuf_free(w.tx[1].pkts[0]);
	w.tx[1].n = 0;

	m = dp_test_ip4(0, POD_HOST, ON_SUBNET, 64, IPPROTO_UDP, 26);
	eth_input(&w, 0, &m, 1);
	cr_assert_eq(dp_test_ip4_hdr(only_tx(1))->next_proto_id, IPPROTO_UDP, "plain, to the node itself");
}

Test(ipip, a_packet_too_big_for_the_tunnel_with_df_gets_frag_needed_with_the_tunnels_mtu)
{
	struct rte_mbuf *m = dp_test_ip4(0, POD_HOST, BEHIND_A, 64, IPPROTO_UDP, 1500 - 20);

	dp_test_ip4_hdr(m)->fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
	dp_test_ip4_hdr(m)->hdr_checksum = 0;
	dp_test_ip4_hdr(m)->hdr_checksum = rte_ipv4_cksum(dp_test_ip4_hdr(m));
	eth_input(&w, 0, &m, 1);
	const struct rte_ipv4_hdr *ip = dp_test_ip4_hdr(only_tx(0));
	const struct rte_icmp_hdr *icmp = (const struct rte_icmp_hdr *)(ip + 1);
	cr_assert_eq(rte_be_to_cpu_32(ip->dst_addr), POD_HOST);
	cr_assert_eq(icmp->icmp_type, ICMP_DEST_UNREACH);
	cr_assert_eq(icmp->icmp_code, ICMP_CODE_FRAG_NEEDED);
	cr_assert_eq(rte_be_to_cpu_16(icmp->icmp_seq_nb), 1480);
}

/* An IPIP packet on dp1 from outer_src to the router, carrying inner_len bytes of
 * an IPv4/UDP packet from BEHIND_A to the pod host. */
static struct rte_mbuf *encapsulated(uint32_t outer_src, uint16_t inner_len)
{
	struct rte_mbuf *m = dp_test_ip4(1, outer_src, ROUTER_DP1, 64, IPPROTO_IPIP, inner_len);
	struct rte_ipv4_hdr *in = dp_test_ip4_hdr(m) + 1;

	if (inner_len >= sizeof(*in)) {
		*in = (struct rte_ipv4_hdr){
			.version_ihl = RTE_IPV4_VHL_DEF,
			.total_length = rte_cpu_to_be_16(inner_len),
			.time_to_live = 30,
			.next_proto_id = IPPROTO_UDP,
			.src_addr = rte_cpu_to_be_32(BEHIND_A),
			.dst_addr = rte_cpu_to_be_32(POD_HOST),
		};
		in->hdr_checksum = rte_ipv4_cksum(in);
	}
	return m;
}

Test(ipip, a_packet_from_the_remote_is_decapsulated_and_routed_as_received_on_the_tunnel)
{
	struct rte_mbuf *m = encapsulated(NODE_A, 46);
	uint16_t tun0 = (uint16_t)iface_by_name("tun0");

	eth_input(&w, 1, &m, 1);
	struct rte_mbuf *out = only_tx(0);
	const struct rte_ipv4_hdr *ip = dp_test_ip4_hdr(out);
	cr_assert_eq(ip->next_proto_id, IPPROTO_UDP);
	cr_assert_eq(rte_be_to_cpu_32(ip->src_addr), BEHIND_A);
	cr_assert_eq(ip->time_to_live, 29);
	cr_assert_eq(rte_pktmbuf_pkt_len(out), 14 + 46);
	cr_assert_eq(dp_meta(out)->in_iface, tun0);
	cr_assert_eq(iface_counters_self(tun0)->rx_packets, 1);
}

Test(ipip, a_far_end_of_a_route_is_taken_by_the_point_to_multipoint_tunnel)
{
	struct rte_mbuf *m = encapsulated(NODE_B, 46);

	eth_input(&w, 1, &m, 1);
	cr_assert_eq(dp_meta(only_tx(0))->in_iface, (uint16_t)iface_by_name("tun1"));
}

Test(ipip, a_packet_from_an_unconfigured_source_is_counted_as_spoofed)
{
	struct rte_mbuf *m = encapsulated(0xc0a80a63, 46);

	eth_input(&w, 1, &m, 1);
	cr_assert_eq(w.tx[0].n + w.tx[1].n, 0);
	cr_assert_eq(counter_named("drop.ipip.spoofed"), 1);
}

Test(ipip, truncated_and_malformed_inner_packets_are_counted)
{
	struct rte_mbuf *m = encapsulated(NODE_A, 12);

	eth_input(&w, 1, &m, 1);
	cr_assert_eq(counter_named("drop.ipip.truncated"), 1);
	m = encapsulated(NODE_A, 46);
	struct rte_ipv4_hdr *in = dp_test_ip4_hdr(m) + 1;
	in->version_ihl = 0x4f; /* 60 bytes of header in a 46-byte packet */
	eth_input(&w, 1, &m, 1);
	cr_assert_eq(dp_counter_total(DP_CNT_DROP_IP4_BAD_IHL), 1);
	cr_assert_eq(w.tx[0].n + w.tx[1].n, 0);
}

Test(ipip, an_icmp_error_about_a_decapsulated_packet_goes_back_through_the_tunnel_to_the_inner_source)
{
	struct rte_mbuf *m = encapsulated(NODE_A, 46);
	struct rte_ipv4_hdr *in = dp_test_ip4_hdr(m) + 1;

	in->time_to_live = 1;
	in->hdr_checksum = 0;
	in->hdr_checksum = rte_ipv4_cksum(in);
	eth_input(&w, 1, &m, 1);
	struct rte_mbuf *out = only_tx(1);
	const struct rte_ipv4_hdr *o = dp_test_ip4_hdr(out);
	const struct rte_ipv4_hdr *err = o + 1;
	const struct rte_icmp_hdr *icmp = (const struct rte_icmp_hdr *)(err + 1);
	cr_assert_eq(o->next_proto_id, IPPROTO_IPIP);
	cr_assert_eq(rte_be_to_cpu_32(o->dst_addr), NODE_A);
	cr_assert_eq(err->next_proto_id, IPPROTO_ICMP);
	cr_assert_eq(rte_be_to_cpu_32(err->dst_addr), BEHIND_A);
	cr_assert_neq(err->src_addr, 0, "from an address of the router, though the tunnel has none");
	cr_assert_eq(icmp->icmp_type, ICMP_TIME_EXCEEDED);
}

Test(ipip, a_resync_skips_interfaces_it_cannot_run_and_keeps_the_others)
{
	struct dp_state s = {0};
	struct dp_iface_conf unknown = {.name = "seg9", .type = DP_IFACE_TYPE_MAX, .admin_up = 1};
	struct dp_iface_conf port_named = {.name = "dp0", .type = DP_IFACE_IPIP, .admin_up = 1};
	char err[512];

	dp_test_add_addrs(&s);
	tunnel(&s, "tun0", NODE_A, 0, 0);
	cr_assert_eq(state_add_iface(&s, &unknown, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(state_add_iface(&s, &port_named, err, sizeof(err)), 0, "%s", err);
	route(&s, BEHIND_A & 0xffff0000, 16, 0, "tun0");
	cr_assert_eq(dp_test_commit_state(&s, true, err, sizeof(err)), 0);
	cr_assert(strstr(err, "seg9") && strstr(err, "not supported"), "%s", err);
	cr_assert(strstr(err, "a port has that name"), "%s", err);
	cr_assert_eq(dp_ifaces[0].type, DP_IFACE_PORT, "the port is left alone");
	struct rte_mbuf *m = dp_test_ip4(0, POD_HOST, BEHIND_A, 64, IPPROTO_UDP, 26);
	eth_input(&w, 0, &m, 1);
	assert_outer(only_tx(1), NODE_A, node_a_mac, 63, 46);
}

Test(ipip, the_outer_route_kept_for_a_remote_follows_a_new_mac_and_a_new_route)
{
	static const uint8_t moved_mac[6] = {0x02, 0xbb, 0, 0, 0, 0x55};
	struct rte_mbuf *m = dp_test_ip4(0, POD_HOST, BEHIND_A, 64, IPPROTO_UDP, 26);

	eth_input(&w, 0, &m, 1);
	assert_outer(only_tx(1), NODE_A, node_a_mac, 63, 46);
	rte_pktmbuf_free(w.tx[1].pkts[0]);
	w.tx[1].n = 0;

	/* The remote's MAC changes: the next packet goes to the new one. */
	cr_assert_eq(neigh_set_permanent(NODE_A, 1, moved_mac), 0);
	m = dp_test_ip4(0, POD_HOST, BEHIND_A, 64, IPPROTO_UDP, 26);
	eth_input(&w, 0, &m, 1);
	assert_outer(only_tx(1), NODE_A, moved_mac, 63, 46);
	rte_pktmbuf_free(w.tx[1].pkts[0]);
	w.tx[1].n = 0;

	/* A route for the remote itself, a blackhole: the outer packet follows it. */
	struct dp_state s = {0};
	struct dp_route r = {.prefix = NODE_A, .prefix_len = 32, .distance = 1, .kind = DP_ROUTE_BLACKHOLE};
	char err[256];
	dp_test_add_addrs(&s);
	tunnel(&s, "tun0", NODE_A, 0, 0);
	tunnel(&s, "tun1", 0, 0, 0);
	route(&s, BEHIND_A & 0xffff0000, 16, 0, "tun0");
	cr_assert_eq(state_add_route(&s, &r, DP_OWNER_CONFIG, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(dp_test_commit_state(&s, false, err, sizeof(err)), 0, "%s", err);
	uint64_t blackholed = dp_counter_total(DP_CNT_DROP_IP4_BLACKHOLE);
	m = dp_test_ip4(0, POD_HOST, BEHIND_A, 64, IPPROTO_UDP, 26);
	eth_input(&w, 0, &m, 1);
	cr_assert_eq(w.tx[1].n, 0);
	cr_assert_eq(dp_counter_total(DP_CNT_DROP_IP4_BLACKHOLE), blackholed + 1);
}
