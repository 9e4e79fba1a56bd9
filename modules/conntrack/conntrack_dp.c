/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Connection tracking in the dataplane.
 *
 * One table shared by the workers, so that the reply of a flow finds its
 * connection whatever RSS queue it arrives on: an rte_hash (lock-free
 * readers; workers add, under the hash's own writer lock, only when a new
 * connection is confirmed) from a tuple to a connection and its direction,
 * two keys per connection (original and reply). Connections live in one
 * array made when tracking starts; free slots are in a ring, so a new flow
 * costs no allocation.
 *
 * A new connection is made at DP_PRIO_CONNTRACK and enters the table only at
 * DP_PRIO_CONNTRACK_CONFIRM, once its first packet passed every hook; until
 * then it is on its worker's list, and released at the end of the round if
 * the packet went no further. Only the main lcore removes keys: expiry is an
 * incremental scan (a slice of the array per call of its work, the whole
 * array about once a second), a removed connection's slot and key slots are
 * reused after an RCU grace period (a worker may still hold them). A worker
 * that finds the table full marks an unassured connection as dying and hands
 * it to the main lcore (early drop); assured ones (TCP established, UDP seen
 * both ways) are never taken, so a SYN flood cannot evict them.
 *
 * Workers write a connection only when something changed: its state, and
 * its last-seen time in whole seconds of a clock the main lcore keeps.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_icmp.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring_elem.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "dataplane/ctl_server.h"
#include "dataplane/path.h"
#include "dataplane/state.h"
#include "modules/conntrack/conntrack.h"

#define CT_RESERVE_MIN 256    /* slots beyond the table size for dying connections in their grace period */
#define CT_EARLY_DROP_SCAN 16 /* slots a worker looks at for a connection to drop early */
#define CT_SCAN_PER_S 1       /* expiry scans of the whole array per second */
#define CT_RECLAIM_MAX 4096   /* slots freed per call of the main lcore's work */
#define CT_EVICT_BATCH 256    /* early-dropped connections taken per call */

/* struct ct_conn.flags */
#define CF_IN_USE 0x01       /* made (a worker's until confirmed) */
#define CF_CONFIRMED 0x02    /* in the table: the main lcore's to remove */
#define CF_DYING 0x04        /* being removed: its keys go, then its slot after a grace period */
#define CF_ASSURED 0x08      /* DP_CT_F_ASSURED */
#define CF_SEEN_REPLY 0x10   /* DP_CT_F_SEEN_REPLY */
#define CF_CLOSER_REPLY 0x20 /* TCP: the first FIN came from the reply side */

/* One cache line. */
struct ct_conn {
	struct dp_ct_tuple key[2]; /* by enum ct_dir */
	uint32_t last_seen;        /* ct_clock when a packet last came */
	uint8_t flags;             /* CF_* */
	uint8_t tcp_state;         /* enum ct_tcp_state */
	uint8_t lcore;             /* the worker that made it */
	uint8_t reserved;
	uint32_t next;  /* its worker's list of unconfirmed ones: index + 1, 0 ends it */
	uint32_t round; /* that worker's round when it was made */
	uint8_t nat[CT_NAT_LEN];
};
/* conntrack.h reads these inline */
_Static_assert(offsetof(struct ct_conn, key) == 0, "ct_tuple reads the keys at the start");
_Static_assert(offsetof(struct ct_conn, nat) == CT_NAT_OFFSET, "ct_nat reads the NAT room at CT_NAT_OFFSET");
_Static_assert(sizeof(struct ct_conn) == RTE_CACHE_LINE_MIN_SIZE, "a connection is one cache line");

/* What the main lcore frees after a grace period: a slot and its key slots. */
struct ct_freed {
	uint32_t idx;
	int32_t pos[2]; /* -1: no key to free */
};

#define CT_RECENT 8  /* connections a worker confirmed last: the first it drops early */
#define CT_FRAGS 256 /* datagrams a worker remembers the connection of, for their later fragments */

/* The connection of a fragmented datagram, from its first fragment: the
 * later ones carry no ports. A worker's own, since a datagram's fragments
 * hash alike (on addresses) and arrive on one queue. */
struct ct_frag {
	uint32_t src, dst;
	uint16_t ip_id; /* as in the header */
	uint8_t proto;
	uint8_t dir;   /* enum ct_dir */
	uint32_t idx1; /* connection index + 1, 0: a free slot */
};

/* A worker's memory of the connections it found, by key hash: a hit costs
 * one line of its own and the connection's, where the table costs a
 * bucket's and a key's. An entry is a hint, checked against the connection
 * it names (ct_cached); a miss goes to the table. Two ways per set, the
 * last found first: two flows whose hashes share a set both stay. */
struct ct_cache_entry {
	uint32_t sig;   /* the key's hash */
	uint32_t data1; /* hash_data() + 1; 0: empty */
};

struct ct_lcore {
	uint32_t unconfirmed; /* index + 1 of the first, 0: none */
	uint32_t round;
	uint32_t evict_cursor;
	uint32_t n_recent;
	uint32_t recent[CT_RECENT];
	struct ct_frag frags[CT_FRAGS];
} __rte_cache_aligned;

static struct {
	struct ct_conn *conns;
	uint32_t size;  /* connections at most (live ones) */
	uint32_t total; /* slots: size and the reserve */
	struct rte_hash *hash;
	struct rte_ring *free_slots; /* uint32_t indices */
	struct rte_ring *evict;      /* uint32_t indices marked dying by workers */
	struct rte_rcu_qsbr_dq *dq;  /* struct ct_freed */
	struct ct_cache_entry *cache[DP_MAX_WORKERS];
	uint32_t cache_mask;
	uint32_t scan_cursor;
	uint64_t next_scan_tsc;
} t;

static struct ct_lcore lcores[RTE_MAX_LCORE];
static struct ct_conn *table; /* t.conns while tracking runs, read by the workers */
static uint32_t live;         /* connections made and not dying */
static uint32_t ct_clock;     /* seconds, from the main lcore's TSC */
static unsigned users;
static uint32_t feature;
static struct dp_ct_conf conf = {.table_size = CT_DEFAULT_TABLE_SIZE, .timeout = CT_TIMEOUT_DEFAULTS};

static enum dp_counter_id cnt_created, cnt_expired, cnt_invalid, cnt_early_drop, cnt_table_full, cnt_clash;
static enum dp_counter_id cnt_related, cnt_cleared;

static inline struct ct_lcore *self(void)
{
	return &lcores[rte_lcore_id()];
}

/* ---- table keys ---- */

static inline uint32_t hash_data_idx(const void *data)
{
	return (uint32_t)((uintptr_t)data >> 1);
}

static inline enum ct_dir hash_data_dir(const void *data)
{
	return (uintptr_t)data & 1 ? CT_DIR_REPLY : CT_DIR_ORIGINAL;
}

static inline void *hash_data(uint32_t idx, enum ct_dir d)
{
	return (void *)(uintptr_t)((uintptr_t)idx << 1 | (uintptr_t)d);
}

/* ---- what a packet is (workers) ---- */

enum parsed {
	P_TRACK,     /* t holds its tuple */
	P_ERROR,     /* an ICMP error; t holds the inverse of the tuple of the packet it is about */
	P_FRAGMENT,  /* a later fragment: t holds its addresses and protocol, l its IP id */
	P_UNTRACKED, /* not followed: ICMP other than echo and errors */
	P_MALFORMED, /* its L4 header is cut short or inconsistent */
};

