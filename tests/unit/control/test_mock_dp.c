/* SPDX-License-Identifier: GPL-2.0-or-later */
/* brinkd against a mock dataplane: full-state pushes, resync after a
 * reconnect, a commit the dataplane refuses, and the dataplane-backed shows;
 * of "show ip route" the dump request it sends for a prefix, "longer" and an
 * owner, text that streams reply by reply, and a dump cut short or crossed
 * by another request leaving the shared connection in step. */
#include <criterion/criterion.h>
#include <errno.h>
#include <jansson.h>

#include "helpers.h"

MOCK_DP_SUITE(mock_dp);

Test(mock_dp, connect_pushes_the_whole_state)
{
	cr_assert_eq(mock.n_hellos, 1);
	cr_assert_eq(mock.n_commits, 1);
	cr_assert_eq(mock.generation, f.d.generation);
	cr_assert_eq(mock.run.n_ports, 2, "dp2 is not in the dataplane and must not be pushed");
	cr_assert_str_eq(mock.run.ports[0].name, "dp0");
	cr_assert_str_eq(mock.run.ports[1].name, "dp1");
	cr_assert_eq(mock.run.ports[1].mtu, 1500);
	cr_assert_eq(mock.run.ports[1].admin_up, 1);
	cr_assert_eq(mock.run.n_addrs, 2);
	cr_assert_eq(mock.run.addrs[0].ip, 0xac1e0101);
	cr_assert_eq(mock.run.addrs[0].prefix_len, 24);
	cr_assert_eq(mock.run.n_routes, 1);
	cr_assert_eq(mock.run.routes[0].prefix, 0x0a140000);
	cr_assert_eq(mock.run.routes[0].kind, DP_ROUTE_GATEWAY);
	cr_assert_eq(mock.run.routes[0].gateway, 0xc0a80a02);
	cr_assert_eq(mock.run.n_neighs, 1);
	cr_assert_eq(mock.run.neighs[0].mac[5], 3);

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
	mock.run.n_routes = 0;
	mock_dp_drop(&mock);
	brinkd_dp_readable(&f.d);
	brinkd_tick(&f.d);
	cr_assert_eq(mock.n_commits, 2);
	cr_assert_eq(mock.generation, first, "the same configuration, the same generation");
	cr_assert_eq(mock.run.n_routes, 1);
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
	cr_assert_eq(mock.run.n_routes, 2);
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
	cr_assert_eq(mock.run.routes[1].kind, DP_ROUTE_REJECT);
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
	cr_assert_eq(mock.run.n_routes, 2);
	cr_assert_eq(mock.run.routes[0].kind, DP_ROUTE_GATEWAY);
	cr_assert_eq(mock.run.routes[1].kind, DP_ROUTE_BLACKHOLE);
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
	unsigned steps;
	const char *out = run_streamed(&f, "show ip route", &steps);
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

static void add_route(uint32_t prefix, uint8_t len, uint8_t owner, uint8_t distance)
{
	cr_assert_lt(mock.n_route_table, sizeof(mock.route_table) / sizeof(mock.route_table[0]));
	mock.route_table[mock.n_route_table++] = (struct dp_route_info){
		.prefix = prefix,
		.prefix_len = len,
		.kind = DP_ROUTE_BLACKHOLE,
		.origin = DP_ORIGIN_STATIC,
		.flags = DP_ROUTE_F_SELECTED | DP_ROUTE_F_RESOLVED | DP_ROUTE_F_USABLE,
		.distance = distance,
		.owner = owner,
	};
}

/* 10.<i>.0.0/16 for i = n-1 .. 0 (the mock sorts them), of the routing daemon. */
static void add_routes(unsigned n)
{
	for (unsigned i = n; i-- > 0;)
		add_route(0x0a000000u | i << 16, 16, DP_OWNER_ROUTING, 20);
}

static unsigned lines_with(const char *text, const char *what)
{
	unsigned n = 0;

	for (const char *p = text; (p = strstr(p, what)); p += strlen(what))
		n++;
	return n;
}

Test(mock_dp, text_streams_as_the_replies_come)
{
	unsigned steps;

	add_routes(6);
	mock.dump_per_msg = 2;
	cr_assert_str_eq(run_ok(&f, "show ip route"), "", "nothing before the dump answered");
	cr_assert_not_null(f.s.job, "the text streams as a job");
	const char *out = finish_job(&f, &steps);
	cr_assert_geq(steps, 4, "8 routes 2 a message come in as many steps (%u):\n%s", steps, out);
	cr_assert_eq(lines_with(out, "Codes: "), 1, "one header:\n%s", out);
	const char *a = strstr(out, "R> 10.0.0.0/16"), *b = strstr(out, "R> 10.5.0.0/16"),
		   *c = strstr(out, "S> 10.20.0.0/16"), *d = strstr(out, "C> 172.30.1.0/24");
	cr_assert(a && b && c && d && a < b && b < c && c < d, "in the dataplane's order:\n%s", out);
	cr_assert_eq(mock.dump_req.prefix_len, 0);
	cr_assert_eq(mock.dump_req.flags, DP_ROUTE_DUMP_F_LONGER, "no argument: the whole table");
	cr_assert_eq(mock.dump_req.owner, 0);
}

Test(mock_dp, a_prefix_asks_only_for_its_routes)
{
	unsigned steps;

	add_routes(4);
	add_route(0x0a010000, 24, DP_OWNER_CONFIG, 1);
	const char *out = run_streamed(&f, "show ip route 10.1.0.0/16", &steps);
	cr_assert_eq(mock.dump_req.prefix, 0x0a010000u);
	cr_assert_eq(mock.dump_req.prefix_len, 16);
	cr_assert_eq(mock.dump_req.flags, 0);
	assert_has(out, "R> 10.1.0.0/16");
	assert_lacks(out, "10.1.0.0/24");
	assert_lacks(out, "10.2.0.0/16");

	out = run_streamed(&f, "show ip route 10.1.0.0/16 longer", &steps);
	cr_assert_eq(mock.dump_req.flags, DP_ROUTE_DUMP_F_LONGER);
	assert_has(out, "R> 10.1.0.0/16");
	assert_has(out, "S> 10.1.0.0/24");
	assert_lacks(out, "10.0.0.0/16");
	assert_lacks(out, "10.2.0.0/16");

	json_error_t jerr;
	json_t *j = json_loads(run_json(&f, "show ip route 10.0.0.0/8 longer", true, 0), 0, &jerr);
	cr_assert(json_is_array(j), "%s", jerr.text);
	cr_assert_eq(json_array_size(j), 6, "four /16, one /24 and 10.20.0.0/16");
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(j, 1), "prefix")), "10.1.0.0/16");
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(j, 2), "prefix")), "10.1.0.0/24");
	json_decref(j);
	cr_assert_null(f.s.job, "JSON is one document, not a stream");
}

