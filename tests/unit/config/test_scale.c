/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Large tag lists: the index keeps them in order, trees are shared, big files load and save back. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "common/sbuf.h"
#include "helpers.h"

/* Distinct prefixes, numbered in the order the tree keeps them: by address,
 * then length (10.0.0.0/8 < 10.0.0.0/16 < 10.0.1.0/24 < 11.0.0.0/8). */
#define N_PREFIXES 600

static void prefix_at(unsigned i, char out[PREFIX4_STR_LEN])
{
	static const uint8_t lens[] = {8, 16, 24};
	uint32_t ip = (uint32_t)(10 + i / 3) << 24 | (i % 3 == 2 ? 1u << 8 : 0);

	prefix4_fmt(ip, lens[i % 3], out);
}

static int route_edit(struct cfg_node *t, bool set, unsigned i)
{
	char prefix[PREFIX4_STR_LEN];
	const char *argv[] = {"protocols", "static", "route", prefix, "blackhole"};
	struct cfg_error err;

	prefix_at(i, prefix);
	return set ? cfg_set(t, 5, argv, &err) : cfg_delete(t, 4, argv, &err);
}

/* The commands the tree must give for the prefixes marked present. */
static char *expected(const bool *present)
{
	struct sbuf b = {0};
	char prefix[PREFIX4_STR_LEN];

	for (unsigned i = 0; i < N_PREFIXES; i++) {
		prefix_at(i, prefix);
		if (present[i])
			sbuf_printf(&b, "set protocols static route %s blackhole\n", prefix);
	}
	return sbuf_take(&b);
}

Test(config_index, random_sets_and_deletes_keep_order_and_find_every_entry)
{
	struct cfg_node *t = cfg_new();
	bool present[N_PREFIXES] = {0};
	unsigned seed = 12345;

	for (unsigned round = 0; round < 8; round++) {
		for (unsigned k = 0; k < 400; k++) {
			seed = seed * 1103515245u + 12345u;
			unsigned i = (seed >> 8) % N_PREFIXES;
			bool set = (seed >> 4) & 1;
			/* a delete finds the entry, or says it is not there */
			cr_assert_eq(route_edit(t, set, i), set || present[i] ? 0 : -1, "%s %u", set ? "set" : "delete",
				     i);
			present[i] = set;
		}
		char *want = expected(present), *got = cfg_to_commands(t);
		cr_assert_str_eq(got, want, "round %u", round);
		free(want);
		free(got);
	}
	/* a copy has an index of its own: editing it leaves the original alone */
	struct cfg_node *copy = cfg_clone(t);
	char *before = cfg_to_commands(t);
	for (unsigned i = 0; i < N_PREFIXES; i++)
		cr_assert_eq(route_edit(copy, false, i), present[i] ? 0 : -1);
	char *after = cfg_to_commands(t), *emptied = cfg_to_commands(copy);
	cr_assert_str_eq(after, before);
	cr_assert_str_eq(emptied, "");
	free(before);
	free(after);
	free(emptied);
	cfg_free(copy);
	cfg_free(t);
}

Test(config_index, first_middle_and_last_entries_insert_and_delete_in_place)
{
	struct cfg_node *t = cfg_new();
	char *cmds;

	cr_assert_eq(route_edit(t, true, 4), 0); /* 11.0.0.0/16 */
	cr_assert_eq(route_edit(t, true, 0), 0); /* 10.0.0.0/8: first */
	cr_assert_eq(route_edit(t, true, 8), 0); /* 12.0.1.0/24: last */
	cr_assert_eq(route_edit(t, true, 2), 0); /* 10.0.1.0/24: between */
	cr_assert_eq(route_edit(t, true, 2), 0); /* again: nothing new */
	cmds = cfg_to_commands(t);
	cr_assert_str_eq(cmds, "set protocols static route 10.0.0.0/8 blackhole\n"
			       "set protocols static route 10.0.1.0/24 blackhole\n"
			       "set protocols static route 11.0.0.0/16 blackhole\n"
			       "set protocols static route 12.0.1.0/24 blackhole\n");
	free(cmds);
	cr_assert_eq(route_edit(t, false, 0), 0);
	cr_assert_eq(route_edit(t, false, 8), 0);
	cr_assert_eq(route_edit(t, false, 8), -1);
	cmds = cfg_to_commands(t);
	cr_assert_str_eq(cmds, "set protocols static route 10.0.1.0/24 blackhole\n"
			       "set protocols static route 11.0.0.0/16 blackhole\n");
	free(cmds);
	cfg_free(t);
}

