/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "dataplane/dp.h"

#include "modules/modules.h"

struct dp dp = {.punt_port = -1};

void dp_modules_init(void)
{
	static bool done;

	if (!done)
		brink_modules_dataplane_init();
	done = true;
}

#define MAIN_WORK_MAX 8

static void (*main_work_fns[MAIN_WORK_MAX])(uint64_t now_tsc);
static unsigned n_main_work;

void dp_main_work_register(void (*fn)(uint64_t now_tsc))
{
	RTE_VERIFY(n_main_work < MAIN_WORK_MAX);
	main_work_fns[n_main_work++] = fn;
}

void dp_main_work_run(uint64_t now_tsc)
{
	for (unsigned i = 0; i < n_main_work; i++)
		main_work_fns[i](now_tsc);
}

int dp_lcore_tables_init(void)
{
	unsigned lcore;
	int rc;

	RTE_LCORE_FOREACH(lcore)
		if ((rc = iface_counters_init(lcore)) < 0)
			return rc;
	return 0;
}

#define ROUND_END_MAX 4

static void (*round_end_fns[ROUND_END_MAX])(struct dp_worker *w);
static unsigned n_round_end;

void dp_round_end_register(void (*fn)(struct dp_worker *w))
{
	RTE_VERIFY(n_round_end < ROUND_END_MAX);
	round_end_fns[n_round_end++] = fn;
}

void dp_round_end_run(struct dp_worker *w)
{
	for (unsigned i = 0; i < n_round_end; i++)
		round_end_fns[i](w);
}
