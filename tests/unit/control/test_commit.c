/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The operator's safety net through the CLI: commit comments, the commit
 * archive (show system commit), compare N / N M, rollback N, and
 * commit-confirm with its deadline, driven by a clock the tests set. */
#include <criterion/criterion.h>
#include <jansson.h>

#include "helpers.h"
#include "mock_dp.h"

static struct fixture f;
static long long clock_now;

static long long test_clock(void)
{
	return clock_now;
}

static void setup(void)
{
	fixture_start(&f, "/nonexistent/dataplane.sock");
	clock_now = 1000000;
	f.d.clock_ms = test_clock;
}

static void teardown(void)
{
	fixture_stop(&f);
}

TestSuite(commit, .init = setup, .fini = teardown);

static void pass(long long ms)
{
	clock_now += ms;
	brinkd_tick(&f.d);
}

static json_t *json_of(const char *line)
{
	json_error_t jerr;
	json_t *j = json_loads(run_json(&f, line, true, 0), 0, &jerr);

	cr_assert_not_null(j, "'%s': not JSON: %s", line, jerr.text);
	return j;
}

static unsigned lines(const char *text)
{
	unsigned n = 0;

	for (; *text; text++)
		n += *text == '\n';
	return n;
}

static bool running_has(const char *what)
{
	char *cmds = cfg_to_commands(f.d.running);
	bool has = strstr(cmds, what) != NULL;

	free(cmds);
	return has;
}

/* brinkd stopped and started again on the same files. */
static void restart(void)
{
	struct sbuf errs = {0};

	cli_session_fini(&f.s);
	brinkd_fini(&f.d);
	cr_assert_eq(brinkd_init(&f.d, f.conf, "/nonexistent/dataplane.sock", NULL, &errs), 0, "%s", sbuf_str(&errs));
	f.d.clock_ms = test_clock;
	cli_session_init(&f.s, &f.d);
	snprintf(f.s.user, sizeof(f.s.user), "tester");
	sbuf_free(&errs);
}

/* Two commits on top of the boot revision: revision 2 boot, 1 route A, 0 A and B. */
static void two_commits(void)
{
	run_ok(&f, "configure");
	run_ok(&f, "set protocols static route 10.31.0.0/16 blackhole");
	run_ok(&f, "commit comment \"route A\"");
	run_ok(&f, "set protocols static route 10.32.0.0/16 blackhole");
	run_ok(&f, "commit comment \"route B\"");
}

#define ROUTE_A "set protocols static route 10.31.0.0/16 blackhole"
#define ROUTE_B "set protocols static route 10.32.0.0/16 blackhole"

Test(commit, the_loaded_configuration_is_revision_0)
{
	char want[160];
	const char *out = run_ok(&f, "show system commit");

	snprintf(want, sizeof(want), " by brinkd via boot  \"loaded %s\"\n", f.conf);
	cr_assert_eq(strncmp(out, "0   ", 4), 0, "%s", out);
	assert_has(out, want);
	cr_assert_eq(lines(out), 1);

	restart();
	cr_assert_eq(lines(run_ok(&f, "show system commit")), 1, "a restart on the same file adds no revision");

	struct cfg_node *edited = cfg_clone(f.d.running);
	struct cfg_error ce;
	const char *route[] = {"protocols", "static", "route", "10.33.0.0/16", "blackhole"};
	cr_assert_eq(cfg_set(edited, 5, route, &ce), 0);
	cr_assert_eq(cfg_save_file(edited, f.conf), 0);
	cfg_free(edited);
	restart();
	out = run_ok(&f, "show system commit");
	cr_assert_eq(lines(out), 2, "a changed file is a revision of its own: %s", out);
	assert_has(out, "0   ");
	assert_has(out, "1   ");
	run_ok(&f, "configure");
	assert_has(run_ok(&f, "compare 1"), "+ set protocols static route 10.33.0.0/16 blackhole\n");
}

