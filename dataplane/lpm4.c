/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "dataplane/lpm4.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#define TBL24_ENTRIES (1u << 24)
#define NO_GROUP UINT32_MAX

static inline uint32_t depth_mask(uint8_t depth)
{
	return depth ? ~0u << (32 - depth) : 0;
}

static inline uint8_t entry_depth(uint32_t e)
{
	return (uint8_t)(e >> LPM4_E_DEPTH_SHIFT);
}

static inline uint32_t entry_make(uint32_t nh, uint8_t depth)
{
	return nh | LPM4_E_VALID | (uint32_t)depth << LPM4_E_DEPTH_SHIFT;
}

static inline uint64_t rule_key(uint32_t prefix, uint8_t depth)
{
	return (uint64_t)depth << 32 | prefix;
}

static inline uint32_t *group_entries(const struct lpm4 *t, uint32_t g)
{
	return &t->tbl8[(size_t)g * LPM4_GROUP_ENTRIES];
}

/* Release: a reader that sees the entry sees the next hop it names, written
 * before it. */
static inline void entry_store(uint32_t *p, uint32_t e)
{
	__atomic_store_n(p, e, __ATOMIC_RELEASE);
}

static void group_push_free(struct lpm4 *t, uint32_t g)
{
	group_entries(t, g)[0] = t->free_head;
	t->free_head = g;
	t->groups_free++;
}

static void groups_reclaimed(void *p, void *e, unsigned n)
{
	struct lpm4 *t = p;
	const uint32_t *groups = e;

	for (unsigned i = 0; i < n; i++) {
		group_push_free(t, groups[i]);
		t->groups_deferred--;
	}
}

static int group_alloc(struct lpm4 *t, uint32_t *g)
{
	if (t->groups_free == 0 && t->groups_fresh == t->n_groups && t->dq)
		lpm4_reclaim(t);
	if (t->groups_free) {
		*g = t->free_head;
		t->free_head = group_entries(t, *g)[0];
		t->groups_free--;
		return 0;
	}
	if (t->groups_fresh == t->n_groups)
		return -ENOSPC;
	*g = t->groups_fresh++;
	return 0;
}

/* A group collapsed into its tbl24 entry: readers that loaded the old entry
 * may still be reading it. */
static void group_retire(struct lpm4 *t, uint32_t g)
{
	if (!t->dq) {
		group_push_free(t, g);
		return;
	}
	/* Counted first: the enqueue may reclaim this very group at once. The
	 * queue holds every group, so it is never full. */
	t->groups_deferred++;
	rte_rcu_qsbr_dq_enqueue(t->dq, &g);
}

void lpm4_reclaim(struct lpm4 *t)
{
	if (t->dq && t->groups_deferred)
		rte_rcu_qsbr_dq_reclaim(t->dq, t->groups_deferred, NULL, NULL, NULL);
}

/* The parts of t that need memory: 0 or a positive errno. */
static int tables_create(struct lpm4 *t, const struct lpm4_config *cfg)
{
	char name[RTE_HASH_NAMESIZE];

	t->map_size = ((size_t)TBL24_ENTRIES + (size_t)cfg->n_groups * LPM4_GROUP_ENTRIES) * sizeof(uint32_t);
	/* fd -1 is what MAP_ANONYMOUS asks for. */
	// cppcheck-suppress invalidFunctionArg
	t->tbl24 = mmap(NULL, t->map_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (t->tbl24 == MAP_FAILED) {
		t->tbl24 = NULL;
		return ENOMEM;
	}
	/* Advice only: without THP the table works on 4 KiB pages. */
	(void)madvise(t->tbl24, t->map_size, MADV_HUGEPAGE);
	t->tbl8 = t->tbl24 + TBL24_ENTRIES;
	/* calloc of a large block is fresh zero pages, touched as groups are used */
	t->group_rules = calloc(cfg->n_groups ? cfg->n_groups : 1, sizeof(*t->group_rules));
	if (!t->group_rules)
		return ENOMEM;

	snprintf(name, sizeof(name), "lpm4_%s", cfg->name);
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = cfg->max_rules > 8 ? cfg->max_rules : 8, /* rte_hash's smallest: one bucket */
		.key_len = sizeof(uint64_t),
		.hash_func = rte_hash_crc,
		.socket_id = SOCKET_ID_ANY,
		/* every rule fits, whatever the bucket collisions */
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};
	t->rules = rte_hash_create(&hp);
	if (!t->rules)
		return rte_errno;
	if (!cfg->qsbr)
		return 0;
	struct rte_rcu_qsbr_dq_parameters dq = {
		.name = name,
		.size = cfg->n_groups ? cfg->n_groups : 1,
		.esize = sizeof(uint32_t),
		.trigger_reclaim_limit = 32,
		.max_reclaim_size = 64,
		.free_fn = groups_reclaimed,
		.p = t,
		.v = cfg->qsbr,
	};
	t->dq = rte_rcu_qsbr_dq_create(&dq);
	return t->dq ? 0 : rte_errno;
}

