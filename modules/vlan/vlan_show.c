/* SPDX-License-Identifier: GPL-2.0-or-later */
/* How the shows present an 802.1Q sub-interface: its VLAN and port. Vifs
 * have no show of their own; "show interfaces" lists them. */
#include <string.h>

#include "control/show.h"
#include "modules/vlan/vlan_msg.h"

static uint16_t vlan_id(const struct dp_iface_info *i)
{
	struct dp_vlan_info v;

	memcpy(&v, i->info, sizeof(v));
	return v.vlan_id;
}

static void vlan_summary(struct sbuf *o, const struct dp_iface_info *i)
{
	sbuf_printf(o, "%u on %.*s", vlan_id(i), DP_NAME_LEN, i->parent);
}

static json_t *vlan_json(const struct dp_iface_info *i)
{
	return json_pack("{s:i}", "vlan_id", (int)vlan_id(i));
}

static const struct show_iface_type vlan_type = {
	.type = DP_IFACE_VLAN,
	.name = "vlan",
	.summary = vlan_summary,
	.json = vlan_json,
};

void vlan_control_init(void)
{
	show_register_iface_type(&vlan_type);
}
