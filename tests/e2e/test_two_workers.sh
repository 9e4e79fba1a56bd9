#!/usr/bin/env bash
# Two workers sharing CPU 1, two RX queues per af_packet port (kernel fanout
# hash): parallel flows pod -> VM are spread over both workers, and within
# each flow no datagram is reordered.
. "$(dirname "$0")/lib.sh"

topo_demo
CONF_WORKERS=2 CONF_QPAIRS=2 conf_demo >"$T/brink.conf"
router_start "$T/brink.conf"
wait_ping "$POD" 192.168.10.10
w0=$(stat worker.0.rx_packets) w1=$(stat worker.1.rx_packets)

# 16 UDP flows (distinct source ports), numbered datagrams, interleaved
res=$(udp_flows "$POD" 172.30.1.10 "$VM" 192.168.10.10 16 1500 40000)
log "$res"
read -r _ flows _ got _ reordered <<<"$res" || fail "receiver: $res"
[ "$flows" -eq 16 ] || fail "only $flows of 16 flows arrived"
[ "$got" -ge 12000 ] || fail "only $got of 24000 datagrams arrived"
[ "$reordered" -eq 0 ] || fail "$reordered datagrams reordered within their flow"

# TCP too: parallel iperf3 streams
bg in_ns "$VM" iperf3 -s -B 192.168.10.10 -1 --logfile "$T/iperf-server.log"
# (a probe connection would use up the one-off server: look at the socket)
wait_for 10 bash -c "ip netns exec $VM ss -ltn | grepq ':5201 '" || fail "iperf3 server did not start"
in_ns "$POD" iperf3 -c 192.168.10.10 -P 4 -t 3 -J >"$T/iperf.json" || fail "iperf3: $(tail "$T/iperf.json")"
"$PY" -c '
import json, sys
j = json.load(open(sys.argv[1]))
if "error" in j:
    sys.exit("iperf3: " + j["error"])
e = j["end"]
print("iperf3 -P 4: %.0f Mbit/s, %d retransmits" % (e["sum_received"]["bits_per_second"] / 1e6, e["sum_sent"].get("retransmits", 0)))
' "$T/iperf.json" || fail "iperf3 between pod and VM"

d0=$(($(stat worker.0.rx_packets) - w0)) d1=$(($(stat worker.1.rx_packets) - w1))
log "worker.0 +$d0, worker.1 +$d1 rx packets"
[ "$d0" -ge 1000 ] && [ "$d1" -ge 1000 ] || fail "traffic not spread over both workers (+$d0, +$d1)"
