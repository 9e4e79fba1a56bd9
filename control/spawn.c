/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A command that runs a program (ping, traceroute, a capture) as a job: its
 * output is passed on line by line as it comes, in JSON one {"line": ...}
 * document each. The program gets its own process group, so an interrupt
 * reaches all of it and never brinkd.
 */
#include "control/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct spawned {
	struct cli_job job;
	pid_t pid;
	struct sbuf partial; /* output after the last newline */
	bool interrupted;
	int (*finish)(int status, struct sbuf *out);
};

static void emit(struct spawned *p, const char *text, size_t len, struct sbuf *out)
{
	if (!p->job.json) {
		sbuf_printf(out, "%.*s", (int)len, text);
		return;
	}
	json_t *j = json_pack("{s:s%}", "line", text, len);
	char *d = json_dumps(j, JSON_COMPACT);
	if (!d)
		abort();
	sbuf_printf(out, "%s\n", d);
	free(d);
	json_decref(j);
}

/* Whole lines of what arrived so far; at the end (flush), the rest too. */
static void pass_lines(struct spawned *p, struct sbuf *out, bool flush)
{
	const char *s = sbuf_str(&p->partial), *nl;
	size_t done = 0;

	while ((nl = strchr(s + done, '\n'))) {
		emit(p, s + done, (size_t)(nl - s - done) + (p->job.json ? 0 : 1), out);
		done = (size_t)(nl - s) + 1;
	}
	if (flush && s[done]) {
		emit(p, s + done, strlen(s + done), out);
		if (!p->job.json)
			sbuf_add(out, "\n");
		done = strlen(s);
	}
	struct sbuf rest = {0};
	sbuf_add(&rest, s + done);
	sbuf_free(&p->partial);
	p->partial = rest;
}

static int ready(struct cli_job *j, struct cli_session *s, struct sbuf *out)
{
	struct spawned *p = (struct spawned *)j;
	char buf[4096];
	ssize_t n;
	int status = 0;

	(void)s;
	n = read(j->fd, buf, sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 1;
	if (n > 0) {
		sbuf_printf(&p->partial, "%.*s", (int)n, buf);
		pass_lines(p, out, false);
		return 1;
	}
	/* The program closed its output: it is ending. */
	pass_lines(p, out, true);
	waitpid(p->pid, &status, 0);
	p->pid = 0;
	if (p->interrupted)
		return 0;
	return p->finish ? p->finish(status, out) : 0;
}

/* ^C: the program gets SIGINT and finishes by itself (ping prints its summary). */
static int interrupt(struct cli_job *j, struct cli_session *s, struct sbuf *out)
{
	struct spawned *p = (struct spawned *)j;

	(void)s, (void)out;
	p->interrupted = true;
	if (p->pid > 0)
		kill(-p->pid, SIGINT);
	return 1;
}

static void stop(struct cli_job *j, struct cli_session *s)
{
	struct spawned *p = (struct spawned *)j;

	(void)s;
	if (p->pid > 0) {
		kill(-p->pid, SIGKILL);
		waitpid(p->pid, NULL, 0);
	}
	close(j->fd);
	sbuf_free(&p->partial);
	free(p);
}

int cli_spawn(struct cli_reply *r, const char *what, char *const argv[], int (*finish)(int status, struct sbuf *out))
{
	struct spawned *p = calloc(1, sizeof(*p));
	int fds[2];

	if (!p || pipe2(fds, O_CLOEXEC) < 0) {
		sbuf_printf(r->out, "%s: %s\n", what, strerror(errno));
		free(p);
		return -errno;
	}
	pid_t pid = fork();
	if (pid < 0) {
		int err = errno;
		close(fds[0]);
		close(fds[1]);
		free(p);
		sbuf_printf(r->out, "%s: cannot start %s: %s\n", what, argv[0], strerror(err));
		return -err;
	}
	if (pid == 0) {
		setpgid(0, 0);
		signal(SIGINT, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		int devnull = open("/dev/null", O_RDONLY);
		if (devnull >= 0)
			dup2(devnull, STDIN_FILENO);
		dup2(fds[1], STDOUT_FILENO);
		dup2(fds[1], STDERR_FILENO);
		execv(argv[0], argv);
		dprintf(STDOUT_FILENO, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	setpgid(pid, pid); /* as the child does: whichever runs first */
	close(fds[1]);
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	p->pid = pid;
	p->finish = finish;
	p->job = (struct cli_job){.fd = fds[0], .ready = ready, .interrupt = interrupt, .stop = stop};
	r->job = &p->job;
	return 0;
}
