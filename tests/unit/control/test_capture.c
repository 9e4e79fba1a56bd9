/* SPDX-License-Identifier: GPL-2.0-or-later */
/* "monitor traffic" and "monitor interfaces": their parameters, the packet
 * lines, capture filters over a pcapng stream, rates, and the checks made
 * before anything is started (against the mock dataplane). */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pcap/pcap.h>
#include <stdint.h>

#include "control/capture.h"
#include "control/monitor.h"
#include "control/words.h"
#include "helpers.h"
#include "mock_dp.h"

/* ---- parameters ---- */

static int parse(const char *line, struct capture_request *req, struct sbuf *out)
{
	struct cli_reply r = {.out = out};
	struct words w;
	char err[128];

	sbuf_reset(out);
	cr_assert_eq(words_split(line, &w, err, sizeof(err)), 0, "%s", err);
	int rc = capture_parse(w.argc, w.argv, req, &r);
	words_free(&w);
	return rc;
}

Test(capture, the_filter_takes_the_rest_of_the_line)
{
	struct capture_request req;
	struct sbuf out = {0};

	cr_assert_eq(parse("dp0 count 3 filter tcp port 22 and host 10.0.0.1", &req, &out), 0, "%s", sbuf_str(&out));
	cr_assert_str_eq(req.interface, "dp0");
	cr_assert_eq(req.count, 3);
	cr_assert_eq(req.view, CAPTURE_BRIEF);
	cr_assert_str_eq(req.filter, "tcp port 22 and host 10.0.0.1");

	/* words after the filter are the filter's, keywords or not; abbreviations work */
	cr_assert_eq(parse("dp1 fil icmp and not host 1.2.3.4 count 5", &req, &out), 0, "%s", sbuf_str(&out));
	cr_assert_str_eq(req.filter, "icmp and not host 1.2.3.4 count 5");
	cr_assert_eq(req.count, 0);
	cr_assert_eq(parse("dp0 verb filter \"udp port 53\"", &req, &out), 0, "%s", sbuf_str(&out));
	cr_assert_eq(req.view, CAPTURE_VERBOSE);
	cr_assert_str_eq(req.filter, "udp port 53");

	/* a value that looks like a keyword stays a value */
	cr_assert_eq(parse("dp0 save /tmp/filter filter arp", &req, &out), 0, "%s", sbuf_str(&out));
	cr_assert_eq(req.view, CAPTURE_SAVE);
	cr_assert_str_eq(req.save, "/tmp/filter");
	cr_assert_str_eq(req.filter, "arp");
	sbuf_free(&out);
}

Test(capture, parameter_errors)
{
	struct capture_request req;
	struct sbuf out = {0};

	cr_assert_lt(parse("", &req, &out), 0);
	cr_assert_str_eq(sbuf_str(&out), "monitor traffic: <name> is missing (Dataplane interface to capture on)\n");
	cr_assert_lt(parse("dp0 count 0", &req, &out), 0);
	cr_assert_str_eq(sbuf_str(&out), "monitor traffic count: '0' is not a number from 1 to 1000000\n");
	cr_assert_lt(parse("dp0 filter", &req, &out), 0);
	assert_has(sbuf_str(&out), "monitor traffic filter: the expression is missing");
	cr_assert_lt(parse("dp0 save capture.pcapng", &req, &out), 0);
	assert_has(sbuf_str(&out), "'capture.pcapng' is not an absolute path");
	cr_assert_lt(parse("dp0 verbose save /tmp/x.pcapng", &req, &out), 0);
	assert_has(sbuf_str(&out), "use one of them");
	cr_assert_lt(parse("dp0 detail", &req, &out), 0);
	cr_assert_str_eq(sbuf_str(&out), "monitor traffic: unknown word 'detail' (try 'monitor traffic ?')\n");
	cr_assert_lt(parse("dp0 count", &req, &out), 0);
	cr_assert_str_eq(sbuf_str(&out), "monitor traffic: count needs a value <1-1000000>\n");
	sbuf_free(&out);
}

