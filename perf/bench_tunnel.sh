#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# perf/bench_tunnel.sh - tunnels on one worker core: Brink's IPIP and VXLAN
# encapsulation and decapsulation, with DPDK l3fwd's plain forwarding as the anchor.
#
# The harness of perf/bench_l3.sh (perf/onecore.sh): the same source (net_pcap0,
# infinite_rx), sink (net_null0), CPUs, 1,000 /24 routes 10.<i/256>.<i%256>.0/24,
# l3fwd built and run as there, interleaved rounds, medians, TSC cycles/packet.
# Ports: dp0 (source) 192.0.2.1/24, dp1 (sink) 198.51.100.1/24, MTU 9000 so that
# IMIX's 1,518-byte frames cross the tunnels whole. The cases:
#   ipip_encap   64-byte IPv4/UDP frames in, routed through tun0 (encapsulation
#                ipip, source-address 198.51.100.1, remote 198.51.100.2), out on dp1
#   ipip_decap   the same frames' packets arrive in IPIP from 192.0.2.2 to tun0
#                (source-address 192.0.2.1, remote 192.0.2.2), routed to dp1
#   vxlan_encap  routed via 192.168.50.2 on vxlan100 (vni 100, source-address
#                198.51.100.1, remote 198.51.100.2, a static fdb entry for
#                192.168.50.2's MAC and a static ARP entry: nothing floods)
#   vxlan_decap  the frames arrive in VXLAN (UDP 4789, VNI 100) from 192.0.2.2,
#                to vxlan100's MAC (source-address 192.0.2.1), routed to dp1
# Every next hop on dp1 (198.51.100.2) has a static ARP entry: nothing waits for ARP.
# Each case runs with 64-byte inner frames and with IMIX (7:4:1 of 64/594/1518-byte
# frames; the outer packets are 20 (IPIP) or 50 (VXLAN) bytes longer); l3fwd
# forwards the plain frames of both. Mpps counts the sink's packets: one per
# packet received in all four cases. In the first round of each case the sink's
# packets are captured (monitor traffic, dpdk-dumpcap) and checked field by field
# with tshark before the measurement; a case whose packets are wrong, or that
# forwards < 90 % of what it receives, fails loudly. One more round per case with
# the dataplane's --profile gives the per-stage TSC cycles.
#
# Usage (from the repo root, as root):  perf/bench_tunnel.sh
# Environment: ROUNDS=3 DURATION=10 WARMUP=3 KEEP=1 (keep the work dir)
#              CASES="ipip_encap ipip_decap vxlan_encap vxlan_decap" (a subset to try one)
#              BRINK_BUILD=build (Release build dir; built with cmake if missing)
# The last lines are exactly (Brink Mpps / l3fwd Mpps, 64-byte frames; FAILED for a
# case that did not run):
#   ipip_encap_ratio=  ipip_decap_ratio=  vxlan_encap_ratio=  vxlan_decap_ratio=
# Exit status: 0 ok, 1 setup/l3fwd failure, 2 a Brink case failed (the others printed).

set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PERF=$ROOT/perf
ALL_CASES="ipip_encap ipip_decap vxlan_encap vxlan_decap"
CASES=${CASES:-$ALL_CASES}
FRAMES=1000      # 64-byte frames: bench_l3.sh's input
FRAMES_IMIX=1200 # a multiple of 12: IMIX's 7:4:1 exactly
BRINK_PREFIX=brinktunnel
L3FWD_PREFIX=l3fwdtunnel
BENCH=bench_tunnel
STOP_WAIT_S=10
. "$PERF/harness.sh"
. "$PERF/onecore.sh"

for c in $CASES; do [[ " $ALL_CASES " == *" $c "* ]] || die "unknown case '$c' (cases: $ALL_CASES)"; done

bench_setup
command -v tshark >/dev/null || die "tshark missing: apt-get install tshark"
# The sink check's dpdk-dumpcap maps the dataplane's hugepage files by name:
# they stay while the programs run (harness.sh removes them at exit).
if [[ ${HUGE_ARGS[0]} == --huge-unlink ]]; then
	HUGE_ARGS=()
else
	log "$BENCH: WARNING: without hugepages the packets on the sink cannot be captured: they are not checked"
fi