Test(config_index, names_are_ordered_as_text)
{
	struct cfg_node *t = cfg_new();
	const char *names[] = {"dp2", "dp10", "a", "dp1"};
	struct cfg_error err;
	char *cmds;

	for (unsigned i = 0; i < 4; i++) {
		const char *argv[] = {"interfaces", "dataplane", names[i], "disable"};
		cr_assert_eq(cfg_set(t, 4, argv, &err), 0, "%s", err.msg);
	}
	const char *del[] = {"interfaces", "dataplane", "dp10"};
	cr_assert_eq(cfg_delete(t, 3, del, &err), 0, "%s", err.msg);
	cmds = cfg_to_commands(t);
	cr_assert_str_eq(cmds, "set interfaces dataplane a disable\n"
			       "set interfaces dataplane dp1 disable\n"
			       "set interfaces dataplane dp2 disable\n");
	free(cmds);
	cfg_free(t);
}

Test(config_share, a_shared_tree_is_edited_only_after_unshare)
{
	struct cfg_node *t = cfg_new(), *holder;
	struct cfg_error err;

	cr_assert_eq(route_edit(t, true, 0), 0);
	holder = cfg_share(t);
	cr_assert_eq(holder, t);
	cr_assert(cfg_equal(holder, t));
	const char *argv[] = {"protocols", "static", "route", "10.9.0.0/16", "blackhole"};
	cr_assert_eq(cfg_set(t, 5, argv, &err), -1);
	cr_assert(strstr(err.msg, "shared"), "%s", err.msg);
	cr_assert_eq(cfg_delete(t, 4, argv, &err), -1);

	cfg_unshare(&t);
	cr_assert_neq(t, holder);
	cr_assert(cfg_equal(holder, t));
	cr_assert_eq(cfg_set(t, 5, argv, &err), 0, "%s", err.msg);
	cr_assert_not(cfg_equal(holder, t));

	/* the last holder edits in place */
	struct cfg_node *mine = t;
	cfg_unshare(&t);
	cr_assert_eq(t, mine);
	cfg_free(holder);
	cfg_free(t);
}

/* A generated 200k-route file, in no order: it loads sorted, saves, and loads
 * back to the same tree and the same text. */
Test(config_file, generated_200k_routes_load_save_load_is_a_fixed_point)
{
	const unsigned n = 200000;
	size_t cap = (size_t)n * 64 + 512, len;
	char *text = malloc(cap), *r1, *r2, prefix[PREFIX4_STR_LEN], gateway[IP4_STR_LEN];
	struct cfg_errors errs;
	struct cfg_node *t1, *t2;
	struct brink_model m;

	len = (size_t)scale_head(text, cap, n);
	for (unsigned i = 0, k = 0; k < n; i++)
		if (scale_route(i, prefix, gateway))
			len += (size_t)snprintf(text + len, cap - len, "%s{ prefix = \"%s\"; next-hop = \"%s\"; }\n",
						k++ ? "," : "", prefix, gateway);
	snprintf(text + len, cap - len, "); }; };\n");
	t1 = cfg_load_string(text, "generated", &errs);
	cr_assert(t1, "%s", errs_text(&errs));
	cr_assert_eq(brink_model_build(t1, &m, &errs), 0, "%s", errs_text(&errs));
	cr_assert_eq(m.n_routes, n);
	for (unsigned i = 1; i < m.n_routes; i++) {
		const struct brink_route *a = &m.routes[i - 1], *b = &m.routes[i];
		cr_assert(a->prefix < b->prefix || (a->prefix == b->prefix && a->prefix_len < b->prefix_len),
			  "routes %u and %u out of order", i - 1, i);
	}
	brink_model_free(&m);
	r1 = cfg_render(t1);
	t2 = cfg_load_string(r1, "saved", &errs);
	cr_assert(t2, "%s", errs_text(&errs));
	cr_assert(cfg_equal(t1, t2));
	r2 = cfg_render(t2);
	cr_assert(strcmp(r1, r2) == 0, "the saved file renders differently when loaded back");
	free(r1);
	free(r2);
	free(text);
	cfg_free(t1);
	cfg_free(t2);
}
