/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Connection tracking's settings, as VyOS 1.4 writes them: "system conntrack
 * table-size N" and "system conntrack timeout tcp|udp|icmp|other ...". They
 * go to the dataplane as one DP_TABLE_CT item, with the defaults for what is
 * not set; none when "system conntrack" is absent (the defaults).
 */
#include <stddef.h>

#include "config/module.h"
#include "modules/conntrack/conntrack_msg.h"

#define CT_TIMEOUT_MAX 21474836 /* VyOS's bound: seconds that fit the kernel's jiffies */

#define TIMEOUT(leaf, text)                                                                                           \
	{                                                                                                             \
		.name = (leaf), .help = (text), .kind = CFG_LEAF, .type = CFG_T_U32, .min = 1, .max = CT_TIMEOUT_MAX, \
		.placeholder = "<seconds>"                                                                            \
	}

static const struct cfg_schema tcp_children[] = {
	TIMEOUT("close", "TCP CLOSE timeout, after a reset (default 10)"),
	TIMEOUT("close-wait", "TCP CLOSE-WAIT timeout (default 60)"),
	TIMEOUT("established", "TCP ESTABLISHED timeout (default 432000)"),
	TIMEOUT("fin-wait", "TCP FIN-WAIT timeout (default 120)"),
	TIMEOUT("last-ack", "TCP LAST-ACK timeout (default 30)"),
	TIMEOUT("syn-recv", "TCP SYN-RECEIVED timeout (default 60)"),
	TIMEOUT("syn-sent", "TCP SYN-SENT timeout (default 120)"),
	TIMEOUT("time-wait", "TCP TIME-WAIT timeout (default 120)"),
};

static const struct cfg_schema udp_children[] = {
	TIMEOUT("other", "UDP timeout of a flow seen one way (default 30)"),
	TIMEOUT("stream", "UDP timeout of a flow seen both ways (default 180)"),
};

static const struct cfg_schema timeout_children[] = {
	{.name = "tcp", .help = "TCP timeouts by state", .kind = CFG_CONTAINER, CFG_CHILDREN(tcp_children)},
	{.name = "udp", .help = "UDP timeouts", .kind = CFG_CONTAINER, CFG_CHILDREN(udp_children)},
	TIMEOUT("icmp", "ICMP echo timeout (default 30)"),
	TIMEOUT("other", "Timeout of other protocols (default 600)"),
};

static const struct cfg_schema conntrack_children[] = {
	{.name = "table-size",
	 .help = "Connections tracked at most (default 1048576; a change applies when tracking next starts)",
	 .kind = CFG_LEAF,
	 .type = CFG_T_U32,
	 .min = CT_TABLE_SIZE_MIN,
	 .max = CT_TABLE_SIZE_MAX},
	{.name = "timeout",
	 .help = "Idle time after which a connection is forgotten",
	 .kind = CFG_CONTAINER,
	 CFG_CHILDREN(timeout_children)},
};

static const struct cfg_schema system_children[] = {
	{.name = "conntrack", .help = "Connection tracking", .kind = CFG_CONTAINER, CFG_CHILDREN(conntrack_children)},
};

/* Where each timeout is, below "system conntrack timeout". */
static const struct {
	const char *path, *leaf;
	enum ct_timeout id;
} timeouts[] = {
	{"tcp", "close", CT_TO_TCP_CLOSE},
	{"tcp", "close-wait", CT_TO_TCP_CLOSE_WAIT},
	{"tcp", "established", CT_TO_TCP_ESTABLISHED},
	{"tcp", "fin-wait", CT_TO_TCP_FIN_WAIT},
	{"tcp", "last-ack", CT_TO_TCP_LAST_ACK},
	{"tcp", "syn-recv", CT_TO_TCP_SYN_RECV},
	{"tcp", "syn-sent", CT_TO_TCP_SYN_SENT},
	{"tcp", "time-wait", CT_TO_TCP_TIME_WAIT},
	{"udp", "other", CT_TO_UDP_OTHER},
	{"udp", "stream", CT_TO_UDP_STREAM},
	{NULL, "icmp", CT_TO_ICMP},
	{NULL, "other", CT_TO_OTHER},
};

static void conntrack_build(struct cfg_build *b, const struct cfg_node *root)
{
	const struct cfg_node *ct = node_walk(root, "system conntrack");
	struct dp_ct_conf c = {.timeout = CT_TIMEOUT_DEFAULTS};

	if (!ct)
		return;
	c.table_size = cfg_leaf_u32(ct, "table-size", CT_DEFAULT_TABLE_SIZE);
	const struct cfg_node *to = node_get(ct, "timeout");
	for (size_t i = 0; i < sizeof(timeouts) / sizeof(timeouts[0]); i++) {
		const struct cfg_node *n = timeouts[i].path ? node_walk(to, timeouts[i].path) : to;
		c.timeout[timeouts[i].id] = cfg_leaf_u32(n, timeouts[i].leaf, c.timeout[timeouts[i].id]);
	}
	cfg_build_item(b, DP_TABLE_CT, &c);
}

static const struct cfg_model_part conntrack_model = {.build = conntrack_build};

void conntrack_config_init(void)
{
	cfg_schema_extend("system", system_children, sizeof(system_children) / sizeof(system_children[0]));
	cfg_model_register(&conntrack_model);
	cfg_table_register(DP_TABLE_CT, sizeof(struct dp_ct_conf));
}
