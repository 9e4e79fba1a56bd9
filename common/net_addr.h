/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Text forms of IPv4 addresses, prefixes and MAC addresses. Addresses are host order. */
#ifndef BRINK_NET_ADDR_H
#define BRINK_NET_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IP4_STR_LEN 16
#define PREFIX4_STR_LEN 19
#define MAC_STR_LEN 18

/* Strict dotted quad: four decimal octets, no leading zeros beyond "0", nothing after. */
bool ip4_parse(const char *s, uint32_t *ip);
/* "a.b.c.d/len" with len 0..32. host_bits_ok=false rejects bits set past the length. */
bool prefix4_parse(const char *s, bool host_bits_ok, uint32_t *ip, uint8_t *len);
/* "aa:bb:cc:dd:ee:ff", case-insensitive. */
bool mac_parse(const char *s, uint8_t mac[6]);

const char *ip4_fmt(uint32_t ip, char buf[IP4_STR_LEN]);
const char *prefix4_fmt(uint32_t ip, uint8_t len, char buf[PREFIX4_STR_LEN]);
const char *mac_fmt(const uint8_t mac[6], char buf[MAC_STR_LEN]);

static inline uint32_t prefix4_mask(uint8_t len)
{
	return len ? ~0u << (32 - len) : 0;
}
/* Is ip inside the prefix net/len (net may carry host bits, as an interface address does)? */
static inline bool prefix4_contains(uint32_t net, uint8_t len, uint32_t ip)
{
	return ((net ^ ip) & prefix4_mask(len)) == 0;
}

/* An address ("a.b.c.d", as /32) or a network prefix ("a.b.c.d/len", host bits zero). */
bool ip4_or_prefix_parse(const char *s, uint32_t *ip, uint8_t *len);

/* Inclusive range of TCP/UDP ports. */
struct port_range {
	uint16_t lo, hi;
};

/* "80,443,8000-8080" into at most max ranges r, their count in *n: NULL,
 * or what is wrong. */
const char *port_ranges_parse(const char *s, struct port_range *r, unsigned max, uint8_t *n);
/* What port_ranges_parse returns for more than max ranges, to be told apart
 * by a caller that words that with its limit. */
extern const char port_ranges_too_many[];

/* The blocks of IPv4 space that no interface, gateway or unicast route may
 * use: "this network" 0.0.0.0/8 (RFC 1122 3.2.1.3), loopback 127.0.0.0/8,
 * multicast 224.0.0.0/4 (RFC 5771) and the reserved 240.0.0.0/4 with the
 * limited broadcast. */
struct ip4_special_block {
	uint32_t net;
	uint8_t len;
	const char *what; /* "loopback (127.0.0.0/8)", ... */
};

/* The special block that holds ip, or NULL. */
const struct ip4_special_block *ip4_special(uint32_t ip);
/* The special block that holds all of net/len (so 0.0.0.0/0 is not in one), or NULL. */
const struct ip4_special_block *prefix4_special(uint32_t net, uint8_t len);

#endif
