/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "dataplane/port.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <rte_ethdev.h>
#include <rte_log.h>

#include "common/net_addr.h"
#include "common/punt.h"
#include "dataplane/arp.h"
#include "dataplane/ctl_server.h"
#include "dataplane/path.h"

#define RX_DESC 1024
#define TX_DESC 1024

/* The kernel side of a TAP port has a MAC of its own; we address punted frames to it. */
static void read_kernel_mac(struct dp_port *p, const char *device)
{
	const char *iface = strstr(device, "iface=");
	struct ifreq ifr = {0};
	int fd;

	if (!iface)
		return;
	iface += strlen("iface=");
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%.*s", (int)strcspn(iface, ","), iface);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return;
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) == 0)
		memcpy(&p->kernel_mac, ifr.ifr_hwaddr.sa_data, 6);
	close(fd);
}

/* The MTUs the device takes, as rte_eth_dev_set_mtu will judge them. A driver
 * without MTU control keeps only our software check: any MTU the
 * configuration allows. */
static void set_mtu_range(struct dp_port *p, uint16_t port, uint16_t mtu, const struct rte_eth_dev_info *info)
{
	uint32_t overhead = RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN;

	if (rte_eth_dev_set_mtu(port, mtu) == -ENOTSUP) {
		p->min_mtu = RTE_ETHER_MIN_MTU;
		p->max_mtu = UINT16_MAX;
		return;
	}
	if (info->max_mtu != UINT16_MAX && info->max_rx_pktlen > info->max_mtu)
		overhead = info->max_rx_pktlen - info->max_mtu;
	p->min_mtu = RTE_MAX(info->min_mtu, (uint16_t)RTE_ETHER_MIN_MTU);
	p->max_mtu = (uint16_t)RTE_MIN((uint32_t)info->max_mtu, info->max_rx_pktlen - overhead);
}

int port_setup(const char *name, const char *device, bool is_punt, unsigned n_workers, char *err, size_t errlen)
{
	char dev_name[CFG_DEVICE_MAX];
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf = {0};
	uint16_t port;
	int rc;

	/* A vdev's port is named by the part of its devargs before the first comma. */
	snprintf(dev_name, sizeof(dev_name), "%.*s", (int)strcspn(device, ","), device);
	if (rte_eth_dev_get_port_by_name(dev_name, &port) != 0) {
		snprintf(err, errlen, "%s: device '%s' was not found by DPDK", name, device);
		return -ENODEV;
	}
	if ((rc = rte_eth_dev_info_get(port, &info)) != 0) {
		snprintf(err, errlen, "%s: cannot query device: %s", name, strerror(-rc));
		return rc;
	}
	struct dp_port *p = &dp.ports[port];
	p->n_rxq = (uint16_t)RTE_MIN(n_workers, info.max_rx_queues);
	p->n_txq = (uint16_t)RTE_MIN(n_workers, info.max_tx_queues);
	if (is_punt)
		p->n_rxq = p->n_txq = (uint16_t)RTE_MIN(p->n_rxq, p->n_txq);
	if (p->n_rxq == 0 || p->n_txq == 0) {
		snprintf(err, errlen, "%s: device offers no queues", name);
		return -ENODEV;
	}
	p->txq_shared = p->n_txq < n_workers;
	if (!is_punt && p->n_rxq < n_workers)
		fprintf(stderr,
			"brink-dataplane: %s: the device offers %u RX queue(s) for %u workers: only %u worker(s) "
			"receive from it%s\n",
			name, p->n_rxq, n_workers, p->n_rxq,
			strncmp(device, "net_af_packet", 13) == 0 ? " (add qpairs=N to an af_packet device)" : "");
	if (p->n_rxq > 1) {
		conf.rx_adv_conf.rss_conf.rss_hf =
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP) & info.flow_type_rss_offloads;
		if (conf.rx_adv_conf.rss_conf.rss_hf)
			conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
	}
	/* Request only what the driver has: vdevs such as af_packet or pcap have no offloads. */
	/* A tag the device strips is read from the mbuf (modules/vlan). */
	conf.rxmode.offloads = (RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_VLAN_STRIP) & info.rx_offload_capa;
	conf.txmode.offloads = RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE & info.tx_offload_capa;
	if ((rc = rte_eth_dev_configure(port, p->n_rxq, p->n_txq, &conf)) != 0) {
		snprintf(err, errlen, "%s: configure failed: %s", name, strerror(-rc));
		return rc;
	}
	uint16_t nb_rx = RX_DESC, nb_tx = TX_DESC;
	rte_eth_dev_adjust_nb_rx_tx_desc(port, &nb_rx, &nb_tx);
	for (uint16_t q = 0; q < p->n_rxq; q++) {
		struct rte_eth_rxconf rxc = info.default_rxconf;
		rxc.offloads = conf.rxmode.offloads;
		rc = rte_eth_rx_queue_setup(port, q, nb_rx, (unsigned)rte_eth_dev_socket_id(port), &rxc, dp.pool);
		if (rc != 0) {
			snprintf(err, errlen, "%s: RX queue %u: %s", name, q, strerror(-rc));
			return rc;
		}
	}
	for (uint16_t q = 0; q < p->n_txq; q++) {
		struct rte_eth_txconf txc = info.default_txconf;
		txc.offloads = conf.txmode.offloads;
		rc = rte_eth_tx_queue_setup(port, q, nb_tx, (unsigned)rte_eth_dev_socket_id(port), &txc);
		if (rc != 0) {
			snprintf(err, errlen, "%s: TX queue %u: %s", name, q, strerror(-rc));
			return rc;
		}
		rte_spinlock_init(&p->txq_lock[q]);
	}
	if ((rc = rte_eth_dev_start(port)) != 0) {
		snprintf(err, errlen, "%s: start failed: %s", name, strerror(-rc));
		return rc;
	}
	/* We filter destination MACs ourselves, which lets a configured MAC work on any driver. */
	rte_eth_promiscuous_enable(port);
	uint16_t mtu = DP_DEFAULT_MTU;
	rte_eth_macaddr_get(port, &p->device_mac);
	rte_eth_dev_get_mtu(port, &mtu);
	set_mtu_range(p, port, mtu, &info);
	struct rte_eth_link link = {0};
	rte_eth_link_get_nowait(port, &link);
	p->link_up = link.link_status == RTE_ETH_LINK_UP;
	p->in_use = true;
	p->is_punt = is_punt;
	iface_port_init(port, name, &p->device_mac, mtu);
	if (is_punt)
		dp_ifaces[port].primary_ip = PUNT_GATEWAY; /* the kernel's gateway: ICMP errors to it come from there */
	snprintf(p->device, sizeof(p->device), "%s", device);
	if (is_punt)
		read_kernel_mac(p, device);
	return port;
}

