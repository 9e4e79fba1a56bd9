/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tree -> struct brink_model, with the checks that need more than one value. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/net_addr.h"
#include "config/module.h"

_Static_assert(CFG_IFACE_INFO_LEN == DP_IFACE_INFO_LEN, "a model interface's info is the wire's");
_Static_assert(CFG_NAME_MAX == DP_NAME_LEN, "interface names are the wire's");

/* One configured interface address, with where it came from. */
struct iface_addr {
	char iface[CFG_NAME_MAX];
	uint32_t ip;
	uint8_t len;
	const struct cfg_node *node;
};

struct cfg_build {
	const char *file;
	struct cfg_errors *errs;
	struct brink_model *m;
	struct iface_addr *addrs; /* every address of every interface */
	unsigned n_addrs, addrs_cap;
	unsigned ifaces_cap;
};

static const struct cfg_model_part **parts;
static unsigned n_parts, parts_cap;

/* array, with room for entry n: twice as large once it holds *cap. */
static void *grow(void *array, unsigned n, unsigned *cap, size_t size)
{
	if (n < *cap)
		return array;
	*cap = *cap ? *cap * 2 : 16;
	array = realloc(array, size * *cap);
	if (!array)
		abort();
	return array;
}

static size_t table_item_size[DP_TABLE_MAX];

void cfg_table_register(uint8_t table, size_t item_size)
{
	if (table == 0 || table >= DP_TABLE_MAX || !item_size || table_item_size[table]) {
		fprintf(stderr, "brink: module table %u registered twice or out of range\n", table);
		abort();
	}
	table_item_size[table] = item_size;
}

size_t cfg_table_item_size(uint8_t table)
{
	(void)cfg_schema(); /* the modules register with the schema's first use */
	return table < DP_TABLE_MAX ? table_item_size[table] : 0;
}

void cfg_build_item(struct cfg_build *b, uint8_t table, const void *item)
{
	struct brink_items *t = &b->m->tables[table];
	size_t size = cfg_table_item_size(table);

	if (!size) {
		fprintf(stderr, "brink: items for module table %u, which no module registered\n", table);
		abort();
	}
	t->v = grow(t->v, t->n, &t->cap, size);
	memcpy(t->v + (size_t)t->n++ * size, item, size);
}

/* The item size qsort's comparison works with, per thread. */
static _Thread_local size_t sorting_size;

static int item_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sorting_size);
}

void cfg_model_register(const struct cfg_model_part *part)
{
	parts = grow(parts, n_parts, &parts_cap, sizeof(*parts));
	parts[n_parts++] = part;
}

void cfg_build_fail(struct cfg_build *b, const struct cfg_node *n, const char *path, const char *fmt, ...)
{
	char msg[256];
	int line = n ? n->line : 0;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* a CLI-made node in a loaded tree did not come from the file */
	cfg_errors_add(b->errs, line ? b->file : "", line, path, "%s", msg);
}

const struct brink_model *cfg_build_model(const struct cfg_build *b)
{
	return b->m;
}

unsigned cfg_leaf_u32(const struct cfg_node *n, const char *name, unsigned def)
{
	const char *v = n ? node_leaf(n, name) : NULL;

	return v ? (unsigned)strtoul(v, NULL, 10) : def;
}

uint32_t cfg_leaf_ip4(const struct cfg_node *n, const char *name)
{
	const char *v = n ? node_leaf(n, name) : NULL;
	uint32_t ip = 0;

	if (v)
		ip4_parse(v, &ip);
	return ip;
}

