/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAT's wire structs: the rules of DP_TABLE_NAT (source, destination and
 * static rules, and the backends of destination rules that load-balance),
 * the counters of DP_MSG_NAT_DUMP.
 */
#ifndef BRINK_NAT_MSG_H
#define BRINK_NAT_MSG_H

#include <stdint.h>

#include "common/dp_msg.h"
#include "common/net_addr.h"

enum nat_item_kind {
	NAT_ITEM_SOURCE = 1, /* "nat source rule": at postrouting, by the outbound interface */
	NAT_ITEM_DESTINATION,
	NAT_ITEM_STATIC,  /* "nat static rule": a prefix to a prefix, both ways */
	NAT_ITEM_BACKEND, /* one backend of the destination rule of the same number */
};

#define NAT_PORT_RANGES_MAX 8
#define NAT_BACKENDS_MAX 1024 /* of one rule */
#define NAT_RULES_MAX 65536   /* of each kind */

/* struct dp_nat_item.flags */
#define NAT_F_EXCLUDE 0x01     /* matching connections are not translated (later rules are not tried) */
#define NAT_F_MASQUERADE 0x02  /* the outbound interface's primary address */
#define NAT_F_NETMAP 0x04      /* the address is a prefix: host bits kept (addr_lo/addr_len) */
#define NAT_F_ADDR_RANDOM 0x08 /* of a range, any address; else the one the source hashes to */
#define NAT_F_PORT_RANDOM 0x10 /* search a free port from a random one, not the original */
#define NAT_F_PORT_KEEP 0x20   /* never change the port: a taken one is exhaustion */
#define NAT_F_TCP_UDP 0x40     /* protocol tcp_udp */
#define NAT_F_EIM 0x80         /* endpoint-independent mapping: an internal address and port keep their translation */

/* struct dp_nat_item.hash: what picks a destination rule's backend */
#define NAT_HASH_SRC_ADDR 0x01
#define NAT_HASH_DST_ADDR 0x02
#define NAT_HASH_SRC_PORT 0x04
#define NAT_HASH_DST_PORT 0x08
#define NAT_HASH_RANDOM 0x10
#define NAT_HASH_ROUND_ROBIN 0x20

/* DP_TABLE_NAT's item; addresses in host order. */
struct dp_nat_item {
	uint8_t kind;  /* enum nat_item_kind */
	uint8_t proto; /* 0: any */
	uint8_t flags; /* NAT_F_* */
	uint8_t hash;  /* NAT_HASH_* (destination rules with backends) */
	uint32_t number;
	char iface[DP_NAME_LEN]; /* outbound (source rules), inbound (the others); "" for any */
	uint32_t src, dst;
	uint8_t src_len, dst_len; /* 0: any */
	uint8_t n_sports, n_dports;
	struct port_range sports[NAT_PORT_RANGES_MAX], dports[NAT_PORT_RANGES_MAX];
	uint32_t addr_lo, addr_hi; /* translation addresses (0 0: unchanged); a backend: its address */
	uint8_t addr_len;          /* NAT_F_NETMAP: addr_lo's prefix length */
	uint8_t weight;            /* a backend's, 1..100 */
	uint16_t port_lo, port_hi; /* translation ports, 0 0: unchanged */
	uint16_t reserved;
};

/* DP_MSG_NAT_DUMP reply: per rule, summed over the workers. */
struct dp_nat_counter {
	uint8_t kind; /* NAT_ITEM_SOURCE, _DESTINATION, _STATIC */
	uint8_t reserved[3];
	uint32_t number;
	uint64_t connections; /* translated by it */
	uint64_t exhausted;   /* new connections dropped: no free address and port */
};

#endif
