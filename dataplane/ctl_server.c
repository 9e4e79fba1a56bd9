/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "dataplane/ctl_server.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_log.h>
#include <rte_version.h>

#include "common/msg.h"
#include "dataplane/capture.h"
#include "dataplane/dp.h"
#include "dataplane/state.h"

#define DEFAULT_BACKLOG_PAUSE ((size_t)256 << 10)
#define DEFAULT_BACKLOG_MAX ((size_t)16 << 20)
/* Reading stops above the pause mark, so a backlog passes it by one reply at most; a dump is fed
 * to the queue as it drains (struct dump_stream). The hard limit bounds memory should replies ever
 * outgrow that. */

const struct ctl_limits ctl_default_limits = {
	.backlog_pause = DEFAULT_BACKLOG_PAUSE,
	.backlog_max = DEFAULT_BACKLOG_MAX,
	.stall_ms = 5000,
	.hello_ms = 5000,
};

/* One controller, a few connections waiting for their HELLO, and those
 * being closed once their last reply (a refusal, a notification) is out. */
#define CTL_MAX_CONNS 8
/* Requests read from one client per poll, so others and the main loop get their turn. */
#define CTL_READ_BATCH 16

/* A reply waiting for room in its client's socket. */
struct queued_msg {
	STAILQ_ENTRY(queued_msg) next;
	struct dp_msg_hdr hdr;
	size_t body_len;
	uint8_t body[];
};

enum conn_state {
	CONN_FREE,
	CONN_PENDING,    /* accepted, no HELLO yet */
	CONN_CONTROLLER, /* the one client whose requests are served */
	CONN_CLOSING,    /* refused or replaced: closed once its queue is sent */
};

struct ctl_conn {
	enum conn_state state;
	int fd;
	uint32_t pid;          /* from SO_PEERCRED, else what its HELLO says */
	uint32_t refused_pid;  /* controller: the last refused second controller it was told about */
	bool gone;             /* peer closed, send failed, or limits passed: closed when next settled */
	uint32_t events;       /* what epoll watches for it */
	uint64_t since_tsc;    /* accepted at */
	uint64_t progress_tsc; /* when its queue last moved (or began) */
	size_t backlog;        /* bytes queued */
	/* A dump being sent: its replies are queued as the client reads, not all at once. */
	struct dump_stream {
		struct dp_msg_hdr req;
		uint8_t *elems; /* owned; NULL when no dump is under way */
		unsigned n, sent;
		size_t esize;
	} dump;
	/* cppcheck sees the members only inside the <sys/queue.h> macros */
	// cppcheck-suppress unusedStructMember
	STAILQ_HEAD(, queued_msg) queue;
};

static int listen_fd = -1, epoll_fd = -1;
static char sock_path[108];
static struct ctl_limits limits;
static struct ctl_conn conns[CTL_MAX_CONNS];
static struct ctl_conn *controller;
static bool refusing_logged;
static uint64_t start_tsc;
static uint8_t rxbuf[DP_MSG_MAX_LEN];

static uint64_t ms_to_tsc(unsigned ms)
{
	return rte_get_tsc_hz() * ms / 1000;
}

static const char *conn_role(const struct ctl_conn *c)
{
	return c->state == CONN_CONTROLLER ? "controller" : "client";
}

