/* SPDX-License-Identifier: GPL-2.0-or-later */
/* "show interfaces" lists ports and logical interfaces; the modules'
 * commands ("show interfaces tunnel", "show interfaces vxlan", "show vxlan
 * fdb") decode their types' settings; text and JSON, against the mock
 * dataplane. */
#include <criterion/criterion.h>

#include "helpers.h"
#include "mock_dp.h"

static struct mock_dp mock;
static struct fixture f;

/* A vif on dp0, a point-to-multipoint tunnel, a point-to-point one and a
 * segment with two static entries, in the dump in this order after dp0 and
 * dp1 (so their rx packets are 300, 400, 500 and 600). */
static void setup(void)
{
	struct dp_ipip_info p2mp = {.local = 0xac1e0101,
				    .peer = 0x0a000200,
				    .peer_len = 24,
				    .flags = DP_IPIP_F_TOS_INHERIT};
	struct dp_ipip_info p2p = {
		.local = 0xac1e0101, .remote = 0x0a000205, .ttl = 64, .tos = 16, .flags = DP_IPIP_F_NO_PMTUD};
	struct brink_iface v[] = {test_vif("dp0", 100, "10.0.100.1/24"), test_tunnel("tun0", &p2mp),
				  test_tunnel("tun1", &p2p), test_segment("vxlan100", 100)};
	struct dp_fdb e[] = {test_fdb("vxlan100", "52:54:00:aa:bb:cd", "172.30.1.6"),
			     test_fdb("vxlan100", "52:54:00:aa:bb:cc", "172.30.1.5")};

	fixture_start_mock(&f, &mock);
	v[0].has_mac = true;
	memcpy(v[0].mac, (uint8_t[]){2, 0, 0, 0, 1, 0}, 6);
	v[2].disabled = true;
	v[3].has_mac = true;
	memcpy(v[3].mac, (uint8_t[]){2, 0, 0, 0, 0x64, 0}, 6);
	push_ifaces(&f, v, 4, e, 2);
}

static void teardown(void)
{
	drop_ifaces(&f);
	fixture_stop_mock(&f, &mock);
}

TestSuite(iface_show, .init = setup, .fini = teardown);

static json_t *json_of(const char *line)
{
	json_error_t jerr;
	json_t *j = json_loads(run_json(&f, line, true, 0), 0, &jerr);

	cr_assert(json_is_array(j), "%s: %s", line, jerr.text);
	return j;
}

static const char *jstr(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

Test(iface_show, show_interfaces_lists_ports_then_logical_interfaces)
{
	const char *out = run_ok(&f, "show interfaces");
	const char *dp1 = strstr(out, "dp1: net_null1 (driver net_null)\n");
	const char *vif = strstr(out, "dp0.100: vlan 100 on dp0\n"
				      "  mac 02:00:00:00:01:00  mtu 1500  admin up  oper up  parent dp0\n"
				      "  address 10.0.100.1/24\n"
				      "  rx packets 300  bytes 19200  dropped 3\n"
				      "  tx packets 150  bytes 9600  dropped 0\n");
	cr_assert(dp1 && vif && dp1 < vif, "ports first, then the vif:\n%s", out);
	assert_has(out, "tun0: tunnel ipip 172.30.1.1 to any (point-to-multipoint)\n  mac -  mtu 1500  admin up");
	assert_has(out, "tun1: tunnel ipip 172.30.1.1 to 10.0.2.5\n  mac -  mtu 1500  admin down  oper down\n");
	assert_has(out, "vxlan100: vxlan vni 100\n  mac 02:00:00:00:64:00");
	assert_lacks(out, "learning");
	assert_lacks(out, "peer-prefix");

	json_t *j = json_of("show interfaces");
	cr_assert_eq(json_array_size(j), 3 + 4, "the ports, the one the dataplane lacks, the logical ones");
	cr_assert_str_eq(jstr(json_array_get(j, 0), "type"), "ethernet");
	cr_assert_str_eq(jstr(json_array_get(j, 0), "device"), "net_null0", "a port keeps its fields");
	json_t *vlan = json_array_get(j, 3);
	cr_assert_str_eq(jstr(vlan, "name"), "dp0.100");
	cr_assert_str_eq(jstr(vlan, "type"), "vlan");
	cr_assert_str_eq(jstr(vlan, "parent"), "dp0");
	cr_assert_str_eq(jstr(vlan, "mac"), "02:00:00:00:01:00");
	cr_assert(json_is_true(json_object_get(vlan, "oper_up")));
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(vlan, "vlan"), "vlan_id")), 100);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(vlan, "rx"), "packets")), 300);
	cr_assert_str_eq(json_string_value(json_array_get(json_object_get(vlan, "addresses"), 0)), "10.0.100.1/24");
	json_t *tun = json_array_get(j, 4);
	cr_assert(json_is_null(json_object_get(tun, "mac")), "a tunnel has no MAC");
	cr_assert(json_is_null(json_object_get(tun, "parent")));
	cr_assert_str_eq(jstr(json_object_get(tun, "tunnel"), "encapsulation"), "ipip");
	json_decref(j);
}

