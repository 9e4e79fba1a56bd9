/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "dataplane/neigh.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_malloc.h>

#include "common/net_addr.h"
#include "dataplane/ctl_server.h"
#include "dataplane/path.h"
#include "dataplane/fib.h"
#include "dataplane/port.h"

struct neigh {
	bool in_use;
	bool permanent;
	bool host_route; /* its /32 is in the LPM */
	bool pending;    /* created by traffic, not resolved yet: counts against NEIGH_PENDING_MAX */
	uint8_t state;   /* enum dp_neigh_state */
	uint16_t iface;
	uint32_t ip;
	uint32_t nh;
	unsigned refs; /* routes using it as gateway */
	unsigned probes;
	uint8_t mac[6];
	uint64_t confirmed_tsc;
	uint64_t next_probe_tsc;
	unsigned n_hold;
	struct rte_mbuf *hold[NEIGH_HOLD_MAX];
};

/* A token bucket; tokens are kept in TSC cycles x tokens per second, so one token is hz of them. */
struct token_bucket {
	unsigned per_s;
	unsigned burst;
	uint64_t tokens;
	uint64_t last_tsc;
};

static struct neigh *table;
static struct rte_hash *by_ip;
static unsigned n_pending;
static unsigned n_held, hold_limit, hold_limit_shared;
static struct token_bucket create_bucket = {.per_s = NEIGH_CREATE_PER_S, .burst = NEIGH_CREATE_BURST};
static struct token_bucket arp_bucket = {.per_s = NEIGH_ARP_PER_S, .burst = NEIGH_ARP_BURST};

/* Take one token if more than keep are left (keep: a reserve for others). */
static bool bucket_take(struct token_bucket *b, unsigned keep)
{
	uint64_t now = rte_rdtsc(), hz = rte_get_tsc_hz(), cap = (uint64_t)b->burst * hz;
	uint64_t elapsed = now - b->last_tsc;

	/* A bucket starts full; a long pause refills it without overflowing the product. */
	if (b->last_tsc == 0 || elapsed >= cap / b->per_s)
		b->tokens = cap;
	else
		b->tokens = RTE_MIN(cap, b->tokens + elapsed * b->per_s);
	b->last_tsc = now;
	if (b->tokens < (uint64_t)(keep + 1) * hz)
		return false;
	b->tokens -= hz;
	return true;
}

int neigh_init(void)
{
	struct rte_hash_parameters hp = {
		.name = "brink_neigh",
		.entries = NEIGH_MAX,
		.key_len = sizeof(uint32_t),
		.hash_func = rte_jhash,
		.socket_id = (int)rte_socket_id(),
	};

	/* A quarter of the held-packet bound is kept for gateways. */
	hold_limit = RTE_MIN(dp.pool->size / NEIGH_HOLD_POOL_SHARE, NEIGH_HOLD_TOTAL_MAX);
	hold_limit_shared = hold_limit - hold_limit / 4;
	table = rte_zmalloc("brink_neigh", sizeof(*table) * NEIGH_MAX, RTE_CACHE_LINE_SIZE);
	by_ip = rte_hash_create(&hp);
	return table && by_ip ? 0 : -ENOMEM;
}

/* Its MAC is known: packets to it can be sent. */
static bool resolved(const struct neigh *n)
{
	return n->state == DP_NEIGH_REACHABLE || n->state == DP_NEIGH_STALE || n->state == DP_NEIGH_PERMANENT;
}

/* rte_hash gives each key a slot index below NEIGH_MAX: it is the entry's place in table. */
static struct neigh *lookup(uint32_t ip)
{
	int32_t slot = rte_hash_lookup(by_ip, &ip);
	return slot < 0 ? NULL : &table[slot];
}

static struct neigh *create(uint32_t ip, uint16_t iface)
{
	int32_t slot = rte_hash_add_key(by_ip, &ip), nh;
	struct neigh *n;

	if (slot < 0)
		return NULL;
	/* The hash is sized NEIGH_MAX, so its slots always fit the table. */
	nh = slot < NEIGH_MAX ? nh_alloc(NH_NEIGHBOR, iface, ip, 32) : -ENOSPC;
	if (nh < 0) {
		rte_hash_del_key(by_ip, &ip);
		return NULL;
	}
	n = &table[slot];
	memset(n, 0, sizeof(*n));
	n->in_use = true;
	n->ip = ip;
	n->iface = iface;
	n->nh = (uint32_t)nh;
	n->state = DP_NEIGH_INCOMPLETE;
	return n;
}

