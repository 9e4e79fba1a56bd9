/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * "monitor traffic interface NAME": packets of a dataplane port as they pass,
 * as VyOS has it (verbose, filter, save) plus count. The capture is DPDK's
 * own: dpdk-dumpcap attaches to the dataplane as a secondary process (its
 * EAL file prefix comes in the HELLO) and asks rte_pdump for a copy of the
 * port's RX and TX, which it writes as pcapng into a pipe to tshark; tshark
 * decodes one packet a line, which this file turns into text or JSON. With
 * save the pcapng goes to a file instead, for Wireshark.
 *
 * A DPDK secondary must not die inside its EAL initialisation: it may hold
 * the primary's shared memory lock then, and the dataplane would wait for it
 * forever. So dpdk-dumpcap starts with SIGINT and SIGTERM ignored (it takes
 * them once it is attached), an interrupt is repeated until it ends, and it
 * is killed only when it does not end within a few seconds.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "control/capture.h"
#include "control/cli.h"
#include "control/words.h"

#define DUMPCAP "/usr/bin/dpdk-dumpcap"
#define TSHARK "/usr/bin/tshark"
#define TICK_MS 200      /* an interrupt is repeated this often until dpdk-dumpcap ends */
#define END_WAIT_MS 3000 /* then it is killed */
#define STDERR_KEPT 4096 /* of each program's error output, for the message */

struct capture {
	struct cli_job job;
	struct capture *next; /* brinkd's running captures */
	uint16_t port_id;
	char port[DP_NAME_LEN + 1];
	enum capture_view view;
	char save[CAPTURE_PATH_MAX];  /* save: the file */
	pid_t dumpcap, stage, tshark; /* 0 once reaped (stage: a filter run by brinkd, if any) */
	int dumpcap_status, stage_status, tshark_status;
	int dumpcap_err, tshark_err; /* memfds holding their error output */
	bool interrupted;
	long long interrupt_ms; /* when the interrupt came */
	unsigned long packets;
	struct sbuf partial; /* tshark's output after its last newline */
};

/* brinkd's captures. pdump takes one capture per port at a time; a second
 * one is refused here in words, before dpdk-dumpcap fails with EEXIST. */
static struct capture *running;

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* ---- the command line ---- */

enum { T_INTERFACE, T_COUNT, T_VERBOSE, T_SAVE, T_FILTER };

static const struct cli_param traffic_params[] = {
	[T_INTERFACE] = {.value = "<name>", .help = "Dataplane interface to capture on", .offer = cli_offer_interfaces},
	[T_COUNT] = {.word = "count",
		     .value = "<1-1000000>",
		     .help = "Stop after this many packets (default: until ^C)"},
	[T_VERBOSE] = {.word = "verbose", .help = "Every field of each packet, decoded"},
	[T_SAVE] = {.word = "save",
		    .value = "<file>",
		    .help = "Write the packets to this pcapng file (absolute path) instead of showing them"},
	[T_FILTER] =
		{.word = "filter",
		 .value = "<expression>",
		 .help = "Only packets this capture filter matches (pcap-filter, as tcpdump): the rest of the line"},
	{0},
};

/* The keyword a word names, as cli_parse matches them: whole, or a unique prefix. */
static const struct cli_param *keyword_of(const char *word)
{
	const struct cli_param *hit = NULL;
	unsigned n = 0;

	for (const struct cli_param *p = traffic_params; p->help; p++) {
		if (!p->word)
			continue;
		if (strcmp(p->word, word) == 0)
			return p;
		if (strncmp(p->word, word, strlen(word)) == 0) {
			hit = p;
			n++;
		}
	}
	return n == 1 ? hit : NULL;
}

/* The filter takes every word after it, as in VyOS: returns how many words
 * come before the expression, which is joined into *expr (to free; NULL
 * when there is none). The values of other keywords are skipped. */
static int cut_filter(int argc, char **argv, char **expr)
{
	int i = argc && !keyword_of(argv[0]) ? 1 : 0; /* the interface */

	*expr = NULL;
	for (; i < argc; i++) {
		const struct cli_param *p = keyword_of(argv[i]);
		if (p == &traffic_params[T_FILTER]) {
			struct sbuf b = {0};
			for (int k = i + 1; k < argc; k++)
				sbuf_printf(&b, "%s%s", k > i + 1 ? " " : "", argv[k]);
			*expr = sbuf_take(&b);
			return i + 1;
		}
		if (p && p->value)
			i++;
	}
	return argc;
}

