/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef BRINK_SPAWN_H
#define BRINK_SPAWN_H

#include "control/cli.h"

/* Runs argv[0] (a full path) with argv, its output becoming the command's
 * job (r->job). When it exits by itself, finish(wait status, out) may add a
 * last word and gives the command's status (NULL: 0); an interrupt sends it
 * SIGINT and lets it end. Returns 0, or -errno with the reason in r->out
 * (what names the command). */
int cli_spawn(struct cli_reply *r, const char *what, char *const argv[], int (*finish)(int status, struct sbuf *out));

#endif
