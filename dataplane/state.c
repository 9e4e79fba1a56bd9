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

static struct dp_state running;
static uint64_t generation[DP_OWNER_MAX];
static unsigned max_paths;

void state_init(unsigned max)
{
	max_paths = max;
}

void state_clear(struct dp_state *s)
{
	free(s->routes);
	free(s->neighs);
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
	int rc = known_port(a->port, err, errlen);

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
		snprintf(err, errlen, "port %.*s: more than %d addresses", DP_NAME_LEN, a->port, CFG_MAX_ADDRS);
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

/* r checked, in the shape of its key in *p. */
static int route_path(const struct dp_route *r, uint8_t owner, struct state_path *out, char *err, size_t errlen)
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
	if ((r->port[0] || r->kind == DP_ROUTE_INTERFACE) && known_port(r->port, err, errlen) < 0)
		return -ENODEV;
	*out = p;
	return 0;
}

int state_add_route(struct dp_state *s, const struct dp_route *r, uint8_t owner, char *err, size_t errlen)
{
	char pfx[PREFIX4_STR_LEN];
	struct state_path p;
	int rc = route_path(r, owner, &p, err, errlen);

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

/* Port whose connected subnet holds ip (up ports only if up_only), or -1. */
static int connected_port(const struct dp_state *s, uint32_t ip, bool up_only)
{
	for (unsigned i = 0; i < s->n_addrs; i++) {
		if (!prefix4_contains(s->addrs[i].ip, s->addrs[i].prefix_len, ip))
			continue;
		int port = port_by_name(s->addrs[i].port);
		if (!up_only || port_is_up((uint16_t)port))
			return port;
	}
	return -1;
}

/* An up port that has an address to send ARP from. */
static bool port_usable(const struct dp_state *s, int port)
{
	if (port < 0 || !port_is_up((uint16_t)port))
		return false;
	for (unsigned i = 0; i < s->n_addrs; i++)
		if (port_by_name(s->addrs[i].port) == port)
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

static int apply_ports(const struct dp_state *s, struct dp_apply *a)
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
			if (strncmp(s->ports[k].name, dp.ports[i].name, DP_NAME_LEN) == 0)
				c = s->ports[k];
		uint64_t mac_before = dp.ports[i].mac_word;
		if ((rc = port_apply_conf((uint16_t)i, &c, a)) < 0)
			return rc;

		struct brink_addr addrs[CFG_MAX_ADDRS];
		unsigned n = 0;
		for (unsigned k = 0; k < s->n_addrs && n < CFG_MAX_ADDRS; k++)
			if (strncmp(s->addrs[k].port, dp.ports[i].name, DP_NAME_LEN) == 0)
				addrs[n++] = (struct brink_addr){s->addrs[k].ip, s->addrs[k].prefix_len};
		port_set_addrs((uint16_t)i, addrs, n);
		if (dp.ports[i].mac_word != mac_before)
			port_announce((uint16_t)i);
	}
	return 0;
}

/* ---- route selection ---- */

/* A way to reach a prefix, from an address or a static route path. */
struct cand {
	uint32_t prefix;
	uint8_t len;
	uint8_t distance; /* 0: connected and local */
	uint8_t kind;     /* enum fib_kind */
	uint8_t origin;
	uint16_t port;
	uint32_t gateway;
	int path; /* index into the state's routes, or -1 */
};

static int cand_cmp(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->prefix != y->prefix)
		return x->prefix < y->prefix ? -1 : 1;
	if (x->len != y->len)
		return (int)x->len - (int)y->len;
	if (x->distance != y->distance)
		return (int)x->distance - (int)y->distance;
	if (x->kind != y->kind)
		return (int)x->kind - (int)y->kind;
	if (x->gateway != y->gateway)
		return x->gateway < y->gateway ? -1 : 1;
	return (int)x->port - (int)y->port;
}

