/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Packets addressed to the router: the LOCAL_IN hooks, then a registered
 * protocol handler (UDP by destination port), else the kernel. */
#include <errno.h>

#include <rte_udp.h>

#include "dataplane/path.h"

static ip4_local_fn local_handlers[256];

static struct {
	ip4_local_fn fn;
	unsigned refs;
} udp_ports[65536];

void ip4_local_register(uint8_t proto, ip4_local_fn fn)
{
	local_handlers[proto] = fn;
}

int udp_local_register(uint16_t port, ip4_local_fn fn)
{
	if (udp_ports[port].refs && udp_ports[port].fn != fn)
		return -EADDRINUSE;
	udp_ports[port].refs++;
	__atomic_store_n(&udp_ports[port].fn, fn, __ATOMIC_RELEASE);
	return 0;
}

void udp_local_unregister(uint16_t port)
{
	if (udp_ports[port].refs && --udp_ports[port].refs == 0)
		__atomic_store_n(&udp_ports[port].fn, NULL, __ATOMIC_RELEASE);
}

static dp_verdict udp_local(struct dp_worker *w, struct rte_mbuf *m)
{
	const struct rte_ipv4_hdr *ip =
		rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
	uint16_t ihl = rte_ipv4_hdr_len(ip);
	const struct rte_udp_hdr *udp = (const struct rte_udp_hdr *)((const uint8_t *)ip + ihl);
	ip4_local_fn fn = NULL;

	if (rte_pktmbuf_data_len(m) >= sizeof(struct rte_ether_hdr) + ihl + sizeof(*udp))
		fn = __atomic_load_n(&udp_ports[rte_be_to_cpu_16(udp->dst_port)].fn, __ATOMIC_ACQUIRE);
	if (trace_on())
		trace_step(m, "udp_local", "port %u: %s", fn ? rte_be_to_cpu_16(udp->dst_port) : 0,
			   fn ? "handled here" : "for the kernel");
	if (fn)
		return fn(w, m);
	punt_to_kernel(w, m);
	return DP_CONSUMED;
}

RTE_INIT(udp_local_init)
{
	ip4_local_register(IPPROTO_UDP, udp_local);
}

void ip4_local(struct dp_worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	struct rte_mbuf *again[DP_BURST];
	dp_verdict again_how[DP_BURST];
	uint16_t n_again = 0;

	dp_counters_self()->c[DP_CNT_LOCAL_IN] += n;
	if (unlikely(hook_active(DP_HOOK_LOCAL_IN)) && !(n = hook_run(DP_HOOK_LOCAL_IN, w, pkts, n)))
		return;
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct rte_ipv4_hdr *ip =
			rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
		ip4_local_fn fn = local_handlers[ip->next_proto_id];
		/* Fragments go to the kernel, which reassembles them. */
		bool fragment = ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK);
		dp_verdict v;

		if (trace_on())
			trace_step(m, "ip4_local", "protocol %u%s: %s", ip->next_proto_id,
				   fragment ? ", a fragment" : "", fn && !fragment ? "handled here" : "for the kernel");
		if (!fn || fragment) {
			punt_to_kernel(w, m);
			continue;
		}
		v = fn(w, m);
		if (v == DP_CONTINUE)
			punt_to_kernel(w, m);
		else if (v == DP_REINJECT_ETH || v == DP_REINJECT_IP4) {
			/* Decapsulated: input again together, as one burst. */
			again[n_again] = m;
			again_how[n_again++] = v;
		} else if (v != DP_CONSUMED) {
			dp_verdict_apply(w, m, v);
		}
	}
	for (uint16_t i = 0; i < n_again;) {
		uint16_t k = i;
		while (k < n_again && again_how[k] == again_how[i])
			k++;
		dp_reinject(w, &again[i], (uint16_t)(k - i), again_how[i]);
		i = k;
	}
}
