/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef BRINK_DP_LOG_H
#define BRINK_DP_LOG_H

#include "common/dp_msg.h"

/* DPDK's log goes through us from now on (still to stderr). Returns 0 or -errno. */
int dp_log_init(void);
/* The most recent lines, oldest first; returns how many (<= max). */
unsigned dp_log_dump(struct dp_log_line *out, unsigned max);

#endif
