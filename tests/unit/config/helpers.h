/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef BRINK_TEST_CONFIG_HELPERS_H
#define BRINK_TEST_CONFIG_HELPERS_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "common/net_addr.h"
#include "config/config.h"

/* True when errs holds an error at line (0: any) for path whose message contains msg. */
static inline bool has_error(const struct cfg_errors *errs, int line, const char *path, const char *msg)
{
	for (unsigned i = 0; i < errs->count && i < sizeof(errs->e) / sizeof(errs->e[0]); i++) {
		const struct cfg_error *e = &errs->e[i];
		if ((line == 0 || e->line == line) && strcmp(e->path, path) == 0 && strstr(e->msg, msg))
			return true;
	}
	return false;
}

static inline const char *errs_text(const struct cfg_errors *errs)
{
	static char buf[8192];
	cfg_errors_format(errs, buf, sizeof(buf));
	return buf;
}

/* SET(t, "interfaces", "dataplane", "dp0", ...): one "set" edit, which must be taken. */
#define W(...) ((const char *const[]){__VA_ARGS__})
#define N(...) ((int)(sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *)))
#define SET(t, ...) set_ok(t, N(__VA_ARGS__), W(__VA_ARGS__))

static inline void set_ok(struct cfg_node *t, int argc, const char *const *argv)
{
	struct cfg_error err;

	cr_assert_eq(cfg_set(t, argc, argv, &err), 0, "%s: %s", err.path, err.msg);
}

/* The model of t is refused, with an error for path whose message contains msg. */
static inline void refused(const struct cfg_node *t, const char *path, const char *msg)
{
	struct brink_model m;
	struct cfg_errors errs;

	cr_assert_neq(brink_model_build(t, &m, &errs), 0, "accepted");
	cr_assert(has_error(&errs, 0, path, msg), "%s", errs_text(&errs));
}

/* A tree with one worker and port dp0 (net_null0) at address: what a model needs. */
static inline struct cfg_node *one_port(const char *address)
{
	struct cfg_node *t = cfg_new();

	SET(t, "system", "dataplane", "worker", "0", "cpu", "0");
	SET(t, "interfaces", "dataplane", "dp0", "device", "net_null0");
	SET(t, "interfaces", "dataplane", "dp0", "address", address);
	return t;
}

/* dp0 in 172.30.1.0/24 and dp1 (net_null1) in 198.51.100.0/24. */
static inline struct cfg_node *two_ports(void)
{
	struct cfg_node *t = one_port("172.30.1.1/24");

	SET(t, "interfaces", "dataplane", "dp1", "device", "net_null1");
	SET(t, "interfaces", "dataplane", "dp1", "address", "198.51.100.1/24");
	return t;
}

/* Splits a command line into words, honouring double quotes and backslashes. */
static inline int split_words(const char *line, char store[][256], const char *argv[], int max)
{
	int n = 0;

	while (*line && n < max) {
		char *w = store[n];
		size_t k = 0;
		while (*line == ' ')
			line++;
		if (!*line)
			break;
		if (*line == '"') {
			for (line++; *line && *line != '"'; line++) {
				if (*line == '\\' && line[1])
					line++;
				w[k++] = *line;
			}
			line += *line == '"';
		} else {
			while (*line && *line != ' ')
				w[k++] = *line++;
		}
		w[k] = '\0';
		argv[n] = w;
		n++;
	}
	return n;
}

/* The i-th route of a generated table: /24 networks visited in a scattered
 * order (an odd multiplier permutes 2^24), each holding one route of length
 * 24-32, so all prefixes differ; its next hop is in 192.168.0.0/16, the
 * subnet the generated files give dp0. False for a network that cannot be
 * routed (special space or that subnet): skip it. */
static inline bool scale_route(unsigned i, char prefix[PREFIX4_STR_LEN], char gateway[IP4_STR_LEN])
{
	uint32_t net = ((i * 2654435761u) & 0xffffff) << 8;
	uint32_t mix = i * 2246822519u;
	uint8_t len = (uint8_t)(24 + (mix >> 7) % 9);

	if (ip4_special(net) || (net >> 16) == 0xc0a8)
		return false;
	net |= (mix >> 16) & 0xff & prefix4_mask(len);
	prefix4_fmt(net, len, prefix);
	ip4_fmt(0xc0a80000 | (2 + (mix >> 3) % 60000), gateway);
	return true;
}

/* The head of a generated brink.conf: one worker, dp0 in 192.168.0.0/16, a
 * FIB that holds routes, and the opening of the static route list. */
static inline int scale_head(char *buf, size_t len, unsigned routes)
{
	return snprintf(buf, len,
			"system: { dataplane: { worker = ( { id = 0; cpu = 0; } ); fib-size = %u; }; };\n"
			"interfaces: { dataplane = ( { name = \"dp0\"; device = \"net_null0\"; address = "
			"[ \"192.168.0.1/16\" ]; } ); };\n"
			"protocols: { static: { route = (\n",
			routes < 1024 ? 1024 : routes);
}

#endif
