/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Logical interfaces and VXLAN forwarding entries go to the dataplane with
 * the other tables: whole in a resync, and in a commit only when they
 * changed; their addresses go in the address table under their names. */
#include <criterion/criterion.h>

#include "helpers.h"
#include "mock_dp.h"

static struct mock_dp mock;
static struct fixture f;

static void setup(void)
{
	fixture_start_mock(&f, &mock);
	cr_assert(f.d.synced);
}

static void teardown(void)
{
	drop_ifaces(&f);
	fixture_stop_mock(&f, &mock);
}

TestSuite(ifaces, .init = setup, .fini = teardown);

static void assert_pushed(unsigned named, unsigned items)
{
	cr_assert(mock.last_begin.flags & DP_TXN_F_DELTA, "a whole state was sent");
	cr_assert_eq(mock.last_named, named, "tables named: %#x, not %#x", mock.last_named, named);
	cr_assert_eq(mock.last_items[DP_ITEMS_REPLACE], items);
	cr_assert_eq(mock.generation, f.d.dp.generation);
}

/* A resync sends what the deltas left, under the same generation. */
static void assert_resync_same(void)
{
	struct mock_tables before = mock.run;
	uint64_t generation = mock.generation;

	mock_dp_restart(&mock);
	brinkd_dp_readable(&f.d);
	brinkd_tick(&f.d);
	cr_assert_not(mock.last_begin.flags & DP_TXN_F_DELTA);
	cr_assert(mock.last_named & 1u << DP_TABLE_IFACE && mock.last_named & 1u << DP_TABLE_FDB,
		  "a whole state names every table");
	cr_assert_eq(mock.generation, generation);
	cr_assert_eq(mock.run.n_ifaces, before.n_ifaces);
	cr_assert_eq(memcmp(mock.run.ifaces, before.ifaces, before.n_ifaces * sizeof(before.ifaces[0])), 0);
	cr_assert_eq(mock.run.n_fdb, before.n_fdb);
	cr_assert_eq(memcmp(mock.run.fdb, before.fdb, before.n_fdb * sizeof(before.fdb[0])), 0);
	cr_assert_eq(mock.run.n_addrs, before.n_addrs);
	cr_assert_eq(memcmp(mock.run.addrs, before.addrs, before.n_addrs * sizeof(before.addrs[0])), 0);
}

Test(ifaces, the_first_push_names_the_empty_interface_and_fdb_tables)
{
	cr_assert_not(mock.last_begin.flags & DP_TXN_F_DELTA);
	cr_assert(mock.last_named & 1u << DP_TABLE_IFACE);
	cr_assert(mock.last_named & 1u << DP_TABLE_FDB);
	cr_assert_eq(mock.run.n_ifaces, 0);
	cr_assert_eq(mock.run.n_fdb, 0);
}

Test(ifaces, an_added_vif_sends_the_interface_and_address_tables)
{
	struct brink_iface v[] = {test_vif("dp0", 100, "10.0.100.1/24")};

	v[0].mtu = 1400;
	v[0].has_mac = true;
	memcpy(v[0].mac, (uint8_t[]){2, 0, 0, 0, 1, 0}, 6);
	push_ifaces(&f, v, 1, NULL, 0);
	assert_pushed(1u << DP_TABLE_IFACE | 1u << DP_TABLE_ADDR, 1 + 3);
	const struct dp_iface_conf *c = &mock.run.ifaces[0];
	cr_assert_eq(mock.run.n_ifaces, 1);
	cr_assert_str_eq(c->name, "dp0.100");
	cr_assert_str_eq(c->parent, "dp0");
	cr_assert_eq(c->type, DP_IFACE_VLAN);
	cr_assert_eq(c->admin_up, 1);
	cr_assert_eq(c->mtu, 1400);
	cr_assert_eq(c->has_mac, 1);
	cr_assert_eq(c->mac[4], 1);
	cr_assert_eq(((const struct dp_vlan_info *)c->info)->vlan_id, 100);
	cr_assert_eq(mock.run.n_addrs, 3);
	cr_assert_str_eq(mock.run.addrs[2].port, "dp0.100", "a logical interface's address is under its name");
	cr_assert_eq(mock.run.addrs[2].ip, 0x0a006401);
	cr_assert_eq(mock.run.addrs[2].prefix_len, 24);
	assert_resync_same();
}

Test(ifaces, a_changed_interface_sends_its_table_only)
{
	struct brink_iface v[] = {test_vif("dp0", 100, "10.0.100.1/24"), test_vif("dp1", 7, NULL)};

	push_ifaces(&f, v, 2, NULL, 0);
	v[1].disabled = true;
	push_ifaces(&f, v, 2, NULL, 0);
	assert_pushed(1u << DP_TABLE_IFACE, 2);
	cr_assert_eq(mock.run.ifaces[0].admin_up, 1);
	cr_assert_eq(mock.run.ifaces[1].admin_up, 0, "disable: admin down");
	assert_resync_same();
}

Test(ifaces, a_removed_interface_takes_its_addresses)
{
	struct brink_iface v[] = {test_vif("dp0", 100, "10.0.100.1/24"), test_vif("dp1", 7, "10.0.7.1/24")};

	push_ifaces(&f, v, 2, NULL, 0);
	cr_assert_eq(mock.run.n_addrs, 4);
	push_ifaces(&f, v + 1, 1, NULL, 0);
	assert_pushed(1u << DP_TABLE_IFACE | 1u << DP_TABLE_ADDR, 1 + 3);
	cr_assert_str_eq(mock.run.ifaces[0].name, "dp1.7");
	cr_assert_str_eq(mock.run.addrs[2].port, "dp1.7");
	push_ifaces(&f, NULL, 0, NULL, 0);
	assert_pushed(1u << DP_TABLE_IFACE | 1u << DP_TABLE_ADDR, 2);
	cr_assert_eq(mock.run.n_ifaces, 0, "the last interface removed empties the table");
	assert_resync_same();
}

