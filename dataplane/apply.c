/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "dataplane/apply.h"

#include <stdarg.h>
#include <stdio.h>

#include <rte_cycles.h>

int dp_apply_refuse(struct dp_apply *a, int rc, const char *fmt, ...)
{
	char msg[sizeof(a->err)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!a->best_effort) {
		snprintf(a->err, sizeof(a->err), "%s", msg);
		return rc;
	}
	sbuf_printf(&a->refused, "%s\n", msg);
	a->n_refused++;
	return 0;
}

static void (*between_slices)(void);

void dp_apply_between_slices(void (*fn)(void))
{
	between_slices = fn;
}

void dp_apply_step(struct dp_apply *a)
{
	/* the TSC is read every 64 steps only (a step takes about a microsecond) */
	if (++a->steps & 63)
		return;
	uint64_t now = rte_rdtsc(), hz = rte_get_tsc_hz();
	if (!a->busy_next_tsc) {
		a->busy_next_tsc = now + hz;
		a->slice_next_tsc = now + hz / 1000;
		return;
	}
	if (between_slices && now >= a->slice_next_tsc) {
		between_slices();
		a->slice_next_tsc = rte_rdtsc() + hz / 1000;
	}
	if (a->busy && now >= a->busy_next_tsc) {
		a->busy(a->busy_arg);
		a->busy_next_tsc = now + hz;
	}
}

void dp_apply_fini(struct dp_apply *a)
{
	sbuf_free(&a->refused);
	a->n_refused = 0;
}