# Addresses. net_pcap0's MAC is fixed in DPDK 22.11 (see bench_l3.sh).
PCAP_MAC=02:70:63:61:70:00
SRC_ADDR=192.0.2.1      # dp0
FAR_SRC=192.0.2.2       # the tunnels' far end on the source's side (decapsulation)
FAR_SRC_MAC=02:00:00:00:00:01
SINK_ADDR=198.51.100.1  # dp1
GATEWAY=198.51.100.2    # next hop on dp1; the tunnels' far end there (encapsulation)
GATEWAY_MAC=02:00:00:00:00:02
PLAIN_SRC=192.0.2.2     # gen_pcap.py's source of the plain frames
POD_SRC=172.30.2.10     # IPIP decapsulation: a host behind the far end
SEGMENT_ADDR=192.168.50.1/24
SEGMENT_HOST=192.168.50.2
SEGMENT_HOST_MAC=52:54:00:aa:bb:cc
VXLAN_MAC=02:00:00:00:50:01
VNI=100
MTU=9000
SINK_DEV="net_null0,no-rx=1"

# ---------------------------------------------------------------- inputs
input_of() { # $1 case or "plain", $2 64|imix -> pcap path
	echo "$WORK/in-$1-$2.pcap"
}
gen_input() { # $1 case or "plain", $2 64|imix
	local args=(--prefixes "$NROUTES" --frames "$FRAMES")
	[[ $2 == imix ]] && args=(--prefixes "$NROUTES" --frames "$FRAMES_IMIX" --imix)
	args+=(--src-mac "$FAR_SRC_MAC")
	case $1 in
	plain | *_encap) ;;
	ipip_decap) args+=(--ipip "$FAR_SRC,$SRC_ADDR" --src-ip "$POD_SRC") ;;
	vxlan_decap) args+=(--vxlan "$FAR_SRC,$SRC_ADDR,$VNI,$VXLAN_MAC" --src-ip "$SEGMENT_HOST"
		--inner-src-mac "$SEGMENT_HOST_MAC") ;;
	esac
	$PY "$PERF/gen_pcap.py" "$(input_of "$1" "$2")" "$PCAP_MAC" "${args[@]}" || die "pcap generation failed ($1 $2)"
}
encapsulates() { [[ $1 == *_encap ]]; }
input_case() { if encapsulates "$1"; then echo plain; else echo "$1"; fi; }
for size in 64 imix; do
	gen_input plain "$size"
	for c in $CASES; do encapsulates "$c" || gen_input "$c" "$size"; done
done
src_dev() { echo "net_pcap0,rx_pcap=$(input_of "$1" "$2"),infinite_rx=1"; }

# ---------------------------------------------------------------- brink.conf
# The tunnel's or segment's outer source: dp1's address when it encapsulates
# (the outer packets leave there), dp0's when it decapsulates (they arrive there).
outer_local() { if encapsulates "$1"; then echo "$SINK_ADDR"; else echo "$SRC_ADDR"; fi; }
outer_remote() { if encapsulates "$1"; then echo "$GATEWAY"; else echo "$FAR_SRC"; fi; }

write_conf() { # $1 case, $2 64|imix, $3 file
	local c=$1 target="next-hop = \"$GATEWAY\";" arp="{ address = \"$GATEWAY\"; hwaddr = \"$GATEWAY_MAC\"; }"
	{
		echo "# generated by perf/bench_tunnel.sh ($c)"
		echo "system: { dataplane: { main-cpu = $MAIN_CPU; worker = ( { id = 0; cpu = $WORKER_CPU; } ); mbufs = 65536; }; };"
		echo "interfaces: {"
		echo "  dataplane = ("
		echo "    { name = \"dp0\"; device = \"$(src_dev "$(input_case "$c")" "$2")\"; address = [ \"$SRC_ADDR/24\" ]; mtu = $MTU; },"
		echo "    { name = \"dp1\"; device = \"$SINK_DEV\"; address = [ \"$SINK_ADDR/24\" ]; mtu = $MTU; } );"
		case $c in
		ipip_*)
			echo "  tunnel = ( { name = \"tun0\"; encapsulation = \"ipip\"; source-address = \"$(outer_local "$c")\";"
			echo "               remote = \"$(outer_remote "$c")\"; address = [ \"172.30.0.1/32\" ]; } );"
			[[ $c == ipip_encap ]] && target='interface = "tun0";'
			;;
		vxlan_*)
			echo "  vxlan = ( { name = \"vxlan100\"; vni = $VNI; source-address = \"$(outer_local "$c")\";"
			echo "              remote = [ \"$(outer_remote "$c")\" ]; mac = \"$VXLAN_MAC\"; address = [ \"$SEGMENT_ADDR\" ];"
			echo "              fdb = ( { mac = \"$SEGMENT_HOST_MAC\"; remote = \"$(outer_remote "$c")\"; } ); } );"
			if [[ $c == vxlan_encap ]]; then
				target="next-hop = \"$SEGMENT_HOST\";"
				arp="$arp, { address = \"$SEGMENT_HOST\"; hwaddr = \"$SEGMENT_HOST_MAC\"; }"
			fi
			;;
		esac
		echo "};"
		echo "protocols: { static: {"
		conf_routes "$target"
		echo "  arp = ( $arp ); }; };"
	} > "$3"
}

