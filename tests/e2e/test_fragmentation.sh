#!/usr/bin/env bash
# dp1 with MTU 1280: datagrams larger than that leave fragmented when DF is
# clear, from the pod and from the kernel behind the punt port (pings get
# replies, a capture on the VM shows no IP packet over 1280 bytes), and get
# "fragmentation needed" with the MTU when DF is set, which is what lets TCP
# find the path MTU.
. "$(dirname "$0")/lib.sh"

topo_demo
# 192.168.10.0/24 is a 1280-byte link for every host on it.
ip -n "$VM" link set eth0 mtu 1280
ip -n "$HOP" link set eth0 mtu 1280
cat >"$T/brink.conf" <<'EOF'
system: {
  dataplane: {
    main-cpu = 0; worker = ( { id = 0; cpu = 1; } ); idle-sleep = 50;
    punt: { type = "tap"; interface = "brink0"; };
  };
};
interfaces: {
  dataplane = (
    { name = "dp0"; device = "net_af_packet0,iface=rt-pod"; address = [ "172.30.1.1/24" ]; },
    { name = "dp1"; device = "net_af_packet1,iface=rt-byoip"; address = [ "192.168.10.1/24" ]; mtu = 1280; }
  );
};
protocols: { static: { route = ( { prefix = "10.20.0.0/16"; next-hop = "192.168.10.2"; } ); }; };
EOF
router_start "$T/brink.conf"
wait_ping "$POD" 192.168.10.10
wait_ping "$POD" 10.20.0.10
ip -n "$RT" link show rt-byoip | grepq "mtu 1280" || fail "rt-byoip MTU: $(ip -n "$RT" link show rt-byoip)"

tcpdump_bg "$VM" "$T/tcpdump.log" -i eth0 -n -U --immediate-mode -w "$T/vm.pcap" "src 172.30.1.10 or src 192.168.10.1"
tcpdump_pid=${BG_PIDS[-1]}

out=$(in_ns "$POD" ping -n -c 5 -i 0.2 -W 2 -s 1400 -M dont 192.168.10.10) || fail "ping -s 1400 -M dont: $out"
rx=$(echo "$out" | awk '/packets transmitted/ {print $4}')
[ "${rx:-0}" -ge 4 ] || fail "ping -s 1400 -M dont got $rx of 5 replies: $out"
log "ping -s 1400 -M dont: $rx of 5 replies"

# The kernel behind the punt port goes through the same path: its datagrams
# are fragmented too.
wait_punt 192.168.10.1
out=$(in_ns "$RT" ping -n -c 3 -i 0.2 -W 2 -s 1400 -M dont 192.168.10.10) || fail "ping from the router's kernel: $out"
log "ping -s 1400 -M dont from the punt side: $(echo "$out" | grep 'packets transmitted')"

sleep 1
kill -INT "$tcpdump_pid"
wait "$tcpdump_pid" || true
res=$("$PY" - "$T/vm.pcap" <<'PYEOF'
import sys
from scapy.all import IP, rdpcap
pkts = [p[IP] for p in rdpcap(sys.argv[1]) if IP in p]
frags = [p for p in pkts if p.flags.MF or p.frag]
print(len(pkts), len(frags), max(p.len for p in pkts))
PYEOF
) || fail "reading the capture: $res"
read -r n_ip n_frag max_len <<<"$res"
log "capture on the VM: $n_ip IP packets from the pod and the router, $n_frag fragments, largest $max_len bytes"
[ "$max_len" -le 1280 ] || fail "an IP packet of $max_len bytes crossed the 1280-byte link"
[ "$n_frag" -ge 16 ] || fail "only $n_frag fragments in the capture"

out=$(in_ns "$POD" ping -n -c 1 -W 2 -s 1400 -M do 192.168.10.10 2>&1 || true)
echo "$out" | grepq -E "From 172\.30\.1\.1 .*Frag needed.*mtu = 1280" ||
	fail "ping -s 1400 -M do did not get 'Frag needed (mtu = 1280)' from 172.30.1.1: $out"
log "ping -s 1400 -M do: $(echo "$out" | grep "Frag needed")"

# TCP from the pod to the remote host: 1500-byte segments with DF, until the
# router's fragmentation-needed lowers the pod's path MTU.
tcp_transfer "$POD" 172.30.1.10 "$REM"

for c in ip4.fragmented ip4.fragments_sent drop.ip4.mtu_exceeded icmp.errors_sent; do
	log "$c $(stat $c)"
done
[ "$(stat ip4.fragmented)" -ge 8 ] || fail "ip4.fragmented $(stat ip4.fragmented), expected 8 pings"
[ "$(stat ip4.fragments_sent)" -ge 16 ] || fail "ip4.fragments_sent $(stat ip4.fragments_sent)"
[ "$(stat drop.ip4.mtu_exceeded)" -ge 2 ] || fail "drop.ip4.mtu_exceeded not counted for DF packets"
[ "$(stat icmp.errors_sent)" -ge 2 ] || fail "no fragmentation-needed sent"
