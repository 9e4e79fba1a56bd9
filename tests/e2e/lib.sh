# shellcheck shell=bash
# Helpers for the end-to-end tests: network namespaces with real Linux hosts,
# brink-dataplane on net_af_packet ports and brinkd in a "router" namespace.
#
# A test sources this file, builds a topology, starts the router and checks
# what the hosts see. Everything it creates carries the prefix "bk<pid>" and is
# torn down by the EXIT trap, whether the test passed or not. On failure the
# trap prints the logs and the dataplane counters.
#
# Binaries come from the environment (tests/run.sh sets them) or from build/:
#   BRINK_DATAPLANE  brink-dataplane     BRINKD  brinkd     BRINKSH  brinksh
# BRINK_E2E_HUGE=1 lets the dataplane use hugepages instead of --no-huge.

set -euo pipefail

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$E2E_DIR/../.." && pwd)
PY=/usr/bin/python3 # Debian's python3 has scapy and pexpect
TEST_NAME=$(basename "$0" .sh)
ID=${BRINK_NS_PREFIX:-bk$$} # namespaces, DPDK file prefix

find_bin() { # NAME: first executable called NAME under build/
	local f
	f=$(find "$REPO/build" -type f -name "$1" -perm -u+x 2>/dev/null | head -n1)
	echo "${f:-$REPO/build/$1}"
}
BRINK_DATAPLANE=${BRINK_DATAPLANE:-$(find_bin brink-dataplane)}
BRINKD=${BRINKD:-$(find_bin brinkd)}
BRINKSH=${BRINKSH:-$(find_bin brinksh)}

T=$(mktemp -d "/tmp/brink-e2e-$TEST_NAME.XXXXXX")
DP_SOCK=$T/dataplane.sock
API_SOCK=$T/brinkd.sock
DP_PID=
BRINKD_PID=
BG_PIDS=()
# Set to 0 by a test that kills the dataplane on purpose.
CHECK_LEAKS=1

# ASan builds: brinkd and brinksh run with leak detection; the dataplane does
# not (see dp_start), its mbuf accounting is checked by --leak-check instead.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

log() { echo "[$TEST_NAME] $*"; }
# grep -q exits at the first match, which can kill the writer with SIGPIPE and,
# under pipefail, fail the pipeline: read everything instead.
grepq() { grep "$@" >/dev/null; }
export -f grepq # also for the bash -c of wait_for
fail() {
	echo "[$TEST_NAME] FAIL: $*" >&2
	exit 1
}

# ---- namespaces and links ----

ns() { echo "$ID-$1"; } # full name of one of this test's namespaces

ns_add() { # SHORT: create namespace $ID-SHORT with lo up, IPv6 off
	local n
	n=$(ns "$1")
	ip netns add "$n"
	ip -n "$n" link set lo up
	# IPv6 off before any link exists: no RS/MLD noise on the dataplane ports.
	in_ns "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	in_ns "$n" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
}

in_ns() { # NS CMD...
	local n=$1
	shift
	ip netns exec "$n" "$@"
}

offloads_off() { # NS DEV: Linux hands AF_PACKET CHECKSUM_PARTIAL/GSO frames otherwise
	in_ns "$1" ethtool -K "$2" rx off tx off tso off gso off gro off >/dev/null 2>&1 ||
		in_ns "$1" ethtool -K "$2" tx off tso off gso off gro off >/dev/null
}

veth() { # NS1 DEV1 NS2 DEV2: a veth pair, offloads off, both ends up
	ip -n "$1" link add name "$2" type veth peer name "$4" netns "$3"
	offloads_off "$1" "$2"
	offloads_off "$3" "$4"
	ip -n "$1" link set "$2" up
	ip -n "$3" link set "$4" up
}

bridge_add() { # NS DEV
	ip -n "$1" link add name "$2" type bridge stp_state 0 forward_delay 0
	ip -n "$1" link set "$2" up
}

bridge_port() { # NS BRIDGE DEV
	ip -n "$1" link set "$3" master "$2"
}

# The dataplane's veth ends carry no address and the router namespace has
# forwarding off, but the kernel there owns the punt interface's addresses and
# would answer frames on those veths itself (weak host model), hiding whether
# the dataplane did the work. AF_PACKET gets its copy before the netdev
# ingress hook, so dropping there leaves the kernel blind and DPDK intact.
guard_dp_ports() { # NS DEV...
	local n=$1 d rules=""
	shift
	for d in "$@"; do
		rules+="chain in_$d { type filter hook ingress device \"$d\" priority 0; policy drop; }"$'\n'
	done
	in_ns "$n" nft -f - <<<"table netdev brink_guard {
$rules}"
}

