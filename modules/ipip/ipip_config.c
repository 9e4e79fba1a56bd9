/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IP-in-IP tunnels in the configuration: "interfaces tunnel tun0", as VyOS
 * writes them. Point-to-point with remote; without it point-to-multipoint,
 * the outer destination being each route's next hop (Calico's cross-subnet
 * mode: "route 172.30.2.0/26 next-hop 10.0.2.5 interface tun0").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/net_addr.h"
#include "config/module.h"
#include "modules/ipip/ipip_msg.h"

/* VyOS's encapsulations: known, so that one other than ipip is told it is
 * not supported rather than unknown. */
static const char *const encapsulations[] = {"gre",  "gretap", "ip6gre", "ip6gretap", "ip6ip6",
					     "ipip", "ipip6",  "sit",    NULL};
static const char *const tos_words[] = {"inherit", NULL};

static const struct cfg_schema ip_children[] = {
	{.name = "ttl",
	 .help = "Outer TTL (default 0: the inner packet's)",
	 .kind = CFG_LEAF,
	 .type = CFG_T_U32,
	 .max = 255},
	{.name = "tos",
	 .help = "Outer TOS, or inherit: the inner packet's (default 0)",
	 .kind = CFG_LEAF,
	 .type = CFG_T_U32_OR_ENUM,
	 .max = 255,
	 .enums = tos_words},
	{.name = "no-pmtu-discovery",
	 .help = "Clear DF on outer packets: the underlay may fragment them",
	 .kind = CFG_FLAG},
};

static const struct cfg_schema parameters_children[] = {
	{.name = "ip", .help = "Outer IPv4 header", .kind = CFG_CONTAINER, CFG_CHILDREN(ip_children)},
};

static const struct cfg_schema tunnel_children[] = {
	{.name = "encapsulation",
	 .help = "Encapsulation: ipip (IPv4 in IPv4) is the one supported",
	 .kind = CFG_LEAF,
	 .type = CFG_T_ENUM,
	 .enums = encapsulations,
	 .mandatory = true},
	CFG_IFACE_SOURCE_ADDRESS,
	{.name = "remote",
	 .help = "Outer destination (default: each route's next hop, point-to-multipoint)",
	 .kind = CFG_LEAF,
	 .type = CFG_T_IP4},
	{.name = "peer-prefix",
	 .help = "Point-to-multipoint: the outer sources accepted (default: any)",
	 .kind = CFG_LEAF,
	 .type = CFG_T_NET},
	CFG_IFACE_ADDRESS,
	CFG_IFACE_MTU("Maximum transmission unit (default: the underlay's less 20)"),
	{.name = "parameters", .help = "Tunnel parameters", .kind = CFG_CONTAINER, CFG_CHILDREN(parameters_children)},
	CFG_IFACE_DESCRIPTION,
	CFG_IFACE_DISABLE,
};

static const struct cfg_schema interfaces_children[] = {
	CFG_IFACE_TAG("tunnel", "IP-in-IP tunnel", tunnel_children),
};

static void ipip_info(const struct cfg_node *e, struct dp_ipip_info *info)
{
	const struct cfg_node *ip = node_walk(e, "parameters ip");
	const char *peer = node_leaf(e, "peer-prefix");
	const char *tos = ip ? node_leaf(ip, "tos") : NULL;

	*info = (struct dp_ipip_info){.local = cfg_leaf_ip4(e, "source-address"),
				      .remote = cfg_leaf_ip4(e, "remote"),
				      .ttl = (uint8_t)cfg_leaf_u32(ip, "ttl", 0)};
	if (peer)
		prefix4_parse(peer, false, &info->peer, &info->peer_len);
	if (tos && strcmp(tos, "inherit") == 0)
		info->flags |= DP_IPIP_F_TOS_INHERIT;
	else if (tos)
		info->tos = (uint8_t)strtoul(tos, NULL, 10);
	if (ip && node_get(ip, "no-pmtu-discovery"))
		info->flags |= DP_IPIP_F_NO_PMTUD;
}

static void ipip_build(struct cfg_build *b, const struct cfg_node *root)
{
	const struct cfg_node *tag = node_walk(root, "interfaces tunnel");
	char path[512], sub[640];

	for (const struct cfg_node *e = tag ? tag->child : NULL; e; e = e->next) {
		const char *encap = node_leaf(e, "encapsulation");
		struct dp_ipip_info info;
		struct brink_iface *i;

		cfg_path_join(path, sizeof(path), "interfaces tunnel", e->value);
		if (encap && strcmp(encap, "ipip") != 0) {
			cfg_path_join(sub, sizeof(sub), path, "encapsulation");
			cfg_build_fail(b, node_get(e, "encapsulation"), sub,
				       "encapsulation %s is not supported: only ipip", encap);
		}
		if (node_get(e, "remote") && node_get(e, "peer-prefix")) {
			cfg_path_join(sub, sizeof(sub), path, "peer-prefix");
			cfg_build_fail(b, node_get(e, "peer-prefix"), sub,
				       "peer-prefix is for a tunnel without remote (point-to-multipoint): this one "
				       "accepts remote only");
		}
		i = cfg_build_iface(b, e, e->value, DP_IFACE_IPIP, path);
		if (!i)
			continue;
		ipip_info(e, &info);
		memcpy(i->info, &info, sizeof(info));
	}
}

/* The tunnel's ends, once every address of the router is known. */
static void ipip_check(struct cfg_build *b, const struct cfg_node *root)
{
	const struct cfg_node *tag = node_walk(root, "interfaces tunnel");
	char path[640];

	for (const struct cfg_node *e = tag ? tag->child : NULL; e; e = e->next) {
		const struct cfg_node *source = node_get(e, "source-address"), *remote = node_get(e, "remote");

		snprintf(path, sizeof(path), "interfaces tunnel %s source-address", e->value);
		if (source)
			cfg_build_check_source(b, source, path, e->value);
		snprintf(path, sizeof(path), "interfaces tunnel %s remote", e->value);
		if (remote)
			cfg_build_check_remote(b, remote, path, cfg_leaf_ip4(e, "source-address"));
	}
}

static const struct cfg_model_part ipip_model = {.build = ipip_build, .check = ipip_check};

void ipip_config_init(void)
{
	cfg_schema_extend("interfaces", interfaces_children,
			  sizeof(interfaces_children) / sizeof(interfaces_children[0]));
	cfg_model_register(&ipip_model);
}
