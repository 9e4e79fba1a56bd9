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

int dp_lcore_tables_init(void)
{
	unsigned lcore;
	int rc;

	RTE_LCORE_FOREACH(lcore)
		if ((rc = iface_counters_init(lcore)) < 0)
			return rc;
	return 0;
}
