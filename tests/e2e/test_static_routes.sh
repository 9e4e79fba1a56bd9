#!/usr/bin/env bash
# Static routes as VyOS has them: a default route; two next hops of one
# distance share the flows (ECMP: each flow on one hop, never reordered);
# a floating route takes over when the better path's port is disabled, and
# a disabled port's connected subnet leaves the FIB and comes back; an
# interface route; reject and blackhole.
. "$(dirname "$0")/lib.sh"

HOP2_ON=1 topo_demo
CONF_NH="" conf_demo >"$T/brink.conf"
router_start "$T/brink.conf"
wait_ping "$POD" 192.168.10.10

commit() { # SET-OR-DELETE-COMMAND...: one configuration session, committed
	local args=(-c configure) c
	for c in "$@"; do args+=(-c "$c"); done
	bsh "${args[@]}" -c commit -c exit >"$T/commit.log" 2>&1 || fail "commit of $*: $(cat "$T/commit.log")"
}

# ---- the default route
commit "set protocols static route 0.0.0.0/0 next-hop 192.168.10.2"
wait_ping "$POD" 10.20.0.10
out=$(bsh -c "show ip route 10.20.0.10")
echo "$out" | grepq "route 0.0.0.0/0 (static)" || fail "show ip route 10.20.0.10: $out"
echo "$out" | grepq "via 192.168.10.2 on dp1" || fail "show ip route 10.20.0.10: $out"
bsh -c "show ip route" | grepq "S> 0.0.0.0/0 " || fail "default route missing: $(bsh -c 'show ip route')"
log "default route: $(echo "$out" | head -n1)"

# ---- ECMP over two gateways; the second next hop adds a path
commit "delete protocols static route 0.0.0.0/0" \
	"set protocols static route 10.20.0.0/16 next-hop 192.168.10.2" \
	"set protocols static route 10.20.0.0/16 next-hop 192.168.10.3"
[ "$(bsh -c "show configuration commands | match 10.20.0.0/16 | count")" = "Count: 2 lines" ] ||
	fail "a second next-hop replaced the first: $(bsh -c 'show configuration commands')"
wait_ping "$POD" 10.20.0.10
out=$(sjson "show ip route 10.20.0.10")
echo "$out" | "$PY" -c 'import json,sys; j=json.load(sys.stdin); assert j["type"] == "ecmp" and len(j["next_hops"]) == 2, j' ||
	fail "not ECMP: $out"

# Each hop counts the source ports it forwards; the remote checks the order.
for h in "$HOP" "$HOP2"; do
	tcpdump_bg "$h" "$T/tcpdump.$h" -l -n -i eth0 -Q in "udp and dst port 5001"
done
res=$(udp_flows "$POD" 172.30.1.10 "$REM" 10.20.0.10 16 400 41000)
read -r _ flows _ got _ reordered <<<"$res" || fail "receiver: $res"
log "ECMP: $res"
[ "$flows" -eq 16 ] || fail "only $flows of 16 flows arrived"
[ "$got" -ge 3200 ] || fail "only $got of 6400 datagrams arrived"
[ "$reordered" -eq 0 ] || fail "$reordered datagrams reordered within their flow"
sleep 1
ports() { grep -o '172.30.1.10.41[0-9]*' "$1" | sort -u; }
ports "$T/tcpdump.$HOP" >"$T/ports.a"
ports "$T/tcpdump.$HOP2" >"$T/ports.b"
na=$(wc -l <"$T/ports.a") nb=$(wc -l <"$T/ports.b")
both=$(comm -12 "$T/ports.a" "$T/ports.b" | wc -l)
log "flows via 192.168.10.2: $na, via 192.168.10.3: $nb, via both: $both"
[ "$na" -ge 2 ] && [ "$nb" -ge 2 ] || fail "16 flows not spread over both next hops ($na / $nb)"
[ "$both" -eq 0 ] || fail "$both flows took both next hops"

# ---- a floating route; a disabled port's connected routes go and come back
commit "delete protocols static route 10.20.0.0/16 next-hop 192.168.10.3" \
	"set protocols static route 10.20.0.0/16 next-hop 172.30.1.99 distance 10"
bsh -c "show ip route 10.20.0.0/16" | grepq "S- 10.20.0.0/16 *10  172.30.1.99" ||
	fail "the floating path is not listed unchosen: $(bsh -c 'show ip route 10.20.0.0/16')"
commit "set interfaces dataplane dp1 disable"
routes=$(bsh -c "show ip route")
echo "$routes" | grepq "192.168.10.0/24" && fail "a disabled port's connected route is still there: $routes"
echo "$routes" | grepq "S> 10.20.0.0/16 *10  172.30.1.99" || fail "the floating route did not take over: $routes"
echo "$routes" | grepq "Sx 10.20.0.0/16 *1  192.168.10.2" || fail "the path through dp1 is not marked down: $routes"
out=$(in_ns "$POD" ping -n -c 1 -W 2 192.168.10.10 2>&1 || true)
echo "$out" | grepq "From 172.30.1.1 .*Unreachable" || fail "the VM is still reachable through a disabled port: $out"
commit "delete interfaces dataplane dp1 disable"
bsh -c "show ip route" | grepq "C> 192.168.10.0/24" || fail "the connected route did not come back"
bsh -c "show ip route 10.20.0.0/16" | grepq "S> 10.20.0.0/16 *1  192.168.10.2" || fail "the better path did not come back"
wait_ping "$POD" 10.20.0.10
log "floating route and disabled port: ok"

# ---- an interface route: the destination is resolved on dp1 itself
ip -n "$VM" addr add 10.40.0.5/24 dev eth0
commit "set protocols static route 10.40.0.0/24 interface dp1"
wait_ping "$POD" 10.40.0.5
bsh -c "show ip route 10.40.0.5" | grepq "directly to 10.40.0.5 on dp1" ||
	fail "interface route: $(bsh -c 'show ip route 10.40.0.5')"

# ---- reject and blackhole
commit "set protocols static route 10.50.0.0/16 reject" "set protocols static route 10.51.0.0/16 blackhole"
out=$(in_ns "$POD" ping -n -c 1 -W 2 10.50.0.1 2>&1 || true)
echo "$out" | grepq "From 172.30.1.1 .*Destination Net Unreachable" || fail "reject: $out"
before=$(stat drop.ip4.blackhole)
in_ns "$POD" ping -n -c 2 -W 1 10.51.0.1 >/dev/null 2>&1 && fail "a blackholed destination answered"
[ "$(stat drop.ip4.blackhole)" -ge $((before + 2)) ] || fail "blackhole drops not counted"
log "reject and blackhole: ok"
