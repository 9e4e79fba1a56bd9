/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "dataplane/state.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_log.h>

#include "common/net_addr.h"
#include "dataplane/ctl_server.h"
#include "dataplane/dp.h"
#include "dataplane/fib.h"
#include "dataplane/neigh.h"
#include "dataplane/port.h"
#include "dataplane/prefix_table.h"

static struct dp_state conf; /* the configuration's ports, addresses and static neighbours */
static uint64_t generation[DP_OWNER_MAX];
static unsigned max_paths;

/* The module tables: the configuration's tables a module applies (state_table_register). */
static struct {
	size_t item_size; /* 0: no module registered the table */
	state_table_apply_fn *apply;
} module_tables[DP_TABLE_MAX];

int state_table_register(uint8_t table, size_t item_size, state_table_apply_fn *apply)
{
	if (table == 0 || table >= DP_TABLE_MAX || item_size == 0 || !apply || module_tables[table].item_size)
		return -EINVAL;
	module_tables[table].item_size = item_size;
	module_tables[table].apply = apply;
	return 0;
}

static bool module_table(uint8_t table)
{
	return table < DP_TABLE_MAX && module_tables[table].item_size;
}

void state_clear(struct dp_state *s)
{
	free(s->routes);
	free(s->neighs);
	free(s->ifaces.v);
	for (unsigned t = 0; t < DP_TABLE_MAX; t++)
		free(s->modules[t].v);
	memset(s, 0, sizeof(*s));
}

static int known_port(const char *name, char *err, size_t errlen)
{
	char n[DP_NAME_LEN + 1];
	int port;

	snprintf(n, sizeof(n), "%.*s", DP_NAME_LEN, name);
	port = port_by_name(n);
	if (port < 0)
		snprintf(err, errlen, "no port named '%s' in the dataplane", n);
	return port < 0 ? -ENODEV : port;
}

static const struct dp_iface_conf *staged_iface(const struct dp_state *s, const char *name)
{
	const struct dp_iface_conf *c = (const void *)s->ifaces.v;
	for (unsigned i = 0; i < s->ifaces.n; i++)
		if (strncmp(c[i].name, name, DP_NAME_LEN) == 0)
			return &c[i];
	return NULL;
}

/* An interface the dataplane has, or one the transaction staged. */
static int known_iface(const struct dp_state *s, const char *name, char *err, size_t errlen)
{
	char n[DP_NAME_LEN + 1];

	snprintf(n, sizeof(n), "%.*s", DP_NAME_LEN, name);
	if (iface_by_name(n) >= 0 || staged_iface(s, n))
		return 0;
	snprintf(err, errlen, "no interface named '%s' in the dataplane", n);
	return -ENODEV;
}

/* The interface a name in the state names now, or -1. */
static int iface_named(const char *name)
{
	char n[DP_NAME_LEN + 1];

	snprintf(n, sizeof(n), "%.*s", DP_NAME_LEN, name);
	return iface_by_name(n);
}

int state_add_port(struct dp_state *s, const struct dp_port_conf *c, char *err, size_t errlen)
{
	int rc = known_port(c->name, err, errlen);
	if (rc < 0)
		return rc;
	if (s->n_ports == RTE_DIM(s->ports)) {
		snprintf(err, errlen, "too many ports");
		return -ENOSPC;
	}
	s->ports[s->n_ports++] = *c;
	return 0;
}

int state_add_addr(struct dp_state *s, const struct dp_addr *a, char *err, size_t errlen)
{
	char pfx[PREFIX4_STR_LEN];
	const struct ip4_special_block *sp;
	unsigned on_port = 0;
	int rc = known_iface(s, a->port, err, errlen);

	if (rc < 0)
		return rc;
	if (a->prefix_len == 0 || a->prefix_len > 32) {
		snprintf(err, errlen, "bad prefix length %u", a->prefix_len);
		return -EINVAL;
	}
	if ((sp = ip4_special(a->ip))) {
		snprintf(err, errlen, "address %s is a %s address", prefix4_fmt(a->ip, a->prefix_len, pfx), sp->what);
		return -EINVAL;
	}
	for (unsigned i = 0; i < s->n_addrs; i++)
		on_port += strncmp(s->addrs[i].port, a->port, DP_NAME_LEN) == 0;
	if (on_port == CFG_MAX_ADDRS) {
		snprintf(err, errlen, "interface %.*s: more than %d addresses", DP_NAME_LEN, a->port, CFG_MAX_ADDRS);
		return -ENOSPC;
	}
	if (s->n_addrs == RTE_DIM(s->addrs)) {
		snprintf(err, errlen, "too many addresses");
		return -ENOSPC;
	}
	s->addrs[s->n_addrs++] = *a;
	return 0;
}

/* Append one element to a growable array. */
static int grow(void **arr, unsigned *n, unsigned *cap, size_t esize, const void *elem)
{
	if (*n == *cap) {
		unsigned ncap = *cap ? *cap * 2 : 64;
		void *p = realloc(*arr, esize * ncap);
		if (!p)
			return -ENOMEM;
		*arr = p;
		*cap = ncap;
	}
	memcpy((char *)*arr + esize * (*n)++, elem, esize);
	return 0;
}

/* r checked, in the shape of its key in *p; s: the transaction's staged state, or NULL. */
static int route_path(const struct dp_state *s, const struct dp_route *r, uint8_t owner, struct state_path *out,
		      char *err, size_t errlen)
{
	char pfx[PREFIX4_STR_LEN];
	const struct ip4_special_block *sp;
	struct state_path p = {.r = *r, .owner = owner};

	if (r->prefix_len > 32 || (r->prefix & ~prefix4_mask(r->prefix_len)) || r->distance == 0 ||
	    r->distance == 255 || r->kind < DP_ROUTE_GATEWAY || r->kind > DP_ROUTE_INTERFACE) {
		snprintf(err, errlen, "malformed route");
		return -EINVAL;
	}
	/* Names and the gateway of a kind without one do not count in the key. */
	memset(p.r.port + strnlen(p.r.port, DP_NAME_LEN), 0, DP_NAME_LEN - strnlen(p.r.port, DP_NAME_LEN));
	if (r->kind != DP_ROUTE_GATEWAY)
		p.r.gateway = 0;
	p.r.reserved = 0;
	prefix4_fmt(r->prefix, r->prefix_len, pfx);
	if ((sp = prefix4_special(r->prefix, r->prefix_len))) {
		snprintf(err, errlen, "route %s: %s space is not routed", pfx, sp->what);
		return -EINVAL;
	}
	if (r->kind == DP_ROUTE_GATEWAY && (!r->gateway || ip4_special(r->gateway))) {
		snprintf(err, errlen, "route %s: unusable gateway address", pfx);
		return -EINVAL;
	}
	if ((r->port[0] || r->kind == DP_ROUTE_INTERFACE) && known_iface(s ? s : &conf, r->port, err, errlen) < 0)
		return -ENODEV;
	*out = p;
	return 0;
}

