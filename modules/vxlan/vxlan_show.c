/* SPDX-License-Identifier: GPL-2.0-or-later */
/* "show interfaces vxlan [NAME]" and "show vxlan fdb [NAME]": VXLAN segments
 * and their forwarding databases as the dataplane runs them
 * (modules/vxlan/vxlan_msg.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/net_addr.h"
#include "control/show.h"
#include "modules/vxlan/vxlan_msg.h"

#define VXLAN_DEFAULT_TTL 64 /* what ttl 0 stands for */

static struct dp_vxlan_info vxlan_info(const struct dp_iface_info *i)
{
	struct dp_vxlan_info x;

	memcpy(&x, i->info, sizeof(x));
	if (x.n_remotes > DP_VXLAN_REMOTES_MAX)
		x.n_remotes = DP_VXLAN_REMOTES_MAX;
	return x;
}

static unsigned udp_port(const struct dp_vxlan_info *x)
{
	return x->udp_port ? x->udp_port : VXLAN_DEFAULT_PORT;
}

static unsigned ttl(const struct dp_vxlan_info *x)
{
	return x->ttl ? x->ttl : VXLAN_DEFAULT_TTL;
}

static void vxlan_summary(struct sbuf *o, const struct dp_iface_info *i)
{
	sbuf_printf(o, "vni %u", vxlan_info(i).vni);
}

static void vxlan_detail(struct sbuf *o, const struct dp_iface_info *i)
{
	struct dp_vxlan_info x = vxlan_info(i);
	char a[IP4_STR_LEN];

	sbuf_printf(o, "  vni %u  source %s  port %u  ttl %u  learning %s\n  remotes", x.vni, ip4_fmt(x.local, a),
		    udp_port(&x), ttl(&x), x.flags & DP_VXLAN_F_NO_LEARNING ? "off" : "on");
	for (unsigned k = 0; k < x.n_remotes; k++)
		sbuf_printf(o, " %s", ip4_fmt(x.remotes[k], a));
	sbuf_add(o, x.n_remotes ? "\n" : " none\n");
}

static json_t *vxlan_json(const struct dp_iface_info *i)
{
	struct dp_vxlan_info x = vxlan_info(i);
	json_t *remotes = json_array();
	char a[IP4_STR_LEN], src[IP4_STR_LEN];

	for (unsigned k = 0; k < x.n_remotes; k++)
		json_array_append_new(remotes, json_string(ip4_fmt(x.remotes[k], a)));
	return json_pack("{s:I, s:s, s:i, s:i, s:b, s:o}", "vni", (json_int_t)x.vni, "source", ip4_fmt(x.local, src),
			 "port", (int)udp_port(&x), "ttl", (int)ttl(&x), "learning",
			 !(x.flags & DP_VXLAN_F_NO_LEARNING), "remotes", remotes);
}

static const struct show_iface_type vxlan_type = {
	.type = DP_IFACE_VXLAN,
	.name = "vxlan",
	.summary = vxlan_summary,
	.detail = vxlan_detail,
	.json = vxlan_json,
};

static void offer_segments(struct cli_session *s, void (*add)(void *ctx, const char *word, const char *help), void *ctx)
{
	show_offer_ifaces(s, DP_IFACE_VXLAN, add, ctx);
}

static const struct cli_param segment_param[] = {
	{.value = "<name>", .help = "Only this VXLAN interface", .offer = offer_segments, .optional = true},
	{0},
};

static int show_segments(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	return show_ifaces_of_type(s, "show interfaces vxlan", DP_IFACE_VXLAN, segment_param, argc, argv, r);
}

