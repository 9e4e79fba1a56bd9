/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Logical interfaces: the modules' schema fragments and model parts (VLAN, IPIP, VXLAN). */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdlib.h>

#include "config/module.h"
#include "helpers.h"
#include "modules/ipip/ipip_msg.h"
#include "modules/vlan/vlan_msg.h"
#include "modules/vxlan/vxlan_msg.h"

#define SET_FAILS(t, msg, ...) set_fails(t, msg, N(__VA_ARGS__), W(__VA_ARGS__))

static void set_fails(struct cfg_node *t, const char *msg, int argc, const char *const *argv)
{
	struct cfg_error err;

	cr_assert_eq(cfg_set(t, argc, argv, &err), -1, "%s accepted", argv[argc - 1]);
	cr_assert(strstr(err.msg, msg), "'%s' for '%s'", err.msg, msg);
}

static struct cfg_node *load_fixture(const char *name, struct brink_model *m, struct cfg_errors *errs)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", FIXTURES, name);
	return cfg_load_file_model(path, m, errs);
}

/* ifaces.conf, loaded with its model for the tests that read it. */
static struct cfg_node *tree;
static struct brink_model model;

static void load_ifaces(void)
{
	struct cfg_errors errs;

	tree = load_fixture("ifaces.conf", &model, &errs);
	cr_assert(tree, "%s", errs_text(&errs));
}

static void free_ifaces(void)
{
	brink_model_free(&model);
	cfg_free(tree);
}

/* A segment of vni with its outer source: what every segment needs. */
static void add_vxlan(struct cfg_node *t, const char *name, const char *vni, const char *source)
{
	SET(t, "interfaces", "vxlan", name, "vni", vni);
	SET(t, "interfaces", "vxlan", name, "source-address", source);
}

static void assert_builds(const struct cfg_node *t)
{
	struct brink_model m;
	struct cfg_errors errs;

	cr_assert_eq(brink_model_build(t, &m, &errs), 0, "%s", errs_text(&errs));
	brink_model_free(&m);
}

/* The model is refused, with msg at path among the errors. */
static bool model_fails(const struct cfg_node *t, const char *path, const char *msg)
{
	struct brink_model m;
	struct cfg_errors errs;

	if (brink_model_build(t, &m, &errs) == 0) {
		brink_model_free(&m);
		return false;
	}
	cr_assert(has_error(&errs, 0, path, msg), "%s", errs_text(&errs));
	return true;
}

static const struct brink_iface *iface(const struct brink_model *m, const char *name)
{
	const struct brink_iface *i = brink_model_iface(m, name);

	cr_assert(i, "no interface %s", name);
	return i;
}

Test(config_ifaces, every_type_builds_sorted_by_name, .init = load_ifaces, .fini = free_ifaces)
{
	static const char *const names[] = {"dp0.100", "dp0.200", "dp1.7", "tun0", "tun1", "vxlan100", "vxlan200"};

	cr_assert_eq(model.n_ifaces, 7);
	for (unsigned i = 0; i < model.n_ifaces; i++)
		cr_assert_str_eq(model.ifaces[i].name, names[i]);
	cr_assert_null(brink_model_iface(&model, "dp0"));
	cr_assert_null(brink_model_iface(&model, "tun9"));
	brink_model_free(&model);
	cr_assert_eq(model.n_ifaces, 0);
	cr_assert_null(model.ifaces);
}

Test(config_ifaces, vlan, .init = load_ifaces, .fini = free_ifaces)
{
	const struct brink_iface *v = iface(&model, "dp0.100"), *w = iface(&model, "dp0.200"),
				 *x = iface(&model, "dp1.7");
	struct dp_vlan_info info;

	cr_assert_eq(v->type, DP_IFACE_VLAN);
	cr_assert_str_eq(v->parent, "dp0");
	memcpy(&info, v->info, sizeof(info));
	cr_assert_eq(info.vlan_id, 100);
	cr_assert_eq(v->mtu, 0);
	cr_assert_not(v->has_mac);
	cr_assert_not(v->disabled);
	cr_assert_eq(v->n_addrs, 1);
	cr_assert_eq(v->addrs[0].ip, 0x0a006401);
	cr_assert_eq(v->addrs[0].prefix_len, 24);
	cr_assert_eq(w->mtu, 9000);
	cr_assert(w->has_mac);
	cr_assert_eq(w->mac[4], 2);
	cr_assert(x->disabled);
	cr_assert_str_eq(x->parent, "dp1");
	cr_assert_eq(x->n_addrs, 0);
}

