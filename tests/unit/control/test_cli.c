/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The command handler in-process, without a dataplane. */
#include <criterion/criterion.h>
#include <jansson.h>

#include "helpers.h"

static struct fixture f;

static void setup(void)
{
	fixture_start(&f, "/nonexistent/dataplane.sock");
}
static void teardown(void)
{
	fixture_stop(&f);
}

TestSuite(cli, .init = setup, .fini = teardown);

Test(cli, dispatch_errors)
{
	cr_assert_str_eq(run_err(&f, "shwo"), "unknown command 'shwo' (try '?')\n");
	cr_assert_str_eq(run_err(&f, "show"),
			 "show: incomplete command (expected arp, configuration, conntrack, dataplane, firewall, "
			 "interfaces, ip, log, nat, system, version or vxlan)\n");
	cr_assert_str_eq(run_err(&f, "show ip routes"), "show ip: unknown word 'routes' (expected route)\n");
	cr_assert_str_eq(run_err(&f, "show arp now"), "show arp: unexpected 'now' (nothing may follow)\n");
	cr_assert_str_eq(run_err(&f, "show \"ip"), "unterminated \" quote starting at column 6\n");
	cr_assert_str_eq(run_err(&f, "set interfaces"), "unknown command 'set' (try '?')\n",
			 "set belongs to configuration mode");
	cr_assert_str_eq(run_ok(&f, ""), "");
}

Test(cli, dataplane_shows_without_dataplane)
{
	cr_assert_str_eq(run_err(&f, "show interfaces"), "dataplane not connected\n");
	cr_assert_str_eq(run_err(&f, "show ip route"), "dataplane not connected\n");
	cr_assert_str_eq(run_err(&f, "show arp"), "dataplane not connected\n");
	cr_assert_str_eq(run_err(&f, "clear dataplane statistics"),
			 "clear dataplane statistics: dataplane not connected\n");
	cr_assert_str_eq(run_json(&f, "show dataplane statistics", true, -1),
			 "{\"error\":\"dataplane not connected\"}\n");
}

Test(cli, show_configuration)
{
	const char *out = run_ok(&f, "show configuration");

	assert_has(out, "{ prefix = \"10.20.0.0/16\"; next-hop = \"192.168.10.2\"; }");
	out = run_ok(&f, "show configuration commands");
	assert_has(out, "set interfaces dataplane dp1 mtu 1500\n");

	json_error_t jerr;
	json_t *j = json_loads(run_json(&f, "show configuration", true, 0), 0, &jerr);
	cr_assert_not_null(j, "not JSON: %s", jerr.text);
	cr_assert_not_null(json_object_get(j, "interfaces"));
	json_decref(j);
}

Test(cli, configure_set_compare_discard_exit)
{
	cr_assert_eq(f.s.mode, CLI_OPERATIONAL);
	run_ok(&f, "configure");
	cr_assert_eq(f.s.mode, CLI_CONFIGURATION);
	cr_assert_str_eq(run_ok(&f, "compare"), "no changes\n");

	cr_assert_str_eq(run_err(&f, "set interfaces dataplane dp0 mtu 20"),
			 "set: interfaces dataplane dp0 mtu: '20' is out of range 68-9000\n");
	cr_assert_str_eq(run_err(&f, "set"), "set: a path is missing (try 'set ?')\n");
	run_ok(&f, "set protocols static route 10.21.0.0/16 next-hop 192.168.10.2");
	cr_assert_str_eq(run_ok(&f, "compare"), "+ set protocols static route 10.21.0.0/16 next-hop 192.168.10.2\n");
	run_ok(&f, "delete interfaces dataplane dp1 mtu");
	assert_has(run_ok(&f, "compare"), "- set interfaces dataplane dp1 mtu 1500\n");
	assert_has(run_err(&f, "delete interfaces dataplane dp9"), "delete: ");

	cr_assert_str_eq(run_err(&f, "exit"), "uncommitted changes: commit or discard first (or 'exit discard')\n");
	cr_assert_eq(f.s.mode, CLI_CONFIGURATION);
	run_ok(&f, "discard");
	cr_assert_str_eq(run_ok(&f, "compare"), "no changes\n");
	run_ok(&f, "exit");
	cr_assert_eq(f.s.mode, CLI_OPERATIONAL);
	cr_assert_not(f.s.closed);
	run_ok(&f, "exit");
	cr_assert(f.s.closed);
}