# The router namespace RT (forwarding off) and its two dataplane veths,
# guarded: rt-A to eth0 of namespace HOST (172.30.1.10/24, default via
# 172.30.1.1) and rt-B to p-rt, a port of bridge br0 (up) in namespace SW.
router_links() { # A HOST B SW
	in_ns "$RT" sysctl -qw net.ipv4.ip_forward=0
	veth "$RT" "rt-$1" "$2" eth0
	veth "$RT" "rt-$3" "$4" p-rt
	guard_dp_ports "$RT" "rt-$1" "rt-$3"
	ip -n "$2" addr add 172.30.1.10/24 dev eth0
	ip -n "$2" route add default via 172.30.1.1
	bridge_add "$4" br0
	bridge_port "$4" br0 p-rt
}

# The demo topology (README, tools/demo.sh):
#
#   pod 172.30.1.10 --- [rt-pod  dp0 172.30.1.1 ]
#                        router (brink)           (namespace RT)
#   byoip bridge ------ [rt-byoip dp1 192.168.10.1]
#     |- vm   192.168.10.10
#     |- hop  192.168.10.2 --- remote bridge 10.20.0.1/16 ---- remote 10.20.0.10/16
#     '- hop2 192.168.10.3 ---         "     10.20.0.2/16  (with HOP2=1)
#
# Sets RT POD BR VM HOP REM (and HOP2) to the namespace names.
topo_demo() {
	RT=$(ns rt) POD=$(ns pod) BR=$(ns byoip) VM=$(ns vm) HOP=$(ns hop) REM=$(ns remote)
	HOP2=$(ns hop2)
	local s
	for s in rt pod byoip vm hop remote; do ns_add $s; done
	[ "${HOP2_ON:-0}" = 1 ] && ns_add hop2

	router_links pod "$POD" byoip "$BR"
	offloads_off "$BR" br0
	veth "$BR" p-vm "$VM" eth0
	bridge_port "$BR" br0 p-vm
	ip -n "$VM" addr add 192.168.10.10/24 dev eth0
	ip -n "$VM" route add default via 192.168.10.1

	bridge_add "$REM" br0
	ip -n "$REM" addr add 10.20.0.10/16 dev br0
	ip -n "$REM" route add default via 10.20.0.1

	local h ip rip
	for h in hop hop2; do
		[ $h = hop2 ] && [ "${HOP2_ON:-0}" != 1 ] && continue
		if [ $h = hop ]; then ip=192.168.10.2 rip=10.20.0.1; else ip=192.168.10.3 rip=10.20.0.2; fi
		veth "$BR" "p-$h" "$(ns $h)" eth0
		bridge_port "$BR" br0 "p-$h"
		veth "$REM" "p-$h" "$(ns $h)" eth1
		bridge_port "$REM" br0 "p-$h"
		ip -n "$(ns $h)" addr add $ip/24 dev eth0
		ip -n "$(ns $h)" addr add $rip/16 dev eth1
		ip -n "$(ns $h)" route add 172.30.0.0/16 via 192.168.10.1
		in_ns "$(ns $h)" sysctl -qw net.ipv4.ip_forward=1
	done
	offloads_off "$REM" br0
}

# The demo topology with its router running and the pod reaching the VM.
demo_up() {
	topo_demo
	conf_demo >"$T/brink.conf"
	router_start "$T/brink.conf"
	wait_ping "$POD" 192.168.10.10
}

# brink.conf with the ports given as NAME=VETH[=ADDR/LEN] (the dataplane's
# af_packet veths, in order), e.g. dp0=rt-pod=172.30.1.1/24. Knobs (environment):
#   CONF_WORKERS=1         workers, all on CPU 1
#   CONF_PUNT=0            1: exception path on a TAP named brink0
#   CONF_QPAIRS=           af_packet queue pairs per port (kernel fanout hash)
conf_ports() { # PORT...
	local nw=${CONF_WORKERS:-1} punt="" workers="" ports="" i p name dev addr
	for ((i = 0; i < nw; i++)); do
		workers+="${workers:+, }{ id = $i; cpu = 1; }"
	done
	local q=${CONF_QPAIRS:+,qpairs=$CONF_QPAIRS}
	[ "${CONF_PUNT:-0}" = 1 ] && punt='punt: { type = "tap"; interface = "brink0"; };'
	i=0
	for p in "$@"; do
		IFS='=' read -r name dev addr <<<"$p"
		ports+="${ports:+,$'\n'}    { name = \"$name\"; device = \"net_af_packet$i,iface=$dev$q\";${addr:+ address = [ \"$addr\" ];} }"
		i=$((i + 1))
	done
	cat <<EOF
# generated by tests/e2e/lib.sh for $TEST_NAME
system: {
  dataplane: {
    main-cpu = 0;
    worker = ( $workers );
    idle-sleep = 50;
    $punt
  };
};
interfaces: {
  dataplane = (
$ports
  );
};
EOF
}

