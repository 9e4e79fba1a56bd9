/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Connection tracking on crafted packets forwarded between dp0 and dp1:
 * what each packet is to its connection (as a later hook sees it), the TCP
 * state machine, malformed headers, ICMP echo and errors, UDP, expiry, a
 * full table and early drop, and connections whose first packet a later
 * hook dropped. */
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

#define CLIENT 0xac1e010a /* 172.30.1.10, behind dp0 */
#define SERVER 0xc0a80a14 /* 192.168.10.20, behind dp1 */
#define SMALL_TABLE 16

static struct dp_worker w;
static unsigned pool_before;
static const uint8_t client_mac[6] = {0x02, 0xaa, 0, 0, 0, 0x0a};
static const uint8_t server_mac[6] = {0x02, 0xbb, 0, 0, 0, 0x14};

/* What the probe hook (after conntrack, before the confirmation) saw of the last packet. */
static enum ct_state seen_state;
static enum ct_dir seen_dir;
static bool seen_conn;
static bool drop_next; /* the probe drops the next packet, as a firewall would */
static enum dp_counter_id cnt_probe_drop;

static void probe(struct dp_worker *wk, struct rte_mbuf **pkts, dp_verdict *v, uint16_t n)
{
	(void)wk;
	for (uint16_t i = 0; i < n; i++) {
		seen_state = ct_state(pkts[i]);
		seen_dir = ct_dir(pkts[i]);
		seen_conn = ct_conn_of(pkts[i]) != NULL;
		v[i] = drop_next ? DP_DROP(cnt_probe_drop) : DP_CONTINUE;
		drop_next = false;
	}
}