int capture_parse(int argc, char **argv, struct capture_request *req, struct cli_reply *r)
{
	struct cli_values v;
	char *expr, *words[WORDS_MAX + 1];
	int n = cut_filter(argc, argv, &expr), rc;
	long count = 0;

	*req = (struct capture_request){0};
	memcpy(words, argv, sizeof(char *) * (size_t)n);
	if (expr)
		words[n++] = expr;
	rc = cli_parse("monitor traffic", traffic_params, n, words, &v, r);
	if (rc == 0 && v.value[T_COUNT] &&
	    !cli_number("monitor traffic count", v.value[T_COUNT], 1, 1000000, &count, r))
		rc = -EINVAL;
	if (rc == 0 && v.value[T_FILTER] && !v.value[T_FILTER][0]) {
		sbuf_add(r->out,
			 "monitor traffic filter: the expression is missing (pcap-filter, e.g. 'icmp' or 'tcp port "
			 "22 and host 10.0.0.1')\n");
		rc = -EINVAL;
	}
	if (rc == 0 && v.value[T_SAVE] && v.value[T_VERBOSE]) {
		sbuf_add(r->out,
			 "monitor traffic: verbose decodes packets on the screen, save writes them undecoded to "
			 "a file: use one of them\n");
		rc = -EINVAL;
	}
	if (rc == 0 && v.value[T_SAVE] && v.value[T_SAVE][0] != '/') {
		sbuf_printf(r->out,
			    "monitor traffic save: '%s' is not an absolute path (brinkd writes the file, from its "
			    "own directory)\n",
			    v.value[T_SAVE]);
		rc = -EINVAL;
	}
	if (rc == 0 && v.value[T_SAVE] && strlen(v.value[T_SAVE]) >= sizeof(req->save)) {
		sbuf_printf(r->out, "monitor traffic save: the path is longer than %zu characters\n",
			    sizeof(req->save) - 1);
		rc = -EINVAL;
	}
	if (rc == 0 && v.value[T_FILTER] && strlen(v.value[T_FILTER]) >= sizeof(req->filter)) {
		sbuf_printf(r->out, "monitor traffic filter: the expression is longer than %zu characters\n",
			    sizeof(req->filter) - 1);
		rc = -EINVAL;
	}
	if (rc == 0) {
		snprintf(req->interface, sizeof(req->interface), "%s", v.value[T_INTERFACE]);
		req->count = (unsigned long)count;
		req->view = v.value[T_SAVE] ? CAPTURE_SAVE : v.value[T_VERBOSE] ? CAPTURE_VERBOSE : CAPTURE_BRIEF;
		snprintf(req->save, sizeof(req->save), "%s", v.value[T_SAVE] ? v.value[T_SAVE] : "");
		snprintf(req->filter, sizeof(req->filter), "%s", v.value[T_FILTER] ? v.value[T_FILTER] : "");
	}
	free(expr);
	return rc;
}

/* ---- output ---- */

static void emit_json(struct sbuf *out, json_t *j)
{
	char *d = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);

	if (!d)
		abort();
	sbuf_printf(out, "%s\n", d);
	free(d);
	json_decref(j);
}

/* "frame.packet_flags_direction": 1 inbound, 2 outbound (pcapng epb_flags). */
static const char *direction(const char *flags)
{
	unsigned long v = strtoul(flags, NULL, 0);

	return v == 1 ? "in" : v == 2 ? "out" : "-";
}

int capture_format_packet(const char *line, const char *port, bool json, struct sbuf *out)
{
	/* number, epoch time, direction, source, destination, protocol, length, info */
	char *copy = strdup(line), *f[8], *p = copy;
	int n = 0;

	if (!copy)
		abort();
	while (n < 7 && (f[n] = strsep(&p, "\t")))
		n++;
	if (n < 7 || !p) {
		free(copy);
		return -EINVAL;
	}
	f[7] = p;
	double t = strtod(f[1], NULL);
	if (json) {
		emit_json(out, json_pack("{s:I, s:f, s:s, s:s, s:s, s:s, s:s, s:I, s:s}", "number",
					 (json_int_t)strtoll(f[0], NULL, 10), "time", t, "interface", port, "direction",
					 direction(f[2]), "source", f[3], "destination", f[4], "protocol", f[5],
					 "length", (json_int_t)strtoll(f[6], NULL, 10), "info", f[7]));
	} else {
		time_t sec = (time_t)t;
		struct tm tm;
		char hms[16];
		localtime_r(&sec, &tm);
		strftime(hms, sizeof(hms), "%H:%M:%S", &tm);
		sbuf_printf(out, "%s.%06ld %-3s %-15s -> %-15s %-6s %5s %s\n", hms, (long)((t - (double)sec) * 1e6),
			    direction(f[2]), f[3], f[4], f[5], f[6], f[7]);
	}
	free(copy);
	return 0;
}

