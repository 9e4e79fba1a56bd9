/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "control/dpc.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "common/msg.h"
#include "config/module.h"

void dpc_init(struct dpc *c, const char *path)
{
	*c = (struct dpc){.fd = -1};
	snprintf(c->path, sizeof(c->path), "%s", path);
}

void dpc_close(struct dpc *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	if (c->stream) {
		c->stream->status = -ECONNRESET;
		snprintf(c->stream->err, sizeof(c->stream->err), "dataplane connection lost");
		c->stream = NULL;
	}
}

static uint8_t buf[DP_MSG_MAX_LEN];

/* Closes first: err may be the open stream's, which the close marks too. */
static int lost(struct dpc *c, int rc, const char *what, char *err, size_t errlen)
{
	dpc_close(c);
	snprintf(err, errlen, "dataplane connection lost (%s: %s)", what, strerror(-rc));
	return rc;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* The body of an error reply or a NOTIFY is meant to be NUL-terminated; do
 * not trust it to be. */
static void body_text(const void *msg, char *text, size_t len)
{
	const char *s = msg_body(msg);
	snprintf(text, len, "%.*s", (int)strnlen(s, msg_body_len(msg)), s);
}

static void notified(struct dpc *c, const void *msg)
{
	char text[512];

	body_text(msg, text, sizeof(text));
	if (c->on_notify)
		c->on_notify(c->notify_arg, text);
}

/* Reads one message for the request (type, seq) and hands a reply's body to
 * each(). Returns 1 while more replies are to come (a NOTIFY or a BUSY was
 * read, or a reply with DP_MSG_F_MORE), 0 after the last, the dataplane's
 * negative status (err holds its text), or -errno once the connection is
 * closed. */
typedef int (*reply_fn)(void *arg, const struct dp_msg_hdr *h, const void *body, size_t len);
static int receive(struct dpc *c, uint16_t type, uint32_t seq, reply_fn each, void *arg, char *err, size_t errlen)
{
	int rc = msg_recv(c->fd, buf, sizeof(buf));

	if (rc == 0)
		return lost(c, -ECONNRESET, "receive", err, errlen);
	if (rc < 0)
		return lost(c, rc == -EAGAIN ? -ETIMEDOUT : rc, "receive", err, errlen);
	const struct dp_msg_hdr *r = (const void *)buf;
	if (r->type == DP_MSG_NOTIFY) {
		notified(c, buf);
		return 1;
	}
	if (r->seq != seq || r->type != type)
		return lost(c, -EPROTO, "reply out of sequence", err, errlen);
	if (r->flags & DP_MSG_F_BUSY)
		return 1; /* alive and working: each wait has its own timeout */
	if (r->status < 0) {
		body_text(buf, err, errlen);
		if (!*err)
			snprintf(err, errlen, "%s", strerror(-r->status));
		if (r->flags & DP_MSG_F_MORE)
			return lost(c, -EPROTO, "error reply with more to come", err, errlen);
		return r->status;
	}
	if (each && (rc = each(arg, r, msg_body(buf), msg_body_len(buf))) < 0)
		return lost(c, rc, "malformed reply", err, errlen);
	return (r->flags & DP_MSG_F_MORE) != 0;
}

/* One message of the open stream s; deliver false drops its body. */
static void stream_step(struct dpc *c, struct dpc_stream *s, bool deliver)
{
	int rc = receive(c, s->type, s->seq, deliver ? s->each : NULL, s->arg, s->err, sizeof(s->err));

	s->last_ms = now_ms();
	if (rc <= 0) {
		s->status = rc;
		if (c->stream == s)
			c->stream = NULL;
	}
}

/* Reads the open stream to its end, waiting for each reply. */
static void stream_finish(struct dpc *c, bool deliver)
{
	struct dpc_stream *s = c->stream;

	while (c->stream == s && s->status > 0)
		stream_step(c, s, deliver);
}

/* Sends a request with the connection to itself: an open stream is read to
 * its end first, so that the replies that follow are this request's. */
static int send_request(struct dpc *c, struct dp_msg_hdr *h, const void *body, size_t len, char *err, size_t errlen)
{
	int rc;

	if (c->stream)
		stream_finish(c, true);
	if (c->fd < 0) {
		snprintf(err, errlen, "dataplane not connected");
		return -ENOTCONN;
	}
	h->seq = ++c->seq;
	if ((rc = msg_send(c->fd, h, body, len)) < 0)
		return lost(c, rc, "send", err, errlen);
	return 0;
}

/* Sends a request and hands every reply body to each(); stops after the
 * reply without DP_MSG_F_MORE. */
static int transact(struct dpc *c, uint16_t type, const void *body, size_t len, reply_fn each, void *arg, char *err,
		    size_t errlen)
{
	struct dp_msg_hdr h = {.type = type};
	int rc = send_request(c, &h, body, len, err, errlen);

	while (rc == 0 && (rc = receive(c, type, h.seq, each, arg, err, errlen)) > 0)
		rc = 0;
	return rc;
}

int dpc_stream_open(struct dpc *c, struct dpc_stream *s, uint16_t type, const void *body, size_t len, char *err,
		    size_t errlen)
{
	struct dp_msg_hdr h = {.type = type};
	int rc = send_request(c, &h, body, len, err, errlen);

	if (rc < 0)
		return rc;
	s->type = type;
	s->seq = h.seq;
	s->last_ms = now_ms();
	s->status = 1;
	s->err[0] = '\0';
	c->stream = s;
	return 0;
}

int dpc_stream_read(struct dpc *c, struct dpc_stream *s)
{
	struct pollfd p = {.fd = c->fd, .events = POLLIN};

	if (c->stream != s)
		return s->status;
	if (poll(&p, 1, 0) > 0)
		stream_step(c, s, true);
	else if (now_ms() - s->last_ms > DPC_TIMEOUT_MS)
		s->status = lost(c, -ETIMEDOUT, "receive", s->err, sizeof(s->err));
	return s->status;
}

void dpc_stream_cancel(struct dpc *c, const struct dpc_stream *s)
{
	if (c->stream == s)
		stream_finish(c, false);
}

int dpc_call(struct dpc *c, uint16_t type, const void *body, size_t len, char *err, size_t errlen)
{
	return transact(c, type, body, len, NULL, NULL, err, errlen);
}

int dpc_transact(struct dpc *c, uint16_t type, const void *body, size_t len, reply_fn each, void *arg, char *err,
		 size_t errlen)
{
	return transact(c, type, body, len, each, arg, err, errlen);
}

struct collect {
	size_t elem_size;
	uint8_t *v;
	size_t n;
};

static int collect(void *arg, const struct dp_msg_hdr *h, const void *body, size_t len)
{
	struct collect *col = arg;

	if (len != (size_t)h->count * col->elem_size)
		return -EPROTO;
	if (!h->count)
		return 0;
	uint8_t *v = realloc(col->v, (col->n + h->count) * col->elem_size);
	if (!v)
		return -ENOMEM;
	memcpy(v + col->n * col->elem_size, body, len);
	col->v = v;
	col->n += h->count;
	return 0;
}

int dpc_request(struct dpc *c, uint16_t type, const void *body, size_t len, size_t elem_size, void **out, size_t *n,
		char *err, size_t errlen)
{
	struct collect col = {.elem_size = elem_size};
	int rc = transact(c, type, body, len, collect, &col, err, errlen);

	if (rc < 0) {
		free(col.v);
		return rc;
	}
	*out = col.v;
	*n = col.n;
	return 0;
}

int dpc_dump(struct dpc *c, uint16_t type, size_t elem_size, void **out, size_t *n, char *err, size_t errlen)
{
	return dpc_request(c, type, NULL, 0, elem_size, out, n, err, errlen);
}

static int hello(void *arg, const struct dp_msg_hdr *h, const void *body, size_t len)
{
	(void)h;
	if (len != sizeof(struct dp_hello))
		return -EPROTO;
	memcpy(arg, body, len);
	return 0;
}

int dpc_connect(struct dpc *c, char *err, size_t errlen)
{
	struct timeval tv = {.tv_sec = DPC_TIMEOUT_MS / 1000, .tv_usec = DPC_TIMEOUT_MS % 1000 * 1000};
	int fd = msg_connect(c->path);

	dpc_close(c);
	if (fd < 0) {
		snprintf(err, errlen, "cannot connect to %s: %s", c->path, strerror(-fd));
		return fd;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0) {
		int rc = -errno;
		snprintf(err, errlen, "socket options: %s", strerror(errno));
		close(fd);
		return rc;
	}
	c->fd = fd;
	struct dp_hello_req req = {.flags = c->takeover ? DP_HELLO_F_TAKEOVER : 0, .pid = (uint32_t)getpid()};
	int rc = transact(c, DP_MSG_HELLO, &req, sizeof(req), hello, &c->hello, err, errlen);
	if (rc < 0) {
		dpc_close(c);
	} else {
		c->hello_ms = now_ms();
		c->generation = c->hello.generation[DP_OWNER_CONFIG];
		c->takeover = false;
	}
	return rc;
}

int dpc_poll(struct dpc *c, char *err, size_t errlen)
{
	struct pollfd p = {.fd = c->fd, .events = POLLIN};

	if (c->fd < 0) {
		snprintf(err, errlen, "dataplane not connected");
		return -ENOTCONN;
	}
	while (!c->stream && poll(&p, 1, 0) > 0) {
		int rc = msg_recv(c->fd, buf, sizeof(buf));
		if (rc == 0) {
			snprintf(err, errlen, "dataplane connection closed");
			dpc_close(c);
			return -ECONNRESET;
		}
		if (rc < 0)
			return lost(c, rc, "receive", err, errlen);
		if (((const struct dp_msg_hdr *)buf)->type != DP_MSG_NOTIFY)
			return lost(c, -EPROTO, "a reply with no request", err, errlen);
		notified(c, buf);
	}
	return 0;
}

bool dpc_has_port(const struct dp_port_info *ports, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strncmp(ports[i].name, name, DP_NAME_LEN) == 0)
			return true;
	return false;
}

