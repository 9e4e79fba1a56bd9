/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Wire format of the control channel between brinkd and brink-dataplane.
 *
 * Transport: a UNIX SOCK_SEQPACKET socket, so every message keeps its
 * boundaries. Each message starts with struct dp_msg_hdr; hdr.len is the
 * total length including the header and must equal the datagram length.
 * Multi-byte fields are host order (both ends run on the same host).
 *
 * Requests carry a seq chosen by brinkd; the reply echoes type and seq.
 * A reply's status is 0 or a negative errno; on error the body is a
 * NUL-terminated message for the operator. Dumps may span several reply
 * messages: all but the last carry DP_MSG_F_MORE.
 *
 * One controller at a time. A connection says HELLO before anything else
 * (anything else first closes it; so does silence for a few seconds). A
 * HELLO while another controller is connected is refused with -EBUSY and a
 * text naming that controller, which is told so by a NOTIFY; with
 * DP_HELLO_F_TAKEOVER the other controller is told by a NOTIFY that it was
 * replaced and disconnected instead. NOTIFY is the only message the
 * dataplane sends unasked (seq 0, a NUL-terminated text for the log); it may
 * arrive between requests or while a reply is awaited.
 *
 * The dataplane never waits for a client: replies a client does not read
 * are queued, requests are not read while that queue is long, and a client
 * that lets it grow too far or stops reading for a few seconds is
 * disconnected.
 *
 * State lives in tables (ports, logical interfaces, addresses, routes, static
 * neighbours, static forwarding entries of VXLAN segments) whose
 * entries each have an owner: the configuration (brinkd's commits), a
 * routing daemon, IKE. An owner changes its entries only, never another's.
 *
 * A transaction replaces what one owner has: TXN_BEGIN, then TXN_ITEMS
 * messages of many items each describing the owner's WHOLE desired state,
 * then TXN_COMMIT. BEGIN and ITEMS get no reply, so they are sent without
 * waiting; the COMMIT reply is the transaction's one answer, and a refusal
 * names the first failing item (its index in the transaction and why). The
 * dataplane marks what the owner has, keeps what the items repeat, and
 * sweeps the rest at commit (applying only the difference: resending the
 * same state changes nothing), all or nothing: on failure it restores what
 * it ran before. Ports, addresses and static neighbours belong to the
 * configuration alone.
 *
 * Each owner's last committed transaction leaves its generation, which
 * HELLO reports: a controller that finds its own generation there knows the
 * dataplane already runs its state and needs to send nothing.
 *
 * A transaction begun with DP_TXN_F_DELTA changes what the owner has
 * instead of replacing it: it names the generation it starts from
 * (base_generation), and is refused with -ESTALE, changing nothing, when
 * the owner's generation is another (the sender then replaces the whole
 * state). Its batches add or delete route paths (DP_ITEMS_ADD, adding a path
 * whose key is there sets its distance; DP_ITEMS_DELETE, the path must be
 * there) or replace one of the configuration's small tables whole
 * (DP_ITEMS_REPLACE); a table no batch names is kept as it is. Only what the
 * delta touches is worked on, so a commit costs the size of its change.
 * In a transaction without DP_TXN_F_DELTA every batch is DP_ITEMS_REPLACE,
 * and a table no batch names is emptied.
 *
 * A transaction begun with DP_TXN_F_BEST_EFFORT (brinkd's resync after a
 * start or a reconnect) does not fail as a whole: every item that can be
 * applied is, and the COMMIT reply (status 0) lists the refused ones, one
 * line of text each, with count = how many.
 *
 * Owners other than the configuration may also change single entries with
 * OBJ requests (a batch of adds or deletes, exist-ok / missing-ok), one reply
 * each; they may be pipelined (sent before the previous reply came), and
 * each bumps the owner's generation.
 */
#ifndef BRINK_DP_MSG_H
#define BRINK_DP_MSG_H

#include <stdint.h>

