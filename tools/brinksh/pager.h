/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * brinksh's built-in pager: a reply taller than the terminal stops at
 * "--More--" (space: next page, enter: next line, q: quit). It pages text as
 * it arrives, so a reply is shown before its end has come, and it asks only
 * when there is more to show. Stock Debian has no less.
 */
#ifndef BRINK_PAGER_H
#define BRINK_PAGER_H

#include <stdbool.h>
#include <stdio.h>

struct pager {
	FILE *out;
	int rows, cols;        /* the terminal's size; rows 0: do not page */
	int (*key)(void *arg); /* the next key pressed, or -1 when there is none to read */
	void *arg;
	int row, col; /* where the next character goes on the current page */
	bool quit;    /* q: the rest of the reply is not shown */
};

void pager_start(struct pager *p, FILE *out, int rows, int cols, int (*key)(void *arg), void *arg);
/* Shows len bytes of text, stopping at "--More--" on each full page. */
void pager_write(struct pager *p, const char *text, size_t len);

/* Whether one of line's pipes (the words after an unquoted '|', quoted as in
 * control/words.h) is "no-more": such a command is not paged. */
bool pager_no_more(const char *line);

#endif