Test(config_ifaces, ipip, .init = load_ifaces, .fini = free_ifaces)
{
	const struct brink_iface *p2mp = iface(&model, "tun0"), *p2p = iface(&model, "tun1");
	struct dp_ipip_info info;

	cr_assert_eq(p2mp->type, DP_IFACE_IPIP);
	cr_assert_str_eq(p2mp->parent, "");
	cr_assert_eq(p2mp->mtu, 0);
	cr_assert_eq(p2mp->addrs[0].ip, 0xac1e0001);
	cr_assert_eq(p2mp->addrs[0].prefix_len, 32);
	memcpy(&info, p2mp->info, sizeof(info));
	cr_assert_eq(info.local, 0x0a000101);
	cr_assert_eq(info.remote, 0);
	cr_assert_eq(info.peer, 0x0a000100);
	cr_assert_eq(info.peer_len, 24);
	cr_assert_eq(info.ttl, 64);
	cr_assert_eq(info.flags, DP_IPIP_F_TOS_INHERIT | DP_IPIP_F_NO_PMTUD);

	cr_assert_eq(p2p->mtu, 1400);
	memcpy(&info, p2p->info, sizeof(info));
	cr_assert_eq(info.local, 0x0a000201);
	cr_assert_eq(info.remote, 0x0a000205);
	cr_assert_eq(info.peer_len, 0);
	cr_assert_eq(info.ttl, 0); /* inherit */
	cr_assert_eq(info.tos, 16);
	cr_assert_eq(info.flags, 0);
}

Test(config_ifaces, vxlan, .init = load_ifaces, .fini = free_ifaces)
{
	const struct brink_iface *a = iface(&model, "vxlan100"), *b = iface(&model, "vxlan200");
	struct dp_vxlan_info info;
	/* 02, then the low 40 bits of the FNV-1a-64 hash of "vxlan100" */
	static const uint8_t derived[6] = {0x02, 0x80, 0xc1, 0xd3, 0x7f, 0xf5};

	cr_assert_eq(a->type, DP_IFACE_VXLAN);
	memcpy(&info, a->info, sizeof(info));
	cr_assert_eq(info.vni, 100);
	cr_assert_eq(info.local, 0x0a000101);
	cr_assert_eq(info.udp_port, VXLAN_DEFAULT_PORT);
	cr_assert_eq(info.n_remotes, 2);
	cr_assert_eq(info.remotes[0], 0x0a000106); /* the order given */
	cr_assert_eq(info.remotes[1], 0x0a000105);
	cr_assert_eq(info.flags, 0);
	cr_assert_eq(info.ttl, 0);
	cr_assert(a->has_mac);
	cr_assert_arr_eq(a->mac, derived, 6);
	cr_assert_eq(a->mac[0] & 3, 2, "locally administered unicast");

	memcpy(&info, b->info, sizeof(info));
	cr_assert_eq(info.udp_port, 8472);
	cr_assert_eq(info.flags, DP_VXLAN_F_NO_LEARNING);
	cr_assert_eq(info.ttl, 10);
	cr_assert_eq(info.n_remotes, 0);
	cr_assert_eq(b->mac[5], 0xc8);

	const struct brink_items *t = &model.tables[DP_TABLE_FDB];
	const struct dp_fdb *fdb = (const struct dp_fdb *)t->v;
	cr_assert_eq(t->n, 2);
	cr_assert_eq(strncmp(fdb[0].iface, "vxlan100", sizeof(fdb[0].iface)), 0);
	cr_assert_eq(fdb[0].mac[5], 0x01); /* by MAC */
	cr_assert_eq(fdb[0].remote, 0x0a000107);
	cr_assert_eq(fdb[1].mac[3], 0xaa);
	cr_assert_eq(fdb[1].remote, 0x0a000105);
}

