/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The routing daemon's and IKE's routes brinkd holds (learned_routes.h)
 * against a mock dataplane: add and delete with exist-ok and missing-ok,
 * the commands, the resync after a dataplane restart, the adoption after a
 * brinkd restart. */
#include <criterion/criterion.h>
#include <errno.h>

#include "helpers.h"

MOCK_DP_SUITE(learned);

static const struct learned_owner *routing(void)
{
	return &f.d.learned.owners[DP_OWNER_ROUTING];
}

/* The mock's path of that owner to prefix (host order) with that gateway, or NULL. */
static const struct dp_route *dp_path(uint8_t owner, uint32_t prefix, uint8_t len, uint32_t gateway)
{
	for (unsigned i = 0; i < mock.n_learned; i++) {
		const struct dp_route *r = &mock.learned[i].r;
		if (mock.learned[i].owner == owner && r->prefix == prefix && r->prefix_len == len &&
		    r->gateway == gateway)
			return r;
	}
	return NULL;
}

/* brinkd notices the connection closed, and connects again. */
static void reconnect(void)
{
	brinkd_dp_readable(&f.d);
	cr_assert_not(dpc_connected(&f.d.dp));
	brinkd_tick(&f.d);
	cr_assert(dpc_connected(&f.d.dp));
}

Test(learned, an_added_path_reaches_the_dataplane_as_its_owners)
{
	assert_has(run_ok(&f, "add ip route 10.50.0.0/16 via 192.168.10.2 owner routing"),
		   "10.50.0.0/16 via 192.168.10.2 distance 1 (owner routing): added");
	cr_assert_eq(mock.n_objs, 1);
	cr_assert_eq(mock.n_learned, 1);
	const struct dp_route *r = dp_path(DP_OWNER_ROUTING, 0x0a320000, 16, 0xc0a80a02);
	cr_assert_not_null(r);
	cr_assert_eq(r->kind, DP_ROUTE_GATEWAY);
	cr_assert_eq(r->distance, 1);
	cr_assert_eq(routing()->n_paths, 1);
	cr_assert_eq(routing()->generation, 1);
	cr_assert_eq(mock.owner_generation[DP_OWNER_ROUTING], 1);

	assert_has(run_ok(&f, "add ip route 10.60.0.0/24 interface dp0 owner ike"),
		   "10.60.0.0/24 interface dp0 distance 1 (owner ike): added");
	cr_assert_not_null(dp_path(DP_OWNER_IKE, 0x0a3c0000, 24, 0));
	cr_assert_eq(f.d.learned.owners[DP_OWNER_IKE].generation, 1);
	cr_assert_eq(routing()->generation, 1, "another owner's change moved this one's generation");
	cr_assert_eq(mock.n_commits, 1, "the configuration was pushed again");
}

Test(learned, adding_a_path_that_is_there_needs_exist_ok)
{
	run_ok(&f, "add ip route 10.50.0.0/16 via 192.168.10.2 owner routing");
	assert_has(run_err(&f, "add ip route 10.50.0.0/16 via 192.168.10.2 distance 5 owner routing"), "already");
	cr_assert_eq(dp_path(DP_OWNER_ROUTING, 0x0a320000, 16, 0xc0a80a02)->distance, 1);
	cr_assert_eq(routing()->generation, 1);

	assert_has(run_ok(&f, "add ip route 10.50.0.0/16 via 192.168.10.2 distance 5 owner routing exist-ok"),
		   "distance 5 (owner routing): added");
	cr_assert_eq(dp_path(DP_OWNER_ROUTING, 0x0a320000, 16, 0xc0a80a02)->distance, 5);
	cr_assert_eq(routing()->generation, 2);
	assert_has(run_ok(&f, "add ip route 10.50.0.0/16 via 192.168.10.2 distance 5 owner routing exist-ok"),
		   "unchanged");
	/* The dataplane counts an item applied, changed or not. */
	cr_assert_eq(routing()->generation, 3);
	cr_assert_eq(mock.owner_generation[DP_OWNER_ROUTING], 3);
	cr_assert_eq(routing()->n_paths, 1);
}

