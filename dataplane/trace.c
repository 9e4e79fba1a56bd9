/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The per-packet trace (trace.h): picking packets, recording their steps in
 * per-lcore buffers, and merging those on the main lcore for brinkd.
 *
 * A trace is a window of packet ids: [base, base + count). Ids come from one
 * counter that only grows, so a packet still on its way from an earlier
 * trace has an id below base and is ignored everywhere, without anyone
 * having to find it. Each lcore's buffer says which trace its records are
 * for; the lcore empties it itself when it first records for a newer one,
 * so no lcore ever writes into another's buffer.
 */
#include "dataplane/trace.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <rte_cycles.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "common/net_addr.h"
#include "dataplane/ctl_server.h"
#include "dataplane/nh_group.h"
#include "dataplane/port.h"

RTE_DEFINE_PER_LCORE(bool, trace_lcore_on);
bool trace_global_on __rte_cache_aligned;

/* The current trace, in one word so that every lcore reads all of it at once. */
union trace_window {
	uint64_t word;
	struct {
		uint32_t base;        /* the id of its first packet, which is the trace's id */
		uint16_t count;       /* packets it may pick */
		uint16_t port : 15;   /* pick only packets received on port - 1; 0: any */
		uint16_t stopped : 1; /* pick no more */
	};
};

static uint64_t window_word;
/* Written by whichever lcore picks a packet: on a line of its own. */
static uint32_t next_id __rte_cache_aligned;

static union trace_window window_load(void)
{
	return (union trace_window){.word = __atomic_load_n(&window_word, __ATOMIC_ACQUIRE)};
}

/* Enough of a frame for its summary: Ethernet, IPv4 with options, L4 ports. */
#define PICK_HDR_BYTES 80

struct pick {
	uint32_t id;
	uint16_t port;
	uint8_t origin;
	uint8_t hdr_len;
	uint16_t frame_len;
	uint64_t tsc;
	uint8_t hdr[PICK_HDR_BYTES];
};

struct step {
	uint32_t id;
	uint8_t n; /* the packet's step number, from 0 */
	uint8_t last;
	uint16_t counter; /* enum dp_counter_id, DP_CNT_NONE for none */
	uint64_t tsc;
	const char *stage;
	char text[DP_TRACE_TEXT_LEN];
};

/* One lcore's records, appended by that lcore only; the counts are
 * published with release stores after what they count. A packet has at most
 * DP_TRACE_STEPS_MAX steps kept, so one lcore never needs more room. */
struct trace_buf {
	uint32_t base; /* the trace these records belong to */
	uint32_t n_picks, n_steps, n_done;
	struct pick picks[DP_TRACE_MAX];
	struct step steps[DP_TRACE_MAX * DP_TRACE_STEPS_MAX];
};

static struct trace_buf *bufs[RTE_MAX_LCORE];
static bool started;
static unsigned idle_polls; /* consecutive polls that found nothing on its way */

/* This lcore's buffer, emptied first if it still holds an older trace. */
static struct trace_buf *own_buf(uint32_t base)
{
	unsigned lcore = rte_lcore_id();
	struct trace_buf *b = lcore < RTE_MAX_LCORE ? bufs[lcore] : NULL;

	if (unlikely(!b))
		return NULL;
	if (b->base != base) {
		__atomic_store_n(&b->n_picks, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&b->n_steps, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&b->n_done, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&b->base, base, __ATOMIC_RELEASE);
	}
	return b;
}

/* ---- picking ---- */

static uint32_t pick_id(union trace_window w, uint16_t port)
{
	if (w.stopped || (w.port && w.port != port + 1u))
		return 0;
	/* Read before taking, so that once the trace is full nobody writes the counter. */
	if ((uint32_t)(__atomic_load_n(&next_id, __ATOMIC_RELAXED) - w.base) >= w.count)
		return 0;
	uint32_t id = __atomic_fetch_add(&next_id, 1, __ATOMIC_RELAXED);
	return (uint32_t)(id - w.base) < w.count ? id : 0;
}

static bool keep_pick(struct trace_buf *b, const struct rte_mbuf *m, uint32_t id, uint16_t port, uint8_t origin)
{
	uint32_t n = b->n_picks;

	if (n == RTE_DIM(b->picks))
		return false;
	struct pick *p = &b->picks[n];
	p->id = id;
	p->port = port;
	p->origin = origin;
	p->frame_len = (uint16_t)RTE_MIN(rte_pktmbuf_pkt_len(m), UINT16_MAX);
	p->hdr_len = (uint8_t)RTE_MIN(rte_pktmbuf_data_len(m), PICK_HDR_BYTES);
	p->tsc = rte_rdtsc();
	memcpy(p->hdr, rte_pktmbuf_mtod(m, const void *), p->hdr_len);
	__atomic_store_n(&b->n_picks, n + 1, __ATOMIC_RELEASE);
	return true;
}

