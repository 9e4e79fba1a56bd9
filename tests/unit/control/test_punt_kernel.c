/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The kernel side of the punt interface, in a network namespace of the test's
 * own with a veth interface standing in for the dataplane's TAP. Skipped
 * where namespaces cannot be created (not root). */
#include <criterion/criterion.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/net_addr.h"
#include "control/punt_kernel.h"
#include "helpers.h"

#define IFNAME "brinkt0"

static char *command_output(const char *cmd)
{
	static char buf[4096];
	FILE *p = popen(cmd, "r");
	size_t n;

	cr_assert_not_null(p);
	n = fread(buf, 1, sizeof(buf) - 1, p);
	buf[n] = '\0';
	pclose(p);
	return buf;
}

static void in_own_netns(void)
{
	if (unshare(CLONE_NEWNET) < 0)
		cr_skip_test("no network namespace (not root?)");
	/* A veth pair with its far end up has a carrier, as a TAP held by the dataplane does. */
	if (system("ip link add " IFNAME " type veth peer name brinkt1 2>/dev/null && ip link set brinkt1 up") != 0)
		cr_skip_test("cannot create a veth pair");
}

/* A static route of one path: via gw, or a blackhole when gw is NULL. */
struct route_spec {
	const char *prefix, *gw;
};

static struct brink_route routes_store[8];
static struct brink_path paths_store[8];

static struct brink_model model(const char *const *addrs, unsigned n_addrs, const struct route_spec *routes,
				unsigned n_routes)
{
	struct brink_model m = {.punt_enabled = true,
				.n_ports = 1,
				.routes = routes_store,
				.n_routes = n_routes,
				.paths = paths_store,
				.n_paths = n_routes};

	snprintf(m.punt_ifname, sizeof(m.punt_ifname), IFNAME);
	snprintf(m.ports[0].name, sizeof(m.ports[0].name), "dp0");
	for (unsigned i = 0; i < n_addrs; i++) {
		struct brink_addr *a = &m.ports[0].addrs[m.ports[0].n_addrs++];
		cr_assert(prefix4_parse(addrs[i], true, &a->ip, &a->prefix_len));
	}
	for (unsigned i = 0; i < n_routes; i++) {
		struct brink_route *r = &routes_store[i];
		struct brink_path *p = &paths_store[i];
		*r = (struct brink_route){.first_path = i, .n_paths = 1};
		*p = (struct brink_path){.kind = routes[i].gw ? BRINK_PATH_GATEWAY : BRINK_PATH_BLACKHOLE,
					 .distance = 1};
		cr_assert(prefix4_parse(routes[i].prefix, false, &r->prefix, &r->prefix_len));
		if (routes[i].gw)
			cr_assert(ip4_parse(routes[i].gw, &p->gateway));
	}
	return m;
}

Test(punt_kernel, absent_interface_is_retried)
{
	char err[256];
	struct brink_model m = model(NULL, 0, NULL, 0);

	in_own_netns();
	snprintf(m.punt_ifname, sizeof(m.punt_ifname), "brinkx9");
	cr_assert_eq(punt_kernel_sync(&m, err, sizeof(err)), -EAGAIN);
	cr_assert_str_eq(err, "punt interface brinkx9 does not exist yet");
}

Test(punt_kernel, addresses_routes_and_cleanup)
{
	char err[256] = "";
	const char *addrs1[] = {"172.30.1.1/24", "192.168.10.1/24"};
	const struct route_spec routes1[] = {{"10.20.0.0/16", "192.168.10.2"},
					     {"0.0.0.0/0", "192.168.10.254"},
					     {"10.3.0.0/16", NULL}};
	struct brink_model m = model(addrs1, 2, routes1, 3);

	in_own_netns();
	cr_assert_eq(punt_kernel_sync(&m, err, sizeof(err)), 0, "%s", err);
	assert_has(command_output("ip -o link show " IFNAME), ",UP");
	char *out = command_output("ip -4 -o addr show dev " IFNAME);
	assert_has(out, "inet 172.30.1.1/24");
	assert_has(out, "inet 192.168.10.1/24");
	out = command_output("ip -4 route show proto 200");
	assert_has(out, "10.20.0.0/16 via 192.168.10.2 dev " IFNAME);
	assert_has(out, "default via 192.168.10.254 dev " IFNAME);
	assert_has(out, "10.3.0.0/16 dev " IFNAME " scope link"); /* the dataplane discards it */
	cr_assert_str_eq(command_output("cat /proc/sys/net/ipv4/conf/" IFNAME "/rp_filter"), "0\n");

	/* Same state again: nothing to do, nothing fails. */
	cr_assert_eq(punt_kernel_sync(&m, err, sizeof(err)), 0, "%s", err);

	/* A route brinkd did not add is never touched. */
	cr_assert_eq(system("ip route add 10.22.0.0/16 via 192.168.10.9 proto static"), 0);
	const char *addrs2[] = {"172.30.2.1/24", "192.168.10.1/24"};
	const struct route_spec routes2[] = {{"10.21.0.0/16", "172.30.2.5"}};
	m = model(addrs2, 2, routes2, 1);
	cr_assert_eq(punt_kernel_sync(&m, err, sizeof(err)), 0, "%s", err);
	out = command_output("ip -4 -o addr show dev " IFNAME);
	assert_lacks(out, "172.30.1.1");
	assert_has(out, "inet 172.30.2.1/24");
	out = command_output("ip -4 route show proto 200");
	assert_lacks(out, "10.20.0.0");
	assert_lacks(out, "default");
	assert_has(out, "10.21.0.0/16 via 172.30.2.5 dev " IFNAME);
	assert_has(command_output("ip -4 route show proto static"), "10.22.0.0/16 via 192.168.10.9");
}
