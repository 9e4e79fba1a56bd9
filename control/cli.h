/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * CLI sessions and the command registry. One session per API connection,
 * each with its own mode and, in configuration mode, its own candidate tree
 * cloned from running. Commands live with their feature (show.c,
 * cli_config.c, ...) and register themselves (CLI_REGISTER); the registry
 * drives dispatch, unique-prefix abbreviations, '?' help, TAB completion and
 * the output filters ("| match RE", "| except RE", "| count", "| json",
 * "| no-more") every command gets.
 */
#ifndef BRINK_CLI_H
#define BRINK_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "common/sbuf.h"
#include "control/brinkd.h"

enum cli_mode {
	CLI_OPERATIONAL,
	CLI_CONFIGURATION,
};

#define CLI_OPER (1u << CLI_OPERATIONAL)
#define CLI_CONF (1u << CLI_CONFIGURATION)

#define CLI_EDIT_MAX 16 /* words of an edit level */

struct cli_job;

struct cli_session {
	struct brinkd *d;
	enum cli_mode mode;
	struct cfg_node *candidate; /* configuration mode only */
	struct cfg_node *base;      /* the running configuration the candidate started from */
	uint64_t base_revision;     /* its revision */
	int edit_argc;              /* the edit level: a path prefix for set, delete and show */
	char *edit_argv[CLI_EDIT_MAX];
	char user[32];       /* who is on the other end, for the commit archive */
	bool closed;         /* exit from operational mode */
	struct cli_job *job; /* a command still producing output */
	void *job_filters;   /* the output filters it goes on with */
};

/* What a command produces: text in out, or in JSON mode a result object
 * (shows); on failure out holds the error. A command that goes on after it
 * returns (ping, monitor ...) leaves a job. */
struct cli_reply {
	bool json;
	struct sbuf *out;
	json_t *result;
	struct cli_job *job;
};

/* A command that keeps producing output after it returned: the API server
 * calls ready() when fd is readable and tick() every period_ms; either
 * returns > 0 to go on, 0 when done, < 0 on failure (message in out). On
 * ^C, interrupt() (optional) asks it to wind down: > 0 lets it go on to its
 * end (a program's summary), otherwise it is stopped. stop() releases it
 * and frees it, after its end or when it is cut short (no interrupt(), the
 * session closing). In JSON mode each piece of output is one JSON document
 * on a line. */
struct cli_job {
	int fd;        /* watched for input, or -1 */
	int period_ms; /* 0: no ticks */
	bool json;
	int (*ready)(struct cli_job *j, struct cli_session *s, struct sbuf *out);
	int (*tick)(struct cli_job *j, struct cli_session *s, struct sbuf *out);
	int (*interrupt)(struct cli_job *j, struct cli_session *s, struct sbuf *out);
	void (*stop)(struct cli_job *j, struct cli_session *s);
};

typedef int (*cli_fn)(struct cli_session *s, int argc, char **argv, struct cli_reply *r);

/* A parameter of a command, for parsing, '?' and TAB. Positional values
 * (word NULL) come first, in order; keywords follow in any order. */
struct cli_param {
	const char *word;  /* a keyword, or NULL for a positional value */
	const char *value; /* placeholder of the value ("<1-65535>"), NULL for a lone keyword */
	const char *help;
	/* values worth offering (interface names...), optional */
	void (*offer)(struct cli_session *s, void (*add)(void *ctx, const char *word, const char *help), void *ctx);
	bool optional; /* positional values only */
};

enum cli_args {
	CLI_ARGS_NONE,   /* nothing may follow */
	CLI_ARGS_PARAMS, /* params[] */
	CLI_ARGS_PATH,   /* a configuration path, below the session's edit level */
	CLI_ARGS_OPER,   /* an operational command (run) */
};

struct cli_cmd {
	const char *path; /* its words: "show ip route" */
	const char *help; /* of its last word */
	unsigned modes;   /* CLI_OPER, CLI_CONF, or both */
	cli_fn fn;        /* NULL: a word that only leads to others */
	enum cli_args args;
	const struct cli_param *params; /* CLI_ARGS_PARAMS: ends with an entry whose help is NULL */
};

void cli_register(const struct cli_cmd *cmds, size_t n);
#define CLI_REGISTER(table)                                                 \
	__attribute__((constructor)) static void cli_register_##table(void) \
	{                                                                   \
		cli_register(table, sizeof(table) / sizeof((table)[0]));    \
	}

/* Parsed parameters: value[i] (NULL when not given) for params[i]; a lone
 * keyword given reads as its own word. */
#define CLI_PARAMS_MAX 16
struct cli_values {
	const char *value[CLI_PARAMS_MAX];
};
/* Parses argv against params (unique prefixes of keywords accepted).
 * Returns 0, or -EINVAL with the reason in r->out (prefixed by what). */
int cli_parse(const char *what, const struct cli_param *params, int argc, char **argv, struct cli_values *v,
	      struct cli_reply *r);
/* A number parameter in [min, max]; false with the reason in r->out. */
bool cli_number(const char *what, const char *text, long min, long max, long *out, struct cli_reply *r);

void cli_session_init(struct cli_session *s, struct brinkd *d);
void cli_session_fini(struct cli_session *s);
/* Ends the session's running job, if any. */
void cli_job_stop(struct cli_session *s);
/* A job's output through the filters of its command line; "| count" counts
 * its lines and gives the number with its last output. */
void cli_job_filter(struct cli_session *s, struct sbuf *out, bool last);
/* The edit level as words ("protocols static route 10.0.0.0/8"), "" at the top. */
void cli_edit_level(const struct cli_session *s, char *buf, size_t len);

/* Runs the command argv names in the given mode ("run" runs operational ones). */
int cli_dispatch(struct cli_session *s, enum cli_mode mode, int argc, char **argv, struct cli_reply *r);

/* Runs one command line; the reply text (JSON text in JSON mode) goes to
 * out. Returns 0 or -errno. */
int cli_exec(struct cli_session *s, const char *line, bool json, struct sbuf *out);

/* Shared by the command files. */
void cli_offer_interfaces(struct cli_session *s, void (*add)(void *ctx, const char *word, const char *help), void *ctx);
void cli_render_tree(const struct cfg_node *t, struct cli_reply *r);
json_t *cli_lines_json(const char *text);

#endif
