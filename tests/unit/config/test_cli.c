/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CLI edits, command lists, comparison, completion and JSON. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "helpers.h"

/* Runs a whole "set ..." line (as cfg_to_commands writes it). */
static int set_line(struct cfg_node *t, const char *line, struct cfg_error *err)
{
	char store[16][256];
	const char *argv[16];
	int n = split_words(line, store, argv, 16);

	cr_assert(n > 0 && strcmp(argv[0], "set") == 0);
	return cfg_set(t, n - 1, argv + 1, err);
}

static struct cfg_node *sample(void)
{
	struct cfg_node *t = cfg_new();

	SET(t, "system", "dataplane", "worker", "0", "cpu", "1");
	SET(t, "interfaces", "dataplane", "dp0", "device", "net_af_packet0,iface=veth-dp0");
	SET(t, "interfaces", "dataplane", "dp0", "address", "172.30.1.1/24");
	SET(t, "interfaces", "dataplane", "dp1", "device", "net_af_packet1,iface=veth-dp1");
	SET(t, "interfaces", "dataplane", "dp1", "address", "192.168.10.1/24");
	SET(t, "protocols", "static", "route", "10.20.0.0/16", "next-hop", "192.168.10.2");
	return t;
}

Test(config_cli, set_builds_a_valid_model)
{
	struct cfg_node *t = sample();
	struct brink_model m;
	struct cfg_errors errs;

	SET(t, "interfaces", "dataplane", "dp0", "disable");
	SET(t, "interfaces", "dataplane", "dp0", "mtu", "1500");
	SET(t, "interfaces", "dataplane", "dp0", "mtu", "09000"); /* replaces; stored canonical */
	cr_assert_eq(brink_model_build(t, &m, &errs), 0, "%s", errs_text(&errs));
	cr_assert_eq(m.n_ports, 2);
	cr_assert(m.ports[0].disabled);
	cr_assert_eq(m.ports[0].mtu, 9000);
	cr_assert_eq(m.n_routes, 1);
	brink_model_free(&m);
	cfg_free(t);
}

Test(config_cli, set_errors)
{
	struct cfg_node *t = sample(), *before = cfg_clone(t);
	struct cfg_error err;

	cr_assert_eq(cfg_set(t, 5, W("interfaces", "dataplane", "dp0", "mtu", "20"), &err), -1);
	cr_assert_str_eq(err.path, "interfaces dataplane dp0 mtu");
	cr_assert_str_eq(err.msg, "'20' is out of range 68-9000");

	cr_assert_eq(cfg_set(t, 2, W("interfaces", "foo"), &err), -1);
	cr_assert_str_eq(err.path, "interfaces");
	cr_assert_str_eq(err.msg, "unknown setting 'foo'");

	cr_assert_eq(cfg_set(t, 4, W("interfaces", "dataplane", "dp0", "adress"), &err), -1);
	cr_assert_str_eq(err.msg, "unknown setting 'adress' (did you mean 'address'?)");

	cr_assert_eq(cfg_set(t, 5, W("interfaces", "dataplane", "dp2", "address", "10.0.0.300/24"), &err), -1);
	cr_assert_str_eq(err.msg, "'10.0.0.300/24' is not an IPv4 prefix");

	cr_assert_eq(cfg_set(t, 3, W("interfaces", "dataplane", "Dp0"), &err), -1);
	cr_assert_str_eq(err.path, "interfaces dataplane");

	cr_assert_eq(cfg_set(t, 5, W("interfaces", "dataplane", "dp0", "mac", "01:00:5e:00:00:01"), &err), -1);
	cr_assert_str_eq(err.msg, "'01:00:5e:00:00:01' is a multicast MAC address");

	cr_assert_eq(cfg_set(t, 5, W("system", "dataplane", "punt", "type", "pcap"), &err), -1);
	cr_assert_str_eq(err.msg, "'pcap' is not one of: tap, virtio-user");

	cr_assert_eq(cfg_set(t, 4, W("interfaces", "dataplane", "dp0", "mtu"), &err), -1);
	cr_assert_str_eq(err.msg, "incomplete command: <68-9000> expected");

	cr_assert_eq(cfg_set(t, 1, W("system"), &err), -1);
	cr_assert_eq(cfg_set(t, 5, W("interfaces", "dataplane", "dp0", "disable", "now"), &err), -1);
	cr_assert_str_eq(err.msg, "unexpected 'now'");
	cr_assert_eq(cfg_set(t, 6, W("interfaces", "dataplane", "dp0", "mtu", "1500", "x"), &err), -1);

	cr_assert_eq(cfg_set(t, 5, W("protocols", "static", "route", "10.0.0.1/8", "blackhole"), &err), -1);
	cr_assert_str_eq(err.msg, "'10.0.0.1/8' has host bits set (did you mean 10.0.0.0/8?)");

	cr_assert(cfg_equal(t, before), "a failed set changed the tree");
	cfg_free(t);
	cfg_free(before);
}

