#!/usr/bin/env bash
# A large table survives restarts of either side: SCALE_ROUTES static /24s
# (100,000 by default). kill -9 brinkd and start it again: it finds the
# dataplane running its configuration (same generation) and sends nothing,
# while pings through the router lose nothing. Restart the dataplane: brinkd
# pushes the whole table again. Either way every route is there once.
. "$(dirname "$0")/lib.sh"

N=${SCALE_ROUTES:-100000}
topo_demo
conf_scale "$N" >"$T/brink.conf"

started=$(date +%s.%N)
router_start "$T/brink.conf"
wait_for 120 bsh_has "show dataplane" "runs the running configuration" || fail "not in sync: $(bsh -c 'show dataplane')"
wait_ping "$POD" 10.20.0.10 60
log "$N routes loaded and forwarding in $(echo "$(date +%s.%N) - $started" | bc) s"

# Every static route once: N + 10.20.0.0/16.
static_routes() {
	sjson "show ip route" | "$PY" -c '
import json, sys, collections
c = collections.Counter((r["prefix"], r.get("gateway")) for r in json.load(sys.stdin) if r.get("origin") == "static")
dup = [k for k, v in c.items() if v > 1]
print(len(c), len(dup))'
}
check_routes() { # WHEN
	local got
	got=$(static_routes)
	[ "$got" = "$((N + 1)) 0" ] || fail "$1: static routes and duplicates: $got, want $((N + 1)) 0"
}
check_routes "after the load"
# the hop has no route to 11/8: it answers unreachable (3 tries: it rate-limits ICMP errors)
routed_to_hop() {
	local i out
	for i in 1 2 3; do
		out=$(in_ns "$POD" ping -n -c 1 -W 2 "$1" 2>&1) || true
		echo "$out" | grepq "^From 192.168.10.2 .*Unreachable" && return 0
	done
	return 1
}
routed_to_hop 11.0.1.1 || fail "11.0.1.0/24 not routed to the hop: $(in_ns "$POD" ping -n -c 1 -W 2 11.0.1.1 2>&1)"

# pings through the router at 10 ms while brinkd is killed and restarted
# (ip execs ping, so $! is ping, which SIGINT stops with its summary)
ip netns exec "$POD" ping -n -i 0.01 -W 1 10.20.0.10 >"$T/ping.out" 2>&1 &
PING_PID=$!
BG_PIDS+=("$PING_PID")
sleep 1
kill -KILL "$BRINKD_PID"
wait "$BRINKD_PID" 2>/dev/null || true
BRINKD_PID=
brinkd_start "$T/brink.conf"
wait_for 60 bsh_has "show dataplane" "runs the running configuration" || fail "not in sync after the restart"
grepq "runs the running configuration already" "$T/brinkd.log" ||
	fail "brinkd pushed the table again: $(tail -n 5 "$T/brinkd.log")"
sleep 1
kill -INT "$PING_PID"
wait "$PING_PID" 2>/dev/null || true
summary=$(grep "packets transmitted" "$T/ping.out")
log "pings while brinkd restarted: $summary"
echo "$summary" | grepq " 0% packet loss" || fail "pings lost while brinkd restarted: $summary"
check_routes "after brinkd's restart"

# the dataplane restarts: brinkd finds it empty and pushes everything
dp_stop
dp_start "$T/brink.conf"
wait_for 120 bsh_has "show dataplane" "runs the running configuration" || fail "not in sync after the dataplane's restart"
wait_ping "$POD" 10.20.0.10 60
check_routes "after the dataplane's restart"
routed_to_hop 11.0.78.1 || fail "11.0.78.0/24 not routed to the hop after the restart: $(in_ns "$POD" ping -n -c 1 -W 2 11.0.78.1 2>&1)"
log "ok"
