/* SPDX-License-Identifier: GPL-2.0-or-later */
/* "show firewall", "show firewall name X", "show firewall ipv4 forward|
 * input|output|prerouting filter" and "clear firewall counters": every rule
 * set, where it runs, its default action and each rule's packets and bytes,
 * from the dataplane's dump (modules/firewall/firewall_msg.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/show.h"
#include "modules/firewall/firewall_msg.h"

static const char *const hook_names[FW_HOOK_MAX] = {
	[FW_HOOK_NONE] = "name",   [FW_HOOK_PREROUTING] = "prerouting", [FW_HOOK_FORWARD] = "forward",
	[FW_HOOK_INPUT] = "input", [FW_HOOK_OUTPUT] = "output",
};

static const char *const action_names[FW_ACT_MAX] = {
	[FW_ACT_NONE] = "none",     [FW_ACT_ACCEPT] = "accept", [FW_ACT_DROP] = "drop",
	[FW_ACT_REJECT] = "reject", [FW_ACT_JUMP] = "jump",     [FW_ACT_RETURN] = "return",
};

static const char *hook_name(uint8_t h)
{
	return h < FW_HOOK_MAX ? hook_names[h] : "unknown";
}

static const char *action_name(uint8_t a)
{
	return a < FW_ACT_MAX ? action_names[a] : "unknown";
}

/* The configuration path of a set: "ipv4 name WEB" or "ipv4 forward filter". */
static void set_path(char *out, size_t len, const struct dp_fw_counter *c)
{
	if (c->hook == FW_HOOK_NONE)
		snprintf(out, len, "ipv4 name %.*s", FW_NAME_LEN, c->set);
	else
		snprintf(out, len, "ipv4 %.*s", FW_NAME_LEN, c->set);
}

static json_t *set_json(const struct dp_fw_counter *c)
{
	char name[FW_NAME_LEN + 1];

	snprintf(name, sizeof(name), "%.*s", FW_NAME_LEN, c->set);
	return json_pack("{s:s, s:s, s:s, s:I, s:I, s:[]}", "name", name, "hook", hook_name(c->hook), "default_action",
			 action_name(c->action), "default_packets", (json_int_t)c->packets, "default_bytes",
			 (json_int_t)c->bytes, "rules");
}

static json_t *rule_json(const struct dp_fw_counter *c)
{
	return json_pack("{s:I, s:s, s:I, s:I}", "number", (json_int_t)c->number, "action", action_name(c->action),
			 "packets", (json_int_t)c->packets, "bytes", (json_int_t)c->bytes);
}

static void set_text(struct sbuf *out, const struct dp_fw_counter *c)
{
	char path[FW_NAME_LEN + 16];

	set_path(path, sizeof(path), c);
	sbuf_printf(out, "\nRule set: %s (%s)\n", path, c->hook == FW_HOOK_NONE ? "jumped to" : hook_name(c->hook));
	sbuf_printf(out, "  %-8s %-8s %20s %20s\n", "Rule", "Action", "Packets", "Bytes");
}

static void rule_text(struct sbuf *out, const struct dp_fw_counter *c)
{
	char number[16];

	if (c->number)
		snprintf(number, sizeof(number), "%" PRIu32, c->number);
	else
		snprintf(number, sizeof(number), "default");
	sbuf_printf(out, "  %-8s %-8s %20" PRIu64 " %20" PRIu64 "\n", number, action_name(c->action), c->packets,
		    c->bytes);
}

/* The dump of one set (set "", all of them), as text or JSON: the default
 * action's line comes first in the dump (number 0) and last in the text. */