void trace_rx(struct rte_mbuf **pkts, uint16_t n, uint16_t port, enum dp_trace_origin origin)
{
	union trace_window w = window_load();
	struct trace_buf *b = own_buf(w.base);

	for (uint16_t i = 0; i < n; i++) {
		struct dp_mbuf_meta *meta = dp_meta(pkts[i]);
		uint32_t id = b ? pick_id(w, port) : 0;

		meta->trace_steps = 0;
		meta->trace = id && keep_pick(b, pkts[i], id, port, (uint8_t)origin) ? id : 0;
	}
}

/* ---- steps ---- */

static void record(uint32_t id, uint8_t *steps, const char *stage, enum dp_counter_id counter, bool last,
		   const char *fmt, va_list ap)
{
	union trace_window w = window_load();
	struct trace_buf *b;
	uint8_t n = *steps;

	if ((uint32_t)(id - w.base) >= w.count || !(b = own_buf(w.base)))
		return;
	if (n < UINT8_MAX)
		*steps = (uint8_t)(n + 1);
	/* Past the room for steps, only the end is kept, in the last slot. */
	if (!last && n >= DP_TRACE_STEPS_MAX - 1)
		return;
	uint32_t k = b->n_steps;
	if (k == RTE_DIM(b->steps))
		return;
	struct step *s = &b->steps[k];
	s->id = id;
	s->n = n;
	s->last = last;
	s->counter = (uint16_t)counter;
	s->tsc = rte_rdtsc();
	s->stage = stage;
	vsnprintf(s->text, sizeof(s->text), fmt, ap);
	__atomic_store_n(&b->n_steps, k + 1, __ATOMIC_RELEASE);
	if (last)
		__atomic_store_n(&b->n_done, b->n_done + 1, __ATOMIC_RELEASE);
}

static void record_mbuf(struct rte_mbuf *m, const char *stage, enum dp_counter_id counter, bool last, const char *fmt,
			va_list ap)
{
	struct dp_mbuf_meta *meta = dp_meta(m);

	if (meta->trace)
		record(meta->trace, &meta->trace_steps, stage, counter, last, fmt, ap);
}

/* For callers without a va_list of their own. */
static void record_mbuf_v(struct rte_mbuf *m, const char *stage, enum dp_counter_id counter, bool last, const char *fmt,
			  ...) __attribute__((format(printf, 5, 6)));
static void record_mbuf_v(struct rte_mbuf *m, const char *stage, enum dp_counter_id counter, bool last, const char *fmt,
			  ...)
{
	va_list ap;

	va_start(ap, fmt);
	record_mbuf(m, stage, counter, last, fmt, ap);
	va_end(ap);
}

void trace_step(struct rte_mbuf *m, const char *stage, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	record_mbuf(m, stage, DP_CNT_NONE, false, fmt, ap);
	va_end(ap);
}

void trace_count(struct rte_mbuf *m, const char *stage, enum dp_counter_id counter, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	record_mbuf(m, stage, counter, false, fmt, ap);
	va_end(ap);
}

void trace_end(struct rte_mbuf *m, const char *stage, enum dp_counter_id counter, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	record_mbuf(m, stage, counter, true, fmt, ap);
	va_end(ap);
}

void trace_drop(struct rte_mbuf *m, enum dp_counter_id why)
{
	record_mbuf_v(m, "drop", why, true, "%s", "");
}

void trace_end_bulk(struct rte_mbuf *const *pkts, uint16_t n, const char *stage, enum dp_counter_id counter)
{
	for (uint16_t i = 0; i < n; i++)
		record_mbuf_v(pkts[i], stage, counter, true, "%s", "");
}

void trace_tx_refs(struct rte_mbuf *const *pkts, uint16_t n, struct trace_ref *refs)
{
	for (uint16_t i = 0; i < n; i++) {
		const struct dp_mbuf_meta *meta = dp_meta(pkts[i]);
		refs[i] = (struct trace_ref){.id = meta->trace, .steps = meta->trace_steps};
	}
}

