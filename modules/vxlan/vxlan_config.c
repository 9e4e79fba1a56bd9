/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * VXLAN segments in the configuration (RFC 7348): "interfaces vxlan
 * vxlan100", as VyOS writes them, with the flood list (remote) and static
 * forwarding entries (fdb <mac> remote <ip>).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/net_addr.h"
#include "config/module.h"
#include "modules/vxlan/vxlan_msg.h"

static const struct cfg_schema fdb_children[] = {
	{.name = "remote",
	 .help = "VTEP the frames to this MAC address go to",
	 .kind = CFG_LEAF,
	 .type = CFG_T_IP4,
	 .mandatory = true},
};

static const struct cfg_schema ip_children[] = {
	{.name = "ttl", .help = "Outer TTL (default 64)", .kind = CFG_LEAF, .type = CFG_T_U32, .min = 1, .max = 255},
};

static const struct cfg_schema parameters_children[] = {
	{.name = "ip", .help = "Outer IPv4 header", .kind = CFG_CONTAINER, CFG_CHILDREN(ip_children)},
	{.name = "nolearning", .help = "Learn no forwarding entries from received frames", .kind = CFG_FLAG},
};

static const struct cfg_schema vxlan_children[] = {
	{.name = "vni",
	 .help = "VXLAN network identifier",
	 .kind = CFG_LEAF,
	 .type = CFG_T_U32,
	 .min = 1,
	 .max = VXLAN_VNI_MAX,
	 .mandatory = true},
	CFG_IFACE_SOURCE_ADDRESS,
	{.name = "remote",
	 .help = "VTEP that broadcast and unknown unicast frames are flooded to",
	 .kind = CFG_LEAF_LIST,
	 .type = CFG_T_IP4,
	 .max_values = DP_VXLAN_REMOTES_MAX},
	{.name = "port",
	 .help = "Destination UDP port (default 4789)",
	 .kind = CFG_LEAF,
	 .type = CFG_T_U32,
	 .min = 1,
	 .max = 65535},
	CFG_IFACE_ADDRESS,
	CFG_IFACE_MTU("Maximum transmission unit (default: the underlay's less 50)"),
	CFG_IFACE_MAC("Unicast MAC address (default: 02 and five bytes of the FNV-1a hash of the name)"),
	{.name = "parameters", .help = "Segment parameters", .kind = CFG_CONTAINER, CFG_CHILDREN(parameters_children)},
	{.name = "fdb",
	 .help = "Static forwarding entry: frames to this MAC address go to one VTEP",
	 .kind = CFG_TAG,
	 .type = CFG_T_MAC,
	 .key_field = "mac",
	 CFG_CHILDREN(fdb_children)},
	CFG_IFACE_DESCRIPTION,
	CFG_IFACE_DISABLE,
};

static const struct cfg_schema interfaces_children[] = {
	CFG_IFACE_TAG("vxlan", "VXLAN segment", vxlan_children),
};

/* A segment without mac gets one that stays the same across restarts and
 * routers, as Linux derives one per name: the first octet 02 (locally
 * administered, unicast), the next five the low 40 bits of the 64-bit
 * FNV-1a hash of the name, most significant first. */
static void derive_mac(const char *name, uint8_t mac[6])
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (const char *p = name; *p; p++)
		h = (h ^ (uint8_t)*p) * 0x100000001b3ull;
	mac[0] = 0x02;
	for (int i = 1; i < 6; i++)
		mac[i] = (uint8_t)(h >> (8 * (5 - i)));
}

static void vxlan_info(const struct cfg_node *e, struct dp_vxlan_info *info)
{
	const struct cfg_node *remotes = node_get(e, "remote");
	const struct cfg_node *params = node_get(e, "parameters");

	*info = (struct dp_vxlan_info){.vni = cfg_leaf_u32(e, "vni", 0),
				       .local = cfg_leaf_ip4(e, "source-address"),
				       .udp_port = (uint16_t)cfg_leaf_u32(e, "port", VXLAN_DEFAULT_PORT),
				       .ttl = (uint8_t)cfg_leaf_u32(node_walk(params, "ip"), "ttl", 0)};
	if (params && node_get(params, "nolearning"))
		info->flags |= DP_VXLAN_F_NO_LEARNING;
	/* the leaf-list holds DP_VXLAN_REMOTES_MAX at most */
	for (const struct cfg_node *r = remotes ? remotes->child : NULL; r; r = r->next)
		ip4_parse(r->value, &info->remotes[info->n_remotes++]);
}