#define DP_MSG_VERSION 5
#define DP_MSG_MAX_LEN 65536
#define DP_NAME_LEN 16
#define DP_DEVICE_LEN 256
#define DP_COUNTER_NAME_LEN 56

enum dp_msg_type {
	DP_MSG_HELLO = 1,        /* req: struct dp_hello_req; reply: struct dp_hello, or -EBUSY */
	DP_MSG_PORT_DUMP,        /* req: empty; reply: struct dp_port_info[] */
	DP_MSG_TXN_BEGIN,        /* req: struct dp_txn_begin; no reply */
	DP_MSG_TXN_ITEMS,        /* req: struct dp_items + items; no reply */
	DP_MSG_TXN_COMMIT,       /* req: empty; reply: status (+ error text naming the first failing item);
				  * best effort: the refused items, count = how many */
	DP_MSG_TXN_ABORT,        /* req: empty; reply: status */
	DP_MSG_ROUTE_DUMP,       /* req: empty or struct dp_route_dump_req; reply: struct dp_route_info[],
				  * sorted by prefix and length */
	DP_MSG_NEIGH_DUMP,       /* req: empty; reply: struct dp_neigh_info[] */
	DP_MSG_STATS_DUMP,       /* req: empty; reply: struct dp_counter[] */
	DP_MSG_STATS_CLEAR,      /* req: empty; reply: status */
	DP_MSG_NOTIFY,           /* unsolicited, seq 0: a NUL-terminated text for the controller's log */
	DP_MSG_ROUTE_LOOKUP,     /* req: struct dp_lookup_req; reply: struct dp_route_lookup */
	DP_MSG_PORT_STATS_CLEAR, /* req: struct dp_port_ref ("" for every port); reply: status */
	DP_MSG_NEIGH_FLUSH,      /* req: struct dp_port_ref ("" for every port); reply: status, count = flushed */
	DP_MSG_LOG_DUMP,         /* req: empty; reply: struct dp_log_line[], oldest first */
	DP_MSG_TRACE_START,      /* req: struct dp_trace_start; reply: struct dp_trace_status of the new trace */
	DP_MSG_TRACE_DUMP,       /* req: struct dp_trace_dump_req; reply: struct dp_trace_status (one message,
				  * DP_MSG_F_MORE), then struct dp_trace_pkt[] */
	DP_MSG_TRACE_STOP,       /* req: struct dp_trace_ref; reply: struct dp_trace_status. Picks no more
				  * packets; those picked are followed to their end and kept */
	DP_MSG_TRACE_CLEAR,      /* req: struct dp_trace_ref; reply: struct dp_trace_status. Stops the trace
				  * and forgets its packets */
	DP_MSG_OBJ,              /* req: struct dp_obj + items; reply: status (+ error text), count = items changed */
	DP_MSG_IFACE_DUMP,       /* req: empty or struct dp_port_ref (one interface by name); reply:
				  * struct dp_iface_info[], ports first, then by name */
	DP_MSG_FDB_DUMP,         /* req: empty or struct dp_port_ref (one segment by name); reply:
				  * struct dp_fdb_info[] */
	DP_MSG_CT_DUMP,  /* req: empty or struct dp_ct_dump_req; reply: struct dp_ct_info[] (modules/conntrack) */
	DP_MSG_CT_CLEAR, /* req: empty; reply: status, count = connections removed */
	DP_MSG_FW_DUMP,  /* req: empty or struct dp_fw_dump_req; reply: struct dp_fw_counter[] (modules/firewall) */
	DP_MSG_FW_CLEAR, /* req: empty; reply: status: the firewall's counters start again from 0 */
	DP_MSG_NAT_DUMP, /* req: empty; reply: struct dp_nat_counter[] (modules/nat) */
	DP_MSG_TYPE_MAX,
};

#define DP_MSG_F_MORE 0x0001 /* another reply message follows */
#define DP_MSG_F_BUSY 0x0002 /* not the reply: the request is being worked on (sent every second meanwhile) */

