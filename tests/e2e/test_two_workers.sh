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
in_ns "$VM" "$PY" - >"$T/recv.log" 2>&1 <<'PYEOF' &
import socket, struct, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
s.bind(("192.168.10.10", 5001))
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
recv_pid=$!
BG_PIDS+=($recv_pid)
sleep 1
in_ns "$POD" "$PY" - <<'PYEOF'
import socket, struct, time
socks = []
for i in range(16):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("172.30.1.10", 40000 + i))
    s.connect(("192.168.10.10", 5001))
    socks.append(s)
for seq in range(1500):
    for s in socks:
        s.send(struct.pack("!I", seq) + b"x" * 100)
    if seq % 50 == 0:
        time.sleep(0.01)
PYEOF
wait "$recv_pid" || true
res=$(tail -n1 "$T/recv.log")
log "$res"
read -r _ flows _ got _ reordered <<<"$res" || fail "receiver: $(cat "$T/recv.log")"
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