Test(commit, comments_and_the_json_of_show_system_commit)
{
	two_commits();
	const char *out = run_ok(&f, "run show system commit");
	cr_assert_eq(lines(out), 3, "%s", out);
	cr_assert_eq(strncmp(out, "0   ", 4), 0, "%s", out);
	assert_has(out, " by tester via cli  \"route B\"\n1   ");
	assert_has(out, " by tester via cli  \"route A\"\n2   ");

	json_t *j = json_of("run show system commit");
	cr_assert(json_is_array(j) && json_array_size(j) == 3);
	json_t *r0 = json_array_get(j, 0);
	char *keys = json_dumps(r0, JSON_COMPACT | JSON_PRESERVE_ORDER);
	cr_assert_eq(strncmp(keys, "{\"revision\":0,\"id\":3,\"time\":\"", 29), 0, "%s", keys);
	free(keys);
	const char *order[] = {"revision", "id", "time", "time_s", "user", "via", "comment", "confirm_pending"};
	size_t k = 0;
	const char *key;
	json_t *val;
	json_object_foreach(r0, key, val)
	{
		cr_assert(k < 8 && strcmp(key, order[k]) == 0, "key %zu is '%s'", k, key);
		k++;
	}
	cr_assert_eq(k, 8);
	cr_assert_str_eq(json_string_value(json_object_get(r0, "user")), "tester");
	cr_assert_str_eq(json_string_value(json_object_get(r0, "via")), "cli");
	cr_assert_str_eq(json_string_value(json_object_get(r0, "comment")), "route B");
	cr_assert(json_is_null(json_object_get(r0, "confirm_pending")));
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(j, 2), "via")), "boot");
	json_decref(j);

	out = run_ok(&f, "run show system commit 1");
	cr_assert_eq(strncmp(out, "# revision 1: ", 14), 0, "%s", out);
	assert_has(out, " by tester via cli \"route A\"\n");
	assert_has(out, "{ prefix = \"10.31.0.0/16\"; blackhole: { }; }");
	assert_lacks(out, "10.32.0.0/16");
	cr_assert_str_eq(run_ok(&f, "run show system commit file 1"), out);
	j = json_of("run show system commit 1");
	cr_assert_eq(json_integer_value(json_object_get(j, "revision")), 1);
	cr_assert_not_null(json_object_get(json_object_get(j, "configuration"), "protocols"));
	json_decref(j);

	cr_assert_str_eq(run_ok(&f, "run show system commit diff 0"), "+ " ROUTE_B "\n");
	cr_assert_str_eq(run_err(&f, "run show system commit diff 2"),
			 "show system commit diff 2: revision 2 is the oldest kept; there is none before it to compare "
			 "with\n");
	cr_assert_str_eq(run_err(&f, "run show system commit 5"),
			 "show system commit 5: no revision 5 (only revisions 0-2 exist)\n");
	assert_has(run_ok(&f, "run show system commit | match route"), "\"route A\"");
	cr_assert_str_eq(run_ok(&f, "run show system commit | match \"route A\" | count"), "Count: 1 line\n");
}

Test(commit, comment_errors)
{
	char cmd[400];

	run_ok(&f, "configure");
	run_ok(&f, "set protocols static route 10.31.0.0/16 blackhole");
	cr_assert_str_eq(run_err(&f, "commit comment"), "commit: comment needs a value <text>\n");
	snprintf(cmd, sizeof(cmd), "commit comment %0300d", 7);
	cr_assert_str_eq(run_err(&f, cmd), "commit: the comment is 300 bytes long; at most 255 fit\n");
	cr_assert_str_eq(run_err(&f, "commit now"), "commit: unknown word 'now' (try 'commit ?')\n");
	cr_assert(running_has("10.20.0.0/16") && !running_has("10.31.0.0/16"), "nothing was committed");
	run_ok(&f, "commit comm \"an abbreviated keyword\"");
	assert_has(run_ok(&f, "run show system commit"), "\"an abbreviated keyword\"");
}

