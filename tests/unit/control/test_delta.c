/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A commit sends the dataplane only what it changes (DP_TXN_F_DELTA from
 * the generation the dataplane runs), the whole state when that generation
 * moved, and a delta leaves the state a whole push would. */
#include <criterion/criterion.h>

#include "helpers.h"
#include "mock_dp.h"

static struct mock_dp mock;
static struct fixture f;

static void setup(void)
{
	mock_dp_start(&mock);
	fixture_start(&f, mock.path);
	brinkd_tick(&f.d);
	cr_assert(f.d.synced, "brinkd did not push to the mock dataplane");
	run_ok(&f, "configure");
}

static void teardown(void)
{
	fixture_stop(&f);
	mock_dp_stop(&mock);
}

TestSuite(delta, .init = setup, .fini = teardown);

static void commit(const char *edit)
{
	run_ok(&f, edit);
	run_ok(&f, "commit");
}

/* Commits edit and checks that it went as a delta from the generation the
 * dataplane ran, of exactly these items, in batches of the tables named (a
 * bit per enum dp_table). */
static void commit_delta(const char *edit, unsigned named, unsigned replaced, unsigned added, unsigned deleted)
{
	uint64_t base = mock.generation;

	if (edit)
		run_ok(&f, edit);
	run_ok(&f, "commit");
	cr_assert(mock.last_begin.flags & DP_TXN_F_DELTA, "a whole state was sent");
	cr_assert_eq(mock.last_begin.base_generation, base);
	cr_assert_eq(mock.last_named, named, "tables named: %#x, not %#x", mock.last_named, named);
	cr_assert_eq(mock.last_items[DP_ITEMS_REPLACE], replaced);
	cr_assert_eq(mock.last_items[DP_ITEMS_ADD], added);
	cr_assert_eq(mock.last_items[DP_ITEMS_DELETE], deleted);
	cr_assert_eq(mock.generation, f.d.generation);
}

static int route_order(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct dp_route));
}

/* What the mock runs is what a whole push of the running configuration
 * gives, under the same generation: a restarted dataplane gets that push. */
static void assert_converged(void)
{
	struct mock_tables delta = mock.run;
	uint64_t generation = mock.generation;

	mock.generation = 0;
	mock_dp_drop(&mock);
	brinkd_dp_readable(&f.d);
	brinkd_tick(&f.d);
	cr_assert_not(mock.last_begin.flags & DP_TXN_F_DELTA, "a resync is a whole state");
	cr_assert_eq(mock.generation, generation, "a delta's generation is the digest of the whole state");
	cr_assert_eq(delta.n_ports, mock.run.n_ports);
	cr_assert_eq(memcmp(delta.ports, mock.run.ports, delta.n_ports * sizeof(delta.ports[0])), 0);
	cr_assert_eq(delta.n_addrs, mock.run.n_addrs);
	cr_assert_eq(memcmp(delta.addrs, mock.run.addrs, delta.n_addrs * sizeof(delta.addrs[0])), 0);
	cr_assert_eq(delta.n_neighs, mock.run.n_neighs);
	cr_assert_eq(memcmp(delta.neighs, mock.run.neighs, delta.n_neighs * sizeof(delta.neighs[0])), 0);
	cr_assert_eq(delta.n_routes, mock.run.n_routes);
	qsort(delta.routes, delta.n_routes, sizeof(delta.routes[0]), route_order);
	qsort(mock.run.routes, mock.run.n_routes, sizeof(mock.run.routes[0]), route_order);
	cr_assert_eq(memcmp(delta.routes, mock.run.routes, delta.n_routes * sizeof(delta.routes[0])), 0,
		     "other route paths");
}

Test(delta, adding_one_route_to_many_sends_one_item)
{
	char edit[128];

	for (unsigned i = 0; i < 40; i++) {
		snprintf(edit, sizeof(edit), "set protocols static route 10.100.%u.0/24 blackhole", i);
		run_ok(&f, edit);
	}
	commit_delta(NULL, 1u << DP_TABLE_ROUTE, 0, 40, 0);
	cr_assert_eq(mock.run.n_routes, 41);

	commit_delta("set protocols static route 10.99.0.0/16 next-hop 192.168.10.2", 1u << DP_TABLE_ROUTE, 0, 1, 0);
	cr_assert_eq(mock.run.n_routes, 42);
	assert_converged();
}

Test(delta, a_removed_route_sends_one_delete)
{
	commit("set protocols static route 10.21.0.0/16 reject");
	commit_delta("delete protocols static route 10.20.0.0/16", 1u << DP_TABLE_ROUTE, 0, 0, 1);
	cr_assert_eq(mock.run.n_routes, 1);
	cr_assert_eq(mock.run.routes[0].kind, DP_ROUTE_REJECT);
	assert_converged();
}

