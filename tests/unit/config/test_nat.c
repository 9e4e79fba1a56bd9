/* SPDX-License-Identifier: GPL-2.0-or-later */
/* NAT's configuration (VyOS 1.4 syntax): the items its model part makes,
 * and the checks that refuse a model, each with its path. */
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <string.h>

#include "config/module.h"
#include "helpers.h"
#include "modules/nat/nat_msg.h"

static const struct dp_nat_item *item(const struct brink_model *m, uint8_t kind, uint32_t number, unsigned nth)
{
	const struct brink_items *tab = &m->tables[DP_TABLE_NAT];
	const struct dp_nat_item *v = (const struct dp_nat_item *)tab->v;

	for (unsigned i = 0; i < tab->n; i++)
		if (v[i].kind == kind && v[i].number == number && nth-- == 0)
			return &v[i];
	cr_assert_fail("no NAT item %u %u", kind, number);
	return NULL;
}

Test(nat_config, source_destination_and_static_rules_become_items)
{
	struct cfg_node *t = two_ports();
	struct brink_model m;
	struct cfg_errors errs;
	uint32_t a;

	SET(t, "nat", "source", "rule", "100", "outbound-interface", "name", "dp1");
	SET(t, "nat", "source", "rule", "100", "source", "address", "172.30.0.0/16");
	SET(t, "nat", "source", "rule", "100", "translation", "address", "masquerade");
	SET(t, "nat", "source", "rule", "110", "protocol", "udp");
	SET(t, "nat", "source", "rule", "110", "translation", "address", "192.0.2.10-192.0.2.20");
	SET(t, "nat", "source", "rule", "110", "translation", "port", "40000-40999");
	SET(t, "nat", "source", "rule", "110", "translation", "options", "port-mapping", "random");
	SET(t, "nat", "source", "rule", "110", "translation", "options", "endpoint-mapping", "independent");
	SET(t, "nat", "destination", "rule", "10", "inbound-interface", "name", "dp1");
	SET(t, "nat", "destination", "rule", "10", "protocol", "tcp");
	SET(t, "nat", "destination", "rule", "10", "destination", "address", "203.0.113.10");
	SET(t, "nat", "destination", "rule", "10", "destination", "port", "80");
	SET(t, "nat", "destination", "rule", "10", "translation", "port", "8080");
	SET(t, "nat", "destination", "rule", "10", "load-balance", "backend", "172.30.1.11", "weight", "3");
	SET(t, "nat", "destination", "rule", "10", "load-balance", "backend", "172.30.1.12");
	SET(t, "nat", "destination", "rule", "10", "load-balance", "hash", "source-address");
	SET(t, "nat", "destination", "rule", "10", "load-balance", "hash", "destination-port");
	SET(t, "nat", "destination", "rule", "20", "destination", "address", "10.96.0.0/24");
	SET(t, "nat", "destination", "rule", "20", "translation", "address", "192.168.50.0/24");
	SET(t, "nat", "destination", "rule", "30", "translation", "address", "10.0.0.1");
	SET(t, "nat", "destination", "rule", "30", "disable");
	SET(t, "nat", "static", "rule", "5", "inbound-interface", "name", "dp1");
	SET(t, "nat", "static", "rule", "5", "destination", "address", "203.0.114.0/24");
	SET(t, "nat", "static", "rule", "5", "translation", "address", "172.30.1.0/24");

	cr_assert_eq(brink_model_build(t, &m, &errs), 0, "%s", errs_text(&errs));
	const struct dp_nat_item *s100 = item(&m, NAT_ITEM_SOURCE, 100, 0), *s110 = item(&m, NAT_ITEM_SOURCE, 110, 0);
	cr_assert_str_eq(s100->iface, "dp1");
	cr_assert(s100->flags & NAT_F_MASQUERADE);
	cr_assert(!(s100->flags & NAT_F_EIM), "endpoint-dependent unless asked");
	ip4_parse("172.30.0.0", &a);
	cr_assert(s100->src == a && s100->src_len == 16);
	cr_assert_eq(s110->proto, IPPROTO_UDP);
	ip4_parse("192.0.2.20", &a);
	cr_assert_eq(s110->addr_hi - s110->addr_lo, 10, "a range of 11 addresses");
	cr_assert_eq(s110->addr_hi, a);
	cr_assert(s110->port_lo == 40000 && s110->port_hi == 40999);
	cr_assert(s110->flags & NAT_F_PORT_RANDOM);
	cr_assert(s110->flags & NAT_F_EIM, "endpoint-independent mapping");

	const struct dp_nat_item *d10 = item(&m, NAT_ITEM_DESTINATION, 10, 0);
	cr_assert_eq(d10->hash, NAT_HASH_SRC_ADDR | NAT_HASH_DST_PORT);
	cr_assert(d10->n_dports == 1 && d10->dports[0].lo == 80 && d10->port_lo == 8080);
	const struct dp_nat_item *b0 = item(&m, NAT_ITEM_BACKEND, 10, 0), *b1 = item(&m, NAT_ITEM_BACKEND, 10, 1);
	ip4_parse("172.30.1.11", &a);
	cr_assert(b0->addr_lo == a && b0->weight == 3);
	cr_assert_eq(b1->weight, 1, "weight 1 by default");
	const struct dp_nat_item *d20 = item(&m, NAT_ITEM_DESTINATION, 20, 0);
	cr_assert(d20->flags & NAT_F_NETMAP);
	cr_assert_eq(d20->addr_len, 24);
	const struct dp_nat_item *s5 = item(&m, NAT_ITEM_STATIC, 5, 0);
	cr_assert(s5->flags & NAT_F_NETMAP && s5->dst_len == 24 && s5->addr_len == 24);
	const struct dp_nat_item *v = (const struct dp_nat_item *)m.tables[DP_TABLE_NAT].v;
	for (unsigned i = 0; i < m.tables[DP_TABLE_NAT].n; i++)
		cr_assert_neq(v[i].number, 30, "a disabled rule makes no item");
	brink_model_free(&m);
	cfg_free(t);
}

