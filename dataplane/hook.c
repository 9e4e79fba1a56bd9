/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "dataplane/hook.h"

#include <errno.h>
#include <string.h>

#include "dataplane/path.h"

#define HOOKS_PER_POINT 16

struct hook {
	const char *name;
	int priority;
	uint32_t feature;
	dp_hook_fn fn;
	unsigned users; /* interfaces with its feature */
};

static struct {
	unsigned n;
	struct hook h[HOOKS_PER_POINT];
} points[DP_HOOK_MAX];

static const char *feature_names[DP_FEATURES_MAX];
unsigned dp_hook_users[DP_HOOK_MAX];
static uint32_t features_everywhere;

/* The features enabled on interface i itself. */
static inline uint32_t own_features(uint16_t i)
{
	return __atomic_load_n(&dp_ifaces[i].features, __ATOMIC_RELAXED);
}

/* The features whose hooks run on interface i's packets. */
static inline uint32_t iface_features(uint16_t i)
{
	return own_features(i) | __atomic_load_n(&features_everywhere, __ATOMIC_RELAXED);
}

uint32_t dp_feature_register(const char *name)
{
	for (unsigned i = 0; i < DP_FEATURES_MAX; i++) {
		if (!feature_names[i]) {
			feature_names[i] = name;
			return 1u << i;
		}
	}
	return 0;
}

int dp_hook_register(enum dp_hook_point point, int priority, const char *name, uint32_t feature, dp_hook_fn fn)
{
	if (point >= DP_HOOK_MAX || !feature || !fn)
		return -EINVAL;
	if (points[point].n == HOOKS_PER_POINT)
		return -ENOSPC;
	/* Kept in priority order; equal priorities in registration order. */
	unsigned k = points[point].n++;
	while (k > 0 && points[point].h[k - 1].priority > priority) {
		points[point].h[k] = points[point].h[k - 1];
		k--;
	}
	points[point].h[k] = (struct hook){.name = name, .priority = priority, .feature = feature, .fn = fn};
	return 0;
}

static void count_users(void)
{
	for (unsigned p = 0; p < DP_HOOK_MAX; p++) {
		unsigned point_users = 0;
		for (unsigned k = 0; k < points[p].n; k++) {
			struct hook *h = &points[p].h[k];
			/* A feature on everywhere runs on interfaces not made yet too. */
			h->users = (features_everywhere & h->feature) != 0;
			for (unsigned i = 0; i < DP_IFACE_MAX; i++)
				h->users += dp_ifaces[i].type && (iface_features(i) & h->feature);
			point_users += h->users;
		}
		__atomic_store_n(&dp_hook_users[p], point_users, __ATOMIC_RELEASE);
	}
}

void hook_iface_features(uint16_t iface, uint32_t features)
{
	if (dp_ifaces[iface].features == features)
		return;
	__atomic_store_n(&dp_ifaces[iface].features, features, __ATOMIC_RELEASE);
	count_users();
}

void hook_iface_feature_set(uint16_t iface, uint32_t feature, bool on)
{
	uint32_t f = dp_ifaces[iface].features;
	hook_iface_features(iface, on ? f | feature : f & ~feature);
}

void hook_feature_everywhere(uint32_t feature, bool on)
{
	uint32_t f = on ? features_everywhere | feature : features_everywhere & ~feature;
	if (f == features_everywhere)
		return;
	__atomic_store_n(&features_everywhere, f, __ATOMIC_RELEASE);
	count_users();
}

void dp_verdict_apply(struct dp_worker *w, struct rte_mbuf *m, dp_verdict v)
{
	struct dp_lcore_counters *cnt = dp_counters_self();

	switch (v) {
	case DP_CONTINUE:
	case DP_CONSUMED:
		return;
	case DP_REINJECT_ETH:
	case DP_REINJECT_IP4:
		dp_reinject(w, &m, 1, v);
		return;
	default:
		dp_drop(cnt,
			v >= DP_VERDICT_DROP && v - DP_VERDICT_DROP < DP_CNT_ALL &&
					dp_counter_names[v - DP_VERDICT_DROP]
				? (enum dp_counter_id)(v - DP_VERDICT_DROP)
				: DP_CNT_DROP_HOOK_BAD_VERDICT,
			m);
	}
}

/* The interfaces whose features count at point p, as the word
 * dp_mbuf_meta.ifaces holds them: its input interface (PREROUTING,
 * LOCAL_IN), its output interface (POSTROUTING, LOCAL_OUT), or at FORWARD
 * both (a rule set may be on either side); DP_IFACE_MAX for the other. */
union iface_pair {
	struct {
		uint16_t in, out;
	};
	uint32_t word;
};

static inline bool point_by_in(enum dp_hook_point p)
{
	return p != DP_HOOK_POSTROUTING && p != DP_HOOK_LOCAL_OUT;
}

static inline bool point_by_out(enum dp_hook_point p)
{
	return p != DP_HOOK_PREROUTING && p != DP_HOOK_LOCAL_IN;
}

