/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "dataplane/fib.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_jhash.h>

#include "common/net_addr.h"
#include "dataplane/dp.h"
#include "dataplane/neigh.h"
#include "dataplane/prefix_table.h"

static struct prefix_table *installed; /* of struct fib_route: what the FIB holds */
static uint32_t nh_blackhole, nh_reject, nh_reserved;
static struct {
	uint32_t nh;
	unsigned refs;
} onlink[DP_IFACE_MAX];

/* Next hops into tunnels (NH_TUNNEL), shared by the routes through one far end. */
struct tunnel_key {
	uint32_t far_end;
	uint16_t iface;
	uint16_t zero;
};
static struct rte_hash *tunnel_hops;
static struct {
	uint32_t nh;
	unsigned refs;
} * tunnel_hop;

/* Blocks no packet is routed to, whatever the routes say (RFC 1812 5.3.7,
 * RFC 1122 3.2.1.3): multicast and the limited broadcast are dropped at
 * input; these would otherwise follow a default route. */
static const struct {
	uint32_t net;
	uint8_t len;
} reserved_blocks[] = {
	{0x00000000, 8}, /* "this network" */
	{0x7f000000, 8}, /* loopback */
	{0xf0000000, 4}, /* reserved, class E */
};

int fib_init(unsigned max_routes)
{
	uint32_t max_rules = max_routes + NEIGH_MAX + RTE_DIM(reserved_blocks);
	/* A rule longer than /24 takes at most one group (its /24's), so there
	 * are never fewer groups than such rules: only memory that is used is
	 * touched, and the rule count is the one limit. */
	struct lpm4_config lc = {.name = "fib", .max_rules = max_rules, .n_groups = max_rules, .qsbr = dp.qsbr};
	int32_t bh, rj, rs;

	dp.lpm = lpm4_create(&lc);
	if (!dp.lpm)
		return -rte_errno;
	installed = prefix_table_create("fib", max_rules, sizeof(struct fib_route));
	if (!installed)
		return -ENOMEM;
	bh = nh_alloc(NH_BLACKHOLE, 0, 0, 0);
	rj = nh_alloc(NH_REJECT, 0, 0, 0);
	rs = nh_alloc(NH_RESERVED, 0, 0, 0);
	if (bh < 0 || rj < 0 || rs < 0)
		return -ENOSPC;
	nh_blackhole = (uint32_t)bh;
	nh_reject = (uint32_t)rj;
	nh_reserved = (uint32_t)rs;
	/* Read by workers too (fib_tunnel_far_end): lock-free, its slots reused after a grace period. */
	struct rte_hash_parameters hp = {
		.name = "brink_tunnel_hops",
		.entries = NH_MAX,
		.key_len = sizeof(struct tunnel_key),
		.hash_func = rte_jhash,
		.socket_id = (int)rte_socket_id(),
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF,
	};
	struct rte_hash_rcu_config rcu = {.v = dp.qsbr, .mode = RTE_HASH_QSBR_MODE_DQ};
	tunnel_hops = rte_hash_create(&hp);
	tunnel_hop = calloc(NH_MAX, sizeof(*tunnel_hop));
	if (!tunnel_hops || !tunnel_hop || rte_hash_rcu_qsbr_add(tunnel_hops, &rcu) != 0)
		return -ENOMEM;
	for (unsigned i = 0; i < RTE_DIM(reserved_blocks); i++)
		if (lpm4_add(dp.lpm, reserved_blocks[i].net, reserved_blocks[i].len, nh_reserved) < 0)
			return -ENOSPC;
	return nh_group_init();
}

int32_t fib_onlink_get(uint16_t iface)
{
	if (onlink[iface].refs == 0) {
		int32_t nh = nh_alloc(NH_CONNECTED, iface, 0, 0);
		if (nh < 0)
			return nh;
		onlink[iface].nh = (uint32_t)nh;
	}
	onlink[iface].refs++;
	return (int32_t)onlink[iface].nh;
}

void fib_onlink_put(uint16_t iface)
{
	if (onlink[iface].refs && --onlink[iface].refs == 0)
		nh_free_deferred(onlink[iface].nh);
}

static int32_t tunnel_hop_get(uint32_t far_end, uint16_t iface)
{
	struct tunnel_key k = {.far_end = far_end, .iface = iface};
	int32_t slot = rte_hash_add_key(tunnel_hops, &k), nh;

	if (slot < 0)
		return slot;
	if (tunnel_hop[slot].refs == 0) {
		if ((nh = nh_alloc(NH_TUNNEL, iface, far_end, 32)) < 0) {
			rte_hash_del_key(tunnel_hops, &k);
			return nh;
		}
		tunnel_hop[slot].nh = (uint32_t)nh;
	}
	tunnel_hop[slot].refs++;
	return (int32_t)tunnel_hop[slot].nh;
}

