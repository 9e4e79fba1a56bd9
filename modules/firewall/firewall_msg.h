/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The firewall's wire items (DP_TABLE_FIREWALL) and its dump
 * (DP_MSG_FW_DUMP). The table is the whole firewall, in order: the global
 * state policy, then each rule set followed by its enabled rules in rule
 * order. A set is a named one (jumped to) or the base chain of a hook
 * point (attached); every rule names its set.
 */
#ifndef BRINK_FIREWALL_MSG_H
#define BRINK_FIREWALL_MSG_H

#include <stdint.h>

#include "common/dp_msg.h"
#include "common/net_addr.h"

#define FW_NAME_LEN 32        /* a set's name, NUL included */
#define FW_PORT_RANGES_MAX 16 /* port ranges of one rule's source, or destination */
#define FW_SETS_MAX 256u
#define FW_RULES_MAX 65536u  /* all sets together */
#define FW_JUMP_DEPTH_MAX 8u /* sets jumped into from a base chain, at most */

enum fw_item_kind {
	FW_ITEM_POLICY = 1, /* global state policy: states[] */
	FW_ITEM_SET,        /* a rule set: hook, default action, flags */
	FW_ITEM_RULE,       /* a rule of set */
};

/* Where a base chain runs; FW_HOOK_NONE for a named set. */
enum fw_hook {
	FW_HOOK_NONE = 0,
	FW_HOOK_PREROUTING, /* received, before DNAT: matches the original destination */
	FW_HOOK_FORWARD,
	FW_HOOK_INPUT,  /* to the router */
	FW_HOOK_OUTPUT, /* from the router */
	FW_HOOK_MAX,
};

enum fw_action {
	FW_ACT_NONE = 0, /* policy: no shortcut for this state */
	FW_ACT_ACCEPT,
	FW_ACT_DROP,
	FW_ACT_REJECT, /* TCP: RST; otherwise ICMP port unreachable */
	FW_ACT_JUMP,   /* to target, whose return comes back after this rule */
	FW_ACT_RETURN, /* back to the set that jumped here; in a base chain: its default */
	FW_ACT_MAX,
};

/* Connection states (enum ct_state, modules/conntrack/conntrack.h), which
 * the configuration names without the dataplane's headers. */
#define FW_CT_NEW 1
#define FW_CT_ESTABLISHED 2
#define FW_CT_RELATED 3
#define FW_CT_INVALID 4

/* Connection states a rule or the policy names, as bits 1 << enum ct_state. */
#define FW_STATE_BIT(s) (1u << (s))

#define FW_F_LOG 0x01       /* rule: log its matches; set: log the default action */
#define FW_F_PROTO 0x02     /* proto is matched */
#define FW_F_TCP_UDP 0x04   /* TCP or UDP (proto is 0) */
#define FW_F_ICMP_TYPE 0x08 /* icmp_type is matched */
#define FW_F_ICMP_CODE 0x10 /* icmp_code is matched */

struct dp_fw_item {
	uint8_t kind;   /* enum fw_item_kind */
	uint8_t action; /* rule: its action; set: the default action */
	uint8_t hook;   /* set: enum fw_hook */
	uint8_t flags;  /* FW_F_* */
	char set[FW_NAME_LEN];
	char target[FW_NAME_LEN]; /* rule: the jump target; set: the default's jump target */
	uint32_t number;          /* rule number */
	uint32_t src, dst;        /* host order */
	uint8_t src_len, dst_len; /* prefix lengths, 0: any */
	uint8_t proto;
	uint8_t states; /* rule: FW_STATE_BIT set, 0: any */
	uint8_t icmp_type, icmp_code;
	uint8_t n_sports, n_dports;
	struct port_range sports[FW_PORT_RANGES_MAX], dports[FW_PORT_RANGES_MAX];
	char in_iface[DP_NAME_LEN], out_iface[DP_NAME_LEN]; /* "" : any */
	/* policy: the action per state (enum ct_state), FW_ACT_NONE for none */
	uint8_t policy[8];
};

/* DP_MSG_FW_DUMP request: one set by name, or "" for all. */
struct dp_fw_dump_req {
	char set[FW_NAME_LEN];
};

/* One line of the dump per set (number 0: its default action) and per rule,
 * with the packets and bytes every lcore counted since the set last changed. */
struct dp_fw_counter {
	char set[FW_NAME_LEN];
	uint32_t number; /* 0: the default action */
	uint8_t hook;    /* enum fw_hook of the set */
	uint8_t action;
	uint8_t reserved[2];
	uint64_t packets, bytes;
};

#endif
