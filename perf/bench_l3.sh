#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# perf/bench_l3.sh - L3 forwarding on one worker core: Brink against DPDK l3fwd.
#
# Both programs get the same input on the same CPU, one after the other:
#   source  --vdev net_pcap0,rx_pcap=<64-byte UDP frames to 1,000 /24s>,infinite_rx=1
#   sink    --vdev net_null0,no-rx=1
#   routes  the same 1,000 /24 routes (10.<i/256>.<i%256>.0/24) towards the sink
#   CPUs    forwarding on CPU 1, main lcore / control threads on CPU 0
# Rounds are interleaved (brink, l3fwd, brink, l3fwd, ...): each round starts
# the program, waits until the sink carries >= 90 % of what the source
# receives, warms up, then reads the sink's opackets twice, DURATION seconds
# apart, through the EAL telemetry socket. Figures are the median over rounds.
# Mpps = delta opackets / dt; cycles/packet = TSC Hz / pps (the core busy-polls).
#
# Usage (from the repo root, as root):  perf/bench_l3.sh
# Environment: ROUNDS=3 DURATION=10 WARMUP=3 KEEP=1 (keep the work dir)
#              BRINK_BUILD=build (Release build dir; built with cmake if missing)
# The last line is exactly:  l3fwd_ratio=<brink Mpps / l3fwd Mpps>
# Exit status: 0 ok, 1 setup/l3fwd failure, 2 brink failed (l3fwd figures printed).

set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PERF=$ROOT/perf
PY=/usr/bin/python3   # Debian's python3 (scapy); another python3 may come first on PATH
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-3}
BUILD=${BRINK_BUILD:-$ROOT/build}
NROUTES=1000
FRAMES=1000
WORKER_CPU=1
MAIN_CPU=0
BRINK_PREFIX=brinkbench
L3FWD_PREFIX=l3fwdbench
L3FWD_SRC=/usr/share/dpdk/examples

BENCH=bench_l3
STOP_WAIT_S=10
. "$PERF/harness.sh"

run_fg() { # a foreground command that SIGINT/SIGTERM must not wait for
	local p rc
	"$@" &
	p=$!
	PIDS+=("$p")
	wait "$p"
	rc=$?
	forget_pid "$p"
	return $rc
}



# ---------------------------------------------------------------- set-up
[[ $(id -u) == 0 ]] || die "run as root"
[[ -x $PY ]] || die "$PY missing (apt-get install python3)"
$PY -c 'import scapy' 2>/dev/null || die "scapy missing: apt-get install python3-scapy"
[[ -d $L3FWD_SRC/l3fwd ]] || die "$L3FWD_SRC/l3fwd missing: apt-get install dpdk-doc"
pkg-config --exists libdpdk || die "libdpdk-dev missing (pkg-config libdpdk)"
[[ $(nproc --all) -gt $WORKER_CPU ]] || die "needs CPU $WORKER_CPU"

WORK=$(mktemp -d /tmp/brink-bench.XXXXXX)
rm -rf "/var/run/dpdk/$BRINK_PREFIX" "/var/run/dpdk/$L3FWD_PREFIX"

# Hugepages: 1,024 x 2 MB if possible, else --no-huge.
HUGE_ARGS=()
HUGEDIR=
if [[ $(awk '/HugePages_Total/ {print $2}' /proc/meminfo) -lt 1024 ]]; then
	echo 1024 > /proc/sys/vm/nr_hugepages 2>/dev/null || true
fi
HUGEDIR=$(awk '$3 == "hugetlbfs" {print $2; exit}' /proc/mounts)
if [[ -z $HUGEDIR ]]; then
	mkdir -p /dev/hugepages && mount -t hugetlbfs nodev /dev/hugepages 2>/dev/null && HUGEDIR=/dev/hugepages
fi
HUGE_FREE=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
if [[ -z $HUGEDIR || ${HUGE_FREE:-0} -lt 400 ]]; then
	HUGE_ARGS=(--no-huge -m 1024)
	MEMORY="--no-huge -m 1024 (hugepages free: ${HUGE_FREE:-0}, hugetlbfs: ${HUGEDIR:-none})"
else
	HUGE_ARGS=(--huge-unlink)
	MEMORY="2 MB hugepages ($HUGE_FREE free, $HUGEDIR)"
fi

