/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * VXLAN segments in the dataplane (RFC 7348). A segment is an Ethernet
 * interface whose frames travel in UDP between VTEPs: its output prepends
 * outer IPv4/UDP/VXLAN headers and hands the outer packet to routing as the
 * router's own; its UDP port's handler strips them from packets to the
 * router and takes the inner frame again as received on the segment.
 *
 * The forwarding database maps (segment, MAC) to a VTEP: static entries
 * from the configuration, learned ones from decapsulated frames. Workers
 * only read it: a worker that sees a new or moved source MAC, or an entry
 * due for refresh, sends an event over a ring, and the main lcore adds,
 * refreshes and ages entries. Three rte_hash tables, lock-free for readers
 * and attached to the dataplane's RCU domain (a deleted key's slot is reused
 * only once every worker passed a quiescent state): segments by (UDP port,
 * VNI), the FDB by (segment, MAC), and the VTEPs static entries name, by
 * (segment, address). A value a worker reads is the hash's data word,
 * published with its key in one store.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_udp.h>
#include <rte_vxlan.h>

#include "common/net_addr.h"
#include "dataplane/ctl_server.h"
#include "dataplane/ip4_encap.h"
#include "dataplane/path.h"
#include "dataplane/state.h"
#include "modules/vxlan/vxlan_msg.h"

#define VXLAN_FLAG_I 0x08           /* RFC 7348 section 5: a valid VNI follows */
#define VXLAN_DEFAULT_TTL 64        /* outer TTL when the configuration gives 0 */
#define VXLAN_HDRS_LEN 50           /* outer Ethernet, IPv4, UDP and VXLAN headers */
#define VXLAN_SRC_PORT_MIN 49152    /* RFC 7348: source ports from the dynamic range */
#define VXLAN_FDB_AGING_S 300       /* a learned entry not seen for this long goes, as in Linux */
#define VXLAN_FDB_LEARNED_MAX 16384 /* learned entries, all segments together */
#define VXLAN_FDB_STATIC_MAX 16384  /* configured entries, all segments together */
#define VXLAN_LEARN_RING_SIZE 4096  /* learning events waiting for the main lcore */
#define VXLAN_LEARN_BATCH 256       /* events taken per call of the main lcore's work */
#define VXLAN_LEARN_RESEND_MS 100   /* a worker repeats the same event no sooner */
#define VXLAN_SEGMENTS_MAX CFG_MAX_IFACES

struct vxlan_priv {
	uint32_t vni;
	uint32_t local;    /* host order */
	uint16_t udp_port; /* host order, the port registered for it */
	uint16_t underlay; /* the interface holding local, DP_IFACE_NONE while none does */
	uint8_t ttl;
	uint8_t flags; /* DP_VXLAN_F_* */
	uint8_t n_remotes;
	bool registered;                        /* udp_port is registered and the segment is in the segments' table */
	uint32_t remotes[DP_VXLAN_REMOTES_MAX]; /* host order */
	uint32_t n_static_vteps;                /* entries of the VTEP table for it */
};

/* A learned source: written by a worker, taken by the main lcore. */
struct learn_event {
	uint16_t iface;
	uint8_t mac[RTE_ETHER_ADDR_LEN];
	uint32_t vni; /* the segment's when sent: its slot may have been reused since */
	uint32_t remote;
};

/* What the main lcore keeps per FDB slot (rte_hash position). */
struct fdb_slot {
	uint64_t seen_tsc; /* learned: last seen (read by workers to decide a refresh) */
	uint32_t mark;     /* static: the last replace that named it */
};

/* Per-lcore memo of the last lookups, so the packets of one flow in a burst
 * pay for them once; a generation tells when the tables changed since. */
struct vxlan_lcore {
	uint64_t seg_key;
	uint32_t seg_gen;
	uint16_t seg_iface; /* 0: none (no logical interface has id 0) */
	uint64_t out_key;
	uint32_t out_gen;
	uint32_t out_remote; /* 0: flood */
	uint64_t learn_key;
	uint32_t learn_remote;
	uint64_t learn_tsc;
} __rte_cache_aligned;

static struct rte_hash *segments, *fdb, *vteps;
static struct fdb_slot *fdb_slots;
static uint32_t *vtep_refs;
static struct rte_ring *learn_ring;
static struct vxlan_lcore lcores[RTE_MAX_LCORE];
static uint32_t seg_gen, fdb_gen; /* bumped by the main lcore after each change */
static unsigned n_learned, n_static;
static uint32_t static_mark;
static uint64_t next_aging_tsc;
/* The main lcore's clock as of its last work (every millisecond or so):
 * workers read it instead of the TSC, which costs more per packet. */
static uint64_t main_tsc;
static uint64_t resend_tsc, refresh_tsc; /* VXLAN_LEARN_RESEND_MS and half the aging time, in TSC ticks */

static enum dp_counter_id cnt_truncated, cnt_bad_flags, cnt_unknown_vni, cnt_unknown_vtep, cnt_runt;
static enum dp_counter_id cnt_no_vtep, cnt_no_headroom, cnt_flood_no_mbufs, cnt_flooded, cnt_fdb_full, cnt_learn_lost;

static struct vxlan_priv *priv(struct dp_iface *ifc)
{
	RTE_BUILD_BUG_ON(sizeof(struct vxlan_priv) > IFACE_PRIV_LEN);
	return (struct vxlan_priv *)ifc->priv;
}

static const struct vxlan_priv *priv_const(const struct dp_iface *ifc)
{
	return (const struct vxlan_priv *)ifc->priv;
}

static inline uint64_t seg_key(uint16_t udp_port, uint32_t vni)
{
	return (uint64_t)udp_port << 32 | vni;
}

/* The interface, then the MAC's bytes from the first, in one word. */
static inline uint64_t mac_key(uint16_t iface, const uint8_t mac[RTE_ETHER_ADDR_LEN])
{
	uint64_t be = 0;

	memcpy(&be, mac, RTE_ETHER_ADDR_LEN);
	return (uint64_t)iface << 48 | rte_be_to_cpu_64(be) >> 16;
}

