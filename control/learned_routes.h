/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The route paths brinkd holds for owners other than the configuration (a
 * routing daemon, IKE): learned, not configured. brinkd is their hub: it
 * keeps them in a tree per owner, forwards every change to the dataplane
 * as an OBJ request, gives them back to a dataplane that restarted (one
 * best-effort transaction of that owner), and when brinkd itself restarted
 * with none, adopts what the dataplane still holds.
 *
 * Each owner's generation is the dataplane's for it as brinkd knows it: it
 * moves by one with every OBJ request the dataplane applied items of, and a
 * resync sets it. 0 means unknown (a change made while the dataplane was
 * not there), so the next connection replaces the owner's paths.
 */
#ifndef BRINK_LEARNED_ROUTES_H
#define BRINK_LEARNED_ROUTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bsd/sys/tree.h>

#include "common/dp_msg.h"
#include "common/sbuf.h"
#include "control/dpc.h"

/* A path's key is its prefix, kind, gateway and port (as the dataplane's); the distance is its value. */
struct learned_path {
	RB_ENTRY(learned_path) rb;
	struct dp_route r;
};
RB_HEAD(learned_tree, learned_path);

struct learned_owner {
	struct learned_tree paths;
	size_t n_paths;
	uint64_t generation;
	bool synced; /* the connected dataplane holds exactly these paths */
	bool stale;  /* the dataplane's paths differ from these, whatever its generation says */
	bool fresh;  /* not yet synced since brinkd started: an empty table adopts the dataplane's */
};

/* The paths one OBJ request carries at most. */
#define LEARNED_OBJ_MAX ((DP_MSG_MAX_LEN - sizeof(struct dp_msg_hdr) - sizeof(struct dp_obj)) / sizeof(struct dp_route))

struct learned_routes {
	struct learned_owner owners[DP_OWNER_MAX];
};

void learned_init(struct learned_routes *t);
void learned_fini(struct learned_routes *t);

/* "routing", "ike"; NULL for the configuration and unknown owners. */
const char *learned_owner_name(uint8_t owner);
/* The owner a name gives, or 0. */
uint8_t learned_owner_parse(const char *name);

/* Whether r is a path the dataplane can take (prefix without host bits,
 * kind and its fields, distance 1-254); false with the reason in err. */
bool learned_path_valid(const struct dp_route *r, char *err, size_t errlen);

/* Applies an OBJ request of a learned owner: obj->op DP_OBJ_ADD (adding a
 * path whose key is there is refused with -EEXIST, unless
 * DP_OBJ_F_EXIST_OK: then it sets its distance) or DP_OBJ_DELETE (a path
 * not there: -ENOENT, unless DP_OBJ_F_MISSING_OK), in order, stopping at
 * the first that fails. Sent to the dataplane when it holds this owner's
 * paths; otherwise kept until it connects. *changed counts the paths
 * added, changed or deleted; *pending is true when the dataplane did not
 * get them yet. At most LEARNED_OBJ_MAX items. Returns 0 or -errno with
 * the reason in err. */
int learned_change(struct learned_routes *t, struct dpc *c, const struct dp_obj *obj, const struct dp_route *items,
		   uint32_t *changed, bool *pending, char *err, size_t errlen);

/* The connection to the dataplane is new: every owner is to be synced. */
void learned_connected(struct learned_routes *t);

/* How learned_sync brought an owner in line with the dataplane. */
enum learned_sync_result {
	LEARNED_IN_SYNC,  /* the dataplane had its generation already */
	LEARNED_REPLACED, /* its paths were sent as a transaction */
	LEARNED_ADOPTED,  /* brinkd had none since it started: it took the dataplane's */
};

/* Brings one owner in line with the connected dataplane (c->hello is its
 * HELLO). With LEARNED_REPLACED the paths the dataplane refused are
 * appended to refused, one a line, and counted in *n_refused; with
 * LEARNED_ADOPTED *n_adopted says how many paths came. Returns the result
 * (>= 0) or -errno with the reason in err. */
int learned_sync(struct learned_routes *t, struct dpc *c, uint8_t owner, struct sbuf *refused, unsigned *n_refused,
		 size_t *n_adopted, char *err, size_t errlen);

/* Calls each() with every path of the owner, in key order, until it returns non-zero. */
int learned_walk(const struct learned_routes *t, uint8_t owner, int (*each)(void *arg, const struct dp_route *r),
		 void *arg);

/* "10.1.0.0/16 via 192.168.1.2 interface dp1 distance 1": a path as commands name it. */
void learned_path_describe(const struct dp_route *r, struct sbuf *out);

#endif
