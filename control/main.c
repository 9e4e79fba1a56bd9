/* SPDX-License-Identifier: GPL-2.0-or-later */
/* brinkd: owns the configuration, programs the dataplane, serves brinksh. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "control/api_server.h"
#include "control/brinkd.h"

#define DEFAULT_CONF "/etc/brink/brink.conf"
#define DEFAULT_DP_SOCK "/run/brink/dataplane.sock"
#define DEFAULT_API_SOCK "/run/brink/brinkd.sock"
#define DEFAULT_IDLE "15m"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: brinkd [-f CONF] [-d DATAPLANE_SOCKET] [-a API_SOCKET] [-i IDLE] [--archive DIR] [--takeover]\n"
		"  -f  configuration file (default " DEFAULT_CONF ")\n"
		"  -d  dataplane control socket (default " DEFAULT_DP_SOCK ")\n"
		"  -a  socket brinksh connects to (default " DEFAULT_API_SOCK ")\n"
		"  -i  close a session after IDLE without a command: seconds, or with s, m or h\n"
		"      (default " DEFAULT_IDLE "; 0: never); uncommitted changes are discarded, and\n"
		"      the user is told which\n"
		"  --archive DIR  the commit archive, the last 100 revisions (default: 'archive' in the\n"
		"              directory of CONF)\n"
		"  --takeover  replace the brinkd that controls the dataplane now (it is disconnected\n"
		"              and does not take it back); without it, this brinkd waits until that one stops\n");
}

/* "900", "30s", "15m", "1h" -> seconds. Returns 0 or -EINVAL. */
static int parse_duration(const char *text, unsigned *seconds)
{
	char *end;
	unsigned long n, unit = 1;

	if (*text < '0' || *text > '9')
		return -EINVAL;
	errno = 0;
	n = strtoul(text, &end, 10);
	if (*end == 'm')
		unit = 60;
	else if (*end == 'h')
		unit = 3600;
	else if (*end && *end != 's')
		return -EINVAL;
	if (errno || (*end && end[1]) || n > UINT_MAX / unit)
		return -EINVAL;
	*seconds = (unsigned)(n * unit);
	return 0;
}

/* mkdir -p of the directory holding path. */
static int make_parent(const char *path)
{
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	for (char *p = dir + 1;; p++) {
		if (*p && *p != '/')
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = c;
		if (!c)
			return 0;
	}
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void run(struct brinkd *d, struct api_server *srv)
{
	struct pollfd pfd[API_POLL_MAX + 1];
	long long next_tick = 0;

	while (!stop) {
		long long now = now_ms();
		if (now >= next_tick) {
			brinkd_tick(d);
			api_server_expire(srv);
			next_tick = now + 1000;
		}
		/* The API's descriptors first, then the dataplane's when connected. */
		int n_api = api_server_fds(srv, pfd), n = n_api;
		bool dp = dpc_connected(&d->dp);
		if (dp)
			pfd[n++] = (struct pollfd){.fd = d->dp.fd, .events = POLLIN};
		int rc = poll(pfd, (nfds_t)n, api_server_timeout(srv, (int)(next_tick - now)));
		if (rc < 0) {
			if (errno == EINTR)
				continue;
			brinkd_log("poll: %s", strerror(errno));
			return;
		}
		if (dp && pfd[n_api].revents)
			brinkd_dp_readable(d);
		api_server_handle(srv, pfd, n_api);
	}
}

int main(int argc, char **argv)
{
	const char *conf = DEFAULT_CONF, *dp_sock = DEFAULT_DP_SOCK, *api_sock = DEFAULT_API_SOCK, *archive = NULL;
	struct sigaction sa = {.sa_handler = on_signal};
	struct brinkd d;
	struct api_server srv;
	struct sbuf errs = {0};
	static const struct option longopts[] = {
		{"takeover", no_argument, NULL, 'T'},
		{"archive", required_argument, NULL, 'A'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	bool takeover = false;
	unsigned idle_s;
	int opt, rc;

	parse_duration(DEFAULT_IDLE, &idle_s);
	while ((opt = getopt_long(argc, argv, "f:d:a:i:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			conf = optarg;
			break;
		case 'd':
			dp_sock = optarg;
			break;
		case 'a':
			api_sock = optarg;
			break;
		case 'T':
			takeover = true;
			break;
		case 'i':
			if (parse_duration(optarg, &idle_s) < 0) {
				fprintf(stderr,
					"brinkd: -i '%s': give a duration such as 900, 30s, 15m or 1h (0: never)\n",
					optarg);
				return 1;
			}
			break;
		case 'A':
			archive = optarg;
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
		fprintf(stderr, "brinkd: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 1;
	}
	if (brinkd_init(&d, conf, dp_sock, archive, &errs) < 0) {
		fprintf(stderr, "%sbrinkd: refusing to start: %s is not valid\n", sbuf_str(&errs), conf);
		sbuf_free(&errs);
		brinkd_fini(&d);
		return 1;
	}
	d.dp.takeover = takeover;
	const char *where = NULL, *what = NULL;
	if ((rc = make_parent(dp_sock)) < 0)
		where = dp_sock, what = "cannot create the directory of";
	else if ((rc = make_parent(api_sock)) < 0)
		where = api_sock, what = "cannot create the directory of";
	else if ((rc = api_server_open(&srv, &d, api_sock, idle_s)) < 0)
		where = api_sock, what = "cannot listen on";
	if (where) {
		brinkd_log("%s %s: %s", what, where, strerror(-rc));
		brinkd_fini(&d);
		return 1;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	brinkd_log("loaded %s; API on %s, dataplane at %s", conf, api_sock, dp_sock);
	run(&d, &srv);
	brinkd_log("stopping");
	api_server_close(&srv, api_sock);
	brinkd_fini(&d);
	return 0;
}
