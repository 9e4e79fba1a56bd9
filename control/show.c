/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Operational shows backed by the dataplane's dumps, as text or JSON. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common/net_addr.h"
#include "control/cli.h"
#include "control/show.h"
#include "control/words.h"

#define ROUTE_STREAM_TICK_MS 200 /* a route stream notices a dump that ended or stalled */

/* Without a connection dpc_dump() fails with "dataplane not connected"; a
 * lost connection needs nothing here either, brinkd_tick() reconnects and
 * pushes again. */
int show_dump(struct brinkd *d, uint16_t type, size_t size, void **v, size_t *n, struct cli_reply *r)
{
	char err[512];
	int rc = dpc_dump(&d->dp, type, size, v, n, err, sizeof(err));

	if (rc < 0)
		sbuf_printf(r->out, "%s\n", err);
	return rc;
}

json_t *show_jname(const char *s, size_t max)
{
	return json_stringn(s, strnlen(s, max));
}

static const char *origin_name(uint8_t o)
{
	switch (o) {
	case DP_ORIGIN_CONNECTED:
		return "connected";
	case DP_ORIGIN_LOCAL:
		return "local";
	case DP_ORIGIN_STATIC:
		return "static";
	case DP_ORIGIN_NEIGHBOR:
		return "neighbor";
	}
	return "unknown";
}

/* What a path does: the JSON "type" and the text's via column. */
static const char *route_type(const struct dp_route_info *ri)
{
	switch (ri->kind) {
	case DP_ROUTE_GATEWAY:
		return "gateway";
	case DP_ROUTE_INTERFACE:
		return "interface";
	case DP_ROUTE_BLACKHOLE:
		return "blackhole";
	case DP_ROUTE_REJECT:
		return "reject";
	}
	return ri->origin == DP_ORIGIN_LOCAL ? "local" : "direct";
}

/* One mark: > in the FIB, x its port is down, - a usable path not chosen. */
static char route_mark(const struct dp_route_info *ri)
{
	if (ri->flags & DP_ROUTE_F_SELECTED)
		return '>';
	return ri->flags & DP_ROUTE_F_USABLE ? '-' : 'x';
}

/* Who owns a route path: configuration, a routing daemon or IKE; none for derived routes. */
static const char *const owner_names[DP_OWNER_MAX] = {
	[DP_OWNER_CONFIG] = "configuration", [DP_OWNER_ROUTING] = "routing", [DP_OWNER_IKE] = "ike"};

static json_t *owner_json(uint8_t owner)
{
	return owner < DP_OWNER_MAX && owner_names[owner] ? json_string(owner_names[owner]) : json_null();
}

static void offer_owners(struct cli_session *s, void (*add)(void *ctx, const char *word, const char *help), void *ctx)
{
	(void)s;
	add(ctx, owner_names[DP_OWNER_CONFIG], "routes of the configuration (brinkd's commits)");
	add(ctx, owner_names[DP_OWNER_ROUTING], "routes of the routing daemon");
	add(ctx, owner_names[DP_OWNER_IKE], "routes of the IKE daemon");
}

/* 0 when name is none of owner_names. */
static uint8_t owner_by_name(const char *name)
{
	for (uint8_t o = 1; o < DP_OWNER_MAX; o++)
		if (strcmp(name, owner_names[o]) == 0)
			return o;
	return 0;
}

static json_t *route_json(const struct dp_route_info *ri)
{
	char pfx[PREFIX4_STR_LEN], gw[IP4_STR_LEN];

	prefix4_fmt(ri->prefix, ri->prefix_len, pfx);
	return json_pack("{s:s, s:s, s:o, s:s, s:i, s:o, s:o, s:b, s:b, s:b}", "prefix", pfx, "origin",
			 origin_name(ri->origin), "owner", owner_json(ri->owner), "type", route_type(ri), "distance",
			 (int)ri->distance, "gateway",
			 ri->kind == DP_ROUTE_GATEWAY || ri->origin == DP_ORIGIN_NEIGHBOR
				 ? json_string(ip4_fmt(ri->gateway, gw))
				 : json_null(),
			 "interface", *ri->port ? show_jname(ri->port, DP_NAME_LEN) : json_null(), "selected",
			 (ri->flags & DP_ROUTE_F_SELECTED) != 0, "usable", (ri->flags & DP_ROUTE_F_USABLE) != 0,
			 "resolved", (ri->flags & DP_ROUTE_F_RESOLVED) != 0);
}