/* The candidate of a static path when it is usable now, else false. */
static bool path_cand(const struct dp_state *s, int index, struct cand *c)
{
	const struct dp_route *r = &s->routes[index].r;
	int port = r->port[0] ? port_by_name(r->port) : -1;

	*c = (struct cand){.prefix = r->prefix,
			   .len = r->prefix_len,
			   .distance = r->distance,
			   .origin = DP_ORIGIN_STATIC,
			   .gateway = r->gateway,
			   .path = index};
	switch (r->kind) {
	case DP_ROUTE_GATEWAY:
		c->kind = FIB_GATEWAY;
		if (port < 0)
			port = connected_port(s, r->gateway, true);
		else if (!port_usable(s, port))
			port = -1;
		break;
	case DP_ROUTE_INTERFACE:
		/* A route to one host has that host for its next hop, as a gateway: an
		 * on-link next hop would send every packet to the main lcore, where
		 * this /32 hides the neighbour's own host route. */
		c->kind = r->prefix_len == 32 ? FIB_GATEWAY : FIB_INTERFACE;
		c->gateway = r->prefix_len == 32 ? r->prefix : 0;
		if (!port_usable(s, port))
			port = -1;
		break;
	case DP_ROUTE_BLACKHOLE:
		c->kind = FIB_BLACKHOLE;
		return true;
	default:
		c->kind = FIB_REJECT;
		return true;
	}
	c->port = (uint16_t)(port < 0 ? 0 : port);
	return port >= 0;
}

/* Routes to install, one per prefix: out[] and the hops of ECMP groups
 * (hops[], at most one per candidate). Marks each path usable/selected. */
static unsigned select_routes(struct dp_state *s, struct cand *cands, struct fib_route *out, struct fib_hop *hops)
{
	unsigned n_c = 0, n_out = 0, n_hops = 0;

	for (unsigned i = 0; i < s->n_addrs; i++) {
		const struct dp_addr *x = &s->addrs[i];
		uint16_t port = (uint16_t)port_by_name(x->port);
		if (!port_is_up(port))
			continue;
		cands[n_c++] = (struct cand){.prefix = x->ip,
					     .len = 32,
					     .kind = FIB_LOCAL,
					     .origin = DP_ORIGIN_LOCAL,
					     .port = port,
					     .path = -1};
		if (x->prefix_len < 32)
			cands[n_c++] = (struct cand){.prefix = x->ip & prefix4_mask(x->prefix_len),
						     .len = x->prefix_len,
						     .kind = FIB_CONNECTED,
						     .origin = DP_ORIGIN_CONNECTED,
						     .port = port,
						     .path = -1};
	}
	for (unsigned i = 0; i < s->n_routes; i++) {
		s->routes[i].flags = 0;
		if (path_cand(s, (int)i, &cands[n_c])) {
			s->routes[i].flags = DP_ROUTE_F_USABLE;
			n_c++;
		}
	}
	if (n_c)
		qsort(cands, n_c, sizeof(*cands), cand_cmp);
	for (unsigned i = 0; i < n_c;) {
		const struct cand *best = &cands[i];
		unsigned end = i, fwd = 0;
		while (end < n_c && cands[end].prefix == best->prefix && cands[end].len == best->len)
			end++;
		struct fib_route *r = &out[n_out++];
		*r = (struct fib_route){.prefix = best->prefix,
					.len = best->len,
					.kind = best->kind,
					.origin = best->origin,
					.port = best->port,
					.gateway = best->gateway};
		/* The forwarding paths of the best distance share the traffic; the
		 * model gives a blackhole or reject a distance of its own. */
		for (unsigned k = i; k < end && cands[k].distance == best->distance; k++) {
			const struct cand *c = &cands[k];
			bool forwards = c->kind == FIB_GATEWAY || c->kind == FIB_INTERFACE;
			if (!forwards && k != i)
				continue;
			if (c->path >= 0)
				s->routes[c->path].flags |= DP_ROUTE_F_SELECTED;
			if (!forwards)
				break; /* local, connected, blackhole or reject: the prefix's only target */
			struct fib_hop h = {.gateway = c->gateway, .port = c->port};
			if (fwd && memcmp(&hops[n_hops - 1], &h, sizeof(h)) == 0)
				continue; /* the same path given twice */
			if (fwd == DP_ECMP_MAX)
				break;
			hops[n_hops++] = h;
			fwd++;
		}
		if (fwd > 1) {
			r->kind = FIB_GROUP;
			r->hops = &hops[n_hops - fwd];
			r->n_hops = (uint8_t)fwd;
			r->port = 0;
			r->gateway = 0;
		}
		i = end;
	}
	return n_out;
}