# TSC frequency: the kernel's calibration from the boot log (refined value if
# present), else measured here against CLOCK_MONOTONIC_RAW over 0.5 s.
TSC_HZ=
TSC_HOW=
if line=$(dmesg 2>/dev/null | grep -E 'tsc: Refined TSC clocksource calibration' | tail -n1) && [[ -n $line ]]; then
	TSC_HZ=$(sed -E 's/.*calibration: ([0-9.]+) MHz.*/\1/' <<<"$line" | awk '{printf "%.0f", $1 * 1e6}')
	TSC_HOW="kernel boot log (refined calibration)"
elif line=$(dmesg 2>/dev/null | grep -E 'tsc: Detected [0-9.]+ MHz' | tail -n1) && [[ -n $line ]]; then
	TSC_HZ=$(sed -E 's/.*Detected ([0-9.]+) MHz.*/\1/' <<<"$line" | awk '{printf "%.0f", $1 * 1e6}')
	TSC_HOW="kernel boot log (tsc: Detected ... MHz)"
else
	cat > "$WORK/tsc.c" <<'EOF'
#include <stdio.h>
#include <time.h>
#include <x86intrin.h>
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC_RAW, &t); return t.tv_sec + t.tv_nsec * 1e-9; }
int main(void) {
	double t0 = now(); unsigned long long c0 = __rdtsc();
	struct timespec d = {0, 500000000}; nanosleep(&d, NULL);
	double t1 = now(); unsigned long long c1 = __rdtsc();
	printf("%.0f\n", (c1 - c0) / (t1 - t0));
	return 0;
}
EOF
	cc -O2 -o "$WORK/tsc" "$WORK/tsc.c" || die "cannot build the TSC calibration"
	TSC_HZ=$(taskset -c $WORKER_CPU "$WORK/tsc")
	TSC_HOW="measured: rdtsc against CLOCK_MONOTONIC_RAW over 0.5 s"
fi
[[ $TSC_HZ =~ ^[0-9]+$ && $TSC_HZ -gt 0 ]] || die "no TSC frequency"
CPU_MODEL=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)

# Input and routes. net_pcap's port MAC is fixed in DPDK 22.11 (02:70:63:61:70:<n>,
# "pcap" + the pcap port's index), so the frames carry the receiving port's MAC;
# checked below against what the programs report.
PCAP_MAC=${DST_MAC:-02:70:63:61:70:00}  # DST_MAC: only to test the failure path
PCAP=$WORK/in.pcap
$PY "$PERF/gen_pcap.py" "$PCAP" "$PCAP_MAC" --prefixes $NROUTES --frames $FRAMES \
	|| die "pcap generation failed"
SRC_DEV="net_pcap0,rx_pcap=$PCAP,infinite_rx=1"
SINK_DEV="net_null0,no-rx=1"
route_prefix() { echo "10.$(($1 / 256)).$(($1 % 256)).0/24"; }

# ---------------------------------------------------------------- l3fwd
L3DIR=$WORK/dpdk-examples
mkdir -p "$L3DIR"
cp -r "$L3FWD_SRC/l3fwd" "$L3FWD_SRC/common" "$L3DIR/"
patch -s -d "$L3DIR/l3fwd" -p1 < "$PERF/l3fwd-vdev-offloads.patch" || die "l3fwd patch does not apply"
make -s -C "$L3DIR/l3fwd" > "$WORK/l3fwd-build.log" 2>&1 || { show_log "$WORK/l3fwd-build.log"; die "l3fwd build failed"; }
L3FWD=$L3DIR/l3fwd/build/l3fwd
for ((i = 0; i < NROUTES; i++)); do echo "R$(route_prefix $i) 1"; done > "$WORK/l3fwd-v4.cfg"
echo "R2001:db8::/32 1" > "$WORK/l3fwd-v6.cfg"   # l3fwd reads files only when both are given

RUN_PID=
RUN_SOCK=
RX_PORT=
TX_PORT=