# brink.conf for topo_demo: conf_ports' knobs, and
#   CONF_NH=192.168.10.2   next hop of 10.20.0.0/16 ("" for no static route)
#   CONF_ROUTES="P=NH ..." further static routes, e.g. "10.99.0.0/16=192.168.10.2"
conf_demo() {
	local nh=${CONF_NH-192.168.10.2} r list=""
	conf_ports dp0=rt-pod=172.30.1.1/24 dp1=rt-byoip=192.168.10.1/24
	for r in ${nh:+10.20.0.0/16=$nh} ${CONF_ROUTES:-}; do
		list+="${list:+, }{ prefix = \"${r%%=*}\"; next-hop = \"${r#*=}\"; }"
	done
	if [ -n "$list" ]; then
		echo "protocols: { static: { route = ( $list ); }; };"
	fi
}

# conf_demo's brink.conf with N static /24s from 11.0.0.0 on besides
# 10.20.0.0/16, all through the hop.
conf_scale() { # N
	CONF_NH="" conf_demo
	"$PY" - "$1" <<'EOF'
import sys
routes = ["10.20.0.0/16"] + ["%d.%d.%d.0/24" % (11 + (i >> 16), (i >> 8) & 255, i & 255) for i in range(int(sys.argv[1]))]
print("protocols: { static: { route = (")
print(",\n".join('{ prefix = "%s"; next-hop = "192.168.10.2"; }' % p for p in routes))
print("); }; };")
EOF
}

# ---- the router processes ----

eal_args() {
	local a=(--file-prefix "$ID")
	if [ "${BRINK_E2E_HUGE:-0}" = 1 ]; then
		a+=(-m 512)
	else
		a+=(--no-huge -m 512)
	fi
	echo "${a[@]}"
}

wait_for() { # SECONDS CMD...: retry CMD every 0.2 s
	local deadline=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -ge $deadline ] && return 1
		sleep 0.2
	done
}

dp_alive() { [ -n "$DP_PID" ] && kill -0 "$DP_PID" 2>/dev/null; }

# The daemons start under setsid, in a session of their own: no terminal, not
# in its foreground process group, so ^C typed at a brinksh sharing the
# terminal (the demo) reaches neither. setsid forks only when it is a process
# group leader, which a background command of a script is not, and ip netns
# exec execs too: $! stays the daemon's pid, as this check (once the daemon
# answers) makes sure.
own_session() { # PID NAME
	local stat fields
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || fail "$2 (pid $1) is gone"
	read -r -a fields <<<"${stat##*) }" # state ppid pgrp session ...
	[ "${fields[3]}" = "$1" ] || fail "$2 (pid $1) is not in a session of its own"
}

dp_start() { # CONF [dataplane options...]
	local conf=$1
	shift
	# LeakSanitizer would report what the EAL and PMDs keep until exit.
	# shellcheck disable=SC2046
	# Called directly (not through in_ns): ip execs the program, so $! is its pid.
	ASAN_OPTIONS=detect_leaks=0 setsid ip netns exec "$RT" "$BRINK_DATAPLANE" -f "$conf" -s "$DP_SOCK" --leak-check "$@" \
		-- $(eal_args) >>"$T/dataplane.log" 2>&1 &
	DP_PID=$!
	wait_for 60 test -S "$DP_SOCK" || {
		dp_alive || fail "brink-dataplane exited during start"
		fail "no dataplane socket after 60 s"
	}
	dp_alive || fail "brink-dataplane exited during start"
	own_session "$DP_PID" brink-dataplane
	log "dataplane up (pid $DP_PID)"
}

dp_restart() { # CONF: kill -9 the dataplane and start a new one, with nothing of the old one left
	kill -KILL "$DP_PID"
	wait "$DP_PID" 2>/dev/null || true
	DP_PID=
	rm -f "$DP_SOCK"
	rm -rf "/var/run/dpdk/$ID"
	dp_start "$1"
}

brinkd_start() { # CONF [brinkd options...]
	local conf=$1
	shift
	rm -f "$API_SOCK"
	setsid ip netns exec "$RT" "$BRINKD" -f "$conf" -d "$DP_SOCK" -a "$API_SOCK" "$@" >>"$T/brinkd.log" 2>&1 &
	BRINKD_PID=$!
	wait_for 30 bsh -c "show interfaces" || {
		kill -0 "$BRINKD_PID" 2>/dev/null || fail "brinkd exited during start"
		fail "brinkd does not answer after 30 s"
	}
	own_session "$BRINKD_PID" brinkd
	log "brinkd up (pid $BRINKD_PID)"
}

