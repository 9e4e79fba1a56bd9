/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef BRINK_DP_WORKER_H
#define BRINK_DP_WORKER_H

#include <rte_mbuf.h>

struct dp_worker;

/* lcore entry point; arg is the struct dp_worker of this lcore. */
int worker_main(void *arg);
/* Worker 0's share of what the main lcore hands back (dp.inject): frames to
 * send (ARP requests, packets that waited for ARP) and packets to route again. */
void worker_drain_inject(struct dp_worker *w);

#endif