struct l4 {
	uint8_t tcp_flags;
	uint8_t icmp_type;
	bool first_fragment; /* of a datagram whose later fragments will ask for its connection */
	uint16_t ip_id;
};

static inline bool icmp_is_error(uint8_t type)
{
	return type == ICMP_DEST_UNREACH || type == 4 /* source quench */ || type == 5 /* redirect */ ||
	       type == ICMP_TIME_EXCEEDED || type == 12 /* parameter problem */;
}

/* Whether a received packet's TCP header at p (l4len bytes present) is
 * whole, its data offset within them; its flags go to l. */
static inline bool tcp_header_ok(const uint8_t *p, uint32_t l4len, struct l4 *l)
{
	const struct rte_tcp_hdr *th = (const struct rte_tcp_hdr *)p; /* packed: read in place */

	if (l4len < sizeof(*th))
		return false;
	uint32_t doff = (uint32_t)(th->data_off >> 4) * 4;
	l->tcp_flags = th->tcp_flags;
	return doff >= sizeof(*th) && doff <= l4len;
}

/* Whether a received packet's UDP header at p is whole and its length
 * consistent. RFC 768: the length covers header and data; a first fragment
 * (first_of_many) holds only part of them. */
static inline bool udp_header_ok(const uint8_t *p, uint32_t l4len, bool first_of_many)
{
	const struct rte_udp_hdr *uh = (const struct rte_udp_hdr *)p;

	if (l4len < sizeof(*uh))
		return false;
	uint32_t ulen = rte_be_to_cpu_16(uh->dgram_len);
	return ulen >= sizeof(*uh) && (first_of_many || ulen <= l4len);
}

/* The tuple of an IPv4 packet of len bytes at ip (len counts what the
 * buffer holds of it). inner: the packet quoted in an ICMP error, of which
 * only the first 8 bytes of L4 header are there (RFC 792). */
static enum parsed parse_ip(const uint8_t *ip, uint32_t len, bool inner, uint16_t zone, struct dp_ct_tuple *k,
			    struct l4 *l)
{
	struct rte_ipv4_hdr h;

	*k = (struct dp_ct_tuple){0}; /* what a parse that stops half way leaves: looked up as nothing */
	if (len < sizeof(h))
		return P_MALFORMED;
	memcpy(&h, ip, sizeof(h));
	uint32_t ihl = rte_ipv4_hdr_len(&h), tot = rte_be_to_cpu_16(h.total_length);
	if (ihl < sizeof(h) || ihl > len)
		return P_MALFORMED;
	if (!inner)
		len = RTE_MIN(len, tot); /* the Ethernet pass checked tot against the frame */
	uint16_t frag = rte_be_to_cpu_16(h.fragment_offset);
	bool first_of_many = frag & RTE_IPV4_HDR_MF_FLAG;
	const uint8_t *p = ip + ihl;
	uint32_t l4len = len - ihl;

	*k = (struct dp_ct_tuple){.src = rte_be_to_cpu_32(h.src_addr),
				  .dst = rte_be_to_cpu_32(h.dst_addr),
				  .proto = h.next_proto_id,
				  .zone = zone};
	l->ip_id = h.packet_id;
	if (frag & RTE_IPV4_HDR_OFFSET_MASK)
		return inner ? P_UNTRACKED : P_FRAGMENT; /* no L4 header */
	l->first_fragment = first_of_many && !inner;
	switch (h.next_proto_id) {
	case IPPROTO_TCP:
	case IPPROTO_UDP: {
		uint16_t ports[2];
		bool whole;
		if (inner)
			whole = l4len >= 8; /* a quoted header: the 8 bytes an error carries of it (RFC 792) */
		else if (h.next_proto_id == IPPROTO_TCP)
			whole = tcp_header_ok(p, l4len, l);
		else
			whole = udp_header_ok(p, l4len, first_of_many);
		if (!whole)
			return P_MALFORMED;
		memcpy(ports, p, sizeof(ports));
		k->sport = rte_be_to_cpu_16(ports[0]);
		k->dport = rte_be_to_cpu_16(ports[1]);
		return P_TRACK;
	}
	case IPPROTO_ICMP: {
		struct rte_icmp_hdr ih;
		if (l4len < sizeof(ih))
			return P_MALFORMED;
		memcpy(&ih, p, sizeof(ih));
		l->icmp_type = ih.icmp_type;
		if (ih.icmp_type == RTE_IP_ICMP_ECHO_REQUEST || ih.icmp_type == RTE_IP_ICMP_ECHO_REPLY) {
			k->sport = rte_be_to_cpu_16(ih.icmp_ident);
			k->dport = ih.icmp_type;
			return P_TRACK;
		}
		if (inner || !icmp_is_error(ih.icmp_type))
			return P_UNTRACKED;
		struct l4 il = {0};
		struct dp_ct_tuple quoted;
		enum parsed r = parse_ip(p + sizeof(ih), l4len - (uint32_t)sizeof(ih), true, zone, &quoted, &il);
		/* The error travels the way an answer to the quoted packet would:
		 * its key is the quoted tuple's inverse, translated or not. */
		*k = ct_tuple_invert(&quoted);
		return r == P_TRACK ? P_ERROR : P_MALFORMED;
	}
	default:
		return P_TRACK;
	}
}

/* A key stored as two whole words: the hash reads it back 8 bytes at a
 * time, and a load that spans several narrower stores waits until they
 * retire rather than taking their data on the way. */
static inline void tuple_store(struct dp_ct_tuple *k, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
			       uint8_t proto, uint16_t zone)
{
#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
	uint64_t w[2] = {src | (uint64_t)dst << 32,
			 sport | (uint64_t)dport << 16 | (uint64_t)proto << 32 | (uint64_t)zone << 48};

	RTE_BUILD_BUG_ON(sizeof(*k) != sizeof(w) || offsetof(struct dp_ct_tuple, dport) != 10 ||
			 offsetof(struct dp_ct_tuple, proto) != 12 || offsetof(struct dp_ct_tuple, zone) != 14);
	memcpy(k, w, sizeof(w));
#else
	*k = (struct dp_ct_tuple){.src = src, .dst = dst, .sport = sport, .dport = dport, .proto = proto, .zone = zone};
#endif
}

/* A malformed packet's key, looked up as nothing. */
static inline enum parsed parse_malformed(struct dp_ct_tuple *k)
{
	*k = (struct dp_ct_tuple){0};
	return P_MALFORMED;
}

/* parse_ip of a received packet, without its call in the common case: an
 * unfragmented UDP datagram or TCP segment behind a 20-byte header. */
static inline enum parsed parse_packet(const uint8_t *ip, uint32_t len, uint16_t zone, struct dp_ct_tuple *k,
				       struct l4 *l)
{
	const struct rte_ipv4_hdr *h = (const struct rte_ipv4_hdr *)ip;

	if (unlikely(len < sizeof(*h) || h->version_ihl != RTE_IPV4_VHL_DEF ||
		     (h->fragment_offset & RTE_BE16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) ||
		     (h->next_proto_id != IPPROTO_UDP && h->next_proto_id != IPPROTO_TCP)))
		return parse_ip(ip, len, false, zone, k, l);
	const uint8_t *p = ip + sizeof(*h);
	uint32_t l4len = RTE_MIN(len, (uint32_t)rte_be_to_cpu_16(h->total_length)) - (uint32_t)sizeof(*h);
	uint16_t ports[2];