static void tunnel_hop_put(uint32_t far_end, uint16_t iface)
{
	struct tunnel_key k = {.far_end = far_end, .iface = iface};
	int32_t slot = rte_hash_lookup(tunnel_hops, &k);

	if (slot < 0 || --tunnel_hop[slot].refs)
		return;
	nh_free_deferred(tunnel_hop[slot].nh);
	rte_hash_del_key(tunnel_hops, &k);
}

bool fib_tunnel_far_end(uint16_t iface, uint32_t ip)
{
	struct tunnel_key k = {.far_end = ip, .iface = iface};
	return rte_hash_lookup(tunnel_hops, &k) >= 0;
}

int32_t fib_gateway_get(uint32_t gateway, uint16_t iface)
{
	return dp_ifaces[iface].ops->ethernet ? neigh_ref(gateway, iface) : tunnel_hop_get(gateway, iface);
}

void fib_gateway_put(uint32_t gateway, uint16_t iface)
{
	if (dp_ifaces[iface].ops && !dp_ifaces[iface].ops->ethernet)
		tunnel_hop_put(gateway, iface);
	else
		neigh_unref(gateway);
}

/* c (installed) and w (wanted) lead the same way: keep c's next hop. */
static bool same_target(const struct fib_route *c, const struct fib_route *w)
{
	if (c->kind != w->kind || c->origin != w->origin || c->iface != w->iface || c->gateway != w->gateway)
		return false;
	return c->kind != FIB_GROUP || nh_group_find(w->hops, w->n_hops) == c->group;
}

static int32_t nh_acquire(struct fib_route *r)
{
	switch (r->kind) {
	case FIB_LOCAL:
		return nh_alloc(NH_LOCAL, r->iface, r->prefix, 32);
	case FIB_CONNECTED:
		return nh_alloc(NH_CONNECTED, r->iface, r->prefix, r->len);
	case FIB_GATEWAY:
		return fib_gateway_get(r->gateway, r->iface);
	case FIB_INTERFACE:
		return fib_onlink_get(r->iface);
	case FIB_GROUP:
		return nh_group_get(r->hops, r->n_hops, &r->group);
	case FIB_BLACKHOLE:
		return (int32_t)nh_blackhole;
	default:
		return (int32_t)nh_reject;
	}
}

static void nh_release(const struct fib_route *r)
{
	switch (r->kind) {
	case FIB_LOCAL:
	case FIB_CONNECTED:
		nh_free_deferred(r->nh);
		break;
	case FIB_GATEWAY:
		fib_gateway_put(r->gateway, r->iface);
		break;
	case FIB_INTERFACE:
		fib_onlink_put(r->iface);
		break;
	case FIB_GROUP:
		nh_group_put(r->group);
		break;
	default:
		break;
	}
}

static int lpm_set(uint32_t prefix, uint8_t len, uint32_t nh)
{
	int rc = lpm4_add(dp.lpm, prefix, len, nh);
	fwd_gen_bump();
	return rc;
}

static void lpm_clear(uint32_t prefix, uint8_t len)
{
	lpm4_delete(dp.lpm, prefix, len);
	fwd_gen_bump();
}

/* A route that moved from a resolved gateway to one not yet resolved keeps
 * forwarding to the old one until the new one resolves, or FIB_HOLD_MS
 * passed (then its packets wait for ARP, as any unresolved route's do): the
 * LPM keeps the old next hop meanwhile, and only the old one's reference
 * waits here. */
#define FIB_HOLD_MS 3000

struct fib_hold {
	struct fib_route old; /* what the LPM still points to, released once the route moves */
	uint64_t deadline_tsc;
};

static struct fib_hold *holds;
static unsigned n_holds, cap_holds;

static bool forwards_resolved(uint32_t nh)
{
	struct nexthop h = nh_read(nh);
	return h.kind == NH_NEIGHBOR && h.resolved;
}

/* The hold of prefix/len ends: the LPM gets the route's own next hop (nh). */
static void hold_end(unsigned i, uint32_t nh)
{
	struct fib_hold *h = &holds[i];

	if (lpm_set(h->old.prefix, h->old.len, nh) == 0) {
		nh_release(&h->old);
		*h = holds[--n_holds];
	}
}

static int hold_find(uint32_t prefix, uint8_t len)
{
	for (unsigned i = 0; i < n_holds; i++)
		if (holds[i].old.prefix == prefix && holds[i].old.len == len)
			return (int)i;
	return -1;
}

/* Whatever held prefix/len is over: it is being changed or removed. */
static void hold_cancel(const struct fib_route *c)
{
	int i = hold_find(c->prefix, c->len);
	if (i >= 0)
		hold_end((unsigned)i, c->nh);
}

