/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "dataplane/state.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_log.h>

#include "common/net_addr.h"
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
	int rc = known_port(a->port, err, errlen);
	if (rc < 0)
		return rc;
	if (a->prefix_len == 0 || a->prefix_len > 32) {
		snprintf(err, errlen, "bad prefix length %u", a->prefix_len);
		return -EINVAL;
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
	if (r->prefix_len > 32 || (r->prefix & ~prefix4_mask(r->prefix_len)) ||
	    (r->kind != DP_ROUTE_GATEWAY && r->kind != DP_ROUTE_BLACKHOLE && r->kind != DP_ROUTE_UNREACHABLE)) {
		snprintf(err, errlen, "malformed route");
		return -EINVAL;
	}
	if (s->n_routes >= CFG_MAX_ROUTES) {
		snprintf(err, errlen, "more than %u routes", CFG_MAX_ROUTES);
		return -ENOSPC;
	}
	return grow((void **)&s->routes, &s->n_routes, &s->cap_routes, sizeof(*r), r);
}

int state_add_neigh(struct dp_state *s, const struct dp_neigh *n, char *err, size_t errlen)
{
	if (s->n_neighs >= CFG_MAX_NEIGHS) {
		snprintf(err, errlen, "more than %u static neighbours", CFG_MAX_NEIGHS);
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

/* Port whose connected subnet holds ip, or -1. */
static int connected_port(const struct dp_state *s, uint32_t ip)
{
	for (unsigned i = 0; i < s->n_addrs; i++)
		if (prefix4_contains(s->addrs[i].ip, s->addrs[i].prefix_len, ip))
			return port_by_name(s->addrs[i].port);
	return -1;
}

static int apply_ports(const struct dp_state *s, char *err, size_t errlen)
{
	for (unsigned i = 0; i < RTE_MAX_ETHPORTS; i++) {
		if (!dp.ports[i].in_use || dp.ports[i].is_punt)
			continue;
		struct dp_port_conf c = { .admin_up = 1 };
		for (unsigned k = 0; k < s->n_ports; k++)
			if (strncmp(s->ports[k].name, dp.ports[i].name, DP_NAME_LEN) == 0)
				c = s->ports[k];
		int rc = port_apply_conf((uint16_t)i, &c, err, errlen);
		if (rc < 0)
			return rc;

		struct brink_addr addrs[CFG_MAX_ADDRS];
		unsigned n = 0;
		for (unsigned k = 0; k < s->n_addrs && n < CFG_MAX_ADDRS; k++)
			if (strncmp(s->addrs[k].port, dp.ports[i].name, DP_NAME_LEN) == 0)
				addrs[n++] = (struct brink_addr){ s->addrs[k].ip, s->addrs[k].prefix_len };
		port_set_addrs((uint16_t)i, addrs, n);
	}
	return 0;
}

static int check_addrs(const struct dp_state *s, char *err, size_t errlen)
{
	char a[PREFIX4_STR_LEN], b[PREFIX4_STR_LEN];

	for (unsigned i = 0; i < s->n_addrs; i++) {
		for (unsigned k = i + 1; k < s->n_addrs; k++) {
			const struct dp_addr *x = &s->addrs[i], *y = &s->addrs[k];
			uint32_t mask = prefix4_mask(RTE_MIN(x->prefix_len, y->prefix_len));
			if ((x->ip & mask) == (y->ip & mask) && strncmp(x->port, y->port, DP_NAME_LEN) != 0) {
				snprintf(err, errlen, "%s on %.16s overlaps %s on %.16s",
					 prefix4_fmt(x->ip, x->prefix_len, a), x->port,
					 prefix4_fmt(y->ip, y->prefix_len, b), y->port);
				return -EINVAL;
			}
			if (x->ip == y->ip) {
				snprintf(err, errlen, "address %s is given twice", prefix4_fmt(x->ip, 32, a));
				return -EEXIST;
			}
		}
	}
	return 0;
}

static int build_routes(const struct dp_state *s, struct fib_route *out, unsigned *n_out, char *err,
			size_t errlen)
{
	char a[PREFIX4_STR_LEN], g[IP4_STR_LEN];
	unsigned n = 0;

	for (unsigned i = 0; i < s->n_addrs; i++) {
		const struct dp_addr *x = &s->addrs[i];
		uint16_t port = (uint16_t)port_by_name(x->port);
		out[n++] = (struct fib_route){ .prefix = x->ip, .len = 32, .origin = DP_ORIGIN_LOCAL, .port = port };
		if (x->prefix_len < 32)
			out[n++] = (struct fib_route){ .prefix = x->ip & prefix4_mask(x->prefix_len),
						       .len = x->prefix_len, .origin = DP_ORIGIN_CONNECTED,
						       .port = port };
	}
	for (unsigned i = 0; i < s->n_routes; i++) {
		const struct dp_route *r = &s->routes[i];
		struct fib_route f = { .prefix = r->prefix, .len = r->prefix_len, .origin = DP_ORIGIN_STATIC,
				       .kind = r->kind };
		if (r->kind == DP_ROUTE_GATEWAY) {
			int port = connected_port(s, r->gateway);
			if (port < 0) {
				snprintf(err, errlen, "route %s: next-hop %s is not on a connected subnet",
					 prefix4_fmt(r->prefix, r->prefix_len, a), ip4_fmt(r->gateway, g));
				return -ENETUNREACH;
			}
			f.port = (uint16_t)port;
			f.gateway = r->gateway;
		}
		out[n++] = f;
	}
	*n_out = n;
	return 0;
}

static int apply_neighs(const struct dp_state *s, const struct dp_state *prev, char *err, size_t errlen)
{
	char g[IP4_STR_LEN];

	for (unsigned i = 0; i < prev->n_neighs; i++) {
		bool kept = false;
		for (unsigned k = 0; k < s->n_neighs && !kept; k++)
			kept = s->neighs[k].ip == prev->neighs[i].ip;
		if (!kept)
			neigh_clear_permanent(prev->neighs[i].ip);
	}
	for (unsigned i = 0; i < s->n_neighs; i++) {
		const struct dp_neigh *n = &s->neighs[i];
		int port = connected_port(s, n->ip);
		if (port < 0) {
			snprintf(err, errlen, "static ARP entry %s is not on a connected subnet", ip4_fmt(n->ip, g));
			return -ENETUNREACH;
		}
		int rc = neigh_set_permanent(n->ip, (uint16_t)port, n->mac);
		if (rc < 0) {
			snprintf(err, errlen, "static ARP entry %s: %s", ip4_fmt(n->ip, g), strerror(-rc));
			return rc;
		}
	}
	return 0;
}

/* Make the dataplane run s, coming from prev. */
static int apply(const struct dp_state *s, const struct dp_state *prev, char *err, size_t errlen)
{
	unsigned n_routes;
	int rc;

	if ((rc = check_addrs(s, err, errlen)) < 0)
		return rc;
	struct fib_route *routes = malloc(sizeof(*routes) * (s->n_addrs * 2 + s->n_routes + 1));
	if (!routes) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	/* Static neighbours before routes, so routes through them go live resolved. */
	if ((rc = build_routes(s, routes, &n_routes, err, errlen)) == 0 &&
	    (rc = apply_ports(s, err, errlen)) == 0 && (rc = apply_neighs(s, prev, err, errlen)) == 0 &&
	    (rc = fib_apply(routes, n_routes, err, errlen)) == 0)
		neigh_sweep_unconnected();
	free(routes);
	return rc;
}

int state_commit(struct dp_state *want, char *err, size_t errlen)
{
	int rc = apply(want, &running, err, errlen);

	if (rc < 0) {
		char ignored[256];
		/* The running state was valid when applied: applying it again restores it. */
		if (apply(&running, want, ignored, sizeof(ignored)) < 0)
			RTE_LOG(ERR, USER1, "restoring the previous state failed: %s\n", ignored);
		return rc;
	}
	state_clear(&running);
	running = *want;
	memset(want, 0, sizeof(*want));
	return 0;
}

uint64_t state_generation(void)
{
	return running.generation;
}
