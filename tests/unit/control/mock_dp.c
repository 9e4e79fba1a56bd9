/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "mock_dp.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/msg.h"

static int client_fd = -1;
static bool drop_requested;
static char notify_requested[128];

static void reply(int fd, const struct dp_msg_hdr *req, int32_t status, uint16_t flags, const void *body, size_t len,
		  uint32_t count)
{
	struct dp_msg_hdr h = {.type = req->type, .seq = req->seq, .status = status, .flags = flags, .count = count};

	msg_send(fd, &h, body, len);
}

static void notify(int fd, const char *text)
{
	struct dp_msg_hdr h = {.type = DP_MSG_NOTIFY};

	msg_send(fd, &h, text, strlen(text) + 1);
}

static void port_info(struct dp_port_info *p, const char *name, uint16_t id, uint64_t received)
{
	*p = (struct dp_port_info){.port_id = id, .mtu = 1500, .link_up = 1, .admin_up = 1, .n_rxq = 1, .n_txq = 1};
	snprintf(p->name, sizeof(p->name), "%s", name);
	snprintf(p->device, sizeof(p->device), "net_null%u", id);
	snprintf(p->driver, sizeof(p->driver), "net_null");
	p->mac[0] = 0x02;
	p->mac[5] = (uint8_t)id;
	p->stats.rx_packets = 10u + id + received;
}

static void reply_error(int fd, const struct dp_msg_hdr *req, int32_t status, const char *text)
{
	reply(fd, req, status, 0, text, strlen(text) + 1, 0);
}

/* The trace requests, as the dataplane answers them, on canned packets. */
static void trace_request(struct mock_dp *m, int fd, const struct dp_msg_hdr *h, const void *body, size_t len)
{
	char text[128];

	switch (h->type) {
	case DP_MSG_TRACE_START: {
		const struct dp_trace_start *s = body;
		if (len != sizeof(*s)) {
			reply_error(fd, h, -EBADMSG, "item of the wrong size");
			return;
		}
		if (s->count == 0 || s->count > DP_TRACE_MAX) {
			snprintf(text, sizeof(text), "a trace takes 1 to %u packets, not %u", (unsigned)DP_TRACE_MAX,
				 s->count);
			reply_error(fd, h, -EINVAL, text);
			return;
		}
		if (s->port[0] && strcmp(s->port, "dp0") != 0 && strcmp(s->port, "dp1") != 0) {
			snprintf(text, sizeof(text), "no port named '%.*s' in the dataplane", DP_NAME_LEN, s->port);
			reply_error(fd, h, -ENODEV, text);
			return;
		}
		m->trace_started = *s;
		m->trace = (struct dp_trace_status){.id = m->trace.id + 7,
						    .count = (uint16_t)s->count,
						    .armed = 1,
						    .recording = 1};
		memcpy(m->trace.port, s->port, DP_NAME_LEN);
		break;
	}
	case DP_MSG_TRACE_DUMP: {
		m->trace_first = ((const struct dp_trace_dump_req *)body)->first;
		reply(fd, h, 0, DP_MSG_F_MORE, &m->trace, sizeof(m->trace), 1);
		unsigned k = 0;
		struct dp_trace_pkt *kept = calloc(m->n_trace_pkts + 1, sizeof(*kept));
		for (unsigned i = 0; i < m->n_trace_pkts; i++)
			if (m->trace_pkts[i].index >= m->trace_first)
				kept[k++] = m->trace_pkts[i];
		reply(fd, h, 0, 0, kept, k * sizeof(*kept), k);
		free(kept);
		return;
	}
	case DP_MSG_TRACE_STOP:
		m->n_trace_stops++;
		m->trace_stop_id = ((const struct dp_trace_ref *)body)->id;
		if (m->trace_stop_id == 0 || m->trace_stop_id == m->trace.id)
			m->trace.armed = 0;
		break;
	case DP_MSG_TRACE_CLEAR:
		m->n_trace_clears++;
		m->trace = (struct dp_trace_status){.id = m->trace.id + 1};
		m->n_trace_pkts = 0;
		break;
	}
	reply(fd, h, 0, 0, &m->trace, sizeof(m->trace), 1);
}

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* One table of a struct mock_tables, so that all are worked on alike. */
struct table_ref {
	uint8_t *v;
	unsigned *n;
	unsigned cap;
	size_t esize;
};

