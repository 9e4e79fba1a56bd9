/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "control/learned_routes.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/net_addr.h"

static int path_cmp(const struct learned_path *a, const struct learned_path *b)
{
	const struct dp_route *x = &a->r, *y = &b->r;

	if (x->prefix != y->prefix)
		return x->prefix < y->prefix ? -1 : 1;
	if (x->prefix_len != y->prefix_len)
		return x->prefix_len < y->prefix_len ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->gateway != y->gateway)
		return x->gateway < y->gateway ? -1 : 1;
	return strncmp(x->port, y->port, DP_NAME_LEN);
}

/* RB_GENERATE_STATIC's unused marker is disabled in libbsd's headers. */
RB_GENERATE_INTERNAL(learned_tree, learned_path, rb, path_cmp, __attribute__((unused)) static)

static const char *const owner_names[DP_OWNER_MAX] = {[DP_OWNER_ROUTING] = "routing", [DP_OWNER_IKE] = "ike"};

const char *learned_owner_name(uint8_t owner)
{
	return owner < DP_OWNER_MAX ? owner_names[owner] : NULL;
}

uint8_t learned_owner_parse(const char *name)
{
	for (uint8_t o = 0; o < DP_OWNER_MAX; o++)
		if (owner_names[o] && strcmp(owner_names[o], name) == 0)
			return o;
	return 0;
}

void learned_init(struct learned_routes *t)
{
	*t = (struct learned_routes){0};
	for (unsigned o = 0; o < DP_OWNER_MAX; o++) {
		RB_INIT(&t->owners[o].paths);
		t->owners[o].fresh = true;
	}
}

void learned_fini(struct learned_routes *t)
{
	for (unsigned o = 0; o < DP_OWNER_MAX; o++) {
		struct learned_path *p, *next;
		RB_FOREACH_SAFE(p, learned_tree, &t->owners[o].paths, next)
		{
			RB_REMOVE(learned_tree, &t->owners[o].paths, p);
			free(p);
		}
		t->owners[o].n_paths = 0;
	}
}

void learned_path_describe(const struct dp_route *r, struct sbuf *out)
{
	char pfx[PREFIX4_STR_LEN], gw[IP4_STR_LEN];

	sbuf_add(out, prefix4_fmt(r->prefix, r->prefix_len, pfx));
	if (r->kind == DP_ROUTE_GATEWAY)
		sbuf_printf(out, " via %s", ip4_fmt(r->gateway, gw));
	if (r->port[0])
		sbuf_printf(out, " interface %.*s", DP_NAME_LEN, r->port);
	if (r->kind == DP_ROUTE_BLACKHOLE)
		sbuf_add(out, " blackhole");
	if (r->kind == DP_ROUTE_REJECT)
		sbuf_add(out, " reject");
	sbuf_printf(out, " distance %u", r->distance);
}

bool learned_path_valid(const struct dp_route *r, char *err, size_t errlen)
{
	char pfx[PREFIX4_STR_LEN], ip[IP4_STR_LEN];
	size_t port_len = strnlen(r->port, DP_NAME_LEN);

	if (r->prefix_len > 32) {
		snprintf(err, errlen, "prefix length %u is more than 32", r->prefix_len);
		return false;
	}
	if (r->prefix & ~prefix4_mask(r->prefix_len)) {
		snprintf(err, errlen, "%s/%u has host bits set (did you mean %s?)", ip4_fmt(r->prefix, ip),
			 r->prefix_len, prefix4_fmt(r->prefix & prefix4_mask(r->prefix_len), r->prefix_len, pfx));
		return false;
	}
	if (r->distance < 1 || r->distance > 254) {
		snprintf(err, errlen, "distance %u is not in 1-254", r->distance);
		return false;
	}
	if (port_len == DP_NAME_LEN) {
		snprintf(err, errlen, "interface name longer than %d characters", DP_NAME_LEN - 1);
		return false;
	}
	switch (r->kind) {
	case DP_ROUTE_GATEWAY: {
		const struct ip4_special_block *b = ip4_special(r->gateway);
		if (b) {
			snprintf(err, errlen, "gateway %s is in %s", ip4_fmt(r->gateway, ip), b->what);
			return false;
		}
		return true;
	}
	case DP_ROUTE_INTERFACE:
		if (!port_len) {
			snprintf(err, errlen, "an interface route needs an interface");
			return false;
		}
		break;
	case DP_ROUTE_BLACKHOLE:
	case DP_ROUTE_REJECT:
		if (port_len) {
			snprintf(err, errlen, "a %s route has no interface",
				 r->kind == DP_ROUTE_BLACKHOLE ? "blackhole" : "reject");
			return false;
		}
		break;
	default:
		snprintf(err, errlen, "unknown route kind %u", r->kind);
		return false;
	}
	if (r->gateway) {
		snprintf(err, errlen, "only a gateway route has a gateway");
		return false;
	}
	return true;
}

