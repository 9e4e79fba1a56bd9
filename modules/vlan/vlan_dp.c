/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * 802.1Q sub-interfaces in the dataplane. A tagged frame on a port is found
 * its sub-interface by (port, VLAN ID) in one array read, stripped of its tag
 * (or read from the mbuf when the device stripped it) and taken again as
 * received there; every IPv4 stage keeps its offset of 14. At output the tag
 * goes back in front of the frame. A frame of a VLAN the port has no
 * sub-interface for is counted and dropped; a priority-tagged one (VLAN 0)
 * belongs to the port itself.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_ether.h>

#include "dataplane/path.h"
#include "dataplane/port.h"
#include "modules/vlan/vlan_msg.h"

struct vlan_priv {
	uint16_t vlan_id;
};

/* The sub-interface of each (port, VLAN ID), 0 for none (no logical interface has id 0). */
static uint16_t by_port_vid[RTE_MAX_ETHPORTS][VLAN_ID_MAX + 1];
static enum dp_counter_id cnt_unknown;

static struct vlan_priv *priv(struct dp_iface *ifc)
{
	RTE_BUILD_BUG_ON(sizeof(struct vlan_priv) > IFACE_PRIV_LEN);
	return (struct vlan_priv *)ifc->priv;
}

static int vlan_check(const struct dp_iface_conf *c, const struct dp_iface_conf *all, unsigned n, char *err,
		      size_t errlen)
{
	struct dp_vlan_info v;
	char parent[DP_NAME_LEN + 1];

	memcpy(&v, c->info, sizeof(v));
	snprintf(parent, sizeof(parent), "%.*s", DP_NAME_LEN, c->parent);
	if (port_by_name(parent) < 0) {
		snprintf(err, errlen, "VLAN %.*s: no port named '%s' to stand on", DP_NAME_LEN, c->name, parent);
		return -ENODEV;
	}
	if (v.vlan_id < VLAN_ID_MIN || v.vlan_id > VLAN_ID_MAX) {
		snprintf(err, errlen, "VLAN %.*s: VLAN ID %u is not in %u-%u", DP_NAME_LEN, c->name, v.vlan_id,
			 (unsigned)VLAN_ID_MIN, (unsigned)VLAN_ID_MAX);
		return -EINVAL;
	}
	for (const struct dp_iface_conf *o = all; o < c; o++) {
		struct dp_vlan_info ov;
		memcpy(&ov, o->info, sizeof(ov));
		if (o->type == DP_IFACE_VLAN && strncmp(o->parent, c->parent, DP_NAME_LEN) == 0 &&
		    ov.vlan_id == v.vlan_id) {
			snprintf(err, errlen, "VLAN %u of %s is both %.*s and %.*s", v.vlan_id, parent, DP_NAME_LEN,
				 o->name, DP_NAME_LEN, c->name);
			return -EEXIST;
		}
	}
	(void)n;
	return 0;
}

static int vlan_apply(struct dp_iface *ifc, const struct dp_iface_conf *c, char *err, size_t errlen)
{
	struct vlan_priv *p = priv(ifc);
	struct dp_vlan_info v;
	char parent[DP_NAME_LEN + 1];
	int port;

	memcpy(&v, c->info, sizeof(v));
	snprintf(parent, sizeof(parent), "%.*s", DP_NAME_LEN, c->parent);
	if ((port = port_by_name(parent)) < 0) {
		snprintf(err, errlen, "no port named '%s'", parent);
		return -ENODEV;
	}
	const struct dp_iface *pi = &dp_ifaces[port];
	struct rte_ether_addr mac = pi->mac;
	if (c->has_mac)
		memcpy(&mac, c->mac, 6);
	if (ifc->type && (ifc->port != port || p->vlan_id != v.vlan_id))
		__atomic_store_n(&by_port_vid[ifc->port][p->vlan_id], 0, __ATOMIC_RELEASE);
	/* The tag rides inside the port's frame: a sub-interface carries at most its MTU. */
	ifc->mtu = c->mtu && c->mtu < pi->mtu ? c->mtu : pi->mtu;
	union {
		struct rte_ether_addr mac;
		uint64_t word;
	} u = {.word = ifc->mac_word};
	u.mac = mac;
	__atomic_store_n(&ifc->mac_word, u.word, __ATOMIC_RELEASE);
	ifc->port = (uint16_t)port;
	ifc->parent = (uint16_t)port;
	p->vlan_id = v.vlan_id;
	__atomic_store_n(&by_port_vid[port][v.vlan_id], ifc->id, __ATOMIC_RELEASE);
	return 0;
}

static void vlan_destroy(struct dp_iface *ifc)
{
	struct vlan_priv *p = priv(ifc);

	if (by_port_vid[ifc->port][p->vlan_id] == ifc->id)
		__atomic_store_n(&by_port_vid[ifc->port][p->vlan_id], 0, __ATOMIC_RELEASE);
}

