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

static struct brink_model model(const char *const *addrs, unsigned n_addrs)
{
	struct brink_model m = {.punt_enabled = true, .n_ports = 1};

	snprintf(m.punt_ifname, sizeof(m.punt_ifname), IFNAME);
	snprintf(m.ports[0].name, sizeof(m.ports[0].name), "dp0");
	for (unsigned i = 0; i < n_addrs; i++) {
		struct brink_addr *a = &m.ports[0].addrs[m.ports[0].n_addrs++];
		cr_assert(prefix4_parse(addrs[i], true, &a->ip, &a->prefix_len));
	}
	return m;
}

Test(punt_kernel, absent_interface_is_retried)
{
	char err[256];
	struct brink_model m = model(NULL, 0);

	in_own_netns();
	snprintf(m.punt_ifname, sizeof(m.punt_ifname), "brinkx9");
	cr_assert_eq(punt_kernel_sync(&m, err, sizeof(err)), -EAGAIN);
	cr_assert_str_eq(err, "punt interface brinkx9 does not exist yet");
}

#define BRINK_DEFAULT "default via 169.254.0.1 dev " IFNAME " metric 1000000 onlink"

Test(punt_kernel, addresses_default_route_and_cleanup)
{
	char err[256] = "";
	const char *addrs1[] = {"172.30.1.1/24", "192.168.10.1/24"};
	struct brink_model m = model(addrs1, 2);

	in_own_netns();
	cr_assert_eq(punt_kernel_sync(&m, err, sizeof(err)), 0, "%s", err);
	assert_has(command_output("ip -o link show " IFNAME), ",UP");
	char *out = command_output("ip -4 -o addr show dev " IFNAME);
	assert_has(out, "inet 172.30.1.1/24");
	assert_has(out, "inet 192.168.10.1/24");
	cr_assert_str_eq(command_output("ip -4 route show proto 200"), BRINK_DEFAULT " \n");
	cr_assert_str_eq(command_output("cat /proc/sys/net/ipv4/conf/" IFNAME "/rp_filter"), "0\n");

	/* Same state again: nothing to do, nothing fails, no second default. */
	cr_assert_eq(punt_kernel_sync(&m, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(command_output("ip -4 route show proto 200"), BRINK_DEFAULT " \n");

	/* An operator's management default wins over ours and is never touched. */
	cr_assert_eq(system("ip addr add 10.99.0.2/24 dev brinkt1 && ip route add default via 10.99.0.1 proto static"),
		     0);
	const char *addrs2[] = {"172.30.2.1/24", "192.168.10.1/24"};
	m = model(addrs2, 2);
	cr_assert_eq(punt_kernel_sync(&m, err, sizeof(err)), 0, "%s", err);
	out = command_output("ip -4 -o addr show dev " IFNAME);
	assert_lacks(out, "172.30.1.1");
	assert_has(out, "inet 172.30.2.1/24");
	cr_assert_str_eq(command_output("ip -4 route show proto 200"), BRINK_DEFAULT " \n");
	assert_has(command_output("ip -4 route show proto static"), "default via 10.99.0.1 dev brinkt1");
	assert_has(command_output("ip -4 route get 10.20.0.10"), "via 10.99.0.1 dev brinkt1");
	assert_has(command_output("ip -4 route get 172.30.2.9"), "dev " IFNAME);
}