start_l3fwd() { # $1: round, one lcore (CPU 1): main = forwarding lcore, control threads elsewhere
	local lg=$WORK/l3fwd.$1.log
	taskset -c $WORKER_CPU,$MAIN_CPU "$L3FWD" -l $WORKER_CPU --no-pci --file-prefix $L3FWD_PREFIX "${HUGE_ARGS[@]}" \
		--vdev "$SRC_DEV" --vdev "$SINK_DEV" -- \
		-p 0x3 -P --lookup lpm --parse-ptype \
		--rule_ipv4 "$WORK/l3fwd-v4.cfg" --rule_ipv6 "$WORK/l3fwd-v6.cfg" \
		--config "(0,0,$WORKER_CPU),(1,0,$WORKER_CPU)" > "$lg" 2>&1 &
	RUN_PID=$!
	PIDS+=("$RUN_PID")
	RUN_SOCK=/var/run/dpdk/$L3FWD_PREFIX/dpdk_telemetry.v2
	wait_for_socket "$RUN_SOCK" 30 "$RUN_PID" || { show_log "$lg"; die "l3fwd did not start"; }
	for i in $(seq 100); do grep -q 'entering main loop' "$lg" && break; sleep 0.1; done
	RX_PORT=$($PY "$PERF/benchlib.py" port "$RUN_SOCK" net_pcap0) || die "l3fwd: no source port"
	TX_PORT=$($PY "$PERF/benchlib.py" port "$RUN_SOCK" net_null0) || die "l3fwd: no sink port"
	grep -qi "Address:$PCAP_MAC" "$lg" || log "bench_l3: note: l3fwd's source port MAC is not $PCAP_MAC"
}

stop_run() {
	stop_pid "$RUN_PID"
	forget_pid "$RUN_PID"
	RUN_PID=
}

# A window in which the forwarding thread was on its CPU for less than
# MIN_SHARE of the time measured the other tenant, not the program: it is
# taken again once (same process; at most RETRIES extra windows per run).
MIN_SHARE=${MIN_SHARE:-0.90}
RETRIES_LEFT=${RETRIES:-4}
SHARED_WINDOWS=0
share_of() { $PY -c 'import json,sys; print(json.load(open(sys.argv[1])).get("cpu_share", 1))' "$1"; }

measure() { # $1 name, $2 round -> writes $WORK/<name>.<round>.json
	local name=$1 r=$2 out share tries=0
	if ! out=$($PY "$PERF/benchlib.py" flowing "$RUN_SOCK" "$RX_PORT" "$TX_PORT" 30); then
		log "bench_l3: $name round $r: the sink never carried >= 90 % of the source's packets: $out"
		return 1
	fi
	run_fg sleep "$WARMUP"
	while true; do
		[[ -n ${BEFORE_HOOK:-} ]] && $BEFORE_HOOK "$r"
		run_fg $PY "$PERF/benchlib.py" window "$RUN_SOCK" "$RX_PORT" "$TX_PORT" "$DURATION" "$RUN_PID" \
			> "$WORK/$name.$r.json" || return 1
		[[ -n ${AFTER_HOOK:-} ]] && $AFTER_HOOK "$r"
		share=$(share_of "$WORK/$name.$r.json")
		awk -v s="$share" -v m="$MIN_SHARE" 'BEGIN {exit !(s >= m)}' && break
		tries=$((tries + 1))
		if [[ $RETRIES_LEFT -le 0 || $tries -gt 1 ]]; then
			SHARED_WINDOWS=$((SHARED_WINDOWS + 1))
			break
		fi
		RETRIES_LEFT=$((RETRIES_LEFT - 1))
		log "  ($name round $r: forwarder on CPU only $(awk -v s="$share" 'BEGIN {printf "%.1f", 100 * s}') %" \
			"of the window, another process shared CPU $WORKER_CPU: measuring this round again)"
	done
	$PY - "$WORK/$name.$r.json" "$TSC_HZ" "$name" "$r" "$MIN_SHARE" <<'EOF'
import json, sys
w = json.load(open(sys.argv[1])); tsc = float(sys.argv[2])
share = w.get("cpu_share")
print("  %-6s round %s: %7.2f Mpps  %6.1f cycles/packet  (rx %.2f Mpps, tx/rx %.3f, dt %.2f s, forwarder on CPU %s)"
      % (sys.argv[3], sys.argv[4], w["pps"] / 1e6, tsc / w["pps"] if w["pps"] else 0,
         w["rx_pps"] / 1e6, w["tx"] / w["rx"] if w["rx"] else 0, w["dt"],
         "%.1f %%" % (100 * share) if share is not None else "?"))
if share is not None and share < float(sys.argv[5]):
    print("  WARNING: the forwarding thread ran only %.1f %% of this window (on-CPU: %.1f cycles/packet):"
          " the core was shared" % (100 * share, tsc * share / w["pps"] if w["pps"] else 0))
if not w["rx"] or w["tx"] < 0.9 * w["rx"]:
    sys.exit("  %s forwarded %d of %d received packets (< 90 %%)" % (sys.argv[3], w["tx"], w["rx"]))
EOF
}

