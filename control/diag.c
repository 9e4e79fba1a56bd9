/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ping and traceroute from the router. They run in brinkd's namespace, where
 * the punt interface carries the router's addresses, so their packets leave
 * through the dataplane as anything the router originates. "interface NAME"
 * picks the source address of that interface (the kernel only sees the punt
 * interface), as "source-address" names one directly.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "common/net_addr.h"
#include "control/cli.h"
#include "control/spawn.h"

#define PING "/usr/bin/ping"
#define TRACEROUTE "/usr/bin/traceroute"

/* argv under construction; every string lives in the struct. */
struct args {
	int n;
	char *v[32];
	char store[32][64];
};

static void arg(struct args *a, const char *fmt, const char *value)
{
	snprintf(a->store[a->n], sizeof(a->store[a->n]), fmt, value);
	a->v[a->n] = a->store[a->n];
	a->v[++a->n] = NULL;
}

/* The source address "interface" or "source-address" asks for, or NULL. */
static bool source_of(struct cli_session *s, const char *what, const char *ifname, const char *addr, char *out,
		      struct cli_reply *r)
{
	uint32_t ip;

	out[0] = '\0';
	if (addr) {
		if (!ip4_parse(addr, &ip)) {
			sbuf_printf(r->out, "%s: source-address '%s' is not an IPv4 address\n", what, addr);
			return false;
		}
		snprintf(out, IP4_STR_LEN, "%s", addr);
	}
	if (ifname) {
		const struct brink_port *p = brink_model_port(&s->d->model, ifname);
		if (!p) {
			sbuf_printf(r->out, "%s: no dataplane interface named '%s'\n", what, ifname);
			return false;
		}
		if (!p->n_addrs) {
			sbuf_printf(r->out, "%s: interface %s has no address to send from\n", what, ifname);
			return false;
		}
		ip4_fmt(p->addrs[0].ip, out);
	}
	return true;
}

/* Through the dataplane means through the punt path. */
static bool can_send(struct cli_session *s, const char *what, struct cli_reply *r)
{
	if (s->d->model.punt_enabled)
		return true;
	sbuf_printf(r->out,
		    "%s: the router sends its own packets through the exception path: configure "
		    "'system dataplane punt' first\n",
		    what);
	return false;
}

static bool host(const char *what, const char *text, struct cli_reply *r)
{
	uint32_t ip;

	if (ip4_parse(text, &ip))
		return true;
	sbuf_printf(r->out, "%s: '%s' is not an IPv4 address\n", what, text);
	return false;
}

/* ping and traceroute exit 1 when nothing answered: the command fails too. */
static int finish(int status, struct sbuf *out)
{
	(void)out;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	return WIFEXITED(status) && WEXITSTATUS(status) == 1 ? -EHOSTUNREACH : -EIO;
}

/* A numeric parameter and the program's flag for it. */
struct num_opt {
	int param;
	const char *flag;
	long min, max;
};

/* The parts ping and traceroute share: the address, the source, the
 * numeric options checked and passed on. False with the reason in r->out. */
static bool common_args(struct cli_session *s, const char *what, const struct cli_param *params,
			const struct cli_values *v, int host_param, int if_param, int src_param,
			const struct num_opt *opts, size_t n_opts, struct args *a, char src[IP4_STR_LEN],
			struct cli_reply *r)
{
	char name[64];
	long n;

	if (!host(what, v->value[host_param], r) || !can_send(s, what, r) ||
	    !source_of(s, what, v->value[if_param], v->value[src_param], src, r))
		return false;
	for (size_t i = 0; i < n_opts; i++) {
		const char *val = v->value[opts[i].param];
		if (!val)
			continue;
		snprintf(name, sizeof(name), "%s %s", what, params[opts[i].param].word);
		if (!cli_number(name, val, opts[i].min, opts[i].max, &n, r))
			return false;
		arg(a, "%s", opts[i].flag);
		arg(a, "%s", val);
	}
	return true;
}

enum { P_HOST, P_COUNT, P_INTERVAL, P_SIZE, P_TTL, P_SOURCE, P_INTERFACE, P_DF, P_DEADLINE };

static const struct cli_param ping_params[] = {
	[P_HOST] = {.value = "<a.b.c.d>", .help = "Address to ping"},
	[P_COUNT] = {.word = "count", .value = "<1-1000000>", .help = "Stop after this many (default: until ^C)"},
	[P_INTERVAL] = {.word = "interval", .value = "<0.01-60>", .help = "Seconds between requests (default 1)"},
	[P_SIZE] = {.word = "size", .value = "<0-65507>", .help = "Bytes of data in each request (default 56)"},
	[P_TTL] = {.word = "ttl", .value = "<1-255>", .help = "Time to live of the requests"},
	[P_SOURCE] = {.word = "source-address", .value = "<a.b.c.d>", .help = "Send from this address of the router"},
	[P_INTERFACE] = {.word = "interface",
			 .value = "<name>",
			 .help = "Send from this interface's address",
			 .offer = cli_offer_interfaces},
	[P_DF] = {.word = "do-not-fragment", .help = "Set DF: find the path MTU"},
	[P_DEADLINE] = {.word = "deadline", .value = "<1-3600>", .help = "Stop after this many seconds"},
	{0},
};

