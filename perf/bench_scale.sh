#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# perf/bench_scale.sh - Brink with large route tables, driven as a user would:
# a generated brink.conf, brinkd + brink-dataplane started on it, brinksh.
#
# Harness of perf/bench_l3.sh: one worker on CPU 1, main lcore on CPU 0,
#   source  --vdev net_pcap0,rx_pcap=<64-byte UDP frames to hosts in the routes>,infinite_rx=1
#   sink    --vdev net_null0,no-rx=1
# and DPDK's l3fwd (Debian's example, its rte_fib mode sized for the table) on the same
# routes in the same run as the anchor. For each table size N:
#   - routes: N prefixes (fixed seed): half /24, half /25-/32, next hop
#     198.51.100.2 on the sink's subnet with a static ARP entry;
#   - load: brinkd started on the file, until `show dataplane` says in_sync and
#     three probe prefixes are in `show ip route` (load_s);
#   - forwarding: Mpps and TSC cycles/packet, brink and l3fwd;
#   - commit: `load` of the file plus COMMIT routes outside the traffic's
#     prefixes, `commit` timed, then `load` of the first file and `commit`
#     (the removal), with the traffic running; lost = drop.* counters of the
#     dataplane over both commits, plus the sink's TX errors;
#   - RSS of brinkd and of the dataplane (VmRSS + its hugepages).
# A size the tree refuses (brinkd rejects the file, the dataplane refuses
# routes, a step exceeds STEP_TIMEOUT) is reported as FAILED with the reason;
# the run goes on with the next size.
#
# Usage (from the repo root, as root):  perf/bench_scale.sh
# Environment: BENCH_SCALE_ROUTES="1000 100000 1000000"  table sizes
#              BENCH_SCALE_COMMIT=100000  routes added then removed by the commits
#              DURATION=5 WARMUP=2 FRAMES=4096 STEP_TIMEOUT=600 KEEP=1 (keep the work dir)
#              BRINK_BUILD=build (Release or RelWithDebInfo build dir)
# Output: a table, perf/scale.png, and the lines l3fwd_ratio_1k= l3fwd_ratio_100k=
# l3fwd_ratio_1m= load_1m_s= commit_100k_s= commit_100k_lost= rss_1m_mb= ("FAILED" where
# the size did not run). Exit status: 0 every size ran, 1 setup failure, 2 a size failed.

set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PERF=$ROOT/perf
PY=/usr/bin/python3
SIZES=${BENCH_SCALE_ROUTES:-1000 100000 1000000}
NCOMMIT=${BENCH_SCALE_COMMIT:-100000}
DURATION=${DURATION:-5}
WARMUP=${WARMUP:-2}
FRAMES=${FRAMES:-4096}
STEP_TIMEOUT=${STEP_TIMEOUT:-600}
BUILD=${BRINK_BUILD:-$ROOT/build}
PNG=${PNG:-$PERF/scale.png}
WORKER_CPU=1
MAIN_CPU=0
BRINK_PREFIX=brinkscale
L3FWD_PREFIX=l3fwdscale
L3FWD_SRC=/usr/share/dpdk/examples
PCAP_MAC=02:70:63:61:70:00 # net_pcap0's fixed MAC in DPDK 22.11

BENCH=bench_scale
STOP_WAIT_S=20  # a dataplane with 1M routes frees a lot
. "$PERF/harness.sh"

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN {printf "%.2f", b - a}'; }
label() { case $1 in 1000) echo 1k ;; 100000) echo 100k ;; 1000000) echo 1m ;; *) echo "$1" ;; esac; }

