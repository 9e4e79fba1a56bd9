/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The API socket: accepts brinksh connections, one CLI session each, greets
 * each one (control/api_msg.h) and closes sessions left idle too long.
 */
#ifndef BRINK_API_SERVER_H
#define BRINK_API_SERVER_H

#include <poll.h>

#include "control/brinkd.h"

#define API_MAX_CLIENTS 32

struct api_client;

struct api_server {
	int listen_fd;
	struct brinkd *d;
	unsigned idle_timeout_s; /* 0: sessions never time out */
	struct api_client *clients[API_MAX_CLIENTS];
};

/* Listens on path (replacing a stale socket file). Returns 0 or -errno. */
int api_server_open(struct api_server *srv, struct brinkd *d, const char *path, unsigned idle_timeout_s);
/* Closes every session and removes the socket file. */
void api_server_close(struct api_server *srv, const char *path);

/* Fills pfd with the descriptors to watch; returns how many (<= 1 + API_MAX_CLIENTS). */
int api_server_fds(const struct api_server *srv, struct pollfd *pfd);
/* Handles what poll() reported for those descriptors. */
void api_server_handle(struct api_server *srv, const struct pollfd *pfd, int n);
/* Closes the sessions idle for idle_timeout_s, telling each why. Call about
 * once a second. */
void api_server_expire(struct api_server *srv);

#endif