static void route_text(struct sbuf *o, const struct dp_route_info *ri)
{
	static const char code[] = {
		[DP_ORIGIN_CONNECTED] = 'C', [DP_ORIGIN_LOCAL] = 'L', [DP_ORIGIN_STATIC] = 'S', [DP_ORIGIN_NEIGHBOR] = 'N'};
	char pfx[PREFIX4_STR_LEN], gw[IP4_STR_LEN];
	const char *via = ri->kind == DP_ROUTE_GATEWAY || ri->origin == DP_ORIGIN_NEIGHBOR ? ip4_fmt(ri->gateway, gw)
											   : route_type(ri);

	/* A path of the routing daemon or IKE is named by its owner, not its origin. */
	char c = ri->owner == DP_OWNER_ROUTING ? 'R'
		 : ri->owner == DP_OWNER_IKE   ? 'I'
		 : ri->origin < sizeof(code)   ? code[ri->origin]
					       : '?';

	sbuf_printf(o, "%c%c %-18s %4u  %-15s %.*s%s\n", c, route_mark(ri),
		    prefix4_fmt(ri->prefix, ri->prefix_len, pfx), ri->distance, via, DP_NAME_LEN,
		    *ri->port ? ri->port : "-",
		    ri->flags & DP_ROUTE_F_SELECTED && !(ri->flags & DP_ROUTE_F_RESOLVED) ? "  (resolving)" : "");
}

static const char *lookup_type(uint8_t t)
{
	static const char *const names[] = {
		[DP_LOOKUP_NONE] = "none",       [DP_LOOKUP_LOCAL] = "local",       [DP_LOOKUP_DIRECT] = "direct",
		[DP_LOOKUP_GATEWAY] = "gateway", [DP_LOOKUP_ECMP] = "ecmp",         [DP_LOOKUP_BLACKHOLE] = "blackhole",
		[DP_LOOKUP_REJECT] = "reject",   [DP_LOOKUP_RESERVED] = "reserved",
	};
	return t < sizeof(names) / sizeof(names[0]) && names[t] ? names[t] : "unknown";
}

/* n_hops as sent, bounded by the array it counts. */
static unsigned lookup_hops(unsigned n)
{
	return n < DP_ECMP_MAX ? n : DP_ECMP_MAX;
}

