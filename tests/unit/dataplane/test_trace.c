/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The per-packet trace on crafted packets through the real stages: the steps
 * each one takes, the counters of drops, the bound on packets, and nothing
 * at all while no trace is on. */
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <rte_arp.h>

#include "common/msg.h"
#include "dataplane/ctl_server.h"
#include "dataplane/neigh.h"
#include "dataplane/path.h"
#include "dataplane/worker.h"
#include "dataplane/trace.h"
#include "dp_test_env.h"

#define POD_HOST 0xac1e010a    /* 172.30.1.10 on dp0 */
#define VM_HOST 0xc0a80a0a     /* 192.168.10.10 on dp1 */
#define GATEWAY 0xc0a80a02     /* 192.168.10.2 on dp1 */
#define REMOTE_HOST 0x0a140505 /* 10.20.5.5, behind GATEWAY */
#define UNROUTED 0xcb007101    /* 203.0.113.1 */

static struct dp_worker w;
static const uint8_t pod_mac[6] = {0x02, 0xaa, 0, 0, 0, 0x0a};
static const uint8_t vm_mac[6] = {0x02, 0xbb, 0, 0, 0, 0x0a};
static const uint8_t gw_mac[6] = {0x02, 0xcc, 0, 0, 0, 0x02};
static struct dp_trace_pkt pkts[DP_TRACE_MAX];

/* What the main lcore sent to worker 0 so far (the gateway's ARP request). */
static void drop_injected(void)
{
	struct rte_mbuf *m;

	while (rte_ring_dequeue(dp.inject, (void **)&m) == 0)
		rte_pktmbuf_free(m);
}