static bool table_of(struct mock_tables *t, uint8_t table, struct table_ref *r)
{
	switch (table) {
	case DP_TABLE_PORT:
		*r = (struct table_ref){(uint8_t *)t->ports, &t->n_ports, ARRAY_LEN(t->ports), sizeof(t->ports[0])};
		return true;
	case DP_TABLE_ADDR:
		*r = (struct table_ref){(uint8_t *)t->addrs, &t->n_addrs, ARRAY_LEN(t->addrs), sizeof(t->addrs[0])};
		return true;
	case DP_TABLE_ROUTE:
		*r = (struct table_ref){(uint8_t *)t->routes, &t->n_routes, ARRAY_LEN(t->routes), sizeof(t->routes[0])};
		return true;
	case DP_TABLE_NEIGH:
		*r = (struct table_ref){(uint8_t *)t->neighs, &t->n_neighs, ARRAY_LEN(t->neighs), sizeof(t->neighs[0])};
		return true;
	case DP_TABLE_IFACE:
		*r = (struct table_ref){(uint8_t *)t->ifaces, &t->n_ifaces, ARRAY_LEN(t->ifaces), sizeof(t->ifaces[0])};
		return true;
	case DP_TABLE_FDB:
		*r = (struct table_ref){(uint8_t *)t->fdb, &t->n_fdb, ARRAY_LEN(t->fdb), sizeof(t->fdb[0])};
		return true;
	case DP_TABLE_FIREWALL:
		*r = (struct table_ref){(uint8_t *)t->fw, &t->n_fw, ARRAY_LEN(t->fw), sizeof(t->fw[0])};
		return true;
	}
	return false;
}

