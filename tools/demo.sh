#!/usr/bin/env bash
# Brink demo (README command 1): installs dependencies, builds, creates the
# demo topology in network namespaces, starts brink-dataplane and brinkd in the
# router namespace, shows traffic crossing the router and opens a brinksh
# prompt there. Leaving the shell (exit, Ctrl-D) tears everything down.
#
#   tools/demo.sh          interactive (without a terminal: shows the traffic,
#                          prints how to attach, then tears down)
#   tools/demo.sh --keep   leave the appliance running and print how to attach
#   tools/demo.sh stop     tear down a demo left running with --keep
# The build is installed (cmake --install: /usr/local/bin), so brinksh is on
# root's PATH. BRINK_SKIP_DEPS=1 / BRINK_SKIP_BUILD=1 skip those steps (the
# latter also the install); BRINK_DATAPLANE, BRINKD, BRINKSH choose other
# binaries than build/'s; BRINK_DEMO_PREFIX (brink) and BRINK_DEMO_RUN
# (/run/brink) name the namespaces and the directory of sockets and pids.
#
# Namespaces: brink-rt (router: dataplane, brinkd, punt TAP brink0), brink-pod
# (172.30.1.10), brink-byoip (the BYOIP bridge), brink-vm (192.168.10.10),
# brink-hop (192.168.10.2, routes to 10.20.0.0/16), brink-remote (10.20.0.10).
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
PFX=${BRINK_DEMO_PREFIX:-brink}
RUN=${BRINK_DEMO_RUN:-/run/brink}
MODE=${1:-interactive}
export BRINK_NS_PREFIX=$PFX

teardown() {
	local p n
	if [ -f $RUN/demo.pids ]; then
		for p in $(cat $RUN/demo.pids); do kill -TERM "$p" 2>/dev/null || true; done
		sleep 1
		for p in $(cat $RUN/demo.pids); do kill -KILL "$p" 2>/dev/null || true; done
		rm -f $RUN/demo.pids
	fi
	for n in $(ip netns list | awk '{print $1}' | grep "^$PFX-" || true); do
		for p in $(ip netns pids "$n" 2>/dev/null); do kill -KILL "$p" 2>/dev/null || true; done
		ip netns del "$n"
	done
	rm -f $RUN/dataplane.sock $RUN/brinkd.sock
	rm -rf "/var/run/dpdk/$PFX"
}

if [ "$(id -u)" -ne 0 ]; then
	echo "demo: run as root (network namespaces, DPDK)" >&2
	exit 1
fi
case $MODE in
stop)
	teardown
	echo "demo: stopped"
	exit 0
	;;
interactive | --keep) ;;
*)
	sed -n '2,19p' "$0"
	exit 2
	;;
esac

if [ "${BRINK_SKIP_DEPS:-0}" != 1 ]; then
	echo "==== dependencies"
	bash "$REPO/tools/install-deps.sh"
fi
if [ "${BRINK_SKIP_BUILD:-0}" != 1 ]; then
	echo "==== build (Release, build/)"
	cmake -S "$REPO" -B "$REPO/build" -DCMAKE_BUILD_TYPE=Release -DBRINK_SANITIZE=OFF >/dev/null
	cmake --build "$REPO/build" -j "$(nproc)" | tail -n 3
	[ "${PIPESTATUS[0]}" -eq 0 ] || { echo "demo: build failed" >&2; exit 1; }
	echo "==== install (cmake --install build)"
	cmake --install "$REPO/build" | sed 's/^/  /'
fi

teardown # leftovers of an earlier run
mkdir -p $RUN
# shellcheck source=tests/e2e/lib.sh
. "$REPO/tests/e2e/lib.sh"
DP_SOCK=$RUN/dataplane.sock
API_SOCK=$RUN/brinkd.sock
TEST_NAME=demo
if [ -z "${BRINK_E2E_HUGE:-}" ] && [ "$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)" -ge 256 ] &&
	grep -qs ' /dev/hugepages hugetlbfs ' /proc/mounts; then
	export BRINK_E2E_HUGE=1
fi

demo_exit() {
	local rc=$?
	trap - EXIT
	set +e
	if [ "$MODE" = --keep ] && [ $rc -eq 0 ]; then
		echo "$DP_PID $BRINKD_PID" >$RUN/demo.pids
		return 0
	fi
	[ $rc -ne 0 ] && dump_failure
	echo "==== tearing down"
	brinkd_stop
	dp_stop >/dev/null 2>&1
	teardown
	rm -rf "$T"
	exit $rc
}
trap demo_exit EXIT

