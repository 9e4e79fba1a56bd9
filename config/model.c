/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tree -> struct brink_model, with the checks that need more than one value. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/net_addr.h"
#include "config/tree.h"

struct ctx {
	const char *file;
	struct cfg_errors *errs;
};

/* One configured interface address, with where it came from. */
struct port_addr {
	unsigned port;
	uint32_t ip;
	uint8_t len;
	const struct cfg_node *node;
};

static void fail(struct ctx *c, const struct cfg_node *n, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void fail(struct ctx *c, const struct cfg_node *n, const char *path, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	int line = n ? n->line : 0;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* a CLI-made node in a loaded tree did not come from the file */
	cfg_errors_add(c->errs, line ? c->file : "", line, path, "%s", msg);
}

static unsigned leaf_u32(const struct cfg_node *n, const char *name, unsigned def)
{
	const char *v = n ? node_leaf(n, name) : NULL;

	return v ? (unsigned)strtoul(v, NULL, 10) : def;
}

static void check_mandatory(struct ctx *c, const struct cfg_node *n, const char *path)
{
	char sub[512];

	for (unsigned i = 0; i < n->sch->n_children; i++) {
		const struct cfg_schema *s = &n->sch->children[i];
		if (s->mandatory && !node_find(n, s))
			fail(c, n, path, "'%s' is required", s->name);
	}
	for (const struct cfg_node *ch = n->child; ch; ch = ch->next) {
		cfg_path_join(sub, sizeof(sub), path, ch->sch->name);
		if (ch->sch->kind == CFG_CONTAINER)
			check_mandatory(c, ch, sub);
		if (ch->sch->kind != CFG_TAG)
			continue;
		for (const struct cfg_node *e = ch->child; e; e = e->next) {
			char epath[768];
			cfg_path_join(epath, sizeof(epath), sub, e->value);
			check_mandatory(c, e, epath);
		}
	}
}

static void build_system(struct ctx *c, const struct cfg_node *root, struct brink_model *m)
{
	const struct cfg_node *sys = node_get(root, "system");
	const struct cfg_node *dp = sys ? node_get(sys, "dataplane") : NULL;
	const struct cfg_node *workers = dp ? node_get(dp, "worker") : NULL;
	const struct cfg_node *punt = dp ? node_get(dp, "punt") : NULL;

	m->main_cpu = leaf_u32(dp, "main-cpu", 0);
	m->idle_sleep_us = leaf_u32(dp, "idle-sleep", 0);
	m->mbufs = leaf_u32(dp, "mbufs", 16384);
	m->punt_type = BRINK_PUNT_TAP;
	snprintf(m->punt_ifname, sizeof(m->punt_ifname), "brink0");
	if (punt) {
		const char *type = node_leaf(punt, "type");
		const char *ifname = node_leaf(punt, "interface");
		m->punt_enabled = true;
		if (type && strcmp(type, "virtio-user") == 0)
			m->punt_type = BRINK_PUNT_VIRTIO_USER;
		if (ifname)
			snprintf(m->punt_ifname, sizeof(m->punt_ifname), "%s", ifname);
	}
	/* worker ids are 0..CFG_MAX_WORKERS-1 by schema, so the array cannot overflow */
	for (const struct cfg_node *w = workers ? workers->child : NULL; w; w = w->next)
		m->worker_cpus[m->n_workers++] = leaf_u32(w, "cpu", 0);
	if (m->n_workers == 0)
		fail(c, dp ? dp : sys, "system dataplane worker", "at least one worker is required");
}

static bool overlaps(uint32_t a, uint8_t la, uint32_t b, uint8_t lb)
{
	uint32_t mask = prefix4_mask(la < lb ? la : lb);

	return (a & mask) == (b & mask);
}

static void check_address(struct ctx *c, const struct brink_model *m, struct port_addr *all, unsigned n_all,
			  const char *path)
{
	const struct port_addr *a = &all[n_all];
	uint32_t host = a->ip & ~prefix4_mask(a->len);
	char buf[PREFIX4_STR_LEN], other[PREFIX4_STR_LEN];

	if (a->len <= 30 && host == 0)
		fail(c, a->node, path, "'%s' is the network address of its subnet", a->node->value);
	if (a->len <= 30 && host == ~prefix4_mask(a->len))
		fail(c, a->node, path, "'%s' is the broadcast address of its subnet", a->node->value);
	for (unsigned i = 0; i < n_all; i++) {
		const struct port_addr *b = &all[i];
		if (b->ip == a->ip)
			fail(c, a->node, path, "address %s is also configured on %s", ip4_fmt(a->ip, buf),
			     m->ports[b->port].name);
		else if (b->port != a->port && overlaps(a->ip, a->len, b->ip, b->len))
			fail(c, a->node, path, "subnet %s overlaps subnet %s of %s",
			     prefix4_fmt(a->ip & prefix4_mask(a->len), a->len, buf),
			     prefix4_fmt(b->ip & prefix4_mask(b->len), b->len, other), m->ports[b->port].name);
	}
}

static unsigned build_ports(struct ctx *c, const struct cfg_node *root, struct brink_model *m,
			    struct port_addr *all)
{
	const struct cfg_node *ifs = node_get(root, "interfaces");
	const struct cfg_node *tag = ifs ? node_get(ifs, "dataplane") : NULL;
	unsigned n_all = 0;
	char path[512];

	for (const struct cfg_node *e = tag ? tag->child : NULL; e; e = e->next) {
		struct brink_port *p = &m->ports[m->n_ports];
		const char *device = node_leaf(e, "device");
		const char *mac = node_leaf(e, "mac");
		const struct cfg_node *addrs = node_get(e, "address");

		snprintf(path, sizeof(path), "interfaces dataplane %s", e->value);
		if (m->n_ports == CFG_MAX_PORTS) {
			fail(c, e, path, "at most %d dataplane interfaces", CFG_MAX_PORTS);
			break;
		}
		snprintf(p->name, sizeof(p->name), "%s", e->value);
		snprintf(p->device, sizeof(p->device), "%s", device ? device : "");
		for (unsigned i = 0; device && i < m->n_ports; i++)
			if (strcmp(m->ports[i].device, device) == 0)
				fail(c, node_get(e, "device"), path, "device '%s' is also used by %s", device,
				     m->ports[i].name);
		p->mtu = (uint16_t)leaf_u32(e, "mtu", 0);
		p->has_mac = mac && mac_parse(mac, p->mac);
		p->disabled = node_get(e, "disable") != NULL;
		snprintf(path, sizeof(path), "interfaces dataplane %s address", e->value);
		for (const struct cfg_node *a = addrs ? addrs->child : NULL; a; a = a->next) {
			struct brink_addr *ba = &p->addrs[p->n_addrs++];
			prefix4_parse(a->value, true, &ba->ip, &ba->prefix_len);
			all[n_all] = (struct port_addr){m->n_ports, ba->ip, ba->prefix_len, a};
			check_address(c, m, all, n_all, path);
			n_all++;
		}
		m->n_ports++;
	}
	return n_all;
}

/* Name of the port owning ip as an address, or NULL. */
static const char *own_address(const struct brink_model *m, const struct port_addr *all, unsigned n_all, uint32_t ip)
{
	for (unsigned i = 0; i < n_all; i++)
		if (all[i].ip == ip)
			return m->ports[all[i].port].name;
	return NULL;
}

static bool connected(const struct brink_model *m, const struct port_addr *all, unsigned n_all, uint32_t ip,
		      bool enabled_only)
{
	for (unsigned i = 0; i < n_all; i++)
		if (overlaps(ip, 32, all[i].ip, all[i].len) && !(enabled_only && m->ports[all[i].port].disabled))
			return true;
	return false;
}

static void build_routes(struct ctx *c, const struct cfg_node *tag, struct brink_model *m,
			 const struct port_addr *all, unsigned n_all)
{
	char path[512], buf[IP4_STR_LEN];
	unsigned n = tag ? node_count(tag) : 0;

	if (n > CFG_MAX_ROUTES) {
		fail(c, tag, "protocols static route", "%u routes, at most %d", n, CFG_MAX_ROUTES);
		return;
	}
	m->routes = n ? cfg_xmalloc(sizeof(*m->routes) * n) : NULL;
	for (const struct cfg_node *e = tag ? tag->child : NULL; e; e = e->next) {
		struct brink_route *r = &m->routes[m->n_routes++];
		const struct cfg_node *nh = node_get(e, "next-hop");
		unsigned kinds = (nh != NULL) + (node_get(e, "blackhole") != NULL) + (node_get(e, "unreachable") != NULL);
		const char *owner;

		snprintf(path, sizeof(path), "protocols static route %s", e->value);
		prefix4_parse(e->value, false, &r->prefix, &r->prefix_len);
		if (kinds != 1)
			fail(c, e, path, "needs exactly one of next-hop, blackhole, unreachable");
		for (unsigned i = 0; i < n_all; i++)
			if (all[i].len == r->prefix_len && (all[i].ip & prefix4_mask(all[i].len)) == r->prefix)
				fail(c, e, path, "conflicts with the connected subnet of %s", m->ports[all[i].port].name);
		r->kind = node_get(e, "blackhole") ? BRINK_ROUTE_BLACKHOLE
			  : node_get(e, "unreachable") ? BRINK_ROUTE_UNREACHABLE
						       : BRINK_ROUTE_GATEWAY;
		if (!nh)
			continue;
		ip4_parse(nh->value, &r->gateway);
		owner = own_address(m, all, n_all, r->gateway);
		if (owner)
			fail(c, nh, path, "next-hop %s is an address of %s", ip4_fmt(r->gateway, buf), owner);
		else if (!connected(m, all, n_all, r->gateway, true))
			fail(c, nh, path, "next-hop %s is not in a connected subnet of an enabled interface",
			     ip4_fmt(r->gateway, buf));
	}
}

static void build_neighs(struct ctx *c, const struct cfg_node *tag, struct brink_model *m,
			 const struct port_addr *all, unsigned n_all)
{
	char path[512];
	unsigned n = tag ? node_count(tag) : 0;

	if (n > CFG_MAX_NEIGHS) {
		fail(c, tag, "protocols static arp", "%u neighbours, at most %d", n, CFG_MAX_NEIGHS);
		return;
	}
	m->neighs = n ? cfg_xmalloc(sizeof(*m->neighs) * n) : NULL;
	for (const struct cfg_node *e = tag ? tag->child : NULL; e; e = e->next) {
		struct brink_neigh *nb = &m->neighs[m->n_neighs++];
		const char *hw = node_leaf(e, "hwaddr");
		const char *owner;

		snprintf(path, sizeof(path), "protocols static arp %s", e->value);
		ip4_parse(e->value, &nb->ip);
		if (hw)
			mac_parse(hw, nb->mac);
		owner = own_address(m, all, n_all, nb->ip);
		if (owner)
			fail(c, e, path, "%s is an address of %s", e->value, owner);
		else if (!connected(m, all, n_all, nb->ip, false))
			fail(c, e, path, "%s is not in a connected subnet", e->value);
	}
}

int cfg_model_build(const struct cfg_node *root, struct brink_model *m, struct cfg_errors *errs)
{
	struct ctx c = {.file = root->file ? root->file : "", .errs = errs};
	const struct cfg_node *proto = node_get(root, "protocols");
	const struct cfg_node *st = proto ? node_get(proto, "static") : NULL;
	struct port_addr all[CFG_MAX_PORTS * CFG_MAX_ADDRS];
	unsigned n_all, before = errs->count;

	memset(m, 0, sizeof(*m));
	check_mandatory(&c, root, "");
	build_system(&c, root, m);
	n_all = build_ports(&c, root, m, all);
	build_routes(&c, st ? node_get(st, "route") : NULL, m, all, n_all);
	build_neighs(&c, st ? node_get(st, "arp") : NULL, m, all, n_all);
	if (errs->count != before) {
		brink_model_free(m);
		return -1;
	}
	return 0;
}

int brink_model_build(const struct cfg_node *root, struct brink_model *m, struct cfg_errors *errs)
{
	memset(errs, 0, sizeof(*errs));
	if (!root) {
		memset(m, 0, sizeof(*m));
		cfg_errors_add(errs, "", 0, "", "no configuration");
		return -1;
	}
	return cfg_model_build(root, m, errs);
}

void brink_model_free(struct brink_model *m)
{
	free(m->routes);
	free(m->neighs);
	m->routes = NULL;
	m->neighs = NULL;
	m->n_routes = 0;
	m->n_neighs = 0;
}

const struct brink_port *brink_model_port(const struct brink_model *m, const char *name)
{
	for (unsigned i = 0; i < m->n_ports; i++)
		if (strcmp(m->ports[i].name, name) == 0)
			return &m->ports[i];
	return NULL;
}