Test(commit, compare_with_revisions)
{
	two_commits();
	cr_assert_str_eq(run_ok(&f, "compare 0"), "no differences between revision 0 and the candidate\n");
	run_ok(&f, "set protocols static route 10.39.0.0/16 blackhole");
	cr_assert_str_eq(run_ok(&f, "compare 0"), "+ set protocols static route 10.39.0.0/16 blackhole\n");
	cr_assert_str_eq(run_ok(&f, "compare 2"),
			 "+ " ROUTE_A "\n+ " ROUTE_B "\n+ set protocols static route 10.39.0.0/16 blackhole\n");
	cr_assert_str_eq(run_ok(&f, "compare 0 2"), "+ " ROUTE_A "\n+ " ROUTE_B "\n");
	cr_assert_str_eq(run_ok(&f, "compare 2 0"), "- " ROUTE_A "\n- " ROUTE_B "\n");
	cr_assert_str_eq(run_ok(&f, "compare 1 1"), "no differences between revisions 1 and 1\n");
	cr_assert_str_eq(run_ok(&f, "compare"), "+ set protocols static route 10.39.0.0/16 blackhole\n",
			 "plain compare is still this session's changes");
	cr_assert_str_eq(run_json(&f, "compare 0 1", true, 0), "{\"changes\":[\"+ " ROUTE_B "\"]}\n");

	cr_assert_str_eq(run_err(&f, "compare 2 9"), "compare 2 9: no revision 9 (only revisions 0-2 exist)\n");
	cr_assert_str_eq(run_err(&f, "compare x"), "compare x: 'x' is not a revision number (only revisions 0-2 "
						   "exist; 'show system commit' lists them)\n");
	cr_assert_str_eq(run_err(&f, "compare -1"), "compare -1: '-1' is not a revision number (only revisions 0-2 "
						    "exist; 'show system commit' lists them)\n");
	assert_has(run_err(&f, "compare 0 1 2"), "compare: unknown word '2'");
}

Test(commit, rollback_commits_an_earlier_revision)
{
	struct cfg_node *boot = cfg_clone(f.d.running);

	two_commits();
	const char *out = run_ok(&f, "rollback 2");
	assert_has(out, "rollback 2: committed revision 2 again; it is revision 0 now\n");
	cr_assert(cfg_equal(f.d.running, boot), "running is revision 2 again");
	cr_assert_str_eq(run_ok(&f, "compare"), "no changes\n", "the candidate follows");
	out = run_ok(&f, "run show system commit");
	cr_assert_eq(lines(out), 4);
	assert_has(out, " by tester via rollback  \"rollback to revision 2\"\n1   ");
	cr_assert_str_eq(run_ok(&f, "compare 0 1"), "- " ROUTE_A "\n- " ROUTE_B "\n");

	run_ok(&f, "rollback 1");
	cr_assert(running_has(ROUTE_A) && running_has(ROUTE_B), "and back again");

	cr_assert_str_eq(run_ok(&f, "rollback 0"),
			 "rollback 0: revision 0 is the running configuration already; nothing to commit\n");
	cr_assert_eq(f.d.archive.n, 5);
	cr_assert_str_eq(run_err(&f, "rollback 7"), "rollback 7: no revision 7 (only revisions 0-4 exist)\n");
	assert_has(run_err(&f, "rollback"), "rollback: <n> is missing");

	run_ok(&f, "delete protocols static route 10.31.0.0/16");
	cr_assert_str_eq(run_err(&f, "rollback 3"), "rollback 3: this session has uncommitted changes ('compare' shows "
						    "them); commit or discard them first\n");
	cr_assert(running_has(ROUTE_A));
	assert_has(run_ok(&f, "run show log"), "rollback 3 by tester refused: the session has uncommitted changes");
	cfg_free(boot);
}