# ---------------------------------------------------------------- set-up
[[ $(id -u) == 0 ]] || die "run as root"
[[ -x $PY ]] || die "$PY missing (apt-get install python3)"
$PY -c 'import scapy' 2>/dev/null || die "scapy missing: apt-get install python3-scapy"
[[ -d $L3FWD_SRC/l3fwd ]] || die "$L3FWD_SRC/l3fwd missing: apt-get install dpdk-doc"
pkg-config --exists libdpdk || die "libdpdk-dev missing (pkg-config libdpdk)"
command -v gnuplot >/dev/null || { log "bench_scale: installing gnuplot-nox"; apt-get install -y -qq gnuplot-nox >/dev/null; }
command -v gnuplot >/dev/null || die "gnuplot missing: apt-get install gnuplot-nox"
DP=$BUILD/dataplane/brink-dataplane BRINKD=$BUILD/control/brinkd BRINKSH=$BUILD/tools/brinksh/brinksh
for b in "$DP" "$BRINKD" "$BRINKSH"; do [[ -x $b ]] || die "$b missing: cmake -S . -B $BUILD -DCMAKE_BUILD_TYPE=Release && cmake --build $BUILD"; done

WORK=$(mktemp -d /tmp/brink-scale.XXXXXX)
HUGEDIR=$(awk '$3 == "hugetlbfs" {print $2; exit}' /proc/mounts)
HUGE_FREE=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
if [[ -n $HUGEDIR && ${HUGE_FREE:-0} -ge 400 ]]; then
	MEM_ARGS=(--huge-unlink) MEMORY="2 MB hugepages ($HUGE_FREE free)"
else
	MEM_ARGS=(--no-huge -m 3072) MEMORY="--no-huge -m 3072"
fi
TSC_HZ=$(dmesg 2>/dev/null | grep -oE 'tsc: (Refined TSC clocksource calibration|Detected): [0-9.]+ MHz|tsc: Detected [0-9.]+ MHz' |
	tail -n1 | grep -oE '[0-9.]+ MHz' | awk '{printf "%.0f", $1 * 1e6}')
[[ ${TSC_HZ:-0} -gt 0 ]] || TSC_HZ=$(awk '/cpu MHz/ {printf "%.0f", $4 * 1e6; exit}' /proc/cpuinfo)

# l3fwd with rte_fib (DIR-24-8 like rte_lpm and lpm4, but O(depth) updates: rte_lpm's linear
# rule table takes 18 s to load 100k routes and would take half an hour at 1M), sized for the
# largest table (its defaults: 65,536 routes, 32,768 tbl8 groups)
MAX_N=$(tr ' ' '\n' <<<"$SIZES" | sort -n | tail -n1)
L3DIR=$WORK/dpdk-examples
mkdir -p "$L3DIR" && cp -r "$L3FWD_SRC/l3fwd" "$L3FWD_SRC/common" "$L3DIR/"
patch -s -d "$L3DIR/l3fwd" -p1 <"$PERF/l3fwd-vdev-offloads.patch" || die "l3fwd patch does not apply"
sed -i -e "s/config_ipv4.max_routes = .*/config_ipv4.max_routes = $((MAX_N + 16));/" \
	-e "s/config_ipv4.dir24_8.num_tbl8 = .*/config_ipv4.dir24_8.num_tbl8 = $((MAX_N / 2 + 4096));/" \
	"$L3DIR/l3fwd/l3fwd_fib.c"
make -s -C "$L3DIR/l3fwd" >"$WORK/l3fwd-build.log" 2>&1 || { show_log "$WORK/l3fwd-build.log"; die "l3fwd build failed"; }
L3FWD=$L3DIR/l3fwd/build/l3fwd
echo "R2001:db8::/32 1" >"$WORK/l3fwd-v6.cfg"

SRC_DEV="net_pcap0,rx_pcap=PCAP,infinite_rx=1"
SINK_DEV="net_null0,no-rx=1"
cat >"$WORK/header.conf" <<EOF
# generated by perf/bench_scale.sh
system: { dataplane: { main-cpu = $MAIN_CPU; worker = ( { id = 0; cpu = $WORKER_CPU; } ); mbufs = 65536;
  fib-size = $((MAX_N + NCOMMIT + 1024)); }; };
interfaces: { dataplane = (
  { name = "dp0"; device = "${SRC_DEV/PCAP/@PCAP@}"; address = [ "192.0.2.1/24" ]; },
  { name = "dp1"; device = "$SINK_DEV"; address = [ "198.51.100.1/24" ]; } ); };
