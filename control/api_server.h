/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The API socket: accepts brinksh connections, one CLI session each, greets
 * each one (control/api_msg.h) and closes sessions left idle too long. A
 * command that keeps producing output (a cli_job) is run from here: its
 * descriptor is polled with the sessions' and its ticks set the poll
 * timeout; its output goes out as it comes, until it ends or is interrupted.
 */
#ifndef BRINK_API_SERVER_H
#define BRINK_API_SERVER_H

#include <poll.h>

#include "control/brinkd.h"

#define API_MAX_CLIENTS 32
/* Descriptors api_server_fds may fill: the listener, each session, each job. */
#define API_POLL_MAX (1 + 2 * API_MAX_CLIENTS)

struct api_client;

struct api_server {
	int listen_fd;
	struct brinkd *d;
	unsigned idle_timeout_s; /* 0: sessions never time out */
	struct api_client *clients[API_MAX_CLIENTS];
	/* what each polled descriptor after the listener stands for */
	struct {
		struct api_client *client;
		bool job;
	} polled[API_POLL_MAX];
};

/* Listens on path (replacing a stale socket file). Returns 0 or -errno. */
int api_server_open(struct api_server *srv, struct brinkd *d, const char *path, unsigned idle_timeout_s);
/* Closes every session and removes the socket file. */
void api_server_close(struct api_server *srv, const char *path);

/* Fills pfd with the descriptors to watch; returns how many (<= API_POLL_MAX). */
int api_server_fds(struct api_server *srv, struct pollfd *pfd);
/* How long poll() may wait for the next job tick: at most max_ms. */
int api_server_timeout(const struct api_server *srv, int max_ms);
/* Handles what poll() reported for those descriptors. */
void api_server_handle(struct api_server *srv, const struct pollfd *pfd, int n);
/* Closes the sessions idle for idle_timeout_s, telling each why. Call about
 * once a second. */
void api_server_expire(struct api_server *srv);

#endif