	if (h->next_proto_id == IPPROTO_UDP) {
		if (unlikely(!udp_header_ok(p, l4len, false)))
			return parse_malformed(k);
	} else if (unlikely(!tcp_header_ok(p, l4len, l))) {
		return parse_malformed(k);
	}
	memcpy(ports, p, sizeof(ports));
	tuple_store(k, rte_be_to_cpu_32(h->src_addr), rte_be_to_cpu_32(h->dst_addr), rte_be_to_cpu_16(ports[0]),
		    rte_be_to_cpu_16(ports[1]), h->next_proto_id, zone);
	l->ip_id = h->packet_id;
	return P_TRACK;
}

/* ---- TCP (RFC 793's states, as a firewall follows them from outside) ---- */

/* The state after a segment with flags f going dir, or -1: it fits none. */
static int tcp_next(const struct ct_conn *c, enum ct_dir dir, uint8_t f)
{
	bool syn = f & RTE_TCP_SYN_FLAG, ack = f & RTE_TCP_ACK_FLAG, fin = f & RTE_TCP_FIN_FLAG,
	     rst = f & RTE_TCP_RST_FLAG;
	enum ct_dir closer = (c->flags & CF_CLOSER_REPLY) ? CT_DIR_REPLY : CT_DIR_ORIGINAL;
	uint8_t s = c->tcp_state;

	if (rst)
		return CT_TCP_CLOSE;
	if (syn && !ack) {
		/* A retransmitted SYN, or a new connection on the same ports once the old one closed. */
		if (dir == CT_DIR_ORIGINAL && (s == CT_TCP_SYN_SENT || s == CT_TCP_TIME_WAIT || s == CT_TCP_CLOSE))
			return CT_TCP_SYN_SENT;
		return -1;
	}
	if (syn) {
		if (dir == CT_DIR_REPLY && (s == CT_TCP_SYN_SENT || s == CT_TCP_SYN_RECV))
			return CT_TCP_SYN_RECV;
		if (dir == CT_DIR_REPLY && s == CT_TCP_ESTABLISHED)
			return s; /* the SYN-ACK again: our ACK was lost */
		return -1;
	}
	switch (s) {
	case CT_TCP_SYN_SENT:
		return -1; /* nothing but a SYN-ACK answers a SYN */
	case CT_TCP_SYN_RECV:
		if (dir == CT_DIR_REPLY)
			return fin ? -1 : s;
		return fin ? CT_TCP_FIN_WAIT : CT_TCP_ESTABLISHED;
	case CT_TCP_ESTABLISHED:
		return fin ? CT_TCP_FIN_WAIT : s;
	case CT_TCP_FIN_WAIT:
	case CT_TCP_CLOSE_WAIT:
		if (dir == closer)
			return s;
		return fin ? CT_TCP_LAST_ACK : CT_TCP_CLOSE_WAIT;
	case CT_TCP_LAST_ACK:
		return dir == closer && !fin ? CT_TCP_TIME_WAIT : s;
	default: /* TIME_WAIT, CLOSE: late segments */
		return s;
	}
}

/* RFC 793 section 3.1 gives no meaning to these combinations (SYN+FIN is a
 * scanner's probe); a segment that is neither SYN, ACK nor RST is none. */
static inline bool tcp_flags_valid(uint8_t f)
{
	bool syn = f & RTE_TCP_SYN_FLAG, fin = f & RTE_TCP_FIN_FLAG, rst = f & RTE_TCP_RST_FLAG;

	if ((syn && (fin || rst)) || (fin && rst))
		return false;
	return syn || rst || (f & RTE_TCP_ACK_FLAG);
}

static inline void flags_or(struct ct_conn *c, uint8_t f)
{
	if ((__atomic_load_n(&c->flags, __ATOMIC_RELAXED) & f) != f)
		__atomic_fetch_or(&c->flags, f, __ATOMIC_RELAXED);
}

/* The packet's TCP segment on its connection: false when it breaks the state machine. */
static bool tcp_track(struct ct_conn *c, enum ct_dir dir, uint8_t f)
{
	uint8_t s = __atomic_load_n(&c->tcp_state, __ATOMIC_RELAXED);

	for (;;) {
		int ns = tcp_next(c, dir, f);
		if (ns < 0)
			return false;
		if (ns == s)
			return true;
		if (ns == CT_TCP_FIN_WAIT && s != CT_TCP_FIN_WAIT) {
			uint8_t fl = __atomic_load_n(&c->flags, __ATOMIC_RELAXED);
			if (dir == CT_DIR_REPLY)
				__atomic_fetch_or(&c->flags, CF_CLOSER_REPLY, __ATOMIC_RELAXED);
			else if (fl & CF_CLOSER_REPLY)
				__atomic_fetch_and(&c->flags, (uint8_t)~CF_CLOSER_REPLY, __ATOMIC_RELAXED);
		}
		/* The other direction's worker may be changing it too: the loser reads the winner's state. */
		if (__atomic_compare_exchange_n(&c->tcp_state, &s, (uint8_t)ns, false, __ATOMIC_RELAXED,
						__ATOMIC_RELAXED)) {
			if (ns == CT_TCP_ESTABLISHED)
				flags_or(c, CF_ASSURED);
			return true;
		}
	}
}

/* ---- slots (workers and main) ---- */

static inline void set_info(struct rte_mbuf *m, struct ct_conn *c, enum ct_state st, enum ct_dir d)
{
	struct dp_mbuf_meta *meta = dp_meta(m);

	meta->feature[DP_META_CONN] = (uint64_t)(uintptr_t)c;
	meta->feature[DP_META_CONN_INFO] = (uint64_t)st | (d == CT_DIR_REPLY ? CT_INFO_REPLY : 0);
}

/* Connection idx, if confirmed and not assured, is marked dying and handed
 * to the main lcore. */
static bool try_drop(struct ct_conn *tb, uint32_t idx)
{
	struct ct_conn *c = &tb[idx];
	uint8_t f = __atomic_load_n(&c->flags, __ATOMIC_RELAXED);

	if ((f & (CF_CONFIRMED | CF_DYING | CF_ASSURED)) != CF_CONFIRMED)
		return false;
	if (!__atomic_compare_exchange_n(&c->flags, &f, (uint8_t)(f | CF_DYING), false, __ATOMIC_ACQ_REL,
					 __ATOMIC_RELAXED))
		return false;
	if (rte_ring_mp_enqueue_elem(t.evict, &idx, sizeof(idx)) != 0) {
		__atomic_fetch_and(&c->flags, (uint8_t)~CF_DYING, __ATOMIC_RELEASE);
		return false;
	}
	__atomic_fetch_sub(&live, 1, __ATOMIC_RELAXED);
	dp_counters_self()->c[cnt_early_drop]++;
	return true;
}

/* The table is full: an unassured connection goes so that a new one fits.
 * The ones this worker confirmed last first (in a SYN flood, the flood's),
 * then a window of the array that moves on at each call. */
