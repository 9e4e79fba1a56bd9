/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What libconfig 1.5 (Debian 12's) gets wrong, found before it parses:
 *  - it reads integers with atoi(), so "cpu = 4294967296;" silently loads 0;
 *  - an @include of a directory (or of anything unreadable) stops its flex
 *    scanner with exit(), taking the whole process down with no location.
 * This scanner walks the text as libconfig's lexer would (comments, strings,
 * @include lines, number tokens) and reports both with file and line.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/tree.h"

#define INCLUDE_DEPTH_MAX 10 /* libconfig's MAX_INCLUDE_DEPTH */

struct scan {
	const char *file;
	struct cfg_errors *errs;
	int depth;
};

static void scan_text(struct scan *sc, const char *text);

/* A character of a libconfig name ([A-Za-z*][-A-Za-z0-9_*]*). */
static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
	       c == '*';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* '@include "path"' at the start of a line: the file must be a readable
 * regular file, and it is scanned in turn. */
static const char *scan_include(struct scan *sc, const char *p, int line)
{
	const char *start = p, *end;
	char path[4096];
	const char *why;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != '"')
		return start;
	end = strchr(p + 1, '"');
	if (!end)
		return start;
	snprintf(path, sizeof(path), "%.*s", (int)(end - p - 1), p + 1);
	if (sc->depth == INCLUDE_DEPTH_MAX) {
		cfg_errors_add(sc->errs, sc->file, line, "", "@include nested more than %d deep", INCLUDE_DEPTH_MAX);
		return end + 1;
	}
	char *text = cfg_read_text(path, &why);
	if (!text) {
		cfg_errors_add(sc->errs, sc->file, line, "", "cannot @include '%s': %s", path, why);
		return end + 1;
	}
	struct scan inner = {.file = path, .errs = sc->errs, .depth = sc->depth + 1};
	scan_text(&inner, text);
	free(text);
	return end + 1;
}

/* A number token at p (libconfig: [-+]?[0-9]+ with an optional L, hex 0x..,
 * or a float): reports an integer that does not fit libconfig's 32 bits. */
static const char *scan_number(struct scan *sc, const char *p, int line)
{
	const char *start = p;
	char tok[64];
	size_t n;

	if (*p == '-' || *p == '+')
		p++;
	while ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '.' ||
	       ((*p == '-' || *p == '+') && (p[-1] == 'e' || p[-1] == 'E')))
		p++;
	n = (size_t)(p - start);
	if (n >= sizeof(tok))
		return p;
	memcpy(tok, start, n);
	tok[n] = '\0';
	const char *digits = tok + (tok[0] == '-' || tok[0] == '+');
	bool hex = digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X');
	size_t span = hex ? 2 + strspn(digits + 2, "0123456789abcdefABCDEF") : strspn(digits, "0123456789");
	if (digits[span] != '\0' || (hex && span == 2))
		return p; /* a float, a 64-bit "L" literal, or not a number libconfig reads as an int */
	errno = 0;
	long long v = strtoll(tok, NULL, hex ? 16 : 10);
	if (errno == ERANGE || v > INT_MAX || v < INT_MIN)
		cfg_errors_add(sc->errs, sc->file, line, "", "the number %s does not fit in 32 bits", tok);
	return p;
}

static void scan_text(struct scan *sc, const char *text)
{
	const char *p = text;
	bool line_start = true;
	int line = 1;

	while (*p) {
		if (*p == '\n') {
			line++;
			line_start = true;
			p++;
			continue;
		}
		if (line_start && (*p == ' ' || *p == '\t')) {
			p++;
			continue;
		}
		if (line_start && strncmp(p, "@include", 8) == 0 && (p[8] == ' ' || p[8] == '\t')) {
			p = scan_include(sc, p + 8, line);
			line_start = false;
			continue;
		}
		line_start = false;
		if (*p == '#' || (p[0] == '/' && p[1] == '/')) {
			p += strcspn(p, "\n");
		} else if (p[0] == '/' && p[1] == '*') {
			for (p += 2; *p && !(p[0] == '*' && p[1] == '/'); p++)
				line += *p == '\n';
			p += *p ? 2 : 0;
		} else if (*p == '"') {
			for (p++; *p && *p != '"'; p++) {
				if (*p == '\\' && p[1])
					p++;
				line += *p == '\n';
			}
			p += *p == '"';
		} else if ((is_digit(*p) || ((*p == '-' || *p == '+') && is_digit(p[1]))) &&
			   (p == text || !name_char(p[-1]))) {
			p = scan_number(sc, p, line);
		} else {
			p++;
		}
	}
}

void cfg_prescan(const char *text, const char *name, struct cfg_errors *errs)
{
	struct scan sc = {.file = name, .errs = errs};

	scan_text(&sc, text);
}
