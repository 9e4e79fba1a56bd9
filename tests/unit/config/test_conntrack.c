/* SPDX-License-Identifier: GPL-2.0-or-later */
/* "system conntrack": the schema, what reaches the dataplane (DP_TABLE_CT)
 * and the values refused. */
#include <criterion/criterion.h>

#include "config/module.h"
#include "helpers.h"
#include "modules/conntrack/conntrack_msg.h"

static void set(struct cfg_node *t, const char *line)
{
	char store[16][256];
	const char *argv[16];
	int argc = split_words(line, store, argv, 16);
	struct cfg_error err;

	cr_assert_eq(cfg_set(t, argc, argv, &err), 0, "%s: %s: %s", line, err.path, err.msg);
}

static struct cfg_node *base(void)
{
	struct cfg_node *t = cfg_new();

	set(t, "system dataplane worker 0 cpu 0");
	set(t, "interfaces dataplane dp0 device net_null0");
	return t;
}

static void set_fails(struct cfg_node *t, const char *line, const char *msg)
{
	char store[16][256];
	const char *argv[16];
	int argc = split_words(line, store, argv, 16);
	struct cfg_error err;

	cr_assert_eq(cfg_set(t, argc, argv, &err), -1, "%s accepted", line);
	cr_assert(strstr(err.msg, msg), "'%s' for '%s'", err.msg, msg);
}

/* The model's conntrack settings: false when it has none. */
static bool model_conf(const struct cfg_node *t, struct dp_ct_conf *c)
{
	struct brink_model m;
	struct cfg_errors errs;

	cr_assert_eq(brink_model_build(t, &m, &errs), 0, "%s", errs_text(&errs));
	const struct brink_items *items = &m.tables[DP_TABLE_CT];
	cr_assert_leq(items->n, 1);
	bool have = items->n == 1;
	if (have)
		memcpy(c, items->v, sizeof(*c));
	brink_model_free(&m);
	return have;
}

Test(config_conntrack, nothing_configured_sends_nothing)
{
	struct cfg_node *t = base();
	struct dp_ct_conf c;

	cr_assert_not(model_conf(t, &c));
	cfg_free(t);
}

Test(config_conntrack, settings_with_defaults_for_the_rest)
{
	struct cfg_node *t = base();
	struct dp_ct_conf c;
	static const uint32_t defaults[CT_TO_MAX] = CT_TIMEOUT_DEFAULTS;

	set(t, "system conntrack timeout tcp established 3600");
	cr_assert(model_conf(t, &c));
	cr_assert_eq(c.table_size, CT_DEFAULT_TABLE_SIZE);
	cr_assert_eq(c.timeout[CT_TO_TCP_ESTABLISHED], 3600);
	for (unsigned i = 0; i < CT_TO_MAX; i++)
		if (i != CT_TO_TCP_ESTABLISHED)
			cr_assert_eq(c.timeout[i], defaults[i], "timeout %u", i);

	set(t, "system conntrack table-size 65536");
	set(t, "system conntrack timeout tcp syn-sent 5");
	set(t, "system conntrack timeout tcp syn-recv 6");
	set(t, "system conntrack timeout tcp fin-wait 7");
	set(t, "system conntrack timeout tcp close-wait 8");
	set(t, "system conntrack timeout tcp last-ack 9");
	set(t, "system conntrack timeout tcp time-wait 10");
	set(t, "system conntrack timeout tcp close 11");
	set(t, "system conntrack timeout udp other 12");
	set(t, "system conntrack timeout udp stream 13");
	set(t, "system conntrack timeout icmp 14");
	set(t, "system conntrack timeout other 15");
	cr_assert(model_conf(t, &c));
	cr_assert_eq(c.table_size, 65536);
	static const struct {
		enum ct_timeout id;
		uint32_t v;
	} want[] = {
		{CT_TO_TCP_SYN_SENT, 5},   {CT_TO_TCP_SYN_RECV, 6}, {CT_TO_TCP_FIN_WAIT, 7},
		{CT_TO_TCP_CLOSE_WAIT, 8}, {CT_TO_TCP_LAST_ACK, 9}, {CT_TO_TCP_TIME_WAIT, 10},
		{CT_TO_TCP_CLOSE, 11},     {CT_TO_UDP_OTHER, 12},   {CT_TO_UDP_STREAM, 13},
		{CT_TO_ICMP, 14},          {CT_TO_OTHER, 15},       {CT_TO_TCP_ESTABLISHED, 3600},
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		cr_assert_eq(c.timeout[want[i].id], want[i].v, "timeout %u", want[i].id);
	cfg_free(t);
}

Test(config_conntrack, bad_values_are_refused_when_set)
{
	struct cfg_node *t = base();

	set_fails(t, "system conntrack table-size 8", "out of range 16-16777216");
	set_fails(t, "system conntrack table-size 16777217", "out of range 16-16777216");
	set_fails(t, "system conntrack table-size many", "is not a number");
	set_fails(t, "system conntrack timeout tcp established 0", "out of range 1-21474836");
	set_fails(t, "system conntrack timeout udp stream 21474837", "out of range 1-21474836");
	set_fails(t, "system conntrack timeout tcp closing 10", "closing");
	set_fails(t, "system conntrack timeout sctp 10", "sctp");
	cfg_free(t);
}