Test(delta, a_changed_distance_sends_one_add)
{
	commit_delta("set protocols static route 10.20.0.0/16 next-hop 192.168.10.2 distance 7", 1u << DP_TABLE_ROUTE,
		     0, 1, 0);
	cr_assert_eq(mock.run.n_routes, 1);
	cr_assert_eq(mock.run.routes[0].distance, 7);
	assert_converged();
}

Test(delta, a_second_path_of_a_route_is_one_add_and_its_removal_one_delete)
{
	commit_delta("set protocols static route 10.20.0.0/16 interface dp0", 1u << DP_TABLE_ROUTE, 0, 1, 0);
	cr_assert_eq(mock.run.n_routes, 2);
	commit_delta("delete protocols static route 10.20.0.0/16 next-hop 192.168.10.2", 1u << DP_TABLE_ROUTE, 0, 0, 1);
	cr_assert_eq(mock.run.routes[0].kind, DP_ROUTE_INTERFACE);
	assert_converged();
}

Test(delta, a_port_change_sends_the_port_table_only)
{
	commit_delta("set interfaces dataplane dp0 mtu 9000", 1u << DP_TABLE_PORT, 2, 0, 0);
	cr_assert_eq(mock.run.ports[0].mtu, 9000);
	cr_assert_eq(mock.run.n_routes, 1, "a table not named is kept");
	assert_converged();
}

Test(delta, an_address_change_sends_the_address_table_only)
{
	commit_delta("set interfaces dataplane dp1 address 192.168.11.1/24", 1u << DP_TABLE_ADDR, 3, 0, 0);
	cr_assert_eq(mock.run.n_addrs, 3);
	assert_converged();
}

Test(delta, the_last_static_neighbour_removed_empties_that_table)
{
	commit_delta("delete protocols static arp 192.168.10.3", 1u << DP_TABLE_NEIGH, 0, 0, 0);
	cr_assert_eq(mock.run.n_neighs, 0);
	assert_converged();
}

Test(delta, a_change_to_a_port_the_dataplane_lacks_sends_nothing)
{
	unsigned begins = mock.n_begins;

	commit("set interfaces dataplane dp2 mtu 9000");
	cr_assert_eq(mock.n_begins, begins, "dp2 is not in the dataplane: nothing it runs changed");
}

Test(delta, a_stale_base_gets_the_whole_state_once)
{
	unsigned begins = mock.n_begins, commits = mock.n_commits;

	/* someone else changed the dataplane behind brinkd's back */
	mock.generation = 0x5eed;
	mock.run.routes[0].prefix = 0x0a630000;
	mock.run.n_neighs = 0;
	commit("set protocols static route 10.21.0.0/16 blackhole");
	cr_assert_eq(mock.n_begins, begins + 2, "a delta, then the whole state");
	cr_assert_eq(mock.n_commits, commits + 1);
	cr_assert_not(mock.last_begin.flags & DP_TXN_F_DELTA);
	cr_assert_eq(mock.generation, f.d.generation);
	cr_assert_eq(mock.run.n_routes, 2);
	cr_assert_eq(mock.run.routes[0].prefix, 0x0a140000);
	cr_assert_eq(mock.run.routes[1].prefix, 0x0a150000);
	cr_assert_eq(mock.run.n_neighs, 1);
	assert_converged();
}

Test(delta, a_path_the_dataplane_lacks_is_refused_by_name_and_the_commit_with_it)
{
	struct cfg_node *before = cfg_clone(f.d.running);

	mock.run.n_routes = 0;
	run_ok(&f, "delete protocols static route 10.20.0.0/16");
	cr_assert_str_eq(run_err(&f, "commit"),
			 "commit failed: the dataplane refused the configuration: item 0: route 10.20.0.0/16: no "
			 "such path\n");
	cr_assert(cfg_equal(before, f.d.running), "running changed by a refused commit");
	cr_assert_eq(mock.last_items[DP_ITEMS_DELETE], 1);
	cr_assert(dpc_connected(&f.d.dp));
	cfg_free(before);
}

Test(delta, a_brinkd_restarted_on_the_same_configuration_sends_nothing)
{
	uint64_t first = mock.generation;
	unsigned begins;

	commit("set protocols static route 10.21.0.0/16 blackhole");
	commit("delete protocols static route 10.21.0.0/16");
	cr_assert_eq(mock.generation, first, "the same configuration again, the same generation");
	begins = mock.n_begins;
	fixture_stop(&f);
	fixture_start(&f, mock.path);
	brinkd_tick(&f.d);
	cr_assert(f.d.synced);
	cr_assert_eq(mock.n_begins, begins, "the dataplane runs this configuration already");
}
