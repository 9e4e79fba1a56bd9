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

struct ctl_limits {
	size_t backlog_pause; /* bytes of queued replies above which a client's requests are not read */
	size_t backlog_max;   /* bytes of queued replies above which a client is disconnected */
	unsigned stall_ms;    /* a client whose queued replies do not move for this long is disconnected */
	unsigned hello_ms;    /* a connection that has not said HELLO after this long is closed */
};

extern const struct ctl_limits ctl_default_limits;

/* Connections waiting for their HELLO at one time; more are closed at once. */
#define CTL_MAX_PENDING 4

int ctl_init(const char *path, const struct ctl_limits *limits);
/* Serve what is pending, waiting at most timeout_ms. */
void ctl_poll(int timeout_ms);
void ctl_close(void);

#endif