Test(config_cli, leaf_list_add_delete)
{
	struct cfg_node *t = sample();
	struct cfg_error err;
	char addr[32];
	char *cmds;

	SET(t, "interfaces", "dataplane", "dp0", "address", "172.30.2.1/24");
	SET(t, "interfaces", "dataplane", "dp0", "address", "172.30.1.1/24"); /* already there: no-op */
	cmds = cfg_to_commands(t);
	cr_assert(strstr(cmds, "set interfaces dataplane dp0 address 172.30.1.1/24\n"
			       "set interfaces dataplane dp0 address 172.30.2.1/24\n"),
		  "%s", cmds);
	free(cmds);
	for (int i = 3; i <= 8; i++) {
		snprintf(addr, sizeof(addr), "172.30.%d.1/24", i);
		SET(t, "interfaces", "dataplane", "dp0", "address", addr);
	}
	cr_assert_eq(cfg_set(t, 5, W("interfaces", "dataplane", "dp0", "address", "172.30.9.1/24"), &err), -1);
	cr_assert_str_eq(err.msg, "at most 8 values");

	cr_assert_eq(cfg_delete(t, 5, W("interfaces", "dataplane", "dp0", "address", "172.30.1.1/24"), &err), 0);
	cr_assert_eq(cfg_delete(t, 5, W("interfaces", "dataplane", "dp0", "address", "172.30.1.1/24"), &err), -1);
	cr_assert_str_eq(err.msg, "not configured");
	cmds = cfg_to_commands(t);
	cr_assert_null(strstr(cmds, "172.30.1.1/24"));
	cr_assert(strstr(cmds, "172.30.8.1/24"));
	free(cmds);
	cr_assert_eq(cfg_delete(t, 4, W("interfaces", "dataplane", "dp0", "address"), &err), 0);
	cmds = cfg_to_commands(t);
	cr_assert_null(strstr(cmds, "dp0 address"));
	cr_assert(strstr(cmds, "set interfaces dataplane dp0 device"));
	free(cmds);
	cfg_free(t);
}

