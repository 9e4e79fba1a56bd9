/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ARP on the worker: answer requests for our addresses at once (in place) and
 * tell the main lcore, which owns the neighbour table, what senders we saw.
 */
#include "dataplane/arp.h"

#include <string.h>

#include <rte_arp.h>

#include "common/net_addr.h"
#include "dataplane/path.h"

static bool arp_valid(const struct rte_mbuf *m, const struct rte_arp_hdr *a)
{
	return rte_pktmbuf_data_len(m) >= sizeof(struct rte_ether_hdr) + sizeof(*a) &&
	       a->arp_hardware == RTE_BE16(RTE_ARP_HRD_ETHER) && a->arp_protocol == RTE_BE16(RTE_ETHER_TYPE_IPV4) &&
	       a->arp_hlen == RTE_ETHER_ADDR_LEN && a->arp_plen == 4 &&
	       (a->arp_opcode == RTE_BE16(RTE_ARP_OP_REQUEST) || a->arp_opcode == RTE_BE16(RTE_ARP_OP_REPLY));
}

/* Is ip one of our addresses on this interface? One LPM lookup: local addresses are /32 routes. */
static bool addr_is_ours(uint32_t ip, uint16_t iface)
{
	uint32_t id;
	if (lpm4_lookup(dp.lpm, ip, &id) != 0)
		return false;
	struct nexthop nh = nh_read(id);
	return nh.kind == NH_LOCAL && nh.iface == iface;
}

static void tell_control(uint16_t iface, const struct rte_arp_hdr *a, bool for_us)
{
	struct arp_event ev = {.iface = iface, .for_us = for_us, .ip = rte_be_to_cpu_32(a->arp_data.arp_sip)};
	memcpy(ev.mac, &a->arp_data.arp_sha, 6);
	if (rte_ring_mp_enqueue_elem(dp.to_control, &ev, sizeof(ev)) != 0)
		dp_counters_self()->c[DP_CNT_DROP_CONTROL_RING_FULL]++;
}

/* Turn the request in m into our reply, sent back out of the interface it came from. */
static void reply_in_place(struct dp_worker *w, uint16_t iface, struct rte_mbuf *m, struct rte_arp_hdr *a)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	const struct rte_ether_addr *our_mac = &dp_ifaces[iface].mac;
	uint32_t target = a->arp_data.arp_tip;

	a->arp_opcode = RTE_BE16(RTE_ARP_OP_REPLY);
	a->arp_data.arp_tha = a->arp_data.arp_sha;
	a->arp_data.arp_tip = a->arp_data.arp_sip;
	a->arp_data.arp_sha = *our_mac;
	a->arp_data.arp_sip = target;
	eh->dst_addr = eh->src_addr;
	eh->src_addr = *our_mac;
	dp_counters_self()->c[DP_CNT_ARP_REPLIES_SENT]++;
	if (trace_on()) {
		char ip[IP4_STR_LEN];
		trace_step(m, "arp", "request for %s, ours: answered", ip4_fmt(rte_be_to_cpu_32(target), ip));
	}
	iface_output(w, iface, m, 0);
}

void arp_input(struct dp_worker *w, uint16_t iface, struct rte_mbuf *m)
{
	struct dp_lcore_counters *cnt = dp_counters_self();
	struct rte_arp_hdr *a = rte_pktmbuf_mtod_offset(m, struct rte_arp_hdr *, sizeof(struct rte_ether_hdr));

	if (unlikely(!arp_valid(m, a))) {
		dp_drop(cnt, DP_CNT_DROP_ARP_MALFORMED, m);
		return;
	}
	if (iface < RTE_MAX_ETHPORTS && dp.ports[iface].is_punt) {
		/* The kernel behind the punt port reaches everything through us. */
		if (a->arp_opcode == RTE_BE16(RTE_ARP_OP_REQUEST)) {
			punt_learn_kernel_mac(&a->arp_data.arp_sha);
			reply_in_place(w, iface, m, a);
		} else {
			dp_drop(cnt, DP_CNT_DROP_ARP_NOT_FOR_US, m);
		}
		return;
	}
	bool for_us = addr_is_ours(rte_be_to_cpu_32(a->arp_data.arp_tip), iface);
	if (a->arp_data.arp_sip != 0) {
		if (trace_on()) {
			char ip[IP4_STR_LEN], mac[MAC_STR_LEN];
			trace_step(m, "arp", "%s is at %s: told to the main lcore",
				   ip4_fmt(rte_be_to_cpu_32(a->arp_data.arp_sip), ip),
				   mac_fmt(a->arp_data.arp_sha.addr_bytes, mac));
		}
		tell_control(iface, a, for_us && a->arp_opcode == RTE_BE16(RTE_ARP_OP_REQUEST));
	}
	if (for_us && a->arp_opcode == RTE_BE16(RTE_ARP_OP_REQUEST))
		reply_in_place(w, iface, m, a);
	else if (for_us)
		dp_drop(cnt, DP_CNT_ARP_CONSUMED, m);
	else
		dp_drop(cnt, DP_CNT_DROP_ARP_NOT_FOR_US, m);
}

struct rte_mbuf *arp_build_request(uint16_t iface, uint32_t sender_ip, uint32_t target_ip, const uint8_t *dst_mac)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(dp.pool);
	struct rte_ether_hdr *eh;
	struct rte_arp_hdr *a;
	const uint16_t len = sizeof(*eh) + sizeof(*a);

	if (!m)
		return NULL;
	eh = (struct rte_ether_hdr *)rte_pktmbuf_append(m, RTE_ETHER_MIN_LEN - RTE_ETHER_CRC_LEN);
	memset(eh, 0, RTE_ETHER_MIN_LEN - RTE_ETHER_CRC_LEN);
	RTE_BUILD_BUG_ON(len > RTE_ETHER_MIN_LEN - RTE_ETHER_CRC_LEN);
	a = (struct rte_arp_hdr *)(eh + 1);
	if (dst_mac)
		memcpy(&eh->dst_addr, dst_mac, 6);
	else
		memset(&eh->dst_addr, 0xff, 6);
	eh->src_addr = dp_ifaces[iface].mac;
	eh->ether_type = RTE_BE16(RTE_ETHER_TYPE_ARP);
	a->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	a->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	a->arp_hlen = RTE_ETHER_ADDR_LEN;
	a->arp_plen = 4;
	a->arp_opcode = RTE_BE16(RTE_ARP_OP_REQUEST);
	a->arp_data.arp_sha = dp_ifaces[iface].mac;
	a->arp_data.arp_sip = rte_cpu_to_be_32(sender_ip);
	a->arp_data.arp_tip = rte_cpu_to_be_32(target_ip);
	dp_meta(m)->out_iface = iface;
	dp_meta(m)->in_iface = iface;
	dp_meta(m)->depth = 0;
	dp_meta(m)->reason = DP_CTRL_TRANSMIT;
	trace_untraced(m);
	return m;
}
