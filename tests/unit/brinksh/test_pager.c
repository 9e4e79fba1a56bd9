/* SPDX-License-Identifier: GPL-2.0-or-later */
/* brinksh's pager: where it stops, what each key does, which lines it leaves alone. */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "tools/brinksh/pager.h"

/* The keys a user presses, in order; -1 once they run out. */
struct keys {
	const char *k;
	int asked;
};

static int next_key(void *arg)
{
	struct keys *keys = arg;

	keys->asked++;
	return *keys->k ? *keys->k++ : -1;
}

struct screen {
	char *text;
	size_t len;
	FILE *f;
	struct keys keys;
	struct pager pg;
};

static void screen_open(struct screen *s, int rows, int cols, const char *keys)
{
	*s = (struct screen){.keys = {.k = keys}};
	s->f = open_memstream(&s->text, &s->len);
	cr_assert_not_null(s->f);
	pager_start(&s->pg, s->f, rows, cols, next_key, &s->keys);
}

static const char *screen_text(struct screen *s)
{
	fflush(s->f);
	return s->text;
}

static void screen_close(struct screen *s)
{
	fclose(s->f);
	free(s->text);
}

static void show(struct screen *s, const char *text)
{
	pager_write(&s->pg, text, strlen(text));
}

#define ERASE "--More--\r        \r"

Test(pager, fits_on_the_screen_without_asking)
{
	struct screen s;

	screen_open(&s, 4, 20, "");
	show(&s, "1\n2\n3\n");
	cr_assert_str_eq(screen_text(&s), "1\n2\n3\n");
	cr_assert_eq(s.keys.asked, 0, "three lines fit above the last row");
	screen_close(&s);
}

Test(pager, stops_at_each_full_page_and_space_shows_the_next)
{
	struct screen s;

	screen_open(&s, 3, 20, " ");
	show(&s, "1\n2\n");
	show(&s, "3\n4\n5\n"); /* a reply arrives in several chunks */
	cr_assert_str_eq(screen_text(&s), "1\n2\n" ERASE "3\n4\n" ERASE);
	cr_assert(s.pg.quit, "no key left: the rest is not shown");
	screen_close(&s);
}

Test(pager, enter_shows_one_more_line_and_q_quits)
{
	struct screen s;

	screen_open(&s, 3, 20, "\rq");
	show(&s, "1\n2\n3\n4\n5\n");
	cr_assert_str_eq(screen_text(&s), "1\n2\n" ERASE "3\n" ERASE);
	cr_assert(s.pg.quit);
	show(&s, "6\n");
	cr_assert_str_eq(screen_text(&s), "1\n2\n" ERASE "3\n" ERASE, "after q nothing more is shown");
	screen_close(&s);
}

Test(pager, other_keys_are_ignored_and_ctrl_c_quits)
{
	struct screen s;

	screen_open(&s, 2, 20, "x\003");
	show(&s, "1\n2\n");
	cr_assert_str_eq(screen_text(&s), "1\n" ERASE);
	cr_assert_eq(s.keys.asked, 2);
	cr_assert(s.pg.quit);
	screen_close(&s);
}

Test(pager, long_lines_take_the_rows_the_terminal_wraps_them_on)
{
	struct screen s;

	/* 25 columns on a 10-column screen: three rows */
	screen_open(&s, 4, 10, " ");
	show(&s, "aaaaaaaaaabbbbbbbbbbccccc\nd\n");
	cr_assert_str_eq(screen_text(&s), "aaaaaaaaaabbbbbbbbbbccccc\n" ERASE "d\n");
	screen_close(&s);

	/* exactly one row's width, then a newline: one row, not two */
	screen_open(&s, 3, 4, "");
	show(&s, "abcd\nefgh\n");
	cr_assert_str_eq(screen_text(&s), "abcd\nefgh\n");
	screen_close(&s);

	/* UTF-8: bytes of one character take one column */
	screen_open(&s, 2, 3, "");
	show(&s, "\xc3\xa9\xc3\xa9\xc3\xa9\n");
	cr_assert_eq(s.keys.asked, 0);
	screen_close(&s);
}

Test(pager, no_rows_means_no_paging)
{
	struct screen s;

	screen_open(&s, 0, 80, "");
	show(&s, "1\n2\n3\n4\n");
	cr_assert_str_eq(screen_text(&s), "1\n2\n3\n4\n");
	screen_close(&s);
}

Test(pager, no_more_after_an_unquoted_pipe)
{
	cr_assert(pager_no_more("show dataplane statistics all | no-more"));
	cr_assert(pager_no_more("show arp | match 10.0 | no-more"));
	cr_assert(pager_no_more("show arp |no-more"));
	cr_assert(pager_no_more("show arp | \"no-more\""), "the word unquoted, as brinkd reads it");
	cr_assert(pager_no_more("show arp | no-more | count"));
	cr_assert_not(pager_no_more("show arp"));
	cr_assert_not(pager_no_more("show arp no-more"), "no pipe");
	cr_assert_not(pager_no_more("show arp | match no-more"), "no-more is what match looks for");
	cr_assert_not(pager_no_more("set interfaces dataplane dp0 description \"a | no-more\""), "inside quotes");
	cr_assert_not(pager_no_more("set interfaces dataplane dp0 description 'a | no-more'"));
	cr_assert_not(pager_no_more("set interfaces dataplane dp0 description a\\|no-more"), "an escaped bar");
	cr_assert_not(pager_no_more("show arp | no-mores"));
	cr_assert_not(pager_no_more("show arp | no-more \"unterminated"), "a line brinkd refuses");
}
