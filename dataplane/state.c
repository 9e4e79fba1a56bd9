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

int state_add_route(struct dp_state *s, const struct dp_route *r, char *err, size_t errlen)
{
	char pfx[PREFIX4_STR_LEN];
	const struct ip4_special_block *sp;
	struct state_path p = {.r = *r};

	if (r->prefix_len > 32 || (r->prefix & ~prefix4_mask(r->prefix_len)) || r->distance == 0 ||
	    r->distance == 255 || r->kind < DP_ROUTE_GATEWAY || r->kind > DP_ROUTE_INTERFACE) {
		snprintf(err, errlen, "malformed route");
		return -EINVAL;
	}
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
	if (s->n_routes >= CFG_MAX_ROUTE_PATHS) {
		snprintf(err, errlen, "more than %d route paths", CFG_MAX_ROUTE_PATHS);
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

int state_add_item(struct dp_state *s, uint16_t msg_type, const void *body, size_t len, char *err, size_t errlen)
{
	static const size_t item_size[DP_MSG_TYPE_MAX] = {
		[DP_MSG_TXN_PORT] = sizeof(struct dp_port_conf),
		[DP_MSG_TXN_ADDR] = sizeof(struct dp_addr),
		[DP_MSG_TXN_ROUTE] = sizeof(struct dp_route),
		[DP_MSG_TXN_NEIGH] = sizeof(struct dp_neigh),
	};

	if (msg_type >= DP_MSG_TYPE_MAX || item_size[msg_type] == 0) {
		snprintf(err, errlen, "message %u is not a transaction item", msg_type);
		return -EINVAL;
	}
	if (len != item_size[msg_type]) {
		snprintf(err, errlen, "item of the wrong size");
		return -EBADMSG;
	}
	switch (msg_type) {
	case DP_MSG_TXN_PORT:
		return state_add_port(s, body, err, errlen);
	case DP_MSG_TXN_ADDR:
		return state_add_addr(s, body, err, errlen);
	case DP_MSG_TXN_ROUTE:
		return state_add_route(s, body, err, errlen);
	default:
		return state_add_neigh(s, body, err, errlen);
	}
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

uint64_t state_generation(void)
{
	return running.generation;
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
	ctl_reply_dump(c, req, sizeof(struct dp_route_info), STATE_ROUTE_DUMP_MAX, fill_routes);
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
