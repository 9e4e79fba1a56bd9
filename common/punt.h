/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What brinkd and the dataplane agree on about the kernel behind the punt
 * interface: the kernel routes everything past its connected subnets to
 * PUNT_GATEWAY, on-link, and the dataplane answers ARP for it and sends the
 * kernel its ICMP errors from it (a source the kernel does not own, so it
 * takes them: an unroutable destination then fails at once, as with a
 * kernel route, instead of timing out).
 */
#ifndef BRINK_COMMON_PUNT_H
#define BRINK_COMMON_PUNT_H

#define PUNT_GATEWAY 0xa9fe0001u /* 169.254.0.1 */

#endif