echo "==== topology"
topo_demo
CONF_PUNT=1 conf_demo >"$T/brink.conf"
cp "$T/brink.conf" $RUN/brink.conf
cat <<EOF
  brink-pod    172.30.1.10/24 --- rt-pod   dp0 172.30.1.1/24   \\
                                                                brink-rt: brink-dataplane + brinkd
  brink-byoip  bridge        ---- rt-byoip dp1 192.168.10.1/24 /   (af_packet ports, punt TAP brink0)
     |- brink-vm   192.168.10.10
     '- brink-hop  192.168.10.2 --- 10.20.0.1/16 --- brink-remote 10.20.0.10/16
  static route 10.20.0.0/16 via 192.168.10.2; configuration in $RUN/brink.conf
EOF

echo "==== starting brink-dataplane and brinkd in $RT (logs in $T)"
router_start $RUN/brink.conf

echo "==== traffic"
wait_ping "$POD" 192.168.10.10
wait_ping "$POD" 10.20.0.10
in_ns "$POD" ping -n -c 3 -i 0.2 192.168.10.10 | sed 's/^/  pod> /'
in_ns "$POD" ping -n -c 3 -i 0.2 10.20.0.10 | sed 's/^/  pod> /'
in_ns "$POD" ping -n -c 1 -W 1 -t 1 10.20.0.10 2>&1 | grep -i 'exceeded' | sed 's/^/  pod> ping -t 1: /' || true
in_ns "$POD" ping -n -c 1 -W 1 203.0.113.1 2>&1 | grep -i 'unreachable' | sed 's/^/  pod> ping 203.0.113.1: /' || true
tcp_transfer "$VM" 192.168.10.10 "$POD" 8080
tcp_transfer "$REM" 10.20.0.10 "$POD" 8080
wait_for 15 bash -c "ip -n $RT -4 addr show dev brink0 | grep -q 172.30.1.1/" &&
	tcp_transfer "$RT" 172.30.1.1 "$POD" 2222 &&
	echo "  (that last one reached a service in the router namespace through the punt path)" ||
	echo "  (the punt interface brink0 has no address: punt path not shown)"

echo "==== the router's view"
bsh -c "show interfaces" -c "show ip route" -c "show arp" </dev/null # no pager in the middle of the demo
bsh -c "show dataplane statistics" | grep -v ' 0$' | head -n 30 || true

# The shortest command that runs this brinksh: by name when the one on PATH
# (the installed copy) is the same program, without -s for the default socket.
shell=$BRINKSH
on_path=$(command -v brinksh || true)
[ -n "$on_path" ] && cmp -s "$on_path" "$BRINKSH" && shell=brinksh
[ "$API_SOCK" = /run/brink/brinkd.sock ] || shell+=" -s $API_SOCK"
attach="ip netns exec $RT $shell"
if [ "$MODE" = --keep ]; then
	cat <<EOF
==== Brink is running. Attach a shell:   $attach
     e.g.  $attach -c configure -c "set protocols static route 10.30.0.0/16 next-hop 192.168.10.2" -c commit
     hosts: ip netns exec $POD ping 10.20.0.10
     stop:  $REPO/tools/demo.sh stop
EOF
	exit 0
fi
if [ -t 0 ] && [ -t 1 ]; then
	cat <<EOF
==== brinksh in the router namespace. Try: show ip route; show arp; show dataplane statistics
     configure / set protocols static route 10.30.0.0/16 next-hop 192.168.10.2 / compare / commit / exit
     TAB completes, ? shows help. Other hosts: ip netns exec $POD bash (in another terminal).
     Another shell: $attach
     exit or Ctrl-D leaves the demo and tears everything down.
EOF
	# ^C at the prompt reaches this script too: it must not end the demo
	# when brinksh exits (lib.sh's trap would), brinksh handles it.
	trap : INT
	in_ns "$RT" "$BRINKSH" -s "$API_SOCK" || true
else
	cat <<EOF
==== no terminal: not opening brinksh. To keep the demo running and attach:
     $REPO/tools/demo.sh --keep
     $attach
     $REPO/tools/demo.sh stop
EOF
fi
