/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Framing of dp_msg messages over a SOCK_SEQPACKET socket (both ends). */
#ifndef BRINK_MSG_H
#define BRINK_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "common/dp_msg.h"

/* Send one message: header fields type/seq/status/flags/count from hdr, body of body_len bytes.
 * Returns 0 or -errno. */
int msg_send(int fd, const struct dp_msg_hdr *hdr, const void *body, size_t body_len);

/* Receive one message into buf (at least DP_MSG_MAX_LEN bytes). Checks the version, that
 * hdr.len equals what arrived and the type is known. Returns the total length,
 * 0 on orderly shutdown of the peer, or -errno (-EPROTO for a malformed message). */
int msg_recv(int fd, void *buf, size_t buf_len);

/* Body of a received message and its length. */
static inline const void *msg_body(const void *buf)
{
	return (const uint8_t *)buf + sizeof(struct dp_msg_hdr);
}
static inline size_t msg_body_len(const void *buf)
{
	return ((const struct dp_msg_hdr *)buf)->len - sizeof(struct dp_msg_hdr);
}

/* Connect to / listen on a UNIX SOCK_SEQPACKET path. Return an fd or -errno. */
int msg_connect(const char *path);
int msg_listen(const char *path);

#endif
