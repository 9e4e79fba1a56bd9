/* SPDX-License-Identifier: GPL-2.0-or-later */
/* brinkd's dataplane connection against a mock dataplane: the HELLO it
 * sends, notifications between requests and before replies, a dataplane
 * another brinkd controls, and takeover. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>

#include "helpers.h"
#include "mock_dp.h"

static struct mock_dp mock;
static struct fixture f;
static char notes[4][256];
static unsigned n_notes;

static void note(void *arg, const char *text)
{
	(void)arg;
	if (n_notes < 4)
		snprintf(notes[n_notes++], sizeof(notes[0]), "%s", text);
}

static void setup(void)
{
	mock_dp_start(&mock);
	fixture_start(&f, mock.path);
	f.d.dp.on_notify = note;
	brinkd_tick(&f.d);
	cr_assert(dpc_connected(&f.d.dp), "brinkd did not connect to the mock dataplane");
}

static void teardown(void)
{
	fixture_stop(&f);
	mock_dp_stop(&mock);
}

TestSuite(dpc, .init = setup, .fini = teardown);

/* Drops the connection as the dataplane would and lets brinkd notice. */
static void disconnect(void)
{
	mock_dp_drop(&mock);
	brinkd_dp_readable(&f.d);
	cr_assert_not(dpc_connected(&f.d.dp));
}

Test(dpc, hello_names_this_brinkd_and_asks_for_nothing_more)
{
	cr_assert_eq(mock.hello_pid, (uint32_t)getpid());
	cr_assert_eq(mock.hello_flags, 0);
}

Test(dpc, a_notify_between_requests_is_passed_on_and_the_connection_stays)
{
	mock_dp_notify(&mock, "refused a second brinkd (pid 7): this one stays in control");
	brinkd_dp_readable(&f.d);
	cr_assert(dpc_connected(&f.d.dp), "a notification closed the connection");
	cr_assert(f.d.synced);
	cr_assert_eq(n_notes, 1);
	cr_assert_str_eq(notes[0], "refused a second brinkd (pid 7): this one stays in control");
	brinkd_tick(&f.d);
	cr_assert_eq(mock.n_commits, 1, "a notification is no reason to push again");
}

Test(dpc, a_notify_before_a_reply_is_passed_on_and_the_reply_still_read)
{
	mock.notify_before = DP_MSG_PORT_DUMP;
	snprintf(mock.notify_text, sizeof(mock.notify_text),
		 "refused a second brinkd (pid 8): this one stays in control");
	assert_has(run_ok(&f, "show interfaces"), "dp1: net_null1");
	cr_assert(dpc_connected(&f.d.dp));
	cr_assert_eq(n_notes, 1);
	cr_assert_str_eq(notes[0], mock.notify_text);
}

Test(dpc, a_notify_then_the_end_of_the_connection)
{
	mock_dp_notify(&mock, "taken over by brinkd pid 9");
	disconnect();
	cr_assert_not(f.d.synced, "a new connection must push again");
	cr_assert_eq(n_notes, 1);
	cr_assert_str_eq(notes[0], "taken over by brinkd pid 9");
}

Test(dpc, a_dataplane_another_brinkd_controls_is_asked_again_and_the_refusal_logged_once)
{
	char expect[256];
	char *log = NULL;
	size_t log_len = 0;

	cr_redirect_stderr();
	mock.busy_pid = 4242;
	disconnect();
	for (unsigned i = 0; i < 3; i++) {
		brinkd_tick(&f.d);
		cr_assert_not(dpc_connected(&f.d.dp));
	}
	cr_assert_eq(mock.n_refused, 3, "brinkd gave up asking");
	cr_assert_eq(mock.hello_flags, 0, "brinkd asked to take over without --takeover");

	fflush(stderr);
	FILE *out = cr_get_redirected_stderr();
	FILE *copy = open_memstream(&log, &log_len);
	for (int ch; (ch = fgetc(out)) != EOF;)
		fputc(ch, copy);
	fclose(copy);
	snprintf(expect, sizeof(expect),
		 "brinkd: dataplane at %s is controlled by another brinkd (pid 4242); stop it, or start this one "
		 "with --takeover (retrying every second)\n",
		 mock.path);
	const char *first = strstr(log, expect);
	cr_assert(first, "expected '%s' in:\n%s", expect, log);
	cr_assert_null(strstr(first + 1, expect), "the refusal was logged more than once:\n%s", log);
	free(log);

	mock.busy_pid = 0;
	brinkd_tick(&f.d);
	cr_assert(dpc_connected(&f.d.dp), "brinkd did not connect once the other one was gone");
	cr_assert_eq(mock.n_commits, 1, "the dataplane runs this configuration (its generation says so)");
}

Test(dpc, takeover_is_asked_for_the_first_connection_only)
{
	disconnect();
	f.d.dp.takeover = true;
	brinkd_tick(&f.d);
	cr_assert(dpc_connected(&f.d.dp));
	cr_assert_eq(mock.hello_flags, DP_HELLO_F_TAKEOVER);

	disconnect();
	brinkd_tick(&f.d);
	cr_assert(dpc_connected(&f.d.dp));
	cr_assert_eq(mock.hello_flags, 0, "a reconnect took over again: two such brinkds would swap the dataplane");
}