/* "show ip route ADDRESS": what the dataplane does with a packet to it. */
static int route_lookup(struct brinkd *d, uint32_t ip, struct cli_reply *r)
{
	struct dp_lookup_req req = {.ip = ip};
	struct dp_route_lookup *l;
	size_t n;
	char err[512], a[IP4_STR_LEN], pfx[PREFIX4_STR_LEN], mac[MAC_STR_LEN];
	int rc = dpc_request(&d->dp, DP_MSG_ROUTE_LOOKUP, &req, sizeof(req), sizeof(*l), (void **)&l, &n, err,
			     sizeof(err));

	if (rc < 0) {
		sbuf_printf(r->out, "%s\n", err);
		return rc;
	}
	if (n != 1) {
		free(l);
		sbuf_add(r->out, "the dataplane gave no lookup result\n");
		return -EPROTO;
	}
	bool matched = l->type != DP_LOOKUP_NONE;
	unsigned hops = lookup_hops(l->n_hops);
	prefix4_fmt(l->prefix, l->prefix_len, pfx);
	if (r->json) {
		json_t *h = json_array();
		for (unsigned i = 0; i < hops; i++)
			json_array_append_new(h,
					      json_pack("{s:s, s:o, s:o, s:b}", "address", ip4_fmt(l->hops[i].ip, a),
							"interface", show_jname(l->hops[i].port, DP_NAME_LEN), "mac",
							l->hops[i].resolved ? json_string(mac_fmt(l->hops[i].mac, mac))
									    : json_null(),
							"resolved", l->hops[i].resolved != 0));
		r->result = json_pack("{s:s, s:s, s:o, s:o, s:o}", "address", ip4_fmt(ip, a), "type",
				      lookup_type(l->type), "route", matched ? json_string(pfx) : json_null(), "origin",
				      matched && l->origin ? json_string(origin_name(l->origin)) : json_null(),
				      "next_hops", h);
	} else if (!matched) {
		sbuf_printf(r->out, "%s: no route (answered with ICMP net unreachable)\n", ip4_fmt(ip, a));
	} else {
		sbuf_printf(r->out, "%s: route %s", ip4_fmt(ip, a), pfx);
		if (l->origin)
			sbuf_printf(r->out, " (%s)", origin_name(l->origin));
		sbuf_printf(r->out, ", %s\n",
			    l->type == DP_LOOKUP_ECMP        ? "one of these by a hash of the flow"
			    : l->type == DP_LOOKUP_LOCAL     ? "an address of this router"
			    : l->type == DP_LOOKUP_RESERVED  ? "a reserved block: never routed"
			    : l->type == DP_LOOKUP_BLACKHOLE ? "discarded"
			    : l->type == DP_LOOKUP_REJECT    ? "discarded with ICMP unreachable"
							     : "sent");
		for (unsigned i = 0; i < hops; i++)
			sbuf_printf(r->out, "  %s %s on %.*s, %s\n", l->hops[i].ip == ip ? "directly to" : "via",
				    ip4_fmt(l->hops[i].ip, a), DP_NAME_LEN, l->hops[i].port,
				    l->hops[i].resolved ? mac_fmt(l->hops[i].mac, mac) : "MAC not resolved yet");
	}
	free(l);
	return 0;
}

enum { R_WHICH, R_LONGER, R_OWNER };

static const struct cli_param route_params[] = {
	[R_WHICH] = {.value = "<address>|<prefix>",
		     .help = "The route a packet to this address takes, or the routes of this prefix",
		     .optional = true},
	[R_LONGER] = {.word = "longer", .help = "With a prefix: every route inside it"},
	[R_OWNER] = {.word = "owner",
		     .value = "configuration|routing|ike",
		     .help = "Only the route paths this owner added",
		     .offer = offer_owners},
	{0},
};

static void route_header(struct sbuf *o)
{
	sbuf_printf(o,
		    "Codes: C connected, L local, S static, N neighbour, R routing daemon, I IKE; > in the FIB, "
		    "- not chosen, "
		    "x port down\n   %-18s %4s  %-15s %s\n",
		    "Prefix", "Dist", "Via", "Interface");
}

/* The text of "show ip route" as the dump's replies come, so that brinkd
 * holds one reply at a time, not the table. */
struct route_stream {
	struct cli_job job;
	struct dpc_stream dump;
	struct sbuf lines;   /* of the replies read since the last step */
	bool header_written; /* the header goes first, once the dump answered */
};

static int route_lines(void *arg, const struct dp_msg_hdr *h, const void *body, size_t len)
{
	struct route_stream *rs = arg;

	if (len != (size_t)h->count * sizeof(struct dp_route_info))
		return -EPROTO;
	for (uint32_t i = 0; i < h->count; i++) {
		struct dp_route_info ri;
		memcpy(&ri, (const uint8_t *)body + i * sizeof(ri), sizeof(ri));
		route_text(&rs->lines, &ri);
	}
	return 0;
}

/* One step, when the dataplane's socket is readable or on the tick: the
 * next reply, and those another request read meanwhile (dpc_stream_open). */
static int route_stream_step(struct cli_job *j, struct cli_session *s, struct sbuf *out)
{
	struct route_stream *rs = (struct route_stream *)j;
	int rc = dpc_stream_read(&s->d->dp, &rs->dump);

	if (!rs->header_written && (rc >= 0 || rs->lines.len)) {
		route_header(out);
		rs->header_written = true;
	}
	sbuf_add(out, sbuf_str(&rs->lines));
	sbuf_reset(&rs->lines);
	if (rc < 0)
		sbuf_printf(out, "show ip route: %s\n", rs->dump.err);
	return rc;
}