Test(config_ifaces, routes_and_neighbours_use_logical_interfaces, .init = load_ifaces, .fini = free_ifaces)
{
	cr_assert_eq(model.n_routes, 4);
	/* 10.10/16 via a gateway on dp0.100's subnet, 10.11/16 on dp0.200,
	 * 10.12/16 via the segment, 172.30.2.0/26 through the tunnel */
	cr_assert_eq(model.paths[model.routes[0].first_path].gateway, 0x0a006402);
	cr_assert_str_eq(model.paths[model.routes[1].first_path].ifname, "dp0.200");
	cr_assert_eq(model.paths[model.routes[2].first_path].gateway, 0xc0a83202);
	cr_assert_str_eq(model.paths[model.routes[3].first_path].ifname, "tun0");
	cr_assert_eq(model.paths[model.routes[3].first_path].gateway, 0x0a000105);
	cr_assert_eq(model.n_neighs, 1);
}

Test(config_ifaces, every_check_with_file_line_and_path)
{
	struct brink_model m;
	struct cfg_errors errs;
	struct {
		int line;
		const char *path, *msg;
	} const want[] = {
		{5, "interfaces dataplane dp0 vif 10 mtu", "mtu 9000 is larger than the MTU of dp0 (1500)"},
		{6, "interfaces dataplane dp0 vif 20 address", "subnet 10.0.1.0/24 overlaps subnet 10.0.1.0/24 of dp0"},
		{8, "interfaces dataplane portnamedlong15 vif 100",
		 "the interface name 'portnamedlong15.100' is longer than 15 characters"},
		{11, "interfaces tunnel tun0 encapsulation", "encapsulation gre is not supported: only ipip"},
		{12, "interfaces tunnel tun1", "'encapsulation' is required"},
		{13, "interfaces tunnel tun2 source-address",
		 "source-address 10.9.9.9 is not an address of the router"},
		{14, "interfaces tunnel tun3 source-address", "source-address 172.30.9.1 is an address of tun3 itself"},
		{15, "interfaces tunnel tun4 remote", "remote 10.0.1.1 is the source-address"},
		{16, "interfaces tunnel tun5 peer-prefix", "peer-prefix is for a tunnel without remote"},
		{17, "interfaces tunnel tun6 address", "address 10.0.2.1 is also configured on dp1"},
		{18, "interfaces tunnel dp1", "there is another interface named 'dp1'"},
		{21, "interfaces vxlan vxlan1", "'vni' is required"},
		{23, "interfaces vxlan vxlan3 vni", "vni 5 is also used by vxlan2"},
		{23, "interfaces vxlan vxlan3 remote", "remote 10.0.1.1 is the source-address"},
		{24, "interfaces vxlan vxlan4 source-address",
		 "source-address 10.0.3.3 is not an address of the router"},
		{25, "interfaces vxlan vxlan4 fdb 52:54:00:aa:bb:cc remote", "remote 10.0.2.1 is an address of dp1"},
		{28, "protocols static route 10.60.0.0/16 interface dp0.999", "no interface named 'dp0.999'"},
	};

	cr_assert_null(load_fixture("ifaces_semantic.conf", &m, &errs));
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		cr_assert(has_error(&errs, want[i].line, want[i].path, want[i].msg), "line %d %s: %s\n%s", want[i].line,
			  want[i].path, want[i].msg, errs_text(&errs));
	cr_assert_eq(errs.count, sizeof(want) / sizeof(want[0]), "%s", errs_text(&errs));
	cr_assert(strstr(errs_text(&errs), "ifaces_semantic.conf:11: interfaces tunnel tun0 encapsulation"));
}

