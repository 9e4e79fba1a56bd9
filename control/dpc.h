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

/* A dump read reply by reply as its messages come (dpc_stream_open). */
struct dpc_stream {
	int (*each)(void *arg, const struct dp_msg_hdr *h, const void *body, size_t len);
	void *arg;
	uint16_t type;
	uint32_t seq;
	long long last_ms; /* CLOCK_MONOTONIC ms of its last message (or of the request) */
	int status;        /* 1 while replies are to come, 0 after the last, or -errno */
	char err[512];     /* why it failed */
};

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
	struct dpc_stream *stream; /* the dump whose replies are still coming, or NULL */
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
 * NOTIFY goes to on_notify. While a stream is open it reads nothing: the
 * stream's reader takes what comes. Returns 0 while the connection stands,
 * -errno once it is closed (the dataplane went away or sent something else;
 * err says which). */
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

/* A dump whose replies are handed to s->each (set by the caller, as for
 * dpc_transact) as they come, so that its output can go out before its end
 * has arrived. The connection is shared: any other request made while the
 * stream is open first reads the stream's remaining replies (still handed
 * to s->each), so that it gets its own reply. One stream at a time: opening
 * one finishes the one open before in the same way. Returns 0 (s->status
 * is 1) or -errno as dpc_call does. */
int dpc_stream_open(struct dpc *c, struct dpc_stream *s, uint16_t type, const void *body, size_t len, char *err,
		    size_t errlen);
/* Without waiting: hands the stream's next reply, when one has come, to
 * s->each. Returns s->status: 1 while more is to come, 0 after the last,
 * -errno when it failed (s->err says why: the dataplane's refusal, or the
 * connection was lost, as no reply for DPC_TIMEOUT_MS loses it). */
int dpc_stream_read(struct dpc *c, struct dpc_stream *s);
/* Ends a stream before its last reply: the rest is read and dropped, so the
 * connection is ready for the next request. Nothing for a finished one. */
void dpc_stream_cancel(struct dpc *c, const struct dpc_stream *s);

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
 * configuration's: ports the dataplane has (per PORT_DUMP), the logical
 * interfaces (a VLAN only on such a port), the addresses of both, the static
 * forwarding entries of VXLAN segments, static neighbours and route paths,
 * in one transaction with the given DP_TXN_F_* flags, pipelined (one
 * reply). Its generation is a digest
 * of those items, so a dataplane that already runs them (c->generation, from
 * its HELLO or the last push) is sent nothing: returns 1. running is the
 * model whose state has generation c->generation (the last pushed whole), or
 * NULL when there is none: then a strict push sends only the difference
 * from it (DP_TXN_F_DELTA), and the whole state once if the dataplane's
 * generation moved meanwhile (-ESTALE). A best-effort push, or one with no
 * known base, sends the whole state. Otherwise the same return values as
 * dpc_call. With DP_TXN_F_BEST_EFFORT the items the dataplane refused are
 * appended to refused, one line each (refused may be NULL otherwise). */
int dpc_push_state(struct dpc *c, const struct brink_model *running, const struct brink_model *m, uint32_t flags,
		   struct sbuf *refused, char *err, size_t errlen);

/* True when the dataplane has a port of that name (ports: a PORT_DUMP). */
bool dpc_has_port(const struct dp_port_info *ports, size_t n, const char *name);

#endif