# Everything up: topology already built, CONF written.
router_start() { # CONF
	dp_start "$1"
	brinkd_start "$1"
}

bsh() { "$BRINKSH" -s "$API_SOCK" "$@"; }

# The text of brinksh -c CMD matches GREP-ARGS (a command wait_for can retry).
bsh_has() { # CMD GREP-ARGS...
	bsh -c "$1" | grepq "${@:2}"
}

# JSON of an operational show command, e.g. sjson "show ip route"
sjson() { bsh -j -c "$1"; }

# One value of that JSON, by keys and list indexes:
# sjson_get "show interfaces dp0" 0 rx packets
sjson_get() { # CMD KEY...
	sjson "$1" | "$PY" -c '
import json, sys
v = json.load(sys.stdin)
for k in sys.argv[1:]:
    v = v[int(k)] if isinstance(v, list) else v[k]
print(v)' "${@:2}"
}

# Counters as "name value" lines, whatever the JSON layout: objects are
# flattened with dots, {"name": n, "value": v} pairs and lists of objects with
# an "id"/"name" key use that key.
stats() {
	sjson "show dataplane statistics" | "$PY" -c '
import json, sys
out = {}
def walk(p, v):
    if isinstance(v, dict):
        if "name" in v and "value" in v and len(v) == 2:
            out[(p + "." if p else "") + str(v["name"])] = v["value"]
            return
        for k, x in v.items():
            walk((p + "." if p else "") + str(k), x)
    elif isinstance(v, list):
        for i, x in enumerate(v):
            key = str(i)
            if isinstance(x, dict):
                for k in ("id", "worker", "port", "name"):
                    if k in x and not ("value" in x and k == "name"):
                        key = str(x[k]); break
            walk((p + "." if p else "") + key, x)
    elif isinstance(v, (int, float)) and not isinstance(v, bool):
        out[p] = v
walk("", json.load(sys.stdin))
for k, v in out.items():
    # drop reasons may be grouped without their prefix: {"drops": {"ip4.bad_ihl": 3}}
    if k.startswith("drops."):
        k = "drop." + k[len("drops."):]
    elif k.startswith("counters."):
        k = k[len("counters."):]
    print(k, v)
'
}

# Value of a counter (0 when absent, e.g. zero counters left out of the show).
stat() {
	stats | awk -v n="$1" '$1 == n { s += $2 } END { print s + 0 }'
}

# A pexpect driver (a script in tests/e2e, or - for one on stdin) under
# timeout, its output in $T/NAME.log, the test failed with the log's end if
# it fails. It imports pexpect_lib from this directory. LSan must unwind
# through libedit (no frame pointers) to apply the suppression of libedit's
# own leak (lsan-libedit.supp) in an ASan brinksh.
pexpect_run() { # NAME SECONDS SCRIPT|- ARGS...
	local name=$1 secs=$2
	shift 2
	ASAN_OPTIONS=detect_leaks=1:fast_unwind_on_malloc=0 LSAN_OPTIONS=suppressions=$E2E_DIR/lsan-libedit.supp \
		PYTHONPATH=$E2E_DIR PYTHONDONTWRITEBYTECODE=1 timeout "$secs" "$PY" "$@" >"$T/$name.log" 2>&1 ||
		fail "$name: $(tail -n 30 "$T/$name.log")"
}

# ---- traffic ----

ping_ok() { # NS DST: one reply within 1 s
	in_ns "$1" ping -n -c 1 -W 1 "$2" >/dev/null 2>&1
}

wait_ping() { # NS DST [SECONDS]
	wait_for "${3:-20}" ping_ok "$1" "$2" || fail "no ping reply $1 -> $2"
}

bg() { # CMD...: a background helper, killed at exit
	"$@" &
	BG_PIDS+=($!)
}

# tcpdump in NS, its output and messages in FILE, killed at exit; returns
# once it listens. ip execs tcpdump, so ${BG_PIDS[-1]} is tcpdump's pid
# (SIGINT stops it with everything written).
tcpdump_bg() { # NS FILE TCPDUMP-ARGS...
	local n=$1 out=$2
	shift 2
	ip netns exec "$n" tcpdump "$@" >"$out" 2>&1 &
	BG_PIDS+=($!)
	wait_for 10 grepq "listening on" "$out" || fail "tcpdump in $n did not start: $(cat "$out")"
}

