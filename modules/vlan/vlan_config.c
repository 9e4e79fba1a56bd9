/* SPDX-License-Identifier: GPL-2.0-or-later */
/* 802.1Q sub-interfaces in the configuration: "interfaces dataplane dp0 vif 100", named dp0.100. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/module.h"
#include "modules/vlan/vlan_msg.h"

#define PORT_MTU_DEFAULT 1500 /* a port without mtu: what Ethernet devices start with */

static const struct cfg_schema vif_children[] = {
	CFG_IFACE_ADDRESS,
	CFG_IFACE_MTU("Maximum transmission unit, at most the port's (default: the port's)"),
	CFG_IFACE_MAC("Unicast MAC address (default: the port's)"),
	CFG_IFACE_DESCRIPTION,
	CFG_IFACE_DISABLE,
};

static const struct cfg_schema port_children[] = {
	{.name = "vif",
	 .help = "802.1Q VLAN sub-interface, named <port>.<id>",
	 .kind = CFG_TAG,
	 .type = CFG_T_U32,
	 .min = VLAN_ID_MIN,
	 .max = VLAN_ID_MAX,
	 .key_field = "id",
	 CFG_CHILDREN(vif_children)},
};

static void vlan_build_port(struct cfg_build *b, const struct cfg_node *port)
{
	const struct brink_port *p = brink_model_port(cfg_build_model(b), port->value);
	const struct cfg_node *vifs = node_get(port, "vif");
	unsigned port_mtu = p && p->mtu ? p->mtu : PORT_MTU_DEFAULT;
	char name[64], path[512];

	for (const struct cfg_node *v = vifs ? vifs->child : NULL; v; v = v->next) {
		struct dp_vlan_info info = {.vlan_id = (uint16_t)strtoul(v->value, NULL, 10)};
		struct brink_iface *i;

		snprintf(name, sizeof(name), "%s.%s", port->value, v->value);
		snprintf(path, sizeof(path), "interfaces dataplane %s vif %s", port->value, v->value);
		i = cfg_build_iface(b, v, name, DP_IFACE_VLAN, path);
		if (!i)
			continue;
		snprintf(i->parent, sizeof(i->parent), "%s", port->value);
		memcpy(i->info, &info, sizeof(info));
		if (i->mtu > port_mtu) {
			cfg_path_join(path, sizeof(path), path, "mtu");
			cfg_build_fail(b, node_get(v, "mtu"), path, "mtu %u is larger than the MTU of %s (%u)", i->mtu,
				       port->value, port_mtu);
		}
	}
}

static void vlan_build(struct cfg_build *b, const struct cfg_node *root)
{
	const struct cfg_node *ports = node_walk(root, "interfaces dataplane");

	for (const struct cfg_node *e = ports ? ports->child : NULL; e; e = e->next)
		vlan_build_port(b, e);
}

static const struct cfg_model_part vlan_model = {.build = vlan_build};

void vlan_config_init(void)
{
	cfg_schema_extend("interfaces dataplane", port_children, sizeof(port_children) / sizeof(port_children[0]));
	cfg_model_register(&vlan_model);
}