# ---------------------------------------------------------------- brink
# brinkd programs the dataplane from brink.conf; brinksh reads the counters.
BRINK_ERR=
DP=$BUILD/dataplane/brink-dataplane
BRINKD=$BUILD/control/brinkd
BRINKSH=$BUILD/tools/brinksh/brinksh
have_brink() { [[ -x $DP && -x $BRINKD && -x $BRINKSH ]]; }
if ! have_brink; then
	log "bench_l3: building Brink (Release) in $BUILD"
	if [[ -f $BUILD/CMakeCache.txt ]] || cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release > "$WORK/brink-build.log" 2>&1; then
		make -C "$BUILD" -j2 >> "$WORK/brink-build.log" 2>&1 || show_log "$WORK/brink-build.log"
	else
		show_log "$WORK/brink-build.log"
	fi
fi
for b in "$DP" "$BRINKD" "$BRINKSH"; do
	[[ -x $b ]] || BRINK_ERR="${BRINK_ERR:+$BRINK_ERR; }$b missing (the build failed: see above)"
done
if [[ -z $BRINK_ERR ]] && grep -q '^CMAKE_BUILD_TYPE:' "$BUILD/CMakeCache.txt" 2>/dev/null &&
	! grep -q '^CMAKE_BUILD_TYPE:[A-Z]*=Release' "$BUILD/CMakeCache.txt"; then
	log "bench_l3: warning: $BUILD is not a Release build ($(grep '^CMAKE_BUILD_TYPE:' "$BUILD/CMakeCache.txt"))"
fi

CONF=$WORK/brink.conf
DPSOCK=$WORK/dp.sock
APISOCK=$WORK/api.sock
GATEWAY=198.51.100.2
GATEWAY_MAC=02:00:00:00:00:02
{
	echo "# generated by perf/bench_l3.sh"
	echo "system: { dataplane: { main-cpu = $MAIN_CPU; worker = ( { id = 0; cpu = $WORKER_CPU; } ); mbufs = 65536; }; };"
	echo "interfaces: { dataplane = ("
	echo "  { name = \"dp0\"; device = \"$SRC_DEV\"; address = [ \"192.0.2.1/24\" ]; },"
	echo "  { name = \"dp1\"; device = \"$SINK_DEV\"; address = [ \"198.51.100.1/24\" ]; } ); };"
	echo "protocols: { static: {"
	echo "  route = ("
	for ((i = 0; i < NROUTES; i++)); do
		printf '    { prefix = "%s"; next-hop = "%s"; }%s\n' "$(route_prefix $i)" "$GATEWAY" \
			"$([[ $i -lt $((NROUTES - 1)) ]] && echo ,)"
	done
	echo "  );"
	echo "  arp = ( { address = \"$GATEWAY\"; hwaddr = \"$GATEWAY_MAC\"; } ); }; };"
} > "$CONF"

BRINKD_PID=
brinksh() { timeout 10 "$BRINKSH" -s "$APISOCK" "$@"; }

brink_stats() { # JSON counters of the running dataplane on stdout
	brinksh -j -c "show dataplane statistics"
}

brink_routes() { # number of 10.x.y.0/24 routes the dataplane reports
	brinksh -j -c "show ip route" 2>/dev/null | grep -o '"10\.[0-9]*\.[0-9]*\.0/24"' | sort -u | wc -l
}

stop_brink() {
	[[ -n $BRINKD_PID ]] && { stop_pid "$BRINKD_PID"; forget_pid "$BRINKD_PID"; BRINKD_PID=; }
	[[ -n $RUN_PID ]] && stop_run
	rm -f "$DPSOCK" "$APISOCK"
}

brink_fail() { # $1 round, $2 message: print what brink saw, then mark brink failed
	BRINK_ERR=$2
	log "bench_l3: brink round $1: $2"
	if brink_stats > "$WORK/brink-fail-stats.json" 2>/dev/null; then
		log "brink counters:"
		$PY "$PERF/benchlib.py" counters "$WORK/brink-fail-stats.json" >&2
	fi
	[[ -S $APISOCK ]] && { brinksh -c "show interfaces" >&2 2>&1 || true; }
	show_log "$WORK/dataplane.$1.log"
	show_log "$WORK/brinkd.$1.log"
	stop_brink
}