/* A traffic-created entry stops counting against the cap once it resolves, goes, or serves a route. */
static void pending_end(struct neigh *n)
{
	if (!n->pending)
		return;
	n->pending = false;
	n_pending--;
}

static void drop_held(struct neigh *n, enum dp_counter_id why)
{
	if (n->n_hold == 0)
		return;
	if (trace_on())
		trace_end_bulk(n->hold, n->n_hold, "neigh", why);
	rte_pktmbuf_free_bulk(n->hold, n->n_hold);
	dp_counters_self()->c[why] += n->n_hold;
	n_held -= n->n_hold;
	n->n_hold = 0;
}

static void host_route_install(struct neigh *n)
{
	if (n->host_route || fib_is_configured(n->ip, 32))
		return;
	if (lpm4_add(dp.lpm, n->ip, 32, n->nh) == 0)
		n->host_route = true;
}

static void host_route_remove(struct neigh *n)
{
	if (!n->host_route)
		return;
	n->host_route = false;
	if (!fib_is_configured(n->ip, 32))
		lpm4_delete(dp.lpm, n->ip, 32);
}

static void destroy(struct neigh *n)
{
	host_route_remove(n);
	drop_held(n, DP_CNT_DROP_ARP_UNRESOLVED);
	pending_end(n);
	rte_hash_del_key(by_ip, &n->ip);
	nh_free_deferred(n->nh);
	n->in_use = false;
}

/* The MAC is no longer known: a neighbour nobody routes through is forgotten,
 * a gateway stays (in the given state) so it can be resolved again. */
static void unresolve(struct neigh *n, uint8_t state)
{
	if (n->refs == 0) {
		destroy(n);
		return;
	}
	nh_clear_mac(n->nh);
	host_route_remove(n);
	n->state = state;
	n->probes = 0;
}

/* Hand a packet back to worker 0 to be routed again; why says so in its trace. */
static void reroute(struct dp_lcore_counters *cnt, struct rte_mbuf *m, const char *why)
{
	dp_meta(m)->reason = DP_CTRL_REROUTE;
	if (trace_on())
		trace_step(m, "neigh", "%s: to worker 0, to be routed again", why);
	if (rte_ring_sp_enqueue(dp.inject, m) != 0)
		dp_drop(cnt, DP_CNT_DROP_CONTROL_RING_FULL, m);
	else
		cnt->c[DP_CNT_HELD_SENT]++;
}

/* A packet that waited for n, now resolved: its destination MAC set, to a
 * worker for the rest of its neighbour output (worker.c). */
static void send_held(struct dp_lcore_counters *cnt, struct neigh *n, struct rte_mbuf *m, const char *why)
{
	struct dp_mbuf_meta *meta = dp_meta(m);
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);

	memcpy(&eh->dst_addr, n->mac, 6);
	meta->out_iface = n->iface;
	meta->reason = DP_CTRL_TRANSMIT;
	if (trace_on())
		trace_step(m, "neigh", "%s: to worker 0, to be sent", why);
	if (rte_ring_sp_enqueue(dp.inject, m) != 0)
		dp_drop(cnt, DP_CNT_DROP_CONTROL_RING_FULL, m);
	else
		cnt->c[DP_CNT_HELD_SENT]++;
}

/* Resolved: publish the MAC, the host route, and send what was waiting. */
static void confirm(struct neigh *n, const uint8_t mac[6])
{
	struct dp_lcore_counters *cnt = dp_counters_self();
	char why[64] = "";

	if (trace_on() && n->n_hold) {
		char ip[IP4_STR_LEN], text[MAC_STR_LEN];
		snprintf(why, sizeof(why), "%s is at %s", ip4_fmt(n->ip, ip), mac_fmt(mac, text));
	}
	memcpy(n->mac, mac, 6);
	nh_set_mac(n->nh, mac);
	n->state = n->permanent ? DP_NEIGH_PERMANENT : DP_NEIGH_REACHABLE;
	n->confirmed_tsc = rte_rdtsc();
	n->probes = 0;
	pending_end(n);
	host_route_install(n);
	for (unsigned i = 0; i < n->n_hold; i++)
		send_held(cnt, n, n->hold[i], why);
	n_held -= n->n_hold;
	n->n_hold = 0;
}

