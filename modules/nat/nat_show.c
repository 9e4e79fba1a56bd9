/* SPDX-License-Identifier: GPL-2.0-or-later */
/* "show nat [source|destination|static] statistics": what each rule
 * translated and how often its addresses and ports ran out, with the
 * dataplane's nat.* counters; "show nat translations": the tracked
 * connections NAT changed, as each side sees them. */
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/net_addr.h"
#include "control/show.h"
#include "modules/conntrack/conntrack_msg.h"
#include "modules/nat/nat_msg.h"

static const char *const kind_names[] = {
	[NAT_ITEM_SOURCE] = "source", [NAT_ITEM_DESTINATION] = "destination", [NAT_ITEM_STATIC] = "static"};

static int show_kind_stats(struct cli_session *s, struct cli_reply *r, uint8_t only)
{
	struct dp_nat_counter *v;
	struct dp_counter *c;
	size_t n, nc;
	int rc;

	if ((rc = show_dump(s->d, DP_MSG_NAT_DUMP, sizeof(*v), (void **)&v, &n, r)) < 0)
		return rc;
	if (r->json)
		r->result = json_pack("{s:[]}", "rules");
	else
		sbuf_printf(r->out, "%-12s %-8s %-14s %s\n", "Kind", "Rule", "Connections", "Exhausted");
	for (size_t i = 0; i < n; i++) {
		uint8_t k = v[i].kind;
		if ((only && k != only) || k < NAT_ITEM_SOURCE || k > NAT_ITEM_STATIC)
			continue;
		if (r->json)
			json_array_append_new(json_object_get(r->result, "rules"),
					      json_pack("{s:s, s:I, s:I, s:I}", "kind", kind_names[k], "rule",
							(json_int_t)v[i].number, "connections",
							(json_int_t)v[i].connections, "exhausted",
							(json_int_t)v[i].exhausted));
		else
			sbuf_printf(r->out, "%-12s %-8" PRIu32 " %-14" PRIu64 " %" PRIu64 "\n", kind_names[k],
				    v[i].number, v[i].connections, v[i].exhausted);
	}
	free(v);
	if (only)
		return 0;
	if ((rc = show_dump(s->d, DP_MSG_STATS_DUMP, sizeof(*c), (void **)&c, &nc, r)) < 0)
		return rc;
	if (r->json)
		json_object_set_new(r->result, "counters", json_object());
	else
		sbuf_add(r->out, "\n");
	for (size_t i = 0; i < nc; i++) {
		char name[DP_COUNTER_NAME_LEN + 1];
		snprintf(name, sizeof(name), "%.*s", DP_COUNTER_NAME_LEN, c[i].name);
		if (strncmp(name, "nat.", 4) && strncmp(name, "drop.nat.", 9))
			continue;
		if (r->json)
			json_object_set_new(json_object_get(r->result, "counters"), name,
					    json_integer((json_int_t)c[i].value));
		else
			sbuf_printf(r->out, "%-32s %" PRIu64 "\n", name, c[i].value);
	}
	free(c);
	return 0;
}

static int show_stats(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	(void)argc;
	(void)argv;
	return show_kind_stats(s, r, 0);
}

static int show_source(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	(void)argc;
	(void)argv;
	return show_kind_stats(s, r, NAT_ITEM_SOURCE);
}

static int show_destination(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	(void)argc;
	(void)argv;
	return show_kind_stats(s, r, NAT_ITEM_DESTINATION);
}

static int show_static(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	(void)argc;
	(void)argv;
	return show_kind_stats(s, r, NAT_ITEM_STATIC);
}

static bool translated(const struct dp_ct_info *e)
{
	const struct dp_ct_tuple *o = &e->orig, *p = &e->reply;

	if (o->src != p->dst || o->dst != p->src)
		return true;
	if (o->proto == IPPROTO_ICMP)
		return o->sport != p->sport;
	return o->sport != p->dport || o->dport != p->sport;
}

static void endpoint(char *out, size_t len, uint32_t ip, uint16_t port, uint8_t proto)
{
	char a[IP4_STR_LEN];

	if (proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == IPPROTO_ICMP)
		snprintf(out, len, "%s:%u", ip4_fmt(ip, a), port);
	else
		snprintf(out, len, "%s", ip4_fmt(ip, a));
}

/* Each side of a translated connection: what its first packet was, and
 * what it became (the inverse of the reply's tuple). */
static int show_translations(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	struct dp_ct_info *v;
	size_t n;
	int rc;

	(void)argc;
	(void)argv;
	if ((rc = show_dump(s->d, DP_MSG_CT_DUMP, sizeof(*v), (void **)&v, &n, r)) < 0)
		return rc;
	if (r->json)
		r->result = json_array();
	else
		sbuf_printf(r->out, "%-5s %-22s %-22s %-22s %s\n", "Proto", "Source", "Destination", "Source now",
			    "Destination now");
	for (size_t i = 0; i < n; i++) {
		const struct dp_ct_tuple *o = &v[i].orig, *p = &v[i].reply;
		bool icmp = o->proto == IPPROTO_ICMP;
		char col[4][32], pn[8];
		if (!translated(&v[i]))
			continue;
		endpoint(col[0], sizeof(col[0]), o->src, o->sport, o->proto);
		endpoint(col[1], sizeof(col[1]), o->dst, icmp ? o->sport : o->dport, o->proto);
		endpoint(col[2], sizeof(col[2]), p->dst, icmp ? p->sport : p->dport, o->proto);
		endpoint(col[3], sizeof(col[3]), p->src, p->sport, o->proto);
		snprintf(pn, sizeof(pn), "%s",
			 o->proto == IPPROTO_TCP   ? "tcp"
			 : o->proto == IPPROTO_UDP ? "udp"
			 : icmp                    ? "icmp"
						   : "ip");
		if (r->json)
			json_array_append_new(r->result,
					      json_pack("{s:s, s:s, s:s, s:s, s:s}", "protocol", pn, "source", col[0],
							"destination", col[1], "translated_source", col[2],
							"translated_destination", col[3]));
		else
			sbuf_printf(r->out, "%-5s %-22s %-22s %-22s %s\n", pn, col[0], col[1], col[2], col[3]);
	}
	free(v);
	return 0;
}

static const struct cli_cmd nat_cmds[] = {
	{.path = "show nat statistics",
	 .help = "Connections each NAT rule translated, ports run out, and NAT's counters",
	 .modes = CLI_OPER,
	 .fn = show_stats},
	{.path = "show nat source statistics",
	 .help = "Connections each source rule translated, and how often its ports ran out",
	 .modes = CLI_OPER,
	 .fn = show_source},
	{.path = "show nat destination statistics",
	 .help = "Connections each destination rule translated",
	 .modes = CLI_OPER,
	 .fn = show_destination},
	{.path = "show nat static statistics",
	 .help = "Connections each static rule translated",
	 .modes = CLI_OPER,
	 .fn = show_static},
	{.path = "show nat translations",
	 .help = "Translated connections: their original source and destination and what they became",
	 .modes = CLI_OPER,
	 .fn = show_translations},
};

void nat_control_init(void)
{
	cli_register(nat_cmds, sizeof(nat_cmds) / sizeof(nat_cmds[0]));
}
