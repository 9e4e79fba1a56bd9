/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef BRINK_DP_ARP_H
#define BRINK_DP_ARP_H

#include <stdint.h>

#include <rte_mbuf.h>

/* What a worker tells the main lcore about an ARP packet it saw. */
struct arp_event {
	uint8_t mac[6];
	uint8_t for_us; /* a request for one of our addresses: create the entry */
	uint8_t reserved;
	uint16_t iface; /* it came in on */
	uint16_t reserved2;
	uint32_t ip; /* sender protocol address, host order */
};

/* Build an ARP request for target_ip from (iface's MAC, sender_ip), to be
 * sent by iface (meta.out_iface); dst_mac NULL broadcasts, otherwise a
 * unicast probe. Returns NULL when out of mbufs. */
struct rte_mbuf *arp_build_request(uint16_t iface, uint32_t sender_ip, uint32_t target_ip, const uint8_t *dst_mac);

#endif
