#!/usr/bin/env bash
# Routes of the routing daemon and IKE, given through brinkd ("add ip route
# ... owner routing"): they forward; a commit that adds and removes static
# routes leaves them; a dataplane restart gets them back; so does one after
# kill -9 of brinkd and its restart (it adopts what the dataplane holds).
. "$(dirname "$0")/lib.sh"

topo_demo
CONF_NH="" conf_demo >"$T/brink.conf" # no static route to the remote net: the routing daemon's is the one
router_start "$T/brink.conf"
wait_ping "$POD" 192.168.10.10

out=$(bsh -c "add ip route 10.20.0.0/16 via 192.168.10.2 owner routing" 2>&1) || fail "add ip route: $out"
echo "$out" | grepq "10.20.0.0/16 via 192.168.10.2 distance 1 (owner routing): added" || fail "add ip route: $out"
out=$(bsh -c "add ip route 10.60.0.0/16 reject owner ike" 2>&1) || fail "add ip route: $out"
out=$(bsh -c "add ip route 10.20.0.0/16 via 192.168.10.2 owner routing" 2>&1) && fail "a second add succeeded: $out"
echo "$out" | grepq "the path is there already" || fail "a second add: $out"
out=$(bsh -c "delete ip route 10.21.0.0/16 via 192.168.10.2 owner routing" 2>&1) && fail "deleted a missing path: $out"
bsh -c "delete ip route 10.21.0.0/16 via 192.168.10.2 owner routing missing-ok" >/dev/null || fail "missing-ok refused"

check_routes() { # WHEN: the learned paths are in the dataplane and forward
	wait_for 20 bsh_has "show ip route" "R> 10.20.0.0/16 *1  192.168.10.2" ||
		fail "$1: the routing daemon's path is not in the FIB: $(bsh -c 'show ip route')"
	local routes
	routes=$(bsh -c "show ip route")
	echo "$routes" | grepq "I> 10.60.0.0/16 *1  reject" || fail "$1: IKE's path is missing: $routes"
	sjson "show ip route 10.20.0.0/16" | "$PY" -c '
import json, sys
j = json.load(sys.stdin)
assert [r["owner"] for r in j] == ["routing"], j' || fail "$1: owner of 10.20.0.0/16: $(sjson 'show ip route 10.20.0.0/16')"
	wait_ping "$POD" 10.20.0.10
	out=$(in_ns "$POD" ping -n -c 1 -W 2 10.60.0.1 2>&1 || true)
	echo "$out" | grepq "From 172.30.1.1 .*Destination Net Unreachable" || fail "$1: reject: $out"
}
check_routes "added"
log "added: they forward"

# A commit of the configuration's own routes, while a ping runs through the routing daemon's.
ip netns exec "$POD" ping -n -i 0.05 -c 100 -W 1 10.20.0.10 >"$T/ping.log" 2>&1 &
ping_pid=$!
BG_PIDS+=("$ping_pid")
sleep 1
commit_log=$T/commit.log
bsh -c configure -c "set protocols static route 10.98.0.0/16 next-hop 192.168.10.2" -c commit >"$commit_log" 2>&1 ||
	fail "commit: $(cat "$commit_log")"
bsh_has "show ip route" "S> 10.98.0.0/16" || fail "the static route is missing: $(bsh -c 'show ip route')"
bsh -c configure -c "delete protocols static route 10.98.0.0/16" -c commit >"$commit_log" 2>&1 ||
	fail "commit: $(cat "$commit_log")"
wait "$ping_pid" || true
summary=$(grep "packets transmitted" "$T/ping.log") || fail "ping output: $(cat "$T/ping.log")"
rx=$(echo "$summary" | awk '{print $4}')
[ "${rx:-0}" -ge 95 ] || fail "pings lost across the commits: $summary"
routes=$(bsh -c "show ip route")
echo "$routes" | grepq "10.98.0.0/16" && fail "the static route is still there: $routes"
check_routes "after two commits"
log "commits leave them: $summary"

dp_restart "$T/brink.conf"
check_routes "dataplane restart"
grepq "routes of routing: 1 path pushed" "$T/brinkd.log" || fail "brinkd did not push them: $(tail -n 20 "$T/brinkd.log")"
log "dataplane restart: they are back"

kill -KILL "$BRINKD_PID"
wait "$BRINKD_PID" 2>/dev/null || true
BRINKD_PID=
brinkd_start "$T/brink.conf"
wait_for 10 grepq "routes of routing: adopted the 1 path the dataplane holds" "$T/brinkd.log" ||
	fail "brinkd did not adopt the paths: $(tail -n 20 "$T/brinkd.log")"
check_routes "brinkd restart"
bsh_has "show dataplane" "routes of routing: 1 path, generation [1-9]" ||
	fail "show dataplane: $(bsh -c 'show dataplane')"
dp_restart "$T/brink.conf"
check_routes "dataplane restart after the brinkd restart"
log "brinkd restart: adopted, and given back to a restarted dataplane"

out=$(bsh -c "delete ip route 10.20.0.0/16 via 192.168.10.2 owner routing" 2>&1) || fail "delete ip route: $out"
wait_for 10 bash -c "! '$BRINKSH' -s '$API_SOCK' -c 'show ip route' | grepq 10.20.0.0/16" ||
	fail "10.20.0.0/16 still listed: $(bsh -c 'show ip route')"
out=$(in_ns "$POD" ping -n -c 1 -W 2 10.20.0.10 2>&1 || true)
echo "$out" | grepq "From 172.30.1.1 .*Destination Net Unreachable" || fail "deleted, still routed: $out"
log "deleted: gone"
