/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * brinksh: the CLI. Every command goes to brinkd over its API socket
 * (control/api_msg.h) in one session; brinksh itself only edits lines,
 * keeps history and shows what brinkd answers, including completions,
 * through a pager on a terminal.
 */
#include <errno.h>
#include <getopt.h>
#include <histedit.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>
#include <wchar.h>

#include <jansson.h>

#include "common/msg.h"
#include "common/sbuf.h"
#include "control/api_msg.h"
#include "control/words.h"
#include "tools/brinksh/pager.h"

#define DEFAULT_SOCK "/run/brink/brinkd.sock"
#define MAX_COMMANDS 256
#define MAX_CANDS 256
#define GREETING_TIMEOUT_MS 10000
#define EXIT_CLOSED 1 /* brinkd ended the session with an error (e.g. idle timeout) */
#define EXIT_UNREACHABLE 2

struct shell {
	int fd;
	const char *sock;
	bool json;
	bool tty_out;                  /* stdout is a terminal: JSON is shown indented */
	bool page;                     /* stdin too: replies taller than the terminal are paged */
	bool editing;                  /* inside el_gets: messages start on a line of their own */
	bool config_mode;              /* from the last reply */
	char level[API_LEVEL_MAX + 1]; /* its edit level, "" at the top */
	bool closed;                   /* the session is over */
	int exit_status;               /* why it ended: 0, EXIT_CLOSED or EXIT_UNREACHABLE */
};

/* ^C while a command runs (the terminal sends SIGINT outside line editing):
 * the rest of its output is not shown. */
static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* VyOS's line above the configuration prompt: "[edit]", "[edit protocols static]". */
static void edit_line(const struct shell *sh)
{
	printf("[edit%s%s]\n", sh->level[0] ? " " : "", sh->level);
}

static int lost(struct shell *sh, int rc)
{
	fprintf(stderr, "%sbrinksh: lost the connection to brinkd at %s: %s\n", sh->editing ? "\n" : "", sh->sock,
		strerror(-rc));
	sh->closed = true;
	sh->exit_status = EXIT_UNREACHABLE;
	return rc;
}

static void take_flags(struct shell *sh, const struct api_reply_hdr *h)
{
	sh->config_mode = h->flags & API_F_CONFIG;
	if (h->flags & API_F_CLOSED) {
		sh->closed = true;
		sh->exit_status = h->status ? EXIT_CLOSED : 0;
	}
}

/* A key for the pager, read without echo; ^C arrives as a key. */
static int tty_key(void *arg)
{
	struct termios saved, raw;
	unsigned char c;
	ssize_t n;

	(void)arg;
	if (tcgetattr(STDIN_FILENO, &saved) < 0)
		return -1;
	raw = saved;
	raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO | ISIG);
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	tcsetattr(STDIN_FILENO, TCSANOW, &raw);
	do
		n = read(STDIN_FILENO, &c, 1);
	while (n < 0 && errno == EINTR);
	tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	return n == 1 ? c : -1;
}

static void pager_for(const struct shell *sh, struct pager *pg, bool page)
{
	struct winsize ws = {0};

	if (!page || !sh->page || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) < 0)
		ws.ws_row = 0;
	pager_start(pg, stdout, ws.ws_row, ws.ws_col, tty_key, NULL);
}

/* brinkd sends each JSON document on one line; on a terminal it is shown
 * indented. */
static void show_json(struct pager *pg, const struct sbuf *doc)
{
	json_error_t err;
	json_t *j = json_loadb(sbuf_str(doc), doc->len, JSON_DECODE_ANY, &err);
	char *indented = j ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;

	if (indented) {
		pager_write(pg, indented, strlen(indented));
		pager_write(pg, "\n", 1);
	} else {
		pager_write(pg, sbuf_str(doc), doc->len);
	}
	free(indented);
	json_decref(j);
}

/* Waits for the next reply. ^C meanwhile: a command that streams its output
 * (its replies so far said more comes) is asked to stop, once; brinkd's last
 * reply then ends it. Returns 0 when a reply can be read, or -errno. */
