/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef BRINK_TEST_CONTROL_HELPERS_H
#define BRINK_TEST_CONTROL_HELPERS_H

#include <criterion/criterion.h>
#include <ftw.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/net_addr.h"
#include "control/brinkd.h"
#include "control/cli.h"
#include "mock_dp.h"
#include "modules/ipip/ipip_msg.h"
#include "modules/vlan/vlan_msg.h"
#include "modules/vxlan/vxlan_msg.h"

/* Two ports the mock dataplane has, one it lacks (dp2), a static route and
 * a static neighbour. */
#define TEST_CONF                                                                                         \
	"system: { dataplane: { main-cpu = 0; worker = ( { id = 0; cpu = 1; } ); }; };\n"                 \
	"interfaces: { dataplane = (\n"                                                                   \
	"  { name = \"dp0\"; device = \"net_null0\"; address = [ \"172.30.1.1/24\" ]; },\n"               \
	"  { name = \"dp1\"; device = \"net_null1\"; address = [ \"192.168.10.1/24\" ]; mtu = 1500; },\n" \
	"  { name = \"dp2\"; device = \"net_null2\"; address = [ \"10.9.0.1/24\" ]; }\n"                  \
	"); };\n"                                                                                         \
	"protocols: { static: {\n"                                                                        \
	"  route = ( { prefix = \"10.20.0.0/16\"; next-hop = \"192.168.10.2\"; } );\n"                    \
	"  arp = ( { address = \"192.168.10.3\"; hwaddr = \"02:00:00:00:00:03\"; } );\n"                  \
	"}; };\n"

