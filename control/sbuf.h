/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A growing text buffer for command output. */
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
/* The text ("" when empty). */
const char *sbuf_str(const struct sbuf *b);
void sbuf_reset(struct sbuf *b);
void sbuf_free(struct sbuf *b);

#endif
