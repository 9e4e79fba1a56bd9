/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "dataplane/ctl_server.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_log.h>

#include "common/msg.h"
#include "dataplane/dp.h"
#include "dataplane/fib.h"
#include "dataplane/neigh.h"
#include "dataplane/port.h"
#include "dataplane/state.h"

static int listen_fd = -1, client_fd = -1, epoll_fd = -1;
static char sock_path[108];
static struct dp_state staging;
static bool in_txn;
static uint64_t start_tsc;
static uint8_t rxbuf[DP_MSG_MAX_LEN];

static void reply(const struct dp_msg_hdr *req, int status, uint16_t flags, const void *body, size_t len,
		  uint32_t count)
{
	struct dp_msg_hdr h = { .type = req->type, .seq = req->seq, .status = status, .flags = flags, .count = count };
	if (msg_send(client_fd, &h, body, len) < 0)
		RTE_LOG(WARNING, USER1, "control: reply to brinkd failed\n");
}

static void reply_error(const struct dp_msg_hdr *req, int status, const char *text)
{
	reply(req, status, 0, text, strlen(text) + 1, 0);
}

/* Send an array as as many replies as it takes; the last one without MORE. */
static void reply_array(const struct dp_msg_hdr *req, const void *elems, unsigned n, size_t esize)
{
	unsigned per_msg = (unsigned)((DP_MSG_MAX_LEN - sizeof(struct dp_msg_hdr)) / esize);
	unsigned sent = 0;

	do {
		unsigned k = RTE_MIN(per_msg, n - sent);
		bool more = sent + k < n;
		reply(req, 0, more ? DP_MSG_F_MORE : 0, (const char *)elems + sent * esize, k * esize, k);
		sent += k;
	} while (sent < n);
}