static inline uint64_t vtep_key(uint16_t iface, uint32_t ip)
{
	return (uint64_t)iface << 32 | ip;
}

/* An FDB entry's data word: the VTEP, and whether it is configured. */
#define FDB_STATIC_BIT (1ULL << 32)

static inline uint64_t fdb_data(uint32_t remote, bool is_static)
{
	return remote | (is_static ? FDB_STATIC_BIT : 0);
}

static inline uint32_t fdb_remote(const void *data)
{
	return (uint32_t)(uintptr_t)data;
}

static inline bool fdb_static(const void *data)
{
	return ((uintptr_t)data & FDB_STATIC_BIT) != 0;
}

static inline uint16_t segment_udp_port(const struct dp_vxlan_info *v)
{
	return v->udp_port ? v->udp_port : VXLAN_DEFAULT_PORT;
}

static void bump(uint32_t *gen)
{
	__atomic_store_n(gen, *gen + 1, __ATOMIC_RELEASE);
}

/* ---- tables (made on first use: the RCU domain comes after the modules) ---- */

static struct rte_hash *hash_create(const char *name, uint32_t entries)
{
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = entries,
		.key_len = sizeof(uint64_t),
		.hash_func = rte_hash_crc,
		.socket_id = (int)rte_socket_id(),
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF,
	};
	struct rte_hash_rcu_config rcu = {.v = dp.qsbr, .mode = RTE_HASH_QSBR_MODE_DQ};
	struct rte_hash *h = rte_hash_create(&hp);

	if (h && rte_hash_rcu_qsbr_add(h, &rcu) != 0) {
		rte_hash_free(h);
		return NULL;
	}
	return h;
}

/* Hash slots beyond the bound, so bucket collisions refuse no entry below it. */
#define FDB_HASH_SIZE (2 * (VXLAN_FDB_LEARNED_MAX + VXLAN_FDB_STATIC_MAX))
#define VTEP_HASH_SIZE (2 * VXLAN_FDB_STATIC_MAX)

static int tables_init(char *err, size_t errlen)
{
	if (learn_ring)
		return 0;
	resend_tsc = rte_get_tsc_hz() * VXLAN_LEARN_RESEND_MS / 1000;
	refresh_tsc = rte_get_tsc_hz() * VXLAN_FDB_AGING_S / 2;
	if (!segments)
		segments = hash_create("brink_vxlan_seg", 2 * VXLAN_SEGMENTS_MAX);
	if (!fdb)
		fdb = hash_create("brink_vxlan_fdb", FDB_HASH_SIZE);
	if (!vteps)
		vteps = hash_create("brink_vxlan_vtep", VTEP_HASH_SIZE);
	if (!fdb_slots)
		fdb_slots = rte_zmalloc("brink_vxlan_fdb_slots", sizeof(*fdb_slots) * FDB_HASH_SIZE, 0);
	if (!vtep_refs)
		vtep_refs = rte_zmalloc("brink_vxlan_vtep_refs", sizeof(*vtep_refs) * VTEP_HASH_SIZE, 0);
	if (segments && fdb && vteps && fdb_slots && vtep_refs)
		learn_ring = rte_ring_create_elem("brink_vxlan_learn", sizeof(struct learn_event),
						  VXLAN_LEARN_RING_SIZE, (int)rte_socket_id(), RING_F_SC_DEQ);
	if (!learn_ring) {
		snprintf(err, errlen, "no memory for the VXLAN tables");
		return -ENOMEM;
	}
	return 0;
}

/* ---- VTEPs of static entries ---- */

static int vtep_ref(uint16_t iface, uint32_t ip)
{
	uint64_t k = vtep_key(iface, ip);
	int32_t pos = rte_hash_lookup(vteps, &k);

	if (pos < 0) {
		if ((pos = rte_hash_add_key(vteps, &k)) < 0)
			return pos;
		vtep_refs[pos] = 0;
		priv(&dp_ifaces[iface])->n_static_vteps++;
	}
	vtep_refs[pos]++;
	return 0;
}

static void vtep_unref(uint16_t iface, uint32_t ip)
{
	uint64_t k = vtep_key(iface, ip);
	int32_t pos = rte_hash_lookup(vteps, &k);

	if (pos >= 0 && --vtep_refs[pos] == 0) {
		rte_hash_del_key(vteps, &k);
		priv(&dp_ifaces[iface])->n_static_vteps--;
	}
}

/* ---- the forwarding database (main lcore) ---- */

/* Entry k gets data (in one store a reader sees whole); its slot, or a negative errno. */
static int32_t fdb_put(uint64_t k, uint64_t data)
{
	int rc = rte_hash_add_key_data(fdb, &k, (void *)(uintptr_t)data);
	return rc < 0 ? rc : rte_hash_lookup(fdb, &k);
}

/* Entry k, whose data word is data, goes. */
static void fdb_remove(uint64_t k, const void *data)
{
	if (rte_hash_del_key(fdb, &k) < 0)
		return;
	if (fdb_static(data)) {
		n_static--;
		vtep_unref((uint16_t)(k >> 48), fdb_remote(data));
	} else {
		n_learned--;
	}
}

/* Every entry that keep() refuses goes: collected first, since deleting
 * moves keys within the buckets an iteration walks. */
static void fdb_sweep(bool (*keep)(uint64_t k, const void *data, uint32_t pos, const void *arg), const void *arg)
{
	unsigned n = n_learned + n_static, k = 0;
	uint64_t *keys = malloc(sizeof(*keys) * (n ? n : 1));
	void **datas = malloc(sizeof(*datas) * (n ? n : 1));
	const void *key;
	void *data;
	uint32_t next = 0;
	int32_t pos;

	if (!keys || !datas) {
		/* Nothing goes this time; the next sweep tries again. */
		free(keys);
		free(datas);
		return;
	}
	while ((pos = rte_hash_iterate(fdb, &key, &data, &next)) >= 0 && k < n) {
		uint64_t kv;
		memcpy(&kv, key, sizeof(kv));
		if (!keep(kv, data, (uint32_t)pos, arg)) {
			keys[k] = kv;
			datas[k++] = data;
		}
	}
	for (unsigned i = 0; i < k; i++)
		fdb_remove(keys[i], datas[i]);
	if (k)
		bump(&fdb_gen);
	free(keys);
	free(datas);
}

