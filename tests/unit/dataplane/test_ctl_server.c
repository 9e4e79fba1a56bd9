/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The dataplane's control server against a misbehaving or well-behaved client. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "common/msg.h"
#include "dataplane/ctl_server.h"
#include "dataplane/fib.h"
#include "dp_test_env.h"

static char path[64];
static int client;
static uint8_t buf[DP_MSG_MAX_LEN];
static uint32_t seq;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The server runs in this thread: serve it while waiting up to seconds for
 * fd to have a message (returned in buf) or be closed (0). */
static int wait_msg_for(int fd, double seconds)
{
	double deadline = now_s() + seconds;
	struct pollfd p = {.fd = fd, .events = POLLIN};

	while (now_s() < deadline) {
		ctl_poll(1);
		if (poll(&p, 1, 0) > 0)
			return msg_recv(fd, buf, sizeof(buf));
	}
	return -ETIMEDOUT;
}

static int wait_msg(int fd)
{
	return wait_msg_for(fd, 5);
}

/* True once the server closed fd, whatever fd still has to read. */
static bool closed_by_server(int fd)
{
	struct pollfd p = {.fd = fd, .events = 0};
	return poll(&p, 1, 0) == 1 && (p.revents & POLLHUP);
}

static bool wait_closed(int fd)
{
	double deadline = now_s() + 5;

	while (now_s() < deadline) {
		ctl_poll(1);
		if (closed_by_server(fd))
			return true;
	}
	return false;
}

static int connect_client(void)
{
	int fd = msg_connect(path);
	cr_assert_geq(fd, 0);
	ctl_poll(10); /* accept */
	return fd;
}

/* HELLO on fd; returns the reply's status and leaves the reply in buf. */
static int hello_on(int fd, uint32_t flags)
{
	struct dp_hello_req req = {.flags = flags, .pid = (uint32_t)getpid()};
	uint32_t s = ++seq;
	struct dp_msg_hdr h = {.type = DP_MSG_HELLO, .seq = s};

	cr_assert_eq(msg_send(fd, &h, &req, sizeof(req)), 0);
	cr_assert_gt(wait_msg(fd), 0, "a reply to HELLO arrives");
	const struct dp_msg_hdr *r = (const void *)buf;
	cr_assert_eq(r->type, DP_MSG_HELLO);
	cr_assert_eq(r->seq, seq);
	return r->status;
}

static void start(const struct ctl_limits *limits)
{
	cr_assert_eq(ctl_init(path, limits), 0);
	client = connect_client();
	cr_assert_eq(hello_on(client, 0), 0);
}

static void setup(void)
{
	dp_test_env_up();
	snprintf(path, sizeof(path), "/tmp/brink-test-ctl-%d.sock", getpid());
	start(&ctl_default_limits);
}

static void teardown(void)
{
	close(client);
	ctl_close();
}

/* Starts over with other limits. */
static void restart(const struct ctl_limits *limits)
{
	teardown();
	start(limits);
}

TestSuite(ctl_server, .init = setup, .fini = teardown);

/* One request, one reply; returns the reply's status and leaves it in buf. */
static int request_on(int fd, uint16_t type, const void *body, size_t len)
{
	uint32_t s = ++seq;
	struct dp_msg_hdr h = {.type = type, .seq = s};
	cr_assert_eq(msg_send(fd, &h, body, len), 0);
	cr_assert_gt(wait_msg(fd), 0, "a reply arrives");
	const struct dp_msg_hdr *r = (const void *)buf;
	cr_assert_eq(r->seq, seq);
	cr_assert_eq(r->type, type);
	return r->status;
}

static int request(uint16_t type, const void *body, size_t len)
{
	return request_on(client, type, body, len);
}

static const char *error_text(void)
{
	return (const char *)msg_body(buf);
}

static uint32_t reply_count(void)
{
	return ((const struct dp_msg_hdr *)buf)->count;
}

/* A request that gets no reply (TXN_BEGIN, TXN_ITEMS): sent, then served. */
static void send_only(uint16_t type, const void *body, size_t len)
{
	uint32_t s = ++seq;
	struct dp_msg_hdr h = {.type = type, .seq = s};
	cr_assert_eq(msg_send(client, &h, body, len), 0);
}

static void begin(uint8_t owner, uint64_t generation, uint32_t flags)
{
	struct dp_txn_begin b = {.generation = generation, .flags = flags, .owner = owner};
	send_only(DP_MSG_TXN_BEGIN, &b, sizeof(b));
}

static void begin_delta(uint8_t owner, uint64_t base, uint64_t generation)
{
	struct dp_txn_begin b = {.generation = generation,
				 .base_generation = base,
				 .flags = DP_TXN_F_DELTA,
				 .owner = owner};
	send_only(DP_MSG_TXN_BEGIN, &b, sizeof(b));
}