static int wait_reply(struct shell *sh, bool streaming, bool *sent_interrupt)
{
	struct pollfd p = {.fd = sh->fd, .events = POLLIN};

	for (;;) {
		if (interrupted && streaming && !*sent_interrupt) {
			int rc = api_send_request(sh->fd, API_F_INTERRUPT, "");
			if (rc < 0)
				return rc;
			*sent_interrupt = true;
		}
		int rc = poll(&p, 1, 100);
		if (rc > 0)
			return 0;
		if (rc < 0 && errno != EINTR)
			return -errno;
	}
}

/* Sends one command; the reply text goes to out (or, with out NULL, to
 * stdout, paged, on success and to stderr on failure). A reply that ends the
 * session with an error always goes to stderr: it says why. Returns
 * brinkd's status. */
static int call(struct shell *sh, const char *line, uint16_t flags, struct sbuf *out)
{
	static char text[API_TEXT_MAX + 1];
	struct api_reply_hdr h;
	struct sbuf json = {0};
	struct pager pg;
	bool indent = !out && sh->tty_out && (flags & API_F_JSON);
	int rc;

	/* a ^C from here on is this command's, even before its first reply */
	interrupted = 0;
	rc = api_send_request(sh->fd, flags, line);

	if (rc == -EMSGSIZE) {
		fprintf(stderr, "brinksh: command too long (at most %d bytes)\n", API_TEXT_MAX);
		return rc;
	}
	/* On EPIPE brinkd has closed the session: its reason may wait to be read. */
	if (rc < 0 && rc != -EPIPE)
		return lost(sh, rc);
	pager_for(sh, &pg, !out && !pager_no_more(line));
	bool sent_interrupt = false;
	h.flags = 0;
	do {
		rc = wait_reply(sh, h.flags & API_F_MORE, &sent_interrupt);
		if (rc == 0)
			rc = api_recv_reply(sh->fd, &h, text, sizeof(text), sh->level, sizeof(sh->level));
		if (rc < 0) {
			sbuf_free(&json);
			return lost(sh, rc);
		}
		/* a stream is watched as it comes: a --More-- would hold it up */
		if (h.flags & API_F_STREAM)
			pg.rows = 0;
		if (h.status && (!out || (h.flags & API_F_CLOSED)))
			fprintf(stderr, "%s%s", out && sh->editing ? "\n" : "", text);
		else if (out)
			sbuf_add(out, text);
		else if (indent)
			sbuf_add(&json, text);
		else if (!interrupted || sent_interrupt)
			pager_write(&pg, text, (size_t)rc);
		/* a command that streams is read as it goes, on a pipe too */
		fflush(stdout);
	} while (h.flags & API_F_MORE);
	if (indent && !h.status && !interrupted)
		show_json(&pg, &json);
	sbuf_free(&json);
	fflush(stdout);
	take_flags(sh, &h);
	return h.status;
}

static int run(struct shell *sh, const char *line)
{
	return call(sh, line, sh->json ? API_F_JSON : 0, NULL);
}

/* ---- completion ---- */

struct cand {
	char *word, *help;
	bool value;
};

struct cands {
	struct words typed; /* the line up to the cursor */
	const char *prefix; /* its last word, unquoted ("" after a space); points into typed */
	struct sbuf raw;    /* the reply; cand strings point into it */
	struct cand v[MAX_CANDS];
	int n;
};

static void cands_free(struct cands *c)
{
	words_free(&c->typed);
	sbuf_free(&c->raw);
}

/* Asks brinkd what may follow the line up to the cursor. Returns -1 when
 * the line cannot be split (an open quote). */