# TCP: serve a 1 MB file from NS on PORT, fetch it from NS2 via DST, compare.
tcp_transfer() { # SERVER_NS SERVER_ADDR CLIENT_NS [PORT]
	local sns=$1 addr=$2 cns=$3 port=${4:-8080} dir
	dir=$(mktemp -d "$T/http.XXXX")
	head -c 1048576 /dev/urandom >"$dir/blob"
	(cd "$dir" && exec ip netns exec "$sns" "$PY" -m http.server -b "$addr" "$port") \
		>"$dir/server.log" 2>&1 &
	local spid=$!
	BG_PIDS+=($spid)
	wait_for 10 in_ns "$sns" bash -c "exec 3<>/dev/tcp/$addr/$port" || fail "http server on $addr:$port"
	in_ns "$cns" curl -sS --max-time 30 -o "$dir/got" "http://$addr:$port/blob" ||
		fail "curl $cns -> $addr:$port"
	cmp -s "$dir/blob" "$dir/got" || fail "TCP transfer $cns -> $addr corrupted"
	kill "$spid" 2>/dev/null || true
	log "TCP 1 MB $cns -> $addr:$port ok"
}

# N_FLOWS UDP flows (source ports BASE_PORT...) of N_SEQ numbered datagrams
# each, interleaved, from SRC_IP in SRC_NS to DST_IP:5001 in DST_NS; prints
# "flows F received G reordered R" as the receiver counted them.
udp_flows() { # SRC_NS SRC_IP DST_NS DST_IP N_FLOWS N_SEQ BASE_PORT
	local out=$T/udp_flows.$$.$RANDOM
	ip netns exec "$3" "$PY" - "$4" >"$out" 2>&1 <<'PYEOF' &
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
s.bind((sys.argv[1], 5001))
s.settimeout(3)
last, got, reordered = {}, 0, 0
while True:
    try:
        data, (ip, port) = s.recvfrom(2048)
    except socket.timeout:
        break
    seq = struct.unpack("!I", data[:4])[0]
    if port in last and seq <= last[port]:
        reordered += 1
    last[port] = seq
    got += 1
print("flows", len(last), "received", got, "reordered", reordered)
PYEOF
	local recv_pid=$!
	BG_PIDS+=($recv_pid)
	wait_for 10 in_ns "$3" bash -c "ss -Hlun | grepq ' $4:5001 '" || fail "no UDP receiver on $4:5001: $(cat "$out")"
	in_ns "$1" "$PY" - "$2" "$4" "$5" "$6" "$7" <<'PYEOF'
import socket, struct, sys, time
src, dst, flows, seqs, base = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
socks = []
for i in range(flows):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src, base + i))
    s.connect((dst, 5001))
    socks.append(s)
for seq in range(seqs):
    for s in socks:
        s.send(struct.pack("!I", seq) + b"x" * 100)
    if seq % 20 == 0:
        time.sleep(0.01)
PYEOF
	wait "$recv_pid" || true
	tail -n1 "$out"
}

# brinkd has put ADDR, one of the router's addresses, on the punt interface.
wait_punt() { # [ADDR=172.30.1.1]
	local a=${1:-172.30.1.1}
	wait_for 15 bash -c "ip -n $RT -4 addr show dev brink0 | grepq 'inet $a/'" ||
		fail "brinkd did not put $a on brink0: $(ip -n "$RT" addr show brink0)"
}

# MAC of ADDR as seen from NS (after some traffic)
neigh_mac() { # NS ADDR
	ip -n "$1" neigh show "$2" | awk '{for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1)}' | head -n1
}

# ---- peers: a VLAN switch, IP-in-IP nodes, VXLAN VTEPs ----
#
# This kernel has no 802.1Q or ipip module, so the peers Linux cannot be
# itself are built from what it has: Open vSwitch's userspace datapath for
# the VLAN switch, a TUN device and a raw socket (ipip_peer.py) for an
# IP-in-IP node. VXLAN VTEPs are plain Linux vxlan devices in bridges.

# Open vSwitch, its databases, sockets, pid files and logs under $T (no
# system service, nothing in /var/run/openvswitch), its daemons in one
# namespace. On the netdev datapath ovs-vswitchd itself reads and writes
# every port through AF_PACKET, so a port's veth must be up, both ends, or
# OVS reads nothing ("Network is down"). OVS does not finish checksums a
# sender left to offload: with tx checksumming on at a host's end, TCP
# through the switch never connects; the veth() helper turns offloads off.
OVS_NS=
OVS_DIR=
ovs_vsctl() { ovs-vsctl --db="unix:$OVS_DIR/db.sock" --timeout=20 "$@"; }

