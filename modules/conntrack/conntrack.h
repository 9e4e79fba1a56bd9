/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Connection tracking, as the stateful features (firewall, NAT) see it.
 *
 * Its PREROUTING and LOCAL_OUT hook (DP_PRIO_CONNTRACK) finds each packet's
 * connection, or makes a new one that enters the table only when the packet
 * passed every later hook (DP_PRIO_CONNTRACK_CONFIRM), and leaves what it
 * found in the packet's metadata for the hooks after it: the connection in
 * meta.feature[DP_META_CONN], the packet's state and direction in
 * meta.feature[DP_META_CONN_INFO].
 *
 * Tracking runs on every interface from the first stateful feature that
 * asks for it to the last (ct_use): traffic pays for it only then.
 */
#ifndef BRINK_CONNTRACK_H
#define BRINK_CONNTRACK_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "dataplane/dp.h"

/* What the packet is to its connection (netfilter's ctstate). */
enum ct_state {
	CT_UNTRACKED = 0, /* tracking is off, or the packet is not one conntrack follows */
	CT_NEW,           /* it starts a connection */
	CT_ESTABLISHED,   /* of a connection seen both ways, or confirmed one way */
	CT_RELATED,       /* an ICMP error about a tracked connection */
	CT_INVALID,       /* fits no connection, or breaks its protocol's state */
};

enum ct_dir {
	CT_DIR_ORIGINAL = 0, /* the way the connection's first packet went */
	CT_DIR_REPLY,
};

struct ct_conn;

/* meta.feature[DP_META_CONN_INFO]: the state in bits 0-7, the direction in bit 8. */
#define CT_INFO_STATE_MASK 0xffu
#define CT_INFO_REPLY (1u << 8)

static inline enum ct_state ct_state(struct rte_mbuf *m)
{
	return (enum ct_state)(dp_meta(m)->feature[DP_META_CONN_INFO] & CT_INFO_STATE_MASK);
}

static inline enum ct_dir ct_dir(struct rte_mbuf *m)
{
	return (dp_meta(m)->feature[DP_META_CONN_INFO] & CT_INFO_REPLY) ? CT_DIR_REPLY : CT_DIR_ORIGINAL;
}

/* The packet's connection, NULL when untracked or invalid. */
static inline struct ct_conn *ct_conn_of(struct rte_mbuf *m)
{
	return (struct ct_conn *)(uintptr_t)dp_meta(m)->feature[DP_META_CONN];
}

/* Control side: a stateful feature starts (true) or stops needing tracking. */
void ct_use(bool on);

#endif
