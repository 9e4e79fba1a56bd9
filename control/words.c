/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "control/words.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int words_split(const char *line, struct words *w, char *err, size_t errlen)
{
	size_t len = strlen(line);
	const char *p = line;
	char *out;

	*w = (struct words){0};
	/* Unquoting only shrinks text, and each word adds one NUL. */
	w->store = out = malloc(2 * len + 2);
	if (!w->store) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	w->trailing_space = true;
	while (*p) {
		if (is_space(*p)) {
			p++;
			w->trailing_space = true;
			continue;
		}
		if (w->argc == WORDS_MAX) {
			snprintf(err, errlen, "too many words (at most %d) at column %zu", WORDS_MAX,
				 (size_t)(p - line) + 1);
			goto fail;
		}
		w->argv[w->argc++] = out;
		w->trailing_space = false;
		while (*p && !is_space(*p)) {
			if (*p == '"' || *p == '\'') {
				char q = *p;
				const char *start = p++;
				while (*p && *p != q) {
					if (q == '"' && *p == '\\' && (p[1] == '"' || p[1] == '\\'))
						p++;
					*out++ = *p++;
				}
				if (!*p) {
					snprintf(err, errlen, "unterminated %c quote starting at column %zu", q,
						 (size_t)(start - line) + 1);
					goto fail;
				}
				p++;
			} else if (*p == '\\') {
				if (!p[1]) {
					snprintf(err, errlen, "backslash at the end of the line (column %zu)",
						 (size_t)(p - line) + 1);
					goto fail;
				}
				p++;
				*out++ = *p++;
			} else {
				*out++ = *p++;
			}
		}
		*out++ = '\0';
	}
	w->argv[w->argc] = NULL;
	return 0;
fail:
	words_free(w);
	return -1;
}

void words_free(struct words *w)
{
	free(w->store);
	*w = (struct words){0};
}

void words_join(struct sbuf *b, int argc, const char *const *argv)
{
	for (int i = 0; i < argc; i++) {
		if (i)
			sbuf_add(b, " ");
		sbuf_add_word(b, argv[i]);
	}
}