ovs_start() { # NS
	OVS_NS=$1 OVS_DIR=$T/ovs
	mkdir -p "$OVS_DIR"
	# the default paths of everything the daemons open (the bridges' .mgmt sockets too)
	export OVS_RUNDIR=$OVS_DIR OVS_LOGDIR=$OVS_DIR OVS_DBDIR=$OVS_DIR OVS_SYSCONFDIR=$OVS_DIR
	ovsdb-tool create "$OVS_DIR/conf.db" /usr/share/openvswitch/vswitch.ovsschema
	in_ns "$OVS_NS" ovsdb-server "$OVS_DIR/conf.db" --remote="punix:$OVS_DIR/db.sock" \
		--pidfile="$OVS_DIR/ovsdb-server.pid" --unixctl="$OVS_DIR/ovsdb-server.ctl" \
		--log-file="$T/ovsdb-server.log" --no-chdir --detach 2>>"$T/ovsdb-server.log"
	ovs_vsctl --no-wait init
	# It logs that the kernel datapath module is missing: expected, the
	# bridges use the userspace one.
	in_ns "$OVS_NS" ovs-vswitchd "unix:$OVS_DIR/db.sock" \
		--pidfile="$OVS_DIR/ovs-vswitchd.pid" --unixctl="$OVS_DIR/ovs-vswitchd.ctl" \
		--log-file="$T/ovs-vswitchd.log" --no-chdir --detach 2>>"$T/ovs-vswitchd.log"
	log "Open vSwitch up in $OVS_NS"
}

ovs_bridge() { # BRIDGE: on the userspace (netdev) datapath
	ovs_vsctl add-br "$1" -- set bridge "$1" datapath_type=netdev
}

ovs_port() { # BRIDGE DEV SETTING...: tag=100 (access port), trunks=100,200 (trunk)
	ovs_vsctl add-port "$@"
}

ovs_stop() { # both daemons, by their pid files; called by cleanup
	[ -n "$OVS_DIR" ] || return 0
	local d pid
	for d in ovs-vswitchd ovsdb-server; do
		pid=$(cat "$OVS_DIR/$d.pid" 2>/dev/null) || continue
		kill -TERM "$pid" 2>/dev/null || continue
		wait_for 10 bash -c "! kill -0 $pid" || kill -KILL "$pid" 2>/dev/null
	done
	OVS_DIR=
}

# ipip_peer.py in NS on a TUN named DEV with MTU 1480 (1500 - the outer
# header), up; PEER-ARGS as ipip_peer.py takes them (--local A and --remote B,
# or --route P=N...). Its output goes to $T/ipip-NS-DEV.log.
declare -A IPIP_PEER_PIDS
ipip_peer_start() { # NS DEV PEER-ARGS...
	local n=$1 dev=$2 out=$T/ipip-$1-$2.log
	shift 2
	ip netns exec "$n" "$PY" "$E2E_DIR/ipip_peer.py" --tun "$dev" "$@" >"$out" 2>&1 &
	IPIP_PEER_PIDS[$n/$dev]=$!
	BG_PIDS+=($!)
	wait_for 10 grepq -x ready "$out" || fail "ipip_peer in $n did not start: $(cat "$out")"
	ip -n "$n" link set "$dev" mtu 1480 up
}

PEER_COUNTERS=
ipip_peer_stop() { # NS DEV: SIGTERM; its counters ("sent N received N ...") in PEER_COUNTERS
	local pid=${IPIP_PEER_PIDS[$1/$2]} out=$T/ipip-$1-$2.log rc=0
	kill -TERM "$pid"
	wait "$pid" || rc=$?
	[ $rc -eq 0 ] || fail "ipip_peer in $1 exited with status $rc on SIGTERM: $(cat "$out")"
	unset "IPIP_PEER_PIDS[$1/$2]"
	PEER_COUNTERS=$(grep '^sent ' "$out")
}

# One counter of PEER_COUNTERS: peer_counter received
peer_counter() { # NAME
	awk -v n="$1" '{ for (i = 1; i < NF; i++) if ($i == n) print $(i + 1) }' <<<"$PEER_COUNTERS"
}

# A VTEP in NS: vxlan<VNI> from LOCAL on UDP 4789, flooding to every REMOTE,
# learning MACs, in bridge br0 (up). VXLAN_UDPCSUM=1: outer UDP checksums
# (Linux leaves them 0 for IPv4 by default, as RFC 7348 allows).
vxlan_vtep() { # NS VNI LOCAL REMOTE...
	local n=$1 vni=$2 src=$3 r csum=noudpcsum
	shift 3
	[ "${VXLAN_UDPCSUM:-0}" = 1 ] && csum=udpcsum
	ip -n "$n" link add "vxlan$vni" type vxlan id "$vni" local "$src" dstport 4789 $csum
	for r in "$@"; do
		bridge -n "$n" fdb append 00:00:00:00:00:00 dev "vxlan$vni" dst "$r"
	done
	bridge_add "$n" br0
	bridge_port "$n" br0 "vxlan$vni"
	ip -n "$n" link set "vxlan$vni" up
}

