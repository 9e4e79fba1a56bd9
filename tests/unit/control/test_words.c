/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The command-line word parser shared by brinkd and brinksh. */
#include <criterion/criterion.h>
#include <string.h>

#include "control/words.h"

static struct words split_ok(const char *line)
{
	struct words w;
	char err[128] = "";

	cr_assert_eq(words_split(line, &w, err, sizeof(err)), 0, "'%s': %s", line, err);
	return w;
}

static void split_fails(const char *line, const char *msg)
{
	struct words w;
	char err[128] = "";

	cr_assert_eq(words_split(line, &w, err, sizeof(err)), -1, "'%s' was accepted", line);
	cr_assert(strstr(err, msg), "'%s': error '%s' lacks '%s'", line, err, msg);
}

Test(words, plain_and_spaces)
{
	struct words w = split_ok("  set  interfaces\tdataplane dp0 ");

	cr_assert_eq(w.argc, 4);
	cr_assert_str_eq(w.argv[0], "set");
	cr_assert_str_eq(w.argv[1], "interfaces");
	cr_assert_str_eq(w.argv[3], "dp0");
	cr_assert_null(w.argv[4]);
	cr_assert(w.trailing_space);
	words_free(&w);

	w = split_ok("show ip rou");
	cr_assert_eq(w.argc, 3);
	cr_assert_not(w.trailing_space);
	words_free(&w);

	w = split_ok("");
	cr_assert_eq(w.argc, 0);
	cr_assert(w.trailing_space);
	words_free(&w);
}

Test(words, quotes)
{
	struct words w = split_ok("set description \"pods \\\"east\\\" side\" 'a \"b\" \\c' x\"y z\"w \"\"");

	cr_assert_eq(w.argc, 6);
	cr_assert_str_eq(w.argv[2], "pods \"east\" side");
	cr_assert_str_eq(w.argv[3], "a \"b\" \\c");
	cr_assert_str_eq(w.argv[4], "xy zw");
	cr_assert_str_eq(w.argv[5], "");
	words_free(&w);

	w = split_ok("a\\ b \"c\\d\"");
	cr_assert_eq(w.argc, 2);
	cr_assert_str_eq(w.argv[0], "a b");
	cr_assert_str_eq(w.argv[1], "c\\d", "a backslash before another character stays inside double quotes");
	words_free(&w);
}

Test(words, errors_say_where)
{
	split_fails("set description \"open", "unterminated \" quote starting at column 17");
	split_fails("say 'open", "unterminated ' quote starting at column 5");
	split_fails("trailing \\", "backslash at the end of the line (column 10)");

	char line[512] = "";
	for (int i = 0; i <= WORDS_MAX; i++)
		strcat(line, "w ");
	split_fails(line, "too many words (at most 64) at column 129");
}

Test(words, quote_and_join_round_trip)
{
	const char *argv[] = {"set", "a b", "q\"uote", "back\\slash", "", "it's"};
	struct sbuf b = {0};

	words_join(&b, 6, argv);
	cr_assert_str_eq(sbuf_str(&b), "set \"a b\" \"q\\\"uote\" \"back\\\\slash\" \"\" \"it's\"");
	struct words w = split_ok(sbuf_str(&b));
	cr_assert_eq(w.argc, 6);
	for (int i = 0; i < 6; i++)
		cr_assert_str_eq(w.argv[i], argv[i]);
	words_free(&w);
	sbuf_free(&b);
}