static bool vlan_underlay_up(const struct dp_iface *ifc)
{
	return dp_ifaces[ifc->port].oper_up;
}

static void vlan_output(struct dp_worker *w, struct dp_iface *ifc, struct rte_mbuf **pkts, const uint32_t *next_hop,
			uint16_t n)
{
	struct iface_counters *c = iface_counters_self(ifc->id);
	uint16_t vlan_id = priv(ifc)->vlan_id;

	(void)next_hop;
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		m->vlan_tci = vlan_id;
		if (unlikely(rte_vlan_insert(&m) != 0)) {
			c->tx_dropped++;
			dp_drop(dp_counters_self(), DP_CNT_ICMP_ERR_NO_HEADROOM, m);
			continue;
		}
		c->tx_packets++;
		c->tx_bytes += rte_pktmbuf_pkt_len(m);
		tx_enqueue(w, ifc->port, m);
	}
}

static void vlan_info(const struct dp_iface *ifc, uint8_t info[DP_IFACE_INFO_LEN])
{
	struct dp_vlan_info v = {.vlan_id = ((const struct vlan_priv *)ifc->priv)->vlan_id};
	memcpy(info, &v, sizeof(v));
}

static const struct iface_type vlan_type = {
	.type = DP_IFACE_VLAN,
	.name = "vlan",
	.ethernet = true,
	.check = vlan_check,
	.apply = vlan_apply,
	.destroy = vlan_destroy,
	.underlay_up = vlan_underlay_up,
	.output = vlan_output,
	.info = vlan_info,
};

/* A frame of VLAN vid on port in: now one received on its sub-interface. */
static dp_verdict deliver(struct dp_iface *in, struct rte_mbuf *m, uint16_t vid)
{
	if (vid == 0) /* priority-tagged: the port's own */
		return DP_REINJECT_ETH;
	uint16_t id = in->type == DP_IFACE_PORT ? __atomic_load_n(&by_port_vid[in->port][vid], __ATOMIC_ACQUIRE) : 0;
	if (!id)
		return DP_DROP(cnt_unknown);
	struct dp_iface *ifc = &dp_ifaces[id];
	struct iface_counters *c = iface_counters_self(id);
	if (unlikely(!ifc->oper_up)) {
		c->rx_dropped++;
		return DP_DROP(DP_CNT_DROP_IFACE_DOWN);
	}
	c->rx_packets++;
	c->rx_bytes += rte_pktmbuf_pkt_len(m);
	dp_meta(m)->in_iface = id;
	if (trace_on())
		trace_step(m, "vlan", "VLAN %u of %s: on %s", vid, in->name, ifc->name);
	return DP_REINJECT_ETH;
}

static dp_verdict vlan_input(struct dp_worker *w, struct dp_iface *in, struct rte_mbuf *m)
{
	const size_t tagged = sizeof(struct rte_ether_hdr) + sizeof(struct rte_vlan_hdr);
	uint8_t *eh = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_vlan_hdr vh;

	(void)w;
	if (rte_pktmbuf_data_len(m) < tagged)
		return DP_DROP(DP_CNT_DROP_ETH_RUNT);
	if (((struct rte_ether_hdr *)eh)->ether_type != RTE_BE16(RTE_ETHER_TYPE_VLAN))
		return DP_DROP(cnt_unknown); /* 802.1ad outer tags: no service VLANs here */
	memcpy(&vh, eh + sizeof(struct rte_ether_hdr), sizeof(vh));
	/* Strip: the addresses move up over the tag, the inner EtherType stays. */
	memmove(eh + sizeof(struct rte_vlan_hdr), eh, 2 * RTE_ETHER_ADDR_LEN);
	rte_pktmbuf_adj(m, sizeof(struct rte_vlan_hdr));
	return deliver(in, m, rte_be_to_cpu_16(vh.vlan_tci) & 0xfff);
}

static dp_verdict vlan_input_stripped(struct dp_worker *w, struct dp_iface *in, struct rte_mbuf *m)
{
	(void)w;
	m->ol_flags &= ~(RTE_MBUF_F_RX_VLAN_STRIPPED | RTE_MBUF_F_RX_VLAN);
	return deliver(in, m, m->vlan_tci & 0xfff);
}

void vlan_dataplane_init(void)
{
	iface_type_register(&vlan_type);
	eth_input_register(RTE_ETHER_TYPE_VLAN, vlan_input);
	eth_input_register(RTE_ETHER_TYPE_QINQ, vlan_input);
	eth_input_register_stripped(vlan_input_stripped);
	cnt_unknown = dp_counter_register("drop.vlan.unknown");
}
