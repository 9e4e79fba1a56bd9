/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The firewall on crafted packets through the worker path: verdicts by
 * prefix, protocol, port lists and ranges, ICMP type, interface and state;
 * reject as TCP RST or ICMP unreachable; jumps and returns; the state
 * policy; per-rule counters in the dump; a refused table keeps the old
 * rules; interfaces a chain cannot act on keep its feature off; no mbuf is
 * lost. */
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <rte_cycles.h>
#include <rte_icmp.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "common/msg.h"
#include "dataplane/ctl_server.h"
#include "dataplane/neigh.h"
#include "dataplane/path.h"
#include "dp_test_env.h"
#include "modules/conntrack/conntrack.h"
#include "modules/conntrack/conntrack_msg.h"
#include "modules/firewall/firewall_msg.h"

#define POD_HOST 0xac1e010a /* 172.30.1.10 on dp0 */
#define VM_HOST 0xc0a80a0a  /* 192.168.10.10 on dp1 */
#define VM_OTHER 0xc0a80a0b /* 192.168.10.11 on dp1 */

static struct dp_worker w;
static unsigned pool_before;
static const uint8_t pod_mac[6] = {0x02, 0xaa, 0, 0, 0, 0x0a};
static const uint8_t vm_mac[6] = {0x02, 0xbb, 0, 0, 0, 0x0a};

