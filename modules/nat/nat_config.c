/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAT in the configuration, as VyOS 1.4 writes it: "nat source rule N"
 * (SNAT, masquerade), "nat destination rule N" (DNAT, and load-balancing
 * to backends) and "nat static rule N" (1:1 prefix to prefix, both ways).
 * Brink adds "load-balance hash round-robin".
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/net_addr.h"
#include "config/module.h"
#include "modules/nat/nat_msg.h"

static const char *const address_mappings[] = {"persistent", "random", NULL};
static const char *const port_mappings[] = {"random", "none", NULL};
static const char *const endpoint_mappings[] = {"dependent", "independent", NULL};
static const char *const hashes[] = {"source-address", "destination-address", "source-port", "destination-port",
				     "random",         "round-robin",         NULL};
static const uint8_t hash_bits[] = {NAT_HASH_SRC_ADDR, NAT_HASH_DST_ADDR, NAT_HASH_SRC_PORT,
				    NAT_HASH_DST_PORT, NAT_HASH_RANDOM,   NAT_HASH_ROUND_ROBIN};

static const struct cfg_schema iface_children[] = {
	{.name = "name", .help = "Interface name", .kind = CFG_LEAF, .type = CFG_T_IFNAME, .mandatory = true},
};

static const struct cfg_schema options_children[] = {
	{.name = "address-mapping",
	 .help = "Which address of a range a connection gets: the one its source hashes to (persistent, the "
		 "default) or any",
	 .kind = CFG_LEAF,
	 .type = CFG_T_ENUM,
	 .enums = address_mappings},
	{.name = "port-mapping",
	 .help = "random: search a free port from a random one; none: never change the port",
	 .kind = CFG_LEAF,
	 .type = CFG_T_ENUM,
	 .enums = port_mappings},
	{.name = "endpoint-mapping",
	 .help = "independent: an internal address and port keep the translated ones for every destination while "
		 "a connection holds them (RFC 4787); dependent (the default): each destination's own",
	 .kind = CFG_LEAF,
	 .type = CFG_T_ENUM,
	 .enums = endpoint_mappings},
};

static const struct cfg_schema source_translation_children[] = {
	{.name = "address",
	 .help = "masquerade (the outbound interface's address), an address, a range A-B or a prefix (host bits "
		 "kept)",
	 .kind = CFG_LEAF,
	 .type = CFG_T_STRING,
	 .max = 31,
	 .placeholder = "<masquerade|x.x.x.x[-y.y.y.y]|x.x.x.x/len>"},
	{.name = "port",
	 .help = "Port or range the translated source port is taken from",
	 .kind = CFG_LEAF,
	 .type = CFG_T_STRING,
	 .max = 11,
	 .placeholder = "<port[-port]>"},
	{.name = "options",
	 .help = "How addresses and ports are chosen",
	 .kind = CFG_CONTAINER,
	 CFG_CHILDREN(options_children)},
};

static const struct cfg_schema destination_translation_children[] = {
	{.name = "address",
	 .help = "An address, a range A-B (by a hash of the source) or a prefix (host bits kept)",
	 .kind = CFG_LEAF,
	 .type = CFG_T_STRING,
	 .max = 31,
	 .placeholder = "<x.x.x.x[-y.y.y.y]|x.x.x.x/len>"},
	{.name = "port",
	 .help = "The translated destination port, or a range (the ports keep their offset)",
	 .kind = CFG_LEAF,
	 .type = CFG_T_STRING,
	 .max = 11,
	 .placeholder = "<port[-port]>"},
};

static const struct cfg_schema static_translation_children[] = {
	{.name = "address",
	 .help = "Internal prefix, of the external prefix's length",
	 .kind = CFG_LEAF,
	 .type = CFG_T_STRING,
	 .max = 18,
	 .placeholder = "<x.x.x.x/len>"},
};

static const struct cfg_schema static_destination_children[] = {
	{.name = "address",
	 .help = "External prefix",
	 .kind = CFG_LEAF,
	 .type = CFG_T_STRING,
	 .max = 18,
	 .placeholder = "<x.x.x.x/len>"},
};

static const struct cfg_schema backend_children[] = {
	{.name = "weight",
	 .help = "Share of new connections, against the other backends' (default 1)",
	 .kind = CFG_LEAF,
	 .type = CFG_T_U32,
	 .min = 1,
	 .max = 100},
};

