/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The interface table: ports and logical interfaces, by id and by name. */
#include "dataplane/iface.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "common/net_addr.h"
#include "dataplane/apply.h"
#include "dataplane/arp.h"
#include "dataplane/ctl_server.h"
#include "dataplane/hook.h"
#include "dataplane/path.h"

struct dp_iface dp_ifaces[DP_IFACE_MAX];
struct iface_counters *iface_counters[RTE_MAX_LCORE];

static const struct iface_type *types[DP_IFACE_TYPE_MAX];
/* A logical slot freed at this RCU token is reused once every worker passed it. */
static uint64_t freed_token[DP_IFACE_MAX];
static unsigned slots_end = RTE_MAX_ETHPORTS; /* no logical interface at or above */

void iface_type_register(const struct iface_type *t)
{
	RTE_VERIFY(t->type > 0 && t->type < DP_IFACE_TYPE_MAX && !types[t->type]);
	types[t->type] = t;
}

const struct iface_type *iface_type_get(uint8_t type)
{
	return type < DP_IFACE_TYPE_MAX ? types[type] : NULL;
}

int iface_counters_init(unsigned lcore)
{
	if (iface_counters[lcore])
		return 0;
	iface_counters[lcore] =
		rte_zmalloc("brink_iface_counters", sizeof(struct iface_counters) * DP_IFACE_MAX, RTE_CACHE_LINE_SIZE);
	return iface_counters[lcore] ? 0 : -ENOMEM;
}

int iface_by_name(const char *name)
{
	for (unsigned i = 0; i < slots_end; i++) {
		const struct dp_iface *ifc = &dp_ifaces[i];
		if (ifc->type && strncmp(ifc->name, name, sizeof(ifc->name)) == 0 &&
		    !(ifc->type == DP_IFACE_PORT && dp.ports[i].is_punt))
			return (int)i;
	}
	return -1;
}

uint16_t iface_by_msg_name(const char *name, uint16_t unknown)
{
	char n[DP_NAME_LEN + 1];

	if (!name[0])
		return DP_IFACE_NONE;
	snprintf(n, sizeof(n), "%.*s", DP_NAME_LEN, name);
	int id = iface_by_name(n);
	return id < 0 ? unknown : (uint16_t)id;
}

uint16_t iface_holding(uint32_t ip)
{
	for (unsigned i = 0; i < slots_end; i++) {
		const struct dp_iface *ifc = &dp_ifaces[i];
		for (unsigned k = 0; ifc->type && k < ifc->n_addrs; k++)
			if (ifc->addrs[k].ip == ip)
				return (uint16_t)i;
	}
	return DP_IFACE_NONE;
}

uint32_t iface_source_for(uint16_t id, uint32_t target)
{
	const struct dp_iface *ifc = &dp_ifaces[id];
	for (unsigned i = 0; i < ifc->n_addrs; i++)
		if (prefix4_contains(ifc->addrs[i].ip, ifc->addrs[i].prefix_len, target))
			return ifc->addrs[i].ip;
	return 0;
}

bool iface_is_up(uint16_t id)
{
	return id < DP_IFACE_MAX && dp_ifaces[id].type && dp_ifaces[id].oper_up;
}

void iface_set_addrs(uint16_t id, const struct brink_addr *addrs, unsigned n)
{
	struct dp_iface *ifc = &dp_ifaces[id];
	memcpy(ifc->addrs, addrs, sizeof(*addrs) * n);
	ifc->n_addrs = n;
	__atomic_store_n(&ifc->primary_ip, n ? addrs[0].ip : 0, __ATOMIC_RELEASE);
}

void iface_announce(uint16_t id)
{
	const struct dp_iface *ifc = &dp_ifaces[id];
	struct dp_lcore_counters *cnt = dp_counters_self();

	if (!ifc->ops->ethernet)
		return;
	for (unsigned i = 0; i < ifc->n_addrs; i++) {
		/* RFC 5227 announcement: sender and target are both our address. */
		struct rte_mbuf *m = arp_build_request(id, ifc->addrs[i].ip, ifc->addrs[i].ip, NULL);
		if (!m)
			return;
		if (rte_ring_sp_enqueue(dp.inject, m) != 0) {
			dp_drop(cnt, DP_CNT_DROP_CONTROL_RING_FULL, m);
			return;
		}
		cnt->c[DP_CNT_ARP_ANNOUNCEMENTS_SENT]++;
	}
}

