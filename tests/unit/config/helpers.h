/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef BRINK_TEST_CONFIG_HELPERS_H
#define BRINK_TEST_CONFIG_HELPERS_H

#include <stdio.h>
#include <string.h>

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

#endif
