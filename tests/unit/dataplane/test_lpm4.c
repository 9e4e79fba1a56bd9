/* SPDX-License-Identifier: GPL-2.0-or-later */
/* lpm4 against a reference longest match; group collapse, reuse, exhaustion and RCU deferral. */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <rte_eal.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "dataplane/lpm4.h"

static void eal_up(void)
{
	char *argv[] = {"test",           "--no-huge",   "-m",      "128",      "--no-pci", "--no-shconf",
			"--no-telemetry", "--log-level", "*:error", "--lcores", "0"};
	cr_assert_geq(rte_eal_init(RTE_DIM(argv), argv), 0, "EAL init");
}

TestSuite(lpm4, .init = eal_up);

static struct lpm4 *table(const char *name, uint32_t max_rules, uint32_t n_groups, struct rte_rcu_qsbr *qsbr)
{
	struct lpm4_config c = {.name = name, .max_rules = max_rules, .n_groups = n_groups, .qsbr = qsbr};
	struct lpm4 *t = lpm4_create(&c);
	cr_assert_not_null(t, "lpm4_create %s", name);
	return t;
}

static uint32_t mask(uint8_t depth)
{
	return depth ? ~0u << (32 - depth) : 0;
}

static uint32_t lookup(const struct lpm4 *t, uint32_t ip)
{
	uint32_t nh;
	return lpm4_lookup(t, ip, &nh) == 0 ? nh : UINT32_MAX;
}

/* The reference: every candidate prefix, present or not. */
struct ref_rule {
	uint32_t prefix;
	uint8_t depth;
	bool present;
	uint32_t nh;
};

#define N_CANDIDATES 1500
static struct ref_rule ref[N_CANDIDATES];

static const struct ref_rule *ref_match(uint32_t ip)
{
	const struct ref_rule *best = NULL;
	for (unsigned i = 0; i < N_CANDIDATES; i++) {
		const struct ref_rule *r = &ref[i];
		if (r->present && (ip & mask(r->depth)) == r->prefix && (!best || r->depth > best->depth))
			best = r;
	}
	return best;
}

static void check_addr(const struct lpm4 *t, uint32_t ip)
{
	const struct ref_rule *want = ref_match(ip);
	uint32_t got = lookup(t, ip), x4_in[4] = {ip, ip ^ 1, ip + 255, ip - 256}, x4_out[4];

	cr_assert_eq(got, want ? want->nh : UINT32_MAX, "%08x: got %u, want %u (/%u)", ip, got, want ? want->nh : 0,
		     want ? want->depth : 0);
	cr_assert_eq(lpm4_match_depth(t, ip), want ? want->depth : 0, "depth of %08x", ip);
	lpm4_lookupx4(t, x4_in, x4_out, UINT32_MAX - 1);
	for (unsigned k = 0; k < 4; k++) {
		uint32_t one = lookup(t, x4_in[k]);
		cr_assert_eq(x4_out[k], one == UINT32_MAX ? UINT32_MAX - 1 : one, "x4 lane %u of %08x", k, x4_in[k]);
	}
}

/* Range edges of every candidate and the addresses just outside, plus random ones. */
static void check_all(const struct lpm4 *t)
{
	for (unsigned i = 0; i < N_CANDIDATES; i++) {
		uint32_t first = ref[i].prefix, last = first | ~mask(ref[i].depth);
		check_addr(t, first);
		check_addr(t, last);
		check_addr(t, first - 1);
		check_addr(t, last + 1);
		check_addr(t, first + (last - first) / 2);
	}
	for (unsigned i = 0; i < 2000; i++)
		check_addr(t, (uint32_t)rand() << 16 ^ (uint32_t)rand());
}

/* Prefixes crowd a few /16s so that they nest at every depth. */
static void make_candidates(void)
{
	static const uint32_t bases[] = {0x0a000000, 0x0a010000, 0xc0a80000, 0x7f000000};
	for (unsigned i = 0; i < N_CANDIDATES; i++) {
		uint8_t depth = (uint8_t)(i < 33 ? i : (unsigned)rand() % 33);
		uint32_t ip = depth <= 12 ? ((uint32_t)rand() << 16 ^ (uint32_t)rand())
					  : bases[rand() % 4] | ((uint32_t)rand() & 0x3ffff);
		ref[i] = (struct ref_rule){.prefix = ip & mask(depth), .depth = depth};
		for (unsigned j = 0; j < i; j++)
			if (ref[j].prefix == ref[i].prefix && ref[j].depth == depth) {
				i--; /* a duplicate: draw again */
				break;
			}
	}
}

