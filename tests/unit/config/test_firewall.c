/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The firewall's configuration (VyOS 1.4 syntax): the items its model part
 * makes, and the checks that refuse a model, each with its path. */
#include <criterion/criterion.h>
#include <netinet/in.h>

#include "config/module.h"
#include "helpers.h"
#include "modules/firewall/firewall_msg.h"

/* The item of kind in set with number, which must be there. */
static const struct dp_fw_item *find(const struct brink_items *tab, uint8_t kind, const char *set, uint32_t number)
{
	const struct dp_fw_item *v = (const struct dp_fw_item *)tab->v;

	for (unsigned i = 0; i < tab->n; i++)
		if (v[i].kind == kind && strcmp(v[i].set, set) == 0 && v[i].number == number)
			return &v[i];
	cr_assert_fail("no item %u %s %u", kind, set, number);
	return NULL;
}

Test(firewall_config, named_sets_base_chains_and_the_state_policy_become_items)
{
	struct cfg_node *t = one_port("10.0.1.1/24");
	struct brink_model m;
	struct cfg_errors errs;

	SET(t, "firewall", "global-options", "state-policy", "established", "action", "accept");
	SET(t, "firewall", "global-options", "state-policy", "related", "action", "accept");
	SET(t, "firewall", "ipv4", "name", "WEB", "default-action", "reject");
	SET(t, "firewall", "ipv4", "name", "WEB", "rule", "10", "action", "accept");
	SET(t, "firewall", "ipv4", "name", "WEB", "rule", "10", "protocol", "tcp");
	SET(t, "firewall", "ipv4", "name", "WEB", "rule", "10", "destination", "port", "80,443,8000-8080");
	SET(t, "firewall", "ipv4", "name", "WEB", "rule", "10", "source", "address", "10.0.0.0/8");
	SET(t, "firewall", "ipv4", "name", "WEB", "rule", "10", "state", "new");
	SET(t, "firewall", "ipv4", "name", "WEB", "rule", "10", "log");
	SET(t, "firewall", "ipv4", "name", "WEB", "rule", "20", "action", "accept");
	SET(t, "firewall", "ipv4", "name", "WEB", "rule", "20", "protocol", "icmp");
	SET(t, "firewall", "ipv4", "name", "WEB", "rule", "20", "icmp", "type-name", "echo-request");
	SET(t, "firewall", "ipv4", "name", "WEB", "rule", "30", "action", "drop");
	SET(t, "firewall", "ipv4", "name", "WEB", "rule", "30", "disable");
	SET(t, "firewall", "ipv4", "forward", "filter", "default-action", "drop");
	SET(t, "firewall", "ipv4", "forward", "filter", "rule", "5", "action", "accept");
	SET(t, "firewall", "ipv4", "forward", "filter", "rule", "5", "state", "established,related");
	SET(t, "firewall", "ipv4", "forward", "filter", "rule", "10", "action", "jump");
	SET(t, "firewall", "ipv4", "forward", "filter", "rule", "10", "jump-target", "WEB");
	SET(t, "firewall", "ipv4", "forward", "filter", "rule", "10", "inbound-interface", "name", "dp0");
	SET(t, "firewall", "ipv4", "prerouting", "filter", "rule", "10", "action", "drop");
	SET(t, "firewall", "ipv4", "prerouting", "filter", "rule", "10", "destination", "address", "203.0.113.10");

	cr_assert_eq(brink_model_build(t, &m, &errs), 0, "%s", errs_text(&errs));
	const struct brink_items *tab = &m.tables[DP_TABLE_FIREWALL];
	const struct dp_fw_item *it[9] = {find(tab, FW_ITEM_POLICY, "", 0),
					  find(tab, FW_ITEM_SET, "WEB", 0),
					  find(tab, FW_ITEM_RULE, "WEB", 10),
					  find(tab, FW_ITEM_RULE, "WEB", 20),
					  find(tab, FW_ITEM_SET, "forward filter", 0),
					  find(tab, FW_ITEM_RULE, "forward filter", 5),
					  find(tab, FW_ITEM_RULE, "forward filter", 10),
					  find(tab, FW_ITEM_SET, "prerouting filter", 0),
					  find(tab, FW_ITEM_RULE, "prerouting filter", 10)};
	cr_assert_eq(tab->n, 9, "policy, WEB and 2 rules (30 is disabled), forward and 2, prerouting and 1");
	cr_assert_eq(it[0]->kind, FW_ITEM_POLICY);
	cr_assert_eq(it[0]->policy[FW_CT_ESTABLISHED], FW_ACT_ACCEPT);
	cr_assert_eq(it[0]->policy[FW_CT_RELATED], FW_ACT_ACCEPT);
	cr_assert_eq(it[0]->policy[FW_CT_INVALID], FW_ACT_NONE);
	cr_assert_eq(it[1]->kind, FW_ITEM_SET);
	cr_assert_str_eq(it[1]->set, "WEB");
	cr_assert_eq(it[1]->action, FW_ACT_REJECT);
	cr_assert_eq(it[1]->hook, FW_HOOK_NONE);
	cr_assert_eq(it[2]->number, 10);
	cr_assert_eq(it[2]->proto, IPPROTO_TCP);
	cr_assert_eq(it[2]->flags, FW_F_PROTO | FW_F_LOG);
	cr_assert_eq(it[2]->n_dports, 3);
	cr_assert_eq(it[2]->dports[2].lo, 8000);
	cr_assert_eq(it[2]->dports[2].hi, 8080);
	cr_assert_eq(it[2]->src, 0x0a000000);
	cr_assert_eq(it[2]->src_len, 8);
	cr_assert_eq(it[2]->states, FW_STATE_BIT(FW_CT_NEW));
	cr_assert_eq(it[3]->icmp_type, 8);
	cr_assert(it[3]->flags & FW_F_ICMP_TYPE);
	cr_assert_eq(it[4]->hook, FW_HOOK_FORWARD);
	cr_assert_eq(it[4]->action, FW_ACT_DROP);
	cr_assert_eq(it[5]->states, FW_STATE_BIT(FW_CT_ESTABLISHED) | FW_STATE_BIT(FW_CT_RELATED));
	cr_assert_eq(it[6]->action, FW_ACT_JUMP);
	cr_assert_str_eq(it[6]->target, "WEB");
	cr_assert_eq(strncmp(it[6]->in_iface, "dp0", DP_NAME_LEN), 0);
	cr_assert_eq(it[7]->hook, FW_HOOK_PREROUTING);
	cr_assert_eq(it[7]->action, FW_ACT_ACCEPT, "a base chain accepts by default");
	cr_assert_eq(it[8]->dst, 0xcb00710a);
	cr_assert_eq(it[8]->dst_len, 32);
	brink_model_free(&m);
	cfg_free(t);
}