Test(cli, set_and_delete_errors_name_their_command)
{
	run_ok(&f, "configure");
	cr_assert_str_eq(run_err(&f, "delete"), "delete: a path is missing (try 'delete ?')\n");
	cr_assert_str_eq(run_err(&f, "delete interfaces dataplane dp0 mtu 20"),
			 "delete: interfaces dataplane dp0 mtu: '20' is out of range 68-9000\n");
	cr_assert_str_eq(run_err(&f, "exit now"), "exit: unknown word 'now' (expected discard)\n");
}

Test(cli, exit_discard)
{
	run_ok(&f, "configure");
	run_ok(&f, "set interfaces dataplane dp0 description \"pod side\"");
	run_ok(&f, "exit discard");
	cr_assert_eq(f.s.mode, CLI_OPERATIONAL);
	assert_lacks(run_ok(&f, "show configuration"), "pod side");
}

Test(cli, commit_without_dataplane)
{
	struct cfg_node *before = cfg_clone(f.d.running);

	run_ok(&f, "configure");
	cr_assert_str_eq(run_ok(&f, "commit"), "no changes to commit\n");
	run_ok(&f, "set protocols static route 10.21.0.0/16 next-hop 192.168.10.2");
	run_ok(&f, "set interfaces dataplane dp0 description \"pod side\"");
	cr_assert_str_eq(run_ok(&f, "commit"),
			 "warning: dataplane not connected: the configuration will be pushed when it connects\n");
	cr_assert_not(cfg_equal(before, f.d.running));
	cr_assert_eq(f.d.model.n_routes, 2, "the model follows the running configuration");
	cr_assert_str_eq(run_ok(&f, "compare"), "no changes\n");
	run_ok(&f, "exit");
	assert_has(run_ok(&f, "show configuration"), "10.21.0.0/16");
	assert_has(run_ok(&f, "show configuration"), "description = \"pod side\"");
	cfg_free(before);
}

Test(cli, commit_rejected_by_the_model_changes_nothing)
{
	struct cfg_node *before = cfg_clone(f.d.running);

	run_ok(&f, "configure");
	run_ok(&f, "set protocols static route 10.30.0.0/16 next-hop 10.99.9.9");
	const char *out = run_err(&f, "commit");
	assert_has(out, "commit failed: the configuration is not valid:\n");
	assert_has(out, "10.99.9.9");
	cr_assert(cfg_equal(before, f.d.running), "running changed by a refused commit");
	cr_assert_eq(f.d.model.n_routes, 1);
	assert_has(run_ok(&f, "compare"), "+ set protocols static route 10.30.0.0/16 next-hop 10.99.9.9");
	assert_lacks(run_ok(&f, "run show configuration"), "10.30.0.0");
	cfg_free(before);
}

Test(cli, boot_time_notices)
{
	run_ok(&f, "configure");
	run_ok(&f, "set system dataplane idle-sleep 10");
	run_ok(&f, "set interfaces dataplane dp1 device net_null5");
	const char *out = run_ok(&f, "commit");
	assert_has(out, "notice: system dataplane: the change takes effect when brink-dataplane restarts\n");
	assert_has(out, "notice: interfaces dataplane dp1 device: the change takes effect when brink-dataplane "
			"restarts\n");
}

Test(cli, show_candidate_subtree)
{
	run_ok(&f, "configure");
	run_ok(&f, "set protocols static route 10.21.0.0/16 blackhole");
	const char *out = run_ok(&f, "show protocols static");
	assert_has(out, "10.21.0.0/16");
	assert_lacks(out, "interfaces");
	out = run_ok(&f, "show interfaces dataplane dp1");
	assert_has(out, "dp1");
	assert_lacks(out, "dp0");
	assert_lacks(out, "protocols");
	cr_assert_str_eq(run_err(&f, "show interfaces dataplane dp7"),
			 "show: nothing is configured under 'interfaces dataplane dp7'\n");
	assert_has(run_ok(&f, "show"), "system: {");
}