/* ---- a packet line ---- */

static const char ping_line[] = "7\t1700000000.250000000\t0x00000002\t192.168.10.10\t172.30.1.10\tICMP\t98\t"
				"Echo (ping) reply    id=0x0001, seq=1/256, ttl=63";

Test(capture, packet_lines_as_text_and_json)
{
	struct sbuf out = {0};
	json_error_t jerr;

	cr_assert_eq(capture_format_packet(ping_line, "dp0", false, &out), 0);
	assert_has(sbuf_str(&out), ".250000 out 192.168.10.10   -> 172.30.1.10     ICMP      98 Echo (ping) reply");
	cr_assert_eq(sbuf_str(&out)[strlen(sbuf_str(&out)) - 1], '\n');

	sbuf_reset(&out);
	cr_assert_eq(capture_format_packet(ping_line, "dp0", true, &out), 0);
	json_t *j = json_loads(sbuf_str(&out), 0, &jerr);
	cr_assert_not_null(j, "not JSON: %s", sbuf_str(&out));
	cr_assert_eq(json_integer_value(json_object_get(j, "number")), 7);
	cr_assert_float_eq(json_real_value(json_object_get(j, "time")), 1700000000.25, 1e-6);
	cr_assert_str_eq(json_string_value(json_object_get(j, "interface")), "dp0");
	cr_assert_str_eq(json_string_value(json_object_get(j, "direction")), "out");
	cr_assert_str_eq(json_string_value(json_object_get(j, "source")), "192.168.10.10");
	cr_assert_str_eq(json_string_value(json_object_get(j, "destination")), "172.30.1.10");
	cr_assert_str_eq(json_string_value(json_object_get(j, "protocol")), "ICMP");
	cr_assert_eq(json_integer_value(json_object_get(j, "length")), 98);
	assert_has(json_string_value(json_object_get(j, "info")), "Echo (ping) reply");
	json_decref(j);

	sbuf_reset(&out);
	cr_assert_eq(capture_format_packet("Capturing on '-'", "dp0", false, &out), -EINVAL);
	cr_assert_eq(capture_format_packet("1\t2\t3", "dp0", true, &out), -EINVAL);
	cr_assert_eq(out.len, 0);
	sbuf_free(&out);
}

/* ---- capture filters over pcapng ---- */

struct buf {
	uint8_t d[2048];
	size_t len;
};

static void put(struct buf *b, const void *p, size_t len)
{
	cr_assert_leq(b->len + len, sizeof(b->d));
	memcpy(b->d + b->len, p, len);
	b->len += len;
}

/* A pcapng block: type, total length, the body padded to 4 bytes, the length again. */
static void block(struct buf *b, uint32_t type, const void *body, size_t len)
{
	uint32_t total = 12 + (uint32_t)((len + 3) & ~(size_t)3);
	static const uint8_t pad[3];

	put(b, &type, 4);
	put(b, &total, 4);
	put(b, body, len);
	put(b, pad, total - 12 - len);
	put(b, &total, 4);
}

/* An enhanced packet block of an Ethernet/IPv4 frame of IP protocol proto
 * (UDP: to port dport; ICMP: an echo reply). */
static void packet(struct buf *b, uint8_t proto, uint16_t dport)
{
	uint8_t body[20 + 42] = {0}, *eth = body + 20;
	uint32_t hdr[5] = {0, 0, 0, 42, 42}; /* interface, time (2), captured and original length */

	memcpy(body, hdr, sizeof(hdr));
	eth[12] = 0x08, eth[14] = 0x45, eth[17] = 28, eth[22] = 64, eth[23] = proto;
	eth[26] = 10, eth[29] = 1, eth[30] = 10, eth[33] = 2;
	eth[36] = (uint8_t)(dport >> 8), eth[37] = (uint8_t)dport;
	block(b, 6, body, sizeof(body));
}