/* Neighbours worth keeping: on an up port, on a connected subnet of it or
 * reached by an interface route through it. */
static bool neigh_onlink(uint16_t port, uint32_t ip)
{
	if (!port_is_up(port))
		return false;
	if (port_source_for(port, ip))
		return true;
	const struct fib_route *r = NULL;
	for (uint8_t len = 32; len > 0 && !r; len--) {
		r = fib_find(ip & prefix4_mask(len), len);
		if (r && r->origin != DP_ORIGIN_STATIC)
			r = NULL;
	}
	return r && r->kind == FIB_INTERFACE && r->port == port;
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
		int port = connected_port(s, n->ip, false);
		if (port < 0) {
			rc = dp_apply_refuse(a, -ENETUNREACH, "static ARP entry %s is not on a connected subnet",
					     ip4_fmt(n->ip, g));
		} else if ((rc = neigh_set_permanent(n->ip, (uint16_t)port, n->mac)) < 0) {
			rc = dp_apply_refuse(a, rc, "static ARP entry %s: %s", ip4_fmt(n->ip, g), strerror(-rc));
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Make the dataplane run s, coming from prev. */
static int apply(struct dp_state *s, const struct dp_state *prev, struct dp_apply *a)
{
	unsigned n_cands = s->n_addrs * 2 + s->n_routes;
	struct cand *cands = malloc(sizeof(*cands) * (n_cands + 1));
	struct fib_route *routes = malloc(sizeof(*routes) * (n_cands + 1));
	struct fib_hop *hops = malloc(sizeof(*hops) * (n_cands + 1));
	int rc;

	if (!cands || !routes || !hops) {
		snprintf(a->err, sizeof(a->err), "out of memory");
		rc = -ENOMEM;
	} else if ((rc = check_addrs(s, a)) == 0 && (rc = apply_ports(s, a)) == 0 &&
		   (rc = apply_neighs(s, prev, a)) == 0) {
		/* Static neighbours go in before routes, so routes through them go live resolved. */
		unsigned n = select_routes(s, cands, routes, hops);
		if ((rc = fib_apply(routes, n, a)) == 0)
			neigh_sweep(neigh_onlink);
	}
	free(cands);
	free(routes);
	free(hops);
	return rc;
}

int state_commit(struct dp_state *want, struct dp_apply *a)
{
	int rc = apply(want, &running, a);

	if (rc < 0) {
		struct dp_apply restore = {.best_effort = true};
		/* The running state was valid when applied: applying it again restores it. */
		apply(&running, want, &restore);
		if (restore.n_refused)
			RTE_LOG(ERR, USER1, "restoring the previous state: %s", sbuf_str(&restore.refused));
		dp_apply_fini(&restore);
		return rc;
	}
	state_clear(&running);
	running = *want;
	memset(want, 0, sizeof(*want));
	return 0;
}

void state_refresh(void)
{
	struct dp_apply a = {.best_effort = true};

	apply(&running, &running, &a);
	if (a.n_refused)
		RTE_LOG(WARNING, USER1, "after a port state change: %s", sbuf_str(&a.refused));
	dp_apply_fini(&a);
}

uint64_t state_generation(uint8_t owner)
{
	return owner < DP_OWNER_MAX ? generation[owner] : 0;
}

/* ---- the copies a change starts from ---- */

static int copy_array(void **dst, unsigned *cap, const void *src, unsigned n, size_t esize)
{
	*dst = NULL;
	*cap = 0;
	if (!n)
		return 0;
	if (!(*dst = malloc(esize * n)))
		return -ENOMEM;
	memcpy(*dst, src, esize * n);
	*cap = n;
	return 0;
}

/* The running state with the paths of owner left out (owner 0: all kept);
 * the configuration's tables too unless without_config. */
static int state_copy(struct dp_state *dst, uint8_t owner, bool without_config)
{
	memset(dst, 0, sizeof(*dst));
	if (!without_config) {
		dst->n_ports = running.n_ports;
		memcpy(dst->ports, running.ports, sizeof(running.ports));
		dst->n_addrs = running.n_addrs;
		memcpy(dst->addrs, running.addrs, sizeof(running.addrs));
		if (copy_array((void **)&dst->neighs, &dst->cap_neighs, running.neighs, running.n_neighs,
			       sizeof(*running.neighs)) < 0)
			return -ENOMEM;
		dst->n_neighs = running.n_neighs;
	}
	if (running.n_routes && !(dst->routes = malloc(sizeof(*dst->routes) * running.n_routes))) {
		state_clear(dst);
		return -ENOMEM;
	}
	dst->cap_routes = running.n_routes;
	for (unsigned i = 0; i < running.n_routes; i++)
		if (running.routes[i].owner != owner)
			dst->routes[dst->n_routes++] = running.routes[i];
	return 0;
}

static const size_t table_item_size[DP_TABLE_MAX] = {
	[DP_TABLE_PORT] = sizeof(struct dp_port_conf),
	[DP_TABLE_ADDR] = sizeof(struct dp_addr),
	[DP_TABLE_ROUTE] = sizeof(struct dp_route),
	[DP_TABLE_NEIGH] = sizeof(struct dp_neigh),
};

/* The items of a batch, checked for size: *items and *n, or -EBADMSG with the reason in err. */
static int batch_items(uint8_t table, uint32_t count, size_t len, char *err, size_t errlen)
{
	if (table == 0 || table >= DP_TABLE_MAX) {
		snprintf(err, errlen, "unknown table %u", table);
		return -EINVAL;
	}
	if (len != (size_t)count * table_item_size[table]) {
		snprintf(err, errlen, "%u items of table %u take %zu bytes, not %zu", count, table,
			 (size_t)count * table_item_size[table], len);
		return -EBADMSG;
	}
	return 0;
}

/* ---- transactions ---- */

static struct {
	bool open;
	uint8_t owner;
	uint64_t generation;
	unsigned n_items;
	int rc; /* the first failure of a strict transaction */
	struct dp_state want;
	struct dp_apply a;
} txn;

bool state_txn_open(void)
{
	return txn.open;
}

void state_txn_abort(void)
{
	state_clear(&txn.want);
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
	int rc;

	state_txn_abort();
	txn.open = true;
	if (len != sizeof(b)) {
		txn_fail(-EBADMSG, "TXN_BEGIN without a struct dp_txn_begin");
		return;
	}
	memcpy(&b, body, sizeof(b));
	txn.owner = b.owner;
	txn.generation = b.generation;
	txn.a.best_effort = b.flags & DP_TXN_F_BEST_EFFORT;
	if (b.owner == 0 || b.owner >= DP_OWNER_MAX)
		txn_fail(-EINVAL, "TXN_BEGIN of an unknown owner");
	else if ((rc = state_copy(&txn.want, b.owner, b.owner == DP_OWNER_CONFIG)) < 0)
		txn_fail(rc, "out of memory");
}

static int txn_item(uint8_t table, const void *item, char *err, size_t errlen)
{
	if (table != DP_TABLE_ROUTE && txn.owner != DP_OWNER_CONFIG) {
		snprintf(err, errlen, "table %u belongs to the configuration", table);
		return -EPERM;
	}
	switch (table) {
	case DP_TABLE_PORT:
		return state_add_port(&txn.want, item, err, errlen);
	case DP_TABLE_ADDR:
		return state_add_addr(&txn.want, item, err, errlen);
	case DP_TABLE_ROUTE:
		return state_add_route(&txn.want, item, txn.owner, err, errlen);
	default:
		return state_add_neigh(&txn.want, item, err, errlen);
	}
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
	if ((rc = batch_items(h.table, h.count, len - sizeof(h), err, sizeof(err))) < 0) {
		txn_fail(rc, err);
		return;
	}
	const uint8_t *item = (const uint8_t *)body + sizeof(h);
	for (uint32_t i = 0; i < h.count && txn.rc == 0; i++, item += table_item_size[h.table]) {
		txn.n_items++;
		if ((rc = txn_item(h.table, item, err, sizeof(err))) < 0) {
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

	txn.a.busy = busy;
	txn.a.busy_arg = busy_arg;

	if (rc == 0)
		rc = state_commit(&txn.want, &txn.a);
	if (rc == 0)
		/* A state applied in part is not the one this generation names. */
		generation[txn.owner] = txn.a.n_refused ? 0 : txn.generation;
	*a = txn.a;
	a->busy = NULL;
	memset(&txn.a, 0, sizeof(txn.a));
	state_txn_abort();
	return rc;
}

/* ---- OBJ: single entries of one owner ---- */

static int path_key_cmp(const void *a, const void *b)
{
	const struct state_path *x = a, *y = b;

	if (x->owner != y->owner)
		return (int)x->owner - (int)y->owner;
	if (x->r.prefix != y->r.prefix)
		return x->r.prefix < y->r.prefix ? -1 : 1;
	if (x->r.prefix_len != y->r.prefix_len)
		return (int)x->r.prefix_len - (int)y->r.prefix_len;
	if (x->r.kind != y->r.kind)
		return (int)x->r.kind - (int)y->r.kind;
	if (x->r.gateway != y->r.gateway)
		return x->r.gateway < y->r.gateway ? -1 : 1;
	return memcmp(x->r.port, y->r.port, DP_NAME_LEN);
}

/* A path of s->routes[0..n) (sorted by key) or of those appended after them. */
static struct state_path *obj_find(struct dp_state *s, unsigned n, const struct state_path *key)
{
	struct state_path *p = n ? bsearch(key, s->routes, n, sizeof(*key), path_key_cmp) : NULL;

	for (unsigned i = n; i < s->n_routes && !p; i++)
		if (path_key_cmp(&s->routes[i], key) == 0)
			p = &s->routes[i];
	return p;
}

#define PATH_DELETED 0xff /* owner of a path an OBJ request deleted, dropped before the commit */

static int obj_apply(struct dp_state *s, const struct dp_obj *o, const uint8_t *items, unsigned *changed, char *err,
		     size_t errlen)
{
	unsigned n_sorted = s->n_routes;
	char pfx[PREFIX4_STR_LEN];
	int rc = 0;

	if (n_sorted)
		qsort(s->routes, n_sorted, sizeof(*s->routes), path_key_cmp);
	for (uint32_t i = 0; i < o->count && rc == 0; i++, items += sizeof(struct dp_route)) {
		struct state_path key;
		if ((rc = route_path((const struct dp_route *)items, o->owner, &key, err, errlen)) < 0)
			break;
		struct state_path *p = obj_find(s, n_sorted, &key);
		prefix4_fmt(key.r.prefix, key.r.prefix_len, pfx);
		if (o->op == DP_OBJ_ADD && p && !(o->flags & DP_OBJ_F_EXIST_OK)) {
			snprintf(err, errlen, "route %s: that path exists", pfx);
			rc = -EEXIST;
		} else if (o->op == DP_OBJ_ADD && p) {
			p->r.distance = key.r.distance;
		} else if (o->op == DP_OBJ_ADD) {
			rc = state_add_route(s, &key.r, o->owner, err, errlen);
		} else if (p) {
			p->owner = PATH_DELETED;
		} else if (!(o->flags & DP_OBJ_F_MISSING_OK)) {
			snprintf(err, errlen, "route %s: no such path", pfx);
			rc = -ENOENT;
		}
		if (rc == 0)
			(*changed)++;
	}
	unsigned k = 0;
	for (unsigned i = 0; i < s->n_routes; i++)
		if (s->routes[i].owner != PATH_DELETED)
			s->routes[k++] = s->routes[i];
	s->n_routes = k;
	return rc;
}

int state_obj(const void *body, size_t len, unsigned *changed, char *err, size_t errlen)
{
	struct dp_obj o;
	struct dp_state s;
	char item_err[200];
	int rc;

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
	if ((rc = state_copy(&s, 0, false)) < 0) {
		snprintf(err, errlen, "out of memory");
		return rc;
	}
	int item_rc = obj_apply(&s, &o, (const uint8_t *)body + sizeof(o), changed, item_err, sizeof(item_err));
	struct dp_apply a = {0};
	rc = state_commit(&s, &a);
	state_clear(&s);
	if (rc < 0) {
		snprintf(err, errlen, "%s", a.err);
		*changed = 0;
	} else {
		if (*changed)
			generation[o.owner]++;
		if (item_rc < 0)
			snprintf(err, errlen, "item %u: %s", *changed + 1, item_err);
		rc = item_rc;
	}
	dp_apply_fini(&a);
	return rc;
}

/* ---- control requests ---- */

/* Every route: connected and local ones, neighbour host routes, each path
 * of each static route (with its flags). */
static unsigned fill_routes(void *dump, unsigned max)
{
	struct dp_route_info *out = dump;
	unsigned k = fib_dump_connected(out, max);

	for (unsigned i = 0; i < running.n_routes && k < max; i++) {
		const struct state_path *p = &running.routes[i];
		struct dp_route_info *o = &out[k++];
		memset(o, 0, sizeof(*o));
		o->prefix = p->r.prefix;
		o->prefix_len = p->r.prefix_len;
		o->kind = p->r.kind;
		o->origin = DP_ORIGIN_STATIC;
		o->owner = p->owner;
		o->distance = p->r.distance;
		o->gateway = p->r.gateway;
		o->flags = p->flags;
		if (p->r.kind == DP_ROUTE_GATEWAY) {
			int port =
				p->r.port[0] ? port_by_name(p->r.port) : connected_port(&running, p->r.gateway, false);
			if (port >= 0)
				snprintf(o->port, sizeof(o->port), "%s", dp.ports[port].name);
			if (neigh_mac(p->r.gateway, NULL))
				o->flags |= DP_ROUTE_F_RESOLVED;
		} else {
			memcpy(o->port, p->r.port, sizeof(o->port));
			o->flags |= DP_ROUTE_F_RESOLVED;
		}
	}
	return k;
}

static void handle_route_dump(struct ctl_conn *c, const struct dp_msg_hdr *req, const void *body, size_t len)
{
	(void)body, (void)len;
	ctl_reply_dump(c, req, sizeof(struct dp_route_info),
		       running.n_routes + CFG_MAX_PORTS * CFG_MAX_ADDRS * 2 + NEIGH_MAX, fill_routes);
}

/* A hop as the lookup reply shows it: the neighbour's MAC when known. */
static void lookup_hop(struct dp_route_lookup *o, uint32_t ip, uint16_t port)
{
	struct dp_lookup_hop *h = &o->hops[o->n_hops++];

	h->ip = ip;
	snprintf(h->port, sizeof(h->port), "%s", dp.ports[port].name);
	h->resolved = neigh_mac(ip, h->mac);
}

/* The hop a next hop of the FIB leads to for destination ip. */
static void lookup_nh(struct dp_route_lookup *o, uint32_t id, uint32_t ip)
{
	struct nexthop nh = nh_read(id);

	if (nh.kind == NH_NEIGHBOR && nh.ip != ip)
		lookup_hop(o, nh.ip, nh.port);
	else
		lookup_hop(o, ip, nh.port);
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
