/* SPDX-License-Identifier: GPL-2.0-or-later */
/* "monitor dataplane trace", "show dataplane trace" and "clear dataplane
 * trace" against the mock dataplane: parameters, the job's output as packets
 * complete, its end and its interruption, text and JSON. */
#include <criterion/criterion.h>
#include <jansson.h>

#include "helpers.h"

static struct mock_dp mock;
static struct fixture f;
static struct sbuf job_out;

static void setup(void)
{
	fixture_start_mock(&f, &mock);
}

static void teardown(void)
{
	sbuf_free(&job_out);
	fixture_stop_mock(&f, &mock);
}

TestSuite(trace, .init = setup, .fini = teardown);

static void step(struct dp_trace_pkt *p, const char *stage, const char *text, const char *counter, bool last)
{
	struct dp_trace_step *s = &p->steps[p->n_steps];

	snprintf(s->stage, sizeof(s->stage), "%s", stage);
	snprintf(s->text, sizeof(s->text), "%s", text);
	snprintf(s->counter, sizeof(s->counter), "%s", counter);
	s->last = last;
	s->elapsed_us = 2u * p->n_steps;
	p->n_steps++;
	p->done = last;
}

/* What the dataplane would have recorded: a UDP packet from the pod. */
static struct dp_trace_pkt *packet(unsigned index, uint32_t dst)
{
	struct dp_trace_pkt *p = &mock.trace_pkts[index];

	*p = (struct dp_trace_pkt){.index = index,
				   .origin = DP_TRACE_FROM_PORT,
				   .in_port = "dp0",
				   .frame_len = 60,
				   .dst_mac = {2, 0, 0, 0, 0, 1},
				   .src_mac = {2, 0xaa, 0, 0, 0, 0x0a},
				   .ethertype = 0x0800,
				   .has = DP_TRACE_HAS_IP4 | DP_TRACE_HAS_PORTS,
				   .proto = 17,
				   .src_ip = 0xac1e010a,
				   .dst_ip = dst,
				   .ip_len = 46,
				   .ttl = 64,
				   .src_port = 12345,
				   .dst_port = 53};
	step(p, "eth_input", "IPv4 accepted for 02:00:00:00:00:01", "", false);
	if (index + 1 > mock.n_trace_pkts)
		mock.n_trace_pkts = index + 1;
	return p;
}

static void forwarded(unsigned index)
{
	struct dp_trace_pkt *p = packet(index, 0xc0a80a0a);

	step(p, "ip4_route", "route 192.168.10.10/32 -> host 192.168.10.10 on dp1 (02:bb:00:00:00:0a)", "", false);
	step(p, "ip4_forward", "TTL 64 -> 63, to 02:bb:00:00:00:0a on dp1", "", false);
	step(p, "tx", "sent on dp1 queue 0", "", true);
}

static void unrouted(unsigned index)
{
	struct dp_trace_pkt *p = packet(index, 0xcb007101);

	step(p, "ip4_route", "no route to 203.0.113.1", "drop.ip4.no_route", false);
	step(p, "drop", "", "icmp.errors_rate_limited", true);
}

/* No route, answered with an ICMP error that was sent. */
static void answered(unsigned index)
{
	struct dp_trace_pkt *p = packet(index, 0xcb007101);

	step(p, "ip4_route", "no route to 203.0.113.1", "drop.ip4.no_route", false);
	step(p, "icmp", "net unreachable (3/0) to 172.30.1.10 from 172.30.1.1", "", false);
	step(p, "tx", "sent on dp0 queue 0", "", true);
}

static void set_picked(unsigned picked, unsigned done)
{
	pthread_mutex_lock(&mock.lock);
	mock.trace.picked = (uint16_t)picked;
	mock.trace.done = (uint16_t)done;
	mock.trace.armed = picked < mock.trace.count;
	mock.trace.recording = mock.trace.armed || done < picked;
	pthread_mutex_unlock(&mock.lock);
}

/* One tick of the session's job; its output in job_out. */
static int tick(void)
{
	sbuf_reset(&job_out);
	cr_assert_not_null(f.s.job, "the command left a job");
	return f.s.job->tick(f.s.job, &f.s, &job_out);
}

