/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Live packet capture by DPDK's own tools: the dataplane serves rte_pdump,
 * so dpdk-dumpcap (a secondary process attached to this primary's shared
 * memory) can ask for a copy of a port's RX and TX. pdump adds its ethdev
 * callbacks only while a capture runs: without one the packet path is
 * unchanged.
 */
#ifndef BRINK_DP_CAPTURE_H
#define BRINK_DP_CAPTURE_H

#include <stddef.h>

/* Once the ports are started. Captures stay unavailable when the EAL keeps
 * its memory private (--no-huge, --in-memory); capture_unavailable() says
 * why, and so does a log line. */
void capture_init(void);
void capture_fini(void);
/* Why dpdk-dumpcap cannot attach, or "" when it can. */
const char *capture_unavailable(void);

#endif