Test(learned, deleting_a_path_that_is_not_there_needs_missing_ok)
{
	run_ok(&f, "add ip route 10.50.0.0/16 via 192.168.10.2 owner routing");
	assert_has(run_err(&f, "delete ip route 10.51.0.0/16 via 192.168.10.2 owner routing"), "no such path");
	assert_has(run_err(&f, "delete ip route 10.50.0.0/16 via 192.168.10.2 owner ike"), "no such path");
	assert_has(run_ok(&f, "delete ip route 10.51.0.0/16 via 192.168.10.2 owner routing missing-ok"), "unchanged");
	cr_assert_eq(mock.n_learned, 1);
	assert_has(run_ok(&f, "delete ip route 10.50.0.0/16 via 192.168.10.2 owner routing"), "deleted");
	cr_assert_eq(mock.n_learned, 0);
	cr_assert_eq(routing()->n_paths, 0);
	cr_assert_eq(routing()->generation, 3);
	cr_assert_eq(mock.owner_generation[DP_OWNER_ROUTING], 3);
}

Test(learned, the_commands_check_every_argument)
{
	assert_has(run_err(&f, "add ip route 10.50.0.1/16 via 192.168.10.2 owner routing"),
		   "has host bits set (did you mean 10.50.0.0/16?)");
	assert_has(run_err(&f, "add ip route 10.50.0.0/33 via 192.168.10.2 owner routing"), "not an IPv4 prefix");
	assert_has(run_err(&f, "add ip route 10.50.0.0/16 via 192.168.10.300 owner routing"), "not an IPv4 address");
	assert_has(run_err(&f, "add ip route 10.50.0.0/16 via 127.0.0.1 owner routing"), "loopback");
	assert_has(run_err(&f, "add ip route 10.50.0.0/16 via 192.168.10.2 distance 0 owner routing"),
		   "not a number from 1 to 254");
	assert_has(run_err(&f, "add ip route 10.50.0.0/16 via 192.168.10.2"), "owner routing|ike is missing");
	assert_has(run_err(&f, "add ip route 10.50.0.0/16 via 192.168.10.2 owner configuration"),
		   "is not routing or ike");
	assert_has(run_err(&f, "add ip route 10.50.0.0/16 owner routing"), "give one of via");
	assert_has(run_err(&f, "add ip route 10.50.0.0/16 blackhole reject owner routing"), "give one of via");
	assert_has(run_err(&f, "add ip route 10.50.0.0/16 blackhole interface dp0 owner routing"),
		   "a blackhole route has no interface");
	assert_has(run_err(&f, "add ip route 10.50.0.0/16 interface abcdefghijklmnopq owner routing"),
		   "longer than 15 characters");
	assert_has(run_err(&f, "add ip route 10.50.0.0/16 via 192.168.10.2 owner routing missing-ok"),
		   "unknown word 'missing-ok'");
	cr_assert_eq(mock.n_objs, 0, "a bad command reached the dataplane");
}

Test(learned, json_replies_say_what_changed)
{
	const char *out = run_json(&f, "add ip route 10.70.0.0/16 reject owner ike", true, 0);
	assert_has(out, "\"path\":\"10.70.0.0/16 reject distance 1\"");
	assert_has(out, "\"owner\":\"ike\"");
	assert_has(out, "\"changed\":true");
	assert_has(out, "\"pending\":false");
}

Test(learned, show_ip_route_names_the_owner)
{
	run_ok(&f, "add ip route 10.50.0.0/16 via 192.168.10.2 owner routing");
	unsigned steps;
	assert_has(run_streamed(&f, "show ip route", &steps), "R> 10.50.0.0/16");
	assert_has(run_json(&f, "show ip route 10.50.0.0/16", true, 0), "\"owner\":\"routing\"");
}