/* One TXN_ITEMS (or, with obj, an OBJ request's body) of n items of a table. */
static size_t batch(uint8_t *msg, const void *hdr, size_t hdr_len, const void *items, unsigned n, size_t esize)
{
	memcpy(msg, hdr, hdr_len);
	memcpy(msg + hdr_len, items, n * esize);
	return hdr_len + n * esize;
}

static void items_op(uint8_t table, uint8_t op, const void *elems, unsigned n, size_t esize)
{
	static uint8_t msg[DP_MSG_MAX_LEN];
	struct dp_items h = {.table = table, .op = op, .count = n};
	send_only(DP_MSG_TXN_ITEMS, msg, batch(msg, &h, sizeof(h), elems, n, esize));
}

static void items(uint8_t table, const void *elems, unsigned n, size_t esize)
{
	items_op(table, DP_ITEMS_REPLACE, elems, n, esize);
}

static int obj(uint8_t owner, uint8_t op, uint8_t flags, const struct dp_route *r, unsigned n)
{
	static uint8_t msg[DP_MSG_MAX_LEN];
	struct dp_obj h = {.owner = owner, .table = DP_TABLE_ROUTE, .op = op, .flags = flags, .count = n};
	return request(DP_MSG_OBJ, msg, batch(msg, &h, sizeof(h), r, n, sizeof(*r)));
}

static uint64_t generation_of(uint8_t owner)
{
	cr_assert_eq(hello_on(client, 0), 0);
	return ((const struct dp_hello *)msg_body(buf))->generation[owner];
}

static const struct dp_addr dp1_addr = {.port = "dp1", .ip = 0xc0a80a01, .prefix_len = 24};

static struct dp_route gw_route(uint32_t prefix, uint8_t len, uint32_t gw)
{
	return (struct dp_route){
		.prefix = prefix, .prefix_len = len, .kind = DP_ROUTE_GATEWAY, .distance = 1, .gateway = gw};
}

/* The static paths of the route dump: count, and of those how many have owner. */
static unsigned dumped_paths(uint8_t owner, unsigned *of_owner)
{
	uint32_t s = ++seq;
	struct dp_msg_hdr h = {.type = DP_MSG_ROUTE_DUMP, .seq = s};
	const struct dp_msg_hdr *r;
	unsigned n = 0;

	*of_owner = 0;
	cr_assert_eq(msg_send(client, &h, NULL, 0), 0);
	do {
		cr_assert_gt(wait_msg(client), 0);
		r = (const void *)buf;
		const struct dp_route_info *ri = msg_body(buf);
		for (unsigned i = 0; i < r->count; i++) {
			if (ri[i].origin != DP_ORIGIN_STATIC)
				continue;
			n++;
			*of_owner += ri[i].owner == owner;
		}
	} while (r->flags & DP_MSG_F_MORE);
	return n;
}

Test(ctl_server, refuses_items_outside_a_transaction)
{
	struct dp_items h = {.table = DP_TABLE_ADDR, .count = 0};
	cr_assert_eq(request(DP_MSG_TXN_ITEMS, &h, sizeof(h)), -EINVAL);
	cr_assert_str_eq(error_text(), "no transaction open");
	cr_assert_eq(request(DP_MSG_TXN_COMMIT, NULL, 0), -EINVAL);
}

Test(ctl_server, refuses_items_of_the_wrong_size)
{
	uint8_t m[sizeof(struct dp_items) + sizeof(struct dp_addr)];
	struct dp_items h = {.table = DP_TABLE_ADDR, .count = 2};

	batch(m, &h, sizeof(h), &dp1_addr, 1, sizeof(dp1_addr));
	begin(DP_OWNER_CONFIG, 1, 0);
	send_only(DP_MSG_TXN_ITEMS, m, sizeof(m));
	cr_assert_eq(request(DP_MSG_TXN_COMMIT, NULL, 0), -EBADMSG);
	cr_assert(strstr(error_text(), "2 items of table 2 take"), "%s", error_text());
	send_only(DP_MSG_TXN_BEGIN, m, 3);
	cr_assert_eq(request(DP_MSG_TXN_COMMIT, NULL, 0), -EBADMSG);
}

Test(ctl_server, a_refusal_names_the_first_failing_item)
{
	struct dp_addr a[2] = {dp1_addr, {.port = "dp9", .ip = 0xac1e0101, .prefix_len = 24}};
	begin(DP_OWNER_CONFIG, 1, 0);
	items(DP_TABLE_ADDR, a, 2, sizeof(a[0]));
	cr_assert_eq(request(DP_MSG_TXN_COMMIT, NULL, 0), -ENODEV);
	cr_assert_str_eq(error_text(), "item 2: no interface named 'dp9' in the dataplane");
}

