/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The per-packet trace ("monitor dataplane trace <n>", common/dp_msg.h): the
 * next n packets that enter are picked, and every stage they cross records
 * a step: its name, what it decided and, when it dropped or otherwise
 * counted the packet, the counter. A stage adds a step with one call, only
 * while a trace is on:
 *
 *	if (trace_on())
 *		trace_step(m, "nat", "source %s -> %s", from, to);
 *
 * trace_count() is the same for a decision that charges a counter while the
 * packet goes on (no route: an ICMP error follows); trace_end() for the
 * step where the packet leaves (dp_drop() records its drop itself).
 *
 * Cost when no trace is on: each lcore copies one global flag into a
 * per-lcore variable at the start of its poll round (trace_round), and the
 * stages test that copy (a stage loop reads it once per burst), predicted
 * not taken. Nothing else is read or written: a packet's trace id lives in
 * its mbuf metadata (struct dp_mbuf_meta), which is stale memory for
 * packets that entered while no trace was on, so it is written at every
 * entry point (trace_rx) and read only while the flag is set.
 *
 * Records go to a buffer of the lcore that handles the packet at that
 * moment (a held packet is the main lcore's, then worker 0's), appended and
 * published with release stores; the main lcore merges the buffers when
 * asked. On a worker: no lock, no allocation, no syscall; a step's text is
 * formatted, into the lcore's own buffer, only for a traced packet.
 */
#ifndef BRINK_DP_TRACE_H
#define BRINK_DP_TRACE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_mbuf.h>
#include <rte_per_lcore.h>

#include "common/dp_msg.h"
#include "dataplane/counters.h"
#include "dataplane/dp.h"

/* "A trace is on", as this lcore saw it at the start of its round. */
RTE_DECLARE_PER_LCORE(bool, trace_lcore_on);
extern bool trace_global_on;

static inline bool trace_on(void)
{
	return unlikely(RTE_PER_LCORE(trace_lcore_on));
}

/* A worker, at the start of every poll round. */
static inline void trace_round(void)
{
	RTE_PER_LCORE(trace_lcore_on) = __atomic_load_n(&trace_global_on, __ATOMIC_ACQUIRE);
}

/* ---- recording (any lcore; each call does nothing for a packet not traced) ---- */

/* Where packets enter (while trace_on()): each one gets a trace id, or none
 * once the trace has picked its count, and picked ones their summary.
 * port: where they came from, RTE_MAX_ETHPORTS for the router's own. */
__rte_cold void trace_rx(struct rte_mbuf **pkts, uint16_t n, uint16_t port, enum dp_trace_origin origin);

/* A new mbuf (a fragment, an ARP request) that no record follows. */
static inline void trace_untraced(struct rte_mbuf *m)
{
	dp_meta(m)->trace = 0;
}

/* m goes to another lcore through a ring: its trace id must be valid there
 * whether or not a trace is on here. */
static inline void trace_handoff(struct rte_mbuf *m)
{
	if (!trace_on())
		trace_untraced(m);
}

/* A decision; the packet goes on. */
__rte_cold void trace_step(struct rte_mbuf *m, const char *stage, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A decision that charged a counter; the packet goes on (as an ICMP error...). */
__rte_cold void trace_count(struct rte_mbuf *m, const char *stage, enum dp_counter_id counter, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The packet leaves the router here (counter: DP_CNT_NONE when none was charged). */
__rte_cold void trace_end(struct rte_mbuf *m, const char *stage, enum dp_counter_id counter, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The end of a packet freed for a reason: dp_drop() calls it. */
__rte_cold void trace_drop(struct rte_mbuf *m, enum dp_counter_id why);
/* The end of n packets freed together. */
__rte_cold void trace_end_bulk(struct rte_mbuf *const *pkts, uint16_t n, const char *stage, enum dp_counter_id counter);

/* The route an LPM lookup chose for dst (next hop nh): prefix, kind, where. */
__rte_cold void trace_route(struct rte_mbuf *m, uint32_t dst, uint32_t nh);

/* TX hands mbufs to the driver, which may free them at once: what the
 * records need is taken before, then they are told which were sent. */
struct trace_ref {
	uint32_t id;
	uint8_t steps;
};
__rte_cold void trace_tx_refs(struct rte_mbuf *const *pkts, uint16_t n, struct trace_ref *refs);
__rte_cold void trace_tx_done(const struct trace_ref *refs, uint16_t n, uint16_t sent, uint16_t port, uint16_t queue);

/* ---- the main lcore ---- */

/* Pick the next count packets (those received on port, or any when port < 0),
 * replacing the last trace. 0, -EINVAL (count not 1 to DP_TRACE_MAX) or
 * -ENOMEM (the buffers are allocated at the first start). */
int trace_start(unsigned count, int port);
/* Pick no more; packets picked are followed to their end. */
void trace_stop(void);
/* Stop recording and forget the records. */
void trace_clear(void);
void trace_status(struct dp_trace_status *st);
/* The packets picked, from index first on, in order: at most max. */
unsigned trace_dump(unsigned first, struct dp_trace_pkt *out, unsigned max);
/* Called every timer tick: a trace whose packets all left stops recording. */
void trace_poll(void);

#endif