Test(ifaces, forwarding_entries_go_in_their_own_table)
{
	struct brink_iface v[] = {test_segment("vxlan100", 100)};
	struct dp_fdb e[] = {test_fdb("vxlan100", "52:54:00:aa:bb:cc", "172.30.1.5"),
			     test_fdb("vxlan100", "52:54:00:aa:bb:cd", "172.30.1.6")};

	push_ifaces(&f, v, 1, e, 2);
	assert_pushed(1u << DP_TABLE_IFACE | 1u << DP_TABLE_ADDR | 1u << DP_TABLE_FDB, 1 + 3 + 2);
	cr_assert_eq(mock.run.n_fdb, 2);
	cr_assert_str_eq(mock.run.fdb[1].iface, "vxlan100");
	cr_assert_eq(mock.run.fdb[1].mac[5], 0xcd);
	cr_assert_eq(mock.run.fdb[1].remote, 0xac1e0106);
	const struct dp_vxlan_info *info = (const void *)mock.run.ifaces[0].info;
	cr_assert_eq(info->vni, 100);
	cr_assert_eq(info->remotes[0], 0xac1e0105);
	e[0].remote = 0xac1e0107;
	push_ifaces(&f, v, 1, e, 2);
	assert_pushed(1u << DP_TABLE_FDB, 2);
	cr_assert_eq(mock.run.fdb[0].remote, 0xac1e0107);
	assert_resync_same();
}

Test(ifaces, a_route_change_does_not_resend_interfaces)
{
	struct brink_iface v[] = {test_vif("dp0", 100, "10.0.100.1/24"), test_segment("vxlan100", 100)};
	struct dp_fdb e[] = {test_fdb("vxlan100", "52:54:00:aa:bb:cc", "172.30.1.5")};
	char err[512];

	push_ifaces(&f, v, 2, e, 1);
	struct brink_model next = f.d.model;
	next.n_routes = 0; /* shares the arrays: the running model keeps them */
	cr_assert_geq(dpc_push_state(&f.d.dp, &f.d.model, &next, 0, NULL, err, sizeof(err)), 0, "%s", err);
	cr_assert(mock.last_begin.flags & DP_TXN_F_DELTA);
	cr_assert_eq(mock.last_named, 1u << DP_TABLE_ROUTE, "tables named: %#x", mock.last_named);
	cr_assert_eq(mock.last_items[DP_ITEMS_DELETE], 1);
	cr_assert_eq(mock.run.n_ifaces, 2, "a table not named is kept");
	cr_assert_eq(mock.run.n_fdb, 1);
}

Test(ifaces, a_vif_on_a_port_the_dataplane_lacks_waits_with_its_address)
{
	struct brink_iface v[] = {test_vif("dp0", 100, NULL), test_vif("dp2", 5, "10.9.5.1/24")};
	unsigned begins = mock.n_begins;

	push_ifaces(&f, v + 1, 1, NULL, 0);
	cr_assert_eq(mock.n_begins, begins, "dp2 is not in the dataplane: nothing it runs changed");
	push_ifaces(&f, v, 2, NULL, 0);
	assert_pushed(1u << DP_TABLE_IFACE, 1);
	cr_assert_str_eq(mock.run.ifaces[0].name, "dp0.100");
	cr_assert_eq(mock.run.n_addrs, 2);
}

Test(ifaces, the_generation_covers_the_interfaces)
{
	struct brink_iface v[] = {test_segment("vxlan100", 100)};
	struct dp_fdb e[] = {test_fdb("vxlan100", "52:54:00:aa:bb:cc", "172.30.1.5")};
	uint64_t bare = mock.generation;

	push_ifaces(&f, v, 1, NULL, 0);
	uint64_t with_iface = mock.generation;
	cr_assert_neq(with_iface, bare);
	push_ifaces(&f, v, 1, e, 1);
	cr_assert_neq(mock.generation, with_iface, "an FDB entry changes the generation");
	unsigned begins = mock.n_begins;
	mock_dp_drop(&mock);
	brinkd_dp_readable(&f.d);
	brinkd_tick(&f.d);
	cr_assert(f.d.synced);
	cr_assert_eq(mock.n_begins, begins, "the dataplane runs these interfaces already: nothing is sent");
}

Test(ifaces, a_tunnel_keeps_its_settings_on_the_wire)
{
	struct dp_ipip_info info = {
		.local = 0xac1e0101, .peer = 0x0a000200, .peer_len = 24, .ttl = 64, .flags = DP_IPIP_F_TOS_INHERIT};
	struct brink_iface v[] = {test_iface("tun0", DP_IFACE_IPIP, "", "172.30.0.1/32")};

	memcpy(v[0].info, &info, sizeof(info));
	push_ifaces(&f, v, 1, NULL, 0);
	cr_assert_eq(memcmp(mock.run.ifaces[0].info, &info, sizeof(info)), 0);
	cr_assert_str_eq(mock.run.ifaces[0].parent, "");
	cr_assert_eq(mock.run.ifaces[0].type, DP_IFACE_IPIP);
}