/* A NAME given to "show vxlan fdb" is a VXLAN interface the dataplane runs. */
static int check_segment(struct brinkd *d, const char *name, struct cli_reply *r)
{
	struct dp_iface_info *v;
	size_t n;
	bool found = false;
	int rc = show_dump(d, DP_MSG_IFACE_DUMP, sizeof(*v), (void **)&v, &n, r);

	if (rc < 0)
		return rc;
	for (size_t i = 0; i < n && !found; i++)
		found = v[i].type == DP_IFACE_VXLAN && strncmp(v[i].name, name, DP_NAME_LEN) == 0;
	free(v);
	if (!found) {
		sbuf_printf(r->out, "show vxlan fdb: no vxlan interface named '%s'\n", name);
		return -ENOENT;
	}
	return 0;
}

static int fdb_cmp(const void *a, const void *b)
{
	const struct dp_fdb_info *x = a, *y = b;
	int c = strncmp(x->iface, y->iface, DP_NAME_LEN);

	return c ? c : memcmp(x->mac, y->mac, sizeof(x->mac));
}

static json_t *fdb_json(const struct dp_fdb_info *e)
{
	char mac[MAC_STR_LEN], remote[IP4_STR_LEN];
	bool is_static = e->flags & DP_FDB_F_STATIC;

	return json_pack("{s:o, s:s, s:s, s:b, s:o}", "interface", show_jname(e->iface, DP_NAME_LEN), "mac",
			 mac_fmt(e->mac, mac), "remote", ip4_fmt(e->remote, remote), "static", is_static, "age_s",
			 is_static ? json_null() : json_integer(e->age_s));
}

static void fdb_text(struct sbuf *o, const struct dp_fdb_info *e)
{
	char mac[MAC_STR_LEN], remote[IP4_STR_LEN], age[12] = "-";

	if (!(e->flags & DP_FDB_F_STATIC))
		snprintf(age, sizeof(age), "%u", e->age_s);
	sbuf_printf(o, "%-16.*s %-17s %-15s %-8s %6s\n", DP_NAME_LEN, e->iface, mac_fmt(e->mac, mac),
		    ip4_fmt(e->remote, remote), e->flags & DP_FDB_F_STATIC ? "static" : "learned", age);
}

static int show_fdb(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	struct dp_fdb_info *v;
	struct cli_values val;
	size_t n;
	int rc;

	if ((rc = cli_parse("show vxlan fdb", segment_param, argc, argv, &val, r)) < 0)
		return rc;
	const char *only = val.value[0];
	if ((only && (rc = check_segment(s->d, only, r)) < 0) ||
	    (rc = show_dump(s->d, DP_MSG_FDB_DUMP, sizeof(*v), (void **)&v, &n, r)) < 0)
		return rc;
	qsort(v, n, sizeof(*v), fdb_cmp);
	if (r->json)
		r->result = json_array();
	else
		sbuf_printf(r->out, "%-16s %-17s %-15s %-8s %6s\n", "Interface", "MAC", "Remote", "Type", "Age(s)");
	for (size_t i = 0; i < n; i++) {
		if (only && strncmp(v[i].iface, only, DP_NAME_LEN) != 0)
			continue;
		if (r->json)
			json_array_append_new(r->result, fdb_json(&v[i]));
		else
			fdb_text(r->out, &v[i]);
	}
	free(v);
	return 0;
}

static const struct cli_cmd vxlan_cmds[] = {
	{.path = "show interfaces vxlan",
	 .help = "VXLAN interfaces: VNI, source, port, flood list, learning, counters",
	 .modes = CLI_OPER,
	 .fn = show_segments,
	 .args = CLI_ARGS_PARAMS,
	 .params = segment_param},
	{.path = "show vxlan", .help = "VXLAN state", .modes = CLI_OPER},
	{.path = "show vxlan fdb",
	 .help = "Forwarding databases of VXLAN interfaces: MAC, remote VTEP, static or learned",
	 .modes = CLI_OPER,
	 .fn = show_fdb,
	 .args = CLI_ARGS_PARAMS,
	 .params = segment_param},
};

void vxlan_control_init(void)
{
	show_register_iface_type(&vxlan_type);
	cli_register(vxlan_cmds, sizeof(vxlan_cmds) / sizeof(vxlan_cmds[0]));
}
