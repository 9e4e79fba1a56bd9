/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * CLI sessions: one per API connection, each with its own mode and, in
 * configuration mode, its own candidate tree cloned from running. One
 * command table per mode drives dispatch, '?' help and completion.
 */
#ifndef BRINK_CLI_H
#define BRINK_CLI_H

#include <stdbool.h>

#include <jansson.h>

#include "control/brinkd.h"
#include "common/sbuf.h"

enum cli_mode {
	CLI_OPERATIONAL,
	CLI_CONFIGURATION,
};

struct cli_session {
	struct brinkd *d;
	enum cli_mode mode;
	struct cfg_node *candidate; /* configuration mode only */
	uint64_t base_revision;     /* the running revision the candidate started from */
	bool closed;                /* exit from operational mode */
};

/* What a command produces: text in out, or in JSON mode a result object
 * (shows); on failure out holds the error. */
struct cli_reply {
	bool json;
	struct sbuf *out;
	json_t *result;
};

void cli_session_init(struct cli_session *s, struct brinkd *d);
void cli_session_fini(struct cli_session *s);

/* Runs one command line; the reply text (JSON text in JSON mode) goes to
 * out. Returns 0 or -errno. */
int cli_exec(struct cli_session *s, const char *line, bool json, struct sbuf *out);

/* Dataplane-backed operational shows (show.c). Return 0 or -errno. */
int show_interfaces(struct brinkd *d, struct cli_reply *r);
int show_routes(struct brinkd *d, struct cli_reply *r);
int show_arp(struct brinkd *d, struct cli_reply *r);
int show_stats(struct brinkd *d, bool all, struct cli_reply *r);
int clear_stats(struct brinkd *d, struct cli_reply *r);

#endif
