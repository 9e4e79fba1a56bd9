/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The FIB and the state commit: lookups, no churn, retargeting, removal, rollback. */
#include <criterion/criterion.h>

#include "dataplane/fib.h"
#include "dataplane/state.h"
#include "dp_test_env.h"

TestSuite(fib, .init = dp_test_env_up);

#define GW_A 0xc0a80a02 /* 192.168.10.2 */
#define GW_B 0xc0a80a03
#define NET_REMOTE 0x0a140000 /* 10.20.0.0/16 */

static struct nexthop lookup(uint32_t ip, bool *found)
{
	uint32_t id = 0;
	*found = rte_lpm_lookup(dp.lpm, ip, &id) == 0;
	return *found ? nh_read(id) : (struct nexthop){ 0 };
}

static uint32_t lookup_id(uint32_t ip)
{
	uint32_t id = 0;
	cr_assert_eq(rte_lpm_lookup(dp.lpm, ip, &id), 0);
	return id;
}

Test(fib, installs_local_connected_and_static_routes)
{
	char err[256];
	struct dp_route r = { .prefix = NET_REMOTE, .prefix_len = 16, .kind = DP_ROUTE_GATEWAY, .gateway = GW_A };
	bool found;

	cr_assert_eq(dp_test_commit(&r, 1, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(lookup(0xac1e0101, &found).kind, NH_LOCAL);
	struct nexthop c = lookup(0xac1e0163, &found);
	cr_assert_eq(c.kind, NH_CONNECTED);
	cr_assert_eq(c.port, 0);
	cr_assert_eq(c.prefix_len, 24);
	struct nexthop g = lookup(0x0a140505, &found);
	cr_assert_eq(g.kind, NH_NEIGHBOR);
	cr_assert_eq(g.ip, GW_A);
	cr_assert_eq(g.port, 1);
	cr_assert_not(g.resolved, "no ARP answer yet");
	lookup(0x08080808, &found);
	cr_assert_not(found);
}

Test(fib, recommitting_the_same_state_changes_nothing)
{
	char err[256];
	struct dp_route r = { .prefix = NET_REMOTE, .prefix_len = 16, .kind = DP_ROUTE_GATEWAY, .gateway = GW_A };

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
	struct dp_route r = { .prefix = NET_REMOTE, .prefix_len = 16, .kind = DP_ROUTE_GATEWAY, .gateway = GW_A };
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

Test(fib, a_gateway_off_every_subnet_is_refused_and_nothing_changes)
{
	char err[256];
	struct dp_route good = { .prefix = NET_REMOTE, .prefix_len = 16, .kind = DP_ROUTE_GATEWAY, .gateway = GW_A };
	struct dp_route bad[2] = { good, { .prefix = 0x0a150000, .prefix_len = 16, .kind = DP_ROUTE_GATEWAY,
					   .gateway = 0x01020304 } };
	bad[0].gateway = GW_B;

	cr_assert_eq(dp_test_commit(&good, 1, err, sizeof(err)), 0);
	cr_assert_lt(dp_test_commit(bad, 2, err, sizeof(err)), 0);
	cr_assert(strstr(err, "1.2.3.4 is not on a connected subnet"), "%s", err);
	bool found;
	cr_assert_eq(lookup(0x0a140505, &found).ip, GW_A);
	lookup(0x0a150505, &found);
	cr_assert_not(found);
}

Test(fib, a_full_fib_mid_commit_rolls_back_to_the_running_state, .timeout = 60)
{
	enum { N = 9000 }; /* each /32 in its own /24 takes a tbl8 group: more than the FIB has */
	static struct dp_route many[N + 1];
	char err[256];
	struct dp_route r = { .prefix = NET_REMOTE, .prefix_len = 16, .kind = DP_ROUTE_GATEWAY, .gateway = GW_A };
	bool found;

	cr_assert_eq(dp_test_commit(&r, 1, err, sizeof(err)), 0);
	unsigned used = nh_in_use();
	many[0] = (struct dp_route){ .prefix = NET_REMOTE, .prefix_len = 16, .kind = DP_ROUTE_GATEWAY,
				     .gateway = GW_B };
	for (unsigned i = 1; i <= N; i++)
		many[i] = (struct dp_route){ .prefix = 0x64000001u + (i << 8), .prefix_len = 32,
					     .kind = DP_ROUTE_BLACKHOLE };
	cr_assert_lt(dp_test_commit(many, N + 1, err, sizeof(err)), 0);
	cr_assert(strstr(err, "FIB is full"), "%s", err);
	cr_assert_eq(lookup(0x0a140505, &found).ip, GW_A, "the old gateway is back");
	lookup(0x64000101, &found);
	cr_assert_not(found, "no route of the failed commit remains");
	nh_reclaim();
	cr_assert_eq(nh_in_use(), used, "no next hop leaked");
}

Test(fib, a_route_through_a_static_neighbour_is_resolved_when_the_commit_returns)
{
	char err[256];
	struct dp_state s = { 0 };
	struct dp_addr a = { .port = "dp1", .ip = 0xc0a80a01, .prefix_len = 24 };
	struct dp_route r = { .prefix = NET_REMOTE, .prefix_len = 16, .kind = DP_ROUTE_GATEWAY, .gateway = GW_A };
	struct dp_neigh n = { .ip = GW_A, .mac = { 0x02, 0, 0, 0, 0, 0x02 } };
	bool found;

	cr_assert_eq(state_add_addr(&s, &a, err, sizeof(err)), 0);
	cr_assert_eq(state_add_route(&s, &r, err, sizeof(err)), 0);
	cr_assert_eq(state_add_neigh(&s, &n, err, sizeof(err)), 0);
	cr_assert_eq(state_commit(&s, err, sizeof(err)), 0, "%s", err);
	struct nexthop nh = lookup(0x0a140505, &found);
	cr_assert(nh.resolved);
	cr_assert_arr_eq(nh.mac, n.mac, 6);
	state_clear(&s);
}