/* The path as the tree keeps it: the port NUL-padded, nothing reserved. */
static struct learned_path path_of(const struct dp_route *r)
{
	struct learned_path p = {.r = *r};

	p.r.reserved = 0;
	memset(p.r.port, 0, sizeof(p.r.port));
	memcpy(p.r.port, r->port, strnlen(r->port, DP_NAME_LEN));
	return p;
}

/* Puts a copy of r in the tree; false when a path of its key is there. */
static bool insert(struct learned_owner *o, const struct dp_route *r)
{
	struct learned_path *p = malloc(sizeof(*p));

	if (!p)
		abort();
	*p = path_of(r);
	if (RB_INSERT(learned_tree, &o->paths, p)) {
		free(p);
		return false;
	}
	o->n_paths++;
	return true;
}

/* Why item i of obj cannot be applied to the table, in err. */
static int conflict(const struct learned_path *found, const struct dp_route *item, uint8_t op, char *err, size_t errlen)
{
	struct sbuf what = {0};
	struct dp_route r = found ? found->r : *item;

	learned_path_describe(&r, &what);
	snprintf(err, errlen, "%s: %s", sbuf_str(&what),
		 op == DP_OBJ_ADD ? "the path is there already (exist-ok sets its distance)"
				  : "no such path (missing-ok ignores it)");
	sbuf_free(&what);
	return op == DP_OBJ_ADD ? -EEXIST : -ENOENT;
}

/* The item an OBJ request would stop at on the table (obj->count: none),
 * the reason in err. Items repeated within the request are left to the
 * dataplane to refuse. */
static uint32_t first_conflict(const struct learned_owner *o, const struct dp_obj *obj, const struct dp_route *items,
			       int *rc, char *err, size_t errlen)
{
	for (uint32_t i = 0; i < obj->count; i++) {
		struct learned_path key = path_of(&items[i]);
		const struct learned_path *found = RB_FIND(learned_tree, (struct learned_tree *)&o->paths, &key);
		if ((obj->op == DP_OBJ_ADD && found && !(obj->flags & DP_OBJ_F_EXIST_OK)) ||
		    (obj->op == DP_OBJ_DELETE && !found && !(obj->flags & DP_OBJ_F_MISSING_OK))) {
			*rc = conflict(found, &items[i], obj->op, err, errlen);
			return i;
		}
	}
	*rc = 0;
	return obj->count;
}