/* After its end, or cut short (^C, the session closing): the rest of the
 * dump is read and dropped, so the shared connection stays in step. */
static void route_stream_stop(struct cli_job *j, struct cli_session *s)
{
	struct route_stream *rs = (struct route_stream *)j;

	dpc_stream_cancel(&s->d->dp, &rs->dump);
	sbuf_free(&rs->lines);
	free(rs);
}

/* Text streams; JSON is one document (an array a consumer parses whole), so
 * it is collected. */
static int route_dump(struct cli_session *s, const struct dp_route_dump_req *req, struct cli_reply *r)
{
	char err[512];
	int rc;

	if (r->json) {
		struct dp_route_info *v;
		size_t n;
		rc = dpc_request(&s->d->dp, DP_MSG_ROUTE_DUMP, req, sizeof(*req), sizeof(*v), (void **)&v, &n, err,
				 sizeof(err));
		if (rc < 0) {
			sbuf_printf(r->out, "%s\n", err);
			return rc;
		}
		r->result = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(r->result, route_json(&v[i]));
		free(v);
		return 0;
	}
	struct route_stream *rs = calloc(1, sizeof(*rs));
	if (!rs)
		abort();
	rs->dump.each = route_lines;
	rs->dump.arg = rs;
	if ((rc = dpc_stream_open(&s->d->dp, &rs->dump, DP_MSG_ROUTE_DUMP, req, sizeof(*req), err, sizeof(err))) < 0) {
		free(rs);
		sbuf_printf(r->out, "%s\n", err);
		return rc;
	}
	rs->job = (struct cli_job){.fd = s->d->dp.fd,
				   .period_ms = ROUTE_STREAM_TICK_MS,
				   .ready = route_stream_step,
				   .tick = route_stream_step,
				   .stop = route_stream_stop};
	r->job = &rs->job;
	return 0;
}

static int show_routes(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	struct dp_route_dump_req req = {.flags = DP_ROUTE_DUMP_F_LONGER}; /* 0.0.0.0/0 and longer: all */
	struct cli_values val;
	int rc;

	if ((rc = cli_parse("show ip route", route_params, argc, argv, &val, r)) < 0)
		return rc;
	const char *which = val.value[R_WHICH], *owner = val.value[R_OWNER];
	bool longer = val.value[R_LONGER] != NULL;
	if (owner && !(req.owner = owner_by_name(owner))) {
		sbuf_printf(r->out, "show ip route owner: '%s' is not an owner (configuration, routing or ike)\n",
			    owner);
		return -EINVAL;
	}
	if (which && !strchr(which, '/') && !longer && !owner) {
		if (!ip4_parse(which, &req.prefix)) {
			sbuf_printf(r->out, "show ip route: '%s' is not an IPv4 address or prefix\n", which);
			return -EINVAL;
		}
		return route_lookup(s->d, req.prefix, r);
	}
	if (which && !prefix4_parse(which, false, &req.prefix, &req.prefix_len)) {
		sbuf_printf(r->out, "show ip route: '%s' is not an IPv4 prefix (a.b.c.d/len, host bits zero)\n", which);
		return -EINVAL;
	}
	if (longer && !which) {
		sbuf_add(r->out, "show ip route: 'longer' needs a prefix\n");
		return -EINVAL;
	}
	if (which && !longer)
		req.flags = 0;
	return route_dump(s, &req, r);
}

static int neigh_cmp(const void *a, const void *b)
{
	const struct dp_neigh_info *x = a, *y = b;

	return x->ip < y->ip ? -1 : x->ip > y->ip;
}

static const char *neigh_state(uint8_t s)
{
	switch (s) {
	case DP_NEIGH_INCOMPLETE:
		return "incomplete";
	case DP_NEIGH_REACHABLE:
		return "reachable";
	case DP_NEIGH_STALE:
		return "stale";
	case DP_NEIGH_FAILED:
		return "failed";
	case DP_NEIGH_PERMANENT:
		return "permanent";
	}
	return "unknown";
}