struct dp_msg_hdr {
	uint16_t version; /* DP_MSG_VERSION */
	uint16_t type;    /* enum dp_msg_type */
	uint16_t flags;   /* DP_MSG_F_* */
	uint16_t reserved;
	uint32_t len; /* total, header included */
	uint32_t seq;
	int32_t status; /* replies: 0 or -errno */
	uint32_t count; /* replies: number of array elements in the body */
};

#define DP_HELLO_F_TAKEOVER 0x0001 /* replace the connected controller instead of being refused */

struct dp_hello_req {
	uint32_t flags; /* DP_HELLO_F_* */
	uint32_t pid;   /* of the sender, named in messages when the socket cannot tell it */
};

enum dp_owner {
	DP_OWNER_CONFIG = 1, /* brinkd's commits */
	DP_OWNER_ROUTING,    /* a routing daemon */
	DP_OWNER_IKE,        /* the IKE daemon */
	DP_OWNER_MAX,
};

enum dp_table {
	DP_TABLE_PORT = 1, /* struct dp_port_conf; configuration only */
	DP_TABLE_ADDR,     /* struct dp_addr; configuration only */
	DP_TABLE_ROUTE,    /* struct dp_route */
	DP_TABLE_NEIGH,    /* struct dp_neigh; configuration only */
	DP_TABLE_IFACE,    /* struct dp_iface_conf; configuration only */
	/* Module tables: the configuration's, replaced whole, of fixed-size
	 * items a module defines in its <name>_msg.h and registers on both
	 * sides (cfg_table_register, state_table_register). Only the ids are
	 * kept here, so that no two modules take one. */
	DP_TABLE_FDB,      /* struct dp_fdb: modules/vxlan */
	DP_TABLE_CT,       /* struct dp_ct_conf: modules/conntrack */
	DP_TABLE_FIREWALL, /* struct dp_fw_item: modules/firewall */
	DP_TABLE_NAT,      /* struct dp_nat_item: modules/nat */
	DP_TABLE_MAX = 32,
};

struct dp_hello {
	uint32_t n_ports;
	uint32_t n_workers;
	uint64_t generation[DP_OWNER_MAX]; /* per owner, of its last transaction or OBJ; 0 if none */
	uint64_t uptime_s;
	char version[48];              /* the dataplane's build (BRINK_VERSION) */
	char dpdk_version[48];         /* rte_version() */
	char file_prefix[64];          /* its EAL --file-prefix: where dpdk-dumpcap attaches */
	char capture_unavailable[128]; /* why dpdk-dumpcap cannot attach (EAL --no-huge...), "" when it can */
};

#define DP_TXN_F_BEST_EFFORT 0x0001 /* apply what can be applied, report the rest */
#define DP_TXN_F_DELTA 0x0002       /* change the owner's entries from base_generation on */

struct dp_txn_begin {
	uint64_t generation;      /* becomes the owner's generation on commit */
	uint64_t base_generation; /* DP_TXN_F_DELTA: the owner's generation the delta applies to */
	uint32_t flags;           /* DP_TXN_F_* */
	uint8_t owner;            /* enum dp_owner */
	uint8_t reserved[3];
};

enum dp_items_op {
	DP_ITEMS_REPLACE = 0, /* the table's whole content (of this owner); a batch of none empties it */
	DP_ITEMS_ADD,         /* DP_TXN_F_DELTA, routes: add these paths (or set their distance) */
	DP_ITEMS_DELETE,      /* DP_TXN_F_DELTA, routes: delete these paths */
};

/* A batch of items of one table: count structs of that table's type follow.
 * Batches of one table and op may follow each other; they add up. */
struct dp_items {
	uint8_t table; /* enum dp_table */
	uint8_t op;    /* enum dp_items_op */
	uint8_t reserved[2];
	uint32_t count;
};

