/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The worker path on crafted packets: which edge each packet takes, and what it looks like after. */
#include <criterion/criterion.h>
#include <rte_icmp.h>

#include "dataplane/ip4_check.h"
#include "dataplane/neigh.h"
#include "dataplane/path.h"
#include "dp_test_env.h"

#define POD_HOST 0xac1e010a /* 172.30.1.10 on dp0 */
#define VM_HOST 0xc0a80a0a  /* 192.168.10.10 on dp1 */
#define ROUTER_DP0 0xac1e0101

static struct dp_worker w;
static const uint8_t pod_mac[6] = {0x02, 0xaa, 0, 0, 0, 0x0a};
static const uint8_t vm_mac[6] = {0x02, 0xbb, 0, 0, 0, 0x0a};

static void setup(void)
{
	char err[256];
	dp_test_env_up();
	cr_assert_eq(dp_test_commit(NULL, 0, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(neigh_set_permanent(POD_HOST, 0, pod_mac), 0);
	cr_assert_eq(neigh_set_permanent(VM_HOST, 1, vm_mac), 0);
}

TestSuite(ip4_path, .init = setup);

static uint64_t counter(enum dp_counter_id id)
{
	return dp_counter_total(id);
}

static struct rte_mbuf *only_tx(uint16_t port)
{
	cr_assert_eq(w.tx[port].n, 1, "one packet queued on port %u, got %u", port, w.tx[port].n);
	return w.tx[port].pkts[0];
}

Test(ip4_path, forwards_with_ttl_decrement_and_l2_rewrite)
{
	struct rte_mbuf *m = dp_test_ip4(0, POD_HOST, VM_HOST, 64, IPPROTO_UDP, 26);

	eth_input(&w, 0, &m, 1);
	struct rte_mbuf *out = only_tx(1);
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(out, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = dp_test_ip4_hdr(out);
	cr_assert_eq(ip->time_to_live, 63);
	cr_assert_eq(rte_raw_cksum(ip, sizeof(*ip)), 0xffff, "incremental checksum is right");
	cr_assert_arr_eq(eh->dst_addr.addr_bytes, vm_mac, 6);
	cr_assert(rte_is_same_ether_addr(&eh->src_addr, &dp_ifaces[1].mac));
	cr_assert_eq(counter(DP_CNT_FORWARDED), 1);
}

Test(ip4_path, ttl_one_gets_time_exceeded_from_the_input_address)
{
	struct rte_mbuf *m = dp_test_ip4(0, POD_HOST, VM_HOST, 1, IPPROTO_UDP, 26);

	eth_input(&w, 0, &m, 1);
	struct rte_mbuf *out = only_tx(0);
	struct rte_ipv4_hdr *ip = dp_test_ip4_hdr(out);
	struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)(ip + 1);
	cr_assert_eq(w.tx[1].n, 0);
	cr_assert_eq(rte_be_to_cpu_32(ip->src_addr), ROUTER_DP0);
	cr_assert_eq(rte_be_to_cpu_32(ip->dst_addr), POD_HOST);
	cr_assert_eq(icmp->icmp_type, ICMP_TIME_EXCEEDED);
	cr_assert_eq(rte_be_to_cpu_16(ip->total_length), 20 + 8 + 20 + 8, "quotes header + 8 bytes");
	cr_assert_eq(rte_raw_cksum(ip, sizeof(*ip)), 0xffff);
	cr_assert_eq(rte_raw_cksum(icmp, 8 + 28), 0xffff, "ICMP checksum");
	cr_assert_eq(counter(DP_CNT_DROP_IP4_TTL_EXCEEDED), 1);
	cr_assert_eq(counter(DP_CNT_FORWARDED), 1, "the ICMP error only: the expired packet was not forwarded");
}

Test(ip4_path, no_route_gets_net_unreachable)
{
	struct rte_mbuf *m = dp_test_ip4(0, POD_HOST, 0xcb007101, 64, IPPROTO_UDP, 26);

	eth_input(&w, 0, &m, 1);
	struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)(dp_test_ip4_hdr(only_tx(0)) + 1);
	cr_assert_eq(icmp->icmp_type, ICMP_DEST_UNREACH);
	cr_assert_eq(icmp->icmp_code, ICMP_CODE_NET_UNREACH);
	cr_assert_eq(counter(DP_CNT_DROP_IP4_NO_ROUTE), 1);
}

Test(ip4_path, no_error_about_an_icmp_error)
{
	struct rte_mbuf *m = dp_test_ip4(0, POD_HOST, 0xcb007101, 64, IPPROTO_ICMP, 36);
	struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)(dp_test_ip4_hdr(m) + 1);
	icmp->icmp_type = ICMP_DEST_UNREACH;

	eth_input(&w, 0, &m, 1);
	cr_assert_eq(w.tx[0].n, 0);
	cr_assert_eq(counter(DP_CNT_ICMP_ERR_NOT_ALLOWED), 1);
	cr_assert_eq(counter(DP_CNT_DROP_IP4_NO_ROUTE), 1, "the packet itself counts once, as a drop");
}

