#!/usr/bin/env bash
# Malformed tunnel packets crafted with scapy on the underlay are dropped,
# each counted under its reason: truncated IPIP, inner headers truncated or
# with a bad IHL behind IPIP and VXLAN, VXLAN without the I flag, a VXLAN
# header cut short, inner runt frames, a VTEP the segment does not know. Both
# tunnels still carry traffic afterwards, and with --leak-check the dataplane
# exits 0 on SIGTERM while floods still cross them: every mbuf is back.
#
#   host 172.30.1.10 -- dp0 172.30.1.1 [Brink tun0, vxlan100 192.168.50.1/24] dp1 10.0.2.1 -- underlay
#     peer 10.0.2.5: ipip_peer.py (tunl0 172.30.2.1/32), VTEP of VNI 100 with vm 192.168.50.10
. "$(dirname "$0")/lib.sh"

topo_underlay 10.0.2 peer
PEER=$(ns peer) VM=$(ns vm)
ns_add vm
ipip_peer_start "$PEER" tunl0 --local 10.0.2.5 --remote 10.0.2.1
ip -n "$PEER" addr add 172.30.2.1/32 dev tunl0
ip -n "$PEER" route add 172.30.1.0/24 dev tunl0 src 172.30.2.1
vxlan_vtep "$PEER" 100 10.0.2.5 10.0.2.1
vxlan_host "$PEER" "$VM" 192.168.50.10/24
ip -n "$VM" route add default via 192.168.50.1

conf_ports dp0=rt-host=172.30.1.1/24 dp1=rt-under=10.0.2.1/24 >"$T/brink.conf"
router_start "$T/brink.conf"
check() { # COUNTER SCAPY-EXPRESSION: sent 5 times from the peer, routed by its kernel
	local before
	before=$(stat "$1")
	scapy_send "$PEER" "$2" "" 5
	stat_grew "$1" "$before" 5
}

# ---- IPIP: outer header, then the inner one from behind the tunnel ----
bsh_commit "set interfaces tunnel tun0 encapsulation ipip" \
	"set interfaces tunnel tun0 source-address 10.0.2.1" \
	"set interfaces tunnel tun0 remote 10.0.2.5" \
	"set protocols static route 172.30.2.0/24 interface tun0"
wait_ping "$HOST" 172.30.2.1
ipip="IP(src='10.0.2.5', dst='10.0.2.1', proto=4)"
in_ipip="IP(src='172.30.2.1', dst='172.30.1.10')"
check drop.ipip.truncated "$ipip / Raw(raw($in_ipip / ICMP())[:12])"
check drop.ip4.bad_ihl "$ipip / IP(src='172.30.2.1', dst='172.30.1.10', ihl=4) / ICMP()"
check drop.ip4.bad_length "$ipip / IP(src='172.30.2.1', dst='172.30.1.10', len=1000) / ICMP()"

# ---- VXLAN: outer headers, vxlan(), an inner Ethernet header to vxlan100 ----
bsh_commit "set interfaces vxlan vxlan100 vni 100" \
	"set interfaces vxlan vxlan100 source-address 10.0.2.1" \
	"set interfaces vxlan vxlan100 remote 10.0.2.5" \
	"set interfaces vxlan vxlan100 address 192.168.50.1/24"
wait_ping "$HOST" 192.168.50.10
vm_mac=$(ip -n "$VM" -br link show eth0 | awk '{print $3}')
vx_mac=$(neigh_mac "$VM" 192.168.50.1)
[ -n "$vx_mac" ] || fail "the VM has no ARP entry for vxlan100"
vx="IP(src='10.0.2.5', dst='10.0.2.1') / UDP(sport=50000, dport=4789)"
eth="Ether(src='$vm_mac', dst='$vx_mac', type=0x0800)"
in_vx="IP(src='192.168.50.10', dst='172.30.1.10')"
check drop.vxlan.truncated "$vx / Raw(b'\\x08\\x00\\x00')"
check drop.vxlan.bad_flags "$vx / vxlan(flags=0x00) / $eth / $in_vx / ICMP()"
check drop.vxlan.runt "$vx / vxlan() / Raw(b'\\x00' * 6)"
check drop.ip4.truncated "$vx / vxlan() / $eth / Raw(raw($in_vx / ICMP())[:12])"
check drop.ip4.bad_ihl "$vx / vxlan() / $eth / IP(src='192.168.50.10', dst='172.30.1.10', ihl=4) / ICMP()"
check drop.vxlan.unknown_vtep "IP(src='10.0.2.77', dst='10.0.2.1') / UDP(sport=50000, dport=4789) / vxlan() / $eth / $in_vx / ICMP()"

# the dataplane survived and both tunnels still carry traffic
dp_alive || fail "brink-dataplane died"
for dst in 172.30.2.1 192.168.50.10; do
	out=$(in_ns "$HOST" ping -n -c 10 -i 0.05 -W 2 "$dst") || fail "ping $dst after malformed packets: $out"
done

# stop while floods still cross both tunnels
bg ip netns exec "$HOST" ping -q -n -f -w 10 172.30.2.1 >/dev/null 2>&1
bg ip netns exec "$HOST" ping -q -n -f -w 10 192.168.50.10 >/dev/null 2>&1
sleep 1
brinkd_stop
dp_alive || fail "dataplane died before SIGTERM"
dp_stop || fail "leak check failed"
grep -qi "leak check passed" "$T/dataplane.log" || fail "no 'leak check passed' in the dataplane log"