/* dst is zeroed: the bytes after the name stay 0, as the digest wants.
 * Once per route path, so no snprintf. */
static void copy_name(char dst[DP_NAME_LEN], const char *src)
{
	memcpy(dst, src, strnlen(src, DP_NAME_LEN - 1));
}

/* Items of one table and op gathered into TXN_ITEMS messages, sent without waiting. */
struct batch {
	struct dpc_sink sink; /* first: a struct dpc_sink * is the batch */
	struct dpc *c;
	uint8_t table;
	uint8_t op;      /* enum dp_items_op */
	bool name_empty; /* send the batch even with no item: a delta empties the table */
	uint32_t count;
	size_t esize;
	uint8_t msg[DP_MSG_MAX_LEN];
	size_t used; /* header and struct dp_items included */
};

static int batch_flush(struct batch *b, char *err, size_t errlen)
{
	struct dp_msg_hdr h = {.type = DP_MSG_TXN_ITEMS, .seq = ++b->c->seq};
	struct dp_items *it = (void *)(b->msg + sizeof(h));
	int rc;

	if (!b->count && !b->name_empty)
		return 0;
	*it = (struct dp_items){.table = b->table, .op = b->op, .count = b->count};
	if ((rc = msg_send(b->c->fd, &h, it, b->used - sizeof(h))) < 0)
		return lost(b->c, rc, "send", err, errlen);
	b->count = 0;
	b->name_empty = false;
	b->used = sizeof(h) + sizeof(*it);
	return 0;
}