Test(ip4_path, answers_echo_requests_to_our_address)
{
	struct rte_mbuf *m = dp_test_ip4(0, POD_HOST, ROUTER_DP0, 64, IPPROTO_ICMP, 16);
	struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)(dp_test_ip4_hdr(m) + 1);
	icmp->icmp_type = RTE_IP_ICMP_ECHO_REQUEST;
	icmp->icmp_ident = 0x1234;
	icmp->icmp_cksum = (uint16_t)~rte_raw_cksum(icmp, 16);

	eth_input(&w, 0, &m, 1);
	struct rte_ipv4_hdr *ip = dp_test_ip4_hdr(only_tx(0));
	icmp = (struct rte_icmp_hdr *)(ip + 1);
	cr_assert_eq(icmp->icmp_type, RTE_IP_ICMP_ECHO_REPLY);
	cr_assert_eq(icmp->icmp_ident, 0x1234);
	cr_assert_eq(rte_raw_cksum(icmp, 16), 0xffff);
	cr_assert_eq(rte_be_to_cpu_32(ip->src_addr), ROUTER_DP0);
	cr_assert_eq(rte_be_to_cpu_32(ip->dst_addr), POD_HOST);
}

Test(ip4_path, unresolved_hosts_wait_for_arp_on_the_main_lcore)
{
	struct rte_mbuf *m = dp_test_ip4(0, POD_HOST, 0xc0a80a63, 64, IPPROTO_UDP, 26), *held = NULL;

	eth_input(&w, 0, &m, 1);
	cr_assert_eq(w.tx[1].n, 0);
	cr_assert_eq(rte_ring_dequeue(dp.to_control_pkts, (void **)&held), 0);
	cr_assert_eq(held, m);
	cr_assert_eq(dp_meta(held)->reason, DP_CTRL_RESOLVE);
	cr_assert_eq(dp_test_ip4_hdr(held)->time_to_live, 63, "TTL is spent before waiting");
}

Test(ip4_path, runts_and_foreign_frames_are_counted)
{
	struct rte_mbuf *runt = rte_pktmbuf_alloc(dp.pool), *other = dp_test_ip4(0, POD_HOST, VM_HOST, 64, 17, 26);
	rte_pktmbuf_append(runt, 10);
	rte_pktmbuf_mtod(other, struct rte_ether_hdr *)->dst_addr.addr_bytes[5] ^= 0x40;
	struct rte_mbuf *burst[2] = {runt, other};

	eth_input(&w, 0, burst, 2);
	cr_assert_eq(counter(DP_CNT_DROP_ETH_RUNT), 1);
	cr_assert_eq(counter(DP_CNT_DROP_ETH_OTHER_HOST), 1);
	cr_assert_eq(w.tx[1].n, 0);
}

