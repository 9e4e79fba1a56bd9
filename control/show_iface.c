/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * "show interfaces": the dataplane's ports (PORT_DUMP: device, driver, link)
 * and its logical interfaces (IFACE_DUMP), each type presented by the module
 * that registered it (control/show.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/net_addr.h"
#include "control/cli.h"
#include "control/show.h"

#define PORT_TYPE_NAME "ethernet"

static const struct show_iface_type *iface_types[DP_IFACE_TYPE_MAX];

void show_register_iface_type(const struct show_iface_type *t)
{
	if (t->type <= DP_IFACE_PORT || t->type >= DP_IFACE_TYPE_MAX || iface_types[t->type])
		abort(); /* a module's mistake, found at the first start */
	iface_types[t->type] = t;
}

static const struct show_iface_type *iface_type(uint8_t type)
{
	return type < DP_IFACE_TYPE_MAX ? iface_types[type] : NULL;
}

static const char *up(int v)
{
	return v ? "up" : "down";
}

/* The addresses of a port or an interface: the same layout in both dumps,
 * n_addrs as sent bounded by the array it counts. */
struct addr4 {
	uint32_t ip;
	uint8_t prefix_len;
};
_Static_assert(sizeof(struct addr4) == sizeof(((struct dp_port_info *)0)->addrs[0]), "a port's address");
_Static_assert(sizeof(struct addr4) == sizeof(((struct dp_iface_info *)0)->addrs[0]), "an interface's address");

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define N_ADDRS(x) ((x)->n_addrs < ARRAY_LEN((x)->addrs) ? (x)->n_addrs : (uint32_t)ARRAY_LEN((x)->addrs))

static struct addr4 addr_at(const void *addrs, uint32_t i)
{
	struct addr4 a;

	memcpy(&a, (const uint8_t *)addrs + i * sizeof(a), sizeof(a));
	return a;
}

static void addrs_text(struct sbuf *o, const void *addrs, uint32_t n)
{
	char pfx[PREFIX4_STR_LEN];

	for (uint32_t i = 0; i < n; i++) {
		struct addr4 a = addr_at(addrs, i);
		sbuf_printf(o, "  address %s\n", prefix4_fmt(a.ip, a.prefix_len, pfx));
	}
}

static json_t *addrs_json(const void *addrs, uint32_t n)
{
	char pfx[PREFIX4_STR_LEN];
	json_t *j = json_array();

	for (uint32_t i = 0; i < n; i++) {
		struct addr4 a = addr_at(addrs, i);
		json_array_append_new(j, json_string(prefix4_fmt(a.ip, a.prefix_len, pfx)));
	}
	return j;
}

/* A configured port's or interface's addresses into a dump's array of cap
 * entries; returns how many went in. */
static uint32_t conf_addrs(void *addrs, size_t cap, const struct brink_addr *conf, unsigned n)
{
	uint32_t k = 0;

	for (; k < n && k < cap; k++) {
		struct addr4 a = {.ip = conf[k].ip, .prefix_len = conf[k].prefix_len};
		memcpy((uint8_t *)addrs + k * sizeof(a), &a, sizeof(a));
	}
	return k;
}

/* The JSON of something configured that the dataplane lacks: the same keys,
 * null for what only the dataplane knows. */
static json_t *not_in_dataplane(json_t *j, const char *const *unknown, size_t n)
{
	for (size_t i = 0; i < n; i++)
		json_object_set_new(j, unknown[i], json_null());
	json_object_set_new(j, "in_dataplane", json_false());
	return j;
}

static void port_text(struct sbuf *o, const struct dp_port_info *p)
{
	char mac[MAC_STR_LEN];
	const struct dp_port_stats *s = &p->stats;

	sbuf_printf(o, "%.*s: %.*s (driver %.*s)\n", DP_NAME_LEN, p->name, DP_DEVICE_LEN, p->device,
		    (int)sizeof(p->driver), p->driver);
	sbuf_printf(o, "  mac %s  mtu %u  link %s  admin %s  speed %u Mb/s  queues rx %u tx %u\n", mac_fmt(p->mac, mac),
		    p->mtu, up(p->link_up), up(p->admin_up), p->speed_mbps, p->n_rxq, p->n_txq);
	addrs_text(o, p->addrs, N_ADDRS(p));
	sbuf_printf(o,
		    "  rx packets %" PRIu64 "  bytes %" PRIu64 "  errors %" PRIu64 "  missed %" PRIu64
		    "  nombuf %" PRIu64 "\n",
		    s->rx_packets, s->rx_bytes, s->rx_errors, s->rx_missed, s->rx_nombuf);
	sbuf_printf(o, "  tx packets %" PRIu64 "  bytes %" PRIu64 "  errors %" PRIu64 "  dropped %" PRIu64 "\n",
		    s->tx_packets, s->tx_bytes, s->tx_errors, s->tx_dropped);
}

static json_t *port_json(const struct dp_port_info *p)
{
	char mac[MAC_STR_LEN], dmac[MAC_STR_LEN];
	const struct dp_port_stats *s = &p->stats;

	return json_pack("{s:o, s:s, s:o, s:b, s:o, s:i, s:s, s:s, s:i, s:i, s:i, s:b, s:b, s:i, s:i, s:i, s:o,"
			 " s:{s:I, s:I, s:I, s:I, s:I}, s:{s:I, s:I, s:I, s:I}}",
			 "name", show_jname(p->name, DP_NAME_LEN), "type", PORT_TYPE_NAME, "device",
			 show_jname(p->device, DP_DEVICE_LEN), "in_dataplane", 1, "driver",
			 show_jname(p->driver, sizeof(p->driver)), "port_id", (int)p->port_id, "mac",
			 mac_fmt(p->mac, mac), "device_mac", mac_fmt(p->device_mac, dmac), "mtu", (int)p->mtu,
			 "min_mtu", (int)p->min_mtu, "max_mtu", (int)p->max_mtu, "link_up", p->link_up != 0, "admin_up",
			 p->admin_up != 0, "speed_mbps", (int)p->speed_mbps, "rx_queues", (int)p->n_rxq, "tx_queues",
			 (int)p->n_txq, "addresses", addrs_json(p->addrs, N_ADDRS(p)), "rx", "packets",
			 (json_int_t)s->rx_packets, "bytes", (json_int_t)s->rx_bytes, "errors",
			 (json_int_t)s->rx_errors, "missed", (json_int_t)s->rx_missed, "nombuf",
			 (json_int_t)s->rx_nombuf, "tx", "packets", (json_int_t)s->tx_packets, "bytes",
			 (json_int_t)s->tx_bytes, "errors", (json_int_t)s->tx_errors, "dropped",
			 (json_int_t)s->tx_dropped);
}

/* A configured port the dataplane was not started with: the same keys,
 * null for what only the dataplane knows. */
static json_t *absent_port_json(const struct brink_port *conf)
{
	static const char *const unknown[] = {"driver",    "port_id", "mac",     "device_mac", "mtu",
					      "min_mtu",   "max_mtu", "link_up", "speed_mbps", "rx_queues",
					      "tx_queues", "rx",      "tx"};
	struct dp_port_info p = {.admin_up = !conf->disabled};

	snprintf(p.name, sizeof(p.name), "%s", conf->name);
	snprintf(p.device, sizeof(p.device), "%s", conf->device);
	p.n_addrs = conf_addrs(p.addrs, ARRAY_LEN(p.addrs), conf->addrs, conf->n_addrs);
	return not_in_dataplane(port_json(&p), unknown, ARRAY_LEN(unknown));
}

/* "type 7" for a type no module registered (a newer dataplane's). */
static const char *type_name(uint8_t type, char *buf, size_t len)
{
	const struct show_iface_type *t = iface_type(type);

	if (t)
		return t->name;
	snprintf(buf, len, "type %u", type);
	return buf;
}

/* A logical interface: what every type has, then with detail its type's settings. */
static void iface_text(struct sbuf *o, const struct dp_iface_info *i, bool detail)
{
	const struct show_iface_type *t = iface_type(i->type);
	const struct dp_iface_stats *s = &i->stats;
	char mac[MAC_STR_LEN], name[16];

	sbuf_printf(o, "%.*s: %s", DP_NAME_LEN, i->name, type_name(i->type, name, sizeof(name)));
	if (t) {
		sbuf_add(o, " ");
		t->summary(o, i);
	}
	sbuf_printf(o, "\n  mac %s  mtu %u  admin %s  oper %s", i->has_mac ? mac_fmt(i->mac, mac) : "-", i->mtu,
		    up(i->admin_up), up(i->oper_up));
	if (i->parent[0])
		sbuf_printf(o, "  parent %.*s", DP_NAME_LEN, i->parent);
	sbuf_add(o, "\n");
	addrs_text(o, i->addrs, N_ADDRS(i));
	if (detail && t && t->detail)
		t->detail(o, i);
	sbuf_printf(o, "  rx packets %" PRIu64 "  bytes %" PRIu64 "  dropped %" PRIu64 "\n", s->rx_packets, s->rx_bytes,
		    s->rx_dropped);
	sbuf_printf(o, "  tx packets %" PRIu64 "  bytes %" PRIu64 "  dropped %" PRIu64 "\n", s->tx_packets, s->tx_bytes,
		    s->tx_dropped);
}

static json_t *iface_json(const struct dp_iface_info *i)
{
	const struct show_iface_type *t = iface_type(i->type);
	const struct dp_iface_stats *s = &i->stats;
	char mac[MAC_STR_LEN], name[16];
	json_t *j =
		json_pack("{s:o, s:s, s:b, s:o, s:b, s:b, s:i, s:o, s:o, s:{s:I, s:I, s:I}, s:{s:I, s:I, s:I}}", "name",
			  show_jname(i->name, DP_NAME_LEN), "type", type_name(i->type, name, sizeof(name)),
			  "in_dataplane", 1, "parent", i->parent[0] ? show_jname(i->parent, DP_NAME_LEN) : json_null(),
			  "admin_up", i->admin_up != 0, "oper_up", i->oper_up != 0, "mtu", (int)i->mtu, "mac",
			  i->has_mac ? json_string(mac_fmt(i->mac, mac)) : json_null(), "addresses",
			  addrs_json(i->addrs, N_ADDRS(i)), "rx", "packets", (json_int_t)s->rx_packets, "bytes",
			  (json_int_t)s->rx_bytes, "dropped", (json_int_t)s->rx_dropped, "tx", "packets",
			  (json_int_t)s->tx_packets, "bytes", (json_int_t)s->tx_bytes, "dropped",
			  (json_int_t)s->tx_dropped);

	if (t)
		json_object_set_new(j, t->name, t->json(i));
	return j;
}

/* A configured interface the dataplane does not run (a VLAN on a port it
 * lacks): the same keys, null for what only the dataplane knows. */
static json_t *absent_iface_json(const struct brink_iface *conf)
{
	static const char *const unknown[] = {"oper_up", "rx", "tx"};
	struct dp_iface_info i = {.type = conf->type,
				  .admin_up = !conf->disabled,
				  .has_mac = conf->has_mac,
				  .mtu = conf->mtu};

	snprintf(i.name, sizeof(i.name), "%s", conf->name);
	snprintf(i.parent, sizeof(i.parent), "%s", conf->parent);
	memcpy(i.mac, conf->mac, sizeof(i.mac));
	memcpy(i.info, conf->info, sizeof(i.info));
	i.n_addrs = conf_addrs(i.addrs, ARRAY_LEN(i.addrs), conf->addrs, conf->n_addrs);
	json_t *j = not_in_dataplane(iface_json(&i), unknown, ARRAY_LEN(unknown));
	if (!conf->mtu)
		json_object_set_new(j, "mtu", json_null());
	return j;
}

static bool iface_dumped(const struct dp_iface_info *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strncmp(v[i].name, name, DP_NAME_LEN) == 0)
			return true;
	return false;
}

