#!/usr/bin/env bash
# Connection tracking on the demo topology, held on by a forward rule that
# reads state. A TCP connection, a UDP flow and a ping from the pod to the VM
# show up in show conntrack with their tuples and states, filters pick them
# out, JSON gives the same; short ICMP and UDP timeouts (8 s) expire theirs
# (ct.expired); truncated TCP and UDP headers, a TCP data offset under 20 and
# SYN+FIN create no connection and are counted as ct.invalid; clear conntrack
# forgets the rest. The dataplane's leak check runs at exit.
. "$(dirname "$0")/lib.sh"

demo_up

FWD="set firewall ipv4 forward filter"
CT="set system conntrack"
# the default table (1M connections) does not fit the EAL's 512 MB
bsh_commit "$CT table-size 4096" "$CT timeout icmp 8" "$CT timeout udp other 8" "$CT timeout udp stream 8" \
	"$FWD default-action accept" "$FWD rule 10 action accept" "$FWD rule 10 state established,related"
created=$(stat ct.created)

ct() { bsh -c "show conntrack $*"; }
ct_has() { # GREP-REGEX FILTER...: the listing with FILTER has a line matching
	local want=$1 out
	shift
	out=$(ct "$@")
	echo "$out" | grepq -E "$want" || fail "show conntrack $* lacks /$want/: $out"
}

# a TCP connection held open, a UDP flow, a ping
bg in_ns "$VM" socat TCP-LISTEN:7000,reuseaddr SYSTEM:'sleep 60'
wait_for 10 in_ns "$VM" bash -c "ss -ltn | grep -q :7000" || fail "listener on 7000"
bg in_ns "$POD" bash -c "sleep 60 | socat - TCP:192.168.10.10:7000,sourceport=41000"
in_ns "$POD" bash -c "echo x >/dev/udp/192.168.10.10/5353"
ping_ok "$POD" 192.168.10.10 || fail "ping"
wait_for 5 bash -c "'$BRINKSH' -s '$API_SOCK' -c 'show conntrack protocol tcp' | grep -q established" ||
	fail "no established TCP connection: $(ct)"
ct_has "^tcp +established +172\.30\.1\.10:41000 -> 192\.168\.10\.10:7000 +192\.168\.10\.10:7000 -> 172\.30\.1\.10:41000" \
	protocol tcp
ct_has "^udp .*172\.30\.1\.10:[0-9]+ -> 192\.168\.10\.10:5353" protocol udp port 5353
ct_has "^icmp .*172\.30\.1\.10 -> 192\.168\.10\.10 id [0-9]+" protocol icmp
ct_has "192\.168\.10\.10:7000" source 172.30.1.10
ct_has "192\.168\.10\.10:7000" destination 192.168.10.10 port 7000
out=$(ct destination 10.20.0.10)
[ "$(echo "$out" | wc -l)" = 1 ] || fail "show conntrack destination 10.20.0.10 lists connections: $out"
out=$(ct source 1.2.3.300 2>&1) && fail "show conntrack source 1.2.3.300 accepted: $out"
echo "$out" | grepq "not an IPv4 address" || fail "show conntrack source 1.2.3.300 says: $out"
n=$(sjson "show conntrack source 172.30.1.10" | jq length)
[ "$n" -ge 3 ] || fail "JSON lists $n connections: $(sjson "show conntrack")"
sjson "show conntrack protocol tcp" | jq -e '.[0].state == "established" and .[0].original.destination_port == 7000 and .[0].reply.source == "192.168.10.10"' >/dev/null ||
	fail "JSON of the TCP connection: $(sjson "show conntrack protocol tcp")"
stat_grew ct.created "$created" 3
sjson "show conntrack statistics" | jq -e '."ct.created" > 0' >/dev/null || fail "show conntrack statistics: $(sjson "show conntrack statistics")"

# the ICMP and UDP entries expire after their 8 s
expired=$(stat ct.expired)
wait_for 20 bash -c "! '$BRINKSH' -s '$API_SOCK' -c 'show conntrack protocol icmp' | grep -q '^icmp'" ||
	fail "the ICMP entry outlived its timeout: $(ct)"
wait_for 20 bash -c "! '$BRINKSH' -s '$API_SOCK' -c 'show conntrack port 5353' | grep -q '^udp'" ||
	fail "the UDP entry outlived its timeout: $(ct)"
stat_grew ct.expired "$expired" 2
ct_has "established" protocol tcp

# malformed L4: no state, counted
invalid=$(stat ct.invalid) created=$(stat ct.created)
D="dst='192.168.10.10'"
scapy_send "$POD" "IP($D, proto=6)/Raw(b'\\x00' * 10)"
scapy_send "$POD" "IP($D, proto=17)/Raw(b'\\x00' * 4)"
scapy_send "$POD" "IP($D)/TCP(sport=41003, dport=7000, dataofs=3, flags='S')"
scapy_send "$POD" "IP($D)/TCP(sport=41004, dport=7000, flags='SF')"
stat_grew ct.invalid "$invalid" 4
[ "$(stat ct.created)" = "$created" ] || fail "malformed packets created connections: $(ct)"
for p in 41003 41004; do
	[ "$(ct port $p | wc -l)" = 1 ] || fail "a connection from port $p: $(ct port $p)"
done

# clear conntrack forgets the TCP connection
out=$(bsh -c "clear conntrack")
echo "$out" | grepq -E "^[1-9][0-9]* connections cleared" || fail "clear conntrack: $out"
[ "$(ct protocol tcp port 7000 | wc -l)" = 1 ] || fail "clear conntrack left: $(ct)"
wait_ping "$POD" 192.168.10.10