static const struct cfg_schema load_balance_children[] = {
	{.name = "backend",
	 .help = "Address new connections may be sent to",
	 .kind = CFG_TAG,
	 .type = CFG_T_IP4,
	 .key_field = "address",
	 CFG_CHILDREN(backend_children)},
	{.name = "hash",
	 .help = "What picks a new connection's backend: fields of it, random or round-robin",
	 .kind = CFG_LEAF_LIST,
	 .type = CFG_T_ENUM,
	 .enums = hashes,
	 .max_values = 4},
};

#define RULE_COMMON                                                                                         \
	{.name = "description", .help = "Description", .kind = CFG_LEAF, .type = CFG_T_STRING, .max = 255}, \
		{.name = "disable", .help = "The rule is not used", .kind = CFG_FLAG},                      \
		{.name = "exclude", .help = "Matching connections are not translated", .kind = CFG_FLAG},   \
		CFG_RULE_MATCHES

static const struct cfg_schema source_rule_children[] = {
	RULE_COMMON,
	{.name = "outbound-interface",
	 .help = "Interface the packet leaves by",
	 .kind = CFG_CONTAINER,
	 CFG_CHILDREN(iface_children)},
	{.name = "translation",
	 .help = "What the source becomes",
	 .kind = CFG_CONTAINER,
	 CFG_CHILDREN(source_translation_children)},
};

static const struct cfg_schema destination_rule_children[] = {
	RULE_COMMON,
	{.name = "inbound-interface",
	 .help = "Interface the packet came in on",
	 .kind = CFG_CONTAINER,
	 CFG_CHILDREN(iface_children)},
	{.name = "translation",
	 .help = "What the destination becomes",
	 .kind = CFG_CONTAINER,
	 CFG_CHILDREN(destination_translation_children)},
	{.name = "load-balance",
	 .help = "Spread new connections over backends",
	 .kind = CFG_CONTAINER,
	 CFG_CHILDREN(load_balance_children)},
};

static const struct cfg_schema static_rule_children[] = {
	{.name = "description", .help = "Description", .kind = CFG_LEAF, .type = CFG_T_STRING, .max = 255},
	{.name = "disable", .help = "The rule is not used", .kind = CFG_FLAG},
	{.name = "inbound-interface",
	 .help = "Interface the external prefix is reached on",
	 .kind = CFG_CONTAINER,
	 CFG_CHILDREN(iface_children)},
	{.name = "destination",
	 .help = "External side",
	 .kind = CFG_CONTAINER,
	 CFG_CHILDREN(static_destination_children)},
	{.name = "translation",
	 .help = "Internal side",
	 .kind = CFG_CONTAINER,
	 CFG_CHILDREN(static_translation_children)},
};

#define RULE_TAG(children)                                                                                    \
	{                                                                                                     \
		.name = "rule", .help = "Rule, tried in order of number", .kind = CFG_TAG, .type = CFG_T_U32, \
		.min = 1, .max = 999999, .key_field = "number", CFG_CHILDREN(children)                        \
	}

static const struct cfg_schema source_children[] = {RULE_TAG(source_rule_children)};
static const struct cfg_schema destination_children[] = {RULE_TAG(destination_rule_children)};
static const struct cfg_schema static_children[] = {RULE_TAG(static_rule_children)};

static const struct cfg_schema nat_children[] = {
	{.name = "source", .help = "Source NAT, as packets leave", .kind = CFG_CONTAINER, CFG_CHILDREN(source_children)},
	{.name = "destination",
	 .help = "Destination NAT and load-balancing, as packets arrive",
	 .kind = CFG_CONTAINER,
	 CFG_CHILDREN(destination_children)},
	{.name = "static",
	 .help = "1:1 NAT of a prefix to a prefix, both ways",
	 .kind = CFG_CONTAINER,
	 CFG_CHILDREN(static_children)},
};

static const struct cfg_schema root_children[] = {
	{.name = "nat", .help = "Network address translation", .kind = CFG_CONTAINER, CFG_CHILDREN(nat_children)},
};

/* ---- the model ---- */

static const char *leaf(const struct cfg_node *n, const char *name)
{
	return n ? node_leaf(n, name) : NULL;
}

static bool ports_proto(const struct dp_nat_item *it)
{
	return (it->flags & NAT_F_TCP_UDP) || it->proto == IPPROTO_TCP || it->proto == IPPROTO_UDP;
}

