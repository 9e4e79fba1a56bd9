/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A VXLAN segment's settings (RFC 7348; struct dp_iface_conf.info,
 * DP_IFACE_VXLAN). The interface is the router's L3 interface on the
 * segment: its own MAC and addresses, ARP on the segment. Frames go to the
 * VTEP the forwarding database names for their destination MAC (static
 * entries: DP_TABLE_FDB; learned ones from decapsulated frames); broadcast
 * and unknown unicast go to every VTEP of the flood list (head-end
 * replication). Only this VNI, from a VTEP of the flood list or of a static
 * entry, is decapsulated.
 */
#ifndef BRINK_VXLAN_MSG_H
#define BRINK_VXLAN_MSG_H

#include <stdint.h>

#include "common/dp_msg.h"

#define VXLAN_DEFAULT_PORT 4789
#define VXLAN_OVERHEAD 50 /* outer IPv4 20, UDP 8, VXLAN 8, inner Ethernet 14 */
#define VXLAN_VNI_MAX 16777215
#define DP_VXLAN_REMOTES_MAX 16

#define DP_VXLAN_F_NO_LEARNING 0x01 /* learn no entries from decapsulated frames */

struct dp_vxlan_info {
	uint32_t vni;
	uint32_t local;    /* outer source, host order: an address of the router */
	uint16_t udp_port; /* destination port, 0: VXLAN_DEFAULT_PORT */
	uint8_t n_remotes;
	uint8_t flags;                          /* DP_VXLAN_F_* */
	uint32_t remotes[DP_VXLAN_REMOTES_MAX]; /* the flood list, host order */
	uint8_t ttl;                            /* outer TTL, 0: 64 */
	uint8_t reserved[3];
};

_Static_assert(sizeof(struct dp_vxlan_info) <= DP_IFACE_INFO_LEN, "VXLAN info fits the interface's");

#endif