/* A section header, an interface, and packets: ICMP, UDP to 53, UDP to 54, ICMP. */
static void stream(struct buf *b)
{
	uint32_t shb[4] = {0x1A2B3C4D, 1, 0xffffffff, 0xffffffff}; /* magic, version 1.0, length unknown */
	uint32_t idb[2] = {1, 65535};                              /* Ethernet, snap length */

	b->len = 0;
	block(b, 0x0A0D0D0A, shb, sizeof(shb));
	block(b, 1, idb, sizeof(idb));
	packet(b, 1, 0);
	packet(b, 17, 53);
	packet(b, 17, 54);
	packet(b, 1, 0);
}

/* Runs the filter stage over the stream; returns the packets that passed
 * and checks that every other block did. */
static unsigned filtered(const char *expr, unsigned long count, bool *in_dataplane)
{
	struct bpf_program prog;
	struct buf in;
	char err[256], path[2][64];
	int fd[2];

	cr_assert_eq(capture_filter_compile(expr, &prog, in_dataplane, err, sizeof(err)), 0, "%s", err);
	stream(&in);
	write_file(path[0], sizeof(path[0]), "");
	write_file(path[1], sizeof(path[1]), "");
	fd[0] = open(path[0], O_RDWR);
	fd[1] = open(path[1], O_RDWR);
	cr_assert_eq(write(fd[0], in.d, in.len), (ssize_t)in.len);
	lseek(fd[0], 0, SEEK_SET);
	cr_assert_eq(capture_filter_stream(fd[0], fd[1], &prog, count), 0);

	off_t size = lseek(fd[1], 0, SEEK_END);
	uint8_t *got = malloc((size_t)size + 1);
	cr_assert_eq(pread(fd[1], got, (size_t)size, 0), size);
	unsigned packets = 0, others = 0;
	for (off_t at = 0; at < size;) {
		uint32_t type, len;
		memcpy(&type, got + at, 4);
		memcpy(&len, got + at + 4, 4);
		cr_assert(len >= 12 && at + len <= size, "a block cut at %lld", (long long)at);
		packets += type == 6;
		others += type != 6;
		at += len;
	}
	cr_assert_eq(others, 2, "the section header and the interface pass");
	free(got);
	for (int i = 0; i < 2; i++) {
		close(fd[i]);
		unlink(path[i]);
	}
	pcap_freecode(&prog);
	return packets;
}

Test(capture, filters_the_dataplane_cannot_run_run_in_brinkd)
{
	bool in_dataplane;

	cr_assert_eq(filtered("icmp", 0, &in_dataplane), 2);
	cr_assert(in_dataplane, "'icmp' reads fixed offsets: DPDK converts it right");
	cr_assert_eq(filtered("udp dst port 53", 0, &in_dataplane), 1);
	cr_assert_not(in_dataplane, "ports are read past a variable IP header: DPDK 22.11 gets those wrong");
	cr_assert_eq(filtered("icmp[0] == 0", 0, &in_dataplane), 2);
	cr_assert_not(in_dataplane);
	cr_assert_eq(filtered("ip", 3, &in_dataplane), 3, "count stops the stream");
}

Test(capture, filter_syntax_errors_and_cut_streams)
{
	struct bpf_program prog;
	char err[256];
	bool in_dataplane;

	cr_assert_eq(capture_filter_compile("tcp port", &prog, &in_dataplane, err, sizeof(err)), -EINVAL);
	assert_has(err, "syntax error");

	cr_assert_eq(capture_filter_compile("ip", &prog, &in_dataplane, err, sizeof(err)), 0);
	struct buf in;
	char path[64];
	stream(&in);
	write_file(path, sizeof(path), "");
	int fd = open(path, O_RDWR), null = open("/dev/null", O_WRONLY);
	cr_assert_eq(write(fd, in.d, in.len - 10), (ssize_t)in.len - 10);
	lseek(fd, 0, SEEK_SET);
	cr_assert_eq(capture_filter_stream(fd, null, &prog, 0), 1, "a stream cut inside a block is malformed");
	close(fd);
	close(null);
	unlink(path);
	pcap_freecode(&prog);
}