static void rule_side(struct cfg_build *b, const struct cfg_node *r, const char *which, const char *path, uint32_t *ip,
		      uint8_t *len, struct port_range *ports, uint8_t *n_ports)
{
	const struct cfg_node *s = node_get(r, which);
	const struct cfg_node *a = s ? node_get(s, "address") : NULL, *p = s ? node_get(s, "port") : NULL;
	const char *why;

	if (a && !ip4_or_prefix_parse(a->value, ip, len))
		cfg_build_fail(b, a, path, "%s address '%s' is not an IPv4 address or network prefix", which, a->value);
	if (p && (why = port_ranges_parse(p->value, ports, NAT_PORT_RANGES_MAX, n_ports)))
		cfg_build_fail(b, p, path, "%s port '%s': %s", which, p->value, why);
}

static void rule_protocol(const struct cfg_node *r, struct dp_nat_item *it)
{
	const char *proto = node_leaf(r, "protocol");

	if (!proto || strcmp(proto, "all") == 0)
		return;
	if (strcmp(proto, "tcp_udp") == 0)
		it->flags |= NAT_F_TCP_UDP;
	else
		it->proto = strcmp(proto, "tcp") == 0    ? IPPROTO_TCP
			    : strcmp(proto, "udp") == 0  ? IPPROTO_UDP
			    : strcmp(proto, "icmp") == 0 ? IPPROTO_ICMP
							 : (uint8_t)atoi(proto);
}

/* The matches every kind of rule has: protocol, source, destination. */
static void rule_matches(struct cfg_build *b, const struct cfg_node *r, const char *path, struct dp_nat_item *it)
{
	rule_protocol(r, it);
	rule_side(b, r, "source", path, &it->src, &it->src_len, it->sports, &it->n_sports);
	rule_side(b, r, "destination", path, &it->dst, &it->dst_len, it->dports, &it->n_dports);
	if ((it->n_sports || it->n_dports) && !ports_proto(it))
		cfg_build_fail(b, r, path, "ports need protocol tcp, udp or tcp_udp");
}

/* "A", "A-B" or "A/len" (masquerade is the caller's). */
static bool parse_translation_address(const char *v, struct dp_nat_item *it)
{
	const char *dash = strchr(v, '-');
	char lo[IP4_STR_LEN];

	if (dash) {
		if (dash - v >= (long)sizeof(lo))
			return false;
		snprintf(lo, sizeof(lo), "%.*s", (int)(dash - v), v);
		return ip4_parse(lo, &it->addr_lo) && ip4_parse(dash + 1, &it->addr_hi) && it->addr_lo <= it->addr_hi;
	}
	uint8_t len;
	if (!ip4_or_prefix_parse(v, &it->addr_lo, &len))
		return false;
	it->addr_hi = it->addr_lo;
	if (len < 32) {
		it->flags |= NAT_F_NETMAP;
		it->addr_len = len;
		it->addr_hi = it->addr_lo | ~prefix4_mask(len);
	}
	return true;
}

static void translation_port(struct cfg_build *b, const struct cfg_node *tr, const char *path, struct dp_nat_item *it)
{
	const struct cfg_node *p = tr ? node_get(tr, "port") : NULL;
	struct port_range r = {0};
	uint8_t n;
	const char *why;

	if (!p)
		return;
	if (strchr(p->value, ','))
		why = "one port or one range";
	else
		why = port_ranges_parse(p->value, &r, 1, &n);
	if (!why && r.lo == 0)
		why = "port 0 is not one a connection can use";
	if (why) {
		cfg_build_fail(b, p, path, "translation port '%s': %s", p->value, why);
		return;
	}
	if (!ports_proto(it))
		cfg_build_fail(b, p, path, "a translation port needs protocol tcp, udp or tcp_udp");
	it->port_lo = r.lo;
	it->port_hi = r.hi;
}

static void iface_leaf(const struct cfg_node *r, const char *which, struct dp_nat_item *it)
{
	const char *n = leaf(node_get(r, which), "name");

	if (n)
		memcpy(it->iface, n, strnlen(n, DP_NAME_LEN));
}