static int show_arp(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	struct brinkd *d = s->d;
	(void)argc, (void)argv;
	static const uint8_t zero[6];
	struct dp_neigh_info *v;
	size_t n;
	char ip[IP4_STR_LEN], mac[MAC_STR_LEN];
	int rc = show_dump(d, DP_MSG_NEIGH_DUMP, sizeof(*v), (void **)&v, &n, r);

	if (rc < 0)
		return rc;
	if (n)
		qsort(v, n, sizeof(*v), neigh_cmp);
	if (r->json)
		r->result = json_array();
	else
		sbuf_printf(r->out, "%-15s %-17s %-10s %-16s %8s %6s\n", "Address", "MAC", "State", "Interface",
			    "Age(s)", "Queued");
	for (size_t i = 0; i < n; i++) {
		const struct dp_neigh_info *ni = &v[i];
		bool known = memcmp(ni->mac, zero, 6) != 0;
		const char *m = known ? mac_fmt(ni->mac, mac) : "-";
		ip4_fmt(ni->ip, ip);
		if (r->json)
			json_array_append_new(r->result,
					      json_pack("{s:s, s:o, s:s, s:o, s:I, s:I}", "address", ip, "mac",
							known ? json_string(m) : json_null(), "state",
							neigh_state(ni->state), "interface",
							show_jname(ni->port, DP_NAME_LEN), "age_s",
							(json_int_t)ni->age_s, "queued", (json_int_t)ni->queued));
		else
			sbuf_printf(r->out, "%-15s %-17s %-10s %-16.*s %8u %6u\n", ip, m, neigh_state(ni->state),
				    DP_NAME_LEN, ni->port, ni->age_s, ni->queued);
	}
	free(v);
	return 0;
}

#define DROP_PREFIX "drop."

/* Text leaves out zero counters unless all; JSON always has every one. */
static int show_stats(struct brinkd *d, bool all, struct cli_reply *r)
{
	struct dp_counter *v;
	size_t n;
	uint64_t drops = 0;
	char name[DP_COUNTER_NAME_LEN + 1];
	json_t *counters = NULL, *reasons = NULL;
	int rc = show_dump(d, DP_MSG_STATS_DUMP, sizeof(*v), (void **)&v, &n, r);

	if (rc < 0)
		return rc;
	if (r->json) {
		counters = json_object();
		reasons = json_object();
	} else {
		sbuf_printf(r->out, "%-48s %s\n", "Counter", "Value");
	}
	/* Two passes: every other counter first, then drops grouped by reason. */
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1 && !r->json)
			sbuf_add(r->out, "Drops by reason:\n");
		for (size_t i = 0; i < n; i++) {
			snprintf(name, sizeof(name), "%.*s", DP_COUNTER_NAME_LEN, v[i].name);
			bool is_drop = strncmp(name, DROP_PREFIX, strlen(DROP_PREFIX)) == 0;
			if (is_drop != (pass == 1))
				continue;
			if (is_drop)
				drops += v[i].value;
			const char *shown = is_drop ? name + strlen(DROP_PREFIX) : name;
			if (r->json)
				json_object_set_new(is_drop ? reasons : counters, shown,
						    json_integer((json_int_t)v[i].value));
			else if (all || v[i].value)
				sbuf_printf(r->out, "%s%-*s %" PRIu64 "\n", is_drop ? "  " : "", is_drop ? 46 : 48,
					    shown, v[i].value);
		}
	}
	if (r->json)
		r->result = json_pack("{s:o, s:o, s:I}", "counters", counters, "drops", reasons, "drops_total",
				      (json_int_t)drops);
	else
		sbuf_printf(r->out, "  %-46s %" PRIu64 "\n", "total", drops);
	free(v);
	return 0;
}

static int show_stats_nonzero(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	(void)argc, (void)argv;
	return show_stats(s->d, false, r);
}

static int show_stats_all(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	(void)argc, (void)argv;
	return show_stats(s->d, true, r);
}

/* A request that needs a live dataplane and answers with a status. */
static int simple_call(struct brinkd *d, const char *what, uint16_t type, const void *body, size_t len,
		       struct cli_reply *r)
{
	char err[512];
	int rc = dpc_call(&d->dp, type, body, len, err, sizeof(err));

	if (rc < 0)
		sbuf_printf(r->out, "%s: %s\n", what, err);
	return rc;
}

