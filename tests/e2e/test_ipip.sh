#!/usr/bin/env bash
# IP-in-IP as Calico's cross-subnet mode uses it. Brink's tun0 (source
# 10.0.2.1 on dp1) reaches nodes running ipip_peer.py (standing for tunl0):
# first point-to-point to node1, then point-to-multipoint, the outer
# destination being each route's next hop. Ping and TCP cross both ways
# between the host behind dp0 and hosts behind the nodes; a route to the
# underlay without "interface tun0" is not encapsulated; IPIP from an outer
# source the tunnel does not accept is counted as drop.ipip.spoofed; a packet
# too big for the tunnel gets "frag needed" with the tunnel's MTU; on the
# underlay every encapsulated packet is protocol 4 between the right outer
# addresses with a good outer checksum.
#
#   host 172.30.1.10 -- dp0 172.30.1.1 [Brink tun0] dp1 10.0.2.1 -- underlay bridge
#     node1 10.0.2.5 (tunl0; eth1 172.30.2.1/26 -- npod 172.30.2.10; lo 172.30.9.1)
#     node2 10.0.2.6 (tunl0 172.30.3.1/32)
. "$(dirname "$0")/lib.sh"

topo_underlay 10.0.2 node1 node2
N1=$(ns node1) N2=$(ns node2) NPOD=$(ns npod)
ns_add npod
veth "$N1" eth1 "$NPOD" eth0
ip -n "$N1" addr add 172.30.2.1/26 dev eth1
ip -n "$N1" addr add 172.30.9.1/32 dev lo
in_ns "$N1" sysctl -qw net.ipv4.ip_forward=1
ip -n "$NPOD" addr add 172.30.2.10/26 dev eth0
ip -n "$NPOD" route add default via 172.30.2.1

# node1 is a point-to-point peer of Brink throughout
ipip_peer_start "$N1" tunl0 --local 10.0.2.5 --remote 10.0.2.1
ip -n "$N1" route add 172.30.1.0/24 dev tunl0

conf_ports dp0=rt-host=172.30.1.1/24 dp1=rt-under=10.0.2.1/24 >"$T/brink.conf"
router_start "$T/brink.conf"

# ---- point-to-point ----
bsh_commit "set interfaces tunnel tun0 encapsulation ipip" \
	"set interfaces tunnel tun0 source-address 10.0.2.1" \
	"set interfaces tunnel tun0 remote 10.0.2.5" \
	"set interfaces tunnel tun0 address 172.30.0.1/32" \
	"set protocols static route 172.30.2.0/26 interface tun0" \
	"set protocols static route 172.30.9.0/24 next-hop 10.0.2.5"
capture_start p2p "$UL" p-rt
capture_start host "$HOST" eth0 icmp
wait_ping "$HOST" 172.30.2.10
wait_ping "$NPOD" 172.30.1.10
dp1_mac=$(neigh_mac "$N1" 10.0.2.1)

# too big for the tunnel (1500 - 20), and the largest that fits
out=$(in_ns "$HOST" ping -n -c 1 -W 2 -M "do" -s 1472 172.30.2.10 2>&1 || true)
echo "$out" | grepq -E "From 172\.30\.1\.1 .*Frag needed and DF set \(mtu = 1480\)" ||
	fail "ping -M do -s 1472 over tun0 did not get frag-needed with mtu 1480: $out"
out=$(in_ns "$HOST" ping -n -c 1 -W 2 -M "do" -s 1452 172.30.2.10 2>&1) ||
	fail "ping -M do -s 1452 (1480 bytes, the tunnel's MTU) did not cross: $out"

tcp_transfer "$NPOD" 172.30.2.10 "$HOST"
tcp_transfer "$HOST" 172.30.1.10 "$NPOD"

# next hop on the underlay, no "interface tun0": plain IP
wait_ping "$HOST" 172.30.9.1

# an inner packet from node2, which is not tun0's remote
spoofed=$(stat drop.ipip.spoofed)
scapy_send "$N2" 'IP(src="10.0.2.6", dst="10.0.2.1")/IP(src="172.30.2.10", dst="172.30.1.10")/ICMP(id=0x5151)' "" 3
stat_grew drop.ipip.spoofed "$spoofed" 3
capture_stop p2p

