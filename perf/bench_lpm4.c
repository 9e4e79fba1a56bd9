/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bench_lpm4: lpm4 against rte_lpm on one core, no packets.
 *
 *   bench_lpm4 [ROUTES [LPM_ROUTES]] [-- EAL arguments]
 *
 * ROUTES (default 1,000,000) random prefixes of a uniform /24-/32 mix go into
 * lpm4: time to add them all, lookups (scalar and x4) of addresses inside
 * them, RSS, then time to delete them. LPM_ROUTES (default 100,000: rte_lpm's
 * add is linear in the rules of a depth, so a million would take minutes)
 * of the same mix go into both lpm4 and rte_lpm for the same lookups, and
 * lpm4's tables are also copied into DPDK's heap (hugepages when the EAL has
 * them) to compare the memory they live in. The first add pays for the
 * kernel zeroing the pages it touches, so the full table is loaded again
 * after the delete.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_lpm.h>
#include <rte_malloc.h>

#include "dataplane/lpm4.h"

#define LOOKUPS (1u << 22)

struct route {
	uint32_t prefix;
	uint8_t depth;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A "Field: N kB" line of a /proc file. */
static long proc_kb(const char *file, const char *field)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen(file, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, field, strlen(field)) == 0)
			kb = atol(line + strlen(field) + 1);
	fclose(f);
	return kb;
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static void make_routes(struct route *r, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		uint8_t depth = (uint8_t)(24 + rnd() % 9);
		/* 1.0.0.0 - 223.255.255.255: where real tables live */
		uint32_t ip = 0x01000000 + rnd() % 0xdf000000u;
		r[i] = (struct route){.prefix = ip & ~0u << (32 - depth), .depth = depth};
	}
}

/* Destinations inside the routes, in random order. */
static void make_dsts(uint32_t *dst, const struct route *r, unsigned n)
{
	for (unsigned i = 0; i < LOOKUPS; i++) {
		const struct route *x = &r[rnd() % n];
		dst[i] = x->prefix | (rnd() & ~(~0u << (32 - x->depth)));
	}
}

typedef uint32_t (*lookup_fn)(const void *t, const uint32_t *dst, uint32_t *hop);

static uint32_t lpm4_x4(const void *t, const uint32_t *dst, uint32_t *hop)
{
	uint32_t sum = 0;
	for (unsigned i = 0; i < LOOKUPS; i += 4) {
		lpm4_lookupx4(t, &dst[i], &hop[i & 31], UINT32_MAX);
		sum += hop[i & 31] + hop[(i & 31) + 3];
	}
	return sum;
}

static uint32_t lpm4_one(const void *t, const uint32_t *dst, uint32_t *hop)
{
	uint32_t sum = 0;
	for (unsigned i = 0; i < LOOKUPS; i++) {
		lpm4_lookup(t, dst[i], &hop[i & 31]);
		sum += hop[i & 31];
	}
	return sum;
}

static uint32_t rte_x4(const void *t, const uint32_t *dst, uint32_t *hop)
{
	uint32_t sum = 0;
	for (unsigned i = 0; i < LOOKUPS; i += 4) {
		rte_lpm_lookupx4(t, *(const xmm_t *)&dst[i], &hop[i & 31], UINT32_MAX);
		sum += hop[i & 31] + hop[(i & 31) + 3];
	}
	return sum;
}

static uint32_t rte_one(const void *t, const uint32_t *dst, uint32_t *hop)
{
	uint32_t sum = 0;
	for (unsigned i = 0; i < LOOKUPS; i++) {
		rte_lpm_lookup(t, dst[i], &hop[i & 31]);
		sum += hop[i & 31];
	}
	return sum;
}

/* Cycles per lookup of one pass over the destinations. */
static double cycles_per_lookup(lookup_fn fn, const void *t, const uint32_t *dst)
{
	uint32_t hop[32] __rte_aligned(16);
	static volatile uint32_t sink;
	uint64_t t0 = rte_rdtsc();

	sink += fn(t, dst, hop);
	return (double)(rte_rdtsc() - t0) / LOOKUPS;
}

/* Best of 9 passes of each, the variants taking turns so that a noisy
 * neighbour slows them alike. */
static void best_of(int n, const lookup_fn *fn, const void *const *t, const uint32_t *dst, double *best)
{
	for (int i = 0; i < n; i++)
		best[i] = 1e9;
	for (int pass = 0; pass < 9; pass++)
		for (int i = 0; i < n; i++) {
			double c = cycles_per_lookup(fn[i], t[i], dst);
			best[i] = c < best[i] ? c : best[i];
		}
}

static struct lpm4 *lpm4_load(const char *name, const struct route *r, unsigned n, double *secs)
{
	struct lpm4_config c = {.name = name, .max_rules = n, .n_groups = n};
	struct lpm4 *t = lpm4_create(&c);
	double t0 = now_s();

	if (!t) {
		fprintf(stderr, "lpm4_create failed\n");
		exit(1);
	}
	for (unsigned i = 0; i < n; i++)
		if (lpm4_add(t, r[i].prefix, r[i].depth, i & LPM4_NH_MAX) < 0) {
			fprintf(stderr, "lpm4_add %u failed\n", i);
			exit(1);
		}
	*secs = now_s() - t0;
	return t;
}