Test(ctl_server, a_commit_sets_the_generation_and_a_failed_one_keeps_it)
{
	struct dp_neigh bad = {.ip = 0x0b000001, .mac = {2, 0, 0, 0, 0, 1}};

	begin(DP_OWNER_CONFIG, 7, 0);
	items(DP_TABLE_ADDR, &dp1_addr, 1, sizeof(dp1_addr));
	cr_assert_eq(request(DP_MSG_TXN_COMMIT, NULL, 0), 0);
	cr_assert_eq(generation_of(DP_OWNER_CONFIG), 7);

	begin(DP_OWNER_CONFIG, 8, 0);
	items(DP_TABLE_ADDR, &dp1_addr, 1, sizeof(dp1_addr));
	items(DP_TABLE_NEIGH, &bad, 1, sizeof(bad));
	cr_assert_eq(request(DP_MSG_TXN_COMMIT, NULL, 0), -ENETUNREACH);
	cr_assert(strstr(error_text(), "static ARP entry 11.0.0.1 is not on a connected subnet"), "%s", error_text());
	cr_assert_eq(generation_of(DP_OWNER_CONFIG), 7);

	/* best effort: applied but for the refused item, which leaves the generation unknown */
	begin(DP_OWNER_CONFIG, 9, DP_TXN_F_BEST_EFFORT);
	items(DP_TABLE_ADDR, &dp1_addr, 1, sizeof(dp1_addr));
	items(DP_TABLE_NEIGH, &bad, 1, sizeof(bad));
	cr_assert_eq(request(DP_MSG_TXN_COMMIT, NULL, 0), 0);
	cr_assert_eq(reply_count(), 1);
	cr_assert_eq(generation_of(DP_OWNER_CONFIG), 0);
}

Test(ctl_server, a_transaction_replaces_what_its_owner_had_and_converges)
{
	struct dp_route r[3] = {gw_route(0x0b000000, 24, 0xc0a80a02), gw_route(0x0b000100, 24, 0xc0a80a02),
				gw_route(0x0b000200, 24, 0xc0a80a03)};
	unsigned mine;

	for (int round = 0; round < 2; round++) {
		begin(DP_OWNER_CONFIG, 1, 0);
		items(DP_TABLE_ADDR, &dp1_addr, 1, sizeof(dp1_addr));
		items(DP_TABLE_ROUTE, r, 3, sizeof(r[0]));
		cr_assert_eq(request(DP_MSG_TXN_COMMIT, NULL, 0), 0);
		cr_assert_eq(dumped_paths(DP_OWNER_CONFIG, &mine), 3, "the same state twice leaves no duplicate");
	}
	begin(DP_OWNER_CONFIG, 2, 0);
	items(DP_TABLE_ADDR, &dp1_addr, 1, sizeof(dp1_addr));
	items(DP_TABLE_ROUTE, &r[1], 1, sizeof(r[0]));
	cr_assert_eq(request(DP_MSG_TXN_COMMIT, NULL, 0), 0);
	cr_assert_eq(dumped_paths(DP_OWNER_CONFIG, &mine), 1, "what the owner left out is gone");
}