Test(config_ifaces, values_refused_when_set)
{
	struct cfg_node *t = one_port("10.0.1.1/24");
	char ip[16];

	SET_FAILS(t, "out of range 1-4094", "interfaces", "dataplane", "dp0", "vif", "4095");
	SET_FAILS(t, "is not one of: gre,", "interfaces", "tunnel", "tun0", "encapsulation", "vti");
	SET_FAILS(t, "neither a number 0-255 nor one of: inherit", "interfaces", "tunnel", "tun0", "parameters", "ip",
		  "tos", "high");
	SET_FAILS(t, "out of range 0-255", "interfaces", "tunnel", "tun0", "parameters", "ip", "tos", "256");
	SET_FAILS(t, "out of range 1-16777215", "interfaces", "vxlan", "vxlan0", "vni", "16777216");
	SET_FAILS(t, "is not a name", "interfaces", "vxlan", "vx.1", "vni", "1");
	SET_FAILS(t, "is a multicast MAC", "interfaces", "vxlan", "vxlan0", "fdb", "01:00:5e:00:00:01", "remote",
		  "10.0.1.5");
	for (int i = 0; i < DP_VXLAN_REMOTES_MAX; i++) {
		snprintf(ip, sizeof(ip), "10.0.1.%d", 100 + i);
		SET(t, "interfaces", "vxlan", "vxlan0", "remote", ip);
	}
	SET_FAILS(t, "at most 16 values", "interfaces", "vxlan", "vxlan0", "remote", "10.0.1.200");
	cfg_free(t);
}

Test(config_ifaces, interface_names_take_a_vlan)
{
	struct cfg_node *t = one_port("10.0.1.1/24");
	static const char *const bad[] = {"dp0.0",   "dp0.4095", "dp0.",   "dp0.01",
					  "dp0.1.2", ".100",     "dp0.1x", "averylongname.10"};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		SET_FAILS(t, "is not an interface name", "protocols", "static", "route", "10.1.0.0/16", "interface",
			  bad[i]);
	SET(t, "interfaces", "dataplane", "dp0", "vif", "100", "address", "10.0.100.1/24");
	SET(t, "protocols", "static", "route", "10.1.0.0/16", "interface", "dp0.100");
	SET(t, "protocols", "static", "route", "10.2.0.0/16", "next-hop", "10.0.1.9", "interface", "dp0.4094");
	cr_assert(model_fails(t, "protocols static route 10.2.0.0/16 next-hop 10.0.1.9",
			      "next-hop 10.0.1.9: no interface named 'dp0.4094'"));
	SET(t, "interfaces", "dataplane", "dp0", "vif", "4094");
	assert_builds(t);
	cfg_free(t);
}

Test(config_ifaces, vlan_mtu_is_bounded_by_the_ports)
{
	struct cfg_node *t = one_port("10.0.1.1/24");

	SET(t, "interfaces", "dataplane", "dp0", "vif", "100", "mtu", "1500");
	assert_builds(t);
	SET(t, "interfaces", "dataplane", "dp0", "vif", "100", "mtu", "1501");
	cr_assert(model_fails(t, "interfaces dataplane dp0 vif 100 mtu", "larger than the MTU of dp0 (1500)"));
	SET(t, "interfaces", "dataplane", "dp0", "mtu", "9000");
	assert_builds(t);
	cfg_free(t);
}

Test(config_ifaces, sources_may_be_any_interfaces_address)
{
	struct cfg_node *t = one_port("10.0.1.1/24");

	/* a tunnel over a VLAN, a segment over the tunnel: built by other modules */
	SET(t, "interfaces", "dataplane", "dp0", "vif", "100", "address", "10.0.100.1/24");
	SET(t, "interfaces", "tunnel", "tun0", "encapsulation", "ipip");
	SET(t, "interfaces", "tunnel", "tun0", "source-address", "10.0.100.1");
	SET(t, "interfaces", "tunnel", "tun0", "address", "172.30.0.1/30");
	add_vxlan(t, "vxlan5", "5", "172.30.0.1");
	SET(t, "interfaces", "vxlan", "vxlan5", "remote", "172.30.0.2");
	assert_builds(t);
	SET(t, "interfaces", "vxlan", "vxlan5", "remote", "10.0.1.1");
	cr_assert(model_fails(t, "interfaces vxlan vxlan5 remote",
			      "remote 10.0.1.1 is an address of dp0: a remote end is another host"));
	cfg_free(t);
}

Test(config_ifaces, vni_is_unique_per_source_and_port)
{
	struct cfg_node *t = one_port("10.0.1.1/24");

	SET(t, "interfaces", "dataplane", "dp0", "address", "10.0.9.1/24");
	add_vxlan(t, "vxlan1", "7", "10.0.1.1");
	add_vxlan(t, "vxlan2", "7", "10.0.9.1");
	assert_builds(t);
	SET(t, "interfaces", "vxlan", "vxlan2", "source-address", "10.0.1.1");
	cr_assert(model_fails(t, "interfaces vxlan vxlan2 vni", "vni 7 is also used by vxlan1"));
	SET(t, "interfaces", "vxlan", "vxlan2", "port", "8472");
	assert_builds(t);
	cfg_free(t);
}