static bool early_drop(struct ct_conn *tb, struct ct_lcore *lc)
{
	for (unsigned i = 0; i < RTE_MIN(lc->n_recent, (uint32_t)CT_RECENT); i++)
		if (try_drop(tb, lc->recent[(lc->n_recent - 1 - i) % CT_RECENT]))
			return true;
	for (unsigned i = 0; i < CT_EARLY_DROP_SCAN; i++)
		if (try_drop(tb, lc->evict_cursor++ % t.total))
			return true;
	return false;
}

static struct ct_conn *conn_new(struct ct_conn *tb, const struct dp_ct_tuple *k, uint8_t tcp_state)
{
	struct ct_lcore *lc = self();
	uint32_t idx;

	if (__atomic_load_n(&live, __ATOMIC_RELAXED) >= t.size && !early_drop(tb, lc))
		return NULL;
	if (rte_ring_mc_dequeue_elem(t.free_slots, &idx, sizeof(idx)) != 0)
		return NULL; /* the reserve is all in its grace period */
	__atomic_fetch_add(&live, 1, __ATOMIC_RELAXED);
	struct ct_conn *c = &tb[idx];
	*c = (struct ct_conn){
		.key = {*k, ct_tuple_invert(k)},
		.last_seen = __atomic_load_n(&ct_clock, __ATOMIC_RELAXED),
		.tcp_state = tcp_state,
		.lcore = (uint8_t)rte_lcore_id(),
		.next = lc->unconfirmed,
		.round = lc->round,
	};
	__atomic_store_n(&c->flags, CF_IN_USE, __ATOMIC_RELEASE);
	lc->unconfirmed = idx + 1;
	return c;
}

/* ---- PREROUTING, LOCAL_OUT: find or make the connection (workers) ---- */

static inline struct ct_frag *frag_slot(const struct dp_ct_tuple *k, uint16_t ip_id)
{
	return &self()->frags[rte_hash_crc_4byte(k->src ^ k->dst, (uint32_t)ip_id << 8 | k->proto) % CT_FRAGS];
}

/* m is a datagram's first fragment: its later ones get its connection. */
static void frag_note(const struct ct_conn *tb, struct rte_mbuf *m, const struct dp_ct_tuple *k, uint16_t ip_id)
{
	const struct ct_conn *c = ct_conn_of(m);

	if (!c)
		return;
	*frag_slot(k, ip_id) = (struct ct_frag){.src = k->src,
						.dst = k->dst,
						.ip_id = ip_id,
						.proto = k->proto,
						.dir = (uint8_t)ct_dir(m),
						.idx1 = (uint32_t)(c - tb) + 1};
}

/* The first fragment's record for a later fragment with k's addresses, if
 * its connection still is the one it named. */
static const struct ct_frag *frag_find(const struct ct_conn *tb, const struct dp_ct_tuple *k, uint16_t ip_id)
{
	const struct ct_frag *f = frag_slot(k, ip_id);

	if (!f->idx1 || f->idx1 > t.total || f->src != k->src || f->dst != k->dst || f->ip_id != ip_id ||
	    f->proto != k->proto)
		return NULL;
	const struct ct_conn *c = &tb[f->idx1 - 1];
	const struct dp_ct_tuple *key = &c->key[f->dir];
	if (!(__atomic_load_n(&c->flags, __ATOMIC_ACQUIRE) & CF_IN_USE) || key->src != k->src || key->dst != k->dst ||
	    key->proto != k->proto)
		return NULL;
	return f;
}

/* The connection this worker made this round for an earlier packet whose
 * tuple was k, not confirmed yet: a flow's packets of one burst share it,
 * so that each hook decides once for the flow. */
static struct ct_conn *unconfirmed_find(struct ct_conn *tb, const struct dp_ct_tuple *k)
{
	for (uint32_t at = self()->unconfirmed; at; at = tb[at - 1].next)
		if (memcmp(&tb[at - 1].key[CT_DIR_ORIGINAL], k, sizeof(*k)) == 0)
			return &tb[at - 1];
	return NULL;
}

static inline void touch(struct ct_conn *c, uint32_t now)
{
	if (__atomic_load_n(&c->last_seen, __ATOMIC_RELAXED) != now)
		__atomic_store_n(&c->last_seen, now, __ATOMIC_RELAXED);
}

static dp_verdict track_one(struct ct_conn *tb, struct rte_mbuf *m, enum parsed r, const struct dp_ct_tuple *k,
			    const struct l4 *l, int32_t found, void *data, uint32_t now)
{
	struct dp_lcore_counters *cnt = dp_counters_self();

	if (r == P_FRAGMENT) {
		const struct ct_frag *f = frag_find(tb, k, l->ip_id);
		if (f)
			set_info(m, &tb[f->idx1 - 1], CT_ESTABLISHED, (enum ct_dir)f->dir);
		else
			set_info(m, NULL, CT_UNTRACKED, CT_DIR_ORIGINAL);
		return DP_CONTINUE;
	}
	if (r == P_UNTRACKED) {
		set_info(m, NULL, CT_UNTRACKED, CT_DIR_ORIGINAL);
		return DP_CONTINUE;
	}
	if (r == P_MALFORMED)
		goto invalid;
	if (r == P_ERROR) {
		if (found < 0)
			goto invalid;
		set_info(m, &tb[hash_data_idx(data)], CT_RELATED, hash_data_dir(data));
		cnt->c[cnt_related]++;
		return DP_CONTINUE;
	}
	struct ct_conn *u = found < 0 ? unconfirmed_find(tb, k) : NULL;
	if (u) {
		/* A later packet of a flow this burst began: new with it. */
		if (k->proto == IPPROTO_TCP &&
		    !(tcp_flags_valid(l->tcp_flags) && tcp_track(u, CT_DIR_ORIGINAL, l->tcp_flags)))
			goto invalid;
		set_info(m, u, CT_NEW, CT_DIR_ORIGINAL);
		return DP_CONTINUE;
	}
	if (found >= 0) {
		struct ct_conn *c = &tb[hash_data_idx(data)];
		enum ct_dir d = hash_data_dir(data);
		if (k->proto == IPPROTO_TCP && !(tcp_flags_valid(l->tcp_flags) && tcp_track(c, d, l->tcp_flags)))
			goto invalid;
		if (d == CT_DIR_REPLY)
			flags_or(c, k->proto == IPPROTO_TCP ? CF_SEEN_REPLY : CF_SEEN_REPLY | CF_ASSURED);
		touch(c, now);
		set_info(m, c, CT_ESTABLISHED, d);
		return DP_CONTINUE;
	}
	uint8_t tcp_state = CT_TCP_NONE;
	if (k->proto == IPPROTO_TCP) {
		/* Only a SYN opens a connection: a segment of one not seen is no state to keep. */
		if (!tcp_flags_valid(l->tcp_flags) ||
		    (l->tcp_flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG | RTE_TCP_RST_FLAG)) != RTE_TCP_SYN_FLAG)
			goto invalid;
		tcp_state = CT_TCP_SYN_SENT;
	} else if (k->proto == IPPROTO_ICMP && l->icmp_type != RTE_IP_ICMP_ECHO_REQUEST) {
		goto invalid; /* a reply to no request */
	}
	struct ct_conn *c = conn_new(tb, k, tcp_state);
	if (!c) {
		set_info(m, NULL, CT_INVALID, CT_DIR_ORIGINAL);
		return DP_DROP(cnt_table_full);
	}
	set_info(m, c, CT_NEW, CT_DIR_ORIGINAL);
	return DP_CONTINUE;
