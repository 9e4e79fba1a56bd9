/* SPDX-License-Identifier: GPL-2.0-or-later */
/* "monitor interfaces": live rates per dataplane port (control/monitor.c). */
#ifndef BRINK_MONITOR_H
#define BRINK_MONITOR_H

#include "common/dp_msg.h"

/* Per second, over an interval between two readings of a port's counters. */
struct port_rates {
	double rx_packets, rx_bits, rx_drops, rx_errors;
	double tx_packets, tx_bits, tx_drops, tx_errors;
};

/* The rates from prev to cur, seconds apart. A counter lower than before
 * (cleared, or the dataplane restarted) counts from zero. */
void monitor_rates(const struct dp_port_stats *prev, const struct dp_port_stats *cur, double seconds,
		   struct port_rates *out);

#endif
