/* SPDX-License-Identifier: GPL-2.0-or-later */
/* brink.conf loading, rendering, errors and the model. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/net_addr.h"
#include "helpers.h"

static struct cfg_node *load_ok(const char *name)
{
	char path[512];
	struct cfg_errors errs;
	struct cfg_node *t;

	snprintf(path, sizeof(path), "%s/%s", FIXTURES, name);
	t = cfg_load_file(path, &errs);
	cr_assert(t, "%s: %s", name, errs_text(&errs));
	cr_assert_eq(errs.count, 0);
	return t;
}

static void load_bad(const char *name, struct cfg_errors *errs)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", FIXTURES, name);
	cr_assert_null(cfg_load_file(path, errs), "%s loaded", name);
	cr_assert_gt(errs->count, 0);
}

Test(config_file, good_file_builds_model)
{
	struct cfg_node *t = load_ok("good.conf");
	struct brink_model m;
	struct cfg_errors errs;
	const struct brink_port *p;

	cr_assert_eq(brink_model_build(t, &m, &errs), 0, "%s", errs_text(&errs));
	cr_assert_eq(m.main_cpu, 0);
	cr_assert_eq(m.n_workers, 2);
	cr_assert_eq(m.worker_cpus[0], 1); /* worker 0 first: entries are sorted by id */
	cr_assert_eq(m.worker_cpus[1], 2);
	cr_assert_eq(m.idle_sleep_us, 50);
	cr_assert_eq(m.mbufs, 32768);
	cr_assert(m.punt_enabled);
	cr_assert_eq(m.punt_type, BRINK_PUNT_VIRTIO_USER);
	cr_assert_str_eq(m.punt_ifname, "brink1");

	cr_assert_eq(m.n_ports, 2);
	cr_assert_str_eq(m.ports[0].name, "dp0");
	p = brink_model_port(&m, "dp0");
	cr_assert_eq(p, &m.ports[0]);
	cr_assert_str_eq(p->device, "net_af_packet0,iface=veth-dp0");
	cr_assert_eq(p->mtu, 1500);
	cr_assert(p->has_mac);
	cr_assert_eq(p->mac[5], 1);
	cr_assert_not(p->disabled);
	cr_assert_eq(p->n_addrs, 2);
	cr_assert_eq(p->addrs[0].ip, 0xac1e0101);
	cr_assert_eq(p->addrs[0].prefix_len, 24);
	cr_assert_eq(p->addrs[1].ip, 0xac1e0201);
	p = brink_model_port(&m, "dp1");
	cr_assert_eq(p->mtu, 0);
	cr_assert_not(p->has_mac);
	cr_assert_null(brink_model_port(&m, "dp7"));

	/* sorted by prefix: 0.0.0.0/0, 10.3/16, 10.4/16, 10.20/16 */
	cr_assert_eq(m.n_routes, 4);
	cr_assert_eq(m.routes[0].prefix, 0);
	cr_assert_eq(m.routes[0].prefix_len, 0);
	cr_assert_eq(m.routes[0].n_paths, 1);
	cr_assert_eq(m.paths[m.routes[0].first_path].kind, BRINK_PATH_GATEWAY);
	cr_assert_eq(m.paths[m.routes[0].first_path].gateway, 0xc0a80afe);
	cr_assert_eq(m.paths[m.routes[0].first_path].distance, 1);
	cr_assert_eq(m.routes[1].prefix, 0x0a030000);
	cr_assert_eq(m.paths[m.routes[1].first_path].kind, BRINK_PATH_BLACKHOLE);
	cr_assert_eq(m.paths[m.routes[2].first_path].kind, BRINK_PATH_REJECT);
	cr_assert_eq(m.routes[3].prefix, 0x0a140000);
	cr_assert_eq(m.routes[3].n_paths, 3, "two next hops and an interface route");
	const struct brink_path *p3 = &m.paths[m.routes[3].first_path];
	cr_assert_eq(p3[0].gateway, 0xc0a80a02);
	cr_assert_eq(p3[1].gateway, 0xc0a80a05);
	cr_assert_eq(p3[1].distance, 10);
	cr_assert_str_eq(p3[1].ifname, "dp1");
	cr_assert_eq(p3[2].kind, BRINK_PATH_INTERFACE);
	cr_assert_str_eq(p3[2].ifname, "dp0");
	cr_assert_eq(p3[2].distance, 20);
	cr_assert_eq(m.n_neighs, 1);
	cr_assert_eq(m.neighs[0].ip, 0xc0a80a03);
	cr_assert_eq(m.neighs[0].mac[5], 3);
	brink_model_free(&m);
	cr_assert_null(m.routes);
	cfg_free(t);
}

