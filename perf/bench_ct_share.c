/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bench_ct_share: what each design for conntrack on several workers costs
 * a packet whose connection another worker made, measured on two cores.
 *
 *   bench_ct_share -l A,B --no-pci [EAL arguments] [-- FLOWS]
 *
 * FLOWS: 10,000 by default. Worker A is the main lcore, worker B the other one.
 *
 * shared: the table conntrack makes (one rte_hash, lock-free readers and
 * multi-writer adds, the 16-byte tuple as key, a 64-byte connection slot as
 * data). B looks up FLOWS connections in bursts of 32 and reads each slot's
 * last-seen word, as an established packet does:
 *   local        B made the connections itself (one worker)
 *   other_first  A made them: the first pass, every line comes from A
 *   other_steady A made them, later passes, A reading them too meanwhile
 *                (the other direction of the same flows)
 *   other_dirty  A writes each connection's last-seen between B's passes:
 *                what a timestamp written for every packet would cost
 * handoff: A makes bursts of 32 packets as a PMD does (mbufs allocated, a
 * 64-byte frame written) and B takes each packet's header (reads it, writes
 * 8 bytes as a rewrite does) and frees it:
 *   local        B makes the packets itself (no handoff)
 *   ring         A hands them to B through an SP/SC rte_ring
 * Cycles per packet are TSC cycles of the work done, waits excluded; the
 * handoff's extra is what A and B spend together over local.
 * The last lines are name=value: shared_local= shared_other_first=
 * shared_other_steady= shared_other_dirty= handoff_local= handoff_ring=
 * handoff_extra= (TSC cycles per packet).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "modules/conntrack/conntrack_msg.h"

#define BURST 32
#define PASSES 20
#define HANDOFF_PACKETS (BURST * 400000u)

struct conn {
	struct dp_ct_tuple orig;
	uint32_t last_seen;
	uint8_t pad[64 - sizeof(struct dp_ct_tuple) - sizeof(uint32_t)];
} __rte_cache_aligned;

static unsigned flows = 10000;
static struct dp_ct_tuple *keys;
static struct conn *conns;
static struct rte_hash *table;
static unsigned lcore_b;

static struct dp_ct_tuple key_of(unsigned i)
{
	return (struct dp_ct_tuple){
		.src = 0xac100000u + i,
		.dst = 0x0a000000u + (i * 2654435761u >> 8),
		.sport = (uint16_t)(1024 + i % 60000),
		.dport = 53,
		.proto = 17,
	};
}

/* The table emptied and filled again by the calling lcore. */
static void fill(void)
{
	rte_hash_reset(table);
	for (unsigned i = 0; i < flows; i++) {
		conns[i].orig = keys[i];
		conns[i].last_seen = 1;
		if (rte_hash_add_key_data(table, &keys[i], &conns[i]) != 0) {
			fprintf(stderr, "bench_ct_share: cannot add connection %u\n", i);
			exit(1);
		}
	}
}

/* One pass of lookups over every flow, as bursts of established packets;
 * TSC cycles per flow. */
static volatile uint64_t sink;
static double lookup_pass(void)
{
	const void *k[BURST];
	void *data[BURST];
	uint64_t t0 = rte_rdtsc(), seen = 0, hits;

	for (unsigned i = 0; i < flows; i += BURST) {
		unsigned n = RTE_MIN(BURST, flows - i);
		for (unsigned j = 0; j < n; j++)
			k[j] = &keys[i + j];
		if (rte_hash_lookup_bulk_data(table, k, n, &hits, data) != (int)n) {
			fprintf(stderr, "bench_ct_share: a connection was not found\n");
			exit(1);
		}
		for (unsigned j = 0; j < n; j++)
			seen += __atomic_load_n(&((struct conn *)data[j])->last_seen, __ATOMIC_RELAXED);
	}
	sink = seen;
	return (double)(rte_rdtsc() - t0) / flows;
}

/* What B measures next: A sets phase, B answers in done. */
enum phase { PH_IDLE, PH_LOCAL, PH_FIRST, PH_STEADY, PH_DIRTY, PH_HANDOFF_LOCAL, PH_HANDOFF_RING, PH_QUIT };
static volatile int phase = PH_IDLE, done = PH_IDLE;
static volatile unsigned a_passes, b_passes; /* PH_DIRTY: passes each has finished */
static double result_b;
static struct rte_mempool *pool;
static struct rte_ring *ring;
static uint8_t frame[64];

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The median of PASSES lookup passes. */
static double passes_median(void)
{
	double v[PASSES];

	for (unsigned i = 0; i < PASSES; i++)
		v[i] = lookup_pass();
	qsort(v, PASSES, sizeof(v[0]), by_value);
	return v[PASSES / 2];
}

