/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "dp_test_env.h"

#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <rte_eal.h>
#include <rte_ip.h>
#include <rte_malloc.h>

#include "common/msg.h"
#include "dataplane/ctl_server.h"
#include "dataplane/fib.h"
#include "dataplane/neigh.h"
#include "dataplane/port.h"
#include "dataplane/state.h"

void dp_test_env_up(void)
{
	char *argv[] = {"test",
			"--no-huge",
			"-m",
			"256",
			"--no-pci",
			"--no-shconf",
			"--no-telemetry",
			"--log-level",
			"*:error",
			"--lcores",
			"0",
			"--vdev",
			"net_null0,no-rx=1",
			"--vdev",
			"net_null1,no-rx=1"};
	char err[256];
	cr_assert_geq(rte_eal_init(RTE_DIM(argv), argv), 0, "EAL init");
	dp_modules_init();
	cr_assert_eq(dp_lcore_tables_init(), 0);
	dp.pool = rte_pktmbuf_pool_create("test_pool", 4095, 0, DP_MBUF_PRIV_SIZE, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	dp.qsbr = rte_zmalloc(NULL, rte_rcu_qsbr_get_memsize(1), RTE_CACHE_LINE_SIZE);
	cr_assert(dp.pool && dp.qsbr);
	rte_rcu_qsbr_init(dp.qsbr, 1);
	dp.to_control = rte_ring_create_elem("t_ctl", sizeof(struct arp_event), 1024, 0, 0);
	dp.to_control_pkts = rte_ring_create("t_ctl_pkts", 1024, 0, 0);
	dp.inject = rte_ring_create("t_inject", 1024, 0, 0);
	cr_assert(dp.to_control && dp.to_control_pkts && dp.inject);
	cr_assert_eq(nh_table_init(), 0);
	cr_assert_eq(neigh_init(), 0);
	cr_assert_eq(fib_init(DP_TEST_FIB_SIZE), 0);
	cr_assert_eq(state_init(DP_TEST_FIB_SIZE + 256, 2 * DP_TEST_FIB_SIZE), 0);
	dp.n_workers = 1;
	/* Two real ports, so that MTU and MAC changes go through ethdev. */
	cr_assert_eq(port_setup("dp0", "net_null0", false, 1, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(port_setup("dp1", "net_null1", false, 1, err, sizeof(err)), 1, "%s", err);
	for (uint16_t p = 0; p < 2; p++) {
		struct dp_port *port = &dp.ports[p];
		struct dp_iface *ifc = &dp_ifaces[p];
		ifc->mac = (struct rte_ether_addr){{0x02, 0, 0, 0, 0, (uint8_t)(p + 1)}};
		ifc->announced_mac_word = ifc->mac_word;
		port->device_mac = ifc->mac;
		cr_assert(port->link_up && ifc->oper_up && ifc->mtu == 1500);
	}
}

struct rte_mbuf *dp_test_ip4(uint16_t in_port, uint32_t src, uint32_t dst, uint8_t ttl, uint8_t proto,
			     uint16_t payload_len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(dp.pool);
	uint16_t len = (uint16_t)(sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr) + payload_len);
	uint8_t *p;

	cr_assert_not_null(m);
	p = (uint8_t *)rte_pktmbuf_append(m, len);
	cr_assert_not_null(p);
	memset(p, 0, len);
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)p;
	eh->dst_addr = dp_ifaces[in_port].mac;
	eh->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + payload_len));
	ip->time_to_live = ttl;
	ip->next_proto_id = proto;
	ip->src_addr = rte_cpu_to_be_32(src);
	ip->dst_addr = rte_cpu_to_be_32(dst);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	m->port = in_port;
	return m;
}

int dp_test_commit_state(struct dp_state *s, bool best_effort, char *err, size_t errlen)
{
	struct dp_apply a = {.best_effort = best_effort};
	int rc = state_commit(s, &a);

	snprintf(err, errlen, "%s", best_effort ? sbuf_str(&a.refused) : a.err);
	dp_apply_fini(&a);
	state_clear(s);
	return rc;
}

void dp_test_add_addrs(struct dp_state *s)
{
	char err[256];
	struct dp_addr a0 = {.port = "dp0", .ip = 0xac1e0101, .prefix_len = 24};
	struct dp_addr a1 = {.port = "dp1", .ip = 0xc0a80a01, .prefix_len = 24};

	cr_assert_eq(state_add_addr(s, &a0, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(state_add_addr(s, &a1, err, sizeof(err)), 0, "%s", err);
}

int dp_test_commit(const struct dp_route *routes, unsigned n, char *err, size_t errlen)
{
	struct dp_state s = {0};

	dp_test_add_addrs(&s);
	for (unsigned i = 0; i < n; i++) {
		struct dp_route r = routes[i];
		r.distance = r.distance ? r.distance : 1;
		cr_assert_eq(state_add_route(&s, &r, DP_OWNER_CONFIG, err, errlen), 0, "%s", err);
	}
	return dp_test_commit_state(&s, false, err, errlen);
}

uint64_t dp_test_counter(const char *name)
{
	for (unsigned i = 0; i < DP_CNT_ALL; i++)
		if (dp_counter_names[i] && strcmp(dp_counter_names[i], name) == 0)
			return dp_counter_total((enum dp_counter_id)i);
	cr_assert_fail("no counter %s", name);
	return 0;
}

/* The control socket of the test, connected and past HELLO on first use. */
static int ctl_client = -1;

static void ctl_wait(void)
{
	struct pollfd p = {.fd = ctl_client, .events = POLLIN};
	for (int i = 0; i < 1000 && poll(&p, 1, 0) == 0; i++)
		ctl_poll(1);
}

const struct dp_msg_hdr *dp_test_request(uint16_t type, const void *body, size_t len, uint8_t *reply, size_t size)
{
	struct dp_hello_req hello = {.pid = (uint32_t)getpid()};
	struct dp_msg_hdr h = {.type = DP_MSG_HELLO, .seq = 1};
	static char sock_path[64];

	if (ctl_client < 0) {
		snprintf(sock_path, sizeof(sock_path), "/tmp/brink-test-dp-%d.sock", getpid());
		cr_assert_eq(ctl_init(sock_path, &ctl_default_limits), 0);
		ctl_client = msg_connect(sock_path);
		cr_assert_geq(ctl_client, 0);
		ctl_poll(10);
		cr_assert_eq(msg_send(ctl_client, &h, &hello, sizeof(hello)), 0);
		ctl_wait();
		cr_assert_gt(msg_recv(ctl_client, reply, size), 0);
		cr_assert_eq(((struct dp_msg_hdr *)reply)->status, 0);
	}
	h = (struct dp_msg_hdr){.type = type, .seq = 2};
	cr_assert_eq(msg_send(ctl_client, &h, body, len), 0);
	ctl_wait();
	cr_assert_gt(msg_recv(ctl_client, reply, size), 0);
	return (const struct dp_msg_hdr *)reply;
}