Test(iface_show, one_interface_by_name)
{
	const char *out = run_ok(&f, "show interfaces vxlan100");
	assert_has(out, "vxlan100: vxlan vni 100\n");
	assert_lacks(out, "dp0");
	json_t *j = json_of("show interfaces dp0.100");
	cr_assert_eq(json_array_size(j), 1);
	cr_assert_str_eq(jstr(json_array_get(j, 0), "name"), "dp0.100");
	json_decref(j);
	cr_assert_str_eq(run_err(&f, "show interfaces dp0.200"), "show interfaces: no interface named 'dp0.200'\n");
	assert_has(run_ok(&f, "show interfaces dp1"), "dp1: net_null1");
}

Test(iface_show, modules_register_their_commands)
{
	const char *out = run_ok(&f, "show interfaces ?");
	assert_has(out, "  tunnel ");
	assert_has(out, "  vxlan ");
	assert_has(run_ok(&f, "show ?"), "  vxlan ");
	assert_has(run_ok(&f, "show interfaces vxlan ?"), "vxlan100");
	assert_lacks(run_ok(&f, "show interfaces tunnel ?"), "vxlan100");
}

Test(iface_show, tunnels_in_full)
{
	const char *out = run_ok(&f, "show interfaces tunnel");
	assert_has(out, "tun0: tunnel ipip 172.30.1.1 to any (point-to-multipoint)\n");
	assert_has(out, "  address 172.30.0.1/32\n"
			"  encapsulation ipip  source 172.30.1.1  remote any (point-to-multipoint)  peer-prefix "
			"10.0.2.0/24\n"
			"  ttl inherit  tos inherit  pmtu-discovery on\n"
			"  rx packets 400 ");
	assert_has(out, "  encapsulation ipip  source 172.30.1.1  remote 10.0.2.5\n"
			"  ttl 64  tos 16  pmtu-discovery off\n");
	assert_lacks(out, "vxlan100");
	assert_lacks(out, "dp0.100");
	assert_lacks(run_ok(&f, "show interfaces tunnel tun1"), "tun0");

	json_t *j = json_of("show interfaces tunnel");
	cr_assert_eq(json_array_size(j), 2);
	json_t *p2mp = json_object_get(json_array_get(j, 0), "tunnel");
	cr_assert_str_eq(jstr(p2mp, "source"), "172.30.1.1");
	cr_assert(json_is_null(json_object_get(p2mp, "remote")));
	cr_assert(json_is_true(json_object_get(p2mp, "point_to_multipoint")));
	cr_assert_str_eq(jstr(p2mp, "peer_prefix"), "10.0.2.0/24");
	cr_assert(json_is_null(json_object_get(p2mp, "ttl")), "inherited: null");
	cr_assert(json_is_null(json_object_get(p2mp, "tos")));
	json_t *p2p = json_object_get(json_array_get(j, 1), "tunnel");
	cr_assert_str_eq(jstr(p2p, "remote"), "10.0.2.5");
	cr_assert(json_is_null(json_object_get(p2p, "peer_prefix")));
	cr_assert_eq(json_integer_value(json_object_get(p2p, "ttl")), 64);
	cr_assert_eq(json_integer_value(json_object_get(p2p, "tos")), 16);
	cr_assert(json_is_false(json_object_get(p2p, "pmtu_discovery")));
	json_decref(j);
	cr_assert_str_eq(run_err(&f, "show interfaces tunnel vxlan100"),
			 "show interfaces tunnel: no tunnel interface named 'vxlan100'\n");
}

Test(iface_show, segments_in_full)
{
	const char *out = run_ok(&f, "show interfaces vxlan");
	assert_has(out, "vxlan100: vxlan vni 100\n"
			"  mac 02:00:00:00:64:00  mtu 1500  admin up  oper up\n"
			"  address 192.168.50.1/24\n"
			"  vni 100  source 172.30.1.1  port 4789  ttl 64  learning on\n"
			"  remotes 172.30.1.5\n"
			"  rx packets 600 ");
	assert_lacks(out, "tun0");

	json_t *j = json_of("show interfaces vxlan vxlan100");
	cr_assert_eq(json_array_size(j), 1);
	json_t *x = json_object_get(json_array_get(j, 0), "vxlan");
	cr_assert_eq(json_integer_value(json_object_get(x, "vni")), 100);
	cr_assert_eq(json_integer_value(json_object_get(x, "port")), 4789, "0 on the wire: the default");
	cr_assert(json_is_true(json_object_get(x, "learning")));
	cr_assert_str_eq(json_string_value(json_array_get(json_object_get(x, "remotes"), 0)), "172.30.1.5");
	json_decref(j);
	cr_assert_str_eq(run_err(&f, "show interfaces vxlan tun0"),
			 "show interfaces vxlan: no vxlan interface named 'tun0'\n");
}