/* The transaction fails with the first refusal, the one its COMMIT reports. */
static void refuse(struct mock_dp *m, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void refuse(struct mock_dp *m, int status, const char *fmt, ...)
{
	va_list ap;

	if (m->t_status)
		return;
	m->t_status = status;
	va_start(ap, fmt);
	vsnprintf(m->t_error, sizeof(m->t_error), fmt, ap);
	va_end(ap);
}

/* The dataplane's key of a path: all but the distance. */
static bool same_path(const struct dp_route *a, const struct dp_route *b)
{
	return a->prefix == b->prefix && a->prefix_len == b->prefix_len && a->kind == b->kind &&
	       a->gateway == b->gateway && strncmp(a->port, b->port, DP_NAME_LEN) == 0;
}

static int route_find(const struct mock_tables *t, const struct dp_route *r)
{
	for (unsigned i = 0; i < t->n_routes; i++)
		if (same_path(&t->routes[i], r))
			return (int)i;
	return -1;
}

static bool route_after(const struct dp_route *a, const struct dp_route *b)
{
	return a->prefix > b->prefix || (a->prefix == b->prefix && a->prefix_len > b->prefix_len);
}

static void route_change(struct mock_dp *m, uint8_t op, const struct dp_route *r, unsigned index)
{
	struct mock_tables *t = &m->txn;
	int at = route_find(t, r);

	if (op == DP_ITEMS_DELETE && at < 0) {
		refuse(m, -ENOENT, "item %u: route %u.%u.%u.%u/%u: no such path", index, r->prefix >> 24,
		       r->prefix >> 16 & 0xff, r->prefix >> 8 & 0xff, r->prefix & 0xff, r->prefix_len);
	} else if (op == DP_ITEMS_DELETE) {
		memmove(&t->routes[at], &t->routes[at + 1], (t->n_routes - (unsigned)at - 1) * sizeof(*r));
		t->n_routes--;
	} else if (at >= 0) {
		t->routes[at].distance = r->distance;
	} else if (t->n_routes == MOCK_MAX_ROUTES) {
		refuse(m, -ENOSPC, "item %u: the mock holds %d route paths", index, MOCK_MAX_ROUTES);
	} else {
		unsigned i = t->n_routes;
		while (i > 0 && route_after(&t->routes[i - 1], r))
			i--;
		memmove(&t->routes[i + 1], &t->routes[i], (t->n_routes - i) * sizeof(*r));
		t->routes[i] = *r;
		t->n_routes++;
	}
}

static void txn_begin(struct mock_dp *m, const void *body, size_t len)
{
	m->n_begins++;
	m->t_begin = (struct dp_txn_begin){0};
	if (len == sizeof(m->t_begin))
		memcpy(&m->t_begin, body, len);
	m->txn = m->t_begin.flags & DP_TXN_F_DELTA ? m->run : (struct mock_tables){0};
	m->t_named = 0;
	memset(m->t_items, 0, sizeof(m->t_items));
	m->t_status = 0;
	if (len != sizeof(m->t_begin))
		refuse(m, -EBADMSG, "TXN_BEGIN of the wrong size");
	else if ((m->t_begin.flags & DP_TXN_F_DELTA) && m->t_begin.base_generation != m->generation)
		refuse(m, -ESTALE, "the configuration is at generation %016llx, not %016llx",
		       (unsigned long long)m->generation, (unsigned long long)m->t_begin.base_generation);
}

static void txn_items(struct mock_dp *m, const void *body, size_t len)
{
	const struct dp_items *it = body;
	struct table_ref t;
	unsigned first = m->t_items[0] + m->t_items[1] + m->t_items[2];

	m->n_item_msgs++;
	if (len < sizeof(*it) || !table_of(&m->txn, it->table, &t) || it->op > DP_ITEMS_DELETE ||
	    len != sizeof(*it) + it->count * t.esize) {
		refuse(m, -EBADMSG, "item %u: a malformed batch", first);
		return;
	}
	m->t_items[it->op] += it->count;
	if (m->reject_table && it->table == m->reject_table)
		refuse(m, -EINVAL, "item 3: item refused");
	if (it->op != DP_ITEMS_REPLACE && (!(m->t_begin.flags & DP_TXN_F_DELTA) || it->table != DP_TABLE_ROUTE))
		refuse(m, -EINVAL, "item %u: only a delta adds or deletes, and route paths only", first);
	if (it->op == DP_ITEMS_REPLACE && !(m->t_named & 1u << it->table))
		*t.n = 0;
	m->t_named |= 1u << it->table;
	const uint8_t *item = (const uint8_t *)(it + 1);
	for (uint32_t i = 0; i < it->count && !m->t_status; i++, item += t.esize) {
		if (it->op != DP_ITEMS_REPLACE) {
			struct dp_route r;
			memcpy(&r, item, sizeof(r));
			route_change(m, it->op, &r, first + i);
		} else if (*t.n == t.cap) {
			refuse(m, -ENOSPC, "item %u: the mock holds %u of table %u", first + i, t.cap, it->table);
		} else {
			memcpy(t.v + (*t.n)++ * t.esize, item, t.esize);
		}
	}
}

static void txn_commit(struct mock_dp *m, int fd, const struct dp_msg_hdr *h)
{
	m->last_begin = m->t_begin;
	m->last_named = m->t_named;
	memcpy(m->last_items, m->t_items, sizeof(m->last_items));
	if (m->t_status)
		reply_error(fd, h, m->t_status, m->t_error);
	else if (*m->reject_commit)
		reply_error(fd, h, -EINVAL, m->reject_commit);
	else if (m->t_begin.owner != DP_OWNER_CONFIG) {
		/* Another owner's transaction replaces its paths, and only those. */
		unsigned kept = 0;
		for (unsigned i = 0; i < m->n_learned; i++)
			if (m->learned[i].owner != m->t_begin.owner)
				m->learned[kept++] = m->learned[i];
		for (unsigned i = 0; i < m->txn.n_routes && kept < ARRAY_LEN(m->learned); i++)
			m->learned[kept++] = (struct mock_learned){.owner = m->t_begin.owner, .r = m->txn.routes[i]};
		m->n_learned = kept;
		m->owner_generation[m->t_begin.owner] = m->t_begin.generation;
		m->n_owner_commits++;
		reply(fd, h, 0, 0, NULL, 0, 0);
	} else {
		m->n_commits++;
		m->generation = m->t_begin.generation;
		m->run = m->txn;
		reply(fd, h, 0, 0, NULL, 0, 0);
	}
}

/* Learned path i as ROUTE_DUMP gives it. */
static struct dp_route_info learned_info(const struct mock_dp *m, unsigned i)
{
	const struct dp_route *r = &m->learned[i].r;
	struct dp_route_info v = {.prefix = r->prefix,
				  .prefix_len = r->prefix_len,
				  .kind = r->kind,
				  .origin = DP_ORIGIN_STATIC,
				  .flags = DP_ROUTE_F_SELECTED | DP_ROUTE_F_RESOLVED | DP_ROUTE_F_USABLE,
				  .distance = r->distance,
				  .owner = m->learned[i].owner,
				  .gateway = r->gateway};

	/* A gateway without a port is shown on the port of its subnet, as the dataplane does. */
	if (r->kind == DP_ROUTE_GATEWAY && !r->port[0])
		snprintf(v.port, DP_NAME_LEN, "dp1");
	else
		memcpy(v.port, r->port, DP_NAME_LEN);
	v.flags |= r->port[0] ? DP_ROUTE_F_PORT_GIVEN : 0;
	return v;
}

static int route_info_cmp(const void *a, const void *b)
{
	const struct dp_route_info *x = a, *y = b;

	if (x->prefix != y->prefix)
		return x->prefix < y->prefix ? -1 : 1;
	return (int)x->prefix_len - (int)y->prefix_len;
}

static uint32_t prefix_mask(uint8_t len)
{
	return len ? ~0u << (32 - len) : 0;
}

static bool route_wanted(const struct dp_route_dump_req *q, const struct dp_route_info *ri)
{
	uint32_t mask = prefix_mask(q->prefix_len);

	if (q->owner && ri->owner != q->owner)
		return false;
	if (q->flags & DP_ROUTE_DUMP_F_LONGER)
		return ri->prefix_len >= q->prefix_len && (ri->prefix & mask) == q->prefix;
	return ri->prefix_len == q->prefix_len && ri->prefix == q->prefix;
}

/* As the dataplane answers: the paths the request asks for (an empty body:
 * all), sorted by prefix and length, dump_per_msg to a message. */
static void route_dump(struct mock_dp *m, int fd, const struct dp_msg_hdr *h, const void *body, size_t len)
{
	struct dp_route_dump_req q = {.flags = DP_ROUTE_DUMP_F_LONGER};
	struct dp_route_info kept[ARRAY_LEN(m->route_table) + ARRAY_LEN(m->learned)];
	unsigned n = 0, per = m->dump_per_msg ? m->dump_per_msg : 1;

	if (len && len != sizeof(q)) {
		reply_error(fd, h, -EBADMSG, "route dump request of the wrong size");
		return;
	}
	if (len)
		memcpy(&q, body, sizeof(q));
	if (q.prefix_len > 32 || q.owner >= DP_OWNER_MAX || (q.prefix & ~prefix_mask(q.prefix_len))) {
		reply_error(fd, h, -EINVAL, "route dump request out of range");
		return;
	}
	m->n_route_dumps++;
	m->dump_req = q;
	m->n_owner_dumps += q.owner != 0;
	for (unsigned i = 0; i < m->n_route_table; i++)
		if (route_wanted(&q, &m->route_table[i]))
			kept[n++] = m->route_table[i];
	for (unsigned i = 0; i < m->n_learned; i++) {
		struct dp_route_info ri = learned_info(m, i);
		if (route_wanted(&q, &ri))
			kept[n++] = ri;
	}
	qsort(kept, n, sizeof(kept[0]), route_info_cmp);
	unsigned sent = 0;
	do {
		unsigned k = n - sent < per ? n - sent : per;
		reply(fd, h, 0, sent + k < n ? DP_MSG_F_MORE : 0, kept + sent, k * sizeof(kept[0]), k);
		sent += k;
	} while (sent < n);
}

/* brinkd dumps every interface and filters itself. */
static bool whole_dump(int fd, const struct dp_msg_hdr *h, size_t len)
{
	if (len)
		reply_error(fd, h, -EINVAL, "the mock dumps every interface");
	return len == 0;
}

/* The addresses the configuration gave the interface. */
static void iface_addrs(const struct mock_dp *m, const char *name, struct dp_iface_info *v)
{
	for (unsigned i = 0; i < m->run.n_addrs && v->n_addrs < ARRAY_LEN(v->addrs); i++)
		if (strncmp(m->run.addrs[i].port, name, DP_NAME_LEN) == 0) {
			v->addrs[v->n_addrs].ip = m->run.addrs[i].ip;
			v->addrs[v->n_addrs++].prefix_len = m->run.addrs[i].prefix_len;
		}
}

static void iface_dump(struct mock_dp *m, int fd, const struct dp_msg_hdr *h, size_t len)
{
	struct dp_iface_info v[2 + ARRAY_LEN(m->run.ifaces)];
	unsigned n = 2 + m->run.n_ifaces;

	if (!whole_dump(fd, h, len))
		return;
	for (unsigned i = 0; i < n; i++) {
		struct dp_iface_info *e = &v[i];
		uint64_t place = i + 1;
		struct dp_port_info p;
		if (i < 2) {
			port_info(&p, i ? "dp1" : "dp0", (uint16_t)i, 0);
			*e = (struct dp_iface_info){.id = (uint16_t)i,
						    .type = DP_IFACE_PORT,
						    .admin_up = 1,
						    .oper_up = 1,
						    .has_mac = 1,
						    .mtu = p.mtu};
			memcpy(e->name, p.name, DP_NAME_LEN);
			memcpy(e->mac, p.mac, sizeof(e->mac));
		} else {
			const struct dp_iface_conf *c = &m->run.ifaces[i - 2];
			*e = (struct dp_iface_info){.id = (uint16_t)i,
						    .type = c->type,
						    .admin_up = c->admin_up,
						    .oper_up = c->admin_up,
						    .has_mac = c->has_mac,
						    .mtu = c->mtu ? c->mtu : DP_DEFAULT_MTU};
			memcpy(e->name, c->name, DP_NAME_LEN);
			memcpy(e->parent, c->parent, DP_NAME_LEN);
			memcpy(e->mac, c->mac, sizeof(e->mac));
			memcpy(e->info, c->info, sizeof(e->info));
		}
		iface_addrs(m, e->name, e);
		e->stats = (struct dp_iface_stats){.rx_packets = 100 * place,
						   .rx_bytes = 6400 * place,
						   .tx_packets = 50 * place,
						   .tx_bytes = 3200 * place,
						   .rx_dropped = place};
	}
	reply(fd, h, 0, 0, v, n * sizeof(v[0]), n);
}

static void fdb_dump(struct mock_dp *m, int fd, const struct dp_msg_hdr *h, size_t len)
{
	struct dp_fdb_info v[ARRAY_LEN(m->run.fdb) + ARRAY_LEN(m->fdb_learned)];
	unsigned n = 0;

	if (!whole_dump(fd, h, len))
		return;
	for (unsigned i = 0; i < m->run.n_fdb; i++) {
		const struct dp_fdb *e = &m->run.fdb[i];
		v[n] = (struct dp_fdb_info){.flags = DP_FDB_F_STATIC, .remote = e->remote};
		memcpy(v[n].iface, e->iface, DP_NAME_LEN);
		memcpy(v[n++].mac, e->mac, sizeof(e->mac));
	}
	for (unsigned i = 0; i < m->n_fdb_learned; i++)
		v[n++] = m->fdb_learned[i];
	reply(fd, h, 0, 0, v, n * sizeof(v[0]), n);
}

static struct mock_learned *find_learned(struct mock_dp *m, uint8_t owner, const struct dp_route *r)
{
	for (unsigned i = 0; i < m->n_learned; i++)
		if (m->learned[i].owner == owner && same_path(&m->learned[i].r, r))
			return &m->learned[i];
	return NULL;
}

/* OBJ as the dataplane does it: in order, stopping at the first failure
 * (those before it stay); the reply counts the items applied (a path that
 * was there with exist-ok, or missing with missing-ok, too), and the
 * generation moves when any was. */
static void obj_request(struct mock_dp *m, int fd, const struct dp_msg_hdr *h, const void *body, size_t len)
{
	const struct dp_obj *obj = body;
	const struct dp_route *items = (const void *)(obj + 1);
	uint32_t applied = 0;
	char text[128] = "";
	int32_t status = 0;

	m->n_objs++;
	if (len < sizeof(*obj) || len != sizeof(*obj) + (size_t)obj->count * sizeof(*items)) {
		reply_error(fd, h, -EBADMSG, "OBJ of the wrong size");
		return;
	}
	if (obj->owner == DP_OWNER_CONFIG || obj->owner >= DP_OWNER_MAX || obj->table != DP_TABLE_ROUTE ||
	    (obj->op != DP_OBJ_ADD && obj->op != DP_OBJ_DELETE)) {
		reply_error(fd, h, -EINVAL, "OBJ of an owner, table or op it does not take");
		return;
	}
	for (uint32_t i = 0; i < obj->count && !status; i++) {
		struct mock_learned *found = find_learned(m, obj->owner, &items[i]);
		if (obj->op == DP_OBJ_ADD && !found && m->n_learned == sizeof(m->learned) / sizeof(m->learned[0])) {
			status = -ENOSPC;
		} else if (obj->op == DP_OBJ_ADD && !found) {
			m->learned[m->n_learned++] = (struct mock_learned){.owner = obj->owner, .r = items[i]};
		} else if (obj->op == DP_OBJ_ADD && !(obj->flags & DP_OBJ_F_EXIST_OK)) {
			status = -EEXIST;
		} else if (obj->op == DP_OBJ_ADD) {
			found->r.distance = items[i].distance;
		} else if (found) {
			*found = m->learned[--m->n_learned];
		} else if (!(obj->flags & DP_OBJ_F_MISSING_OK)) {
			status = -ENOENT;
		}
		if (status)
			snprintf(text, sizeof(text), "item %u: %s", i, strerror(-status));
		else
			applied++;
	}
	if (applied)
		m->owner_generation[obj->owner]++;
	reply(fd, h, status, 0, status ? text : NULL, status ? strlen(text) + 1 : 0, applied);
}

/* Serves one request; returns false when the connection is to be closed. */
static bool handle(struct mock_dp *m, int fd, const struct dp_msg_hdr *h, const void *body, size_t len)
{
	bool keep = true;

	pthread_mutex_lock(&m->lock);
	if (m->notify_before && h->type == m->notify_before)
		notify(fd, m->notify_text);
	switch (h->type) {
	case DP_MSG_HELLO: {
		struct dp_hello hello = {.n_ports = 2, .n_workers = 1};
		char text[128];
		if (len != sizeof(struct dp_hello_req)) {
			static const char bad[] = "HELLO of the wrong size";
			reply(fd, h, -EBADMSG, 0, bad, sizeof(bad), 0);
			keep = false;
			break;
		}
		m->hello_flags = ((const struct dp_hello_req *)body)->flags;
		m->hello_pid = ((const struct dp_hello_req *)body)->pid;
		if (m->busy_pid && !(m->hello_flags & DP_HELLO_F_TAKEOVER)) {
			m->n_refused++;
			snprintf(text, sizeof(text),
				 "controlled by another brinkd (pid %u); stop it, or start this one with --takeover",
				 m->busy_pid);
			reply(fd, h, -EBUSY, 0, text, strlen(text) + 1, 0);
			keep = false;
			break;
		}
		m->n_hellos++;
		memcpy(hello.generation, m->owner_generation, sizeof(hello.generation));
		hello.generation[DP_OWNER_CONFIG] = m->generation;
		snprintf(hello.capture_unavailable, sizeof(hello.capture_unavailable), "%s", m->capture_unavailable);
		reply(fd, h, 0, 0, &hello, sizeof(hello), 1);
		break;
	}
	case DP_MSG_PORT_DUMP: {
		struct dp_port_info p[2];
		m->n_port_dumps++;
		port_info(&p[0], "dp0", 0, (uint64_t)m->rx_step * m->n_port_dumps);
		port_info(&p[1], "dp1", 1, (uint64_t)m->rx_step * m->n_port_dumps);
		reply(fd, h, 0, 0, p, sizeof(p), 2);
		break;
	}
	case DP_MSG_TXN_BEGIN:
		txn_begin(m, body, len);
		break;
	case DP_MSG_TXN_ITEMS:
		txn_items(m, body, len);
		break;
	case DP_MSG_TXN_COMMIT:
		txn_commit(m, fd, h);
		break;
	case DP_MSG_TXN_ABORT:
		m->n_aborts++;
		reply(fd, h, 0, 0, NULL, 0, 0);
		break;
	case DP_MSG_ROUTE_DUMP:
		route_dump(m, fd, h, body, len);
		break;
	case DP_MSG_NEIGH_DUMP: {
		struct dp_neigh_info n = {.ip = 0xc0a80a03,
					  .mac = {2, 0, 0, 0, 0, 3},
					  .state = DP_NEIGH_PERMANENT,
					  .port = "dp1"};
		reply(fd, h, 0, 0, &n, sizeof(n), 1);
		break;
	}
	case DP_MSG_STATS_DUMP: {
		struct dp_counter c[4] = {
			{.name = "rx.packets", .value = 7},
			{.name = "tx.packets", .value = 0},
			{.name = "drop.ip4.bad_checksum", .value = 2},
			{.name = "drop.ip4.ttl_exceeded", .value = 3},
		};
		reply(fd, h, 0, 0, c, sizeof(c), 4);
		break;
	}
	case DP_MSG_OBJ:
		obj_request(m, fd, h, body, len);
		break;
	case DP_MSG_IFACE_DUMP:
		iface_dump(m, fd, h, len);
		break;
	case DP_MSG_FDB_DUMP:
		fdb_dump(m, fd, h, len);
		break;
	case DP_MSG_TRACE_START:
	case DP_MSG_TRACE_DUMP:
	case DP_MSG_TRACE_STOP:
	case DP_MSG_TRACE_CLEAR:
		trace_request(m, fd, h, body, len);
		break;
	default:
		reply(fd, h, 0, 0, NULL, 0, 0);
	}
	pthread_mutex_unlock(&m->lock);
	return keep;
}

static void *serve(void *arg)
{
	struct mock_dp *m = arg;
	static uint8_t buf[DP_MSG_MAX_LEN];

	for (;;) {
		pthread_mutex_lock(&m->lock);
		bool stop = m->stop;
		if (drop_requested && client_fd >= 0) {
			close(client_fd);
			client_fd = -1;
		}
		drop_requested = false;
		if (*notify_requested && client_fd >= 0)
			notify(client_fd, notify_requested);
		notify_requested[0] = '\0';
		pthread_mutex_unlock(&m->lock);
		if (stop)
			break;
		struct pollfd p[2] = {{.fd = m->listen_fd, .events = POLLIN}, {.fd = client_fd, .events = POLLIN}};
		if (poll(p, client_fd >= 0 ? 2 : 1, 20) <= 0)
			continue;
		if (p[0].revents) {
			int fd = accept(m->listen_fd, NULL, NULL);
			if (fd >= 0) {
				if (client_fd >= 0)
					close(client_fd);
				client_fd = fd;
			}
			continue;
		}
		int n = msg_recv(client_fd, buf, sizeof(buf));
		if (n <= 0) {
			close(client_fd);
			client_fd = -1;
			continue;
		}
		if (!handle(m, client_fd, (const struct dp_msg_hdr *)buf, msg_body(buf), msg_body_len(buf))) {
			close(client_fd);
			client_fd = -1;
		}
	}
	if (client_fd >= 0)
		close(client_fd);
	client_fd = -1;
	return NULL;
}

void mock_dp_start(struct mock_dp *m)
{
	*m = (struct mock_dp){0};
	snprintf(m->path, sizeof(m->path), "/tmp/brink-mock-dp-%d.sock", getpid());
	pthread_mutex_init(&m->lock, NULL);
	m->route_table[0] =
		(struct dp_route_info){.prefix = 0xac1e0100,
				       .prefix_len = 24,
				       .origin = DP_ORIGIN_CONNECTED,
				       .flags = DP_ROUTE_F_SELECTED | DP_ROUTE_F_RESOLVED | DP_ROUTE_F_USABLE,
				       .port = "dp0"};
	m->route_table[1] =
		(struct dp_route_info){.prefix = 0x0a140000,
				       .prefix_len = 16,
				       .kind = DP_ROUTE_GATEWAY,
				       .origin = DP_ORIGIN_STATIC,
				       .flags = DP_ROUTE_F_SELECTED | DP_ROUTE_F_RESOLVED | DP_ROUTE_F_USABLE,
				       .distance = 1,
				       .owner = DP_OWNER_CONFIG,
				       .gateway = 0xc0a80a02,
				       .port = "dp1"};
	m->n_route_table = 2;
	m->listen_fd = msg_listen(m->path);
	if (m->listen_fd < 0 || pthread_create(&m->thread, NULL, serve, m) != 0)
		abort();
}

void mock_dp_stop(struct mock_dp *m)
{
	pthread_mutex_lock(&m->lock);
	m->stop = true;
	pthread_mutex_unlock(&m->lock);
	pthread_join(m->thread, NULL);
	close(m->listen_fd);
	unlink(m->path);
}

/* Waits until the serving thread has done what was asked. */
static void wait_served(struct mock_dp *m)
{
	for (;;) {
		nanosleep(&(struct timespec){.tv_nsec = 5000000}, NULL);
		pthread_mutex_lock(&m->lock);
		bool done = !drop_requested && !*notify_requested;
		pthread_mutex_unlock(&m->lock);
		if (done)
			return;
	}
}

void mock_dp_drop(struct mock_dp *m)
{
	pthread_mutex_lock(&m->lock);
	drop_requested = true;
	pthread_mutex_unlock(&m->lock);
	wait_served(m);
}

void mock_dp_notify(struct mock_dp *m, const char *text)
{
	pthread_mutex_lock(&m->lock);
	snprintf(notify_requested, sizeof(notify_requested), "%s", text);
	pthread_mutex_unlock(&m->lock);
	wait_served(m);
}

void mock_dp_restart(struct mock_dp *m)
{
	pthread_mutex_lock(&m->lock);
	m->generation = 0;
	memset(m->owner_generation, 0, sizeof(m->owner_generation));
	m->run = (struct mock_tables){0};
	m->n_learned = 0;
	drop_requested = true;
	pthread_mutex_unlock(&m->lock);
	wait_served(m);
}