Test(config_cli, delete)
{
	struct cfg_node *t = sample();
	struct cfg_error err;
	char *cmds;

	cr_assert_eq(cfg_delete(t, 4, W("protocols", "static", "route", "10.30.0.0/16"), &err), -1);
	cr_assert_str_eq(err.path, "protocols static route 10.30.0.0/16");
	cr_assert_str_eq(err.msg, "not configured");
	cr_assert_eq(cfg_delete(t, 4, W("interfaces", "dataplane", "dp0", "mtu"), &err), -1);
	cr_assert_eq(cfg_delete(t, 2, W("interfaces", "bogus"), &err), -1);
	cr_assert_eq(cfg_delete(t, 0, W(""), &err), -1);
	cr_assert_eq(cfg_delete(t, 5, W("protocols", "static", "route", "10.20.0.0/16", "next-hop"), &err), 0);
	/* the route entry stays, now empty */
	cmds = cfg_to_commands(t);
	cr_assert(strstr(cmds, "set protocols static route 10.20.0.0/16\n"), "%s", cmds);
	free(cmds);
	cr_assert_eq(cfg_delete(t, 4, W("protocols", "static", "route", "10.20.0.0/16"), &err), 0);
	cmds = cfg_to_commands(t);
	cr_assert_null(strstr(cmds, "protocols"), "%s", cmds);
	free(cmds);
	/* empty containers are pruned, so the tree equals one built without the route */
	struct cfg_node *t2 = sample();
	cr_assert_eq(cfg_delete(t2, 1, W("protocols"), &err), 0);
	cr_assert(cfg_equal(t, t2));
	cr_assert_eq(cfg_delete(t2, 5, W("interfaces", "dataplane", "dp1", "device", "other"), &err), -1);
	cr_assert_eq(cfg_delete(t2, 5, W("interfaces", "dataplane", "dp1", "device", "net_af_packet1,iface=veth-dp1"),
				&err),
		     0);
	cr_assert_eq(cfg_delete(t2, 3, W("interfaces", "dataplane", "dp0"), &err), 0);
	cr_assert_eq(cfg_delete(t2, 3, W("interfaces", "dataplane", "dp1"), &err), 0);
	cr_assert_eq(cfg_delete(t2, 1, W("system"), &err), 0);
	char *left = cfg_to_commands(t2);
	cr_assert_str_eq(left, "");
	free(left);
	cfg_free(t);
	cfg_free(t2);
}