int state_add_route(struct dp_state *s, const struct dp_route *r, uint8_t owner, char *err, size_t errlen)
{
	char pfx[PREFIX4_STR_LEN];
	struct state_path p;
	int rc = route_path(s, r, owner, &p, err, errlen);

	if (rc < 0)
		return rc;
	if (s->n_routes >= max_paths) {
		snprintf(err, errlen, "route %s: more than %u route paths (system dataplane fib-size)",
			 prefix4_fmt(r->prefix, r->prefix_len, pfx), max_paths);
		return -ENOSPC;
	}
	return grow((void **)&s->routes, &s->n_routes, &s->cap_routes, sizeof(p), &p);
}

int state_add_neigh(struct dp_state *s, const struct dp_neigh *n, char *err, size_t errlen)
{
	static const uint8_t zero[6];
	char ip[IP4_STR_LEN];

	if (ip4_special(n->ip) || (n->mac[0] & 1) || memcmp(n->mac, zero, 6) == 0) {
		snprintf(err, errlen, "static ARP entry %s: unusable address or MAC", ip4_fmt(n->ip, ip));
		return -EINVAL;
	}
	if (s->n_neighs >= CFG_MAX_NEIGHS) {
		snprintf(err, errlen, "more than %d static neighbours", CFG_MAX_NEIGHS);
		return -ENOSPC;
	}
	return grow((void **)&s->neighs, &s->n_neighs, &s->cap_neighs, sizeof(*n), n);
}

int state_add_iface(struct dp_state *s, const struct dp_iface_conf *c, char *err, size_t errlen)
{
	if (s->ifaces.n >= CFG_MAX_IFACES) {
		snprintf(err, errlen, "more than %d interfaces", CFG_MAX_IFACES);
		return -ENOSPC;
	}
	return grow((void **)&s->ifaces.v, &s->ifaces.n, &s->ifaces.cap, sizeof(*c), c);
}

int state_add_item(struct dp_state *s, uint8_t table, const void *item, char *err, size_t errlen)
{
	struct state_items *t;

	if (!module_table(table)) {
		snprintf(err, errlen, "no module takes the items of table %u", table);
		return -EPROTONOSUPPORT;
	}
	t = &s->modules[table];
	return grow((void **)&t->v, &t->n, &t->cap, module_tables[table].item_size, item);
}

/* Interface whose connected subnet holds ip (up ones only if up_only), or -1. */
static int connected_iface(const struct dp_state *s, uint32_t ip, bool up_only)
{
	for (unsigned i = 0; i < s->n_addrs; i++) {
		if (!prefix4_contains(s->addrs[i].ip, s->addrs[i].prefix_len, ip))
			continue;
		int id = iface_named(s->addrs[i].port);
		if (id >= 0 && (!up_only || iface_is_up((uint16_t)id)))
			return id;
	}
	return -1;
}

/* An up interface that can reach a next hop: a tunnel, or an Ethernet
 * interface with an address to send ARP from. */
static bool iface_usable(const struct dp_state *s, int id)
{
	if (id < 0 || !iface_is_up((uint16_t)id))
		return false;
	if (!dp_ifaces[id].ops->ethernet)
		return true;
	for (unsigned i = 0; i < s->n_addrs; i++)
		if (iface_named(s->addrs[i].port) == id)
			return true;
	return false;
}

/* Addresses that clash are refused one by one: the later of two. */
static int check_addrs(struct dp_state *s, struct dp_apply *a)
{
	char x_s[PREFIX4_STR_LEN], y_s[PREFIX4_STR_LEN];
	int rc;

	for (unsigned k = 1; k < s->n_addrs; k++) {
		const struct dp_addr *y = &s->addrs[k];
		for (unsigned i = 0; i < k; i++) {
			const struct dp_addr *x = &s->addrs[i];
			uint32_t mask = prefix4_mask(RTE_MIN(x->prefix_len, y->prefix_len));
			bool same = x->ip == y->ip;
			if (!same && ((x->ip ^ y->ip) & mask || strncmp(x->port, y->port, DP_NAME_LEN) == 0))
				continue;
			prefix4_fmt(x->ip, x->prefix_len, x_s);
			prefix4_fmt(y->ip, y->prefix_len, y_s);
			rc = same ? dp_apply_refuse(a, -EEXIST, "address %s is given twice", y_s)
				  : dp_apply_refuse(a, -EINVAL, "%s on %.16s overlaps %s on %.16s", y_s, y->port, x_s,
						    x->port);
			if (rc < 0)
				return rc;
			memmove(&s->addrs[k], &s->addrs[k + 1], sizeof(*y) * (s->n_addrs - k - 1));
			s->n_addrs--;
			k--;
			break;
		}
	}
	return 0;
}

/* Ports' settings, the logical interfaces, then every interface's addresses. */
static int apply_ifaces(const struct dp_state *s, struct dp_apply *a)
{
	int rc;

	/* All checked before any is changed: a commit refused for one port leaves every port alone. */
	for (unsigned i = 0; i < s->n_ports && !a->best_effort; i++)
		if ((rc = port_check_conf((uint16_t)port_by_name(s->ports[i].name), &s->ports[i], a)) < 0)
			return rc;
	for (unsigned i = 0; i < RTE_MAX_ETHPORTS; i++) {
		if (!dp.ports[i].in_use || dp.ports[i].is_punt)
			continue;
		struct dp_port_conf c = {.admin_up = 1};
		for (unsigned k = 0; k < s->n_ports; k++)
			if (strncmp(s->ports[k].name, dp_ifaces[i].name, DP_NAME_LEN) == 0)
				c = s->ports[k];
		if ((rc = port_apply_conf((uint16_t)i, &c, a)) < 0)
			return rc;
	}
	if ((rc = iface_replace((const void *)s->ifaces.v, s->ifaces.n, a)) < 0)
		return rc;
	for (unsigned i = 0; i < DP_IFACE_MAX; i++) {
		struct dp_iface *ifc = &dp_ifaces[i];
		if (!ifc->type || (i < RTE_MAX_ETHPORTS && dp.ports[i].is_punt))
			continue;
		struct brink_addr addrs[CFG_MAX_ADDRS];
		uint64_t mac_before = ifc->announced_mac_word;
		unsigned n = 0;
		for (unsigned k = 0; k < s->n_addrs && n < CFG_MAX_ADDRS; k++)
			if (strncmp(s->addrs[k].port, ifc->name, DP_NAME_LEN) == 0)
				addrs[n++] = (struct brink_addr){s->addrs[k].ip, s->addrs[k].prefix_len};
		iface_set_addrs((uint16_t)i, addrs, n);
		ifc->announced_mac_word = ifc->mac_word;
		if (ifc->mac_word != mac_before && ifc->ops->ethernet)
			iface_announce((uint16_t)i);
	}
	iface_refresh_oper();
	return 0;
}

/* ---- the route table: every owner's paths, per prefix ---- */

/* A prefix with a route path or an address: its paths and the FIB entry
 * they select (in fib.c's table). */
