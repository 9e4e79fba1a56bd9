/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The shared text buffer and its quoting rule. */
#include <stdlib.h>

#include <criterion/criterion.h>

#include "common/sbuf.h"

Test(sbuf, grows_and_hands_over_its_text)
{
	struct sbuf b = {0};
	cr_assert_str_eq(sbuf_str(&b), "");
	for (int i = 0; i < 1000; i++)
		sbuf_printf(&b, "%d,", i % 10);
	cr_assert_eq(b.len, 2000);
	char *s = sbuf_take(&b);
	cr_assert_eq(strlen(s), 2000);
	cr_assert_null(b.s, "taken: the buffer is empty again");
	free(s);
	s = sbuf_take(&b);
	cr_assert_str_eq(s, "");
	free(s);
}

Test(sbuf, words_are_quoted_only_when_they_must_be)
{
	struct sbuf b = {0};
	const char *in[] = {"dp0", "", "pod side", "a\"b", "c\\d", "it's"};
	const char *out = "dp0 \"\" \"pod side\" \"a\\\"b\" \"c\\\\d\" \"it's\"";
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		if (i)
			sbuf_add(&b, " ");
		sbuf_add_word(&b, in[i]);
	}
	cr_assert_str_eq(sbuf_str(&b), out);
	sbuf_free(&b);
}
