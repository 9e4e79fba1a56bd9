/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * "monitor interfaces": what each dataplane port receives and sends per
 * second (packets, bits, drops, errors), from the differences between
 * PORT_DUMPs a second apart. A tick job: a table a second, or in JSON one
 * document a second, until ^C or count updates.
 */
#include "control/monitor.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "control/cli.h"

#define PERIOD_MS 1000

static uint64_t delta(uint64_t prev, uint64_t cur)
{
	return cur >= prev ? cur - prev : cur;
}

void monitor_rates(const struct dp_port_stats *prev, const struct dp_port_stats *cur, double seconds,
		   struct port_rates *out)
{
	double per = seconds > 0 ? 1 / seconds : 0;

	*out = (struct port_rates){
		.rx_packets = (double)delta(prev->rx_packets, cur->rx_packets) * per,
		.rx_bits = (double)delta(prev->rx_bytes, cur->rx_bytes) * 8 * per,
		.rx_drops =
			(double)(delta(prev->rx_missed, cur->rx_missed) + delta(prev->rx_nombuf, cur->rx_nombuf)) * per,
		.rx_errors = (double)delta(prev->rx_errors, cur->rx_errors) * per,
		.tx_packets = (double)delta(prev->tx_packets, cur->tx_packets) * per,
		.tx_bits = (double)delta(prev->tx_bytes, cur->tx_bytes) * 8 * per,
		.tx_drops = (double)delta(prev->tx_dropped, cur->tx_dropped) * per,
		.tx_errors = (double)delta(prev->tx_errors, cur->tx_errors) * per,
	};
}

struct monitor {
	struct cli_job job;
	char only[DP_NAME_LEN + 1]; /* "" for every port */
	unsigned long left;         /* updates still to show; 0: until ^C */
	long long at_ms;            /* of the last reading */
	struct dp_port_info *ports; /* the last reading */
	size_t n;
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* 950, 12.3k, 4.56M, 9.87G: a rate in a column of the table. */
static const char *si(double v, char *buf, size_t len)
{
	static const char *const units[] = {"", "k", "M", "G", "T"};
	unsigned u = 0;

	while (v >= 1000 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1000;
		u++;
	}
	if (u)
		snprintf(buf, len, "%.*f%s", v < 10 ? 2 : v < 100 ? 1 : 0, v, units[u]);
	else
		snprintf(buf, len, "%.0f", v);
	return buf;
}

static const struct dp_port_info *find(const struct dp_port_info *ports, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strncmp(ports[i].name, name, DP_NAME_LEN) == 0)
			return &ports[i];
	return NULL;
}

static json_t *direction_json(double packets, double bits, double drops, double errors)
{
	return json_pack("{s:f, s:f, s:f, s:f}", "packets_per_s", packets, "bits_per_s", bits, "drops_per_s", drops,
			 "errors_per_s", errors);
}

static void show(const struct monitor *m, const struct dp_port_info *ports, size_t n, double seconds, struct sbuf *out)
{
	struct timespec wall;
	json_t *list = m->job.json ? json_array() : NULL;
	char name[DP_NAME_LEN + 1], b[6][16];

	clock_gettime(CLOCK_REALTIME, &wall);
	if (!list) {
		struct tm tm;
		char hms[16];
		localtime_r(&wall.tv_sec, &tm);
		strftime(hms, sizeof(hms), "%H:%M:%S", &tm);
		sbuf_printf(out, "%s, per second over %.1f s:\n%-16s %9s %9s %9s %9s %9s %9s\n", hms, seconds,
			    "Interface", "RX pkt", "RX bit", "TX pkt", "TX bit", "Drops", "Errors");
	}
	for (size_t i = 0; i < n; i++) {
		const struct dp_port_info *p = &ports[i], *before;
		struct port_rates r = {0};
		snprintf(name, sizeof(name), "%.*s", DP_NAME_LEN, p->name);
		if (m->only[0] && strcmp(name, m->only) != 0)
			continue;
		if ((before = find(m->ports, m->n, name)))
			monitor_rates(&before->stats, &p->stats, seconds, &r);
		if (list) {
			json_array_append_new(
				list, json_pack("{s:s, s:b, s:o, s:o}", "name", name, "link_up", p->link_up != 0, "rx",
						direction_json(r.rx_packets, r.rx_bits, r.rx_drops, r.rx_errors), "tx",
						direction_json(r.tx_packets, r.tx_bits, r.tx_drops, r.tx_errors)));
			continue;
		}
		sbuf_printf(out, "%-16s %9s %9s %9s %9s %9s %9s\n", name, si(r.rx_packets, b[0], sizeof(b[0])),
			    si(r.rx_bits, b[1], sizeof(b[1])), si(r.tx_packets, b[2], sizeof(b[2])),
			    si(r.tx_bits, b[3], sizeof(b[3])), si(r.rx_drops + r.tx_drops, b[4], sizeof(b[4])),
			    si(r.rx_errors + r.tx_errors, b[5], sizeof(b[5])));
	}
	if (!list)
		return;
	json_t *doc = json_pack("{s:f, s:f, s:o}", "time", (double)wall.tv_sec + (double)wall.tv_nsec / 1e9,
				"interval_s", seconds, "interfaces", list);
	char *d = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!d)
		abort();
	sbuf_printf(out, "%s\n", d);
	free(d);
	json_decref(doc);
}

