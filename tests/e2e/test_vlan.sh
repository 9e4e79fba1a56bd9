#!/usr/bin/env bash
# 802.1Q sub-interfaces: dp0 is a trunk to an Open vSwitch switch (userspace
# datapath) with hosts on access ports of VLAN 100 and 200; Brink routes
# between its vifs dp0.100 and dp0.200 (ping, TCP), keeps ARP and counters per
# sub-interface, tags what it sends with the vif's VLAN, answers untagged
# frames as dp0 itself, counts frames of a VLAN it has no vif for as
# drop.vlan.unknown, and sends ICMP errors from the vif's address.
#
#   h100 10.0.100.10 --[access 100]         [trunk 100,200]-- dp0 10.0.0.1 (untagged)
#                         OVS br0 (sw) -----------------------  dp0.100 10.0.100.1
#   h200 10.0.200.10 --[access 200]                             dp0.200 10.0.200.1
. "$(dirname "$0")/lib.sh"

RT=$(ns rt) SW=$(ns sw) H100=$(ns h100) H200=$(ns h200)
for s in rt sw h100 h200; do ns_add $s; done
in_ns "$RT" sysctl -qw net.ipv4.ip_forward=0
veth "$RT" rt-trunk "$SW" p-rt
guard_dp_ports "$RT" rt-trunk
veth "$SW" p-h100 "$H100" eth0
veth "$SW" p-h200 "$H200" eth0
for v in 100 200; do
	ip -n "$(ns h$v)" addr add 10.0.$v.10/24 dev eth0
	ip -n "$(ns h$v)" route add default via 10.0.$v.1
done
ovs_start "$SW"
ovs_bridge br0
ovs_port br0 p-h100 tag=100
ovs_port br0 p-h200 tag=200
ovs_port br0 p-rt trunks=100,200

conf_ports dp0=rt-trunk=10.0.0.1/24 >"$T/brink.conf"
router_start "$T/brink.conf"
bsh_commit "set interfaces dataplane dp0 vif 100 address 10.0.100.1/24" \
	"set interfaces dataplane dp0 vif 200 address 10.0.200.1/24"

capture_start trunk "$SW" p-rt
wait_ping "$H100" 10.0.100.1
wait_ping "$H200" 10.0.200.1
wait_ping "$H100" 10.0.200.10
wait_ping "$H200" 10.0.100.10
out=$(in_ns "$H100" ping -n -c 20 -i 0.02 -W 2 10.0.200.10) || fail "ping burst: $out"
rx=$(echo "$out" | awk '/packets transmitted/ {print $4}')
[ "${rx:-0}" -ge 19 ] || fail "loss in ping burst across the VLANs: $out"
tcp_transfer "$H200" 10.0.200.10 "$H100"
tcp_transfer "$H100" 10.0.100.10 "$H200"

# ARP is learned per sub-interface
arp=$(bsh -c "show arp")
echo "$arp" | grepq -E '^10\.0\.100\.10 .* dp0\.100 ' || fail "show arp lacks 10.0.100.10 on dp0.100: $arp"
echo "$arp" | grepq -E '^10\.0\.200\.10 .* dp0\.200 ' || fail "show arp lacks 10.0.200.10 on dp0.200: $arp"

# counters per sub-interface: 50 datagrams one way, VLAN 100 to VLAN 200
counter() { sjson_get "show interfaces $1" 0 "$2" packets; } # IFACE rx|tx
rx100=$(counter dp0.100 rx) tx200=$(counter dp0.200 tx) rx200=$(counter dp0.200 rx)
out=$(udp_flows "$H100" 10.0.100.10 "$H200" 10.0.200.10 1 50 6000)
log "one way UDP: $out"
[ "$(counter dp0.100 rx)" -ge $((rx100 + 50)) ] || fail "dp0.100 rx did not count the 50 datagrams ($rx100 -> $(counter dp0.100 rx))"
[ "$(counter dp0.200 tx)" -ge $((tx200 + 50)) ] || fail "dp0.200 tx did not count the 50 datagrams ($tx200 -> $(counter dp0.200 tx))"
[ "$(counter dp0.200 rx)" -lt $((rx200 + 10)) ] || fail "dp0.200 rx counted VLAN 100's datagrams ($rx200 -> $(counter dp0.200 rx))"
bsh -c "show interfaces" | grepq "dp0\.100" || fail "show interfaces does not list dp0.100"

# ICMP errors come from the vif the packet arrived on
out=$(in_ns "$H100" ping -n -c 1 -W 2 -t 1 10.0.200.10 2>&1 || true)
echo "$out" | grepq -E "From 10\.0\.100\.1 .*Time to live exceeded" ||
	fail "ping -t 1 did not get time-exceeded from 10.0.100.1: $out"
out=$(in_ns "$H200" traceroute -n -q 1 -w 2 -m 2 10.0.100.10 2>&1 || true)
echo "$out" | grepq -E '^ *1 +10\.0\.200\.1 ' || fail "traceroute's first hop is not 10.0.200.1: $out"

# An untagged ARP request is dp0's own; a frame of VLAN 300 (no vif) is dropped.
dp0_mac=$(neigh_mac "$H100" 10.0.100.1)
unknown=$(stat drop.vlan.unknown)
scapy_send "$SW" 'Ether(dst="ff:ff:ff:ff:ff:ff", src="02:00:00:00:00:09")/ARP(op=1, hwsrc="02:00:00:00:00:09", psrc="10.0.0.9", pdst="10.0.0.1")' p-rt
scapy_send "$SW" "Ether(dst=\"$dp0_mac\", src=\"02:00:00:00:00:09\")/Dot1Q(vlan=300)/IP(src=\"10.0.0.9\", dst=\"10.0.0.1\")/ICMP()" p-rt 3
stat_grew drop.vlan.unknown "$unknown" 3
capture_stop trunk

out=$(capture_fields trunk "arp.opcode == 2 && arp.src.proto_ipv4 == 10.0.0.1 && arp.dst.proto_ipv4 == 10.0.0.9 && !vlan" eth.src)
[ "$out" = "$dp0_mac" ] || fail "no untagged ARP reply from dp0 ($dp0_mac) for 10.0.0.1: '$out'"
out=$(capture_fields trunk "icmp && ip.src == 10.0.0.1 && ip.dst == 10.0.0.9" ip.src)
[ -z "$out" ] || fail "Brink answered a frame of VLAN 300, which has no vif"
# what Brink sends carries the vif's tag, ARP included
# (by the outer destination: ICMP errors quote packets to the other VLAN)
sent=$(capture_fields trunk "eth.src == $dp0_mac && ip" ip.dst vlan.id)
for v in 100 200; do
	out=$(awk -v d=10.0.$v.10 '$1 == d {print $2}' <<<"$sent" | sort -u)
	[ "$out" = $v ] || fail "packets to 10.0.$v.10 left with VLAN tags '$out' (expected $v)"
done
arp=$(capture_fields trunk "arp && eth.src == $dp0_mac" arp.src.proto_ipv4 vlan.id | sort -u | tr '\t\n' '= ')
[ "$arp" = "10.0.0.1= 10.0.100.1=100 10.0.200.1=200 " ] ||
	fail "Brink's ARP packets (sender address=VLAN tag): '$arp' (expected dp0 untagged, each vif with its tag)"
