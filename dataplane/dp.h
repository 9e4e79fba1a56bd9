/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Runtime state of brink-dataplane shared by the main lcore and the workers.
 *
 * Ownership: the main lcore (control) is the only writer of every table here;
 * workers only read. Tables change in place with single-word atomic stores
 * (nexthop words, port flags) or through lpm4's RCU-safe updates;
 * anything a worker may still hold is reclaimed after an RCU grace period.
 */
#ifndef BRINK_DP_H
#define BRINK_DP_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>
#include <rte_spinlock.h>

#include "config/config.h"
#include "dataplane/counters.h"
#include "dataplane/iface.h"
#include "dataplane/lpm4.h"
#include "dataplane/nexthop.h"

#define DP_BURST 32
#define DP_MAX_WORKERS CFG_MAX_WORKERS

/* A DPDK device. Its L3 side (MAC, MTU, addresses, admin state) is its
 * interface, dp_ifaces[port id] (iface.h). */
struct dp_port {
	bool in_use;
	bool is_punt;              /* the kernel exception interface */
	bool link_up;              /* as last polled by the main lcore */
	uint16_t min_mtu, max_mtu; /* what the device accepts */
	uint16_t n_rxq;
	uint16_t n_txq;
	bool txq_shared; /* fewer TX queues than workers: lock them */
	rte_spinlock_t txq_lock[DP_MAX_WORKERS];
	struct rte_ether_addr device_mac; /* the device's own: the default */
	char device[CFG_DEVICE_MAX];
	struct rte_ether_addr kernel_mac; /* punt port: MAC of the kernel side */
};

struct dp_tx_buffer {
	uint16_t n;
	struct rte_mbuf *pkts[DP_BURST * 2];
};

struct dp_worker {
	unsigned id;
	unsigned lcore;
	unsigned n_rxq;
	struct {
		uint16_t port;
		uint16_t queue;
	} rxq[RTE_MAX_ETHPORTS];
	unsigned n_tx_ports;
	uint16_t tx_ports[RTE_MAX_ETHPORTS]; /* ports to flush: every started port */
	struct dp_tx_buffer tx[RTE_MAX_ETHPORTS];
	/* token bucket for generated ICMP errors (icmp.c) */
	uint64_t icmp_tokens;
	uint64_t icmp_last_tsc;
	/* packets a tunnel encapsulated, routed as the router's own once the
	 * burst that made them is done (ip4_route_later) */
	uint16_t n_later;
	struct rte_mbuf *later[DP_BURST];
	uint16_t ip_id; /* IPv4 identification of the outer headers it builds */
	/* packets of the burst being routed that leave by one logical interface
	 * (a VLAN, a segment, a tunnel), handed to its output together (iface_queue) */
	uint16_t out_iface, n_out;
	struct rte_mbuf *out[DP_BURST];
	uint32_t out_next_hop[DP_BURST];
} __rte_cache_aligned;

/* Why a packet was handed to the main lcore (struct dp_mbuf_meta.reason). */
enum dp_control_reason {
	DP_CTRL_RESOLVE = 1, /* worker -> main: waits for its next hop's MAC */
	DP_CTRL_TRANSMIT,    /* main -> worker: a frame for meta.out_iface, its destination MAC set */
	DP_CTRL_REROUTE,     /* main -> worker: route again (no TTL decrement) */
};

struct dp {
	struct rte_mempool *pool;
	unsigned n_workers;
	struct dp_worker workers[DP_MAX_WORKERS];
	struct dp_port ports[RTE_MAX_ETHPORTS]; /* indexed by DPDK port id */
	int punt_port;                          /* -1 when the exception path is off */
	struct lpm4 *lpm;
	struct rte_rcu_qsbr *qsbr;
	struct rte_ring *to_control;      /* workers -> main: struct arp_event */
	struct rte_ring *to_control_pkts; /* workers -> main: packets waiting for ARP */
	struct rte_ring *inject;          /* main -> worker 0: packets the main lcore sends */
	volatile bool stop;
	bool profile; /* time each stage with the TSC */
	unsigned idle_sleep_us;
};

extern struct dp dp;

/* Registers every module's dataplane part (once), before anything else. */
void dp_modules_init(void);
/* What each lcore in use counts on its own (interface counters). */
int dp_lcore_tables_init(void);

/* Work of a module on the main lcore (learned entries, aging), called
 * between control requests and the slices of a long change with the TSC of
 * the call. Registered at init. */
void dp_main_work_register(void (*fn)(uint64_t now_tsc));
void dp_main_work_run(uint64_t now_tsc);

/* Work of a module on a worker once a round is over: every packet it
 * received has left, been dropped or been handed on, and none of its
 * hooks runs before the next round (what a hook made for a packet that went
 * no further is released here). Registered at init. */
void dp_round_end_register(void (*fn)(struct dp_worker *w));
void dp_round_end_run(struct dp_worker *w);

/* Per-packet metadata in the mbuf private area: one cache line at most. */
struct dp_mbuf_meta {
	union {
		struct {
			uint16_t in_iface;  /* received on: a port, a VLAN, the tunnel that decapsulated it... */
			uint16_t out_iface; /* chosen by routing (output hooks, DP_CTRL_TRANSMIT) */
		};
		uint32_t ifaces; /* both, for the hooks to compare a burst's in one load */
	};
	uint32_t nh;         /* the next hop routing chose (output hooks, DP_CTRL_RESOLVE) */
	uint8_t reason;      /* enum dp_control_reason */
	uint8_t trace_steps; /* steps its trace record has so far */
	uint8_t depth;       /* times it was decapsulated or encapsulated: bounds loops */
	uint8_t reserved;
	uint32_t trace; /* its trace record's id, 0 for none; set only while a trace is on (trace.h) */
	/* What a feature keeps with a packet from one of its hooks to the next,
	 * valid only between them: enum dp_meta_slot. */
	uint64_t feature[4];
};

/* The features' slots of meta.feature. */
enum dp_meta_slot {
	DP_META_CONN,      /* its connection (modules/conntrack/conntrack.h) */
	DP_META_CONN_INFO, /* its state and direction in that connection */
	DP_META_SA,        /* its IPsec security association */
	DP_META_SLOTS,
};
#define DP_MBUF_PRIV_SIZE RTE_ALIGN(sizeof(struct dp_mbuf_meta), RTE_MBUF_PRIV_ALIGN)
#define DP_META_MAX_DEPTH 4

static inline struct dp_mbuf_meta *dp_meta(struct rte_mbuf *m)
{
	RTE_BUILD_BUG_ON(sizeof(struct dp_mbuf_meta) > DP_MBUF_PRIV_SIZE);
	RTE_BUILD_BUG_ON(sizeof(struct dp_mbuf_meta) > RTE_CACHE_LINE_MIN_SIZE);
	RTE_BUILD_BUG_ON(DP_META_SLOTS > RTE_DIM(((struct dp_mbuf_meta *)0)->feature));
	return rte_mbuf_to_priv(m);
}

#endif
