/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "dataplane/capture.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_memory.h>
#include <rte_pcapng.h>
#include <rte_pdump.h>

#include "dataplane/dp.h"

static char unavailable[128] = "the dataplane is starting";
static bool serving;

static int first_segment_fd(const struct rte_memseg_list *msl, const struct rte_memseg *ms, void *arg)
{
	(void)msl;
	*(int *)arg = rte_memseg_get_fd_thread_unsafe(ms);
	return 1;
}

/* Whether the hugepage files are gone (EAL --huge-unlink): a file the EAL
 * keeps open reads "(deleted)" in /proc. */
static bool hugepage_files_unlinked(void)
{
	char link[64], target[512];
	int fd = -1;
	ssize_t n;

	rte_memseg_walk(first_segment_fd, &fd);
	if (fd < 0)
		return false;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	target[n > 0 ? n : 0] = '\0';
	return strstr(target, " (deleted)") != NULL;
}

/* A secondary process maps the primary's memory from its hugepage files and
 * finds it through the runtime directory's config file; memory the EAL keeps
 * private cannot be shared. */
static bool shared_memory(void)
{
	char config[512];

	if (!rte_eal_has_hugepages()) {
		snprintf(unavailable, sizeof(unavailable),
			 "the dataplane runs with EAL --no-huge; dpdk-dumpcap needs its memory in hugepages");
		return false;
	}
	snprintf(config, sizeof(config), "%s/config", rte_eal_get_runtime_dir());
	if (access(config, F_OK) != 0) {
		snprintf(unavailable, sizeof(unavailable),
			 "the dataplane shares no memory (EAL --in-memory or --no-shconf); dpdk-dumpcap cannot attach");
		return false;
	}
	if (hugepage_files_unlinked()) {
		snprintf(unavailable, sizeof(unavailable),
			 "the dataplane runs with EAL --huge-unlink; dpdk-dumpcap maps its hugepage files by name");
		return false;
	}
	return true;
}

/* DPDK 22.11 starts its pcapng clock (TSC to wall time) at its first use,
 * and takes the TSC of that first packet before: the difference wraps, and
 * every timestamp after it is centuries off. Starting the clock here with a
 * copy stamped a little ahead of it keeps the difference positive. */
static void start_pcapng_clock(void)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(dp.pool), *copy = NULL;

	if (m && rte_pktmbuf_append(m, RTE_ETHER_MIN_LEN))
		copy = rte_pcapng_copy(0, 0, m, dp.pool, RTE_ETHER_MIN_LEN, rte_get_tsc_cycles() + rte_get_tsc_hz() / 2,
				       RTE_PCAPNG_DIRECTION_IN);
	rte_pktmbuf_free(copy);
	rte_pktmbuf_free(m);
}

void capture_init(void)
{
	if (!shared_memory()) {
		RTE_LOG(NOTICE, USER1, "capture: unavailable: %s\n", unavailable);
		return;
	}
	if (rte_pdump_init() < 0) {
		snprintf(unavailable, sizeof(unavailable), "rte_pdump_init failed: %s", rte_strerror(rte_errno));
		RTE_LOG(NOTICE, USER1, "capture: unavailable: %s\n", unavailable);
		return;
	}
	start_pcapng_clock();
	unavailable[0] = '\0';
	serving = true;
}

void capture_fini(void)
{
	if (serving)
		rte_pdump_uninit();
	serving = false;
	snprintf(unavailable, sizeof(unavailable), "the dataplane is stopping");
}

const char *capture_unavailable(void)
{
	return unavailable;
}
