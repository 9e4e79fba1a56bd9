/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef BRINK_DP_LOG_H
#define BRINK_DP_LOG_H

/* DPDK's log goes through us from now on (still to stderr). Returns 0 or -errno. */
int dp_log_init(void);

#endif