struct route_entry {
	uint32_t prefix;
	uint8_t len;
	uint8_t dirty; /* on the dirty list: to be selected again */
	uint16_t n_paths;
	uint16_t cap_paths; /* 1: the one path is inline */
	union {
		struct state_path one;
		struct state_path *many;
	} p;
};

#define ENTRY_MAX_PATHS UINT16_MAX

static struct prefix_table *routes; /* of struct route_entry */
static uint32_t *dirty;             /* slots of the entries whose paths changed */
static unsigned n_dirty;
static unsigned n_paths;

int state_init(unsigned max_prefixes, unsigned max)
{
	max_paths = max;
	routes = prefix_table_create("routes", max_prefixes, sizeof(struct route_entry));
	dirty = calloc(max_prefixes ? max_prefixes : 1, sizeof(*dirty));
	return routes && dirty ? 0 : -ENOMEM;
}

static struct state_path *entry_paths(struct route_entry *e)
{
	return e->cap_paths > 1 ? e->p.many : &e->p.one;
}

static void mark_dirty(struct route_entry *e)
{
	if (!e->dirty) {
		e->dirty = 1;
		dirty[n_dirty++] = prefix_table_slot(routes, e);
	}
}

static struct route_entry *entry_get(uint32_t prefix, uint8_t len, bool create)
{
	struct route_entry *e = prefix_table_find(routes, prefix, len);

	if (e || !create)
		return e;
	if ((e = prefix_table_add(routes, prefix, len))) {
		e->prefix = prefix;
		e->len = len;
		e->cap_paths = 1;
	}
	return e;
}

/* Two paths with the same key are the same path (state_path: the key). */
static bool same_path(const struct state_path *x, const struct state_path *y)
{
	return x->owner == y->owner && x->r.kind == y->r.kind && x->r.gateway == y->r.gateway &&
	       memcmp(x->r.port, y->r.port, DP_NAME_LEN) == 0;
}

static struct state_path *entry_find(struct route_entry *e, const struct state_path *key)
{
	struct state_path *p = entry_paths(e);

	for (unsigned i = 0; i < e->n_paths; i++)
		if (same_path(&p[i], key))
			return &p[i];
	return NULL;
}

static int entry_add(struct route_entry *e, const struct state_path *p)
{
	if (e->n_paths == e->cap_paths) {
		if (e->cap_paths == ENTRY_MAX_PATHS)
			return -ENOSPC;
		unsigned ncap = RTE_MIN(e->cap_paths * 2u, (unsigned)ENTRY_MAX_PATHS);
		struct state_path *np =
			e->cap_paths > 1 ? realloc(e->p.many, sizeof(*np) * ncap) : malloc(sizeof(*np) * ncap);
		if (!np)
			return -ENOMEM;
		if (e->cap_paths == 1 && e->n_paths)
			np[0] = e->p.one;
		e->p.many = np;
		e->cap_paths = (uint16_t)ncap;
	}
	entry_paths(e)[e->n_paths++] = *p;
	n_paths++;
	mark_dirty(e);
	return 0;
}

static void entry_remove(struct route_entry *e, struct state_path *p)
{
	struct state_path *v = entry_paths(e);

	*p = v[--e->n_paths];
	n_paths--;
	mark_dirty(e);
}

/* A prefix of an address: its local /32 or its connected subnet. */
static bool addr_prefix(uint32_t prefix, uint8_t len)
{
	for (unsigned i = 0; i < conf.n_addrs; i++) {
		const struct dp_addr *x = &conf.addrs[i];
		if ((len == 32 && x->ip == prefix) || (len == x->prefix_len && (x->ip & prefix4_mask(len)) == prefix))
			return true;
	}
	return false;
}

/* An entry with nothing left leaves the table. */
static void entry_gc(struct route_entry *e)
{
	if (e->n_paths || addr_prefix(e->prefix, e->len))
		return;
	if (e->cap_paths > 1)
		free(e->p.many);
	prefix_table_del(routes, e->prefix, e->len);
}

/* ---- route selection ---- */

/* A way to reach a prefix, from an address or a route path. */
struct cand {
	uint8_t distance; /* 0: connected and local */
	uint8_t kind;     /* enum fib_kind */
	uint8_t origin;
	uint16_t iface;
	uint32_t gateway;
	struct state_path *path; /* or NULL */
};

static int cand_cmp(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->distance != y->distance)
		return (int)x->distance - (int)y->distance;
	if (x->kind != y->kind)
		return (int)x->kind - (int)y->kind;
	if (x->gateway != y->gateway)
		return x->gateway < y->gateway ? -1 : 1;
	return (int)x->iface - (int)y->iface;
}

/* The candidate of a route path when it is usable now, else false. */
static bool path_cand(struct state_path *sp, struct cand *c)
{
	const struct dp_route *r = &sp->r;
	int id = r->port[0] ? iface_named(r->port) : -1;

	*c = (struct cand){.distance = r->distance, .origin = DP_ORIGIN_STATIC, .gateway = r->gateway, .path = sp};
	switch (r->kind) {
	case DP_ROUTE_GATEWAY:
		c->kind = FIB_GATEWAY;
		if (!r->port[0])
			id = connected_iface(&conf, r->gateway, true);
		else if (!iface_usable(&conf, id))
			id = -1;
		break;
	case DP_ROUTE_INTERFACE:
		/* A route to one host has that host for its next hop, as a gateway: an
		 * on-link next hop would send every packet to the main lcore, where
		 * this /32 hides the neighbour's own host route. */
		c->kind = r->prefix_len == 32 ? FIB_GATEWAY : FIB_INTERFACE;
		c->gateway = r->prefix_len == 32 ? r->prefix : 0;
		if (!iface_usable(&conf, id))
			id = -1;
		break;
	case DP_ROUTE_BLACKHOLE:
		c->kind = FIB_BLACKHOLE;
		return true;
	default:
		c->kind = FIB_REJECT;
		return true;
	}
	c->iface = (uint16_t)(id < 0 ? 0 : id);
	return id >= 0;
}

static struct cand *cands;
static unsigned cap_cands;

/* The candidates of e (addresses first), marking each path usable or not: how many, or -ENOMEM. */
static int gather(struct route_entry *e)
{
	unsigned need = e->n_paths + 2 * conf.n_addrs, n = 0;
	struct state_path *p = entry_paths(e);

	if (need > cap_cands) {
		struct cand *nc = realloc(cands, sizeof(*nc) * need);
		if (!nc)
			return -ENOMEM;
		cands = nc;
		cap_cands = need;
	}
	for (unsigned i = 0; i < conf.n_addrs; i++) {
		const struct dp_addr *x = &conf.addrs[i];
		if (!(e->len == 32 && x->ip == e->prefix) &&
		    !(x->prefix_len < 32 && e->len == x->prefix_len && (x->ip & prefix4_mask(e->len)) == e->prefix))
			continue;
		int id = iface_named(x->port);
		if (id < 0 || !iface_is_up((uint16_t)id))
			continue;
		if (e->len == 32 && x->ip == e->prefix)
			cands[n++] = (struct cand){.kind = FIB_LOCAL, .origin = DP_ORIGIN_LOCAL, .iface = (uint16_t)id};
		else
			cands[n++] = (struct cand){.kind = FIB_CONNECTED,
						   .origin = DP_ORIGIN_CONNECTED,
						   .iface = (uint16_t)id};
	}
	for (unsigned i = 0; i < e->n_paths; i++) {
		p[i].flags = 0;
		if (path_cand(&p[i], &cands[n])) {
			p[i].flags = DP_ROUTE_F_USABLE;
			n++;
		}
	}
	return (int)n;
}

