#!/usr/bin/env bash
# A route change committed through brinksh while a continuous ping runs loses
# at most a handful of packets: 10.20.0.0/16 moves from hop A (192.168.10.2)
# to hop B (192.168.10.3); both reach the remote network.
. "$(dirname "$0")/lib.sh"

HOP2_ON=1 topo_demo
conf_demo >"$T/brink.conf"
router_start "$T/brink.conf"
wait_ping "$POD" 10.20.0.10

fwd_b() { in_ns "$HOP2" awk '/^Ip:/ && $2 ~ /^[0-9]/ {print $7}' /proc/net/snmp; } # ForwDatagrams
before_b=$(fwd_b)

# 0.05 s interval for 6 s: 120 echo requests
in_ns "$POD" ping -n -i 0.05 -c 120 -W 1 10.20.0.10 >"$T/ping.log" 2>&1 &
ping_pid=$!
BG_PIDS+=($ping_pid)
sleep 2
bsh -c configure -c "delete protocols static route 10.20.0.0/16 next-hop 192.168.10.2" \
	-c "set protocols static route 10.20.0.0/16 next-hop 192.168.10.3" -c commit \
	>"$T/commit.log" 2>&1 || fail "commit failed: $(cat "$T/commit.log")"
log "route moved to 192.168.10.3 at t=2s"
wait "$ping_pid" || true

summary=$(grep "packets transmitted" "$T/ping.log") || fail "ping output: $(cat "$T/ping.log")"
log "$summary"
tx=$(echo "$summary" | awk '{print $1}')
rx=$(echo "$summary" | awk '{print $4}')
lost=$((tx - rx))
[ "$tx" -eq 120 ] || fail "ping sent $tx"
[ "$lost" -le 5 ] || fail "$lost packets lost across the route change (max 5)"

# the traffic really moved to hop B
after_b=$(fwd_b)
[ $((after_b - before_b)) -ge 40 ] || fail "hop B forwarded only $((after_b - before_b)) packets"
bsh -c "show ip route" | grep "10.20.0.0/16" | grepq 192.168.10.3 || fail "show ip route: $(bsh -c 'show ip route')"
n=$(bsh -c "show ip route" | grep -c "10.20.0.0/16") || true
[ "$n" -eq 1 ] || fail "10.20.0.0/16 listed $n times"