Test(config_file, a_load_gives_the_model_it_checked)
{
	char path[512];
	struct cfg_errors errs;
	struct brink_model kept, built;
	struct cfg_node *t;

	snprintf(path, sizeof(path), "%s/good.conf", FIXTURES);
	cr_assert_not_null(t = cfg_load_file_model(path, &kept, &errs), "%s", errs_text(&errs));
	cr_assert_eq(brink_model_build(t, &built, &errs), 0, "%s", errs_text(&errs));
	cr_assert_eq(kept.n_ports, built.n_ports);
	cr_assert_gt(kept.n_routes, 0, "good.conf has routes to compare");
	cr_assert_eq(kept.n_routes, built.n_routes);
	cr_assert_eq(kept.n_paths, built.n_paths);
	cr_assert_eq(kept.n_neighs, built.n_neighs);
	for (unsigned i = 0; i < kept.n_routes; i++) {
		cr_assert_eq(kept.routes[i].prefix, built.routes[i].prefix);
		cr_assert_eq(kept.routes[i].prefix_len, built.routes[i].prefix_len);
		cr_assert_eq(kept.routes[i].n_paths, built.routes[i].n_paths);
	}
	for (unsigned i = 0; i < kept.n_paths; i++) {
		cr_assert_eq(kept.paths[i].kind, built.paths[i].kind);
		cr_assert_eq(kept.paths[i].gateway, built.paths[i].gateway);
		cr_assert_eq(kept.paths[i].distance, built.paths[i].distance);
	}
	cr_assert_str_eq(kept.ports[0].device, built.ports[0].device);
	brink_model_free(&kept);
	brink_model_free(&built);
	cfg_free(t);
}

Test(config_file, defaults)
{
	struct cfg_node *t = load_ok("minimal.conf");
	struct brink_model m;
	struct cfg_errors errs;

	cr_assert_eq(brink_model_build(t, &m, &errs), 0);
	cr_assert_eq(m.n_workers, 1);
	cr_assert_eq(m.main_cpu, 0);
	cr_assert_eq(m.mbufs, 16384);
	cr_assert_eq(m.idle_sleep_us, 0);
	cr_assert_not(m.punt_enabled);
	cr_assert_str_eq(m.punt_ifname, "brink0");
	cr_assert_eq(m.n_ports, 0);
	cr_assert_eq(m.n_routes, 0);
	cr_assert_null(m.routes);
	brink_model_free(&m);
	cfg_free(t);
}

Test(config_file, presence_and_flags)
{
	struct cfg_node *t = load_ok("presence.conf");
	struct brink_model m;
	struct cfg_errors errs;

	cr_assert_eq(brink_model_build(t, &m, &errs), 0, "%s", errs_text(&errs));
	cr_assert(m.punt_enabled);
	cr_assert_eq(m.punt_type, BRINK_PUNT_TAP);
	cr_assert_str_eq(m.punt_ifname, "brink0");
	cr_assert_eq(m.n_workers, 2);
	cr_assert(m.ports[0].disabled);
	cr_assert_eq(m.ports[0].n_addrs, 2);
	brink_model_free(&m);
	cfg_free(t);
}

Test(config_file, render_fixed_point)
{
	static const char *const files[] = {"good.conf", "minimal.conf", "brief.conf", "presence.conf", "ifaces.conf"};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct cfg_node *t = load_ok(files[i]), *t2, *t3;
		struct cfg_errors errs;
		char *r1 = cfg_render(t), *r2, *r3;

		t2 = cfg_load_string(r1, "rendered", &errs);
		cr_assert(t2, "%s: %s\n%s", files[i], errs_text(&errs), r1);
		cr_assert(cfg_equal(t, t2), "%s", files[i]);
		r2 = cfg_render(t2);
		cr_assert_str_eq(r2, r1, "%s", files[i]);
		t3 = cfg_load_string(r2, "rendered", &errs);
		r3 = cfg_render(t3);
		cr_assert_str_eq(r3, r1);
		free(r1);
		free(r2);
		free(r3);
		cfg_free(t);
		cfg_free(t2);
		cfg_free(t3);
	}
}

