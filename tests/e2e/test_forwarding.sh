#!/usr/bin/env bash
# Ping and TCP cross the router between the pod network, the BYOIP VM network
# and the remote network behind the hop router, in both directions.
. "$(dirname "$0")/lib.sh"

topo_demo
conf_demo >"$T/brink.conf"
router_start "$T/brink.conf"

wait_ping "$POD" 192.168.10.10
wait_ping "$POD" 10.20.0.10
wait_ping "$VM" 172.30.1.10
wait_ping "$REM" 172.30.1.10

# the router answers for its own addresses on both sides
ping_ok "$POD" 172.30.1.1 || fail "router does not answer ping on 172.30.1.1"
ping_ok "$VM" 192.168.10.1 || fail "router does not answer ping on 192.168.10.1"

# a burst without loss once ARP is resolved
out=$(in_ns "$POD" ping -n -c 20 -i 0.02 -W 2 192.168.10.10) || fail "ping burst: $out"
rx=$(echo "$out" | awk '/packets transmitted/ {print $4}')
[ "${rx:-0}" -ge 19 ] || fail "loss in ping burst: $out"

tcp_transfer "$VM" 192.168.10.10 "$POD"
tcp_transfer "$REM" 10.20.0.10 "$POD"
tcp_transfer "$POD" 172.30.1.10 "$VM"
tcp_transfer "$POD" 172.30.1.10 "$REM"

fwd=$(stat ip4.forwarded)
log "ip4.forwarded=$fwd"
[ "$fwd" -gt 1000 ] || fail "ip4.forwarded=$fwd, expected the transfers to be counted"
bsh -c "show arp" | grepq 192.168.10.10 || fail "show arp lacks 192.168.10.10"