static void counter_add(struct dp_counter *c, unsigned *n, unsigned max, uint64_t value, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static void counter_add(struct dp_counter *c, unsigned *n, unsigned max, uint64_t value, const char *fmt, ...)
{
	va_list ap;
	if (*n == max)
		return;
	va_start(ap, fmt);
	vsnprintf(c[*n].name, sizeof(c[*n].name), fmt, ap);
	va_end(ap);
	c[(*n)++].value = value;
}

static void dump_stats(const struct dp_msg_hdr *req)
{
	enum { MAX = 512 };
	struct dp_counter *c = calloc(MAX, sizeof(*c));
	unsigned n = 0;

	if (!c) {
		reply_error(req, -ENOMEM, "out of memory");
		return;
	}
	for (unsigned i = 0; i < DP_CNT_MAX; i++)
		counter_add(c, &n, MAX, dp_counter_total(i), "%s", dp_counter_names[i]);
	for (unsigned w = 0; w < dp.n_workers; w++) {
		const struct dp_lcore_counters *wc = &dp_counters[dp.workers[w].lcore];
		counter_add(c, &n, MAX, wc->c[DP_CNT_RX_PACKETS], "worker.%u.rx_packets", w);
		counter_add(c, &n, MAX, wc->c[DP_CNT_TX_PACKETS], "worker.%u.tx_packets", w);
	}
	for (unsigned s = 0; s < DP_STAGE_MAX; s++) {
		uint64_t pkts = 0, cycles = 0;
		for (unsigned w = 0; w < dp.n_workers; w++) {
			pkts += dp_counters[dp.workers[w].lcore].stage[s].packets;
			cycles += dp_counters[dp.workers[w].lcore].stage[s].cycles;
		}
		counter_add(c, &n, MAX, pkts, "stage.%s.packets", dp_stage_names[s]);
		counter_add(c, &n, MAX, cycles, "stage.%s.cycles", dp_stage_names[s]);
	}
	counter_add(c, &n, MAX, rte_mempool_avail_count(dp.pool), "mempool.available");
	counter_add(c, &n, MAX, dp.pool->size, "mempool.size");
	counter_add(c, &n, MAX, nh_in_use(), "nexthops.in_use");
	counter_add(c, &n, MAX, rte_get_tsc_hz(), "tsc_hz");
	reply_array(req, c, n, sizeof(*c));
	free(c);
}

static void dump_ports(const struct dp_msg_hdr *req)
{
	struct dp_port_info info[CFG_MAX_PORTS];
	unsigned n = 0;

	for (unsigned p = 0; p < RTE_MAX_ETHPORTS && n < CFG_MAX_PORTS; p++)
		if (dp.ports[p].in_use && !dp.ports[p].is_punt)
			port_info((uint16_t)p, &info[n++]);
	reply_array(req, info, n, sizeof(info[0]));
}

/* A dump built into a temporary array of up to max elements by fill(). */
static void dump_array(const struct dp_msg_hdr *req, size_t esize, unsigned max, unsigned (*fill)(void *, unsigned))
{
	void *arr = malloc(esize * max);
	if (!arr) {
		reply_error(req, -ENOMEM, "out of memory");
		return;
	}
	reply_array(req, arr, fill(arr, max), esize);
	free(arr);
}

static unsigned fill_routes(void *out, unsigned max)
{
	return state_dump_routes(out, max);
}

static unsigned fill_neighs(void *out, unsigned max)
{
	return neigh_dump(out, max);
}

/* A TXN_* item, accepted only inside a transaction. */
static void txn_item(const struct dp_msg_hdr *h, const void *body, size_t len)
{
	char err[256];
	int rc;

	if (!in_txn) {
		reply_error(h, -EINVAL, "no transaction open");
		return;
	}
	rc = state_add_item(&staging, h->type, body, len, err, sizeof(err));
	if (rc < 0)
		reply_error(h, rc, err);
	else
		reply(h, 0, 0, NULL, 0, 0);
}

static void handle(const struct dp_msg_hdr *h, const void *body, size_t len)
{
	switch (h->type) {
	case DP_MSG_HELLO: {
		struct dp_hello hello = {
			.n_workers = dp.n_workers,
			.generation = state_generation(),
			.uptime_s = (rte_rdtsc() - start_tsc) / rte_get_tsc_hz(),
		};
		for (unsigned p = 0; p < RTE_MAX_ETHPORTS; p++)
			hello.n_ports += dp.ports[p].in_use && !dp.ports[p].is_punt;
		reply(h, 0, 0, &hello, sizeof(hello), 1);
		return;
	}
	case DP_MSG_PORT_DUMP:
		dump_ports(h);
		return;
	case DP_MSG_ROUTE_DUMP:
		dump_array(h, sizeof(struct dp_route_info), state_max_routes(), fill_routes);
		return;
	case DP_MSG_NEIGH_DUMP:
		dump_array(h, sizeof(struct dp_neigh_info), NEIGH_MAX, fill_neighs);
		return;
	case DP_MSG_STATS_DUMP:
		dump_stats(h);
		return;
	case DP_MSG_STATS_CLEAR:
		dp_counters_clear();
		reply(h, 0, 0, NULL, 0, 0);
		return;
	case DP_MSG_TXN_BEGIN:
		if (len != sizeof(struct dp_txn_begin)) {
			reply_error(h, -EBADMSG, "item of the wrong size");
			return;
		}
		state_clear(&staging);
		staging.generation = ((const struct dp_txn_begin *)body)->generation;
		staging.flags = ((const struct dp_txn_begin *)body)->flags;
		in_txn = true;
		reply(h, 0, 0, NULL, 0, 0);
		return;
	case DP_MSG_TXN_PORT:
	case DP_MSG_TXN_ADDR:
	case DP_MSG_TXN_ROUTE:
	case DP_MSG_TXN_NEIGH:
		txn_item(h, body, len);
		return;
	case DP_MSG_TXN_COMMIT: {
		if (!in_txn) {
			reply_error(h, -EINVAL, "no transaction open");
			return;
		}
		struct dp_apply a = {.best_effort = staging.flags & DP_TXN_F_BEST_EFFORT};
		in_txn = false;
		int rc = state_commit(&staging, &a);
		state_clear(&staging);
		if (rc < 0) {
			RTE_LOG(WARNING, USER1, "control: commit refused: %s\n", a.err);
			reply_error(h, rc, a.err);
		} else {
			if (a.n_refused)
				RTE_LOG(WARNING, USER1, "control: applied all but %u items:\n%s", a.n_refused,
					sbuf_str(&a.refused));
			/* the refused items, one line each; the text ends with its NUL */
			reply(h, 0, 0, a.n_refused ? sbuf_str(&a.refused) : NULL, a.n_refused ? a.refused.len + 1 : 0,
			      a.n_refused);
		}
		dp_apply_fini(&a);
		return;
	}
	case DP_MSG_TXN_ABORT:
		in_txn = false;
		state_clear(&staging);
		reply(h, 0, 0, NULL, 0, 0);
		return;
	default:
		reply_error(h, -EOPNOTSUPP, "unknown message type");
	}
}

static void drop_client(void)
{
	epoll_ctl(epoll_fd, EPOLL_CTL_DEL, client_fd, NULL);
	close(client_fd);
	client_fd = -1;
	/* A half-sent transaction from a brinkd that went away is void. */
	in_txn = false;
	state_clear(&staging);
}

int ctl_init(const char *path)
{
	struct epoll_event ev = { .events = EPOLLIN };

	start_tsc = rte_rdtsc();
	snprintf(sock_path, sizeof(sock_path), "%s", path);
	listen_fd = msg_listen(path);
	if (listen_fd < 0)
		return listen_fd;
	epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (epoll_fd < 0)
		return -errno;
	ev.data.fd = listen_fd;
	return epoll_ctl(epoll_fd, EPOLL_CTL_ADD, listen_fd, &ev) < 0 ? -errno : 0;
}

void ctl_poll(int timeout_ms)
{
	struct epoll_event evs[4];
	int n = epoll_wait(epoll_fd, evs, RTE_DIM(evs), timeout_ms);

	for (int i = 0; i < n; i++) {
		if (evs[i].data.fd == listen_fd) {
			int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
			if (fd < 0)
				continue;
			/* One brinkd at a time: a new connection replaces a stale one. */
			if (client_fd >= 0)
				drop_client();
			client_fd = fd;
			struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };
			epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev);
			RTE_LOG(INFO, USER1, "control: brinkd connected\n");
			continue;
		}
		if (evs[i].data.fd != client_fd)
			continue;
		int len = msg_recv(client_fd, rxbuf, sizeof(rxbuf));
		if (len <= 0) {
			if (len < 0)
				RTE_LOG(WARNING, USER1, "control: bad message from brinkd (%s), closing\n",
					strerror(-len));
			drop_client();
			continue;
		}
		handle((const struct dp_msg_hdr *)rxbuf, msg_body(rxbuf), msg_body_len(rxbuf));
	}
}

void ctl_close(void)
{
	if (client_fd >= 0)
		drop_client();
	if (listen_fd >= 0) {
		close(listen_fd);
		unlink(sock_path);
	}
	if (epoll_fd >= 0)
		close(epoll_fd);
	state_clear(&staging);
}