Test(ctl_server, a_commit_leaves_the_routes_of_other_owners_alone)
{
	struct dp_route bgp[2] = {gw_route(0x0c000000, 16, 0xc0a80a05), gw_route(0x0b000000, 24, 0xc0a80a06)};
	struct dp_route ike = gw_route(0x0d000000, 24, 0xc0a80a07);
	struct dp_route cfg = gw_route(0x0b000000, 24, 0xc0a80a02);
	unsigned n;

	begin(DP_OWNER_CONFIG, 1, 0);
	items(DP_TABLE_ADDR, &dp1_addr, 1, sizeof(dp1_addr));
	cr_assert_eq(request(DP_MSG_TXN_COMMIT, NULL, 0), 0);
	cr_assert_eq(obj(DP_OWNER_ROUTING, DP_OBJ_ADD, 0, bgp, 2), 0);
	cr_assert_eq(reply_count(), 2);
	cr_assert_eq(obj(DP_OWNER_IKE, DP_OBJ_ADD, 0, &ike, 1), 0);

	begin(DP_OWNER_CONFIG, 2, 0);
	items(DP_TABLE_ADDR, &dp1_addr, 1, sizeof(dp1_addr));
	items(DP_TABLE_ROUTE, &cfg, 1, sizeof(cfg));
	cr_assert_eq(request(DP_MSG_TXN_COMMIT, NULL, 0), 0);
	cr_assert_eq(dumped_paths(DP_OWNER_ROUTING, &n), 4);
	cr_assert_eq(n, 2, "the routing daemon's paths stay");
	dumped_paths(DP_OWNER_IKE, &n);
	cr_assert_eq(n, 1, "IKE's path stays");

	begin(DP_OWNER_CONFIG, 3, 0);
	items(DP_TABLE_ADDR, &dp1_addr, 1, sizeof(dp1_addr));
	cr_assert_eq(request(DP_MSG_TXN_COMMIT, NULL, 0), 0);
	cr_assert_eq(dumped_paths(DP_OWNER_ROUTING, &n), 3, "only the configuration's path went");
	cr_assert_eq(generation_of(DP_OWNER_ROUTING), 1);

	/* the routing daemon's own transaction replaces its paths only */
	begin(DP_OWNER_ROUTING, 5, 0);
	items(DP_TABLE_ROUTE, &bgp[0], 1, sizeof(bgp[0]));
	cr_assert_eq(request(DP_MSG_TXN_COMMIT, NULL, 0), 0);
	cr_assert_eq(dumped_paths(DP_OWNER_ROUTING, &n), 2);
	cr_assert_eq(n, 1);
	cr_assert_eq(generation_of(DP_OWNER_ROUTING), 5);
	begin(DP_OWNER_ROUTING, 6, 0);
	items(DP_TABLE_ADDR, &dp1_addr, 1, sizeof(dp1_addr));
	cr_assert_eq(request(DP_MSG_TXN_COMMIT, NULL, 0), -EPERM, "addresses are the configuration's");
}

Test(ctl_server, objects_are_added_and_deleted_one_by_one)
{
	struct dp_route r[2] = {gw_route(0x0c000000, 16, 0xc0a80a05), gw_route(0x0c010000, 16, 0xc0a80a05)};
	unsigned n;

	begin(DP_OWNER_CONFIG, 1, 0);
	items(DP_TABLE_ADDR, &dp1_addr, 1, sizeof(dp1_addr));
	cr_assert_eq(request(DP_MSG_TXN_COMMIT, NULL, 0), 0);
	cr_assert_eq(obj(DP_OWNER_CONFIG, DP_OBJ_ADD, 0, r, 1), -EPERM, "the configuration commits");
	cr_assert_eq(obj(DP_OWNER_ROUTING, DP_OBJ_ADD, 0, r, 1), 0);
	cr_assert_eq(obj(DP_OWNER_ROUTING, DP_OBJ_ADD, 0, r, 2), -EEXIST);
	cr_assert(strstr(error_text(), "item 1: route 12.0.0.0/16: that path exists"), "%s", error_text());
	cr_assert_eq(obj(DP_OWNER_ROUTING, DP_OBJ_ADD, DP_OBJ_F_EXIST_OK, r, 2), 0);
	cr_assert_eq(reply_count(), 2);
	cr_assert_eq(dumped_paths(DP_OWNER_ROUTING, &n), 2);
	cr_assert_eq(obj(DP_OWNER_ROUTING, DP_OBJ_DELETE, 0, r, 2), 0);
	cr_assert_eq(obj(DP_OWNER_ROUTING, DP_OBJ_DELETE, 0, r, 1), -ENOENT);
	cr_assert_eq(obj(DP_OWNER_ROUTING, DP_OBJ_DELETE, DP_OBJ_F_MISSING_OK, r, 1), 0);
	cr_assert_eq(dumped_paths(DP_OWNER_ROUTING, &n), 0);
	cr_assert_eq(generation_of(DP_OWNER_ROUTING), 4, "each OBJ that changed something counts");
}

/* The configuration with dp1's address and routes r[0..n), generation 1. */
static void commit_config(const struct dp_route *r, unsigned n)
{
	begin(DP_OWNER_CONFIG, 1, 0);
	items(DP_TABLE_ADDR, &dp1_addr, 1, sizeof(dp1_addr));
	items(DP_TABLE_ROUTE, r, n, sizeof(*r));
	cr_assert_eq(request(DP_MSG_TXN_COMMIT, NULL, 0), 0, "%s", error_text());
}

/* The distance of the one path of prefix/len the dump shows, or 0. */
static uint8_t dumped_distance(uint32_t prefix, uint8_t len)
{
	struct dp_route_dump_req f = {.prefix = prefix, .prefix_len = len};
	const struct dp_route_info *ri = msg_body(buf);

	cr_assert_eq(request(DP_MSG_ROUTE_DUMP, &f, sizeof(f)), 0);
	for (unsigned i = 0; i < reply_count(); i++)
		if (ri[i].origin == DP_ORIGIN_STATIC)
			return ri[i].distance;
	return 0;
}