static void source_options(const struct cfg_node *tr, struct dp_nat_item *it)
{
	const struct cfg_node *o = tr ? node_get(tr, "options") : NULL;
	const char *v;

	if ((v = leaf(o, "address-mapping")) && strcmp(v, "random") == 0)
		it->flags |= NAT_F_ADDR_RANDOM;
	if ((v = leaf(o, "port-mapping")))
		it->flags |= strcmp(v, "random") == 0 ? NAT_F_PORT_RANDOM : NAT_F_PORT_KEEP;
	if ((v = leaf(o, "endpoint-mapping")) && strcmp(v, "independent") == 0)
		it->flags |= NAT_F_EIM;
}

static void source_rule(struct cfg_build *b, const struct cfg_node *r, const char *path, struct dp_nat_item *it)
{
	const struct cfg_node *tr = node_get(r, "translation");
	const char *addr = leaf(tr, "address");

	iface_leaf(r, "outbound-interface", it);
	source_options(tr, it);
	translation_port(b, tr, path, it);
	if (it->flags & NAT_F_EXCLUDE)
		return;
	if (!addr)
		cfg_build_fail(b, r, path, "a source rule needs a translation address (or exclude)");
	else if (strcmp(addr, "masquerade") == 0) {
		it->flags |= NAT_F_MASQUERADE;
		if (!it->iface[0])
			cfg_build_fail(b, r, path, "masquerade needs an outbound-interface, whose address it takes");
	} else if (!parse_translation_address(addr, it))
		cfg_build_fail(b, r, path,
			       "translation address '%s' is not masquerade, an address, a range or a prefix", addr);
}

static uint8_t hash_of(struct cfg_build *b, const struct cfg_node *lb, const char *path)
{
	const struct cfg_node *h = node_get(lb, "hash");
	uint8_t bits = 0;

	for (const struct cfg_node *v = h ? h->child : NULL; v; v = v->next)
		for (unsigned k = 0; hashes[k]; k++)
			if (strcmp(v->value, hashes[k]) == 0)
				bits |= hash_bits[k];
	if ((bits & (NAT_HASH_RANDOM | NAT_HASH_ROUND_ROBIN)) && (bits & (bits - 1)))
		cfg_build_fail(b, h, path, "load-balance hash random or round-robin stands alone");
	/* By default a connection's own fields, so that flows spread. */
	return bits ? bits : NAT_HASH_SRC_ADDR | NAT_HASH_DST_ADDR | NAT_HASH_SRC_PORT | NAT_HASH_DST_PORT;
}

static void destination_rule(struct cfg_build *b, const struct cfg_node *r, const char *path, struct dp_nat_item *it,
			     const struct cfg_node **backends)
{
	const struct cfg_node *tr = node_get(r, "translation"), *lb = node_get(r, "load-balance");
	const char *addr = leaf(tr, "address");

	iface_leaf(r, "inbound-interface", it);
	translation_port(b, tr, path, it);
	if (addr && !parse_translation_address(addr, it))
		cfg_build_fail(b, r, path, "translation address '%s' is not an address, a range or a prefix", addr);
	*backends = lb ? node_get(lb, "backend") : NULL;
	if (*backends && !(*backends)->child)
		*backends = NULL;
	if (lb)
		it->hash = hash_of(b, lb, path);
	if (it->flags & NAT_F_EXCLUDE)
		return;
	if (*backends && addr)
		cfg_build_fail(b, r, path, "a rule translates to its load-balance backends or to an address, not both");
	else if (!*backends && !addr && !it->port_hi)
		cfg_build_fail(b, r, path,
			       "a destination rule needs a translation address, port or load-balance backends "
			       "(or exclude)");
}

static void static_rule(struct cfg_build *b, const struct cfg_node *r, const char *path, struct dp_nat_item *it)
{
	const char *ext = leaf(node_get(r, "destination"), "address");
	const char *in = leaf(node_get(r, "translation"), "address");
	uint8_t ext_len = 0, in_len = 0;

	iface_leaf(r, "inbound-interface", it);
	if (!it->iface[0])
		cfg_build_fail(b, r, path, "a static rule needs its inbound-interface");
	if (!ext || !ip4_or_prefix_parse(ext, &it->dst, &ext_len)) {
		cfg_build_fail(b, r, path, "a static rule needs destination address, the external prefix");
		return;
	}
	if (!in || !ip4_or_prefix_parse(in, &it->addr_lo, &in_len)) {
		cfg_build_fail(b, r, path, "a static rule needs translation address, the internal prefix");
		return;
	}
	if (ext_len != in_len)
		cfg_build_fail(b, r, path, "the external /%u and internal /%u prefixes differ in length", ext_len,
			       in_len);
	it->dst_len = ext_len;
	it->addr_len = in_len;
	it->addr_hi = it->addr_lo | ~prefix4_mask(in_len);
	it->flags |= NAT_F_NETMAP;
}