#define DP_OBJ_ADD 1
#define DP_OBJ_DELETE 2
#define DP_OBJ_F_EXIST_OK 0x01   /* adding an entry that is there (same key) updates it */
#define DP_OBJ_F_MISSING_OK 0x02 /* deleting an entry that is not there is no error */

/* Entries of one owner (not the configuration) added or deleted one by one:
 * count items of the table's type follow; applied in order, stopping at the
 * first that fails (those before it stay). */
struct dp_obj {
	uint8_t owner; /* enum dp_owner, not DP_OWNER_CONFIG */
	uint8_t table; /* DP_TABLE_ROUTE */
	uint8_t op;    /* DP_OBJ_ADD or DP_OBJ_DELETE */
	uint8_t flags; /* DP_OBJ_F_* */
	uint32_t count;
};

/* A port's settings. A port that gets no item, and every setting left at
 * 0, goes back to its default: MTU 1500 (DP_DEFAULT_MTU), the device's own MAC,
 * admin up. */
#define DP_DEFAULT_MTU 1500

struct dp_port_conf {
	char name[DP_NAME_LEN];
	uint16_t mtu;    /* 0: DP_DEFAULT_MTU */
	uint8_t has_mac; /* 0: the device's own MAC */
	uint8_t mac[6];
	uint8_t admin_up;
};

/* Addresses, routes and neighbours name interfaces: a port or a logical
 * interface (struct dp_iface_conf) alike. */
struct dp_addr {
	char port[DP_NAME_LEN]; /* the interface */
	uint32_t ip;            /* host order */
	uint8_t prefix_len;
};

enum dp_route_kind {
	DP_ROUTE_GATEWAY = 1, /* forward to a gateway */
	DP_ROUTE_BLACKHOLE,   /* silently discard (counted) */
	DP_ROUTE_REJECT,      /* discard and answer ICMP net unreachable */
	DP_ROUTE_INTERFACE,   /* deliver to the destination itself on a port */
};

/* One path of a route; a route is all the paths of its prefix, whatever
 * their owners. A path's key is its prefix, kind, gateway and port; the
 * distance is its value. The dataplane uses the usable paths of the lowest
 * distance (a gateway is usable while it lies on a connected subnet of an
 * up port, or its given port is up), spreading flows over several (ECMP, at
 * most DP_ECMP_MAX). */
#define DP_ECMP_MAX 16

struct dp_route {
	uint32_t prefix; /* host order */
	uint8_t prefix_len;
	uint8_t kind;     /* enum dp_route_kind */
	uint8_t distance; /* 1-254 */
	uint8_t reserved;
	uint32_t gateway;       /* host order, DP_ROUTE_GATEWAY only */
	char port[DP_NAME_LEN]; /* INTERFACE: the port; GATEWAY: the port to reach it on, or "" for
				 * the one whose subnet holds it */
};

struct dp_neigh {
	char port[DP_NAME_LEN]; /* unused: the entry goes on the port whose subnet holds ip */
	uint32_t ip;
	uint8_t mac[6];
};

/* Logical interfaces: everything that is not a DPDK port. Each type is a
 * module (modules/<type>/) whose header defines its info, the part of the
 * interface that only its type reads; the interface table replaces them
 * together, so an interface and what stands on it (its addresses, the
 * routes through it) change in one transaction. */
enum dp_iface_type {
	DP_IFACE_PORT = 1, /* a DPDK port: configured through DP_TABLE_PORT, never in this table */
	DP_IFACE_VLAN,     /* an 802.1Q sub-interface of a port (modules/vlan/vlan_msg.h) */
	DP_IFACE_IPIP,     /* an IP-in-IP tunnel (modules/ipip/ipip_msg.h) */
	DP_IFACE_VXLAN,    /* an L3 interface on a VXLAN segment (modules/vxlan/vxlan_msg.h) */
	DP_IFACE_TYPE_MAX,
};

#define DP_IFACE_INFO_LEN 136

