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
	m->fib_size = leaf_u32(dp, "fib-size", CFG_FIB_SIZE_DEFAULT);
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

	const struct ip4_special_block *sp = ip4_special(a->ip);

	if (sp)
		fail(c, a->node, path, "'%s' is a %s address: no interface may have it", a->node->value, sp->what);
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

static unsigned build_ports(struct ctx *c, const struct cfg_node *root, struct brink_model *m, struct port_addr *all)
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

/* The configured address whose subnet holds ip, or NULL. */
static const struct port_addr *subnet_of(const struct port_addr *all, unsigned n_all, uint32_t ip)
{
	for (unsigned i = 0; i < n_all; i++)
		if (overlaps(ip, 32, all[i].ip, all[i].len))
			return &all[i];
	return NULL;
}

/* The distance leaf of a path entry: 1 when absent. */
static uint8_t path_distance(const struct cfg_node *e)
{
	return (uint8_t)leaf_u32(e, "distance", 1);
}

/* Appends the path of entry e; paths that are disabled or of distance 255
 * are kept out of the model (never installed), but are checked like the others. */
static void add_path(struct brink_model *m, struct brink_route *r, const struct cfg_node *e, struct brink_path p)
{
	if (node_get(e, "disable") || p.distance == 255)
		return;
	m->paths[m->n_paths++] = p;
	r->n_paths++;
}

static void check_gateway(struct ctx *c, const struct brink_model *m, const struct port_addr *all, unsigned n_all,
			  const struct cfg_node *e, const char *path, const char *ifname)
{
	const struct ip4_special_block *sp;
	const struct port_addr *sub;
	const char *owner;
	uint32_t gw = 0, host_mask;

	ip4_parse(e->value, &gw);
	owner = own_address(m, all, n_all, gw);
	sub = subnet_of(all, n_all, gw);
	host_mask = sub ? ~prefix4_mask(sub->len) : 0;
	if ((sp = ip4_special(gw)))
		fail(c, e, path, "next-hop %s is a %s address", e->value, sp->what);
	else if (owner)
		fail(c, e, path, "next-hop %s is an address of %s", e->value, owner);
	else if (ifname && !brink_model_port(m, ifname))
		fail(c, e, path, "next-hop %s: no dataplane interface named '%s'", e->value, ifname);
	else if (!ifname && !sub)
		fail(c, e, path,
		     "next-hop %s is not in a connected subnet of any interface (give 'interface' to reach it "
		     "there anyway)",
		     e->value);
	else if (sub && sub->len <= 30 && (gw & host_mask) == 0)
		fail(c, e, path, "next-hop %s is the network address of the subnet of %s", e->value,
		     m->ports[sub->port].name);
	else if (sub && sub->len <= 30 && (gw & host_mask) == host_mask)
		fail(c, e, path, "next-hop %s is the broadcast address of the subnet of %s", e->value,
		     m->ports[sub->port].name);
}

/* Blackhole and reject are one distance each; a forwarding path of the same
 * distance would leave the choice between sending and discarding open. */
static void check_distances(struct ctx *c, const struct brink_model *m, const struct brink_route *r,
			    const struct cfg_node *e, const char *path)
{
	unsigned forwarding = 0;

	for (unsigned i = 0; i < r->n_paths; i++) {
		const struct brink_path *p = &m->paths[r->first_path + i];
		forwarding += p->kind == BRINK_PATH_GATEWAY || p->kind == BRINK_PATH_INTERFACE;
		if (p->kind != BRINK_PATH_BLACKHOLE && p->kind != BRINK_PATH_REJECT)
			continue;
		for (unsigned k = 0; k < r->n_paths; k++) {
			const struct brink_path *q = &m->paths[r->first_path + k];
			if (k != i && q->distance == p->distance)
				fail(c, e, path, "%s and %s share distance %u: give them different distances",
				     p->kind == BRINK_PATH_BLACKHOLE ? "blackhole" : "reject",
				     q->kind == BRINK_PATH_GATEWAY     ? "a next-hop"
				     : q->kind == BRINK_PATH_INTERFACE ? "an interface route"
				     : q->kind == BRINK_PATH_BLACKHOLE ? "blackhole"
								       : "reject",
				     p->distance);
		}
	}
	if (forwarding > CFG_MAX_PATHS)
		fail(c, e, path, "%u next hops and interfaces, at most %d", forwarding, CFG_MAX_PATHS);
}

/* Every path entry of every route, for sizing the model's path array. */
static unsigned count_paths(const struct cfg_node *tag)
{
	unsigned n = 0;

	for (const struct cfg_node *e = tag ? tag->child : NULL; e; e = e->next)
		for (const struct cfg_node *k = e->child; k; k = k->next)
			n += k->sch->kind == CFG_TAG ? node_count(k) : 1;
	return n;
}

/* The tag's entries are sorted by (prefix, length), and so are the routes
 * taken from them in order. */