static unsigned hook_calls, hook_packets;
static void drop_udp_hook(struct dp_worker *wk, struct rte_mbuf **pkts, dp_verdict *v, uint16_t n)
{
	(void)wk;
	hook_calls++;
	hook_packets += n;
	for (uint16_t i = 0; i < n; i++)
		v[i] = dp_test_ip4_hdr(pkts[i])->next_proto_id == IPPROTO_UDP ? DP_DROP(DP_CNT_DROP_IP4_BLACKHOLE)
									      : DP_CONTINUE;
}

Test(ip4_path, a_prerouting_hook_gives_a_verdict_per_packet_of_the_interfaces_it_is_enabled_on)
{
	uint32_t feature = dp_feature_register("test");
	struct rte_mbuf *burst[2] = {dp_test_ip4(0, POD_HOST, VM_HOST, 64, IPPROTO_UDP, 26),
				     dp_test_ip4(0, POD_HOST, VM_HOST, 64, IPPROTO_TCP, 26)};

	cr_assert_eq(dp_hook_register(DP_HOOK_PREROUTING, 0, "drop_udp", feature, drop_udp_hook), 0);
	eth_input(&w, 0, burst, 2);
	cr_assert_eq(hook_calls, 0, "enabled nowhere: never called");
	cr_assert_eq(w.tx[1].n, 2);
	rte_pktmbuf_free_bulk(w.tx[1].pkts, 2);
	w.tx[1].n = 0;

	hook_iface_features(0, feature);
	burst[0] = dp_test_ip4(0, POD_HOST, VM_HOST, 64, IPPROTO_UDP, 26);
	burst[1] = dp_test_ip4(0, POD_HOST, VM_HOST, 64, IPPROTO_TCP, 26);
	eth_input(&w, 0, burst, 2);
	cr_assert_eq(hook_calls, 1);
	cr_assert_eq(hook_packets, 2);
	cr_assert_eq(dp_test_ip4_hdr(only_tx(1))->next_proto_id, IPPROTO_TCP);
	cr_assert_eq(counter(DP_CNT_DROP_IP4_BLACKHOLE), 1);

	/* Packets of an interface without the feature pass it by. */
	burst[0] = dp_test_ip4(1, VM_HOST, POD_HOST, 64, IPPROTO_UDP, 26);
	eth_input(&w, 1, burst, 1);
	cr_assert_eq(hook_calls, 1);
	hook_iface_features(0, 0);
}

Test(ip4_path, features_are_set_one_at_a_time_and_everywhere_reaches_every_interface)
{
	uint32_t mine = dp_feature_register("test_one"), other = dp_feature_register("test_other");
	struct rte_mbuf *m;

	cr_assert_eq(dp_hook_register(DP_HOOK_PREROUTING, 0, "drop_udp", mine, drop_udp_hook), 0);
	hook_iface_feature_set(0, other, true);
	hook_iface_feature_set(0, mine, true);
	hook_iface_feature_set(0, mine, false);
	cr_assert_eq(dp_ifaces[0].features, other, "the other feature stays");
	m = dp_test_ip4(0, POD_HOST, VM_HOST, 64, IPPROTO_UDP, 26);
	eth_input(&w, 0, &m, 1);
	cr_assert_eq(hook_calls, 0);
	cr_assert_eq(only_tx(1), m);
	rte_pktmbuf_free(m);
	w.tx[1].n = 0;

	hook_feature_everywhere(mine, true);
	cr_assert(hook_active(DP_HOOK_PREROUTING));
	m = dp_test_ip4(1, VM_HOST, POD_HOST, 64, IPPROTO_UDP, 26);
	eth_input(&w, 1, &m, 1);
	cr_assert_eq(hook_calls, 1, "on an interface nobody named");
	cr_assert_eq(counter(DP_CNT_DROP_IP4_BLACKHOLE), 1);

	hook_feature_everywhere(mine, false);
	hook_iface_features(0, 0);
	cr_assert_not(hook_active(DP_HOOK_PREROUTING));
}

