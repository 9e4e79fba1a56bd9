/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A growing text buffer: CLI output, rendered configuration. */
#ifndef BRINK_SBUF_H
#define BRINK_SBUF_H

#include <stddef.h>

struct sbuf {
	char *s;    /* NUL-terminated; NULL until something is written */
	size_t len; /* without the NUL */
	size_t cap;
};

/* Out of memory aborts: a CLI reply cannot be half-written sensibly. */
void sbuf_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sbuf_add(struct sbuf *b, const char *s);
/* s in double quotes with '"' and '\\' escaped: the one quoting rule of
 * brink.conf strings and of brinksh command lines. */
void sbuf_add_quoted(struct sbuf *b, const char *s);
/* A command-line word: as it is, or quoted when it is empty or holds
 * blanks, quotes or backslashes. */
void sbuf_add_word(struct sbuf *b, const char *w);
/* The text ("" when empty). */
const char *sbuf_str(const struct sbuf *b);
void sbuf_reset(struct sbuf *b);
void sbuf_free(struct sbuf *b);
/* Hands the text over to the caller (to free()); b is left empty. */
char *sbuf_take(struct sbuf *b);

#endif
