/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The FIB and the state commit: lookups, no churn, retargeting, removal, rollback. */
#include <criterion/criterion.h>

#include <rte_arp.h>

#include "dataplane/fib.h"
#include "dataplane/nh_group.h"
#include "dataplane/state.h"
#include "dp_test_env.h"

TestSuite(fib, .init = dp_test_env_up);

#define GW_A 0xc0a80a02 /* 192.168.10.2 */
#define GW_B 0xc0a80a03
#define NET_REMOTE 0x0a140000 /* 10.20.0.0/16 */

static struct nexthop lookup(uint32_t ip, bool *found)
{
	uint32_t id = 0;
	*found = lpm4_lookup(dp.lpm, ip, &id) == 0;
	return *found ? nh_read(id) : (struct nexthop){0};
}

static uint32_t lookup_id(uint32_t ip)
{
	uint32_t id = 0;
	cr_assert_eq(lpm4_lookup(dp.lpm, ip, &id), 0);
	return id;
}

Test(fib, installs_local_connected_and_static_routes)
{
	char err[256];
	struct dp_route r = {.prefix = NET_REMOTE, .prefix_len = 16, .kind = DP_ROUTE_GATEWAY, .gateway = GW_A};
	bool found;

	cr_assert_eq(dp_test_commit(&r, 1, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(lookup(0xac1e0101, &found).kind, NH_LOCAL);
	struct nexthop c = lookup(0xac1e0163, &found);
	cr_assert_eq(c.kind, NH_CONNECTED);
	cr_assert_eq(c.iface, 0);
	cr_assert_eq(c.prefix_len, 24);
	struct nexthop g = lookup(0x0a140505, &found);
	cr_assert_eq(g.kind, NH_NEIGHBOR);
	cr_assert_eq(g.ip, GW_A);
	cr_assert_eq(g.iface, 1);
	cr_assert_not(g.resolved, "no ARP answer yet");
	lookup(0x08080808, &found);
	cr_assert_not(found);
}

Test(fib, recommitting_the_same_state_changes_nothing)
{
	char err[256];
	struct dp_route r = {.prefix = NET_REMOTE, .prefix_len = 16, .kind = DP_ROUTE_GATEWAY, .gateway = GW_A};

	cr_assert_eq(dp_test_commit(&r, 1, err, sizeof(err)), 0);
	uint32_t local = lookup_id(0xac1e0101), conn = lookup_id(0xac1e0163), gw = lookup_id(0x0a140505);
	unsigned used = nh_in_use();
	cr_assert_eq(dp_test_commit(&r, 1, err, sizeof(err)), 0);
	cr_assert_eq(lookup_id(0xac1e0101), local);
	cr_assert_eq(lookup_id(0xac1e0163), conn);
	cr_assert_eq(lookup_id(0x0a140505), gw);
	cr_assert_eq(nh_in_use(), used);
}

Test(fib, a_new_gateway_retargets_and_a_missing_route_goes)
{
	char err[256];
	struct dp_route r = {.prefix = NET_REMOTE, .prefix_len = 16, .kind = DP_ROUTE_GATEWAY, .gateway = GW_A};
	bool found;

	cr_assert_eq(dp_test_commit(&r, 1, err, sizeof(err)), 0);
	r.gateway = GW_B;
	cr_assert_eq(dp_test_commit(&r, 1, err, sizeof(err)), 0);
	cr_assert_eq(lookup(0x0a140505, &found).ip, GW_B);
	r.kind = DP_ROUTE_BLACKHOLE;
	r.gateway = 0;
	cr_assert_eq(dp_test_commit(&r, 1, err, sizeof(err)), 0);
	cr_assert_eq(lookup(0x0a140505, &found).kind, NH_BLACKHOLE);
	cr_assert_eq(dp_test_commit(NULL, 0, err, sizeof(err)), 0);
	lookup(0x0a140505, &found);
	cr_assert_not(found);
}

Test(fib, a_gateway_off_every_subnet_is_not_used)
{
	char err[256];
	struct dp_route good = {.prefix = NET_REMOTE, .prefix_len = 16, .kind = DP_ROUTE_GATEWAY, .gateway = GW_A};
	struct dp_route off = {.prefix = 0x0a150000, .prefix_len = 16, .kind = DP_ROUTE_GATEWAY, .gateway = 0x01020304};
	struct dp_route both[2] = {good, off};
	bool found;

	cr_assert_eq(dp_test_commit(both, 2, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(lookup(0x0a140505, &found).ip, GW_A);
	lookup(0x0a150505, &found);
	cr_assert_not(found, "a path that cannot be used is not installed");
}

Test(fib, a_commit_past_the_fib_size_rolls_back_to_the_running_state, .timeout = 60)
{
	enum { N = DP_TEST_FIB_SIZE + NEIGH_MAX }; /* more rules than the FIB holds (fib_init) */
	static struct dp_route many[N + 1];
	char err[256];
	struct dp_route r = {.prefix = NET_REMOTE, .prefix_len = 16, .kind = DP_ROUTE_GATEWAY, .gateway = GW_A};
	bool found;

	cr_assert_eq(dp_test_commit(&r, 1, err, sizeof(err)), 0);
	unsigned used = nh_in_use();
	many[0] = (struct dp_route){.prefix = NET_REMOTE, .prefix_len = 16, .kind = DP_ROUTE_GATEWAY, .gateway = GW_B};
	for (unsigned i = 1; i <= N; i++)
		many[i] = (struct dp_route){.prefix = 0x64000001u + (i << 8),
					    .prefix_len = 32,
					    .kind = DP_ROUTE_BLACKHOLE};
	cr_assert_lt(dp_test_commit(many, N + 1, err, sizeof(err)), 0);
	cr_assert(strstr(err, "system dataplane fib-size"), "%s", err);
	cr_assert_eq(lookup(0x0a140505, &found).ip, GW_A, "the old gateway is back");
	lookup(0x64000101, &found);
	cr_assert_not(found, "no route of the failed commit remains");
	nh_reclaim();
	cr_assert_eq(nh_in_use(), used, "no next hop leaked");
}

Test(fib, a_route_through_a_static_neighbour_is_resolved_when_the_commit_returns)
{
	char err[256];
	struct dp_state s = {0};
	struct dp_addr a = {.port = "dp1", .ip = 0xc0a80a01, .prefix_len = 24};
	struct dp_route r = {
		.prefix = NET_REMOTE, .prefix_len = 16, .kind = DP_ROUTE_GATEWAY, .gateway = GW_A, .distance = 1};
	struct dp_neigh n = {.ip = GW_A, .mac = {0x02, 0, 0, 0, 0, 0x02}};
	bool found;

	cr_assert_eq(state_add_addr(&s, &a, err, sizeof(err)), 0);
	cr_assert_eq(state_add_route(&s, &r, DP_OWNER_CONFIG, err, sizeof(err)), 0);
	cr_assert_eq(state_add_neigh(&s, &n, err, sizeof(err)), 0);
	cr_assert_eq(dp_test_commit_state(&s, false, err, sizeof(err)), 0, "%s", err);
	struct nexthop nh = lookup(0x0a140505, &found);
	cr_assert(nh.resolved);
	cr_assert_arr_eq(nh.mac, n.mac, 6);
}

Test(fib, every_prefix_length_from_0_to_32)
{
	char err[256];
	const uint32_t host = 0xc8000001; /* 200.0.0.1 */

	for (unsigned len = 0; len <= 32; len++) {
		struct dp_route r = {.prefix = host & (len ? ~0u << (32 - len) : 0),
				     .prefix_len = (uint8_t)len,
				     .kind = DP_ROUTE_GATEWAY,
				     .gateway = len % 2 ? GW_A : GW_B};
		cr_assert_eq(dp_test_commit(&r, 1, err, sizeof(err)), 0, "/%u: %s", len, err);
		struct nexthop nh = nh_read(fib_lookup(host));
		cr_assert_eq(nh.kind, NH_NEIGHBOR, "/%u", len);
		cr_assert_eq(nh.ip, r.gateway, "/%u", len);
	}
	cr_assert_eq(dp_test_commit(NULL, 0, err, sizeof(err)), 0);
	cr_assert_eq(fib_lookup(host), FIB_NO_ROUTE);
}

Test(fib, the_default_route_catches_what_nothing_else_does)
{
	char err[256];
	struct dp_route r[2] = {{.prefix = 0, .prefix_len = 0, .kind = DP_ROUTE_GATEWAY, .gateway = GW_A},
				{.prefix = NET_REMOTE, .prefix_len = 16, .kind = DP_ROUTE_GATEWAY, .gateway = GW_B}};

	cr_assert_eq(dp_test_commit(r, 2, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(nh_read(fib_lookup(0x08080808)).ip, GW_A);
	cr_assert_eq(nh_read(fib_lookup(0x0a140505)).ip, GW_B);
	cr_assert_eq(nh_read(fib_lookup(0xac1e0163)).kind, NH_CONNECTED);
	/* the reserved blocks are never routed, default route or not */
	cr_assert_eq(nh_read(fib_lookup(0x7f000001)).kind, NH_RESERVED);
	cr_assert_eq(nh_read(fib_lookup(0x00010203)).kind, NH_RESERVED);
	cr_assert_eq(nh_read(fib_lookup(0xf0000001)).kind, NH_RESERVED);
	cr_assert_eq(dp_test_commit(&r[1], 1, err, sizeof(err)), 0);
	cr_assert_eq(fib_lookup(0x08080808), FIB_NO_ROUTE);
}

Test(fib, equal_paths_share_a_group_and_recommits_keep_it)
{
	char err[256];
	struct dp_route r[2] = {{.prefix = NET_REMOTE, .prefix_len = 16, .kind = DP_ROUTE_GATEWAY, .gateway = GW_A},
				{.prefix = NET_REMOTE, .prefix_len = 16, .kind = DP_ROUTE_GATEWAY, .gateway = GW_B}};

	cr_assert_eq(dp_test_commit(NULL, 0, err, sizeof(err)), 0);
	unsigned base = nh_in_use();
	cr_assert_eq(dp_test_commit(r, 2, err, sizeof(err)), 0, "%s", err);
	uint32_t id = fib_lookup(0x0a140505);
	struct nexthop g = nh_read(id);
	cr_assert_eq(g.kind, NH_GROUP);
	const struct nh_group *grp = &dp_nh_groups[g.ip];
	cr_assert_eq(grp->n, 2);
	cr_assert_eq(nh_read(grp->member[0]).ip, GW_A);
	cr_assert_eq(nh_read(grp->member[1]).ip, GW_B);
	/* flows spread over both members, each flow always on the same one */
	unsigned on[2] = {0};
	for (uint32_t flow = 0; flow < 1000; flow++) {
		uint32_t h = flow * 2654435761u;
		uint32_t m = nh_group_pick(grp, h);
		cr_assert_eq(m, nh_group_pick(grp, h));
		on[m == grp->member[1]]++;
	}
	cr_assert(on[0] > 300 && on[1] > 300, "spread %u/%u", on[0], on[1]);
	cr_assert_eq(dp_test_commit(r, 2, err, sizeof(err)), 0);
	cr_assert_eq(fib_lookup(0x0a140505), id, "an unchanged route keeps its group");
	cr_assert_eq(dp_test_commit(r, 1, err, sizeof(err)), 0);
	cr_assert_eq(nh_read(fib_lookup(0x0a140505)).kind, NH_NEIGHBOR);
	cr_assert_eq(dp_test_commit(NULL, 0, err, sizeof(err)), 0);
	nh_reclaim();
	cr_assert_eq(nh_in_use(), base, "no next hop leaked");
}

/* dp0's settings in a state with both addresses and the given routes. */
static int commit_with_dp0(const struct dp_port_conf *dp0, const struct dp_route *routes, unsigned n, char *err,
			   size_t errlen)
{
	struct dp_state s = {0};

	dp_test_add_addrs(&s);
	if (dp0)
		cr_assert_eq(state_add_port(&s, dp0, err, errlen), 0);
	for (unsigned i = 0; i < n; i++)
		cr_assert_eq(state_add_route(&s, &routes[i], DP_OWNER_CONFIG, err, errlen), 0, "%s", err);
	return dp_test_commit_state(&s, false, err, errlen);
}

Test(fib, a_floating_route_takes_over_when_the_better_port_goes_down)
{
	char err[256];
	struct dp_route r[2] = {
		{.prefix = NET_REMOTE, .prefix_len = 16, .kind = DP_ROUTE_GATEWAY, .gateway = 0xac1e0102, .distance = 1},
		{.prefix = NET_REMOTE, .prefix_len = 16, .kind = DP_ROUTE_GATEWAY, .gateway = GW_A, .distance = 10},
	};
	struct dp_port_conf down = {.name = "dp0", .admin_up = 0};

	cr_assert_eq(commit_with_dp0(NULL, r, 2, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(nh_read(fib_lookup(0x0a140505)).ip, 0xac1e0102);
	cr_assert_eq(commit_with_dp0(&down, r, 2, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(nh_read(fib_lookup(0x0a140505)).ip, GW_A, "the floating route");
	cr_assert_eq(fib_lookup(0xac1e0163), FIB_NO_ROUTE, "a disabled port's connected subnet goes");
	cr_assert_eq(commit_with_dp0(NULL, r, 2, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(nh_read(fib_lookup(0xac1e0163)).kind, NH_CONNECTED, "and comes back");
	cr_assert_eq(nh_read(fib_lookup(0x0a140505)).ip, 0xac1e0102);

	/* the link going down does the same, without a commit */
	dp.ports[0].link_up = false;
	state_refresh();
	cr_assert_eq(nh_read(fib_lookup(0x0a140505)).ip, GW_A);
	cr_assert_eq(fib_lookup(0xac1e0163), FIB_NO_ROUTE);
	dp.ports[0].link_up = true;
	state_refresh();
	cr_assert_eq(nh_read(fib_lookup(0x0a140505)).ip, 0xac1e0102);
}

Test(fib, an_interface_route_resolves_the_destination_on_its_port)
{
	char err[256];
	struct dp_route r = {
		.prefix = 0x0a320000, .prefix_len = 16, .kind = DP_ROUTE_INTERFACE, .port = "dp1", .distance = 1};

	cr_assert_eq(dp_test_commit(&r, 1, err, sizeof(err)), 0, "%s", err);
	struct nexthop nh = nh_read(fib_lookup(0x0a320001));
	cr_assert_eq(nh.kind, NH_CONNECTED);
	cr_assert_eq(nh.iface, 1);
	cr_assert_eq(nh.prefix_len, 0);
}

Test(fib, port_settings_are_all_or_nothing_and_deleting_restores_the_default)
{
	char err[256];
	struct dp_port_conf dp0 = {
		.name = "dp0", .mtu = 1300, .has_mac = 1, .mac = {2, 0, 0, 0, 0xaa, 0xbb}, .admin_up = 1};
	struct dp_port_conf dp1_bad = {.name = "dp1", .mtu = 60, .admin_up = 1};
	struct dp_state s = {0};
	struct rte_ether_addr own = dp.ports[0].device_mac;

	/* one refused setting: nothing changes */
	dp_test_add_addrs(&s);
	cr_assert_eq(state_add_port(&s, &dp0, err, sizeof(err)), 0);
	cr_assert_eq(state_add_port(&s, &dp1_bad, err, sizeof(err)), 0);
	cr_assert_lt(dp_test_commit_state(&s, false, err, sizeof(err)), 0);
	cr_assert(strstr(err, "dp1: MTU 60 is outside what the device takes"), "%s", err);
	cr_assert_eq(dp_ifaces[0].mtu, 1500);
	cr_assert(rte_is_same_ether_addr(&dp_ifaces[0].mac, &own));

	uint64_t announced = dp_counter_total(DP_CNT_ARP_ANNOUNCEMENTS_SENT);
	cr_assert_eq(commit_with_dp0(&dp0, NULL, 0, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(dp_ifaces[0].mtu, 1300);
	cr_assert_eq(dp_ifaces[0].mac.addr_bytes[5], 0xbb);
	cr_assert_eq(dp_counter_total(DP_CNT_ARP_ANNOUNCEMENTS_SENT), announced + 1, "a gratuitous ARP");
	struct rte_mbuf *garp = NULL;
	cr_assert_eq(rte_ring_dequeue(dp.inject, (void **)&garp), 0);
	const struct rte_arp_hdr *a =
		rte_pktmbuf_mtod_offset(garp, const struct rte_arp_hdr *, sizeof(struct rte_ether_hdr));
	cr_assert_eq(a->arp_data.arp_sip, a->arp_data.arp_tip);
	cr_assert_eq(a->arp_data.arp_sha.addr_bytes[5], 0xbb);
	rte_pktmbuf_free(garp);

	/* no port item: MTU 1500 and the device's own MAC */
	cr_assert_eq(commit_with_dp0(NULL, NULL, 0, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(dp_ifaces[0].mtu, 1500);
	cr_assert(rte_is_same_ether_addr(&dp_ifaces[0].mac, &own));
}

Test(fib, a_best_effort_commit_applies_all_it_can)
{
	char err[512];
	struct dp_state s = {0};
	struct dp_port_conf dp1_bad = {.name = "dp1", .mtu = 60, .admin_up = 1};
	struct dp_route r = {.prefix = 0, .prefix_len = 0, .kind = DP_ROUTE_GATEWAY, .gateway = GW_A, .distance = 1};
	struct dp_neigh off = {.ip = 0x0b000001, .mac = {2, 0, 0, 0, 0, 9}};

	dp_test_add_addrs(&s);
	cr_assert_eq(state_add_port(&s, &dp1_bad, err, sizeof(err)), 0);
	cr_assert_eq(state_add_route(&s, &r, DP_OWNER_CONFIG, err, sizeof(err)), 0);
	cr_assert_eq(state_add_neigh(&s, &off, err, sizeof(err)), 0);
	cr_assert_eq(dp_test_commit_state(&s, true, err, sizeof(err)), 0);
	cr_assert(strstr(err, "dp1: MTU 60 is outside what the device takes"), "%s", err);
	cr_assert(strstr(err, "static ARP entry 11.0.0.1 is not on a connected subnet"), "%s", err);
	cr_assert_eq(nh_read(fib_lookup(0xac1e0101)).kind, NH_LOCAL, "the addresses are there");
	cr_assert_eq(nh_read(fib_lookup(0x08080808)).ip, GW_A, "so is the default route");
}

/* The addresses, a static ARP entry for GW_A and, when given, a route. */
static void commit_with_static_neighbour(const struct dp_route *r)
{
	char err[256];
	struct dp_state s = {0};
	struct dp_neigh n = {.ip = GW_A, .mac = {0x02, 0, 0, 0, 0, 0x02}};

	dp_test_add_addrs(&s);
	cr_assert_eq(state_add_neigh(&s, &n, err, sizeof(err)), 0);
	if (r)
		cr_assert_eq(state_add_route(&s, r, DP_OWNER_CONFIG, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(dp_test_commit_state(&s, false, err, sizeof(err)), 0, "%s", err);
}

Test(fib, a_removed_host_route_gives_the_neighbour_its_own_back)
{
	struct dp_route r = {.prefix = GW_A, .prefix_len = 32, .kind = DP_ROUTE_BLACKHOLE, .distance = 1};

	commit_with_static_neighbour(NULL);
	cr_assert_eq(nh_read(fib_lookup(GW_A)).kind, NH_NEIGHBOR);
	commit_with_static_neighbour(&r);
	cr_assert_eq(nh_read(fib_lookup(GW_A)).kind, NH_BLACKHOLE, "a configured /32 wins");
	commit_with_static_neighbour(NULL);
	struct nexthop nh = nh_read(fib_lookup(GW_A));
	cr_assert_eq(nh.kind, NH_NEIGHBOR, "the neighbour's host route is back (kind %u)", nh.kind);
	cr_assert(nh.resolved);
}

static void commit_route_via(uint32_t gateway)
{
	char err[256];
	struct dp_state s = {0};
	struct dp_addr a = {.port = "dp1", .ip = 0xc0a80a01, .prefix_len = 24};
	struct dp_route r = {
		.prefix = NET_REMOTE, .prefix_len = 16, .kind = DP_ROUTE_GATEWAY, .gateway = gateway, .distance = 1};
	struct dp_neigh n = {.ip = GW_A, .mac = {0x02, 0, 0, 0, 0, 0x02}};

	cr_assert_eq(state_add_addr(&s, &a, err, sizeof(err)), 0);
	cr_assert_eq(state_add_route(&s, &r, DP_OWNER_CONFIG, err, sizeof(err)), 0);
	cr_assert_eq(state_add_neigh(&s, &n, err, sizeof(err)), 0);
	cr_assert_eq(dp_test_commit_state(&s, false, err, sizeof(err)), 0, "%s", err);
}

Test(fib, a_route_moved_to_an_unresolved_gateway_keeps_the_old_one_until_it_resolves)
{
	const uint32_t gw_c = 0xc0a80a04;
	bool found;

	commit_route_via(GW_A);
	cr_assert(lookup(0x0a140505, &found).resolved);

	commit_route_via(GW_B);
	cr_assert_eq(fib_find(NET_REMOTE, 16)->gateway, GW_B, "the route is B's");
	cr_assert_eq(lookup(0x0a140505, &found).ip, GW_A, "packets still go to A, which is resolved");
	fib_hold_timer(rte_rdtsc());
	cr_assert_eq(lookup(0x0a140505, &found).ip, GW_A, "B is not resolved yet");

	struct arp_event ev = {.mac = {0x02, 0, 0, 0, 0, 0x03}, .iface = 1, .ip = GW_B};
	neigh_arp_event(&ev);
	fib_hold_timer(rte_rdtsc());
	struct nexthop nh = lookup(0x0a140505, &found);
	cr_assert_eq(nh.ip, GW_B, "B answered: the route moves");
	cr_assert(nh.resolved);

	/* a gateway that never answers gets the route when the hold times out */
	commit_route_via(gw_c);
	cr_assert_eq(lookup(0x0a140505, &found).ip, GW_B);
	fib_hold_timer(rte_rdtsc() + rte_get_tsc_hz() * 4);
	nh = lookup(0x0a140505, &found);
	cr_assert_eq(nh.ip, gw_c);
	cr_assert_not(nh.resolved);
}

static unsigned slices;
static bool slice_saw_whole_fib;

/* What the main lcore does between slices: here, check the FIB is whole. */
static void between_slices(void)
{
	slices++;
	slice_saw_whole_fib &= fib_lookup(0x0a140505) != FIB_NO_ROUTE;
}

Test(fib, a_long_commit_lets_the_main_lcore_work_between_its_slices, .timeout = 60)
{
	enum { N = 40000 };
	static struct dp_route many[N + 1];
	char err[256];

	many[0] = (struct dp_route){.prefix = NET_REMOTE, .prefix_len = 16, .kind = DP_ROUTE_GATEWAY, .gateway = GW_A};
	cr_assert_eq(dp_test_commit(many, 1, err, sizeof(err)), 0, "%s", err);
	for (unsigned i = 1; i <= N; i++)
		many[i] = (struct dp_route){.prefix = 0x64000000u + (i << 8),
					    .prefix_len = 24,
					    .kind = DP_ROUTE_BLACKHOLE};
	slices = 0;
	slice_saw_whole_fib = true;
	dp_apply_between_slices(between_slices);
	cr_assert_eq(dp_test_commit(many, N + 1, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(dp_test_commit(many, 1, err, sizeof(err)), 0, "%s", err);
	dp_apply_between_slices(NULL);
	cr_assert_gt(slices, 0, "the commits of %u routes ran in slices", N);
	cr_assert(slice_saw_whole_fib, "an untouched route was there between every two slices");
}

/* A module table of the test's: its running items are what the last apply kept. */
#define TEST_TABLE 20
static uint32_t running[8];
static unsigned n_running, applies;

static int apply_test_table(const void *items, unsigned n, struct dp_apply *a)
{
	const uint32_t *v = items;

	applies++;
	for (unsigned i = 0; i < n; i++)
		if (v[i] == 0xdead && dp_apply_refuse(a, -EINVAL, "item %u: refused", i) < 0)
			return -EINVAL;
	n_running = 0;
	for (unsigned i = 0; i < n && n_running < RTE_DIM(running); i++)
		if (v[i] != 0xdead)
			running[n_running++] = v[i];
	return 0;
}

static int commit_items(const uint32_t *v, unsigned n, char *err, size_t errlen)
{
	struct dp_state s = {0};

	dp_test_add_addrs(&s);
	for (unsigned i = 0; i < n; i++)
		cr_assert_eq(state_add_item(&s, TEST_TABLE, &v[i], err, errlen), 0, "%s", err);
	return dp_test_commit_state(&s, false, err, errlen);
}

Test(fib, a_module_table_is_applied_on_commit_and_a_refused_one_leaves_the_running_items)
{
	const uint32_t good[] = {1, 2}, bad[] = {3, 0xdead};
	char err[256];

	cr_assert_eq(state_table_register(TEST_TABLE, sizeof(uint32_t), apply_test_table), 0);
	cr_assert_eq(state_table_register(TEST_TABLE, sizeof(uint32_t), apply_test_table), -EINVAL, "taken");
	cr_assert_eq(commit_items(good, 2, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(n_running, 2);
	cr_assert_eq(running[1], 2);

	cr_assert_lt(commit_items(bad, 2, err, sizeof(err)), 0);
	cr_assert(strstr(err, "refused"), "the module's reason: %s", err);
	cr_assert_eq(n_running, 2, "the previous items run again");
	cr_assert_eq(running[0], 1);
	cr_assert_eq(running[1], 2);

	/* Items of a table no module took are refused with a reason. */
	struct dp_state s = {0};
	uint32_t item = 7;
	cr_assert_lt(state_add_item(&s, TEST_TABLE + 1, &item, err, sizeof(err)), 0);
	cr_assert(strstr(err, "no module"), "%s", err);
	state_clear(&s);
}

Test(fib, a_module_table_is_applied_again_when_the_interfaces_change)
{
	const uint32_t items[] = {5};
	char err[256];

	cr_assert_eq(state_table_register(TEST_TABLE, sizeof(uint32_t), apply_test_table), 0);
	cr_assert_eq(commit_items(items, 1, err, sizeof(err)), 0, "%s", err);
	unsigned before = applies;

	/* The same items with a port's address gone: its items may name what changed. */
	struct dp_state s = {0};
	struct dp_addr a0 = {.port = "dp0", .ip = 0xac1e0101, .prefix_len = 24};
	cr_assert_eq(state_add_addr(&s, &a0, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(state_add_item(&s, TEST_TABLE, &items[0], err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(dp_test_commit_state(&s, false, err, sizeof(err)), 0, "%s", err);
	cr_assert_gt(applies, before);
	cr_assert_eq(n_running, 1);
	cr_assert_eq(running[0], 5);
}
