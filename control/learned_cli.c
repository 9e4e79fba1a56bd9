/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Operational commands that add and delete route paths of the routing
 * daemon and IKE (learned_routes.h): "add ip route" and "delete ip route".
 * They are what those processes, or an operator standing in for them, speak
 * on brinkd's API socket; the configuration is never touched.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/net_addr.h"
#include "control/cli.h"

static void offer_owners(struct cli_session *s, void (*add)(void *ctx, const char *word, const char *help), void *ctx)
{
	(void)s;
	add(ctx, "routing", "the routing daemon");
	add(ctx, "ike", "the IKE daemon");
}

enum {
	P_PREFIX,
	P_VIA,
	P_INTERFACE,
	P_BLACKHOLE,
	P_REJECT,
	P_DISTANCE,
	P_OWNER,
	P_TOLERANT, /* exist-ok for add, missing-ok for delete */
};

#define PATH_PARAMS                                                                                                 \
	{.value = "<prefix>", .help = "The destination (a.b.c.d/len)"},                                             \
		{.word = "via", .value = "<address>", .help = "Forward to this gateway"},                           \
		{.word = "interface",                                                                               \
		 .value = "<name>",                                                                                 \
		 .help = "The interface: of the gateway, or where the destination itself is",                       \
		 .offer = cli_offer_interfaces},                                                                    \
		{.word = "blackhole", .help = "Discard silently"},                                                  \
		{.word = "reject", .help = "Discard and answer ICMP net unreachable"},                              \
		{.word = "distance", .value = "<1-254>", .help = "Preference among paths: lower wins (default 1)"}, \
	{                                                                                                           \
		.word = "owner", .value = "routing|ike", .help = "Whose path it is", .offer = offer_owners          \
	}

static const struct cli_param add_params[] = {
	PATH_PARAMS,
	{.word = "exist-ok", .help = "A path that is there already gets this distance instead of an error"},
	{0},
};

static const struct cli_param delete_params[] = {
	PATH_PARAMS,
	{.word = "missing-ok", .help = "A path that is not there is no error"},
	{0},
};

/* The path and owner the words name; false with the reason in r->out. */
static bool parse_path(const char *what, const struct cli_values *v, struct dp_route *p, uint8_t *owner,
		       struct cli_reply *r)
{
	const char *pfx = v->value[P_PREFIX], *via = v->value[P_VIA], *ifname = v->value[P_INTERFACE];
	unsigned kinds = !!via + !!v->value[P_BLACKHOLE] + !!v->value[P_REJECT];
	char err[256];
	long distance = 1;

	*p = (struct dp_route){0};
	if (!prefix4_parse(pfx, true, &p->prefix, &p->prefix_len)) {
		sbuf_printf(r->out, "%s: '%s' is not an IPv4 prefix (a.b.c.d/len)\n", what, pfx);
		return false;
	}
	if (kinds > 1 || (!kinds && !ifname)) {
		sbuf_printf(r->out, "%s: give one of via <address>, interface <name>, blackhole or reject\n", what);
		return false;
	}
	if (via && !ip4_parse(via, &p->gateway)) {
		sbuf_printf(r->out, "%s: via '%s' is not an IPv4 address\n", what, via);
		return false;
	}
	if (ifname && strlen(ifname) >= DP_NAME_LEN) {
		sbuf_printf(r->out, "%s: interface name '%s' is longer than %d characters\n", what, ifname,
			    DP_NAME_LEN - 1);
		return false;
	}
	if (ifname && kinds && !via) {
		sbuf_printf(r->out, "%s: a %s route has no interface\n", what,
			    v->value[P_BLACKHOLE] ? "blackhole" : "reject");
		return false;
	}
	p->kind = via                     ? DP_ROUTE_GATEWAY
		  : v->value[P_BLACKHOLE] ? DP_ROUTE_BLACKHOLE
		  : v->value[P_REJECT]    ? DP_ROUTE_REJECT
					  : DP_ROUTE_INTERFACE;
	if (ifname)
		memcpy(p->port, ifname, strlen(ifname));
	if (v->value[P_DISTANCE] && !cli_number(what, v->value[P_DISTANCE], 1, 254, &distance, r))
		return false;
	p->distance = (uint8_t)distance;
	if (!v->value[P_OWNER]) {
		sbuf_printf(r->out, "%s: owner routing|ike is missing (whose path it is)\n", what);
		return false;
	}
	if (!(*owner = learned_owner_parse(v->value[P_OWNER]))) {
		sbuf_printf(r->out, "%s: owner '%s' is not routing or ike\n", what, v->value[P_OWNER]);
		return false;
	}
	if (!learned_path_valid(p, err, sizeof(err))) {
		sbuf_printf(r->out, "%s: %s\n", what, err);
		return false;
	}
	return true;
}

static int change(struct cli_session *s, const char *what, const struct cli_param *params, uint8_t op,
		  uint8_t tolerant_flag, int argc, char **argv, struct cli_reply *r)
{
	struct cli_values v;
	struct dp_route path;
	struct dp_obj obj = {.table = DP_TABLE_ROUTE, .op = op, .count = 1};
	struct sbuf desc = {0};
	char err[512];
	uint32_t changed;
	bool pending;
	int rc;

	if ((rc = cli_parse(what, params, argc, argv, &v, r)) < 0)
		return rc;
	if (!parse_path(what, &v, &path, &obj.owner, r))
		return -EINVAL;
	obj.flags = v.value[P_TOLERANT] ? tolerant_flag : 0;
	rc = learned_change(&s->d->learned, &s->d->dp, &obj, &path, &changed, &pending, err, sizeof(err));
	if (rc < 0) {
		sbuf_printf(r->out, "%s: %s\n", what, err);
		return rc;
	}
	learned_path_describe(&path, &desc);
	const char *owner = learned_owner_name(obj.owner);
	if (r->json) {
		r->result = json_pack("{s:s, s:s, s:b, s:b}", "path", sbuf_str(&desc), "owner", owner, "changed",
				      changed > 0, "pending", pending);
	} else {
		sbuf_printf(r->out, "%s (owner %s): %s%s\n", sbuf_str(&desc), owner,
			    !changed           ? "unchanged"
			    : op == DP_OBJ_ADD ? "added"
					       : "deleted",
			    pending ? "; the dataplane gets it when it connects" : "");
	}
	sbuf_free(&desc);
	return 0;
}

static int add_route(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	return change(s, "add ip route", add_params, DP_OBJ_ADD, DP_OBJ_F_EXIST_OK, argc, argv, r);
}

static int delete_route(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	return change(s, "delete ip route", delete_params, DP_OBJ_DELETE, DP_OBJ_F_MISSING_OK, argc, argv, r);
}

static const struct cli_cmd learned_cmds[] = {
	{.path = "add", .help = "Add operational state", .modes = CLI_OPER},
	{.path = "add ip", .help = "IPv4 state", .modes = CLI_OPER},
	{.path = "add ip route",
	 .help = "Add a route path of the routing daemon or IKE (not the configuration's)",
	 .modes = CLI_OPER,
	 .fn = add_route,
	 .args = CLI_ARGS_PARAMS,
	 .params = add_params},
	{.path = "delete", .help = "Delete operational state", .modes = CLI_OPER},
	{.path = "delete ip", .help = "IPv4 state", .modes = CLI_OPER},
	{.path = "delete ip route",
	 .help = "Delete a route path of the routing daemon or IKE",
	 .modes = CLI_OPER,
	 .fn = delete_route,
	 .args = CLI_ARGS_PARAMS,
	 .params = delete_params},
};
CLI_REGISTER(learned_cmds)