/* The bits of dp_mbuf_meta.ifaces that count at p. */
static inline uint32_t point_keep(enum dp_hook_point p)
{
	return (union iface_pair){{.in = point_by_in(p) ? 0xffff : 0, .out = point_by_out(p) ? 0xffff : 0}}.word;
}

static inline uint32_t point_ifaces(enum dp_hook_point p, struct rte_mbuf *m)
{
	const union iface_pair none = {
		{.in = point_by_in(p) ? 0 : DP_IFACE_MAX, .out = point_by_out(p) ? 0 : DP_IFACE_MAX}};

	return (dp_meta(m)->ifaces & point_keep(p)) | none.word;
}

static inline uint32_t ifaces_features(uint32_t ifaces, uint32_t everywhere)
{
	const union iface_pair at = {.word = ifaces};
	uint32_t f = everywhere;

	if (at.in < DP_IFACE_MAX)
		f |= own_features(at.in);
	if (at.out < DP_IFACE_MAX)
		f |= own_features(at.out);
	return f;
}

/* The features whose hooks run on the packets at point p: all and any of
 * them over the burst; true when every packet has the same (the burst came
 * in and goes out as one, the common case), else each one's in feat. */
static inline bool point_features(enum dp_hook_point p, struct rte_mbuf **pkts, uint16_t n, uint32_t *feat,
				  uint32_t *all, uint32_t *any)
{
	const uint32_t everywhere = __atomic_load_n(&features_everywhere, __ATOMIC_RELAXED);
	const uint32_t keep = point_keep(p), first = dp_meta(pkts[0])->ifaces;
	uint32_t differ = 0, ifaces = UINT32_MAX, f = 0;
	uint16_t i = 1;

	/* Four at a time: this loop runs at every point a burst passes. */
	for (; i + 4 <= n; i += 4)
		differ |= (dp_meta(pkts[i])->ifaces ^ first) | (dp_meta(pkts[i + 1])->ifaces ^ first) |
			  (dp_meta(pkts[i + 2])->ifaces ^ first) | (dp_meta(pkts[i + 3])->ifaces ^ first);
	for (; i < n; i++)
		differ |= dp_meta(pkts[i])->ifaces ^ first;
	if (likely(!(differ & keep))) {
		*all = *any = ifaces_features(point_ifaces(p, pkts[0]), everywhere);
		return true;
	}
	for (i = 0; i < n; i++) {
		uint32_t at = point_ifaces(p, pkts[i]);
		if (at != ifaces) {
			ifaces = at;
			f = ifaces_features(at, everywhere);
		}
		feat[i] = f;
		*all &= f;
		*any |= f;
	}
	return false;
}

static __rte_cold void trace_verdicts(const struct hook *h, struct rte_mbuf **pkts, const dp_verdict *v, uint16_t n)
{
	for (uint16_t j = 0; j < n; j++)
		trace_step(pkts[j], h->name, "%s",
			   v[j] == DP_CONTINUE      ? "passed"
			   : v[j] == DP_CONSUMED    ? "taken by the hook"
			   : v[j] < DP_VERDICT_DROP ? "to be input again"
						    : "dropped");
}

/* The features are read once per point and burst; a hook whose feature
 * every packet has sees the burst itself, and a burst that every hook let
 * through is never compacted. */
uint16_t hook_run(enum dp_hook_point p, struct dp_worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	uint32_t feat[DP_BURST], all = UINT32_MAX, any = 0;
	bool read = false, uniform = false;

	for (unsigned k = 0; k < points[p].n && n; k++) {
		const struct hook *h = &points[p].h[k];
		struct rte_mbuf *gathered[DP_BURST], **sub = pkts;
		dp_verdict v[DP_BURST], stop = 0;
		uint16_t at[DP_BURST], n_sub = n, kept = 0;

		if (!__atomic_load_n(&h->users, __ATOMIC_RELAXED))
			continue;
		if (!read) {
			uniform = point_features(p, pkts, n, feat, &all, &any);
			read = true;
		}
		if (!(any & h->feature))
			continue;
		if (!(all & h->feature)) {
			sub = gathered;
			n_sub = 0;
			for (uint16_t i = 0; i < n; i++) {
				if (feat[i] & h->feature) {
					at[n_sub] = i;
					gathered[n_sub++] = pkts[i];
				}
			}
		}
		h->fn(w, sub, v, n_sub);
		if (unlikely(trace_on()))
			trace_verdicts(h, sub, v, n_sub);
		for (uint16_t j = 0; j < n_sub; j++)
			stop |= v[j];
		if (likely(stop == DP_CONTINUE))
			continue;
		for (uint16_t j = 0; j < n_sub; j++) {
			if (v[j] == DP_CONTINUE)
				continue;
			struct rte_mbuf *m = sub[j];
			pkts[sub == pkts ? j : at[j]] = NULL;
			dp_verdict_apply(w, m, v[j]);
		}
		for (uint16_t i = 0; i < n; i++) {
			if (pkts[i]) {
				if (!uniform)
					feat[kept] = feat[i];
				pkts[kept++] = pkts[i];
			}
		}
		n = kept;
	}
	return n;
}