invalid:
	cnt->c[cnt_invalid]++;
	set_info(m, NULL, CT_INVALID, CT_DIR_ORIGINAL);
	return DP_CONTINUE;
}

static inline uint16_t zone_of(uint16_t iface)
{
	return iface < DP_IFACE_MAX ? dp_ifaces[iface].vrf : 0;
}

/* What a cache entry holds, as the table's data. */
static inline void *entry_data(const struct ct_cache_entry *e)
{
	return (void *)(uintptr_t)(e->data1 - 1);
}

/* Whether the connection a (filled) cache entry names is in the table with
 * key k that way. Confirmed and not dying when read: its slot then stays
 * its own until this worker's round ends, and its keys never change. */
static inline bool ct_cached(const struct ct_conn *tb, const struct ct_cache_entry *e, const struct dp_ct_tuple *k)
{
	const struct ct_conn *c = &tb[hash_data_idx(entry_data(e))];

	if ((__atomic_load_n(&c->flags, __ATOMIC_ACQUIRE) & (CF_CONFIRMED | CF_DYING)) != CF_CONFIRMED)
		return false;
	return memcmp(&c->key[hash_data_dir(entry_data(e))], k, sizeof(*k)) == 0;
}

/* Each key's connection, as rte_hash_lookup_bulk_data gives it: the
 * worker's cache first, the table for the rest (which the cache then
 * remembers). */
static inline struct ct_cache_entry *cache_set(struct ct_cache_entry *cache, hash_sig_t sig)
{
	return &cache[sig & t.cache_mask & ~1u]; /* a set: this entry and the next */
}

/* keys[i]'s hash is sig[i], its cache set e[i] (being fetched). */
static void find_burst(const struct ct_conn *tb, struct ct_cache_entry *cache, const struct dp_ct_tuple *keys,
		       const hash_sig_t *sig, struct ct_cache_entry **e, uint16_t n, uint64_t *hits, void **data)
{
	hash_sig_t miss_sig[DP_BURST];
	const void *miss_key[DP_BURST];
	void *miss_data[DP_BURST];
	uint16_t miss_at[DP_BURST], n_miss = 0;
	uint64_t miss_hits = 0;

	*hits = 0;
	/* e[i] becomes the way of its set with sig[i], if one has it. */
	for (uint16_t i = 0; i < n; i++) {
		struct ct_cache_entry *set = e[i];
		if (set[1].sig == sig[i] && set[1].data1)
			e[i] = &set[1];
		if (e[i]->data1 && e[i]->sig == sig[i])
			rte_prefetch0(&tb[hash_data_idx(entry_data(e[i]))]);
	}
	for (uint16_t i = 0; i < n; i++) {
		if (e[i]->data1 && e[i]->sig == sig[i] && ct_cached(tb, e[i], &keys[i])) {
			data[i] = entry_data(e[i]);
			*hits |= 1ull << i;
			continue;
		}
		miss_at[n_miss] = i;
		miss_sig[n_miss] = sig[i];
		miss_key[n_miss++] = &keys[i];
	}
	if (!n_miss)
		return;
	rte_hash_lookup_with_hash_bulk_data(t.hash, miss_key, miss_sig, n_miss, &miss_hits, miss_data);
	for (uint16_t j = 0; j < n_miss; j++) {
		if (!((miss_hits >> j) & 1))
			continue;
		uint16_t i = miss_at[j];
		struct ct_cache_entry *set = cache_set(cache, sig[i]);
		data[i] = miss_data[j];
		*hits |= 1ull << i;
		/* The first way to the second, unless that way is the stale entry of this key. */
		if (set[0].sig != sig[i])
			set[1] = set[0];
		set[0] = (struct ct_cache_entry){.sig = sig[i], .data1 = (uint32_t)(uintptr_t)miss_data[j] + 1};
		rte_prefetch0(&tb[hash_data_idx(miss_data[j])]);
	}
}

static void track_burst(unsigned wid, struct rte_mbuf **pkts, dp_verdict *v, uint16_t n, bool out)
{
	struct ct_conn *tb = __atomic_load_n(&table, __ATOMIC_ACQUIRE);
	struct ct_cache_entry *cache = t.cache[wid], *e[DP_BURST];
	struct dp_ct_tuple keys[DP_BURST];
	hash_sig_t sig[DP_BURST];
	void *data[DP_BURST];
	struct l4 l[DP_BURST];
	enum parsed r[DP_BURST];
	uint64_t hits = 0;
	uint32_t now = __atomic_load_n(&ct_clock, __ATOMIC_RELAXED), iface = UINT32_MAX;
	uint16_t zone = 0;

	if (unlikely(!tb)) {
		for (uint16_t i = 0; i < n; i++) {
			set_info(pkts[i], NULL, CT_UNTRACKED, CT_DIR_ORIGINAL);
			v[i] = DP_CONTINUE;
		}
		return;
	}
	/* Each key's cache set is fetched while the next packets are parsed. */
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct dp_mbuf_meta *meta = dp_meta(m);
		uint32_t len = rte_pktmbuf_data_len(m) - (uint32_t)sizeof(struct rte_ether_hdr);
		uint16_t at = out ? meta->out_iface : meta->in_iface;
		if (unlikely(at != iface)) {
			iface = at;
			zone = zone_of(at);
		}
		l[i] = (struct l4){0};
		r[i] = parse_packet(rte_pktmbuf_mtod_offset(m, const uint8_t *, sizeof(struct rte_ether_hdr)), len,
				    zone, &keys[i], &l[i]);
		sig[i] = rte_hash_crc(&keys[i], sizeof(keys[i]), 0); /* the table's own hash (table_create) */
		e[i] = cache_set(cache, sig[i]);
		rte_prefetch0(e[i]);
	}
	/* Untracked and malformed packets' keys are looked up too: harmless, and the burst stays one call. */
	find_burst(tb, cache, keys, sig, e, n, &hits, data);
	for (uint16_t i = 0; i < n; i++) {
		v[i] = track_one(tb, pkts[i], r[i], &keys[i], &l[i], (hits >> i) & 1 ? 0 : -1, data[i], now);
		if (unlikely(l[i].first_fragment))
			frag_note(tb, pkts[i], &keys[i], l[i].ip_id);
	}
}

static void ct_in(struct dp_worker *w, struct rte_mbuf **pkts, dp_verdict *v, uint16_t n)
{
	track_burst(w->id, pkts, v, n, false);
}

static void ct_out(struct dp_worker *w, struct rte_mbuf **pkts, dp_verdict *v, uint16_t n)
{
	track_burst(w->id, pkts, v, n, true);
}

/* ---- POSTROUTING, LOCAL_IN: confirm new connections (workers) ---- */

/* Whether p points at a connection of the array tb. */
static inline bool in_array(const struct ct_conn *tb, uintptr_t p)
{
	uintptr_t base = (uintptr_t)tb;
	return p >= base && p < base + (uintptr_t)t.total * sizeof(*tb) && (p - base) % sizeof(*tb) == 0;
}

/* The unconfirmed connection of this lcore's current round that m's
 * metadata names, NULL if none (it may be another hook's leftover). */