struct dp_iface_conf {
	char name[DP_NAME_LEN];
	char parent[DP_NAME_LEN]; /* the port a VLAN stands on; "" for types that have none */
	uint8_t type;             /* enum dp_iface_type, not DP_IFACE_PORT */
	uint8_t admin_up;
	uint16_t mtu;    /* 0: the type's default (its parent's MTU less its overhead) */
	uint8_t has_mac; /* 0: the type's default (a VLAN: its port's) */
	uint8_t mac[6];
	uint8_t reserved[5];
	uint8_t info[DP_IFACE_INFO_LEN]; /* the type's own settings */
};

/* A static entry of a VXLAN segment's forwarding database: frames to mac
 * go to the VTEP remote. */
struct dp_fdb {
	char iface[DP_NAME_LEN]; /* the segment's interface */
	uint8_t mac[6];
	uint8_t reserved[2];
	uint32_t remote; /* host order */
};

struct dp_iface_stats {
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes;
	uint64_t rx_dropped, tx_dropped; /* by this interface's own checks (unknown VLAN, spoofed outer source...) */
};

struct dp_iface_info {
	char name[DP_NAME_LEN];
	char parent[DP_NAME_LEN];
	uint16_t id;  /* the dataplane's interface id */
	uint8_t type; /* enum dp_iface_type */
	uint8_t admin_up;
	uint8_t oper_up; /* admin up and its underlay (port link, parent) up */
	uint8_t has_mac; /* Ethernet types */
	uint16_t mtu;
	uint16_t vrf;
	uint8_t mac[6];
	uint32_t n_addrs;
	struct {
		uint32_t ip;
		uint8_t prefix_len;
	} addrs[8];
	struct dp_iface_stats stats;     /* ports: what the device counted */
	uint8_t info[DP_IFACE_INFO_LEN]; /* the type's settings as it runs them (not for ports) */
};

#define DP_FDB_F_STATIC 0x01 /* configured; otherwise learned from a decapsulated frame */

struct dp_fdb_info {
	char iface[DP_NAME_LEN];
	uint8_t mac[6];
	uint8_t flags; /* DP_FDB_F_* */
	uint8_t reserved;
	uint32_t remote;
	uint32_t age_s; /* learned: since last seen */
};

struct dp_port_stats {
	uint64_t rx_packets, rx_bytes, rx_missed, rx_errors, rx_nombuf;
	uint64_t tx_packets, tx_bytes, tx_errors, tx_dropped;
};

struct dp_port_info {
	char name[DP_NAME_LEN];
	char device[DP_DEVICE_LEN];
	char driver[32];
	uint16_t port_id;
	uint16_t mtu;
	uint16_t min_mtu, max_mtu; /* what the device accepts */
	uint8_t mac[6];
	uint8_t device_mac[6]; /* the device's own, the default */
	uint8_t link_up;
	uint8_t admin_up;
	uint32_t speed_mbps;
	uint16_t n_rxq, n_txq;
	uint32_t n_addrs;
	struct {
		uint32_t ip;
		uint8_t prefix_len;
	} addrs[8];
	struct dp_port_stats stats;
};

enum dp_route_origin {
	DP_ORIGIN_CONNECTED = 1,
	DP_ORIGIN_LOCAL, /* an address of the router itself (/32) */
	DP_ORIGIN_STATIC,
	DP_ORIGIN_NEIGHBOR, /* host route installed for a resolved neighbour */
};

#define DP_ROUTE_F_SELECTED 0x01 /* the path is in the FIB */
#define DP_ROUTE_F_RESOLVED 0x02 /* its next hop has a MAC address (or needs none) */
#define DP_ROUTE_F_USABLE 0x04   /* its port is up: it is a candidate */
/* A gateway path's port is part of its key (it was given); without this flag
 * the port shown is the one the gateway's subnet is on, and the key's is "". */
#define DP_ROUTE_F_PORT_GIVEN 0x08

#define DP_ROUTE_DUMP_F_LONGER 0x01 /* every route inside the prefix, not only the prefix itself */