Test(config_cli, commands_replay)
{
	char path[512];
	struct cfg_errors errs;
	struct cfg_node *t, *t2 = cfg_new();
	struct cfg_error err;
	char *cmds, *line, *save;

	snprintf(path, sizeof(path), "%s/good.conf", FIXTURES);
	t = cfg_load_file(path, &errs);
	cr_assert(t);
	cmds = cfg_to_commands(t);
	cr_assert(strstr(cmds, "set system dataplane worker 0 cpu 1\nset system dataplane worker 1 cpu 2\n"), "%s",
		  cmds);
	cr_assert(strstr(cmds, "set interfaces dataplane dp0 description \"pods \\\"east\\\"\"\n"), "%s", cmds);
	cr_assert(strstr(cmds, "set protocols static route 10.3.0.0/16 blackhole\n"));
	for (line = strtok_r(cmds, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		cr_assert_eq(set_line(t2, line, &err), 0, "%s: %s: %s", line, err.path, err.msg);
	cr_assert(cfg_equal(t, t2));
	free(cmds);
	cfg_free(t);
	cfg_free(t2);
}

Test(config_cli, compare)
{
	struct cfg_node *run = sample(), *cand = cfg_clone(run);
	struct cfg_error err;
	char *diff;

	diff = cfg_compare(run, cand);
	cr_assert_str_eq(diff, "");
	free(diff);
	cr_assert(cfg_equal(run, cand));

	SET(cand, "interfaces", "dataplane", "dp0", "mtu", "1500");
	/* a second next hop adds a path rather than replacing the first */
	SET(cand, "protocols", "static", "route", "10.20.0.0/16", "next-hop", "192.168.10.3");
	diff = cfg_compare(run, cand);
	cr_assert_str_eq(diff, "+ set interfaces dataplane dp0 mtu 1500\n"
			       "+ set protocols static route 10.20.0.0/16 next-hop 192.168.10.3\n");
	free(diff);
	cr_assert_eq(cfg_delete(cand, 6, W("protocols", "static", "route", "10.20.0.0/16", "next-hop", "192.168.10.2"),
				&err),
		     0);
	SET(cand, "protocols", "static", "route", "10.5.0.0/16", "blackhole");
	SET(cand, "system", "dataplane", "punt");
	cr_assert_eq(cfg_delete(cand, 5, W("interfaces", "dataplane", "dp1", "address", "192.168.10.1/24"), &err), 0);
	SET(cand, "interfaces", "dataplane", "dp1", "address", "192.168.10.9/24");
	cr_assert_not(cfg_equal(run, cand));
	diff = cfg_compare(run, cand);
	cr_assert_str_eq(diff, "+ set system dataplane punt\n"
			       "+ set interfaces dataplane dp0 mtu 1500\n"
			       "- set interfaces dataplane dp1 address 192.168.10.1/24\n"
			       "+ set interfaces dataplane dp1 address 192.168.10.9/24\n"
			       "+ set protocols static route 10.5.0.0/16 blackhole\n"
			       "- set protocols static route 10.20.0.0/16 next-hop 192.168.10.2\n"
			       "+ set protocols static route 10.20.0.0/16 next-hop 192.168.10.3\n");
	free(diff);

	diff = cfg_compare(cand, NULL);
	cr_assert(strncmp(diff, "- set system dataplane worker 0 cpu 1\n- set system dataplane punt\n", 63) == 0, "%s",
		  diff);
	free(diff);
	cfg_free(run);
	cfg_free(cand);
}

Test(config_cli, compare_empty_entry)
{
	struct cfg_node *a = sample(), *b = cfg_clone(a);
	char *diff;

	SET(b, "interfaces", "dataplane", "dp2");
	SET(a, "system", "dataplane", "punt");
	SET(b, "system", "dataplane", "punt", "type", "tap");
	diff = cfg_compare(a, b);
	cr_assert_str_eq(diff, "- set system dataplane punt\n"
			       "+ set system dataplane punt type tap\n"
			       "+ set interfaces dataplane dp2\n");
	free(diff);
	cfg_free(a);
	cfg_free(b);
}

static bool offered(const struct cfg_completion *c, int n, const char *word, bool is_value)
{
	for (int i = 0; i < n; i++)
		if (strcmp(c[i].word, word) == 0 && c[i].is_value == is_value && c[i].help[0])
			return true;
	return false;
}

Test(config_cli, completion)
{
	struct cfg_node *t = sample();
	struct cfg_completion c[32];
	int n;

	n = cfg_complete(t, 0, W(""), "", c, 32);
	cr_assert_eq(n, 5);
	cr_assert_str_eq(c[0].word, "system");
	cr_assert_str_eq(c[2].word, "protocols");
	cr_assert_str_eq(c[3].word, "firewall", "a module's top-level node");
	cr_assert_str_eq(c[4].word, "nat", "a module's top-level node");

	n = cfg_complete(t, 2, W("interfaces", "dataplane"), "", c, 32);
	cr_assert_eq(n, 3);
	cr_assert(offered(c, n, "<name>", true));
	cr_assert(offered(c, n, "dp0", false));
	cr_assert(offered(c, n, "dp1", false));

	n = cfg_complete(t, 3, W("interfaces", "dataplane", "dp0"), "", c, 32);
	cr_assert_eq(n, 7); /* the port's six, and the vlan module's vif */
	cr_assert(offered(c, n, "device", false));
	cr_assert(offered(c, n, "vif", false));
	cr_assert(offered(c, n, "address", false));
	cr_assert(offered(c, n, "mtu", false));
	cr_assert(offered(c, n, "disable", false));

	n = cfg_complete(t, 3, W("interfaces", "dataplane", "dp0"), "d", c, 32);
	cr_assert_eq(n, 3); /* device, description, disable */
	n = cfg_complete(t, 3, W("interfaces", "dataplane", "dp0"), "de", c, 32);
	cr_assert_eq(n, 2);
	cr_assert_str_eq(c[0].word, "device");
	cr_assert_str_eq(c[1].word, "description");

	n = cfg_complete(t, 4, W("interfaces", "dataplane", "dp0", "address"), "", c, 32);
	cr_assert_eq(n, 2);
	cr_assert(offered(c, n, "<a.b.c.d/len>", true));
	cr_assert(offered(c, n, "172.30.1.1/24", false));

	n = cfg_complete(t, 4, W("interfaces", "dataplane", "dp0", "mtu"), "", c, 32);
	cr_assert_eq(n, 1);
	cr_assert(offered(c, n, "<68-9000>", true));

	n = cfg_complete(t, 4, W("system", "dataplane", "punt", "type"), "v", c, 32);
	cr_assert_eq(n, 2);
	cr_assert(offered(c, n, "<type>", true));
	cr_assert(offered(c, n, "virtio-user", false));

	n = cfg_complete(NULL, 3, W("protocols", "static", "route"), "", c, 32);
	cr_assert_eq(n, 1);
	cr_assert_str_eq(c[0].word, "<a.b.c.d/len>");
	n = cfg_complete(t, 3, W("protocols", "static", "route"), "1", c, 32);
	cr_assert(offered(c, n, "10.20.0.0/16", false));

	n = cfg_complete(t, 4, W("protocols", "static", "route", "10.9.0.0/16"), "", c, 32);
	cr_assert_eq(n, 4);
	cr_assert_str_eq(c[0].word, "next-hop");
	cr_assert(offered(c, n, "reject", false));
	n = cfg_complete(t, 6, W("protocols", "static", "route", "10.20.0.0/16", "next-hop", "192.168.10.2"), "", c,
			 32);
	cr_assert(offered(c, n, "distance", false));

	cr_assert_eq(cfg_complete(t, 2, W("interfaces", "bogus"), "", c, 32), 0);
	cr_assert_eq(cfg_complete(t, 5, W("interfaces", "dataplane", "dp0", "mtu", "1500"), "", c, 32), 0);
	cr_assert_eq(cfg_complete(t, 4, W("interfaces", "dataplane", "dp0", "disable"), "", c, 32), 0);
	cr_assert_eq(cfg_complete(t, 0, W(""), "", c, 2), 2);
	cfg_free(t);
}

/* Nothing is offered once a command is complete or a word is wrong, however
 * many words follow. */
Test(config_cli, completion_ends)
{
	struct cfg_node *t = sample();
	struct cfg_completion c[32];

	cr_assert_eq(cfg_complete(t, 5, W("interfaces", "dataplane", "dp0", "address", "172.30.1.1/24"), "", c, 32), 0);
	cr_assert_eq(cfg_complete(t, 6, W("interfaces", "dataplane", "dp0", "mtu", "1500", "mac"), "", c, 32), 0);
	cr_assert_eq(cfg_complete(t, 5, W("interfaces", "dataplane", "dp0", "disable", "mtu"), "", c, 32), 0);
	cr_assert_eq(cfg_complete(t, 4, W("interfaces", "dataplane", "dp0", "mtu"), "", c, 32), 1);
	cr_assert_eq(cfg_complete(t, 5, W("interfaces", "dataplane", "dp0", "mtu", "99999"), "", c, 32), 0);
	cr_assert_eq(cfg_complete(t, 3, W("interfaces", "dataplane", "DP0"), "", c, 32), 0);
	cr_assert_eq(cfg_complete(t, 4, W("interfaces", "dataplane", "dp9", "mtu"), "", c, 32), 1);
	cfg_free(t);
}

Test(config_cli, json_shape)
{
	struct cfg_node *t = sample();
	json_t *j, *dp0;

	SET(t, "interfaces", "dataplane", "dp0", "mtu", "1500");
	SET(t, "interfaces", "dataplane", "dp0", "disable");
	j = cfg_to_json(t);
	cr_assert(json_is_object(j));
	dp0 = json_object_get(json_object_get(json_object_get(j, "interfaces"), "dataplane"), "dp0");
	cr_assert(json_is_object(dp0));
	cr_assert_str_eq(json_string_value(json_object_get(dp0, "device")), "net_af_packet0,iface=veth-dp0");
	cr_assert_eq(json_integer_value(json_object_get(dp0, "mtu")), 1500);
	cr_assert(json_is_true(json_object_get(dp0, "disable")));
	cr_assert(json_is_array(json_object_get(dp0, "address")));
	cr_assert_str_eq(json_string_value(json_array_get(json_object_get(dp0, "address"), 0)), "172.30.1.1/24");
	cr_assert_eq(json_integer_value(json_object_get(
			     json_object_get(json_object_get(json_object_get(json_object_get(j, "system"), "dataplane"),
							     "worker"),
					     "0"),
			     "cpu")),
		     1);
	char *s = json_dumps(json_object_get(j, "protocols"), JSON_COMPACT);
	cr_assert_str_eq(s, "{\"static\":{\"route\":{\"10.20.0.0/16\":{\"next-hop\":{\"192.168.10.2\":{}}}}}}");
	free(s);
	json_decref(j);
	cfg_free(t);
}
