/* SPDX-License-Identifier: GPL-2.0-or-later */
/* "show conntrack [source A] [destination A] [protocol P] [port N]", "show
 * conntrack statistics" and "clear conntrack": the dataplane's connections
 * (modules/conntrack/conntrack_msg.h), filtered where they are, and its
 * ct.* counters. */
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/net_addr.h"
#include "control/show.h"
#include "modules/conntrack/conntrack_msg.h"

static const char *const tcp_names[CT_TCP_MAX] = {
	[CT_TCP_NONE] = "none",         [CT_TCP_SYN_SENT] = "syn-sent",
	[CT_TCP_SYN_RECV] = "syn-recv", [CT_TCP_ESTABLISHED] = "established",
	[CT_TCP_FIN_WAIT] = "fin-wait", [CT_TCP_CLOSE_WAIT] = "close-wait",
	[CT_TCP_LAST_ACK] = "last-ack", [CT_TCP_TIME_WAIT] = "time-wait",
	[CT_TCP_CLOSE] = "close",
};

static const char *proto_name(uint8_t p, char buf[8])
{
	switch (p) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_ICMP:
		return "icmp";
	}
	snprintf(buf, 8, "%u", p);
	return buf;
}

static const char *state_name(const struct dp_ct_info *e)
{
	if (e->orig.proto == IPPROTO_TCP)
		return e->tcp_state < CT_TCP_MAX ? tcp_names[e->tcp_state] : "unknown";
	return (e->flags & DP_CT_F_SEEN_REPLY) ? "replied" : "unreplied";
}

static bool has_ports(uint8_t proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP;
}

/* "A:p -> B:q", "A -> B id N" (ICMP echo) or "A -> B". */
static void tuple_text(char *out, size_t len, const struct dp_ct_tuple *t)
{
	char a[IP4_STR_LEN], b[IP4_STR_LEN];

	ip4_fmt(t->src, a);
	ip4_fmt(t->dst, b);
	if (has_ports(t->proto))
		snprintf(out, len, "%s:%u -> %s:%u", a, t->sport, b, t->dport);
	else if (t->proto == IPPROTO_ICMP)
		snprintf(out, len, "%s -> %s id %u", a, b, t->sport);
	else
		snprintf(out, len, "%s -> %s", a, b);
}

static json_t *tuple_json(const struct dp_ct_tuple *t)
{
	char a[IP4_STR_LEN], b[IP4_STR_LEN];
	json_t *o = json_pack("{s:s, s:s}", "source", ip4_fmt(t->src, a), "destination", ip4_fmt(t->dst, b));

	if (has_ports(t->proto)) {
		json_object_set_new(o, "source_port", json_integer(t->sport));
		json_object_set_new(o, "destination_port", json_integer(t->dport));
	} else if (t->proto == IPPROTO_ICMP) {
		json_object_set_new(o, "id", json_integer(t->sport));
	}
	return o;
}

static json_t *conn_json(const struct dp_ct_info *e)
{
	char p[8];

	return json_pack("{s:s, s:s, s:o, s:o, s:I, s:b}", "protocol", proto_name(e->orig.proto, p), "state",
			 state_name(e), "original", tuple_json(&e->orig), "reply", tuple_json(&e->reply), "timeout_s",
			 (json_int_t)e->timeout_left, "assured", (e->flags & DP_CT_F_ASSURED) != 0);
}

static const struct cli_param filter_params[] = {
	{.word = "source", .value = "<x.x.x.x>", .help = "Only connections from this address"},
	{.word = "destination", .value = "<x.x.x.x>", .help = "Only connections to this address"},
	{.word = "protocol", .value = "<tcp|udp|icmp|0-255>", .help = "Only connections of this protocol"},
	{.word = "port", .value = "<1-65535>", .help = "Only connections from or to this port"},
	{0},
};

static int parse_filter(const struct cli_values *v, struct dp_ct_dump_req *f, struct cli_reply *r)
{
	long n;

	*f = (struct dp_ct_dump_req){0};
	if (v->value[0]) {
		if (!ip4_parse(v->value[0], &f->source)) {
			sbuf_printf(r->out, "show conntrack: '%s' is not an IPv4 address\n", v->value[0]);
			return -EINVAL;
		}
		f->flags |= DP_CT_DUMP_F_SOURCE;
	}
	if (v->value[1]) {
		if (!ip4_parse(v->value[1], &f->destination)) {
			sbuf_printf(r->out, "show conntrack: '%s' is not an IPv4 address\n", v->value[1]);
			return -EINVAL;
		}
		f->flags |= DP_CT_DUMP_F_DESTINATION;
	}
	if (v->value[2]) {
		const char *p = v->value[2];
		if (strcmp(p, "tcp") == 0)
			n = IPPROTO_TCP;
		else if (strcmp(p, "udp") == 0)
			n = IPPROTO_UDP;
		else if (strcmp(p, "icmp") == 0)
			n = IPPROTO_ICMP;
		else if (!cli_number("show conntrack protocol", p, 0, 255, &n, r))
			return -EINVAL;
		f->protocol = (uint8_t)n;
		f->flags |= DP_CT_DUMP_F_PROTOCOL;
	}
	if (v->value[3]) {
		if (!cli_number("show conntrack port", v->value[3], 1, 65535, &n, r))
			return -EINVAL;
		f->port = (uint16_t)n;
		f->flags |= DP_CT_DUMP_F_PORT;
	}
	return 0;
}