static int ask(struct shell *sh, const LineInfo *li, struct cands *c)
{
	char *line = strndup(li->buffer, (size_t)(li->cursor - li->buffer)), err[128];
	struct words *w = &c->typed;
	struct sbuf req = {0};
	int rc;

	*c = (struct cands){0};
	rc = line ? words_split(line, w, err, sizeof(err)) : -1;
	free(line);
	if (rc < 0)
		return -1;
	int ctx = w->trailing_space ? w->argc : w->argc - 1;
	c->prefix = ctx < w->argc ? w->argv[ctx] : "";
	sbuf_add(&req, "complete ");
	words_join(&req, ctx, (const char *const *)w->argv);
	sbuf_add(&req, " ");
	sbuf_add_word(&req, c->prefix);
	rc = call(sh, sbuf_str(&req), 0, &c->raw);
	sbuf_free(&req);
	if (rc < 0) {
		cands_free(c);
		return -1;
	}
	for (char *save = NULL, *l = strtok_r(c->raw.s, "\n", &save); l && c->n < MAX_CANDS;
	     l = strtok_r(NULL, "\n", &save)) {
		char *help = strchr(l, '\t'), *kind = help ? strchr(help + 1, '\t') : NULL;
		if (!kind)
			continue;
		*help++ = *kind++ = '\0';
		c->v[c->n++] = (struct cand){.word = l, .help = help, .value = strcmp(kind, "value") == 0};
	}
	return 0;
}

static void list(const struct cands *c)
{
	fputc('\n', stdout);
	if (!c->n)
		fputs("  (nothing may follow)\n", stdout);
	for (int i = 0; i < c->n; i++)
		printf("  %-24s %s\n", c->v[i].word, c->v[i].help);
	fflush(stdout);
}

static struct shell *shell_of(EditLine *el)
{
	void *p;

	el_get(el, EL_CLIENTDATA, &p);
	return p;
}

/* TAB: the unique completion, else the common prefix, else the list. */
static unsigned char on_tab(EditLine *el, int ch)
{
	struct shell *sh = shell_of(el);
	struct cands c;
	const char *first = NULL;
	size_t common = 0, plen;
	int keywords = 0, values = 0;

	(void)ch;
	if (ask(sh, el_line(el), &c) < 0)
		return CC_ERROR;
	plen = strlen(c.prefix);
	for (int i = 0; i < c.n; i++) {
		if (c.v[i].value) {
			values++;
			continue;
		}
		if (!first) {
			first = c.v[i].word;
			common = strlen(first);
		}
		for (size_t k = 0; k < common; k++)
			if (c.v[i].word[k] != first[k])
				common = k;
		keywords++;
	}
	unsigned char ret = CC_REDISPLAY;
	if (keywords == 1 && !values) {
		struct sbuf ins = {0};
		sbuf_printf(&ins, "%s ", first + plen);
		el_insertstr(el, sbuf_str(&ins));
		sbuf_free(&ins);
		ret = CC_REFRESH;
	} else if (keywords && common > plen) {
		char *ins = strndup(first + plen, common - plen);
		if (ins)
			el_insertstr(el, ins);
		free(ins);
		ret = CC_REFRESH;
	} else {
		list(&c);
	}
	cands_free(&c);
	return ret;
}

/* '?': what may come next, with help; the line stays as it was. Inside
 * an open quote it is just a character. */
static unsigned char on_help(EditLine *el, int ch)
{
	struct cands c;

	(void)ch;
	if (ask(shell_of(el), el_line(el), &c) < 0) {
		el_insertstr(el, "?");
		return CC_REFRESH;
	}
	list(&c);
	cands_free(&c);
	return CC_REDISPLAY;
}

/* ^C: the terminal does not turn it into SIGINT while a line is edited
 * (setty -isig below). As in a shell, it abandons the line and starts a
 * fresh one; the session, and a configuration in progress, stay. */
static unsigned char on_interrupt(EditLine *el, int ch)
{
	const LineInfoW *li = el_wline(el);
	int len = (int)(li->lastchar - li->buffer), after = (int)(li->lastchar - li->cursor);

	(void)ch;
	el_cursor(el, after);
	el_deletestr(el, len);
	fputs("^C\n", stdout);
	if (shell_of(el)->config_mode)
		edit_line(shell_of(el));
	fflush(stdout);
	return CC_REDISPLAY;
}

/* A reply that came while no command was running: brinkd ended the session
 * (idle timeout) and says why. */
static void unasked(EditLine *el, struct shell *sh)
{
	static char text[API_TEXT_MAX + 1];
	struct api_reply_hdr h;

	fputc('\n', stdout);
	fflush(stdout);
	do {
		if (api_recv_reply(sh->fd, &h, text, sizeof(text), sh->level, sizeof(sh->level)) < 0) {
			sh->editing = false; /* already on a line of its own */
			lost(sh, -ECONNRESET);
			return;
		}
		fputs(text, h.status ? stderr : stdout);
	} while (h.flags & API_F_MORE);
	take_flags(sh, &h);
	if (!sh->closed)
		el_set(el, EL_REFRESH);
}