/* Sends what the batch holds, then gathers items of table for op. */
static int batch_start(struct batch *b, uint8_t table, uint8_t op, size_t esize, char *err, size_t errlen)
{
	int rc = batch_flush(b, err, errlen);

	b->table = table;
	b->op = op;
	b->esize = esize;
	b->count = 0;
	b->used = sizeof(struct dp_msg_hdr) + sizeof(struct dp_items);
	return rc;
}

static int batch_add(struct batch *b, const void *item, char *err, size_t errlen)
{
	int rc;

	if (b->used + b->esize > sizeof(b->msg) && (rc = batch_flush(b, err, errlen)) < 0)
		return rc;
	memcpy(b->msg + b->used, item, b->esize);
	b->used += b->esize;
	b->count++;
	return 0;
}

/* A whole state names every table, an empty one too, so that the dataplane
 * sees each table the sender knows replaced. */
static int batch_next_table(struct dpc_sink *s, uint8_t table, size_t esize, char *err, size_t errlen)
{
	int rc = batch_start((struct batch *)s, table, DP_ITEMS_REPLACE, esize, err, errlen);

	((struct batch *)s)->name_empty = table != 0;
	return rc;
}

static int batch_add_item(struct dpc_sink *s, const void *item, char *err, size_t errlen)
{
	return batch_add((struct batch *)s, item, err, errlen);
}

