/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The control channel server: brinkd's requests, served on the main lcore. */
#ifndef BRINK_DP_CTL_SERVER_H
#define BRINK_DP_CTL_SERVER_H

int ctl_init(const char *path);
/* Serve what is pending, waiting at most timeout_ms. */
void ctl_poll(int timeout_ms);
void ctl_close(void);

#endif