Test(firewall_config, bad_rules_are_refused_with_their_path)
{
	struct cfg_node *t = one_port("10.0.1.1/24");
	SET(t, "firewall", "ipv4", "forward", "filter", "rule", "10", "action", "jump");
	SET(t, "firewall", "ipv4", "forward", "filter", "rule", "10", "jump-target", "NOPE");
	refused(t, "firewall ipv4 forward filter rule 10 jump-target", "no rule set 'firewall ipv4 name NOPE'");
	cfg_free(t);

	t = one_port("10.0.1.1/24");
	SET(t, "firewall", "ipv4", "name", "A", "rule", "10", "action", "jump");
	SET(t, "firewall", "ipv4", "name", "A", "rule", "10", "jump-target", "B");
	SET(t, "firewall", "ipv4", "name", "B", "rule", "10", "action", "jump");
	SET(t, "firewall", "ipv4", "name", "B", "rule", "10", "jump-target", "A");
	refused(t, "firewall ipv4 name A", "come back");
	cfg_free(t);

	t = one_port("10.0.1.1/24");
	SET(t, "firewall", "ipv4", "input", "filter", "rule", "10", "action", "drop");
	SET(t, "firewall", "ipv4", "input", "filter", "rule", "10", "protocol", "udp");
	SET(t, "firewall", "ipv4", "input", "filter", "rule", "10", "destination", "port", "90-80");
	refused(t, "firewall ipv4 input filter rule 10 destination port", "first port is above its last");
	cfg_free(t);

	t = one_port("10.0.1.1/24");
	SET(t, "firewall", "ipv4", "input", "filter", "rule", "10", "action", "drop");
	SET(t, "firewall", "ipv4", "input", "filter", "rule", "10", "protocol", "tcp");
	SET(t, "firewall", "ipv4", "input", "filter", "rule", "10", "source", "port",
	    "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17");
	refused(t, "firewall ipv4 input filter rule 10 source port",
		"more ports and ranges than the 16 a rule may have");
	cfg_free(t);

	t = one_port("10.0.1.1/24");
	SET(t, "firewall", "ipv4", "input", "filter", "rule", "10", "action", "drop");
	SET(t, "firewall", "ipv4", "input", "filter", "rule", "10", "protocol", "icmp");
	SET(t, "firewall", "ipv4", "input", "filter", "rule", "10", "destination", "port", "22");
	refused(t, "firewall ipv4 input filter rule 10 protocol", "ports need protocol tcp");
	cfg_free(t);

	t = one_port("10.0.1.1/24");
	SET(t, "firewall", "ipv4", "output", "filter", "rule", "10", "action", "drop");
	SET(t, "firewall", "ipv4", "output", "filter", "rule", "10", "state", "new,bogus");
	SET(t, "firewall", "ipv4", "output", "filter", "rule", "10", "source", "address", "10.0.0.1/8");
	refused(t, "firewall ipv4 output filter rule 10 state", "'bogus' is not new");
	refused(t, "firewall ipv4 output filter rule 10 source address", "not an IPv4 address or network prefix");
	cfg_free(t);
}
