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

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_icmp.h>
#include <rte_mbuf.h>

#include "dataplane/dp.h"
#include "modules/conntrack/conntrack_msg.h"

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

/* Control side: a stateful feature starts (true) or stops needing tracking.
 * The first user makes the table (of the configured size), the last one
 * empties and frees it. -ENOMEM, and no use taken, when the table cannot
 * be made: the feature must refuse its configuration. */
int ct_use(bool on);
/* Whether tracking runs (a user asked and the table could be made). */
bool ct_enabled(void);

/* Where a connection keeps what the features read per packet, so that
 * they read it inline (conntrack_dp.c asserts the layout): its tuples by
 * direction first, its NAT room at CT_NAT_OFFSET. */
#define CT_NAT_OFFSET 48

/* The connection's tuple the way d goes (host order; ICMP echo: the id in
 * sport, the type in dport). */
static inline const struct dp_ct_tuple *ct_tuple(const struct ct_conn *c, enum ct_dir d)
{
	return (const struct dp_ct_tuple *)(const void *)c + d;
}

/* The tuple of the packets that answer k's. */
static inline struct dp_ct_tuple ct_tuple_invert(const struct dp_ct_tuple *k)
{
	struct dp_ct_tuple r = {.src = k->dst, .dst = k->src, .proto = k->proto, .zone = k->zone};

	if (k->proto == IPPROTO_ICMP) {
		/* An echo request is answered by a reply of the same id. */
		r.sport = k->sport;
		r.dport = k->dport == RTE_IP_ICMP_ECHO_REQUEST ? RTE_IP_ICMP_ECHO_REPLY : RTE_IP_ICMP_ECHO_REQUEST;
	} else {
		r.sport = k->dport;
		r.dport = k->sport;
	}
	return r;
}

/* NAT, on a connection's first packet (CT_NEW) before it is confirmed: the
 * tuple its replies will have once translated, so they find it. 0, or
 * -EBUSY once the connection is in the table. */
int ct_set_reply_tuple(struct ct_conn *c, const struct dp_ct_tuple *reply);

/* Whether a connection in the table has t as its tuple either way (what a
 * NAT checks before it picks a translated port). */
bool ct_tuple_taken(const struct dp_ct_tuple *t);

/* Whether c, a connection a feature kept a pointer to across rounds, is
 * still one: confirmed (in the table) and not being removed; with
 * made_too, also when a worker made it and has not confirmed it yet. A
 * worker may read a connection it found so until its round ends (its slot
 * is reused only after a grace period); an unconfirmed one is not its to read. */
bool ct_conn_live(const struct ct_conn *c, bool made_too);

/* Main lcore: the connections in the table that match (all for NULL) go;
 * how many. */
unsigned ct_clear_matching(bool (*match)(struct ct_conn *c, void *arg), void *arg);

/* Room a NAT keeps with each connection (its binding), zero when the
 * connection is made, the connection's to the end. */
#define CT_NAT_LEN 16
static inline void *ct_nat(struct ct_conn *c)
{
	return (uint8_t *)(void *)c + CT_NAT_OFFSET;
}

#endif