Test(iface_show, a_segment_without_remotes_or_learning)
{
	struct dp_vxlan_info info = {
		.vni = 7, .local = 0xac1e0101, .udp_port = 8472, .ttl = 9, .flags = DP_VXLAN_F_NO_LEARNING};
	struct brink_iface v = test_iface("vxlan7", DP_IFACE_VXLAN, "", NULL);

	memcpy(v.info, &info, sizeof(info));
	push_ifaces(&f, &v, 1, NULL, 0);
	assert_has(run_ok(&f, "show interfaces vxlan"),
		   "  vni 7  source 172.30.1.1  port 8472  ttl 9  learning off\n  remotes none\n");
}

Test(iface_show, the_fdb_static_and_learned)
{
	mock.fdb_learned[0] = (struct dp_fdb_info){.iface = "vxlan100",
						   .mac = {0x52, 0x54, 0, 0xaa, 0xbb, 0xc0},
						   .remote = 0xac1e0107,
						   .age_s = 12};
	mock.fdb_learned[1] = (struct dp_fdb_info){.iface = "vxlan9",
						   .mac = {0x52, 0x54, 0, 0xaa, 0xbb, 0xc1},
						   .remote = 0xac1e0108,
						   .age_s = 3};
	mock.n_fdb_learned = 2;
	const char *out = run_ok(&f, "show vxlan fdb");
	cr_assert_str_eq(out, "Interface        MAC               Remote          Type     Age(s)\n"
			      "vxlan100         52:54:00:aa:bb:c0 172.30.1.7      learned      12\n"
			      "vxlan100         52:54:00:aa:bb:cc 172.30.1.5      static        -\n"
			      "vxlan100         52:54:00:aa:bb:cd 172.30.1.6      static        -\n"
			      "vxlan9           52:54:00:aa:bb:c1 172.30.1.8      learned       3\n");
	assert_lacks(run_ok(&f, "show vxlan fdb vxlan100"), "vxlan9 ");

	json_t *j = json_of("show vxlan fdb vxlan100");
	cr_assert_eq(json_array_size(j), 3);
	json_t *learned = json_array_get(j, 0), *fixed = json_array_get(j, 1);
	cr_assert_str_eq(jstr(learned, "mac"), "52:54:00:aa:bb:c0");
	cr_assert(json_is_false(json_object_get(learned, "static")));
	cr_assert_eq(json_integer_value(json_object_get(learned, "age_s")), 12);
	cr_assert_str_eq(jstr(fixed, "remote"), "172.30.1.5");
	cr_assert(json_is_true(json_object_get(fixed, "static")));
	cr_assert(json_is_null(json_object_get(fixed, "age_s")), "a static entry has no age");
	json_decref(j);
	cr_assert_str_eq(run_err(&f, "show vxlan fdb tun0"), "show vxlan fdb: no vxlan interface named 'tun0'\n");
}

Test(iface_show, configured_interfaces_the_dataplane_does_not_run)
{
	struct brink_iface v[] = {test_vif("dp0", 100, "10.0.100.1/24"), test_vif("dp2", 5, "10.9.5.1/24")};

	push_ifaces(&f, v, 2, NULL, 0);
	const char *out = run_ok(&f, "show interfaces");
	assert_has(out, "dp0.100: vlan 100 on dp0\n");
	assert_has(out, "dp2.5: vlan\n  not in dataplane (its port dp2 is not)\n");
	json_t *j = json_of("show interfaces dp2.5"), *k = json_of("show interfaces dp0.100");
	json_t *absent = json_array_get(j, 0), *vif = json_array_get(k, 0);
	cr_assert(json_is_false(json_object_get(absent, "in_dataplane")));
	cr_assert(json_is_true(json_object_get(vif, "in_dataplane")));
	cr_assert(json_is_null(json_object_get(absent, "rx")), "null for what only the dataplane knows");
	cr_assert(json_is_null(json_object_get(absent, "mtu")), "the type's default, which the dataplane decides");
	cr_assert_eq(json_object_size(absent), json_object_size(vif), "the same keys");
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(absent, "vlan"), "vlan_id")), 5);
	cr_assert_str_eq(json_string_value(json_array_get(json_object_get(absent, "addresses"), 0)), "10.9.5.1/24");
	json_decref(j);
	json_decref(k);

	mock.run.n_ifaces = 0; /* as a resync that could not apply it leaves it */
	assert_has(run_ok(&f, "show interfaces dp0.100"),
		   "dp0.100: vlan\n  not in dataplane (refused: see show dataplane)\n");
}