Test(ctl_server, a_delta_changes_only_what_it_names)
{
	struct dp_route r[3] = {gw_route(0x0b000000, 24, 0xc0a80a02), gw_route(0x0b000100, 24, 0xc0a80a02),
				gw_route(0x0b000200, 24, 0xc0a80a03)};
	struct dp_route farther = r[1];
	unsigned n;

	commit_config(r, 2);
	farther.distance = 50;
	begin_delta(DP_OWNER_CONFIG, 1, 2);
	items_op(DP_TABLE_ROUTE, DP_ITEMS_DELETE, &r[0], 1, sizeof(r[0]));
	items_op(DP_TABLE_ROUTE, DP_ITEMS_ADD, &r[2], 1, sizeof(r[0]));
	items_op(DP_TABLE_ROUTE, DP_ITEMS_ADD, &farther, 1, sizeof(r[0]));
	cr_assert_eq(request(DP_MSG_TXN_COMMIT, NULL, 0), 0, "%s", error_text());
	cr_assert_eq(generation_of(DP_OWNER_CONFIG), 2);
	cr_assert_eq(dumped_paths(DP_OWNER_CONFIG, &n), 2);
	cr_assert_eq(dumped_distance(0x0b000000, 24), 0, "the deleted path is gone");
	cr_assert_eq(dumped_distance(0x0b000100, 24), 50, "adding a path that is there sets its distance");
	cr_assert_eq(dumped_distance(0x0b000200, 24), 1);
	cr_assert_eq(dumped_distance(0xc0a80a00, 24), 0, "the address stayed: no table was replaced");
	struct dp_route_dump_req f = {.prefix = 0xc0a80a00, .prefix_len = 24};
	cr_assert_eq(request(DP_MSG_ROUTE_DUMP, &f, sizeof(f)), 0);
	cr_assert_eq(reply_count(), 1, "the connected route of the address is still there");
}

Test(ctl_server, a_delta_from_a_stale_generation_is_refused_and_changes_nothing)
{
	struct dp_route r[2] = {gw_route(0x0b000000, 24, 0xc0a80a02), gw_route(0x0b000100, 24, 0xc0a80a02)};
	unsigned n;

	commit_config(r, 1);
	begin_delta(DP_OWNER_CONFIG, 5, 6);
	items_op(DP_TABLE_ROUTE, DP_ITEMS_ADD, &r[1], 1, sizeof(r[0]));
	cr_assert_eq(request(DP_MSG_TXN_COMMIT, NULL, 0), -ESTALE);
	cr_assert(strstr(error_text(), "generation 0000000000000005"), "%s", error_text());
	cr_assert_eq(dumped_paths(DP_OWNER_CONFIG, &n), 1);
	cr_assert_eq(generation_of(DP_OWNER_CONFIG), 1);
}

Test(ctl_server, a_failing_delta_is_undone_whole)
{
	struct dp_route r[3] = {gw_route(0x0b000000, 24, 0xc0a80a02), gw_route(0x0b000100, 24, 0xc0a80a02),
				gw_route(0x0b000200, 24, 0xc0a80a02)};
	unsigned n;

	commit_config(r, 2);
	begin_delta(DP_OWNER_CONFIG, 1, 2);
	items_op(DP_TABLE_ROUTE, DP_ITEMS_DELETE, &r[0], 1, sizeof(r[0]));
	items_op(DP_TABLE_ROUTE, DP_ITEMS_ADD, &r[2], 1, sizeof(r[0]));
	items_op(DP_TABLE_ROUTE, DP_ITEMS_DELETE, &r[2], 1, sizeof(r[0]));
	items_op(DP_TABLE_ROUTE, DP_ITEMS_DELETE, &r[2], 1, sizeof(r[0]));
	cr_assert_eq(request(DP_MSG_TXN_COMMIT, NULL, 0), -ENOENT);
	cr_assert(strstr(error_text(), "item 4: route 11.0.2.0/24: no such path"), "%s", error_text());
	cr_assert_eq(dumped_paths(DP_OWNER_CONFIG, &n), 2);
	cr_assert_eq(dumped_distance(0x0b000000, 24), 1, "the deleted path is back");
	cr_assert_eq(generation_of(DP_OWNER_CONFIG), 1);
	cr_assert_eq(fib_lookup(0x0b000005) != FIB_NO_ROUTE, true, "and forwards again");
}