static void kind_build(struct cfg_build *b, const struct cfg_node *nat, const char *kind_name, uint8_t kind)
{
	const struct cfg_node *rules = node_walk(nat, kind_name);
	char path[128];

	rules = rules ? node_get(rules, "rule") : NULL;
	for (const struct cfg_node *r = rules ? rules->child : NULL; r; r = r->next) {
		struct dp_nat_item it = {.kind = kind, .number = (uint32_t)strtoul(r->value, NULL, 10)};
		const struct cfg_node *backends = NULL;

		if (node_get(r, "disable"))
			continue;
		snprintf(path, sizeof(path), "nat %s rule %s", kind_name, r->value);
		if (node_get(r, "exclude"))
			it.flags |= NAT_F_EXCLUDE;
		if (kind != NAT_ITEM_STATIC)
			rule_matches(b, r, path, &it);
		if (kind == NAT_ITEM_SOURCE)
			source_rule(b, r, path, &it);
		else if (kind == NAT_ITEM_DESTINATION)
			destination_rule(b, r, path, &it, &backends);
		else
			static_rule(b, r, path, &it);
		cfg_build_item(b, DP_TABLE_NAT, &it);
		unsigned n = 0;
		for (const struct cfg_node *e = backends ? backends->child : NULL; e; e = e->next, n++) {
			struct dp_nat_item be = {.kind = NAT_ITEM_BACKEND, .number = it.number};
			if (n == NAT_BACKENDS_MAX) {
				cfg_build_fail(b, e, path, "more than %u load-balance backends", NAT_BACKENDS_MAX);
				break;
			}
			ip4_parse(e->value, &be.addr_lo);
			be.weight = (uint8_t)cfg_leaf_u32(e, "weight", 1);
			cfg_build_item(b, DP_TABLE_NAT, &be);
		}
	}
}

static void nat_build(struct cfg_build *b, const struct cfg_node *root)
{
	const struct cfg_node *nat = node_get(root, "nat");

	if (!nat)
		return;
	kind_build(b, nat, "source", NAT_ITEM_SOURCE);
	kind_build(b, nat, "destination", NAT_ITEM_DESTINATION);
	kind_build(b, nat, "static", NAT_ITEM_STATIC);
}

static bool iface_known(const struct brink_model *m, const char *name)
{
	for (unsigned i = 0; i < m->n_ports; i++)
		if (strcmp(m->ports[i].name, name) == 0)
			return true;
	for (unsigned i = 0; i < m->n_ifaces; i++)
		if (strcmp(m->ifaces[i].name, name) == 0)
			return true;
	return false;
}

/* The interfaces rules name exist. */
static void nat_check(struct cfg_build *b, const struct cfg_node *root)
{
	static const char *const kinds[] = {"source", "destination", "static"};
	static const char *const which[] = {"outbound-interface", "inbound-interface", "inbound-interface"};
	const struct cfg_node *nat = node_get(root, "nat");
	const struct brink_model *m = cfg_build_model(b);
	char path[128];

	for (unsigned k = 0; nat && k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		const struct cfg_node *rules = node_walk(nat, kinds[k]);
		rules = rules ? node_get(rules, "rule") : NULL;
		for (const struct cfg_node *r = rules ? rules->child : NULL; r; r = r->next) {
			const struct cfg_node *n = node_get(r, which[k]);
			const char *name = leaf(n, "name");
			if (!name || node_get(r, "disable") || iface_known(m, name))
				continue;
			snprintf(path, sizeof(path), "nat %s rule %s %s name", kinds[k], r->value, which[k]);
			cfg_build_fail(b, node_get(n, "name"), path, "no interface '%s'", name);
		}
	}
}

static const struct cfg_model_part nat_model = {.build = nat_build, .check = nat_check};

void nat_config_init(void)
{
	cfg_schema_extend("", root_children, sizeof(root_children) / sizeof(root_children[0]));
	cfg_model_register(&nat_model);
	cfg_table_register(DP_TABLE_NAT, sizeof(struct dp_nat_item));
}
