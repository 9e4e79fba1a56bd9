#!/usr/bin/env bash
# A broken brink.conf is refused with FILE:LINE and what is wrong; through
# brinksh a bad value is rejected at set, and a commit of an invalid candidate
# fails leaving the running configuration as it was.
. "$(dirname "$0")/lib.sh"

refused() { # NAME LINE PATTERN: brinkd -f $T/NAME exits 1 naming NAME:LINE
	local rc=0 err
	timeout 10 "$BRINKD" -f "$T/$1" -d "$T/none.sock" -a "$T/none-api.sock" 2>"$T/$1.err" >/dev/null || rc=$?
	err=$(cat "$T/$1.err")
	[ $rc -eq 1 ] || fail "brinkd on $1 exited $rc (expected 1): $err"
	echo "$err" | grepq "$T/$1:$2:" || fail "brinkd on $1: no '$1:$2:' in: $err"
	echo "$err" | grepq -Ei "$3" || fail "brinkd on $1: message lacks /$3/: $err"
	log "$1 refused: $(echo "$err" | grep -m1 "$1:$2:")"
}

good=$(conf_demo)
# in conf_demo's output line 4 is "main-cpu = 0;", line 12 is dp0
echo "$good" | sed '4s/main-cpu = 0;/main-cpu = = 0;/' >"$T/syntax.conf"
refused syntax.conf 4 "syntax|parse|expected|unexpected"
echo "$good" | sed '12s/device =/devcie =/' >"$T/unknown.conf"
refused unknown.conf 12 "devcie|unknown"
echo "$good" | sed '12s|172.30.1.1/24|172.30.1.300/24|' >"$T/prefix.conf"
refused prefix.conf 12 "172.30.1.300"
printf '%s\n' "$good" | sed 's|next-hop = "192.168.10.2"|next-hop = "10.9.9.9"|' >"$T/nexthop.conf"
rc=0
timeout 10 "$BRINKD" -f "$T/nexthop.conf" -d "$T/none.sock" -a "$T/none-api.sock" 2>"$T/nexthop.err" >/dev/null || rc=$?
[ $rc -eq 1 ] || fail "brinkd accepted a next hop outside connected subnets (exit $rc)"
grep -q "nexthop.conf:[0-9]*:" "$T/nexthop.err" || fail "no file:line for unreachable next hop: $(cat "$T/nexthop.err")"
# What libconfig 1.5 gets wrong by itself: integers that wrap, an @include
# of a directory (its scanner would exit the process with no location).
echo "$good" | sed '5s/cpu = 1;/cpu = 4294967296;/' >"$T/wrap.conf"
refused wrap.conf 5 "4294967296 does not fit in 32 bits"
mkdir -p "$T/incdir"
{ echo "@include \"$T/incdir\""; echo "$good"; } >"$T/include.conf"
refused include.conf 1 "cannot @include .*Is a directory"
# Accepted once, wrong: special-use addresses, a next hop that is its
# subnet's network or broadcast address, a multicast route, the zero MAC, a
# ninth address.
echo "$good" | sed '12s|"172.30.1.1/24"|"127.0.0.1/24"|' >"$T/loopback.conf"
refused loopback.conf 12 "127.0.0.1/24' is a loopback"
echo "$good" | sed '12s|"172.30.1.1/24"|"224.0.0.1/24"|' >"$T/mcast-addr.conf"
refused mcast-addr.conf 12 "224.0.0.1/24' is a multicast"
echo "$good" | sed '16s|next-hop = "192.168.10.2"|next-hop = "192.168.10.0"|' >"$T/nh-net.conf"
refused nh-net.conf 16 "192.168.10.0 is the network address of the subnet of dp1"
echo "$good" | sed '16s|next-hop = "192.168.10.2"|next-hop = "192.168.10.255"|' >"$T/nh-bcast.conf"
refused nh-bcast.conf 16 "192.168.10.255 is the broadcast address"
echo "$good" | sed '16s|"10.20.0.0/16"|"224.0.0.0/4"|' >"$T/mcast-route.conf"
refused mcast-route.conf 16 "224.0.0.0/4 is multicast"
echo "$good" | sed '16s|); }; };|); arp = ( { address = "192.168.10.9"; hwaddr = "00:00:00:00:00:00"; } ); }; };|' \
	>"$T/zero-mac.conf"
refused zero-mac.conf 16 "all-zero MAC"
nine=$(for i in 1 2 3 4 5 6 7 8 9; do printf '"10.%d.0.1/24", ' "$i"; done)
echo "$good" | sed "12s|\"172.30.1.1/24\"|${nine%, }|" >"$T/nine.conf"
refused nine.conf 12 "at most 8 values"

rc=0
timeout 20 "$BRINK_DATAPLANE" -f "$T/syntax.conf" -s "$T/none.sock" -- $(eal_args) >"$T/dp-syntax.log" 2>&1 || rc=$?
[ $rc -ne 0 ] || fail "brink-dataplane started on a file with a syntax error"

# the CLI side, against a running router
topo_demo
echo "$good" >"$T/brink.conf"
router_start "$T/brink.conf"
before=$(bsh -c "show configuration")

rc=0
out=$(bsh -c configure -c "set interfaces dataplane dp0 address 172.30.1.300/24" 2>&1) || rc=$?
echo "$out" | grepq -i "172.30.1.300" || fail "set of a bad address gave no error naming it: $out"
[ $rc -ne 0 ] || fail "brinksh exited 0 after a failed set"
log "bad set: $(echo "$out" | grep -m1 -i 172.30.1.300)"

rc=0
out=$(bsh -c configure -c "set protocols static route 10.30.0.0/16 next-hop 10.9.9.9" -c commit 2>&1) || rc=$?
[ $rc -ne 0 ] || fail "commit of a next hop outside connected subnets succeeded: $out"
echo "$out" | grepq "10.9.9.9" || fail "commit error does not name the next hop: $out"
log "bad commit: $(echo "$out" | grep -m1 10.9.9.9)"
after=$(bsh -c "show configuration")
[ "$before" = "$after" ] || fail "running configuration changed by a failed commit: $(diff <(echo "$before") <(echo "$after"))"
bsh -c "show ip route" | grepq 10.30.0.0 && fail "10.30.0.0/16 installed by a failed commit"
wait_ping "$POD" 10.20.0.10