# A host behind a VTEP: veth from bridge br0 of VTEP_NS to eth0 of HOST_NS
# with ADDR/LEN, its MTU the VXLAN segment's (1500 - 50).
vxlan_host() { # VTEP_NS HOST_NS ADDR/LEN
	veth "$1" "p-$(basename "$2")" "$2" eth0
	bridge_port "$1" br0 "p-$(basename "$2")"
	ip -n "$2" link set eth0 mtu 1450
	ip -n "$2" addr add "$3" dev eth0
}

# The router (namespace RT) between a host behind dp0 and an underlay behind
# dp1: a bridge (namespace UL) with a namespace for each NODE, its eth0 on
# the underlay at PREFIX.5/24, PREFIX.6/24, ... in order.
#
#   host 172.30.1.10 -- rt-host (dp0) [RT] (dp1) rt-under -- br0 [UL] -- NODE...
#
# Sets RT HOST UL.
topo_underlay() { # PREFIX NODE...
	local prefix=$1 i=5 s
	shift
	RT=$(ns rt) HOST=$(ns host) UL=$(ns underlay)
	for s in rt host underlay "$@"; do ns_add "$s"; done
	router_links host "$HOST" under "$UL"
	for s in "$@"; do
		veth "$UL" "p-$s" "$(ns "$s")" eth0
		bridge_port "$UL" br0 "p-$s"
		ip -n "$(ns "$s")" addr add "$prefix.$i/24" dev eth0
		i=$((i + 1))
	done
}

# ---- configuring the router and checking packets ----

# One configuration session through brinksh: the commands, then commit.
bsh_commit() { # SET-OR-DELETE-COMMAND...
	local args=(-c configure) c out
	for c in "$@"; do args+=(-c "$c"); done
	out=$(bsh "${args[@]}" -c commit -c exit 2>&1) || fail "commit of $*: $out"
}

# A capture in NS on DEV into $T/NAME.pcap, killed at exit; returns once
# tcpdump listens. capture_stop NAME ends it with everything written.
declare -A CAPTURE_PIDS
capture_start() { # NAME NS DEV [FILTER...]
	local name=$1 n=$2 dev=$3
	shift 3
	tcpdump_bg "$n" "$T/$name.tcpdump.log" -i "$dev" -U -w "$T/$name.pcap" "$@"
	CAPTURE_PIDS[$name]=${BG_PIDS[-1]}
}

capture_stop() { # NAME
	# tcpdump drops what it has not read yet when SIGINT comes, and on two
	# busy CPUs it lags behind, unscheduled for a while: wait until the file
	# has not grown for a second.
	local size prev=-1 i still=0
	for ((i = 0; i < 50 && still < 5; i++)); do
		size=$(wc -c <"$T/$1.pcap")
		if [ "$size" = "$prev" ]; then still=$((still + 1)); else still=0; fi
		prev=$size
		sleep 0.2
	done
	kill -INT "${CAPTURE_PIDS[$1]}" 2>/dev/null || true
	wait "${CAPTURE_PIDS[$1]}" 2>/dev/null || true
}

# Fields of the packets of capture NAME that match a display FILTER, one
# packet a line, tab-separated, each field the outermost header's; checksums
# verified (their .status fields: 1 good, 0 bad, 2 not checked).
capture_fields() { # NAME FILTER FIELD...
	local name=$1 filter=$2 f args=()
	for f in "${@:3}"; do args+=(-e "$f"); done
	tshark -n -r "$T/$name.pcap" -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE \
		-o tcp.check_checksum:TRUE -Y "$filter" -T fields -E occurrence=f "${args[@]}" 2>>"$T/tshark.log"
}

# A frame or packet built by scapy from EXPR (a Python expression over
# scapy.all, and vxlan(flags=0x08, vni=100) for RFC 7348's header: scapy's
# VXLAN layer sets the GPE P flag before an Ether), sent COUNT times from NS:
# on DEV with sendp when DEV is given, else routed by NS's kernel (send).
scapy_send() { # NS EXPR [DEV] [COUNT]
	in_ns "$1" "$PY" - "$2" "${3:-}" "${4:-1}" <<'PYEOF' || fail "scapy could not send $2"
import logging, struct, sys
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import *
def vxlan(flags=0x08, vni=100):
    return Raw(struct.pack("!B3xI", flags, vni << 8))
pkt = eval(sys.argv[1])
if sys.argv[2]:
    sendp(pkt, iface=sys.argv[2], count=int(sys.argv[3]), verbose=0)
else:
    send(pkt, count=int(sys.argv[3]), verbose=0)
PYEOF
}