static void iface_out(struct cli_reply *r, const struct dp_iface_info *i, bool detail)
{
	if (r->json)
		json_array_append_new(r->result, iface_json(i));
	else
		iface_text(r->out, i, detail);
}

static bool named(const char *field, const char *only)
{
	return !only || strncmp(field, only, DP_NAME_LEN) == 0;
}

void show_offer_ifaces(struct cli_session *s, uint8_t type, void (*add)(void *ctx, const char *word, const char *help),
		       void *ctx)
{
	const struct brink_model *m = &s->d->model;
	char name[16];

	for (unsigned i = 0; i < m->n_ifaces; i++)
		if (!type || m->ifaces[i].type == type)
			add(ctx, m->ifaces[i].name, type_name(m->ifaces[i].type, name, sizeof(name)));
}

static void offer_any_iface(struct cli_session *s, void (*add)(void *ctx, const char *word, const char *help),
			    void *ctx)
{
	cli_offer_interfaces(s, add, ctx);
	show_offer_ifaces(s, 0, add, ctx);
}

static const struct cli_param interface_param[] = {
	{.value = "<name>", .help = "Only this interface", .offer = offer_any_iface, .optional = true},
	{0},
};

/* The logical interfaces the dataplane runs (IFACE_DUMP gives the ports too). */
static int dump_ifaces(struct brinkd *d, struct dp_iface_info **v, size_t *n, struct cli_reply *r)
{
	return show_dump(d, DP_MSG_IFACE_DUMP, sizeof(**v), (void **)v, n, r);
}