static void setup(void)
{
	struct dp_route r = {.prefix = 0x0a140000, .prefix_len = 16, .kind = DP_ROUTE_GATEWAY, .gateway = GATEWAY};
	char err[256];

	dp_test_env_up();
	cr_assert_eq(dp_test_commit(&r, 1, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(neigh_set_permanent(POD_HOST, 0, pod_mac), 0);
	cr_assert_eq(neigh_set_permanent(VM_HOST, 1, vm_mac), 0);
	drop_injected();
}

TestSuite(trace, .init = setup);

static struct rte_mbuf *udp(uint32_t dst)
{
	struct rte_mbuf *m = dp_test_ip4(0, POD_HOST, dst, 64, IPPROTO_UDP, 26);
	uint8_t *l4 = (uint8_t *)(dp_test_ip4_hdr(m) + 1);

	l4[0] = 0x30, l4[1] = 0x39; /* source port 12345 */
	l4[2] = 0x00, l4[3] = 0x35; /* destination port 53 */
	return m;
}

/* The main lcore's turn: packets waiting for ARP are held (or sent on). */
static void main_lcore_takes_held(void)
{
	struct rte_mbuf *m;

	while (rte_ring_dequeue(dp.to_control_pkts, (void **)&m) == 0)
		neigh_resolve_packet(m);
}

/* Worker 0's turn with what the main lcore hands back: packets that waited, to send. */
static void worker_takes_held(void)
{
	cr_assert_gt(rte_ring_count(dp.inject), 0);
	worker_drain_inject(&w);
}

static void flush_all(void)
{
	tx_flush(&w, 0);
	tx_flush(&w, 1);
}

static unsigned dump(void)
{
	return trace_dump(0, pkts, DP_TRACE_MAX);
}

static void assert_step(const struct dp_trace_pkt *p, unsigned i, const char *stage, const char *text,
			const char *counter)
{
	cr_assert_lt(i, p->n_steps, "packet %u has %u steps, not %u", p->index, p->n_steps, i + 1);
	const struct dp_trace_step *s = &p->steps[i];
	cr_assert_str_eq(s->stage, stage, "packet %u step %u: stage", p->index, i);
	cr_assert_str_eq(s->text, text, "packet %u step %u (%s): text", p->index, i, stage);
	cr_assert_str_eq(s->counter, counter, "packet %u step %u (%s): counter", p->index, i, stage);
	cr_assert_eq(s->last, i + 1 == p->n_steps, "packet %u step %u: last", p->index, i);
}

Test(trace, a_forwarded_a_dropped_and_a_held_packet_show_their_steps)
{
	struct rte_mbuf *bad = udp(VM_HOST);
	dp_test_ip4_hdr(bad)->hdr_checksum ^= 0x1234;
	struct rte_mbuf *burst[4] = {udp(VM_HOST), bad, udp(REMOTE_HOST), udp(VM_HOST)};
	struct dp_trace_status st;

	cr_assert_eq(trace_start(3, -1), 0);
	trace_round();
	eth_input(&w, 0, burst, 4);
	flush_all();
	main_lcore_takes_held();
	struct arp_event ev = {.iface = 1, .ip = GATEWAY};
	memcpy(ev.mac, gw_mac, 6);
	neigh_arp_event(&ev);
	worker_takes_held();
	flush_all();

	cr_assert_eq(dump(), 3, "three packets of four picked");
	const struct dp_trace_pkt *fwd = &pkts[0], *dropped = &pkts[1], *held = &pkts[2];

	cr_assert_eq(fwd->index, 0);
	cr_assert_eq(fwd->origin, DP_TRACE_FROM_PORT);
	cr_assert_str_eq(fwd->in_port, "dp0");
	cr_assert_eq(fwd->has, DP_TRACE_HAS_IP4 | DP_TRACE_HAS_PORTS);
	cr_assert_eq(fwd->src_ip, POD_HOST);
	cr_assert_eq(fwd->dst_ip, VM_HOST);
	cr_assert_eq(fwd->proto, IPPROTO_UDP);
	cr_assert_eq(fwd->ttl, 64);
	cr_assert_eq(fwd->ip_len, 46);
	cr_assert_eq(fwd->src_port, 12345);
	cr_assert_eq(fwd->dst_port, 53);
	cr_assert_eq(fwd->frame_len, 60);
	cr_assert_eq(fwd->ethertype, RTE_ETHER_TYPE_IPV4);
	cr_assert_arr_eq(fwd->dst_mac, dp_ifaces[0].mac.addr_bytes, 6);
	cr_assert(fwd->done);
	cr_assert_eq(fwd->n_steps, 4);
	assert_step(fwd, 0, "eth_input", "IPv4 accepted for 02:00:00:00:00:01", "");
	assert_step(fwd, 1, "ip4_route", "route 192.168.10.10/32 -> host 192.168.10.10 on dp1 (02:bb:00:00:00:0a)", "");
	assert_step(fwd, 2, "ip4_forward", "TTL 64 -> 63, to 02:bb:00:00:00:0a on dp1", "");
	assert_step(fwd, 3, "tx", "sent on dp1 queue 0", "");

	cr_assert(dropped->done);
	cr_assert_eq(dropped->n_steps, 1);
	assert_step(dropped, 0, "drop", "", "drop.ip4.bad_checksum");

	cr_assert(held->done);
	cr_assert_eq(held->dst_ip, REMOTE_HOST);
	cr_assert_eq(held->n_steps, 7);
	assert_step(held, 0, "eth_input", "IPv4 accepted for 02:00:00:00:00:01", "");
	assert_step(held, 1, "ip4_route", "route 10.20.0.0/16 -> gateway 192.168.10.2 on dp1 (MAC not resolved)", "");
	assert_step(held, 2, "ip4_forward", "TTL 64 -> 63", "");
	assert_step(held, 3, "ip4_route", "to the main lcore, to wait for ARP", "");
	assert_step(held, 4, "neigh", "held for ARP of 192.168.10.2 (1 waiting)", "");
	assert_step(held, 5, "neigh", "192.168.10.2 is at 02:cc:00:00:00:02: to worker 0, to be sent", "");
	assert_step(held, 6, "tx", "sent on dp1 queue 0", "");

	trace_status(&st);
	cr_assert_eq(st.count, 3);
	cr_assert_eq(st.picked, 3);
	cr_assert_eq(st.done, 3);
	cr_assert_not(st.armed, "three of three picked");
	cr_assert(st.recording, "until a timer tick sees that nothing is on its way");
	trace_poll();
	trace_poll();
	trace_status(&st);
	cr_assert_not(st.recording);
}

Test(trace, no_route_counts_the_drop_and_follows_the_icmp_error)
{
	struct rte_mbuf *m = udp(UNROUTED);

	cr_assert_eq(trace_start(1, -1), 0);
	trace_round();
	eth_input(&w, 0, &m, 1);
	flush_all();
	cr_assert_eq(dump(), 1);
	const struct dp_trace_pkt *p = &pkts[0];
	cr_assert(p->done);
	assert_step(p, 1, "ip4_route", "no route to 203.0.113.1", "drop.ip4.no_route");
	assert_step(p, 2, "icmp", "net unreachable (3/0) to 172.30.1.10 from 172.30.1.1", "");
	assert_step(p, 3, "ip4_route", "route 172.30.1.10/32 -> host 172.30.1.10 on dp0 (02:aa:00:00:00:0a)", "");
	assert_step(p, 5, "tx", "sent on dp0 queue 0", "");
}

Test(trace, an_error_not_sent_ends_with_its_counter)
{
	struct rte_mbuf *m = udp(UNROUTED);
	struct rte_ipv4_hdr *ip = dp_test_ip4_hdr(m);

	/* A non-first fragment gets no error (RFC 1812 4.3.2.7). */
	ip->fragment_offset = rte_cpu_to_be_16(100);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	cr_assert_eq(trace_start(1, -1), 0);
	trace_round();
	eth_input(&w, 0, &m, 1);
	cr_assert_eq(dump(), 1);
	cr_assert(pkts[0].done);
	assert_step(&pkts[0], 1, "ip4_route", "no route to 203.0.113.1", "drop.ip4.no_route");
	assert_step(&pkts[0], 2, "drop", "", "icmp.errors_not_allowed");
}

Test(trace, tx_to_a_port_down_is_a_counted_end)
{
	struct rte_mbuf *m = udp(VM_HOST);

	cr_assert_eq(trace_start(1, -1), 0);
	trace_round();
	eth_input(&w, 0, &m, 1);
	dp_ifaces[1].admin_up = false;
	flush_all();
	cr_assert_eq(dump(), 1);
	assert_step(&pkts[0], 3, "tx", "", "drop.port.admin_down");
}

Test(trace, nothing_is_recorded_or_written_while_no_trace_is_on)
{
	struct rte_mbuf *m = udp(VM_HOST);
	struct dp_trace_status st;

	trace_round();
	cr_assert_not(trace_on());
	dp_meta(m)->trace = 0xdeadbeef;
	dp_meta(m)->trace_steps = 0x5a;
	eth_input(&w, 0, &m, 1);
	cr_assert_eq(w.tx[1].n, 1);
	cr_assert_eq(dp_meta(w.tx[1].pkts[0])->trace, 0xdeadbeef, "the metadata is not touched");
	cr_assert_eq(dp_meta(w.tx[1].pkts[0])->trace_steps, 0x5a);
	flush_all();
	trace_status(&st);
	cr_assert_eq(st.id, 0);
	cr_assert_eq(st.picked, 0);

	/* A trace that ended: packets after it are not picked. */
	cr_assert_eq(trace_start(1, -1), 0);
	trace_round();
	m = udp(VM_HOST);
	eth_input(&w, 0, &m, 1);
	flush_all();
	trace_poll();
	trace_poll();
	trace_round();
	cr_assert_not(trace_on());
	m = udp(VM_HOST);
	eth_input(&w, 0, &m, 1);
	flush_all();
	trace_status(&st);
	cr_assert_eq(st.picked, 1);
	cr_assert_eq(dump(), 1);
	cr_assert_eq(pkts[0].n_steps, 4, "the one record got no further steps");

	trace_clear();
	trace_round();
	cr_assert_not(trace_on());
	cr_assert_eq(dump(), 0, "a clear forgets the records");
}

Test(trace, picks_no_more_than_asked)
{
	struct rte_mbuf *burst[DP_BURST];

	cr_assert_eq(trace_start(5, -1), 0);
	trace_round();
	for (unsigned round = 0; round < 2; round++) {
		for (unsigned i = 0; i < DP_BURST; i++)
			burst[i] = udp(VM_HOST);
		eth_input(&w, 0, burst, DP_BURST);
		for (unsigned i = 0; i < DP_BURST; i++)
			cr_assert_eq(dp_meta(burst[i])->trace != 0, round == 0 && i < 5, "packet %u of burst %u", i,
				     round);
		flush_all();
	}
	cr_assert_eq(dump(), 5);
	for (unsigned i = 0; i < 5; i++) {
		cr_assert_eq(pkts[i].index, i);
		cr_assert(pkts[i].done);
	}
	cr_assert_eq(trace_start(0, -1), -EINVAL);
	cr_assert_eq(trace_start(DP_TRACE_MAX + 1, -1), -EINVAL);
}

Test(trace, an_interface_filter_picks_only_its_packets)
{
	struct rte_mbuf *from_pod = udp(VM_HOST);
	struct rte_mbuf *from_vm = dp_test_ip4(1, VM_HOST, POD_HOST, 64, IPPROTO_UDP, 26);
	struct dp_trace_status st;

	cr_assert_eq(trace_start(1, 1), 0);
	trace_round();
	eth_input(&w, 0, &from_pod, 1);
	eth_input(&w, 1, &from_vm, 1);
	flush_all();
	cr_assert_eq(dump(), 1);
	cr_assert_str_eq(pkts[0].in_port, "dp1");
	cr_assert_eq(pkts[0].src_ip, VM_HOST);
	trace_status(&st);
	cr_assert_str_eq(st.port, "dp1");
}

Test(trace, a_packet_of_an_earlier_trace_is_not_recorded_in_the_next)
{
	struct rte_mbuf *m = udp(REMOTE_HOST), *other = udp(VM_HOST);
	struct dp_trace_status st;

	cr_assert_eq(trace_start(2, -1), 0);
	trace_round();
	eth_input(&w, 0, &m, 1);
	main_lcore_takes_held();
	cr_assert_eq(trace_start(2, -1), 0);
	trace_round();
	eth_input(&w, 0, &other, 1);
	struct arp_event ev = {.iface = 1, .ip = GATEWAY};
	memcpy(ev.mac, gw_mac, 6);
	neigh_arp_event(&ev);
	worker_takes_held();
	flush_all();
	cr_assert_eq(dump(), 1, "the held packet belongs to the first trace");
	cr_assert_eq(pkts[0].dst_ip, VM_HOST);
	cr_assert_eq(pkts[0].n_steps, 4);
	trace_status(&st);
	cr_assert_eq(st.picked, 1);
	cr_assert(st.armed);
}

Test(trace, a_long_path_keeps_its_first_steps_and_its_end)
{
	struct rte_mbuf *m = udp(VM_HOST);

	cr_assert_eq(trace_start(1, -1), 0);
	trace_round();
	trace_rx(&m, 1, 0, DP_TRACE_FROM_PORT);
	for (unsigned i = 0; i < 2 * DP_TRACE_STEPS_MAX; i++)
		trace_step(m, "test", "step %u", i);
	dp_drop(dp_counters_self(), DP_CNT_DROP_IP4_BLACKHOLE, m);
	cr_assert_eq(dump(), 1);
	cr_assert(pkts[0].done);
	cr_assert_eq(pkts[0].n_steps, DP_TRACE_STEPS_MAX);
	assert_step(&pkts[0], DP_TRACE_STEPS_MAX - 2, "test", "step 14", "");
	assert_step(&pkts[0], DP_TRACE_STEPS_MAX - 1, "drop", "", "drop.ip4.blackhole");
	cr_assert_eq(pkts[0].steps_lost, 2 * DP_TRACE_STEPS_MAX - (DP_TRACE_STEPS_MAX - 1));
}

Test(trace, the_router_s_own_arp_requests_and_echo_replies_are_traced)
{
	struct rte_mbuf *echo = dp_test_ip4(0, POD_HOST, 0xac1e0101, 64, IPPROTO_ICMP, 16);
	struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)(dp_test_ip4_hdr(echo) + 1);

	icmp->icmp_type = RTE_IP_ICMP_ECHO_REQUEST;
	icmp->icmp_cksum = (uint16_t)~rte_raw_cksum(icmp, 16);
	cr_assert_eq(trace_start(2, -1), 0);
	trace_round();
	eth_input(&w, 0, &echo, 1);
	flush_all();
	struct rte_mbuf *arp = arp_build_request(1, 0xc0a80a01, GATEWAY, NULL);
	trace_rx(&arp, 1, RTE_MAX_ETHPORTS, DP_TRACE_FROM_ROUTER);
	tx_enqueue(&w, 1, arp);
	flush_all();
	cr_assert_eq(dump(), 2);
	const struct dp_trace_pkt *p = &pkts[0];
	cr_assert_eq(p->has, DP_TRACE_HAS_IP4 | DP_TRACE_HAS_ICMP);
	cr_assert_eq(p->src_port, RTE_IP_ICMP_ECHO_REQUEST);
	assert_step(p, 1, "ip4_route", "route 172.30.1.1/32 -> local: for the router", "");
	assert_step(p, 2, "ip4_local", "protocol 1: handled here", "");
	assert_step(p, 3, "icmp", "echo reply to 172.30.1.10", "");
	assert_step(p, 6, "tx", "sent on dp0 queue 0", "");
	p = &pkts[1];
	cr_assert_eq(p->origin, DP_TRACE_FROM_ROUTER);
	cr_assert_str_eq(p->in_port, "");
	cr_assert_eq(p->has, DP_TRACE_HAS_ARP);
	cr_assert_eq(p->proto, RTE_ARP_OP_REQUEST);
	cr_assert_eq(p->dst_ip, GATEWAY);
	assert_step(p, 0, "tx", "sent on dp1 queue 0", "");
}

/* ---- the requests ---- */

static uint8_t buf[DP_MSG_MAX_LEN];

/* Sends a request to the control server (served in this thread); returns the
 * first reply's status, the reply left in buf. */
static int request(int fd, uint16_t type, const void *body, size_t len)
{
	static uint32_t last_seq;
	uint32_t seq = ++last_seq;
	struct dp_msg_hdr h = {.type = type, .seq = seq};
	struct pollfd p = {.fd = fd, .events = POLLIN};

	cr_assert_eq(msg_send(fd, &h, body, len), 0);
	for (int i = 0; i < 5000 && poll(&p, 1, 0) == 0; i++)
		ctl_poll(1);
	cr_assert_gt(msg_recv(fd, buf, sizeof(buf)), 0, "a reply arrives");
	cr_assert_eq(((const struct dp_msg_hdr *)buf)->seq, seq);
	return ((const struct dp_msg_hdr *)buf)->status;
}

static int connect_controller(const char *path)
{
	struct dp_hello_req hello = {.pid = (uint32_t)getpid()};
	int fd;

	cr_assert_eq(ctl_init(path, &ctl_default_limits), 0);
	fd = msg_connect(path);
	cr_assert_geq(fd, 0);
	ctl_poll(10);
	cr_assert_eq(request(fd, DP_MSG_HELLO, &hello, sizeof(hello)), 0);
	return fd;
}

Test(trace, start_dump_stop_and_clear_over_the_control_channel)
{
	char path[64];
	struct dp_trace_start start = {.count = 2, .port = "dp0"};
	struct dp_trace_dump_req from0 = {0};
	struct dp_trace_status st;

	snprintf(path, sizeof(path), "/tmp/brink-test-trace-%d.sock", getpid());
	int fd = connect_controller(path);

	struct dp_trace_start bad = {.count = 0};
	cr_assert_eq(request(fd, DP_MSG_TRACE_START, &bad, sizeof(bad)), -EINVAL);
	cr_assert_str_eq((const char *)msg_body(buf), "a trace takes 1 to 1000 packets, not 0");
	struct dp_trace_start nowhere = {.count = 1, .port = "dp9"};
	cr_assert_eq(request(fd, DP_MSG_TRACE_START, &nowhere, sizeof(nowhere)), -ENODEV);
	cr_assert_str_eq((const char *)msg_body(buf), "no port named 'dp9' in the dataplane");
	cr_assert_eq(request(fd, DP_MSG_TRACE_START, &start, 3), -EBADMSG);

	cr_assert_eq(request(fd, DP_MSG_TRACE_START, &start, sizeof(start)), 0);
	memcpy(&st, msg_body(buf), sizeof(st));
	cr_assert_neq(st.id, 0);
	cr_assert_eq(st.count, 2);
	cr_assert(st.armed && st.recording);
	cr_assert_str_eq(st.port, "dp0");
	uint32_t id = st.id;

	trace_round();
	struct rte_mbuf *m = udp(VM_HOST);
	eth_input(&w, 0, &m, 1);
	flush_all();

	cr_assert_eq(request(fd, DP_MSG_TRACE_DUMP, &from0, sizeof(from0)), 0);
	const struct dp_msg_hdr *h = (const void *)buf;
	cr_assert_eq(h->flags, DP_MSG_F_MORE, "the status comes first");
	cr_assert_eq(h->count, 1);
	memcpy(&st, msg_body(buf), sizeof(st));
	cr_assert_eq(st.picked, 1);
	cr_assert_gt(msg_recv(fd, buf, sizeof(buf)), 0);
	cr_assert_eq(h->flags, 0);
	cr_assert_eq(h->count, 1);
	cr_assert_eq(msg_body_len(buf), sizeof(struct dp_trace_pkt));
	cr_assert_eq(((const struct dp_trace_pkt *)msg_body(buf))->dst_ip, VM_HOST);

	struct dp_trace_ref stale = {.id = id + 1000}, current = {.id = id};
	cr_assert_eq(request(fd, DP_MSG_TRACE_STOP, &stale, sizeof(stale)), 0);
	memcpy(&st, msg_body(buf), sizeof(st));
	cr_assert(st.armed, "a STOP about another trace changes nothing");
	cr_assert_eq(request(fd, DP_MSG_TRACE_STOP, &current, sizeof(current)), 0);
	memcpy(&st, msg_body(buf), sizeof(st));
	cr_assert_not(st.armed);
	cr_assert_eq(st.picked, 1, "a stopped trace keeps its packets");

	cr_assert_eq(request(fd, DP_MSG_TRACE_CLEAR, &current, sizeof(current)), 0);
	memcpy(&st, msg_body(buf), sizeof(st));
	cr_assert_neq(st.id, id);
	cr_assert_eq(st.picked, 0);
	cr_assert_not(st.recording);
	close(fd);
	ctl_close();
}