/* A request refused by the rate limit is not a probe spent: the timer tries
 * again at its next tick. Gateways may use the whole bucket, others leave a reserve. */
static void send_probe(struct neigh *n, bool unicast)
{
	struct dp_lcore_counters *cnt = dp_counters_self();
	/* Off the interface's subnets (an interface route, a gateway given its
	 * interface) ask from its first address, as Linux does. */
	uint32_t src = iface_source_for(n->iface, n->ip) ?: dp_ifaces[n->iface].primary_ip;
	struct rte_mbuf *m;

	if (!bucket_take(&arp_bucket, n->refs ? 0 : NEIGH_ARP_GATEWAY_RESERVE)) {
		cnt->c[DP_CNT_ARP_REQUESTS_RATE_LIMITED]++;
		return;
	}
	n->probes++;
	n->next_probe_tsc = rte_rdtsc() + rte_get_tsc_hz() * NEIGH_PROBE_INTERVAL_MS / 1000;
	if (src == 0)
		return;
	m = arp_build_request(n->iface, src, n->ip, unicast ? n->mac : NULL);
	if (!m)
		return;
	if (rte_ring_sp_enqueue(dp.inject, m) == 0)
		cnt->c[DP_CNT_ARP_REQUESTS_SENT]++;
	else
		dp_drop(cnt, DP_CNT_DROP_CONTROL_RING_FULL, m);
}

int32_t neigh_ref(uint32_t ip, uint16_t iface)
{
	struct neigh *n = lookup(ip);

	if (n && n->iface != iface) {
		destroy(n);
		n = NULL;
	}
	if (!n && !(n = create(ip, iface)))
		return -ENOSPC;
	/* A gateway from here on: its probes may use the reserve of the ARP budget. */
	n->refs++;
	pending_end(n);
	if (n->state == DP_NEIGH_INCOMPLETE && n->probes == 0)
		send_probe(n, false);
	return (int32_t)n->nh;
}

void neigh_unref(uint32_t ip)
{
	struct neigh *n = lookup(ip);

	if (!n || n->refs == 0)
		return;
	n->refs--;
	/* Unresolved gateways nobody routes through any more are forgotten. */
	if (n->refs == 0 && !n->permanent && n->state != DP_NEIGH_REACHABLE)
		destroy(n);
}

int neigh_set_permanent(uint32_t ip, uint16_t iface, const uint8_t mac[6])
{
	struct neigh *n = lookup(ip);

	if (n && n->iface != iface) {
		if (n->refs)
			return -EBUSY;
		destroy(n);
		n = NULL;
	}
	if (!n && !(n = create(ip, iface)))
		return -ENOSPC;
	n->permanent = true;
	confirm(n, mac);
	return 0;
}

void neigh_clear_permanent(uint32_t ip)
{
	struct neigh *n = lookup(ip);

	if (!n || !n->permanent)
		return;
	n->permanent = false;
	unresolve(n, DP_NEIGH_INCOMPLETE);
	if (n->in_use)
		send_probe(n, false);
}

void neigh_arp_event(const struct arp_event *ev)
{
	struct neigh *n = lookup(ev->ip);

	if (!n) {
		/* Like Linux: learn from requests for us, not from every broadcast,
		 * and only from senders on a subnet of the interface. */
		if (!ev->for_us || !iface_source_for(ev->iface, ev->ip) || !(n = create(ev->ip, ev->iface)))
			return;
	}
	if (n->permanent || n->iface != ev->iface)
		return;
	confirm(n, ev->mac);
}

/* A neighbour for traffic to a new destination, within the cap and the creation rate;
 * NULL when refused (m is then dropped and counted). */
static struct neigh *create_for_traffic(struct dp_lcore_counters *cnt, uint32_t ip, uint16_t iface, struct rte_mbuf *m)
{
	struct neigh *n;