Test(learned, show_dataplane_counts_them_per_owner)
{
	run_ok(&f, "add ip route 10.50.0.0/16 via 192.168.10.2 owner routing");
	run_ok(&f, "add ip route 10.51.0.0/16 via 192.168.10.2 owner routing");
	const char *out = run_ok(&f, "show dataplane");
	assert_has(out, "routes of routing: 2 paths, generation 2\n");
	assert_has(out, "routes of ike: 0 paths, generation 0\n");
	assert_has(run_json(&f, "show dataplane", true, 0),
		   "\"learned_routes\":{\"routing\":{\"paths\":2,\"generation\":2,\"in_sync\":true}");
	mock_dp_drop(&mock);
	brinkd_dp_readable(&f.d);
	run_ok(&f, "add ip route 10.52.0.0/16 via 192.168.10.2 owner routing");
	assert_has(run_ok(&f, "show dataplane"),
		   "routes of routing: 3 paths, generation 0, not yet given to the dataplane");
}

Test(learned, a_commit_leaves_the_learned_paths_alone)
{
	struct sbuf out = {0};
	struct brinkd_commit_info info = {.user = "tester", .via = "cli"};

	run_ok(&f, "add ip route 10.50.0.0/16 via 192.168.10.2 owner routing");
	cr_assert_eq(brinkd_commit(&f.d, f.d.running, &info, &out), 0, "%s", sbuf_str(&out));
	brinkd_tick(&f.d);
	cr_assert_eq(mock.n_owner_commits, 0, "the routing daemon's paths were sent again");
	cr_assert_eq(mock.n_learned, 1);
	cr_assert_eq(routing()->n_paths, 1);
	sbuf_free(&out);
}

Test(learned, a_restarted_dataplane_gets_the_paths_back)
{
	run_ok(&f, "add ip route 10.50.0.0/16 via 192.168.10.2 owner routing");
	run_ok(&f, "add ip route 10.51.0.0/16 via 192.168.10.2 distance 7 owner routing");
	run_ok(&f, "add ip route 10.60.0.0/24 blackhole owner ike");
	mock_dp_restart(&mock);
	reconnect();
	cr_assert_eq(mock.n_owner_commits, 2, "one transaction per owner");
	cr_assert_eq(mock.n_learned, 3);
	cr_assert_eq(dp_path(DP_OWNER_ROUTING, 0x0a330000, 16, 0xc0a80a02)->distance, 7);
	cr_assert_not_null(dp_path(DP_OWNER_IKE, 0x0a3c0000, 24, 0));
	cr_assert_eq(mock.owner_generation[DP_OWNER_ROUTING], routing()->generation);
	cr_assert_neq(routing()->generation, 0);

	/* What the dataplane counts from there on is what brinkd counts. */
	run_ok(&f, "delete ip route 10.50.0.0/16 via 192.168.10.2 owner routing");
	cr_assert_eq(mock.owner_generation[DP_OWNER_ROUTING], routing()->generation);
}

Test(learned, a_reconnect_to_the_same_dataplane_sends_nothing)
{
	run_ok(&f, "add ip route 10.50.0.0/16 via 192.168.10.2 owner routing");
	mock_dp_drop(&mock);
	reconnect();
	cr_assert_eq(mock.n_owner_commits, 0, "the dataplane had this generation");
	cr_assert_eq(mock.n_owner_dumps, 0);
	cr_assert(routing()->synced);
}

Test(learned, changes_while_the_dataplane_is_away_reach_it_when_it_connects)
{
	run_ok(&f, "add ip route 10.50.0.0/16 via 192.168.10.2 owner routing");
	mock_dp_drop(&mock);
	brinkd_dp_readable(&f.d);
	assert_has(run_ok(&f, "add ip route 10.52.0.0/16 via 192.168.10.2 owner routing"),
		   "added; the dataplane gets it when it connects");
	assert_has(run_ok(&f, "delete ip route 10.50.0.0/16 via 192.168.10.2 owner routing"), "deleted");
	assert_has(run_err(&f, "delete ip route 10.50.0.0/16 via 192.168.10.2 owner routing"), "no such path");
	brinkd_tick(&f.d);
	cr_assert(dpc_connected(&f.d.dp));
	cr_assert_eq(mock.n_owner_commits, 1);
	cr_assert_eq(mock.n_learned, 1);
	cr_assert_not_null(dp_path(DP_OWNER_ROUTING, 0x0a340000, 16, 0xc0a80a02));
	cr_assert_eq(mock.owner_generation[DP_OWNER_ROUTING], routing()->generation);
}

