/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel side of the exception (punt) interface, in brinkd's network
 * namespace: brought up, given the router's addresses with their prefix
 * lengths (so the kernel has the connected routes through it), and one
 * default route through it, marked with PUNT_RTPROT, for everything else:
 * the dataplane routes what the kernel sends it. No kernel route per Brink
 * route, so a sync costs O(addresses) whatever the size of the table.
 */
#ifndef BRINK_PUNT_KERNEL_H
#define BRINK_PUNT_KERNEL_H

#include <stddef.h>

#include "common/punt.h"
#include "config/config.h"

#define PUNT_RTPROT 200     /* "brink" in /etc/iproute2/rt_protos terms */
#define PUNT_METRIC 1000000 /* above any management default, which stays in charge */

/* Makes the interface m->punt_ifname match m. Returns 0, -EAGAIN while the
 * interface does not exist yet (the dataplane creates it), or -errno; err
 * says what failed. */
int punt_kernel_sync(const struct brink_model *m, char *err, size_t errlen);

#endif
