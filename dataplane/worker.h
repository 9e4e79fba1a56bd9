/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef BRINK_DP_WORKER_H
#define BRINK_DP_WORKER_H

/* lcore entry point; arg is the struct dp_worker of this lcore. */
int worker_main(void *arg);

#endif
