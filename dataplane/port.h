/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef BRINK_DP_PORT_H
#define BRINK_DP_PORT_H

#include <stdint.h>

#include "common/dp_msg.h"
#include "config/config.h"

/* Configure and start a probed device as port `name`: one RX queue per
 * worker (RSS) and one TX queue per worker, as far as the driver offers;
 * only offloads the driver reports are requested. Returns the port id or -errno. */
int port_setup(const char *name, const char *device, bool is_punt, unsigned n_workers, char *err, size_t errlen);

/* Port id of a configured port name, or -1. */
int port_by_name(const char *name);

/* Address of port whose subnet contains target, 0 if none. */
uint32_t port_source_for(uint16_t port, uint32_t target);

/* Runtime settings from brinkd. Returns 0 or -errno with a message. */
int port_apply_conf(uint16_t port, const struct dp_port_conf *conf, char *err, size_t errlen);
void port_set_addrs(uint16_t port, const struct brink_addr *addrs, unsigned n);

void port_info(uint16_t port, struct dp_port_info *out);
void port_close_all(void);

#endif
