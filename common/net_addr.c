/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "common/net_addr.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* Parses a decimal number of at most max_digits digits at *s, advancing it. */
static bool parse_dec(const char **s, unsigned max_value, unsigned *out)
{
	const char *p = *s;
	unsigned v = 0;

	if (!isdigit((unsigned char)*p))
		return false;
	if (p[0] == '0' && isdigit((unsigned char)p[1]))
		return false;
	while (isdigit((unsigned char)*p)) {
		v = v * 10 + (unsigned)(*p - '0');
		if (v > max_value)
			return false;
		p++;
	}
	*s = p;
	*out = v;
	return true;
}

static bool ip4_parse_prefix_of(const char **s, uint32_t *ip)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++) {
		unsigned octet;
		if (i > 0 && *(*s)++ != '.')
			return false;
		if (!parse_dec(s, 255, &octet))
			return false;
		v = v << 8 | octet;
	}
	*ip = v;
	return true;
}

bool ip4_parse(const char *s, uint32_t *ip)
{
	uint32_t v;

	if (!s || !ip4_parse_prefix_of(&s, &v) || *s != '\0')
		return false;
	*ip = v;
	return true;
}

bool prefix4_parse(const char *s, bool host_bits_ok, uint32_t *ip, uint8_t *len)
{
	uint32_t v;
	unsigned l;

	if (!s || !ip4_parse_prefix_of(&s, &v) || *s++ != '/')
		return false;
	if (!parse_dec(&s, 32, &l) || *s != '\0')
		return false;
	if (!host_bits_ok && (v & ~prefix4_mask((uint8_t)l)))
		return false;
	*ip = v;
	*len = (uint8_t)l;
	return true;
}

bool mac_parse(const char *s, uint8_t mac[6])
{
	unsigned b[6];
	int n = 0;

	if (!s || strlen(s) != 17)
		return false;
	for (int i = 0; i < 17; i++) {
		if (i % 3 == 2 ? s[i] != ':' : !isxdigit((unsigned char)s[i]))
			return false;
	}
	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%n", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &n) != 6 || n != 17)
		return false;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return true;
}

const char *ip4_fmt(uint32_t ip, char buf[IP4_STR_LEN])
{
	snprintf(buf, IP4_STR_LEN, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xff, (ip >> 8) & 0xff, ip & 0xff);
	return buf;
}

const char *prefix4_fmt(uint32_t ip, uint8_t len, char buf[PREFIX4_STR_LEN])
{
	snprintf(buf, PREFIX4_STR_LEN, "%u.%u.%u.%u/%u", ip >> 24, (ip >> 16) & 0xff, (ip >> 8) & 0xff, ip & 0xff,
		 (unsigned)(len & 63));
	return buf;
}

const char *mac_fmt(const uint8_t mac[6], char buf[MAC_STR_LEN])
{
	snprintf(buf, MAC_STR_LEN, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	return buf;
}

static const struct ip4_special_block special_blocks[] = {
	{0x00000000, 8, "\"this network\" (0.0.0.0/8)"},
	{0x7f000000, 8, "loopback (127.0.0.0/8)"},
	{0xe0000000, 4, "multicast (224.0.0.0/4)"},
	{0xf0000000, 4, "reserved (240.0.0.0/4)"},
};

const struct ip4_special_block *ip4_special(uint32_t ip)
{
	return prefix4_special(ip, 32);
}

const struct ip4_special_block *prefix4_special(uint32_t net, uint8_t len)
{
	for (size_t i = 0; i < sizeof(special_blocks) / sizeof(special_blocks[0]); i++) {
		const struct ip4_special_block *b = &special_blocks[i];
		if (len >= b->len && prefix4_contains(b->net, b->len, net))
			return b;
	}
	return NULL;
}

bool ip4_or_prefix_parse(const char *s, uint32_t *ip, uint8_t *len)
{
	if (s && !strchr(s, '/')) {
		*len = 32;
		return ip4_parse(s, ip);
	}
	return prefix4_parse(s, false, ip, len);
}

const char port_ranges_too_many[] = "more ports and ranges than a rule may have";

const char *port_ranges_parse(const char *s, struct port_range *r, unsigned max, uint8_t *n)
{
	const char *p = s;
	*n = 0;
	while (*p) {
		unsigned lo, hi;
		if (!parse_dec(&p, 65535, &lo))
			return "a port is a number from 0 to 65535";
		hi = lo;
		if (*p == '-') {
			p++;
			if (!parse_dec(&p, 65535, &hi))
				return "a port is a number from 0 to 65535";
			if (lo > hi)
				return "a range's first port is above its last";
		}
		if (*n == max)
			return port_ranges_too_many;
		r[(*n)++] = (struct port_range){(uint16_t)lo, (uint16_t)hi};
		if (*p == ',' && p[1])
			p++;
		else if (*p)
			return "ports are numbers or ranges separated by commas";
	}
	return *n ? NULL : "no port given";
}