/* The rewrite's part of processing a packet: its header read, 8 bytes written. */
static inline void touch(struct rte_mbuf *m)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	uint64_t v;

	memcpy(&v, p + 26, sizeof(v));
	v ^= 0x0101010101010101ull;
	memcpy(p + 26, &v, sizeof(v));
	m->port = 1;
}

static inline void make(struct rte_mbuf **pkts)
{
	while (rte_pktmbuf_alloc_bulk(pool, pkts, BURST) != 0)
		;
	for (unsigned j = 0; j < BURST; j++) {
		memcpy(rte_pktmbuf_mtod(pkts[j], uint8_t *), frame, sizeof(frame));
		pkts[j]->data_len = pkts[j]->pkt_len = sizeof(frame);
	}
}

static double handoff_local(void)
{
	struct rte_mbuf *pkts[BURST];
	uint64_t t0 = rte_rdtsc();

	for (unsigned i = 0; i < HANDOFF_PACKETS; i += BURST) {
		make(pkts);
		for (unsigned j = 0; j < BURST; j++)
			touch(pkts[j]);
		rte_pktmbuf_free_bulk(pkts, BURST);
	}
	return (double)(rte_rdtsc() - t0) / HANDOFF_PACKETS;
}

/* B takes HANDOFF_PACKETS from the ring; cycles of the bursts it got. */
static double handoff_take(void)
{
	struct rte_mbuf *pkts[BURST];
	uint64_t busy = 0;
	unsigned got = 0;

	while (got < HANDOFF_PACKETS) {
		uint64_t t0 = rte_rdtsc();
		unsigned n = rte_ring_sc_dequeue_burst(ring, (void **)pkts, BURST, NULL);
		if (!n)
			continue;
		for (unsigned j = 0; j < n; j++)
			touch(pkts[j]);
		rte_pktmbuf_free_bulk(pkts, n);
		busy += rte_rdtsc() - t0;
		got += n;
	}
	return (double)busy / got;
}

/* A gives HANDOFF_PACKETS to the ring; cycles of the bursts it put. */
static double handoff_give(void)
{
	struct rte_mbuf *pkts[BURST];
	uint64_t busy = 0;

	for (unsigned i = 0; i < HANDOFF_PACKETS; i += BURST) {
		uint64_t t0 = rte_rdtsc();
		make(pkts);
		unsigned put = 0;
		while (put < BURST) {
			unsigned k = rte_ring_sp_enqueue_burst(ring, (void **)&pkts[put], BURST - put, NULL);
			if (!k) {
				/* B is behind: the wait is not the handoff's cost. */
				uint64_t w = rte_rdtsc();
				while (rte_ring_free_count(ring) < BURST - put)
					rte_pause();
				t0 += rte_rdtsc() - w;
			}
			put += k;
		}
		busy += rte_rdtsc() - t0;
	}
	return (double)busy / HANDOFF_PACKETS;
}

static int worker_b(void *arg)
{
	double v[PASSES];

	(void)arg;
	for (;;) {
		while (phase == done)
			rte_pause();
		int p = phase;
		switch (p) {
		case PH_LOCAL:
			fill();
			lookup_pass();
			result_b = passes_median();
			break;
		case PH_FIRST:
			result_b = lookup_pass();
			break;
		case PH_STEADY:
			result_b = passes_median();
			break;
		case PH_DIRTY:
			for (unsigned i = 0; i < PASSES; i++) {
				/* A rewrites every connection's last-seen, then B reads them. */
				while (a_passes != i + 1)
					rte_pause();
				v[i] = lookup_pass();
				b_passes = i + 1;
			}
			qsort(v, PASSES, sizeof(v[0]), by_value);
			result_b = v[PASSES / 2];
			break;
		case PH_HANDOFF_LOCAL:
			result_b = handoff_local();
			break;
		case PH_HANDOFF_RING:
			result_b = handoff_take();
			break;
		case PH_QUIT:
			done = p;
			return 0;
		}
		done = p;
	}
}