struct flush_arg {
	uint16_t iface;
	bool learned_only;
};

static bool keep_other_segments(uint64_t k, const void *data, uint32_t pos, const void *arg)
{
	const struct flush_arg *f = arg;
	(void)pos;
	return (uint16_t)(k >> 48) != f->iface || (f->learned_only && fdb_static(data));
}

static void fdb_flush(uint16_t iface, bool learned_only)
{
	struct flush_arg f = {.iface = iface, .learned_only = learned_only};
	if (fdb)
		fdb_sweep(keep_other_segments, &f);
}

static bool keep_fresh(uint64_t k, const void *data, uint32_t pos, const void *arg)
{
	uint64_t now = *(const uint64_t *)arg;
	(void)k;
	return fdb_static(data) || now - fdb_slots[pos].seen_tsc < VXLAN_FDB_AGING_S * rte_get_tsc_hz();
}

/* A worker saw ev's source: add or move the learned entry, or refresh it. */
static void learn(const struct learn_event *ev, uint64_t now)
{
	const struct dp_iface *ifc = &dp_ifaces[ev->iface];
	uint64_t k = mac_key(ev->iface, ev->mac);
	void *data;
	int32_t pos;

	if (ifc->type != DP_IFACE_VXLAN || priv_const(ifc)->vni != ev->vni ||
	    (priv_const(ifc)->flags & DP_VXLAN_F_NO_LEARNING))
		return;
	pos = rte_hash_lookup_data(fdb, &k, &data);
	if (pos >= 0 && fdb_static(data))
		return; /* configured entries win over what traffic says */
	if (pos < 0 && n_learned >= VXLAN_FDB_LEARNED_MAX) {
		dp_counters_self()->c[cnt_fdb_full]++;
		return;
	}
	if (pos < 0 || fdb_remote(data) != ev->remote) {
		bool added = pos < 0;
		if ((pos = fdb_put(k, fdb_data(ev->remote, false))) < 0) {
			dp_counters_self()->c[cnt_fdb_full]++;
			return;
		}
		n_learned += added;
		bump(&fdb_gen);
	}
	__atomic_store_n(&fdb_slots[pos].seen_tsc, now, __ATOMIC_RELAXED);
}

/* The main lcore's work: learning events, then aging once a second. */
static void vxlan_main_work(uint64_t now_tsc)
{
	struct learn_event ev[VXLAN_LEARN_BATCH];
	unsigned n;

	if (!learn_ring)
		return;
	__atomic_store_n(&main_tsc, now_tsc, __ATOMIC_RELAXED);
	n = rte_ring_sc_dequeue_burst_elem(learn_ring, ev, sizeof(ev[0]), RTE_DIM(ev), NULL);
	for (unsigned i = 0; i < n; i++)
		learn(&ev[i], now_tsc);
	if (now_tsc < next_aging_tsc)
		return;
	next_aging_tsc = now_tsc + rte_get_tsc_hz();
	if (n_learned)
		fdb_sweep(keep_fresh, &now_tsc);
}

/* ---- static entries (DP_TABLE_FDB) ---- */

static int check_static(const struct dp_fdb *f, const struct dp_fdb *items, char *err, size_t errlen)
{
	char name[DP_NAME_LEN + 1], mac[RTE_ETHER_ADDR_FMT_SIZE];
	struct rte_ether_addr ea;
	int id;

	snprintf(name, sizeof(name), "%.*s", DP_NAME_LEN, f->iface);
	memcpy(&ea, f->mac, sizeof(ea));
	rte_ether_format_addr(mac, sizeof(mac), &ea);
	if ((id = iface_by_name(name)) < 0 || dp_ifaces[id].type != DP_IFACE_VXLAN) {
		snprintf(err, errlen, "FDB entry %s: no VXLAN interface named '%s'", mac, name);
		return -ENODEV;
	}
	if (!rte_is_unicast_ether_addr(&ea) || rte_is_zero_ether_addr(&ea)) {
		snprintf(err, errlen, "FDB entry %s of %s: not a unicast MAC address", mac, name);
		return -EINVAL;
	}
	if (f->remote == 0 || f->remote >= 0xe0000000) {
		snprintf(err, errlen, "FDB entry %s of %s: the remote must be a unicast IPv4 address", mac, name);
		return -EINVAL;
	}
	for (const struct dp_fdb *o = items; o < f; o++)
		if (strncmp(o->iface, f->iface, DP_NAME_LEN) == 0 && memcmp(o->mac, f->mac, sizeof(o->mac)) == 0) {
			snprintf(err, errlen, "FDB entry %s of %s is given twice", mac, name);
			return -EEXIST;
		}
	return id;
}

static bool keep_marked(uint64_t k, const void *data, uint32_t pos, const void *arg)
{
	(void)k;
	(void)arg;
	return !fdb_static(data) || fdb_slots[pos].mark == static_mark;
}

static int static_set(uint16_t iface, const struct dp_fdb *f)
{
	uint64_t k = mac_key(iface, f->mac);
	void *data;
	int32_t pos = rte_hash_lookup_data(fdb, &k, &data);

	if (pos >= 0 && fdb_static(data) && fdb_remote(data) == f->remote) {
		fdb_slots[pos].mark = static_mark;
		return 0;
	}
	if (pos >= 0)
		fdb_remove(k, data);
	if (n_static >= VXLAN_FDB_STATIC_MAX)
		return -ENOSPC;
	if ((pos = vtep_ref(iface, f->remote)) < 0)
		return pos;
	if ((pos = fdb_put(k, fdb_data(f->remote, true))) < 0) {
		vtep_unref(iface, f->remote);
		return pos;
	}
	fdb_slots[pos].mark = static_mark;
	n_static++;
	return 0;
}

