/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The neighbour table under traffic to thousands of hosts of a connected /16
 * that never answer: held packets, unresolved entries and ARP requests stay
 * within their bounds, every refusal is counted, and gateways still resolve.
 */
#include <criterion/criterion.h>
#include <rte_arp.h>
#include <rte_cycles.h>

#include "dataplane/neigh.h"
#include "dataplane/path.h"
#include "dataplane/worker.h"
#include "dataplane/state.h"
#include "dp_test_env.h"

#define POD_HOST 0xac1e010a    /* 172.30.1.10 on dp0 */
#define GATEWAY 0xc0a80a02     /* 192.168.10.2 */
#define REMOTE_HOST 0x0a140505 /* 10.20.5.5, behind GATEWAY */

static struct dp_worker w;
static struct dp_neigh_info info[NEIGH_MAX];
static unsigned arp_requests_to_gateway;

/* dp0 172.30.1.1/24, dp1 192.168.10.1/16, and 10.20.0.0/16 via GATEWAY when asked. */
static void commit(bool with_gateway_route)
{
	struct dp_state s = {0};
	struct dp_addr a0 = {.port = "dp0", .ip = 0xac1e0101, .prefix_len = 24};
	struct dp_addr a1 = {.port = "dp1", .ip = 0xc0a80a01, .prefix_len = 16};
	struct dp_route r = {
		.prefix = 0x0a140000, .prefix_len = 16, .kind = DP_ROUTE_GATEWAY, .gateway = GATEWAY, .distance = 1};
	char err[256];

	cr_assert_eq(state_add_addr(&s, &a0, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(state_add_addr(&s, &a1, err, sizeof(err)), 0, "%s", err);
	if (with_gateway_route)
		cr_assert_eq(state_add_route(&s, &r, DP_OWNER_CONFIG, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(dp_test_commit_state(&s, false, err, sizeof(err)), 0, "%s", err);
}

static void setup(void)
{
	dp_test_env_up();
	commit(false);
}

TestSuite(neigh, .init = setup);

/* What worker 0 would do with the main lcore's output: ARP requests are
 * noted and freed, packets to route again are routed (and then sent). */
static void drain_inject(void)
{
	struct rte_mbuf *m;

	while (rte_ring_dequeue(dp.inject, (void **)&m) == 0) {
		if (rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->ether_type != RTE_BE16(RTE_ETHER_TYPE_ARP)) {
			/* What waited for ARP, and what goes to be routed again: as worker 0 does. */
			cr_assert_eq(rte_ring_enqueue(dp.inject, m), 0);
			worker_drain_inject(&w);
			continue;
		}
		const struct rte_arp_hdr *a =
			rte_pktmbuf_mtod_offset(m, const struct rte_arp_hdr *, sizeof(struct rte_ether_hdr));
		arp_requests_to_gateway += rte_be_to_cpu_32(a->arp_data.arp_tip) == GATEWAY;
		rte_pktmbuf_free(m);
	}
	for (uint16_t p = 0; p < 2; p++) {
		rte_pktmbuf_free_bulk(w.tx[p].pkts, w.tx[p].n);
		w.tx[p].n = 0;
	}
}

/* n packets from the pod to dst through the worker path, then the main lcore's turn. */
static void send_to(uint32_t dst, unsigned n)
{
	struct rte_mbuf *m;

	for (unsigned i = 0; i < n; i++) {
		m = dp_test_ip4(0, POD_HOST, dst, 64, IPPROTO_UDP, 26);
		eth_input(&w, 0, &m, 1);
	}
	while (rte_ring_dequeue(dp.to_control_pkts, (void **)&m) == 0)
		neigh_resolve_packet(m);
	drain_inject();
}

/* The i-th host of the /16 outside 192.168.10.0/24, never .0 or .255. */
static uint32_t flood_host(unsigned i)
{
	return 0xc0a80000 + ((20 + i / 250) << 8) + 1 + i % 250;
}

static unsigned held_total(unsigned *n_incomplete)
{
	unsigned n = neigh_dump(info, RTE_DIM(info)), held = 0;

	*n_incomplete = 0;
	for (unsigned i = 0; i < n; i++) {
		held += info[i].queued;
		*n_incomplete += info[i].state == DP_NEIGH_INCOMPLETE;
	}
	return held;
}

static const struct dp_neigh_info *find(uint32_t ip)
{
	unsigned n = neigh_dump(info, RTE_DIM(info));
	for (unsigned i = 0; i < n; i++)
		if (info[i].ip == ip)
			return &info[i];
	return NULL;
}

static uint64_t counter(enum dp_counter_id id)
{
	return dp_counter_total(id);
}

/* Tokens a bucket can have handed out since t0: its burst, less what it keeps, plus its refill. */
static uint64_t tokens_since(uint64_t t0, unsigned per_s, unsigned burst, unsigned keep)
{
	return burst - keep + (rte_rdtsc() - t0) * per_s / rte_get_tsc_hz() + 1;
}

Test(neigh, thousands_of_new_destinations_leave_the_mempool_alone)
{
	enum { HOSTS = 4000 };
	const unsigned limit = dp.pool->size / NEIGH_HOLD_POOL_SHARE;
	unsigned min_avail = UINT32_MAX, incomplete;
	uint64_t t0 = rte_rdtsc();

	for (unsigned i = 0; i < HOSTS; i++) {
		send_to(flood_host(i), 1);
		min_avail = RTE_MIN(min_avail, rte_mempool_avail_count(dp.pool));
	}
	unsigned held = held_total(&incomplete);
	cr_assert_leq(held, limit, "%u packets held, bound %u", held, limit);
	cr_assert_geq(min_avail, dp.pool->size - limit - 64, "the mempool went down to %u free", min_avail);
	cr_assert_leq(incomplete, tokens_since(t0, NEIGH_CREATE_PER_S, NEIGH_CREATE_BURST, 0));
	cr_assert_gt(counter(DP_CNT_DROP_ARP_CREATE_RATE_LIMITED), 0);
	cr_assert_leq(counter(DP_CNT_ARP_REQUESTS_SENT),
		      tokens_since(t0, NEIGH_ARP_PER_S, NEIGH_ARP_BURST, NEIGH_ARP_GATEWAY_RESERVE));
	cr_assert_gt(counter(DP_CNT_ARP_REQUESTS_RATE_LIMITED), 0);
	uint64_t dropped = counter(DP_CNT_DROP_ARP_CREATE_RATE_LIMITED) + counter(DP_CNT_DROP_ARP_HOLD_TOTAL_FULL) +
			   counter(DP_CNT_DROP_ARP_INCOMPLETE_FULL);
	cr_assert_eq(held + dropped, HOSTS, "every packet is held or counted (%u held, %lu dropped)", held,
		     (unsigned long)dropped);
	cr_assert_eq(held, incomplete, "one packet per host");
}

Test(neigh, packets_held_have_a_bound_over_all_neighbours)
{
	const unsigned limit = dp.pool->size / NEIGH_HOLD_POOL_SHARE;
	unsigned incomplete;

	for (unsigned i = 0; i < 200; i++)
		send_to(flood_host(i), NEIGH_HOLD_MAX + 1);
	unsigned held = held_total(&incomplete);
	cr_assert_leq(held, limit - limit / 4, "%u held: a quarter of the bound stays for gateways", held);
	cr_assert_gt(counter(DP_CNT_DROP_ARP_HOLD_FULL), 0, "a ninth packet to one host does not wait");
	cr_assert_gt(counter(DP_CNT_DROP_ARP_HOLD_TOTAL_FULL), 0);
	cr_assert_geq(rte_mempool_avail_count(dp.pool), dp.pool->size - limit - 64);
}

Test(neigh, unresolved_entries_created_by_traffic_are_capped, .timeout = 30)
{
	unsigned incomplete, i;

	/* Paced below the creation rate, so the cap is what refuses. */
	for (i = 0; counter(DP_CNT_DROP_ARP_INCOMPLETE_FULL) == 0 && i < 2 * NEIGH_PENDING_MAX; i++) {
		send_to(flood_host(i), 1);
		rte_delay_us_sleep(1000000 / NEIGH_CREATE_PER_S + 100);
	}
	held_total(&incomplete);
	cr_assert_eq(incomplete, NEIGH_PENDING_MAX);
	cr_assert_eq(counter(DP_CNT_DROP_ARP_INCOMPLETE_FULL), 1, "the first host over the cap is refused");
	cr_assert_eq(i, NEIGH_PENDING_MAX + 1);
	cr_assert_gt(counter(DP_CNT_DROP_ARP_HOLD_TOTAL_FULL), 0);
}

Test(neigh, a_gateway_resolves_and_holds_packets_during_a_flood)
{
	const uint8_t gw_mac[6] = {0x02, 0xcc, 0, 0, 0, 0x02};

	for (unsigned i = 0; i < 200; i++)
		send_to(flood_host(i), NEIGH_HOLD_MAX);
	cr_assert_gt(counter(DP_CNT_ARP_REQUESTS_RATE_LIMITED), 0, "random hosts used their ARP budget");
	cr_assert_gt(counter(DP_CNT_DROP_ARP_HOLD_TOTAL_FULL), 0, "and their share of the held packets");

	commit(true);
	cr_assert_eq(rte_ring_count(dp.inject), 1);
	drain_inject();
	cr_assert_eq(arp_requests_to_gateway, 1, "the gateway's request goes out");
	uint64_t refused = counter(DP_CNT_DROP_ARP_HOLD_TOTAL_FULL);
	send_to(REMOTE_HOST, 3);
	cr_assert_eq(counter(DP_CNT_DROP_ARP_HOLD_TOTAL_FULL), refused, "the gateway may use the reserve");
	cr_assert_eq(find(GATEWAY)->queued, 3);

	struct arp_event ev = {.iface = 1, .ip = GATEWAY};
	memcpy(ev.mac, gw_mac, 6);
	uint64_t sent = counter(DP_CNT_HELD_SENT);
	neigh_arp_event(&ev);
	cr_assert_eq(counter(DP_CNT_HELD_SENT), sent + 3);
	cr_assert_eq(find(GATEWAY)->state, DP_NEIGH_REACHABLE);
}

Test(neigh, a_probe_refused_by_the_rate_limit_is_retried_not_spent)
{
	unsigned before, after;

	for (unsigned i = 0; i < 200; i++)
		send_to(flood_host(i), 1);
	held_total(&before);
	uint64_t sent = counter(DP_CNT_ARP_REQUESTS_SENT);
	cr_assert_lt(sent, before, "some hosts got no request yet");
	/* Long enough for the bucket to refill, short of the probe interval of
	 * the hosts that got their first request. */
	rte_delay_us_sleep(1000000 * NEIGH_ARP_BURST / NEIGH_ARP_PER_S);
	neigh_timer(rte_rdtsc());
	drain_inject();
	cr_assert_gt(counter(DP_CNT_ARP_REQUESTS_SENT), sent, "hosts refused before get their request now");
	held_total(&after);
	cr_assert_eq(after, before, "no entry failed for want of a request");
}

Test(neigh, a_host_behind_a_host_interface_route_is_sent_to_once_resolved)
{
	struct dp_state s = {0};
	struct dp_addr a0 = {.port = "dp0", .ip = 0xac1e0101, .prefix_len = 24};
	struct dp_addr a1 = {.port = "dp1", .ip = 0xc0a80a01, .prefix_len = 16};
	const uint32_t host = 0x0a320005; /* 10.50.0.5, on no subnet */
	struct dp_route r = {.prefix = host, .prefix_len = 32, .kind = DP_ROUTE_INTERFACE, .port = "dp1", .distance = 1};
	struct arp_event ev = {.iface = 1, .ip = host, .mac = {0x02, 0xdd, 0, 0, 0, 0x05}};
	char err[256];

	cr_assert_eq(state_add_addr(&s, &a0, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(state_add_addr(&s, &a1, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(state_add_route(&s, &r, DP_OWNER_CONFIG, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(dp_test_commit_state(&s, false, err, sizeof(err)), 0, "%s", err);
	send_to(host, 1);
	cr_assert_eq(find(host)->queued, 1);
	neigh_arp_event(&ev);
	uint64_t forwarded = counter(DP_CNT_FORWARDED);
	drain_inject();
	cr_assert_eq(rte_ring_count(dp.to_control_pkts), 0, "the packet came back to the main lcore");
	cr_assert_eq(counter(DP_CNT_FORWARDED), forwarded + 1);
}
