# shellcheck shell=bash
# The one-core forwarding harness of bench_l3.sh and bench_tunnel.sh: Brink and
# DPDK's l3fwd take turns on WORKER_CPU (control threads on MAIN_CPU), fed by a
# net_pcap source with infinite_rx into a net_null sink, counters read through
# the EAL telemetry socket. Sourced after harness.sh, once the script has set
# ROOT and PERF (and what harness.sh needs). Before each round the script sets
# SRC_DEV (the source vdev), and for Brink CONF (its brink.conf) and LOG_DIR
# (where the programs' logs go).

PY=/usr/bin/python3   # Debian's python3 (scapy); another python3 may come first on PATH
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-3}
BUILD=${BRINK_BUILD:-$ROOT/build}
NROUTES=1000
WORKER_CPU=1
MAIN_CPU=0
L3FWD_SRC=/usr/share/dpdk/examples

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

bench_setup() { # checks, WORK, hugepages (HUGE_ARGS, MEMORY), TSC_HZ, CPU_MODEL
	local line
	[[ $(id -u) == 0 ]] || die "run as root"
	[[ -x $PY ]] || die "$PY missing (apt-get install python3)"
	$PY -c 'import scapy' 2>/dev/null || die "scapy missing: apt-get install python3-scapy"
	[[ -d $L3FWD_SRC/l3fwd ]] || die "$L3FWD_SRC/l3fwd missing: apt-get install dpdk-doc"
	pkg-config --exists libdpdk || die "libdpdk-dev missing (pkg-config libdpdk)"
	[[ $(nproc --all) -gt $WORKER_CPU ]] || die "needs CPU $WORKER_CPU"

	WORK=$(mktemp -d /tmp/brink-bench.XXXXXX)
	LOG_DIR=$WORK
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
		TSC_HZ=$(taskset -c "$WORKER_CPU" "$WORK/tsc")
		TSC_HOW="measured: rdtsc against CLOCK_MONOTONIC_RAW over 0.5 s"
	fi
	[[ $TSC_HZ =~ ^[0-9]+$ && $TSC_HZ -gt 0 ]] || die "no TSC frequency"
	CPU_MODEL=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
}

print_host() { # the run's first two lines
	echo "$BENCH: $(date -u '+%Y-%m-%d %H:%M UTC'), $CPU_MODEL, $(nproc --all) CPUs"
	echo "$BENCH: TSC $(awk -v h="$TSC_HZ" 'BEGIN {printf "%.1f", h / 1e6}') MHz ($TSC_HOW); memory: $MEMORY"
}

# Routes: NROUTES /24s, prefix i = 10.<i/256>.<i%256>.0/24 (gen_pcap.py's).
route_prefix() { echo "10.$(($1 / 256)).$(($1 % 256)).0/24"; }

conf_routes() { # brink.conf's static route list: every prefix to $1 (e.g. next-hop = "192.0.2.2";)
	local i
	echo "  route = ("
	for ((i = 0; i < NROUTES; i++)); do
		printf '    { prefix = "%s"; %s }%s\n' "$(route_prefix $i)" "$1" \
			"$([[ $i -lt $((NROUTES - 1)) ]] && echo ,)"
	done
	echo "  );"
}

# ---------------------------------------------------------------- l3fwd
build_l3fwd() { # Debian's example with the vdev patch, and its rule files for the routes
	local i
	L3DIR=$WORK/dpdk-examples
	mkdir -p "$L3DIR"
	cp -r "$L3FWD_SRC/l3fwd" "$L3FWD_SRC/common" "$L3DIR/"
	patch -s -d "$L3DIR/l3fwd" -p1 < "$PERF/l3fwd-vdev-offloads.patch" || die "l3fwd patch does not apply"
	make -s -C "$L3DIR/l3fwd" > "$WORK/l3fwd-build.log" 2>&1 || { show_log "$WORK/l3fwd-build.log"; die "l3fwd build failed"; }
	L3FWD=$L3DIR/l3fwd/build/l3fwd
	for ((i = 0; i < NROUTES; i++)); do echo "R$(route_prefix $i) 1"; done > "$WORK/l3fwd-v4.cfg"
	echo "R2001:db8::/32 1" > "$WORK/l3fwd-v6.cfg"   # l3fwd reads files only when both are given
}