static int vxlan_fdb_apply(const void *table_items, unsigned n, struct dp_apply *a)
{
	const struct dp_fdb *items = table_items;
	char err[200];
	int rc;

	if (n && (rc = tables_init(err, sizeof(err))) < 0)
		return dp_apply_refuse(a, rc, "%s", err);
	if (!fdb)
		return 0;
	static_mark++;
	for (unsigned i = 0; i < n; i++) {
		int id = check_static(&items[i], items, err, sizeof(err));
		if (id >= 0 && (rc = static_set((uint16_t)id, &items[i])) < 0) {
			snprintf(err, sizeof(err),
				 "FDB entries of %.*s: more than the %u static entries there is room for", DP_NAME_LEN,
				 items[i].iface, (unsigned)VXLAN_FDB_STATIC_MAX);
			id = rc;
		}
		if (id < 0 && (rc = dp_apply_refuse(a, id, "%s", err)) < 0)
			return rc;
	}
	fdb_sweep(keep_marked, NULL);
	bump(&fdb_gen);
	return 0;
}

/* ---- the interface type ---- */

static int vxlan_check(const struct dp_iface_conf *c, const struct dp_iface_conf *all, unsigned n, char *err,
		       size_t errlen)
{
	struct dp_vxlan_info v;
	char a[IP4_STR_LEN];

	memcpy(&v, c->info, sizeof(v));
	if (v.vni < 1 || v.vni > VXLAN_VNI_MAX) {
		snprintf(err, errlen, "VXLAN %.*s: VNI %u is not in 1-%u", DP_NAME_LEN, c->name, v.vni,
			 (unsigned)VXLAN_VNI_MAX);
		return -EINVAL;
	}
	if (v.local == 0) {
		snprintf(err, errlen, "VXLAN %.*s: no source address", DP_NAME_LEN, c->name);
		return -EINVAL;
	}
	if (v.n_remotes > DP_VXLAN_REMOTES_MAX) {
		snprintf(err, errlen, "VXLAN %.*s: %u remotes, at most %u", DP_NAME_LEN, c->name, v.n_remotes,
			 (unsigned)DP_VXLAN_REMOTES_MAX);
		return -EINVAL;
	}
	for (unsigned i = 0; i < v.n_remotes; i++) {
		uint32_t r = v.remotes[i];
		ip4_fmt(r, a);
		if (r == v.local) {
			snprintf(err, errlen, "VXLAN %.*s: remote %s is its own source address", DP_NAME_LEN, c->name,
				 a);
			return -EINVAL;
		}
		if (r == 0 || r >= 0xe0000000) {
			snprintf(err, errlen, "VXLAN %.*s: remote %s is not a unicast address (no multicast groups)",
				 DP_NAME_LEN, c->name, a);
			return -EINVAL;
		}
	}
	for (const struct dp_iface_conf *o = all; o < c; o++) {
		struct dp_vxlan_info ov;
		memcpy(&ov, o->info, sizeof(ov));
		if (o->type == DP_IFACE_VXLAN && ov.vni == v.vni && segment_udp_port(&ov) == segment_udp_port(&v)) {
			snprintf(err, errlen, "VNI %u on UDP port %u is both %.*s and %.*s", v.vni,
				 segment_udp_port(&v), DP_NAME_LEN, o->name, DP_NAME_LEN, c->name);
			return -EEXIST;
		}
	}
	(void)n;
	return 0;
}

static void vxlan_input(struct dp_worker *w, struct rte_mbuf **pkts, dp_verdict *v, uint16_t n);

/* The segment leaves the segments' table and its UDP port. */
static void unregister(struct dp_iface *ifc)
{
	struct vxlan_priv *p = priv(ifc);
	uint64_t k = seg_key(p->udp_port, p->vni);

	if (!p->registered)
		return;
	rte_hash_del_key(segments, &k);
	udp_local_unregister(p->udp_port);
	p->registered = false;
	bump(&seg_gen);
}

static void set_mac(struct dp_iface *ifc, const struct dp_iface_conf *c)
{
	union {
		struct rte_ether_addr mac;
		uint64_t word;
	} u = {.word = ifc->mac_word};

	if (c->has_mac) {
		memcpy(&u.mac, c->mac, sizeof(u.mac));
	} else {
		/* brinkd always names one; a stable stand-in otherwise, locally administered. */
		uint32_t h = rte_hash_crc(c->name, DP_NAME_LEN, 0);
		u.mac = (struct rte_ether_addr){
			{0x02, 0x00, (uint8_t)(h >> 24), (uint8_t)(h >> 16), (uint8_t)(h >> 8), (uint8_t)h}};
	}
	__atomic_store_n(&ifc->mac_word, u.word, __ATOMIC_RELEASE);
}