int port_by_name(const char *name)
{
	for (unsigned i = 0; i < RTE_MAX_ETHPORTS; i++)
		if (dp.ports[i].in_use && !dp.ports[i].is_punt && strcmp(dp_ifaces[i].name, name) == 0)
			return (int)i;
	return -1;
}

static uint16_t wanted_mtu(const struct dp_port_conf *conf)
{
	return conf->mtu ? conf->mtu : DP_DEFAULT_MTU;
}

static bool mtu_fits(const struct dp_port *p, uint16_t mtu)
{
	return mtu >= p->min_mtu && mtu <= p->max_mtu;
}

static int refuse_mtu(uint16_t port, uint16_t mtu, struct dp_apply *a)
{
	const struct dp_port *p = &dp.ports[port];
	return dp_apply_refuse(a, -EINVAL, "%s: MTU %u is outside what the device takes (%u-%u)", dp_ifaces[port].name,
			       mtu, p->min_mtu, p->max_mtu);
}

int port_check_conf(uint16_t port, const struct dp_port_conf *conf, struct dp_apply *a)
{
	const struct dp_port *p = &dp.ports[port];
	uint16_t mtu = wanted_mtu(conf);

	return mtu_fits(p, mtu) ? 0 : refuse_mtu(port, mtu, a);
}

static int apply_mtu(struct dp_port *p, struct dp_iface *ifc, uint16_t port, uint16_t mtu, struct dp_apply *a)
{
	int rc;

	if (!mtu_fits(p, mtu))
		return refuse_mtu(port, mtu, a); /* best effort: 0, the MTU stays */
	if (mtu == ifc->mtu)
		return 0;
	rc = rte_eth_dev_set_mtu(port, mtu);
	if (rc != 0 && rc != -ENOTSUP)
		return dp_apply_refuse(a, rc, "%s: cannot set MTU %u: %s", ifc->name, mtu, strerror(-rc));
	/* Drivers without MTU control (vdevs) still get our software MTU check. */
	ifc->mtu = mtu;
	fwd_gen_bump();
	return 0;
}

static int apply_mac(struct dp_iface *p, uint16_t port, struct rte_ether_addr mac, struct dp_apply *a)
{
	int rc;

	if (rte_is_same_ether_addr(&mac, &p->mac))
		return 0;
	rc = rte_eth_dev_default_mac_addr_set(port, &mac);
	if (rc != 0 && rc != -ENOTSUP)
		return dp_apply_refuse(a, rc, "%s: cannot set MAC: %s", p->name, strerror(-rc));
	union {
		struct rte_ether_addr mac;
		uint64_t word;
	} u = {.word = p->mac_word};
	u.mac = mac;
	__atomic_store_n(&p->mac_word, u.word, __ATOMIC_RELEASE);
	fwd_gen_bump();
	return 0;
}

int port_apply_conf(uint16_t port, const struct dp_port_conf *conf, struct dp_apply *a)
{
	struct dp_port *p = &dp.ports[port];
	struct dp_iface *ifc = &dp_ifaces[port];
	struct rte_ether_addr mac = p->device_mac;
	int rc;

	if (conf->has_mac)
		memcpy(&mac, conf->mac, 6);
	if ((rc = apply_mtu(p, ifc, port, wanted_mtu(conf), a)) < 0 || (rc = apply_mac(ifc, port, mac, a)) < 0)
		return rc;
	__atomic_store_n(&ifc->admin_up, conf->admin_up != 0, __ATOMIC_RELEASE);
	return 0;
}

