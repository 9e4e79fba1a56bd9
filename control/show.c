/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Operational shows backed by the dataplane's dumps, as text or JSON. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common/net_addr.h"
#include "control/cli.h"

/* Without a connection dpc_dump() fails with "dataplane not connected"; a
 * lost connection needs nothing here either, brinkd_tick() reconnects and
 * pushes again. */
static int dump(struct brinkd *d, uint16_t type, size_t size, void **v, size_t *n, struct cli_reply *r)
{
	char err[512];
	int rc = dpc_dump(&d->dp, type, size, v, n, err, sizeof(err));

	if (rc < 0)
		sbuf_printf(r->out, "%s\n", err);
	return rc;
}

/* Fixed-size name fields from the wire are not trusted to hold a NUL. */
static json_t *jname(const char *s, size_t max) { return json_stringn(s, strnlen(s, max)); }

static const char *up(int v) { return v ? "up" : "down"; }

/* n_addrs as sent, bounded by the array it counts. */
static uint32_t port_n_addrs(const struct dp_port_info *p)
{
	const uint32_t max = sizeof(p->addrs) / sizeof(p->addrs[0]);

	return p->n_addrs < max ? p->n_addrs : max;
}

static void port_text(struct sbuf *o, const struct dp_port_info *p)
{
	char mac[MAC_STR_LEN], pfx[PREFIX4_STR_LEN];
	const struct dp_port_stats *s = &p->stats;

	sbuf_printf(o, "%.*s: %.*s (driver %.*s)\n", DP_NAME_LEN, p->name, DP_DEVICE_LEN, p->device,
		    (int)sizeof(p->driver), p->driver);
	sbuf_printf(o, "  mac %s  mtu %u  link %s  admin %s  speed %u Mb/s  queues rx %u tx %u\n",
		    mac_fmt(p->mac, mac), p->mtu, up(p->link_up), up(p->admin_up), p->speed_mbps, p->n_rxq, p->n_txq);
	for (uint32_t i = 0; i < port_n_addrs(p); i++)
		sbuf_printf(o, "  address %s\n", prefix4_fmt(p->addrs[i].ip, p->addrs[i].prefix_len, pfx));
	sbuf_printf(o,
		    "  rx packets %" PRIu64 "  bytes %" PRIu64 "  errors %" PRIu64 "  missed %" PRIu64
		    "  nombuf %" PRIu64 "\n",
		    s->rx_packets, s->rx_bytes, s->rx_errors, s->rx_missed, s->rx_nombuf);
	sbuf_printf(o, "  tx packets %" PRIu64 "  bytes %" PRIu64 "  errors %" PRIu64 "  dropped %" PRIu64 "\n",
		    s->tx_packets, s->tx_bytes, s->tx_errors, s->tx_dropped);
}

static json_t *port_json(const struct dp_port_info *p)
{
	char mac[MAC_STR_LEN], pfx[PREFIX4_STR_LEN];
	const struct dp_port_stats *s = &p->stats;
	json_t *addrs = json_array();

	for (uint32_t i = 0; i < port_n_addrs(p); i++)
		json_array_append_new(addrs, json_string(prefix4_fmt(p->addrs[i].ip, p->addrs[i].prefix_len, pfx)));
	return json_pack("{s:o, s:o, s:o, s:i, s:s, s:i, s:s, s:s, s:i, s:i, s:i, s:o, s:s,"
			 " s:{s:I, s:I, s:I, s:I, s:I}, s:{s:I, s:I, s:I, s:I}}",
			 "name", jname(p->name, DP_NAME_LEN), "device", jname(p->device, DP_DEVICE_LEN), "driver",
			 jname(p->driver, sizeof(p->driver)), "port_id", (int)p->port_id, "mac", mac_fmt(p->mac, mac),
			 "mtu", (int)p->mtu, "link", up(p->link_up), "admin", up(p->admin_up), "speed_mbps",
			 (int)p->speed_mbps, "rx_queues", (int)p->n_rxq, "tx_queues", (int)p->n_txq, "addresses",
			 addrs, "state", "in dataplane", "rx", "packets", (json_int_t)s->rx_packets, "bytes",
			 (json_int_t)s->rx_bytes, "errors", (json_int_t)s->rx_errors, "missed",
			 (json_int_t)s->rx_missed, "nombuf", (json_int_t)s->rx_nombuf, "tx", "packets",
			 (json_int_t)s->tx_packets, "bytes", (json_int_t)s->tx_bytes, "errors",
			 (json_int_t)s->tx_errors, "dropped", (json_int_t)s->tx_dropped);
}

