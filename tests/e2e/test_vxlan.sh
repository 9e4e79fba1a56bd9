#!/usr/bin/env bash
# A VXLAN segment (RFC 7348): Brink's vxlan100 (VNI 100, source 10.0.1.1 on
# dp1) floods to two Linux VTEPs, each a vxlan device in a bridge with a
# VM-like host behind it. Ping and TCP cross between the host behind dp0 and
# the VMs; Brink learns the VMs' MACs with their VTEPs (show vxlan fdb); its
# ARP request reaches both VTEPs; a frame with a VNI it does not have is
# counted as drop.vxlan.unknown_vni; on the underlay its packets go to UDP
# 4789 with VNI 100, several flows from several UDP source ports, every
# checksum good (vtep1 sends UDP checksums, vtep2 leaves them 0).
#
#   host 172.30.1.10 -- dp0 172.30.1.1 [Brink vxlan100 192.168.50.1/24] dp1 10.0.1.1 -- underlay bridge
#     vtep1 10.0.1.5 -- br0 -- vm1 192.168.50.10
#     vtep2 10.0.1.6 -- br0 -- vm2 192.168.50.11
. "$(dirname "$0")/lib.sh"

topo_underlay 10.0.1 vtep1 vtep2
V1=$(ns vtep1) V2=$(ns vtep2) VM1=$(ns vm1) VM2=$(ns vm2)
ns_add vm1
ns_add vm2
VXLAN_UDPCSUM=1 vxlan_vtep "$V1" 100 10.0.1.5 10.0.1.1 10.0.1.6
vxlan_vtep "$V2" 100 10.0.1.6 10.0.1.1 10.0.1.5
vxlan_host "$V1" "$VM1" 192.168.50.10/24
vxlan_host "$V2" "$VM2" 192.168.50.11/24
for vm in "$VM1" "$VM2"; do ip -n "$vm" route add default via 192.168.50.1; done
vm1_mac=$(ip -n "$VM1" -br link show eth0 | awk '{print $3}')
vm2_mac=$(ip -n "$VM2" -br link show eth0 | awk '{print $3}')

conf_ports dp0=rt-host=172.30.1.1/24 dp1=rt-under=10.0.1.1/24 >"$T/brink.conf"
router_start "$T/brink.conf"
bsh_commit "set interfaces vxlan vxlan100 vni 100" \
	"set interfaces vxlan vxlan100 source-address 10.0.1.1" \
	"set interfaces vxlan vxlan100 remote 10.0.1.5" \
	"set interfaces vxlan vxlan100 remote 10.0.1.6" \
	"set interfaces vxlan vxlan100 address 192.168.50.1/24"

capture_start underlay "$UL" p-rt
capture_start vtep1 "$V1" eth0 udp port 4789
capture_start vtep2 "$V2" eth0 udp port 4789
wait_ping "$HOST" 192.168.50.10
wait_ping "$HOST" 192.168.50.11
wait_ping "$VM1" 172.30.1.10
wait_ping "$VM2" 172.30.1.10
dp1_mac=$(neigh_mac "$V1" 10.0.1.1)
tcp_transfer "$VM1" 192.168.50.10 "$HOST"
tcp_transfer "$HOST" 172.30.1.10 "$VM1"
tcp_transfer "$VM2" 192.168.50.11 "$HOST"
out=$(udp_flows "$HOST" 172.30.1.10 "$VM2" 192.168.50.11 8 20 7000)
log "8 UDP flows to vm2: $out"

# learned: each VM's MAC behind its VTEP
fdb=$(bsh -c "show vxlan fdb")
echo "$fdb" | grepq -iE "$vm1_mac.*10\.0\.1\.5( |$)" || fail "show vxlan fdb lacks $vm1_mac at 10.0.1.5: $fdb"
echo "$fdb" | grepq -iE "$vm2_mac.*10\.0\.1\.6( |$)" || fail "show vxlan fdb lacks $vm2_mac at 10.0.1.6: $fdb"

# a VNI Brink does not have, from a VTEP of its flood list
unknown=$(stat drop.vxlan.unknown_vni)
scapy_send "$V1" "IP(src='10.0.1.5', dst='10.0.1.1')/UDP(sport=49999, dport=4789)/vxlan(vni=999)/Ether(src='$vm1_mac', dst='ff:ff:ff:ff:ff:ff')/ARP(psrc='192.168.50.10', pdst='192.168.50.1')" "" 3
stat_grew drop.vxlan.unknown_vni "$unknown" 3
capture_stop underlay
capture_stop vtep1
capture_stop vtep2

# Brink's ARP request for a VM went to both VTEPs (head-end replication)
for i in 1 2; do
	out=$(capture_fields "vtep$i" "ip.src == 10.0.1.1 && vxlan.vni == 100 && arp.opcode == 1 && arp.src.proto_ipv4 == 192.168.50.1" arp.dst.proto_ipv4)
	[ -n "$out" ] || fail "vtep$i received no ARP request flooded by Brink"
done

mine="eth.src == $dp1_mac && udp.dstport == 4789"
out=$(capture_fields underlay "$mine" ip.src vxlan.vni | sort -u)
[ "$out" = "10.0.1.1	100" ] || fail "Brink's VXLAN packets (outer source, VNI): '$out'"
out=$(capture_fields underlay "$mine" ip.dst | sort -u | tr '\n' ' ')
[ "$out" = "10.0.1.5 10.0.1.6 " ] || fail "Brink's VXLAN packets went to '$out' (expected both VTEPs)"
out=$(capture_fields underlay "$mine && vxlan.flag_i == 1" ip.src | wc -l)
[ "$out" -gt 100 ] || fail "only $out of Brink's VXLAN packets with the I flag"
out=$(capture_fields underlay "$mine && (ip.checksum.status == 0 || udp.checksum.status == 0 || tcp.checksum.status == 0)" frame.number)
[ -z "$out" ] || fail "Brink sent VXLAN packets with bad checksums (frames $out)"
ports=$(capture_fields underlay "$mine && ip.dst == 10.0.1.6 && udp.dstport == 5001" udp.srcport | sort -u | wc -l)
[ "$ports" -ge 2 ] || fail "8 inner flows used $ports outer UDP source port(s)"
log "underlay: VNI 100 on UDP 4789 from 10.0.1.1 to both VTEPs, checksums good, 8 flows on $ports source ports"