static void commit_conf(const struct dp_ct_conf *c)
{
	struct dp_state s = {0};
	char err[256];

	dp_test_add_addrs(&s);
	cr_assert_eq(state_add_item(&s, DP_TABLE_CT, c, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(dp_test_commit_state(&s, false, err, sizeof(err)), 0, "%s", err);
}

static void setup(void)
{
	struct dp_ct_conf c = {.table_size = SMALL_TABLE, .timeout = CT_TIMEOUT_DEFAULTS};
	char err[256];

	dp_test_env_up();
	cr_assert_eq(dp_test_commit(NULL, 0, err, sizeof(err)), 0, "%s", err);
	commit_conf(&c);
	cr_assert_eq(neigh_set_permanent(CLIENT, 0, client_mac), 0);
	cr_assert_eq(neigh_set_permanent(SERVER, 1, server_mac), 0);
	uint32_t f = dp_feature_register("probe");
	cr_assert_eq(dp_hook_register(DP_HOOK_POSTROUTING, DP_PRIO_CONNTRACK_CONFIRM - 1, "probe", f, probe), 0);
	hook_feature_everywhere(f, true);
	cnt_probe_drop = dp_counter_register("drop.test.probe");
	ct_use(true);
	cr_assert(ct_enabled());
	dp_counters_clear();
	pool_before = rte_mempool_avail_count(dp.pool);
}

TestSuite(conntrack, .init = setup);

/* Receives m on its port as one round of the worker; true when it was forwarded. */
static bool pass(struct rte_mbuf *m)
{
	uint16_t out = m->port ? 0 : 1, before = w.tx[out].n;

	seen_state = CT_UNTRACKED;
	seen_conn = false;
	eth_input(&w, m->port, &m, 1);
	dp_round_end_run(&w);
	bool sent = w.tx[out].n > before;
	rte_pktmbuf_free_bulk(w.tx[out].pkts, w.tx[out].n);
	w.tx[out].n = 0;
	return sent;
}

/* An IPv4 packet between client and server of len bytes after its header, which start with hdr. */
static struct rte_mbuf *l4_packet(bool from_client, uint8_t proto, const void *hdr, size_t hlen, uint16_t len)
{
	struct rte_mbuf *m = dp_test_ip4(from_client ? 0 : 1, from_client ? CLIENT : SERVER,
					 from_client ? SERVER : CLIENT, 64, proto, len);
	memcpy(dp_test_ip4_hdr(m) + 1, hdr, hlen);
	return m;
}

static struct rte_mbuf *tcp(bool from_client, uint16_t cport, uint8_t flags)
{
	struct rte_tcp_hdr th = {.src_port = rte_cpu_to_be_16(from_client ? cport : 80),
				 .dst_port = rte_cpu_to_be_16(from_client ? 80 : cport),
				 .data_off = 5 << 4,
				 .tcp_flags = flags};
	return l4_packet(from_client, IPPROTO_TCP, &th, sizeof(th), sizeof(th));
}

static struct rte_mbuf *udp(bool from_client, uint16_t cport)
{
	struct rte_udp_hdr uh = {.src_port = rte_cpu_to_be_16(from_client ? cport : 53),
				 .dst_port = rte_cpu_to_be_16(from_client ? 53 : cport),
				 .dgram_len = RTE_BE16(12)};
	return l4_packet(from_client, IPPROTO_UDP, &uh, sizeof(uh), 12);
}

static struct rte_mbuf *echo(bool from_client, uint8_t type, uint16_t id)
{
	struct rte_icmp_hdr ih = {.icmp_type = type, .icmp_ident = rte_cpu_to_be_16(id)};
	return l4_packet(from_client, IPPROTO_ICMP, &ih, sizeof(ih), 8);
}

static void expect(struct rte_mbuf *m, enum ct_state st, enum ct_dir d)
{
	cr_assert(pass(m), "forwarded");
	cr_assert_eq(seen_state, st, "state %d, expected %d", seen_state, st);
	if (st == CT_NEW || st == CT_ESTABLISHED || st == CT_RELATED) {
		cr_assert(seen_conn);
		cr_assert_eq(seen_dir, d);
	} else {
		cr_assert_not(seen_conn);
	}
}

static void handshake(uint16_t cport)
{
	expect(tcp(true, cport, RTE_TCP_SYN_FLAG), CT_NEW, CT_DIR_ORIGINAL);
	expect(tcp(false, cport, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG), CT_ESTABLISHED, CT_DIR_REPLY);
	expect(tcp(true, cport, RTE_TCP_ACK_FLAG), CT_ESTABLISHED, CT_DIR_ORIGINAL);
}

/* The main lcore's work as if s seconds had passed since the table was made. */
static void later(unsigned s)
{
	static uint64_t start;
	if (!start)
		start = rte_rdtsc();
	dp_main_work_run(start + (uint64_t)s * rte_get_tsc_hz());
}

static void no_leak(void)
{
	cr_assert_eq(rte_mempool_avail_count(dp.pool), pool_before, "every mbuf is back in the pool");
}

Test(conntrack, a_tcp_handshake_is_new_then_established_both_ways)
{
	handshake(40000);
	cr_assert_eq(dp_test_counter("ct.created"), 1);
	cr_assert_eq(dp_test_counter("ct.invalid"), 0);
	no_leak();
}

Test(conntrack, segments_that_break_the_state_machine_are_invalid_and_counted)
{
	expect(tcp(true, 40001, RTE_TCP_SYN_FLAG), CT_NEW, CT_DIR_ORIGINAL);
	/* An ACK before any SYN-ACK, from either side. */
	expect(tcp(false, 40001, RTE_TCP_ACK_FLAG), CT_INVALID, CT_DIR_ORIGINAL);
	expect(tcp(true, 40001, RTE_TCP_ACK_FLAG), CT_INVALID, CT_DIR_ORIGINAL);
	cr_assert_eq(dp_test_counter("ct.invalid"), 2);
	/* The handshake still completes: the invalid segments changed nothing. */
	expect(tcp(false, 40001, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG), CT_ESTABLISHED, CT_DIR_REPLY);
	expect(tcp(true, 40001, RTE_TCP_ACK_FLAG), CT_ESTABLISHED, CT_DIR_ORIGINAL);
	/* A new SYN on an established connection. */
	expect(tcp(true, 40001, RTE_TCP_SYN_FLAG), CT_INVALID, CT_DIR_ORIGINAL);
	no_leak();
}

Test(conntrack, syn_fin_null_and_midstream_segments_make_no_connection)
{
	expect(tcp(true, 40002, RTE_TCP_SYN_FLAG | RTE_TCP_FIN_FLAG), CT_INVALID, CT_DIR_ORIGINAL);
	expect(tcp(true, 40002, 0), CT_INVALID, CT_DIR_ORIGINAL);
	expect(tcp(true, 40002, RTE_TCP_FIN_FLAG), CT_INVALID, CT_DIR_ORIGINAL);
	expect(tcp(true, 40002, RTE_TCP_ACK_FLAG), CT_INVALID, CT_DIR_ORIGINAL);
	cr_assert_eq(dp_test_counter("ct.created"), 0);
	cr_assert_eq(dp_test_counter("ct.invalid"), 4);
	no_leak();
}

Test(conntrack, truncated_headers_and_bad_offsets_make_no_connection)
{
	struct rte_mbuf *m = dp_test_ip4(0, CLIENT, SERVER, 64, IPPROTO_TCP, 12);
	expect(m, CT_INVALID, CT_DIR_ORIGINAL);
	m = tcp(true, 40003, RTE_TCP_SYN_FLAG);
	((struct rte_tcp_hdr *)(dp_test_ip4_hdr(m) + 1))->data_off = 4 << 4;
	expect(m, CT_INVALID, CT_DIR_ORIGINAL);
	m = tcp(true, 40003, RTE_TCP_SYN_FLAG);
	((struct rte_tcp_hdr *)(dp_test_ip4_hdr(m) + 1))->data_off = 6 << 4; /* past the segment */
	expect(m, CT_INVALID, CT_DIR_ORIGINAL);
	m = dp_test_ip4(0, CLIENT, SERVER, 64, IPPROTO_UDP, 6);
	expect(m, CT_INVALID, CT_DIR_ORIGINAL);
	m = udp(true, 5000);
	((struct rte_udp_hdr *)(dp_test_ip4_hdr(m) + 1))->dgram_len = RTE_BE16(40); /* longer than the packet */
	expect(m, CT_INVALID, CT_DIR_ORIGINAL);
	m = dp_test_ip4(0, CLIENT, SERVER, 64, IPPROTO_ICMP, 4);
	expect(m, CT_INVALID, CT_DIR_ORIGINAL);
	cr_assert_eq(dp_test_counter("ct.created"), 0);
	cr_assert_eq(dp_test_counter("ct.invalid"), 6);
	no_leak();
}

Test(conntrack, rst_closes_and_a_new_syn_reopens)
{
	handshake(40004);
	expect(tcp(false, 40004, RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG), CT_ESTABLISHED, CT_DIR_REPLY);
	/* Closed: a SYN on the same ports is valid again. */
	expect(tcp(true, 40004, RTE_TCP_SYN_FLAG), CT_ESTABLISHED, CT_DIR_ORIGINAL);
	expect(tcp(false, 40004, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG), CT_ESTABLISHED, CT_DIR_REPLY);
	cr_assert_eq(dp_test_counter("ct.invalid"), 0);
	no_leak();
}

Test(conntrack, a_closed_connection_expires_by_its_state_timeout)
{
	handshake(40005);
	later(20);
	cr_assert_eq(dp_test_counter("ct.expired"), 0, "established: 5 days");
	expect(tcp(true, 40005, RTE_TCP_RST_FLAG), CT_ESTABLISHED, CT_DIR_ORIGINAL);
	later(31); /* close: 10 s */
	cr_assert_eq(dp_test_counter("ct.expired"), 1);
	later(32);
	expect(tcp(true, 40005, RTE_TCP_ACK_FLAG), CT_INVALID, CT_DIR_ORIGINAL);
	no_leak();
}

Test(conntrack, fin_exchange_goes_through_time_wait)
{
	handshake(40006);
	expect(tcp(true, 40006, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG), CT_ESTABLISHED, CT_DIR_ORIGINAL);
	expect(tcp(false, 40006, RTE_TCP_ACK_FLAG), CT_ESTABLISHED, CT_DIR_REPLY);
	expect(tcp(false, 40006, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG), CT_ESTABLISHED, CT_DIR_REPLY);
	expect(tcp(true, 40006, RTE_TCP_ACK_FLAG), CT_ESTABLISHED, CT_DIR_ORIGINAL);
	/* TIME_WAIT (120 s): still there after 100 s, gone after 230 s. */
	later(100);
	cr_assert_eq(dp_test_counter("ct.expired"), 0);
	later(230);
	cr_assert_eq(dp_test_counter("ct.expired"), 1);
	no_leak();
}

Test(conntrack, udp_is_unreplied_then_a_stream)
{
	expect(udp(true, 5001), CT_NEW, CT_DIR_ORIGINAL);
	expect(udp(true, 5001), CT_ESTABLISHED, CT_DIR_ORIGINAL);
	expect(udp(true, 5002), CT_NEW, CT_DIR_ORIGINAL);
	expect(udp(false, 5002), CT_ESTABLISHED, CT_DIR_REPLY);
	/* Unreplied: 30 s; replied: 180 s. */
	later(60);
	cr_assert_eq(dp_test_counter("ct.expired"), 1);
	expect(udp(false, 5002), CT_ESTABLISHED, CT_DIR_REPLY);
	later(200);
	cr_assert_eq(dp_test_counter("ct.expired"), 1);
	later(300);
	cr_assert_eq(dp_test_counter("ct.expired"), 2);
	no_leak();
}

Test(conntrack, icmp_echo_by_id)
{
	expect(echo(true, RTE_IP_ICMP_ECHO_REQUEST, 7), CT_NEW, CT_DIR_ORIGINAL);
	expect(echo(false, RTE_IP_ICMP_ECHO_REPLY, 7), CT_ESTABLISHED, CT_DIR_REPLY);
	expect(echo(false, RTE_IP_ICMP_ECHO_REPLY, 8), CT_INVALID, CT_DIR_ORIGINAL);
	cr_assert_eq(dp_test_counter("ct.created"), 1);
	no_leak();
}

/* An ICMP error from the server's side about the client's UDP packet (port unreachable). */
static struct rte_mbuf *udp_unreachable(uint16_t cport)
{
	struct rte_mbuf *m = dp_test_ip4(1, SERVER, CLIENT, 64, IPPROTO_ICMP, 8 + 20 + 8);
	uint8_t *p = (uint8_t *)(dp_test_ip4_hdr(m) + 1);
	struct rte_icmp_hdr ih = {.icmp_type = ICMP_DEST_UNREACH, .icmp_code = 3};
	struct rte_ipv4_hdr inner = {.version_ihl = RTE_IPV4_VHL_DEF,
				     .total_length = RTE_BE16(20 + 12),
				     .time_to_live = 63,
				     .next_proto_id = IPPROTO_UDP,
				     .src_addr = RTE_BE32(CLIENT),
				     .dst_addr = RTE_BE32(SERVER)};
	struct rte_udp_hdr uh = {.src_port = rte_cpu_to_be_16(cport),
				 .dst_port = RTE_BE16(53),
				 .dgram_len = RTE_BE16(12)};

	memcpy(p, &ih, sizeof(ih));
	memcpy(p + 8, &inner, sizeof(inner));
	memcpy(p + 28, &uh, sizeof(uh));
	return m;
}

Test(conntrack, icmp_errors_about_a_connection_are_related)
{
	expect(udp(true, 5003), CT_NEW, CT_DIR_ORIGINAL);
	expect(udp_unreachable(5003), CT_RELATED, CT_DIR_REPLY);
	expect(udp_unreachable(5004), CT_INVALID, CT_DIR_ORIGINAL);
	cr_assert_eq(dp_test_counter("ct.related"), 1);
	no_leak();
}

Test(conntrack, a_full_table_drops_unassured_connections_early_but_never_established_ones)
{
	for (uint16_t i = 0; i < SMALL_TABLE; i++)
		handshake((uint16_t)(41000 + i));
	cr_assert_eq(dp_test_counter("ct.created"), SMALL_TABLE);
	/* A SYN flood: every new flow is refused, no established one goes. */
	for (uint16_t i = 0; i < 4; i++)
		cr_assert_not(pass(tcp(true, (uint16_t)(42000 + i), RTE_TCP_SYN_FLAG)));
	cr_assert_eq(dp_test_counter("drop.ct.table_full"), 4);
	cr_assert_eq(dp_test_counter("ct.early_drop"), 0);
	for (uint16_t i = 0; i < SMALL_TABLE; i++)
		expect(tcp(true, (uint16_t)(41000 + i), RTE_TCP_ACK_FLAG), CT_ESTABLISHED, CT_DIR_ORIGINAL);
	/* One closes and expires: its place goes to a SYN, which a later SYN may take early. */
	expect(tcp(true, 41000, RTE_TCP_RST_FLAG), CT_ESTABLISHED, CT_DIR_ORIGINAL);
	later(100);
	cr_assert_eq(dp_test_counter("ct.expired"), 1);
	expect(tcp(true, 42000, RTE_TCP_SYN_FLAG), CT_NEW, CT_DIR_ORIGINAL);
	expect(tcp(true, 42001, RTE_TCP_SYN_FLAG), CT_NEW, CT_DIR_ORIGINAL);
	cr_assert_eq(dp_test_counter("ct.early_drop"), 1);
	later(101);
	expect(tcp(true, 42000, RTE_TCP_SYN_FLAG), CT_NEW, CT_DIR_ORIGINAL);
	cr_assert_eq(dp_test_counter("ct.early_drop"), 2, "the early dropped one was gone: its SYN is new again");
	no_leak();
}

Test(conntrack, a_connection_whose_first_packet_was_dropped_is_not_kept)
{
	drop_next = true;
	cr_assert_not(pass(udp(true, 5005)));
	cr_assert_eq(dp_test_counter("drop.test.probe"), 1);
	cr_assert_eq(dp_test_counter("ct.created"), 0);
	expect(udp(true, 5005), CT_NEW, CT_DIR_ORIGINAL);
	cr_assert_eq(dp_test_counter("ct.created"), 1);
	/* A full table of unconfirmed ones never builds up. */
	for (unsigned i = 0; i < 4 * SMALL_TABLE; i++) {
		drop_next = true;
		cr_assert_not(pass(udp(true, (uint16_t)(6000 + i))));
	}
	cr_assert_eq(dp_test_counter("drop.ct.table_full"), 0);
	no_leak();
}

Test(conntrack, the_last_user_stops_tracking)
{
	expect(udp(true, 5006), CT_NEW, CT_DIR_ORIGINAL);
	ct_use(true);
	ct_use(false);
	cr_assert(ct_enabled(), "one user is left");
	ct_use(false);
	cr_assert_not(ct_enabled());
	cr_assert(pass(udp(true, 5006)), "forwarded untracked");
	ct_use(true);
	expect(udp(true, 5006), CT_NEW, CT_DIR_ORIGINAL);
	no_leak();
}

Test(conntrack, bad_settings_are_refused_and_change_nothing)
{
	struct dp_ct_conf c = {.table_size = 8, .timeout = CT_TIMEOUT_DEFAULTS};
	struct dp_state s = {0};
	char err[256];

	dp_test_add_addrs(&s);
	cr_assert_eq(state_add_item(&s, DP_TABLE_CT, &c, err, sizeof(err)), 0, "%s", err);
	cr_assert_lt(dp_test_commit_state(&s, false, err, sizeof(err)), 0);
	cr_assert(strstr(err, "conntrack table size 8 is not in 16-16777216"), "%s", err);
	c.table_size = SMALL_TABLE;
	c.timeout[CT_TO_ICMP] = 0;
	dp_test_add_addrs(&s);
	cr_assert_eq(state_add_item(&s, DP_TABLE_CT, &c, err, sizeof(err)), 0, "%s", err);
	cr_assert_lt(dp_test_commit_state(&s, false, err, sizeof(err)), 0);
	cr_assert(strstr(err, "at least 1 second"), "%s", err);
	/* The running settings stayed: an unreplied UDP flow still lives 30 s. */
	expect(udp(true, 5007), CT_NEW, CT_DIR_ORIGINAL);
	later(20);
	cr_assert_eq(dp_test_counter("ct.expired"), 0);
	later(40);
	cr_assert_eq(dp_test_counter("ct.expired"), 1);
}

/* ---- DP_MSG_CT_DUMP, DP_MSG_CT_CLEAR over the control socket ---- */

static uint8_t reply[DP_MSG_MAX_LEN];

static const struct dp_msg_hdr *ask(uint16_t type, const void *body, size_t len)
{
	return dp_test_request(type, body, len, reply, sizeof(reply));
}

/* The connections the dump with filter f lists (one reply's worth). */
static unsigned dump(const struct dp_ct_dump_req *f, struct dp_ct_info *out, unsigned max)
{
	const struct dp_msg_hdr *r = ask(DP_MSG_CT_DUMP, f, f ? sizeof(*f) : 0);

	cr_assert_eq(r->status, 0);
	cr_assert_eq(r->flags & DP_MSG_F_MORE, 0);
	cr_assert_leq(r->count, max);
	memcpy(out, msg_body(reply), sizeof(*out) * r->count);
	return r->count;
}

Test(conntrack, the_dump_lists_confirmed_connections_by_filter_and_clear_forgets_them)
{
	struct dp_ct_info v[SMALL_TABLE];

	handshake(40010);
	expect(udp(true, 5010), CT_NEW, CT_DIR_ORIGINAL);
	expect(echo(true, RTE_IP_ICMP_ECHO_REQUEST, 9), CT_NEW, CT_DIR_ORIGINAL);
	drop_next = true;
	cr_assert_not(pass(udp(true, 5011)));
	cr_assert_eq(dump(NULL, v, RTE_DIM(v)), 3, "the dropped flow's is not there");

	struct dp_ct_dump_req f = {.flags = DP_CT_DUMP_F_PROTOCOL, .protocol = IPPROTO_TCP};
	cr_assert_eq(dump(&f, v, RTE_DIM(v)), 1);
	cr_assert_eq(v[0].orig.src, CLIENT);
	cr_assert_eq(v[0].orig.sport, 40010);
	cr_assert_eq(v[0].orig.dport, 80);
	cr_assert_eq(v[0].reply.src, SERVER);
	cr_assert_eq(v[0].reply.dport, 40010);
	cr_assert_eq(v[0].tcp_state, CT_TCP_ESTABLISHED);
	cr_assert_eq(v[0].flags, DP_CT_F_ASSURED | DP_CT_F_SEEN_REPLY);
	cr_assert_geq(v[0].timeout_left, 431990);

	f = (struct dp_ct_dump_req){.flags = DP_CT_DUMP_F_PORT, .port = 53};
	cr_assert_eq(dump(&f, v, RTE_DIM(v)), 1);
	cr_assert_eq(v[0].orig.proto, IPPROTO_UDP);
	cr_assert_eq(v[0].flags, 0);
	f = (struct dp_ct_dump_req){.flags = DP_CT_DUMP_F_SOURCE | DP_CT_DUMP_F_DESTINATION,
				    .source = CLIENT,
				    .destination = SERVER};
	cr_assert_eq(dump(&f, v, RTE_DIM(v)), 3);
	f.source = SERVER;
	cr_assert_eq(dump(&f, v, RTE_DIM(v)), 0, "by the original direction");

	const struct dp_msg_hdr *r = ask(DP_MSG_CT_CLEAR, NULL, 0);
	cr_assert_eq(r->status, 0);
	cr_assert_eq(r->count, 3);
	cr_assert_eq(dump(NULL, v, RTE_DIM(v)), 0);
	expect(tcp(true, 40010, RTE_TCP_ACK_FLAG), CT_INVALID, CT_DIR_ORIGINAL);
	expect(udp(true, 5010), CT_NEW, CT_DIR_ORIGINAL);
	cr_assert_eq(dp_test_counter("ct.cleared"), 3);
}