Test(ctl_server, a_delta_replaces_a_table_it_names_and_refuses_mixed_ops)
{
	struct dp_addr other = {.port = "dp0", .ip = 0xac1e0101, .prefix_len = 24};
	struct dp_route r = gw_route(0x0b000000, 24, 0xc0a80a02);
	unsigned n;

	commit_config(&r, 1);
	begin_delta(DP_OWNER_CONFIG, 1, 2);
	items(DP_TABLE_ADDR, &other, 1, sizeof(other));
	cr_assert_eq(request(DP_MSG_TXN_COMMIT, NULL, 0), 0, "%s", error_text());
	cr_assert_eq(dumped_paths(DP_OWNER_CONFIG, &n), 1, "the route path stays");
	struct dp_route_dump_req f = {.prefix = 0xc0a80a00, .prefix_len = 24};
	cr_assert_eq(request(DP_MSG_ROUTE_DUMP, &f, sizeof(f)), 0);
	cr_assert_eq(reply_count(), 0, "dp1's address went with the table");

	begin_delta(DP_OWNER_CONFIG, 2, 3);
	items_op(DP_TABLE_ADDR, DP_ITEMS_ADD, &other, 1, sizeof(other));
	cr_assert_eq(request(DP_MSG_TXN_COMMIT, NULL, 0), -EINVAL);
	begin(DP_OWNER_CONFIG, 3, 0);
	items_op(DP_TABLE_ROUTE, DP_ITEMS_ADD, &r, 1, sizeof(r));
	cr_assert_eq(request(DP_MSG_TXN_COMMIT, NULL, 0), -EINVAL, "a replace adds nothing");
	cr_assert_eq(generation_of(DP_OWNER_CONFIG), 2);
}

Test(ctl_server, a_route_dump_filters_by_prefix_and_owner)
{
	struct dp_route r[3] = {gw_route(0x0b000000, 24, 0xc0a80a02), gw_route(0x0b000100, 24, 0xc0a80a02),
				gw_route(0x0b000000, 16, 0xc0a80a02)};
	struct dp_route bgp = gw_route(0x0b000100, 24, 0xc0a80a09);
	const struct dp_route_info *ri = msg_body(buf);

	commit_config(r, 3);
	cr_assert_eq(obj(DP_OWNER_ROUTING, DP_OBJ_ADD, 0, &bgp, 1), 0);
	struct dp_route_dump_req f = {.prefix = 0x0b000000, .prefix_len = 16, .flags = DP_ROUTE_DUMP_F_LONGER};
	cr_assert_eq(request(DP_MSG_ROUTE_DUMP, &f, sizeof(f)), 0);
	cr_assert_eq(reply_count(), 4);
	for (unsigned i = 1; i < 4; i++)
		cr_assert(ri[i - 1].prefix < ri[i].prefix ||
				  (ri[i - 1].prefix == ri[i].prefix && ri[i - 1].prefix_len <= ri[i].prefix_len),
			  "sorted by prefix and length");
	f.owner = DP_OWNER_ROUTING;
	cr_assert_eq(request(DP_MSG_ROUTE_DUMP, &f, sizeof(f)), 0);
	cr_assert_eq(reply_count(), 1);
	cr_assert_eq(ri[0].gateway, 0xc0a80a09);
	f = (struct dp_route_dump_req){.prefix = 0x0b000001, .prefix_len = 24};
	cr_assert_eq(request(DP_MSG_ROUTE_DUMP, &f, sizeof(f)), -EINVAL, "host bits set");
}

Test(ctl_server, dumps_span_several_messages_when_large)
{
	enum { N = 3000 };
	static struct dp_route routes[N];

	for (uint32_t i = 0; i < N; i++)
		routes[i] = (struct dp_route){.prefix = 0x0b000000 + (i << 8),
					      .prefix_len = 24,
					      .kind = DP_ROUTE_BLACKHOLE,
					      .distance = 1};
	begin(DP_OWNER_CONFIG, 1, 0);
	items(DP_TABLE_ADDR, &dp1_addr, 1, sizeof(dp1_addr));
	items(DP_TABLE_ROUTE, routes, N / 2, sizeof(routes[0]));
	items(DP_TABLE_ROUTE, routes + N / 2, N / 2, sizeof(routes[0]));
	cr_assert_eq(request(DP_MSG_TXN_COMMIT, NULL, 0), 0);

	uint32_t s = ++seq;
	struct dp_msg_hdr h = {.type = DP_MSG_ROUTE_DUMP, .seq = s};
	cr_assert_eq(msg_send(client, &h, NULL, 0), 0);
	unsigned total = 0, messages = 0;
	const struct dp_msg_hdr *r;
	do {
		cr_assert_gt(wait_msg(client), 0);
		r = (const void *)buf;
		cr_assert_eq(msg_body_len(buf), r->count * sizeof(struct dp_route_info));
		total += r->count;
		messages++;
	} while (r->flags & DP_MSG_F_MORE);
	cr_assert_eq(total, N + 2, "static routes + local + connected");
	cr_assert_gt(messages, 1);
}

