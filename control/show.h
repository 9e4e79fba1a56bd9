/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the operational shows share, with each other and with the CONTROL
 * parts of modules (modules/<name>/<name>_show.c). A module registers, from
 * its <name>_control_init(), its commands (cli_register) and the type of
 * interface it brings (show_register_iface_type): "show interfaces" then
 * names and summarises that type's interfaces, and the module's own
 * "show interfaces <type>" lists them in full through show_ifaces_of_type.
 */
#ifndef BRINK_SHOW_H
#define BRINK_SHOW_H

#include <jansson.h>

#include "common/dp_msg.h"
#include "common/sbuf.h"
#include "control/cli.h"

/* How the shows present one type of logical interface, from the info its
 * module's wire header defines (struct dp_iface_info.info). */
struct show_iface_type {
	uint8_t type;     /* enum dp_iface_type */
	const char *name; /* its word in shows and commands: "vlan", "tunnel", "vxlan" */
	/* A few words after the type's name on the interface's first line ("100 on dp0"). */
	void (*summary)(struct sbuf *o, const struct dp_iface_info *i);
	/* Every setting, as indented lines of text, for the type's own show
	 * (show_ifaces_of_type); NULL for a type that has none. */
	void (*detail)(struct sbuf *o, const struct dp_iface_info *i);
	/* Every setting, as a JSON object (the interface's member of the type's name). */
	json_t *(*json)(const struct dp_iface_info *i);
};

/* t must outlive brinkd (a static of the module); one per type. */
void show_register_iface_type(const struct show_iface_type *t);

/* "<what> [NAME]": the dataplane's interfaces of type (or the one named,
 * which must be of that type), each with its type's details. params are
 * the command's: an optional positional name first. */
int show_ifaces_of_type(struct cli_session *s, const char *what, uint8_t type, const struct cli_param *params, int argc,
			char **argv, struct cli_reply *r);

/* Offers the names of the configured interfaces of type, 0 for every
 * logical one (for a cli_param offer). */
void show_offer_ifaces(struct cli_session *s, uint8_t type, void (*add)(void *ctx, const char *word, const char *help),
		       void *ctx);

/* A dump whose failure is the command's: its text goes to r->out. */
int show_dump(struct brinkd *d, uint16_t type, size_t size, void **v, size_t *n, struct cli_reply *r);

/* A fixed-size name field of the wire, not trusted to hold a NUL. */
json_t *show_jname(const char *s, size_t max);

#endif
