/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * brinkd's log: each line goes to stderr and into a ring of recent lines;
 * "show log" shows them with the dataplane's own (DP_MSG_LOG_DUMP), in time
 * order, so that a refused commit, a refused resync item or a lost
 * connection can be read from the CLI.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "control/cli.h"

#define LOG_LINES 512

static struct {
	uint64_t time_ms;
	char text[240];
} ring[LOG_LINES];
static unsigned head, count;

static uint64_t now_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000;
}

void brinkd_log(const char *fmt, ...)
{
	char text[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	fprintf(stderr, "brinkd: %s\n", text);
	/* one ring line per text line */
	for (const char *p = text; *p;) {
		size_t n = strcspn(p, "\n");
		ring[head].time_ms = now_ms();
		snprintf(ring[head].text, sizeof(ring[head].text), "%.*s", (int)n, p);
		head = (head + 1) % LOG_LINES;
		count += count < LOG_LINES;
		p += n + (p[n] == '\n');
	}
}

struct line {
	uint64_t time_ms;
	const char *source;
	const char *text;
};

static int line_cmp(const void *a, const void *b)
{
	const struct line *x = a, *y = b;
	return x->time_ms < y->time_ms ? -1 : x->time_ms > y->time_ms;
}

static const struct cli_param log_params[] = {
	{.word = "count", .value = "<1-1000>", .help = "The last lines only (default 100)"},
	{0},
};

static int show_log(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	struct dp_log_line *dl = NULL;
	struct cli_values v;
	size_t n_dp = 0, n = 0;
	long want = 100;
	char err[256], when[32];

	if (cli_parse("show log", log_params, argc, argv, &v, r) < 0 ||
	    (v.value[0] && !cli_number("show log count", v.value[0], 1, 1000, &want, r)))
		return -EINVAL;
	/* Without the dataplane, brinkd's own lines still show. */
	if (dpc_connected(&s->d->dp) &&
	    dpc_dump(&s->d->dp, DP_MSG_LOG_DUMP, sizeof(*dl), (void **)&dl, &n_dp, err, sizeof(err)) < 0)
		n_dp = 0;
	struct line *all = calloc(count + n_dp + 1, sizeof(*all));
	if (!all)
		abort();
	for (unsigned i = 0; i < count; i++) {
		unsigned k = (head + LOG_LINES - count + i) % LOG_LINES;
		all[n++] = (struct line){ring[k].time_ms, "brinkd", ring[k].text};
	}
	for (size_t i = 0; i < n_dp; i++) {
		dl[i].text[sizeof(dl[i].text) - 1] = '\0';
		all[n++] = (struct line){dl[i].time_ms, "dataplane", dl[i].text};
	}
	qsort(all, n, sizeof(*all), line_cmp);
	size_t first = n > (size_t)want ? n - (size_t)want : 0;
	if (r->json)
		r->result = json_array();
	for (size_t i = first; i < n; i++) {
		time_t t = (time_t)(all[i].time_ms / 1000);
		struct tm tm;
		localtime_r(&t, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
		if (r->json)
			json_array_append_new(r->result, json_pack("{s:s, s:I, s:s, s:s}", "time", when, "time_ms",
								   (json_int_t)all[i].time_ms, "source", all[i].source,
								   "text", all[i].text));
		else
			sbuf_printf(r->out, "%s.%03u %-9s %s\n", when, (unsigned)(all[i].time_ms % 1000), all[i].source,
				    all[i].text);
	}
	free(all);
	free(dl);
	return 0;
}

static const struct cli_cmd log_cmds[] = {
	{.path = "show log",
	 .help = "Recent messages of brinkd and the dataplane, refused commits included",
	 .modes = CLI_OPER,
	 .fn = show_log,
	 .args = CLI_ARGS_PARAMS,
	 .params = log_params},
};
CLI_REGISTER(log_cmds)