static inline struct ct_conn *own_new(struct ct_conn *tb, struct rte_mbuf *m)
{
	const struct dp_mbuf_meta *meta = dp_meta(m);
	uintptr_t p = (uintptr_t)meta->feature[DP_META_CONN];

	if ((meta->feature[DP_META_CONN_INFO] & CT_INFO_STATE_MASK) != CT_NEW || !in_array(tb, p))
		return NULL;
	struct ct_conn *c = (struct ct_conn *)p;
	const struct ct_lcore *lc = self();
	if (c->lcore != rte_lcore_id() || c->round != lc->round ||
	    (__atomic_load_n(&c->flags, __ATOMIC_RELAXED) & (CF_IN_USE | CF_CONFIRMED)) != CF_IN_USE)
		return NULL;
	return c;
}

static dp_verdict confirm(struct ct_conn *tb, struct rte_mbuf *m, struct ct_conn *c)
{
	uint32_t idx = (uint32_t)(c - tb);
	void *data;

	/* A packet of the same flow made another one first (in this burst, or on another worker). */
	if (rte_hash_lookup_data(t.hash, &c->key[CT_DIR_ORIGINAL], &data) >= 0) {
		set_info(m, &tb[hash_data_idx(data)], CT_ESTABLISHED, hash_data_dir(data));
		return DP_CONTINUE;
	}
	if (rte_hash_lookup(t.hash, &c->key[CT_DIR_REPLY]) >= 0) {
		set_info(m, NULL, CT_INVALID, CT_DIR_ORIGINAL);
		return DP_DROP(cnt_clash); /* its replies would find another connection */
	}
	if (rte_hash_add_key_data(t.hash, &c->key[CT_DIR_ORIGINAL], hash_data(idx, CT_DIR_ORIGINAL)) < 0) {
		set_info(m, NULL, CT_INVALID, CT_DIR_ORIGINAL);
		return DP_DROP(cnt_table_full);
	}
	if (rte_hash_add_key_data(t.hash, &c->key[CT_DIR_REPLY], hash_data(idx, CT_DIR_REPLY)) < 0) {
		/* Half in: the main lcore removes it like an early drop. */
		__atomic_fetch_or(&c->flags, CF_CONFIRMED | CF_DYING, __ATOMIC_RELEASE);
		if (rte_ring_mp_enqueue_elem(t.evict, &idx, sizeof(idx)) == 0)
			__atomic_fetch_sub(&live, 1, __ATOMIC_RELAXED);
		set_info(m, NULL, CT_INVALID, CT_DIR_ORIGINAL);
		return DP_DROP(cnt_table_full);
	}
	__atomic_fetch_or(&c->flags, CF_CONFIRMED, __ATOMIC_RELEASE);
	struct ct_lcore *lc = self();
	lc->recent[lc->n_recent++ % CT_RECENT] = idx;
	dp_counters_self()->c[cnt_created]++;
	return DP_CONTINUE;
}

static void ct_confirm(struct dp_worker *w, struct rte_mbuf **pkts, dp_verdict *v, uint16_t n)
{
	struct ct_conn *tb = __atomic_load_n(&table, __ATOMIC_ACQUIRE);

	(void)w;
	/* A round in which this worker made no connection has none to confirm. */
	if (!tb || !self()->unconfirmed) {
		memset(v, 0, sizeof(*v) * n);
		return;
	}
	for (uint16_t i = 0; i < n; i++) {
		struct ct_conn *c = own_new(tb, pkts[i]);
		v[i] = c ? confirm(tb, pkts[i], c) : DP_CONTINUE;
	}
}

/* The round is over: what was made for packets that went no further goes. */
static void ct_round_end(struct dp_worker *w)
{
	struct ct_lcore *lc = self();
	/* Not table: the last user may have stopped tracking during the round;
	 * the array stays until every worker has ended its round. */
	struct ct_conn *tb = t.conns;
	uint32_t at = lc->unconfirmed;

	(void)w;
	lc->round++;
	lc->unconfirmed = 0;
	while (at) {
		struct ct_conn *c = &tb[at - 1];
		uint32_t idx = at - 1;
		at = c->next;
		if (__atomic_load_n(&c->flags, __ATOMIC_ACQUIRE) & CF_CONFIRMED)
			continue;
		/* Never in the table: no worker can hold it, its slot is free at once. */
		__atomic_store_n(&c->flags, 0, __ATOMIC_RELEASE);
		__atomic_fetch_sub(&live, 1, __ATOMIC_RELAXED);
		rte_ring_mp_enqueue_elem(t.free_slots, &idx, sizeof(idx));
	}
}

/* ---- removal, expiry (main lcore) ---- */

static void free_slots_fn(void *p, void *e, unsigned n)
{
	const struct ct_freed *f = e;

	(void)p;
	for (unsigned i = 0; i < n; i++) {
		for (unsigned d = 0; d < 2; d++)
			if (f[i].pos[d] >= 0)
				rte_hash_free_key_with_position(t.hash, f[i].pos[d]);
		uint32_t idx = f[i].idx;
		__atomic_store_n(&t.conns[idx].flags, 0, __ATOMIC_RELEASE);
		rte_ring_mp_enqueue_elem(t.free_slots, &idx, sizeof(idx));
	}
}

/* A dying connection's keys leave the table (those still its own), its slots after a grace period. */
static void conn_remove(uint32_t idx)
{
	struct ct_conn *c = &t.conns[idx];
	struct ct_freed f = {.idx = idx, .pos = {-1, -1}};

	for (unsigned d = 0; d < 2; d++) {
		void *data;
		if (rte_hash_lookup_data(t.hash, &c->key[d], &data) >= 0 && data == hash_data(idx, (enum ct_dir)d))
			f.pos[d] = rte_hash_del_key(t.hash, &c->key[d]);
	}
	if (rte_rcu_qsbr_dq_enqueue(t.dq, &f) != 0) {
		/* The queue holds every slot, so this cannot happen; wait out the grace period instead. */
		rte_rcu_qsbr_synchronize(dp.qsbr, RTE_QSBR_THRID_INVALID);
		free_slots_fn(NULL, &f, 1);
	}
}

/* Marks a confirmed connection dying (false if it is not one, or already is). */
static bool conn_kill(struct ct_conn *c)
{
	uint8_t f = __atomic_load_n(&c->flags, __ATOMIC_ACQUIRE);

	do {
		if ((f & (CF_CONFIRMED | CF_DYING)) != CF_CONFIRMED)
			return false;
	} while (!__atomic_compare_exchange_n(&c->flags, &f, (uint8_t)(f | CF_DYING), false, __ATOMIC_ACQ_REL,
					      __ATOMIC_ACQUIRE));
	__atomic_fetch_sub(&live, 1, __ATOMIC_RELAXED);
	return true;
}

static enum ct_timeout timeout_kind(const struct ct_conn *c)
{
	static const enum ct_timeout tcp[CT_TCP_MAX] = {
		[CT_TCP_NONE] = CT_TO_TCP_CLOSE,        [CT_TCP_SYN_SENT] = CT_TO_TCP_SYN_SENT,
		[CT_TCP_SYN_RECV] = CT_TO_TCP_SYN_RECV, [CT_TCP_ESTABLISHED] = CT_TO_TCP_ESTABLISHED,
		[CT_TCP_FIN_WAIT] = CT_TO_TCP_FIN_WAIT, [CT_TCP_CLOSE_WAIT] = CT_TO_TCP_CLOSE_WAIT,
		[CT_TCP_LAST_ACK] = CT_TO_TCP_LAST_ACK, [CT_TCP_TIME_WAIT] = CT_TO_TCP_TIME_WAIT,
		[CT_TCP_CLOSE] = CT_TO_TCP_CLOSE,
	};