static int show_sets(struct cli_session *s, const char *set, struct cli_reply *r)
{
	struct dp_fw_dump_req q = {0};
	struct dp_fw_counter *v;
	json_t *rules = NULL;
	char err[512];
	size_t n;
	int rc;

	if (strlen(set) >= FW_NAME_LEN) {
		sbuf_printf(r->out, "show firewall: '%s' is longer than a rule set's name can be\n", set);
		return -EINVAL;
	}
	memcpy(q.set, set, strlen(set));
	if ((rc = dpc_request(&s->d->dp, DP_MSG_FW_DUMP, &q, sizeof(q), sizeof(*v), (void **)&v, &n, err,
			      sizeof(err))) < 0) {
		sbuf_printf(r->out, "%s\n", err);
		return rc;
	}
	if (r->json)
		r->result = json_array();
	for (size_t i = 0; i < n; i++) {
		bool last_of_set = i + 1 == n || v[i + 1].number == 0;
		if (r->json) {
			if (v[i].number == 0) {
				json_t *o = set_json(&v[i]);
				rules = json_object_get(o, "rules");
				json_array_append_new(r->result, o);
			} else {
				json_array_append_new(rules, rule_json(&v[i]));
			}
			continue;
		}
		if (v[i].number == 0) {
			set_text(r->out, &v[i]);
			if (last_of_set)
				rule_text(r->out, &v[i]);
			continue;
		}
		rule_text(r->out, &v[i]);
		if (last_of_set) {
			size_t k = i;
			while (v[k].number != 0)
				k--;
			rule_text(r->out, &v[k]);
		}
	}
	if (!r->json && n == 0)
		sbuf_printf(r->out, "No firewall rule sets\n");
	free(v);
	return 0;
}

static int show_all(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	(void)argc;
	(void)argv;
	return show_sets(s, "", r);
}

static const struct cli_param name_param[] = {
	{.value = "<name>", .help = "The rule set \"firewall ipv4 name\" names"},
	{0},
};

static int show_name(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	struct cli_values val;
	int rc;

	if ((rc = cli_parse("show firewall name", name_param, argc, argv, &val, r)) < 0)
		return rc;
	return show_sets(s, val.value[0], r);
}

#define BASE_CHAIN_SHOW(hook)                                                                     \
	static int show_##hook(struct cli_session *s, int argc, char **argv, struct cli_reply *r) \
	{                                                                                         \
		(void)argc;                                                                       \
		(void)argv;                                                                       \
		return show_sets(s, #hook " filter", r);                                          \
	}
BASE_CHAIN_SHOW(prerouting)
BASE_CHAIN_SHOW(forward)
BASE_CHAIN_SHOW(input)
BASE_CHAIN_SHOW(output)

static int clear_counters(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	char err[512];
	int rc;

	(void)argc;
	(void)argv;
	if ((rc = dpc_call(&s->d->dp, DP_MSG_FW_CLEAR, NULL, 0, err, sizeof(err))) < 0) {
		sbuf_printf(r->out, "%s\n", err);
		return rc;
	}
	if (r->json)
		r->result = json_pack("{s:b}", "cleared", 1);
	else
		sbuf_printf(r->out, "Firewall counters cleared\n");
	return 0;
}

#define BASE_CHAIN_CMD(hook)                                                                                     \
	{                                                                                                        \
		.path = "show firewall ipv4 " #hook " filter",                                                   \
		.help = "The " #hook " base chain: rules, default action, packets and bytes", .modes = CLI_OPER, \
		.fn = show_##hook                                                                                \
	}

static const struct cli_cmd firewall_cmds[] = {
	{.path = "show firewall",
	 .help = "Firewall rule sets: where each runs, its rules' and default action's packets and bytes",
	 .modes = CLI_OPER,
	 .fn = show_all},
	{.path = "show firewall name",
	 .help = "One named rule set",
	 .modes = CLI_OPER,
	 .fn = show_name,
	 .args = CLI_ARGS_PARAMS,
	 .params = name_param},
	{.path = "show firewall ipv4", .help = "IPv4 base chains", .modes = CLI_OPER},
	{.path = "show firewall ipv4 prerouting", .help = "Before routing and DNAT", .modes = CLI_OPER},
	{.path = "show firewall ipv4 forward", .help = "Forwarded traffic", .modes = CLI_OPER},
	{.path = "show firewall ipv4 input", .help = "Traffic to the router", .modes = CLI_OPER},
	{.path = "show firewall ipv4 output", .help = "Traffic from the router", .modes = CLI_OPER},
	BASE_CHAIN_CMD(prerouting),
	BASE_CHAIN_CMD(forward),
	BASE_CHAIN_CMD(input),
	BASE_CHAIN_CMD(output),
	{.path = "clear firewall", .help = "Firewall state", .modes = CLI_OPER},
	{.path = "clear firewall counters",
	 .help = "Zero every rule's packet and byte counters",
	 .modes = CLI_OPER,
	 .fn = clear_counters},
};

void firewall_control_init(void)
{
	cli_register(firewall_cmds, sizeof(firewall_cmds) / sizeof(firewall_cmds[0]));
}