/* The OBJ rules, on brinkd's table: in order, stopping at the first failure. */
static int apply(struct learned_owner *o, const struct dp_obj *obj, const struct dp_route *items, uint32_t *changed,
		 char *err, size_t errlen)
{
	*changed = 0;
	for (uint32_t i = 0; i < obj->count; i++) {
		struct learned_path key = path_of(&items[i]);
		struct learned_path *found = RB_FIND(learned_tree, &o->paths, &key);
		if (obj->op == DP_OBJ_ADD && !found) {
			insert(o, &items[i]);
			++*changed;
		} else if (obj->op == DP_OBJ_ADD && (obj->flags & DP_OBJ_F_EXIST_OK)) {
			*changed += found->r.distance != key.r.distance;
			found->r.distance = key.r.distance;
		} else if (obj->op == DP_OBJ_DELETE && found) {
			RB_REMOVE(learned_tree, &o->paths, found);
			free(found);
			o->n_paths--;
			++*changed;
		} else if (obj->op == DP_OBJ_ADD || !(obj->flags & DP_OBJ_F_MISSING_OK)) {
			return conflict(found, &items[i], obj->op, err, errlen);
		}
	}
	return 0;
}

/* The table and the dataplane differ: the next sync replaces the dataplane's paths. */
static void lose_sync(struct learned_owner *o)
{
	o->synced = false;
	o->stale = true;
	o->generation = 0;
}

int learned_change(struct learned_routes *t, struct dpc *c, const struct dp_obj *obj, const struct dp_route *items,
		   uint32_t *changed, bool *pending, char *err, size_t errlen)
{
	char why[256];
	uint32_t dp_applied = 0;
	int rc;

	*changed = 0;
	*pending = true;
	if (!learned_owner_name(obj->owner)) {
		snprintf(err, errlen, "owner %u is not one brinkd keeps routes for (routing or ike)", obj->owner);
		return -EINVAL;
	}
	if (obj->table != DP_TABLE_ROUTE || (obj->op != DP_OBJ_ADD && obj->op != DP_OBJ_DELETE)) {
		snprintf(err, errlen, "only route paths are added or deleted");
		return -EINVAL;
	}
	for (uint32_t i = 0; i < obj->count; i++) {
		if (!learned_path_valid(&items[i], why, sizeof(why))) {
			snprintf(err, errlen, "path %u: %s", i, why);
			return -EINVAL;
		}
	}
	if (obj->count > LEARNED_OBJ_MAX) {
		snprintf(err, errlen, "%u paths in one request; at most %zu fit", obj->count, (size_t)LEARNED_OBJ_MAX);
		return -EMSGSIZE;
	}
	struct learned_owner *o = &t->owners[obj->owner];
	if (!dpc_connected(c) || !o->synced) {
		/* The dataplane gets the table when it connects, whatever it had. */
		rc = apply(o, obj, items, changed, err, errlen);
		if (*changed)
			o->generation = 0;
		return rc;
	}
	/* The table is what the dataplane has: it says first where the request
	 * stops, and the dataplane gets the items before that. */
	struct dp_obj sent = *obj;
	int conflict_rc;
	sent.count = first_conflict(o, obj, items, &conflict_rc, why, sizeof(why));
	if (sent.count) {
		rc = dpc_obj(c, &sent, items, sizeof(*items), &dp_applied, err, errlen);
		if (rc < 0 && !dpc_lost(c, rc)) {
			/* Items before the refused one may be in: the next sync puts the table there. */
			if (sent.count > 1)
				lose_sync(o);
			*pending = false;
			return rc;
		}
		*pending = rc < 0;
		rc = apply(o, &sent, items, changed, err, errlen);
		if (*pending) {
			o->generation = 0;
		} else {
			o->generation += dp_applied != 0;
			if (rc < 0)
				lose_sync(o);
		}
	} else {
		*pending = false;
	}
	if (conflict_rc < 0)
		snprintf(err, errlen, "%s", why);
	return conflict_rc;
}

void learned_connected(struct learned_routes *t)
{
	for (unsigned o = 0; o < DP_OWNER_MAX; o++)
		t->owners[o].synced = false;
}

int learned_walk(const struct learned_routes *t, uint8_t owner, int (*each)(void *arg, const struct dp_route *r),
		 void *arg)
{
	struct learned_path *p;
	int rc = 0;

	RB_FOREACH(p, learned_tree, (struct learned_tree *)&t->owners[owner].paths)
	{
		if ((rc = each(arg, &p->r)) != 0)
			break;
	}
	return rc;
}