Test(config_file, render_format)
{
	struct cfg_node *t = load_ok("brief.conf");
	char *r = cfg_render(t);
	const char *want = "# Brink configuration, written by brink: comments and defaults are not kept\n"
			   "system: {\n"
			   "  dataplane: {\n"
			   "    main-cpu = 0;\n"
			   "    worker = (\n"
			   "      { id = 0; cpu = 1; }\n"
			   "    );\n"
			   "    punt: {\n"
			   "      type = \"tap\";\n"
			   "      interface = \"brink0\";\n"
			   "    };\n"
			   "  };\n"
			   "};\n"
			   "interfaces: {\n"
			   "  dataplane = (\n"
			   "    { name = \"dp0\"; device = \"net_af_packet0,iface=veth-dp0\"; address = [ "
			   "\"172.30.1.1/24\" ]; mtu = 1500; },\n"
			   "    { name = \"dp1\"; device = \"net_af_packet1,iface=veth-dp1\"; address = [ "
			   "\"192.168.10.1/24\" ]; }\n"
			   "  );\n"
			   "};\n"
			   "protocols: {\n"
			   "  static: {\n"
			   "    route = (\n"
			   "      { prefix = \"10.20.0.0/16\"; next-hop = \"192.168.10.2\"; }\n"
			   "    );\n"
			   "    arp = (\n"
			   "      { address = \"192.168.10.3\"; hwaddr = \"02:00:00:00:00:03\"; }\n"
			   "    );\n"
			   "  };\n"
			   "};\n";

	cr_assert_str_eq(r, want);
	free(r);
	cfg_free(t);
}

