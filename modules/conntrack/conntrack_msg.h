/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Connection tracking's wire structs: its settings (DP_TABLE_CT, at most one
 * item: none means the defaults), the request and entries of DP_MSG_CT_DUMP
 * and the reply of DP_MSG_CT_CLEAR.
 */
#ifndef BRINK_CONNTRACK_MSG_H
#define BRINK_CONNTRACK_MSG_H

#include <stdint.h>

#include "common/dp_msg.h"

#define CT_DEFAULT_TABLE_SIZE 1048576
#define CT_TABLE_SIZE_MIN 16
#define CT_TABLE_SIZE_MAX 16777216

/* Timeouts, in seconds, one per kind of connection state. */
enum ct_timeout {
	CT_TO_TCP_SYN_SENT,
	CT_TO_TCP_SYN_RECV,
	CT_TO_TCP_ESTABLISHED,
	CT_TO_TCP_FIN_WAIT,
	CT_TO_TCP_CLOSE_WAIT,
	CT_TO_TCP_LAST_ACK,
	CT_TO_TCP_TIME_WAIT,
	CT_TO_TCP_CLOSE,
	CT_TO_UDP_OTHER,  /* seen one way */
	CT_TO_UDP_STREAM, /* seen both ways */
	CT_TO_ICMP,
	CT_TO_OTHER,
	CT_TO_MAX,
};

/* VyOS 1.4's defaults. */
#define CT_TIMEOUT_DEFAULTS                                                                                            \
	{                                                                                                              \
		[CT_TO_TCP_SYN_SENT] = 120, [CT_TO_TCP_SYN_RECV] = 60, [CT_TO_TCP_ESTABLISHED] = 432000,               \
		[CT_TO_TCP_FIN_WAIT] = 120, [CT_TO_TCP_CLOSE_WAIT] = 60, [CT_TO_TCP_LAST_ACK] = 30,                    \
		[CT_TO_TCP_TIME_WAIT] = 120, [CT_TO_TCP_CLOSE] = 10, [CT_TO_UDP_OTHER] = 30, [CT_TO_UDP_STREAM] = 180, \
		[CT_TO_ICMP] = 30, [CT_TO_OTHER] = 600,                                                                \
	}

/* DP_TABLE_CT's item. The table is made with table_size entries when
 * tracking starts; a new size takes effect the next time it starts. */
struct dp_ct_conf {
	uint32_t table_size;
	uint32_t timeout[CT_TO_MAX]; /* seconds, each at least 1 */
};

/* TCP states of a connection (struct dp_ct_info.tcp_state). */
enum ct_tcp_state {
	CT_TCP_NONE = 0,
	CT_TCP_SYN_SENT,
	CT_TCP_SYN_RECV,
	CT_TCP_ESTABLISHED,
	CT_TCP_FIN_WAIT,
	CT_TCP_CLOSE_WAIT,
	CT_TCP_LAST_ACK,
	CT_TCP_TIME_WAIT,
	CT_TCP_CLOSE,
	CT_TCP_MAX,
};

/* DP_MSG_CT_DUMP request: every field 0 matches all. */
#define DP_CT_DUMP_F_SOURCE 0x01      /* the original source is source */
#define DP_CT_DUMP_F_DESTINATION 0x02 /* the original destination is destination */
#define DP_CT_DUMP_F_PORT 0x04        /* a port of the original direction is port */
#define DP_CT_DUMP_F_PROTOCOL 0x08    /* the protocol is protocol */

struct dp_ct_dump_req {
	uint32_t flags;               /* DP_CT_DUMP_F_* */
	uint32_t source, destination; /* host order */
	uint16_t port;
	uint8_t protocol;
	uint8_t reserved;
};

/* One tuple, host order: ICMP echo has the id in sport and the type in dport. */
struct dp_ct_tuple {
	uint32_t src, dst;
	uint16_t sport, dport;
	uint8_t proto;
	uint8_t reserved;
	uint16_t zone;
};

#define DP_CT_F_ASSURED 0x01    /* early drop never takes it */
#define DP_CT_F_SEEN_REPLY 0x02 /* traffic went both ways */

struct dp_ct_info {
	struct dp_ct_tuple orig, reply;
	uint32_t timeout_left; /* seconds */
	uint8_t tcp_state;     /* enum ct_tcp_state, CT_TCP_NONE for other protocols */
	uint8_t flags;         /* DP_CT_F_* */
	uint16_t reserved;
};

/* DP_MSG_CT_CLEAR: reply count = the connections removed. */

#endif
