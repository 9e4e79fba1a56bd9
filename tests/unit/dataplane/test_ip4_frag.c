/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fragmentation on the worker path: datagrams larger than the egress MTU
 * (dp1, 1500) leave as correct fragments without DF, and get "fragmentation
 * needed" with DF.
 */
#include <criterion/criterion.h>
#include <rte_icmp.h>

#include "dataplane/ip4_check.h"
#include "dataplane/neigh.h"
#include "dataplane/path.h"
#include "dp_test_env.h"

#define POD_HOST 0xac1e010a /* 172.30.1.10 on dp0 */
#define VM_HOST 0xc0a80a0a  /* 192.168.10.10 on dp1 */
#define MTU 1500

static struct dp_worker w;
static const uint8_t pod_mac[6] = {0x02, 0xaa, 0, 0, 0, 0x0a};
static const uint8_t vm_mac[6] = {0x02, 0xbb, 0, 0, 0, 0x0a};
static uint8_t sent[65536];    /* payload as sent */
static uint8_t rebuilt[65536]; /* payload put back together from the fragments */

static void setup(void)
{
	char err[256];
	dp_test_env_up();
	cr_assert_eq(dp_test_commit(NULL, 0, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(neigh_set_permanent(POD_HOST, 0, pod_mac), 0);
	cr_assert_eq(neigh_set_permanent(VM_HOST, 1, vm_mac), 0);
	cr_assert_eq(dp_ifaces[1].mtu, MTU);
	for (unsigned i = 0; i < sizeof(sent); i++)
		sent[i] = (uint8_t)(i % 251);
}

TestSuite(ip4_frag, .init = setup);

static uint64_t counter(enum dp_counter_id id)
{
	return dp_counter_total(id);
}

/* An IPv4 datagram of total_len bytes (header of ihl bytes, options zeroed)
 * from the pod to the VM, the payload taken from sent[]; in two segments when
 * it does not fit one mbuf. */
static struct rte_mbuf *datagram(uint16_t total_len, uint16_t ihl, uint16_t frag_field)
{
	const uint16_t eth = sizeof(struct rte_ether_hdr), first_room = 1200;
	uint16_t payload = (uint16_t)(total_len - ihl), in_first = RTE_MIN(payload, first_room);
	struct rte_mbuf *m = dp_test_ip4(0, POD_HOST, VM_HOST, 64, IPPROTO_UDP, (uint16_t)(ihl - 20 + in_first));
	struct rte_ipv4_hdr *ip = dp_test_ip4_hdr(m);

	ip->version_ihl = (uint8_t)(0x40 | ihl / 4);
	ip->total_length = rte_cpu_to_be_16(total_len);
	ip->packet_id = RTE_BE16(0x4242);
	ip->fragment_offset = rte_cpu_to_be_16(frag_field);
	memcpy(rte_pktmbuf_mtod_offset(m, uint8_t *, eth + ihl), sent, in_first);
	if (payload > in_first) {
		struct rte_mbuf *tail = rte_pktmbuf_alloc(dp.pool);
		cr_assert_not_null(tail);
		uint8_t *p = (uint8_t *)rte_pktmbuf_append(tail, (uint16_t)(payload - in_first));
		cr_assert_not_null(p, "the rest fits a second segment");
		memcpy(p, sent + in_first, payload - in_first);
		cr_assert_eq(rte_pktmbuf_chain(m, tail), 0);
	}
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	return m;
}

/* Check the fragments queued on dp1 against a datagram of total_len bytes
 * with an ihl-byte header and returns how many there are. Each: Ethernet to
 * the VM, one direct mbuf of dp.pool, at most MTU bytes, a valid checksum, the
 * original ID, TTL spent once, payload a multiple of 8 but in the last, at the
 * offset where the previous one ended, MF on all but the last (unless the
 * datagram was itself a non-last fragment). Their payloads put together are
 * the original's. */
static unsigned check_fragments(uint16_t total_len, uint16_t ihl, uint16_t frag_field, uint8_t ttl)
{
	struct dp_tx_buffer *b = &w.tx[1];
	uint32_t at = (uint32_t)(frag_field & RTE_IPV4_HDR_OFFSET_MASK) * 8, start = at;
	bool mf_in = frag_field & RTE_IPV4_HDR_MF_FLAG;

	cr_assert_gt(b->n, 1, "%u packets on dp1", b->n);
	for (unsigned i = 0; i < b->n; i++) {
		struct rte_mbuf *f = b->pkts[i];
		const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(f, const struct rte_ether_hdr *);
		const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eh + 1);
		uint16_t hl = rte_ipv4_hdr_len(ip), len = rte_be_to_cpu_16(ip->total_length);
		uint16_t field = rte_be_to_cpu_16(ip->fragment_offset);
		bool last = i + 1 == b->n;

		cr_assert_eq(f->nb_segs, 1);
		cr_assert(RTE_MBUF_DIRECT(f) && rte_mbuf_refcnt_read(f) == 1 && f->pool == dp.pool,
			  "fit for MBUF_FAST_FREE");
		cr_assert_arr_eq(eh->dst_addr.addr_bytes, vm_mac, 6);
		cr_assert(rte_is_same_ether_addr(&eh->src_addr, &dp_ifaces[1].mac));
		cr_assert_eq(eh->ether_type, RTE_BE16(RTE_ETHER_TYPE_IPV4));
		cr_assert_eq(rte_pktmbuf_pkt_len(f), sizeof(*eh) + len, "no padding, no junk");
		cr_assert_leq(len, MTU, "fragment %u is %u bytes", i, len);
		cr_assert_eq(rte_raw_cksum(ip, hl), 0xffff, "fragment %u header checksum", i);
		cr_assert_eq(ip->packet_id, RTE_BE16(0x4242));
		cr_assert_eq(ip->time_to_live, ttl);
		cr_assert_eq(ip->src_addr, rte_cpu_to_be_32(POD_HOST));
		cr_assert_eq(ip->dst_addr, rte_cpu_to_be_32(VM_HOST));
		cr_assert_not(field & RTE_IPV4_HDR_DF_FLAG);
		cr_assert_eq((uint32_t)(field & RTE_IPV4_HDR_OFFSET_MASK) * 8, at, "fragment %u offset", i);
		cr_assert_eq(!!(field & RTE_IPV4_HDR_MF_FLAG), !last || mf_in, "fragment %u MF", i);
		if (!last)
			cr_assert_eq((len - hl) % 8, 0);
		memcpy(rebuilt + at - start, (const uint8_t *)ip + hl, len - hl);
		at += len - hl;
	}
	cr_assert_eq(at - start, (uint32_t)(total_len - ihl), "the fragments carry the whole payload");
	cr_assert_arr_eq(rebuilt, sent, total_len - ihl, "payload bytes");
	return b->n;
}

Test(ip4_frag, a_3000_byte_datagram_leaves_as_fragments_of_the_mtu)
{
	struct rte_mbuf *m = datagram(3000, 20, 0);
	unsigned free_before;

	cr_assert_eq(m->nb_segs, 2, "more than one mbuf holds");
	free_before = rte_mempool_avail_count(dp.pool);
	eth_input(&w, 0, &m, 1);
	cr_assert_eq(check_fragments(3000, 20, 0, 63), 3, "1480 + 1480 + 20 payload bytes");
	cr_assert_eq(rte_be_to_cpu_16(dp_test_ip4_hdr(w.tx[1].pkts[0])->total_length), 1500);
	cr_assert_eq(rte_be_to_cpu_16(dp_test_ip4_hdr(w.tx[1].pkts[2])->total_length), 40);
	cr_assert_eq(rte_mempool_avail_count(dp.pool), free_before + 2 - 3, "the datagram's two mbufs went back");
	cr_assert_eq(counter(DP_CNT_IP4_FRAGMENTED), 1);
	cr_assert_eq(counter(DP_CNT_IP4_FRAGMENTS_SENT), 3);
	cr_assert_eq(counter(DP_CNT_FORWARDED), 1);
	cr_assert_eq(counter(DP_CNT_DROP_IP4_MTU_EXCEEDED), 0);
}

Test(ip4_frag, with_df_the_sender_gets_fragmentation_needed_with_the_mtu)
{
	struct rte_mbuf *m = datagram(3000, 20, RTE_IPV4_HDR_DF_FLAG);
	unsigned free_before = rte_mempool_avail_count(dp.pool);

	cr_assert_eq(m->nb_segs, 2);
	eth_input(&w, 0, &m, 1);
	cr_assert_eq(w.tx[1].n, 0, "nothing goes out to the VM");
	cr_assert_eq(w.tx[0].n, 1);
	const struct rte_ipv4_hdr *ip = dp_test_ip4_hdr(w.tx[0].pkts[0]);
	const struct rte_icmp_hdr *icmp = (const struct rte_icmp_hdr *)(ip + 1);
	cr_assert_eq(rte_be_to_cpu_32(ip->dst_addr), POD_HOST);
	cr_assert_eq(icmp->icmp_type, ICMP_DEST_UNREACH);
	cr_assert_eq(icmp->icmp_code, ICMP_CODE_FRAG_NEEDED);
	cr_assert_eq(rte_be_to_cpu_16(icmp->icmp_seq_nb), MTU, "next-hop MTU (RFC 1191)");
	cr_assert_eq(rte_raw_cksum(icmp, rte_be_to_cpu_16(ip->total_length) - sizeof(*ip)), 0xffff);
	cr_assert_eq(rte_be_to_cpu_16(ip->total_length), 20 + 8 + 20 + 8, "quotes header + 8 bytes");
	cr_assert_eq(w.tx[0].pkts[0]->nb_segs, 1, "built in the first segment");
	cr_assert_eq(rte_mempool_avail_count(dp.pool), free_before + 1, "the second went back");
	cr_assert_eq(counter(DP_CNT_DROP_IP4_MTU_EXCEEDED), 1);
	cr_assert_eq(counter(DP_CNT_IP4_FRAGMENTED), 0);
}

Test(ip4_frag, a_fragment_is_fragmented_again_keeping_its_offset_and_mf)
{
	const uint16_t field = RTE_IPV4_HDR_MF_FLAG | 100; /* bytes 800.. of a larger datagram */
	struct rte_mbuf *m = datagram(1800, 20, field);

	eth_input(&w, 0, &m, 1);
	cr_assert_eq(check_fragments(1800, 20, field, 63), 2);
}

Test(ip4_frag, options_marked_copied_go_into_every_fragment)
{
	/* Router Alert (copied), then Record Route (first fragment only), then end of list. */
	static const uint8_t opts[12] = {0x94, 4, 0, 0, 0x07, 7, 4, 0, 0, 0, 0, 0};
	struct rte_mbuf *m = datagram(3000, 32, 0);

	memcpy(dp_test_ip4_hdr(m) + 1, opts, sizeof(opts));
	dp_test_ip4_hdr(m)->hdr_checksum = 0;
	dp_test_ip4_hdr(m)->hdr_checksum = rte_ipv4_cksum(dp_test_ip4_hdr(m));
	eth_input(&w, 0, &m, 1);
	/* check_fragments takes each fragment's own header length for its payload */
	struct dp_tx_buffer *b = &w.tx[1];
	cr_assert_eq(b->n, 3);
	cr_assert_eq(rte_ipv4_hdr_len(dp_test_ip4_hdr(b->pkts[0])), 32);
	for (unsigned i = 1; i < b->n; i++) {
		const struct rte_ipv4_hdr *ip = dp_test_ip4_hdr(b->pkts[i]);
		cr_assert_eq(rte_ipv4_hdr_len(ip), 24, "fragment %u: Router Alert only", i);
		cr_assert_arr_eq(ip + 1, opts, 4);
	}
	check_fragments(3000, 32, 0, 63);
}

Test(ip4_frag, trailing_bytes_after_the_datagram_are_not_sent)
{
	struct rte_mbuf *m = datagram(1600, 20, 0);

	memset(rte_pktmbuf_append(m, 10), 0xee, 10);
	eth_input(&w, 0, &m, 1);
	cr_assert_eq(check_fragments(1600, 20, 0, 63), 2);
}

Test(ip4_frag, datagrams_from_the_kernel_are_fragmented_too)
{
	struct dp_port *punt = &dp.ports[2];
	struct rte_mbuf *m = datagram(1700, 20, 0);
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);

	const struct rte_ether_addr punt_mac = {{0x02, 0, 0, 0, 0, 0x03}};
	punt->in_use = punt->is_punt = true;
	punt->n_txq = 1;
	iface_port_init(2, "brink0", &punt_mac, 1500);
	dp.punt_port = 2;
	eh->dst_addr = punt_mac;
	m->port = 2;
	punt_port_input(&w, &m, 1);
	cr_assert_eq(check_fragments(1700, 20, 0, 64), 2, "originated by the router: no TTL spent");
}

Test(ip4_frag, out_of_mbufs_the_datagram_is_dropped_and_counted)
{
	struct rte_mbuf *m = datagram(3000, 20, 0), *hog[4096];
	unsigned n_hog = 0;

	while (n_hog < RTE_DIM(hog) && (hog[n_hog] = rte_pktmbuf_alloc(dp.pool)))
		n_hog++;
	rte_pktmbuf_free(hog[--n_hog]); /* room for one fragment, not three */
	eth_input(&w, 0, &m, 1);
	cr_assert_eq(w.tx[1].n, 0);
	cr_assert_eq(counter(DP_CNT_DROP_IP4_FRAG_NO_MBUFS), 1);
	cr_assert_eq(counter(DP_CNT_IP4_FRAGMENTED), 0);
	rte_pktmbuf_free_bulk(hog, n_hog);
	cr_assert_eq(rte_mempool_avail_count(dp.pool), dp.pool->size, "every mbuf came back");
}