static int change(struct dp_obj *obj, const struct dp_route *items, uint32_t *changed, char *err, size_t errlen)
{
	bool pending;
	int rc = learned_change(&f.d.learned, &f.d.dp, obj, items, changed, &pending, err, errlen);

	cr_assert_not(pending);
	return rc;
}

Test(learned, a_batch_stops_at_the_first_path_that_fails_and_keeps_those_before)
{
	struct dp_route items[3] = {
		{.prefix = 0x0a500000, .prefix_len = 16, .kind = DP_ROUTE_BLACKHOLE, .distance = 1},
		{.prefix = 0x0a510000, .prefix_len = 16, .kind = DP_ROUTE_BLACKHOLE, .distance = 1},
		{.prefix = 0x0a520000, .prefix_len = 16, .kind = DP_ROUTE_BLACKHOLE, .distance = 1},
	};
	struct dp_obj obj = {.owner = DP_OWNER_ROUTING, .table = DP_TABLE_ROUTE, .op = DP_OBJ_ADD, .count = 3};
	uint32_t changed;
	char err[256];

	run_ok(&f, "add ip route 10.81.0.0/16 blackhole owner routing");
	cr_assert_eq(change(&obj, items, &changed, err, sizeof(err)), -EEXIST);
	assert_has(err, "10.81.0.0/16 blackhole distance 1: the path is there already");
	cr_assert_eq(changed, 1);
	cr_assert_eq(mock.n_learned, 2);
	cr_assert_null(dp_path(DP_OWNER_ROUTING, 0x0a520000, 16, 0), "an item after the failing one was applied");
	cr_assert_eq(routing()->n_paths, 2);
	cr_assert(routing()->synced);
	cr_assert_eq(mock.owner_generation[DP_OWNER_ROUTING], routing()->generation);
}

Test(learned, a_refusal_half_way_through_a_batch_is_set_right_by_a_resync)
{
	/* The second repeats the first: brinkd leaves that to the dataplane, which refuses it. */
	struct dp_route items[2] = {
		{.prefix = 0x0a500000, .prefix_len = 16, .kind = DP_ROUTE_BLACKHOLE, .distance = 1},
		{.prefix = 0x0a500000, .prefix_len = 16, .kind = DP_ROUTE_BLACKHOLE, .distance = 1},
	};
	struct dp_obj obj = {.owner = DP_OWNER_ROUTING, .table = DP_TABLE_ROUTE, .op = DP_OBJ_ADD, .count = 2};
	uint32_t changed;
	char err[256];

	run_ok(&f, "add ip route 10.81.0.0/16 blackhole owner routing");
	cr_assert_lt(change(&obj, items, &changed, err, sizeof(err)), 0);
	assert_has(err, "item 1");
	cr_assert_eq(mock.n_learned, 2);
	cr_assert_not(routing()->synced);
	brinkd_tick(&f.d);
	cr_assert_eq(mock.n_owner_commits, 1);
	cr_assert_eq(mock.n_learned, 1, "the dataplane kept a path brinkd does not have");
	cr_assert_not_null(dp_path(DP_OWNER_ROUTING, 0x0a510000, 16, 0));
	cr_assert(routing()->synced);
	cr_assert_eq(mock.owner_generation[DP_OWNER_ROUTING], routing()->generation);
}