/* Marks c for closing, with a log line saying why. */
static void conn_gone(struct ctl_conn *c, uint32_t level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void conn_gone(struct ctl_conn *c, uint32_t level, const char *fmt, ...)
{
	char why[192];
	va_list ap;

	if (c->gone)
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	rte_log(level, RTE_LOGTYPE_USER1, "USER1: control: %s pid %u %s\n", conn_role(c), c->pid, why);
	c->gone = true;
}

/* Sends at once when nothing waits before it and the socket has room; queues otherwise. */
static void conn_send(struct ctl_conn *c, const struct dp_msg_hdr *h, const void *body, size_t len)
{
	struct queued_msg *q;

	if (c->gone)
		return;
	if (STAILQ_EMPTY(&c->queue)) {
		int rc = msg_send(c->fd, h, body, len);
		if (rc == 0)
			return;
		if (rc != -EAGAIN) {
			conn_gone(c, RTE_LOG_WARNING, "cannot be sent to (%s); disconnecting", strerror(-rc));
			return;
		}
		c->progress_tsc = rte_rdtsc();
	}
	if (c->backlog + sizeof(*h) + len > limits.backlog_max) {
		conn_gone(c, RTE_LOG_WARNING, "leaves more than %zu bytes of replies unread; disconnecting",
			  limits.backlog_max);
		return;
	}
	q = malloc(sizeof(*q) + len);
	if (!q) {
		conn_gone(c, RTE_LOG_WARNING, "cannot be sent to (no memory to queue a reply); disconnecting");
		return;
	}
	q->hdr = *h;
	q->body_len = len;
	if (len)
		memcpy(q->body, body, len);
	STAILQ_INSERT_TAIL(&c->queue, q, next);
	c->backlog += sizeof(*h) + len;
}

static void dump_pump(struct ctl_conn *c);

static void conn_flush(struct ctl_conn *c)
{
	struct queued_msg *q;

	while (!c->gone && (q = STAILQ_FIRST(&c->queue)) != NULL) {
		int rc = msg_send(c->fd, &q->hdr, q->body, q->body_len);
		if (rc == -EAGAIN)
			return;
		if (rc < 0) {
			conn_gone(c, RTE_LOG_WARNING, "cannot be sent to (%s); disconnecting", strerror(-rc));
			return;
		}
		STAILQ_REMOVE_HEAD(&c->queue, next);
		c->backlog -= sizeof(q->hdr) + q->body_len;
		c->progress_tsc = rte_rdtsc();
		free(q);
	}
	dump_pump(c);
}

void ctl_reply(struct ctl_conn *c, const struct dp_msg_hdr *req, int status, uint16_t flags, const void *body,
	       size_t len, uint32_t count)
{
	struct dp_msg_hdr h = {.type = req->type, .seq = req->seq, .status = status, .flags = flags, .count = count};
	conn_send(c, &h, body, len);
}

void ctl_reply_error(struct ctl_conn *c, const struct dp_msg_hdr *req, int status, const char *fmt, ...)
{
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	ctl_reply(c, req, status, 0, text, strlen(text) + 1, 0);
}

static unsigned elems_per_msg(size_t esize)
{
	return (unsigned)((DP_MSG_MAX_LEN - sizeof(struct dp_msg_hdr)) / esize);
}

/* Send an array as as many replies as it takes; the last one without MORE. */
void ctl_reply_array(struct ctl_conn *c, const struct dp_msg_hdr *req, const void *elems, unsigned n, size_t esize)
{
	unsigned per_msg = elems_per_msg(esize);
	unsigned sent = 0;

	do {
		unsigned k = RTE_MIN(per_msg, n - sent);
		bool more = sent + k < n;
		ctl_reply(c, req, 0, more ? DP_MSG_F_MORE : 0, (const char *)elems + sent * esize, k * esize, k);
		sent += k;
	} while (sent < n);
}

static void dump_end(struct ctl_conn *c)
{
	free(c->dump.elems);
	c->dump.elems = NULL;
}

/* Queues the dump's next replies while the client's backlog is short. */
static void dump_pump(struct ctl_conn *c)
{
	struct dump_stream *d = &c->dump;
	unsigned per_msg;

	if (!d->elems)
		return;
	per_msg = elems_per_msg(d->esize);
	while (!c->gone && c->backlog <= limits.backlog_pause && d->elems) {
		unsigned k = RTE_MIN(per_msg, d->n - d->sent);
		bool more = d->sent + k < d->n;
		ctl_reply(c, &d->req, 0, more ? DP_MSG_F_MORE : 0, d->elems + (size_t)d->sent * d->esize, k * d->esize,
			  k);
		d->sent += k;
		if (!more)
			dump_end(c);
	}
}

void ctl_reply_dump(struct ctl_conn *c, const struct dp_msg_hdr *req, size_t esize, unsigned max,
		    unsigned (*fill)(void *out, unsigned max))
{
	void *arr = malloc(esize * (max ? max : 1));
	if (!arr || c->dump.elems) {
		free(arr);
		ctl_reply_error(c, req, arr ? -EBUSY : -ENOMEM, arr ? "a dump is under way" : "out of memory");
		return;
	}
	c->dump = (struct dump_stream){.req = *req, .elems = arr, .n = fill(arr, max), .esize = esize};
	dump_pump(c);
}

static void notify(struct ctl_conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void notify(struct ctl_conn *c, const char *fmt, ...)
{
	struct dp_msg_hdr h = {.type = DP_MSG_NOTIFY};
	char text[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	conn_send(c, &h, text, strlen(text) + 1);
}

/* Handlers of the request types the features own (ctl_register). */
static ctl_handler_fn handlers[DP_MSG_TYPE_MAX];

void ctl_register(uint16_t type, ctl_handler_fn fn)
{
	if (type < DP_MSG_TYPE_MAX)
		handlers[type] = fn;
}

/* A long request goes on: an interim reply flagged DP_MSG_F_BUSY. */
struct busy_reply {
	struct ctl_conn *c;
	struct dp_msg_hdr req;
};

static void reply_busy(void *arg)
{
	const struct busy_reply *b = arg;

	ctl_reply(b->c, &b->req, 0, DP_MSG_F_BUSY, NULL, 0, 0);
	conn_flush(b->c);
}

static void reply_hello(struct ctl_conn *c, const struct dp_msg_hdr *h)
{
	struct dp_hello hello = {
		.n_workers = dp.n_workers,
		.uptime_s = (rte_rdtsc() - start_tsc) / rte_get_tsc_hz(),
	};
	const char *dir = rte_eal_get_runtime_dir(), *base = strrchr(dir, '/');

	snprintf(hello.version, sizeof(hello.version), "%s", BRINK_VERSION);
	snprintf(hello.dpdk_version, sizeof(hello.dpdk_version), "%s", rte_version());
	snprintf(hello.file_prefix, sizeof(hello.file_prefix), "%s", base ? base + 1 : dir);
	snprintf(hello.capture_unavailable, sizeof(hello.capture_unavailable), "%s", capture_unavailable());
	for (uint8_t o = 0; o < DP_OWNER_MAX; o++)
		hello.generation[o] = state_generation(o);
	for (unsigned p = 0; p < RTE_MAX_ETHPORTS; p++)
		hello.n_ports += dp.ports[p].in_use && !dp.ports[p].is_punt;
	ctl_reply(c, h, 0, 0, &hello, sizeof(hello), 1);
}

/* A request of the controller. */
static void handle(struct ctl_conn *c, const struct dp_msg_hdr *h, const void *body, size_t len)
{
	switch (h->type) {
	case DP_MSG_HELLO:
		reply_hello(c, h);
		return;
	case DP_MSG_TXN_BEGIN:
		state_txn_begin(body, len);
		return;
	case DP_MSG_TXN_ITEMS:
		if (state_txn_open())
			state_txn_items(body, len);
		else
			ctl_reply_error(c, h, -EINVAL, "no transaction open");
		return;
	case DP_MSG_TXN_COMMIT: {
		if (!state_txn_open()) {
			ctl_reply_error(c, h, -EINVAL, "no transaction open");
			return;
		}
		struct dp_apply a;
		struct busy_reply busy = {c, *h};
		int rc = state_txn_commit(&a, reply_busy, &busy);
		if (rc < 0) {
			RTE_LOG(WARNING, USER1, "control: commit refused: %s\n", a.err);
			ctl_reply_error(c, h, rc, "%s", a.err);
		} else {
			if (a.n_refused)
				RTE_LOG(WARNING, USER1, "control: applied all but %u items:\n%s", a.n_refused,
					sbuf_str(&a.refused));
			/* the refused items, one line each; the text ends with its NUL */
			ctl_reply(c, h, 0, 0, a.n_refused ? sbuf_str(&a.refused) : NULL,
				  a.n_refused ? a.refused.len + 1 : 0, a.n_refused);
		}
		dp_apply_fini(&a);
		return;
	}
	case DP_MSG_TXN_ABORT:
		state_txn_abort();
		ctl_reply(c, h, 0, 0, NULL, 0, 0);
		return;
	case DP_MSG_OBJ: {
		char err[256];
		unsigned changed;
		int rc = state_obj(body, len, &changed, err, sizeof(err));
		/* An error's count says how many items before the failing one stay applied. */
		ctl_reply(c, h, rc < 0 ? rc : 0, 0, rc < 0 ? err : NULL, rc < 0 ? strlen(err) + 1 : 0, changed);
		return;
	}
	default:
		if (handlers[h->type])
			handlers[h->type](c, h, body, len);
		else
			ctl_reply_error(c, h, -EOPNOTSUPP, "unknown message type %u", h->type);
	}
}

/* The last reply a connection gets: it is closed once that is sent. */
static void refuse(struct ctl_conn *c, const struct dp_msg_hdr *h, int status, const char *text)
{
	ctl_reply_error(c, h, status, "%s", text);
	c->state = CONN_CLOSING;
}

static void refuse_malformed(struct ctl_conn *c, const struct dp_msg_hdr *h, int status, const char *text)
{
	RTE_LOG(WARNING, USER1, "control: client pid %u: %s; disconnecting\n", c->pid, text);
	refuse(c, h, status, text);
}

/* The first message of a connection: it becomes the controller, takes over
 * from the one there is, or is refused. */
static void hello_first(struct ctl_conn *c, const struct dp_msg_hdr *h, const void *body, size_t len)
{
	struct dp_hello_req req;
	char text[200];

	if (h->type != DP_MSG_HELLO) {
		RTE_LOG(WARNING, USER1, "control: client pid %u sent message type %u before HELLO; disconnecting\n",
			c->pid, h->type);
		refuse(c, h, -EPERM, "say HELLO first (a struct dp_hello_req)");
		return;
	}
	if (len != sizeof(req)) {
		snprintf(text, sizeof(text), "HELLO carries a struct dp_hello_req of %zu bytes, not %zu (protocol %d)",
			 sizeof(req), len, DP_MSG_VERSION);
		refuse_malformed(c, h, -EBADMSG, text);
		return;
	}
	memcpy(&req, body, sizeof(req));
	if (!c->pid)
		c->pid = req.pid;
	if (req.flags & ~(uint32_t)DP_HELLO_F_TAKEOVER) {
		snprintf(text, sizeof(text), "unknown HELLO flags 0x%x", req.flags & ~(uint32_t)DP_HELLO_F_TAKEOVER);
		refuse_malformed(c, h, -EINVAL, text);
		return;
	}
	if (controller && !(req.flags & DP_HELLO_F_TAKEOVER)) {
		/* A refused brinkd retries every second: say it once per brinkd. */
		if (controller->refused_pid != c->pid) {
			controller->refused_pid = c->pid;
			RTE_LOG(WARNING, USER1, "control: refused a second controller, pid %u: pid %u is in control\n",
				c->pid, controller->pid);
			notify(controller, "refused a second brinkd (pid %u): this one stays in control", c->pid);
		}
		snprintf(text, sizeof(text),
			 "controlled by another brinkd (pid %u); stop it, or start this one with --takeover",
			 controller->pid);
		refuse(c, h, -EBUSY, text);
		return;
	}
	if (controller) {
		RTE_LOG(WARNING, USER1, "control: pid %u took over from controller pid %u\n", c->pid, controller->pid);
		notify(controller, "taken over by brinkd pid %u", c->pid);
		controller->state = CONN_CLOSING;
		state_txn_abort();
	} else {
		RTE_LOG(INFO, USER1, "control: controller connected (pid %u)\n", c->pid);
	}
	c->state = CONN_CONTROLLER;
	controller = c;
	reply_hello(c, h);
}

static bool conn_reads(const struct ctl_conn *c)
{
	return !c->gone && c->state != CONN_CLOSING && c->backlog <= limits.backlog_pause;
}

static void conn_readable(struct ctl_conn *c)
{
	for (unsigned i = 0; i < CTL_READ_BATCH && conn_reads(c); i++) {
		int len = msg_recv(c->fd, rxbuf, sizeof(rxbuf));
		if (len == -EAGAIN)
			return;
		if (len == 0) {
			conn_gone(c, RTE_LOG_INFO, "disconnected");
			return;
		}
		if (len < 0) {
			conn_gone(c, RTE_LOG_WARNING, "sent a bad message (%s); disconnecting", strerror(-len));
			return;
		}
		const struct dp_msg_hdr *h = (const void *)rxbuf;
		if (c->state == CONN_CONTROLLER)
			handle(c, h, msg_body(rxbuf), msg_body_len(rxbuf));
		else
			hello_first(c, h, msg_body(rxbuf), msg_body_len(rxbuf));
	}
}

static void conn_drop(struct ctl_conn *c)
{
	struct queued_msg *q;

	epoll_ctl(epoll_fd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	dump_end(c);
	while ((q = STAILQ_FIRST(&c->queue)) != NULL) {
		STAILQ_REMOVE_HEAD(&c->queue, next);
		free(q);
	}
	if (c == controller) {
		controller = NULL;
		state_txn_abort();
	}
	c->state = CONN_FREE;
}

/* After the events of a poll: enforce the limits, close what is done, and
 * watch each socket for what it now waits for. */
static void conn_settle(struct ctl_conn *c, uint64_t now)
{
	if (c->state == CONN_PENDING && now - c->since_tsc > ms_to_tsc(limits.hello_ms))
		conn_gone(c, RTE_LOG_WARNING, "sent no HELLO within %u ms; disconnecting", limits.hello_ms);
	if (!STAILQ_EMPTY(&c->queue) && now - c->progress_tsc > ms_to_tsc(limits.stall_ms))
		conn_gone(c, RTE_LOG_WARNING, "left %zu bytes of replies unread for %u ms; disconnecting", c->backlog,
			  limits.stall_ms);
	if (c->gone || (c->state == CONN_CLOSING && STAILQ_EMPTY(&c->queue))) {
		conn_drop(c);
		return;
	}
	uint32_t want = (conn_reads(c) ? EPOLLIN : 0) | (STAILQ_EMPTY(&c->queue) ? 0 : EPOLLOUT);
	if (want != c->events) {
		struct epoll_event ev = {.events = want, .data.ptr = c};
		epoll_ctl(epoll_fd, EPOLL_CTL_MOD, c->fd, &ev);
		c->events = want;
	}
}

static struct ctl_conn *conn_new(int fd, uint64_t now)
{
	struct ctl_conn *slot = NULL;
	unsigned pending = 0;

	for (unsigned i = 0; i < CTL_MAX_CONNS; i++) {
		if (conns[i].state == CONN_FREE && !slot)
			slot = &conns[i];
		pending += conns[i].state == CONN_PENDING;
	}
	if (!slot || pending >= CTL_MAX_PENDING)
		return NULL;
	struct ucred cred;
	socklen_t cred_len = sizeof(cred);
	*slot = (struct ctl_conn){
		.state = CONN_PENDING,
		.fd = fd,
		.pid = getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cred_len) == 0 ? (uint32_t)cred.pid : 0,
		.events = EPOLLIN,
		.since_tsc = now,
	};
	STAILQ_INIT(&slot->queue);
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = slot};
	if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		slot->state = CONN_FREE;
		return NULL;
	}
	return slot;
}

static void accept_all(uint64_t now)
{
	for (unsigned i = 0; i < CTL_MAX_CONNS; i++) {
		int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0)
			return;
		if (conn_new(fd, now)) {
			refusing_logged = false;
			continue;
		}
		/* Whoever opens connections and says nothing gets no more of them. */
		if (!refusing_logged)
			RTE_LOG(WARNING, USER1, "control: %u connections wait for their HELLO; closing new ones\n",
				CTL_MAX_PENDING);
		refusing_logged = true;
		close(fd);
	}
}

