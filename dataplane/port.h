/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef BRINK_DP_PORT_H
#define BRINK_DP_PORT_H

#include <stdint.h>

#include "common/dp_msg.h"
#include "config/config.h"
#include "dataplane/apply.h"

/* Configure and start a probed device as port `name`: one RX queue per
 * worker (RSS) and one TX queue per worker, as far as the driver offers;
 * only offloads the driver reports are requested. Returns the port id or -errno. */
int port_setup(const char *name, const char *device, bool is_punt, unsigned n_workers, char *err, size_t errlen);

/* Port id of a configured port name, or -1. */
int port_by_name(const char *name);

/* Runtime settings from brinkd; a setting left at 0 restores the default
 * (DP_DEFAULT_MTU, the device's MAC). check refuses what the device cannot
 * take without changing anything; apply changes what differs. Both report
 * through a (see apply.h) and return 0 or -errno. */
int port_check_conf(uint16_t port, const struct dp_port_conf *conf, struct dp_apply *a);
int port_apply_conf(uint16_t port, const struct dp_port_conf *conf, struct dp_apply *a);
/* Reads every port's link state; true when one changed. */
bool port_poll_links(void);

void port_info(uint16_t port, struct dp_port_info *out);
void port_close_all(void);

#endif