	switch (c->key[0].proto) {
	case IPPROTO_TCP:
		return tcp[c->tcp_state < CT_TCP_MAX ? c->tcp_state : CT_TCP_CLOSE];
	case IPPROTO_UDP:
		return (c->flags & CF_SEEN_REPLY) ? CT_TO_UDP_STREAM : CT_TO_UDP_OTHER;
	case IPPROTO_ICMP:
		return CT_TO_ICMP;
	default:
		return CT_TO_OTHER;
	}
}

/* Seconds left before c expires (0: it has). */
static uint32_t time_left(const struct ct_conn *c, uint32_t now)
{
	int64_t idle = (int32_t)(now - __atomic_load_n(&c->last_seen, __ATOMIC_RELAXED));
	int64_t left = (int64_t)conf.timeout[timeout_kind(c)] - RTE_MAX(idle, 0);
	return left > 0 ? (uint32_t)left : 0;
}

static void ct_main_work(uint64_t now_tsc)
{
	uint64_t hz = rte_get_tsc_hz();
	uint32_t now = (uint32_t)(now_tsc / hz), idx[CT_EVICT_BATCH];
	unsigned n;

	if (!t.conns)
		return;
	if (now != ct_clock)
		__atomic_store_n(&ct_clock, now, __ATOMIC_RELAXED);
	n = rte_ring_sc_dequeue_burst_elem(t.evict, idx, sizeof(idx[0]), RTE_DIM(idx), NULL);
	for (unsigned i = 0; i < n; i++)
		conn_remove(idx[i]);
	/* A slice of the array in proportion to the time since the last one, the whole of it every second. */
	if (now_tsc >= t.next_scan_tsc) {
		uint64_t since = t.next_scan_tsc ? now_tsc - t.next_scan_tsc + hz / 1000 : hz;
		uint64_t slice = RTE_MIN((uint64_t)t.total, t.total * since * CT_SCAN_PER_S / hz + 1);
		for (uint64_t i = 0; i < slice; i++) {
			uint32_t at = t.scan_cursor;
			struct ct_conn *c = &t.conns[at];
			t.scan_cursor = at + 1 == t.total ? 0 : at + 1;
			if ((c->flags & (CF_CONFIRMED | CF_DYING)) == CF_CONFIRMED && time_left(c, now) == 0 &&
			    conn_kill(c)) {
				conn_remove(at);
				dp_counters_self()->c[cnt_expired]++;
			}
		}
		t.next_scan_tsc = now_tsc + hz / 1000;
	}
	rte_rcu_qsbr_dq_reclaim(t.dq, CT_RECLAIM_MAX, NULL, NULL, NULL);
}

unsigned ct_clear_matching(bool (*match)(struct ct_conn *c, void *arg), void *arg)
{
	unsigned n = 0;

	for (uint32_t i = 0; t.conns && i < t.total; i++) {
		struct ct_conn *c = &t.conns[i];
		if ((__atomic_load_n(&c->flags, __ATOMIC_ACQUIRE) & (CF_CONFIRMED | CF_DYING)) != CF_CONFIRMED ||
		    (match && !match(c, arg)))
			continue;
		if (conn_kill(c)) {
			conn_remove(i);
			n++;
		}
	}
	if (n)
		dp_counters_self()->c[cnt_cleared] += n;
	return n;
}

/* ---- the table's life (main lcore) ---- */

static void table_free(void)
{
	if (t.dq) {
		rte_rcu_qsbr_dq_reclaim(t.dq, UINT32_MAX, NULL, NULL, NULL);
		rte_rcu_qsbr_dq_delete(t.dq);
	}
	rte_hash_free(t.hash);
	for (unsigned w = 0; w < DP_MAX_WORKERS; w++)
		rte_free(t.cache[w]);
	rte_ring_free(t.free_slots);
	rte_ring_free(t.evict);
	rte_free(t.conns);
	memset(&t, 0, sizeof(t));
	__atomic_store_n(&live, 0, __ATOMIC_RELAXED);
}

static int table_create(uint32_t size)
{
	uint32_t reserve = RTE_MAX((uint32_t)CT_RESERVE_MIN, size / 16);
	int socket = (int)rte_socket_id();

	t.size = size;
	t.total = size + reserve;
	t.conns = rte_zmalloc_socket("brink_ct_conns", sizeof(struct ct_conn) * t.total, RTE_CACHE_LINE_SIZE, socket);
	struct rte_hash_parameters hp = {
		.name = "brink_ct",
		.entries = 2 * t.total,
		.key_len = sizeof(struct dp_ct_tuple),
		.hash_func = rte_hash_crc,
		.socket_id = socket,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF | RTE_HASH_EXTRA_FLAGS_MULTI_WRITER_ADD |
			      RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};
	t.hash = rte_hash_create(&hp);
	uint32_t ring = rte_align32pow2(t.total + 1);
	t.free_slots = rte_ring_create_elem("brink_ct_free", sizeof(uint32_t), ring, socket, 0);
	t.evict = rte_ring_create_elem("brink_ct_evict", sizeof(uint32_t), ring, socket, RING_F_SC_DEQ);
	struct rte_rcu_qsbr_dq_parameters dqp = {
		.name = "brink_ct_dq",
		.flags = RTE_RCU_QSBR_DQ_MT_UNSAFE, /* only the main lcore removes */
		.size = t.total,
		.esize = sizeof(struct ct_freed),
		.trigger_reclaim_limit = t.total / 4,
		.max_reclaim_size = CT_RECLAIM_MAX,
		.free_fn = free_slots_fn,
		.v = dp.qsbr,
	};
	bool caches = true;
	t.cache_mask = rte_align32pow2(2 * t.total) - 1; /* few connections share a set */
	for (unsigned w = 0; w < RTE_MAX(dp.n_workers, 1u) && caches; w++)
		caches = (t.cache[w] = rte_zmalloc_socket("brink_ct_cache",
							  sizeof(struct ct_cache_entry) * ((size_t)t.cache_mask + 1),
							  RTE_CACHE_LINE_SIZE, socket)) != NULL;
	if (t.conns && t.hash && t.free_slots && t.evict && caches)
		t.dq = rte_rcu_qsbr_dq_create(&dqp);
	if (!t.dq) {
		table_free();
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < t.total; i++)
		rte_ring_sp_enqueue_elem(t.free_slots, &i, sizeof(i));
	ct_clock = (uint32_t)(rte_rdtsc() / rte_get_tsc_hz());
	return 0;
}

int ct_use(bool on)
{
	if (on) {
		if (!t.conns && table_create(conf.table_size) < 0) {
			RTE_LOG(ERR, USER1, "conntrack: no memory for a table of %u connections\n", conf.table_size);
			return -ENOMEM;
		}
		if (users++ == 0) {
			__atomic_store_n(&table, t.conns, __ATOMIC_RELEASE);
			hook_feature_everywhere(feature, true);
		}
		return 0;
	}
	if (users == 0 || --users > 0)
		return 0;
	hook_feature_everywhere(feature, false);
	__atomic_store_n(&table, NULL, __ATOMIC_RELEASE);
	/* Once every worker has passed a round, none holds a connection. */
	rte_rcu_qsbr_synchronize(dp.qsbr, RTE_QSBR_THRID_INVALID);
	for (unsigned i = 0; i < RTE_MAX_LCORE; i++)
		lcores[i] = (struct ct_lcore){.round = lcores[i].round};
	table_free();
	return 0;
}

