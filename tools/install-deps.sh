#!/usr/bin/env bash
# Install everything Brink needs to build, test and run its demo on Debian 12,
# and reserve hugepages. Idempotent: packages already installed are skipped and
# apt-get update only runs when something is missing. Run as root.
set -euo pipefail

# clang-format, cppcheck: tests/lint.sh.
# nftables: the tests drop, at the netdev ingress hook, what the router
# namespace's kernel would otherwise process from the dataplane's af_packet
# veths (AF_PACKET sees frames before that hook).
# openvswitch-switch: the VLAN switch of tests/e2e/test_vlan.sh (userspace
# datapath; this kernel has no 802.1Q module). Its system service is not
# used: the tests start the daemons with private paths.
PKGS=(
	build-essential cmake pkg-config
	dpdk dpdk-dev libdpdk-dev dpdk-doc
	libconfig-dev libbsd-dev libyaml-dev libcriterion-dev libedit-dev libjansson-dev
	libnl-3-dev libnl-route-3-dev libpcap-dev libnuma-dev zlib1g-dev
	python3-scapy python3-pexpect
	iproute2 iputils-ping traceroute tcpdump tshark iperf3 netcat-openbsd curl
	ethtool socat tmux nftables openvswitch-switch
	clang-format cppcheck
)

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: must run as root" >&2
	exit 1
fi

missing=()
for p in "${PKGS[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$status" = installed ] || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
	echo "install-deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	# tshark asks whether non-root users may capture; answer no, unattended.
	echo "wireshark-common wireshark-common/install-setuid boolean false" |
		debconf-set-selections
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
	echo "install-deps: all packages present"
fi

# Hugepages: 1024 x 2 MB. Not fatal when the kernel refuses (containers, small
# VMs): the tests and the demo fall back to EAL --no-huge.
if [ -w /proc/sys/vm/nr_hugepages ]; then
	cur=$(cat /proc/sys/vm/nr_hugepages)
	if [ "$cur" -lt 1024 ]; then
		echo 1024 >/proc/sys/vm/nr_hugepages 2>/dev/null || true
	fi
fi
if ! grep -qs ' /dev/hugepages hugetlbfs ' /proc/mounts; then
	mkdir -p /dev/hugepages
	mount -t hugetlbfs nodev /dev/hugepages 2>/dev/null || true
fi
echo "install-deps: hugepages $(cat /proc/sys/vm/nr_hugepages 2>/dev/null || echo 0)" \
	"($(grep -qs ' /dev/hugepages hugetlbfs ' /proc/mounts && echo mounted || echo 'not mounted'))"
