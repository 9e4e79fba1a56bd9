/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Per-lcore packet counters. Every mbuf that enters leaves by TX or by one of
 * the drop reasons below, so "show dataplane statistics" accounts for all of
 * them. Each lcore writes only its own row; readers sum the rows.
 */
#ifndef BRINK_DP_COUNTERS_H
#define BRINK_DP_COUNTERS_H

#include <stdint.h>

#include <rte_common.h>
#include <rte_lcore.h>

/* X(enum suffix, counter name) */
#define DP_COUNTER_TABLE(X)                                                           \
	X(RX_PACKETS, "rx_packets")                                                   \
	X(TX_PACKETS, "tx_packets")                                                   \
	X(FORWARDED, "ip4.forwarded")                                                 \
	X(IP4_FRAGMENTED, "ip4.fragmented")                                           \
	X(IP4_FRAGMENTS_SENT, "ip4.fragments_sent")                                   \
	X(LOCAL_IN, "ip4.local_in")                                                   \
	X(PUNTED, "punt.to_kernel")                                                   \
	X(FROM_KERNEL, "punt.from_kernel")                                            \
	X(ARP_REPLIES_SENT, "arp.replies_sent")                                       \
	X(ARP_REQUESTS_SENT, "arp.requests_sent")                                     \
	X(ARP_REQUESTS_RATE_LIMITED, "arp.requests_rate_limited")                     \
	X(ARP_CONSUMED, "arp.replies_received")                                       \
	X(ARP_ANNOUNCEMENTS_SENT, "arp.announcements_sent")                           \
	X(ICMP_ECHO_REPLIES, "icmp.echo_replies")                                     \
	X(ICMP_ERRORS_SENT, "icmp.errors_sent")                                       \
	X(HELD_FOR_ARP, "arp.held")                                                   \
	X(HELD_SENT, "arp.held_sent")                                                 \
	X(DROP_ETH_RUNT, "drop.eth.runt")                                             \
	X(DROP_ETH_OTHER_HOST, "drop.eth.other_host")                                 \
	X(DROP_ETH_UNSUPPORTED, "drop.eth.unsupported_ethertype")                     \
	X(DROP_PORT_DOWN, "drop.port.admin_down")                                     \
	X(DROP_ARP_MALFORMED, "drop.arp.malformed")                                   \
	X(DROP_ARP_NOT_FOR_US, "drop.arp.not_for_us")                                 \
	X(DROP_ARP_HOLD_FULL, "drop.arp.hold_queue_full")                             \
	X(DROP_ARP_HOLD_TOTAL_FULL, "drop.arp.hold_total_full")                       \
	X(DROP_ARP_INCOMPLETE_FULL, "drop.arp.incomplete_full")                       \
	X(DROP_ARP_CREATE_RATE_LIMITED, "drop.arp.create_rate_limited")               \
	X(DROP_ARP_TABLE_FULL, "drop.arp.table_full")                                 \
	X(DROP_ARP_UNRESOLVED, "drop.arp.unresolved")                                 \
	X(DROP_CONTROL_RING_FULL, "drop.control_ring_full")                           \
	X(DROP_IP4_TRUNCATED, "drop.ip4.truncated")                                   \
	X(DROP_IP4_BAD_VERSION, "drop.ip4.bad_version")                               \
	X(DROP_IP4_BAD_IHL, "drop.ip4.bad_ihl")                                       \
	X(DROP_IP4_BAD_LENGTH, "drop.ip4.bad_length")                                 \
	X(DROP_IP4_BAD_CHECKSUM, "drop.ip4.bad_checksum")                             \
	X(DROP_IP4_BAD_SOURCE, "drop.ip4.bad_source")                                 \
	X(DROP_IP4_MULTICAST, "drop.ip4.multicast")                                   \
	X(DROP_IP4_BROADCAST, "drop.ip4.broadcast")                                   \
	X(DROP_IP4_TTL_EXCEEDED, "drop.ip4.ttl_exceeded")                             \
	X(DROP_IP4_NO_ROUTE, "drop.ip4.no_route")                                     \
	X(DROP_IP4_BLACKHOLE, "drop.ip4.blackhole")                                   \
	X(DROP_IP4_REJECT, "drop.ip4.reject")                                         \
	X(DROP_IP4_BAD_DESTINATION, "drop.ip4.bad_destination")                       \
	X(DROP_IP4_MTU_EXCEEDED, "drop.ip4.mtu_exceeded")                             \
	X(DROP_IP4_FRAG_NO_MBUFS, "drop.ip4.frag_no_mbufs")                           \
	X(DROP_IP4_FRAG_FAILED, "drop.ip4.frag_failed")                               \
	X(DROP_IP4_FRAGMENT_TO_US, "drop.ip4.fragment_to_us")                         \
	X(DROP_ICMP_MALFORMED, "drop.icmp.malformed")                                 \
	/* ICMP errors not sent: the packet was already counted by its drop reason */ \
	X(ICMP_ERR_RATE_LIMITED, "icmp.errors_rate_limited")                          \
	X(ICMP_ERR_NOT_ALLOWED, "icmp.errors_not_allowed")                            \
	X(ICMP_ERR_NO_SOURCE, "icmp.errors_no_source_address")                        \
	X(ICMP_ERR_NO_HEADROOM, "icmp.errors_no_headroom")                            \
	X(DROP_PUNT_DISABLED, "drop.punt.disabled")                                   \
	X(DROP_PUNT_FROM_KERNEL_BAD, "drop.punt.bad_from_kernel")                     \
	X(DROP_TX_FULL, "drop.tx.queue_full")                                         \
	X(DROP_IFACE_DOWN, "drop.iface.down")                                         \
	X(DROP_TOO_DEEP, "drop.ip4.too_many_encapsulations")                          \
	X(DROP_HOOK_BAD_VERDICT, "drop.hook.bad_verdict")                             \
	X(DROP_SHUTDOWN, "drop.shutdown")

