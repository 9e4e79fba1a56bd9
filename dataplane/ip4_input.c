/* SPDX-License-Identifier: GPL-2.0-or-later */
/* IPv4 input: the registered input stages, then routing. The header checks are in ip4_check.h. */
#include "dataplane/path.h"

#define IP4_STAGES_MAX 16

static struct {
	const char *name;
	ip4_stage_fn fn;
} stages[IP4_STAGES_MAX];
static unsigned n_stages;

int ip4_stage_register(const char *name, ip4_stage_fn fn)
{
	if (n_stages == IP4_STAGES_MAX)
		return -ENOSPC;
	stages[n_stages].name = name;
	stages[n_stages].fn = fn;
	n_stages++;
	return 0;
}

/* Valid IPv4 packets (eth_input ran ip4_input_verdict on each, in its own
 * pass over the headers): the registered stages, then routing. */
void ip4_input(struct dp_worker *w, struct rte_mbuf **pkts, const uint32_t *dst, uint16_t n)
{
	if (likely(n_stages == 0)) {
		ip4_route_dst(w, pkts, dst, n, true);
		return;
	}
	/* Stages may rewrite or drop packets: route on what they leave. */
	for (unsigned s = 0; s < n_stages && n; s++)
		n = stages[s].fn(w, pkts, n);
	if (n)
		ip4_route(w, pkts, n, true);
}
