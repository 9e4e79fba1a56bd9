/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The dataplane's per-packet trace (common/dp_msg.h, dataplane/trace.h):
 * "monitor dataplane trace <n>" starts one and prints each packet once it
 * has left the router, until n are done or it is interrupted; "show
 * dataplane trace" prints what the last trace recorded, "clear dataplane
 * trace" forgets it. The two share the text and JSON of a packet.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/net_addr.h"
#include "control/cli.h"

#define TRACE_TICK_MS 100
#define DROP_PREFIX "drop."

/* ---- what the dataplane has ---- */

struct trace_dump {
	struct dp_trace_status st;
	bool have_status;
	struct dp_trace_pkt *pkts;
	size_t n;
};

/* DP_MSG_TRACE_DUMP's replies: the status, then the packets. */
static int dump_part(void *arg, const struct dp_msg_hdr *h, const void *body, size_t len)
{
	struct trace_dump *d = arg;

	if (!d->have_status) {
		if (h->count != 1 || len != sizeof(d->st))
			return -EPROTO;
		memcpy(&d->st, body, len);
		d->have_status = true;
		return 0;
	}
	if (len != (size_t)h->count * sizeof(*d->pkts))
		return -EPROTO;
	if (!h->count)
		return 0;
	struct dp_trace_pkt *v = realloc(d->pkts, (d->n + h->count) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	memcpy(v + d->n, body, len);
	d->pkts = v;
	d->n += h->count;
	return 0;
}

/* The status and the packets from index first on; errors go to out after what. */
static int fetch(struct brinkd *d, const char *what, uint32_t first, struct trace_dump *dump, struct sbuf *out)
{
	struct dp_trace_dump_req req = {.first = first};
	char err[512];
	int rc;

	*dump = (struct trace_dump){0};
	rc = dpc_transact(&d->dp, DP_MSG_TRACE_DUMP, &req, sizeof(req), dump_part, dump, err, sizeof(err));
	if (rc == 0 && !dump->have_status) {
		rc = -EPROTO;
		snprintf(err, sizeof(err), "the dataplane's trace dump had no status");
	}
	if (rc < 0) {
		sbuf_printf(out, "%s: %s\n", what, err);
		free(dump->pkts);
		dump->pkts = NULL;
	}
	return rc;
}

/* A request answered with the trace's status. */
static int status_call(struct brinkd *d, const char *what, uint16_t type, const void *body, size_t len,
		       struct dp_trace_status *st, struct sbuf *out)
{
	struct dp_trace_status *v = NULL;
	size_t n = 0;
	char err[512];
	int rc = dpc_request(&d->dp, type, body, len, sizeof(*v), (void **)&v, &n, err, sizeof(err));

	if (rc == 0 && n != 1) {
		rc = -EPROTO;
		snprintf(err, sizeof(err), "the dataplane answered without the trace's status");
	}
	if (rc < 0)
		sbuf_printf(out, "%s: %s\n", what, err);
	else if (st)
		*st = *v;
	free(v);
	return rc;
}

/* ---- one packet, for people and as JSON ---- */

static json_t *jname(const char *s, size_t max)
{
	return json_stringn(s, strnlen(s, max));
}

static const char *origin_name(uint8_t o)
{
	switch (o) {
	case DP_TRACE_FROM_PORT:
		return "port";
	case DP_TRACE_FROM_KERNEL:
		return "kernel";
	case DP_TRACE_FROM_ROUTER:
		return "router";
	}
	return "unknown";
}

static const char *proto_name(uint8_t p)
{
	switch (p) {
	case 1:
		return "ICMP";
	case 6:
		return "TCP";
	case 17:
		return "UDP";
	case 132:
		return "SCTP";
	}
	return NULL;
}

static unsigned n_steps(const struct dp_trace_pkt *p)
{
	return p->n_steps < DP_TRACE_STEPS_MAX ? p->n_steps : DP_TRACE_STEPS_MAX;
}

static bool has_counter(const struct dp_trace_step *s)
{
	return s->counter[0] != '\0';
}

/* The first drop counter the packet was charged, or NULL. */
static const char *first_drop(const struct dp_trace_pkt *p, char buf[DP_COUNTER_NAME_LEN + 1])
{
	for (unsigned i = 0; i < n_steps(p); i++)
		if (strncmp(p->steps[i].counter, DROP_PREFIX, strlen(DROP_PREFIX)) == 0) {
			snprintf(buf, DP_COUNTER_NAME_LEN + 1, "%.*s", DP_COUNTER_NAME_LEN, p->steps[i].counter);
			return buf;
		}
	return NULL;
}

/* How it left: sent (its last step charged no counter: TX), answered (a
 * drop counter on the way, then what it became was sent: an ICMP error),
 * dropped, ended otherwise (consumed, fragmented...), or not yet. */
static const char *result(const struct dp_trace_pkt *p, const char *drop)
{
	if (!p->done || !n_steps(p))
		return "in_flight";
	if (!has_counter(&p->steps[n_steps(p) - 1]))
		return drop ? "answered" : "sent";
	return drop ? "dropped" : "ended";
}

static const char *worker_name(int16_t worker, char buf[8])
{
	if (worker < 0)
		return "main";
	snprintf(buf, 8, "w%d", worker);
	return buf;
}

static void time_text(struct sbuf *o, uint64_t ms)
{
	time_t sec = (time_t)(ms / 1000);
	struct tm tm;
	char hms[16];

	localtime_r(&sec, &tm);
	strftime(hms, sizeof(hms), "%H:%M:%S", &tm);
	sbuf_printf(o, "%s.%03u", hms, (unsigned)(ms % 1000));
}

/* "172.30.1.10 > 192.168.10.10 UDP 12345 > 53, TTL 64, 46 bytes" and the like. */
static void headers_text(struct sbuf *o, const struct dp_trace_pkt *p)
{
	char a[IP4_STR_LEN], b[IP4_STR_LEN], sm[MAC_STR_LEN], dm[MAC_STR_LEN];

	sbuf_printf(o, "  %s > %s, ", mac_fmt(p->src_mac, sm), mac_fmt(p->dst_mac, dm));
	if (p->has & DP_TRACE_HAS_ARP) {
		sbuf_printf(o, "ARP %s %s from %s",
			    p->proto == 1   ? "request for"
			    : p->proto == 2 ? "reply to"
					    : "op",
			    ip4_fmt(p->dst_ip, a), ip4_fmt(p->src_ip, b));
	} else if (p->has & DP_TRACE_HAS_IP4) {
		const char *proto = proto_name(p->proto);
		sbuf_printf(o, "IPv4 %s > %s ", ip4_fmt(p->src_ip, a), ip4_fmt(p->dst_ip, b));
		if (proto)
			sbuf_add(o, proto);
		else
			sbuf_printf(o, "protocol %u", p->proto);
		if (p->has & DP_TRACE_HAS_PORTS)
			sbuf_printf(o, " %u > %u", p->src_port, p->dst_port);
		if (p->has & DP_TRACE_HAS_ICMP)
			sbuf_printf(o, " type %u code %u", p->src_port, p->dst_port);
		sbuf_printf(o, ", TTL %u, %u bytes", p->ttl, p->ip_len);
	} else {
		sbuf_printf(o, "ethertype 0x%04x", p->ethertype);
	}
	sbuf_printf(o, " (frame %u bytes)\n", p->frame_len);
}

static void packet_text(struct sbuf *o, const struct dp_trace_pkt *p)
{
	char drop_buf[DP_COUNTER_NAME_LEN + 1];
	const char *drop = first_drop(p, drop_buf);
	const char *res = result(p, drop);
	char w[8];

	sbuf_printf(o, "packet %u, ", p->index + 1);
	if (p->origin == DP_TRACE_FROM_ROUTER)
		sbuf_add(o, "built by the router");
	else
		sbuf_printf(o, "%s %.*s", p->origin == DP_TRACE_FROM_KERNEL ? "from the kernel on" : "received on",
			    DP_NAME_LEN, p->in_port);
	sbuf_printf(o, " (%s) at ", worker_name(p->worker, w));
	time_text(o, p->time_ms);
	sbuf_add(o, "\n");
	headers_text(o, p);
	for (unsigned i = 0; i < n_steps(p); i++) {
		const struct dp_trace_step *s = &p->steps[i];
		if (i + 1 == n_steps(p) && p->steps_lost)
			sbuf_printf(o, "  %u steps not kept\n", p->steps_lost);
		sbuf_printf(o, "  %6uus %-4s %-12.*s %.*s", s->elapsed_us, worker_name(s->worker, w),
			    DP_TRACE_STAGE_LEN, s->stage, DP_TRACE_TEXT_LEN, s->text);
		if (has_counter(s))
			sbuf_printf(o, "%s[%.*s]", s->text[0] ? "  " : "", DP_COUNTER_NAME_LEN, s->counter);
		sbuf_add(o, "\n");
	}
	if (strcmp(res, "in_flight") == 0)
		sbuf_add(o, "  => still on its way\n");
	else if (strcmp(res, "sent") == 0)
		sbuf_add(o, "  => sent\n");
	else if (strcmp(res, "answered") == 0)
		sbuf_printf(o, "  => dropped: %s (an answer was sent)\n", drop);
	else if (strcmp(res, "dropped") == 0)
		sbuf_printf(o, "  => dropped: %s\n", drop);
	else
		sbuf_printf(o, "  => ended: %.*s\n", DP_COUNTER_NAME_LEN, p->steps[n_steps(p) - 1].counter);
}

static json_t *worker_json(int16_t worker)
{
	return worker < 0 ? json_null() : json_integer(worker);
}

static json_t *step_json(const struct dp_trace_step *s)
{
	json_t *o = json_object();

	json_object_set_new(o, "stage", jname(s->stage, DP_TRACE_STAGE_LEN));
	json_object_set_new(o, "text", jname(s->text, DP_TRACE_TEXT_LEN));
	json_object_set_new(o, "counter", has_counter(s) ? jname(s->counter, DP_COUNTER_NAME_LEN) : json_null());
	json_object_set_new(o, "worker", worker_json(s->worker));
	json_object_set_new(o, "elapsed_us", json_integer(s->elapsed_us));
	return o;
}

/* Every key always there, null when it does not apply. */
static json_t *packet_json(const struct dp_trace_pkt *p, uint32_t trace_id)
{
	char a[IP4_STR_LEN], b[IP4_STR_LEN], mac[MAC_STR_LEN], drop_buf[DP_COUNTER_NAME_LEN + 1];
	const char *drop = first_drop(p, drop_buf);
	json_t *o = json_object(), *steps = json_array();

	json_object_set_new(o, "trace", json_integer(trace_id));
	json_object_set_new(o, "index", json_integer(p->index));
	json_object_set_new(o, "time_ms", json_integer((json_int_t)p->time_ms));
	json_object_set_new(o, "origin", json_string(origin_name(p->origin)));
	json_object_set_new(o, "interface", p->in_port[0] ? jname(p->in_port, DP_NAME_LEN) : json_null());
	json_object_set_new(o, "worker", worker_json(p->worker));
	json_object_set_new(o, "frame_length", json_integer(p->frame_len));
	json_object_set_new(o, "src_mac", json_string(mac_fmt(p->src_mac, mac)));
	json_object_set_new(o, "dst_mac", json_string(mac_fmt(p->dst_mac, mac)));
	json_object_set_new(o, "ethertype", json_integer(p->ethertype));
	json_object_set_new(o, "ipv4",
			    p->has & DP_TRACE_HAS_IP4
				    ? json_pack("{s:s, s:s, s:i, s:i, s:i}", "src", ip4_fmt(p->src_ip, a), "dst",
						ip4_fmt(p->dst_ip, b), "protocol", p->proto, "length", p->ip_len, "ttl",
						p->ttl)
				    : json_null());
	json_object_set_new(o, "arp",
			    p->has & DP_TRACE_HAS_ARP
				    ? json_pack("{s:i, s:s, s:s}", "op", p->proto, "sender", ip4_fmt(p->src_ip, a),
						"target", ip4_fmt(p->dst_ip, b))
				    : json_null());
	json_object_set_new(o, "ports",
			    p->has & DP_TRACE_HAS_PORTS
				    ? json_pack("{s:i, s:i}", "src", p->src_port, "dst", p->dst_port)
				    : json_null());
	json_object_set_new(o, "icmp",
			    p->has & DP_TRACE_HAS_ICMP
				    ? json_pack("{s:i, s:i}", "type", p->src_port, "code", p->dst_port)
				    : json_null());
	for (unsigned i = 0; i < n_steps(p); i++)
		json_array_append_new(steps, step_json(&p->steps[i]));
	json_object_set_new(o, "steps", steps);
	json_object_set_new(o, "steps_lost", json_integer(p->steps_lost));
	json_object_set_new(o, "done", json_boolean(p->done));
	json_object_set_new(o, "result", json_string(result(p, drop)));
	json_object_set_new(o, "drop", drop ? json_string(drop) : json_null());
	return o;
}

static void status_text(struct sbuf *o, const struct dp_trace_status *st)
{
	if (!st->id) {
		sbuf_add(o, "No trace yet: 'monitor dataplane trace <n>' starts one.\n");
		return;
	}
	if (!st->count) {
		sbuf_add(o, "The trace was cleared.\n");
		return;
	}
	sbuf_printf(o, "Trace %u: %u of %u packet%s picked", st->id, st->picked, st->count, st->count == 1 ? "" : "s");
	if (st->port[0])
		sbuf_printf(o, " on %.*s", DP_NAME_LEN, st->port);
	sbuf_printf(o, ", %u done; %s\n", st->done,
		    st->armed       ? "picking more"
		    : st->recording ? "following the packets still on their way"
				    : "finished");
}

/* ---- commands ---- */

struct trace_job {
	struct cli_job job; /* first: the session holds this */
	uint32_t id;
	unsigned count;
	unsigned first; /* packets below this one are all shown */
	unsigned shown;
	bool over; /* nothing left to stop in the dataplane */
	uint8_t printed[(DP_TRACE_MAX + 7) / 8];
};

static bool was_printed(const struct trace_job *t, unsigned i)
{
	return t->printed[i / 8] & (1u << (i % 8));
}

static int job_tick(struct cli_job *j, struct cli_session *s, struct sbuf *out)
{
	static const char what[] = "monitor dataplane trace";
	struct trace_job *t = (struct trace_job *)j;
	struct trace_dump d;
	int rc = fetch(s->d, what, t->first, &d, out);

	if (rc < 0) {
		t->over = dpc_lost(&s->d->dp, rc);
		return rc;
	}
	if (d.st.id != t->id) {
		sbuf_printf(out, "%s: %s after %u of %u packets\n", what,
			    d.st.count ? "another trace replaced this one" : "the trace was cleared", t->shown,
			    t->count);
		t->over = true;
		free(d.pkts);
		return -ECANCELED;
	}
	for (size_t i = 0; i < d.n; i++) {
		const struct dp_trace_pkt *p = &d.pkts[i];
		if (!p->done || p->index >= t->count || was_printed(t, p->index))
			continue;
		if (t->job.json) {
			json_t *doc = packet_json(p, t->id);
			char *text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
			sbuf_printf(out, "%s\n", text ? text : "{}");
			free(text);
			json_decref(doc);
		} else {
			packet_text(out, p);
		}
		t->printed[p->index / 8] |= (uint8_t)(1u << (p->index % 8));
		t->shown++;
	}
	free(d.pkts);
	while (t->first < t->count && was_printed(t, t->first))
		t->first++;
	if (t->shown == t->count) {
		t->over = true;
		return 0;
	}
	/* Stopped by another session, and every packet it picked has left (and been shown). */
	if (!d.st.recording) {
		if (!t->job.json)
			sbuf_printf(out, "The trace stopped after %u of %u packets.\n", t->shown, t->count);
		t->over = true;
		return 0;
	}
	return 1;
}

static void job_stop(struct cli_job *j, struct cli_session *s)
{
	struct trace_job *t = (struct trace_job *)j;
	struct dp_trace_ref ref = {.id = t->id};
	struct sbuf ignored = {0};

	/* Interrupted: pick no more, and keep what was picked for "show dataplane trace". */
	if (!t->over && dpc_connected(&s->d->dp))
		status_call(s->d, "monitor dataplane trace", DP_MSG_TRACE_STOP, &ref, sizeof(ref), NULL, &ignored);
	sbuf_free(&ignored);
	free(t);
}

static const struct cli_param monitor_params[] = {
	{.value = "<1-1000>", .help = "How many packets to trace"},
	{.word = "interface",
	 .value = "<name>",
	 .help = "Only packets received on this interface",
	 .offer = cli_offer_interfaces},
	{0},
};

static int monitor_trace(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	static const char what[] = "monitor dataplane trace";
	struct dp_trace_start req = {0};
	struct dp_trace_status st;
	struct cli_values v;
	long count;
	int rc;

	if ((rc = cli_parse(what, monitor_params, argc, argv, &v, r)) < 0)
		return rc;
	if (!cli_number(what, v.value[0], 1, DP_TRACE_MAX, &count, r))
		return -EINVAL;
	const char *port = v.value[1];
	if (port && strlen(port) >= DP_NAME_LEN) {
		sbuf_printf(r->out, "%s: no interface named '%s' (names have at most %d characters)\n", what, port,
			    DP_NAME_LEN - 1);
		return -EINVAL;
	}
	req.count = (uint32_t)count;
	snprintf(req.port, sizeof(req.port), "%s", port ? port : "");
	if ((rc = status_call(s->d, what, DP_MSG_TRACE_START, &req, sizeof(req), &st, r->out)) < 0)
		return rc;
	struct trace_job *t = calloc(1, sizeof(*t));
	if (!t)
		abort();
	t->job = (struct cli_job){.fd = -1, .period_ms = TRACE_TICK_MS, .tick = job_tick, .stop = job_stop};
	t->id = st.id;
	t->count = (unsigned)count;
	r->job = &t->job;
	if (!r->json)
		sbuf_printf(r->out, "Tracing the next %ld packet%s%s%s (trace %u); each is shown once it has left.\n",
			    count, count == 1 ? "" : "s", port ? " received on " : "", port ? port : "", st.id);
	return 0;
}

static int show_trace(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	struct trace_dump d;
	int rc;

	(void)argc, (void)argv;
	if ((rc = fetch(s->d, "show dataplane trace", 0, &d, r->out)) < 0)
		return rc;
	if (r->json)
		r->result = json_array();
	else
		status_text(r->out, &d.st);
	for (size_t i = 0; i < d.n; i++) {
		if (r->json)
			json_array_append_new(r->result, packet_json(&d.pkts[i], d.st.id));
		else
			packet_text(r->out, &d.pkts[i]);
	}
	free(d.pkts);
	return 0;
}

static int clear_trace(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	struct dp_trace_ref ref = {0};

	(void)argc, (void)argv;
	return status_call(s->d, "clear dataplane trace", DP_MSG_TRACE_CLEAR, &ref, sizeof(ref), NULL, r->out);
}

static const struct cli_cmd trace_cmds[] = {
	{.path = "monitor dataplane", .help = "The dataplane", .modes = CLI_OPER},
	{.path = "monitor dataplane trace",
	 .help = "Trace the next packets through the dataplane, step by step, shown as each one leaves",
	 .modes = CLI_OPER,
	 .fn = monitor_trace,
	 .args = CLI_ARGS_PARAMS,
	 .params = monitor_params},
	{.path = "show dataplane trace",
	 .help = "The packets of the last trace, step by step",
	 .modes = CLI_OPER,
	 .fn = show_trace},
	{.path = "clear dataplane trace",
	 .help = "Stop the trace and forget its packets",
	 .modes = CLI_OPER,
	 .fn = clear_trace},
};
CLI_REGISTER(trace_cmds)
