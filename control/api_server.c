/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "control/api_server.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "common/msg.h"
#include "control/api_msg.h"
#include "control/cli.h"

struct api_client {
	int fd;
	struct cli_session session;
};

int api_server_open(struct api_server *srv, struct brinkd *d, const char *path)
{
	*srv = (struct api_server){.d = d};
	srv->listen_fd = msg_listen(path);
	return srv->listen_fd < 0 ? srv->listen_fd : 0;
}

static void drop(struct api_server *srv, int i)
{
	cli_session_fini(&srv->clients[i]->session);
	close(srv->clients[i]->fd);
	free(srv->clients[i]);
	srv->clients[i] = NULL;
}

void api_server_close(struct api_server *srv, const char *path)
{
	for (int i = 0; i < API_MAX_CLIENTS; i++)
		if (srv->clients[i])
			drop(srv, i);
	if (srv->listen_fd >= 0) {
		close(srv->listen_fd);
		unlink(path);
	}
	srv->listen_fd = -1;
}

int api_server_fds(const struct api_server *srv, struct pollfd *pfd)
{
	int n = 0;

	pfd[n++] = (struct pollfd){.fd = srv->listen_fd, .events = POLLIN};
	for (int i = 0; i < API_MAX_CLIENTS; i++)
		if (srv->clients[i])
			pfd[n++] = (struct pollfd){.fd = srv->clients[i]->fd, .events = POLLIN};
	return n;
}

/* The login name of the process on the other end, for the commit archive. */
static void peer_user(int fd, char *user, size_t len)
{
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	struct passwd pw, *found = NULL;
	char buf[1024];

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0)
		return;
	if (getpwuid_r(cred.uid, &pw, buf, sizeof(buf), &found) == 0 && found)
		snprintf(user, len, "%s", pw.pw_name);
	else
		snprintf(user, len, "uid %u", (unsigned)cred.uid);
}

static void accept_client(struct api_server *srv)
{
	/* A client that stops reading must not stall brinkd. */
	struct timeval tv = {.tv_sec = 5};
	int fd = accept4(srv->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	int i;

	if (fd < 0)
		return;
	for (i = 0; i < API_MAX_CLIENTS && srv->clients[i]; i++)
		;
	if (i == API_MAX_CLIENTS) {
		static const char busy[] = "brinkd: too many sessions\n";
		api_send_reply(fd, -EBUSY, API_F_CLOSED, busy, sizeof(busy) - 1);
		close(fd);
		return;
	}
	struct api_client *c = calloc(1, sizeof(*c));
	if (!c || setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0) {
		static const char fail[] = "brinkd: cannot open a session\n";
		api_send_reply(fd, -ENOMEM, API_F_CLOSED, fail, sizeof(fail) - 1);
		free(c);
		close(fd);
		return;
	}
	c->fd = fd;
	cli_session_init(&c->session, srv->d);
	peer_user(fd, c->session.user, sizeof(c->session.user));
	srv->clients[i] = c;
}

static void serve(struct api_server *srv, int i)
{
	static char text[API_TEXT_MAX + 1];
	struct api_client *c = srv->clients[i];
	struct api_req_hdr h;
	struct sbuf out = {0};
	int rc = api_recv_request(c->fd, &h, text, sizeof(text));

	if (rc == -EPROTO) {
		static const char bad[] = "malformed request (version, length or NUL byte)\n";
		api_send_reply(c->fd, -EPROTO, API_F_CLOSED, bad, sizeof(bad) - 1);
	}
	if (rc < 0) {
		drop(srv, i);
		return;
	}
	rc = cli_exec(&c->session, text, h.flags & API_F_JSON, &out);
	uint16_t flags = (uint16_t)((c->session.mode == CLI_CONFIGURATION ? API_F_CONFIG : 0) |
				    (c->session.closed ? API_F_CLOSED : 0));
	if (api_send_reply(c->fd, rc, flags, sbuf_str(&out), out.len) < 0 || c->session.closed)
		drop(srv, i);
	sbuf_free(&out);
}

void api_server_handle(struct api_server *srv, const struct pollfd *pfd, int n)
{
	int polled[API_MAX_CLIENTS];

	/* Map the polled descriptors back to client slots before accepting,
	 * which may fill a slot that was not polled. */
	for (int i = 0, k = 1; i < API_MAX_CLIENTS; i++)
		polled[i] = srv->clients[i] && k < n ? k++ : 0;
	for (int i = 0; i < API_MAX_CLIENTS; i++)
		if (polled[i] && pfd[polled[i]].revents)
			serve(srv, i);
	if (pfd[0].revents & POLLIN)
		accept_client(srv);
}
