/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * brinkd's client side of the dataplane control channel (common/dp_msg.h).
 * Requests are synchronous with a receive timeout, so a stuck dataplane
 * never hangs brinkd; any transport or protocol error closes the connection
 * and the caller reconnects later. The dataplane's notifications (NOTIFY),
 * which may come between requests or before a reply, go to on_notify.
 */
#ifndef BRINK_DPC_H
#define BRINK_DPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/dp_msg.h"
#include "common/sbuf.h"
#include "config/config.h"

#define DPC_TIMEOUT_MS 5000

struct dpc {
	char path[108];
	int fd; /* -1 when not connected */
	uint32_t seq;
	/* The next HELLO replaces a controller already connected instead of
	 * being refused. Cleared once connected, so that a brinkd replaced in
	 * turn later never takes the dataplane back. */
	bool takeover;
	struct dp_hello hello;
	uint64_t generation; /* of the configuration the dataplane runs whole; 0: unknown or in part */
	long long hello_ms;  /* CLOCK_MONOTONIC ms when hello was received */
	void (*on_notify)(void *arg, const char *text);
	void *notify_arg;
};

void dpc_init(struct dpc *c, const char *path);
static inline bool dpc_connected(const struct dpc *c)
{
	return c->fd >= 0;
}
/* Connect and say HELLO. Returns 0 or -errno (err says why); -EBUSY: another
 * controller is connected, and err is the dataplane's text naming it. */
int dpc_connect(struct dpc *c, char *err, size_t errlen);
void dpc_close(struct dpc *c);

/* Reads what the dataplane sent between requests without waiting: each
 * NOTIFY goes to on_notify. Returns 0 while the connection stands, -errno
 * once it is closed (the dataplane went away or sent something else; err
 * says which). */
int dpc_poll(struct dpc *c, char *err, size_t errlen);

/* One request whose reply carries no body. Returns 0, the dataplane's
 * negative status (err holds its text; the connection stays), or -errno for
 * a transport failure (the connection is closed; err says so). */
int dpc_call(struct dpc *c, uint16_t type, const void *body, size_t len, char *err, size_t errlen);

/* A dump: all elements of every reply concatenated into a malloc'ed array
 * (*out, *n). Same return values as dpc_call. */
int dpc_dump(struct dpc *c, uint16_t type, size_t elem_size, void **out, size_t *n, char *err, size_t errlen);
/* The same for a request with a body. */
int dpc_request(struct dpc *c, uint16_t type, const void *body, size_t len, size_t elem_size, void **out, size_t *n,
		char *err, size_t errlen);

/* A request whose replies are not one array: each reply's body goes to
 * each() in turn; a negative return from it closes the connection as a
 * malformed reply. Same return values as dpc_call. */
int dpc_transact(struct dpc *c, uint16_t type, const void *body, size_t len,
		 int (*each)(void *arg, const struct dp_msg_hdr *h, const void *body, size_t len), void *arg, char *err,
		 size_t errlen);

/* True for an error that closed the connection (as opposed to a refusal). */
static inline bool dpc_lost(const struct dpc *c, int rc)
{
	return rc < 0 && c->fd < 0;
}

/* Where the items of a transaction go: table() starts the items of another
 * table (0: ends the last), add() gives one of its items. */
struct dpc_sink {
	int (*table)(struct dpc_sink *s, uint8_t table, size_t esize, char *err, size_t errlen);
	int (*add)(struct dpc_sink *s, const void *item, char *err, size_t errlen);
};

/* One transaction, pipelined: BEGIN, the items fill() gives the sink in
 * TXN_ITEMS batches, COMMIT, whose reply is the only one. With
 * DP_TXN_F_BEST_EFFORT the items the dataplane refused are appended to
 * refused (may be NULL), one line each, and counted in *n_refused (may be
 * NULL). Same return values as dpc_call. */
int dpc_send_txn(struct dpc *c, const struct dp_txn_begin *begin,
		 int (*fill)(struct dpc_sink *s, void *arg, char *err, size_t errlen), void *arg, struct sbuf *refused,
		 unsigned *n_refused, char *err, size_t errlen);

/* An OBJ request: obj->count items of item_size bytes each. *changed is
 * how many the dataplane applied. Same return values as dpc_call; on a
 * refusal the items before the failing one may have been applied. */
int dpc_obj(struct dpc *c, const struct dp_obj *obj, const void *items, size_t item_size, uint32_t *changed, char *err,
	    size_t errlen);

/* Makes the dataplane run the whole runtime state of m as the
 * configuration's: ports the dataplane has (per PORT_DUMP), their
 * addresses, static neighbours and route paths, in one transaction with the
 * given DP_TXN_F_* flags, pipelined (one reply). Its generation is a digest
 * of those items, so a dataplane that already runs them (c->generation, from
 * its HELLO or the last push) is sent nothing: returns 1. Otherwise the same
 * return values as dpc_call. With DP_TXN_F_BEST_EFFORT the items the
 * dataplane refused are appended to refused, one line each (refused may be
 * NULL otherwise). */
int dpc_push_state(struct dpc *c, const struct brink_model *m, uint32_t flags, struct sbuf *refused, char *err,
		   size_t errlen);

/* True when the dataplane has a port of that name (ports: a PORT_DUMP). */
bool dpc_has_port(const struct dp_port_info *ports, size_t n, const char *name);

#endif