/* The routes of one prefix (or inside it) of one owner (0: any). */
struct dp_route_dump_req {
	uint32_t prefix; /* host order */
	uint8_t prefix_len;
	uint8_t flags; /* DP_ROUTE_DUMP_F_* */
	uint8_t owner; /* enum dp_owner; 0: every owner, connected, local and neighbour routes too */
	uint8_t reserved;
};

/* One path of a route (a route of several paths gives several entries). */
struct dp_route_info {
	uint32_t prefix;
	uint8_t prefix_len;
	uint8_t kind;     /* enum dp_route_kind, or 0 for connected/local/neighbour */
	uint8_t origin;   /* enum dp_route_origin */
	uint8_t flags;    /* DP_ROUTE_F_* */
	uint8_t distance; /* 0 for connected and local */
	uint8_t owner;    /* enum dp_owner of a route path; 0 for connected, local and neighbour */
	uint8_t reserved[2];
	uint32_t gateway;
	char port[DP_NAME_LEN];
};

enum dp_neigh_state {
	DP_NEIGH_INCOMPLETE = 1,
	DP_NEIGH_REACHABLE,
	DP_NEIGH_STALE, /* reachable time passed, being probed */
	DP_NEIGH_FAILED,
	DP_NEIGH_PERMANENT,
};

struct dp_neigh_info {
	uint32_t ip;
	uint8_t mac[6];
	uint8_t state; /* enum dp_neigh_state */
	uint8_t reserved;
	char port[DP_NAME_LEN];
	uint32_t age_s;  /* since last confirmation */
	uint32_t queued; /* packets waiting for resolution */
};

struct dp_counter {
	char name[DP_COUNTER_NAME_LEN]; /* e.g. "drop.ip4.bad_checksum", "port.dp0.rx_packets" */
	uint64_t value;
};

/* What the FIB does with one destination. */
struct dp_lookup_req {
	uint32_t ip;
};

enum dp_lookup_type {
	DP_LOOKUP_NONE = 0, /* no route: ICMP net unreachable */
	DP_LOOKUP_LOCAL,    /* an address of the router */
	DP_LOOKUP_DIRECT,   /* the destination itself, on a port (connected or interface route) */
	DP_LOOKUP_GATEWAY,  /* hops[0] */
	DP_LOOKUP_ECMP,     /* one of hops[], by a hash of the flow */
	DP_LOOKUP_BLACKHOLE,
	DP_LOOKUP_REJECT,
	DP_LOOKUP_RESERVED, /* 0/8, 127/8, 240/4: never routed */
};

struct dp_lookup_hop {
	uint32_t ip; /* the gateway, or the destination itself */
	char port[DP_NAME_LEN];
	uint8_t mac[6];
	uint8_t resolved; /* mac is known */
	uint8_t reserved;
};

struct dp_route_lookup {
	uint32_t ip;
	uint8_t type; /* enum dp_lookup_type */
	uint8_t n_hops;
	uint8_t prefix_len; /* of the route that matched */
	uint8_t origin;     /* enum dp_route_origin of that route */
	uint32_t prefix;
	struct dp_lookup_hop hops[DP_ECMP_MAX];
};

/* A port by name, or every port when empty. */
struct dp_port_ref {
	char name[DP_NAME_LEN];
};

struct dp_log_line {
	uint64_t time_ms; /* wall clock, ms since the epoch */
	uint8_t level;    /* RTE_LOG_* (syslog levels) */
	uint8_t reserved[7];
	char text[176]; /* NUL-terminated, no newline */
};

/* The per-packet trace. A trace picks the next packets that enter the
 * dataplane (from a port, from the kernel behind the punt port, or sent by
 * the router itself: ARP requests) and records each step one takes until it
 * leaves: which stage acted, what it decided, and the counter it charged
 * when it dropped the packet or counted it otherwise. Packets a traced one
 * becomes (an ICMP error built in its place, an echo reply) stay in its
 * record. One trace at a time: START replaces the last one and its records. */
