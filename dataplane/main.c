/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * brink-dataplane: the DPDK primary process. It reads the boot-time part of
 * brink.conf (CPUs, workers, ports, punt interface), starts the ports and
 * the workers, then serves brinkd on the main lcore and runs the neighbour
 * table until SIGTERM.
 */
#include <errno.h>
#include <getopt.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "config/config.h"
#include "dataplane/arp.h"
#include "dataplane/capture.h"
#include "dataplane/ctl_server.h"
#include "dataplane/dp.h"
#include "dataplane/fib.h"
#include "dataplane/log.h"
#include "dataplane/neigh.h"
#include "dataplane/nh_group.h"
#include "dataplane/port.h"
#include "dataplane/state.h"
#include "dataplane/trace.h"
#include "dataplane/worker.h"

#define DEFAULT_SOCKET "/run/brink/dataplane.sock"
#define RING_SIZE 4096
#define NEIGH_TIMER_MS 100

struct options {
	const char *config;
	const char *socket;
	bool leak_check;
	int eal_argc;
	char **eal_argv; /* extra EAL arguments after "--" */
};

static void usage(FILE *f)
{
	fprintf(f, "usage: brink-dataplane -f brink.conf [-s " DEFAULT_SOCKET "] [--profile] [--leak-check]\n"
		   "                       [-- extra EAL arguments, e.g. --no-huge -m 512 --file-prefix x]\n");
}

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'f'}, {"socket", required_argument, NULL, 's'},
		{"leak-check", no_argument, NULL, 'L'},   {"profile", no_argument, NULL, 'P'},
		{"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
	};
	int c;

	o->socket = DEFAULT_SOCKET;
	while ((c = getopt_long(argc, argv, "f:s:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			o->config = optarg;
			break;
		case 's':
			o->socket = optarg;
			break;
		case 'L':
			o->leak_check = true;
			break;
		case 'P':
			dp.profile = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (!o->config) {
		fprintf(stderr, "brink-dataplane: -f brink.conf is required\n");
		usage(stderr);
		return -1;
	}
	o->eal_argc = argc - optind;
	o->eal_argv = argv + optind;
	return 0;
}

static bool is_pci_address(const char *dev)
{
	regex_t re;
	bool match;
	regcomp(&re, "^([0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\\.[0-7]$", REG_EXTENDED | REG_NOSUB);
	match = regexec(&re, dev, 0, NULL, 0) == 0;
	regfree(&re);
	return match;
}

static char punt_device[CFG_DEVICE_MAX];

/* EAL arguments from the boot-time configuration, then the user's extras;
 * the first *n_owned are ours to free. */
static char **build_eal_args(const char *prog, const struct brink_model *m, const struct options *o, int *argc,
			     int *n_owned)
{
	char **argv = calloc((size_t)(2 * m->n_ports + o->eal_argc + 16), sizeof(char *));
	char lcores[512];
	int n = 0, len;
	bool any_pci = false;

	len = snprintf(lcores, sizeof(lcores), "0@%u", m->main_cpu);
	for (unsigned i = 0; i < m->n_workers; i++)
		len += snprintf(lcores + len, sizeof(lcores) - (size_t)len, ",%u@%u", i + 1, m->worker_cpus[i]);
	argv[n++] = strdup(prog);
	argv[n++] = strdup("--lcores");
	argv[n++] = strdup(lcores);
	for (unsigned i = 0; i < m->n_ports; i++) {
		bool pci = is_pci_address(m->ports[i].device);
		any_pci |= pci;
		argv[n++] = strdup(pci ? "-a" : "--vdev");
		argv[n++] = strdup(m->ports[i].device);
	}
	if (m->punt_enabled) {
		if (m->punt_type == BRINK_PUNT_TAP)
			snprintf(punt_device, sizeof(punt_device), "net_tap_brink,iface=%s", m->punt_ifname);
		else
			snprintf(punt_device, sizeof(punt_device),
				 "virtio_user_brink,path=/dev/vhost-net,iface=%s,queues=%u", m->punt_ifname,
				 m->n_workers);
		argv[n++] = strdup("--vdev");
		argv[n++] = strdup(punt_device);
	}
	if (!any_pci)
		argv[n++] = strdup("--no-pci");
	*n_owned = n;
	for (int i = 0; i < o->eal_argc; i++)
		argv[n++] = o->eal_argv[i];
	*argc = n;
	return argv;
}

static void on_signal(int sig)
{
	(void)sig;
	dp.stop = true;
}

static int init_tables(const struct brink_model *m)
{
	size_t qsbr_size = rte_rcu_qsbr_get_memsize(m->n_workers);
	int rc;

	dp_modules_init();
	if ((rc = dp_lcore_tables_init()) < 0)
		return rc;
	dp.pool = rte_pktmbuf_pool_create("brink_mbufs", m->mbufs, 256, DP_MBUF_PRIV_SIZE, RTE_MBUF_DEFAULT_BUF_SIZE,
					  (int)rte_socket_id());
	dp.qsbr = rte_zmalloc("brink_qsbr", qsbr_size, RTE_CACHE_LINE_SIZE);
	if (!dp.pool || !dp.qsbr)
		return -ENOMEM;
	if ((rc = rte_rcu_qsbr_init(dp.qsbr, m->n_workers)) != 0)
		return rc;
	dp.to_control = rte_ring_create_elem("brink_to_ctl", sizeof(struct arp_event), RING_SIZE, (int)rte_socket_id(),
					     RING_F_SC_DEQ);
	dp.to_control_pkts = rte_ring_create("brink_to_ctl_pkts", RING_SIZE, (int)rte_socket_id(), RING_F_SC_DEQ);
	dp.inject = rte_ring_create("brink_inject", RING_SIZE, (int)rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (!dp.to_control || !dp.to_control_pkts || !dp.inject)
		return -ENOMEM;
	if ((rc = nh_table_init()) < 0 || (rc = neigh_init()) < 0 || (rc = fib_init(m->fib_size)) < 0)
		return rc;
	return state_init(m->fib_size + STATE_ADDRS_MAX * 2, 2 * m->fib_size);
}

static int setup_ports_and_workers(const struct brink_model *m)
{
	char err[256];
	int rc;

	for (unsigned i = 0; i < m->n_ports; i++) {
		rc = port_setup(m->ports[i].name, m->ports[i].device, false, m->n_workers, err, sizeof(err));
		if (rc < 0) {
			fprintf(stderr, "brink-dataplane: %s\n", err);
			return rc;
		}
	}
	if (m->punt_enabled) {
		rc = port_setup(m->punt_ifname, punt_device, true, m->n_workers, err, sizeof(err));
		if (rc < 0) {
			fprintf(stderr, "brink-dataplane: punt interface: %s\n", err);
			return rc;
		}
		dp.punt_port = rc;
	}
	dp.n_workers = m->n_workers;
	for (unsigned w = 0; w < m->n_workers; w++) {
		struct dp_worker *wk = &dp.workers[w];
		wk->id = w;
		wk->lcore = w + 1;
		for (uint16_t p = 0; p < RTE_MAX_ETHPORTS; p++) {
			if (!dp.ports[p].in_use)
				continue;
			wk->tx_ports[wk->n_tx_ports++] = p;
			if (w < dp.ports[p].n_rxq) {
				wk->rxq[wk->n_rxq].port = p;
				wk->rxq[wk->n_rxq].queue = (uint16_t)w;
				wk->n_rxq++;
			}
		}
	}
	return 0;
}

static uint64_t next_timer;

/* ARP, packets waiting for it and the timers: between control requests,
 * and between the slices of a long change of state (which is why the
 * ports' link state, which changes the state, is polled by main_loop). */
static void main_work(void)
{
	struct arp_event ev[64];
	struct rte_mbuf *pkts[64];
	unsigned n;

	n = rte_ring_sc_dequeue_burst_elem(dp.to_control, ev, sizeof(ev[0]), RTE_DIM(ev), NULL);
	for (unsigned i = 0; i < n; i++)
		neigh_arp_event(&ev[i]);
	n = rte_ring_sc_dequeue_burst(dp.to_control_pkts, (void **)pkts, RTE_DIM(pkts), NULL);
	for (unsigned i = 0; i < n; i++)
		neigh_resolve_packet(pkts[i]);
	uint64_t now = rte_rdtsc();
	dp_main_work_run(now);
	if (now >= next_timer) {
		neigh_timer(now);
		fib_hold_timer(now);
		nh_reclaim();
		nh_group_reclaim();
		lpm4_reclaim(dp.lpm);
		trace_poll();
		next_timer = now + rte_get_tsc_hz() * NEIGH_TIMER_MS / 1000;
	}
}

static void main_loop(void)
{
	uint64_t next_link_poll = 0;

	dp_apply_between_slices(main_work);
	while (!dp.stop) {
		ctl_poll(1);
		main_work();
		uint64_t now = rte_rdtsc();
		if (now >= next_link_poll) {
			if (port_poll_links())
				state_refresh();
			next_link_poll = now + rte_get_tsc_hz() * NEIGH_TIMER_MS / 1000;
		}
	}
}

/* Return every mbuf still in our hands to the pool. */
static void release_all(void)
{
	struct dp_lcore_counters *cnt = dp_counters_self();
	struct rte_mbuf *m = NULL;

	while (rte_ring_dequeue(dp.to_control_pkts, (void **)&m) == 0) {
		rte_pktmbuf_free(m);
		cnt->c[DP_CNT_DROP_SHUTDOWN]++;
	}
	while (rte_ring_dequeue(dp.inject, (void **)&m) == 0) {
		rte_pktmbuf_free(m);
		cnt->c[DP_CNT_DROP_SHUTDOWN]++;
	}
	neigh_flush_all();
}

/* Everything between EAL initialization and cleanup; returns the exit status. */
static int run(const struct brink_model *model, const struct options *opt)
{
	int rc, status = 0;

	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGPIPE, SIG_IGN);
	dp.idle_sleep_us = model->idle_sleep_us;

	if (rte_lcore_count() != model->n_workers + 1) {
		fprintf(stderr, "brink-dataplane: expected %u lcores, EAL gave %u\n", model->n_workers + 1,
			rte_lcore_count());
		return 1;
	}
	if ((rc = init_tables(model)) < 0) {
		fprintf(stderr, "brink-dataplane: cannot allocate tables: %s\n", strerror(-rc));
		return 1;
	}
	if (setup_ports_and_workers(model) < 0) {
		port_close_all();
		return 1;
	}
	if ((rc = ctl_init(opt->socket, &ctl_default_limits)) < 0) {
		fprintf(stderr, "brink-dataplane: control socket %s: %s\n", opt->socket, strerror(-rc));
		ctl_close();
		port_close_all();
		return 1;
	}
	capture_init();
	for (unsigned w = 0; w < dp.n_workers; w++)
		rte_eal_remote_launch(worker_main, &dp.workers[w], dp.workers[w].lcore);
	printf("brink-dataplane: %u ports, %u workers, control socket %s\n", model->n_ports, dp.n_workers, opt->socket);
	fflush(stdout);

	main_loop();

	rte_eal_mp_wait_lcore();
	release_all();
	capture_fini();
	ctl_close();
	port_close_all();
	if (opt->leak_check) {
		unsigned avail = rte_mempool_avail_count(dp.pool), size = dp.pool->size;
		if (avail != size) {
			fprintf(stderr, "brink-dataplane: mbuf leak: %u of %u mbufs not returned\n", size - avail,
				size);
			status = 3;
		} else {
			printf("brink-dataplane: leak check passed (%u mbufs)\n", size);
		}
	}
	return status;
}

int main(int argc, char **argv)
{
	struct options opt = {0};
	struct cfg_errors errs = {0};
	struct brink_model model = {0};
	struct cfg_node *cfg;
	char msg[4096];
	int eal_argc, eal_owned, status;

	if (parse_options(argc, argv, &opt) < 0)
		return 2;
	cfg = cfg_load_file_model(opt.config, &model, &errs);
	if (!cfg) {
		cfg_errors_format(&errs, msg, sizeof(msg));
		fprintf(stderr, "brink-dataplane: %s is not valid:\n%s", opt.config, msg);
		cfg_free(cfg);
		return 1;
	}
	cfg_free(cfg);
	if (model.punt_enabled && model.punt_type == BRINK_PUNT_VIRTIO_USER && access("/dev/vhost-net", R_OK | W_OK)) {
		fprintf(stderr, "brink-dataplane: system dataplane punt type virtio-user needs /dev/vhost-net "
				"(load the vhost_net module), or use type tap\n");
		brink_model_free(&model);
		return 1;
	}

	char **eal_argv = build_eal_args(argv[0], &model, &opt, &eal_argc, &eal_owned);
	/* rte_eal_init permutes its argv: keep our own list of what to free. */
	char **owned = calloc((size_t)eal_owned, sizeof(char *));
	memcpy(owned, eal_argv, sizeof(char *) * (size_t)eal_owned);
	if ((status = dp_log_init()) < 0)
		fprintf(stderr, "brink-dataplane: log capture unavailable (%s): show log lacks our lines\n",
			strerror(-status));
	if (rte_eal_init(eal_argc, eal_argv) < 0) {
		fprintf(stderr, "brink-dataplane: EAL initialization failed: %s\n", rte_strerror(rte_errno));
		status = 1;
	} else {
		status = run(&model, &opt);
		rte_eal_cleanup();
	}
	for (int i = 0; i < eal_owned; i++)
		free(owned[i]);
	free(owned);
	free(eal_argv);
	brink_model_free(&model);
	printf("brink-dataplane: stopped\n");
	return status;
}
