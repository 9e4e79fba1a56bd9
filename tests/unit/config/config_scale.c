/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What brinkd's configuration costs at Internet scale: a generated brink.conf
 * with ROUTES static routes (/24 to /32, one next hop each) is loaded, built
 * into a model, saved, loaded back, copied, compared with a copy that has
 * one route changed, and edited with SETS single 'set's and as many
 * 'delete's. Prints one "name=value" line per figure (seconds, MB).
 *
 *   config_scale [ROUTES [SETS]]     defaults 1000000 and 60000
 */
#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* VmRSS or VmHWM of this process, in MB. */
static double memory_mb(const char *field)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	double kb = 0;

	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, field, strlen(field)) == 0)
			kb = strtod(line + strlen(field) + 1, NULL);
	if (f)
		fclose(f);
	return kb / 1024;
}

static void figure(const char *name, double value)
{
	printf("%s=%.3f\n", name, value);
	fflush(stdout);
}

static const char *generate(unsigned n_routes, unsigned *next)
{
	static char path[] = "/tmp/config_scale.XXXXXX";
	char head[512], prefix[PREFIX4_STR_LEN], gateway[IP4_STR_LEN];
	int fd = mkstemp(path);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	unsigned i = 0;

	if (!f) {
		perror("config_scale: temporary file");
		exit(1);
	}
	scale_head(head, sizeof(head), n_routes);
	fputs(head, f);
	for (unsigned k = 0; k < n_routes; i++) {
		if (!scale_route(i, prefix, gateway))
			continue;
		fprintf(f, "%s{ prefix = \"%s\"; next-hop = \"%s\"; }\n", k ? "," : "", prefix, gateway);
		k++;
	}
	fprintf(f, "); }; };\n");
	fclose(f);
	*next = i;
	return path;
}

static struct cfg_node *load(const char *name, const char *path)
{
	struct cfg_errors errs;
	double t = now_s();
	struct cfg_node *root = cfg_load_file(path, &errs);

	if (!root) {
		char msg[4096];
		cfg_errors_format(&errs, msg, sizeof(msg));
		fprintf(stderr, "config_scale: %s", msg);
		exit(1);
	}
	figure(name, now_s() - t);
	return root;
}

/* libconfig's parse alone: the part of cfg_load_file that is not ours. */
static void parse_only(const char *path)
{
	config_t cf;
	double t = now_s();

	config_init(&cf);
	if (!config_read_file(&cf, path)) {
		fprintf(stderr, "config_scale: %s:%d: %s\n", path, config_error_line(&cf), config_error_text(&cf));
		exit(1);
	}
	figure("libconfig_parse_s", now_s() - t);
	config_destroy(&cf);
}

static int edit(struct cfg_node *root, bool set, const char *prefix, const char *gateway)
{
	const char *argv[] = {"protocols", "static", "route", prefix, "next-hop", gateway};
	struct cfg_error err;
	int rc = set ? cfg_set(root, 6, argv, &err) : cfg_delete(root, 6, argv, &err);

	if (rc < 0)
		fprintf(stderr, "config_scale: %s %s: %s\n", set ? "set" : "delete", err.path, err.msg);
	return rc;
}

int main(int argc, char **argv)
{
	unsigned n_routes = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 1000000;
	unsigned n_sets = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 60000;
	char saved[64], prefix[PREFIX4_STR_LEN], gateway[IP4_STR_LEN], first[PREFIX4_STR_LEN];
	struct cfg_errors errs;
	struct brink_model m;
	struct cfg_node *root, *again, *copy;
	unsigned next, done;
	double t;
	char *diff;

	const char *path = generate(n_routes, &next);
	printf("routes=%u\n", n_routes);
	parse_only(path);
	root = load("load_s", path);
	figure("rss_loaded_mb", memory_mb("VmRSS"));

	t = now_s();
	if (brink_model_build(root, &m, &errs) < 0 || m.n_routes != n_routes) {
		fprintf(stderr, "config_scale: the model has %u routes\n", m.n_routes);
		return 1;
	}
	figure("model_build_s", now_s() - t);
	brink_model_free(&m);

	snprintf(saved, sizeof(saved), "%s.saved", path);
	t = now_s();
	if (cfg_save_file(root, saved) < 0) {
		perror("config_scale: save");
		return 1;
	}
	figure("save_s", now_s() - t);
	again = load("reload_saved_s", saved);
	if (!cfg_equal(root, again)) {
		fprintf(stderr, "config_scale: the saved file loads back different\n");
		return 1;
	}
	cfg_free(again);

	t = now_s();
	copy = cfg_clone(root);
	figure("clone_s", now_s() - t);
	for (unsigned i = 0; !scale_route(i, first, gateway); i++)
		;
	if (edit(copy, false, first, gateway) < 0 || edit(copy, true, first, "192.168.255.254") < 0)
		return 1;
	t = now_s();
	bool equal = cfg_equal(root, copy);
	figure("equal_s", now_s() - t);
	t = now_s();
	diff = cfg_compare(root, copy);
	figure("compare_s", now_s() - t);
	unsigned lines = 0;
	for (const char *c = diff; *c; c++)
		lines += *c == '\n';
	if (equal || lines != 2) {
		fprintf(stderr, "config_scale: compare found not the one changed route:\n%s", diff);
		return 1;
	}
	free(diff);

	t = now_s();
	done = 0;
	for (unsigned i = next; done < n_sets; i++)
		if (scale_route(i, prefix, gateway) && edit(copy, true, prefix, gateway) == 0)
			done++;
	printf("sets=%u\n", n_sets);
	figure("sets_s", now_s() - t);
	t = now_s();
	done = 0;
	for (unsigned i = next; done < n_sets; i++)
		if (scale_route(i, prefix, gateway) && edit(copy, false, prefix, gateway) == 0)
			done++;
	figure("deletes_s", now_s() - t);
	figure("rss_two_trees_mb", memory_mb("VmRSS"));
	figure("rss_peak_mb", memory_mb("VmHWM"));

	cfg_free(copy);
	cfg_free(root);
	unlink(saved);
	unlink(path);
	return 0;
}