Test(lpm4, random_adds_replaces_deletes_match_the_reference)
{
	struct lpm4 *t = table("rand", N_CANDIDATES, N_CANDIDATES, NULL);
	struct lpm4_stats s;
	unsigned present = 0;

	srand(6);
	make_candidates();
	for (unsigned op = 0; op < 12000; op++) {
		struct ref_rule *r = &ref[rand() % N_CANDIDATES];
		if (!r->present || rand() % 3 == 0) {
			uint32_t nh = (uint32_t)rand() % (LPM4_NH_MAX + 1);
			uint32_t host_bits = r->depth < 32 ? (uint32_t)rand() & ~mask(r->depth) : 0;
			cr_assert_eq(lpm4_add(t, r->prefix | host_bits, r->depth, nh), 0);
			present += !r->present;
			r->present = true;
			r->nh = nh;
		} else {
			cr_assert_eq(lpm4_delete(t, r->prefix, r->depth), 0);
			cr_assert_eq(lpm4_delete(t, r->prefix, r->depth), -ENOENT);
			r->present = false;
			present--;
		}
		if (op % 1500 == 1499) {
			check_all(t);
			lpm4_stats(t, &s);
			cr_assert_eq(s.rules, present);
		}
	}
	for (unsigned i = 0; i < N_CANDIDATES; i++)
		if (ref[i].present) {
			cr_assert_eq(lpm4_delete(t, ref[i].prefix, ref[i].depth), 0);
			ref[i].present = false;
			if (i % 100 == 0)
				check_all(t);
		}
	check_all(t);
	lpm4_stats(t, &s);
	cr_assert_eq(s.rules, 0);
	cr_assert_eq(s.groups_used, 0, "every group collapsed");
	cr_assert_eq(s.groups_free, s.groups);
	lpm4_free(t);
}

Test(lpm4, a_group_collapses_and_is_reused)
{
	struct lpm4 *t = table("collapse", 16, 4, NULL);
	struct lpm4_stats s;

	cr_assert_eq(lpm4_add(t, 0x0a000000, 8, 1), 0);
	cr_assert_eq(lpm4_add(t, 0x0a000001, 32, 2), 0);
	cr_assert_eq(lpm4_add(t, 0x0a000080, 25, 3), 0);
	lpm4_stats(t, &s);
	cr_assert_eq(s.groups_used, 1, "two long prefixes of one /24 share its group");
	cr_assert_eq(lookup(t, 0x0a000001), 2);
	cr_assert_eq(lookup(t, 0x0a000002), 1);
	cr_assert_eq(lookup(t, 0x0a0000ff), 3);
	cr_assert_eq(lpm4_add(t, 0x0a000000, 24, 4), 0, "a /24 under the group goes into it");
	cr_assert_eq(lookup(t, 0x0a000002), 4);
	cr_assert_eq(lookup(t, 0x0a000001), 2);
	cr_assert_eq(lpm4_delete(t, 0x0a000001, 32), 0);
	cr_assert_eq(lpm4_delete(t, 0x0a000080, 25), 0);
	lpm4_stats(t, &s);
	cr_assert_eq(s.groups_used, 0);
	cr_assert(!(t->tbl24[0x0a0000] & LPM4_E_GROUP), "the /24 is back to one tbl24 entry");
	cr_assert_eq(lookup(t, 0x0a000001), 4);
	uint64_t touched = s.bytes_touched;

	cr_assert_eq(lpm4_delete(t, 0x0a000000, 24), 0);
	cr_assert_eq(lpm4_add(t, 0x0a000101, 32, 5), 0);
	lpm4_stats(t, &s);
	cr_assert_eq(s.groups_used, 1);
	cr_assert_eq(s.bytes_touched, touched, "the collapsed group is reused, no new one touched");
	cr_assert_eq(lookup(t, 0x0a000101), 5);
	cr_assert_eq(lookup(t, 0x0a000102), 1, "the reused group holds this /24's covering rule, not the old one's");
	cr_assert_eq(lookup(t, 0x0a000001), 1);
	lpm4_free(t);
}

Test(lpm4, the_default_route_is_native)
{
	struct lpm4 *t = table("default", 8, 1, NULL);
	uint32_t in[4] = {0x01020304, 0x0a000001, 0xc0000001, 0xffffffff}, out[4];

	cr_assert_eq(lookup(t, 0x01020304), UINT32_MAX);
	cr_assert_eq(lpm4_add(t, 0, 0, 7), 0);
	cr_assert_eq(lpm4_add(t, 0x0a000001, 32, 8), 0);
	lpm4_lookupx4(t, in, out, 99);
	cr_assert(out[0] == 7 && out[1] == 8 && out[2] == 7 && out[3] == 7);
	cr_assert_eq(lookup(t, 0x0a000002), 7, "a group entry no rule wrote takes the default");
	cr_assert_eq(lpm4_delete(t, 0, 0), 0);
	lpm4_lookupx4(t, in, out, 99);
	cr_assert(out[0] == 99 && out[1] == 8 && out[2] == 99 && out[3] == 99);
	cr_assert_eq(lpm4_add(t, 0, 33, 1), -EINVAL);
	cr_assert_eq(lpm4_add(t, 0, 8, LPM4_NH_MAX + 1), -EINVAL);
	lpm4_free(t);
}