Test(commit, commit_confirm_rolls_back_at_the_deadline)
{
	struct cfg_node *before = cfg_clone(f.d.running);

	run_ok(&f, "configure");
	run_ok(&f, "set protocols static route 10.31.0.0/16 blackhole");
	const char *out = run_ok(&f, "commit-confirm 1 comment \"try route A\"");
	assert_has(out,
		   "commit-confirm: unless 'confirm' follows within 1 minute (from any session), brinkd rolls back "
		   "to the configuration before this commit\n");
	cr_assert(running_has(ROUTE_A));
	out = run_ok(&f, "run show system commit");
	cr_assert_eq(strncmp(out,
			     "commit-confirm by tester pending: unless 'confirm' follows within 60 s, brinkd rolls "
			     "back revision 0 to revision 1\n0   ",
			     112),
		     0, "%s", out);
	assert_has(out, " by tester via commit-confirm  \"try route A\"\n");
	json_t *j = json_of("run show system commit");
	char *pending = json_dumps(json_object_get(json_array_get(j, 0), "confirm_pending"), JSON_COMPACT);
	cr_assert_str_eq(pending, "{\"user\":\"tester\",\"minutes\":1,\"rollback_in_s\":60}");
	free(pending);
	cr_assert(json_is_null(json_object_get(json_array_get(j, 1), "confirm_pending")));
	json_decref(j);

	pass(59000);
	cr_assert(running_has(ROUTE_A), "not before the deadline");
	assert_has(run_ok(&f, "run show system commit"), "within 1 s,");
	pass(1000);
	cr_assert(cfg_equal(f.d.running, before), "rolled back at the deadline");
	out = run_ok(&f, "run show system commit");
	cr_assert_eq(lines(out), 3, "%s", out);
	cr_assert_eq(strncmp(out, "0   ", 4), 0, "no longer pending: %s", out);
	assert_has(out, " by brinkd via commit-confirm rollback  \"commit-confirm by tester not confirmed within 1 "
			"minute\"\n1   ");
	assert_has(
		run_ok(&f, "run show log"),
		"commit-confirm by tester not confirmed within 1 minute: rolled back to the configuration before it");
	j = json_of("run show system commit");
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(j, 0), "via")), "commit-confirm rollback");
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(j, 0), "user")), "brinkd");
	json_decref(j);

	pass(120000);
	cr_assert_eq(f.d.archive.n, 3, "one rollback only");
	/* this session's candidate predates the rollback */
	assert_has(run_err(&f, "commit"), "another session committed since");
	cfg_free(before);
}

Test(commit, confirm_keeps_it)
{
	struct cli_session other;
	struct sbuf out = {0};

	run_ok(&f, "configure");
	run_ok(&f, "set protocols static route 10.31.0.0/16 blackhole");
	assert_has(run_ok(&f, "commit-confirm"), "within 10 minutes");
	cr_assert_eq(f.d.confirm.deadline_ms, clock_now + 600000, "10 minutes by default, as in VyOS");
	pass(30000);
	cr_assert_str_eq(run_ok(&f, "confirm"), "confirmed: the commit-confirm by tester stays\n");
	pass(3600000);
	cr_assert(running_has(ROUTE_A));
	cr_assert_eq(f.d.archive.n, 2);
	cr_assert_str_eq(run_ok(&f, "confirm"), "nothing to confirm: no commit-confirm is waiting\n");

	/* from another session */
	cli_session_init(&other, &f.d);
	snprintf(other.user, sizeof(other.user), "other");
	run_ok(&f, "set protocols static route 10.32.0.0/16 blackhole");
	run_ok(&f, "commit-confirm 5");
	cr_assert_eq(cli_exec(&other, "configure", false, &out), 0);
	sbuf_reset(&out);
	cr_assert_eq(cli_exec(&other, "confirm", false, &out), 0);
	cr_assert_str_eq(sbuf_str(&out), "confirmed: the commit-confirm by tester stays\n");
	assert_has(run_ok(&f, "run show log"), "commit-confirm by tester confirmed by other");
	pass(600000);
	cr_assert(running_has(ROUTE_B));
	cli_session_fini(&other);
	sbuf_free(&out);
}

Test(commit, a_later_commit_confirms)
{
	run_ok(&f, "configure");
	run_ok(&f, "set protocols static route 10.31.0.0/16 blackhole");
	run_ok(&f, "commit-confirm 1");
	run_ok(&f, "set protocols static route 10.32.0.0/16 blackhole");
	assert_has(run_err(&f, "commit-confirm 5"),
		   "commit failed: the commit-confirm by tester still waits for 'confirm' "
		   "(rollback in 60 s); 'confirm' it first, or use 'commit', which "
		   "confirms it\n");
	cr_assert_not(running_has(ROUTE_B));
	assert_has(run_ok(&f, "run show log"), "commit by tester via commit-confirm refused: the commit-confirm");
	assert_has(run_ok(&f, "commit"),
		   "notice: this commit confirms the commit-confirm by tester: there will be no rollback\n");
	pass(61000);
	cr_assert(running_has(ROUTE_A) && running_has(ROUTE_B));

	/* a rollback is a commit too */
	run_ok(&f, "set protocols static route 10.33.0.0/16 blackhole");
	run_ok(&f, "commit-confirm 1");
	assert_has(run_ok(&f, "rollback 1"), "notice: this commit confirms the commit-confirm by tester");
	pass(61000);
	cr_assert(running_has(ROUTE_B), "revision 1 stays");
	cr_assert_not(running_has("10.33.0.0/16"));
}