static void check_mandatory(struct cfg_build *c, const struct cfg_node *n, const char *path)
{
	char sub[512];

	for (unsigned i = 0; i < n->sch->n_children; i++) {
		const struct cfg_schema *s = &n->sch->children[i];
		if (s->mandatory && !node_find(n, s))
			cfg_build_fail(c, n, path, "'%s' is required", s->name);
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

static void build_system(struct cfg_build *c, const struct cfg_node *root, struct brink_model *m)
{
	const struct cfg_node *sys = node_get(root, "system");
	const struct cfg_node *dp = sys ? node_get(sys, "dataplane") : NULL;
	const struct cfg_node *workers = dp ? node_get(dp, "worker") : NULL;
	const struct cfg_node *punt = dp ? node_get(dp, "punt") : NULL;

	m->main_cpu = cfg_leaf_u32(dp, "main-cpu", 0);
	m->idle_sleep_us = cfg_leaf_u32(dp, "idle-sleep", 0);
	m->mbufs = cfg_leaf_u32(dp, "mbufs", 16384);
	m->fib_size = cfg_leaf_u32(dp, "fib-size", CFG_FIB_SIZE_DEFAULT);
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
		m->worker_cpus[m->n_workers++] = cfg_leaf_u32(w, "cpu", 0);
	if (m->n_workers == 0)
		cfg_build_fail(c, dp ? dp : sys, "system dataplane worker", "at least one worker is required");
}

static bool overlaps(uint32_t a, uint8_t la, uint32_t b, uint8_t lb)
{
	uint32_t mask = prefix4_mask(la < lb ? la : lb);

	return (a & mask) == (b & mask);
}

/* Checks the newest address against every one before it. */
static void check_address(struct cfg_build *c, const char *path)
{
	const struct iface_addr *a = &c->addrs[c->n_addrs - 1];
	uint32_t host = a->ip & ~prefix4_mask(a->len);
	char buf[PREFIX4_STR_LEN], other[PREFIX4_STR_LEN];

	const struct ip4_special_block *sp = ip4_special(a->ip);

	if (sp)
		cfg_build_fail(c, a->node, path, "'%s' is a %s address: no interface may have it", a->node->value,
			       sp->what);
	if (a->len <= 30 && host == 0)
		cfg_build_fail(c, a->node, path, "'%s' is the network address of its subnet", a->node->value);
	if (a->len <= 30 && host == ~prefix4_mask(a->len))
		cfg_build_fail(c, a->node, path, "'%s' is the broadcast address of its subnet", a->node->value);
	for (unsigned i = 0; i + 1 < c->n_addrs; i++) {
		const struct iface_addr *b = &c->addrs[i];
		if (b->ip == a->ip)
			cfg_build_fail(c, a->node, path, "address %s is also configured on %s", ip4_fmt(a->ip, buf),
				       b->iface);
		else if (strcmp(b->iface, a->iface) != 0 && overlaps(a->ip, a->len, b->ip, b->len))
			cfg_build_fail(c, a->node, path, "subnet %s overlaps subnet %s of %s",
				       prefix4_fmt(a->ip & prefix4_mask(a->len), a->len, buf),
				       prefix4_fmt(b->ip & prefix4_mask(b->len), b->len, other), b->iface);
	}
}

/* The addresses of the interface named iface, from its address leaf-list,
 * into addrs (room for CFG_MAX_ADDRS, the leaf-list's bound). */
static unsigned add_addresses(struct cfg_build *c, const char *iface, const struct cfg_node *e,
			      struct brink_addr *addrs, const char *path)
{
	const struct cfg_node *list = node_get(e, "address");
	unsigned n = 0;
	char apath[512];

	cfg_path_join(apath, sizeof(apath), path, "address");
	for (const struct cfg_node *a = list ? list->child : NULL; a; a = a->next) {
		struct iface_addr *ia;
		struct brink_addr *ba = &addrs[n++];
		prefix4_parse(a->value, true, &ba->ip, &ba->prefix_len);
		c->addrs = grow(c->addrs, c->n_addrs, &c->addrs_cap, sizeof(*c->addrs));
		ia = &c->addrs[c->n_addrs++];
		*ia = (struct iface_addr){.ip = ba->ip, .len = ba->prefix_len, .node = a};
		snprintf(ia->iface, sizeof(ia->iface), "%s", iface);
		check_address(c, apath);
	}
	return n;
}

static void build_ports(struct cfg_build *c, const struct cfg_node *root, struct brink_model *m)
{
	const struct cfg_node *tag = node_walk(root, "interfaces dataplane");
	char path[512];

	for (const struct cfg_node *e = tag ? tag->child : NULL; e; e = e->next) {
		struct brink_port *p = &m->ports[m->n_ports];
		const char *device = node_leaf(e, "device");
		const char *mac = node_leaf(e, "mac");

		snprintf(path, sizeof(path), "interfaces dataplane %s", e->value);
		if (m->n_ports == CFG_MAX_PORTS) {
			cfg_build_fail(c, e, path, "at most %d dataplane interfaces", CFG_MAX_PORTS);
			break;
		}
		snprintf(p->name, sizeof(p->name), "%s", e->value);
		snprintf(p->device, sizeof(p->device), "%s", device ? device : "");
		for (unsigned i = 0; device && i < m->n_ports; i++)
			if (strcmp(m->ports[i].device, device) == 0)
				cfg_build_fail(c, node_get(e, "device"), path, "device '%s' is also used by %s", device,
					       m->ports[i].name);
		p->mtu = (uint16_t)cfg_leaf_u32(e, "mtu", 0);
		p->has_mac = mac && mac_parse(mac, p->mac);
		p->disabled = node_get(e, "disable") != NULL;
		p->n_addrs = add_addresses(c, p->name, e, p->addrs, path);
		m->n_ports++;
	}
}

static const struct brink_iface *find_iface(const struct brink_model *m, const char *name)
{
	for (unsigned i = 0; i < m->n_ifaces; i++)
		if (strcmp(m->ifaces[i].name, name) == 0)
			return &m->ifaces[i];
	return NULL;
}

struct brink_iface *cfg_build_iface(struct cfg_build *b, const struct cfg_node *e, const char *name,
				    enum dp_iface_type type, const char *path)
{
	struct brink_model *m = b->m;
	struct brink_iface *i;
	const char *mac = node_leaf(e, "mac");

	if (strlen(name) >= CFG_NAME_MAX) {
		cfg_build_fail(b, e, path, "the interface name '%s' is longer than %d characters", name,
			       CFG_NAME_MAX - 1);
		return NULL;
	}
	if (brink_model_port(m, name) || find_iface(m, name)) {
		cfg_build_fail(b, e, path, "there is another interface named '%s'", name);
		return NULL;
	}
	if (m->n_ifaces == CFG_MAX_IFACES) {
		cfg_build_fail(b, e, path, "at most %d logical interfaces", CFG_MAX_IFACES);
		return NULL;
	}
	m->ifaces = grow(m->ifaces, m->n_ifaces, &b->ifaces_cap, sizeof(*m->ifaces));
	i = &m->ifaces[m->n_ifaces++];
	*i = (struct brink_iface){.type = type,
				  .mtu = (uint16_t)cfg_leaf_u32(e, "mtu", 0),
				  .disabled = node_get(e, "disable") != NULL};
	snprintf(i->name, sizeof(i->name), "%s", name);
	i->has_mac = mac && mac_parse(mac, i->mac);
	i->n_addrs = add_addresses(b, name, e, i->addrs, path);
	return i;
}

/* Name of the interface owning ip as an address, or NULL. */
static const char *own_address(const struct cfg_build *c, uint32_t ip)
{
	for (unsigned i = 0; i < c->n_addrs; i++)
		if (c->addrs[i].ip == ip)
			return c->addrs[i].iface;
	return NULL;
}

/* The configured address whose subnet holds ip, or NULL. */
static const struct iface_addr *subnet_of(const struct cfg_build *c, uint32_t ip)
{
	for (unsigned i = 0; i < c->n_addrs; i++)
		if (overlaps(ip, 32, c->addrs[i].ip, c->addrs[i].len))
			return &c->addrs[i];
	return NULL;
}

void cfg_build_check_source(struct cfg_build *b, const struct cfg_node *n, const char *path, const char *self)
{
	uint32_t ip = 0;
	const char *owner;

	ip4_parse(n->value, &ip);
	owner = own_address(b, ip);
	if (!owner)
		cfg_build_fail(b, n, path, "source-address %s is not an address of the router", n->value);
	else if (strcmp(owner, self) == 0)
		cfg_build_fail(b, n, path, "source-address %s is an address of %s itself: give one of the underlay",
			       n->value, self);
}

void cfg_build_check_remote(struct cfg_build *b, const struct cfg_node *n, const char *path, uint32_t source)
{
	uint32_t ip = 0;
	const char *owner;

	ip4_parse(n->value, &ip);
	owner = own_address(b, ip);
	if (ip == source)
		cfg_build_fail(b, n, path, "remote %s is the source-address", n->value);
	else if (owner)
		cfg_build_fail(b, n, path, "remote %s is an address of %s: a remote end is another host", n->value,
			       owner);
}

static bool is_interface(const struct brink_model *m, const char *name)
{
	return brink_model_port(m, name) || brink_model_iface(m, name);
}

/* The distance leaf of a path entry: 1 when absent. */
static uint8_t path_distance(const struct cfg_node *e)
{
	return (uint8_t)cfg_leaf_u32(e, "distance", 1);
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

static void check_gateway(struct cfg_build *c, const struct brink_model *m, const struct cfg_node *e, const char *path,
			  const char *ifname)
{
	const struct ip4_special_block *sp;
	const struct iface_addr *sub;
	const char *owner;
	uint32_t gw = 0, host_mask;

	ip4_parse(e->value, &gw);
	owner = own_address(c, gw);
	sub = subnet_of(c, gw);
	host_mask = sub ? ~prefix4_mask(sub->len) : 0;
	if ((sp = ip4_special(gw)))
		cfg_build_fail(c, e, path, "next-hop %s is a %s address", e->value, sp->what);
	else if (owner)
		cfg_build_fail(c, e, path, "next-hop %s is an address of %s", e->value, owner);
	else if (ifname && !is_interface(m, ifname))
		cfg_build_fail(c, e, path, "next-hop %s: no interface named '%s'", e->value, ifname);
	else if (!ifname && !sub)
		cfg_build_fail(
			c, e, path,
			"next-hop %s is not in a connected subnet of any interface (give 'interface' to reach it "
			"there anyway)",
			e->value);
	else if (sub && sub->len <= 30 && (gw & host_mask) == 0)
		cfg_build_fail(c, e, path, "next-hop %s is the network address of the subnet of %s", e->value,
			       sub->iface);
	else if (sub && sub->len <= 30 && (gw & host_mask) == host_mask)
		cfg_build_fail(c, e, path, "next-hop %s is the broadcast address of the subnet of %s", e->value,
			       sub->iface);
}

/* Blackhole and reject are one distance each; a forwarding path of the same
 * distance would leave the choice between sending and discarding open. */
static void check_distances(struct cfg_build *c, const struct brink_model *m, const struct brink_route *r,
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
				cfg_build_fail(c, e, path, "%s and %s share distance %u: give them different distances",
					       p->kind == BRINK_PATH_BLACKHOLE ? "blackhole" : "reject",
					       q->kind == BRINK_PATH_GATEWAY     ? "a next-hop"
					       : q->kind == BRINK_PATH_INTERFACE ? "an interface route"
					       : q->kind == BRINK_PATH_BLACKHOLE ? "blackhole"
										 : "reject",
					       p->distance);
		}
	}
	if (forwarding > CFG_MAX_PATHS)
		cfg_build_fail(c, e, path, "%u next hops and interfaces, at most %d", forwarding, CFG_MAX_PATHS);
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
static void build_routes(struct cfg_build *c, const struct cfg_node *tag, struct brink_model *m)
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
			cfg_build_fail(c, e, path, "%s is %s space: the dataplane routes unicast only", e->value,
				       sp->what);
		if (!hops && !ifs && !bh && !rj)
			cfg_build_fail(c, e, path, "needs a next-hop, an interface, blackhole or reject");
		if (bh && rj)
			cfg_build_fail(c, e, path, "blackhole and reject exclude each other");
		for (const struct cfg_node *h = hops ? hops->child : NULL; h; h = h->next) {
			const char *ifname = node_leaf(h, "interface");
			struct brink_path p = {.kind = BRINK_PATH_GATEWAY, .distance = path_distance(h)};
			cfg_path_join(sub, sizeof(sub), path, "next-hop");
			cfg_path_join(sub, sizeof(sub), sub, h->value);
			check_gateway(c, m, h, sub, ifname);
			ip4_parse(h->value, &p.gateway);
			if (ifname)
				snprintf(p.ifname, sizeof(p.ifname), "%s", ifname);
			add_path(m, r, h, p);
		}
		for (const struct cfg_node *i = ifs ? ifs->child : NULL; i; i = i->next) {
			struct brink_path p = {.kind = BRINK_PATH_INTERFACE, .distance = path_distance(i)};
			cfg_path_join(sub, sizeof(sub), path, "interface");
			cfg_path_join(sub, sizeof(sub), sub, i->value);
			if (!is_interface(m, i->value))
				cfg_build_fail(c, i, sub, "no interface named '%s'", i->value);
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
		cfg_build_fail(c, tag, "protocols static route",
			       "%u routes do not fit the FIB (system dataplane fib-size %u)", m->n_routes, m->fib_size);
}

/* In the tag's order: sorted by address. */
static void build_neighs(struct cfg_build *c, const struct cfg_node *tag, struct brink_model *m)
{
	char path[512];
	unsigned n = tag ? node_count(tag) : 0;

	if (n > CFG_MAX_NEIGHS) {
		cfg_build_fail(c, tag, "protocols static arp", "%u neighbours, at most %d", n, CFG_MAX_NEIGHS);
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
		owner = own_address(c, nb->ip);
		const struct ip4_special_block *sp = ip4_special(nb->ip);
		if (sp)
			cfg_build_fail(c, e, path, "%s is a %s address", e->value, sp->what);
		else if (owner)
			cfg_build_fail(c, e, path, "%s is an address of %s", e->value, owner);
		else if (!subnet_of(c, nb->ip))
			cfg_build_fail(c, e, path, "%s is not in a connected subnet", e->value);
	}
}

static int iface_cmp(const void *a, const void *b)
{
	const struct brink_iface *x = a, *y = b;

	return strcmp(x->name, y->name);
}

int cfg_model_build(const struct cfg_node *root, struct brink_model *m, struct cfg_errors *errs)
{
	struct cfg_build c = {.file = root->root.file ? root->root.file : "", .errs = errs, .m = m};
	const struct cfg_node *st = node_walk(root, "protocols static");
	unsigned before = errs->count;

	memset(m, 0, sizeof(*m));
	check_mandatory(&c, root, "");
	build_system(&c, root, m);
	build_ports(&c, root, m);
	for (unsigned i = 0; i < n_parts; i++)
		parts[i]->build(&c, root);
	if (m->n_ifaces)
		qsort(m->ifaces, m->n_ifaces, sizeof(*m->ifaces), iface_cmp);
	for (unsigned i = 0; i < n_parts; i++)
		if (parts[i]->check)
			parts[i]->check(&c, root);
	build_routes(&c, st ? node_get(st, "route") : NULL, m);
	build_neighs(&c, st ? node_get(st, "arp") : NULL, m);
	for (unsigned t = 0; t < DP_TABLE_MAX; t++) {
		sorting_size = table_item_size[t];
		if (m->tables[t].n > 1)
			qsort(m->tables[t].v, m->tables[t].n, sorting_size, item_cmp);
	}
	free(c.addrs);
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
	free(m->ifaces);
	for (unsigned t = 0; t < DP_TABLE_MAX; t++)
		free(m->tables[t].v);
	memset(m->tables, 0, sizeof(m->tables));
	m->routes = NULL;
	m->paths = NULL;
	m->neighs = NULL;
	m->ifaces = NULL;
	m->n_routes = 0;
	m->n_paths = 0;
	m->n_neighs = 0;
	m->n_ifaces = 0;
}

const struct brink_port *brink_model_port(const struct brink_model *m, const char *name)
{
	for (unsigned i = 0; i < m->n_ports; i++)
		if (strcmp(m->ports[i].name, name) == 0)
			return &m->ports[i];
	return NULL;
}

const struct brink_iface *brink_model_iface(const struct brink_model *m, const char *name)
{
	struct brink_iface key = {0};

	if (!m->n_ifaces || strlen(name) >= sizeof(key.name))
		return NULL;
	snprintf(key.name, sizeof(key.name), "%s", name);
	return bsearch(&key, m->ifaces, m->n_ifaces, sizeof(*m->ifaces), iface_cmp);
}