/* Everything a lookup can see, to prove a refused add left it alone. */
static void snapshot(const struct lpm4 *t, uint32_t *out, const uint32_t *ips, unsigned n, struct lpm4_stats *s)
{
	for (unsigned i = 0; i < n; i++)
		out[i] = lookup(t, ips[i]);
	memset(s, 0, sizeof(*s)); /* the padding too: snapshots are compared as bytes */
	lpm4_stats(t, s);
}

Test(lpm4, exhaustion_is_refused_with_the_table_unchanged)
{
	struct lpm4 *t = table("full", 4, 2, NULL);
	const uint32_t ips[] = {0x0a000001, 0x0a000101, 0x0a000201, 0x0a000202, 0x0b000000};
	uint32_t before[RTE_DIM(ips)], after[RTE_DIM(ips)];
	struct lpm4_stats s0, s1;

	cr_assert_eq(lpm4_add(t, 0x0a000000, 8, 1), 0);
	cr_assert_eq(lpm4_add(t, 0x0a000001, 32, 2), 0);
	cr_assert_eq(lpm4_add(t, 0x0a000101, 32, 3), 0);
	snapshot(t, before, ips, RTE_DIM(ips), &s0);
	cr_assert_eq(lpm4_add(t, 0x0a000201, 32, 4), -ENOSPC, "no group left");
	snapshot(t, after, ips, RTE_DIM(ips), &s1);
	cr_assert_arr_eq(before, after, sizeof(before));
	cr_assert_arr_eq(&s0, &s1, sizeof(s0));
	cr_assert_eq(lpm4_rule_get(t, 0x0a000201, 32, &after[0]), -ENOENT);
	cr_assert_eq(lpm4_add(t, 0x0a000002, 32, 5), 0, "a /24 that has its group still takes more");
	cr_assert_eq(lpm4_add(t, 0x0a000003, 32, 6), -ENOSPC, "no rule left");
	cr_assert_eq(lpm4_delete(t, 0x0a000101, 32), 0);
	snapshot(t, before, ips, RTE_DIM(ips), &s0);
	cr_assert_eq(lpm4_add(t, 0x0b000000, 8, 7), 0);
	cr_assert_eq(lpm4_add(t, 0x0a000201, 32, 8), -ENOSPC, "a group, but no rule left: the group goes back");
	snapshot(t, after, ips, RTE_DIM(ips), &s1);
	cr_assert_eq(s1.groups_used, s0.groups_used);
	cr_assert_eq(after[2], 1);
	cr_assert_eq(lpm4_add(t, 0x0a000001, 32, 9), 0, "retargeting needs nothing new");
	cr_assert_eq(lookup(t, 0x0a000001), 9);
	lpm4_free(t);
}

Test(lpm4, a_collapsed_group_waits_for_every_reader)
{
	size_t sz = rte_rcu_qsbr_get_memsize(1);
	struct rte_rcu_qsbr *v = rte_zmalloc(NULL, sz, RTE_CACHE_LINE_SIZE);
	struct lpm4_stats s;

	cr_assert_not_null(v);
	cr_assert_eq(rte_rcu_qsbr_init(v, 1), 0);
	cr_assert_eq(rte_rcu_qsbr_thread_register(v, 0), 0);
	rte_rcu_qsbr_thread_online(v, 0);
	struct lpm4 *t = table("rcu", 8, 1, v);

	cr_assert_eq(lpm4_add(t, 0x0a000000, 8, 1), 0);
	cr_assert_eq(lpm4_add(t, 0x0a000001, 32, 2), 0);
	uint32_t group = t->tbl24[0x0a0000] & LPM4_E_NH_MASK;
	cr_assert_eq(lpm4_delete(t, 0x0a000001, 32), 0);
	lpm4_stats(t, &s);
	cr_assert(s.groups_used == 0 && s.groups_deferred == 1 && s.groups_free == 0);
	/* What a reader that loaded the old tbl24 entry may still read. */
	uint32_t held[LPM4_GROUP_ENTRIES];
	memcpy(held, &t->tbl8[group * LPM4_GROUP_ENTRIES], sizeof(held));

	lpm4_reclaim(t);
	cr_assert_eq(lpm4_add(t, 0x0b000001, 32, 3), -ENOSPC, "not before the reader is quiescent");
	cr_assert_arr_eq(held, &t->tbl8[group * LPM4_GROUP_ENTRIES], sizeof(held), "the group is untouched");
	cr_assert_eq(lookup(t, 0x0b000001), UINT32_MAX);

	rte_rcu_qsbr_quiescent(v, 0);
	cr_assert_eq(lpm4_add(t, 0x0b000001, 32, 3), 0, "reused after the grace period");
	lpm4_stats(t, &s);
	cr_assert(s.groups_used == 1 && s.groups_deferred == 0);
	cr_assert_eq(lookup(t, 0x0b000001), 3);
	cr_assert_eq(lookup(t, 0x0a000001), 1);
	lpm4_free(t);
	rte_rcu_qsbr_thread_offline(v, 0);
	rte_free(v);
}