static int vxlan_apply(struct dp_iface *ifc, const struct dp_iface_conf *c, char *err, size_t errlen)
{
	struct vxlan_priv *p = priv(ifc);
	struct dp_vxlan_info v;
	uint16_t port;
	int rc;

	if ((rc = tables_init(err, errlen)) < 0)
		return rc;
	memcpy(&v, c->info, sizeof(v));
	port = segment_udp_port(&v);
	bool moved = p->registered && (p->udp_port != port || p->vni != v.vni);
	if (moved || (p->registered && p->local != v.local))
		fdb_flush(ifc->id, true); /* another segment now: what it learned is not this one's */
	if (moved)
		unregister(ifc);
	if (!p->registered) {
		uint64_t k = seg_key(port, v.vni);
		if ((rc = udp_local_register(port, vxlan_input)) < 0) {
			snprintf(err, errlen, "UDP port %u is taken by another feature", port);
			return rc;
		}
		if ((rc = rte_hash_add_key_data(segments, &k, (void *)(uintptr_t)ifc->id)) < 0) {
			udp_local_unregister(port);
			if (rc == -EEXIST)
				snprintf(err, errlen, "VNI %u on UDP port %u is still another segment's", v.vni, port);
			else
				snprintf(err, errlen, "no room for more VXLAN segments");
			return rc;
		}
		p->registered = true;
		p->udp_port = port;
		p->vni = v.vni;
		p->underlay = DP_IFACE_NONE;
		bump(&seg_gen);
	}
	__atomic_store_n(&p->local, v.local, __ATOMIC_RELEASE);
	p->ttl = v.ttl;
	p->flags = v.flags;
	/* Workers read the flood list while it changes: the count covers only
	 * slots that hold a remote of the old list or the new one. */
	uint8_t n_remotes = RTE_MIN(v.n_remotes, (uint8_t)DP_VXLAN_REMOTES_MAX);
	__atomic_store_n(&p->n_remotes, RTE_MIN(p->n_remotes, n_remotes), __ATOMIC_RELEASE);
	for (unsigned i = 0; i < n_remotes; i++)
		__atomic_store_n(&p->remotes[i], v.remotes[i], __ATOMIC_RELAXED);
	__atomic_store_n(&p->n_remotes, n_remotes, __ATOMIC_RELEASE);
	if (p->flags & DP_VXLAN_F_NO_LEARNING)
		fdb_flush(ifc->id, true);
	set_mac(ifc, c);
	if (c->mtu)
		__atomic_store_n(&ifc->mtu, c->mtu, __ATOMIC_RELEASE);
	else if (!ifc->mtu)
		ifc->mtu = DP_DEFAULT_MTU - VXLAN_OVERHEAD; /* until follow finds the underlay */
	ifc->parent = DP_IFACE_NONE;
	ifc->port = RTE_MAX_ETHPORTS;
	return 0;
}

static void vxlan_destroy(struct dp_iface *ifc)
{
	fdb_flush(ifc->id, false);
	unregister(ifc);
}

/* The underlay is the interface holding the source address: its MTU less
 * the encapsulation, unless one is configured. */
static void vxlan_follow(struct dp_iface *ifc)
{
	struct vxlan_priv *p = priv(ifc);
	uint16_t underlay = iface_holding(p->local);

	p->underlay = underlay;
	if (!ifc->conf.mtu && underlay != DP_IFACE_NONE)
		__atomic_store_n(&ifc->mtu,
				 (uint16_t)(RTE_MAX(dp_ifaces[underlay].mtu, 2 * VXLAN_OVERHEAD) - VXLAN_OVERHEAD),
				 __ATOMIC_RELEASE);
}

static bool vxlan_underlay_up(const struct dp_iface *ifc)
{
	uint16_t u = priv_const(ifc)->underlay;
	return u != DP_IFACE_NONE && u != ifc->id && dp_ifaces[u].oper_up;
}

static void vxlan_info(const struct dp_iface *ifc, uint8_t info[DP_IFACE_INFO_LEN])
{
	const struct vxlan_priv *p = priv_const(ifc);
	struct dp_vxlan_info v = {
		.vni = p->vni,
		.local = p->local,
		.udp_port = p->udp_port,
		.n_remotes = p->n_remotes,
		.flags = p->flags,
		.ttl = p->ttl,
	};

	memcpy(v.remotes, p->remotes, sizeof(v.remotes[0]) * p->n_remotes);
	memcpy(info, &v, sizeof(v));
}

/* ---- encapsulation (workers) ---- */

struct vxlan_outer {
	struct rte_ether_hdr eth;
	struct rte_ipv4_hdr ip;
	struct rte_udp_hdr udp;
	struct rte_vxlan_hdr vx;
} __rte_packed __rte_aligned(2);

/* The inner flow's hash, for the outer source port, so that the underlay's
 * ECMP and the far end's RSS spread flows: IPv4 addresses, protocol and
 * ports when the frame carries them, else its MACs. */
static inline uint32_t inner_flow_hash(const struct rte_mbuf *m)
{
	const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct rte_ether_hdr *eh = (const struct rte_ether_hdr *)f;
	uint32_t len = rte_pktmbuf_data_len(m);
	uint64_t macs;

	if (eh->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4) && len >= sizeof(*eh) + sizeof(struct rte_ipv4_hdr)) {
		const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eh + 1);
		uint32_t src, dst, ports;
		memcpy(&src, &ip->src_addr, 4);
		memcpy(&dst, &ip->dst_addr, 4);
		uint32_t h = rte_hash_crc_4byte(src, dst ^ ip->next_proto_id);
		uint16_t ihl = rte_ipv4_hdr_len(ip);
		if ((ip->next_proto_id == IPPROTO_TCP || ip->next_proto_id == IPPROTO_UDP) &&
		    !(ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) &&
		    len >= sizeof(*eh) + ihl + sizeof(ports)) {
			memcpy(&ports, (const uint8_t *)ip + ihl, sizeof(ports));
			h = rte_hash_crc_4byte(ports, h);
		}
		return h;
	}
	memcpy(&macs, f, sizeof(macs));
	return rte_hash_crc_4byte((uint32_t)(f[8] | f[9] << 8 | f[10] << 16 | (uint32_t)f[11] << 24),
				  rte_hash_crc_8byte(macs, 0));
}

/* What the outer headers of a segment's burst share, read once: the headers
 * written could alias the interface's settings, which would be read again
 * for every packet. */
struct encap_fields {
	uint32_t local;
	rte_be32_t vni;
	rte_be16_t udp_port;
	uint8_t ttl;
};

static inline struct encap_fields encap_fields(const struct vxlan_priv *p)
{
	return (struct encap_fields){.local = p->local,
				     .vni = rte_cpu_to_be_32(p->vni << 8),
				     .udp_port = rte_cpu_to_be_16(p->udp_port),
				     .ttl = p->ttl ? p->ttl : VXLAN_DEFAULT_TTL};
}