Test(cli, run_from_configuration_mode)
{
	run_ok(&f, "configure");
	assert_has(run_ok(&f, "run show configuration"), "dp0");
	cr_assert_str_eq(run_err(&f, "run show interfaces"), "dataplane not connected\n");
	cr_assert_str_eq(run_err(&f, "run configure"), "run: 'configure' is not available in configuration mode\n");
	cr_assert_str_eq(run_err(&f, "run shwo"), "unknown command 'shwo' (try '?')\n");
	cr_assert_eq(f.s.mode, CLI_CONFIGURATION);
}

Test(cli, save_writes_running)
{
	char path[64];
	struct cfg_errors errs = {0};

	write_file(path, sizeof(path), "");
	run_ok(&f, "configure");
	run_ok(&f, "set protocols static route 10.21.0.0/16 blackhole");
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "save %s", path);
	const char *out = run_ok(&f, cmd);
	assert_has(out, "warning: uncommitted changes are not saved");
	struct cfg_node *saved = cfg_load_file(path, &errs);
	cr_assert_not_null(saved);
	cr_assert(cfg_equal(saved, f.d.running));
	cfg_free(saved);

	run_ok(&f, "commit");
	run_ok(&f, "save");
	saved = cfg_load_file(f.conf, &errs);
	cr_assert_not_null(saved);
	cr_assert(cfg_equal(saved, f.d.running), "save without a file writes brinkd's -f file");
	cfg_free(saved);
	cr_assert_str_eq(run_err(&f, "save /nonexistent/dir/x.conf"),
			 "save: /nonexistent/dir/x.conf: No such file or directory\n");
	unlink(path);
}

Test(cli, completion_and_help)
{
	cr_assert_str_eq(run_ok(&f, "complete sh"), "show\tShow operational state or the configuration\tkeyword\n");
	assert_has(run_ok(&f, "complete show ip \"\""), "route\t");
	assert_has(run_ok(&f, "complete show dataplane statistics \"\""), "all\t");
	cr_assert_str_eq(run_ok(&f, "complete show arp \"\""), "");
	assert_has(run_ok(&f, "?"), "  configure ");
	assert_has(run_ok(&f, "show ?"), "  interfaces ");

	run_ok(&f, "configure");
	cr_assert_str_eq(run_ok(&f, "complete set interf"), "interfaces\tNetwork interfaces\tkeyword\n");
	const char *out = run_ok(&f, "complete set interfaces dataplane d");
	assert_has(out, "dp0\tconfigured\tkeyword\n");
	assert_has(out, "dp2\tconfigured\tkeyword\n");
	assert_has(out, "\tvalue\n");
	assert_has(run_ok(&f, "complete co"), "commit\t");
	assert_has(run_ok(&f, "complete co"), "compare\t");
	assert_has(run_ok(&f, "complete run show \"\""), "interfaces\t");
	assert_has(run_ok(&f, "complete exit \"\""), "discard\t");
	out = run_ok(&f, "set protocols static ?");
	assert_has(out, "  route ");
	assert_has(out, "  arp ");
	assert_has(run_ok(&f, "complete \"\""), "set\t");

	json_error_t jerr;
	json_t *j = json_loads(run_json(&f, "complete set interf", true, 0), 0, &jerr);
	cr_assert(json_is_array(j) && json_array_size(j) == 1);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(j, 0), "word")), "interfaces");
	json_decref(j);
}

Test(cli, json_messages_and_errors)
{
	cr_assert_str_eq(run_json(&f, "shwo", true, -1), "{\"error\":\"unknown command 'shwo' (try '?')\"}\n");
	cr_assert_str_eq(run_json(&f, "configure", true, 0), "{}\n");
	cr_assert_str_eq(run_json(&f, "compare", true, 0), "{\"changes\":[]}\n");
}

Test(cli, broken_file_refused_with_every_error)
{
	char path[64];
	struct brinkd d;
	struct sbuf errs = {0};

	write_file(path, sizeof(path),
		   "interfaces: { dataplane = (\n"
		   "  { name = \"dp0\"; device = \"net_null0\"; address = [ \"172.30.1.300/24\" ]; },\n"
		   "  { name = \"dp1\"; devcie = \"net_null1\"; }\n"
		   "); };\n");
	cr_assert_eq(brinkd_init(&d, path, "/nonexistent.sock", NULL, &errs), -1);
	char where[160];
	snprintf(where, sizeof(where), "%s:2: interfaces dataplane dp0 address: ", path);
	assert_has(sbuf_str(&errs), where);
	assert_has(sbuf_str(&errs), "172.30.1.300");
	snprintf(where, sizeof(where), "%s:3: ", path);
	assert_has(sbuf_str(&errs), where);
	assert_has(sbuf_str(&errs), "devcie");
	brinkd_fini(&d);
	sbuf_free(&errs);
	unlink(path);
}

