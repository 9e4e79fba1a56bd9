/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "common/sbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void reserve(struct sbuf *b, size_t more)
{
	size_t need = b->len + more + 1;

	if (need <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	char *s = realloc(b->s, cap);
	if (!s)
		abort();
	b->s = s;
	b->cap = cap;
}

void sbuf_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	reserve(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

static void add_bytes(struct sbuf *b, const char *s, size_t n)
{
	reserve(b, n);
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void sbuf_add(struct sbuf *b, const char *s)
{
	add_bytes(b, s, strlen(s));
}

/* Runs of plain characters at once: a saved route table is mostly quoted values. */
void sbuf_add_quoted(struct sbuf *b, const char *s)
{
	sbuf_add(b, "\"");
	while (*s) {
		size_t plain = strcspn(s, "\"\\");
		add_bytes(b, s, plain);
		s += plain;
		if (*s) {
			const char escaped[] = {'\\', *s++};
			add_bytes(b, escaped, sizeof(escaped));
		}
	}
	sbuf_add(b, "\"");
}

void sbuf_add_word(struct sbuf *b, const char *w)
{
	if (*w && !strpbrk(w, " \t\n\r\"'\\"))
		sbuf_add(b, w);
	else
		sbuf_add_quoted(b, w);
}

const char *sbuf_str(const struct sbuf *b)
{
	return b->s ? b->s : "";
}

void sbuf_reset(struct sbuf *b)
{
	b->len = 0;
	if (b->s)
		b->s[0] = '\0';
}

char *sbuf_take(struct sbuf *b)
{
	char *s = b->s ? b->s : strdup("");

	if (!s)
		abort();
	*b = (struct sbuf){0};
	return s;
}

void sbuf_free(struct sbuf *b)
{
	free(b->s);
	*b = (struct sbuf){0};
}
