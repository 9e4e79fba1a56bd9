#!/usr/bin/env bash
# Port settings are all or nothing, and deleting one restores the default:
# a commit refused for one port leaves every port as it was; a MAC change is
# announced by gratuitous ARP and a deleted MAC or MTU goes back to the
# device's own MAC and MTU 1500.
. "$(dirname "$0")/lib.sh"

topo_demo
conf_demo >"$T/brink.conf"
router_start "$T/brink.conf"
wait_ping "$POD" 192.168.10.10

port() { # NAME FIELD: a field of show interfaces NAME in JSON
	sjson_get "show interfaces $1" 0 "$2"
}
own_mac=$(port dp0 device_mac)
[ "$(port dp0 mac)" = "$own_mac" ] || fail "dp0 does not start with its own MAC"

# dp1 cannot take MTU 9000 (af_packet's device limit): nothing changes, dp0 included
out=$(bsh -c configure -c "set interfaces dataplane dp0 mtu 1300" -c "set interfaces dataplane dp1 mtu 9000" \
	-c commit 2>&1) && fail "a commit with an MTU the device refuses succeeded: $out"
echo "$out" | grepq "dp1: MTU 9000 is outside what the device takes" || fail "refusal does not say why: $out"
[ "$(port dp0 mtu)" = 1500 ] || fail "dp0 took MTU $(port dp0 mtu) from a refused commit"
[ "$(port dp1 mtu)" = 1500 ] || fail "dp1 MTU changed by a refused commit"
log "refused: $(echo "$out" | grep -m1 'MTU 9000')"

# a new MAC is announced, and the pod learns it without asking
tcpdump_bg "$POD" "$T/arp.log" -l -n -e -i eth0 arp
bsh -c configure -c "set interfaces dataplane dp0 mtu 1300" -c "set interfaces dataplane dp0 mac 02:00:00:aa:bb:cc" \
	-c commit >"$T/commit.log" 2>&1 || fail "commit: $(cat "$T/commit.log")"
[ "$(port dp0 mtu)" = 1300 ] || fail "dp0 MTU is $(port dp0 mtu), not 1300"
[ "$(port dp0 mac)" = 02:00:00:aa:bb:cc ] || fail "dp0 MAC is $(port dp0 mac)"
wait_for 5 grepq "02:00:00:aa:bb:cc .*Request who-has 172.30.1.1 tell 172.30.1.1" "$T/arp.log" ||
	fail "no gratuitous ARP from the new MAC: $(cat "$T/arp.log")"
pod_learned() { [ "$(neigh_mac "$POD" 172.30.1.1)" = 02:00:00:aa:bb:cc ]; }
wait_for 5 pod_learned ||
	fail "the pod did not learn the new MAC: $(ip -n "$POD" neigh show 172.30.1.1)"
wait_ping "$POD" 192.168.10.10
log "MAC change announced and learned"

# deleting restores the defaults
bsh -c configure -c "delete interfaces dataplane dp0 mtu" -c "delete interfaces dataplane dp0 mac" -c commit \
	>"$T/commit.log" 2>&1 || fail "commit: $(cat "$T/commit.log")"
[ "$(port dp0 mtu)" = 1500 ] || fail "deleting mtu left $(port dp0 mtu)"
[ "$(port dp0 mac)" = "$own_mac" ] || fail "deleting mac left $(port dp0 mac), not $own_mac"
wait_for 5 grepq "$own_mac .*Request who-has 172.30.1.1 tell 172.30.1.1" "$T/arp.log" ||
	fail "no gratuitous ARP when the MAC went back"
wait_ping "$POD" 192.168.10.10
log "defaults restored: MTU 1500, MAC $own_mac"