bool port_poll_links(void)
{
	bool changed = false;

	for (uint16_t port = 0; port < RTE_MAX_ETHPORTS; port++) {
		struct dp_port *p = &dp.ports[port];
		struct rte_eth_link link = {0};
		if (!p->in_use || p->is_punt || rte_eth_link_get_nowait(port, &link) != 0)
			continue;
		bool up = link.link_status == RTE_ETH_LINK_UP;
		if (up != p->link_up) {
			p->link_up = up;
			changed = true;
			RTE_LOG(NOTICE, USER1, "%s: link %s\n", dp_ifaces[port].name, up ? "up" : "down");
		}
	}
	return changed;
}

void port_info(uint16_t port, struct dp_port_info *o)
{
	const struct dp_port *p = &dp.ports[port];
	const struct dp_iface *ifc = &dp_ifaces[port];
	struct rte_eth_dev_info info;
	struct rte_eth_link link = {0};
	struct rte_eth_stats st = {0};

	memset(o, 0, sizeof(*o));
	snprintf(o->name, sizeof(o->name), "%s", ifc->name);
	snprintf(o->device, sizeof(o->device), "%s", p->device);
	if (rte_eth_dev_info_get(port, &info) == 0)
		snprintf(o->driver, sizeof(o->driver), "%s", info.driver_name);
	rte_eth_link_get_nowait(port, &link);
	rte_eth_stats_get(port, &st);
	o->port_id = port;
	o->mtu = ifc->mtu;
	o->min_mtu = p->min_mtu;
	o->max_mtu = p->max_mtu;
	memcpy(o->mac, &ifc->mac, 6);
	memcpy(o->device_mac, &p->device_mac, 6);
	o->link_up = link.link_status == RTE_ETH_LINK_UP;
	o->admin_up = ifc->admin_up;
	o->speed_mbps = link.link_speed;
	o->n_rxq = p->n_rxq;
	o->n_txq = p->n_txq;
	o->n_addrs = RTE_MIN(ifc->n_addrs, RTE_DIM(o->addrs));
	for (unsigned i = 0; i < o->n_addrs; i++) {
		o->addrs[i].ip = ifc->addrs[i].ip;
		o->addrs[i].prefix_len = ifc->addrs[i].prefix_len;
	}
	o->stats = (struct dp_port_stats){
		.rx_packets = st.ipackets,
		.rx_bytes = st.ibytes,
		.rx_missed = st.imissed,
		.rx_errors = st.ierrors,
		.rx_nombuf = st.rx_nombuf,
		.tx_packets = st.opackets,
		.tx_bytes = st.obytes,
		.tx_errors = st.oerrors,
	};
	for (unsigned l = 0; l < RTE_MAX_LCORE; l++)
		o->stats.tx_dropped += dp_counters[l].port_tx_drop[port];
}

void port_close_all(void)
{
	uint16_t port;
	RTE_ETH_FOREACH_DEV(port) {
		rte_eth_dev_stop(port);
		rte_eth_dev_close(port);
	}
}

static void dump_ports(struct ctl_conn *c, const struct dp_msg_hdr *req, const void *body, size_t len)
{
	struct dp_port_info info[CFG_MAX_PORTS];
	unsigned n = 0;

	(void)body, (void)len;
	for (unsigned p = 0; p < RTE_MAX_ETHPORTS && n < CFG_MAX_PORTS; p++)
		if (dp.ports[p].in_use && !dp.ports[p].is_punt)
			port_info((uint16_t)p, &info[n++]);
	ctl_reply_array(c, req, info, n, sizeof(info[0]));
}

/* "clear interfaces counters": the device's counters and our TX drops of the port. */
static void clear_port_stats(struct ctl_conn *c, const struct dp_msg_hdr *req, const void *body, size_t len)
{
	const struct dp_port_ref *ref = body;
	char name[DP_NAME_LEN + 1];
	unsigned cleared = 0;

	if (len != sizeof(*ref)) {
		ctl_reply_error(c, req, -EBADMSG, "item of the wrong size");
		return;
	}
	snprintf(name, sizeof(name), "%.*s", DP_NAME_LEN, ref->name);
	for (uint16_t port = 0; port < RTE_MAX_ETHPORTS; port++) {
		if (!dp.ports[port].in_use || dp.ports[port].is_punt || (name[0] && strcmp(dp_ifaces[port].name, name)))
			continue;
		rte_eth_stats_reset(port);
		/* Racy against a worker counting at this moment, as any counter clear. */
		for (unsigned l = 0; l < RTE_MAX_LCORE; l++)
			dp_counters[l].port_tx_drop[port] = 0;
		cleared++;
	}
	if (name[0] && !cleared)
		ctl_reply_error(c, req, -ENODEV, "no port named '%s' in the dataplane", name);
	else
		ctl_reply(c, req, 0, 0, NULL, 0, cleared);
}

RTE_INIT(port_register)
{
	ctl_register(DP_MSG_PORT_DUMP, dump_ports);
	ctl_register(DP_MSG_PORT_STATS_CLEAR, clear_port_stats);
}
