/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The control channel server: brinkd's requests, served on the main lcore.
 * It never blocks on a client: sockets are non-blocking, replies a client
 * does not take are queued per connection, and the limits below bound what
 * one client can cost.
 */
#ifndef BRINK_DP_CTL_SERVER_H
#define BRINK_DP_CTL_SERVER_H

#include <stddef.h>
#include <stdint.h>

struct ctl_limits {
	size_t backlog_pause; /* bytes of queued replies above which a client's requests are not read */
	size_t backlog_max;   /* bytes of queued replies above which a client is disconnected */
	unsigned stall_ms;    /* a client whose queued replies do not move for this long is disconnected */
	unsigned hello_ms;    /* a connection that has not said HELLO after this long is closed */
};

extern const struct ctl_limits ctl_default_limits;

/* Connections waiting for their HELLO at one time; more are closed at once. */
#define CTL_MAX_PENDING 4

/* Requests are handled by the feature that owns them: it registers a
 * handler for its message types (at start, from an RTE_INIT) and answers
 * with the ctl_reply functions. Transactions and HELLO are the server's. */
struct ctl_conn;
struct dp_msg_hdr;
typedef void (*ctl_handler_fn)(struct ctl_conn *c, const struct dp_msg_hdr *req, const void *body, size_t len);
void ctl_register(uint16_t type, ctl_handler_fn fn);

void ctl_reply(struct ctl_conn *c, const struct dp_msg_hdr *req, int status, uint16_t flags, const void *body,
	       size_t len, uint32_t count);
void ctl_reply_error(struct ctl_conn *c, const struct dp_msg_hdr *req, int status, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Sends an array in as many replies as it takes; the last one without DP_MSG_F_MORE. */
void ctl_reply_array(struct ctl_conn *c, const struct dp_msg_hdr *req, const void *elems, unsigned n, size_t esize);
/* The same for an array that fill() builds, of at most max elements. */
void ctl_reply_dump(struct ctl_conn *c, const struct dp_msg_hdr *req, size_t esize, unsigned max,
		    unsigned (*fill)(void *out, unsigned max));

int ctl_init(const char *path, const struct ctl_limits *limits);
/* Serve what is pending, waiting at most timeout_ms. */
void ctl_poll(int timeout_ms);
void ctl_close(void);

#endif