static void build_routes(struct ctx *c, const struct cfg_node *tag, struct brink_model *m, const struct port_addr *all,
			 unsigned n_all)
{
	char path[512], sub[640];
	unsigned n = tag ? node_count(tag) : 0, n_paths = count_paths(tag);

	m->routes = n ? cfg_xmalloc(sizeof(*m->routes) * n) : NULL;
	m->paths = n_paths ? cfg_xmalloc(sizeof(*m->paths) * n_paths) : NULL;
	for (const struct cfg_node *e = tag ? tag->child : NULL; e; e = e->next) {
		struct brink_route *r = &m->routes[m->n_routes];
		const struct cfg_node *hops = node_get(e, "next-hop"), *ifs = node_get(e, "interface");
		const struct cfg_node *bh = node_get(e, "blackhole"), *rj = node_get(e, "reject");
		const struct ip4_special_block *sp;

		*r = (struct brink_route){.first_path = m->n_paths};
		cfg_path_join(path, sizeof(path), "protocols static route", e->value);
		prefix4_parse(e->value, false, &r->prefix, &r->prefix_len);
		if ((sp = prefix4_special(r->prefix, r->prefix_len)))
			fail(c, e, path, "%s is %s space: the dataplane routes unicast only", e->value, sp->what);
		if (!hops && !ifs && !bh && !rj)
			fail(c, e, path, "needs a next-hop, an interface, blackhole or reject");
		if (bh && rj)
			fail(c, e, path, "blackhole and reject exclude each other");
		for (const struct cfg_node *h = hops ? hops->child : NULL; h; h = h->next) {
			const char *ifname = node_leaf(h, "interface");
			struct brink_path p = {.kind = BRINK_PATH_GATEWAY, .distance = path_distance(h)};
			cfg_path_join(sub, sizeof(sub), path, "next-hop");
			cfg_path_join(sub, sizeof(sub), sub, h->value);
			check_gateway(c, m, all, n_all, h, sub, ifname);
			ip4_parse(h->value, &p.gateway);
			if (ifname)
				snprintf(p.ifname, sizeof(p.ifname), "%s", ifname);
			add_path(m, r, h, p);
		}
		for (const struct cfg_node *i = ifs ? ifs->child : NULL; i; i = i->next) {
			struct brink_path p = {.kind = BRINK_PATH_INTERFACE, .distance = path_distance(i)};
			cfg_path_join(sub, sizeof(sub), path, "interface");
			cfg_path_join(sub, sizeof(sub), sub, i->value);
			if (!brink_model_port(m, i->value))
				fail(c, i, sub, "no dataplane interface named '%s'", i->value);
			snprintf(p.ifname, sizeof(p.ifname), "%s", i->value);
			add_path(m, r, i, p);
		}
		if (bh)
			add_path(m, r, bh,
				 (struct brink_path){.kind = BRINK_PATH_BLACKHOLE, .distance = path_distance(bh)});
		if (rj)
			add_path(m, r, rj,
				 (struct brink_path){.kind = BRINK_PATH_REJECT, .distance = path_distance(rj)});
		check_distances(c, m, r, e, path);
		if (r->n_paths)
			m->n_routes++;
	}
	/* the FIB holds connected routes too: the dataplane refuses what this lets through */
	if (m->n_routes > m->fib_size)
		fail(c, tag, "protocols static route", "%u routes do not fit the FIB (system dataplane fib-size %u)",
		     m->n_routes, m->fib_size);
}

/* In the tag's order: sorted by address. */
static void build_neighs(struct ctx *c, const struct cfg_node *tag, struct brink_model *m, const struct port_addr *all,
			 unsigned n_all)
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

		cfg_path_join(path, sizeof(path), "protocols static arp", e->value);
		ip4_parse(e->value, &nb->ip);
		if (hw)
			mac_parse(hw, nb->mac);
		owner = own_address(m, all, n_all, nb->ip);
		const struct ip4_special_block *sp = ip4_special(nb->ip);
		if (sp)
			fail(c, e, path, "%s is a %s address", e->value, sp->what);
		else if (owner)
			fail(c, e, path, "%s is an address of %s", e->value, owner);
		else if (!subnet_of(all, n_all, nb->ip))
			fail(c, e, path, "%s is not in a connected subnet", e->value);
	}
}

int cfg_model_build(const struct cfg_node *root, struct brink_model *m, struct cfg_errors *errs)
{
	struct ctx c = {.file = root->root.file ? root->root.file : "", .errs = errs};
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
	if (c.errs->count != before) {
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
	free(m->paths);
	free(m->neighs);
	m->routes = NULL;
	m->paths = NULL;
	m->neighs = NULL;
	m->n_routes = 0;
	m->n_paths = 0;
	m->n_neighs = 0;
}

const struct brink_port *brink_model_port(const struct brink_model *m, const char *name)
{
	for (unsigned i = 0; i < m->n_ports; i++)
		if (strcmp(m->ports[i].name, name) == 0)
			return &m->ports[i];
	return NULL;
}