Test(mock_dp, an_owner_asks_only_for_its_paths)
{
	unsigned steps;

	add_routes(3);
	const char *out = run_streamed(&f, "show ip route owner routing", &steps);
	cr_assert_eq(mock.dump_req.owner, DP_OWNER_ROUTING);
	cr_assert_eq(lines_with(out, "R> 10."), 3, "%s", out);
	assert_lacks(out, "10.20.0.0/16");
	assert_lacks(out, "172.30.1.0/24");

	out = run_streamed(&f, "show ip route 10.0.0.0/8 longer owner configuration", &steps);
	cr_assert_eq(mock.dump_req.owner, DP_OWNER_CONFIG);
	cr_assert_eq(lines_with(out, "S> 10."), 1, "%s", out);
	assert_has(out, "S> 10.20.0.0/16");

	json_error_t jerr;
	json_t *j = json_loads(run_json(&f, "show ip route owner ike", true, 0), 0, &jerr);
	cr_assert(json_is_array(j) && json_array_size(j) == 0, "%s", jerr.text);
	json_decref(j);

	cr_assert_str_eq(run_err(&f, "show ip route owner bgp"),
			 "show ip route owner: 'bgp' is not an owner (configuration, routing or ike)\n");
	assert_has(run_err(&f, "show ip route 10.1.2.3 owner routing"), "'10.1.2.3' is not an IPv4 prefix");
	assert_has(run_ok(&f, "complete show ip route owner \"\""), "routing\t");
}