static int ping(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	static const struct num_opt nums[] = {{P_COUNT, "-c", 1, 1000000},
					      {P_SIZE, "-s", 0, 65507},
					      {P_TTL, "-t", 1, 255},
					      {P_DEADLINE, "-w", 1, 3600}};
	struct cli_values v;
	struct args a = {0};
	char src[IP4_STR_LEN];
	int rc;

	if ((rc = cli_parse("ping", ping_params, argc, argv, &v, r)) < 0)
		return rc;
	arg(&a, "%s", PING);
	arg(&a, "%s", "-n");
	if (!common_args(s, "ping", ping_params, &v, P_HOST, P_INTERFACE, P_SOURCE, nums,
			 sizeof(nums) / sizeof(nums[0]), &a, src, r))
		return -EINVAL;
	if (v.value[P_INTERVAL]) {
		char *end;
		double iv = strtod(v.value[P_INTERVAL], &end);
		if (*end || !(iv >= 0.01 && iv <= 60)) {
			sbuf_printf(r->out, "ping interval: '%s' is not a number of seconds from 0.01 to 60\n",
				    v.value[P_INTERVAL]);
			return -EINVAL;
		}
		arg(&a, "%s", "-i");
		arg(&a, "%s", v.value[P_INTERVAL]);
	}
	if (src[0]) {
		arg(&a, "%s", "-I");
		arg(&a, "%s", src);
	}
	if (v.value[P_DF]) {
		arg(&a, "%s", "-M");
		arg(&a, "%s", "do");
	}
	arg(&a, "%s", v.value[P_HOST]);
	return cli_spawn(r, "ping", a.v, finish);
}

enum { T_HOST, T_ICMP, T_MAX_TTL, T_FIRST_TTL, T_SOURCE, T_INTERFACE, T_PORT, T_WAIT };

static const struct cli_param traceroute_params[] = {
	[T_HOST] = {.value = "<a.b.c.d>", .help = "Address to trace the route to"},
	[T_ICMP] = {.word = "icmp", .help = "Probe with ICMP echo instead of UDP"},
	[T_MAX_TTL] = {.word = "max-ttl", .value = "<1-255>", .help = "The most hops to try (default 30)"},
	[T_FIRST_TTL] = {.word = "first-ttl", .value = "<1-255>", .help = "The first hop to try (default 1)"},
	[T_SOURCE] = {.word = "source-address", .value = "<a.b.c.d>", .help = "Send from this address of the router"},
	[T_INTERFACE] = {.word = "interface",
			 .value = "<name>",
			 .help = "Send from this interface's address",
			 .offer = cli_offer_interfaces},
	[T_PORT] = {.word = "port", .value = "<1-65535>", .help = "UDP destination port of the first probe"},
	[T_WAIT] = {.word = "wait", .value = "<1-60>", .help = "Seconds to wait for each answer (default 5)"},
	{0},
};

static int traceroute(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	static const struct num_opt nums[] = {{T_MAX_TTL, "-m", 1, 255},
					      {T_FIRST_TTL, "-f", 1, 255},
					      {T_PORT, "-p", 1, 65535},
					      {T_WAIT, "-w", 1, 60}};
	struct cli_values v;
	struct args a = {0};
	char src[IP4_STR_LEN];
	int rc;

	if ((rc = cli_parse("traceroute", traceroute_params, argc, argv, &v, r)) < 0)
		return rc;
	arg(&a, "%s", TRACEROUTE);
	arg(&a, "%s", "-n");
	if (!common_args(s, "traceroute", traceroute_params, &v, T_HOST, T_INTERFACE, T_SOURCE, nums,
			 sizeof(nums) / sizeof(nums[0]), &a, src, r))
		return -EINVAL;
	if (v.value[T_ICMP])
		arg(&a, "%s", "-I");
	if (src[0]) {
		arg(&a, "%s", "-s");
		arg(&a, "%s", src);
	}
	arg(&a, "%s", v.value[T_HOST]);
	return cli_spawn(r, "traceroute", a.v, NULL);
}

static const struct cli_cmd diag_cmds[] = {
	{.path = "ping",
	 .help = "Send ICMP echo requests from the router",
	 .modes = CLI_OPER,
	 .fn = ping,
	 .args = CLI_ARGS_PARAMS,
	 .params = ping_params},
	{.path = "traceroute",
	 .help = "The hops from the router to an address",
	 .modes = CLI_OPER,
	 .fn = traceroute,
	 .args = CLI_ARGS_PARAMS,
	 .params = traceroute_params},
};
CLI_REGISTER(diag_cmds)
