/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * How a change of state treats an item it cannot apply. An interactive
 * commit is all or nothing: the first refusal stops it (and the caller puts
 * back what ran before). A resync after a start or a reconnect is best
 * effort: a refused item is recorded and skipped, so one bad route cannot
 * leave the router without addresses or connected routes.
 */
#ifndef BRINK_DP_APPLY_H
#define BRINK_DP_APPLY_H

#include <stdbool.h>
#include <stdint.h>

#include "common/sbuf.h"

struct dp_apply {
	bool best_effort;
	char err[256];       /* strict: why it stopped */
	struct sbuf refused; /* best effort: one line per refused item */
	unsigned n_refused;
	/* Called about once a second while a long apply goes on (may be NULL):
	 * the controller hears the dataplane is busy, not dead. */
	void (*busy)(void *arg);
	void *busy_arg;
	uint64_t busy_next_tsc, slice_next_tsc;
	unsigned steps;
};

/* An item could not be applied (rc < 0, the reason in printf form).
 * Strict: records the reason and returns rc, so the caller stops.
 * Best effort: appends the reason to the refused list and returns 0. */
int dp_apply_refuse(struct dp_apply *a, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void dp_apply_fini(struct dp_apply *a);
/* One step of a long apply (a route installed...): calls a->busy when a
 * second passed, and the main lcore's work between slices (see
 * dp_apply_between_slices) every millisecond. */
void dp_apply_step(struct dp_apply *a);
/* What the main lcore keeps doing while a long apply runs (ARP, packets
 * held for it, timers, RCU reclaim): called between the apply's steps, when
 * the state is whole. It must not change the state an apply works on. */
void dp_apply_between_slices(void (*fn)(void));

#endif
