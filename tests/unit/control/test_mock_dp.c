/* SPDX-License-Identifier: GPL-2.0-or-later */
/* brinkd against a mock dataplane: full-state pushes, resync after a
 * reconnect, a commit the dataplane refuses, and the dataplane-backed shows. */
#include <criterion/criterion.h>
#include <jansson.h>

#include "helpers.h"

static struct mock_dp mock;
static struct fixture f;

static void setup(void)
{
	fixture_start_mock(&f, &mock);
}

static void teardown(void)
{
	fixture_stop_mock(&f, &mock);
}

TestSuite(mock_dp, .init = setup, .fini = teardown);

Test(mock_dp, connect_pushes_the_whole_state)
{
	cr_assert_eq(mock.n_hellos, 1);
	cr_assert_eq(mock.n_commits, 1);
	cr_assert_eq(mock.generation, f.d.generation);
	cr_assert_eq(mock.n_ports, 2, "dp2 is not in the dataplane and must not be pushed");
	cr_assert_str_eq(mock.ports[0].name, "dp0");
	cr_assert_str_eq(mock.ports[1].name, "dp1");
	cr_assert_eq(mock.ports[1].mtu, 1500);
	cr_assert_eq(mock.ports[1].admin_up, 1);
	cr_assert_eq(mock.n_addrs, 2);
	cr_assert_eq(mock.addrs[0].ip, 0xac1e0101);
	cr_assert_eq(mock.addrs[0].prefix_len, 24);
	cr_assert_eq(mock.n_routes, 1);
	cr_assert_eq(mock.routes[0].prefix, 0x0a140000);
	cr_assert_eq(mock.routes[0].kind, DP_ROUTE_GATEWAY);
	cr_assert_eq(mock.routes[0].gateway, 0xc0a80a02);
	cr_assert_eq(mock.n_neighs, 1);
	cr_assert_eq(mock.neighs[0].mac[5], 3);

	brinkd_tick(&f.d);
	cr_assert_eq(mock.n_commits, 1, "an idle tick must not push again");
}

Test(mock_dp, a_reconnect_pushes_only_to_a_dataplane_that_lost_the_configuration)
{
	uint64_t first = mock.generation;

	cr_assert_neq(first, 0);
	mock_dp_drop(&mock);
	brinkd_dp_readable(&f.d);
	cr_assert_not(dpc_connected(&f.d.dp));
	brinkd_tick(&f.d);
	cr_assert(dpc_connected(&f.d.dp));
	cr_assert_eq(mock.n_hellos, 2);
	cr_assert_eq(mock.n_commits, 1, "the dataplane's generation says it runs this configuration");

	/* a restarted dataplane has no generation */
	mock.generation = 0;
	mock.n_routes = 0;
	mock_dp_drop(&mock);
	brinkd_dp_readable(&f.d);
	brinkd_tick(&f.d);
	cr_assert_eq(mock.n_commits, 2);
	cr_assert_eq(mock.generation, first, "the same configuration, the same generation");
	cr_assert_eq(mock.n_routes, 1);
}

Test(mock_dp, commit_refused_by_the_dataplane_changes_nothing)
{
	struct cfg_node *before = cfg_clone(f.d.running);

	snprintf(mock.reject_commit, sizeof(mock.reject_commit), "route 10.21.0.0/16: table full");
	run_ok(&f, "configure");
	run_ok(&f, "set protocols static route 10.21.0.0/16 next-hop 192.168.10.2");
	cr_assert_str_eq(run_err(&f, "commit"),
			 "commit failed: the dataplane refused the configuration: route 10.21.0.0/16: table full\n");
	cr_assert(cfg_equal(before, f.d.running), "running changed by a refused commit");
	cr_assert_eq(f.d.model.n_routes, 1);
	cr_assert(dpc_connected(&f.d.dp), "a refusal is not a reason to drop the connection");
	cr_assert_eq(mock.n_commits, 1);
	assert_has(run_ok(&f, "compare"), "+ set protocols static route 10.21.0.0/16");

	mock.reject_commit[0] = '\0';
	cr_assert_str_eq(run_ok(&f, "commit"), "");
	cr_assert_eq(mock.n_commits, 2);
	cr_assert_eq(mock.n_routes, 2);
	cr_assert_not(cfg_equal(before, f.d.running));
	cfg_free(before);
}

Test(mock_dp, refused_item_aborts_the_transaction)
{
	struct cfg_node *before = cfg_clone(f.d.running);

	mock.reject_table = DP_TABLE_ROUTE;
	run_ok(&f, "configure");
	run_ok(&f, "set protocols static route 10.21.0.0/16 reject");
	cr_assert_str_eq(run_err(&f, "commit"),
			 "commit failed: the dataplane refused the configuration: item 3: item refused\n");
	cr_assert_eq(mock.n_commits, 1);
	cr_assert(cfg_equal(before, f.d.running));
	cr_assert(dpc_connected(&f.d.dp));

	mock.reject_table = 0;
	run_ok(&f, "commit");
	cr_assert_eq(mock.n_commits, 2);
	cr_assert_eq(mock.routes[1].kind, DP_ROUTE_REJECT);
	cfg_free(before);
}