static int reading(struct brinkd *d, struct dp_port_info **ports, size_t *n, struct sbuf *out)
{
	char err[512];
	int rc = dpc_dump(&d->dp, DP_MSG_PORT_DUMP, sizeof(**ports), (void **)ports, n, err, sizeof(err));

	if (rc < 0)
		sbuf_printf(out, "monitor interfaces: %s\n", err);
	return rc;
}

static int tick(struct cli_job *j, struct cli_session *s, struct sbuf *out)
{
	struct monitor *m = (struct monitor *)j;
	struct dp_port_info *ports;
	size_t n;
	long long now = now_ms();
	int rc = reading(s->d, &ports, &n, out);

	if (rc < 0)
		return rc;
	show(m, ports, n, (double)(now - m->at_ms) / 1000, out);
	free(m->ports);
	m->ports = ports;
	m->n = n;
	m->at_ms = now;
	return m->left == 0 || --m->left > 0;
}

static void stop(struct cli_job *j, struct cli_session *s)
{
	struct monitor *m = (struct monitor *)j;

	(void)s;
	free(m->ports);
	free(m);
}

enum { M_INTERFACE, M_COUNT };

static const struct cli_param monitor_params[] = {
	[M_INTERFACE] = {.word = "interface",
			 .value = "<name>",
			 .help = "Only this interface",
			 .offer = cli_offer_interfaces},
	[M_COUNT] = {.word = "count",
		     .value = "<1-1000000>",
		     .help = "Stop after this many updates (default: until ^C)"},
	{0},
};

static int monitor_interfaces(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	struct cli_values v;
	long count = 0;
	int rc;

	if ((rc = cli_parse("monitor interfaces", monitor_params, argc, argv, &v, r)) < 0)
		return rc;
	if (v.value[M_COUNT] && !cli_number("monitor interfaces count", v.value[M_COUNT], 1, 1000000, &count, r))
		return -EINVAL;
	struct monitor *m = calloc(1, sizeof(*m));
	if (!m)
		abort();
	if ((rc = reading(s->d, &m->ports, &m->n, r->out)) < 0) {
		free(m);
		return rc;
	}
	if (v.value[M_INTERFACE] && !find(m->ports, m->n, v.value[M_INTERFACE])) {
		sbuf_printf(r->out, "monitor interfaces: the dataplane has no interface named '%s'\n",
			    v.value[M_INTERFACE]);
		stop(&m->job, s);
		return -ENOENT;
	}
	snprintf(m->only, sizeof(m->only), "%s", v.value[M_INTERFACE] ? v.value[M_INTERFACE] : "");
	m->left = (unsigned long)count;
	m->at_ms = now_ms();
	m->job = (struct cli_job){.fd = -1, .period_ms = PERIOD_MS, .tick = tick, .stop = stop};
	r->job = &m->job;
	return 0;
}

static const struct cli_cmd monitor_cmds[] = {
	/* here once, for monitor traffic and monitor dataplane trace too */
	{.path = "monitor", .help = "Follow what the router does as it happens, until interrupted", .modes = CLI_OPER},
	{.path = "monitor interfaces",
	 .help = "Packets, bits, drops and errors per second of each interface",
	 .modes = CLI_OPER,
	 .fn = monitor_interfaces,
	 .args = CLI_ARGS_PARAMS,
	 .params = monitor_params},
};
CLI_REGISTER(monitor_cmds)