enum dp_counter_id {
#define DP_COUNTER_ENUM(id, name) DP_CNT_##id,
	DP_COUNTER_TABLE(DP_COUNTER_ENUM) DP_CNT_MAX,
};
#undef DP_COUNTER_ENUM

/* Modules add theirs (dp_counter_register) after the core's. */
#define DP_CNT_MODULE_MAX 96
#define DP_CNT_ALL (DP_CNT_MAX + DP_CNT_MODULE_MAX)
#define DP_CNT_NONE DP_CNT_ALL /* "no counter" where one may be named */

/* Stages of the worker path, timed with the TSC when profiling is on. */
#define DP_STAGE_TABLE(X)             \
	X(RX, "rx")                   \
	X(INPUT, "eth_ip4_input")     \
	X(IP4_ROUTE, "ip4_route")     \
	X(IP4_FORWARD, "ip4_forward") \
	X(TX, "tx")

enum dp_stage_id {
#define DP_STAGE_ENUM(id, name) DP_STAGE_##id,
	DP_STAGE_TABLE(DP_STAGE_ENUM) DP_STAGE_MAX,
};
#undef DP_STAGE_ENUM

struct dp_stage_stats {
	uint64_t packets;
	uint64_t cycles;
};

struct dp_lcore_counters {
	uint64_t c[DP_CNT_ALL];
	struct dp_stage_stats stage[DP_STAGE_MAX];
	uint64_t port_tx_drop[RTE_MAX_ETHPORTS];
} __rte_cache_aligned;

extern struct dp_lcore_counters dp_counters[RTE_MAX_LCORE];
extern const char *dp_counter_names[DP_CNT_ALL];
extern const char *const dp_stage_names[DP_STAGE_MAX];

static inline struct dp_lcore_counters *dp_counters_self(void)
{
	return &dp_counters[rte_lcore_id()];
}

#define DP_COUNT(cnt, id, n) ((cnt)->c[DP_CNT_##id] += (n))

/* A module's counter (at start, before the workers run): its id; the name
 * as the core's ("drop.vxlan.unknown_vni"). Aborts when there is no room,
 * which only a build with too many modules can hit. */
enum dp_counter_id dp_counter_register(const char *name);

/* Sum of one counter over all lcores. */
uint64_t dp_counter_total(enum dp_counter_id id);
void dp_counters_clear(void);

#endif