struct lpm4 *lpm4_create(const struct lpm4_config *cfg)
{
	struct lpm4 *t;
	int err;

	if (!cfg->name || strlen(cfg->name) > 20 || cfg->max_rules == 0 || cfg->n_groups > LPM4_NH_MAX + 1) {
		rte_errno = EINVAL;
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		rte_errno = ENOMEM;
		return NULL;
	}
	t->max_rules = cfg->max_rules;
	t->n_groups = cfg->n_groups;
	t->free_head = NO_GROUP;
	if ((err = tables_create(t, cfg)) != 0) {
		lpm4_free(t);
		rte_errno = err;
		return NULL;
	}
	return t;
}

void lpm4_free(struct lpm4 *t)
{
	if (!t)
		return;
	if (t->dq)
		rte_rcu_qsbr_dq_delete(t->dq);
	rte_hash_free(t->rules);
	free(t->group_rules);
	if (t->tbl24)
		munmap(t->tbl24, t->map_size);
	free(t);
}

/* Writes e over the entries of [first, first + n) that a rule of at most
 * depth wrote (or none did), descending into groups when inside_groups. */
static void fill_range(struct lpm4 *t, uint32_t *entries, uint32_t n, uint32_t e, uint8_t depth, bool inside_groups)
{
	for (uint32_t i = 0; i < n; i++) {
		uint32_t cur = entries[i];
		if (inside_groups && (cur & LPM4_E_GROUP))
			fill_range(t, group_entries(t, cur & LPM4_E_NH_MASK), LPM4_GROUP_ENTRIES, e, depth, false);
		else if (entry_depth(cur) <= depth)
			entry_store(&entries[i], e);
	}
}

/* Writes e over the entries of [first, first + n) that the rule of exactly
 * depth wrote. */
static void replace_range(struct lpm4 *t, uint32_t *entries, uint32_t n, uint32_t e, uint8_t depth, bool inside_groups)
{
	for (uint32_t i = 0; i < n; i++) {
		uint32_t cur = entries[i];
		if (inside_groups && (cur & LPM4_E_GROUP))
			replace_range(t, group_entries(t, cur & LPM4_E_NH_MASK), LPM4_GROUP_ENTRIES, e, depth, false);
		else if ((cur & LPM4_E_VALID) && entry_depth(cur) == depth)
			entry_store(&entries[i], e);
	}
}

int lpm4_rule_get(const struct lpm4 *t, uint32_t prefix, uint8_t depth, uint32_t *nh)
{
	uint64_t key;
	void *data;

	if (depth > 32)
		return -EINVAL;
	key = rule_key(prefix & depth_mask(depth), depth);
	if (rte_hash_lookup_data(t->rules, &key, &data) < 0)
		return -ENOENT;
	*nh = (uint32_t)(uintptr_t)data;
	return 0;
}