Test(trace, parameters_are_checked)
{
	cr_assert_str_eq(run_err(&f, "monitor dataplane trace"),
			 "monitor dataplane trace: <1-1000> is missing (How many packets to trace)\n");
	cr_assert_str_eq(run_err(&f, "monitor dataplane trace 0"),
			 "monitor dataplane trace: '0' is not a number from 1 to 1000\n");
	cr_assert_str_eq(run_err(&f, "monitor dataplane trace 1001"),
			 "monitor dataplane trace: '1001' is not a number from 1 to 1000\n");
	cr_assert_str_eq(run_err(&f, "monitor dataplane trace 5 interface"),
			 "monitor dataplane trace: interface needs a value <name>\n");
	cr_assert_str_eq(run_err(&f, "monitor dataplane trace 5 bogus"),
			 "monitor dataplane trace: unknown word 'bogus' (try 'monitor dataplane trace ?')\n");
	cr_assert_str_eq(run_err(&f, "monitor dataplane trace 5 interface dp9"),
			 "monitor dataplane trace: no port named 'dp9' in the dataplane\n");
	cr_assert_null(f.s.job, "no job for a refused command");

	cr_assert_str_eq(run_ok(&f, "mon data tr 5 int dp1"),
			 "Tracing the next 5 packets received on dp1 (trace 7); each is shown once it has left.\n");
	cr_assert_eq(mock.trace_started.count, 5);
	cr_assert_str_eq(mock.trace_started.port, "dp1");
	cr_assert_not_null(f.s.job);
	cr_assert_eq(f.s.job->period_ms, 100);
	cr_assert_eq(f.s.job->fd, -1);
}

Test(trace, the_job_prints_each_packet_once_it_is_done_then_ends)
{
	run_ok(&f, "monitor dataplane trace 3");
	cr_assert_eq(mock.trace_started.count, 3);
	cr_assert_str_eq(mock.trace_started.port, "");

	cr_assert_eq(tick(), 1, "nothing yet: go on");
	cr_assert_str_eq(sbuf_str(&job_out), "");

	pthread_mutex_lock(&mock.lock);
	forwarded(0);
	packet(1, 0xc0a80a0a); /* still on its way */
	pthread_mutex_unlock(&mock.lock);
	set_picked(2, 1);
	cr_assert_eq(tick(), 1);
	const char *out = sbuf_str(&job_out);
	assert_has(out, "packet 1, received on dp0 (w0) at ");
	assert_has(out, "  02:aa:00:00:00:0a > 02:00:00:00:00:01, IPv4 172.30.1.10 > 192.168.10.10 UDP 12345 > 53, "
			"TTL 64, 46 bytes (frame 60 bytes)\n");
	assert_has(out, "       0us w0   eth_input    IPv4 accepted for 02:00:00:00:00:01\n");
	assert_has(out, "       4us w0   ip4_forward  TTL 64 -> 63, to 02:bb:00:00:00:0a on dp1\n");
	assert_has(out, "       6us w0   tx           sent on dp1 queue 0\n  => sent\n");
	assert_lacks(out, "packet 2");

	cr_assert_eq(tick(), 1);
	cr_assert_str_eq(sbuf_str(&job_out), "", "a packet is shown once");
	cr_assert_eq(mock.trace_first, 1, "the next dump starts at the first packet not shown");

	pthread_mutex_lock(&mock.lock);
	forwarded(1);
	unrouted(2);
	pthread_mutex_unlock(&mock.lock);
	set_picked(3, 3);
	cr_assert_eq(tick(), 0, "three of three: the job is done");
	out = sbuf_str(&job_out);
	assert_has(out, "packet 2, received on dp0");
	assert_has(out, "packet 3, received on dp0");
	assert_has(out, "ip4_route    no route to 203.0.113.1  [drop.ip4.no_route]\n");
	assert_has(out, "drop         [icmp.errors_rate_limited]\n  => dropped: drop.ip4.no_route\n");
	cli_job_stop(&f.s);
	cr_assert_eq(mock.n_trace_stops, 0, "a trace that ended needs no stop");
}

