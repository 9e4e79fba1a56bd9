/* SPDX-License-Identifier: GPL-2.0-or-later */
/* An 802.1Q sub-interface's settings (struct dp_iface_conf.info, DP_IFACE_VLAN). */
#ifndef BRINK_VLAN_MSG_H
#define BRINK_VLAN_MSG_H

#include <stdint.h>

#include "common/dp_msg.h"

#define VLAN_ID_MIN 1
#define VLAN_ID_MAX 4094

/* The parent (dp_iface_conf.parent) is a port; the sub-interface's MAC is
 * the port's unless it has its own, its MTU the port's unless smaller. */
struct dp_vlan_info {
	uint16_t vlan_id; /* VLAN_ID_MIN..VLAN_ID_MAX */
};

_Static_assert(sizeof(struct dp_vlan_info) <= DP_IFACE_INFO_LEN, "VLAN info fits the interface's");

#endif