int lpm4_add(struct lpm4 *t, uint32_t prefix, uint8_t depth, uint32_t nh)
{
	uint32_t old_nh, group = NO_GROUP;
	uint64_t key;
	bool is_new;
	int rc;

	if (depth > 32 || nh > LPM4_NH_MAX)
		return -EINVAL;
	prefix &= depth_mask(depth);
	is_new = lpm4_rule_get(t, prefix, depth, &old_nh) != 0;
	if (is_new && t->n_rules == t->max_rules)
		return -ENOSPC;
	uint32_t *slot24 = &t->tbl24[prefix >> 8];
	if (depth > 24 && !(*slot24 & LPM4_E_GROUP) && (rc = group_alloc(t, &group)) < 0)
		return rc;
	key = rule_key(prefix, depth);
	if (rte_hash_add_key_data(t->rules, &key, (void *)(uintptr_t)nh) < 0) {
		if (group != NO_GROUP)
			group_push_free(t, group); /* never published */
		return -ENOSPC;
	}
	if (is_new) {
		t->rules_at[depth]++;
		t->n_rules++;
	}
	uint32_t e = entry_make(nh, depth);
	if (depth == 0) {
		entry_store(&t->default_entry, e);
		return 0;
	}
	if (depth <= 24) {
		fill_range(t, slot24, 1u << (24 - depth), e, depth, true);
		return 0;
	}
	uint32_t span = 1u << (32 - depth), first = prefix & 0xff;
	if (group != NO_GROUP) {
		/* The whole group first, then the tbl24 entry that makes it visible. */
		uint32_t *g = group_entries(t, group);
		uint32_t covering = *slot24;
		for (uint32_t i = 0; i < LPM4_GROUP_ENTRIES; i++)
			g[i] = (i >= first && i < first + span) ? e : covering;
		t->group_rules[group] = 1;
		entry_store(slot24, group | LPM4_E_VALID | LPM4_E_GROUP);
		return 0;
	}
	group = *slot24 & LPM4_E_NH_MASK;
	fill_range(t, group_entries(t, group) + first, span, e, depth, false);
	if (is_new)
		t->group_rules[group]++;
	return 0;
}

/* The entry of the longest rule shorter than depth covering prefix, or 0
 * (invalid: lookups then take the default route). */
static uint32_t covering_entry(const struct lpm4 *t, uint32_t prefix, uint8_t depth)
{
	uint32_t nh;

	for (uint8_t d = (uint8_t)(depth - 1); d > 0; d--)
		if (t->rules_at[d] && lpm4_rule_get(t, prefix, d, &nh) == 0)
			return entry_make(nh, d);
	return 0;
}

int lpm4_delete(struct lpm4 *t, uint32_t prefix, uint8_t depth)
{
	uint64_t key;

	if (depth > 32)
		return -EINVAL;
	prefix &= depth_mask(depth);
	key = rule_key(prefix, depth);
	if (rte_hash_del_key(t->rules, &key) < 0)
		return -ENOENT;
	t->rules_at[depth]--;
	t->n_rules--;
	if (depth == 0) {
		entry_store(&t->default_entry, 0);
		return 0;
	}
	uint32_t e = covering_entry(t, prefix, depth);
	uint32_t *slot24 = &t->tbl24[prefix >> 8];
	if (depth <= 24) {
		replace_range(t, slot24, 1u << (24 - depth), e, depth, true);
		return 0;
	}
	uint32_t group = *slot24 & LPM4_E_NH_MASK;
	uint32_t *g = group_entries(t, group);
	replace_range(t, g + (prefix & 0xff), 1u << (32 - depth), e, depth, false);
	if (--t->group_rules[group] == 0) {
		/* Only the /24's own covering entry is left in all 256. */
		entry_store(slot24, g[0]);
		group_retire(t, group);
	}
	return 0;
}

void lpm4_stats(const struct lpm4 *t, struct lpm4_stats *s)
{
	uint32_t never_used = t->n_groups - t->groups_fresh;

	s->rules = t->n_rules;
	s->groups = t->n_groups;
	s->groups_free = t->groups_free + never_used;
	s->groups_deferred = t->groups_deferred;
	s->groups_used = t->n_groups - s->groups_free - s->groups_deferred;
	s->bytes_touched =
		((uint64_t)TBL24_ENTRIES + (uint64_t)t->groups_fresh * LPM4_GROUP_ENTRIES) * sizeof(uint32_t);
}

uint8_t lpm4_match_depth(const struct lpm4 *t, uint32_t ip)
{
	uint32_t e = __atomic_load_n(&t->tbl24[ip >> 8], __ATOMIC_RELAXED);

	if (e & LPM4_E_GROUP)
		e = __atomic_load_n(&group_entries(t, e & LPM4_E_NH_MASK)[ip & 0xff], __ATOMIC_RELAXED);
	return (e & LPM4_E_VALID) ? entry_depth(e) : 0;
}