static struct rte_mbuf *kept;
static uint16_t seen_out_iface;
static struct nexthop seen_nh;
static void keep_hook(struct dp_worker *wk, struct rte_mbuf **pkts, dp_verdict *v, uint16_t n)
{
	(void)wk;
	cr_assert_eq(n, 1);
	seen_out_iface = dp_meta(pkts[0])->out_iface;
	seen_nh = nh_read(dp_meta(pkts[0])->nh);
	kept = pkts[0];
	v[0] = DP_CONSUMED;
}

Test(ip4_path, an_output_hook_sees_what_routing_chose_and_may_keep_the_packet)
{
	uint32_t feature = dp_feature_register("test_out");
	struct rte_mbuf *m = dp_test_ip4(0, POD_HOST, VM_HOST, 64, IPPROTO_UDP, 26);

	cr_assert_eq(dp_hook_register(DP_HOOK_POSTROUTING, 0, "keep", feature, keep_hook), 0);
	hook_iface_features(1, feature);
	eth_input(&w, 0, &m, 1);
	cr_assert_eq(kept, m);
	cr_assert_eq(seen_out_iface, 1);
	cr_assert_eq(seen_nh.kind, NH_NEIGHBOR);
	cr_assert_eq(seen_nh.ip, VM_HOST);
	cr_assert_eq(w.tx[1].n, 0, "consumed: the hook's now");
	rte_pktmbuf_free(kept);

	/* Toward dp0, where the feature is off: the hook is not asked. */
	kept = NULL;
	m = dp_test_ip4(1, VM_HOST, POD_HOST, 64, IPPROTO_UDP, 26);
	eth_input(&w, 1, &m, 1);
	cr_assert_null(kept);
	cr_assert_eq(only_tx(0), m);
	hook_iface_features(1, 0);
}

static unsigned local_out_calls;
static void count_local_out(struct dp_worker *wk, struct rte_mbuf **pkts, dp_verdict *v, uint16_t n)
{
	(void)wk, (void)pkts;
	local_out_calls += n;
	for (uint16_t i = 0; i < n; i++)
		v[i] = DP_CONTINUE;
}

Test(ip4_path, what_the_router_sends_passes_local_out_and_what_it_forwards_does_not)
{
	uint32_t feature = dp_feature_register("test_local_out");
	struct rte_mbuf *echo = dp_test_ip4(0, POD_HOST, ROUTER_DP0, 64, IPPROTO_ICMP, 16);
	struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)(dp_test_ip4_hdr(echo) + 1);

	icmp->icmp_type = RTE_IP_ICMP_ECHO_REQUEST;
	icmp->icmp_cksum = (uint16_t)~rte_raw_cksum(icmp, 16);
	cr_assert_eq(dp_hook_register(DP_HOOK_LOCAL_OUT, 0, "count", feature, count_local_out), 0);
	hook_iface_features(0, feature);
	eth_input(&w, 0, &echo, 1);
	cr_assert_eq(local_out_calls, 1, "the echo reply");
	cr_assert_eq(w.tx[0].n, 1);

	struct rte_mbuf *m = dp_test_ip4(1, VM_HOST, POD_HOST, 64, IPPROTO_UDP, 26);
	eth_input(&w, 1, &m, 1);
	cr_assert_eq(local_out_calls, 1, "forwarded: not the router's own");
	cr_assert_eq(w.tx[0].n, 2);
	hook_iface_features(0, 0);
}

static unsigned udp_calls;
static void udp_port_handler(struct dp_worker *wk, struct rte_mbuf **pkts, dp_verdict *v, uint16_t n)
{
	(void)wk, (void)pkts;
	for (uint16_t i = 0; i < n; i++) {
		udp_calls++;
		v[i] = DP_DROP(DP_CNT_DROP_IP4_BLACKHOLE);
	}
}

static void other_udp_handler(struct dp_worker *wk, struct rte_mbuf **pkts, dp_verdict *v, uint16_t n)
{
	(void)wk, (void)pkts;
	for (uint16_t i = 0; i < n; i++)
		v[i] = DP_CONTINUE;
}

