/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "dataplane/fib.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_lpm.h>

#include "common/net_addr.h"
#include "dataplane/dp.h"
#include "dataplane/neigh.h"

static struct fib_route *cur; /* what the LPM holds, sorted by (prefix, len) */
static unsigned n_cur, cap_cur;
static uint32_t nh_blackhole, nh_unreachable;

int fib_init(unsigned max_routes)
{
	struct rte_lpm_config lc = {
		.max_rules = max_routes + NEIGH_MAX,
		.number_tbl8s = 1 << 13,
	};
	struct rte_lpm_rcu_config rc = { .v = dp.qsbr, .mode = RTE_LPM_QSBR_MODE_DQ };
	int32_t bh, un;

	dp.lpm = rte_lpm_create("brink_fib", (int)rte_socket_id(), &lc);
	if (!dp.lpm)
		return -rte_errno;
	if (rte_lpm_rcu_qsbr_add(dp.lpm, &rc) != 0)
		return -rte_errno;
	bh = nh_alloc(NH_BLACKHOLE, 0, 0, 0);
	un = nh_alloc(NH_UNREACHABLE, 0, 0, 0);
	if (bh < 0 || un < 0)
		return -ENOSPC;
	nh_blackhole = (uint32_t)bh;
	nh_unreachable = (uint32_t)un;
	return 0;
}

static int route_cmp(const void *a, const void *b)
{
	const struct fib_route *x = a, *y = b;
	if (x->prefix != y->prefix)
		return x->prefix < y->prefix ? -1 : 1;
	return (int)x->len - (int)y->len;
}

static struct fib_route *find(struct fib_route *set, unsigned n, uint32_t prefix, uint8_t len)
{
	struct fib_route key = { .prefix = prefix, .len = len };
	return n ? bsearch(&key, set, n, sizeof(*set), route_cmp) : NULL;
}

static bool same_target(const struct fib_route *a, const struct fib_route *b)
{
	return a->origin == b->origin && a->kind == b->kind && a->port == b->port && a->gateway == b->gateway;
}

static int32_t nh_acquire(const struct fib_route *r)
{
	switch (r->origin) {
	case DP_ORIGIN_LOCAL:
		return nh_alloc(NH_LOCAL, r->port, r->prefix, 32);
	case DP_ORIGIN_CONNECTED:
		return nh_alloc(NH_CONNECTED, r->port, r->prefix, r->len);
	default:
		if (r->kind == DP_ROUTE_BLACKHOLE)
			return (int32_t)nh_blackhole;
		if (r->kind == DP_ROUTE_UNREACHABLE)
			return (int32_t)nh_unreachable;
		return neigh_ref(r->gateway, r->port);
	}
}

static void nh_release(const struct fib_route *r)
{
	if (r->origin == DP_ORIGIN_LOCAL || r->origin == DP_ORIGIN_CONNECTED)
		nh_free_deferred(r->nh);
	else if (r->kind == DP_ROUTE_GATEWAY)
		neigh_unref(r->gateway);
}

static int reserve(unsigned n)
{
	if (n <= cap_cur)
		return 0;
	struct fib_route *p = realloc(cur, sizeof(*cur) * n);
	if (!p)
		return -ENOMEM;
	cur = p;
	cap_cur = n;
	return 0;
}

int fib_apply(struct fib_route *want, unsigned n, char *err, size_t errlen)
{
	char pfx[PREFIX4_STR_LEN];
	unsigned n_sorted = n_cur;
	int rc;

	if (n)
		qsort(want, n, sizeof(*want), route_cmp);
	for (unsigned i = 1; i < n; i++) {
		if (route_cmp(&want[i - 1], &want[i]) == 0) {
			snprintf(err, errlen, "route %s is given twice (a static route may not repeat a connected subnet)",
				 prefix4_fmt(want[i].prefix, want[i].len, pfx));
			return -EEXIST;
		}
	}
	if ((rc = reserve(n_cur + n)) < 0) {
		snprintf(err, errlen, "out of memory for %u routes", n);
		return rc;
	}
	/* First add and replace, so no prefix ever goes missing in between... */
	for (unsigned i = 0; i < n; i++) {
		struct fib_route *w = &want[i];
		struct fib_route *c = find(cur, n_sorted, w->prefix, w->len);
		if (c && same_target(c, w)) {
			w->nh = c->nh;
			continue;
		}
		int32_t nh = nh_acquire(w);
		if (nh < 0) {
			snprintf(err, errlen, "route %s: out of next hops", prefix4_fmt(w->prefix, w->len, pfx));
			rc = (int)nh;
			goto out;
		}
		w->nh = (uint32_t)nh;
		if ((rc = rte_lpm_add(dp.lpm, w->prefix, w->len, w->nh)) < 0) {
			snprintf(err, errlen, "route %s: the FIB is full (%s)", prefix4_fmt(w->prefix, w->len, pfx),
				 strerror(-rc));
			nh_release(w);
			goto out;
		}
		if (c) {
			nh_release(c);
			*c = *w;
		} else {
			cur[n_cur++] = *w;
		}
	}
	/* ...then remove what is no longer wanted. */
	unsigned kept = 0;
	for (unsigned i = 0; i < n_cur; i++) {
		struct fib_route *c = &cur[i];
		if (find(want, n, c->prefix, c->len)) {
			cur[kept++] = *c;
			continue;
		}
		rte_lpm_delete(dp.lpm, c->prefix, c->len);
		nh_release(c);
		if (c->len == 32)
			neigh_restore_host_route(c->prefix);
	}
	n_cur = kept;
	rc = 0;
out:
	if (n_cur)
		qsort(cur, n_cur, sizeof(*cur), route_cmp);
	return rc;
}

bool fib_is_configured(uint32_t prefix, uint8_t len)
{
	return find(cur, n_cur, prefix, len) != NULL;
}

unsigned fib_dump(struct dp_route_info *out, unsigned max)
{
	unsigned k = 0;

	for (unsigned i = 0; i < n_cur && k < max; i++) {
		const struct fib_route *r = &cur[i];
		struct dp_route_info *o = &out[k++];
		struct nexthop nh = nh_read(r->nh);

		memset(o, 0, sizeof(*o));
		o->prefix = r->prefix;
		o->prefix_len = r->len;
		o->kind = r->kind;
		o->origin = r->origin;
		o->gateway = r->gateway;
		o->resolved = r->origin != DP_ORIGIN_STATIC || r->kind != DP_ROUTE_GATEWAY || nh.resolved;
		if (r->origin != DP_ORIGIN_STATIC || r->kind == DP_ROUTE_GATEWAY)
			snprintf(o->port, sizeof(o->port), "%s", dp.ports[r->port].name);
	}
	return k + neigh_host_routes(out + k, max - k);
}
