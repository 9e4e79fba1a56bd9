/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The dataplane's control server against a misbehaving or well-behaved client. */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "common/msg.h"
#include "dataplane/ctl_server.h"
#include "dp_test_env.h"

static char path[64];
static int client;
static uint8_t buf[DP_MSG_MAX_LEN];
static uint32_t seq;

static void setup(void)
{
	dp_test_env_up();
	snprintf(path, sizeof(path), "/tmp/brink-test-ctl-%d.sock", getpid());
	cr_assert_eq(ctl_init(path), 0);
	client = msg_connect(path);
	cr_assert_geq(client, 0);
	ctl_poll(10); /* accept */
}

static void teardown(void)
{
	close(client);
	ctl_close();
}

TestSuite(ctl_server, .init = setup, .fini = teardown);

/* One request, one reply; returns the reply's status and leaves it in buf. */
static int request(uint16_t type, const void *body, size_t len)
{
	struct dp_msg_hdr h = { .type = type, .seq = ++seq };
	cr_assert_eq(msg_send(client, &h, body, len), 0);
	ctl_poll(100);
	cr_assert_gt(msg_recv(client, buf, sizeof(buf)), 0, "a reply arrives");
	const struct dp_msg_hdr *r = (const void *)buf;
	cr_assert_eq(r->seq, seq);
	cr_assert_eq(r->type, type);
	return r->status;
}

static const char *error_text(void)
{
	return (const char *)msg_body(buf);
}

Test(ctl_server, refuses_items_outside_a_transaction)
{
	struct dp_addr a = { .port = "dp0", .ip = 0xac1e0101, .prefix_len = 24 };
	cr_assert_eq(request(DP_MSG_TXN_ADDR, &a, sizeof(a)), -EINVAL);
	cr_assert_str_eq(error_text(), "no transaction open");
	cr_assert_eq(request(DP_MSG_TXN_COMMIT, NULL, 0), -EINVAL);
}

Test(ctl_server, refuses_items_of_the_wrong_size)
{
	struct dp_txn_begin b = { .generation = 1 };
	struct dp_addr a = { .port = "dp0", .ip = 0xac1e0101, .prefix_len = 24 };
	cr_assert_eq(request(DP_MSG_TXN_BEGIN, &b, sizeof(b)), 0);
	cr_assert_eq(request(DP_MSG_TXN_ADDR, &a, sizeof(a) - 1), -EBADMSG);
	cr_assert_eq(request(DP_MSG_TXN_BEGIN, &b, 3), -EBADMSG);
}

Test(ctl_server, refuses_unknown_ports_with_their_name)
{
	struct dp_txn_begin b = { .generation = 1 };
	struct dp_addr a = { .port = "dp9", .ip = 0xac1e0101, .prefix_len = 24 };
	cr_assert_eq(request(DP_MSG_TXN_BEGIN, &b, sizeof(b)), 0);
	cr_assert_eq(request(DP_MSG_TXN_ADDR, &a, sizeof(a)), -ENODEV);
	cr_assert_str_eq(error_text(), "no port named 'dp9' in the dataplane");
}

Test(ctl_server, a_commit_sets_the_generation_and_a_failed_one_keeps_it)
{
	struct dp_txn_begin b = { .generation = 7 };
	struct dp_addr a = { .port = "dp0", .ip = 0xac1e0101, .prefix_len = 24 };
	struct dp_neigh bad = { .ip = 0x0b000001, .mac = { 2, 0, 0, 0, 0, 1 } };

	cr_assert_eq(request(DP_MSG_TXN_BEGIN, &b, sizeof(b)), 0);
	cr_assert_eq(request(DP_MSG_TXN_ADDR, &a, sizeof(a)), 0);
	cr_assert_eq(request(DP_MSG_TXN_COMMIT, NULL, 0), 0);
	cr_assert_eq(request(DP_MSG_HELLO, NULL, 0), 0);
	cr_assert_eq(((const struct dp_hello *)msg_body(buf))->generation, 7);

	b.generation = 8;
	cr_assert_eq(request(DP_MSG_TXN_BEGIN, &b, sizeof(b)), 0);
	cr_assert_eq(request(DP_MSG_TXN_ADDR, &a, sizeof(a)), 0);
	cr_assert_eq(request(DP_MSG_TXN_NEIGH, &bad, sizeof(bad)), 0);
	cr_assert_eq(request(DP_MSG_TXN_COMMIT, NULL, 0), -ENETUNREACH);
	cr_assert(strstr(error_text(), "static ARP entry 11.0.0.1 is not on a connected subnet"), "%s", error_text());
	cr_assert_eq(request(DP_MSG_HELLO, NULL, 0), 0);
	cr_assert_eq(((const struct dp_hello *)msg_body(buf))->generation, 7);
}

Test(ctl_server, dumps_span_several_messages_when_large)
{
	struct dp_txn_begin b = { .generation = 1 };
	struct dp_addr a = { .port = "dp1", .ip = 0xc0a80a01, .prefix_len = 24 };
	enum { N = 3000 };

	cr_assert_eq(request(DP_MSG_TXN_BEGIN, &b, sizeof(b)), 0);
	cr_assert_eq(request(DP_MSG_TXN_ADDR, &a, sizeof(a)), 0);
	for (uint32_t i = 0; i < N; i++) {
		struct dp_route r = { .prefix = 0x0b000000 + (i << 8), .prefix_len = 24, .kind = DP_ROUTE_BLACKHOLE,
				      .distance = 1 };
		cr_assert_eq(request(DP_MSG_TXN_ROUTE, &r, sizeof(r)), 0);
	}
	cr_assert_eq(request(DP_MSG_TXN_COMMIT, NULL, 0), 0);

	struct dp_msg_hdr h = { .type = DP_MSG_ROUTE_DUMP, .seq = ++seq };
	cr_assert_eq(msg_send(client, &h, NULL, 0), 0);
	ctl_poll(100);
	unsigned total = 0, messages = 0;
	const struct dp_msg_hdr *r;
	do {
		cr_assert_gt(msg_recv(client, buf, sizeof(buf)), 0);
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
	struct dp_msg_hdr h = { .version = 42, .type = DP_MSG_HELLO, .len = sizeof(h) };
	cr_assert_eq(send(client, &h, sizeof(h), 0), (ssize_t)sizeof(h));
	ctl_poll(100);
	cr_assert_eq(recv(client, buf, sizeof(buf), 0), 0, "closed by the dataplane");
	close(client);
	client = msg_connect(path);
	ctl_poll(10);
	cr_assert_eq(request(DP_MSG_HELLO, NULL, 0), 0);
}