Test(commit, commit_confirm_arguments)
{
	run_ok(&f, "configure");
	cr_assert_str_eq(run_ok(&f, "commit-confirm 1"), "no changes to commit (nothing to confirm, no rollback)\n");
	cr_assert_not(f.d.confirm.pending);
	run_ok(&f, "set protocols static route 10.31.0.0/16 blackhole");
	cr_assert_str_eq(run_err(&f, "commit-confirm 0"), "commit-confirm: '0' is not a number from 1 to 60\n");
	cr_assert_str_eq(run_err(&f, "commit-confirm 61"), "commit-confirm: '61' is not a number from 1 to 60\n");
	cr_assert_str_eq(run_err(&f, "commit-confirm 5 now"),
			 "commit-confirm: unknown word 'now' (try 'commit-confirm ?')\n");
	cr_assert_not(running_has(ROUTE_A));
	run_ok(&f, "commit-confirm comment \"no minutes\"");
	cr_assert_eq(f.d.confirm.minutes, 10);
	assert_has(run_ok(&f, "run show system commit"), "via commit-confirm  \"no minutes\"");
}

Test(commit, help_and_completion)
{
	run_ok(&f, "configure");
	run_ok(&f, "set protocols static route 10.31.0.0/16 blackhole");
	run_ok(&f, "commit");
	assert_has(run_ok(&f, "complete commit-c"), "commit-confirm\t");
	const char *out = run_ok(&f, "complete commit-confirm \"\"");
	assert_has(out, "<1-60>\tMinutes until brinkd rolls back unless 'confirm' follows (default 10)\tvalue\n");
	assert_has(out, "comment\t");
	assert_has(run_ok(&f, "commit ?"), "  comment ");
	out = run_ok(&f, "complete rollback \"\"");
	assert_has(out, "<n>\t");
	assert_has(out, "0\t");
	assert_has(out, " by tester via cli\tkeyword\n");
	assert_has(out, "1\t");
	assert_has(out, " by brinkd via boot\tkeyword\n");
	out = run_ok(&f, "compare 1 ?");
	assert_has(out, "  <m> ");
	assert_has(out, "  0 ");
	assert_has(run_ok(&f, "complete conf"), "confirm\t");
	out = run_ok(&f, "run show system commit ?");
	assert_has(out, "  diff ");
	assert_has(out, "  file ");
	assert_has(out, "  <n> ");
}

Test(commit, refused_commits_are_logged)
{
	struct cli_session other;
	struct sbuf out = {0};

	run_ok(&f, "configure");
	run_ok(&f, "set protocols static route 10.30.0.0/16 next-hop 10.99.9.9");
	run_err(&f, "commit comment \"bad hop\"");
	assert_has(run_ok(&f, "run show log"),
		   "commit by tester via cli \"bad hop\" refused: the configuration is not valid:");
	cr_assert_eq(f.d.archive.n, 1, "a refused commit is no revision");
	run_ok(&f, "discard");

	cli_session_init(&other, &f.d);
	snprintf(other.user, sizeof(other.user), "other");
	cr_assert_eq(cli_exec(&other, "configure", false, &out), 0);
	cr_assert_eq(cli_exec(&other, "set protocols static route 10.41.0.0/16 blackhole", false, &out), 0);
	cr_assert_eq(cli_exec(&other, "commit", false, &out), 0);
	run_ok(&f, "set protocols static route 10.42.0.0/16 blackhole");
	run_err(&f, "commit");
	const char *log = run_ok(&f, "run show log");
	assert_has(log, "commit by other via cli accepted");
	assert_has(log, "commit by tester refused: another session committed since this one started editing");
	cli_session_fini(&other);
	sbuf_free(&out);
}

