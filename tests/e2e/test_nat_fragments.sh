#!/usr/bin/env bash
# Fragments of a translated connection, both ways: pings of 3,000 bytes from
# the pod masqueraded to the VM (every fragment leaves with the router's
# address, the fragmented replies come back to the pod), and a 4,000-byte UDP
# datagram from the VM to a port forwarded to the pod, answered with 3,000
# bytes that reach the VM from the forwarded address and port.
#
# The ports are net_af_xdp: net_af_packet joins a fanout group that has the
# kernel reassemble IP fragments before the dataplane sees them (a datagram
# larger than its frame then arrives cut short), so only AF_XDP shows the
# dataplane the fragments as they are on the wire. AF_XDP keeps mbufs in its
# fill and completion rings past the port's close, so the mbuf leak check
# (which counts them as lost) is off here; test_malformed and test_leak_check
# keep it on the paths af_packet can show.
. "$(dirname "$0")/lib.sh"
CHECK_LEAKS=0

topo_demo
cat >"$T/brink.conf" <<'EOF'
system: {
  dataplane: { main-cpu = 0; worker = ( { id = 0; cpu = 1; } ); idle-sleep = 50; };
  conntrack: { table-size = 4096; };
};
interfaces: {
  dataplane = (
    { name = "dp0"; device = "net_af_xdp0,iface=rt-pod"; address = [ "172.30.1.1/24" ]; },
    { name = "dp1"; device = "net_af_xdp1,iface=rt-byoip"; address = [ "192.168.10.1/24" ]; }
  );
};
EOF
router_start "$T/brink.conf"
wait_ping "$POD" 192.168.10.10
bsh_commit "set nat source rule 100 outbound-interface name dp1" \
	"set nat source rule 100 source address 172.30.0.0/16" \
	"set nat source rule 100 translation address masquerade" \
	"set nat destination rule 10 inbound-interface name dp1" \
	"set nat destination rule 10 destination address 192.168.10.1" \
	"set nat destination rule 10 destination port 7777" \
	"set nat destination rule 10 protocol udp" \
	"set nat destination rule 10 translation address 172.30.1.10" \
	"set nat destination rule 10 translation port 5353"

# The pod answers a datagram with what it saw of it, padded to 3,000 bytes.
cat >"$T/echo.py" <<'PYEOF'
import socket
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("172.30.1.10", 5353))
while True:
    data, peer = u.recvfrom(65535)
    u.sendto(("%d %s:%d " % (len(data), peer[0], peer[1])).encode().ljust(3000, b"."), peer)
PYEOF
bg ip netns exec "$POD" "$PY" "$T/echo.py"

capture_start vm "$VM" eth0 -n
log "---- pings of 3,000 bytes from the pod, masqueraded"
out=$(in_ns "$POD" ping -n -c 3 -i 0.3 -W 2 -s 3000 192.168.10.10) || fail "ping -s 3000 through SNAT: $out"
log "$(echo "$out" | grep 'packets transmitted')"

log "---- a 4,000-byte datagram to the forwarded port"
cat >"$T/ask.py" <<'PYEOF'
import socket
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.settimeout(3)
u.bind(("192.168.10.10", 40000))
u.sendto(b"x" * 4000, ("192.168.10.1", 7777))
data, peer = u.recvfrom(65535)
print(len(data), "%s:%d" % peer, data.split(b" ")[0].decode(), data.split(b" ")[1].decode())
PYEOF
got=$(in_ns "$VM" "$PY" "$T/ask.py" 2>&1) || fail "no answer through the port forward: $got"
log "answer: $got"
read -r len from seen_len seen_peer <<<"$got"
[ "$len" = 3000 ] || fail "the answer had $len bytes, not 3000"
[ "$from" = 192.168.10.1:7777 ] || fail "the answer came from $from, not the forwarded 192.168.10.1:7777"
[ "$seen_len" = 4000 ] || fail "the pod got $seen_len bytes of the 4,000"
[ "$seen_peer" = 192.168.10.10:40000 ] || fail "the pod saw the datagram from $seen_peer"
capture_stop vm

res=$("$PY" - "$T/vm.pcap" <<'PYEOF'
import sys
from scapy.all import IP, rdpcap
pkts = [p[IP] for p in rdpcap(sys.argv[1]) if IP in p]
frags = [p for p in pkts if p.flags.MF or p.frag]
ours = [p for p in frags if p.src == "192.168.10.1"]
leaked = [p for p in pkts if p.src.startswith("172.30.") or p.dst.startswith("172.30.")]
print(len(frags), len(ours), len(leaked))
PYEOF
) || fail "reading the capture: $res"
read -r n_frag n_ours n_leaked <<<"$res"
log "on the VM's side: $n_frag fragments, $n_ours of them from the router's address, $n_leaked packets with a pod address"
# 3 pings and 3 replies of 3 fragments, the datagram and its answer of 3 each
[ "$n_frag" -ge 24 ] || fail "only $n_frag fragments on the VM's side"
[ "$n_leaked" = 0 ] || fail "$n_leaked packets crossed with a pod address untranslated"
# the pings' 9 and the answer's 3 fragments leave with the router's address
[ "$n_ours" -ge 12 ] || fail "only $n_ours fragments were translated to the router's address"
for c in drop.ip4.bad_length drop.ip4.truncated drop.nat.no_connection drop.nat.exhausted; do
	[ "$(stat $c)" = 0 ] || fail "$c is $(stat $c)"
done
[ "$(stat nat.snat)" -ge 1 ] && [ "$(stat nat.dnat)" -ge 1 ] || fail "nat.snat $(stat nat.snat), nat.dnat $(stat nat.dnat)"