Test(config_ifaces, derived_macs_differ_by_name)
{
	struct cfg_node *t = one_port("10.0.1.1/24");
	struct brink_model m;
	struct cfg_errors errs;

	add_vxlan(t, "vxlan1", "1", "10.0.1.1");
	add_vxlan(t, "vxlan2", "2", "10.0.1.1");
	cr_assert_eq(brink_model_build(t, &m, &errs), 0, "%s", errs_text(&errs));
	cr_assert_neq(memcmp(m.ifaces[0].mac, m.ifaces[1].mac, 6), 0);
	brink_model_free(&m);
	cfg_free(t);
}

Test(config_ifaces, round_trip_and_render_order, .init = load_ifaces, .fini = free_ifaces)
{
	struct cfg_errors errs;
	struct cfg_node *t2;
	char *r1 = cfg_render(tree), *r2;
	const char *dp, *vif, *tunnel, *vxlan;

	t2 = cfg_load_string(r1, "rendered", &errs);
	cr_assert(t2, "%s\n%s", errs_text(&errs), r1);
	cr_assert(cfg_equal(tree, t2));
	r2 = cfg_render(t2);
	cr_assert_str_eq(r2, r1);
	/* the core's children first, then the modules' in the order they registered */
	dp = strstr(r1, "dataplane = (");
	vif = strstr(r1, "vif = (");
	tunnel = strstr(r1, "tunnel = (");
	vxlan = strstr(r1, "vxlan = (");
	cr_assert(dp && vif && tunnel && vxlan, "%s", r1);
	cr_assert(dp < vif && vif < tunnel && tunnel < vxlan, "%s", r1);
	cr_assert(strstr(r1, "{ id = 100; address = [ \"10.0.100.1/24\" ]; description = \"storage\"; }"), "%s", r1);
	cr_assert(strstr(r1, "tos = \"16\";"), "%s", r1);
	free(r1);
	free(r2);
	cfg_free(t2);
}

Test(config_ifaces, commands_and_compare_list_them, .init = load_ifaces, .fini = free_ifaces)
{
	struct cfg_node *t2 = cfg_clone(tree);
	char *cmds = cfg_to_commands(tree), *diff;
	const char *port, *vif, *tun;

	port = strstr(cmds, "set interfaces dataplane dp0 device net_null0\n");
	vif = strstr(cmds, "set interfaces dataplane dp0 vif 100 address 10.0.100.1/24\n");
	tun = strstr(cmds, "set interfaces tunnel tun0 encapsulation ipip\n");
	cr_assert(port && vif && tun && port < vif && vif < tun, "%s", cmds);
	cr_assert(strstr(cmds, "set interfaces tunnel tun0 parameters ip tos inherit\n"), "%s", cmds);
	cr_assert(strstr(cmds, "set interfaces tunnel tun0 parameters ip no-pmtu-discovery\n"), "%s", cmds);
	cr_assert(strstr(cmds, "set interfaces vxlan vxlan100 fdb 52:54:00:aa:bb:cc remote 10.0.1.5\n"), "%s", cmds);
	cr_assert(strstr(cmds, "set interfaces vxlan vxlan100 remote 10.0.1.6\n"), "%s", cmds);
	cr_assert(strstr(cmds, "set protocols static route 10.11.0.0/16 interface dp0.200\n"), "%s", cmds);

	SET(t2, "interfaces", "dataplane", "dp0", "vif", "300", "disable");
	cr_assert_eq(cfg_delete(t2, 5, W("interfaces", "vxlan", "vxlan100", "fdb", "52:54:00:aa:bb:cc"),
				&(struct cfg_error){0}),
		     0);
	diff = cfg_compare(tree, t2);
	cr_assert(strstr(diff, "+ set interfaces dataplane dp0 vif 300 disable\n"), "%s", diff);
	cr_assert(strstr(diff, "- set interfaces vxlan vxlan100 fdb 52:54:00:aa:bb:cc remote 10.0.1.5\n"), "%s", diff);
	free(cmds);
	free(diff);
	cfg_free(t2);
}