static void no_such(struct cli_reply *r, const char *what, const char *kind, const char *name)
{
	json_decref(r->result);
	r->result = NULL;
	sbuf_printf(r->out, "%s: no %sinterface named '%s'\n", what, kind, name);
}

/* Configured interfaces the dataplane does not run: a VLAN on a port it
 * lacks, or one a resync could not apply. Returns how many were shown. */
static unsigned absent_ifaces(struct cli_reply *r, const struct brink_model *m, const struct dp_port_info *ports,
			      size_t n_ports, const struct dp_iface_info *ifaces, size_t n_ifaces, const char *only)
{
	unsigned shown = 0;
	char name[16];

	for (unsigned i = 0; i < m->n_ifaces; i++) {
		const struct brink_iface *c = &m->ifaces[i];
		if (iface_dumped(ifaces, n_ifaces, c->name) || !named(c->name, only))
			continue;
		shown++;
		if (r->json)
			json_array_append_new(r->result, absent_iface_json(c));
		else if (c->parent[0] && !dpc_has_port(ports, n_ports, c->parent))
			sbuf_printf(r->out, "%s: %s\n  not in dataplane (its port %s is not)\n", c->name,
				    type_name(c->type, name, sizeof(name)), c->parent);
		else
			sbuf_printf(r->out, "%s: %s\n  not in dataplane (refused: see show dataplane)\n", c->name,
				    type_name(c->type, name, sizeof(name)));
	}
	return shown;
}

