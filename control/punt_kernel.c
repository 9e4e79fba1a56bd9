/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "control/punt_kernel.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>

#include "common/net_addr.h"

struct sync {
	struct nl_sock *sk;
	int ifindex;
	const struct brink_model *m;
	char *err;
	size_t errlen;
	int rc; /* first error */
};

static void fail(struct sync *s, int nlerr, const char *fmt, const char *what)
{
	if (s->rc)
		return;
	s->rc = -EIO;
	snprintf(s->err, s->errlen, fmt, what, nl_geterror(nlerr));
}

static uint32_t addr_ip(struct nl_addr *a)
{
	uint32_t be = 0;

	if (a && nl_addr_get_len(a) == 4)
		memcpy(&be, nl_addr_get_binary_addr(a), 4);
	return ntohl(be);
}

static struct nl_addr *make_addr(uint32_t ip, uint8_t len)
{
	uint32_t be = htonl(ip);
	struct nl_addr *a = nl_addr_build(AF_INET, &be, 4);

	if (a)
		nl_addr_set_prefixlen(a, len);
	return a;
}

static bool addr_wanted(const struct brink_model *m, uint32_t ip, uint8_t len)
{
	for (unsigned i = 0; i < m->n_ports; i++)
		for (unsigned k = 0; k < m->ports[i].n_addrs; k++)
			if (m->ports[i].addrs[k].ip == ip && m->ports[i].addrs[k].prefix_len == len)
				return true;
	return false;
}

static bool addr_present(struct nl_cache *cache, int ifindex, uint32_t ip, uint8_t len)
{
	for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_addr *a = (struct rtnl_addr *)o;
		if (rtnl_addr_get_ifindex(a) == ifindex && rtnl_addr_get_family(a) == AF_INET &&
		    addr_ip(rtnl_addr_get_local(a)) == ip && rtnl_addr_get_prefixlen(a) == len)
			return true;
	}
	return false;
}

static int add_addr(struct sync *s, const struct brink_addr *want)
{
	struct rtnl_addr *a = rtnl_addr_alloc();
	struct nl_addr *local = make_addr(want->ip, want->prefix_len);
	int rc = -NLE_NOMEM;

	if (a && local) {
		rtnl_addr_set_ifindex(a, s->ifindex);
		rtnl_addr_set_family(a, AF_INET);
		rtnl_addr_set_local(a, local);
		rtnl_addr_set_prefixlen(a, want->prefix_len);
		rc = rtnl_addr_add(s->sk, a, 0);
	}
	nl_addr_put(local);
	rtnl_addr_put(a);
	return rc == -NLE_EXIST ? 0 : rc;
}

static void sync_addrs(struct sync *s)
{
	struct nl_cache *cache;
	char buf[PREFIX4_STR_LEN];
	int rc = rtnl_addr_alloc_cache(s->sk, &cache);

	if (rc < 0) {
		fail(s, rc, "%s: %s", "reading addresses");
		return;
	}
	for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_addr *a = (struct rtnl_addr *)o;
		uint32_t ip = addr_ip(rtnl_addr_get_local(a));
		uint8_t len = (uint8_t)rtnl_addr_get_prefixlen(a);
		if (rtnl_addr_get_ifindex(a) != s->ifindex || rtnl_addr_get_family(a) != AF_INET ||
		    addr_wanted(s->m, ip, len))
			continue;
		rc = rtnl_addr_delete(s->sk, a, 0);
		if (rc < 0)
			fail(s, rc, "removing address %s: %s", prefix4_fmt(ip, len, buf));
	}
	for (unsigned i = 0; i < s->m->n_ports; i++) {
		for (unsigned k = 0; k < s->m->ports[i].n_addrs; k++) {
			const struct brink_addr *want = &s->m->ports[i].addrs[k];
			if (addr_present(cache, s->ifindex, want->ip, want->prefix_len))
				continue;
			rc = add_addr(s, want);
			if (rc < 0)
				fail(s, rc, "adding address %s: %s", prefix4_fmt(want->ip, want->prefix_len, buf));
		}
	}
	nl_cache_free(cache);
}

/* Everything the kernel has no more specific route for goes to the dataplane,
 * which routes it. One default route, at a metric an operator's management
 * default (DHCP or static: 0 to a few thousand) stays below. Its gateway is a
 * link-local address marked on-link: the dataplane answers every ARP request
 * from the kernel, so the kernel keeps one neighbour for it instead of one
 * per destination. NLM_F_REPLACE makes the sync one idempotent message. */