/* One line of tshark's output. */
static void pass_line(struct capture *c, const char *line, struct sbuf *out)
{
	switch (c->view) {
	case CAPTURE_BRIEF:
		if (capture_format_packet(line, c->port, c->job.json, out) == 0)
			c->packets++;
		else if (c->job.json)
			emit_json(out, json_pack("{s:s}", "line", line));
		else
			sbuf_printf(out, "%s\n", line);
		return;
	case CAPTURE_VERBOSE:
		/* JSON: tshark's Elasticsearch lines, of which every other one indexes the next */
		if (c->job.json) {
			if (strncmp(line, "{\"index\"", 8) != 0 && line[0] == '{') {
				sbuf_printf(out, "%s\n", line);
				c->packets++;
			}
			return;
		}
		c->packets += strncmp(line, "Frame ", 6) == 0;
		sbuf_printf(out, "%s\n", line);
		return;
	case CAPTURE_SAVE:
		return;
	}
}

static void pass_lines(struct capture *c, struct sbuf *out, bool flush)
{
	char *s = c->partial.s ? c->partial.s : "", *nl;
	size_t done = 0;

	while ((nl = strchr(s + done, '\n'))) {
		*nl = '\0';
		pass_line(c, s + done, out);
		done = (size_t)(nl - s) + 1;
	}
	if (flush && s[done]) {
		pass_line(c, s + done, out);
		done += strlen(s + done);
	}
	struct sbuf rest = {0};
	sbuf_add(&rest, s + done);
	sbuf_free(&c->partial);
	c->partial = rest;
}

/* ---- the programs ---- */

/* The last part of what a program wrote to its error output. */
static void read_err(int fd, char *buf, size_t len)
{
	off_t size = lseek(fd, 0, SEEK_END);
	off_t from = size > (off_t)len - 1 ? size - (off_t)len + 1 : 0;
	ssize_t n = pread(fd, buf, len - 1, from);

	buf[n > 0 ? n : 0] = '\0';
}

