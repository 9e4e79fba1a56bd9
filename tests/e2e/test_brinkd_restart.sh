#!/usr/bin/env bash
# kill -9 brinkd: the dataplane keeps forwarding. Restart brinkd on an edited
# brink.conf: the dataplane converges to it (a removed route is gone, an added
# one works, nothing is listed twice).
. "$(dirname "$0")/lib.sh"

topo_demo
CONF_ROUTES="10.99.0.0/16=192.168.10.2" conf_demo >"$T/brink.conf"
router_start "$T/brink.conf"
wait_ping "$POD" 10.20.0.10

# The hop has no route to 10.99/16: while the router routes it to the hop, the
# hop answers unreachable; once the route is gone the router answers itself.
unreach_from() { # DST: who answers "unreachable" (3 tries: the hop rate-limits ICMP errors)
	local i from
	for i in 1 2 3; do
		from=$(in_ns "$POD" ping -n -c 1 -W 2 "$1" 2>&1 | sed -n 's/^From \([0-9.]*\).*Unreachable.*/\1/p' | head -n1)
		[ -n "$from" ] && break
	done
	echo "$from"
}
[ "$(unreach_from 10.99.0.1)" = 192.168.10.2 ] || fail "10.99.0.0/16 not routed to the hop"

kill -KILL "$BRINKD_PID"
wait "$BRINKD_PID" 2>/dev/null || true
BRINKD_PID=
log "brinkd killed"
# (one late reply allowed: the CPUs are shared with whatever else runs)
out=$(in_ns "$POD" ping -n -c 30 -i 0.1 -W 2 10.20.0.10) || fail "no traffic without brinkd: $out"
rx=$(echo "$out" | awk '/packets transmitted/ {print $4}')
[ "${rx:-0}" -ge 29 ] || fail "loss without brinkd: $(echo "$out" | tail -n2)"
log "forwarding without brinkd: $(echo "$out" | grep transmitted)"

# first restart: same file, nothing may appear twice
brinkd_start "$T/brink.conf"
sleep 2
routes=$(bsh -c "show ip route")
for p in 10.20.0.0/16 10.99.0.0/16 172.30.1.0/24 192.168.10.0/24; do
	n=$(echo "$routes" | grep -c "$p") || true
	[ "$n" -eq 1 ] || fail "$p listed $n times after restart: $routes"
done

# second restart: 10.99/16 removed and 10.98/16 added while brinkd was down
kill -KILL "$BRINKD_PID"
wait "$BRINKD_PID" 2>/dev/null || true
BRINKD_PID=
CONF_ROUTES="10.98.0.0/16=192.168.10.2" conf_demo >"$T/brink.conf"
brinkd_start "$T/brink.conf"
wait_for 10 bash -c "! '$BRINKSH' -s '$API_SOCK' -c 'show ip route' | grepq 10.99.0.0/16" ||
	fail "10.99.0.0/16 still listed: $(bsh -c 'show ip route')"
bsh -c "show ip route" | grepq 10.98.0.0/16 || fail "10.98.0.0/16 missing: $(bsh -c 'show ip route')"
wait_for 10 bash -c "[ \"\$(ip netns exec $POD ping -n -c 1 -W 2 10.99.0.1 2>&1 | grep -o '^From [0-9.]*')\" = 'From 172.30.1.1' ]" ||
	fail "the dataplane still routes 10.99.0.0/16: $(in_ns "$POD" ping -n -c 1 -W 2 10.99.0.1 2>&1)"
[ "$(unreach_from 10.98.0.1)" = 192.168.10.2 ] || fail "10.98.0.0/16 not routed to the hop"
wait_ping "$POD" 10.20.0.10
n=$(bsh -c "show ip route" | grep -c 10.20.0.0/16) || true
[ "$n" -eq 1 ] || fail "10.20.0.0/16 listed $n times"
