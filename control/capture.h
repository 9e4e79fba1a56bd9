/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * "monitor traffic interface": live capture of a dataplane port with DPDK's
 * dpdk-dumpcap, decoded by tshark (control/capture.c). What is exported
 * here is for the unit tests.
 */
#ifndef BRINK_CAPTURE_H
#define BRINK_CAPTURE_H

#include <pcap/bpf.h>
#include <stdbool.h>

#include "common/dp_msg.h"
#include "control/cli.h"

#define CAPTURE_PATH_MAX 512
#define CAPTURE_FILTER_MAX 1024

enum capture_view {
	CAPTURE_BRIEF,   /* a line per packet */
	CAPTURE_VERBOSE, /* every field decoded */
	CAPTURE_SAVE,    /* into a pcapng file */
};

struct capture_request {
	char interface[DP_NAME_LEN + 1];
	unsigned long count; /* 0: until interrupted */
	enum capture_view view;
	char save[CAPTURE_PATH_MAX];
	char filter[CAPTURE_FILTER_MAX]; /* "" for every packet */
};

/* The command's words after "monitor traffic interface". Returns 0, or
 * -EINVAL with the reason in r->out. */
int capture_parse(int argc, char **argv, struct capture_request *req, struct cli_reply *r);

/* One line of tshark -T fields (number, epoch time, direction, source,
 * destination, protocol, length, info; tab-separated) as the command shows
 * it: text, or one JSON document. Returns 0, or -EINVAL when the line is not
 * one of those. */
int capture_format_packet(const char *line, const char *port, bool json, struct sbuf *out);

/* Compiles a pcap-filter expression (control/capture_filter.c). *in_dataplane
 * is false for a filter DPDK 22.11 converts wrongly for the dataplane, which
 * capture_filter_stream must run instead. Returns 0, or -EINVAL with
 * libpcap's reason in err. */
int capture_filter_compile(const char *expr, struct bpf_program *prog, bool *in_dataplane, char *err, size_t len);
/* Copies a pcapng stream from in to out, leaving out the packets prog (if
 * not NULL) does not match, until the stream ends or count packets passed
 * (0: no limit). Returns 0, or 1 for a malformed stream or a failed write. */
int capture_filter_stream(int in, int out, const struct bpf_program *prog, unsigned long count);

#endif