static double run_b(int p)
{
	phase = p;
	while (done != p)
		rte_pause();
	return result_b;
}

int main(int argc, char **argv)
{
	int eal = rte_eal_init(argc, argv);
	if (eal < 0) {
		fprintf(stderr, "bench_ct_share: EAL init failed\n");
		return 1;
	}
	argc -= eal;
	argv += eal;
	if (argc > 1)
		flows = (unsigned)strtoul(argv[1], NULL, 0);
	if (flows < BURST || rte_lcore_count() < 2) {
		fprintf(stderr, "usage: bench_ct_share -l A,B --no-pci [EAL arguments] [-- FLOWS >= %u]\n",
			(unsigned)BURST);
		return 1;
	}
	lcore_b = rte_get_next_lcore(rte_get_main_lcore(), 1, 0);

	struct rte_hash_parameters hp = {
		.name = "bench_ct",
		.entries = 2 * flows,
		.key_len = sizeof(struct dp_ct_tuple),
		.hash_func = rte_hash_crc,
		.socket_id = (int)rte_socket_id(),
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF | RTE_HASH_EXTRA_FLAGS_MULTI_WRITER_ADD |
			      RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};
	table = rte_hash_create(&hp);
	keys = rte_malloc("bench_ct_keys", sizeof(*keys) * flows, RTE_CACHE_LINE_SIZE);
	conns = rte_malloc("bench_ct_conns", sizeof(*conns) * flows, RTE_CACHE_LINE_SIZE);
	pool = rte_pktmbuf_pool_create("bench_ct_mbufs", 8192, 256, 64, RTE_MBUF_DEFAULT_BUF_SIZE,
				       (int)rte_socket_id());
	ring = rte_ring_create("bench_ct_handoff", 1024, (int)rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (!table || !keys || !conns || !pool || !ring) {
		fprintf(stderr, "bench_ct_share: out of memory\n");
		return 1;
	}
	for (unsigned i = 0; i < flows; i++)
		keys[i] = key_of(i);
	for (unsigned i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)i;
	rte_eal_remote_launch(worker_b, NULL, lcore_b);

	double local = run_b(PH_LOCAL);
	fill();
	double first = run_b(PH_FIRST);
	/* A reads the same connections while B measures. */
	phase = PH_STEADY;
	while (done != PH_STEADY)
		lookup_pass();
	double steady = result_b;
	phase = PH_DIRTY;
	for (unsigned p = 0; p < PASSES; p++) {
		for (unsigned i = 0; i < flows; i++)
			__atomic_store_n(&conns[i].last_seen, conns[i].last_seen + 1, __ATOMIC_RELAXED);
		a_passes = p + 1;
		while (b_passes != p + 1)
			rte_pause();
	}
	while (done != PH_DIRTY)
		rte_pause();
	double dirty = result_b;

	double h_local = run_b(PH_HANDOFF_LOCAL);
	phase = PH_HANDOFF_RING;
	double give = handoff_give();
	while (done != PH_HANDOFF_RING)
		rte_pause();
	double take = result_b;
	run_b(PH_QUIT);
	rte_eal_wait_lcore(lcore_b);

	printf("bench_ct_share: %u flows, lcores %u (A) and %u (B), TSC %.1f MHz\n", flows, rte_get_main_lcore(),
	       lcore_b, rte_get_tsc_hz() / 1e6);
	printf("shared table, B's lookup + connection read, cycles per packet:\n");
	printf("  B made the connections       %7.1f\n", local);
	printf("  A made them, first pass      %7.1f\n", first);
	printf("  A made them, A reading too   %7.1f\n", steady);
	printf("  A writes them between passes %7.1f\n", dirty);
	printf("handoff, cycles per packet (made, header rewritten, freed):\n");
	printf("  B alone                      %7.1f\n", h_local);
	printf("  A -> ring -> B               %7.1f (A %.1f + B %.1f)\n", give + take, give, take);
	printf("shared_local=%.1f\nshared_other_first=%.1f\nshared_other_steady=%.1f\nshared_other_dirty=%.1f\n", local,
	       first, steady, dirty);
	printf("handoff_local=%.1f\nhandoff_ring=%.1f\nhandoff_extra=%.1f\n", h_local, give + take,
	       give + take - h_local);
	rte_eal_cleanup();
	return 0;
}
