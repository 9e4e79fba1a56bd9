/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Packets addressed to the router: a registered protocol handler, else the kernel. */
#include "dataplane/path.h"

static ip4_local_fn local_handlers[256];

void ip4_local_register(uint8_t proto, ip4_local_fn fn)
{
	local_handlers[proto] = fn;
}

void ip4_local(struct dp_worker *w, struct rte_mbuf *m)
{
	const struct rte_ipv4_hdr *ip =
		rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
	ip4_local_fn fn = local_handlers[ip->next_proto_id];

	dp_counters_self()->c[DP_CNT_LOCAL_IN]++;
	/* Fragments go to the kernel, which reassembles them. */
	bool fragment = ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK);
	if (trace_on())
		trace_step(m, "ip4_local", "protocol %u%s: %s", ip->next_proto_id, fragment ? ", a fragment" : "",
			   fn && !fragment ? "handled here" : "for the kernel");
	if (fn && !fragment)
		fn(w, m);
	else
		punt_to_kernel(w, m);
}