start_brink() { # $1 round, $2.. extra dataplane options; returns 1 (BRINK_ERR set) on failure
	local r=$1 i n=0
	shift
	rm -f "$DPSOCK" "$APISOCK"
	"$DP" -f "$CONF" -s "$DPSOCK" "$@" -- --file-prefix $BRINK_PREFIX --no-pci "${HUGE_ARGS[@]}" \
		> "$WORK/dataplane.$r.log" 2>&1 &
	RUN_PID=$!
	PIDS+=("$RUN_PID")
	wait_for_socket "$DPSOCK" 30 "$RUN_PID" || { brink_fail "$r" "brink-dataplane did not open $DPSOCK"; return 1; }
	"$BRINKD" -f "$CONF" -d "$DPSOCK" -a "$APISOCK" > "$WORK/brinkd.$r.log" 2>&1 &
	BRINKD_PID=$!
	PIDS+=("$BRINKD_PID")
	wait_for_socket "$APISOCK" 30 "$BRINKD_PID" || { brink_fail "$r" "brinkd did not open $APISOCK"; return 1; }
	RUN_SOCK=/var/run/dpdk/$BRINK_PREFIX/dpdk_telemetry.v2
	wait_for_socket "$RUN_SOCK" 10 "$RUN_PID" || { brink_fail "$r" "no EAL telemetry socket $RUN_SOCK"; return 1; }
	RX_PORT=$($PY "$PERF/benchlib.py" port "$RUN_SOCK" net_pcap0) || { brink_fail "$r" "no net_pcap0 port"; return 1; }
	TX_PORT=$($PY "$PERF/benchlib.py" port "$RUN_SOCK" net_null0) || { brink_fail "$r" "no net_null0 port"; return 1; }
	for i in $(seq 150); do  # until the static routes are in the FIB
		n=$(brink_routes)
		[[ $n -ge $NROUTES ]] && break
		sleep 0.2
	done
	[[ $n -ge $NROUTES ]] || log "bench_l3: note: only $n routes listed; relying on the counters"
	return 0
}

stats_before() { brink_stats > "$WORK/brink-stats-before.$1.json" 2>/dev/null; }
stats_after() { brink_stats > "$WORK/brink-stats-after.$1.json" 2>/dev/null; }

brink_round() { # $1 round name, $2.. extra dataplane options
	local r=$1
	start_brink "$@" || return 1
	BEFORE_HOOK=stats_before AFTER_HOOK=stats_after
	if ! measure brink "$r"; then
		BEFORE_HOOK= AFTER_HOOK=
		brink_fail "$r" "brink did not forward the input (see the counters above)"
		return 1
	fi
	BEFORE_HOOK= AFTER_HOOK=
	stop_brink
}

l3fwd_round() { # $1 round
	start_l3fwd "$1"
	measure l3fwd "$1" || { show_log "$WORK/l3fwd.$1.log"; die "l3fwd did not forward the input"; }
	stop_run
}