Test(config_ifaces, json_shows_them, .init = load_ifaces, .fini = free_ifaces)
{
	json_t *j = cfg_to_json(tree);
	json_t *ifs = json_object_get(j, "interfaces");
	json_t *tun0 = json_object_get(json_object_get(ifs, "tunnel"), "tun0");
	json_t *vx = json_object_get(json_object_get(ifs, "vxlan"), "vxlan100");
	json_t *vif = json_object_get(json_object_get(json_object_get(json_object_get(ifs, "dataplane"), "dp0"), "vif"),
				      "100");

	cr_assert_str_eq(json_string_value(
				 json_object_get(json_object_get(json_object_get(tun0, "parameters"), "ip"), "tos")),
			 "inherit");
	cr_assert_eq(json_integer_value(json_object_get(vx, "vni")), 100);
	cr_assert_str_eq(json_string_value(
				 json_object_get(json_object_get(json_object_get(vx, "fdb"), "52:54:00:00:00:01"),
						 "remote")),
			 "10.0.1.7");
	cr_assert_str_eq(json_string_value(json_object_get(vif, "description")), "storage");
	json_decref(j);
}

Test(config_ifaces, module_schema_in_completion_and_help)
{
	struct cfg_node *t = one_port("10.0.1.1/24");
	struct cfg_completion c[32];
	int n;
	bool tunnel = false, vxlan = false, inherit = false, vif = false;

	n = cfg_complete(t, 1, W("interfaces"), "", c, 32);
	for (int i = 0; i < n; i++) {
		tunnel |= strcmp(c[i].word, "tunnel") == 0 && strstr(c[i].help, "IP-in-IP");
		vxlan |= strcmp(c[i].word, "vxlan") == 0 && strstr(c[i].help, "VXLAN");
	}
	cr_assert(tunnel && vxlan);
	n = cfg_complete(t, 3, W("interfaces", "dataplane", "dp0"), "v", c, 32);
	for (int i = 0; i < n; i++)
		vif |= strcmp(c[i].word, "vif") == 0;
	cr_assert(vif);
	n = cfg_complete(t, 6, W("interfaces", "tunnel", "tun0", "parameters", "ip", "tos"), "", c, 32);
	cr_assert_str_eq(c[0].word, "<0-255>|inherit");
	for (int i = 0; i < n; i++)
		inherit |= strcmp(c[i].word, "inherit") == 0;
	cr_assert(inherit);
	n = cfg_complete(t, 3, W("interfaces", "vxlan", "vxlan0"), "f", c, 32);
	cr_assert_eq(n, 1);
	cr_assert_str_eq(c[0].word, "fdb");
	cfg_free(t);
}

Test(config_ifaces, a_subtree_of_a_module, .init = load_ifaces, .fini = free_ifaces)
{
	struct cfg_node *s = cfg_subtree(tree, 4, W("interfaces", "dataplane", "dp0", "vif"));
	char *cmds = cfg_to_commands(s);

	cr_assert(strstr(cmds, "set interfaces dataplane dp0 vif 200 mtu 9000\n"), "%s", cmds);
	cr_assert_null(strstr(cmds, "device"), "%s", cmds);
	free(cmds);
	cfg_free(s);
}

static const struct cfg_schema stray[] = {
	{.name = "dataplane", .help = "A name the node has already", .kind = CFG_FLAG},
};

/* Each test runs in a process of its own: the schema is not built yet. */
Test(config_schema, a_fragment_under_a_path_that_names_nothing_aborts, .signal = SIGABRT)
{
	cfg_schema_extend("interfaces nowhere", stray, 1);
	cfg_schema();
}

Test(config_schema, a_fragment_with_a_name_the_node_has_aborts, .signal = SIGABRT)
{
	cfg_schema_extend("interfaces", stray, 1);
	cfg_schema();
}

Test(config_schema, a_fragment_registered_once_the_schema_is_used_aborts, .signal = SIGABRT)
{
	cfg_schema();
	cfg_schema_extend("protocols", stray, 1);
}
