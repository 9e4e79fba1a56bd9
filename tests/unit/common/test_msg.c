/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Control-channel framing: what msg_recv accepts and what it refuses. */
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "common/msg.h"

static int fds[2];
static uint8_t buf[DP_MSG_MAX_LEN];

static void pair(void)
{
	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, fds), 0);
}

TestSuite(msg, .init = pair);

Test(msg, round_trips_header_and_body)
{
	struct dp_msg_hdr h = {.type = DP_MSG_TXN_ITEMS, .seq = 42};
	struct dp_addr a = {.port = "dp0", .ip = 0x0a000001, .prefix_len = 24};

	cr_assert_eq(msg_send(fds[0], &h, &a, sizeof(a)), 0);
	int n = msg_recv(fds[1], buf, sizeof(buf));
	cr_assert_eq(n, (int)(sizeof(h) + sizeof(a)));
	const struct dp_msg_hdr *r = (const void *)buf;
	cr_assert_eq(r->version, DP_MSG_VERSION);
	cr_assert_eq(r->seq, 42);
	cr_assert_eq(msg_body_len(buf), sizeof(a));
	cr_assert_eq(((const struct dp_addr *)msg_body(buf))->ip, 0x0a000001);
}

static void send_raw(struct dp_msg_hdr h, size_t extra)
{
	uint8_t raw[sizeof(h) + 64] = {0};
	memcpy(raw, &h, sizeof(h));
	cr_assert_eq(send(fds[0], raw, sizeof(h) + extra, 0), (ssize_t)(sizeof(h) + extra));
}

Test(msg, refuses_another_version)
{
	send_raw((struct dp_msg_hdr){.version = 99, .type = DP_MSG_HELLO, .len = sizeof(struct dp_msg_hdr)}, 0);
	cr_assert_eq(msg_recv(fds[1], buf, sizeof(buf)), -EPROTO);
}

Test(msg, refuses_a_length_that_is_not_what_arrived)
{
	send_raw((struct dp_msg_hdr){.version = DP_MSG_VERSION, .type = DP_MSG_HELLO, .len = 100}, 8);
	cr_assert_eq(msg_recv(fds[1], buf, sizeof(buf)), -EPROTO);
}

Test(msg, refuses_unknown_types_and_short_datagrams)
{
	send_raw((struct dp_msg_hdr){.version = DP_MSG_VERSION,
				     .type = DP_MSG_TYPE_MAX,
				     .len = sizeof(struct dp_msg_hdr)},
		 0);
	cr_assert_eq(msg_recv(fds[1], buf, sizeof(buf)), -EPROTO);
	cr_assert_eq(send(fds[0], "abc", 3, 0), 3);
	cr_assert_eq(msg_recv(fds[1], buf, sizeof(buf)), -EPROTO);
}

Test(msg, refuses_oversized_bodies_before_sending)
{
	static uint8_t big[DP_MSG_MAX_LEN];
	struct dp_msg_hdr h = {.type = DP_MSG_TXN_ITEMS};
	cr_assert_eq(msg_send(fds[0], &h, big, sizeof(big)), -EMSGSIZE);
}

Test(msg, reports_an_orderly_close)
{
	close(fds[0]);
	cr_assert_eq(msg_recv(fds[1], buf, sizeof(buf)), 0);
}
