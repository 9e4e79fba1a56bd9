/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Interfaces: what routes, addresses, neighbours and hooks are about. A DPDK
 * port is an interface of type DP_IFACE_PORT whose id is its port id; the
 * others (VLAN sub-interfaces, tunnels, VXLAN segments) are logical, created
 * from the configuration's interface table by the module of their type,
 * which registers its struct iface_type: how to check, create, change and
 * destroy one, and how a frame or packet leaves by it.
 *
 * Like every table of dp.h, only the main lcore writes interfaces; workers
 * read the fields marked so. An interface's slot is reused only after an
 * RCU grace period, so a worker that still holds its id reads a valid,
 * if down, interface.
 */
#ifndef BRINK_DP_IFACE_H
#define BRINK_DP_IFACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "common/dp_msg.h"
#include "config/config.h"

#define DP_IFACE_MAX (RTE_MAX_ETHPORTS + CFG_MAX_IFACES)
#define DP_IFACE_NONE UINT16_MAX
#define IFACE_PRIV_LEN 256 /* a type's runtime state in the interface */

struct dp_worker;
struct dp_apply;
struct iface_type;

struct dp_iface {
	/* read by workers */
	uint8_t type;  /* enum dp_iface_type; 0: a free slot */
	bool admin_up; /* as configured */
	bool oper_up;  /* admin up, and what it stands on is up: set by the main lcore */
	uint8_t reserved;
	uint16_t id;
	uint16_t port;       /* the DPDK port its frames leave by, RTE_MAX_ETHPORTS for none */
	uint16_t parent;     /* the interface it stands on, or DP_IFACE_NONE */
	uint16_t mtu;        /* IPv4 packets it carries, at most */
	uint16_t vrf;        /* only VRF 0 exists */
	uint32_t features;   /* hooks enabled on it (hook.h) */
	uint32_t primary_ip; /* source of ICMP errors about packets it received, 0 if none */
	union {
		struct rte_ether_addr mac;
		uint64_t mac_word; /* for single-store updates */
	};
	const struct iface_type *ops;
	char name[CFG_NAME_MAX];
	/* control side only */
	unsigned n_addrs;
	struct brink_addr addrs[CFG_MAX_ADDRS];
	struct dp_iface_conf conf;                     /* logical interfaces: as configured */
	uint64_t announced_mac_word;                   /* the MAC its addresses were last announced with */
	uint8_t priv[IFACE_PRIV_LEN] __rte_aligned(8); /* the type's own state */
};

struct iface_type {
	uint8_t type; /* enum dp_iface_type */
	const char *name;
	/* Ethernet types carry frames (ARP, neighbours); the others (tunnels)
	 * take IPv4 packets, and a route through them names the far end. */
	bool ethernet;
	/* Is conf acceptable as it stands: its parent, its settings, clashes
	 * with the others of the table it comes in (all[0..n-1])? Checks
	 * before anything changes. */
	int (*check)(const struct dp_iface_conf *conf, const struct dp_iface_conf *all, unsigned n, char *err,
		     size_t errlen);
	/* Make ifc (type, id, name set; the rest zero, or as it ran before)
	 * run conf: MTU, MAC, port, parent and priv. Called at every change of
	 * the interfaces, so what follows the parent (its MTU, its MAC) does. */
	int (*apply)(struct dp_iface *ifc, const struct dp_iface_conf *conf, char *err, size_t errlen);
	void (*destroy)(struct dp_iface *ifc);
	/* Optional: after every change of interfaces, addresses or links, what
	 * ifc takes from what it stands on (a tunnel's MTU from the interface
	 * of its source address...). Interfaces are taken in id order. */
	void (*follow)(struct dp_iface *ifc);
	/* Whether its underlay is up (the port's link...), for oper_up. */
	bool (*underlay_up)(const struct dp_iface *ifc);
	/* Worker: pkts[0..n-1] leave by ifc, which is up, in their order.
	 * Ethernet types get whole frames with their destination and source
	 * MAC; others IPv4 packets after an Ethernet header (ignored), pkts[i]
	 * toward next_hop[i], the far end. Consumes them. */
	void (*output)(struct dp_worker *w, struct dp_iface *ifc, struct rte_mbuf **pkts, const uint32_t *next_hop,
		       uint16_t n);
	/* The type's settings and state into info (struct dp_iface_info.info). */
	void (*info)(const struct dp_iface *ifc, uint8_t info[DP_IFACE_INFO_LEN]);
};

extern struct dp_iface dp_ifaces[DP_IFACE_MAX];

void iface_type_register(const struct iface_type *t);
const struct iface_type *iface_type_get(uint8_t type);

static inline struct dp_iface *iface_get(uint16_t id)
{
	return &dp_ifaces[id];
}

/* An interface by name (ports included, the punt port not), or -1. */
int iface_by_name(const char *name);
/* The interface a message names in a field of DP_NAME_LEN bytes, not
 * terminated when full: DP_IFACE_NONE for an empty field, unknown when no
 * interface has the name (a rule that names one matches nothing). */
uint16_t iface_by_msg_name(const char *name, uint16_t unknown);
/* The interface that has address ip (a tunnel's underlay), or DP_IFACE_NONE. */
uint16_t iface_holding(uint32_t ip);
/* Address of the interface whose subnet contains target, 0 if none. */
uint32_t iface_source_for(uint16_t id, uint32_t target);
/* The interface carries traffic: oper_up. */
bool iface_is_up(uint16_t id);
void iface_set_addrs(uint16_t id, const struct brink_addr *addrs, unsigned n);
/* Gratuitous ARP for each address of an Ethernet interface (after a MAC change). */
void iface_announce(uint16_t id);
/* Sets what every interface follows (iface_type.follow) and its oper_up
 * from its admin state and underlay; true when oper_up changed for one. */
bool iface_refresh_oper(void);

/* The port's own interface, set up with the port. */
void iface_port_init(uint16_t port, const char *name, const struct rte_ether_addr *mac, uint16_t mtu);

/* The configuration's logical interfaces become confs[0..n-1]: every one is
 * checked first (nothing changes when one is refused), then the missing
 * ones are destroyed, the new ones created and the others changed where
 * they differ. Their addresses are set by the caller after. */
int iface_replace(const struct dp_iface_conf *confs, unsigned n, struct dp_apply *a);

/* Per-lcore counters of logical interfaces (ports are counted by the device). */
struct iface_counters {
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes, rx_dropped, tx_dropped;
};
extern struct iface_counters *iface_counters[RTE_MAX_LCORE];
int iface_counters_init(unsigned lcore);

static inline struct iface_counters *iface_counters_self(uint16_t id)
{
	return &iface_counters[rte_lcore_id()][id];
}

/* A run of packets received on interface id, counted at once. */
static inline void iface_count_rx(uint16_t id, uint64_t packets, uint64_t bytes)
{
	if (packets) {
		struct iface_counters *c = iface_counters_self(id);
		c->rx_packets += packets;
		c->rx_bytes += bytes;
	}
}

#endif