Test(ctl_server, a_bad_frame_closes_the_connection_and_a_new_client_is_served)
{
	struct dp_msg_hdr h = {.version = 42, .type = DP_MSG_HELLO, .len = sizeof(h)};
	cr_assert_eq(send(client, &h, sizeof(h), 0), (ssize_t)sizeof(h));
	ctl_poll(100);
	cr_assert_eq(recv(client, buf, sizeof(buf), 0), 0, "closed by the dataplane");
	close(client);
	client = connect_client();
	cr_assert_eq(hello_on(client, 0), 0);
}

static const struct dp_msg_hdr *reply_hdr(void)
{
	return (const void *)buf;
}

static void set_nonblocking(int fd)
{
	cr_assert_eq(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK), 0);
}

Test(ctl_server, a_client_that_never_reads_does_not_hold_up_the_server_and_is_dropped, .timeout = 60)
{
	const struct ctl_limits limits = {.backlog_pause = 64 << 10,
					  .backlog_max = 16 << 20,
					  .stall_ms = 300,
					  .hello_ms = 5000};
	double slowest = 0, deadline;
	unsigned sent = 0, refused = 0;

	restart(&limits);
	set_nonblocking(client);
	deadline = now_s() + 20;
	while (!closed_by_server(client) && now_s() < deadline) {
		uint32_t s = ++seq;
		struct dp_msg_hdr h = {.type = DP_MSG_STATS_DUMP, .seq = s};
		int rc = msg_send(client, &h, NULL, 0);
		if (rc == 0)
			sent++;
		else if (rc == -EAGAIN)
			refused++;
		else
			break;
		double t = now_s();
		ctl_poll(0);
		t = now_s() - t;
		slowest = t > slowest ? t : slowest;
	}
	cr_assert(closed_by_server(client), "a client that reads nothing is still connected after %u requests", sent);
	cr_assert_lt(slowest, 1.0, "a poll took %.3f s", slowest);
	cr_assert_gt(refused, 0, "the server kept reading requests (%u) from a client with a full backlog", sent);

	/* Its place is free at once. */
	close(client);
	client = connect_client();
	cr_assert_eq(hello_on(client, 0), 0);
}

Test(ctl_server, replies_queued_for_a_late_reader_arrive_whole_and_in_order)
{
	enum { N = 100 };
	uint32_t first = seq + 1;

	set_nonblocking(client);
	for (unsigned i = 0; i < N; i++) {
		uint32_t s = ++seq;
		struct dp_msg_hdr h = {.type = DP_MSG_STATS_DUMP, .seq = s};
		cr_assert_eq(msg_send(client, &h, NULL, 0), 0);
		ctl_poll(0);
	}
	for (unsigned i = 0; i < N; i++) {
		cr_assert_gt(wait_msg(client), 0, "reply %u of %u", i + 1, N);
		cr_assert_eq(reply_hdr()->seq, first + i);
		cr_assert_eq(reply_hdr()->status, 0);
		cr_assert_eq(reply_hdr()->flags & DP_MSG_F_MORE, 0);
		cr_assert_eq(msg_body_len(buf), reply_hdr()->count * sizeof(struct dp_counter));
	}
}

Test(ctl_server, a_backlog_past_the_limit_drops_the_client, .timeout = 60)
{
	const struct ctl_limits limits = {.backlog_pause = 16 << 20,
					  .backlog_max = 64 << 10,
					  .stall_ms = 10000,
					  .hello_ms = 10000};
	enum { N = 3000 };
	static struct dp_route routes[N];
	char err[256];

	for (uint32_t i = 0; i < N; i++)
		routes[i] = (struct dp_route){.prefix = 0x0b000000 + (i << 8),
					      .prefix_len = 24,
					      .kind = DP_ROUTE_BLACKHOLE};
	cr_assert_eq(dp_test_commit(routes, N, err, sizeof(err)), 0, "%s", err);
	restart(&limits);
	set_nonblocking(client);
	/* About 100 KiB each: more than the socket and the limit hold together. */
	for (unsigned i = 0; i < 8; i++) {
		uint32_t s = ++seq;
		struct dp_msg_hdr h = {.type = DP_MSG_ROUTE_DUMP, .seq = s};
		cr_assert_eq(msg_send(client, &h, NULL, 0), 0);
	}
	cr_assert(wait_closed(client), "a client with more than backlog_max unread is still connected");
}