# ---------------------------------------------------------------- the packets on the sink
# What every packet leaving on dp1 must be, 64-byte case: tshark's fields
#   frame.len eth.dst ip.src ip.dst ip.ttl ip.proto udp.dstport vxlan.vni
# (a field repeated in nested headers lists outer,inner), destinations 10.x.y.z
# written 10.*. Inner TTL 63: forwarded once; the tunnels' TTL is 0 (the inner
# packet's, after the decrement) for IPIP and 64 for VXLAN (Linux's defaults).
expected_packet() { # $1 case
	case $1 in
	ipip_encap) echo "80 $GATEWAY_MAC $SINK_ADDR,$PLAIN_SRC $GATEWAY,10.* 63,63 4,17 9 -" ;;
	ipip_decap) echo "60 $GATEWAY_MAC $POD_SRC 10.* 63 17 9 -" ;;
	vxlan_encap) echo "110 $GATEWAY_MAC,$SEGMENT_HOST_MAC $SINK_ADDR,$PLAIN_SRC $GATEWAY,10.* 64,63 17,17 4789,9 $VNI" ;;
	vxlan_decap) echo "60 $GATEWAY_MAC $SEGMENT_HOST 10.* 63 17 9 -" ;;
	esac
}

check_sink() { # $1 name, $2 round: FLOWING_HOOK of each case's first 64-byte round
	local name=$1 r=$2 cap want got out
	[[ $r == 1 && -n ${CHECK_CASE:-} && ${HUGE_ARGS[0]:-} != --no-huge ]] || return 0
	cap=$WORK/$name.sink.pcapng
	if ! out=$(brinksh -c "monitor traffic interface dp1 count 16 save $cap" 2>&1); then
		MEASURE_ERR="cannot capture dp1: $out"
		return 1
	fi
	want=$(expected_packet "$CHECK_CASE")
	got=$(tshark -r "$cap" -n -T fields -E occurrence=a -E aggregator=, -E separator=/t \
		-e frame.len -e eth.dst -e ip.src -e ip.dst -e ip.ttl -e ip.proto -e udp.dstport -e vxlan.vni 2>/dev/null |
		awk -F'\t' -v OFS=' ' '{$1 = $1; for (i = 1; i <= NF; i++) if ($i == "") $i = "-"; print}' |
		sed -E 's/(^| |,)10\.[0-9]+\.[0-9]+\.[0-9]+/\110.*/g' | sort | uniq -c)
	if [[ $(wc -l <<<"$got") -ne 1 || $got != *" $want" ]]; then
		MEASURE_ERR="the packets on the sink are not this case's"
		log "$BENCH: $name: the packets on the sink are not what this case sends:"
		log "  expected (16 of): $want"
		log "  captured (count, fields):"
		log "$got"
		return 1
	fi
	echo "  $name: the sink's packets are as expected: $(awk '{$1 = ""; print substr($0, 2)}' <<<"$got") (16 captured)"
}

# ---------------------------------------------------------------- rounds
build_l3fwd
find_brink
[[ -n $BRINK_ERR ]] && die "brink unavailable: $BRINK_ERR"

case_name() { if [[ $2 == 64 ]]; then echo "$1"; else echo "$1_$2"; fi; }
for c in $CASES; do
	for size in 64 imix; do write_conf "$c" "$size" "$WORK/$(case_name "$c" "$size").conf"; done
done

declare -A CASE_ERR=() # name -> why it failed; its later rounds are skipped
case_round() { # $1 case, $2 64|imix, $3 round, $4.. dataplane options
	local c=$1 size=$2 r=$3 name
	shift 3
	name=$(case_name "$c" "$size")
	[[ -z ${CASE_ERR[$name]:-} ]] || return 0
	CONF=$WORK/$name.conf
	LOG_DIR=$WORK/$name
	mkdir -p "$LOG_DIR"
	CHECK_CASE=
	[[ $size == 64 ]] && CHECK_CASE=$c
	check_idle "$name round $r"
	BRINK_ERR=
	FLOWING_HOOK=check_sink
	brink_round "$name" "$r" "$@" || CASE_ERR[$name]="round $r: $BRINK_ERR"
	FLOWING_HOOK=
}

l3fwd_name() { case_name l3fwd "$1"; }

print_host
echo "$BENCH: inner frames Ethernet/IPv4/UDP to $NROUTES /24s: $FRAMES x 64 bytes (60 B + FCS), and IMIX:" \
	"$FRAMES_IMIX frames of 64/594/1518 bytes 7:4:1; outer packets +20 B (IPIP), +50 B (VXLAN);" \
	"dp0/dp1 MTU $MTU; worker CPU $WORKER_CPU, main CPU $MAIN_CPU"