Test(cli, a_session_cannot_undo_another_sessions_commit)
{
	struct cli_session other;
	struct sbuf out = {0};

	cli_session_init(&other, &f.d);
	run_ok(&f, "configure");
	cr_assert_eq(cli_exec(&other, "configure", false, &out), 0);
	cr_assert_eq(cli_exec(&other, "set protocols static route 10.41.0.0/16 next-hop 192.168.10.2", false, &out), 0);
	cr_assert_eq(cli_exec(&other, "commit", false, &out), 0);

	run_ok(&f, "set protocols static route 10.42.0.0/16 next-hop 192.168.10.2");
	assert_has(run_err(&f, "commit"), "another session committed");
	assert_has(run_ok(&f, "run show configuration"), "10.41.0.0/16");
	assert_lacks(run_ok(&f, "run show configuration"), "10.42.0.0/16");
	/* compare shows this session's change only, not the other session's */
	cr_assert_str_eq(run_ok(&f, "compare"), "+ set protocols static route 10.42.0.0/16 next-hop 192.168.10.2\n");

	/* update carries it onto the new running configuration */
	assert_has(run_ok(&f, "update"), "1 change carried over");
	assert_has(run_ok(&f, "show protocols static"), "10.41.0.0/16");
	cr_assert_str_eq(run_ok(&f, "compare"), "+ set protocols static route 10.42.0.0/16 next-hop 192.168.10.2\n");
	run_ok(&f, "commit");
	assert_has(run_ok(&f, "run show configuration"), "10.41.0.0/16");
	assert_has(run_ok(&f, "run show configuration"), "10.42.0.0/16");
	cli_session_fini(&other);
	sbuf_free(&out);
}

Test(cli, unique_prefixes_abbreviate_commands_and_settings)
{
	assert_has(run_ok(&f, "sh conf comm"), "set interfaces dataplane dp1 mtu 1500\n");
	cr_assert_str_eq(run_err(&f, "sh i"), "sh: 'i' is ambiguous: interfaces ip\n");
	cr_assert_str_eq(run_err(&f, "c"), "'c' is ambiguous: clear configure\n");
	run_ok(&f, "conf");
	run_ok(&f, "set int data dp0 desc pods");
	cr_assert_str_eq(run_ok(&f, "compare"), "+ set interfaces dataplane dp0 description pods\n");
	assert_has(run_err(&f, "set interfaces dataplane dp0 d x"), "'d' is ambiguous (device description disable)");
	run_ok(&f, "exit discard");
}

Test(cli, edit_up_and_top_move_the_edit_level)
{
	run_ok(&f, "configure");
	run_ok(&f, "edit protocols static route 10.50.0.0/16");
	run_ok(&f, "set next-hop 192.168.10.5 distance 5");
	run_ok(&f, "set blackhole distance 9");
	assert_has(run_ok(&f, "show"), "next-hop = ( { address = \"192.168.10.5\"; distance = 5; } );");
	run_ok(&f, "up");
	assert_has(run_ok(&f, "show"), "10.20.0.0/16");
	run_ok(&f, "top");
	assert_has(run_ok(&f, "show"), "interfaces: {");
	cr_assert_str_eq(run_ok(&f, "compare"),
			 "+ set protocols static route 10.50.0.0/16 next-hop 192.168.10.5 distance 5\n"
			 "+ set protocols static route 10.50.0.0/16 blackhole distance 9\n");
	assert_has(run_err(&f, "edit interfaces dataplane dp0 mtu"), "not a level to edit");
	assert_has(run_err(&f, "up"), "already at the top");
	run_ok(&f, "edit int data dp1");
	assert_has(run_ok(&f, "complete set \"\""), "mtu\t");
	run_ok(&f, "exit discard");
}