Test(trace, an_interrupted_job_stops_its_trace_and_keeps_the_packets)
{
	run_ok(&f, "monitor dataplane trace 5");
	uint32_t id = mock.trace.id;
	pthread_mutex_lock(&mock.lock);
	forwarded(0);
	pthread_mutex_unlock(&mock.lock);
	set_picked(1, 1);
	cr_assert_eq(tick(), 1);
	cli_job_stop(&f.s);
	cr_assert_null(f.s.job);
	cr_assert_eq(mock.n_trace_stops, 1);
	cr_assert_eq(mock.trace_stop_id, id, "the stop names its own trace");
	cr_assert_eq(mock.n_trace_clears, 0);
	assert_has(run_ok(&f, "show dataplane trace"), "packet 1, received on dp0");
}

Test(trace, a_trace_replaced_by_another_ends_the_job)
{
	run_ok(&f, "monitor dataplane trace 5");
	pthread_mutex_lock(&mock.lock);
	mock.trace.id += 100;
	pthread_mutex_unlock(&mock.lock);
	cr_assert_lt(tick(), 0);
	cr_assert_str_eq(sbuf_str(&job_out),
			 "monitor dataplane trace: another trace replaced this one after 0 of 5 packets\n");
	cli_job_stop(&f.s);
	cr_assert_eq(mock.n_trace_stops, 0, "the other trace is left alone");

	run_ok(&f, "monitor dataplane trace 5");
	cr_assert_str_eq(run_ok(&f, "clear dataplane trace"), "", "another session's clear");
	cr_assert_lt(tick(), 0);
	cr_assert_str_eq(sbuf_str(&job_out), "monitor dataplane trace: the trace was cleared after 0 of 5 packets\n");
}

Test(trace, a_trace_stopped_elsewhere_ends_the_job_with_what_it_picked)
{
	run_ok(&f, "monitor dataplane trace 5");
	pthread_mutex_lock(&mock.lock);
	forwarded(0);
	pthread_mutex_unlock(&mock.lock);
	set_picked(1, 1);
	pthread_mutex_lock(&mock.lock);
	mock.trace.armed = mock.trace.recording = 0;
	pthread_mutex_unlock(&mock.lock);
	cr_assert_eq(tick(), 0);
	assert_has(sbuf_str(&job_out), "packet 1, received on dp0");
	assert_has(sbuf_str(&job_out), "The trace stopped after 1 of 5 packets.\n");
}

Test(trace, the_job_in_json_gives_one_document_per_packet)
{
	json_error_t jerr;

	cr_assert_str_eq(run_json(&f, "monitor dataplane trace 2", true, 0), "", "the job's first output is its own");
	cr_assert(f.s.job->json);
	pthread_mutex_lock(&mock.lock);
	forwarded(0);
	unrouted(1);
	pthread_mutex_unlock(&mock.lock);
	set_picked(2, 2);
	cr_assert_eq(tick(), 0);
	const char *out = sbuf_str(&job_out), *nl = strchr(out, '\n');
	cr_assert_not_null(nl);
	cr_assert_eq(strchr(nl + 1, '\n'), out + job_out.len - 1, "two lines");

	json_t *a = json_loadb(out, (size_t)(nl - out), 0, &jerr), *b = json_loads(nl + 1, 0, &jerr);
	cr_assert(a && b, "not JSON: %s", jerr.text);
	cr_assert_eq(json_integer_value(json_object_get(a, "trace")), mock.trace.id);
	cr_assert_eq(json_integer_value(json_object_get(a, "index")), 0);
	cr_assert_str_eq(json_string_value(json_object_get(a, "interface")), "dp0");
	cr_assert_str_eq(json_string_value(json_object_get(a, "origin")), "port");
	cr_assert_str_eq(json_string_value(json_object_get(a, "result")), "sent");
	cr_assert(json_is_null(json_object_get(a, "drop")));
	cr_assert(json_is_null(json_object_get(a, "arp")));
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(a, "ipv4"), "dst")), "192.168.10.10");
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(a, "ports"), "dst")), 53);
	json_t *steps = json_object_get(a, "steps");
	cr_assert_eq(json_array_size(steps), 4);
	json_t *s = json_array_get(steps, 1);
	cr_assert_str_eq(json_string_value(json_object_get(s, "stage")), "ip4_route");
	cr_assert(json_is_null(json_object_get(s, "counter")));
	cr_assert_eq(json_integer_value(json_object_get(s, "worker")), 0);
	cr_assert_eq(json_integer_value(json_object_get(s, "elapsed_us")), 2);

	cr_assert_str_eq(json_string_value(json_object_get(b, "result")), "dropped");
	cr_assert_str_eq(json_string_value(json_object_get(b, "drop")), "drop.ip4.no_route");
	s = json_array_get(json_object_get(b, "steps"), 2);
	cr_assert_str_eq(json_string_value(json_object_get(s, "counter")), "icmp.errors_rate_limited");
	json_decref(a);
	json_decref(b);
}

