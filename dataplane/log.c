/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The dataplane's log: what DPDK and the dataplane log goes to stderr as
 * before, and its recent lines are kept for "show log" (DP_MSG_LOG_DUMP).
 * Workers never log; the main lcore and DPDK's own threads may, so the ring
 * takes a lock.
 */
#include "dataplane/log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include <rte_log.h>
#include <rte_spinlock.h>

#include "common/dp_msg.h"
#include "dataplane/ctl_server.h"

#define LOG_LINES 256

static struct dp_log_line ring[LOG_LINES];
static unsigned head, count;
static rte_spinlock_t lock = RTE_SPINLOCK_INITIALIZER;
static char partial[sizeof(ring[0].text)];
static size_t partial_len;

static uint64_t now_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000;
}

static void keep_line(void)
{
	struct dp_log_line *l = &ring[head];

	l->time_ms = now_ms();
	l->level = (uint8_t)rte_log_cur_msg_loglevel();
	memcpy(l->text, partial, partial_len);
	l->text[partial_len] = '\0';
	head = (head + 1) % LOG_LINES;
	count += count < LOG_LINES;
	partial_len = 0;
}

/* Lines may arrive in pieces: a line is kept when its newline comes. */
static ssize_t log_write(void *cookie, const char *buf, size_t size)
{
	(void)cookie;
	fwrite(buf, 1, size, stderr);
	rte_spinlock_lock(&lock);
	for (size_t i = 0; i < size; i++) {
		if (buf[i] == '\n')
			keep_line();
		else if (partial_len < sizeof(partial) - 1)
			partial[partial_len++] = buf[i];
	}
	rte_spinlock_unlock(&lock);
	return (ssize_t)size;
}

int dp_log_init(void)
{
	cookie_io_functions_t io = {.write = log_write};
	FILE *f = fopencookie(NULL, "w", io);

	if (!f)
		return -errno;
	setvbuf(f, NULL, _IONBF, 0);
	return rte_openlog_stream(f);
}

/* The most recent lines, oldest first. */
static unsigned fill(void *dump, unsigned max)
{
	struct dp_log_line *out = dump;
	unsigned n;

	rte_spinlock_lock(&lock);
	n = count < max ? count : max;
	for (unsigned i = 0; i < n; i++)
		out[i] = ring[(head + LOG_LINES - n + i) % LOG_LINES];
	rte_spinlock_unlock(&lock);
	return n;
}

static void handle_dump(struct ctl_conn *c, const struct dp_msg_hdr *req, const void *body, size_t len)
{
	(void)body, (void)len;
	ctl_reply_dump(c, req, sizeof(struct dp_log_line), LOG_LINES, fill);
}

RTE_INIT(log_register)
{
	ctl_register(DP_MSG_LOG_DUMP, handle_dump);
}