static void record_ref(struct trace_ref *r, const char *stage, enum dp_counter_id counter, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void record_ref(struct trace_ref *r, const char *stage, enum dp_counter_id counter, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	record(r->id, &r->steps, stage, counter, true, fmt, ap);
	va_end(ap);
}

void trace_tx_done(const struct trace_ref *refs, uint16_t n, uint16_t sent, uint16_t port, uint16_t queue)
{
	const char *name = dp_ifaces[port].name;

	for (uint16_t i = 0; i < n; i++) {
		struct trace_ref r = refs[i];
		if (!r.id)
			continue;
		if (i < sent)
			record_ref(&r, "tx", DP_CNT_NONE, "sent on %s queue %u", name, queue);
		else
			record_ref(&r, "tx", DP_CNT_DROP_TX_FULL, "%s queue %u full", name, queue);
	}
}

void trace_route(struct rte_mbuf *m, uint32_t dst, uint32_t nh_id)
{
	struct nexthop nh;
	char pfx[PREFIX4_STR_LEN], ip[IP4_STR_LEN], mac[MAC_STR_LEN];
	uint8_t len;

	if (!dp_meta(m)->trace)
		return;
	len = lpm4_match_depth(dp.lpm, dst);
	prefix4_fmt(dst & prefix4_mask(len), len, pfx);
	nh = nh_read(nh_id);
	const char *port = dp_ifaces[nh.iface].name;
	switch (nh.kind) {
	case NH_LOCAL:
		trace_step(m, "ip4_route", "route %s -> local: for the router", pfx);
		break;
	case NH_BLACKHOLE:
		trace_step(m, "ip4_route", "route %s -> blackhole", pfx);
		break;
	case NH_REJECT:
		trace_step(m, "ip4_route", "route %s -> reject", pfx);
		break;
	case NH_RESERVED:
		trace_step(m, "ip4_route", "%s is reserved: never routed", pfx);
		break;
	case NH_GROUP:
		trace_step(m, "ip4_route", "route %s -> %u paths (ECMP)", pfx, dp_nh_groups[nh.ip].n);
		break;
	case NH_CONNECTED:
		trace_step(m, "ip4_route", "route %s -> connected on %s, %s not resolved", pfx, port, ip4_fmt(dst, ip));
		break;
	case NH_NEIGHBOR:
		trace_step(m, "ip4_route", "route %s -> %s %s on %s (%s)", pfx, nh.ip == dst ? "host" : "gateway",
			   ip4_fmt(nh.ip, ip), port, nh.resolved ? mac_fmt(nh.mac, mac) : "MAC not resolved");
		break;
	case NH_TUNNEL:
		trace_step(m, "ip4_route", "route %s -> through %s to %s", pfx, port, ip4_fmt(nh.ip, ip));
		break;
	default:
		trace_step(m, "ip4_route", "route %s -> next hop %u of kind %u", pfx, nh_id, nh.kind);
		break;
	}
}

/* ---- the main lcore ---- */

static int alloc_bufs(void)
{
	unsigned lcore;

	RTE_LCORE_FOREACH(lcore) {
		if (bufs[lcore])
			continue;
		bufs[lcore] = rte_zmalloc_socket("brink_trace", sizeof(struct trace_buf), RTE_CACHE_LINE_SIZE,
						 (int)rte_lcore_to_socket_id(lcore));
		if (!bufs[lcore])
			return -ENOMEM;
	}
	return 0;
}

static void set_recording(bool on)
{
	RTE_PER_LCORE(trace_lcore_on) = on;
	__atomic_store_n(&trace_global_on, on, __ATOMIC_RELEASE);
	idle_polls = 0;
}

/* A new window from the next id on. Taking one id for it gives every window
 * its own base, which is the trace's id. Ids start again at 1 rather than
 * wrap through 0, which means "not traced". */
static void window_open(unsigned count, int port)
{
	union trace_window w = {.base = __atomic_add_fetch(&next_id, 1, __ATOMIC_RELAXED),
				.count = (uint16_t)count,
				.port = port < 0 ? 0 : (uint16_t)(port + 1)};

	if (w.base > UINT32_MAX - 2 * DP_TRACE_MAX) {
		w.base = 1;
		__atomic_store_n(&next_id, 1, __ATOMIC_RELAXED);
	}
	__atomic_store_n(&window_word, w.word, __ATOMIC_RELEASE);
}

int trace_start(unsigned count, int port)
{
	int rc;

	if (count == 0 || count > DP_TRACE_MAX || port >= RTE_MAX_ETHPORTS)
		return -EINVAL;
	if ((rc = alloc_bufs()) < 0)
		return rc;
	window_open(count, port);
	started = true;
	set_recording(true);
	return 0;
}

void trace_stop(void)
{
	union trace_window w = window_load();

	w.stopped = 1;
	__atomic_store_n(&window_word, w.word, __ATOMIC_RELEASE);
}

void trace_clear(void)
{
	set_recording(false);
	window_open(0, -1);
}

/* Does lcore's buffer hold records of the trace base? */
static bool buf_of(unsigned lcore, uint32_t base)
{
	return bufs[lcore] && __atomic_load_n(&bufs[lcore]->base, __ATOMIC_ACQUIRE) == base;
}

void trace_status(struct dp_trace_status *st)
{
	union trace_window w = window_load();
	unsigned picked = 0, done = 0;

	memset(st, 0, sizeof(*st));
	for (unsigned l = 0; l < RTE_MAX_LCORE; l++) {
		if (!buf_of(l, w.base))
			continue;
		picked += __atomic_load_n(&bufs[l]->n_picks, __ATOMIC_ACQUIRE);
		done += __atomic_load_n(&bufs[l]->n_done, __ATOMIC_ACQUIRE);
	}
	bool full = (uint32_t)(__atomic_load_n(&next_id, __ATOMIC_RELAXED) - w.base) >= w.count;
	st->id = started ? w.base : 0;
	st->count = w.count;
	st->picked = (uint16_t)RTE_MIN(picked, w.count);
	st->done = (uint16_t)RTE_MIN(done, st->picked);
	st->recording = __atomic_load_n(&trace_global_on, __ATOMIC_ACQUIRE);
	st->armed = st->recording && !w.stopped && !full;
	if (w.port)
		snprintf(st->port, sizeof(st->port), "%s", dp_ifaces[w.port - 1].name);
}

void trace_poll(void)
{
	struct dp_trace_status st;

	if (!__atomic_load_n(&trace_global_on, __ATOMIC_ACQUIRE))
		return;
	trace_status(&st);
	/* Twice in a row, a timer tick apart: a packet being picked right now
	 * is counted by then. */
	if (st.armed || st.done < st.picked)
		idle_polls = 0;
	else if (++idle_polls >= 2)
		set_recording(false);
}

static int16_t worker_of(unsigned lcore)
{
	if (lcore == rte_get_main_lcore())
		return -1;
	for (unsigned i = 0; i < dp.n_workers; i++)
		if (dp.workers[i].lcore == lcore)
			return (int16_t)i;
	return -1;
}

static uint16_t be16_at(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32_at(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* TSC cycles from a to b, read on two lcores whose counters may differ by a few. */
static uint64_t since(uint64_t a, uint64_t b)
{
	return b > a ? b - a : 0;
}

/* The packet as it was picked, from the header bytes kept. */
static void summarize(struct dp_trace_pkt *o, const struct pick *p, int16_t worker, uint64_t now_tsc, uint64_t now_ms)
{
	const uint8_t *h = p->hdr;
	const unsigned eth = sizeof(struct rte_ether_hdr);
	unsigned len = p->hdr_len;

	o->origin = p->origin;
	o->worker = worker;
	o->frame_len = p->frame_len;
	o->time_ms = now_ms - since(p->tsc, now_tsc) * 1000 / rte_get_tsc_hz();
	if (p->port < RTE_MAX_ETHPORTS)
		snprintf(o->in_port, sizeof(o->in_port), "%s", dp_ifaces[p->port].name);
	if (len < eth)
		return;
	memcpy(o->dst_mac, h, 6);
	memcpy(o->src_mac, h + 6, 6);
	o->ethertype = be16_at(h + 12);
	h += eth;
	len -= eth;
	if (o->ethertype == RTE_ETHER_TYPE_ARP && len >= 28) {
		o->has = DP_TRACE_HAS_ARP;
		o->proto = (uint8_t)be16_at(h + 6);
		o->src_ip = be32_at(h + 14);
		o->dst_ip = be32_at(h + 24);
		return;
	}
	if (o->ethertype != RTE_ETHER_TYPE_IPV4 || len < sizeof(struct rte_ipv4_hdr))
		return;
	unsigned ihl = (h[0] & 0xfu) * 4u;
	bool first_fragment = (be16_at(h + 6) & RTE_IPV4_HDR_OFFSET_MASK) == 0;
	o->has = DP_TRACE_HAS_IP4;
	o->ip_len = be16_at(h + 2);
	o->ttl = h[8];
	o->proto = h[9];
	o->src_ip = be32_at(h + 12);
	o->dst_ip = be32_at(h + 16);
	if (!first_fragment || ihl < sizeof(struct rte_ipv4_hdr) || len < ihl + 4)
		return;
	if (o->proto == IPPROTO_TCP || o->proto == IPPROTO_UDP || o->proto == IPPROTO_SCTP) {
		o->has |= DP_TRACE_HAS_PORTS;
		o->src_port = be16_at(h + ihl);
		o->dst_port = be16_at(h + ihl + 2);
	} else if (o->proto == IPPROTO_ICMP) {
		o->has |= DP_TRACE_HAS_ICMP;
		o->src_port = h[ihl];
		o->dst_port = h[ihl + 1];
	}
}

static uint64_t wall_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000;
}

/* A packet's steps are numbered without gaps, and every lcore publishes its
 * steps before the packet moves on; buffers are read one after another, so
 * a later step may be seen without an earlier one: such a packet is shown as
 * still on its way, and complete at the next dump. */
static void finish(struct dp_trace_pkt *o, const uint8_t *last_n)
{
	unsigned n = 0;

	while (n < DP_TRACE_STEPS_MAX && o->steps[n].stage[0])
		n++;
	o->n_steps = (uint8_t)n;
	o->done = n && o->steps[n - 1].last;
	o->steps_lost = o->done && *last_n > n - 1 ? (uint8_t)(*last_n - (n - 1)) : 0;
}

unsigned trace_dump(unsigned first, struct dp_trace_pkt *out, unsigned max)
{
	union trace_window w = window_load();
	uint32_t n_steps[RTE_MAX_LCORE] = {0};
	uint64_t now_tsc = rte_rdtsc(), now_ms = wall_ms(), hz = rte_get_tsc_hz();
	unsigned span, kept = 0;

	if (first >= w.count)
		return 0;
	span = RTE_MIN(max, w.count - first);
	uint64_t *pick_tsc = calloc(span, sizeof(*pick_tsc));
	uint8_t *last_n = calloc(span, 1);
	bool *present = calloc(span, sizeof(*present));
	if (!pick_tsc || !last_n || !present) {
		free(pick_tsc), free(last_n), free(present);
		return 0;
	}
	memset(out, 0, span * sizeof(*out));
	/* Steps counted before picks: a step seen has its packet's pick seen. */
	for (unsigned l = 0; l < RTE_MAX_LCORE; l++)
		if (buf_of(l, w.base))
			n_steps[l] = __atomic_load_n(&bufs[l]->n_steps, __ATOMIC_ACQUIRE);
	for (unsigned l = 0; l < RTE_MAX_LCORE; l++) {
		if (!buf_of(l, w.base))
			continue;
		uint32_t n = __atomic_load_n(&bufs[l]->n_picks, __ATOMIC_ACQUIRE);
		for (uint32_t i = 0; i < n; i++) {
			const struct pick *p = &bufs[l]->picks[i];
			uint32_t k = p->id - w.base - first;
			if (k >= span)
				continue;
			present[k] = true;
			pick_tsc[k] = p->tsc;
			out[k].index = k + first;
			summarize(&out[k], p, worker_of(l), now_tsc, now_ms);
		}
	}
	for (unsigned l = 0; l < RTE_MAX_LCORE; l++) {
		for (uint32_t i = 0; i < n_steps[l]; i++) {
			const struct step *s = &bufs[l]->steps[i];
			uint32_t k = s->id - w.base - first;
			if (k >= span || !present[k])
				continue;
			unsigned slot = RTE_MIN(s->n, DP_TRACE_STEPS_MAX - 1);
			struct dp_trace_step *o = &out[k].steps[slot];
			snprintf(o->stage, sizeof(o->stage), "%s", s->stage);
			snprintf(o->text, sizeof(o->text), "%s", s->text);
			if (s->counter < DP_CNT_NONE && dp_counter_names[s->counter])
				snprintf(o->counter, sizeof(o->counter), "%s", dp_counter_names[s->counter]);
			o->worker = worker_of(l);
			o->last = s->last;
			o->elapsed_us = (uint32_t)RTE_MIN(since(pick_tsc[k], s->tsc) * 1000000 / hz, UINT32_MAX);
			if (s->last)
				last_n[k] = s->n;
		}
	}
	for (unsigned k = 0; k < span; k++) {
		if (!present[k])
			continue;
		finish(&out[k], &last_n[k]);
		if (kept != k)
			out[kept] = out[k];
		kept++;
	}
	free(pick_tsc);
	free(last_n);
	free(present);
	return kept;
}

/* ---- requests ---- */

/* A port by name, the punt port included. */
static int trace_port(const char *name)
{
	int port = port_by_name(name);

	if (port < 0 && dp.punt_port >= 0 && strcmp(dp_ifaces[dp.punt_port].name, name) == 0)
		port = dp.punt_port;
	return port;
}

static void reply_status(struct ctl_conn *c, const struct dp_msg_hdr *req)
{
	struct dp_trace_status st;

	trace_status(&st);
	ctl_reply(c, req, 0, 0, &st, sizeof(st), 1);
}

static void handle_start(struct ctl_conn *c, const struct dp_msg_hdr *req, const void *body, size_t len)
{
	const struct dp_trace_start *s = body;
	char name[DP_NAME_LEN + 1];
	int port = -1, rc;

	if (len != sizeof(*s)) {
		ctl_reply_error(c, req, -EBADMSG, "item of the wrong size");
		return;
	}
	if (s->count == 0 || s->count > DP_TRACE_MAX) {
		ctl_reply_error(c, req, -EINVAL, "a trace takes 1 to %u packets, not %u", (unsigned)DP_TRACE_MAX,
				s->count);
		return;
	}
	snprintf(name, sizeof(name), "%.*s", DP_NAME_LEN, s->port);
	if (name[0] && (port = trace_port(name)) < 0) {
		ctl_reply_error(c, req, -ENODEV, "no port named '%s' in the dataplane", name);
		return;
	}
	if ((rc = trace_start(s->count, port)) < 0) {
		ctl_reply_error(c, req, rc, "no memory for the trace buffers (%zu KiB per lcore)",
				sizeof(struct trace_buf) >> 10);
		return;
	}
	reply_status(c, req);
}

static void handle_dump(struct ctl_conn *c, const struct dp_msg_hdr *req, const void *body, size_t len)
{
	const struct dp_trace_dump_req *d = body;
	struct dp_trace_status st;

	if (len != sizeof(*d)) {
		ctl_reply_error(c, req, -EBADMSG, "item of the wrong size");
		return;
	}
	trace_status(&st);
	unsigned span = d->first < st.count ? st.count - d->first : 0;
	struct dp_trace_pkt *pkts = calloc(span ? span : 1, sizeof(*pkts));
	if (!pkts) {
		ctl_reply_error(c, req, -ENOMEM, "out of memory");
		return;
	}
	unsigned n = trace_dump(d->first, pkts, span);
	ctl_reply(c, req, 0, DP_MSG_F_MORE, &st, sizeof(st), 1);
	ctl_reply_array(c, req, pkts, n, sizeof(*pkts));
	free(pkts);
}

/* STOP and CLEAR name the trace they are about (0: the current one), so a
 * session never stops a trace that another one started since. Returns 1
 * when it is the current one, 0 when not, -1 when refused (answered). */
static int ref_current(struct ctl_conn *c, const struct dp_msg_hdr *req, const void *body, size_t len)
{
	const struct dp_trace_ref *r = body;
	struct dp_trace_status st;

	if (len != sizeof(*r)) {
		ctl_reply_error(c, req, -EBADMSG, "item of the wrong size");
		return -1;
	}
	trace_status(&st);
	return r->id == 0 || r->id == st.id;
}

static void handle_stop(struct ctl_conn *c, const struct dp_msg_hdr *req, const void *body, size_t len)
{
	int current = ref_current(c, req, body, len);

	if (current < 0)
		return;
	if (current)
		trace_stop();
	reply_status(c, req);
}

static void handle_clear(struct ctl_conn *c, const struct dp_msg_hdr *req, const void *body, size_t len)
{
	int current = ref_current(c, req, body, len);

	if (current < 0)
		return;
	if (current)
		trace_clear();
	reply_status(c, req);
}

RTE_INIT(trace_register)
{
	ctl_register(DP_MSG_TRACE_START, handle_start);
	ctl_register(DP_MSG_TRACE_DUMP, handle_dump);
	ctl_register(DP_MSG_TRACE_STOP, handle_stop);
	ctl_register(DP_MSG_TRACE_CLEAR, handle_clear);
}