	if (n_pending >= NEIGH_PENDING_MAX) {
		dp_drop(cnt, DP_CNT_DROP_ARP_INCOMPLETE_FULL, m);
		return NULL;
	}
	if (!bucket_take(&create_bucket, 0)) {
		dp_drop(cnt, DP_CNT_DROP_ARP_CREATE_RATE_LIMITED, m);
		return NULL;
	}
	if (!(n = create(ip, iface))) {
		dp_drop(cnt, DP_CNT_DROP_ARP_TABLE_FULL, m);
		return NULL;
	}
	n->pending = true;
	n_pending++;
	return n;
}

/* Hold m until n resolves, within its own queue and the bound over all
 * neighbours, of which gateways may use the reserve. */
static void hold(struct dp_lcore_counters *cnt, struct neigh *n, struct rte_mbuf *m)
{
	if (n->n_hold == NEIGH_HOLD_MAX) {
		dp_drop(cnt, DP_CNT_DROP_ARP_HOLD_FULL, m);
		return;
	}
	if (n_held >= (n->refs ? hold_limit : hold_limit_shared)) {
		dp_drop(cnt, DP_CNT_DROP_ARP_HOLD_TOTAL_FULL, m);
		return;
	}
	n->hold[n->n_hold++] = m;
	n_held++;
	if (trace_on()) {
		char ip[IP4_STR_LEN];
		trace_step(m, "neigh", "held for ARP of %s (%u waiting)", ip4_fmt(n->ip, ip), n->n_hold);
	}
}

void neigh_resolve_packet(struct rte_mbuf *m)
{
	struct dp_lcore_counters *cnt = dp_counters_self();
	uint32_t nh_id = dp_meta(m)->nh;
	struct nexthop nh = nh_read(nh_id);
	struct neigh *n;
	uint32_t target;

	if (nh.kind == NH_CONNECTED) {
		const struct rte_ipv4_hdr *ip =
			rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
		target = rte_be_to_cpu_32(ip->dst_addr);
	} else if (nh.kind == NH_NEIGHBOR) {
		target = nh.ip;
	} else {
		/* The route changed while the packet was on its way: route it again. */
		reroute(cnt, m, "its route changed");
		return;
	}
	n = lookup(target);
	if (!n && !(n = create_for_traffic(cnt, target, nh.iface, m)))
		return;
	if (resolved(n)) {
		/* Resolved since the worker looked: send it on. */
		send_held(cnt, n, m, "resolved meanwhile");
		return;
	}
	/* Traffic restarts a failed gateway's resolution even when m cannot be held. */
	if (n->state == DP_NEIGH_FAILED) {
		n->state = DP_NEIGH_INCOMPLETE;
		n->probes = 0;
	}
	if (n->probes == 0)
		send_probe(n, false);
	hold(cnt, n, m);
}

void neigh_timer(uint64_t now)
{
	uint64_t hz = rte_get_tsc_hz();

	for (unsigned i = 0; i < NEIGH_MAX; i++) {
		struct neigh *n = &table[i];
		if (!n->in_use || n->permanent)
			continue;
		switch (n->state) {
		case DP_NEIGH_REACHABLE:
			if (now - n->confirmed_tsc > NEIGH_REACHABLE_S * hz) {
				n->state = DP_NEIGH_STALE;
				n->probes = 0;
				send_probe(n, true);
			}
			break;
		case DP_NEIGH_STALE:
		case DP_NEIGH_INCOMPLETE:
			if (now < n->next_probe_tsc)
				break;
			if (n->probes < NEIGH_PROBES) {
				send_probe(n, n->state == DP_NEIGH_STALE);
				break;
			}
			/* No answer: the host is gone. */
			drop_held(n, DP_CNT_DROP_ARP_UNRESOLVED);
			unresolve(n, DP_NEIGH_FAILED);
			break;
		case DP_NEIGH_FAILED:
			/* Gateways keep being probed, slowly, so routes through them recover. */
			if (now - n->next_probe_tsc > 5 * hz) {
				n->state = DP_NEIGH_INCOMPLETE;
				n->probes = 0;
				send_probe(n, false);
			}
			break;
		}
	}
}

void neigh_sweep(bool (*onlink)(uint16_t iface, uint32_t ip))
{
	for (unsigned i = 0; i < NEIGH_MAX; i++) {
		struct neigh *n = &table[i];
		if (n->in_use && n->refs == 0 && !n->permanent && !onlink(n->iface, n->ip))
			destroy(n);
	}
}