Test(config_file, save_and_reload)
{
	struct cfg_node *t = load_ok("good.conf"), *t2;
	struct cfg_errors errs;
	char dir[] = "/tmp/brink-cfg-XXXXXX", path[256];

	cr_assert(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/brink.conf", dir);
	cr_assert_eq(cfg_save_file(t, path), 0);
	t2 = cfg_load_file(path, &errs);
	cr_assert(t2, "%s", errs_text(&errs));
	cr_assert(cfg_equal(t, t2));
	cr_assert_lt(cfg_save_file(t, "/nonexistent-dir/brink.conf"), 0);
	unlink(path);
	rmdir(dir);
	cfg_free(t);
	cfg_free(t2);
}

Test(config_file, missing_file)
{
	struct cfg_errors errs;

	cr_assert_null(cfg_load_file(FIXTURES "/nope.conf", &errs));
	cr_assert_eq(errs.count, 1);
	cr_assert(strstr(errs.e[0].msg, "No such file"));
}

Test(config_errors, syntax_error_line)
{
	struct cfg_errors errs;

	load_bad("syntax.conf", &errs);
	cr_assert_eq(errs.count, 1);
	cr_assert_eq(errs.e[0].line, 4, "%s", errs_text(&errs));
	cr_assert(strstr(errs.e[0].file, "syntax.conf"));
}

Test(config_errors, unknown_setting_suggests)
{
	struct cfg_errors errs;

	load_bad("unknown.conf", &errs);
	cr_assert_eq(errs.count, 1, "%s", errs_text(&errs));
	cr_assert(has_error(&errs, 5, "interfaces dataplane dp0", "unknown setting 'adress' (did you mean 'address'?)"),
		  "%s", errs_text(&errs));
}

Test(config_errors, several_errors_all_reported)
{
	struct cfg_errors errs;

	load_bad("several.conf", &errs);
	cr_assert_eq(errs.count, 6, "%s", errs_text(&errs));
	cr_assert(has_error(&errs, 1, "system dataplane worker 0 cpu", "expected a number, not a string"), "%s",
		  errs_text(&errs));
	cr_assert(has_error(&errs, 5, "interfaces dataplane dp0 address", "'10.0.0.300/24' is not an IPv4 prefix"));
	cr_assert(has_error(&errs, 7, "interfaces dataplane dp1 mac", "'02:00:00:00:00:zz' is not a MAC address"));
	cr_assert(has_error(&errs, 8, "interfaces dataplane", "duplicate 'dp0' (also at line 4)"), "%s",
		  errs_text(&errs));
	cr_assert(has_error(&errs, 9, "interfaces dataplane", "entry has no 'name'"));
	cr_assert(has_error(&errs, 12, "protocols static route",
			    "'10.0.0.1/8' has host bits set (did you mean 10.0.0.0/8?)"));
}

Test(config_errors, semantic_errors_with_lines)
{
	struct cfg_errors errs;

	load_bad("semantic.conf", &errs);
	cr_assert_eq(errs.count, 15, "%s", errs_text(&errs));
	for (unsigned i = 1; i < errs.count; i++)
		cr_assert_leq(errs.e[i - 1].line, errs.e[i].line, "errors are in file order");
	cr_assert(has_error(&errs, 1, "system dataplane worker", "at least one worker is required"), "%s",
		  errs_text(&errs));
	cr_assert(has_error(&errs, 6, "interfaces dataplane dp1", "'device' is required"), "%s", errs_text(&errs));
	cr_assert(has_error(&errs, 7, "interfaces dataplane dp1 address",
			    "subnet 10.1.2.0/24 overlaps subnet 10.1.0.0/16 of dp0"));
	cr_assert(has_error(&errs, 8, "interfaces dataplane dp2", "device '0000:3b:00.0' is also used by dp0"), "%s",
		  errs_text(&errs));
	cr_assert(has_error(&errs, 9, "interfaces dataplane dp2 address",
			    "'192.168.2.0/24' is the network address of its subnet"));
	cr_assert(has_error(&errs, 9, "interfaces dataplane dp2 address",
			    "'127.0.0.1/24' is a loopback (127.0.0.0/8) address"),
		  "%s", errs_text(&errs));
	cr_assert(has_error(&errs, 16, "protocols static route 10.20.0.0/16 next-hop 10.9.9.9",
			    "next-hop 10.9.9.9 is not in a connected subnet of any interface"),
		  "%s", errs_text(&errs));
	cr_assert(has_error(&errs, 17, "protocols static route 10.30.0.0/16",
			    "blackhole and a next-hop share distance 1"),
		  "%s", errs_text(&errs));
	cr_assert(has_error(&errs, 20, "protocols static route 224.0.0.0/4", "is multicast (224.0.0.0/4) space"), "%s",
		  errs_text(&errs));
	cr_assert(has_error(&errs, 23, "protocols static route 10.40.0.0/16 next-hop 192.168.1.1",
			    "next-hop 192.168.1.1 is an address of dp2"));
	cr_assert(has_error(&errs, 25, "protocols static route 10.50.0.0/16 next-hop 192.168.1.0",
			    "is the network address of the subnet of dp2"),
		  "%s", errs_text(&errs));
	cr_assert(has_error(&errs, 25, "protocols static route 10.50.0.0/16 next-hop 192.168.1.255",
			    "is the broadcast address of the subnet of dp2"),
		  "%s", errs_text(&errs));
	cr_assert(has_error(&errs, 26, "protocols static route 10.60.0.0/16 interface dp9", "no interface named 'dp9'"),
		  "%s", errs_text(&errs));
	cr_assert(has_error(&errs, 27, "protocols static route 10.70.0.0/16",
			    "needs a next-hop, an interface, blackhole or reject"),
		  "%s", errs_text(&errs));
	cr_assert(has_error(&errs, 29, "protocols static arp 172.16.0.1", "is not in a connected subnet"), "%s",
		  errs_text(&errs));
}

Test(config_errors, format)
{
	struct cfg_errors errs;
	char buf[4096];

	load_bad("unknown.conf", &errs);
	cfg_errors_format(&errs, buf, sizeof(buf));
	cr_assert_str_eq(buf, FIXTURES "/unknown.conf:5: interfaces dataplane dp0: unknown setting 'adress' "
				       "(did you mean 'address'?)\n");

	memset(&errs, 0, sizeof(errs));
	cr_assert_null(cfg_load_string("system: { x = 1; };\nfoo = 1;", NULL, &errs));
	cfg_errors_format(&errs, buf, sizeof(buf));
	cr_assert_str_eq(buf, "line 1: system: unknown setting 'x'\nline 2: unknown setting 'foo'\n");
}

Test(config_errors, count_goes_past_kept)
{
	char text[8192];
	size_t n = 0;
	struct cfg_errors errs;
	char buf[16384];

	for (int i = 0; i < 40; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "bogus%d = 1;\n", i);
	cr_assert_null(cfg_load_string(text, "many.conf", &errs));
	cr_assert_eq(errs.count, 40);
	cfg_errors_format(&errs, buf, sizeof(buf));
	cr_assert(strstr(buf, "many.conf:32: unknown setting 'bogus31'\n... and 8 more errors\n"), "%s", buf);
}

Test(config_errors, wrong_shapes)
{
	struct cfg_errors errs;
	const char *text = "system: { dataplane: { worker = ( { id = 0; cpu = 0; } ); }; };\n"
			   "interfaces: { dataplane = ( { name = \"dp0\"; device = \"x\"; address = \"1.1.1.1/24\";\n"
			   "  disable = \"yes\"; mtu = 20; }, 5 ); };\n"
			   "protocols = 1;\n";

	cr_assert_null(cfg_load_string(text, "s", &errs));
	cr_assert_eq(errs.count, 5, "%s", errs_text(&errs));
	cr_assert(has_error(&errs, 2, "interfaces dataplane dp0 address", "expected an array"));
	cr_assert(has_error(&errs, 3, "interfaces dataplane dp0 disable", "expected true or false"));
	cr_assert(has_error(&errs, 3, "interfaces dataplane dp0 mtu", "'20' is out of range 68-9000"));
	cr_assert(has_error(&errs, 3, "interfaces dataplane", "entries must be groups"));
	cr_assert(has_error(&errs, 4, "protocols", "expected a group"));
}

Test(config_file, large_route_table, .timeout = 20)
{
	const unsigned n = 65536;
	size_t cap = (size_t)n * 64 + 256, len = 0;
	char *text = malloc(cap), *r1, *r2;
	struct cfg_errors errs;
	struct cfg_node *t, *t2;
	struct brink_model m;

	len += (size_t)snprintf(text + len, cap - len,
				"system: { dataplane: { worker = ( { id = 0; cpu = 0; } ); }; };\n"
				"protocols: { static: { route = (\n");
	/* written in reverse so the loader has to sort */
	for (unsigned i = n; i-- > 0;)
		len += (size_t)snprintf(text + len, cap - len, "{ prefix = \"10.%u.%u.0/24\"; blackhole = true; }%s\n",
					i >> 8, i & 255, i ? "," : "");
	snprintf(text + len, cap - len, "); }; };\n");
	t = cfg_load_string(text, "big", &errs);
	cr_assert(t, "%s", errs_text(&errs));
	cr_assert_eq(brink_model_build(t, &m, &errs), 0);
	cr_assert_eq(m.n_routes, n);
	cr_assert_eq(m.routes[0].prefix, 0x0a000000);
	cr_assert_eq(m.routes[n - 1].prefix, 0x0affff00);
	brink_model_free(&m);
	r1 = cfg_render(t);
	t2 = cfg_load_string(r1, "big", &errs);
	cr_assert(cfg_equal(t, t2));
	r2 = cfg_compare(t, t2);
	cr_assert_str_eq(r2, "");
	free(r2);
	free(r1);
	free(text);
	cfg_free(t);
	cfg_free(t2);
}

Test(config_errors, leaf_list_duplicates_and_false_flags)
{
	struct cfg_errors errs;
	struct cfg_node *t;
	char *cmds;
	const char *base = "system: { dataplane: { worker = ( { id = 0; cpu = 0; } ); }; };\n"
			   "interfaces: { dataplane = ( { name = \"dp0\"; device = \"x\"; disable = false;\n"
			   "  address = [ \"10.0.0.1/24\", \"10.0.0.1/24\" ]; } ); };\n";

	cr_assert_null(cfg_load_string(base, "d", &errs));
	cr_assert_eq(errs.count, 1);
	cr_assert(has_error(&errs, 3, "interfaces dataplane dp0 address", "'10.0.0.1/24' is listed twice"));

	t = cfg_load_string("system: { dataplane: { worker = ( { id = 0; cpu = 0; } ); }; };\n"
			    "interfaces: { dataplane = ( { name = \"dp0\"; device = \"x\"; disable = false; } ); };\n",
			    "d", &errs);
	cr_assert(t, "%s", errs_text(&errs));
	cmds = cfg_to_commands(t);
	cr_assert_null(strstr(cmds, "disable"));
	free(cmds);
	cfg_free(t);
}

/* libconfig 1.5 reads integers with atoi(): 4294967296 would load as 0. */
Test(config_errors, integers_that_do_not_fit_are_refused_with_their_line)
{
	struct cfg_errors errs;
	const char *text = "system: { dataplane: {\n"
			   "  worker = ( { id = 0; cpu = 4294967296; } );\n"
			   "  main-cpu = -2147483649; idle-sleep = 0x100000000;\n"
			   "  mbufs = 65536; }; };  # 99999999999 in a comment is fine\n"
			   "interfaces: { dataplane = ( { name = \"dp0\"; device = \"9999999999\"; } ); };\n";

	cr_assert_null(cfg_load_string(text, "ints.conf", &errs));
	cr_assert_eq(errs.count, 3, "%s", errs_text(&errs));
	cr_assert(has_error(&errs, 2, "", "the number 4294967296 does not fit in 32 bits"), "%s", errs_text(&errs));
	cr_assert(has_error(&errs, 3, "", "the number -2147483649 does not fit in 32 bits"), "%s", errs_text(&errs));
	cr_assert(has_error(&errs, 3, "", "the number 0x100000000 does not fit in 32 bits"), "%s", errs_text(&errs));
	/* 64-bit literals (L) are read as such, and then range-checked */
	cr_assert_null(cfg_load_string("system: { dataplane: { worker = ( { id = 0; cpu = 4294967296L; } ); }; };",
				       "l.conf", &errs));
	cr_assert(has_error(&errs, 1, "system dataplane worker 0 cpu", "out of range"), "%s", errs_text(&errs));
}

/* libconfig 1.5's scanner exits the process on an @include it cannot read. */
Test(config_errors, an_include_of_a_directory_or_a_missing_file_is_an_error)
{
	char dir[] = "/tmp/brink-inc-XXXXXX", path[256], text[512];
	struct cfg_errors errs;
	FILE *f;

	cr_assert(mkdtemp(dir));
	snprintf(text, sizeof(text), "# top\n@include \"%s\"\n", dir);
	cr_assert_null(cfg_load_string(text, "inc.conf", &errs));
	cr_assert(has_error(&errs, 2, "", "Is a directory"), "%s", errs_text(&errs));
	snprintf(text, sizeof(text), "\n\n  @include \"%s/none.conf\"\n", dir);
	cr_assert_null(cfg_load_string(text, "inc.conf", &errs));
	cr_assert(has_error(&errs, 3, "", "No such file or directory"), "%s", errs_text(&errs));
	/* a good include is read, and what it holds is checked too */
	snprintf(path, sizeof(path), "%s/sys.conf", dir);
	cr_assert((f = fopen(path, "w")));
	fputs("system: { dataplane: { worker = ( { id = 0; cpu = 9999999999; } ); }; };\n", f);
	fclose(f);
	snprintf(text, sizeof(text), "@include \"%s\"\n", path);
	cr_assert_null(cfg_load_string(text, "inc.conf", &errs));
	cr_assert(has_error(&errs, 1, "", "the number 9999999999 does not fit"), "%s", errs_text(&errs));
	cr_assert_str_eq(errs.e[0].file, path);
	cr_assert_null(cfg_load_file(dir, &errs), "a directory as the configuration file");
	cr_assert(has_error(&errs, 0, "", "Is a directory"), "%s", errs_text(&errs));
}

/* Next hops and interface routes are tag lists; a list holding only keys may
 * be written as a key or an array of keys, and is rendered that way. */
Test(config_file, key_only_tags_and_presence_shorthands)
{
	struct cfg_errors errs;
	const char *head = "system: { dataplane: { worker = ( { id = 0; cpu = 0; } ); }; };\n"
			   "interfaces: { dataplane = ( { name = \"dp0\"; device = \"x\"; address = [ \"10.0.0.1/24\" "
			   "]; } ); };\n";
	char text[1024];

	snprintf(text, sizeof(text),
		 "%sprotocols: { static: { route = (\n"
		 "  { prefix = \"10.9.0.0/16\"; next-hop = \"10.0.0.2\"; reject = true; blackhole: { distance = 9; }; "
		 "}\n"
		 "); }; };\n",
		 head);
	cr_assert_null(cfg_load_string(text, "k.conf", &errs));
	cr_assert(has_error(&errs, 4, "protocols static route 10.9.0.0/16", "blackhole and reject exclude each other"),
		  "%s", errs_text(&errs));
	cr_assert(has_error(&errs, 4, "protocols static route 10.9.0.0/16", "reject and a next-hop share distance 1"),
		  "%s", errs_text(&errs));

	snprintf(text, sizeof(text),
		 "%sprotocols: { static: { route = (\n"
		 "  { prefix = \"0.0.0.0/0\"; next-hop = [ \"10.0.0.3\", \"10.0.0.2\" ]; },\n"
		 "  { prefix = \"10.9.0.0/16\"; next-hop = \"10.0.0.2\"; reject: { distance = 9; }; },\n"
		 "  { prefix = \"10.8.0.0/16\"; blackhole = true; }\n"
		 "); }; };\n",
		 head);
	struct cfg_node *t = cfg_load_string(text, "k.conf", &errs);
	cr_assert_not_null(t, "%s", errs_text(&errs));
	char *r = cfg_render(t);
	cr_assert(strstr(r, "{ prefix = \"0.0.0.0/0\"; next-hop = [ \"10.0.0.2\", \"10.0.0.3\" ]; }"), "%s", r);
	cr_assert(strstr(r, "{ prefix = \"10.8.0.0/16\"; blackhole: { }; }"), "%s", r);
	cr_assert(strstr(r, "{ prefix = \"10.9.0.0/16\"; next-hop = \"10.0.0.2\"; reject: { distance = 9; }; }"), "%s",
		  r);
	struct cfg_node *t2 = cfg_load_string(r, "k2.conf", &errs);
	cr_assert(t2 && cfg_equal(t, t2), "%s", errs_text(&errs));
	free(r);
	cfg_free(t);
	cfg_free(t2);
}

/* The commands of root under a path, or NULL when nothing is there. */
static char *subtree_commands(const struct cfg_node *root, const char *path)
{
	const char *argv[16];
	char buf[256], *save = NULL;
	int argc = 0;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *w = strtok_r(buf, " ", &save); w && argc < 16; w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	struct cfg_node *sub = cfg_subtree(root, argc, argv);
	char *text = sub ? cfg_to_commands(sub) : NULL;
	cfg_free(sub);
	return text;
}

Test(config_tree, a_subtree_holds_what_its_path_names_and_the_path)
{
	struct cfg_node *t = load_ok("good.conf");
	char *c;

	c = subtree_commands(t, "protocols static route 10.3.0.0/16");
	cr_assert_str_eq(c, "set protocols static route 10.3.0.0/16 blackhole\n");
	free(c);
	c = subtree_commands(t, "interfaces dataplane dp0 address 172.30.2.1/24");
	cr_assert_str_eq(c, "set interfaces dataplane dp0 address 172.30.2.1/24\n");
	free(c);
	c = subtree_commands(t, "interfaces dataplane dp0 mtu 1500");
	cr_assert_str_eq(c, "set interfaces dataplane dp0 mtu 1500\n");
	free(c);
	c = subtree_commands(t, "protocols static route");
	cr_assert(strstr(c, "10.20.0.0/16") && strstr(c, "10.5.0.0/16") && !strstr(c, "arp"), "%s", c);
	free(c);
	c = subtree_commands(t, "system dataplane punt");
	cr_assert(strstr(c, "set system dataplane punt type virtio-user\n"), "%s", c);
	free(c);
	cr_assert_null(subtree_commands(t, "interfaces dataplane dp0 mtu 9000"), "another value");
	cr_assert_null(subtree_commands(t, "protocols static route 10.9.0.0/16"), "no such entry");
	cr_assert_null(subtree_commands(t, "interfaces dataplane dp0 mtu 1500 more"), "past a leaf");
	cr_assert_null(subtree_commands(t, "nothing"), "no such setting");
	cfg_free(t);
}
