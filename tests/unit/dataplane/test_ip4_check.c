/* SPDX-License-Identifier: GPL-2.0-or-later */
/* IPv4 sanity checks on crafted mbufs: every malformed header gets its own drop reason. */
#include <string.h>

#include <criterion/criterion.h>
#include <rte_ip.h>

#include "dataplane/ip4_check.h"
#include "dp_test_env.h"

TestSuite(ip4_check, .init = dp_test_env_up);

static struct rte_mbuf *good(void)
{
	return dp_test_ip4(0, 0xac1e010a, 0xc0a80a0a, 64, IPPROTO_UDP, 26);
}

static void refresh_cksum(struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip = dp_test_ip4_hdr(m);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

Test(ip4_check, accepts_a_valid_header)
{
	cr_assert_eq(ip4_check(good()), 0);
}

Test(ip4_check, accepts_ethernet_padding_after_the_datagram)
{
	struct rte_mbuf *m = dp_test_ip4(0, 0xac1e010a, 0xc0a80a0a, 64, IPPROTO_UDP, 0);
	rte_pktmbuf_append(m, 26); /* a 60-byte minimum frame around a 20-byte datagram */
	cr_assert_eq(ip4_check(m), 0);
}

Test(ip4_check, accepts_options_with_their_checksum)
{
	struct rte_mbuf *m = good();
	struct rte_ipv4_hdr *ip = dp_test_ip4_hdr(m);
	ip->version_ihl = 0x46;
	refresh_cksum(m);
	cr_assert_eq(ip4_check(m), 0);
}

Test(ip4_check, drops_truncated_frames)
{
	struct rte_mbuf *m = good();
	rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_pkt_len(m) - 30));
	cr_assert_eq(ip4_check(m), DP_CNT_DROP_IP4_TRUNCATED);
}

Test(ip4_check, drops_other_versions)
{
	struct rte_mbuf *m = good();
	dp_test_ip4_hdr(m)->version_ihl = 0x65;
	refresh_cksum(m);
	cr_assert_eq(ip4_check(m), DP_CNT_DROP_IP4_BAD_VERSION);
}

Test(ip4_check, drops_ihl_below_five_or_past_the_frame)
{
	struct rte_mbuf *m = good();
	dp_test_ip4_hdr(m)->version_ihl = 0x44;
	cr_assert_eq(ip4_check(m), DP_CNT_DROP_IP4_BAD_IHL);
	m = dp_test_ip4(0, 0xac1e010a, 0xc0a80a0a, 64, IPPROTO_UDP, 8);
	dp_test_ip4_hdr(m)->version_ihl = 0x4f; /* 60 bytes of header in a 28-byte datagram */
	cr_assert_eq(ip4_check(m), DP_CNT_DROP_IP4_BAD_IHL);
}

Test(ip4_check, drops_total_length_larger_than_the_frame)
{
	struct rte_mbuf *m = good();
	dp_test_ip4_hdr(m)->total_length = rte_cpu_to_be_16(1000);
	refresh_cksum(m);
	cr_assert_eq(ip4_check(m), DP_CNT_DROP_IP4_BAD_LENGTH);
}

Test(ip4_check, drops_total_length_smaller_than_the_header)
{
	struct rte_mbuf *m = good();
	dp_test_ip4_hdr(m)->total_length = rte_cpu_to_be_16(12);
	refresh_cksum(m);
	cr_assert_eq(ip4_check(m), DP_CNT_DROP_IP4_BAD_LENGTH);
}

Test(ip4_check, drops_bad_checksums)
{
	struct rte_mbuf *m = good();
	dp_test_ip4_hdr(m)->hdr_checksum ^= 0x0101;
	cr_assert_eq(ip4_check(m), DP_CNT_DROP_IP4_BAD_CHECKSUM);
	m = good();
	dp_test_ip4_hdr(m)->version_ihl = 0x46;
	cr_assert_eq(ip4_check(m), DP_CNT_DROP_IP4_BAD_CHECKSUM, "options change the sum");
}

Test(ip4_check, fast_checksum_agrees_with_dpdk)
{
	for (uint32_t seed = 1; seed < 20000; seed++) {
		struct rte_ipv4_hdr ip = {.version_ihl = 0x45,
					  .time_to_live = (uint8_t)seed,
					  .src_addr = seed * 2654435761u,
					  .dst_addr = ~seed * 40503u,
					  .total_length = (uint16_t)seed,
					  .packet_id = (uint16_t)(seed * 7)};
		ip.hdr_checksum = rte_ipv4_cksum(&ip);
		cr_assert(ip4_hdr20_checksum_ok(&ip), "seed %u", seed);
		/* Every other checksum value is wrong, 0 and 0xffff (one's complement's two zeros) too. */
		ip.hdr_checksum = (uint16_t)(ip.hdr_checksum + seed % 0xffff + 1);
		cr_assert_eq(ip4_hdr20_checksum_ok(&ip), rte_raw_cksum(&ip, sizeof(ip)) == 0xffff, "seed %u", seed);
	}
	/* Words that add up to a multiple of 0xffff but with a wrong sum. */
	struct rte_ipv4_hdr zero = {0}, ones;
	memset(&ones, 0xff, sizeof(ones));
	cr_assert_not(ip4_hdr20_checksum_ok(&zero), "all zeros add up to 0");
	cr_assert(ip4_hdr20_checksum_ok(&ones), "all ones add up to 0xffff");
}

Test(ip4_check, refuses_martian_sources_and_non_unicast_destinations)
{
	const struct {
		uint32_t src, dst;
		int why;
	} cases[] = {
		{0x7f000001, 0xc0a80a0a, DP_CNT_DROP_IP4_BAD_SOURCE}, /* 127.0.0.1 */
		{0x00000000, 0xc0a80a0a, DP_CNT_DROP_IP4_BAD_SOURCE}, /* 0.0.0.0 */
		{0xe0000005, 0xc0a80a0a, DP_CNT_DROP_IP4_BAD_SOURCE}, /* 224.0.0.5 */
		{0xffffffff, 0xc0a80a0a, DP_CNT_DROP_IP4_BAD_SOURCE},
		{0xac1e010a, 0xe0000005, DP_CNT_DROP_IP4_MULTICAST},
		{0xac1e010a, 0xffffffff, DP_CNT_DROP_IP4_BROADCAST},
		{0xac1e010a, 0xc0a80a0a, 0},
	};
	for (size_t i = 0; i < RTE_DIM(cases); i++) {
		struct rte_mbuf *m = dp_test_ip4(0, cases[i].src, cases[i].dst, 64, IPPROTO_UDP, 8);
		uint32_t dst = 0;
		cr_assert_eq(ip4_input_verdict(m, &dst), cases[i].why, "case %zu", i);
		if (cases[i].why == 0)
			cr_assert_eq(dst, cases[i].dst);
		rte_pktmbuf_free(m);
	}
}