bool iface_refresh_oper(void)
{
	bool changed = false;

	/* Parents have lower ids than what stands on them (ports first, then in
	 * creation order), so one pass sees each parent's new state. */
	for (unsigned i = 0; i < DP_IFACE_MAX; i++) {
		struct dp_iface *ifc = &dp_ifaces[i];
		if (!ifc->type)
			continue;
		if (ifc->ops->follow)
			ifc->ops->follow(ifc);
		bool up = ifc->admin_up && ifc->ops->underlay_up(ifc);
		if (up != ifc->oper_up) {
			__atomic_store_n(&ifc->oper_up, up, __ATOMIC_RELEASE);
			changed = true;
		}
	}
	/* follow() may have changed MTUs and underlays even where the state stayed. */
	fwd_gen_bump();
	return changed;
}

/* ---- ports ---- */

static bool port_underlay_up(const struct dp_iface *ifc)
{
	return dp.ports[ifc->port].link_up;
}

static void port_output(struct dp_worker *w, struct dp_iface *ifc, struct rte_mbuf **pkts, const uint32_t *next_hop,
			uint16_t n)
{
	(void)next_hop;
	for (uint16_t i = 0; i < n; i++)
		tx_enqueue(w, ifc->port, pkts[i]);
}

static const struct iface_type port_type = {
	.type = DP_IFACE_PORT,
	.name = "port",
	.ethernet = true,
	.underlay_up = port_underlay_up,
	.output = port_output,
};

RTE_INIT(iface_port_register)
{
	iface_type_register(&port_type);
}

void iface_port_init(uint16_t port, const char *name, const struct rte_ether_addr *mac, uint16_t mtu)
{
	struct dp_iface *ifc = &dp_ifaces[port];

	memset(ifc, 0, sizeof(*ifc));
	ifc->id = port;
	ifc->port = port;
	ifc->parent = DP_IFACE_NONE;
	ifc->mtu = mtu;
	ifc->mac = *mac;
	ifc->announced_mac_word = ifc->mac_word;
	ifc->admin_up = true;
	ifc->ops = &port_type;
	snprintf(ifc->name, sizeof(ifc->name), "%s", name);
	ifc->oper_up = dp.ports[port].link_up;
	ifc->type = DP_IFACE_PORT;
}

/* ---- logical interfaces ---- */

static bool is_logical(const struct dp_iface *ifc)
{
	return ifc->type && ifc->type != DP_IFACE_PORT;
}

static const struct dp_iface_conf *conf_named(const struct dp_iface_conf *confs, unsigned n, const char *name)
{
	for (unsigned i = 0; i < n; i++)
		if (strncmp(confs[i].name, name, DP_NAME_LEN) == 0)
			return &confs[i];
	return NULL;
}

static int check_conf(const struct dp_iface_conf *confs, unsigned n, unsigned k, char *err, size_t errlen)
{
	const struct dp_iface_conf *c = &confs[k];
	const struct iface_type *t = iface_type_get(c->type);
	char name[DP_NAME_LEN + 1];
	int id;

	snprintf(name, sizeof(name), "%.*s", DP_NAME_LEN, c->name);
	if (!name[0]) {
		snprintf(err, errlen, "an interface without a name");
		return -EINVAL;
	}
	if (!t || c->type == DP_IFACE_PORT) {
		snprintf(err, errlen, "interface %s: type %u is not supported", name, c->type);
		return -EPROTONOSUPPORT;
	}
	if (conf_named(confs, k, name)) {
		snprintf(err, errlen, "interface %s is given twice", name);
		return -EEXIST;
	}
	id = iface_by_name(name);
	if (id >= 0 && dp_ifaces[id].type == DP_IFACE_PORT) {
		snprintf(err, errlen, "interface %s: a port has that name", name);
		return -EEXIST;
	}
	return t->check(c, confs, n, err, errlen);
}