static void setup(void)
{
	char err[256];

	dp_test_env_up();
	cr_assert_eq(dp_test_commit(NULL, 0, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(neigh_set_permanent(POD_HOST, 0, pod_mac), 0);
	cr_assert_eq(neigh_set_permanent(VM_HOST, 1, vm_mac), 0);
	cr_assert_eq(neigh_set_permanent(VM_OTHER, 1, vm_mac), 0);
	dp_counters_clear();
	pool_before = rte_mempool_avail_count(dp.pool);
}

TestSuite(firewall, .init = setup);

static uint64_t counter(const char *name)
{
	for (unsigned i = 0; i < DP_CNT_ALL; i++)
		if (dp_counter_names[i] && strcmp(dp_counter_names[i], name) == 0)
			return dp_counter_total((enum dp_counter_id)i);
	cr_assert_fail("no counter %s", name);
	return 0;
}

static void no_leak(void)
{
	for (unsigned p = 0; p < RTE_MAX_ETHPORTS; p++) {
		rte_pktmbuf_free_bulk(w.tx[p].pkts, w.tx[p].n);
		w.tx[p].n = 0;
	}
	cr_assert_eq(rte_mempool_avail_count(dp.pool), pool_before, "every mbuf is back in the pool");
}

static struct dp_fw_item set_item(const char *name, uint8_t hook, uint8_t def)
{
	struct dp_fw_item it = {.kind = FW_ITEM_SET, .hook = hook, .action = def};
	snprintf(it.set, sizeof(it.set), "%s", name);
	return it;
}

static struct dp_fw_item rule_item(const char *set, uint32_t number, uint8_t action)
{
	struct dp_fw_item it = {.kind = FW_ITEM_RULE, .number = number, .action = action};
	snprintf(it.set, sizeof(it.set), "%s", set);
	return it;
}

static int commit_fw(const struct dp_fw_item *items, unsigned n, char *err, size_t errlen)
{
	struct dp_state s = {0};
	/* a small connection table: a rule on state makes one, and the test's memory is small */
	const struct dp_ct_conf ct = {.table_size = 4096, .timeout = CT_TIMEOUT_DEFAULTS};

	dp_test_add_addrs(&s);
	cr_assert_eq(state_add_item(&s, DP_TABLE_CT, &ct, err, errlen), 0, "%s", err);
	for (unsigned i = 0; i < n; i++)
		cr_assert_eq(state_add_item(&s, DP_TABLE_FIREWALL, &items[i], err, errlen), 0, "%s", err);
	return dp_test_commit_state(&s, false, err, errlen);
}

static void commit_ok(const struct dp_fw_item *items, unsigned n)
{
	char err[256];
	cr_assert_eq(commit_fw(items, n, err, sizeof(err)), 0, "%s", err);
}

/* From POD_HOST on dp0 to dst, with ports (or ICMP type and code) and a connection state. */
static struct rte_mbuf *packet(uint32_t dst, uint8_t proto, uint16_t sport, uint16_t dport, enum ct_state st)
{
	struct rte_mbuf *m = dp_test_ip4(0, POD_HOST, dst, 64, proto, 32);
	uint8_t *l4 = (uint8_t *)(dp_test_ip4_hdr(m) + 1);

	if (proto == IPPROTO_ICMP) {
		l4[0] = (uint8_t)sport;
		l4[1] = (uint8_t)dport;
	} else {
		uint16_t s = rte_cpu_to_be_16(sport), d = rte_cpu_to_be_16(dport);
		memcpy(l4, &s, 2);
		memcpy(l4 + 2, &d, 2);
	}
	if (proto == IPPROTO_TCP) {
		struct rte_tcp_hdr *t = (struct rte_tcp_hdr *)l4;
		t->data_off = 5 << 4;
		t->tcp_flags = RTE_TCP_SYN_FLAG;
		t->sent_seq = rte_cpu_to_be_32(1000);
	}
	dp_meta(m)->feature[DP_META_CONN_INFO] = st;
	return m;
}

/* Whether m, input on dp0, was forwarded to dp1. */
static bool forwarded(struct rte_mbuf *m)
{
	bool out;

	eth_input(&w, 0, &m, 1);
	ip4_route_later_flush(&w);
	out = w.tx[1].n == 1;
	rte_pktmbuf_free_bulk(w.tx[1].pkts, w.tx[1].n);
	w.tx[1].n = 0;
	return out;
}

/* Whether the packet was forwarded to dp1. */
static bool passes(uint32_t dst, uint8_t proto, uint16_t sport, uint16_t dport, enum ct_state st)
{
	return forwarded(packet(dst, proto, sport, dport, st));
}

/* forward filter, default drop: tcp to 192.168.10.10/32 on 80,443,8000-8080 and ping accepted. */
static void commit_web(void)
{
	struct dp_fw_item it[3] = {set_item("forward", FW_HOOK_FORWARD, FW_ACT_DROP),
				   rule_item("forward", 10, FW_ACT_ACCEPT), rule_item("forward", 20, FW_ACT_ACCEPT)};
	it[1].flags = FW_F_PROTO;
	it[1].proto = IPPROTO_TCP;
	it[1].dst = VM_HOST;
	it[1].dst_len = 32;
	it[1].n_dports = 3;
	it[1].dports[0] = (struct port_range){80, 80};
	it[1].dports[1] = (struct port_range){443, 443};
	it[1].dports[2] = (struct port_range){8000, 8080};
	it[2].flags = FW_F_PROTO | FW_F_ICMP_TYPE;
	it[2].proto = IPPROTO_ICMP;
	it[2].icmp_type = RTE_IP_ICMP_ECHO_REQUEST;
	commit_ok(it, RTE_DIM(it));
}

Test(firewall, matches_prefixes_ports_ranges_protocols_and_icmp_types)
{
	commit_web();
	cr_assert(passes(VM_HOST, IPPROTO_TCP, 40000, 80, CT_UNTRACKED));
	cr_assert(passes(VM_HOST, IPPROTO_TCP, 40000, 443, CT_UNTRACKED));
	cr_assert(passes(VM_HOST, IPPROTO_TCP, 40000, 8000, CT_UNTRACKED));
	cr_assert(passes(VM_HOST, IPPROTO_TCP, 40000, 8080, CT_UNTRACKED));
	cr_assert_not(passes(VM_HOST, IPPROTO_TCP, 40000, 8081, CT_UNTRACKED), "past the range");
	cr_assert_not(passes(VM_HOST, IPPROTO_TCP, 40000, 22, CT_UNTRACKED));
	cr_assert_not(passes(VM_OTHER, IPPROTO_TCP, 40000, 80, CT_UNTRACKED), "another destination");
	cr_assert_not(passes(VM_HOST, IPPROTO_UDP, 40000, 80, CT_UNTRACKED), "another protocol");
	cr_assert(passes(VM_OTHER, IPPROTO_ICMP, RTE_IP_ICMP_ECHO_REQUEST, 0, CT_UNTRACKED));
	cr_assert_not(passes(VM_OTHER, IPPROTO_ICMP, 13, 0, CT_UNTRACKED), "another ICMP type");
	cr_assert_eq(dp_counter_total(DP_CNT_FORWARDED), 5);
	cr_assert_eq(counter("drop.firewall.rule"), 5);
	no_leak();
}

Test(firewall, reject_answers_tcp_with_a_reset_and_udp_with_port_unreachable)
{
	struct dp_fw_item it[2] = {set_item("forward", FW_HOOK_FORWARD, FW_ACT_ACCEPT),
				   rule_item("forward", 10, FW_ACT_REJECT)};
	commit_ok(it, RTE_DIM(it));

	struct rte_mbuf *m = packet(VM_HOST, IPPROTO_TCP, 40000, 22, CT_UNTRACKED);
	eth_input(&w, 0, &m, 1);
	ip4_route_later_flush(&w);
	cr_assert_eq(w.tx[1].n, 0, "nothing goes on");
	cr_assert_eq(w.tx[0].n, 1, "the reset goes back to the client");
	struct rte_ipv4_hdr *ip = dp_test_ip4_hdr(w.tx[0].pkts[0]);
	struct rte_tcp_hdr *t = (struct rte_tcp_hdr *)(ip + 1);
	cr_assert_eq(rte_be_to_cpu_32(ip->dst_addr), POD_HOST);
	cr_assert_eq(rte_be_to_cpu_32(ip->src_addr), VM_HOST, "from the server it was for");
	cr_assert_eq(t->tcp_flags, RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG);
	cr_assert_eq(rte_be_to_cpu_32(t->recv_ack), 1000 + 12 + 1, "acknowledges the SYN and its 12 bytes");
	cr_assert_eq(rte_be_to_cpu_16(t->src_port), 22);
	cr_assert_eq(rte_be_to_cpu_16(t->dst_port), 40000);
	cr_assert_eq(rte_ipv4_udptcp_cksum_verify(ip, t), 0, "a valid TCP checksum");
	rte_pktmbuf_free_bulk(w.tx[0].pkts, w.tx[0].n);
	w.tx[0].n = 0;

	m = packet(VM_HOST, IPPROTO_UDP, 40000, 53, CT_UNTRACKED);
	eth_input(&w, 0, &m, 1);
	cr_assert_eq(w.tx[1].n, 0);
	cr_assert_eq(w.tx[0].n, 1, "the error goes back to the client");
	ip = dp_test_ip4_hdr(w.tx[0].pkts[0]);
	struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)(ip + 1);
	cr_assert_eq(ip->next_proto_id, IPPROTO_ICMP);
	cr_assert_eq(icmp->icmp_type, 3);
	cr_assert_eq(icmp->icmp_code, 3, "port unreachable");
	no_leak();
}

Test(firewall, a_segment_no_reset_can_answer_is_dropped_and_counted)
{
	struct dp_fw_item it[2] = {set_item("forward", FW_HOOK_FORWARD, FW_ACT_ACCEPT),
				   rule_item("forward", 10, FW_ACT_REJECT)};
	commit_ok(it, RTE_DIM(it));
	uint64_t rejected = counter("drop.firewall.reject");

	/* A data offset past the segment's end, then a reset: neither is answered. */
	struct rte_mbuf *m = packet(VM_HOST, IPPROTO_TCP, 40000, 22, CT_UNTRACKED);
	((struct rte_tcp_hdr *)(dp_test_ip4_hdr(m) + 1))->data_off = 15 << 4;
	struct rte_mbuf *rst = packet(VM_HOST, IPPROTO_TCP, 40000, 22, CT_UNTRACKED);
	((struct rte_tcp_hdr *)(dp_test_ip4_hdr(rst) + 1))->tcp_flags = RTE_TCP_RST_FLAG;
	eth_input(&w, 0, &m, 1);
	eth_input(&w, 0, &rst, 1);
	ip4_route_later_flush(&w);
	cr_assert_eq(w.tx[0].n + w.tx[1].n, 0, "no reset, nothing forwarded");
	cr_assert_eq(counter("drop.firewall.reject"), rejected + 2);
	no_leak();
}

Test(firewall, a_jump_walks_the_target_and_a_return_resumes_after_the_jump)
{
	/* forward: 10 jump WEB, 20 drop tcp, default accept; WEB: 10 accept dport 80, 20 return, default drop */
	struct dp_fw_item it[6] = {set_item("WEB", FW_HOOK_NONE, FW_ACT_DROP),
				   rule_item("WEB", 10, FW_ACT_ACCEPT),
				   rule_item("WEB", 20, FW_ACT_RETURN),
				   set_item("forward", FW_HOOK_FORWARD, FW_ACT_ACCEPT),
				   rule_item("forward", 10, FW_ACT_JUMP),
				   rule_item("forward", 20, FW_ACT_DROP)};
	it[1].flags = it[2].flags = it[5].flags = FW_F_PROTO;
	it[1].proto = it[2].proto = it[5].proto = IPPROTO_TCP;
	it[1].n_dports = 1;
	it[1].dports[0] = (struct port_range){80, 80};
	it[2].n_dports = 1;
	it[2].dports[0] = (struct port_range){22, 22};
	snprintf(it[4].target, sizeof(it[4].target), "WEB");
	commit_ok(it, RTE_DIM(it));

	cr_assert(passes(VM_HOST, IPPROTO_TCP, 40000, 80, CT_UNTRACKED), "accepted in WEB");
	cr_assert_not(passes(VM_HOST, IPPROTO_TCP, 40000, 22, CT_UNTRACKED), "returned, then rule 20 drops");
	cr_assert_not(passes(VM_HOST, IPPROTO_TCP, 40000, 25, CT_UNTRACKED), "WEB's default drops");
	cr_assert_not(passes(VM_HOST, IPPROTO_UDP, 40000, 25, CT_UNTRACKED), "WEB's default drops");
	no_leak();
}

Test(firewall, states_and_the_state_policy)
{
	/* policy: established accept, invalid drop; forward default drop, 10 accept state new to port 80 */
	struct dp_fw_item it[3] = {{.kind = FW_ITEM_POLICY},
				   set_item("forward", FW_HOOK_FORWARD, FW_ACT_DROP),
				   rule_item("forward", 10, FW_ACT_ACCEPT)};
	it[0].policy[CT_ESTABLISHED] = FW_ACT_ACCEPT;
	it[0].policy[CT_INVALID] = FW_ACT_DROP;
	it[2].flags = FW_F_PROTO;
	it[2].proto = IPPROTO_TCP;
	it[2].states = FW_STATE_BIT(CT_NEW) | FW_STATE_BIT(CT_RELATED);
	it[2].n_dports = 1;
	it[2].dports[0] = (struct port_range){80, 80};
	commit_ok(it, RTE_DIM(it));

	/* The rule reads state, so connection tracking runs and says what each packet is. */
	cr_assert(passes(VM_HOST, IPPROTO_TCP, 40000, 80, CT_UNTRACKED), "a SYN to 80 is new: rule 10 takes it");
	struct rte_mbuf *m = packet(VM_HOST, IPPROTO_TCP, 40001, 80, CT_UNTRACKED);
	((struct rte_tcp_hdr *)(dp_test_ip4_hdr(m) + 1))->tcp_flags = RTE_TCP_ACK_FLAG;
	cr_assert_not(forwarded(m), "an ACK of no connection is invalid: the policy drops it");
	m = packet(VM_HOST, IPPROTO_TCP, 40002, 80, CT_UNTRACKED);
	struct rte_ipv4_hdr *ip = dp_test_ip4_hdr(m);
	ip->fragment_offset = rte_cpu_to_be_16(100);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	cr_assert_not(forwarded(m), "a fragment of no known datagram is untracked: not a state the rule names");
	no_leak();
}

static uint8_t reply[DP_MSG_MAX_LEN];

static const struct dp_msg_hdr *request(uint16_t type, const void *body, size_t len)
{
	return dp_test_request(type, body, len, reply, sizeof(reply));
}

Test(firewall, counts_packets_and_bytes_per_rule_and_keeps_them_across_an_unrelated_commit)
{
	commit_web();
	cr_assert(passes(VM_HOST, IPPROTO_TCP, 40000, 80, CT_UNTRACKED));
	cr_assert(passes(VM_HOST, IPPROTO_TCP, 40000, 443, CT_UNTRACKED));
	cr_assert_not(passes(VM_HOST, IPPROTO_TCP, 40000, 22, CT_UNTRACKED));
	commit_web();

	const struct dp_msg_hdr *r = request(DP_MSG_FW_DUMP, NULL, 0);
	cr_assert_eq(r->status, 0);
	cr_assert_eq(r->count, 3, "the default and two rules");
	const struct dp_fw_counter *c = msg_body(reply);
	cr_assert_eq(c[0].number, 0);
	cr_assert_eq(c[0].packets, 1, "the default dropped one");
	cr_assert_eq(c[1].number, 10);
	cr_assert_eq(c[1].packets, 2);
	cr_assert_eq(c[1].bytes, 2 * (20 + 32));
	cr_assert_eq(c[2].packets, 0);
	cr_assert_eq(c[2].hook, FW_HOOK_FORWARD);

	struct dp_fw_dump_req q = {.set = "NOPE"};
	cr_assert_eq(request(DP_MSG_FW_DUMP, &q, sizeof(q))->status, -ENOENT);
	cr_assert_eq(request(DP_MSG_FW_CLEAR, NULL, 0)->status, 0);
	r = request(DP_MSG_FW_DUMP, NULL, 0);
	cr_assert_eq(((const struct dp_fw_counter *)msg_body(reply))[1].packets, 0, "cleared");
	(void)r;
	no_leak();
}

Test(firewall, a_refused_table_keeps_the_running_rules)
{
	char err[256];

	commit_web();
	struct dp_fw_item bad[2] = {set_item("forward", FW_HOOK_FORWARD, FW_ACT_ACCEPT),
				    rule_item("forward", 10, FW_ACT_JUMP)};
	snprintf(bad[1].target, sizeof(bad[1].target), "NOWHERE");
	cr_assert_lt(commit_fw(bad, RTE_DIM(bad), err, sizeof(err)), 0);
	cr_assert(strstr(err, "NOWHERE"), "%s", err);

	struct dp_fw_item loop[4] = {set_item("A", FW_HOOK_NONE, FW_ACT_DROP), rule_item("A", 10, FW_ACT_JUMP),
				     set_item("B", FW_HOOK_NONE, FW_ACT_DROP), rule_item("B", 10, FW_ACT_JUMP)};
	snprintf(loop[1].target, sizeof(loop[1].target), "B");
	snprintf(loop[3].target, sizeof(loop[3].target), "A");
	cr_assert_lt(commit_fw(loop, RTE_DIM(loop), err, sizeof(err)), 0);
	cr_assert(strstr(err, "come back"), "%s", err);

	struct dp_fw_item range[2] = {set_item("forward", FW_HOOK_FORWARD, FW_ACT_ACCEPT),
				      rule_item("forward", 10, FW_ACT_DROP)};
	range[1].flags = FW_F_PROTO;
	range[1].proto = IPPROTO_UDP;
	range[1].n_dports = 1;
	range[1].dports[0] = (struct port_range){90, 80};
	cr_assert_lt(commit_fw(range, RTE_DIM(range), err, sizeof(err)), 0);

	cr_assert(passes(VM_HOST, IPPROTO_TCP, 40000, 80, CT_UNTRACKED), "the old rules run");
	cr_assert_not(passes(VM_HOST, IPPROTO_TCP, 40000, 22, CT_UNTRACKED), "the old default too");
	no_leak();
}

Test(firewall, a_chain_acts_only_on_the_interfaces_it_can)
{
	/* input: default accept, one rule for dp1: dp0 pays nothing */
	struct dp_fw_item it[2] = {set_item("input", FW_HOOK_INPUT, FW_ACT_ACCEPT),
				   rule_item("input", 10, FW_ACT_DROP)};
	snprintf(it[1].in_iface, sizeof(it[1].in_iface), "dp1");
	commit_ok(it, RTE_DIM(it));
	cr_assert_eq(dp_ifaces[0].features, 0, "dp0 untouched");
	cr_assert_neq(dp_ifaces[1].features, 0);
	cr_assert(hook_active(DP_HOOK_LOCAL_IN));
	cr_assert_not(hook_active(DP_HOOK_FORWARD));

	/* a default drop acts everywhere */
	it[0].action = FW_ACT_DROP;
	commit_ok(it, RTE_DIM(it));
	cr_assert(hook_active(DP_HOOK_LOCAL_IN));
	uint64_t dropped = counter("drop.firewall.rule");
	cr_assert_not(passes(0xac1e0101, IPPROTO_UDP, 40000, 9, CT_UNTRACKED));
	cr_assert_eq(counter("drop.firewall.rule"), dropped + 1, "to the router on dp0: dropped");
	commit_ok(NULL, 0);
	cr_assert_not(hook_active(DP_HOOK_LOCAL_IN), "no firewall: no hook");
	cr_assert_eq(dp_ifaces[1].features, 0);
	no_leak();
}

Test(firewall, ten_thousand_rules_compile_and_match)
{
	enum { N = 10000 };
	static struct dp_fw_item it[N + 1];
	struct timespec t0, t1;

	it[0] = set_item("forward", FW_HOOK_FORWARD, FW_ACT_DROP);
	for (unsigned i = 0; i < N; i++) {
		it[i + 1] = rule_item("forward", i + 1, FW_ACT_ACCEPT);
		it[i + 1].flags = FW_F_PROTO;
		it[i + 1].proto = IPPROTO_TCP;
		it[i + 1].src = 0x0a000000 + (i << 8);
		it[i + 1].src_len = 24;
		it[i + 1].n_dports = 1;
		it[i + 1].dports[0] = (struct port_range){(uint16_t)(1000 + i % 50), (uint16_t)(1000 + i % 50)};
	}
	/* the last one lets the test's client through */
	it[N].src = POD_HOST;
	it[N].src_len = 32;
	it[N].dports[0] = (struct port_range){80, 80};
	clock_gettime(CLOCK_MONOTONIC, &t0);
	commit_ok(it, N + 1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("firewall: %d rules compiled in %.3f s\n", N,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	cr_assert(passes(VM_HOST, IPPROTO_TCP, 40000, 80, CT_UNTRACKED));
	cr_assert_not(passes(VM_HOST, IPPROTO_TCP, 40000, 81, CT_UNTRACKED));
	no_leak();
}