out=$(capture_fields p2p "ip.proto == 4 && eth.src == $dp1_mac" ip.src ip.dst ip.checksum.status | sort -u)
[ "$out" = "10.0.2.1	10.0.2.5	1" ] || fail "Brink's IPIP packets (outer source, destination, checksum status): '$out'"
out=$(capture_fields p2p "ip.proto == 4 && eth.src == $dp1_mac && (ip.checksum.status == 0 || tcp.checksum.status == 0 || icmp.checksum.status == 0)" frame.number)
[ -z "$out" ] || fail "Brink sent IPIP packets with bad checksums (frames $out)"
n=$(capture_fields p2p "ip.proto == 4 && eth.src == $dp1_mac && tcp" ip.src | wc -l)
[ "$n" -gt 100 ] || fail "only $n TCP segments encapsulated by Brink"
out=$(capture_fields p2p "eth.src == $dp1_mac && ip.dst == 172.30.2.0/24 && !(ip.proto == 4)" ip.dst)
[ -z "$out" ] || fail "packets to node1's pods left unencapsulated"
n=$(capture_fields p2p "eth.src == $dp1_mac && icmp.type == 8 && ip.dst == 172.30.9.1 && !(ip.proto == 4)" ip.dst | wc -l)
[ "$n" -ge 1 ] || fail "no plain echo request to 172.30.9.1 on the underlay"
out=$(capture_fields p2p "ip.proto == 4 && ip.dst == 172.30.9.1" ip.dst)
[ -z "$out" ] || fail "the route via 10.0.2.5 without interface tun0 was encapsulated"
capture_stop host
out=$(capture_fields host "icmp.ident == 0x5151" ip.src)
[ -z "$out" ] || fail "the spoofed inner packet reached the host"
log "point-to-point: encapsulated to 10.0.2.5, plain route, spoofed source dropped"

# ---- point-to-multipoint ----
bsh_commit "delete interfaces tunnel tun0 remote" \
	"set interfaces tunnel tun0 peer-prefix 10.0.2.0/24" \
	"delete protocols static route 172.30.2.0/26" \
	"set protocols static route 172.30.2.0/26 next-hop 10.0.2.5 interface tun0" \
	"set protocols static route 172.30.3.0/26 next-hop 10.0.2.6 interface tun0"
# node2 is any-remote, as Calico's nodes are: Brink for the pod range, node1 direct
ipip_peer_start "$N2" tunl0 --local 10.0.2.6 --route 172.30.1.0/24=10.0.2.1 --route 172.30.2.0/26=10.0.2.5
ip -n "$N2" addr add 172.30.3.1/32 dev tunl0
ip -n "$N2" route add 172.30.1.0/24 dev tunl0 src 172.30.3.1
ip -n "$N2" route add 172.30.2.0/26 dev tunl0 src 172.30.3.1
capture_start p2mp "$UL" p-rt
wait_ping "$HOST" 172.30.3.1
wait_ping "$HOST" 172.30.2.10
wait_ping "$N2" 172.30.1.10
tcp_transfer "$N2" 172.30.3.1 "$HOST"
tcp_transfer "$HOST" 172.30.1.10 "$N2"
tcp_transfer "$NPOD" 172.30.2.10 "$HOST"

# an outer source outside the peer prefix
spoofed=$(stat drop.ipip.spoofed)
scapy_send "$N2" 'IP(src="10.0.3.9", dst="10.0.2.1")/IP(src="172.30.3.1", dst="172.30.1.10")/ICMP(id=0x5252)' "" 3
stat_grew drop.ipip.spoofed "$spoofed" 3
capture_stop p2mp

for pair in 172.30.3.1=10.0.2.6 172.30.2.10=10.0.2.5; do
	out=$(capture_fields p2mp "ip.proto == 4 && eth.src == $dp1_mac && ip.dst == ${pair%=*}" ip.src ip.dst ip.checksum.status | sort -u)
	[ "$out" = "10.0.2.1	${pair#*=}	1" ] || fail "packets to ${pair%=*} (outer source, destination, checksum status): '$out'"
done
ipip_peer_stop "$N2" tunl0
log "node2: $PEER_COUNTERS"
[ "$(peer_counter received)" -gt 100 ] || fail "node2 received too little: $PEER_COUNTERS"
ipip_peer_stop "$N1" tunl0
log "node1: $PEER_COUNTERS"
[ "$(peer_counter refused)" = 0 ] || fail "node1 refused packets from outer sources other than Brink: $PEER_COUNTERS"