/* The FIB entry e's paths select (hops[]: the ECMP group's), marking the
 * selected paths; false when nothing reaches the prefix. */
static bool select_entry(struct route_entry *e, unsigned n_c, struct fib_route *r, struct fib_hop *hops)
{
	unsigned fwd = 0;

	if (!n_c)
		return false;
	qsort(cands, n_c, sizeof(*cands), cand_cmp);
	const struct cand *best = &cands[0];
	*r = (struct fib_route){.prefix = e->prefix,
				.len = e->len,
				.kind = best->kind,
				.origin = best->origin,
				.iface = best->iface,
				.gateway = best->gateway};
	/* The forwarding paths of the best distance share the traffic; the
	 * model gives a blackhole or reject a distance of its own. */
	for (unsigned k = 0; k < n_c && cands[k].distance == best->distance; k++) {
		const struct cand *c = &cands[k];
		bool forwards = c->kind == FIB_GATEWAY || c->kind == FIB_INTERFACE;
		if (!forwards && k != 0)
			continue;
		if (c->path)
			c->path->flags |= DP_ROUTE_F_SELECTED;
		if (!forwards)
			break; /* local, connected, blackhole or reject: the prefix's only target */
		struct fib_hop h = {.gateway = c->gateway, .iface = c->iface};
		if (fwd && memcmp(&hops[fwd - 1], &h, sizeof(h)) == 0)
			continue; /* the same path given twice */
		if (fwd == DP_ECMP_MAX)
			break;
		hops[fwd++] = h;
	}
	if (fwd > 1) {
		r->kind = FIB_GROUP;
		r->hops = hops;
		r->n_hops = (uint8_t)fwd;
		r->iface = 0;
		r->gateway = 0;
	}
	return true;
}

/* Puts in the FIB what e's paths select now; e may leave the table. */
static int reselect(struct route_entry *e, struct dp_apply *a)
{
	struct fib_hop hops[DP_ECMP_MAX];
	struct fib_route w;
	int n_c = gather(e), rc = 0;

	dp_apply_step(a);
	e->dirty = 0;
	if (n_c < 0)
		return dp_apply_refuse(a, n_c, "out of memory");
	if (select_entry(e, (unsigned)n_c, &w, hops))
		rc = fib_set(&w, a);
	else
		fib_unset(e->prefix, e->len);
	if (rc == 0)
		entry_gc(e);
	return rc;
}

/* The entries whose paths changed, or all of them (and every address's
 * prefixes) after a change of ports or addresses. */
static int reselect_changed(bool all, struct dp_apply *a)
{
	int rc = 0;

	if (all) {
		for (unsigned i = 0; i < conf.n_addrs; i++) {
			const struct dp_addr *x = &conf.addrs[i];
			struct route_entry *l = entry_get(x->ip, 32, true);
			struct route_entry *c = entry_get(x->ip & prefix4_mask(x->prefix_len), x->prefix_len, true);
			if (!l || !c)
				return dp_apply_refuse(a, -ENOSPC,
						       "the route table is full (system dataplane fib-size)");
			mark_dirty(l);
			mark_dirty(c);
		}
		for (uint32_t i = 0; i < prefix_table_span(routes); i++) {
			struct route_entry *e = prefix_table_at(routes, i);
			if (e && !e->dirty)
				mark_dirty(e);
		}
	}
	for (unsigned i = 0; i < n_dirty && rc == 0; i++) {
		struct route_entry *e = prefix_table_at(routes, dirty[i]);
		if (e && e->dirty)
			rc = reselect(e, a);
	}
	unsigned k = 0;
	if (rc < 0) /* what is left stays listed, for the caller's repair */
		for (unsigned i = 0; i < n_dirty; i++) {
			struct route_entry *e = prefix_table_at(routes, dirty[i]);
			if (e && e->dirty)
				dirty[k++] = dirty[i];
		}
	n_dirty = k;
	return rc;
}

/* ---- changes of paths, and their undoing ---- */

enum path_op {
	PATH_PUT = 1, /* add, or set the distance of the path with that key */
	PATH_DELETE,
};

/* What a change did to one path, to be undone when the change fails. */
struct undo_step {
	struct state_path was; /* the path as it was; for a path added: the key */
	uint8_t added;         /* 1: the path was not there */
};

struct undo_log {
	struct undo_step *v;
	unsigned n, cap;
};

static int undo_note(struct undo_log *u, const struct state_path *was, bool added)
{
	struct undo_step st = {.was = *was, .added = added};
	return grow((void **)&u->v, &u->n, &u->cap, sizeof(st), &st);
}

static void path_fmt(const struct state_path *p, char *buf)
{
	prefix4_fmt(p->r.prefix, p->r.prefix_len, buf);
}

/* One op on the paths: 0, or why not (in err). *changed: the table changed. */
static int path_change(uint8_t op, const struct state_path *p, uint8_t flags, struct undo_log *u, bool *changed,
		       char *err, size_t errlen)
{
	char pfx[PREFIX4_STR_LEN];
	struct route_entry *e = entry_get(p->r.prefix, p->r.prefix_len, op == PATH_PUT);
	struct state_path *cur = e ? entry_find(e, p) : NULL;
	int rc;

	*changed = false;
	path_fmt(p, pfx);
	if (op == PATH_DELETE) {
		if (!cur) {
			if (flags & DP_OBJ_F_MISSING_OK)
				return 0;
			snprintf(err, errlen, "route %s: no such path", pfx);
			return -ENOENT;
		}
		if ((rc = undo_note(u, cur, false)) < 0)
			goto nomem;
		entry_remove(e, cur);
		*changed = true;
		return 0;
	}
	if (!e) {
		snprintf(err, errlen, "route %s: more than %u prefixes (system dataplane fib-size)", pfx,
			 prefix_table_max(routes));
		return -ENOSPC;
	}
	if (cur) {
		if (!(flags & DP_OBJ_F_EXIST_OK)) {
			snprintf(err, errlen, "route %s: that path exists", pfx);
			return -EEXIST;
		}
		cur->mark = p->mark;
		if (cur->r.distance == p->r.distance)
			return 0;
		if ((rc = undo_note(u, cur, false)) < 0)
			goto nomem;
		cur->r.distance = p->r.distance;
		mark_dirty(e);
		*changed = true;
		return 0;
	}
	if (n_paths >= max_paths) {
		snprintf(err, errlen, "route %s: more than %u route paths (system dataplane fib-size)", pfx, max_paths);
		rc = -ENOSPC;
	} else if ((rc = undo_note(u, p, true)) < 0 || (rc = entry_add(e, p)) < 0) {
		goto nomem;
	}
	if (rc < 0)
		entry_gc(e);
	else
		*changed = true;
	return rc;
nomem:
	snprintf(err, errlen, "route %s: out of memory", pfx);
	entry_gc(e);
	return rc;
}

