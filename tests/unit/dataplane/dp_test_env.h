/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A dataplane without devices for unit tests: EAL in memory, pool, rings, tables, two fake ports. */
#ifndef BRINK_TEST_DP_ENV_H
#define BRINK_TEST_DP_ENV_H

#include <stdint.h>

#include <rte_mbuf.h>

#include <rte_ip.h>

#include "common/dp_msg.h"
#include "dataplane/dp.h"
#include "dataplane/state.h"

/* Routes the tests' FIB holds: small, so a test can fill it. */
#define DP_TEST_FIB_SIZE 65536

void dp_test_env_up(void);

/* Ethernet + IPv4 (20-byte header, valid checksum) + payload_len bytes, received on port in_port. */
struct rte_mbuf *dp_test_ip4(uint16_t in_port, uint32_t src, uint32_t dst, uint8_t ttl, uint8_t proto,
			     uint16_t payload_len);
static inline struct rte_ipv4_hdr *dp_test_ip4_hdr(struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
}
/* Commit addresses dp0 172.30.1.1/24, dp1 192.168.10.1/24 and the given routes
 * (distance 1 where none is given), strictly; err gets the refusal. */
int dp_test_commit(const struct dp_route *routes, unsigned n, char *err, size_t errlen);
/* Adds those two addresses to s. */
void dp_test_add_addrs(struct dp_state *s);
/* Commits s (then clears it); err gets the refusal, or the refused items of a best-effort commit. */
int dp_test_commit_state(struct dp_state *s, bool best_effort, char *err, size_t errlen);
/* Sends a request over the control socket (set up on first use) and
 * returns its first reply, read into reply. */
const struct dp_msg_hdr *dp_test_request(uint16_t type, const void *body, size_t len, uint8_t *reply, size_t size);

/* The total of the dataplane counter of that name (the test fails if there is none). */
uint64_t dp_test_counter(const char *name);

#endif