Test(mock_dp, count_counts_the_streamed_lines)
{
	unsigned steps;

	add_routes(5);
	cr_assert_str_eq(run_streamed(&f, "show ip route | count", &steps), "Count: 9 lines\n",
			 "the header's two lines and seven routes");
	cr_assert_str_eq(run_streamed(&f, "show ip route | match 10\\.[34]\\. | count", &steps), "Count: 2 lines\n");
}

Test(mock_dp, cut_short_leaves_the_connection_in_step)
{
	struct sbuf out = {0};

	add_routes(20);
	run_ok(&f, "show ip route");
	cr_assert_gt(job_step(&f, &out), 0);
	cr_assert_gt(job_step(&f, &out), 0);
	cr_assert_lt(lines_with(sbuf_str(&out), " 10."), 20, "the dump is not over yet:\n%s", sbuf_str(&out));
	cli_job_stop(&f.s); /* ^C, or the client going away */
	sbuf_free(&out);
	cr_assert(dpc_connected(&f.d.dp));
	assert_has(run_ok(&f, "show arp"), "192.168.10.3");
	cr_assert_eq(mock.n_route_dumps, 1);

	unsigned steps;
	cr_assert_eq(lines_with(run_streamed(&f, "show ip route", &steps), " 10."), 21, "%s", sbuf_str(&f.out));
	cr_assert(dpc_connected(&f.d.dp));
}

Test(mock_dp, another_request_during_the_stream_gets_its_own_reply)
{
	struct sbuf out = {0}, other = {0};
	struct cli_session s2;

	add_routes(20);
	run_ok(&f, "show ip route");
	cr_assert_gt(job_step(&f, &out), 0);
	cli_session_init(&s2, &f.d);
	cr_assert_eq(cli_exec(&s2, "show arp", false, &other), 0, "%s", sbuf_str(&other));
	assert_has(sbuf_str(&other), "192.168.10.3");
	assert_lacks(sbuf_str(&other), "10.1.0.0");
	cli_session_fini(&s2);
	sbuf_free(&other);
	while (f.s.job)
		cr_assert_geq(job_step(&f, &out), 0, "%s", sbuf_str(&out));
	cr_assert_eq(lines_with(sbuf_str(&out), " 10."), 21, "every route still shown once:\n%s", sbuf_str(&out));
	sbuf_free(&out);
	cr_assert(dpc_connected(&f.d.dp));
}

Test(mock_dp, a_refused_dump_ends_the_stream_with_the_reason)
{
	/* a request the mock refuses, as the dataplane would one it cannot read */
	struct dpc_stream s = {0};
	uint8_t odd[3] = {0};
	char err[256];
	int rc;

	cr_assert_eq(dpc_stream_open(&f.d.dp, &s, DP_MSG_ROUTE_DUMP, odd, sizeof(odd), err, sizeof(err)), 0, "%s", err);
	for (int i = 0; i < 100 && (rc = dpc_stream_read(&f.d.dp, &s)) > 0; i++)
		poll(NULL, 0, 10);
	cr_assert_eq(rc, -EBADMSG);
	cr_assert_str_eq(s.err, "route dump request of the wrong size");
	cr_assert(dpc_connected(&f.d.dp), "a refusal keeps the connection");
	assert_has(run_ok(&f, "show arp"), "192.168.10.3");
}

Test(mock_dp, the_dataplane_going_away_ends_the_stream)
{
	struct sbuf out = {0};
	int rc;

	add_routes(20);
	run_ok(&f, "show ip route");
	cr_assert_gt(job_step(&f, &out), 0);
	dpc_close(&f.d.dp); /* as a lost connection does */
	rc = job_step(&f, &out);
	cr_assert_lt(rc, 0);
	assert_has(sbuf_str(&out), "show ip route: dataplane connection lost\n");
	cr_assert_null(f.s.job);
	sbuf_free(&out);
}