/* ---- rates ---- */

Test(monitor, rates_per_second)
{
	struct dp_port_stats a = {.rx_packets = 100,
				  .rx_bytes = 10000,
				  .rx_missed = 1,
				  .tx_packets = 50,
				  .tx_bytes = 5000},
			     b = {.rx_packets = 300,
				  .rx_bytes = 30000,
				  .rx_missed = 3,
				  .rx_nombuf = 2,
				  .rx_errors = 4,
				  .tx_packets = 150,
				  .tx_bytes = 15000,
				  .tx_dropped = 6,
				  .tx_errors = 8};
	struct port_rates r;

	monitor_rates(&a, &b, 2.0, &r);
	cr_assert_float_eq(r.rx_packets, 100, 1e-9);
	cr_assert_float_eq(r.rx_bits, 80000, 1e-9);
	cr_assert_float_eq(r.rx_drops, 2, 1e-9, "missed and no-mbuf together");
	cr_assert_float_eq(r.rx_errors, 2, 1e-9);
	cr_assert_float_eq(r.tx_packets, 50, 1e-9);
	cr_assert_float_eq(r.tx_bits, 40000, 1e-9);
	cr_assert_float_eq(r.tx_drops, 3, 1e-9);
	cr_assert_float_eq(r.tx_errors, 4, 1e-9);

	/* counters cleared meanwhile: what they count now came after */
	monitor_rates(&b, &a, 0.5, &r);
	cr_assert_float_eq(r.rx_packets, 200, 1e-9);
	cr_assert_float_eq(r.rx_drops, 2, 1e-9);
	monitor_rates(&a, &b, 0, &r);
	cr_assert_float_eq(r.rx_packets, 0, 1e-9, "no time, no rate");
}

/* ---- against the mock dataplane ---- */

static struct mock_dp mock;
static struct fixture f;

static void connect_with(const char *capture_unavailable)
{
	mock_dp_start(&mock);
	pthread_mutex_lock(&mock.lock);
	snprintf(mock.capture_unavailable, sizeof(mock.capture_unavailable), "%s", capture_unavailable);
	mock.rx_step = 50;
	pthread_mutex_unlock(&mock.lock);
	fixture_start(&f, mock.path);
	brinkd_tick(&f.d);
	cr_assert(dpc_connected(&f.d.dp), "brinkd did not connect to the mock dataplane");
}

static void setup(void)
{
	connect_with("");
}

static void setup_no_huge(void)
{
	connect_with("the dataplane runs with EAL --no-huge; dpdk-dumpcap needs its memory in hugepages");
}

static void teardown(void)
{
	fixture_stop(&f);
	mock_dp_stop(&mock);
}

/* The job's next update. */
static int tick(struct sbuf *out)
{
	sbuf_reset(out);
	nanosleep(&(struct timespec){.tv_nsec = 20 * 1000 * 1000}, NULL);
	return f.s.job->tick(f.s.job, &f.s, out);
}

Test(monitor, a_table_a_second_until_count, .init = setup, .fini = teardown)
{
	struct sbuf out = {0};

	cr_assert_str_eq(run_ok(&f, "monitor interfaces count 2"), "");
	cr_assert_not_null(f.s.job);
	cr_assert_eq(f.s.job->period_ms, 1000);
	cr_assert_eq(tick(&out), 1);
	assert_has(sbuf_str(&out), "Interface           RX pkt    RX bit    TX pkt    TX bit     Drops    Errors\n");
	assert_has(sbuf_str(&out), "\ndp0  ");
	assert_has(sbuf_str(&out), "\ndp1  ");
	assert_lacks(sbuf_str(&out), "dp0                      0         0");
	cr_assert_eq(tick(&out), 0, "the second update is the last");
	cli_job_stop(&f.s);
	sbuf_free(&out);
}