static int alloc_slot(void)
{
	for (unsigned i = RTE_MAX_ETHPORTS; i < DP_IFACE_MAX; i++)
		if (!dp_ifaces[i].type && rte_rcu_qsbr_check(dp.qsbr, freed_token[i], false) == 1) {
			slots_end = RTE_MAX(slots_end, i + 1);
			return (int)i;
		}
	return -ENOSPC;
}

static void destroy(struct dp_iface *ifc)
{
	hook_iface_features(ifc->id, 0);
	if (ifc->ops->destroy)
		ifc->ops->destroy(ifc);
	__atomic_store_n(&ifc->oper_up, false, __ATOMIC_RELEASE);
	__atomic_store_n(&ifc->type, 0, __ATOMIC_RELEASE);
	freed_token[ifc->id] = rte_rcu_qsbr_start(dp.qsbr);
}

int iface_replace(const struct dp_iface_conf *confs, unsigned n, struct dp_apply *a)
{
	/* Best effort: a refused interface is skipped; one that ran stays as it ran. */
	static bool refused[CFG_MAX_IFACES];
	char err[200];
	int rc;

	if (n > CFG_MAX_IFACES)
		return dp_apply_refuse(a, -ENOSPC, "more than %d interfaces", CFG_MAX_IFACES);
	for (unsigned k = 0; k < n; k++) {
		refused[k] = false;
		if ((rc = check_conf(confs, n, k, err, sizeof(err))) < 0) {
			refused[k] = true;
			if ((rc = dp_apply_refuse(a, rc, "%s", err)) < 0)
				return rc;
		}
	}
	/* Those that go first, children before their parents. */
	for (int i = DP_IFACE_MAX - 1; i >= RTE_MAX_ETHPORTS; i--) {
		struct dp_iface *ifc = &dp_ifaces[i];
		const struct dp_iface_conf *c = is_logical(ifc) ? conf_named(confs, n, ifc->name) : NULL;
		if (is_logical(ifc) && (!c || (c->type != ifc->type && !refused[c - confs])))
			destroy(ifc);
	}
	for (unsigned k = 0; k < n; k++) {
		const struct dp_iface_conf *c = &confs[k];
		int id = iface_by_name(c->name);
		struct dp_iface *ifc;

		if (refused[k])
			continue;

		if (id < 0) {
			if ((id = alloc_slot()) < 0) {
				rc = dp_apply_refuse(a, -ENOSPC, "interface %.*s: no room for more interfaces",
						     DP_NAME_LEN, c->name);
				if (rc < 0)
					return rc;
				continue;
			}
			ifc = &dp_ifaces[id];
			memset(ifc, 0, sizeof(*ifc));
			ifc->id = (uint16_t)id;
			ifc->parent = DP_IFACE_NONE;
			ifc->port = RTE_MAX_ETHPORTS;
			ifc->ops = iface_type_get(c->type);
			snprintf(ifc->name, sizeof(ifc->name), "%.*s", (int)sizeof(ifc->name) - 1, c->name);
		}
		ifc = &dp_ifaces[id];
		if ((rc = ifc->ops->apply(ifc, c, err, sizeof(err))) < 0) {
			if (!ifc->type)
				memset(ifc, 0, sizeof(*ifc));
			if ((rc = dp_apply_refuse(a, rc, "interface %.*s: %s", DP_NAME_LEN, c->name, err)) < 0)
				return rc;
			continue;
		}
		ifc->conf = *c;
		__atomic_store_n(&ifc->admin_up, c->admin_up != 0, __ATOMIC_RELEASE);
		if (!ifc->type)
			__atomic_store_n(&ifc->type, c->type, __ATOMIC_RELEASE);
	}
	iface_refresh_oper();
	return 0;
}

/* ---- dumps ---- */

static void port_stats(uint16_t port, struct dp_iface_stats *o)
{
	struct rte_eth_stats st = {0};

	rte_eth_stats_get(port, &st);
	*o = (struct dp_iface_stats){
		.rx_packets = st.ipackets,
		.rx_bytes = st.ibytes,
		.tx_packets = st.opackets,
		.tx_bytes = st.obytes,
		.rx_dropped = st.imissed + st.ierrors + st.rx_nombuf,
	};
	for (unsigned l = 0; l < RTE_MAX_LCORE; l++)
		o->tx_dropped += dp_counters[l].port_tx_drop[port];
}