echo "$BENCH: cases: $CASES; $ROUNDS interleaved rounds: warm-up ${WARMUP} s, window ${DURATION} s"
for ((r = 1; r <= ROUNDS; r++)); do
	for size in 64 imix; do
		SRC_DEV=$(src_dev plain "$size")
		check_idle "$(l3fwd_name "$size") round $r"
		l3fwd_round "$(l3fwd_name "$size")" "$r"
		for c in $CASES; do case_round "$c" "$size" "$r"; done
	done
done
# One more round per case with --profile for the per-stage TSC counters (the
# timing itself costs cycles, so these rates are not part of the medians).
for c in $CASES; do case_round "$c" 64 profile --profile; done
[[ -n $BUSY_WARN ]] && log "$BENCH: WARNING: worker CPU $WORKER_CPU was busy before: $BUSY_WARN"

# ---------------------------------------------------------------- figures
measured() { [[ -z ${CASE_ERR[$1]:-} ]] && compgen -G "$WORK/$1.[0-9]*.json" >/dev/null; }
figures() { # $1 name -> its median's Mpps and cycles/packet, or FAILED
	local pps
	measured "$1" || { printf '%10s %14s' FAILED -; return; }
	pps=$(median_of "$1")
	printf '%10s %14s' "$(mpps "$pps")" "$(cpp "$pps")"
}
ratio() { # $1 case: its 64-byte Mpps / l3fwd's
	measured "$1" || { echo FAILED; return; }
	awk -v b="$(median_of "$1")" -v l="$(median_of l3fwd)" 'BEGIN {printf "%.3f", b / l}'
}

echo
echo "Median of $ROUNDS rounds x ${DURATION} s (TSC cycles/packet = TSC Hz / packets per second;" \
	"a packet: one received, one sent):"
printf '%-12s %10s %14s %10s %14s %8s\n' program "64 B Mpps" cycles/packet "IMIX Mpps" cycles/packet ratio
printf '%-12s %s %s %8s\n' l3fwd "$(figures l3fwd)" "$(figures l3fwd_imix)" 1
for c in $CASES; do
	printf '%-12s %s %s %8s\n' "$c" "$(figures "$c")" "$(figures "${c}_imix")" "$(ratio "$c")"
done
for name in "${!CASE_ERR[@]}"; do log "$BENCH: FAILED: $name ${CASE_ERR[$name]}"; done

for c in $CASES; do
	[[ -f $WORK/$c-stats-after.profile.json && -z ${CASE_ERR[$c]:-} ]] || continue
	P_PPS=$(pps_of "$WORK/$c.profile.json")
	echo
	echo "Where the cycles go, $c: --profile round, $(mpps "$P_PPS") Mpps = $(cpp "$P_PPS") cycles/packet" \
		"with the stage timers on (deltas over its ${DURATION} s window; cyc/pkt(all) per packet received):"
	$PY "$PERF/benchlib.py" stages "$WORK/$c-stats-before.profile.json" "$WORK/$c-stats-after.profile.json" \
		"$TSC_HZ" "$P_PPS" rx || log "$BENCH: warning: no per-stage counters"
	awk -v s="$(share_of "$WORK/$c.profile.json")" -v m="$MIN_SHARE" 'BEGIN {exit !(s < m)}' &&
		log "$BENCH: WARNING: the profiled window of $c ran on a shared CPU: stage cycles include time the worker was descheduled"
done
for c in $CASES; do
	measured "$c" || continue
	LAST=$(ls "$WORK/$c"-stats-after.[0-9]*.json | sort | tail -n1)
	echo
	echo "Brink counters, $c, at the end of its last measured round (cumulative since its start):"
	$PY "$PERF/benchlib.py" counters "$LAST"
done
echo
if [[ $SHARED_WINDOWS -gt 0 ]]; then
	log "$BENCH: WARNING: $SHARED_WINDOWS window(s) ran on a shared CPU $WORKER_CPU (forwarder on CPU < ${MIN_SHARE}):" \
		"figures are low; rerun on an idle machine. Per on-CPU second, 64 B:" \
		"l3fwd $(mpps "$($PY "$PERF/benchlib.py" median --per-cpu "$WORK"/l3fwd.[0-9]*.json)") Mpps$(
			for c in $CASES; do
				measured "$c" && echo -n ", $c $(mpps "$($PY "$PERF/benchlib.py" median --per-cpu "$WORK/$c".[0-9]*.json)") Mpps"
			done)"
fi
for c in $ALL_CASES; do
	if [[ " $CASES " == *" $c "* ]]; then echo "${c}_ratio=$(ratio "$c")"; else echo "${c}_ratio=FAILED"; fi
done
[[ ${#CASE_ERR[@]} -eq 0 ]] || exit 2