/* A read-only twin of t whose tables live in DPDK's heap. */
static struct lpm4 heap_twin(const struct lpm4 *t)
{
	struct lpm4 twin = *t;
	size_t n = ((size_t)1 << 24) + (size_t)t->groups_fresh * LPM4_GROUP_ENTRIES;

	twin.tbl24 = rte_malloc("lpm4_twin", n * sizeof(uint32_t), RTE_CACHE_LINE_SIZE);
	if (!twin.tbl24) {
		fprintf(stderr, "rte_malloc of %zu MB failed\n", n * 4 >> 20);
		exit(1);
	}
	memcpy(twin.tbl24, t->tbl24, n * sizeof(uint32_t));
	twin.tbl8 = twin.tbl24 + (1u << 24);
	return twin;
}

int main(int argc, char **argv)
{
	int sep = 1;
	while (sep < argc && strcmp(argv[sep], "--") != 0)
		sep++;
	unsigned n = sep > 1 ? (unsigned)atoi(argv[1]) : 1000000;
	unsigned n_cmp = sep > 2 ? (unsigned)atoi(argv[2]) : 100000;
	char *eal[64] = {argv[0]};
	int eal_n = 1;
	for (int i = sep + 1; i < argc && eal_n < 63; i++)
		eal[eal_n++] = argv[i];
	if (rte_eal_init(eal_n, eal) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}

	unsigned n_made = n > n_cmp ? n : n_cmp;
	struct route *r = malloc(sizeof(*r) * n_made);
	uint32_t *dst = rte_malloc(NULL, sizeof(*dst) * LOOKUPS, 64);
	struct lpm4_stats s;
	double add_s, del_s;

	make_routes(r, n_made);
	long rss0 = proc_kb("/proc/self/status", "VmRSS");
	struct lpm4 *t = lpm4_load("big", r, n, &add_s);
	lpm4_stats(t, &s);
	long rss1 = proc_kb("/proc/self/status", "VmRSS");
	make_dsts(dst, r, n);
	printf("lpm4, %u routes (/24-/32, %u distinct): add %.3f s (%.0f ns/route)\n", n, s.rules, add_s,
	       add_s * 1e9 / n);
	printf("  groups used %u of %u, touched %.0f MB; process RSS +%ld MB (%ld MB, of which THP %ld MB)\n",
	       s.groups_used, s.groups, (double)s.bytes_touched / 1048576, (rss1 - rss0) / 1024, rss1 / 1024,
	       proc_kb("/proc/self/smaps_rollup", "AnonHugePages") / 1024);
	const lookup_fn big_fn[] = {lpm4_x4, lpm4_one};
	const void *big_t[] = {t, t};
	double big[2];
	best_of(2, big_fn, big_t, dst, big);
	printf("  lookups: x4 %.1f cycles, scalar %.1f cycles (random addresses inside the routes)\n", big[0], big[1]);
	double t0 = now_s();
	for (unsigned i = 0; i < n; i++)
		lpm4_delete(t, r[i].prefix, r[i].depth);
	del_s = now_s() - t0;
	lpm4_stats(t, &s);
	printf("  delete all: %.3f s (%.0f ns/route); left: %u rules, %u groups used\n", del_s, del_s * 1e9 / n,
	       s.rules, s.groups_used);
	t0 = now_s();
	for (unsigned i = 0; i < n; i++)
		lpm4_add(t, r[i].prefix, r[i].depth, i & LPM4_NH_MAX);
	printf("  add again into touched memory: %.3f s\n", now_s() - t0);
	lpm4_free(t);

	/* The same smaller table in both, and lpm4's tables in DPDK's heap. */
	t = lpm4_load("cmp", r, n_cmp, &add_s);
	struct rte_lpm_config lc = {.max_rules = n_cmp, .number_tbl8s = n_cmp};
	struct rte_lpm *lpm = rte_lpm_create("cmp", SOCKET_ID_ANY, &lc);
	if (!lpm) {
		fprintf(stderr, "rte_lpm_create failed\n");
		return 1;
	}
	t0 = now_s();
	for (unsigned i = 0; i < n_cmp; i++)
		rte_lpm_add(lpm, r[i].prefix, r[i].depth, i & LPM4_NH_MAX);
	double lpm_add_s = now_s() - t0;
	make_dsts(dst, r, n_cmp);
	struct lpm4 twin = heap_twin(t);
	printf("%u routes: add lpm4 %.3f s, rte_lpm %.3f s\n", n_cmp, add_s, lpm_add_s);
	const lookup_fn fn[] = {lpm4_x4, lpm4_one, lpm4_x4, lpm4_one, rte_x4, rte_one};
	const void *tables[] = {t, t, &twin, &twin, lpm, lpm};
	double c[6];
	best_of(6, fn, tables, dst, c);
	printf("  lookups x4 / scalar, cycles: lpm4 %.1f / %.1f, lpm4 in DPDK heap %.1f / %.1f, rte_lpm %.1f / %.1f\n",
	       c[0], c[1], c[2], c[3], c[4], c[5]);
	t0 = now_s();
	for (unsigned i = 0; i < n_cmp; i++)
		rte_lpm_delete(lpm, r[i].prefix, r[i].depth);
	printf("  delete all: rte_lpm %.3f s\n", now_s() - t0);
	rte_free(twin.tbl24);
	rte_lpm_free(lpm);
	lpm4_free(t);
	rte_free(dst);
	free(r);
	rte_eal_cleanup();
	return 0;
}