static void logical_stats(uint16_t id, struct dp_iface_stats *o)
{
	memset(o, 0, sizeof(*o));
	for (unsigned l = 0; l < RTE_MAX_LCORE; l++) {
		const struct iface_counters *c = iface_counters[l] ? &iface_counters[l][id] : NULL;
		if (!c)
			continue;
		o->rx_packets += c->rx_packets;
		o->rx_bytes += c->rx_bytes;
		o->tx_packets += c->tx_packets;
		o->tx_bytes += c->tx_bytes;
		o->rx_dropped += c->rx_dropped;
		o->tx_dropped += c->tx_dropped;
	}
}

static void iface_info(const struct dp_iface *ifc, struct dp_iface_info *o)
{
	memset(o, 0, sizeof(*o));
	snprintf(o->name, sizeof(o->name), "%s", ifc->name);
	if (ifc->parent != DP_IFACE_NONE)
		snprintf(o->parent, sizeof(o->parent), "%s", dp_ifaces[ifc->parent].name);
	o->id = ifc->id;
	o->type = ifc->type;
	o->admin_up = ifc->admin_up;
	o->oper_up = ifc->oper_up;
	o->has_mac = ifc->ops->ethernet;
	o->mtu = ifc->mtu;
	o->vrf = ifc->vrf;
	memcpy(o->mac, &ifc->mac, 6);
	o->n_addrs = RTE_MIN(ifc->n_addrs, RTE_DIM(o->addrs));
	for (unsigned i = 0; i < o->n_addrs; i++) {
		o->addrs[i].ip = ifc->addrs[i].ip;
		o->addrs[i].prefix_len = ifc->addrs[i].prefix_len;
	}
	if (ifc->type == DP_IFACE_PORT) {
		port_stats(ifc->port, &o->stats);
		return;
	}
	logical_stats(ifc->id, &o->stats);
	if (ifc->ops->info)
		ifc->ops->info(ifc, o->info);
}

static int info_cmp(const void *a, const void *b)
{
	const struct dp_iface_info *x = a, *y = b;

	if ((x->type == DP_IFACE_PORT) != (y->type == DP_IFACE_PORT))
		return x->type == DP_IFACE_PORT ? -1 : 1;
	return strncmp(x->name, y->name, sizeof(x->name));
}

static void dump_ifaces(struct ctl_conn *c, const struct dp_msg_hdr *req, const void *body, size_t len)
{
	const struct dp_port_ref *ref = body;
	char name[DP_NAME_LEN + 1] = "";
	struct dp_iface_info *out;
	unsigned n = 0;

	if (len && len != sizeof(*ref)) {
		ctl_reply_error(c, req, -EBADMSG, "item of the wrong size");
		return;
	}
	if (len)
		snprintf(name, sizeof(name), "%.*s", DP_NAME_LEN, ref->name);
	if (!(out = malloc(sizeof(*out) * DP_IFACE_MAX))) {
		ctl_reply_error(c, req, -ENOMEM, "out of memory");
		return;
	}
	for (unsigned i = 0; i < DP_IFACE_MAX; i++) {
		const struct dp_iface *ifc = &dp_ifaces[i];
		if (!ifc->type || (ifc->type == DP_IFACE_PORT && dp.ports[i].is_punt) ||
		    (name[0] && strcmp(ifc->name, name) != 0))
			continue;
		iface_info(ifc, &out[n++]);
	}
	if (name[0] && n == 0) {
		ctl_reply_error(c, req, -ENODEV, "no interface named '%s' in the dataplane", name);
	} else {
		qsort(out, n, sizeof(*out), info_cmp);
		ctl_reply_array(c, req, out, n, sizeof(*out));
	}
	free(out);
}

RTE_INIT(iface_ctl_register)
{
	ctl_register(DP_MSG_IFACE_DUMP, dump_ifaces);
}