Test(ctl_server, a_second_controller_is_refused_and_the_first_is_told)
{
	int second = connect_client();
	char expect[128];

	cr_assert_eq(hello_on(second, 0), -EBUSY);
	snprintf(expect, sizeof(expect),
		 "controlled by another brinkd (pid %d); stop it, or start this one with --takeover", getpid());
	cr_assert_str_eq(error_text(), expect);
	cr_assert(wait_closed(second), "a refused connection is closed");
	close(second);

	cr_assert_gt(wait_msg(client), 0, "the controller hears of it");
	cr_assert_eq(reply_hdr()->type, DP_MSG_NOTIFY);
	cr_assert_eq(reply_hdr()->seq, 0);
	snprintf(expect, sizeof(expect), "refused a second brinkd (pid %d): this one stays in control", getpid());
	cr_assert_str_eq((const char *)msg_body(buf), expect);

	/* The same brinkd retrying is refused again, but told about once. */
	second = connect_client();
	cr_assert_eq(hello_on(second, 0), -EBUSY);
	close(second);
	cr_assert_eq(wait_msg_for(client, 0.3), -ETIMEDOUT, "a retry was notified again");
	cr_assert_eq(request(DP_MSG_STATS_CLEAR, NULL, 0), 0, "the controller is still served");
}

Test(ctl_server, takeover_replaces_the_controller_and_voids_its_transaction)
{
	char expect[64];

	begin(DP_OWNER_CONFIG, 5, 0);
	int second = connect_client();
	cr_assert_eq(hello_on(second, DP_HELLO_F_TAKEOVER), 0);

	cr_assert_gt(wait_msg(client), 0, "the old controller is told");
	cr_assert_eq(reply_hdr()->type, DP_MSG_NOTIFY);
	snprintf(expect, sizeof(expect), "taken over by brinkd pid %d", getpid());
	cr_assert_str_eq((const char *)msg_body(buf), expect);
	cr_assert_eq(wait_msg(client), 0, "then disconnected");

	cr_assert_eq(request_on(second, DP_MSG_TXN_COMMIT, NULL, 0), -EINVAL, "the old transaction is still open");
	cr_assert_str_eq(error_text(), "no transaction open");

	/* The old one coming back without takeover is refused. */
	close(client);
	client = connect_client();
	cr_assert_eq(hello_on(client, 0), -EBUSY);
	cr_assert_gt(wait_msg(second), 0);
	cr_assert_eq(reply_hdr()->type, DP_MSG_NOTIFY, "the new controller hears of the old one's retry");
	cr_assert_eq(request_on(second, DP_MSG_STATS_CLEAR, NULL, 0), 0);
	close(second);
}

Test(ctl_server, a_controller_that_went_away_is_replaced_at_once)
{
	close(client);
	client = connect_client();
	cr_assert_eq(hello_on(client, 0), 0);
}

Test(ctl_server, nothing_but_hello_is_served_before_hello)
{
	int other = connect_client();

	cr_assert_eq(request_on(other, DP_MSG_ROUTE_DUMP, NULL, 0), -EPERM);
	cr_assert_str_eq(error_text(), "say HELLO first (a struct dp_hello_req)");
	cr_assert(wait_closed(other));
	close(other);

	other = connect_client();
	uint32_t s = ++seq;
	struct dp_msg_hdr h = {.type = DP_MSG_HELLO, .seq = s};
	cr_assert_eq(msg_send(other, &h, NULL, 0), 0);
	cr_assert_gt(wait_msg(other), 0);
	cr_assert_eq(reply_hdr()->status, -EBADMSG);
	cr_assert(strstr(error_text(), "HELLO carries a struct dp_hello_req of 8 bytes, not 0"), "%s", error_text());
	close(other);
}

Test(ctl_server, connections_waiting_for_hello_are_few_and_time_out)
{
	const struct ctl_limits limits = {.backlog_pause = 64 << 10,
					  .backlog_max = 16 << 20,
					  .stall_ms = 5000,
					  .hello_ms = 300};
	int silent[CTL_MAX_PENDING + 2];

	restart(&limits);
	for (unsigned i = 0; i < RTE_DIM(silent); i++)
		silent[i] = connect_client();
	ctl_poll(10);
	for (unsigned i = 0; i < RTE_DIM(silent); i++)
		cr_assert_eq(closed_by_server(silent[i]), i >= CTL_MAX_PENDING, "connection %u", i);
	for (unsigned i = 0; i < CTL_MAX_PENDING; i++)
		cr_assert(wait_closed(silent[i]), "connection %u said nothing and is still open", i);
	for (unsigned i = 0; i < RTE_DIM(silent); i++)
		close(silent[i]);
	cr_assert_eq(request(DP_MSG_STATS_CLEAR, NULL, 0), 0, "the controller is still served");
}