/* m (the inner frame) gets its outer headers toward remote and joins out. */
static __rte_always_inline void encap_send(struct dp_worker *w, const struct encap_fields *f, struct rte_mbuf *m,
					   uint32_t remote, uint16_t src_port, struct own_output *out)
{
	uint16_t inner_len = (uint16_t)rte_pktmbuf_pkt_len(m);
	struct vxlan_outer *o = (struct vxlan_outer *)rte_pktmbuf_prepend(m, VXLAN_HDRS_LEN);

	RTE_BUILD_BUG_ON(sizeof(struct vxlan_outer) != VXLAN_HDRS_LEN);
	if (unlikely(!o)) {
		dp_drop(dp_counters_self(), cnt_no_headroom, m);
		return;
	}
	o->eth.ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	ip4_encap_write(&o->ip, &(struct ip4_outer){
					.ttl = f->ttl,
					.proto = IPPROTO_UDP,
					.total_len = (uint16_t)(inner_len + VXLAN_HDRS_LEN - sizeof(o->eth)),
					.id = w->ip_id++,
					.src = f->local,
					.dst = remote,
				});
	o->udp = (struct rte_udp_hdr){
		.src_port = rte_cpu_to_be_16(src_port),
		.dst_port = f->udp_port,
		.dgram_len = rte_cpu_to_be_16((uint16_t)(inner_len + sizeof(o->udp) + sizeof(o->vx))),
	};
	o->vx.vx_flags = RTE_BE32((uint32_t)VXLAN_FLAG_I << 24);
	o->vx.vx_vni = f->vni;
	/* The outer packet is a new one: nothing the device said of the inner frame holds. */
	m->ol_flags &= RTE_MBUF_F_EXTERNAL | RTE_MBUF_F_INDIRECT;
	own_output_send(w, out, m, remote, (uint16_t)(inner_len + VXLAN_HDRS_LEN - sizeof(o->eth)));
}

/* The VTEP of dst on segment ifc, 0 when the frame floods. */
static inline uint32_t fdb_lookup_remote(struct vxlan_lcore *lc, uint16_t iface, const struct rte_ether_addr *dst)
{
	uint64_t k = mac_key(iface, dst->addr_bytes);
	uint32_t gen = __atomic_load_n(&fdb_gen, __ATOMIC_ACQUIRE);
	void *data;

	if (lc->out_key == k && lc->out_gen == gen)
		return lc->out_remote;
	lc->out_key = k;
	lc->out_gen = gen;
	lc->out_remote = rte_hash_lookup_data(fdb, &k, &data) >= 0 ? fdb_remote(data) : 0;
	return lc->out_remote;
}

/* Broadcast, multicast, unknown unicast: a copy to each VTEP of the flood
 * list (head-end replication). Copies, not clones: the ports free mbufs in
 * bulk and would free a shared one early. */
static void flood(struct dp_worker *w, struct dp_iface *ifc, const struct encap_fields *f, struct rte_mbuf *m,
		  uint16_t src_port, struct own_output *out)
{
	const struct vxlan_priv *p = priv(ifc);
	struct iface_counters *c = iface_counters_self(ifc->id);
	struct dp_lcore_counters *cnt = dp_counters_self();
	unsigned n = __atomic_load_n(&p->n_remotes, __ATOMIC_ACQUIRE);

	if (unlikely(n == 0)) {
		c->tx_dropped++;
		dp_drop(cnt, cnt_no_vtep, m);
		return;
	}
	c->tx_packets++;
	c->tx_bytes += rte_pktmbuf_pkt_len(m);
	cnt->c[cnt_flooded]++;
	if (trace_on())
		trace_step(m, "vxlan", "flooded to the %u VTEPs of %s", n, ifc->name);
	for (unsigned i = 0; i + 1 < n; i++) {
		struct rte_mbuf *copy = rte_pktmbuf_copy(m, dp.pool, 0, UINT32_MAX);
		if (unlikely(!copy)) {
			cnt->c[cnt_flood_no_mbufs]++;
			continue;
		}
		*dp_meta(copy) = *dp_meta(m);
		encap_send(w, f, copy, __atomic_load_n(&p->remotes[i], __ATOMIC_RELAXED), src_port, out);
	}
	encap_send(w, f, m, __atomic_load_n(&p->remotes[n - 1], __ATOMIC_RELAXED), src_port, out);
}

static void vxlan_output(struct dp_worker *w, struct dp_iface *ifc, struct rte_mbuf **pkts, const uint32_t *next_hop,
			 uint16_t n)
{
	const struct encap_fields f = encap_fields(priv(ifc));
	struct vxlan_lcore *lc = &lcores[rte_lcore_id()];
	const bool tracing = trace_on();
	struct own_output out;
	uint64_t packets = 0, bytes = 0;

	(void)next_hop;
	own_output_begin(&out);
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
		uint16_t src_port = (uint16_t)(VXLAN_SRC_PORT_MIN | (inner_flow_hash(m) & 0x3fff));
		uint32_t remote = 0;

		if (likely(rte_is_unicast_ether_addr(&eh->dst_addr)))
			remote = fdb_lookup_remote(lc, ifc->id, &eh->dst_addr);
		if (unlikely(!remote)) {
			flood(w, ifc, &f, m, src_port, &out);
			continue;
		}
		if (unlikely(tracing)) {
			char a[IP4_STR_LEN];
			trace_step(m, "vxlan", "to VTEP %s of %s", ip4_fmt(remote, a), ifc->name);
		}
		packets++;
		bytes += rte_pktmbuf_pkt_len(m);
		encap_send(w, &f, m, remote, src_port, &out);
	}
	struct iface_counters *c = iface_counters_self(ifc->id);
	c->tx_packets += packets;
	c->tx_bytes += bytes;
	own_output_end(&out);
}

/* ---- decapsulation (workers) ---- */

