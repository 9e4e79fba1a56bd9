/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * An IP-in-IP tunnel's settings (struct dp_iface_conf.info, DP_IFACE_IPIP).
 *
 * Point-to-point when remote is set: every packet routed to the tunnel goes
 * to remote. Point-to-multipoint when it is 0 (Calico's cross-subnet mode):
 * the outer destination is the route's gateway, so one tunnel reaches every
 * node. Packets are decapsulated only from remote, or, point-to-multipoint,
 * from an address inside peer/peer_len; any other outer source is counted as
 * spoofed and dropped.
 */
#ifndef BRINK_IPIP_MSG_H
#define BRINK_IPIP_MSG_H

#include <stdint.h>

#include "common/dp_msg.h"

#define IPIP_OVERHEAD 20 /* the outer IPv4 header */

#define DP_IPIP_F_TOS_INHERIT 0x01 /* the outer TOS is the inner packet's (else tos) */
#define DP_IPIP_F_NO_PMTUD 0x02    /* outer DF clear: the underlay may fragment (Linux nopmtudisc) */

struct dp_ipip_info {
	uint32_t local;  /* outer source, host order: an address of the router */
	uint32_t remote; /* outer destination; 0: the route's gateway (point-to-multipoint) */
	uint32_t peer;   /* point-to-multipoint: outer sources accepted, host order */
	uint8_t peer_len;
	uint8_t ttl; /* outer TTL; 0: the inner packet's (Linux "inherit") */
	uint8_t tos;
	uint8_t flags; /* DP_IPIP_F_* */
};

_Static_assert(sizeof(struct dp_ipip_info) <= DP_IFACE_INFO_LEN, "IPIP info fits the interface's");

#endif