RUN_PID=
RUN_SOCK=
RX_PORT=
TX_PORT=

start_l3fwd() { # $1 name, $2 round; one lcore (CPU 1): main = forwarding lcore, control threads elsewhere
	local lg=$WORK/$1.$2.log
	taskset -c "$WORKER_CPU,$MAIN_CPU" "$L3FWD" -l "$WORKER_CPU" --no-pci --file-prefix "$L3FWD_PREFIX" "${HUGE_ARGS[@]}" \
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
	grep -qi "Address:$PCAP_MAC" "$lg" || log "$BENCH: note: l3fwd's source port MAC is not $PCAP_MAC"
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

# FLOWING_HOOK (name, round), if set, runs once the sink carries the traffic,
# before the warm-up; when it fails it sets MEASURE_ERR to say why.
MEASURE_ERR=
measure() { # $1 name, $2 round -> writes $WORK/<name>.<round>.json
	local name=$1 r=$2 out share tries=0
	MEASURE_ERR=
	if ! out=$($PY "$PERF/benchlib.py" flowing "$RUN_SOCK" "$RX_PORT" "$TX_PORT" 30); then
		log "$BENCH: $name round $r: the sink never carried >= 90 % of the source's packets: $out"
		return 1
	fi
	[[ -n ${FLOWING_HOOK:-} ]] && { $FLOWING_HOOK "$name" "$r" || return 1; }
	run_fg sleep "$WARMUP"
	while true; do
		[[ -n ${BEFORE_HOOK:-} ]] && $BEFORE_HOOK "$name" "$r"
		run_fg $PY "$PERF/benchlib.py" window "$RUN_SOCK" "$RX_PORT" "$TX_PORT" "$DURATION" "$RUN_PID" \
			> "$WORK/$name.$r.json" || return 1
		[[ -n ${AFTER_HOOK:-} ]] && $AFTER_HOOK "$name" "$r"
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

l3fwd_round() { # $1 name, $2 round
	start_l3fwd "$1" "$2"
	measure "$1" "$2" || { show_log "$WORK/$1.$2.log"; die "l3fwd did not forward the input"; }
	stop_run
}

# ---------------------------------------------------------------- brink
# brinkd programs the dataplane from brink.conf; brinksh reads the counters.
BRINK_ERR=
DP=$BUILD/dataplane/brink-dataplane
BRINKD=$BUILD/control/brinkd
BRINKSH=$BUILD/tools/brinksh/brinksh
have_brink() { [[ -x $DP && -x $BRINKD && -x $BRINKSH ]]; }

find_brink() { # builds BUILD (Release) if it has no binaries; BRINK_ERR says what is missing
	local b
	if ! have_brink; then
		log "$BENCH: building Brink (Release) in $BUILD"
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
		log "$BENCH: warning: $BUILD is not a Release build ($(grep '^CMAKE_BUILD_TYPE:' "$BUILD/CMakeCache.txt"))"
	fi
}

DPSOCK=
APISOCK=
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

brink_fail() { # $1 name, $2 round, $3 message: print what brink saw, then mark brink failed
	BRINK_ERR=$3
	log "$BENCH: $1 round $2: $3"
	if brink_stats > "$WORK/brink-fail-stats.json" 2>/dev/null; then
		log "brink counters:"
		$PY "$PERF/benchlib.py" counters "$WORK/brink-fail-stats.json" >&2
	fi
	[[ -S $APISOCK ]] && { brinksh -c "show interfaces" >&2 2>&1 || true; }
	show_log "$LOG_DIR/dataplane.$2.log"
	show_log "$LOG_DIR/brinkd.$2.log"
	stop_brink
}

start_brink() { # $1 name, $2 round, $3.. extra dataplane options; returns 1 (BRINK_ERR set) on failure
	local name=$1 r=$2 i n=0
	shift 2
	DPSOCK=$WORK/dp.sock
	APISOCK=$WORK/api.sock
	rm -f "$DPSOCK" "$APISOCK"
	"$DP" -f "$CONF" -s "$DPSOCK" "$@" -- --file-prefix "$BRINK_PREFIX" --no-pci "${HUGE_ARGS[@]}" \
		> "$LOG_DIR/dataplane.$r.log" 2>&1 &
	RUN_PID=$!
	PIDS+=("$RUN_PID")
	wait_for_socket "$DPSOCK" 30 "$RUN_PID" || { brink_fail "$name" "$r" "brink-dataplane did not open $DPSOCK"; return 1; }
	"$BRINKD" -f "$CONF" -d "$DPSOCK" -a "$APISOCK" > "$LOG_DIR/brinkd.$r.log" 2>&1 &
	BRINKD_PID=$!
	PIDS+=("$BRINKD_PID")
	wait_for_socket "$APISOCK" 30 "$BRINKD_PID" || { brink_fail "$name" "$r" "brinkd did not open $APISOCK"; return 1; }
	RUN_SOCK=/var/run/dpdk/$BRINK_PREFIX/dpdk_telemetry.v2
	wait_for_socket "$RUN_SOCK" 10 "$RUN_PID" || { brink_fail "$name" "$r" "no EAL telemetry socket $RUN_SOCK"; return 1; }
	RX_PORT=$($PY "$PERF/benchlib.py" port "$RUN_SOCK" net_pcap0) || { brink_fail "$name" "$r" "no net_pcap0 port"; return 1; }
	TX_PORT=$($PY "$PERF/benchlib.py" port "$RUN_SOCK" net_null0) || { brink_fail "$name" "$r" "no net_null0 port"; return 1; }
	for i in $(seq 150); do  # until the static routes are in the FIB
		n=$(brink_routes)
		[[ $n -ge $NROUTES ]] && break
		sleep 0.2
	done
	[[ $n -ge $NROUTES ]] || log "$BENCH: note: only $n routes listed; relying on the counters"
	return 0
}

stats_before() { brink_stats > "$WORK/$1-stats-before.$2.json" 2>/dev/null; }
stats_after() { brink_stats > "$WORK/$1-stats-after.$2.json" 2>/dev/null; }

brink_round() { # $1 name, $2 round, $3.. extra dataplane options
	local name=$1 r=$2
	start_brink "$@" || return 1
	BEFORE_HOOK=stats_before AFTER_HOOK=stats_after
	if ! measure "$name" "$r"; then
		BEFORE_HOOK= AFTER_HOOK=
		brink_fail "$name" "$r" "${MEASURE_ERR:-brink did not forward the input (see the counters above)}"
		return 1
	fi
	BEFORE_HOOK= AFTER_HOOK=
	stop_brink
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
	busy=$(cpu_busy "$WORKER_CPU")
	if [[ $busy -gt 10 ]]; then
		log "$BENCH: WARNING: CPU $WORKER_CPU is ${busy}% busy before $1: another process shares the core"
		BUSY_WARN="${BUSY_WARN:+$BUSY_WARN, }$1: ${busy}%"
	fi
}

# ---------------------------------------------------------------- figures
median_of() { local f=("$WORK/$1".[0-9]*.json); $PY "$PERF/benchlib.py" median "${f[@]}"; }
mpps() { awk -v p="$1" 'BEGIN {printf "%.2f", p / 1e6}'; }
cpp() { awk -v p="$1" -v h="$TSC_HZ" 'BEGIN {printf "%.1f", h / p}'; }
pps_of() { $PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["pps"])' "$1"; }
