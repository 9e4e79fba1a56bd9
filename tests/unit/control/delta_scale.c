/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a commit costs brinkd at Internet scale: two models of ROUTES static
 * routes (/24, one next hop each), the second with every tenth route moved
 * to another gateway, pushed to a dataplane that answers at once and
 * applies nothing. Prints one "name=value" line per figure (seconds):
 * the whole state, a push that finds nothing changed (the digest alone), and
 * the delta of ROUTES / 10 changed routes (one delete and one add each).
 *
 *   delta_scale [ROUTES]     default 1000000
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/msg.h"
#include "control/dpc.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Answers PORT_DUMP with dp0 and every COMMIT with success; reads the rest. */
static void *answer(void *arg)
{
	static uint8_t buf[DP_MSG_MAX_LEN];
	int fd = *(int *)arg;
	struct dp_port_info port = {.name = "dp0", .mtu = 1500};

	while (msg_recv(fd, buf, sizeof(buf)) > 0) {
		const struct dp_msg_hdr *req = (const void *)buf;
		struct dp_msg_hdr h = {.type = req->type, .seq = req->seq};
		if (req->type == DP_MSG_PORT_DUMP) {
			h.count = 1;
			msg_send(fd, &h, &port, sizeof(port));
		} else if (req->type == DP_MSG_TXN_COMMIT) {
			msg_send(fd, &h, NULL, 0);
		}
	}
	return NULL;
}

static void build(struct brink_model *m, unsigned n, unsigned moved_every)
{
	*m = (struct brink_model){.n_routes = n, .n_paths = n, .n_ports = 1};
	snprintf(m->ports[0].name, sizeof(m->ports[0].name), "dp0");
	m->ports[0].n_addrs = 1;
	m->ports[0].addrs[0] = (struct brink_addr){.ip = 0xc0a80001, .prefix_len = 16};
	m->routes = calloc(n, sizeof(*m->routes));
	m->paths = calloc(n, sizeof(*m->paths));
	if (!m->routes || !m->paths)
		abort();
	for (unsigned i = 0; i < n; i++) {
		m->routes[i] = (struct brink_route){.prefix = 0x0a000000 + (i << 8),
						    .prefix_len = 24,
						    .first_path = i,
						    .n_paths = 1};
		bool moved = moved_every && i % moved_every == 0;
		m->paths[i] = (struct brink_path){.kind = BRINK_PATH_GATEWAY,
						  .distance = 1,
						  .gateway = moved ? 0xc0a80003 : 0xc0a80002};
	}
}

static double timed_push(struct dpc *c, const struct brink_model *running, const struct brink_model *m)
{
	char err[256];
	double t0 = now_s();
	int rc = dpc_push_state(c, running, m, 0, NULL, err, sizeof(err));

	if (rc < 0) {
		fprintf(stderr, "push: %s\n", err);
		exit(1);
	}
	return now_s() - t0;
}

int main(int argc, char **argv)
{
	unsigned n = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 1000000;
	struct brink_model a, b;
	struct dpc c;
	pthread_t thread;
	int sv[2];

	if (n == 0 || n > 1u << 23) {
		fprintf(stderr, "usage: delta_scale [ROUTES], 1 to %u\n", 1u << 23);
		return 2;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) < 0 || pthread_create(&thread, NULL, answer, &sv[1]) != 0) {
		perror("dataplane stand-in");
		return 1;
	}
	dpc_init(&c, "socketpair");
	c.fd = sv[0];
	build(&a, n, 0);
	build(&b, n, 10);
	printf("routes=%u\n", n);
	printf("changed_routes=%u\n", (n + 9) / 10);
	printf("whole_state_s=%.3f\n", timed_push(&c, NULL, &a));
	printf("unchanged_s=%.3f\n", timed_push(&c, &a, &a));
	printf("delta_s=%.3f\n", timed_push(&c, &a, &b));
	dpc_close(&c);
	pthread_join(thread, NULL);
	close(sv[1]);
	brink_model_free(&a);
	brink_model_free(&b);
	return 0;
}
