/* SPDX-License-Identifier: GPL-2.0-or-later */
/* "show interfaces tunnel [NAME]": IP-in-IP tunnels as the dataplane runs
 * them (modules/ipip/ipip_msg.h). */
#include <string.h>

#include "common/net_addr.h"
#include "control/show.h"
#include "modules/ipip/ipip_msg.h"

#define ANY_REMOTE "any (point-to-multipoint)"

static struct dp_ipip_info ipip_info(const struct dp_iface_info *i)
{
	struct dp_ipip_info t;

	memcpy(&t, i->info, sizeof(t));
	return t;
}

static void ipip_summary(struct sbuf *o, const struct dp_iface_info *i)
{
	struct dp_ipip_info t = ipip_info(i);
	char local[IP4_STR_LEN], remote[IP4_STR_LEN];

	sbuf_printf(o, "ipip %s to %s", ip4_fmt(t.local, local), t.remote ? ip4_fmt(t.remote, remote) : ANY_REMOTE);
}

static void ipip_detail(struct sbuf *o, const struct dp_iface_info *i)
{
	struct dp_ipip_info t = ipip_info(i);
	char local[IP4_STR_LEN], remote[IP4_STR_LEN], peer[PREFIX4_STR_LEN];

	sbuf_printf(o, "  encapsulation ipip  source %s  remote %s", ip4_fmt(t.local, local),
		    t.remote ? ip4_fmt(t.remote, remote) : ANY_REMOTE);
	if (!t.remote)
		sbuf_printf(o, "  peer-prefix %s", prefix4_fmt(t.peer, t.peer_len, peer));
	sbuf_add(o, "\n  ttl ");
	if (t.ttl)
		sbuf_printf(o, "%u", t.ttl);
	else
		sbuf_add(o, "inherit");
	sbuf_add(o, "  tos ");
	if (t.flags & DP_IPIP_F_TOS_INHERIT)
		sbuf_add(o, "inherit");
	else
		sbuf_printf(o, "%u", t.tos);
	sbuf_printf(o, "  pmtu-discovery %s\n", t.flags & DP_IPIP_F_NO_PMTUD ? "off" : "on");
}

/* null for what is inherited from the inner packet, or not set */
static json_t *ipip_json(const struct dp_iface_info *i)
{
	struct dp_ipip_info t = ipip_info(i);
	char local[IP4_STR_LEN], remote[IP4_STR_LEN], peer[PREFIX4_STR_LEN];

	return json_pack("{s:s, s:s, s:o, s:b, s:o, s:o, s:o, s:b}", "encapsulation", "ipip", "source",
			 ip4_fmt(t.local, local), "remote",
			 t.remote ? json_string(ip4_fmt(t.remote, remote)) : json_null(), "point_to_multipoint",
			 !t.remote, "peer_prefix",
			 t.remote ? json_null() : json_string(prefix4_fmt(t.peer, t.peer_len, peer)), "ttl",
			 t.ttl ? json_integer(t.ttl) : json_null(), "tos",
			 t.flags & DP_IPIP_F_TOS_INHERIT ? json_null() : json_integer(t.tos), "pmtu_discovery",
			 !(t.flags & DP_IPIP_F_NO_PMTUD));
}

static const struct show_iface_type ipip_type = {
	.type = DP_IFACE_IPIP,
	.name = "tunnel",
	.summary = ipip_summary,
	.detail = ipip_detail,
	.json = ipip_json,
};

static void offer_tunnels(struct cli_session *s, void (*add)(void *ctx, const char *word, const char *help), void *ctx)
{
	show_offer_ifaces(s, DP_IFACE_IPIP, add, ctx);
}

static const struct cli_param tunnel_param[] = {
	{.value = "<name>", .help = "Only this tunnel", .offer = offer_tunnels, .optional = true},
	{0},
};

static int show_tunnels(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	return show_ifaces_of_type(s, "show interfaces tunnel", DP_IFACE_IPIP, tunnel_param, argc, argv, r);
}

static const struct cli_cmd ipip_cmds[] = {
	{.path = "show interfaces tunnel",
	 .help = "IP-in-IP tunnels: source, remote or peer prefix, TTL and TOS, counters",
	 .modes = CLI_OPER,
	 .fn = show_tunnels,
	 .args = CLI_ARGS_PARAMS,
	 .params = tunnel_param},
};

void ipip_control_init(void)
{
	show_register_iface_type(&ipip_type);
	cli_register(ipip_cmds, sizeof(ipip_cmds) / sizeof(ipip_cmds[0]));
}
