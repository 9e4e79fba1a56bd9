/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "dataplane/nh_group.h"

#include <errno.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "dataplane/dp.h"
#include "dataplane/fib.h"
#include "dataplane/neigh.h"

struct nh_group *dp_nh_groups;

/* The interning key: the sorted hops, unused ones zero. */
struct group_key {
	uint32_t n;
	struct fib_hop hops[DP_ECMP_MAX];
};

struct group_info { /* control side */
	struct group_key key;
	unsigned refs;
	uint32_t nh;
};

static struct group_info *info;
static uint32_t *free_slots;
static unsigned n_free;
static struct rte_hash *by_hops;
static struct rte_rcu_qsbr_dq *defer_q;

static void slot_release(void *p, void *e, unsigned n)
{
	(void)p;
	const uint32_t *slots = e;
	for (unsigned i = 0; i < n; i++)
		free_slots[n_free++] = slots[i];
}

int nh_group_init(void)
{
	struct rte_hash_parameters hp = {
		.name = "brink_nh_groups",
		.entries = NH_GROUP_MAX,
		.key_len = sizeof(struct group_key),
		.hash_func = rte_jhash,
		.socket_id = (int)rte_socket_id(),
	};
	struct rte_rcu_qsbr_dq_parameters dq = {
		.name = "brink_nhg_dq",
		.size = NH_GROUP_MAX,
		.esize = sizeof(uint32_t),
		.trigger_reclaim_limit = 1,
		.max_reclaim_size = 256,
		.free_fn = slot_release,
		.v = dp.qsbr,
	};

	dp_nh_groups = rte_zmalloc("brink_nh_groups", sizeof(*dp_nh_groups) * NH_GROUP_MAX, RTE_CACHE_LINE_SIZE);
	info = rte_zmalloc("brink_nh_group_info", sizeof(*info) * NH_GROUP_MAX, 0);
	free_slots = rte_malloc("brink_nh_group_free", sizeof(*free_slots) * NH_GROUP_MAX, 0);
	by_hops = rte_hash_create(&hp);
	if (!dp_nh_groups || !info || !free_slots || !by_hops)
		return -ENOMEM;
	for (uint32_t s = NH_GROUP_MAX; s > 0; s--)
		free_slots[n_free++] = s - 1;
	defer_q = rte_rcu_qsbr_dq_create(&dq);
	return defer_q ? 0 : -rte_errno;
}

static void make_key(struct group_key *k, const struct fib_hop *hops, unsigned n)
{
	memset(k, 0, sizeof(*k));
	k->n = n;
	memcpy(k->hops, hops, sizeof(*hops) * n);
}

static void member_put(const struct fib_hop *h)
{
	if (h->gateway)
		fib_gateway_put(h->gateway, h->iface);
	else
		fib_onlink_put(h->iface);
}

/* The storage slot of a group, kept as the hash's data: rte_hash reuses its
 * own positions at once, while a freed slot waits for a grace period. */
static int32_t lookup(const struct group_key *k)
{
	void *data;

	return rte_hash_lookup_data(by_hops, k, &data) < 0 ? -1 : (int32_t)(uintptr_t)data;
}

uint32_t nh_group_find(const struct fib_hop *hops, unsigned n)
{
	struct group_key k;
	int32_t slot;

	make_key(&k, hops, n);
	slot = lookup(&k);
	return slot < 0 ? UINT32_MAX : (uint32_t)slot;
}

int32_t nh_group_get(const struct fib_hop *hops, unsigned n, uint32_t *group)
{
	struct group_key k;
	struct nh_group g = {.n = (uint16_t)n};
	int32_t slot, nh;
	unsigned i;

	make_key(&k, hops, n);
	if ((slot = lookup(&k)) >= 0) {
		info[slot].refs++;
		*group = (uint32_t)slot;
		return (int32_t)info[slot].nh;
	}
	if (n_free == 0)
		nh_group_reclaim();
	if (n_free == 0)
		return -ENOSPC;
	for (i = 0; i < n; i++) {
		nh = hops[i].gateway ? fib_gateway_get(hops[i].gateway, hops[i].iface) : fib_onlink_get(hops[i].iface);
		if (nh < 0)
			goto unwind;
		g.member[i] = (uint32_t)nh;
	}
	uint32_t s = free_slots[n_free - 1];
	dp_nh_groups[s] = g; /* complete before the next hop that names it is published */
	nh = nh_alloc(NH_GROUP, 0, s, 0);
	if (nh < 0)
		goto unwind;
	if (rte_hash_add_key_data(by_hops, &k, (void *)(uintptr_t)s) < 0) {
		nh_free_deferred((uint32_t)nh);
		nh = -ENOSPC;
		goto unwind;
	}
	n_free--;
	info[s] = (struct group_info){.key = k, .refs = 1, .nh = (uint32_t)nh};
	*group = s;
	return nh;
unwind:
	while (i-- > 0)
		member_put(&hops[i]);
	return nh;
}

void nh_group_put(uint32_t group)
{
	struct group_info *gi = &info[group];

	if (gi->refs == 0 || --gi->refs > 0)
		return;
	rte_hash_del_key(by_hops, &gi->key);
	nh_free_deferred(gi->nh);
	for (unsigned i = 0; i < gi->key.n; i++)
		member_put(&gi->key.hops[i]);
	memset(gi, 0, sizeof(*gi));
	/* Workers may still read the members through the old next hop. */
	rte_rcu_qsbr_dq_enqueue(defer_q, &group);
}

void nh_group_reclaim(void)
{
	rte_rcu_qsbr_dq_reclaim(defer_q, NH_GROUP_MAX, NULL, NULL, NULL);
}
