/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Feature modules (modules/<name>/): each registers its parts with the cores
 * from these calls, generated from the modules present (modules/CMakeLists.txt).
 * Each runs once, before the core uses what modules register.
 */
#ifndef BRINK_MODULES_H
#define BRINK_MODULES_H

/* Schema fragments and model builders (config/). */
void brink_modules_config_init(void);
/* brinkd's commands and show handlers (control/). */
void brink_modules_control_init(void);
/* Interface types, hooks, local UDP ports (dataplane/). */
void brink_modules_dataplane_init(void);

#endif