Test(mock_dp, commit_when_the_dataplane_went_away)
{
	mock_dp_drop(&mock);
	run_ok(&f, "configure");
	run_ok(&f, "set protocols static route 10.21.0.0/16 blackhole");
	const char *out = run_ok(&f, "commit");
	assert_has(out, "warning: dataplane connection lost");
	assert_has(out, "the configuration will be pushed when it reconnects");
	cr_assert_eq(f.d.model.n_routes, 2);
	brinkd_tick(&f.d);
	cr_assert_eq(mock.n_commits, 2, "the new running configuration is pushed on reconnect");
	cr_assert_eq(mock.n_routes, 2);
	cr_assert_eq(mock.routes[0].kind, DP_ROUTE_GATEWAY);
	cr_assert_eq(mock.routes[1].kind, DP_ROUTE_BLACKHOLE);
}

Test(mock_dp, show_interfaces)
{
	const char *out = run_ok(&f, "show interfaces");
	assert_has(out, "dp0: net_null0 (driver net_null)\n  mac 02:00:00:00:00:00  mtu 1500  link up  admin up");
	assert_has(out, "dp1: net_null1");
	assert_has(out, "  rx packets 11 ");
	assert_has(out, "dp2: net_null2\n  not in dataplane (restart needed)\n");

	json_error_t jerr;
	json_t *j = json_loads(run_json(&f, "show interfaces", true, 0), 0, &jerr);
	cr_assert(json_is_array(j) && json_array_size(j) == 3, "%s", jerr.text);
	cr_assert(json_is_true(json_object_get(json_array_get(j, 0), "link_up")));
	cr_assert(json_is_true(json_object_get(json_array_get(j, 0), "in_dataplane")));
	cr_assert(json_is_false(json_object_get(json_array_get(j, 2), "in_dataplane")));
	cr_assert(json_is_null(json_object_get(json_array_get(j, 2), "mtu")), "same keys, null where unknown");
	cr_assert_eq(json_object_size(json_array_get(j, 0)), json_object_size(json_array_get(j, 2)));
	json_decref(j);
}

Test(mock_dp, show_routes_and_arp)
{
	const char *out = run_ok(&f, "show ip route");
	const char *a = strstr(out, "S> 10.20.0.0/16          1  192.168.10.2    dp1\n");
	const char *b = strstr(out, "C> 172.30.1.0/24         0  direct          dp0\n");
	cr_assert(a && b && a < b, "routes missing or not sorted:\n%s", out);

	json_error_t jerr;
	json_t *j = json_loads(run_json(&f, "show ip route", true, 0), 0, &jerr);
	cr_assert(json_is_array(j) && json_array_size(j) == 2, "%s", jerr.text);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(j, 0), "prefix")), "10.20.0.0/16");
	cr_assert(json_is_true(json_object_get(json_array_get(j, 0), "resolved")));
	cr_assert(json_is_true(json_object_get(json_array_get(j, 0), "selected")));
	cr_assert_eq(json_integer_value(json_object_get(json_array_get(j, 0), "distance")), 1);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(j, 0), "type")), "gateway");
	cr_assert(json_is_null(json_object_get(json_array_get(j, 1), "gateway")), "no sentinel in address fields");
	json_decref(j);

	assert_has(run_ok(&f, "show arp"), "192.168.10.3    02:00:00:00:00:03 permanent  dp1");
}

Test(mock_dp, show_statistics)
{
	const char *out = run_ok(&f, "show dataplane statistics");
	assert_has(out, "rx.packets");
	assert_lacks(out, "tx.packets");
	assert_has(out, "Drops by reason:\n  ip4.bad_checksum");
	assert_has(out, "  total                                          5\n");
	assert_has(run_ok(&f, "show dataplane statistics all"), "tx.packets");

	json_error_t jerr;
	json_t *j = json_loads(run_json(&f, "show dataplane statistics", true, 0), 0, &jerr);
	cr_assert_not_null(j, "%s", jerr.text);
	cr_assert_eq(json_integer_value(json_object_get(j, "drops_total")), 5);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(j, "drops"), "ip4.ttl_exceeded")), 3);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(j, "counters"), "rx.packets")), 7);
	json_decref(j);
	run_ok(&f, "clear dataplane statistics");
}

Test(mock_dp, show_when_the_dataplane_went_away)
{
	mock.generation = 0; /* as a restart leaves it */
	mock_dp_drop(&mock);
	assert_has(run_err(&f, "show arp"), "dataplane connection lost");
	cr_assert_not(dpc_connected(&f.d.dp));
	cr_assert_str_eq(run_err(&f, "show ip route"), "dataplane not connected\n");
	cr_assert_str_eq(run_err(&f, "clear dataplane statistics"),
			 "clear dataplane statistics: dataplane not connected\n");
	brinkd_tick(&f.d);
	cr_assert(dpc_connected(&f.d.dp));
	cr_assert_eq(mock.n_commits, 2, "the reconnect pushes the running configuration again");
	assert_has(run_ok(&f, "show arp"), "192.168.10.3");
}