void fib_hold_timer(uint64_t now_tsc)
{
	for (unsigned i = 0; i < n_holds;) {
		const struct fib_route *r = fib_find(holds[i].old.prefix, holds[i].old.len);
		unsigned before = n_holds;
		if (r && (forwards_resolved(r->nh) || now_tsc >= holds[i].deadline_tsc))
			hold_end(i, r->nh);
		if (n_holds == before)
			i++;
	}
}

/* c (installed, resolved) is replaced by w, whose gateway is not resolved yet: hold c in the LPM. */
static bool hold_old(const struct fib_route *c, const struct fib_route *w)
{
	if (w->kind != FIB_GATEWAY || !forwards_resolved(c->nh) || forwards_resolved(w->nh))
		return false;
	if (n_holds == cap_holds) {
		unsigned ncap = cap_holds ? cap_holds * 2 : 64;
		struct fib_hold *p = realloc(holds, sizeof(*holds) * ncap);
		if (!p)
			return false;
		holds = p;
		cap_holds = ncap;
	}
	holds[n_holds++] =
		(struct fib_hold){.old = *c, .deadline_tsc = rte_rdtsc() + rte_get_tsc_hz() * FIB_HOLD_MS / 1000};
	return true;
}

/* Installs w over c (the entry of the same prefix, or NULL). */
static int install(struct fib_route *w, struct fib_route *c, struct dp_apply *a)
{
	char pfx[PREFIX4_STR_LEN];
	int32_t nh = nh_acquire(w);
	int rc;

	prefix4_fmt(w->prefix, w->len, pfx);
	if (nh < 0)
		return dp_apply_refuse(a, nh, "route %s: out of next hops", pfx);
	w->nh = (uint32_t)nh;
	if (c)
		hold_cancel(c);
	if (c && hold_old(c, w)) {
		w->hops = NULL;
		*c = *w;
		return 0;
	}
	if ((rc = lpm_set(w->prefix, w->len, w->nh)) < 0) {
		nh_release(w);
		return dp_apply_refuse(a, rc, "route %s: the FIB is full (%s)", pfx,
				       rc == -ENOSPC ? "system dataplane fib-size" : strerror(-rc));
	}
	w->hops = NULL;
	if (c) {
		nh_release(c);
		*c = *w;
		return 0;
	}
	if (!(c = prefix_table_add(installed, w->prefix, w->len))) {
		lpm_clear(w->prefix, w->len);
		nh_release(w);
		return dp_apply_refuse(a, -ENOSPC, "route %s: the FIB is full (system dataplane fib-size)", pfx);
	}
	*c = *w;
	return 0;
}

int fib_set(struct fib_route *w, struct dp_apply *a)
{
	struct fib_route *c = prefix_table_find(installed, w->prefix, w->len);

	if (c && same_target(c, w)) {
		w->nh = c->nh;
		w->group = c->group;
		return 0;
	}
	return install(w, c, a);
}

void fib_unset(uint32_t prefix, uint8_t len)
{
	struct fib_route *e = prefix_table_find(installed, prefix, len);

	if (!e)
		return;
	struct fib_route c = *e;
	/* Out of the table before the neighbour is told, so that a removed /32
	 * no longer hides the host route of the neighbour behind it. */
	prefix_table_del(installed, prefix, len);
	hold_cancel(&c);
	lpm_clear(c.prefix, c.len);
	nh_release(&c);
	if (c.len == 32)
		neigh_restore_host_route(c.prefix);
}

uint32_t fib_lookup(uint32_t ip)
{
	uint32_t nh;

	return lpm4_lookup(dp.lpm, ip, &nh) == 0 ? nh : FIB_NO_ROUTE;
}

const struct fib_route *fib_find(uint32_t prefix, uint8_t len)
{
	return prefix_table_find(installed, prefix, len);
}

bool fib_is_configured(uint32_t prefix, uint8_t len)
{
	return prefix_table_find(installed, prefix, len) != NULL;
}

unsigned fib_dump_connected(struct dp_route_info *out, unsigned max)
{
	unsigned k = 0;

	for (uint32_t i = 0; i < prefix_table_span(installed) && k < max; i++) {
		const struct fib_route *r = prefix_table_at(installed, i);
		if (!r || (r->kind != FIB_LOCAL && r->kind != FIB_CONNECTED))
			continue;
		struct dp_route_info *o = &out[k++];
		memset(o, 0, sizeof(*o));
		o->prefix = r->prefix;
		o->prefix_len = r->len;
		o->origin = r->origin;
		o->flags = DP_ROUTE_F_SELECTED | DP_ROUTE_F_RESOLVED | DP_ROUTE_F_USABLE;
		snprintf(o->port, sizeof(o->port), "%s", dp_ifaces[r->iface].name);
	}
	return k + neigh_host_routes(out + k, max - k);
}
