/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "control/api_server.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "common/msg.h"
#include "control/api_msg.h"
#include "control/cli.h"

struct api_client {
	int fd;
	struct cli_session session;
	time_t last_request;    /* CLOCK_MONOTONIC seconds: the idle timeout counts from here */
	long long next_tick_ms; /* of the session's job */
};

static time_t now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* "15 min", "1 h", "90 s": how the idle timeout is shown to the user. */
static void add_duration(struct sbuf *b, unsigned s)
{
	if (s % 3600 == 0)
		sbuf_printf(b, "%u h", s / 3600);
	else if (s % 60 == 0)
		sbuf_printf(b, "%u min", s / 60);
	else
		sbuf_printf(b, "%u s", s);
}

int api_server_open(struct api_server *srv, struct brinkd *d, const char *path, unsigned idle_timeout_s)
{
	*srv = (struct api_server){.d = d, .idle_timeout_s = idle_timeout_s};
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

int api_server_fds(struct api_server *srv, struct pollfd *pfd)
{
	int n = 0;

	pfd[n++] = (struct pollfd){.fd = srv->listen_fd, .events = POLLIN};
	for (int i = 0; i < API_MAX_CLIENTS; i++) {
		struct api_client *c = srv->clients[i];
		if (!c)
			continue;
		srv->polled[n].client = c;
		srv->polled[n].job = false;
		pfd[n++] = (struct pollfd){.fd = c->fd, .events = POLLIN};
		if (c->session.job && c->session.job->fd >= 0) {
			srv->polled[n].client = c;
			srv->polled[n].job = true;
			pfd[n++] = (struct pollfd){.fd = c->session.job->fd, .events = POLLIN};
		}
	}
	return n;
}

int api_server_timeout(const struct api_server *srv, int max_ms)
{
	long long now = now_ms(), wait = max_ms;

	for (int i = 0; i < API_MAX_CLIENTS; i++) {
		const struct api_client *c = srv->clients[i];
		if (c && c->session.job && c->session.job->period_ms && c->next_tick_ms - now < wait)
			wait = c->next_tick_ms - now;
	}
	return wait < 0 ? 0 : (int)wait;
}

/* A reply of the session: its mode and edit level ride along. */
static int reply(struct api_client *c, int status, uint16_t flags, const struct sbuf *text)
{
	char level[API_LEVEL_MAX + 1];

	flags |= (uint16_t)((c->session.mode == CLI_CONFIGURATION ? API_F_CONFIG : 0) |
			    (c->session.closed ? API_F_CLOSED : 0));
	cli_edit_level(&c->session, level, sizeof(level));
	return api_send_reply(c->fd, status, flags, sbuf_str(text), text->len, level);
}

/* Sends the reason and closes fd: a client that could not get a session. */
static void refuse(int fd, int status, const struct sbuf *why)
{
	api_send_reply(fd, status, API_F_CLOSED, sbuf_str(why), why->len, NULL);
	close(fd);
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
	struct sbuf why = {0};
	int fd = accept4(srv->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	int i;

	if (fd < 0)
		return;
	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0) {
		int err = errno;
		sbuf_printf(&why, "brinkd: cannot open a session: %s\n", strerror(err));
		refuse(fd, -err, &why);
		sbuf_free(&why);
		return;
	}
	for (i = 0; i < API_MAX_CLIENTS && srv->clients[i]; i++)
		;
	if (i == API_MAX_CLIENTS) {
		sbuf_printf(&why, "brinkd: %d sessions are open, the most it serves; ", API_MAX_CLIENTS);
		if (srv->idle_timeout_s) {
			sbuf_add(&why, "idle sessions close after ");
			add_duration(&why, srv->idle_timeout_s);
		} else {
			sbuf_add(&why, "leave one (exit) and try again");
		}
		sbuf_add(&why, "\n");
		refuse(fd, -EBUSY, &why);
		sbuf_free(&why);
		brinkd_log("refused a session: all %d are open", API_MAX_CLIENTS);
		return;
	}
	struct api_client *c = calloc(1, sizeof(*c));
	if (!c) {
		sbuf_add(&why, "brinkd: cannot open a session: out of memory\n");
		refuse(fd, -ENOMEM, &why);
		sbuf_free(&why);
		return;
	}
	c->fd = fd;
	c->last_request = now_s();
	cli_session_init(&c->session, srv->d);
	peer_user(fd, c->session.user, sizeof(c->session.user));
	srv->clients[i] = c;
	if (api_send_reply(fd, 0, 0, "", 0, NULL) < 0)
		drop(srv, i);
}

static void serve(struct api_server *srv, int i)
{
	static char text[API_TEXT_MAX + 1];
	struct api_client *c = srv->clients[i];
	struct api_req_hdr h;
	struct sbuf out = {0};
	int rc = api_recv_request(c->fd, &h, text, sizeof(text));

	if (rc == -EPROTONOSUPPORT) {
		sbuf_printf(&out, "brinkd speaks API version %d, the client %u: use brinksh and brinkd of one build\n",
			    API_VERSION, h.version);
		api_send_reply(c->fd, rc, API_F_CLOSED, sbuf_str(&out), out.len, NULL);
		sbuf_free(&out);
	} else if (rc == -EPROTO) {
		static const char bad[] = "malformed request (length or NUL byte)\n";
		api_send_reply(c->fd, -EPROTO, API_F_CLOSED, bad, sizeof(bad) - 1, NULL);
	}
	if (rc < 0) {
		drop(srv, i);
		return;
	}
	c->last_request = now_s();
	/* Any request while a command streams is taken as an interrupt (a
	 * client sends only that then); an interrupt with nothing running is
	 * ignored. */
	if (c->session.job) {
		struct cli_job *j = c->session.job;
		struct sbuf said = {0};
		int jrc = j->interrupt ? j->interrupt(j, &c->session, &said) : 0;
		if (jrc <= 0)
			cli_job_stop(&c->session);
		rc = jrc > 0 ? (said.len ? reply(c, 0, API_F_MORE | API_F_STREAM, &said) : 0) : reply(c, jrc, 0, &said);
		sbuf_free(&said);
		if (rc < 0) {
			drop(srv, i);
			return;
		}
		return;
	}
	if (h.flags & API_F_INTERRUPT)
		return;
	rc = cli_exec(&c->session, text, h.flags & API_F_JSON, &out);
	if (c->session.job)
		c->next_tick_ms = now_ms() + c->session.job->period_ms;
	if (reply(c, rc, c->session.job ? API_F_MORE | API_F_STREAM : 0, &out) < 0 || c->session.closed)
		drop(srv, i);
	sbuf_free(&out);
}

/* One step of a session's job: output as it comes, the last reply when it ends. */
static void run_job(struct api_server *srv, int i, bool readable)
{
	struct api_client *c = srv->clients[i];
	struct cli_job *j = c->session.job;
	struct sbuf out = {0};
	int rc = readable ? j->ready(j, &c->session, &out) : j->tick(j, &c->session, &out);

	cli_job_filter(&c->session, &out, rc <= 0);
	c->next_tick_ms = now_ms() + j->period_ms;
	if (rc <= 0)
		cli_job_stop(&c->session);
	if ((rc > 0 && out.len && reply(c, 0, API_F_MORE | API_F_STREAM, &out) < 0) ||
	    (rc <= 0 && reply(c, rc, 0, &out) < 0))
		drop(srv, i);
	sbuf_free(&out);
}

static int slot_of(const struct api_server *srv, const struct api_client *c)
{
	for (int i = 0; i < API_MAX_CLIENTS; i++)
		if (c && srv->clients[i] == c)
			return i;
	return -1;
}

void api_server_handle(struct api_server *srv, const struct pollfd *pfd, int n)
{
	long long now = now_ms();

	/* A session dropped meanwhile (or its slot reused) is no longer found;
	 * accepting comes last, since it may fill a slot that was not polled. */
	for (int k = 1; k < n; k++) {
		int i = slot_of(srv, srv->polled[k].client);
		if (i < 0 || !pfd[k].revents)
			continue;
		if (!srv->polled[k].job)
			serve(srv, i);
		else if (srv->clients[i]->session.job)
			run_job(srv, i, true);
	}
	for (int i = 0; i < API_MAX_CLIENTS; i++) {
		struct api_client *c = srv->clients[i];
		if (c && c->session.job && c->session.job->period_ms && now >= c->next_tick_ms)
			run_job(srv, i, false);
	}
	if (pfd[0].revents & POLLIN)
		accept_client(srv);
}

/* The reason an idle session closes. A configuration session's uncommitted
 * changes go with it (as when its connection closes), so the reason lists
 * them: the user can enter them again. */
static void idle_reason(const struct api_server *srv, const struct api_client *c, struct sbuf *why)
{
	const struct cli_session *s = &c->session;

	sbuf_add(why, "brinkd: closed this session after ");
	add_duration(why, srv->idle_timeout_s);
	sbuf_add(why, " without a command (brinkd -i)");
	if (s->mode == CLI_CONFIGURATION && !cfg_equal(srv->d->running, s->candidate)) {
		char *diff = cfg_compare(srv->d->running, s->candidate);
		sbuf_printf(why, "; these uncommitted changes are discarded:\n%s", diff);
		free(diff);
	} else {
		sbuf_add(why, "\n");
	}
}

void api_server_expire(struct api_server *srv)
{
	time_t now = now_s();

	if (!srv->idle_timeout_s)
		return;
	for (int i = 0; i < API_MAX_CLIENTS; i++) {
		struct api_client *c = srv->clients[i];
		/* a session watching a command's output is not idle */
		if (!c || c->session.job || now - c->last_request < (time_t)srv->idle_timeout_s)
			continue;
		struct sbuf why = {0};
		idle_reason(srv, c, &why);
		api_send_reply(c->fd, -ETIMEDOUT, API_F_CLOSED, sbuf_str(&why), why.len, NULL);
		sbuf_free(&why);
		brinkd_log("closed a session idle for %u s", srv->idle_timeout_s);
		drop(srv, i);
	}
}