int ctl_init(const char *path, const struct ctl_limits *lim)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};

	limits = *lim;
	start_tsc = rte_rdtsc();
	snprintf(sock_path, sizeof(sock_path), "%s", path);
	listen_fd = msg_listen(path);
	if (listen_fd < 0)
		return listen_fd;
	epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (epoll_fd < 0)
		return -errno;
	return epoll_ctl(epoll_fd, EPOLL_CTL_ADD, listen_fd, &ev) < 0 ? -errno : 0;
}

void ctl_poll(int timeout_ms)
{
	struct epoll_event evs[CTL_MAX_CONNS + 1];
	bool incoming = false;
	int n = epoll_wait(epoll_fd, evs, RTE_DIM(evs), timeout_ms);

	/* Connections are closed and accepted only after every event is seen,
	 * so no event of this batch can meet a slot that changed hands. */
	for (int i = 0; i < n; i++) {
		struct ctl_conn *c = evs[i].data.ptr;
		if (!c) {
			incoming = true;
			continue;
		}
		if (evs[i].events & EPOLLOUT)
			conn_flush(c);
		if (evs[i].events & EPOLLIN)
			conn_readable(c);
		else if (evs[i].events & (EPOLLHUP | EPOLLERR))
			conn_gone(c, RTE_LOG_INFO, "disconnected");
	}
	uint64_t now = rte_rdtsc();
	for (unsigned i = 0; i < CTL_MAX_CONNS; i++)
		if (conns[i].state != CONN_FREE)
			conn_settle(&conns[i], now);
	if (incoming)
		accept_all(now);
}

void ctl_close(void)
{
	for (unsigned i = 0; i < CTL_MAX_CONNS; i++)
		if (conns[i].state != CONN_FREE)
			conn_drop(&conns[i]);
	if (listen_fd >= 0) {
		close(listen_fd);
		unlink(sock_path);
	}
	if (epoll_fd >= 0)
		close(epoll_fd);
	listen_fd = epoll_fd = -1;
	refusing_logged = false;
	state_txn_abort();
}