/* libedit reads the keyboard through this, so that a message brinkd sends
 * while the user types shows at once. Returns 1 with a character, 0 at the
 * end of input or of the session, -1 on error. */
static int read_key(EditLine *el, wchar_t *wc)
{
	struct shell *sh = shell_of(el);
	mbstate_t mbs = {0};

	while (!sh->closed) {
		struct pollfd pfd[2] = {{.fd = STDIN_FILENO, .events = POLLIN}, {.fd = sh->fd, .events = POLLIN}};
		char c;

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (pfd[1].revents) {
			unasked(el, sh);
			continue;
		}
		if (!pfd[0].revents)
			continue;
		ssize_t n = read(STDIN_FILENO, &c, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return (int)n;
		size_t r = mbrtowc(wc, &c, 1, &mbs);
		if (r == (size_t)-2)
			continue; /* more bytes of one character */
		if (r == (size_t)-1) {
			memset(&mbs, 0, sizeof(mbs));
			*wc = (unsigned char)c;
		}
		return 1;
	}
	return 0;
}

/* ---- modes ---- */

static char *prompt(EditLine *el)
{
	return shell_of(el)->config_mode ? "brink# " : "brink> ";
}

static char *history_path(void)
{
	const char *home = getenv("HOME");
	char *path = NULL;

	if (!home || !*home || access(home, W_OK) != 0 || asprintf(&path, "%s/.brinksh_history", home) < 0)
		return NULL;
	return path;
}

static int interactive(struct shell *sh)
{
	EditLine *el = el_init("brinksh", stdin, stdout, stderr);
	History *hist = history_init();
	HistEvent ev;
	struct sigaction sa = {.sa_handler = on_sigint};
	char *hpath = history_path();
	const char *line;
	int count;

	if (!el || !hist) {
		fprintf(stderr, "brinksh: cannot initialise line editing\n");
		return 1;
	}
	history(hist, &ev, H_SETSIZE, 1000);
	history(hist, &ev, H_SETUNIQUE, 1);
	if (hpath)
		history(hist, &ev, H_LOAD, hpath);
	el_set(el, EL_CLIENTDATA, sh); /* before the prompt, which reads the mode from it */
	el_set(el, EL_EDITOR, "emacs");
	el_set(el, EL_PROMPT, prompt);
	el_set(el, EL_HIST, history, hist);
	el_wset(el, EL_GETCFN, read_key);
	/* ^C while editing is a key (on_interrupt), not a signal. */
	el_wset(el, EL_SETTY, L"-d", L"-isig", NULL);
	/* The wide-character call: libedit's narrow EL_ADDFN leaks its copies of the strings. */
	el_wset(el, EL_ADDFN, L"brink-complete", L"Complete the current word", on_tab);
	el_wset(el, EL_ADDFN, L"brink-help", L"List what may come next", on_help);
	el_wset(el, EL_ADDFN, L"brink-interrupt", L"Abandon the line", on_interrupt);
	el_set(el, EL_BIND, "^I", "brink-complete", NULL);
	el_set(el, EL_BIND, "?", "brink-help", NULL);
	el_set(el, EL_BIND, "^C", "brink-interrupt", NULL);
	/* ^C while a command runs must not end brinksh, nor a configuration session. */
	sigaction(SIGINT, &sa, NULL);
	while (!sh->closed) {
		if (sh->config_mode)
			edit_line(sh);
		sh->editing = true;
		line = el_gets(el, &count);
		sh->editing = false;
		if (!line || count <= 0) {
			if (!sh->closed)
				fputc('\n', stdout);
			break;
		}
		char *cmd = strndup(line, strcspn(line, "\n"));
		if (!cmd)
			break;
		if (cmd[strspn(cmd, " \t")]) {
			history(hist, &ev, H_ENTER, cmd);
			run(sh, cmd);
		}
		free(cmd);
	}
	if (hpath)
		history(hist, &ev, H_SAVE, hpath);
	free(hpath);
	history_end(hist);
	el_end(el);
	return sh->exit_status;
}

/* Scripts: a failed command stops the rest, so a commit never follows a
 * set that did not happen. */
static int script(struct shell *sh, FILE *in)
{
	char *line = NULL;
	size_t cap = 0;
	int rc = 0;

	while (!sh->closed && getline(&line, &cap, in) >= 0) {
		line[strcspn(line, "\r\n")] = '\0';
		const char *p = line + strspn(line, " \t");
		if (!*p || *p == '#')
			continue;
		if (run(sh, p) != 0) {
			rc = 1;
			break;
		}
	}
	free(line);
	return sh->exit_status ? sh->exit_status : rc;
}

/* brinkd's first reply says whether this connection got a session. */
static int greet(struct shell *sh)
{
	static char text[API_TEXT_MAX + 1];
	struct api_reply_hdr h;
	struct pollfd pfd = {.fd = sh->fd, .events = POLLIN};
	int rc = poll(&pfd, 1, GREETING_TIMEOUT_MS);

	if (rc == 0) {
		fprintf(stderr, "brinksh: %s answered nothing within %d s: is that brinkd, and of this build?\n",
			sh->sock, GREETING_TIMEOUT_MS / 1000);
		return -ETIMEDOUT;
	}
	rc = rc < 0 ? -errno : api_recv_reply(sh->fd, &h, text, sizeof(text), sh->level, sizeof(sh->level));
	if (rc == -EPROTONOSUPPORT) {
		fprintf(stderr, "brinksh: brinkd at %s speaks API version %u, this brinksh %d: use both of one build\n",
			sh->sock, h.version, API_VERSION);
		return rc;
	}
	if (rc < 0) {
		fprintf(stderr, "brinksh: brinkd at %s opened no session: %s\n", sh->sock, strerror(-rc));
		return rc;
	}
	if (h.status) {
		fputs(text, stderr);
		return -1;
	}
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: brinksh [-s SOCKET] [-j|--json] [-c COMMAND]...\n"
		   "  -s  brinkd's API socket (default " DEFAULT_SOCK ")\n"
		   "  -j  answers in JSON: one line per command, indented on a terminal\n"
		   "  -c  run COMMAND (repeatable: one session; stops at the first failure)\n"
		   "Without -c: an interactive shell on a terminal, else one command per line from stdin.\n"
		   "On a terminal a reply taller than the screen is paged (space, enter, q),\n"
		   "except with the pipe '| no-more'.\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	struct shell sh = {.sock = DEFAULT_SOCK};
	const char *cmds[MAX_COMMANDS];
	int n_cmds = 0, opt, rc = 0;

	while ((opt = getopt_long(argc, argv, "s:jc:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 's':
			sh.sock = optarg;
			break;
		case 'j':
			sh.json = true;
			break;
		case 'c':
			if (n_cmds == MAX_COMMANDS) {
				fprintf(stderr, "brinksh: at most %d -c commands\n", MAX_COMMANDS);
				return 1;
			}
			cmds[n_cmds++] = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "brinksh: unexpected argument '%s' (commands go after -c)\n", argv[optind]);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	sh.fd = msg_connect(sh.sock);
	if (sh.fd < 0) {
		fprintf(stderr, "brinksh: cannot reach brinkd at %s: %s (is brinkd running?)\n", sh.sock,
			strerror(-sh.fd));
		return EXIT_UNREACHABLE;
	}
	if (greet(&sh) < 0) {
		close(sh.fd);
		return EXIT_UNREACHABLE;
	}
	sh.tty_out = isatty(STDOUT_FILENO);
	sh.page = sh.tty_out && isatty(STDIN_FILENO);
	if (n_cmds) {
		for (int i = 0; i < n_cmds && !sh.closed; i++) {
			if (run(&sh, cmds[i]) != 0) {
				rc = sh.exit_status ? sh.exit_status : 1;
				break;
			}
		}
	} else if (isatty(STDIN_FILENO)) {
		rc = interactive(&sh);
	} else {
		rc = script(&sh, stdin);
	}
	close(sh.fd);
	return rc;
}
