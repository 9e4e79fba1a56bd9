/* SPDX-License-Identifier: GPL-2.0-or-later */
/* "show dataplane" (is it connected, does it run the running configuration
 * and the learned routes) and "show version". */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "control/cli.h"

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static long long started_ms;

__attribute__((constructor)) static void note_start(void)
{
	started_ms = now_ms();
}

/* The dataplane's uptime: as its HELLO said, plus the time since. */
static long long dp_uptime_s(const struct brinkd *d)
{
	return (long long)d->dp.hello.uptime_s + (now_ms() - d->dp.hello_ms) / 1000;
}

static void uptime_text(struct sbuf *o, long long s)
{
	if (s >= 86400)
		sbuf_printf(o, "%lldd ", s / 86400);
	sbuf_printf(o, "%02lld:%02lld:%02lld", s / 3600 % 24, s / 60 % 60, s % 60);
}

static json_t *refused_json(const struct brinkd *d)
{
	return cli_lines_json(sbuf_str(&d->dp_refused));
}

/* The routing daemon's and IKE's paths brinkd holds, and whether the dataplane has them. */
static json_t *learned_json(const struct brinkd *d, bool up)
{
	json_t *o = json_object();

	for (uint8_t owner = 0; owner < DP_OWNER_MAX; owner++) {
		const struct learned_owner *l = &d->learned.owners[owner];
		if (learned_owner_name(owner))
			json_object_set_new(o, learned_owner_name(owner),
					    json_pack("{s:I, s:I, s:b}", "paths", (json_int_t)l->n_paths, "generation",
						      (json_int_t)l->generation, "in_sync", up && l->synced));
	}
	return o;
}

static void learned_text(const struct brinkd *d, bool up, struct sbuf *out)
{
	for (uint8_t owner = 0; owner < DP_OWNER_MAX; owner++) {
		const struct learned_owner *l = &d->learned.owners[owner];
		if (learned_owner_name(owner))
			sbuf_printf(out, "  routes of %s: %zu path%s, generation %llu%s\n", learned_owner_name(owner),
				    l->n_paths, l->n_paths == 1 ? "" : "s", (unsigned long long)l->generation,
				    up && l->synced ? "" : ", not yet given to the dataplane");
	}
}

static int show_dataplane(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	const struct brinkd *d = s->d;
	bool up = dpc_connected(&d->dp);

	(void)argc, (void)argv;
	if (r->json) {
		r->result = json_pack("{s:s, s:b, s:b, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "socket", d->dp.path,
				      "connected", up, "in_sync", up && d->synced && !d->n_dp_refused, "generation",
				      up ? json_sprintf("%016llx", (unsigned long long)d->dp.generation) : json_null(),
				      "refused", refused_json(d), "ports",
				      up ? json_integer(d->dp.hello.n_ports) : json_null(), "workers",
				      up ? json_integer(d->dp.hello.n_workers) : json_null(), "uptime_s",
				      up ? json_integer(dp_uptime_s(d)) : json_null(), "version",
				      up ? json_string(d->dp.hello.version) : json_null(), "learned_routes",
				      learned_json(d, up));
		return 0;
	}
	sbuf_printf(r->out, "dataplane at %s: %s\n", d->dp.path, up ? "connected" : "not connected");
	if (up) {
		sbuf_printf(r->out, "  %u ports, %u workers, up ", d->dp.hello.n_ports, d->dp.hello.n_workers);
		uptime_text(r->out, dp_uptime_s(d));
		sbuf_printf(r->out, ", version %s\n", d->dp.hello.version);
	}
	if (up && d->synced && !d->n_dp_refused)
		sbuf_add(r->out, "  runs the running configuration\n");
	else
		brinkd_status_comment(d, r->out);
	learned_text(d, up, r->out);
	return 0;
}

static int show_version(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	const struct brinkd *d = s->d;
	bool up = dpc_connected(&d->dp);
	long long mine = (now_ms() - started_ms) / 1000;

	(void)argc, (void)argv;
	if (r->json) {
		r->result = json_pack("{s:s, s:I, s:o, s:o, s:o}", "version", BRINK_VERSION, "brinkd_uptime_s",
				      (json_int_t)mine, "dataplane_version",
				      up ? json_string(d->dp.hello.version) : json_null(), "dpdk_version",
				      up ? json_string(d->dp.hello.dpdk_version) : json_null(), "dataplane_uptime_s",
				      up ? json_integer(dp_uptime_s(d)) : json_null());
		return 0;
	}
	sbuf_printf(r->out, "Brink %s\n  brinkd up ", BRINK_VERSION);
	uptime_text(r->out, mine);
	if (up) {
		sbuf_printf(r->out, "\n  brink-dataplane %s on %s, up ", d->dp.hello.version, d->dp.hello.dpdk_version);
		uptime_text(r->out, dp_uptime_s(d));
		sbuf_add(r->out, "\n");
	} else {
		sbuf_add(r->out, "\n  brink-dataplane not connected\n");
	}
	return 0;
}

static const struct cli_cmd status_cmds[] = {
	{.path = "show dataplane",
	 .help = "Is the dataplane connected, does it run the running configuration",
	 .modes = CLI_OPER,
	 .fn = show_dataplane},
	{.path = "show version", .help = "Build, DPDK version and uptimes", .modes = CLI_OPER, .fn = show_version},
};
CLI_REGISTER(status_cmds)
