/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "tools/brinksh/pager.h"

#include <string.h>

#include "control/words.h"

#define MORE "--More--"
#define CTRL_C 3

void pager_start(struct pager *p, FILE *out, int rows, int cols, int (*key)(void *arg), void *arg)
{
	*p = (struct pager){.out = out, .rows = rows, .cols = cols, .key = key, .arg = arg};
	if (rows < 2 || cols < 1)
		p->rows = 0;
}

/* At the last row: how much more does the user want to see? */
static void ask(struct pager *p)
{
	fputs(MORE, p->out);
	fflush(p->out);
	for (;;) {
		int k = p->key(p->arg);
		if (k == ' ') {
			p->row = 0;
			break;
		}
		if (k == '\r' || k == '\n') {
			p->row = p->rows - 2;
			break;
		}
		if (k == 'q' || k == 'Q' || k == CTRL_C || k < 0) {
			p->quit = true;
			break;
		}
	}
	fprintf(p->out, "\r%*s\r", (int)strlen(MORE), "");
}

void pager_write(struct pager *p, const char *text, size_t len)
{
	if (!p->rows) {
		fwrite(text, 1, len, p->out);
		return;
	}
	for (size_t i = 0; i < len && !p->quit; i++) {
		unsigned char c = (unsigned char)text[i];
		/* UTF-8 continuation bytes and control characters take no column. */
		bool takes_column = c >= 0x20 && c != 0x7f && (c & 0xc0) != 0x80;

		if (takes_column && p->col >= p->cols) { /* the terminal wraps the line */
			p->row++;
			p->col = 0;
		}
		if (p->col == 0 && p->row >= p->rows - 1) {
			ask(p);
			if (p->quit)
				break;
		}
		putc(c, p->out);
		if (c == '\n') {
			p->row++;
			p->col = 0;
		} else if (c == '\r') {
			p->col = 0;
		} else if (c == '\t') {
			p->col = (p->col / 8 + 1) * 8 < p->cols ? (p->col / 8 + 1) * 8 : p->cols - 1;
		} else if (takes_column) {
			p->col++;
		}
	}
}

/* Whether the words of s (up to the end of the line) start with word. */
static bool first_word_is(const char *s, const char *word)
{
	struct words w;
	char err[128];
	bool is;

	if (words_split(s, &w, err, sizeof(err)) < 0)
		return false;
	is = w.argc && strcmp(w.argv[0], word) == 0;
	words_free(&w);
	return is;
}

bool pager_no_more(const char *line)
{
	char quote = 0;

	for (const char *p = line; *p; p++) {
		if (quote) {
			if (*p == quote)
				quote = 0;
			else if (quote == '"' && *p == '\\' && (p[1] == '"' || p[1] == '\\'))
				p++;
		} else if (*p == '"' || *p == '\'') {
			quote = *p;
		} else if (*p == '\\' && p[1]) {
			p++;
		} else if (*p == '|' && first_word_is(p + 1, "no-more")) {
			return true;
		}
	}
	return false;
}