static void sync_default_route(struct sync *s)
{
	struct rtnl_route *r = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	struct nl_addr *dst = make_addr(0, 0);
	struct nl_addr *gw = make_addr(PUNT_GATEWAY, 32);
	int rc = -NLE_NOMEM;

	if (r && nh && dst && gw) {
		rtnl_route_set_family(r, AF_INET);
		rtnl_route_set_table(r, RT_TABLE_MAIN);
		rtnl_route_set_protocol(r, PUNT_RTPROT);
		rtnl_route_set_priority(r, PUNT_METRIC);
		rtnl_route_set_scope(r, RT_SCOPE_UNIVERSE);
		rtnl_route_set_type(r, RTN_UNICAST);
		rtnl_route_set_dst(r, dst);
		rtnl_route_nh_set_ifindex(nh, s->ifindex);
		rtnl_route_nh_set_gateway(nh, gw);
		rtnl_route_nh_set_flags(nh, RTNH_F_ONLINK);
		rtnl_route_add_nexthop(r, nh);
		nh = NULL; /* owned by the route now */
		rc = rtnl_route_add(s->sk, r, NLM_F_CREATE | NLM_F_REPLACE);
	}
	if (nh)
		rtnl_route_nh_free(nh);
	nl_addr_put(dst);
	nl_addr_put(gw);
	rtnl_route_put(r);
	if (rc < 0)
		fail(s, rc, "adding the default route through %s: %s", s->m->punt_ifname);
}

/* The kernel would drop what arrives on the tap for sources it routes
 * elsewhere; the dataplane already decided where packets belong. */
static int no_rp_filter(const char *ifname, char *err, size_t errlen)
{
	char path[128];
	FILE *f;
	int rc = 0;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/rp_filter", ifname);
	f = fopen(path, "w");
	if (!f || fputs("0\n", f) == EOF)
		rc = -errno;
	/* Closed on every path; the write itself mostly fails only here. */
	if (f && fclose(f) != 0 && !rc)
		rc = -errno;
	if (rc < 0)
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
	return rc;
}

static int bring_up(struct nl_sock *sk, struct rtnl_link *link)
{
	struct rtnl_link *change;
	int rc;

	if (rtnl_link_get_flags(link) & IFF_UP)
		return 0;
	change = rtnl_link_alloc();
	if (!change)
		return -NLE_NOMEM;
	rtnl_link_set_flags(change, IFF_UP);
	rc = rtnl_link_change(sk, link, change, 0);
	rtnl_link_put(change);
	return rc;
}

int punt_kernel_sync(const struct brink_model *m, char *err, size_t errlen)
{
	struct sync s = {.m = m, .err = err, .errlen = errlen};
	struct rtnl_link *link = NULL;
	int rc;

	s.sk = nl_socket_alloc();
	if (!s.sk) {
		snprintf(err, errlen, "netlink: out of memory");
		return -ENOMEM;
	}
	rc = nl_connect(s.sk, NETLINK_ROUTE);
	if (rc < 0) {
		snprintf(err, errlen, "netlink: %s", nl_geterror(rc));
		nl_socket_free(s.sk);
		return -EIO;
	}
	rc = rtnl_link_get_kernel(s.sk, 0, m->punt_ifname, &link);
	if (rc < 0) {
		bool absent = rc == -NLE_OBJ_NOTFOUND || rc == -NLE_NODEV;
		if (absent)
			snprintf(err, errlen, "punt interface %s does not exist yet", m->punt_ifname);
		else
			snprintf(err, errlen, "punt interface %s: %s", m->punt_ifname, nl_geterror(rc));
		rc = absent ? -EAGAIN : -EIO;
	} else {
		s.ifindex = rtnl_link_get_ifindex(link);
		rc = bring_up(s.sk, link);
		if (rc < 0)
			fail(&s, rc, "setting %s up: %s", m->punt_ifname);
		else if (no_rp_filter(m->punt_ifname, err, errlen) < 0)
			s.rc = -EIO;
		if (!s.rc)
			sync_addrs(&s);
		if (!s.rc)
			sync_default_route(&s);
		rc = s.rc;
		rtnl_link_put(link);
	}
	nl_socket_free(s.sk);
	return rc;
}