int show_interfaces(struct brinkd *d, struct cli_reply *r)
{
	static const char *absent = "not in dataplane (restart needed)";
	struct dp_port_info *ports;
	size_t n;
	int rc = dump(d, DP_MSG_PORT_DUMP, sizeof(*ports), (void **)&ports, &n, r);

	if (rc < 0)
		return rc;
	if (r->json)
		r->result = json_array();
	for (size_t i = 0; i < n; i++) {
		if (r->json)
			json_array_append_new(r->result, port_json(&ports[i]));
		else
			port_text(r->out, &ports[i]);
	}
	/* Configured ports the running dataplane was not started with. */
	for (unsigned i = 0; i < d->model.n_ports; i++) {
		const struct brink_port *p = &d->model.ports[i];
		if (dpc_has_port(ports, n, p->name))
			continue;
		if (r->json)
			json_array_append_new(r->result, json_pack("{s:s, s:s, s:s}", "name", p->name, "device",
								   p->device, "state", absent));
		else
			sbuf_printf(r->out, "%s: %s\n  %s\n", p->name, p->device, absent);
	}
	free(ports);
	return 0;
}

/* By prefix, then the way the dataplane ranks paths: distance, then selected first. */
static int route_cmp(const void *a, const void *b)
{
	const struct dp_route_info *x = a, *y = b;

	if (x->prefix != y->prefix)
		return x->prefix < y->prefix ? -1 : 1;
	if (x->prefix_len != y->prefix_len)
		return (int)x->prefix_len - (int)y->prefix_len;
	if (x->origin != y->origin)
		return (int)x->origin - (int)y->origin;
	if (x->distance != y->distance)
		return (int)x->distance - (int)y->distance;
	return (int)(y->flags & DP_ROUTE_F_SELECTED) - (int)(x->flags & DP_ROUTE_F_SELECTED);
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

static json_t *route_json(const struct dp_route_info *ri)
{
	char pfx[PREFIX4_STR_LEN], gw[IP4_STR_LEN];

	prefix4_fmt(ri->prefix, ri->prefix_len, pfx);
	return json_pack("{s:s, s:s, s:s, s:i, s:o, s:o, s:b, s:b, s:b}", "prefix", pfx, "origin",
			 origin_name(ri->origin), "type", route_type(ri), "distance", (int)ri->distance, "gateway",
			 ri->kind == DP_ROUTE_GATEWAY || ri->origin == DP_ORIGIN_NEIGHBOR
				 ? json_string(ip4_fmt(ri->gateway, gw))
				 : json_null(),
			 "interface", *ri->port ? jname(ri->port, DP_NAME_LEN) : json_null(), "selected",
			 (ri->flags & DP_ROUTE_F_SELECTED) != 0, "usable", (ri->flags & DP_ROUTE_F_USABLE) != 0,
			 "resolved", (ri->flags & DP_ROUTE_F_RESOLVED) != 0);
}

static void route_text(struct sbuf *o, const struct dp_route_info *ri)
{
	static const char code[] = {[DP_ORIGIN_CONNECTED] = 'C', [DP_ORIGIN_LOCAL] = 'L', [DP_ORIGIN_STATIC] = 'S',
				    [DP_ORIGIN_NEIGHBOR] = 'N'};
	char pfx[PREFIX4_STR_LEN], gw[IP4_STR_LEN];
	const char *via = ri->kind == DP_ROUTE_GATEWAY || ri->origin == DP_ORIGIN_NEIGHBOR ? ip4_fmt(ri->gateway, gw)
											     : route_type(ri);

	sbuf_printf(o, "%c%c %-18s %4u  %-15s %.*s%s\n", ri->origin < sizeof(code) ? code[ri->origin] : '?',
		    route_mark(ri), prefix4_fmt(ri->prefix, ri->prefix_len, pfx), ri->distance, via, DP_NAME_LEN,
		    *ri->port ? ri->port : "-",
		    ri->flags & DP_ROUTE_F_SELECTED && !(ri->flags & DP_ROUTE_F_RESOLVED) ? "  (resolving)" : "");
}

int show_routes(struct brinkd *d, struct cli_reply *r)
{
	struct dp_route_info *v;
	size_t n;
	int rc = dump(d, DP_MSG_ROUTE_DUMP, sizeof(*v), (void **)&v, &n, r);

	if (rc < 0)
		return rc;
	qsort(v, n, sizeof(*v), route_cmp);
	if (r->json)
		r->result = json_array();
	else
		sbuf_printf(r->out, "Codes: C connected, L local, S static, N neighbour; > in the FIB, - not chosen, "
				    "x port down\n   %-18s %4s  %-15s %s\n",
			    "Prefix", "Dist", "Via", "Interface");
	for (size_t i = 0; i < n; i++) {
		if (r->json)
			json_array_append_new(r->result, route_json(&v[i]));
		else
			route_text(r->out, &v[i]);
	}
	free(v);
	return 0;
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

int show_arp(struct brinkd *d, struct cli_reply *r)
{
	static const uint8_t zero[6];
	struct dp_neigh_info *v;
	size_t n;
	char ip[IP4_STR_LEN], mac[MAC_STR_LEN];
	int rc = dump(d, DP_MSG_NEIGH_DUMP, sizeof(*v), (void **)&v, &n, r);

	if (rc < 0)
		return rc;
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
							known ? json_string(m) : json_null(),
							"state", neigh_state(ni->state), "interface",
							jname(ni->port, DP_NAME_LEN), "age_s", (json_int_t)ni->age_s,
							"queued", (json_int_t)ni->queued));
		else
			sbuf_printf(r->out, "%-15s %-17s %-10s %-16.*s %8u %6u\n", ip, m, neigh_state(ni->state),
				    DP_NAME_LEN, ni->port, ni->age_s, ni->queued);
	}
	free(v);
	return 0;
}

#define DROP_PREFIX "drop."

int show_stats(struct brinkd *d, bool all, struct cli_reply *r)
{
	struct dp_counter *v;
	size_t n;
	uint64_t drops = 0;
	char name[DP_COUNTER_NAME_LEN + 1];
	json_t *counters = NULL, *reasons = NULL;
	int rc = dump(d, DP_MSG_STATS_DUMP, sizeof(*v), (void **)&v, &n, r);

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
			if (!all && !v[i].value)
				continue;
			const char *shown = is_drop ? name + strlen(DROP_PREFIX) : name;
			if (r->json)
				json_object_set_new(is_drop ? reasons : counters, shown,
						    json_integer((json_int_t)v[i].value));
			else
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

int clear_stats(struct brinkd *d, struct cli_reply *r)
{
	char err[512];
	int rc;

	if (!dpc_connected(&d->dp)) {
		sbuf_add(r->out, "dataplane not connected\n");
		return -ENOTCONN;
	}
	rc = dpc_call(&d->dp, DP_MSG_STATS_CLEAR, NULL, 0, err, sizeof(err));
	if (rc < 0)
		sbuf_printf(r->out, "clear dataplane statistics: %s\n", err);
	return rc;
}