static int clear_stats(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	(void)argc, (void)argv;
	return simple_call(s->d, "clear dataplane statistics", DP_MSG_STATS_CLEAR, NULL, 0, r);
}

static const struct cli_param clear_arp_params[] = {
	{.word = "interface",
	 .value = "<name>",
	 .help = "Only the neighbours of this interface",
	 .offer = cli_offer_interfaces},
	{0},
};

static int clear_arp(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	struct dp_port_ref ref = {{0}};
	struct cli_values v;
	int rc;

	if ((rc = cli_parse("clear arp", clear_arp_params, argc, argv, &v, r)) < 0)
		return rc;
	snprintf(ref.name, sizeof(ref.name), "%s", v.value[0] ? v.value[0] : "");
	return simple_call(s->d, "clear arp", DP_MSG_NEIGH_FLUSH, &ref, sizeof(ref), r);
}

/* ---- the configuration, from operational mode ---- */

static int show_config_at(struct cli_session *s, int argc, char **argv, bool commands, struct cli_reply *r)
{
	struct cfg_node *sub = argc ? cfg_subtree(s->d->running, argc, (const char *const *)argv) : NULL;
	const struct cfg_node *t = argc ? sub : s->d->running;

	if (argc && !sub) {
		struct sbuf path = {0};
		words_join(&path, argc, (const char *const *)argv);
		sbuf_printf(r->out, "show configuration: nothing is configured under '%s'\n", sbuf_str(&path));
		sbuf_free(&path);
		return -ENOENT;
	}
	if (!r->json)
		brinkd_status_comment(s->d, r->out);
	if (commands) {
		char *text = cfg_to_commands(t);
		if (r->json)
			r->result = json_pack("{s:o}", "commands", cli_lines_json(text));
		else
			sbuf_add(r->out, text);
		free(text);
	} else {
		cli_render_tree(t, r);
	}
	cfg_free(sub);
	return 0;
}

static int show_config(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	return show_config_at(s, argc, argv, false, r);
}

static int show_config_commands(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	return show_config_at(s, argc, argv, true, r);
}

static const struct cli_cmd show_cmds[] = {
	{.path = "show", .help = "Show operational state or the configuration", .modes = CLI_OPER},
	{.path = "show ip", .help = "IPv4 state", .modes = CLI_OPER},
	{.path = "show ip route",
	 .help = "IPv4 routes of the dataplane (of a prefix, of an owner), or the route to an address",
	 .modes = CLI_OPER,
	 .fn = show_routes,
	 .args = CLI_ARGS_PARAMS,
	 .params = route_params},
	{.path = "show arp", .help = "Neighbour (ARP) table of the dataplane", .modes = CLI_OPER, .fn = show_arp},
	{.path = "show dataplane statistics",
	 .help = "Dataplane counters that are not zero, drops by reason",
	 .modes = CLI_OPER,
	 .fn = show_stats_nonzero},
	{.path = "show dataplane statistics all",
	 .help = "Include the counters that are zero",
	 .modes = CLI_OPER,
	 .fn = show_stats_all},
	{.path = "show configuration",
	 .help = "The running configuration (brink.conf), or the part under a path",
	 .modes = CLI_OPER,
	 .fn = show_config,
	 .args = CLI_ARGS_PATH},
	{.path = "show configuration commands",
	 .help = "The running configuration as set commands",
	 .modes = CLI_OPER,
	 .fn = show_config_commands,
	 .args = CLI_ARGS_PATH},
	{.path = "clear", .help = "Reset counters and tables", .modes = CLI_OPER},
	{.path = "clear dataplane", .help = "Dataplane state", .modes = CLI_OPER},
	{.path = "clear dataplane statistics",
	 .help = "Reset the dataplane counters",
	 .modes = CLI_OPER,
	 .fn = clear_stats},
	{.path = "clear arp",
	 .help = "Forget learned neighbours (gateways in use are resolved again)",
	 .modes = CLI_OPER,
	 .fn = clear_arp,
	 .args = CLI_ARGS_PARAMS,
	 .params = clear_arp_params},
};
CLI_REGISTER(show_cmds)