static int conn_cmp(const void *a, const void *b)
{
	const struct dp_ct_tuple *x = &((const struct dp_ct_info *)a)->orig, *y = &((const struct dp_ct_info *)b)->orig;

	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	if (x->src != y->src)
		return x->src < y->src ? -1 : 1;
	if (x->dst != y->dst)
		return x->dst < y->dst ? -1 : 1;
	if (x->sport != y->sport)
		return x->sport < y->sport ? -1 : 1;
	return (x->dport > y->dport) - (x->dport < y->dport);
}

static int show_conns(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	struct dp_ct_dump_req f;
	struct dp_ct_info *v;
	struct cli_values val;
	char err[512];
	size_t n;
	int rc;

	if ((rc = cli_parse("show conntrack", filter_params, argc, argv, &val, r)) < 0 ||
	    (rc = parse_filter(&val, &f, r)) < 0)
		return rc;
	if ((rc = dpc_request(&s->d->dp, DP_MSG_CT_DUMP, &f, sizeof(f), sizeof(*v), (void **)&v, &n, err,
			      sizeof(err))) < 0) {
		sbuf_printf(r->out, "%s\n", err);
		return rc;
	}
	if (n)
		qsort(v, n, sizeof(*v), conn_cmp);
	if (r->json)
		r->result = json_array();
	else
		sbuf_printf(r->out, "%-5s %-12s %-45s %-45s %s\n", "Proto", "State", "Original", "Reply", "Timeout(s)");
	for (size_t i = 0; i < n; i++) {
		char p[8], o[64], rep[64];
		if (r->json) {
			json_array_append_new(r->result, conn_json(&v[i]));
			continue;
		}
		tuple_text(o, sizeof(o), &v[i].orig);
		tuple_text(rep, sizeof(rep), &v[i].reply);
		sbuf_printf(r->out, "%-5s %-12s %-45s %-45s %u\n", proto_name(v[i].orig.proto, p), state_name(&v[i]), o,
			    rep, v[i].timeout_left);
	}
	free(v);
	return 0;
}

#define CT_PREFIX "ct."
#define CT_DROP_PREFIX "drop.ct."

/* The dataplane's counters of connection tracking. */
static int show_stats(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	struct dp_counter *v;
	size_t n;
	int rc;

	(void)argc;
	(void)argv;
	if ((rc = show_dump(s->d, DP_MSG_STATS_DUMP, sizeof(*v), (void **)&v, &n, r)) < 0)
		return rc;
	if (r->json)
		r->result = json_object();
	else
		sbuf_printf(r->out, "%-32s %s\n", "Counter", "Value");
	for (size_t i = 0; i < n; i++) {
		char name[DP_COUNTER_NAME_LEN + 1];
		snprintf(name, sizeof(name), "%.*s", DP_COUNTER_NAME_LEN, v[i].name);
		if (strncmp(name, CT_PREFIX, strlen(CT_PREFIX)) &&
		    strncmp(name, CT_DROP_PREFIX, strlen(CT_DROP_PREFIX)))
			continue;
		if (r->json)
			json_object_set_new(r->result, name, json_integer((json_int_t)v[i].value));
		else
			sbuf_printf(r->out, "%-32s %" PRIu64 "\n", name, v[i].value);
	}
	free(v);
	return 0;
}

static int take_count(void *arg, const struct dp_msg_hdr *h, const void *body, size_t len)
{
	(void)body;
	(void)len;
	*(uint32_t *)arg = h->count;
	return 0;
}

static int clear_conns(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	uint32_t n = 0;
	char err[512];
	int rc;

	(void)argc;
	(void)argv;
	if ((rc = dpc_transact(&s->d->dp, DP_MSG_CT_CLEAR, NULL, 0, take_count, &n, err, sizeof(err))) < 0) {
		sbuf_printf(r->out, "%s\n", err);
		return rc;
	}
	if (r->json)
		r->result = json_pack("{s:I}", "cleared", (json_int_t)n);
	else
		sbuf_printf(r->out, "%" PRIu32 " connections cleared\n", n);
	return 0;
}

static const struct cli_cmd conntrack_cmds[] = {
	{.path = "show conntrack",
	 .help = "Tracked connections: protocol, state, original and reply tuples, timeout left",
	 .modes = CLI_OPER,
	 .fn = show_conns,
	 .args = CLI_ARGS_PARAMS,
	 .params = filter_params},
	{.path = "show conntrack statistics",
	 .help = "Connection tracking counters: created, expired, invalid, early drops, table full",
	 .modes = CLI_OPER,
	 .fn = show_stats},
	{.path = "clear conntrack", .help = "Forget every tracked connection", .modes = CLI_OPER, .fn = clear_conns},
};

void conntrack_control_init(void)
{
	cli_register(conntrack_cmds, sizeof(conntrack_cmds) / sizeof(conntrack_cmds[0]));
}
