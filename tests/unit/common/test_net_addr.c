/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <criterion/criterion.h>

#include "common/net_addr.h"

Test(net_addr, parses_dotted_quads)
{
	uint32_t ip;
	cr_assert(ip4_parse("192.168.10.2", &ip));
	cr_assert_eq(ip, 0xc0a80a02);
	cr_assert(ip4_parse("0.0.0.0", &ip));
	cr_assert_eq(ip, 0);
}

Test(net_addr, rejects_malformed_addresses)
{
	uint32_t ip;
	const char *bad[] = {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.4 ", "01.2.3.4", "a.b.c.d", "1..2.3"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_not(ip4_parse(bad[i], &ip), "accepted '%s'", bad[i]);
}

Test(net_addr, prefixes_check_host_bits_when_asked)
{
	uint32_t ip;
	uint8_t len;
	cr_assert(prefix4_parse("172.30.1.1/24", true, &ip, &len));
	cr_assert_eq(len, 24);
	cr_assert_not(prefix4_parse("172.30.1.1/24", false, &ip, &len));
	cr_assert(prefix4_parse("10.20.0.0/16", false, &ip, &len));
	cr_assert_not(prefix4_parse("10.20.0.0/33", true, &ip, &len));
	cr_assert_not(prefix4_parse("10.20.0.0", true, &ip, &len));
	cr_assert(prefix4_parse("0.0.0.0/0", false, &ip, &len));
}

Test(net_addr, prefix_membership)
{
	cr_assert(prefix4_contains(0xac1e0101, 24, 0xac1e01fe));
	cr_assert_not(prefix4_contains(0xac1e0101, 24, 0xac1e0201));
	cr_assert(prefix4_contains(0, 0, 0x08080808), "the default route holds everything");
	cr_assert(prefix4_contains(0x0a000001, 32, 0x0a000001));
	cr_assert_not(prefix4_contains(0x0a000001, 32, 0x0a000002));
}

Test(net_addr, macs_round_trip)
{
	uint8_t mac[6];
	char buf[MAC_STR_LEN];
	cr_assert(mac_parse("02:AB:cd:00:11:ff", mac));
	cr_assert_str_eq(mac_fmt(mac, buf), "02:ab:cd:00:11:ff");
	cr_assert_not(mac_parse("02:ab:cd:00:11", mac));
	cr_assert_not(mac_parse("02-ab-cd-00-11-ff", mac));
	cr_assert_not(mac_parse("02:ab:cd:00:11:fg", mac));
}
