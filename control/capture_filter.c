/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Capture filters. dpdk-dumpcap compiles a pcap-filter expression with
 * libpcap and converts it to eBPF, which the dataplane runs on each packet
 * while the capture lasts, so that only matching packets are copied. DPDK
 * 22.11's conversion gets one instruction wrong: a load at an offset from
 * the X register (BPF_LD|BPF_IND: ports, tcp[...], icmp[...], anything past
 * an IP header of variable length) indexes from A instead, and the filter
 * silently matches nothing. Such a filter is run here instead, in a stage
 * between dpdk-dumpcap and its reader, with libpcap's own interpreter over
 * the pcapng stream. The stage also stops the stream after exactly count
 * packets, which dpdk-dumpcap -c does not (it writes whole bursts).
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control/capture.h"

#define PCAPNG_EPB 6                /* enhanced packet block */
#define PCAPNG_BLOCK_MAX (1u << 24) /* far above any packet dpdk-dumpcap writes */

int capture_filter_compile(const char *expr, struct bpf_program *prog, bool *in_dataplane, char *err, size_t len)
{
	pcap_t *p = pcap_open_dead(DLT_EN10MB, 65535);
	int rc = 0;

	if (!p) {
		snprintf(err, len, "out of memory");
		return -ENOMEM;
	}
	if (pcap_compile(p, prog, expr, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		snprintf(err, len, "%s", pcap_geterr(p));
		rc = -EINVAL;
	} else {
		*in_dataplane = true;
		for (unsigned i = 0; i < prog->bf_len; i++)
			if (BPF_CLASS(prog->bf_insns[i].code) == BPF_LD && BPF_MODE(prog->bf_insns[i].code) == BPF_IND)
				*in_dataplane = false;
	}
	pcap_close(p);
	return rc;
}

/* 1: all of it, 0: the end of the stream before it, -1: a partial read or an error. */
static int read_all(int fd, void *buf, size_t len, bool at_block_start)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, (char *)buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == 0 && got == 0 && at_block_start ? 0 : -1;
		got += (size_t)n;
	}
	return 1;
}

static int write_all(int fd, const void *buf, size_t len)
{
	size_t put = 0;

	while (put < len) {
		ssize_t n = write(fd, (const char *)buf + put, len - put);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		put += (size_t)n;
	}
	return 0;
}

int capture_filter_stream(int in, int out, const struct bpf_program *prog, unsigned long count)
{
	uint32_t head[2], *block = NULL;
	unsigned long matched = 0;
	int rc;

	while ((rc = read_all(in, head, sizeof(head), true)) == 1) {
		/* type, total length; the body, then the length again */
		if (head[1] < 12 || head[1] % 4 || head[1] > PCAPNG_BLOCK_MAX)
			break;
		uint32_t *grown = realloc(block, head[1]);
		if (!grown)
			break;
		block = grown;
		memcpy(block, head, sizeof(head));
		if (read_all(in, block + 2, head[1] - sizeof(head), false) != 1) {
			rc = -1;
			break;
		}
		if (head[0] == PCAPNG_EPB) {
			/* interface, timestamp (2), captured length, original length, data */
			if (head[1] < 32 || block[5] > head[1] - 32)
				break;
			struct pcap_pkthdr h = {.caplen = block[5], .len = block[6]};
			if (prog && !pcap_offline_filter(prog, &h, (const u_char *)(block + 7)))
				continue;
		}
		if (write_all(out, block, head[1]) < 0) {
			rc = -1;
			break;
		}
		if (head[0] == PCAPNG_EPB && count && ++matched >= count) {
			rc = 0;
			break;
		}
	}
	free(block);
	return rc == 0 ? 0 : 1;
}
