/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "dataplane/dp.h"

struct dp dp = {.punt_port = -1};