bool ct_enabled(void)
{
	return table != NULL;
}

/* ---- for NAT ---- */

int ct_set_reply_tuple(struct ct_conn *c, const struct dp_ct_tuple *reply)
{
	if (__atomic_load_n(&c->flags, __ATOMIC_ACQUIRE) & CF_CONFIRMED)
		return -EBUSY;
	c->key[CT_DIR_REPLY] = *reply;
	return 0;
}

bool ct_tuple_taken(const struct dp_ct_tuple *k)
{
	return t.hash && rte_hash_lookup(t.hash, k) >= 0;
}

bool ct_conn_live(const struct ct_conn *c, bool made_too)
{
	const struct ct_conn *tb = __atomic_load_n(&table, __ATOMIC_ACQUIRE);

	if (!tb || !in_array(tb, (uintptr_t)c))
		return false;
	uint8_t f = __atomic_load_n(&c->flags, __ATOMIC_ACQUIRE);
	uint8_t want = made_too ? CF_IN_USE : CF_IN_USE | CF_CONFIRMED;
	return (f & want) == want && !(f & CF_DYING);
}

/* ---- settings (DP_TABLE_CT) ---- */

static int ct_conf_apply(const void *items, unsigned n, struct dp_apply *a)
{
	struct dp_ct_conf c = {.table_size = CT_DEFAULT_TABLE_SIZE, .timeout = CT_TIMEOUT_DEFAULTS};

	if (n > 1)
		return dp_apply_refuse(a, -EINVAL, "connection tracking takes one set of settings, not %u", n);
	if (n == 1)
		memcpy(&c, items, sizeof(c));
	if (c.table_size < CT_TABLE_SIZE_MIN || c.table_size > CT_TABLE_SIZE_MAX)
		return dp_apply_refuse(a, -EINVAL, "conntrack table size %u is not in %u-%u", c.table_size,
				       (unsigned)CT_TABLE_SIZE_MIN, (unsigned)CT_TABLE_SIZE_MAX);
	for (unsigned i = 0; i < CT_TO_MAX; i++)
		if (c.timeout[i] == 0)
			return dp_apply_refuse(a, -EINVAL, "conntrack timeouts are at least 1 second");
	/* A new size is for the next table: the one in use keeps its connections. */
	conf = c;
	return 0;
}

/* ---- DP_MSG_CT_DUMP, DP_MSG_CT_CLEAR ---- */

static struct dp_ct_dump_req dump_filter;

static bool dump_match(const struct ct_conn *c)
{
	const struct dp_ct_dump_req *f = &dump_filter;
	const struct dp_ct_tuple *o = &c->key[CT_DIR_ORIGINAL];

	if ((f->flags & DP_CT_DUMP_F_SOURCE) && o->src != f->source)
		return false;
	if ((f->flags & DP_CT_DUMP_F_DESTINATION) && o->dst != f->destination)
		return false;
	if ((f->flags & DP_CT_DUMP_F_PROTOCOL) && o->proto != f->protocol)
		return false;
	if ((f->flags & DP_CT_DUMP_F_PORT) &&
	    (o->proto == IPPROTO_ICMP || (o->sport != f->port && o->dport != f->port)))
		return false;
	return true;
}

static unsigned fill_conns(void *out, unsigned max)
{
	struct dp_ct_info *e = out;
	unsigned n = 0;
	uint32_t now = ct_clock;

	for (uint32_t i = 0; t.conns && i < t.total && n < max; i++) {
		const struct ct_conn *c = &t.conns[i];
		uint8_t f = __atomic_load_n(&c->flags, __ATOMIC_ACQUIRE);
		if ((f & (CF_CONFIRMED | CF_DYING)) != CF_CONFIRMED || !dump_match(c))
			continue;
		e[n++] = (struct dp_ct_info){
			.orig = c->key[CT_DIR_ORIGINAL],
			.reply = c->key[CT_DIR_REPLY],
			.timeout_left = time_left(c, now),
			.tcp_state = c->tcp_state,
			.flags = (uint8_t)(((f & CF_ASSURED) ? DP_CT_F_ASSURED : 0) |
					   ((f & CF_SEEN_REPLY) ? DP_CT_F_SEEN_REPLY : 0)),
		};
	}
	return n;
}

static void handle_dump(struct ctl_conn *conn, const struct dp_msg_hdr *req, const void *body, size_t len)
{
	if (len && len != sizeof(dump_filter)) {
		ctl_reply_error(conn, req, -EBADMSG, "item of the wrong size");
		return;
	}
	dump_filter = (struct dp_ct_dump_req){0};
	if (len)
		memcpy(&dump_filter, body, sizeof(dump_filter));
	uint32_t n = __atomic_load_n(&live, __ATOMIC_RELAXED);
	ctl_reply_dump(conn, req, sizeof(struct dp_ct_info), RTE_MIN(n, t.total), fill_conns);
}

static void handle_clear(struct ctl_conn *conn, const struct dp_msg_hdr *req, const void *body, size_t len)
{
	(void)body;
	(void)len;
	ctl_reply(conn, req, 0, 0, NULL, 0, ct_clear_matching(NULL, NULL));
}

void conntrack_dataplane_init(void)
{
	RTE_BUILD_BUG_ON(sizeof(struct ct_conn) != 64);
	RTE_BUILD_BUG_ON(RTE_MAX_LCORE > 256);
	feature = dp_feature_register("conntrack");
	RTE_VERIFY(feature);
	RTE_VERIFY(dp_hook_register(DP_HOOK_PREROUTING, DP_PRIO_CONNTRACK, "conntrack", feature, ct_in) == 0);
	RTE_VERIFY(dp_hook_register(DP_HOOK_LOCAL_OUT, DP_PRIO_CONNTRACK, "conntrack", feature, ct_out) == 0);
	RTE_VERIFY(dp_hook_register(DP_HOOK_POSTROUTING, DP_PRIO_CONNTRACK_CONFIRM, "conntrack confirm", feature,
				    ct_confirm) == 0);
	RTE_VERIFY(dp_hook_register(DP_HOOK_LOCAL_IN, DP_PRIO_CONNTRACK_CONFIRM, "conntrack confirm", feature,
				    ct_confirm) == 0);
	dp_round_end_register(ct_round_end);
	dp_main_work_register(ct_main_work);
	state_table_register(DP_TABLE_CT, sizeof(struct dp_ct_conf), ct_conf_apply);
	ctl_register(DP_MSG_CT_DUMP, handle_dump);
	ctl_register(DP_MSG_CT_CLEAR, handle_clear);
	cnt_created = dp_counter_register("ct.created");
	cnt_expired = dp_counter_register("ct.expired");
	cnt_invalid = dp_counter_register("ct.invalid");
	cnt_related = dp_counter_register("ct.related");
	cnt_early_drop = dp_counter_register("ct.early_drop");
	cnt_cleared = dp_counter_register("ct.cleared");
	cnt_table_full = dp_counter_register("drop.ct.table_full");
	cnt_clash = dp_counter_register("drop.ct.clash");
}