bool neigh_mac(uint32_t ip, uint8_t mac[6])
{
	const struct neigh *n = lookup(ip);
	bool known = n && resolved(n);

	if (known && mac)
		memcpy(mac, n->mac, 6);
	return known;
}

void neigh_restore_host_route(uint32_t ip)
{
	struct neigh *n = lookup(ip);
	if (n && resolved(n)) {
		n->host_route = false;
		host_route_install(n);
	}
}

void neigh_flush_all(void)
{
	for (unsigned i = 0; i < NEIGH_MAX; i++)
		if (table[i].in_use)
			drop_held(&table[i], DP_CNT_DROP_SHUTDOWN);
}

unsigned neigh_dump(struct dp_neigh_info *out, unsigned max)
{
	uint64_t now = rte_rdtsc(), hz = rte_get_tsc_hz();
	unsigned k = 0;

	for (unsigned i = 0; i < NEIGH_MAX && k < max; i++) {
		const struct neigh *n = &table[i];
		if (!n->in_use)
			continue;
		struct dp_neigh_info *o = &out[k++];
		memset(o, 0, sizeof(*o));
		o->ip = n->ip;
		memcpy(o->mac, n->mac, 6);
		o->state = n->state;
		snprintf(o->port, sizeof(o->port), "%s", dp_ifaces[n->iface].name);
		o->age_s = n->confirmed_tsc ? (uint32_t)((now - n->confirmed_tsc) / hz) : 0;
		o->queued = n->n_hold;
	}
	return k;
}

unsigned neigh_host_routes(struct dp_route_info *out, unsigned max)
{
	unsigned k = 0;

	for (unsigned i = 0; i < NEIGH_MAX && k < max; i++) {
		const struct neigh *n = &table[i];
		if (!n->in_use || !n->host_route)
			continue;
		struct dp_route_info *o = &out[k++];
		memset(o, 0, sizeof(*o));
		o->prefix = n->ip;
		o->prefix_len = 32;
		o->origin = DP_ORIGIN_NEIGHBOR;
		o->flags = DP_ROUTE_F_SELECTED | DP_ROUTE_F_RESOLVED | DP_ROUTE_F_USABLE;
		o->gateway = n->ip;
		snprintf(o->port, sizeof(o->port), "%s", dp_ifaces[n->iface].name);
	}
	return k;
}

/* "clear arp": dynamic entries go; gateways that routes use are kept and
 * resolved again at once. */
static unsigned flush(int iface)
{
	unsigned k = 0;

	for (unsigned i = 0; i < NEIGH_MAX; i++) {
		struct neigh *n = &table[i];
		if (!n->in_use || n->permanent || (iface >= 0 && n->iface != iface))
			continue;
		k++;
		unresolve(n, DP_NEIGH_INCOMPLETE);
		if (n->in_use)
			send_probe(n, false);
	}
	return k;
}

static void handle_flush(struct ctl_conn *c, const struct dp_msg_hdr *req, const void *body, size_t len)
{
	const struct dp_port_ref *ref = body;
	char name[DP_NAME_LEN + 1];
	int iface = -1;

	if (len != sizeof(*ref)) {
		ctl_reply_error(c, req, -EBADMSG, "item of the wrong size");
		return;
	}
	snprintf(name, sizeof(name), "%.*s", DP_NAME_LEN, ref->name);
	if (name[0] && (iface = iface_by_name(name)) < 0) {
		ctl_reply_error(c, req, -ENODEV, "no interface named '%s' in the dataplane", name);
		return;
	}
	ctl_reply(c, req, 0, 0, NULL, 0, flush(iface));
}

static unsigned fill_neighs(void *out, unsigned max)
{
	return neigh_dump(out, max);
}

static void handle_dump(struct ctl_conn *c, const struct dp_msg_hdr *req, const void *body, size_t len)
{
	(void)body, (void)len;
	ctl_reply_dump(c, req, sizeof(struct dp_neigh_info), NEIGH_MAX, fill_neighs);
}

RTE_INIT(neigh_register)
{
	ctl_register(DP_MSG_NEIGH_DUMP, handle_dump);
	ctl_register(DP_MSG_NEIGH_FLUSH, handle_flush);
}