Test(trace, show_and_clear)
{
	json_error_t jerr;

	cr_assert_str_eq(run_ok(&f, "show dataplane trace"),
			 "No trace yet: 'monitor dataplane trace <n>' starts one.\n");
	run_ok(&f, "monitor dataplane trace 4 interface dp0");
	cli_job_stop(&f.s);
	pthread_mutex_lock(&mock.lock);
	forwarded(0);
	unrouted(1);
	packet(2, 0x0a140505);
	answered(3);
	pthread_mutex_unlock(&mock.lock);
	set_picked(4, 3);
	const char *out = run_ok(&f, "show dataplane trace");
	assert_has(out, "Trace 7: 4 of 4 packets picked on dp0, 3 done; following the packets still on their way\n");
	assert_has(out, "packet 1, received on dp0");
	assert_has(out, "  => dropped: drop.ip4.no_route\n");
	assert_has(out, "IPv4 172.30.1.10 > 10.20.5.5 UDP 12345 > 53");
	assert_has(out, "  => still on its way\n");
	assert_has(out, "  => dropped: drop.ip4.no_route (an answer was sent)\n");

	json_t *j = json_loads(run_json(&f, "show dataplane trace", true, 0), 0, &jerr);
	cr_assert(json_is_array(j), "not a JSON array: %s", jerr.text);
	cr_assert_eq(json_array_size(j), 4);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(j, 0), "result")), "sent");
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(j, 1), "result")), "dropped");
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(j, 2), "result")), "in_flight");
	cr_assert(json_is_false(json_object_get(json_array_get(j, 2), "done")));
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(j, 3), "result")), "answered");
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(j, 3), "drop")), "drop.ip4.no_route");
	json_decref(j);
	cr_assert_str_eq(run_ok(&f, "show dataplane trace | match \"no route to\" | count"), "Count: 2 lines\n");

	cr_assert_str_eq(run_ok(&f, "clear dataplane trace"), "");
	cr_assert_eq(mock.n_trace_clears, 1);
	cr_assert_str_eq(run_ok(&f, "show dataplane trace"), "The trace was cleared.\n");
}

Test(trace, help_and_completion)
{
	assert_has(run_ok(&f, "?"), "  monitor ");
	assert_has(run_ok(&f, "show dataplane ?"), "  trace ");
	assert_has(run_ok(&f, "clear dataplane ?"), "  trace ");
	assert_has(run_ok(&f, "monitor dataplane trace ?"), "  <1-1000>                 How many packets to trace\n");
	cr_assert_str_eq(run_ok(&f, "complete monitor dataplane trace 5 \"\""),
			 "interface\tOnly packets received on this interface\tkeyword\n");
	const char *out = run_ok(&f, "complete monitor dataplane trace 5 interface \"\"");
	assert_has(out, "<name>\tOnly packets received on this interface\tvalue\n");
	assert_has(out, "dp0\tdataplane interface\tkeyword\n");
}

Test(trace, without_a_dataplane)
{
	mock_dp_drop(&mock);
	brinkd_dp_readable(&f.d);
	cr_assert_str_eq(run_err(&f, "monitor dataplane trace 2"),
			 "monitor dataplane trace: dataplane not connected\n");
	cr_assert_str_eq(run_err(&f, "show dataplane trace"), "show dataplane trace: dataplane not connected\n");
	cr_assert_str_eq(run_err(&f, "clear dataplane trace"), "clear dataplane trace: dataplane not connected\n");
}