cpu_busy() { # percent of CPU $1 busy over 1 s
	local a b
	a=$(awk -v c="cpu$1" '$1 == c {print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat)
	sleep 1
	b=$(awk -v c="cpu$1" '$1 == c {print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat)
	echo "$a $b" | awk '{d = $4 - $2; printf "%.0f", (d > 0 ? 100 * ($3 - $1) / d : 0)}'
}
BUSY_WARN=
check_idle() { # warn when something else already runs on the worker CPU
	local busy
	busy=$(cpu_busy $WORKER_CPU)
	if [[ $busy -gt 10 ]]; then
		log "bench_l3: WARNING: CPU $WORKER_CPU is ${busy}% busy before $1: another process shares the core"
		BUSY_WARN="${BUSY_WARN:+$BUSY_WARN, }$1: ${busy}%"
	fi
}

# ---------------------------------------------------------------- run
echo "bench_l3: $(date -u '+%Y-%m-%d %H:%M UTC'), $CPU_MODEL, $(nproc --all) CPUs"
echo "bench_l3: TSC $(awk -v h="$TSC_HZ" 'BEGIN {printf "%.1f", h / 1e6}') MHz ($TSC_HOW); memory: $MEMORY"
echo "bench_l3: input $FRAMES x 64-byte frames (60 B + FCS) Ethernet/IPv4/UDP to $NROUTES /24s," \
	"dst MAC $PCAP_MAC; $NROUTES routes; worker CPU $WORKER_CPU, main CPU $MAIN_CPU"
echo "bench_l3: $ROUNDS interleaved rounds: warm-up ${WARMUP} s, window ${DURATION} s"
[[ -n $BRINK_ERR ]] && log "bench_l3: brink unavailable: $BRINK_ERR (running the l3fwd anchor only)"

for ((r = 1; r <= ROUNDS; r++)); do
	if [[ -z $BRINK_ERR ]]; then check_idle "brink round $r"; brink_round "$r"; fi
	check_idle "l3fwd round $r"
	l3fwd_round "$r"
done
# One more brink round with --profile for the per-stage TSC counters (the
# timing itself costs cycles, so this round's rate is not part of the median).
PROFILED=
if [[ -z $BRINK_ERR ]]; then
	check_idle "brink profile round"
	if brink_round profile --profile; then PROFILED=1; else BRINK_ERR=; log "bench_l3: the profiled round failed"; fi
fi
[[ -n $BUSY_WARN ]] && log "bench_l3: WARNING: worker CPU $WORKER_CPU was busy before: $BUSY_WARN"

median_of() { local f=("$WORK/$1".[0-9]*.json); $PY "$PERF/benchlib.py" median "${f[@]}"; }
mpps() { awk -v p="$1" 'BEGIN {printf "%.2f", p / 1e6}'; }
cpp() { awk -v p="$1" -v h="$TSC_HZ" 'BEGIN {printf "%.1f", h / p}'; }
L3_PPS=$(median_of l3fwd)
echo
echo "Median of $ROUNDS rounds x ${DURATION} s (TSC cycles/packet = TSC Hz / packets per second):"
printf '%-8s %10s %16s\n' program Mpps cycles/packet
printf '%-8s %10s %16s\n' l3fwd "$(mpps "$L3_PPS")" "$(cpp "$L3_PPS")"
if [[ -n $BRINK_ERR ]]; then
	log "bench_l3: FAILED on the Brink part: $BRINK_ERR"
	log "bench_l3: no l3fwd_ratio (the l3fwd anchor above is valid)"
	exit 2
fi
BR_PPS=$(median_of brink)
printf '%-8s %10s %16s\n' brink "$(mpps "$BR_PPS")" "$(cpp "$BR_PPS")"

if [[ -n $PROFILED ]]; then
	P_PPS=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["pps"])' "$WORK/brink.profile.json")
	echo
	echo "Where the cycles go: brink --profile round, $(mpps "$P_PPS") Mpps = $(cpp "$P_PPS") cycles/packet" \
		"with the stage timers on (deltas over its ${DURATION} s window):"
	$PY "$PERF/benchlib.py" stages "$WORK/brink-stats-before.profile.json" "$WORK/brink-stats-after.profile.json" \
		"$TSC_HZ" "$P_PPS" || log "bench_l3: warning: no per-stage counters"
	awk -v s="$(share_of "$WORK/brink.profile.json")" -v m="$MIN_SHARE" 'BEGIN {exit !(s < m)}' &&
		log "bench_l3: WARNING: the profiled window ran on a shared CPU: stage cycles include time the worker was descheduled"
fi
LAST=$(ls "$WORK"/brink-stats-after.[0-9]*.json | sort | tail -n1)
echo
echo "Brink counters at the end of the last measured round (cumulative since its start):"
$PY "$PERF/benchlib.py" counters "$LAST"
echo
if [[ $SHARED_WINDOWS -gt 0 ]]; then
	log "bench_l3: WARNING: $SHARED_WINDOWS window(s) ran on a shared CPU $WORKER_CPU (forwarder on CPU < ${MIN_SHARE}):" \
		"figures are low; rerun on an idle machine. Per on-CPU second:" \
		"brink $(mpps "$($PY "$PERF/benchlib.py" median --per-cpu "$WORK"/brink.[0-9]*.json)") Mpps," \
		"l3fwd $(mpps "$($PY "$PERF/benchlib.py" median --per-cpu "$WORK"/l3fwd.[0-9]*.json)") Mpps"
fi
awk -v b="$BR_PPS" -v l="$L3_PPS" 'BEGIN {printf "l3fwd_ratio=%.3f\n", b / l}'
