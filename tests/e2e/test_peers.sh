#!/usr/bin/env bash
# The peers the tunnel and VLAN tests stand on, with Linux alone (no router):
# Open vSwitch's userspace switch tags an access port's frames on the trunk
# and untags the trunk's for the right access port only; two ipip_peer.py
# nodes carry ping and TCP across in IP protocol 4, point-to-point one way,
# any-remote the other; two Linux VTEPs carry ping and TCP across in VXLAN.
. "$(dirname "$0")/lib.sh"

# ---- VLAN switch ----
SW=$(ns sw) H100=$(ns h100) H200=$(ns h200) TR=$(ns trunk)
for s in sw h100 h200 trunk; do ns_add $s; done
veth "$SW" p-h100 "$H100" eth0
veth "$SW" p-h200 "$H200" eth0
veth "$SW" p-trunk "$TR" eth0
ip -n "$H100" addr add 10.0.100.10/24 dev eth0
ip -n "$H200" addr add 10.0.200.10/24 dev eth0
ovs_start "$SW"
ovs_bridge br0
ovs_port br0 p-h100 tag=100
ovs_port br0 p-h200 tag=200
ovs_port br0 p-trunk trunks=100,200

capture_start trunk "$TR" eth0
capture_start h100 "$H100" eth0
in_ns "$H100" ping -n -c 1 -W 1 10.0.100.1 >/dev/null 2>&1 || true
in_ns "$H200" ping -n -c 1 -W 1 10.0.200.1 >/dev/null 2>&1 || true
scapy_send "$TR" 'Ether(dst="ff:ff:ff:ff:ff:ff", src="02:00:00:00:02:01")/Dot1Q(vlan=200)/ARP(op=1, hwsrc="02:00:00:00:02:01", psrc="10.0.200.1", pdst="10.0.200.10")' eth0
wait_for 5 bash -c "ip -n $H200 neigh show 10.0.200.1 | grepq 02:00:00:00:02:01" ||
	fail "the trunk's VLAN 200 ARP request did not reach the VLAN 200 host"
capture_stop trunk
capture_stop h100
for v in 100 200; do
	out=$(capture_fields trunk "vlan.id == $v && arp.dst.proto_ipv4 == 10.0.$v.1" vlan.id)
	[ -n "$out" ] || fail "no ARP request of the VLAN $v host on the trunk with tag $v"
done
out=$(capture_fields h100 "arp.src.proto_ipv4 == 10.0.200.1" arp.src.proto_ipv4)
[ -z "$out" ] || fail "the VLAN 200 ARP request leaked to the VLAN 100 access port"
out=$(capture_fields h100 vlan vlan.id)
[ -z "$out" ] || fail "tagged frames on an access port: $out"
log "OVS: access ports tagged 100/200 on the trunk, trunk VLAN 200 untagged to its access port only"

# ---- IP-in-IP nodes ----
N1=$(ns node1) N2=$(ns node2)
ns_add node1
ns_add node2
veth "$N1" eth0 "$N2" eth0
ip -n "$N1" addr add 10.0.2.5/24 dev eth0
ip -n "$N2" addr add 10.0.2.6/24 dev eth0
capture_start underlay "$N1" eth0
ipip_peer_start "$N1" tunl0 --local 10.0.2.5 --remote 10.0.2.6
ip -n "$N1" addr add 172.30.2.1/32 dev tunl0
ipip_peer_start "$N2" tunl0 --local 10.0.2.6 --route 172.30.2.0/24=10.0.2.5 --route 10.99.0.0/16=10.0.2.99
ip -n "$N2" addr add 172.30.3.1/32 dev tunl0
ip -n "$N1" route add 172.30.3.0/24 dev tunl0 src 172.30.2.1
ip -n "$N2" route add 172.30.2.0/24 dev tunl0 src 172.30.3.1
wait_ping "$N1" 172.30.3.1 10
wait_ping "$N2" 172.30.2.1 10
tcp_transfer "$N2" 172.30.3.1 "$N1"
tcp_transfer "$N1" 172.30.2.1 "$N2"
capture_stop underlay
out=$(capture_fields underlay "ip.proto == 4 && ip.src == 10.0.2.5 && ip.dst == 10.0.2.6" ip.checksum.status | sort -u)
[ "$out" = 1 ] || fail "node1 -> node2 IPIP packets: outer checksum status '$out' (expected all 1, good)"
out=$(capture_fields underlay "ip.proto == 4 && ip.src == 10.0.2.6 && ip.dst == 10.0.2.5" ip.src | wc -l)
[ "$out" -gt 100 ] || fail "only $out IPIP packets node2 -> node1"
out=$(capture_fields underlay "!(ip.proto == 4) && ip.dst == 172.30.0.0/16" ip.dst)
[ -z "$out" ] || fail "inner packets on the underlay without encapsulation: $out"
for n in "$N1" "$N2"; do
	ipip_peer_stop "$n" tunl0
	log "$n: $PEER_COUNTERS"
	[ "$(peer_counter received)" -gt 100 ] || fail "$n received too little: $PEER_COUNTERS"
	[ "$(peer_counter refused)" = 0 ] || fail "$n refused packets: $PEER_COUNTERS"
done
ip -n "$N1" link show tunl0 >/dev/null 2>&1 && fail "tunl0 is left in node1 after SIGTERM"

# ---- VXLAN VTEPs ----
UL=$(ns underlay) V1=$(ns vtep1) V2=$(ns vtep2) VM1=$(ns vm1) VM2=$(ns vm2)
for s in underlay vtep1 vtep2 vm1 vm2; do ns_add $s; done
bridge_add "$UL" br0
veth "$UL" p-v1 "$V1" eth0
veth "$UL" p-v2 "$V2" eth0
bridge_port "$UL" br0 p-v1
bridge_port "$UL" br0 p-v2
ip -n "$V1" addr add 10.0.1.5/24 dev eth0
ip -n "$V2" addr add 10.0.1.6/24 dev eth0
VXLAN_UDPCSUM=1 vxlan_vtep "$V1" 100 10.0.1.5 10.0.1.6
vxlan_vtep "$V2" 100 10.0.1.6 10.0.1.5
vxlan_host "$V1" "$VM1" 192.168.50.10/24
vxlan_host "$V2" "$VM2" 192.168.50.11/24
capture_start vxlan "$V1" eth0
wait_ping "$VM1" 192.168.50.11 10
tcp_transfer "$VM2" 192.168.50.11 "$VM1"
capture_stop vxlan
out=$(capture_fields vxlan "vxlan.vni == 100 && ip.src == 10.0.1.5 && udp.dstport == 4789" udp.checksum.status | sort -u)
[ "$out" = 1 ] || fail "VTEP 10.0.1.5 with udpcsum: UDP checksum status '$out' (expected 1)"
out=$(capture_fields vxlan "vxlan.vni == 100 && ip.src == 10.0.1.6" udp.checksum | sort -u)
[ "$out" = 0x0000 ] || fail "VTEP 10.0.1.6 without udpcsum: UDP checksums '$out' (expected 0)"
bridge -n "$V1" fdb show dev vxlan100 | grepq "dst 10.0.1.6" || fail "vtep1 learned nothing from vtep2"
log "VXLAN: VM1 <-> VM2 through two VTEPs, VNI 100 on UDP 4789"
