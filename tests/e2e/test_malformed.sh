#!/usr/bin/env bash
# Malformed frames crafted with scapy from the pod host are dropped, each
# counted under its reason, and the router keeps forwarding afterwards.
. "$(dirname "$0")/lib.sh"

topo_demo
conf_demo >"$T/brink.conf"
router_start "$T/brink.conf"
wait_ping "$POD" 192.168.10.10
RMAC=$(neigh_mac "$POD" 172.30.1.1)
[ -n "$RMAC" ] || fail "no ARP entry for the router in the pod"

send() { # SCAPY-EXPRESSION: 5 copies, from the pod's eth0 to the router's MAC
	in_ns "$POD" "$PY" -c "
import logging; logging.getLogger('scapy.runtime').setLevel(logging.ERROR)
from scapy.all import Ether, IP, ICMP, Raw, raw, sendp
e = Ether(dst='$RMAC', type=0x0800)
ip = IP(src='172.30.1.10', dst='192.168.10.10')
f = $1
sendp([f] * 5, iface='eth0', verbose=False)
"
}

check() { # COUNTER SCAPY-EXPRESSION
	local before after
	before=$(stat "$1")
	send "$2" || fail "scapy could not send $2"
	sleep 0.5
	after=$(stat "$1")
	[ $((after - before)) -ge 5 ] || fail "$1: +$((after - before)) after 5 frames of $2"
	log "$1 +$((after - before))"
}

check drop.ip4.bad_version "e / IP(src='172.30.1.10', dst='192.168.10.10', version=6) / ICMP()"
check drop.ip4.bad_ihl "e / IP(src='172.30.1.10', dst='192.168.10.10', ihl=4) / ICMP()"
check drop.ip4.bad_ihl "e / IP(src='172.30.1.10', dst='192.168.10.10', ihl=15) / ICMP()"
check drop.ip4.bad_checksum "e / IP(src='172.30.1.10', dst='192.168.10.10', chksum=0x1234) / ICMP()"
check drop.ip4.truncated "e / Raw(raw(ip / ICMP())[:12])"
check drop.ip4.bad_length "e / IP(src='172.30.1.10', dst='192.168.10.10', len=1000) / ICMP() / Raw(b'x' * 20)"
check drop.ip4.bad_length "e / IP(src='172.30.1.10', dst='192.168.10.10', len=10) / ICMP()"
check drop.ip4.ttl_exceeded "e / IP(src='172.30.1.10', dst='192.168.10.10', ttl=0) / ICMP()"
# Runt: the bare 14-byte Ethernet header. Shorter frames cannot be produced
# here: the kernel refuses AF_PACKET sends below the Ethernet header length
# (EINVAL), so drop.eth.runt is left to the unit tests.
check drop.ip4.truncated "e"

# the dataplane survived and still forwards
dp_alive || fail "brink-dataplane died"
out=$(in_ns "$POD" ping -n -c 10 -i 0.05 -W 2 192.168.10.10) || fail "ping after malformed frames: $out"
rx=$(echo "$out" | awk '/packets transmitted/ {print $4}')
[ "${rx:-0}" -ge 9 ] || fail "loss after malformed frames: $out"