static int show_interfaces(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	static const char *absent = "not in dataplane (restart needed)";
	struct brinkd *d = s->d;
	struct dp_port_info *ports;
	struct dp_iface_info *ifaces;
	struct cli_values v;
	size_t n, n_ifaces;
	unsigned shown = 0;
	int rc;

	if ((rc = cli_parse("show interfaces", interface_param, argc, argv, &v, r)) < 0 ||
	    (rc = show_dump(d, DP_MSG_PORT_DUMP, sizeof(*ports), (void **)&ports, &n, r)) < 0)
		return rc;
	if ((rc = dump_ifaces(d, &ifaces, &n_ifaces, r)) < 0) {
		free(ports);
		return rc;
	}
	const char *only = v.value[0];
	if (r->json)
		r->result = json_array();
	for (size_t i = 0; i < n; i++) {
		if (!named(ports[i].name, only))
			continue;
		shown++;
		if (r->json)
			json_array_append_new(r->result, port_json(&ports[i]));
		else
			port_text(r->out, &ports[i]);
	}
	/* Configured ports the running dataplane was not started with. */
	for (unsigned i = 0; i < d->model.n_ports; i++) {
		const struct brink_port *p = &d->model.ports[i];
		if (dpc_has_port(ports, n, p->name) || !named(p->name, only))
			continue;
		shown++;
		if (r->json)
			json_array_append_new(r->result, absent_port_json(p));
		else
			sbuf_printf(r->out, "%s: %s\n  %s\n", p->name, p->device, absent);
	}
	for (size_t i = 0; i < n_ifaces; i++) {
		if (ifaces[i].type == DP_IFACE_PORT || !named(ifaces[i].name, only))
			continue;
		shown++;
		iface_out(r, &ifaces[i], false);
	}
	shown += absent_ifaces(r, &d->model, ports, n, ifaces, n_ifaces, only);
	free(ports);
	free(ifaces);
	if (only && !shown) {
		no_such(r, "show interfaces", "", only);
		return -ENOENT;
	}
	return 0;
}