Test(cli, output_filters)
{
	const char *out = run_ok(&f, "show configuration commands | match dp1");
	assert_has(out, "set interfaces dataplane dp1 mtu 1500\n");
	assert_lacks(out, "dp0");
	out = run_ok(&f, "show configuration commands | except interfaces | except static");
	assert_lacks(out, "interfaces");
	assert_has(out, "set system");
	cr_assert_str_eq(run_ok(&f, "show configuration commands | match dp0 | count"), "Count: 2 lines\n");
	assert_has(run_ok(&f, "show configuration commands | json"), "{\"commands\":[");
	cr_assert_str_eq(run_ok(&f, "show configuration commands | match \"mtu 1500\" | json | count"),
			 "{\"count\":1}\n");
	assert_has(run_ok(&f, "show configuration | no-more"), "interfaces: {");
	assert_has(run_err(&f, "show configuration | grep x"), "unknown filter");
	assert_has(run_err(&f, "show configuration | match"), "a regular expression is missing");
	assert_has(run_err(&f, "show configuration | match ("), "| match: Unmatched (");
}

Test(cli, show_configuration_under_a_path)
{
	const char *out = run_ok(&f, "show configuration protocols static");
	assert_has(out, "10.20.0.0/16");
	assert_lacks(out, "interfaces");
	assert_has(run_ok(&f, "show configuration commands interfaces dataplane dp1"),
		   "set interfaces dataplane dp1 mtu 1500\n");
	assert_has(run_err(&f, "show configuration system dataplane punt"), "nothing is configured under");
}

Test(cli, load_and_merge_a_file)
{
	char path[64];

	write_file(path, sizeof(path),
		   "system: { dataplane: { worker = ( { id = 0; cpu = 1; } ); }; };\n"
		   "interfaces: { dataplane = ( { name = \"dp0\"; device = \"net_null0\"; address = [ "
		   "\"172.30.9.1/24\" ]; } ); };\n");
	run_ok(&f, "configure");
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "merge %s", path);
	assert_has(run_ok(&f, cmd), "merged");
	assert_has(run_ok(&f, "compare"), "+ set interfaces dataplane dp0 address 172.30.9.1/24\n");
	assert_lacks(run_ok(&f, "compare"), "- set");
	snprintf(cmd, sizeof(cmd), "load %s", path);
	assert_has(run_ok(&f, cmd), "loaded");
	assert_has(run_ok(&f, "compare"), "- set interfaces dataplane dp1");
	assert_has(run_err(&f, "load /nonexistent/x.conf"), "is not valid, the candidate is unchanged");
	run_ok(&f, "exit discard");
	unlink(path);
}

Test(cli, status_version_and_log_without_a_dataplane)
{
	assert_has(run_ok(&f, "show dataplane"), "not connected");
	assert_has(run_ok(&f, "show configuration"), "# the dataplane is not connected");
	assert_has(run_ok(&f, "show version"), "Brink ");
	assert_has(run_ok(&f, "show version"), "brink-dataplane not connected");
	json_error_t jerr;
	json_t *j = json_loads(run_json(&f, "show dataplane", true, 0), 0, &jerr);
	cr_assert(j && json_is_false(json_object_get(j, "connected")), "%s", jerr.text);
	cr_assert(json_is_null(json_object_get(j, "generation")));
	json_decref(j);
	brinkd_log("a line for show log");
	assert_has(run_ok(&f, "show log"), "brinkd    a line for show log\n");
	assert_has(run_ok(&f, "show log count 1"), "a line for show log");
	assert_has(run_err(&f, "show log count 0"), "not a number from 1 to 1000");
}

/* The candidate is not the file: after save (which lays the file out anew)
 * a line number would point at the wrong setting. Errors name paths. */
Test(cli, commit_errors_cite_paths_not_stale_file_lines)
{
	run_ok(&f, "configure");
	run_ok(&f, "save");
	/* the next hop, a setting from the file, is no longer on a subnet */
	run_ok(&f, "delete interfaces dataplane dp1 address 192.168.10.1/24");
	const char *out = run_err(&f, "commit");
	assert_has(out, "protocols static route 10.20.0.0/16 next-hop 192.168.10.2: next-hop 192.168.10.2 is not in a "
			"connected subnet");
	assert_lacks(out, f.conf);
	assert_lacks(out, "line ");
	assert_has(run_ok(&f, "run show log"), "refused: the configuration is not valid:");
	run_ok(&f, "exit discard");
}