/* A VTEP is one VNI per source address and UDP port: a second segment
 * there could not tell its frames from the first's. */
static void check_vni(struct cfg_build *b, const struct cfg_node *tag, const struct cfg_node *e,
		      const struct dp_vxlan_info *info, const char *path)
{
	char sub[640];

	for (const struct cfg_node *o = tag->child; o != e; o = o->next) {
		struct dp_vxlan_info other;
		vxlan_info(o, &other);
		if (other.vni != info->vni || other.local != info->local || other.udp_port != info->udp_port)
			continue;
		cfg_path_join(sub, sizeof(sub), path, "vni");
		cfg_build_fail(b, node_get(e, "vni"), sub, "vni %u is also used by %s (same source-address and port)",
			       info->vni, o->value);
	}
}

static void vxlan_fdb(struct cfg_build *b, const struct cfg_node *e)
{
	const struct cfg_node *fdb = node_get(e, "fdb");

	for (const struct cfg_node *f = fdb ? fdb->child : NULL; f; f = f->next) {
		struct dp_fdb entry = {.remote = cfg_leaf_ip4(f, "remote")};
		memcpy(entry.iface, e->value, strnlen(e->value, sizeof(entry.iface)));
		mac_parse(f->value, entry.mac);
		cfg_build_item(b, DP_TABLE_FDB, &entry);
	}
}

static void vxlan_build(struct cfg_build *b, const struct cfg_node *root)
{
	const struct cfg_node *tag = node_walk(root, "interfaces vxlan");
	char path[512];

	for (const struct cfg_node *e = tag ? tag->child : NULL; e; e = e->next) {
		struct dp_vxlan_info info;
		struct brink_iface *i;

		cfg_path_join(path, sizeof(path), "interfaces vxlan", e->value);
		vxlan_info(e, &info);
		check_vni(b, tag, e, &info, path);
		i = cfg_build_iface(b, e, e->value, DP_IFACE_VXLAN, path);
		if (!i)
			continue;
		if (!i->has_mac) {
			derive_mac(e->value, i->mac);
			i->has_mac = true;
		}
		memcpy(i->info, &info, sizeof(info));
		vxlan_fdb(b, e);
	}
}

/* The segment's ends, once every address of the router is known. */
static void vxlan_check(struct cfg_build *b, const struct cfg_node *root)
{
	const struct cfg_node *tag = node_walk(root, "interfaces vxlan");
	char path[640];

	for (const struct cfg_node *e = tag ? tag->child : NULL; e; e = e->next) {
		const struct cfg_node *source = node_get(e, "source-address");
		const struct cfg_node *remotes = node_get(e, "remote"), *fdb = node_get(e, "fdb");
		uint32_t local = cfg_leaf_ip4(e, "source-address");

		snprintf(path, sizeof(path), "interfaces vxlan %s source-address", e->value);
		if (source)
			cfg_build_check_source(b, source, path, e->value);
		snprintf(path, sizeof(path), "interfaces vxlan %s remote", e->value);
		for (const struct cfg_node *r = remotes ? remotes->child : NULL; r; r = r->next)
			cfg_build_check_remote(b, r, path, local);
		for (const struct cfg_node *f = fdb ? fdb->child : NULL; f; f = f->next) {
			const struct cfg_node *remote = node_get(f, "remote");
			snprintf(path, sizeof(path), "interfaces vxlan %s fdb %s remote", e->value, f->value);
			if (remote)
				cfg_build_check_remote(b, remote, path, local);
		}
	}
}

static const struct cfg_model_part vxlan_model = {.build = vxlan_build, .check = vxlan_check};

void vxlan_config_init(void)
{
	cfg_schema_extend("interfaces", interfaces_children,
			  sizeof(interfaces_children) / sizeof(interfaces_children[0]));
	cfg_model_register(&vxlan_model);
	cfg_table_register(DP_TABLE_FDB, sizeof(struct dp_fdb));
}