Test(monitor, a_json_document_a_second, .init = setup, .fini = teardown)
{
	struct sbuf out = {0};
	json_error_t jerr;

	run_json(&f, "monitor interfaces interface dp1", true, 0);
	cr_assert_eq(tick(&out), 1, "no count: until ^C");
	json_t *j = json_loads(sbuf_str(&out), 0, &jerr);
	cr_assert_not_null(j, "not one JSON document: %s", sbuf_str(&out));
	cr_assert_not_null(json_object_get(j, "time"));
	cr_assert(json_real_value(json_object_get(j, "interval_s")) > 0);
	json_t *ports = json_object_get(j, "interfaces");
	cr_assert_eq(json_array_size(ports), 1, "only dp1");
	json_t *p = json_array_get(ports, 0);
	cr_assert_str_eq(json_string_value(json_object_get(p, "name")), "dp1");
	cr_assert(json_is_true(json_object_get(p, "link_up")));
	cr_assert(json_real_value(json_object_get(json_object_get(p, "rx"), "packets_per_s")) > 0);
	cr_assert_float_eq(json_real_value(json_object_get(json_object_get(p, "tx"), "packets_per_s")), 0, 1e-9);
	static const char *const keys[] = {"packets_per_s", "bits_per_s", "drops_per_s", "errors_per_s"};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		cr_assert_not_null(json_object_get(json_object_get(p, "tx"), keys[i]), "tx.%s", keys[i]);
	json_decref(j);
	cli_job_stop(&f.s);
	sbuf_free(&out);
}

Test(monitor, errors_before_anything_runs, .init = setup, .fini = teardown)
{
	cr_assert_str_eq(run_err(&f, "monitor interfaces interface dp9"),
			 "monitor interfaces: the dataplane has no interface named 'dp9'\n");
	cr_assert_str_eq(run_err(&f, "monitor traffic interface dp9"),
			 "monitor traffic: the dataplane has no interface named 'dp9'\n");
	/* the mock gives no EAL file prefix: nothing to attach to */
	assert_has(run_err(&f, "monitor traffic interface dp0"), "the dataplane did not say its EAL file prefix");
	cr_assert_null(f.s.job);
}

Test(monitor, no_capture_without_hugepages, .init = setup_no_huge, .fini = teardown)
{
	cr_assert_str_eq(
		run_err(&f, "monitor traffic interface dp0 count 1"),
		"monitor traffic: cannot capture: the dataplane runs with EAL --no-huge; dpdk-dumpcap needs "
		"its memory in hugepages; restart the dataplane with hugepages (see README, packet capture)\n");
	cr_assert_null(f.s.job);
}

Test(monitor, help_and_completion, .init = setup, .fini = teardown)
{
	const char *out = run_ok(&f, "monitor ?");
	assert_has(out, "interfaces");
	assert_has(out, "traffic");
	out = run_ok(&f, "monitor traffic interface ?");
	assert_has(out, "<name>");
	assert_has(out, "dp0");
	out = run_ok(&f, "monitor traffic interface dp0 ?");
	assert_has(out, "count");
	assert_has(out, "filter");
	assert_has(out, "save");
	assert_has(out, "verbose");
	out = run_ok(&f, "complete mon tr int dp");
	assert_has(out, "dp0\t");
	assert_has(out, "dp1\t");
}

Test(monitor, without_a_dataplane)
{
	fixture_start(&f, "/nonexistent/dataplane.sock");
	cr_assert_str_eq(run_err(&f, "monitor interfaces"), "monitor interfaces: dataplane not connected\n");
	cr_assert_str_eq(run_err(&f, "monitor traffic interface dp0"), "monitor traffic: dataplane not connected\n");
	fixture_stop(&f);
}