struct fill_arg {
	const struct learned_routes *t;
	uint8_t owner;
	struct dpc_sink *s;
	char *err;
	size_t errlen;
};

static int fill_one(void *arg, const struct dp_route *r)
{
	struct fill_arg *f = arg;

	return f->s->add(f->s, r, f->err, f->errlen);
}

static int fill(struct dpc_sink *s, void *arg, char *err, size_t errlen)
{
	struct fill_arg *f = arg;
	int rc;

	f->s = s, f->err = err, f->errlen = errlen;
	if ((rc = s->table(s, DP_TABLE_ROUTE, sizeof(struct dp_route), err, errlen)) < 0 ||
	    (rc = learned_walk(f->t, f->owner, fill_one, f)) < 0)
		return rc;
	return s->table(s, 0, 0, err, errlen);
}

/* Takes the owner's paths the dataplane holds. */
static int adopt(struct learned_owner *o, struct dpc *c, uint8_t owner, size_t *n_adopted, char *err, size_t errlen)
{
	struct dp_route_dump_req req = {.flags = DP_ROUTE_DUMP_F_LONGER, .owner = owner};
	struct dp_route_info *v;
	size_t n;
	int rc = dpc_request(c, DP_MSG_ROUTE_DUMP, &req, sizeof(req), sizeof(*v), (void **)&v, &n, err, errlen);

	if (rc < 0)
		return rc;
	*n_adopted = 0;
	for (size_t i = 0; i < n; i++) {
		struct dp_route r = {.prefix = v[i].prefix,
				     .prefix_len = v[i].prefix_len,
				     .kind = v[i].kind,
				     .distance = v[i].distance,
				     .gateway = v[i].gateway};
		/* The port a gateway's subnet gave is not part of the path. */
		if (v[i].kind != DP_ROUTE_GATEWAY || (v[i].flags & DP_ROUTE_F_PORT_GIVEN))
			memcpy(r.port, v[i].port, sizeof(r.port));
		if (v[i].owner == owner && learned_path_valid(&r, err, errlen) && insert(o, &r))
			++*n_adopted;
	}
	free(v);
	return 0;
}

int learned_sync(struct learned_routes *t, struct dpc *c, uint8_t owner, struct sbuf *refused, unsigned *n_refused,
		 size_t *n_adopted, char *err, size_t errlen)
{
	struct learned_owner *o = &t->owners[owner];
	uint64_t dp_generation = c->hello.generation[owner];
	int rc;

	*n_refused = 0;
	*n_adopted = 0;
	if (o->fresh && !o->n_paths && dp_generation) {
		if ((rc = adopt(o, c, owner, n_adopted, err, errlen)) < 0)
			return rc;
		o->generation = dp_generation;
		o->synced = true;
		o->fresh = false;
		return LEARNED_ADOPTED;
	}
	/* Both sides at generation 0 agree only when there is nothing. */
	if (!o->stale && dp_generation == o->generation && (o->generation || !o->n_paths)) {
		o->synced = true;
		o->fresh = false;
		return LEARNED_IN_SYNC;
	}
	struct dp_txn_begin begin = {
		.generation = (dp_generation > o->generation ? dp_generation : o->generation) + 1,
		.flags = DP_TXN_F_BEST_EFFORT,
		.owner = owner,
	};
	struct fill_arg f = {.t = t, .owner = owner};
	if ((rc = dpc_send_txn(c, &begin, fill, &f, refused, n_refused, err, errlen)) < 0)
		return rc;
	/* A state applied in part is not the one its generation names. */
	o->generation = *n_refused ? 0 : begin.generation;
	o->synced = true;
	o->stale = false;
	o->fresh = false;
	return LEARNED_REPLACED;
}