/* FNV-1a over every item of the state, in the order sent. */
struct digest {
	struct dpc_sink sink;
	uint64_t h;
	size_t esize;
};

static void digest_bytes(struct digest *d, const void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		d->h = (d->h ^ ((const uint8_t *)p)[i]) * 0x100000001b3ULL;
}

static int digest_table(struct dpc_sink *s, uint8_t table, size_t esize, char *err, size_t errlen)
{
	struct digest *d = (struct digest *)s;

	(void)err, (void)errlen;
	digest_bytes(d, &table, sizeof(table));
	d->esize = esize;
	return 0;
}

static int digest_add(struct dpc_sink *s, const void *item, char *err, size_t errlen)
{
	(void)err, (void)errlen;
	digest_bytes((struct digest *)s, item, ((struct digest *)s)->esize);
	return 0;
}

/* The items of one table in memory, to compare two states' tables. */
struct gather {
	struct dpc_sink sink;
	size_t esize;
	uint8_t *v;
	size_t len, cap; /* bytes */
};

static int gather_table(struct dpc_sink *s, uint8_t table, size_t esize, char *err, size_t errlen)
{
	(void)table, (void)err, (void)errlen;
	((struct gather *)s)->esize = esize;
	return 0;
}

static int gather_add(struct dpc_sink *s, const void *item, char *err, size_t errlen)
{
	struct gather *g = (struct gather *)s;

	if (g->len + g->esize > g->cap) {
		size_t cap = g->cap ? 2 * g->cap : 64 * g->esize;
		uint8_t *v = realloc(g->v, cap);
		if (!v) {
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
		g->v = v;
		g->cap = cap;
	}
	memcpy(g->v + g->len, item, g->esize);
	g->len += g->esize;
	return 0;
}

typedef int table_items_fn(struct dpc_sink *s, const struct brink_model *m, const struct dp_port_info *ports,
			   size_t n_ports, char *err, size_t errlen);

static int port_items(struct dpc_sink *s, const struct brink_model *m, const struct dp_port_info *ports, size_t n_ports,
		      char *err, size_t errlen)
{
	int rc = 0;

	for (unsigned i = 0; i < m->n_ports && rc == 0; i++) {
		const struct brink_port *p = &m->ports[i];
		if (!dpc_has_port(ports, n_ports, p->name))
			continue;
		struct dp_port_conf pc = {.mtu = p->mtu, .has_mac = p->has_mac, .admin_up = !p->disabled};
		copy_name(pc.name, p->name);
		memcpy(pc.mac, p->mac, sizeof(pc.mac));
		rc = s->add(s, &pc, err, errlen);
	}
	return rc;
}

/* A logical interface on a port the dataplane lacks waits, as that port
 * does, for a dataplane started with it. */
static bool iface_present(const struct brink_iface *f, const struct dp_port_info *ports, size_t n_ports)
{
	return !f->parent[0] || dpc_has_port(ports, n_ports, f->parent);
}

static int iface_items(struct dpc_sink *s, const struct brink_model *m, const struct dp_port_info *ports,
		       size_t n_ports, char *err, size_t errlen)
{
	int rc = 0;

	for (unsigned i = 0; i < m->n_ifaces && rc == 0; i++) {
		const struct brink_iface *f = &m->ifaces[i];
		if (!iface_present(f, ports, n_ports))
			continue;
		struct dp_iface_conf ic = {.type = f->type,
					   .admin_up = !f->disabled,
					   .mtu = f->mtu,
					   .has_mac = f->has_mac};
		copy_name(ic.name, f->name);
		copy_name(ic.parent, f->parent);
		memcpy(ic.mac, f->mac, sizeof(ic.mac));
		memcpy(ic.info, f->info, sizeof(ic.info));
		rc = s->add(s, &ic, err, errlen);
	}
	return rc;
}

static int add_addrs(struct dpc_sink *s, const char *name, const struct brink_addr *addrs, unsigned n, char *err,
		     size_t errlen)
{
	int rc = 0;

	for (unsigned k = 0; k < n && rc == 0; k++) {
		struct dp_addr a = {.ip = addrs[k].ip, .prefix_len = addrs[k].prefix_len};
		copy_name(a.port, name);
		rc = s->add(s, &a, err, errlen);
	}
	return rc;
}

/* The addresses of the ports, then of the logical interfaces. */
static int addr_items(struct dpc_sink *s, const struct brink_model *m, const struct dp_port_info *ports, size_t n_ports,
		      char *err, size_t errlen)
{
	int rc = 0;

	for (unsigned i = 0; i < m->n_ports && rc == 0; i++) {
		const struct brink_port *p = &m->ports[i];
		if (dpc_has_port(ports, n_ports, p->name))
			rc = add_addrs(s, p->name, p->addrs, p->n_addrs, err, errlen);
	}
	for (unsigned i = 0; i < m->n_ifaces && rc == 0; i++) {
		const struct brink_iface *f = &m->ifaces[i];
		if (iface_present(f, ports, n_ports))
			rc = add_addrs(s, f->name, f->addrs, f->n_addrs, err, errlen);
	}
	return rc;
}

static int neigh_items(struct dpc_sink *s, const struct brink_model *m, const struct dp_port_info *ports,
		       size_t n_ports, char *err, size_t errlen)
{
	int rc = 0;

	(void)ports, (void)n_ports;
	for (unsigned i = 0; i < m->n_neighs && rc == 0; i++) {
		struct dp_neigh dn = {.ip = m->neighs[i].ip};
		memcpy(dn.mac, m->neighs[i].mac, sizeof(dn.mac));
		rc = s->add(s, &dn, err, errlen);
	}
	return rc;
}

static struct dp_route route_item(const struct brink_route *r, const struct brink_path *p)
{
	static const uint8_t route_kind[] = {
		[BRINK_PATH_GATEWAY] = DP_ROUTE_GATEWAY,
		[BRINK_PATH_INTERFACE] = DP_ROUTE_INTERFACE,
		[BRINK_PATH_BLACKHOLE] = DP_ROUTE_BLACKHOLE,
		[BRINK_PATH_REJECT] = DP_ROUTE_REJECT,
	};
	struct dp_route dr = {
		.prefix = r->prefix,
		.prefix_len = r->prefix_len,
		.kind = route_kind[p->kind],
		.distance = p->distance,
		.gateway = p->gateway,
	};

	copy_name(dr.port, p->ifname);
	return dr;
}

static int route_items(struct dpc_sink *s, const struct brink_model *m, const struct dp_port_info *ports,
		       size_t n_ports, char *err, size_t errlen)
{
	int rc = 0;

	(void)ports, (void)n_ports;
	for (unsigned i = 0; i < m->n_routes && rc == 0; i++) {
		const struct brink_route *r = &m->routes[i];
		for (unsigned k = 0; k < r->n_paths && rc == 0; k++) {
			struct dp_route dr = route_item(r, &m->paths[r->first_path + k]);
			rc = s->add(s, &dr, err, errlen);
		}
	}
	return rc;
}

/* The tables of a state in the order sent (and digested), each after those
 * it names: the interfaces (a VLAN names its port) before their addresses
 * and the module tables (MODULE_TABLES_AFTER); static neighbours before
 * routes, so routes through them go live resolved. */
static const struct state_table {
	uint8_t table; /* enum dp_table */
	size_t esize;
	table_items_fn *items;
} state_tables[] = {
	{DP_TABLE_PORT, sizeof(struct dp_port_conf), port_items},
	{DP_TABLE_IFACE, sizeof(struct dp_iface_conf), iface_items},
	{DP_TABLE_ADDR, sizeof(struct dp_addr), addr_items},
	{DP_TABLE_NEIGH, sizeof(struct dp_neigh), neigh_items},
	{DP_TABLE_ROUTE, sizeof(struct dp_route), route_items},
};

#define N_STATE_TABLES (sizeof(state_tables) / sizeof(state_tables[0]))
#define MODULE_TABLES_AFTER DP_TABLE_ADDR

/* Every registered module table, in id order, with the model's items. */
static int push_module_tables(struct dpc_sink *s, const struct brink_model *m, char *err, size_t errlen)
{
	int rc = 0;

	for (uint8_t t = 1; t < DP_TABLE_MAX && rc == 0; t++) {
		size_t size = cfg_table_item_size(t);
		if (!size)
			continue;
		rc = s->table(s, t, size, err, errlen);
		for (unsigned i = 0; i < m->tables[t].n && rc == 0; i++)
			rc = s->add(s, m->tables[t].v + i * size, err, errlen);
	}
	return rc;
}

static int push_items(struct dpc_sink *s, const struct brink_model *m, const struct dp_port_info *ports, size_t n_ports,
		      char *err, size_t errlen)
{
	int rc;

	for (size_t i = 0; i < N_STATE_TABLES; i++) {
		const struct state_table *t = &state_tables[i];
		if ((rc = s->table(s, t->table, t->esize, err, errlen)) < 0 ||
		    (rc = t->items(s, m, ports, n_ports, err, errlen)) < 0)
			return rc;
		if (t->table == MODULE_TABLES_AFTER && (rc = push_module_tables(s, m, err, errlen)) < 0)
			return rc;
	}
	return s->table(s, 0, 0, err, errlen);
}

/* A small table whole (DP_ITEMS_REPLACE), when it is not what base had. */
static int replace_if_changed(struct batch *b, const struct state_table *t, const struct brink_model *base,
			      const struct brink_model *m, const struct dp_port_info *ports, size_t n_ports, char *err,
			      size_t errlen)
{
	struct gather was = {.sink = {gather_table, gather_add}, .esize = t->esize};
	struct gather now = {.sink = {gather_table, gather_add}, .esize = t->esize};
	int rc = t->items(&was.sink, base, ports, n_ports, err, errlen);

	if (rc == 0)
		rc = t->items(&now.sink, m, ports, n_ports, err, errlen);
	if (rc == 0 && (was.len != now.len || (now.len && memcmp(was.v, now.v, now.len) != 0))) {
		rc = batch_start(b, t->table, DP_ITEMS_REPLACE, t->esize, err, errlen);
		b->name_empty = true;
		for (size_t off = 0; off < now.len && rc == 0; off += t->esize)
			rc = batch_add(b, now.v + off, err, errlen);
	}
	free(was.v);
	free(now.v);
	return rc;
}

/* The module tables whose items differ from base's, whole. */
static int replace_module_tables(struct batch *b, const struct brink_model *base, const struct brink_model *m,
				 char *err, size_t errlen)
{
	int rc = 0;

	for (uint8_t t = 1; t < DP_TABLE_MAX && rc == 0; t++) {
		const struct brink_items *was = &base->tables[t], *now = &m->tables[t];
		size_t size = cfg_table_item_size(t);
		if (!size || (was->n == now->n && (!now->n || memcmp(was->v, now->v, now->n * size) == 0)))
			continue;
		rc = batch_start(b, t, DP_ITEMS_REPLACE, size, err, errlen);
		b->name_empty = true;
		for (unsigned i = 0; i < now->n && rc == 0; i++)
			rc = batch_add(b, now->v + i * size, err, errlen);
	}
	return rc;
}

static int route_cmp(const struct brink_route *a, const struct brink_route *b)
{
	if (a->prefix != b->prefix)
		return a->prefix < b->prefix ? -1 : 1;
	return (a->prefix_len > b->prefix_len) - (a->prefix_len < b->prefix_len);
}

/* The path of r (a route of m) with p's key (kind, gateway, port), or NULL.
 * Paths mostly keep their place, so the one at hint is tried first. Most
 * paths name no port: the first byte spares them the strncmp, which was
 * most of the time of a diff of 1M routes. */
static const struct brink_path *find_path(const struct brink_model *m, const struct brink_route *r,
					  const struct brink_path *p, unsigned hint)
{
	for (unsigned k = 0; k < r->n_paths; k++) {
		const struct brink_path *q = &m->paths[r->first_path + (hint + k) % r->n_paths];
		if (q->kind == p->kind && q->gateway == p->gateway && q->ifname[0] == p->ifname[0] &&
		    (!p->ifname[0] || strncmp(q->ifname, p->ifname, CFG_NAME_MAX) == 0))
			return q;
	}
	return NULL;
}

/* One batch run of op: the route paths of from that to lacks, and with
 * distance_too those whose distance to has another. Both models' routes are
 * sorted by (prefix, length), so this is one merge of the two. */
static int route_changes(struct batch *b, uint8_t op, const struct brink_model *from, const struct brink_model *to,
			 bool distance_too, char *err, size_t errlen)
{
	unsigned j = 0;
	int rc = batch_start(b, DP_TABLE_ROUTE, op, sizeof(struct dp_route), err, errlen);

	for (unsigned i = 0; i < from->n_routes && rc == 0; i++) {
		const struct brink_route *r = &from->routes[i];
		while (j < to->n_routes && route_cmp(&to->routes[j], r) < 0)
			j++;
		const struct brink_route *same =
			j < to->n_routes && route_cmp(&to->routes[j], r) == 0 ? &to->routes[j] : NULL;
		for (unsigned k = 0; k < r->n_paths && rc == 0; k++) {
			const struct brink_path *p = &from->paths[r->first_path + k];
			const struct brink_path *q = same ? find_path(to, same, p, k) : NULL;
			if (q && (!distance_too || q->distance == p->distance))
				continue;
			struct dp_route dr = route_item(r, p);
			rc = batch_add(b, &dr, err, errlen);
		}
	}
	return rc;
}

/* What turns base's state into m's: the small tables that differ whole,
 * deleted route paths, then added ones and those of a new distance. */
static int delta_items(struct batch *b, const struct brink_model *base, const struct brink_model *m,
		       const struct dp_port_info *ports, size_t n_ports, char *err, size_t errlen)
{
	int rc = 0;

	for (size_t i = 0; i < N_STATE_TABLES && rc == 0; i++) {
		if (state_tables[i].table != DP_TABLE_ROUTE)
			rc = replace_if_changed(b, &state_tables[i], base, m, ports, n_ports, err, errlen);
		if (state_tables[i].table == MODULE_TABLES_AFTER && rc == 0)
			rc = replace_module_tables(b, base, m, err, errlen);
	}
	if (rc == 0)
		rc = route_changes(b, DP_ITEMS_DELETE, base, m, false, err, errlen);
	if (rc == 0)
		rc = route_changes(b, DP_ITEMS_ADD, m, base, true, err, errlen);
	return rc < 0 ? rc : batch_flush(b, err, errlen);
}

struct commit_result {
	struct sbuf *refused; /* may be NULL */
	unsigned n_refused;
};

static int commit_reply(void *arg, const struct dp_msg_hdr *h, const void *body, size_t len)
{
	struct commit_result *res = arg;

	res->n_refused += h->count;
	if (res->refused && len)
		sbuf_printf(res->refused, "%.*s", (int)strnlen(body, len), (const char *)body);
	return 0;
}

static int obj_reply(void *arg, const struct dp_msg_hdr *h, const void *body, size_t len)
{
	(void)body;
	if (len)
		return -EPROTO;
	*(uint32_t *)arg = h->count;
	return 0;
}

int dpc_send_txn(struct dpc *c, const struct dp_txn_begin *begin,
		 int (*fill)(struct dpc_sink *s, void *arg, char *err, size_t errlen), void *arg, struct sbuf *refused,
		 unsigned *n_refused, char *err, size_t errlen)
{
	struct dp_msg_hdr h = {.type = DP_MSG_TXN_BEGIN};
	struct batch *b = malloc(sizeof(*b));
	int rc;

	if (!b) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	b->sink = (struct dpc_sink){batch_next_table, batch_add_item};
	b->c = c;
	b->count = 0;
	b->name_empty = false;
	h.seq = ++c->seq;
	/* BEGIN and the items get no reply: the COMMIT's answers for them all. */
	if (c->fd < 0) {
		snprintf(err, errlen, "dataplane not connected");
		rc = -ENOTCONN;
	} else if ((rc = msg_send(c->fd, &h, begin, sizeof(*begin))) < 0) {
		rc = lost(c, rc, "send", err, errlen);
	} else {
		rc = fill(&b->sink, arg, err, errlen);
	}
	free(b);
	if (rc < 0)
		return rc;
	struct commit_result res = {.refused = refused};
	rc = transact(c, DP_MSG_TXN_COMMIT, NULL, 0, commit_reply, &res, err, errlen);
	if (n_refused)
		*n_refused = res.n_refused;
	return rc;
}

/* The configuration's state m: whole, or the difference from base. */
struct state_items {
	const struct brink_model *base; /* NULL: whole */
	const struct brink_model *m;
	const struct dp_port_info *ports;
	size_t n_ports;
};

static int fill_state(struct dpc_sink *s, void *arg, char *err, size_t errlen)
{
	const struct state_items *st = arg;

	if (st->base) /* the sink is dpc_send_txn's batch */
		return delta_items((struct batch *)s, st->base, st->m, st->ports, st->n_ports, err, errlen);
	return push_items(s, st->m, st->ports, st->n_ports, err, errlen);
}

/* One transaction of the configuration's state (see struct state_items). */
static int send_state(struct dpc *c, const struct dp_txn_begin *begin, const struct state_items *st,
		      struct sbuf *refused, char *err, size_t errlen)
{
	unsigned n_refused = 0;
	int rc = dpc_send_txn(c, begin, fill_state, (void *)st, refused, &n_refused, err, errlen);

	/* A state applied in part is not the one its generation names (the dataplane says 0 too). */
	if (rc == 0)
		c->generation = n_refused ? 0 : begin->generation;
	return rc;
}

int dpc_push_state(struct dpc *c, const struct brink_model *running, const struct brink_model *m, uint32_t flags,
		   struct sbuf *refused, char *err, size_t errlen)
{
	struct digest digest = {.sink = {digest_table, digest_add}, .h = 0xcbf29ce484222325ULL};
	struct dp_txn_begin begin = {.flags = flags, .owner = DP_OWNER_CONFIG};
	struct dp_port_info *ports = NULL;
	size_t n_ports = 0;
	int rc;

	rc = dpc_dump(c, DP_MSG_PORT_DUMP, sizeof(*ports), (void **)&ports, &n_ports, err, errlen);
	if (rc < 0)
		return rc;
	push_items(&digest.sink, m, ports, n_ports, err, errlen);
	begin.generation = digest.h ? digest.h : 1;
	if (begin.generation == c->generation) {
		free(ports);
		return 1;
	}
	struct state_items st = {.base = NULL, .m = m, .ports = ports, .n_ports = n_ports};
	bool delta = running && c->generation && !(flags & DP_TXN_F_BEST_EFFORT);
	if (delta) {
		struct dp_txn_begin from = begin;
		from.flags |= DP_TXN_F_DELTA;
		from.base_generation = c->generation;
		st.base = running;
		rc = send_state(c, &from, &st, refused, err, errlen);
		/* The dataplane's generation moved (it restarted, or another
		 * changed it): what it runs is unknown, the whole state fits it. */
		if (rc == -ESTALE) {
			c->generation = 0;
			delta = false;
			st.base = NULL;
		}
	}
	if (!delta)
		rc = send_state(c, &begin, &st, refused, err, errlen);
	free(ports);
	return rc;
}

int dpc_obj(struct dpc *c, const struct dp_obj *obj, const void *items, size_t item_size, uint32_t *changed, char *err,
	    size_t errlen)
{
	size_t len = sizeof(*obj) + (size_t)obj->count * item_size;
	uint8_t *body;
	int rc;

	if (sizeof(struct dp_msg_hdr) + len > DP_MSG_MAX_LEN) {
		snprintf(err, errlen, "%u items do not fit in one message", obj->count);
		return -EMSGSIZE;
	}
	if (!(body = malloc(len))) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	memcpy(body, obj, sizeof(*obj));
	memcpy(body + sizeof(*obj), items, len - sizeof(*obj));
	*changed = 0;
	rc = transact(c, DP_MSG_OBJ, body, len, obj_reply, changed, err, errlen);
	free(body);
	return rc;
}