Test(learned, a_restarted_brinkd_adopts_what_the_dataplane_holds)
{
	struct sbuf errs = {0};

	run_ok(&f, "add ip route 10.50.0.0/16 via 192.168.10.2 owner routing");
	run_ok(&f, "add ip route 10.51.0.0/16 interface dp1 distance 3 owner routing");
	uint64_t generation = routing()->generation;
	/* brinkd goes (as kill -9 would: the dataplane keeps its tables) and comes back empty. */
	cli_session_fini(&f.s);
	brinkd_fini(&f.d);
	cr_assert_eq(brinkd_init(&f.d, f.conf, mock.path, NULL, &errs), 0, "%s", sbuf_str(&errs));
	cli_session_init(&f.s, &f.d);
	cr_assert_eq(routing()->n_paths, 0);
	brinkd_tick(&f.d);
	cr_assert_eq(mock.n_owner_dumps, 1);
	cr_assert_eq(mock.n_owner_commits, 0, "the dataplane's paths were replaced by an empty table");
	cr_assert_eq(routing()->n_paths, 2);
	cr_assert_eq(routing()->generation, generation);
	cr_assert_eq(mock.n_learned, 2);

	/* Then the dataplane restarts: it gets them back from the new brinkd. */
	mock_dp_restart(&mock);
	reconnect();
	cr_assert_eq(mock.n_learned, 2);
	cr_assert_eq(dp_path(DP_OWNER_ROUTING, 0x0a330000, 16, 0)->distance, 3);
	/* The port the dump shows for a gateway is its subnet's, not part of the path. */
	cr_assert_str_eq(dp_path(DP_OWNER_ROUTING, 0x0a320000, 16, 0xc0a80a02)->port, "");
	assert_has(run_ok(&f, "delete ip route 10.50.0.0/16 via 192.168.10.2 owner routing"), "deleted");
	cr_assert_eq(mock.owner_generation[DP_OWNER_ROUTING], routing()->generation);
	sbuf_free(&errs);
}

Test(learned, a_request_too_big_for_one_message_is_refused_whole)
{
	struct dp_obj obj = {.owner = DP_OWNER_ROUTING,
			     .table = DP_TABLE_ROUTE,
			     .op = DP_OBJ_ADD,
			     .count = (uint32_t)LEARNED_OBJ_MAX + 1};
	struct dp_route *items = calloc(obj.count, sizeof(*items));
	uint32_t changed;
	bool pending;
	char err[256];

	for (uint32_t i = 0; i < obj.count; i++)
		items[i] = (struct dp_route){.prefix = (10u << 24) + (i << 8),
					     .prefix_len = 24,
					     .kind = DP_ROUTE_BLACKHOLE,
					     .distance = 1};
	cr_assert_eq(learned_change(&f.d.learned, &f.d.dp, &obj, items, &changed, &pending, err, sizeof(err)),
		     -EMSGSIZE);
	assert_has(err, "at most");
	cr_assert_eq(mock.n_objs, 0);
	cr_assert_eq(routing()->n_paths, 0);
	obj.count = 10;
	cr_assert_eq(learned_change(&f.d.learned, &f.d.dp, &obj, items, &changed, &pending, err, sizeof(err)), 0, "%s",
		     err);
	cr_assert_eq(changed, obj.count);
	cr_assert(routing()->synced);
	free(items);
}

/* A full table's worth of paths: the tree keeps each change cheap. */
Test(learned, a_million_paths_are_kept)
{
	struct dp_obj obj = {.owner = DP_OWNER_ROUTING, .table = DP_TABLE_ROUTE, .op = DP_OBJ_ADD, .count = 1};
	struct dpc away;
	uint32_t changed;
	bool pending;
	char err[256];

	dpc_init(&away, "/nonexistent");
	for (uint32_t i = 0; i < 1000000; i++) {
		struct dp_route r = {.prefix = (10u << 24) + (i << 4),
				     .prefix_len = 28,
				     .kind = DP_ROUTE_BLACKHOLE,
				     .distance = 1};
		cr_assert_eq(learned_change(&f.d.learned, &away, &obj, &r, &changed, &pending, err, sizeof(err)), 0,
			     "%s", err);
	}
	cr_assert_eq(routing()->n_paths, 1000000);
	obj.op = DP_OBJ_DELETE;
	struct dp_route last = {.prefix = (10u << 24) + (999999u << 4),
				.prefix_len = 28,
				.kind = DP_ROUTE_BLACKHOLE,
				.distance = 1};
	cr_assert_eq(learned_change(&f.d.learned, &away, &obj, &last, &changed, &pending, err, sizeof(err)), 0);
	cr_assert_eq(changed, 1);
	cr_assert_eq(routing()->n_paths, 999999);
}
