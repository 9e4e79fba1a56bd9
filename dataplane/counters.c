/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "dataplane/counters.h"

#include <string.h>

struct dp_lcore_counters dp_counters[RTE_MAX_LCORE];

const char *const dp_counter_names[DP_CNT_MAX] = {
#define DP_COUNTER_NAME(id, name) [DP_CNT_##id] = name,
	DP_COUNTER_TABLE(DP_COUNTER_NAME)
#undef DP_COUNTER_NAME
};

const char *const dp_stage_names[DP_STAGE_MAX] = {
#define DP_STAGE_NAME(id, name) [DP_STAGE_##id] = name,
	DP_STAGE_TABLE(DP_STAGE_NAME)
#undef DP_STAGE_NAME
};

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