/* Writes text to a new temporary file, whose name goes to path (len bytes). */
static inline void write_file(char *path, size_t len, const char *text)
{
	snprintf(path, len, "/tmp/brink-test-XXXXXX");
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static inline int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

/* rm -r */
static inline void remove_tree(const char *dir)
{
	nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* brinkd on a configuration in a directory of its own (the commit archive
 * goes next to it), the session's user "tester". */
struct fixture {
	char dir[64];
	char conf[96];
	struct brinkd d;
	struct cli_session s;
	struct sbuf out;
};

static inline void fixture_start(struct fixture *f, const char *dp_sock)
{
	struct sbuf errs = {0};
	FILE *fp;

	snprintf(f->dir, sizeof(f->dir), "/tmp/brink-test-XXXXXX");
	cr_assert_not_null(mkdtemp(f->dir));
	snprintf(f->conf, sizeof(f->conf), "%s/brink.conf", f->dir);
	cr_assert_not_null(fp = fopen(f->conf, "w"));
	fputs(TEST_CONF, fp);
	fclose(fp);
	cr_assert_eq(brinkd_init(&f->d, f->conf, dp_sock, NULL, &errs), 0, "%s", sbuf_str(&errs));
	cli_session_init(&f->s, &f->d);
	snprintf(f->s.user, sizeof(f->s.user), "tester");
	sbuf_free(&errs);
}

static inline void fixture_stop(struct fixture *f)
{
	cli_session_fini(&f->s);
	brinkd_fini(&f->d);
	sbuf_free(&f->out);
	remove_tree(f->dir);
}

/* The fixture with brinkd connected to the mock dataplane m. */
static inline void fixture_start_mock(struct fixture *f, struct mock_dp *m)
{
	mock_dp_start(m);
	fixture_start(f, m->path);
	brinkd_tick(&f->d);
	cr_assert(dpc_connected(&f->d.dp), "brinkd did not connect to the mock dataplane");
}

static inline void fixture_stop_mock(struct fixture *f, struct mock_dp *m)
{
	fixture_stop(f);
	mock_dp_stop(m);
}

/* A suite whose every test has brinkd (fixture f) connected to the mock dataplane mock. */
#define MOCK_DP_SUITE(name)                    \
	static struct mock_dp mock;            \
	static struct fixture f;               \
	static void setup(void)                \
	{                                      \
		fixture_start_mock(&f, &mock); \
	}                                      \
	static void teardown(void)             \
	{                                      \
		fixture_stop_mock(&f, &mock);  \
	}                                      \
	TestSuite(name, .init = setup, .fini = teardown)

/* Runs a command; returns its output (valid until the next call). */
static inline const char *run_json(struct fixture *f, const char *line, bool json, int expect_rc)
{
	sbuf_reset(&f->out);
	int rc = cli_exec(&f->s, line, json, &f->out);
	if (expect_rc == 0)
		cr_assert_eq(rc, 0, "'%s' failed (%d): %s", line, rc, sbuf_str(&f->out));
	else
		cr_assert_lt(rc, 0, "'%s' succeeded: %s", line, sbuf_str(&f->out));
	return sbuf_str(&f->out);
}

static inline const char *run_ok(struct fixture *f, const char *line)
{
	return run_json(f, line, false, 0);
}
static inline const char *run_err(struct fixture *f, const char *line)
{
	return run_json(f, line, false, -1);
}

/* One step of the session's job, as the API server runs it: ready() when
 * its descriptor is readable within a tick period, otherwise tick(); its
 * output through the command's filters into out. Returns the step's value. */
static inline int job_step(struct fixture *f, struct sbuf *out)
{
	struct cli_job *j = f->s.job;
	struct pollfd p = {.fd = j->fd, .events = POLLIN};
	bool readable = j->fd >= 0 && poll(&p, 1, j->period_ms) > 0;
	int rc = readable ? j->ready(j, &f->s, out) : j->tick(j, &f->s, out);

	cli_job_filter(&f->s, out, rc <= 0);
	if (rc <= 0)
		cli_job_stop(&f->s);
	return rc;
}

/* Runs the session's job to its end; its output is appended to f->out and
 * returned (valid until the next call), the number of steps that gave
 * output goes to *steps. */
static inline const char *finish_job(struct fixture *f, unsigned *steps)
{
	*steps = 0;
	while (f->s.job) {
		struct sbuf given = {0};
		int rc = job_step(f, &given);
		cr_assert_geq(rc, 0, "the job failed (%d): %s", rc, sbuf_str(&given));
		*steps += given.len > 0;
		sbuf_add(&f->out, sbuf_str(&given));
		sbuf_free(&given);
	}
	return sbuf_str(&f->out);
}

/* Runs a command and its job, if it leaves one, to the end (finish_job). */
static inline const char *run_streamed(struct fixture *f, const char *line, unsigned *steps)
{
	run_ok(f, line);
	return finish_job(f, steps);
}

/* Logical interfaces, as the model builders of their modules make them. */
static inline struct brink_iface test_iface(const char *name, uint8_t type, const char *parent, const char *addr)
{
	struct brink_iface iface = {.type = type};

	snprintf(iface.name, sizeof(iface.name), "%s", name);
	snprintf(iface.parent, sizeof(iface.parent), "%s", parent);
	if (addr) {
		cr_assert(prefix4_parse(addr, true, &iface.addrs[0].ip, &iface.addrs[0].prefix_len));
		iface.n_addrs = 1;
	}
	return iface;
}

static inline struct dp_fdb test_fdb(const char *iface, const char *mac, const char *remote)
{
	struct dp_fdb e = {0};

	memcpy(e.iface, iface, strnlen(iface, sizeof(e.iface)));
	cr_assert(mac_parse(mac, e.mac) && ip4_parse(remote, &e.remote));
	return e;
}

static inline struct brink_iface test_vif(const char *port, uint16_t id, const char *addr)
{
	char name[CFG_NAME_MAX];
	struct dp_vlan_info info = {.vlan_id = id};

	snprintf(name, sizeof(name), "%s.%u", port, id);
	struct brink_iface v = test_iface(name, DP_IFACE_VLAN, port, addr);
	memcpy(v.info, &info, sizeof(info));
	return v;
}

/* A segment of one remote VTEP, 172.30.1.5, from 172.30.1.1. */
static inline struct brink_iface test_segment(const char *name, uint32_t vni)
{
	struct dp_vxlan_info info = {.vni = vni, .local = 0xac1e0101, .n_remotes = 1, .remotes = {0xac1e0105}};
	struct brink_iface v = test_iface(name, DP_IFACE_VXLAN, "", "192.168.50.1/24");

	memcpy(v.info, &info, sizeof(info));
	return v;
}

static inline struct brink_iface test_tunnel(const char *name, const struct dp_ipip_info *info)
{
	struct brink_iface v = test_iface(name, DP_IFACE_IPIP, "", "172.30.0.1/32");

	memcpy(v.info, info, sizeof(*info));
	return v;
}

/* Pushes the running model with these logical interfaces and forwarding
 * entries, a delta from what the dataplane runs, as a commit does, and
 * makes it the running model. */
static inline void push_ifaces(struct fixture *f, const struct brink_iface *v, unsigned n, const struct dp_fdb *fdb,
			       unsigned n_fdb)
{
	struct brink_model next = f->d.model;
	struct brink_items *t = &next.tables[DP_TABLE_FDB];
	char err[512];

	next.n_ifaces = n;
	next.ifaces = n ? malloc(n * sizeof(*v)) : NULL;
	*t = (struct brink_items){.n = n_fdb, .cap = n_fdb, .v = n_fdb ? malloc(n_fdb * sizeof(*fdb)) : NULL};
	if (n)
		memcpy(next.ifaces, v, n * sizeof(*v));
	if (n_fdb)
		memcpy(t->v, fdb, n_fdb * sizeof(*fdb));
	int rc = dpc_push_state(&f->d.dp, &f->d.model, &next, 0, NULL, err, sizeof(err));
	cr_assert_geq(rc, 0, "push: %s", err);
	free(f->d.model.ifaces);
	free(f->d.model.tables[DP_TABLE_FDB].v);
	f->d.model = next;
	f->d.generation = f->d.dp.generation;
}

/* Before fixture_stop: the running model's interfaces are the test's (push_ifaces). */
static inline void drop_ifaces(struct fixture *f)
{
	free(f->d.model.ifaces);
	free(f->d.model.tables[DP_TABLE_FDB].v);
	f->d.model.ifaces = NULL;
	f->d.model.tables[DP_TABLE_FDB] = (struct brink_items){0};
	f->d.model.n_ifaces = 0;
}

#define assert_has(text, what) cr_assert(strstr((text), (what)), "expected '%s' in:\n%s", (what), (text))
#define assert_lacks(text, what) cr_assert(!strstr((text), (what)), "did not expect '%s' in:\n%s", (what), (text))

#endif