int show_ifaces_of_type(struct cli_session *s, const char *what, uint8_t type, const struct cli_param *params, int argc,
			char **argv, struct cli_reply *r)
{
	const struct show_iface_type *t = iface_type(type);
	struct dp_iface_info *v;
	struct cli_values val;
	char kind[24];
	size_t n;
	unsigned shown = 0;
	int rc;

	if ((rc = cli_parse(what, params, argc, argv, &val, r)) < 0 || (rc = dump_ifaces(s->d, &v, &n, r)) < 0)
		return rc;
	const char *only = val.value[0];
	if (r->json)
		r->result = json_array();
	for (size_t i = 0; i < n; i++) {
		if (v[i].type != type || !named(v[i].name, only))
			continue;
		shown++;
		iface_out(r, &v[i], true);
	}
	free(v);
	if (only && !shown) {
		snprintf(kind, sizeof(kind), "%s ", t ? t->name : "such");
		no_such(r, what, kind, only);
		return -ENOENT;
	}
	return 0;
}

static const struct cli_param clear_param[] = {
	{.value = "<name>", .help = "Only this port", .offer = cli_offer_interfaces, .optional = true},
	{0},
};

static int clear_interfaces(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	struct dp_port_ref ref = {{0}};
	struct cli_values v;
	char err[512];
	int rc;

	if ((rc = cli_parse("clear interfaces counters", clear_param, argc, argv, &v, r)) < 0)
		return rc;
	snprintf(ref.name, sizeof(ref.name), "%s", v.value[0] ? v.value[0] : "");
	rc = dpc_call(&s->d->dp, DP_MSG_PORT_STATS_CLEAR, &ref, sizeof(ref), err, sizeof(err));
	if (rc < 0)
		sbuf_printf(r->out, "clear interfaces counters: %s\n", err);
	return rc;
}

static const struct cli_cmd iface_cmds[] = {
	{.path = "show interfaces",
	 .help = "Dataplane ports (device, link) and logical interfaces: state, addresses, counters",
	 .modes = CLI_OPER,
	 .fn = show_interfaces,
	 .args = CLI_ARGS_PARAMS,
	 .params = interface_param},
	{.path = "clear interfaces", .help = "Interface state", .modes = CLI_OPER},
	{.path = "clear interfaces counters",
	 .help = "Reset the counters of every port, or of one",
	 .modes = CLI_OPER,
	 .fn = clear_interfaces,
	 .args = CLI_ARGS_PARAMS,
	 .params = clear_param},
};
CLI_REGISTER(iface_cmds)
