/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The firewall in the configuration, as VyOS 1.4 writes it: named rule sets
 * ("firewall ipv4 name WEB"), the base chains "firewall ipv4 forward|input|
 * output filter", and "firewall ipv4 prerouting filter", a chain of our own
 * before DNAT (Calico's preDNAT policy), with the same rules. The global
 * state policy ("firewall global-options state-policy established action
 * accept") settles packets by their connection state before any rule.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/net_addr.h"
#include "config/module.h"
#include "modules/firewall/firewall_msg.h"

static const char *const rule_actions[] = {"accept", "drop", "reject", "jump", "return", NULL};
static const char *const set_actions[] = {"accept", "drop", "reject", "return", NULL};
static const char *const base_actions[] = {"accept", "drop", "reject", NULL};
static const char *const policy_actions[] = {"accept", "drop", "reject", NULL};
static const char *const icmp_types[] = {"echo-reply",    "destination-unreachable", "redirect", "echo-request",
					 "time-exceeded", "parameter-problem",       NULL};
static const uint8_t icmp_type_values[] = {0, 3, 5, 8, 11, 12};

static const struct cfg_schema icmp_children[] = {
	{.name = "type-name", .help = "ICMP type by name", .kind = CFG_LEAF, .type = CFG_T_ENUM, .enums = icmp_types},
	{.name = "type", .help = "ICMP type", .kind = CFG_LEAF, .type = CFG_T_U32, .max = 255},
	{.name = "code", .help = "ICMP code", .kind = CFG_LEAF, .type = CFG_T_U32, .max = 255},
};

static const struct cfg_schema iface_children[] = {
	{.name = "name", .help = "Interface name", .kind = CFG_LEAF, .type = CFG_T_IFNAME},
};

static const struct cfg_schema rule_children[] = {
	{.name = "action",
	 .help = "What becomes of a matching packet",
	 .kind = CFG_LEAF,
	 .type = CFG_T_ENUM,
	 .enums = rule_actions,
	 .mandatory = true},
	{.name = "jump-target",
	 .help = "Rule set a jump goes to",
	 .kind = CFG_LEAF,
	 .type = CFG_T_STRING,
	 .max = FW_NAME_LEN - 1},
	{.name = "description", .help = "Description", .kind = CFG_LEAF, .type = CFG_T_STRING, .max = 255},
	{.name = "disable", .help = "The rule is not used", .kind = CFG_FLAG},
	{.name = "log", .help = "Log matching packets (rate limited)", .kind = CFG_FLAG},
	CFG_RULE_MATCHES,
	{.name = "state",
	 .help = "Connection states: new, established, related, invalid (comma-separated or one per value)",
	 .kind = CFG_LEAF_LIST,
	 .type = CFG_T_STRING,
	 .max = 40,
	 .max_values = 4},
	{.name = "icmp", .help = "ICMP type and code", .kind = CFG_CONTAINER, CFG_CHILDREN(icmp_children)},
	{.name = "inbound-interface",
	 .help = "Interface the packet came in on",
	 .kind = CFG_CONTAINER,
	 CFG_CHILDREN(iface_children)},
	{.name = "outbound-interface",
	 .help = "Interface the packet leaves by",
	 .kind = CFG_CONTAINER,
	 CFG_CHILDREN(iface_children)},
};

#define RULE_TAG                                                                                               \
	{                                                                                                      \
		.name = "rule", .help = "Rule, walked in order of number", .kind = CFG_TAG, .type = CFG_T_U32, \
		.min = 1, .max = 999999, .key_field = "number", CFG_CHILDREN(rule_children)                    \
	}

static const struct cfg_schema name_children[] = {
	{.name = "default-action",
	 .help = "What becomes of a packet no rule matched (default drop)",
	 .kind = CFG_LEAF,
	 .type = CFG_T_ENUM,
	 .enums = set_actions},
	{.name = "default-log", .help = "Log packets the default action takes", .kind = CFG_FLAG},
	{.name = "description", .help = "Description", .kind = CFG_LEAF, .type = CFG_T_STRING, .max = 255},
	RULE_TAG,
};

static const struct cfg_schema filter_children[] = {
	{.name = "default-action",
	 .help = "What becomes of a packet no rule matched (default accept)",
	 .kind = CFG_LEAF,
	 .type = CFG_T_ENUM,
	 .enums = base_actions},
	{.name = "default-log", .help = "Log packets the default action takes", .kind = CFG_FLAG},
	{.name = "description", .help = "Description", .kind = CFG_LEAF, .type = CFG_T_STRING, .max = 255},
	RULE_TAG,
};

static const struct cfg_schema base_children[] = {
	{.name = "filter",
	 .help = "Filter rules",
	 .kind = CFG_CONTAINER,
	 .presence = true,
	 CFG_CHILDREN(filter_children)},
};

static const struct cfg_schema ipv4_children[] = {
	{.name = "name",
	 .help = "Named rule set, reached by jumps",
	 .kind = CFG_TAG,
	 .type = CFG_T_STRING,
	 .max = FW_NAME_LEN - 1,
	 .placeholder = "<name>",
	 .key_field = "name",
	 CFG_CHILDREN(name_children)},
	{.name = "prerouting",
	 .help = "Received packets, before DNAT: their original destination",
	 .kind = CFG_CONTAINER,
	 CFG_CHILDREN(base_children)},
	{.name = "forward",
	 .help = "Packets routed through the router",
	 .kind = CFG_CONTAINER,
	 CFG_CHILDREN(base_children)},
	{.name = "input", .help = "Packets to the router", .kind = CFG_CONTAINER, CFG_CHILDREN(base_children)},
	{.name = "output", .help = "Packets from the router", .kind = CFG_CONTAINER, CFG_CHILDREN(base_children)},
};

static const struct cfg_schema action_children[] = {
	{.name = "action",
	 .help = "Action",
	 .kind = CFG_LEAF,
	 .type = CFG_T_ENUM,
	 .enums = policy_actions,
	 .mandatory = true},
};

static const struct cfg_schema policy_children[] = {
	{.name = "established",
	 .help = "Packets of established connections",
	 .kind = CFG_CONTAINER,
	 CFG_CHILDREN(action_children)},
	{.name = "related",
	 .help = "Packets related to a connection (ICMP errors)",
	 .kind = CFG_CONTAINER,
	 CFG_CHILDREN(action_children)},
	{.name = "invalid",
	 .help = "Packets that fit no connection",
	 .kind = CFG_CONTAINER,
	 CFG_CHILDREN(action_children)},
};

static const struct cfg_schema global_children[] = {
	{.name = "state-policy",
	 .help = "Actions by connection state, before any rule",
	 .kind = CFG_CONTAINER,
	 CFG_CHILDREN(policy_children)},
};

static const struct cfg_schema firewall_children[] = {
	{.name = "global-options",
	 .help = "Settings of every chain",
	 .kind = CFG_CONTAINER,
	 CFG_CHILDREN(global_children)},
	{.name = "ipv4", .help = "IPv4 rule sets", .kind = CFG_CONTAINER, CFG_CHILDREN(ipv4_children)},
};

static const struct cfg_schema root_children[] = {
	{.name = "firewall", .help = "Packet filter", .kind = CFG_CONTAINER, CFG_CHILDREN(firewall_children)},
};

/* A leaf of n, which may be absent. */
static const char *leaf(const struct cfg_node *n, const char *name)
{
	return n ? node_leaf(n, name) : NULL;
}

static uint8_t action_of(const char *v)
{
	static const char *const names[FW_ACT_MAX] = {"", "accept", "drop", "reject", "jump", "return"};

	for (uint8_t a = 1; v && a < FW_ACT_MAX; a++)
		if (strcmp(v, names[a]) == 0)
			return a;
	return FW_ACT_NONE;
}

static void side(struct cfg_build *b, const struct cfg_node *r, const char *which, const char *path, uint32_t *ip,
		 uint8_t *len, struct port_range *ports, uint8_t *n_ports)
{
	const struct cfg_node *s = node_get(r, which);
	const struct cfg_node *a = s ? node_get(s, "address") : NULL, *p = s ? node_get(s, "port") : NULL;
	char sub[640];
	const char *why;

	if (a && !ip4_or_prefix_parse(a->value, ip, len)) {
		snprintf(sub, sizeof(sub), "%s %s address", path, which);
		cfg_build_fail(b, a, sub, "'%s' is not an IPv4 address or network prefix", a->value);
	}
	if (p && (why = port_ranges_parse(p->value, ports, FW_PORT_RANGES_MAX, n_ports))) {
		snprintf(sub, sizeof(sub), "%s %s port", path, which);
		if (why == port_ranges_too_many)
			cfg_build_fail(b, p, sub, "'%s': more ports and ranges than the %u a rule may have", p->value,
				       (unsigned)FW_PORT_RANGES_MAX);
		else
			cfg_build_fail(b, p, sub, "'%s': %s", p->value, why);
	}
}

static void rule_protocol(struct cfg_build *b, const struct cfg_node *r, const char *path, struct dp_fw_item *it)
{
	const char *proto = node_leaf(r, "protocol");
	const struct cfg_node *icmp = node_get(r, "icmp");
	char sub[640];

	if (proto && strcmp(proto, "tcp_udp") == 0) {
		it->flags |= FW_F_TCP_UDP;
	} else if (proto && strcmp(proto, "all") != 0) {
		it->flags |= FW_F_PROTO;
		it->proto = strcmp(proto, "tcp") == 0    ? IPPROTO_TCP
			    : strcmp(proto, "udp") == 0  ? IPPROTO_UDP
			    : strcmp(proto, "icmp") == 0 ? IPPROTO_ICMP
							 : (uint8_t)atoi(proto);
	}
	if ((it->n_sports || it->n_dports) && !(it->flags & FW_F_TCP_UDP) &&
	    !((it->flags & FW_F_PROTO) && (it->proto == IPPROTO_TCP || it->proto == IPPROTO_UDP))) {
		snprintf(sub, sizeof(sub), "%s protocol", path);
		cfg_build_fail(b, r, sub, "ports need protocol tcp, udp or tcp_udp, not %s", proto ? proto : "any");
	}
	if (!icmp)
		return;
	if (!(it->flags & FW_F_PROTO) || it->proto != IPPROTO_ICMP) {
		snprintf(sub, sizeof(sub), "%s icmp", path);
		cfg_build_fail(b, icmp, sub, "an ICMP type needs protocol icmp");
	}
	const char *name = node_leaf(icmp, "type-name");
	for (unsigned k = 0; name && icmp_types[k]; k++)
		if (strcmp(name, icmp_types[k]) == 0) {
			it->flags |= FW_F_ICMP_TYPE;
			it->icmp_type = icmp_type_values[k];
		}
	if (node_get(icmp, "type")) {
		it->flags |= FW_F_ICMP_TYPE;
		it->icmp_type = (uint8_t)cfg_leaf_u32(icmp, "type", 0);
	}
	if (node_get(icmp, "code")) {
		it->flags |= FW_F_ICMP_CODE;
		it->icmp_code = (uint8_t)cfg_leaf_u32(icmp, "code", 0);
	}
}

static void rule_states(struct cfg_build *b, const struct cfg_node *r, const char *path, struct dp_fw_item *it)
{
	/* by enum ct_state */
	static const char *const names[] = {"", "new", "established", "related", "invalid"};
	const struct cfg_node *st = node_get(r, "state");
	char sub[640];

	for (const struct cfg_node *v = st ? st->child : NULL; v; v = v->next) {
		char words[64], *save = NULL;
		snprintf(words, sizeof(words), "%s", v->value);
		for (char *w = strtok_r(words, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
			unsigned k = 1;
			while (k < sizeof(names) / sizeof(names[0]) && strcmp(w, names[k]) != 0)
				k++;
			if (k == sizeof(names) / sizeof(names[0])) {
				snprintf(sub, sizeof(sub), "%s state", path);
				cfg_build_fail(b, v, sub, "'%s' is not new, established, related or invalid", w);
				continue;
			}
			it->states |= (uint8_t)FW_STATE_BIT(k);
		}
	}
}

static void iface_name(const struct cfg_node *r, const char *which, char out[DP_NAME_LEN])
{
	const char *n = leaf(node_get(r, which), "name");
	if (n)
		memcpy(out, n, strnlen(n, DP_NAME_LEN));
}

static void set_rules(struct cfg_build *b, const struct cfg_node *set, const char *name, const char *path, uint8_t hook,
		      const struct cfg_node *names)
{
	const struct cfg_node *rules = node_get(set, "rule");
	char rpath[640], sub[700];

	for (const struct cfg_node *r = rules ? rules->child : NULL; r; r = r->next) {
		struct dp_fw_item it = {.kind = FW_ITEM_RULE, .number = (uint32_t)atoi(r->value)};
		const char *target = node_leaf(r, "jump-target");

		if (node_get(r, "disable"))
			continue;
		snprintf(rpath, sizeof(rpath), "%s rule %s", path, r->value);
		memcpy(it.set, name, strnlen(name, FW_NAME_LEN - 1));
		it.action = action_of(node_leaf(r, "action"));
		if (node_get(r, "log"))
			it.flags |= FW_F_LOG;
		side(b, r, "source", rpath, &it.src, &it.src_len, it.sports, &it.n_sports);
		side(b, r, "destination", rpath, &it.dst, &it.dst_len, it.dports, &it.n_dports);
		rule_protocol(b, r, rpath, &it);
		rule_states(b, r, rpath, &it);
		iface_name(r, "inbound-interface", it.in_iface);
		iface_name(r, "outbound-interface", it.out_iface);
		snprintf(sub, sizeof(sub), "%s", rpath);
		if (it.in_iface[0] && hook == FW_HOOK_OUTPUT)
			cfg_build_fail(b, r, sub, "output packets have no inbound interface");
		if (it.out_iface[0] && (hook == FW_HOOK_PREROUTING || hook == FW_HOOK_INPUT))
			cfg_build_fail(b, r, sub, "%s packets have no outbound interface yet",
				       hook == FW_HOOK_INPUT ? "input" : "prerouting");
		if (it.action == FW_ACT_JUMP) {
			snprintf(sub, sizeof(sub), "%s jump-target", rpath);
			if (!target)
				cfg_build_fail(b, r, sub, "a jump needs a jump-target");
			else if (!names || !node_find_item(names, target))
				cfg_build_fail(b, r, sub, "no rule set 'firewall ipv4 name %s' to jump to", target);
			else
				memcpy(it.target, target, strnlen(target, FW_NAME_LEN - 1));
		} else if (target) {
			snprintf(sub, sizeof(sub), "%s jump-target", rpath);
			cfg_build_fail(b, r, sub, "only a jump has a jump-target");
		}
		cfg_build_item(b, DP_TABLE_FIREWALL, &it);
	}
}

/* Whether named set e reaches itself again by its jumps (depth-first, on_path: the sets being walked). */
static bool jumps_loop(const struct cfg_node *names, const struct cfg_node *e, const struct cfg_node **on_path,
		       unsigned depth)
{
	const struct cfg_node *rules = node_get(e, "rule");

	for (unsigned i = 0; i < depth; i++)
		if (on_path[i] == e)
			return true;
	if (depth == FW_JUMP_DEPTH_MAX + 1)
		return true;
	on_path[depth] = e;
	for (const struct cfg_node *r = rules ? rules->child : NULL; r; r = r->next) {
		const char *target = node_leaf(r, "jump-target");
		const struct cfg_node *t = target ? node_find_item(names, target) : NULL;
		if (t && !node_get(r, "disable") && jumps_loop(names, t, on_path, depth + 1))
			return true;
	}
	return false;
}

static void firewall_build(struct cfg_build *b, const struct cfg_node *root)
{
	static const char *const bases[FW_HOOK_MAX] = {NULL, "prerouting", "forward", "input", "output"};
	const struct cfg_node *fw = node_get(root, "firewall");
	const struct cfg_node *names = node_walk(fw, "ipv4 name");
	const struct cfg_node *policy = node_walk(fw, "global-options state-policy");
	char path[512];

	if (!fw)
		return;
	if (policy) {
		struct dp_fw_item it = {.kind = FW_ITEM_POLICY};
		it.policy[FW_CT_ESTABLISHED] = action_of(leaf(node_get(policy, "established"), "action"));
		it.policy[FW_CT_RELATED] = action_of(leaf(node_get(policy, "related"), "action"));
		it.policy[FW_CT_INVALID] = action_of(leaf(node_get(policy, "invalid"), "action"));
		cfg_build_item(b, DP_TABLE_FIREWALL, &it);
	}
	for (const struct cfg_node *e = names ? names->child : NULL; e; e = e->next) {
		struct dp_fw_item it = {.kind = FW_ITEM_SET, .hook = FW_HOOK_NONE};
		const struct cfg_node *on_path[FW_JUMP_DEPTH_MAX + 2];

		snprintf(path, sizeof(path), "firewall ipv4 name %s", e->value);
		if (strspn(e->value, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.") !=
		    strlen(e->value))
			cfg_build_fail(b, e, path, "a rule set's name is letters, digits and _ - .");
		if (jumps_loop(names, e, on_path, 0))
			cfg_build_fail(b, e, path,
				       "its jumps come back to a set they passed, or go deeper than %u sets",
				       FW_JUMP_DEPTH_MAX);
		memcpy(it.set, e->value, strnlen(e->value, FW_NAME_LEN - 1));
		it.action = action_of(node_leaf(e, "default-action"));
		it.action = it.action ? it.action : FW_ACT_DROP;
		if (node_get(e, "default-log"))
			it.flags |= FW_F_LOG;
		cfg_build_item(b, DP_TABLE_FIREWALL, &it);
		set_rules(b, e, e->value, path, FW_HOOK_NONE, names);
	}
	for (unsigned h = 1; h < FW_HOOK_MAX; h++) {
		char w[64];
		snprintf(w, sizeof(w), "ipv4 %s filter", bases[h]);
		const struct cfg_node *f = node_walk(fw, w);
		if (!f)
			continue;
		struct dp_fw_item it = {.kind = FW_ITEM_SET, .hook = (uint8_t)h};
		/* the base chain's name is not one a named set can have: it has a space */
		snprintf(it.set, sizeof(it.set), "%s filter", bases[h]);
		snprintf(path, sizeof(path), "firewall %s", w);
		it.action = action_of(node_leaf(f, "default-action"));
		it.action = it.action ? it.action : FW_ACT_ACCEPT;
		if (node_get(f, "default-log"))
			it.flags |= FW_F_LOG;
		cfg_build_item(b, DP_TABLE_FIREWALL, &it);
		set_rules(b, f, it.set, path, (uint8_t)h, names);
	}
}

static const struct cfg_model_part firewall_model = {.build = firewall_build};

void firewall_config_init(void)
{
	cfg_schema_extend("", root_children, sizeof(root_children) / sizeof(root_children[0]));
	cfg_model_register(&firewall_model);
	cfg_table_register(DP_TABLE_FIREWALL, sizeof(struct dp_fw_item));
}