Test(commit, a_damaged_or_missing_archive_does_not_stop_brinkd)
{
	char path[160];
	FILE *fp;

	two_commits();
	archive_poll(&f.d.archive, true); /* the file is written: the damage is not overwritten */
	snprintf(path, sizeof(path), "%s/archive/revision-000003.conf.gz", f.dir);
	cr_assert_not_null(fp = fopen(path, "w"));
	fputs("\x01garbage", fp);
	fclose(fp);
	restart();
	const char *log = run_ok(&f, "show log");
	assert_has(log, "revision-000003.conf.gz is damaged (its first line is not a revision header); set aside as ");
	const char *out = run_ok(&f, "show system commit");
	cr_assert_eq(lines(out), 3, "revision 3 is gone, the file's configuration is revision 0: %s", out);
	assert_has(out, "0   ");
	assert_has(out, " by brinkd via boot ");

	/* the whole directory goes away under a running brinkd, its files written */
	archive_poll(&f.d.archive, true);
	snprintf(path, sizeof(path), "%s/archive", f.dir);
	remove_tree(path);
	run_ok(&f, "configure");
	run_ok(&f, "set protocols static route 10.35.0.0/16 blackhole");
	run_ok(&f, "commit comment \"kept in memory\"");
	archive_poll(&f.d.archive, true); /* the file is written, or not, after the commit */
	out = run_ok(&f, "run show log");
	assert_has(out, "commit archive: cannot write ");
	assert_has(out, "; revision 5 is kept in memory only");
	cr_assert(running_has("10.35.0.0/16"), "the commit is applied all the same");
	assert_has(run_ok(&f, "run show system commit"), "\"kept in memory\"");
	assert_has(run_ok(&f, "compare 0"), "no differences");
	assert_has(run_err(&f, "rollback 1"), "revision 1 cannot be read back from ");
}

Test(commit, a_second_brinkd_on_the_same_archive_keeps_its_own_in_memory)
{
	struct brinkd d2;
	struct cli_session s2;
	struct sbuf errs = {0}, out = {0};
	char want[128];

	cr_assert_eq(brinkd_init(&d2, f.conf, "/nonexistent/dataplane.sock", NULL, &errs), 0, "%s", sbuf_str(&errs));
	snprintf(want, sizeof(want),
		 "is in use by another brinkd (pid %ld); this one keeps its revisions in memory only", (long)getpid());
	assert_has(run_ok(&f, "show log"), want);
	cli_session_init(&s2, &d2);
	cr_assert_eq(cli_exec(&s2, "configure", false, &out), 0);
	cr_assert_eq(cli_exec(&s2, "set protocols static route 10.36.0.0/16 blackhole", false, &out), 0);
	cr_assert_eq(cli_exec(&s2, "commit", false, &out), 0);
	cr_assert_eq(d2.archive.n, 2);
	cr_assert_eq(f.d.archive.n, 1, "the first brinkd's archive is its own");
	sbuf_reset(&out);
	cr_assert_eq(cli_exec(&s2, "run show system commit", false, &out), 0);
	assert_has(sbuf_str(&out), " by unknown via cli\n");
	cli_session_fini(&s2);
	brinkd_fini(&d2);
	sbuf_free(&errs);
	sbuf_free(&out);
}

/* With a dataplane: the rollback is one transaction of the whole state. */
static struct mock_dp mock;

static void setup_dp(void)
{
	mock_dp_start(&mock);
	fixture_start(&f, mock.path);
	clock_now = 1000000;
	f.d.clock_ms = test_clock;
	brinkd_tick(&f.d);
	cr_assert(dpc_connected(&f.d.dp));
}

static void teardown_dp(void)
{
	fixture_stop(&f);
	mock_dp_stop(&mock);
}

TestSuite(commit_dp, .init = setup_dp, .fini = teardown_dp);

Test(commit_dp, commit_confirm_rollback_reaches_the_dataplane)
{
	run_ok(&f, "configure");
	run_ok(&f, "set protocols static route 10.31.0.0/16 blackhole");
	run_ok(&f, "commit-confirm 1");
	cr_assert_eq(mock.n_commits, 2);
	cr_assert_eq(mock.run.n_routes, 2);
	pass(60000);
	cr_assert_eq(mock.n_commits, 3, "the rollback is one transaction");
	cr_assert_eq(mock.run.n_routes, 1);
	cr_assert_eq(mock.run.routes[0].prefix, 0x0a140000, "10.20.0.0/16, untouched, is still there");
	assert_has(run_ok(&f, "run show log"),
		   "commit by brinkd via commit-confirm rollback \"commit-confirm by tester "
		   "not confirmed within 1 minute\" pushed (generation ");
}