static inline bool known_vtep(const struct vxlan_priv *p, uint16_t iface, uint32_t src)
{
	unsigned n = __atomic_load_n(&p->n_remotes, __ATOMIC_ACQUIRE);

	for (unsigned i = 0; i < n; i++)
		if (p->remotes[i] == src)
			return true;
	uint64_t k = vtep_key(iface, src);
	return p->n_static_vteps && rte_hash_lookup(vteps, &k) >= 0;
}

static inline uint16_t segment_lookup(struct vxlan_lcore *lc, uint16_t udp_port, uint32_t vni)
{
	uint64_t k = seg_key(udp_port, vni);
	uint32_t gen = __atomic_load_n(&seg_gen, __ATOMIC_ACQUIRE);
	void *data;

	if (lc->seg_key != k || lc->seg_gen != gen) {
		lc->seg_key = k;
		lc->seg_gen = gen;
		lc->seg_iface = rte_hash_lookup_data(segments, &k, &data) >= 0 ? (uint16_t)(uintptr_t)data : 0;
	}
	return lc->seg_iface;
}

/* The inner source, seen from remote: tell the main lcore when the FDB
 * lacks it, has it elsewhere, or should refresh it. */
static inline void maybe_learn(struct vxlan_lcore *lc, uint16_t iface, const struct vxlan_priv *p,
			       const struct rte_ether_hdr *eh, uint32_t remote)
{
	uint64_t k = mac_key(iface, eh->src_addr.addr_bytes), now = __atomic_load_n(&main_tsc, __ATOMIC_RELAXED);
	void *data;

	if (lc->learn_key == k && lc->learn_remote == remote && now - lc->learn_tsc < resend_tsc)
		return;
	if (!rte_is_valid_assigned_ether_addr(&eh->src_addr))
		return;
	lc->learn_key = k;
	lc->learn_remote = remote;
	lc->learn_tsc = now;
	int32_t pos = rte_hash_lookup_data(fdb, &k, &data);
	if (pos >= 0 &&
	    (fdb_static(data) || (fdb_remote(data) == remote &&
				  now - __atomic_load_n(&fdb_slots[pos].seen_tsc, __ATOMIC_RELAXED) < refresh_tsc)))
		return;
	struct learn_event ev = {.iface = iface, .vni = p->vni, .remote = remote};
	memcpy(ev.mac, eh->src_addr.addr_bytes, sizeof(ev.mac));
	if (rte_ring_mp_enqueue_elem(learn_ring, &ev, sizeof(ev)) != 0)
		dp_counters_self()->c[cnt_learn_lost]++;
}

/* UDP to a VXLAN port of the router: m starts at its outer Ethernet header. */
/* A run of packets received on one segment from one VTEP: found and
 * checked once, counted when it ends. */
struct rx_run {
	uint64_t seg; /* seg_key() */
	uint32_t src, dst;
	uint16_t id; /* 0: none yet */
	uint64_t packets, bytes;
};

/* The segment of a (port, VNI) whose VTEP sent from src to dst, 0 when the
 * packet has no business there (the drop counter in *why). */
static uint16_t segment_of(struct vxlan_lcore *lc, uint64_t seg, uint32_t src, uint32_t dst, dp_verdict *why)
{
	uint16_t id = segment_lookup(lc, (uint16_t)(seg >> 32), (uint32_t)seg);
	const struct dp_iface *ifc = &dp_ifaces[id];
	const struct vxlan_priv *p = priv_const(ifc);

	if (unlikely(!id || ifc->type != DP_IFACE_VXLAN || p->local != dst)) {
		*why = DP_DROP(cnt_unknown_vni);
		return 0;
	}
	if (unlikely(!known_vtep(p, id, src))) {
		iface_counters_self(id)->rx_dropped++;
		*why = DP_DROP(cnt_unknown_vtep);
		return 0;
	}
	return id;
}

/* UDP to a VXLAN port of the router: m starts at its outer Ethernet header. */
static inline dp_verdict decapsulate(struct vxlan_lcore *lc, struct rx_run *r, struct rte_mbuf *m, bool tracing)
{
	const struct rte_ipv4_hdr *ip =
		rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
	uint16_t ihl = rte_ipv4_hdr_len(ip), ip_len = rte_be_to_cpu_16(ip->total_length);
	uint32_t hdrs = sizeof(struct rte_ether_hdr) + ihl + sizeof(struct rte_udp_hdr) + sizeof(struct rte_vxlan_hdr);
	struct rte_vxlan_hdr vx;
	struct rte_udp_hdr udp;

	if (unlikely(rte_pktmbuf_data_len(m) < hdrs || ip_len < hdrs - sizeof(struct rte_ether_hdr)))
		return DP_DROP(cnt_truncated);
	memcpy(&udp, (const uint8_t *)ip + ihl, sizeof(udp));
	memcpy(&vx, (const uint8_t *)ip + ihl + sizeof(udp), sizeof(vx));
	/* RFC 7348 section 5: the I flag must be set; the reserved bits are ignored. */
	if (unlikely(!(rte_be_to_cpu_32(vx.vx_flags) >> 24 & VXLAN_FLAG_I)))
		return DP_DROP(cnt_bad_flags);
	uint64_t seg = seg_key(rte_be_to_cpu_16(udp.dst_port), rte_be_to_cpu_32(vx.vx_vni) >> 8);
	uint32_t src = rte_be_to_cpu_32(ip->src_addr), dst = rte_be_to_cpu_32(ip->dst_addr);
	if (unlikely(!r->id || r->seg != seg || r->src != src || r->dst != dst)) {
		dp_verdict why;
		uint16_t id = segment_of(lc, seg, src, dst, &why);
		if (!id)
			return why;
		iface_count_rx(r->id, r->packets, r->bytes);
		*r = (struct rx_run){.seg = seg, .src = src, .dst = dst, .id = id};
	}
	uint16_t id = r->id;
	const struct dp_iface *ifc = &dp_ifaces[id];
	const struct vxlan_priv *p = priv_const(ifc);
	uint32_t inner_len = ip_len + sizeof(struct rte_ether_hdr) - hdrs;
	if (unlikely(inner_len < sizeof(struct rte_ether_hdr) ||
		     rte_pktmbuf_data_len(m) < hdrs + sizeof(struct rte_ether_hdr))) {
		iface_counters_self(id)->rx_dropped++;
		return DP_DROP(cnt_runt);
	}
	if (unlikely(!ifc->oper_up)) {
		iface_counters_self(id)->rx_dropped++;
		return DP_DROP(DP_CNT_DROP_IFACE_DOWN);
	}
	rte_pktmbuf_adj(m, (uint16_t)hdrs);
	if (rte_pktmbuf_pkt_len(m) > inner_len)
		rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_pkt_len(m) - inner_len));
	/* The device's checksum verdicts were about the outer headers. */
	m->ol_flags &= ~(RTE_MBUF_F_RX_IP_CKSUM_MASK | RTE_MBUF_F_RX_L4_CKSUM_MASK);
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	if (!(p->flags & DP_VXLAN_F_NO_LEARNING))
		maybe_learn(lc, id, p, eh, src);
	r->packets++;
	r->bytes += inner_len;
	dp_meta(m)->in_iface = id;
	if (unlikely(tracing)) {
		char a[IP4_STR_LEN];
		trace_step(m, "vxlan", "VNI %u from VTEP %s: on %s", p->vni, ip4_fmt(src, a), ifc->name);
	}
	return DP_REINJECT_ETH;
}