EOF

RUN_PID= RUN_SOCK= RX_PORT= TX_PORT= BRINKD_PID=
DPSOCK=$WORK/dp.sock APISOCK=$WORK/api.sock
bsh() { timeout "$STEP_TIMEOUT" "$BRINKSH" -s "$APISOCK" "$@"; }

measure() { # $1 name, $2 size -> $WORK/<name>.<size>.json
	if ! $PY "$PERF/benchlib.py" flowing "$RUN_SOCK" "$RX_PORT" "$TX_PORT" 30 >"$WORK/flowing.json"; then
		log "bench_scale: $1 at $2 routes: the sink never carried >= 90 % of the source's packets: $(cat "$WORK/flowing.json")"
		return 1
	fi
	sleep "$WARMUP"
	$PY "$PERF/benchlib.py" window "$RUN_SOCK" "$RX_PORT" "$TX_PORT" "$DURATION" "$RUN_PID" >"$WORK/$1.$2.json"
}
pps_of() { $PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["pps"])' "$1"; }
mpps() { awk -v p="$1" 'BEGIN {printf "%.2f", p / 1e6}'; }
cpp() { awk -v p="$1" -v h="$TSC_HZ" 'BEGIN {printf "%.1f", (p > 0 ? h / p : 0)}'; }
rss_mb() { awk '/^(VmRSS|HugetlbPages):/ {kb += $2} END {printf "%.0f", kb / 1024}' "/proc/$1/status" 2>/dev/null; }

stop_run() { [[ -n $RUN_PID ]] && { stop_pid "$RUN_PID"; forget_pid "$RUN_PID"; RUN_PID=; }; }
stop_brink() {
	[[ -n $BRINKD_PID ]] && { stop_pid "$BRINKD_PID"; forget_pid "$BRINKD_PID"; BRINKD_PID=; }
	stop_run
	rm -f "$DPSOCK" "$APISOCK"
}

l3fwd_size() { # $1 size, $2 dir
	local lg=$2/l3fwd.log t0
	t0=$(now)
	taskset -c $WORKER_CPU,$MAIN_CPU "$L3FWD" -l $WORKER_CPU --no-pci --file-prefix $L3FWD_PREFIX "${MEM_ARGS[@]}" \
		--vdev "${SRC_DEV/PCAP/$2/in.pcap}" --vdev "$SINK_DEV" -- -p 0x3 -P --lookup fib --parse-ptype \
		--rule_ipv4 "$2/l3fwd-v4.cfg" --rule_ipv6 "$WORK/l3fwd-v6.cfg" \
		--config "(0,0,$WORKER_CPU),(1,0,$WORKER_CPU)" >"$lg" 2>&1 &
	RUN_PID=$!
	PIDS+=("$RUN_PID")
	RUN_SOCK=/var/run/dpdk/$L3FWD_PREFIX/dpdk_telemetry.v2
	local i
	for i in $(seq $((STEP_TIMEOUT * 10))); do
		grep -q 'entering main loop' "$lg" && break
		kill -0 "$RUN_PID" 2>/dev/null || break
		sleep 0.1
	done
	grep -q 'entering main loop' "$lg" || { show_log "$lg"; stop_run; return 1; }
	log "  l3fwd: $1 routes loaded in $(since "$t0") s"
	RX_PORT=$($PY "$PERF/benchlib.py" port "$RUN_SOCK" net_pcap0) && TX_PORT=$($PY "$PERF/benchlib.py" port "$RUN_SOCK" net_null0) &&
		measure l3fwd "$1" || { show_log "$lg"; stop_run; return 1; }
	stop_run
}

FAIL_REASON=
brink_fail() { # $1 size, $2 reason
	FAIL_REASON=$2
	log "bench_scale: brink at $1 routes: FAILED: $2"
	show_log "$3/dataplane.log"
	show_log "$3/brinkd.log"
	stop_brink
	return 1
}

