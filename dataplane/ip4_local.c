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

/* Each run of packets that share a handler (fns[i]) goes to it in one call;
 * a packet without one gets DP_CONTINUE, for the kernel. */
static void handler_runs(struct dp_worker *w, struct rte_mbuf **pkts, ip4_local_fn *fns, dp_verdict *v, uint16_t n)
{
	for (uint16_t i = 0; i < n;) {
		uint16_t k = i + 1;
		while (k < n && fns[k] == fns[i])
			k++;
		if (fns[i])
			fns[i](w, &pkts[i], &v[i], (uint16_t)(k - i));
		else
			for (uint16_t j = i; j < k; j++)
				v[j] = DP_CONTINUE;
		i = k;
	}
}

static void udp_local(struct dp_worker *w, struct rte_mbuf **pkts, dp_verdict *v, uint16_t n)
{
	ip4_local_fn fns[DP_BURST];
	const bool tracing = trace_on();

	for (uint16_t i = 0; i < n; i++) {
		const struct rte_mbuf *m = pkts[i];
		const struct rte_ipv4_hdr *ip =
			rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
		uint16_t ihl = rte_ipv4_hdr_len(ip);
		const struct rte_udp_hdr *udp = (const struct rte_udp_hdr *)((const uint8_t *)ip + ihl);

		fns[i] = NULL;
		if (rte_pktmbuf_data_len(m) >= sizeof(struct rte_ether_hdr) + ihl + sizeof(*udp))
			fns[i] = __atomic_load_n(&udp_ports[rte_be_to_cpu_16(udp->dst_port)].fn, __ATOMIC_ACQUIRE);
		if (unlikely(tracing))
			trace_step(pkts[i], "udp_local", "port %u: %s", fns[i] ? rte_be_to_cpu_16(udp->dst_port) : 0,
				   fns[i] ? "handled here" : "for the kernel");
	}
	handler_runs(w, pkts, fns, v, n);
}

RTE_INIT(udp_local_init)
{
	ip4_local_register(IPPROTO_UDP, udp_local);
}

void ip4_local(struct dp_worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	ip4_local_fn fns[DP_BURST];
	dp_verdict v[DP_BURST];
	uint16_t n_again = 0;
	const bool tracing = trace_on();

	dp_counters_self()->c[DP_CNT_LOCAL_IN] += n;
	if (unlikely(hook_active(DP_HOOK_LOCAL_IN)) && !(n = hook_run(DP_HOOK_LOCAL_IN, w, pkts, n)))
		return;
	for (uint16_t i = 0; i < n; i++) {
		const struct rte_ipv4_hdr *ip =
			rte_pktmbuf_mtod_offset(pkts[i], const struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
		/* Fragments go to the kernel, which reassembles them. */
		bool fragment = ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK);

		fns[i] = fragment ? NULL : local_handlers[ip->next_proto_id];
		if (unlikely(tracing))
			trace_step(pkts[i], "ip4_local", "protocol %u%s: %s", ip->next_proto_id,
				   fragment ? ", a fragment" : "", fns[i] ? "handled here" : "for the kernel");
	}
	handler_runs(w, pkts, fns, v, n);
	/* A burst a tunnel decapsulated whole is input again as it is. */
	dp_verdict differ = 0;
	for (uint16_t i = 1; i < n; i++)
		differ |= v[i] ^ v[0];
	if (!differ && (v[0] == DP_REINJECT_ETH || v[0] == DP_REINJECT_IP4)) {
		dp_reinject(w, pkts, n, v[0]);
		return;
	}
	/* Else the decapsulated packets are input again together, as one
	 * burst: they move to the front of pkts, whose others are done with. */
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		if (likely(v[i] == DP_REINJECT_ETH || v[i] == DP_REINJECT_IP4)) {
			pkts[n_again] = m;
			v[n_again++] = v[i];
		} else if (v[i] == DP_CONTINUE) {
			punt_to_kernel(w, m);
		} else if (v[i] != DP_CONSUMED) {
			dp_verdict_apply(w, m, v[i]);
		}
	}
	for (uint16_t i = 0; i < n_again;) {
		uint16_t k = i;
		while (k < n_again && v[k] == v[i])
			k++;
		dp_reinject(w, &pkts[i], (uint16_t)(k - i), v[i]);
		i = k;
	}
}