Test(nat_config, bad_rules_are_refused_with_their_path)
{
	struct cfg_node *t = two_ports();
	SET(t, "nat", "source", "rule", "1", "translation", "address", "masquerade");
	refused(t, "nat source rule 1", "masquerade needs an outbound-interface");
	cfg_free(t);

	t = two_ports();
	SET(t, "nat", "source", "rule", "1", "outbound-interface", "name", "dp7");
	SET(t, "nat", "source", "rule", "1", "translation", "address", "192.0.2.1");
	refused(t, "nat source rule 1 outbound-interface name", "no interface 'dp7'");
	cfg_free(t);

	t = two_ports();
	SET(t, "nat", "source", "rule", "1", "translation", "address", "192.0.2.9-192.0.2.1");
	refused(t, "nat source rule 1", "is not masquerade, an address, a range or a prefix");
	cfg_free(t);

	t = two_ports();
	SET(t, "nat", "destination", "rule", "1", "destination", "port", "80");
	SET(t, "nat", "destination", "rule", "1", "translation", "address", "10.0.0.1");
	refused(t, "nat destination rule 1", "ports need protocol tcp, udp or tcp_udp");
	cfg_free(t);

	t = two_ports();
	SET(t, "nat", "destination", "rule", "1", "protocol", "tcp");
	SET(t, "nat", "destination", "rule", "1", "translation", "port", "0");
	refused(t, "nat destination rule 1", "port 0");
	cfg_free(t);

	t = two_ports();
	SET(t, "nat", "destination", "rule", "1", "translation", "address", "10.0.0.1");
	SET(t, "nat", "destination", "rule", "1", "load-balance", "backend", "10.0.0.2");
	refused(t, "nat destination rule 1", "not both");
	cfg_free(t);

	t = two_ports();
	SET(t, "nat", "destination", "rule", "1", "load-balance", "backend", "10.0.0.2");
	SET(t, "nat", "destination", "rule", "1", "load-balance", "hash", "random");
	SET(t, "nat", "destination", "rule", "1", "load-balance", "hash", "source-address");
	refused(t, "nat destination rule 1", "stands alone");
	cfg_free(t);

	t = two_ports();
	SET(t, "nat", "static", "rule", "1", "inbound-interface", "name", "dp1");
	SET(t, "nat", "static", "rule", "1", "destination", "address", "203.0.114.0/24");
	SET(t, "nat", "static", "rule", "1", "translation", "address", "172.30.0.0/16");
	refused(t, "nat static rule 1", "differ in length");
	cfg_free(t);
}

Test(nat_config, an_endpoint_mapping_that_is_neither_is_refused_naming_both)
{
	struct cfg_node *t = two_ports();
	struct cfg_error err;
	const char *const bad[] = {"nat",     "source",           "rule",    "1", "translation",
				   "options", "endpoint-mapping", "sideways"};

	cr_assert_neq(cfg_set(t, (int)(sizeof(bad) / sizeof(bad[0])), bad, &err), 0, "'sideways' was taken");
	cr_assert(strstr(err.msg, "dependent") && strstr(err.msg, "independent"), "%s", err.msg);
	cfg_free(t);
}
