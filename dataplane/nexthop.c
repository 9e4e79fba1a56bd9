/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "dataplane/nexthop.h"

#include <errno.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "dataplane/dp.h"

struct nexthop *dp_nexthops;
uint32_t dp_fwd_gen __rte_cache_aligned;

static uint32_t *free_ids; /* stack of free ids */
static uint32_t n_free;
static unsigned n_used;
static struct rte_rcu_qsbr_dq *defer_q;

static void nh_release(void *p, void *e, unsigned n)
{
	(void)p;
	const uint32_t *ids = e;
	for (unsigned i = 0; i < n; i++) {
		dp_nexthops[ids[i]].word = 0;
		free_ids[n_free++] = ids[i];
		n_used--;
	}
}

int nh_table_init(void)
{
	struct rte_rcu_qsbr_dq_parameters params = {
		.name = "brink_nh_dq",
		.size = NH_MAX,
		.esize = sizeof(uint32_t),
		.trigger_reclaim_limit = 1,
		.max_reclaim_size = 1024,
		.free_fn = nh_release,
		.v = dp.qsbr,
	};

	dp_nexthops = rte_zmalloc("brink_nexthops", sizeof(*dp_nexthops) * NH_MAX, RTE_CACHE_LINE_SIZE);
	free_ids = rte_malloc("brink_nh_free", sizeof(*free_ids) * NH_MAX, 0);
	if (!dp_nexthops || !free_ids)
		return -ENOMEM;
	/* id 0 is never handed out so that a zeroed entry means "free". */
	n_free = 0;
	for (uint32_t id = NH_MAX - 1; id > 0; id--)
		free_ids[n_free++] = id;
	defer_q = rte_rcu_qsbr_dq_create(&params);
	return defer_q ? 0 : -rte_errno;
}

int32_t nh_alloc(enum nh_kind kind, uint16_t iface, uint32_t ip, uint8_t prefix_len)
{
	uint32_t id;

	if (n_free == 0) {
		nh_reclaim();
		if (n_free == 0)
			return -ENOSPC;
	}
	id = free_ids[--n_free];
	n_used++;
	dp_nexthops[id].iface = iface;
	dp_nexthops[id].ip = ip;
	dp_nexthops[id].prefix_len = prefix_len;
	struct nexthop w = {.kind = (uint8_t)kind};
	__atomic_store_n(&dp_nexthops[id].word, w.word, __ATOMIC_RELEASE);
	fwd_gen_bump();
	return (int32_t)id;
}

void nh_set_mac(uint32_t id, const uint8_t mac[6])
{
	struct nexthop w = dp_nexthops[id];
	memcpy(w.mac, mac, 6);
	w.resolved = 1;
	__atomic_store_n(&dp_nexthops[id].word, w.word, __ATOMIC_RELEASE);
	fwd_gen_bump();
}

void nh_clear_mac(uint32_t id)
{
	struct nexthop w = dp_nexthops[id];
	memset(w.mac, 0, 6);
	w.resolved = 0;
	__atomic_store_n(&dp_nexthops[id].word, w.word, __ATOMIC_RELEASE);
	fwd_gen_bump();
}

void nh_free_deferred(uint32_t id)
{
	/* The queue is as large as the id space, so it cannot be full. */
	rte_rcu_qsbr_dq_enqueue(defer_q, &id);
}

void nh_reclaim(void)
{
	unsigned freed, pending, available;
	rte_rcu_qsbr_dq_reclaim(defer_q, NH_MAX, &freed, &pending, &available);
}

unsigned nh_in_use(void)
{
	return n_used;
}
