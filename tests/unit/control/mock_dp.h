/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A dataplane stand-in for tests: a thread serving the control protocol
 * (common/dp_msg.h) with two ports, dp0 and dp1, recording what it gets. */
#ifndef BRINK_TEST_MOCK_DP_H
#define BRINK_TEST_MOCK_DP_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/dp_msg.h"

#define MOCK_MAX_ROUTES 64

/* The configuration's entries, in the order sent; route paths sorted by
 * (prefix, length), an added one after those of its prefix. */
#define MOCK_MODULE_TABLE_BYTES 16384

struct mock_tables {
	unsigned n_ports, n_addrs, n_routes, n_neighs, n_ifaces, n_fdb;
	struct dp_port_conf ports[8];
	struct dp_addr addrs[16];
	struct dp_route routes[MOCK_MAX_ROUTES];
	struct dp_neigh neighs[16];
	struct dp_iface_conf ifaces[8];
	struct dp_fdb fdb[8];
	/* the other module tables (cfg_table_register), items as the wire has them */
	unsigned n_module[DP_TABLE_MAX];
	uint8_t module[DP_TABLE_MAX][MOCK_MODULE_TABLE_BYTES];
};

struct mock_dp {
	char path[108];
	int listen_fd;
	pthread_t thread;
	pthread_mutex_t lock;
	bool stop;
	/* behaviour */
	char reject_commit[128]; /* non-empty: TXN_COMMIT fails with this text */
	uint8_t reject_table;    /* a transaction with items of this table is refused ("item 3: item refused") */
	uint32_t busy_pid;       /* non-zero: HELLO without takeover is refused, naming this controller */
	uint16_t notify_before;  /* a request type answered only after a NOTIFY of notify_text */
	char notify_text[128];
	char capture_unavailable[128]; /* what the HELLO says of captures */
	unsigned rx_step;              /* packets every port receives between two PORT_DUMPs */
	/* what was received; the last committed transaction */
	unsigned n_commits, n_hellos, n_aborts, n_refused;
	unsigned n_port_dumps;
	uint32_t hello_flags, hello_pid; /* of the last HELLO */
	uint64_t generation;
	struct mock_tables run; /* what the committed transactions left */
	/* the transaction being received: its tables, those its batches named
	 * (a bit per enum dp_table), its items by enum dp_items_op, its first
	 * refusal (0: none) and that refusal's text */
	struct mock_tables txn;
	struct dp_txn_begin t_begin;
	unsigned t_named;
	unsigned t_items[3];
	int t_status;
	char t_error[128];
	/* of the last transaction received (committed or not) */
	struct dp_txn_begin last_begin;
	unsigned last_named;
	unsigned last_items[3];
	unsigned n_begins, n_item_msgs; /* TXN_BEGIN and TXN_ITEMS messages received */
	/* paths of the other owners (OBJ, their transactions), in the order added */
	uint64_t owner_generation[DP_OWNER_MAX];
	unsigned n_learned, n_objs, n_owner_commits, n_owner_dumps;
	struct mock_learned {
		uint8_t owner;
		struct dp_route r;
	} learned[64];
	/* the trace: the last START, the status every trace request answers,
	 * the packets DUMP gives (set by the test), the STOPs and CLEARs */
	struct dp_trace_start trace_started;
	struct dp_trace_status trace;
	struct dp_trace_pkt trace_pkts[4];
	unsigned n_trace_pkts;
	uint32_t trace_first; /* of the last DUMP */
	unsigned n_trace_stops, n_trace_clears;
	uint32_t trace_stop_id; /* of the last STOP */
	/* the route table ROUTE_DUMP filters and sorts as the dataplane does
	 * (set by the test; a static and a connected route to start with), sent
	 * dump_per_msg paths to a reply message */
	struct dp_route_info route_table[32];
	unsigned n_route_table, dump_per_msg;
	struct dp_route_dump_req dump_req; /* of the last ROUTE_DUMP */
	unsigned n_route_dumps;
	/* IFACE_DUMP gives the ports, then the interfaces that run, each with
	 * its addresses and counters of 100 * (its place in the dump + 1) rx
	 * packets; FDB_DUMP the static entries that run, then these learned ones
	 * (set by the test) */
	struct dp_fdb_info fdb_learned[4];
	unsigned n_fdb_learned;
};

void mock_dp_start(struct mock_dp *m);
void mock_dp_stop(struct mock_dp *m);
/* Closes the current connection (as a dataplane restart would). */
void mock_dp_drop(struct mock_dp *m);
/* Closes the connection and forgets every table and generation (as a
 * dataplane that starts anew). */
void mock_dp_restart(struct mock_dp *m);
/* Sends a NOTIFY of text on the current connection, between requests. */
void mock_dp_notify(struct mock_dp *m, const char *text);

#endif