# A counter of `show dataplane statistics` grows by at least N from BEFORE
# within 5 s (workers add to counters as bursts finish).
stat_grew() { # NAME BEFORE [N=1]
	local want=$(($2 + ${3:-1})) deadline=$((SECONDS + 5))
	until [ "$(stat "$1")" -ge $want ]; do
		[ $SECONDS -ge $deadline ] && fail "$1 is $(stat "$1"), expected at least $want"
		sleep 0.2
	done
	log "$1: $2 -> $(stat "$1")"
}

# ---- teardown ----

dp_stop() { # SIGTERM; with --leak-check a non-zero exit means a leak or a bad shutdown
	[ -n "$DP_PID" ] || return 0
	local rc=0 pid=$DP_PID
	DP_PID=
	kill -TERM "$pid" 2>/dev/null || true
	local deadline=$((SECONDS + 20))
	while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		echo "brink-dataplane did not exit within 20 s of SIGTERM" >&2
		return 1
	fi
	wait "$pid" || rc=$?
	if [ $rc -ne 0 ]; then
		echo "brink-dataplane exited with status $rc after SIGTERM (leak check)" >&2
		return 1
	fi
	return 0
}

brinkd_stop() { # SIGTERM; non-zero exit (e.g. a LeakSanitizer report) fails the test
	[ -n "$BRINKD_PID" ] || return 0
	local rc=0 pid=$BRINKD_PID
	BRINKD_PID=
	kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || rc=$?
	if [ $rc -ne 0 ]; then
		echo "brinkd exited with status $rc after SIGTERM (see brinkd.log)" >&2
		return 1
	fi
}

dump_failure() {
	echo "---- $TEST_NAME: failure diagnostics ($T) ----"
	if [ -n "$BRINKD_PID" ] && kill -0 "$BRINKD_PID" 2>/dev/null; then
		echo "-- show dataplane statistics"
		timeout 5 "$BRINKSH" -s "$API_SOCK" -c "show dataplane statistics" 2>&1 | grep -v ' 0$' || true
		echo "-- show ip route / show arp"
		timeout 5 "$BRINKSH" -s "$API_SOCK" -c "show ip route" -c "show arp" 2>&1 || true
	fi
	local f
	for f in "$T"/*.log; do
		[ -f "$f" ] || continue
		echo "-- $(basename "$f") (last 40 lines)"
		tail -n 40 "$f"
	done
	echo "---- end of diagnostics ----"
}

cleanup() {
	local rc=$? p n
	trap - EXIT
	set +e
	for p in "${BG_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	if [ $rc -ne 0 ]; then
		dump_failure # while brinkd and the dataplane still answer
		brinkd_stop >/dev/null 2>&1
		dp_stop >/dev/null 2>&1
	else
		brinkd_stop || rc=1
		if [ "$CHECK_LEAKS" = 1 ]; then
			dp_stop || rc=1
		else
			dp_stop >/dev/null 2>&1
		fi
		[ $rc -ne 0 ] && dump_failure
	fi
	ovs_stop
	# Whatever is still running inside our namespaces was started by us.
	for n in $(ip netns list | awk '{print $1}' | grep "^$ID-"); do
		for p in $(ip netns pids "$n" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
	done
	for p in "${BG_PIDS[@]}"; do wait "$p" 2>/dev/null; done
	for n in $(ip netns list | awk '{print $1}' | grep "^$ID-"); do ip netns del "$n"; done
	rm -rf "/var/run/dpdk/$ID"
	# A dataplane on hugepages leaves its page files behind (DPDK clears them at
	# its next start): give the pages back now.
	for n in $(awk '$3 == "hugetlbfs" {print $2}' /proc/mounts); do rm -f "$n/${ID}map_"*; done
	if [ $rc -eq 0 ]; then
		rm -rf "$T"
		echo "[$TEST_NAME] PASS"
	else
		echo "[$TEST_NAME] FAIL (logs kept in $T)"
	fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 143' TERM INT HUP

for b in "$BRINK_DATAPLANE" "$BRINKD" "$BRINKSH"; do
	[ -x "$b" ] || fail "missing binary $b (build first, or set BRINK_DATAPLANE/BRINKD/BRINKSH)"
done
