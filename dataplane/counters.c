/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "dataplane/counters.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_debug.h>

#include "common/dp_msg.h"
#include "dataplane/ctl_server.h"
#include "dataplane/dp.h"

/* Entries of a statistics dump at most: the counters, two per worker and per stage, a few more. */
#define STATS_DUMP_MAX 512

struct dp_lcore_counters dp_counters[RTE_MAX_LCORE];

const char *dp_counter_names[DP_CNT_ALL] = {
#define DP_COUNTER_NAME(id, name) [DP_CNT_##id] = name,
	DP_COUNTER_TABLE(DP_COUNTER_NAME)
#undef DP_COUNTER_NAME
};

const char *const dp_stage_names[DP_STAGE_MAX] = {
#define DP_STAGE_NAME(id, name) [DP_STAGE_##id] = name,
	DP_STAGE_TABLE(DP_STAGE_NAME)
#undef DP_STAGE_NAME
};

static unsigned n_counters = DP_CNT_MAX;

enum dp_counter_id dp_counter_register(const char *name)
{
	for (unsigned i = 0; i < n_counters; i++)
		if (strcmp(dp_counter_names[i], name) == 0)
			return (enum dp_counter_id)i;
	RTE_VERIFY(n_counters < DP_CNT_ALL);
	dp_counter_names[n_counters] = name;
	return (enum dp_counter_id)n_counters++;
}

uint64_t dp_counter_total(enum dp_counter_id id)
{
	uint64_t sum = 0;
	for (unsigned i = 0; i < RTE_MAX_LCORE; i++)
		sum += __atomic_load_n(&dp_counters[i].c[id], __ATOMIC_RELAXED);
	return sum;
}

/* Racy against running workers by design: a clear is an operator's reset,
 * not an accounting operation. */
void dp_counters_clear(void)
{
	memset(dp_counters, 0, sizeof(dp_counters));
}

static void counter_add(struct dp_counter *c, unsigned *n, unsigned max, uint64_t value, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static void counter_add(struct dp_counter *c, unsigned *n, unsigned max, uint64_t value, const char *fmt, ...)
{
	va_list ap;
	if (*n == max)
		return;
	c[*n] = (struct dp_counter){.value = value};
	va_start(ap, fmt);
	vsnprintf(c[*n].name, sizeof(c[*n].name), fmt, ap);
	va_end(ap);
	(*n)++;
}

/* Every counter, zero or not: the reader decides what to show. */
static unsigned fill_stats(void *out, unsigned max)
{
	struct dp_counter *cnt = out;
	unsigned n = 0;

	for (unsigned i = 0; i < n_counters; i++)
		counter_add(cnt, &n, max, dp_counter_total(i), "%s", dp_counter_names[i]);
	for (unsigned w = 0; w < dp.n_workers; w++) {
		const struct dp_lcore_counters *wc = &dp_counters[dp.workers[w].lcore];
		counter_add(cnt, &n, max, wc->c[DP_CNT_RX_PACKETS], "worker.%u.rx_packets", w);
		counter_add(cnt, &n, max, wc->c[DP_CNT_TX_PACKETS], "worker.%u.tx_packets", w);
	}
	for (unsigned s = 0; s < DP_STAGE_MAX; s++) {
		uint64_t pkts = 0, cycles = 0;
		for (unsigned w = 0; w < dp.n_workers; w++) {
			pkts += dp_counters[dp.workers[w].lcore].stage[s].packets;
			cycles += dp_counters[dp.workers[w].lcore].stage[s].cycles;
		}
		counter_add(cnt, &n, max, pkts, "stage.%s.packets", dp_stage_names[s]);
		counter_add(cnt, &n, max, cycles, "stage.%s.cycles", dp_stage_names[s]);
	}
	counter_add(cnt, &n, max, rte_mempool_avail_count(dp.pool), "mempool.available");
	counter_add(cnt, &n, max, dp.pool->size, "mempool.size");
	counter_add(cnt, &n, max, nh_in_use(), "nexthops.in_use");
	counter_add(cnt, &n, max, rte_get_tsc_hz(), "tsc_hz");
	return n;
}

static void dump_stats(struct ctl_conn *c, const struct dp_msg_hdr *req, const void *body, size_t len)
{
	(void)body, (void)len;
	ctl_reply_dump(c, req, sizeof(struct dp_counter), STATS_DUMP_MAX, fill_stats);
}

static void clear_stats(struct ctl_conn *c, const struct dp_msg_hdr *req, const void *body, size_t len)
{
	(void)body, (void)len;
	dp_counters_clear();
	ctl_reply(c, req, 0, 0, NULL, 0, 0);
}

RTE_INIT(counters_register)
{
	ctl_register(DP_MSG_STATS_DUMP, dump_stats);
	ctl_register(DP_MSG_STATS_CLEAR, clear_stats);
}