/* The last line of a program's error output that says something. */
static const char *last_line(char *text)
{
	const char *last = NULL;

	for (char *save = NULL, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		if (!strstr(l, "could be dangerous")) /* tshark's word to root */
			last = l;
	return last;
}

/* What dpdk-dumpcap said went wrong: its "Cause: ..." (rte_exit), else its last line. */
static void dumpcap_error(const struct capture *c, struct sbuf *out)
{
	char text[STDERR_KEPT], *cause;
	const char *last;

	read_err(c->dumpcap_err, text, sizeof(text));
	if ((cause = strstr(text, "Cause: "))) {
		cause += strlen("Cause: ");
		cause[strcspn(cause, "\n")] = '\0';
		sbuf_printf(out, "monitor traffic: dpdk-dumpcap: %s\n", cause);
	} else if ((last = last_line(text))) {
		sbuf_printf(out, "monitor traffic: dpdk-dumpcap failed: %s\n", last);
	} else {
		sbuf_printf(out, "monitor traffic: dpdk-dumpcap failed (exit status %d) without a word\n",
			    WEXITSTATUS(c->dumpcap_status));
	}
}

/* dpdk-dumpcap's count of packets it could not keep, from its summary line
 * "Packets received/dropped on interface 'x': R/D (...)". */
static unsigned long dumpcap_dropped(const struct capture *c)
{
	char text[STDERR_KEPT];
	const char *p;
	unsigned long r, d;

	read_err(c->dumpcap_err, text, sizeof(text));
	p = strstr(text, "Packets received/dropped on interface");
	if (p && (p = strstr(p, "': ")) && sscanf(p + 3, "%lu/%lu", &r, &d) == 2)
		return d;
	return 0;
}

/* Waits for a program to end, killing it first if kill_it. tshark and the
 * filter stage hold no DPDK state and may be killed at once; dpdk-dumpcap
 * only when it did not take an interrupt in time. */
static void reap(pid_t *pid, int *status, bool kill_it)
{
	if (*pid <= 0)
		return;
	if (kill_it)
		kill(*pid, SIGKILL);
	waitpid(*pid, status, 0);
	*pid = 0;
}

/* Ends dpdk-dumpcap: an interrupt, repeated (it ignores them while it
 * attaches), a kill as the last resort. */
static void end_dumpcap(struct capture *c)
{
	long long deadline = now_ms() + END_WAIT_MS;
	int status;

	while (c->dumpcap > 0) {
		pid_t got = waitpid(c->dumpcap, &status, WNOHANG);
		if (got == c->dumpcap || (got < 0 && errno != EINTR)) {
			c->dumpcap_status = got == c->dumpcap ? status : 0;
			c->dumpcap = 0;
			return;
		}
		if (now_ms() > deadline) {
			reap(&c->dumpcap, &c->dumpcap_status, true);
			return;
		}
		kill(c->dumpcap, SIGINT);
		nanosleep(&(struct timespec){.tv_nsec = 20 * 1000 * 1000}, NULL);
	}
}

static bool exited_ok(int status)
{
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* The end of a capture: its summary, or why it failed. */
static int finish(struct capture *c, struct sbuf *out)
{
	char text[STDERR_KEPT];
	const char *last;

	if (!exited_ok(c->dumpcap_status)) {
		if (WIFSIGNALED(c->dumpcap_status))
			sbuf_printf(out, "monitor traffic: dpdk-dumpcap died of signal %d (%s)\n",
				    WTERMSIG(c->dumpcap_status), strsignal(WTERMSIG(c->dumpcap_status)));
		else
			dumpcap_error(c, out);
		return -EIO;
	}
	if (WIFEXITED(c->stage_status) && WEXITSTATUS(c->stage_status) != 0) {
		sbuf_add(out, "monitor traffic: the pcapng stream from dpdk-dumpcap was cut or malformed\n");
		return -EIO;
	}
	if (c->view != CAPTURE_SAVE && !c->interrupted && !exited_ok(c->tshark_status)) {
		read_err(c->tshark_err, text, sizeof(text));
		last = last_line(text);
		sbuf_printf(out, "monitor traffic: tshark failed: %s\n", last ? last : "(no message)");
		return -EIO;
	}
	unsigned long dropped = dumpcap_dropped(c);
	if (c->view == CAPTURE_SAVE) {
		struct stat st = {0};
		stat(c->save, &st);
		if (c->job.json)
			emit_json(out, json_pack("{s:s, s:s, s:I, s:I}", "interface", c->port, "file", c->save, "bytes",
						 (json_int_t)st.st_size, "dropped", (json_int_t)dropped));
		else
			sbuf_printf(out, "%s: %lld bytes of pcapng in %s (read it with: tshark -r %s)%s\n", c->port,
				    (long long)st.st_size, c->save, c->save,
				    dropped ? "; the capture could not keep up with some packets" : "");
		return 0;
	}
	if (!c->job.json) {
		sbuf_printf(out, "%lu packet%s captured on %s", c->packets, c->packets == 1 ? "" : "s", c->port);
		if (dropped)
			sbuf_printf(out, ", %lu more the capture could not keep up with", dropped);
		sbuf_add(out, "\n");
	}
	return 0;
}

/* The rest of the chain once its last program ended. */
static int wind_up(struct capture *c, struct sbuf *out)
{
	reap(&c->tshark, &c->tshark_status, false);
	reap(&c->stage, &c->stage_status, c->view != CAPTURE_SAVE);
	end_dumpcap(c);
	return finish(c, out);
}

/* tshark's output: packets as they come; its end is the capture's. */
static int ready(struct cli_job *j, struct cli_session *s, struct sbuf *out)
{
	struct capture *c = (struct capture *)j;
	char buf[8192];
	ssize_t n;

	(void)s;
	n = read(j->fd, buf, sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 1;
	if (n > 0) {
		sbuf_printf(&c->partial, "%.*s", (int)n, buf);
		pass_lines(c, out, false);
		return 1;
	}
	pass_lines(c, out, true);
	return wind_up(c, out);
}

/* Repeats an interrupt until dpdk-dumpcap takes it; save: notices the end
 * of the program writing the file. */
static int tick(struct cli_job *j, struct cli_session *s, struct sbuf *out)
{
	struct capture *c = (struct capture *)j;
	pid_t *writer = c->stage > 0 ? &c->stage : &c->dumpcap;
	int *status = c->stage > 0 ? &c->stage_status : &c->dumpcap_status;

	(void)s;
	/* the writer may have been reaped already: dpdk-dumpcap, killed below */
	if (c->view == CAPTURE_SAVE && (!*writer || waitpid(*writer, status, WNOHANG) == *writer)) {
		*writer = 0;
		return wind_up(c, out);
	}
	if (c->interrupted && c->dumpcap > 0) {
		if (now_ms() - c->interrupt_ms > END_WAIT_MS)
			reap(&c->dumpcap, &c->dumpcap_status, true);
		else
			kill(c->dumpcap, SIGINT);
	}
	return 1;
}

/* ^C: dpdk-dumpcap stops and closes its output; tshark shows what it has and ends. */
static int interrupt(struct cli_job *j, struct cli_session *s, struct sbuf *out)
{
	struct capture *c = (struct capture *)j;

	(void)s, (void)out;
	if (!c->interrupted) {
		c->interrupted = true;
		c->interrupt_ms = now_ms();
	}
	if (c->dumpcap > 0)
		kill(c->dumpcap, SIGINT);
	return 1;
}

static void stop(struct cli_job *j, struct cli_session *s)
{
	struct capture *c = (struct capture *)j;

	(void)s;
	/* the readers first: with nobody reading them, dpdk-dumpcap could block on its pipe */
	if (j->fd >= 0)
		close(j->fd);
	reap(&c->tshark, &c->tshark_status, true);
	reap(&c->stage, &c->stage_status, true);
	end_dumpcap(c);
	for (struct capture **p = &running; *p; p = &(*p)->next)
		if (*p == c) {
			*p = c->next;
			break;
		}
	if (c->dumpcap_err >= 0)
		close(c->dumpcap_err);
	if (c->tshark_err >= 0)
		close(c->tshark_err);
	sbuf_free(&c->partial);
	free(c);
}

/* A program of the capture's process group (pgid 0: a new group, its own). */
static pid_t start(char *const argv[], int in, int out, int err, pid_t pgid, bool dpdk)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	setpgid(0, pgid);
	signal(SIGPIPE, SIG_DFL);
	/* until dpdk-dumpcap is attached and installs its own handlers */
	signal(SIGINT, dpdk ? SIG_IGN : SIG_DFL);
	signal(SIGTERM, dpdk ? SIG_IGN : SIG_DFL);
	dup2(in, STDIN_FILENO);
	dup2(out, STDOUT_FILENO);
	dup2(err, STDERR_FILENO);
	execv(argv[0], argv);
	dprintf(STDERR_FILENO, "Cause: cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* The filter stage: a child of brinkd that keeps only its own two descriptors. */
static pid_t start_stage(int in, int out, pid_t pgid, const struct bpf_program *prog, unsigned long count)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	setpgid(0, pgid);
	signal(SIGPIPE, SIG_DFL);
	dup2(in, STDIN_FILENO);
	dup2(out, STDOUT_FILENO);
	close_range(STDERR_FILENO + 1, ~0u, 0);
	_exit(capture_filter_stream(STDIN_FILENO, STDOUT_FILENO, prog, count));
}

struct args {
	int n;
	char *v[32];
};

static void arg(struct args *a, const char *s)
{
	a->v[a->n++] = (char *)s;
	a->v[a->n] = NULL;
}

static void pipe_close(int p[2])
{
	for (int i = 0; i < 2; i++)
		if (p[i] >= 0)
			close(p[i]);
	p[0] = p[1] = -1;
}

/* dpdk-dumpcap | [stage] | tshark, or dpdk-dumpcap [| stage] > file. The
 * stage, a child of brinkd, counts the packets and runs the filters the
 * dataplane cannot. */
static int spawn(struct capture *c, const struct capture_request *req, const char *prefix, struct cli_reply *r)
{
	struct args dc = {0}, ts = {0};
	struct bpf_program prog = {0};
	char port[16], err[PCAP_ERRBUF_SIZE + 64];
	bool in_dataplane = true, compiled = false, staged;
	int raw[2] = {-1, -1}, kept[2] = {-1, -1}, shown[2] = {-1, -1}, in = -1, file = -1, rc = 0;

	if (req->filter[0]) {
		if (capture_filter_compile(req->filter, &prog, &in_dataplane, err, sizeof(err)) < 0) {
			sbuf_printf(r->out, "monitor traffic filter: %s\n", err);
			return -EINVAL;
		}
		compiled = true;
	}
	staged = !in_dataplane || req->count;
	snprintf(port, sizeof(port), "%u", c->port_id);
	arg(&dc, DUMPCAP), arg(&dc, "--file-prefix"), arg(&dc, prefix), arg(&dc, "-i"), arg(&dc, port);
	/* -p: the dataplane's ports are promiscuous; dpdk-dumpcap would turn that off when it ends */
	arg(&dc, "-p"), arg(&dc, "-q"), arg(&dc, "-w"), arg(&dc, "-");
	if (compiled && in_dataplane)
		arg(&dc, "-f"), arg(&dc, req->filter);
	arg(&ts, TSHARK), arg(&ts, "-l"), arg(&ts, "-n"), arg(&ts, "-r"), arg(&ts, "-");
	if (req->view == CAPTURE_VERBOSE && r->json) {
		arg(&ts, "-T"), arg(&ts, "ek");
	} else if (req->view == CAPTURE_VERBOSE) {
		arg(&ts, "-V");
	} else {
		static const char *const fields[] = {
			"frame.number",   "frame.time_epoch",    "frame.packet_flags_direction",
			"_ws.col.Source", "_ws.col.Destination", "_ws.col.Protocol",
			"frame.len",      "_ws.col.Info"};
		arg(&ts, "-T"), arg(&ts, "fields"), arg(&ts, "-E"), arg(&ts, "occurrence=f");
		for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
			arg(&ts, "-e"), arg(&ts, fields[i]);
	}

	in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	c->dumpcap_err = memfd_create("dpdk-dumpcap stderr", MFD_CLOEXEC);
	c->tshark_err = memfd_create("tshark stderr", MFD_CLOEXEC);
	if (in < 0 || c->dumpcap_err < 0 || c->tshark_err < 0 || pipe2(raw, O_CLOEXEC) < 0 ||
	    (staged && pipe2(kept, O_CLOEXEC) < 0) || (req->view != CAPTURE_SAVE && pipe2(shown, O_CLOEXEC) < 0)) {
		rc = -errno;
		goto out;
	}
	if (req->view == CAPTURE_SAVE && (file = open(req->save, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640)) < 0) {
		rc = -errno;
		sbuf_printf(r->out, "monitor traffic save: cannot write %s: %s\n", req->save, strerror(errno));
		goto out;
	}
	if (!staged && req->view == CAPTURE_SAVE)
		c->dumpcap = start(dc.v, in, file, c->dumpcap_err, 0, true);
	else
		c->dumpcap = start(dc.v, in, raw[1], c->dumpcap_err, 0, true);
	if (c->dumpcap < 0) {
		rc = -errno;
		c->dumpcap = 0;
		goto out;
	}
	setpgid(c->dumpcap, c->dumpcap); /* as the child does: whichever runs first */
	if (staged) {
		c->stage = start_stage(raw[0], req->view == CAPTURE_SAVE ? file : kept[1], c->dumpcap,
				       in_dataplane ? NULL : &prog, req->count);
		if (c->stage < 0) {
			rc = -errno;
			c->stage = 0;
			goto out;
		}
		setpgid(c->stage, c->dumpcap);
	}
	if (req->view != CAPTURE_SAVE) {
		c->tshark = start(ts.v, staged ? kept[0] : raw[0], shown[1], c->tshark_err, c->dumpcap, false);
		if (c->tshark < 0) {
			rc = -errno;
			c->tshark = 0;
			goto out;
		}
		setpgid(c->tshark, c->dumpcap);
		c->job.fd = shown[0];
		shown[0] = -1;
		fcntl(c->job.fd, F_SETFL, O_NONBLOCK);
	}
out:
	if (rc < 0 && !r->out->len)
		sbuf_printf(r->out, "monitor traffic: cannot start the capture: %s\n", strerror(-rc));
	if (compiled)
		pcap_freecode(&prog);
	pipe_close(raw);
	pipe_close(kept);
	pipe_close(shown);
	if (in >= 0)
		close(in);
	if (file >= 0)
		close(file);
	return rc;
}

/* The dataplane's id of the port named name. */
static int find_port(struct brinkd *d, const char *name, uint16_t *port_id, struct cli_reply *r)
{
	struct dp_port_info *ports;
	size_t n;
	char err[512];
	int rc = dpc_dump(&d->dp, DP_MSG_PORT_DUMP, sizeof(*ports), (void **)&ports, &n, err, sizeof(err));

	if (rc < 0) {
		sbuf_printf(r->out, "monitor traffic: %s\n", err);
		return rc;
	}
	rc = -ENOENT;
	for (size_t i = 0; i < n && rc < 0; i++)
		if (strncmp(ports[i].name, name, DP_NAME_LEN) == 0) {
			*port_id = ports[i].port_id;
			rc = 0;
		}
	free(ports);
	if (rc < 0)
		sbuf_printf(r->out, "monitor traffic: the dataplane has no interface named '%s'\n", name);
	return rc;
}

static int monitor_traffic(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	struct capture_request req;
	const struct dp_hello *hello = &s->d->dp.hello;
	char prefix[sizeof(hello->file_prefix) + 1], why[sizeof(hello->capture_unavailable) + 1];
	uint16_t port_id;
	int rc;

	if ((rc = capture_parse(argc, argv, &req, r)) < 0)
		return rc;
	static const struct {
		const char *path, *package;
	} programs[] = {{DUMPCAP, "dpdk"}, {TSHARK, "tshark"}};
	for (size_t i = 0; i < sizeof(programs) / sizeof(programs[0]); i++)
		if ((i == 0 || req.view != CAPTURE_SAVE) && access(programs[i].path, X_OK) != 0) {
			sbuf_printf(r->out,
				    "monitor traffic: %s is missing: install the %s package (tools/install-deps.sh)\n",
				    programs[i].path, programs[i].package);
			return -ENOENT;
		}
	/* the checks that need no program: the port, capture at all, one capture of it */
	if ((rc = find_port(s->d, req.interface, &port_id, r)) < 0)
		return rc;
	snprintf(prefix, sizeof(prefix), "%.*s", (int)sizeof(hello->file_prefix), hello->file_prefix);
	snprintf(why, sizeof(why), "%.*s", (int)sizeof(hello->capture_unavailable), hello->capture_unavailable);
	if (why[0] || !prefix[0]) {
		sbuf_printf(r->out,
			    "monitor traffic: cannot capture: %s; restart the dataplane with hugepages "
			    "(see README, packet capture)\n",
			    why[0] ? why : "the dataplane did not say its EAL file prefix");
		return -EOPNOTSUPP;
	}
	for (const struct capture *o = running; o; o = o->next)
		if (o->port_id == port_id) {
			sbuf_printf(r->out,
				    "monitor traffic: %s is being captured already (by another session); DPDK "
				    "captures an interface once at a time\n",
				    req.interface);
			return -EBUSY;
		}
	struct capture *c = calloc(1, sizeof(*c));
	if (!c)
		abort();
	c->dumpcap_err = c->tshark_err = -1;
	c->port_id = port_id;
	snprintf(c->port, sizeof(c->port), "%s", req.interface);
	c->view = req.view;
	snprintf(c->save, sizeof(c->save), "%s", req.save);
	c->job = (struct cli_job){
		.fd = -1, .period_ms = TICK_MS, .ready = ready, .tick = tick, .interrupt = interrupt, .stop = stop};
	if ((rc = spawn(c, &req, prefix, r)) < 0) {
		stop(&c->job, s);
		return rc;
	}
	c->next = running;
	running = c;
	r->job = &c->job;
	if (!r->json)
		sbuf_printf(r->out, "Capturing on %s%s%s; ^C stops\n", c->port, c->view == CAPTURE_SAVE ? " into " : "",
			    c->save);
	return 0;
}

static const struct cli_cmd capture_cmds[] = {
	{.path = "monitor traffic", .help = "Packets as they pass (DPDK capture)", .modes = CLI_OPER},
	{.path = "monitor traffic interface",
	 .help = "Packets received and sent by a dataplane interface",
	 .modes = CLI_OPER,
	 .fn = monitor_traffic,
	 .args = CLI_ARGS_PARAMS,
	 .params = traffic_params},
};
CLI_REGISTER(capture_cmds)