dp_state() { # "in_sync N_REFUSED" from show dataplane
	bsh -j -c "show dataplane" 2>/dev/null |
		$PY -c 'import json,sys; d=json.load(sys.stdin); print(str(d["in_sync"]).lower(), len(d.get("refused") or []))'
}
converged() { # in_sync, nothing refused, and the probe prefixes listed
	local p
	[[ $(dp_state) == "true 0" ]] || return 1
	while read -r p; do bsh -c "show ip route $p" | grep -q " $p " || return 1; done <"$1/probes"
}

wait_converged() { # $1 dir, $2 pid of brinkd, $3 what; returns 0 or 1 with FAIL_REASON set
	local t0 j
	t0=$(now)
	while ! converged "$1"; do
		kill -0 "$2" 2>/dev/null || { FAIL_REASON="brinkd exited: $(tail -n 3 "$1/brinkd.log" | tr '\n' ' ')"; return 1; }
		j=$(dp_state)
		if [[ -n $j && ${j#* } != 0 ]]; then
			FAIL_REASON="the dataplane refused routes: $(bsh -c "show dataplane" | head -n 6 | tr '\n' ' ')"
			return 1
		fi
		if awk -v a="$t0" -v b="$(now)" -v t="$STEP_TIMEOUT" 'BEGIN {exit !(b - a > t)}'; then
			FAIL_REASON="$3: not converged after $STEP_TIMEOUT s"
			return 1
		fi
		sleep 0.2
	done
}

commit_file() { # $1 dir, $2 file, $3 name; sets COMMIT_S, or FAIL_REASON and returns 1
	local res
	res=$($PY "$PERF/scalelib.py" commit "$BRINKSH" "$APISOCK" "$2" "$STEP_TIMEOUT")
	if ! $PY -c 'import json,sys; sys.exit(not json.loads(sys.argv[1])["ok"])' "$res"; then
		FAIL_REASON="$3: $($PY -c 'import json,sys; print(json.loads(sys.argv[1])["output"])' "$res" | tail -n 4 | tr '\n' ' ')"
		return 1
	fi
	wait_converged "$1" "$BRINKD_PID" "$3" || return 1
	COMMIT_S=$($PY -c 'import json,sys; print("%.2f" % json.loads(sys.argv[1])["commit_s"])' "$res")
}

drops_now() { bsh -j -c "show dataplane statistics" >"$WORK/stats.json" && $PY "$PERF/scalelib.py" drops "$WORK/stats.json"; }
sink_oerrors() { $PY -c '
import sys; sys.path.insert(0, sys.argv[1]); from dpdk_telemetry import Telemetry
print(Telemetry(sys.argv[2]).cmd("/ethdev/stats,%s" % sys.argv[3])["/ethdev/stats"]["oerrors"])' "$PERF" "$RUN_SOCK" "$TX_PORT"; }

brink_size() { # $1 size, $2 dir; sets LOAD_S RSS_BRINKD RSS_DP ADD_S DEL_S LOST
	local n=$1 dir=$2 t0 d0 e0 d1 e1
	LOAD_S=- RSS_BRINKD=- RSS_DP=- ADD_S=- DEL_S=- LOST=-
	rm -f "$DPSOCK" "$APISOCK"
	sed "s|@PCAP@|$dir/in.pcap|" "$dir/base.conf" >"$dir/brink.conf"
	sed "s|@PCAP@|$dir/in.pcap|" "$dir/commit.conf" >"$dir/brink-commit.conf"
	"$DP" -f "$dir/brink.conf" -s "$DPSOCK" -- --file-prefix $BRINK_PREFIX --no-pci "${MEM_ARGS[@]}" >"$dir/dataplane.log" 2>&1 &
	RUN_PID=$!
	PIDS+=("$RUN_PID")
	wait_for_socket "$DPSOCK" "$STEP_TIMEOUT" "$RUN_PID" || { brink_fail "$n" "brink-dataplane did not start: $(tail -n 1 "$dir/dataplane.log")" "$dir"; return 1; }
	t0=$(now)
	"$BRINKD" -f "$dir/brink.conf" -d "$DPSOCK" -a "$APISOCK" --archive "$dir/archive" >"$dir/brinkd.log" 2>&1 &
	BRINKD_PID=$!
	PIDS+=("$BRINKD_PID")
	if ! wait_for_socket "$APISOCK" "$STEP_TIMEOUT" "$BRINKD_PID"; then
		brink_fail "$n" "brinkd did not start: $(tail -n 3 "$dir/brinkd.log" | tr '\n' ' ')" "$dir"
		return 1
	fi
	wait_converged "$dir" "$BRINKD_PID" "load" || { brink_fail "$n" "$FAIL_REASON" "$dir"; return 1; }
	LOAD_S=$(since "$t0")
	RSS_BRINKD=$(rss_mb "$BRINKD_PID") RSS_DP=$(rss_mb "$RUN_PID")
	log "  brink: $n routes loaded in $LOAD_S s (brinkd to a converged dataplane); RSS brinkd $RSS_BRINKD MB, dataplane $RSS_DP MB"
	RUN_SOCK=/var/run/dpdk/$BRINK_PREFIX/dpdk_telemetry.v2
	RX_PORT=$($PY "$PERF/benchlib.py" port "$RUN_SOCK" net_pcap0) && TX_PORT=$($PY "$PERF/benchlib.py" port "$RUN_SOCK" net_null0) ||
		{ brink_fail "$n" "no telemetry ports" "$dir"; return 1; }
	measure brink "$n" || { brink_fail "$n" "brink did not forward the input" "$dir"; return 1; }
	d0=$(drops_now) e0=$(sink_oerrors)
	# a refused commit keeps the forwarding and load figures of this size
	if commit_file "$dir" "$dir/brink-commit.conf" "commit of $NCOMMIT added routes" && ADD_S=$COMMIT_S &&
		commit_file "$dir" "$dir/brink.conf" "commit of $NCOMMIT removed routes" && DEL_S=$COMMIT_S; then
		d1=$(drops_now) e1=$(sink_oerrors)
		LOST=$((d1 - d0 + e1 - e0))
		log "  brink: commit +$NCOMMIT routes $ADD_S s, -$NCOMMIT routes $DEL_S s, packets lost meanwhile $LOST"
	else
		log "bench_scale: brink at $n routes: commits FAILED: $FAIL_REASON"
		COMMIT_FAIL="${COMMIT_FAIL:+$COMMIT_FAIL; }$n routes: $FAIL_REASON"
		ADD_S=- DEL_S=- LOST=-
	fi
	stop_brink
}

# ---------------------------------------------------------------- run
echo "bench_scale: $(date -u '+%Y-%m-%d %H:%M UTC'), $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(nproc --all) CPUs"
echo "bench_scale: TSC $(awk -v h="$TSC_HZ" 'BEGIN {printf "%.1f", h / 1e6}') MHz; memory: $MEMORY; sizes: $SIZES; commit: $NCOMMIT routes"
echo "bench_scale: $FRAMES x 64-byte frames to hosts in the routes; window ${DURATION} s after ${WARMUP} s warm-up"
FAILED=0 COMMIT_FAIL=
: >"$WORK/plot.dat"
declare -A RESULT
for n in $SIZES; do
	dir=$WORK/$n
	mkdir -p "$dir"
	log "bench_scale: $n routes: generating"
	tbl8=$($PY "$PERF/scalelib.py" gen "$dir" "$n" "$NCOMMIT" "$FRAMES" "$PCAP_MAC" "$WORK/header.conf") || die "generation failed"
	log "  $n routes, $tbl8 /24s with a longer prefix"
	l3=- br=-
	if l3fwd_size "$n" "$dir"; then l3=$(pps_of "$WORK/l3fwd.$n.json"); else log "bench_scale: l3fwd at $n routes failed"; fi
	if brink_size "$n" "$dir"; then
		br=$(pps_of "$WORK/brink.$n.json")
		RESULT[$n]="$br $l3 $LOAD_S $ADD_S $DEL_S $LOST $RSS_BRINKD $RSS_DP"
	else
		FAILED=1
		RESULT[$n]="FAILED $l3 $FAIL_REASON"
	fi
	printf '%s %s %s %s %s\n' "$n" "$([[ $br == - ]] && echo - || mpps "$br")" "$([[ $l3 == - ]] && echo - || mpps "$l3")" \
		"${ADD_S:--}" "${DEL_S:--}" >>"$WORK/plot.dat"
done

echo
printf '%-9s %8s %8s %8s %8s %7s %8s %8s %7s %9s %9s\n' routes brink cyc/pkt l3fwd cyc/pkt ratio load_s add_s del_s lost rss_MB
for n in $SIZES; do
	read -r br l3 rest <<<"${RESULT[$n]}"
	if [[ $br == FAILED ]]; then
		printf '%-9s FAILED: %s (l3fwd %s Mpps)\n' "$n" "$rest" "$([[ $l3 == - ]] && echo - || mpps "$l3")"
		continue
	fi
	read -r load add del lost rb rd <<<"$rest"
	printf '%-9s %8s %8s %8s %8s %7s %8s %8s %7s %9s %9s\n' "$n" "$(mpps "$br")" "$(cpp "$br")" \
		"$([[ $l3 == - ]] && echo - || mpps "$l3")" "$([[ $l3 == - ]] && echo - || cpp "$l3")" \
		"$([[ $l3 == - ]] && echo - || awk -v b="$br" -v l="$l3" 'BEGIN {printf "%.3f", b / l}')" \
		"$load" "$add" "$del" "$lost" "$rb+$rd"
done
if $PY "$PERF/scalelib.py" plot "$WORK/plot.dat" "$PNG" 2>"$WORK/plot.err"; then echo "curve: $PNG"; else log "bench_scale: no curve: $(cat "$WORK/plot.err")"; fi
echo
for n in 1000 100000 1000000; do
	l=$(label $n)
	[[ " $SIZES " == *" $n "* ]] || continue
	read -r br l3 load add del lost rb rd <<<"${RESULT[$n]}"
	if [[ $br == FAILED || $l3 == - ]]; then echo "l3fwd_ratio_$l=FAILED"; else awk -v b="$br" -v x="$l3" -v l="$l" 'BEGIN {printf "l3fwd_ratio_%s=%.3f\n", l, b / x}'; fi
done
if [[ " $SIZES " == *" 1000000 "* ]]; then
	read -r br l3 load add del lost rb rd <<<"${RESULT[1000000]}"
	if [[ $br == FAILED ]]; then echo "load_1m_s=FAILED"; echo "rss_1m_mb=FAILED"; else echo "load_1m_s=$load"; echo "rss_1m_mb=brinkd:$rb,dataplane:$rd"; fi
fi
# the commit figures of the largest table that ran
for n in $(tr ' ' '\n' <<<"$SIZES" | sort -rn); do
	read -r br l3 load add del lost rb rd <<<"${RESULT[$n]}"
	[[ $br == FAILED || $add == - ]] && continue
	COMMIT_AT=$n
	echo "commits on the $n-route table: add $add s, remove $del s; commit_*_s is the slower"
	echo "commit_$(label "$NCOMMIT")_s=$(awk -v a="$add" -v d="$del" 'BEGIN {print (a > d ? a : d)}')"
	echo "commit_$(label "$NCOMMIT")_lost=$lost"
	break
done
[[ -n ${COMMIT_FAIL:-} ]] && log "bench_scale: commits FAILED: $COMMIT_FAIL"
[[ -n ${COMMIT_AT:-} ]] || { echo "commit_$(label "$NCOMMIT")_s=FAILED"; echo "commit_$(label "$NCOMMIT")_lost=FAILED"; }
exit $((FAILED || ${#COMMIT_FAIL} ? 2 : 0))
