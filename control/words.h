/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Command line words, shared by brinkd and brinksh. Words are separated by
 * spaces or tabs; "double quotes" keep spaces and allow \" and \\ inside;
 * 'single quotes' keep everything literally; outside quotes a backslash takes
 * the next character literally. Quoted parts join adjacent text into one word,
 * and "" is an empty word.
 */
#ifndef BRINK_WORDS_H
#define BRINK_WORDS_H

#include <stdbool.h>
#include <stddef.h>

#include "common/sbuf.h"

#define WORDS_MAX 64

struct words {
	int argc;
	char *argv[WORDS_MAX + 1]; /* NULL-terminated; point into store */
	char *store;
	bool trailing_space; /* the line ends between words: completion starts a new word */
};

/* Returns 0, or -1 with err saying what is wrong and at which column
 * (1-based), e.g. "unterminated \" quote starting at column 5". */
int words_split(const char *line, struct words *w, char *err, size_t errlen);
void words_free(struct words *w);

/* Appends argv[0..argc-1] quoted and separated by single spaces. */
void words_join(struct sbuf *b, int argc, const char *const *argv);

#endif