Test(ip4_path, udp_to_the_router_goes_to_the_handler_of_its_port_and_the_rest_to_the_kernel)
{
	struct rte_mbuf *burst[2] = {dp_test_ip4(0, POD_HOST, ROUTER_DP0, 64, IPPROTO_UDP, 26),
				     dp_test_ip4(0, POD_HOST, ROUTER_DP0, 64, IPPROTO_UDP, 26)};
	uint8_t *l4 = (uint8_t *)(dp_test_ip4_hdr(burst[0]) + 1);

	l4[2] = 0x12, l4[3] = 0xb5; /* destination port 4789 */
	cr_assert_eq(udp_local_register(4789, udp_port_handler), 0);
	cr_assert_eq(udp_local_register(4789, udp_port_handler), 0, "a second user of the port");
	cr_assert_eq(udp_local_register(4789, other_udp_handler), -EADDRINUSE, "another handler of a port taken");
	eth_input(&w, 0, burst, 2);
	cr_assert_eq(udp_calls, 1);
	cr_assert_eq(counter(DP_CNT_DROP_IP4_BLACKHOLE), 1, "its verdict carried out");
	cr_assert_eq(counter(DP_CNT_DROP_PUNT_DISABLED), 1, "port 0: for the kernel (no punt port here)");
	udp_local_unregister(4789);
	burst[0] = dp_test_ip4(0, POD_HOST, ROUTER_DP0, 64, IPPROTO_UDP, 26);
	l4 = (uint8_t *)(dp_test_ip4_hdr(burst[0]) + 1);
	l4[2] = 0x12, l4[3] = 0xb5;
	eth_input(&w, 0, burst, 1);
	cr_assert_eq(udp_calls, 2, "still registered once");
	udp_local_unregister(4789);
	burst[0] = dp_test_ip4(0, POD_HOST, ROUTER_DP0, 64, IPPROTO_UDP, 26);
	l4 = (uint8_t *)(dp_test_ip4_hdr(burst[0]) + 1);
	l4[2] = 0x12, l4[3] = 0xb5;
	eth_input(&w, 0, burst, 1);
	cr_assert_eq(udp_calls, 2);
	cr_assert_eq(counter(DP_CNT_DROP_PUNT_DISABLED), 2);
}

Test(ip4_path, frames_from_the_kernel_are_checked_routed_and_teach_its_mac)
{
	const struct rte_ether_addr kmac = {{0x02, 0xcc, 0, 0, 0, 0x01}};
	struct dp_port *punt = &dp.ports[2];

	const struct rte_ether_addr punt_mac = {{0x02, 0, 0, 0, 0, 0x03}};
	punt->in_use = punt->is_punt = true;
	punt->n_txq = 1;
	iface_port_init(2, "brink0", &punt_mac, 1500);
	dp.punt_port = 2;

	struct rte_mbuf *uni = dp_test_ip4(2, ROUTER_DP0, VM_HOST, 64, IPPROTO_TCP, 20);
	struct rte_mbuf *mcast = dp_test_ip4(2, ROUTER_DP0, 0xe00000fb, 1, IPPROTO_UDP, 20);
	struct rte_mbuf *burst[2] = {mcast, uni};
	for (unsigned i = 0; i < 2; i++) {
		struct rte_ether_hdr *eh = rte_pktmbuf_mtod(burst[i], struct rte_ether_hdr *);
		eh->dst_addr = punt_mac;
		eh->src_addr = kmac;
	}

	punt_port_input(&w, burst, 2);
	cr_assert_eq(counter(DP_CNT_DROP_IP4_MULTICAST), 1);
	cr_assert_eq(counter(DP_CNT_ICMP_ERRORS_SENT), 0, "no error about the kernel's multicast");
	struct rte_mbuf *out = only_tx(1);
	cr_assert_eq(dp_test_ip4_hdr(out)->time_to_live, 64, "originated by the router: no TTL spent");
	cr_assert(rte_is_same_ether_addr(&punt->kernel_mac, &kmac));
}