#define DP_TRACE_MAX 1000     /* packets one trace may pick */
#define DP_TRACE_STEPS_MAX 16 /* steps kept per packet; the last one always is */
#define DP_TRACE_STAGE_LEN 16
#define DP_TRACE_TEXT_LEN 96

struct dp_trace_start {
	uint32_t count;         /* packets to pick, 1 to DP_TRACE_MAX */
	char port[DP_NAME_LEN]; /* only packets received on this port; "" for every packet */
};

/* A trace by id (as its status gives it), or 0 for the current one. A
 * request about a trace that is no longer the current one changes nothing. */
struct dp_trace_ref {
	uint32_t id;
};

struct dp_trace_dump_req {
	uint32_t first; /* the packets from this index on (0: all) */
};

struct dp_trace_status {
	uint32_t id;            /* of the current trace; a new one with every START and CLEAR; 0: none yet */
	uint16_t count;         /* packets asked for */
	uint16_t picked;        /* packets picked so far */
	uint16_t done;          /* of those, how many left the router (sent, dropped or consumed) */
	uint8_t armed;          /* more packets will be picked */
	uint8_t recording;      /* steps are recorded: armed, or picked packets still on their way */
	char port[DP_NAME_LEN]; /* the START's port filter; "" for none */
};

enum dp_trace_origin {
	DP_TRACE_FROM_PORT = 1, /* received on in_port */
	DP_TRACE_FROM_KERNEL,   /* sent by the kernel behind the punt port (in_port) */
	DP_TRACE_FROM_ROUTER,   /* built by the dataplane's main lcore (ARP requests); in_port "" */
};

#define DP_TRACE_HAS_IP4 0x01   /* src_ip, dst_ip, ip_len, ttl and proto are the IPv4 header's */
#define DP_TRACE_HAS_ARP 0x02   /* src_ip, dst_ip: sender and target; proto: the ARP opcode */
#define DP_TRACE_HAS_PORTS 0x04 /* src_port, dst_port: TCP, UDP or SCTP ports */
#define DP_TRACE_HAS_ICMP 0x08  /* src_port: ICMP type, dst_port: code */

struct dp_trace_step {
	char stage[DP_TRACE_STAGE_LEN];    /* the stage that acted: "ip4_route", "tx", "drop"... */
	char text[DP_TRACE_TEXT_LEN];      /* what it decided, for people: "TTL 64 -> 63" */
	char counter[DP_COUNTER_NAME_LEN]; /* the counter it charged ("drop.ip4.no_route"), or "" */
	int16_t worker;                    /* that took the step; -1 for the main lcore */
	uint8_t last;                      /* the packet left the router here */
	uint8_t reserved;
	uint32_t elapsed_us; /* since the packet was picked */
};

/* One packet as it was when picked (headers in host order), and its steps. */
struct dp_trace_pkt {
	uint32_t index;     /* in the order packets were picked: 0 to count - 1 */
	uint8_t origin;     /* enum dp_trace_origin */
	uint8_t done;       /* it left the router: steps[n_steps - 1] is where */
	uint8_t n_steps;    /* steps[] kept */
	uint8_t steps_lost; /* steps between the last two kept that did not fit */
	uint64_t time_ms;   /* wall clock when picked, ms since the epoch */
	char in_port[DP_NAME_LEN];
	int16_t worker;     /* that picked it; -1 for the main lcore */
	uint16_t frame_len; /* bytes, Ethernet header included */
	uint8_t dst_mac[6];
	uint8_t src_mac[6];
	uint16_t ethertype;
	uint8_t has; /* DP_TRACE_HAS_* */
	uint8_t proto;
	uint32_t src_ip, dst_ip;
	uint16_t ip_len;
	uint8_t ttl;
	uint8_t reserved;
	uint16_t src_port, dst_port;
	struct dp_trace_step steps[DP_TRACE_STEPS_MAX];
};

#endif