static void vxlan_input(struct dp_worker *w, struct rte_mbuf **pkts, dp_verdict *v, uint16_t n)
{
	struct vxlan_lcore *lc = &lcores[rte_lcore_id()];
	struct rx_run r = {.id = 0};
	const bool tracing = trace_on();

	(void)w;
	for (uint16_t i = 0; i < n; i++)
		v[i] = decapsulate(lc, &r, pkts[i], tracing);
	iface_count_rx(r.id, r.packets, r.bytes);
}

/* ---- DP_MSG_FDB_DUMP ---- */

static void dump_fdb(struct ctl_conn *conn, const struct dp_msg_hdr *req, const void *body, size_t len)
{
	const struct dp_port_ref *ref = body;
	char name[DP_NAME_LEN + 1] = "";
	int only = -1;

	if (len && len != sizeof(*ref)) {
		ctl_reply_error(conn, req, -EBADMSG, "item of the wrong size");
		return;
	}
	if (len)
		snprintf(name, sizeof(name), "%.*s", DP_NAME_LEN, ref->name);
	if (name[0] && ((only = iface_by_name(name)) < 0 || dp_ifaces[only].type != DP_IFACE_VXLAN)) {
		ctl_reply_error(conn, req, -ENODEV, "no VXLAN interface named '%s' in the dataplane", name);
		return;
	}
	unsigned max = n_learned + n_static, n = 0;
	struct dp_fdb_info *out = malloc(sizeof(*out) * (max ? max : 1));
	uint64_t now = rte_rdtsc(), hz = rte_get_tsc_hz();
	const void *key;
	void *data;
	uint32_t next = 0;
	int32_t pos;

	if (!out) {
		ctl_reply_error(conn, req, -ENOMEM, "out of memory");
		return;
	}
	while (fdb && n < max && (pos = rte_hash_iterate(fdb, &key, &data, &next)) >= 0) {
		uint64_t k;
		memcpy(&k, key, sizeof(k));
		uint16_t iface = (uint16_t)(k >> 48);
		if (only >= 0 && iface != only)
			continue;
		struct dp_fdb_info *e = &out[n++];
		memset(e, 0, sizeof(*e));
		memcpy(e->iface, dp_ifaces[iface].name, RTE_MIN(strlen(dp_ifaces[iface].name), sizeof(e->iface)));
		for (unsigned i = 0; i < RTE_ETHER_ADDR_LEN; i++)
			e->mac[i] = (uint8_t)(k >> (8 * (5 - i)));
		e->remote = fdb_remote(data);
		e->flags = fdb_static(data) ? DP_FDB_F_STATIC : 0;
		if (!fdb_static(data))
			e->age_s = (uint32_t)((now - fdb_slots[pos].seen_tsc) / hz);
	}
	ctl_reply_array(conn, req, out, n, sizeof(*out));
	free(out);
}

static const struct iface_type vxlan_type = {
	.type = DP_IFACE_VXLAN,
	.name = "vxlan",
	.ethernet = true,
	.check = vxlan_check,
	.apply = vxlan_apply,
	.destroy = vxlan_destroy,
	.follow = vxlan_follow,
	.underlay_up = vxlan_underlay_up,
	.output = vxlan_output,
	.info = vxlan_info,
};

void vxlan_dataplane_init(void)
{
	iface_type_register(&vxlan_type);
	state_table_register(DP_TABLE_FDB, sizeof(struct dp_fdb), vxlan_fdb_apply);
	dp_main_work_register(vxlan_main_work);
	ctl_register(DP_MSG_FDB_DUMP, dump_fdb);
	cnt_truncated = dp_counter_register("drop.vxlan.truncated");
	cnt_bad_flags = dp_counter_register("drop.vxlan.bad_flags");
	cnt_unknown_vni = dp_counter_register("drop.vxlan.unknown_vni");
	cnt_unknown_vtep = dp_counter_register("drop.vxlan.unknown_vtep");
	cnt_runt = dp_counter_register("drop.vxlan.runt");
	cnt_no_vtep = dp_counter_register("drop.vxlan.no_vtep");
	cnt_no_headroom = dp_counter_register("drop.vxlan.no_headroom");
	cnt_flood_no_mbufs = dp_counter_register("drop.vxlan.flood_no_mbufs");
	cnt_flooded = dp_counter_register("vxlan.flooded");
	cnt_fdb_full = dp_counter_register("vxlan.fdb_full");
	cnt_learn_lost = dp_counter_register("vxlan.learn_events_lost");
}