/* Puts the paths back as they were before the steps of u, newest first. */
static void undo(struct undo_log *u)
{
	for (unsigned i = u->n; i-- > 0;) {
		const struct undo_step *st = &u->v[i];
		struct route_entry *e = entry_get(st->was.r.prefix, st->was.r.prefix_len, true);
		struct state_path *cur = e ? entry_find(e, &st->was) : NULL;
		if (st->added && cur) {
			entry_remove(e, cur);
		} else if (cur) {
			*cur = st->was;
			mark_dirty(e);
		} else if (!st->added && e) {
			entry_add(e, &st->was);
		}
	}
	u->n = 0;
}
/* Neighbours worth keeping: on an up interface, on a connected subnet of it
 * or reached by an interface route through it. */
static bool neigh_onlink(uint16_t iface, uint32_t ip)
{
	if (!iface_is_up(iface))
		return false;
	if (iface_source_for(iface, ip))
		return true;
	const struct fib_route *r = NULL;
	for (uint8_t len = 32; len > 0 && !r; len--) {
		r = fib_find(ip & prefix4_mask(len), len);
		if (r && r->origin != DP_ORIGIN_STATIC)
			r = NULL;
	}
	return r && r->kind == FIB_INTERFACE && r->iface == iface;
}

static int apply_neighs(const struct dp_state *s, const struct dp_state *prev, struct dp_apply *a)
{
	char g[IP4_STR_LEN];
	int rc;

	for (unsigned i = 0; i < prev->n_neighs; i++) {
		bool kept = false;
		for (unsigned k = 0; k < s->n_neighs && !kept; k++)
			kept = s->neighs[k].ip == prev->neighs[i].ip;
		if (!kept)
			neigh_clear_permanent(prev->neighs[i].ip);
	}
	for (unsigned i = 0; i < s->n_neighs; i++) {
		const struct dp_neigh *n = &s->neighs[i];
		int id = connected_iface(s, n->ip, false);
		if (id < 0 || !dp_ifaces[id].ops->ethernet) {
			rc = dp_apply_refuse(
				a, -ENETUNREACH,
				"static ARP entry %s is not on a connected subnet of an Ethernet interface",
				ip4_fmt(n->ip, g));
		} else if ((rc = neigh_set_permanent(n->ip, (uint16_t)id, n->mac)) < 0) {
			rc = dp_apply_refuse(a, rc, "static ARP entry %s: %s", ip4_fmt(n->ip, g), strerror(-rc));
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* The paths of owner the replace transaction serial did not name go. */
static int sweep(uint8_t owner, uint32_t serial, struct undo_log *u, struct dp_apply *a)
{
	for (uint32_t i = 0; i < prefix_table_span(routes); i++) {
		struct route_entry *e = prefix_table_at(routes, i);
		if (!e)
			continue;
		struct state_path *p = entry_paths(e);
		for (unsigned k = 0; k < e->n_paths;) {
			if (p[k].owner != owner || p[k].mark == serial) {
				k++;
				continue;
			}
			if (undo_note(u, &p[k], false) < 0)
				return dp_apply_refuse(a, -ENOMEM, "out of memory");
			entry_remove(e, &p[k]);
		}
	}
	return 0;
}

/* ---- changes: what a transaction, an OBJ request or a test commits ---- */

/* Of one owner: its route paths replaced (replace) or changed by ops[], and
 * the configuration's tables of want that are named in tables. */
struct change {
	uint8_t owner;
	bool replace;
	bool tables[DP_TABLE_MAX]; /* PORT, ADDR, NEIGH, IFACE, FDB: want's replaces what runs */
	struct dp_state want;      /* its routes: the paths, in order */
	uint8_t *ops;              /* per path (enum path_op); NULL: all PATH_PUT */
	unsigned cap_ops;
};

static uint32_t replace_serial;

static int change_paths(struct change *c, struct undo_log *u, struct dp_apply *a)
{
	uint32_t serial = ++replace_serial;
	char err[200];
	bool changed;
	int rc;

	for (unsigned i = 0; i < c->want.n_routes; i++) {
		struct state_path *p = &c->want.routes[i];
		uint8_t op = c->ops ? c->ops[i] : PATH_PUT;
		dp_apply_step(a);
		p->mark = serial;
		/* A delta's add of a path that is there sets its distance, as a replace does. */
		rc = path_change(op, p, DP_OBJ_F_EXIST_OK, u, &changed, err, sizeof(err));
		if (rc < 0 && (rc = dp_apply_refuse(a, rc, "item %u: %s", i + 1, err)) < 0)
			return rc;
	}
	return c->replace ? sweep(c->owner, serial, u, a) : 0;
}

static void conf_tables_take(struct dp_state *dst, const struct dp_state *src, const bool tables[DP_TABLE_MAX])
{
	if (tables[DP_TABLE_PORT]) {
		dst->n_ports = src->n_ports;
		memcpy(dst->ports, src->ports, sizeof(src->ports));
	}
	if (tables[DP_TABLE_ADDR]) {
		dst->n_addrs = src->n_addrs;
		memcpy(dst->addrs, src->addrs, sizeof(src->addrs));
	}
	/* The item arrays are shared with src until the change ends (change_commit). */
	if (tables[DP_TABLE_IFACE])
		dst->ifaces = src->ifaces;
	for (unsigned t = 0; t < DP_TABLE_MAX; t++)
		if (tables[t] && module_table(t))
			dst->modules[t] = src->modules[t];
}

/* Applies the module tables named in tables, or all of them after the interfaces changed
 * (their items may name interfaces that were re-created). */
static int apply_module_tables(const struct dp_state *s, const bool tables[DP_TABLE_MAX], bool ifaces,
			       struct dp_apply *a)
{
	int rc = 0;

	for (unsigned t = 0; t < DP_TABLE_MAX && rc == 0; t++)
		if (module_table(t) && (tables[t] || ifaces))
			rc = module_tables[t].apply(s->modules[t].v, s->modules[t].n, a);
	return rc;
}

static bool module_tables_named(const bool tables[DP_TABLE_MAX])
{
	for (unsigned t = 0; t < DP_TABLE_MAX; t++)
		if (tables[t] && module_table(t))
			return true;
	return false;
}

/* A replace of the configuration's state names all its tables. */
static void name_conf_tables(bool tables[DP_TABLE_MAX])
{
	tables[DP_TABLE_PORT] = tables[DP_TABLE_ADDR] = tables[DP_TABLE_NEIGH] = tables[DP_TABLE_IFACE] = true;
	for (unsigned t = 0; t < DP_TABLE_MAX; t++)
		if (module_table(t))
			tables[t] = true;
}

/* conf took want's item arrays: want keeps the ones conf ran before, to be freed with it. */
static void swap_back(struct dp_state *want, const struct dp_state *prev, const bool tables[DP_TABLE_MAX])
{
	if (tables[DP_TABLE_NEIGH]) {
		want->neighs = prev->neighs;
		want->n_neighs = prev->n_neighs;
		want->cap_neighs = prev->cap_neighs;
	}
	if (tables[DP_TABLE_IFACE])
		want->ifaces = prev->ifaces;
	for (unsigned t = 0; t < DP_TABLE_MAX; t++)
		if (tables[t] && module_table(t))
			want->modules[t] = prev->modules[t];
}

/* Applies c, all or nothing (strict), or all it can (best effort). */
static int change_commit(struct change *c, struct dp_apply *a)
{
	bool ifaces = c->tables[DP_TABLE_PORT] || c->tables[DP_TABLE_ADDR] || c->tables[DP_TABLE_IFACE];
	bool neighs = c->tables[DP_TABLE_NEIGH] || ifaces;
	struct dp_state prev = conf;
	struct undo_log u = {0};
	int rc = 0;

	if (ifaces) {
		conf_tables_take(&conf, &c->want, c->tables);
		rc = check_addrs(&conf, a);
		if (rc == 0)
			rc = apply_ifaces(&conf, a);
	} else if (module_tables_named(c->tables)) {
		conf_tables_take(&conf, &c->want, c->tables);
	}
	if (rc == 0)
		rc = apply_module_tables(&conf, c->tables, ifaces, a);
	if (rc == 0 && c->tables[DP_TABLE_NEIGH]) {
		conf.neighs = c->want.neighs;
		conf.n_neighs = c->want.n_neighs;
		conf.cap_neighs = c->want.cap_neighs;
	}
	/* Static neighbours go in before routes, so routes through them go live resolved. */
	if (rc == 0 && neighs)
		rc = apply_neighs(&conf, &prev, a);
	if (rc == 0)
		rc = change_paths(c, &u, a);
	if (rc == 0)
		rc = reselect_changed(ifaces, a);
	if (rc < 0) {
		struct dp_apply restore = {.best_effort = true};
		struct dp_state failed = conf;
		undo(&u);
		conf = prev;
		if (ifaces)
			apply_ifaces(&conf, &restore);
		apply_module_tables(&conf, c->tables, ifaces, &restore);
		if (neighs)
			apply_neighs(&conf, &failed, &restore);
		reselect_changed(ifaces, &restore);
		if (restore.n_refused)
			RTE_LOG(ERR, USER1, "restoring the previous state: %s", sbuf_str(&restore.refused));
		dp_apply_fini(&restore);
	} else {
		swap_back(&c->want, &prev, c->tables);
		neigh_sweep(neigh_onlink);
	}
	free(u.v);
	return rc;
}

static void change_clear(struct change *c)
{
	state_clear(&c->want);
	free(c->ops);
	memset(c, 0, sizeof(*c));
}

int state_commit(struct dp_state *want, struct dp_apply *a)
{
	struct change c = {.owner = DP_OWNER_CONFIG, .replace = true, .want = *want};
	int rc;

	name_conf_tables(c.tables);
	rc = change_commit(&c, a);
	*want = c.want;
	return rc;
}

void state_refresh(void)
{
	struct dp_apply a = {.best_effort = true};

	iface_refresh_oper();
	reselect_changed(true, &a);
	neigh_sweep(neigh_onlink);
	if (a.n_refused)
		RTE_LOG(WARNING, USER1, "after a port state change: %s", sbuf_str(&a.refused));
	dp_apply_fini(&a);
}

uint64_t state_generation(uint8_t owner)
{
	return owner < DP_OWNER_MAX ? generation[owner] : 0;
}

static const size_t table_item_size[DP_TABLE_MAX] = {
	[DP_TABLE_PORT] = sizeof(struct dp_port_conf),   [DP_TABLE_ADDR] = sizeof(struct dp_addr),
	[DP_TABLE_ROUTE] = sizeof(struct dp_route),      [DP_TABLE_NEIGH] = sizeof(struct dp_neigh),
	[DP_TABLE_IFACE] = sizeof(struct dp_iface_conf),
};

static size_t item_size(uint8_t table)
{
	return module_table(table) ? module_tables[table].item_size : table_item_size[table];
}

/* The items of a batch, checked for size: 0, or -EBADMSG with the reason in err. */
static int batch_items(uint8_t table, uint32_t count, size_t len, char *err, size_t errlen)
{
	if (table == 0 || table >= DP_TABLE_MAX) {
		snprintf(err, errlen, "unknown table %u", table);
		return -EINVAL;
	}
	if (len != (size_t)count * item_size(table)) {
		snprintf(err, errlen, "%u items of table %u take %zu bytes, not %zu", count, table,
			 (size_t)count * item_size(table), len);
		return -EBADMSG;
	}
	return 0;
}

/* ---- transactions ---- */

static struct {
	bool open;
	bool delta;
	uint64_t generation, base_generation;
	unsigned n_items;
	int rc; /* the first failure of a strict transaction */
	struct change change;
	struct dp_apply a;
} txn;

bool state_txn_open(void)
{
	return txn.open;
}

void state_txn_abort(void)
{
	change_clear(&txn.change);
	dp_apply_fini(&txn.a);
	memset(&txn, 0, sizeof(txn));
}

/* The first failure of a transaction, naming the item it happened at (counted from 1). */
static void txn_fail(int rc, const char *text)
{
	if (txn.rc < 0)
		return;
	txn.rc = rc;
	if (txn.n_items)
		snprintf(txn.a.err, sizeof(txn.a.err), "item %u: %s", txn.n_items, text);
	else
		snprintf(txn.a.err, sizeof(txn.a.err), "%s", text);
}

void state_txn_begin(const void *body, size_t len)
{
	struct dp_txn_begin b;

	state_txn_abort();
	txn.open = true;
	if (len != sizeof(b)) {
		txn_fail(-EBADMSG, "TXN_BEGIN without a struct dp_txn_begin");
		return;
	}
	memcpy(&b, body, sizeof(b));
	txn.change.owner = b.owner;
	txn.delta = b.flags & DP_TXN_F_DELTA;
	txn.change.replace = !txn.delta;
	txn.generation = b.generation;
	txn.base_generation = b.base_generation;
	txn.a.best_effort = b.flags & DP_TXN_F_BEST_EFFORT;
	if (b.owner == 0 || b.owner >= DP_OWNER_MAX) {
		txn_fail(-EINVAL, "TXN_BEGIN of an unknown owner");
		return;
	}
	if (txn.delta && txn.a.best_effort) {
		txn_fail(-EINVAL, "a delta is all or nothing: not best effort");
		return;
	}
	/* A replace of the configuration's state replaces its tables too, named or not. */
	if (b.owner == DP_OWNER_CONFIG && !txn.delta)
		name_conf_tables(txn.change.tables);
}

/* Checks a batch's op against its table and the transaction. */
static int batch_op(const struct dp_items *h, char *err, size_t errlen)
{
	if (h->table != DP_TABLE_ROUTE && txn.change.owner != DP_OWNER_CONFIG) {
		snprintf(err, errlen, "table %u belongs to the configuration", h->table);
		return -EPERM;
	}
	if (h->op > DP_ITEMS_DELETE) {
		snprintf(err, errlen, "unknown batch op %u", h->op);
		return -EINVAL;
	}
	if (!txn.delta && h->op != DP_ITEMS_REPLACE) {
		snprintf(err, errlen, "a transaction without DP_TXN_F_DELTA replaces tables: no add or delete");
		return -EINVAL;
	}
	if (txn.delta && (h->table == DP_TABLE_ROUTE) != (h->op != DP_ITEMS_REPLACE)) {
		snprintf(err, errlen, "a delta adds or deletes routes and replaces the other tables whole");
		return -EINVAL;
	}
	if (h->op == DP_ITEMS_REPLACE)
		txn.change.tables[h->table] = true;
	return 0;
}

static int txn_item(const struct dp_items *h, const void *item, char *err, size_t errlen)
{
	struct dp_state *w = &txn.change.want;
	uint8_t op = h->op == DP_ITEMS_DELETE ? PATH_DELETE : PATH_PUT;
	int rc;

	switch (h->table) {
	case DP_TABLE_PORT:
		return state_add_port(w, item, err, errlen);
	case DP_TABLE_ADDR:
		return state_add_addr(w, item, err, errlen);
	case DP_TABLE_NEIGH:
		return state_add_neigh(w, item, err, errlen);
	case DP_TABLE_IFACE:
		return state_add_iface(w, item, err, errlen);
	case DP_TABLE_ROUTE:
		break;
	default:
		return state_add_item(w, h->table, item, err, errlen);
	}
	if ((rc = state_add_route(w, item, txn.change.owner, err, errlen)) < 0)
		return rc;
	if (txn.delta) {
		unsigned n = w->n_routes - 1;
		if ((rc = grow((void **)&txn.change.ops, &n, &txn.change.cap_ops, 1, &op)) < 0)
			snprintf(err, errlen, "out of memory");
	}
	return rc;
}

void state_txn_items(const void *body, size_t len)
{
	struct dp_items h;
	char err[200];
	int rc;

	if (txn.rc < 0)
		return; /* strict and already failed: the rest is not read */
	if (len < sizeof(h)) {
		txn_fail(-EBADMSG, "TXN_ITEMS without its header");
		return;
	}
	memcpy(&h, body, sizeof(h));
	if ((rc = batch_items(h.table, h.count, len - sizeof(h), err, sizeof(err))) < 0 ||
	    (rc = batch_op(&h, err, sizeof(err))) < 0) {
		txn_fail(rc, err);
		return;
	}
	const uint8_t *item = (const uint8_t *)body + sizeof(h);
	for (uint32_t i = 0; i < h.count && txn.rc == 0; i++, item += item_size(h.table)) {
		txn.n_items++;
		if ((rc = txn_item(&h, item, err, sizeof(err))) < 0) {
			if (txn.a.best_effort)
				dp_apply_refuse(&txn.a, rc, "%s", err);
			else
				txn_fail(rc, err);
		}
	}
}

int state_txn_commit(struct dp_apply *a, void (*busy)(void *arg), void *busy_arg)
{
	int rc = txn.rc;
	uint8_t owner = txn.change.owner;

	txn.a.busy = busy;
	txn.a.busy_arg = busy_arg;
	/* Generation 0 names no state (none yet, or one applied in part): no delta starts from it. */
	if (rc == 0 && txn.delta && (txn.base_generation != generation[owner] || txn.base_generation == 0)) {
		snprintf(txn.a.err, sizeof(txn.a.err),
			 "the delta starts from generation %016llx, the dataplane runs %016llx",
			 (unsigned long long)txn.base_generation, (unsigned long long)generation[owner]);
		rc = -ESTALE;
	}
	if (rc == 0)
		rc = change_commit(&txn.change, &txn.a);
	if (rc == 0)
		/* A state applied in part is not the one this generation names. */
		generation[owner] = txn.a.n_refused ? 0 : txn.generation;
	*a = txn.a;
	a->busy = NULL;
	memset(&txn.a, 0, sizeof(txn.a));
	state_txn_abort();
	return rc;
}

/* ---- OBJ: single entries of one owner ---- */

int state_obj(const void *body, size_t len, unsigned *changed, char *err, size_t errlen)
{
	struct dp_apply a = {0};
	struct undo_log u = {0};
	struct dp_obj o;
	char item_err[200];
	int rc, item_rc = 0;

	*changed = 0;
	if (len < sizeof(o)) {
		snprintf(err, errlen, "OBJ without its header");
		return -EBADMSG;
	}
	memcpy(&o, body, sizeof(o));
	if ((rc = batch_items(o.table, o.count, len - sizeof(o), err, errlen)) < 0)
		return rc;
	if (o.owner == DP_OWNER_CONFIG || o.owner == 0 || o.owner >= DP_OWNER_MAX || o.table != DP_TABLE_ROUTE ||
	    (o.op != DP_OBJ_ADD && o.op != DP_OBJ_DELETE)) {
		snprintf(err, errlen, "OBJ changes routes of an owner other than the configuration");
		return -EPERM;
	}
	const struct dp_route *items = (const void *)((const uint8_t *)body + sizeof(o));
	unsigned done = 0;
	for (; done < o.count && item_rc == 0; done++) {
		struct state_path p;
		bool ch; /* an exist-ok or missing-ok item counts as applied, changed or not */
		if ((item_rc = route_path(NULL, &items[done], o.owner, &p, item_err, sizeof(item_err))) < 0)
			break;
		item_rc = path_change(o.op == DP_OBJ_ADD ? PATH_PUT : PATH_DELETE, &p, o.flags, &u, &ch, item_err,
				      sizeof(item_err));
		if (item_rc < 0)
			break;
	}
	if ((rc = reselect_changed(false, &a)) < 0) {
		struct dp_apply restore = {.best_effort = true};
		undo(&u);
		reselect_changed(false, &restore);
		dp_apply_fini(&restore);
		snprintf(err, errlen, "%s", a.err);
	} else {
		*changed = done;
		if (done)
			generation[o.owner]++;
		neigh_sweep(neigh_onlink);
		if (item_rc < 0)
			snprintf(err, errlen, "item %u: %s", done + 1, item_err);
		rc = item_rc;
	}
	dp_apply_fini(&a);
	free(u.v);
	return rc;
}

/* ---- control requests ---- */

static struct dp_route_dump_req dump_filter; /* of the dump being filled */

static bool dump_wants(uint32_t prefix, uint8_t len)
{
	const struct dp_route_dump_req *f = &dump_filter;

	if (f->flags & DP_ROUTE_DUMP_F_LONGER)
		return len >= f->prefix_len && (prefix & prefix4_mask(f->prefix_len)) == f->prefix;
	return prefix == f->prefix && len == f->prefix_len;
}

static void path_info(const struct state_path *p, struct dp_route_info *o)
{
	memset(o, 0, sizeof(*o));
	o->prefix = p->r.prefix;
	o->prefix_len = p->r.prefix_len;
	o->kind = p->r.kind;
	o->origin = DP_ORIGIN_STATIC;
	o->owner = p->owner;
	o->distance = p->r.distance;
	o->gateway = p->r.gateway;
	o->flags = p->flags | (p->r.port[0] ? DP_ROUTE_F_PORT_GIVEN : 0);
	if (p->r.kind == DP_ROUTE_GATEWAY) {
		int id = p->r.port[0] ? iface_named(p->r.port) : connected_iface(&conf, p->r.gateway, false);
		if (id >= 0)
			snprintf(o->port, sizeof(o->port), "%s", dp_ifaces[id].name);
		if (neigh_mac(p->r.gateway, NULL))
			o->flags |= DP_ROUTE_F_RESOLVED;
	} else {
		memcpy(o->port, p->r.port, sizeof(o->port));
		o->flags |= DP_ROUTE_F_RESOLVED;
	}
}

/* By prefix, then the way paths are ranked: origin, distance, selected first. */
static int info_cmp(const void *a, const void *b)
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

static unsigned fill_entry(struct route_entry *e, struct dp_route_info *out, unsigned max)
{
	struct state_path *p = entry_paths(e);
	unsigned k = 0;

	for (unsigned i = 0; i < e->n_paths && k < max; i++)
		if (!dump_filter.owner || p[i].owner == dump_filter.owner)
			path_info(&p[i], &out[k++]);
	return k;
}

/* The routes the filter asks for: connected and local ones and neighbour
 * host routes (unless an owner is asked for), and each path of each route
 * (with its flags), sorted. */
static unsigned fill_routes(void *dump, unsigned max)
{
	const struct dp_route_dump_req *f = &dump_filter;
	struct dp_route_info *out = dump;
	unsigned k = 0;

	if (!f->owner) {
		unsigned n = fib_dump_connected(out, max);
		for (unsigned i = 0; i < n; i++)
			if (dump_wants(out[i].prefix, out[i].prefix_len))
				out[k++] = out[i];
	}
	if (!(f->flags & DP_ROUTE_DUMP_F_LONGER)) {
		struct route_entry *e = prefix_table_find(routes, f->prefix, f->prefix_len);
		if (e)
			k += fill_entry(e, out + k, max - k);
	} else {
		for (uint32_t i = 0; i < prefix_table_span(routes) && k < max; i++) {
			struct route_entry *e = prefix_table_at(routes, i);
			if (e && dump_wants(e->prefix, e->len))
				k += fill_entry(e, out + k, max - k);
		}
	}
	if (k)
		qsort(out, k, sizeof(*out), info_cmp);
	return k;
}

static void handle_route_dump(struct ctl_conn *c, const struct dp_msg_hdr *req, const void *body, size_t len)
{
	if (len == 0) {
		dump_filter = (struct dp_route_dump_req){.flags = DP_ROUTE_DUMP_F_LONGER};
	} else if (len == sizeof(dump_filter)) {
		memcpy(&dump_filter, body, sizeof(dump_filter));
		if (dump_filter.prefix_len > 32 || dump_filter.owner >= DP_OWNER_MAX ||
		    (dump_filter.prefix & ~prefix4_mask(dump_filter.prefix_len))) {
			ctl_reply_error(c, req, -EINVAL, "a route dump of a malformed prefix or an unknown owner");
			return;
		}
	} else {
		ctl_reply_error(c, req, -EBADMSG, "item of the wrong size");
		return;
	}
	ctl_reply_dump(c, req, sizeof(struct dp_route_info), n_paths + STATE_ADDRS_MAX * 2 + NEIGH_MAX, fill_routes);
}

/* A hop as the lookup reply shows it: the neighbour's MAC when known. */
static void lookup_hop(struct dp_route_lookup *o, uint32_t ip, uint16_t iface)
{
	struct dp_lookup_hop *h = &o->hops[o->n_hops++];

	h->ip = ip;
	snprintf(h->port, sizeof(h->port), "%s", dp_ifaces[iface].name);
	h->resolved = neigh_mac(ip, h->mac);
}

/* The hop a next hop of the FIB leads to for destination ip. */
static void lookup_nh(struct dp_route_lookup *o, uint32_t id, uint32_t ip)
{
	struct nexthop nh = nh_read(id);

	if ((nh.kind == NH_NEIGHBOR || nh.kind == NH_TUNNEL) && nh.ip != ip)
		lookup_hop(o, nh.ip, nh.iface);
	else
		lookup_hop(o, ip, nh.iface);
}

static void route_lookup(uint32_t ip, struct dp_route_lookup *o)
{
	uint32_t id = fib_lookup(ip);
	const struct fib_route *r = NULL;
	const struct ip4_special_block *sp;

	memset(o, 0, sizeof(*o));
	o->ip = ip;
	for (int len = 32; len >= 0 && !r; len--)
		r = fib_find(ip & prefix4_mask((uint8_t)len), (uint8_t)len);
	if (r) {
		o->prefix = r->prefix;
		o->prefix_len = r->len;
		o->origin = r->origin;
	}
	if (id == FIB_NO_ROUTE)
		return;
	struct nexthop nh = nh_read(id);
	switch (nh.kind) {
	case NH_LOCAL:
		o->type = DP_LOOKUP_LOCAL;
		break;
	case NH_BLACKHOLE:
		o->type = DP_LOOKUP_BLACKHOLE;
		break;
	case NH_REJECT:
		o->type = DP_LOOKUP_REJECT;
		break;
	case NH_RESERVED:
		o->type = DP_LOOKUP_RESERVED;
		if ((sp = ip4_special(ip))) {
			o->prefix = sp->net;
			o->prefix_len = sp->len;
			o->origin = 0;
		}
		break;
	case NH_GROUP: {
		const struct nh_group *g = &dp_nh_groups[nh.ip];
		o->type = DP_LOOKUP_ECMP;
		for (unsigned i = 0; i < g->n; i++)
			lookup_nh(o, g->member[i], ip);
		break;
	}
	default:
		lookup_nh(o, id, ip);
		o->type = o->hops[0].ip == ip ? DP_LOOKUP_DIRECT : DP_LOOKUP_GATEWAY;
		break;
	}
}

static void handle_route_lookup(struct ctl_conn *c, const struct dp_msg_hdr *req, const void *body, size_t len)
{
	struct dp_route_lookup o;

	if (len != sizeof(struct dp_lookup_req)) {
		ctl_reply_error(c, req, -EBADMSG, "item of the wrong size");
		return;
	}
	route_lookup(((const struct dp_lookup_req *)body)->ip, &o);
	ctl_reply(c, req, 0, 0, &o, sizeof(o), 1);
}

RTE_INIT(state_register)
{
	ctl_register(DP_MSG_ROUTE_DUMP, handle_route_dump);
	ctl_register(DP_MSG_ROUTE_LOOKUP, handle_route_lookup);
}
