#!/usr/bin/env bash
# The firewall on the demo topology. The forward chain drops by default and
# lets through return traffic (state established,related), TCP to 8080, ping
# (icmp type-name echo-request); TCP to 8081 and UDP to 9000 are rejected
# (RST, ICMP port unreachable), TCP to 8082 falls to the default drop. Each
# rule's counters grow in show firewall (text and JSON) and clear firewall
# counters zeroes them. An input-chain rule keeps the pod's pings off the
# router, a prerouting rule drops by destination. Bad rules are refused and
# leave the running firewall as it was. A table of 16 connections counts its
# overflow.
. "$(dirname "$0")/lib.sh"

demo_up

FWD="set firewall ipv4 forward filter"
# the default table (1M connections) does not fit the EAL's 512 MB
bsh_commit "set system conntrack table-size 65536" \
	"$FWD default-action drop" \
	"$FWD rule 10 action accept" "$FWD rule 10 state established,related" \
	"$FWD rule 20 action accept" "$FWD rule 20 protocol tcp" "$FWD rule 20 destination port 8080" \
	"$FWD rule 30 action reject" "$FWD rule 30 protocol tcp" "$FWD rule 30 destination port 8081" \
	"$FWD rule 40 action accept" "$FWD rule 40 protocol icmp" "$FWD rule 40 icmp type-name echo-request" \
	"$FWD rule 40 log" \
	"$FWD rule 50 action reject" "$FWD rule 50 protocol udp" "$FWD rule 50 destination port 9000"

# TCP by port: 8080 allowed, 8081 refused at once, 8082 dropped (a timeout)
tcp_transfer "$VM" 192.168.10.10 "$POD" 8080
bg in_ns "$VM" socat TCP-LISTEN:8081,fork,reuseaddr /dev/null
bg in_ns "$VM" socat TCP-LISTEN:8082,fork,reuseaddr /dev/null
wait_for 10 in_ns "$VM" bash -c "exec 3<>/dev/tcp/192.168.10.10/8082" || fail "listeners on 8081/8082"
start=$SECONDS
out=$(in_ns "$POD" timeout 5 bash -c "exec 3<>/dev/tcp/192.168.10.10/8081" 2>&1) && fail "TCP to 8081 connected"
echo "$out" | grepq -i "refused" || fail "TCP to 8081 not refused: $out"
[ $((SECONDS - start)) -le 2 ] || fail "TCP to 8081 took $((SECONDS - start)) s to be refused"
log "TCP to 8081 refused: $out"
rc=0
in_ns "$POD" timeout 3 bash -c "exec 3<>/dev/tcp/192.168.10.10/8082" 2>/dev/null || rc=$?
[ $rc = 124 ] || fail "TCP to 8082 ended with $rc, expected the timeout of a drop"

# ping through the echo-request rule (logged), its reply as established
wait_ping "$POD" 192.168.10.10
# UDP to 9000 rejected: ICMP port unreachable back to the pod
capture_start podicmp "$POD" eth0 icmp
in_ns "$POD" bash -c "echo x >/dev/udp/192.168.10.10/9000"
sleep 1
capture_stop podicmp
tshark -r "$T/podicmp.pcap" -Y "icmp.type == 3 && icmp.code == 3" 2>/dev/null | grepq . ||
	fail "no ICMP port unreachable for UDP to 9000: $(tshark -r "$T/podicmp.pcap" 2>&1)"

# counters, text and JSON
text=$(bsh -c "show firewall ipv4 forward filter")
log "$text"
pkts() { sjson "show firewall" | jq -r ".[] | select(.name == \"forward filter\") | .rules[] | select(.number == $1) | .packets"; }
for r in 10 20 30 40 50; do
	[ "$(pkts $r)" -gt 0 ] || fail "rule $r counted no packets: $(sjson "show firewall")"
done
echo "$text" | grepq -E "^ +20 +accept +[1-9]" || fail "show firewall lacks rule 20's packets: $text"
bsh -c "show firewall" | grepq "ipv4 forward filter" || fail "show firewall lacks the forward chain"
out=$(bsh -c "show firewall name NOPE" 2>&1) && fail "show firewall name NOPE: $out"
echo "$out" | grepq "NOPE" || fail "show firewall name NOPE says: $out"
bsh -c "clear firewall counters" | grepq -i cleared || fail "clear firewall counters"
for r in 20 30 50; do
	[ "$(pkts $r)" = 0 ] || fail "rule $r not zeroed: $(sjson "show firewall")"
done

# the input chain protects the router itself
ping_ok "$POD" 172.30.1.1 || fail "router does not answer ping before the input rule"
IN="set firewall ipv4 input filter"
bsh_commit "$IN rule 10 action drop" "$IN rule 10 protocol icmp" "$IN rule 10 source address 172.30.1.10"
ping_ok "$POD" 172.30.1.1 && fail "the input rule lets the pod ping the router"
bsh_commit "delete firewall ipv4 input filter"
wait_ping "$POD" 172.30.1.1

# bad rules: refused with the reason, the running firewall unchanged
before=$(bsh -c "show configuration")
bad_commit() { # REASON-REGEX SET-COMMAND...
	local want=$1 out c args=(-c configure)
	shift
	for c in "$@"; do args+=(-c "$c"); done
	out=$(bsh "${args[@]}" -c commit -c exit 2>&1) && fail "commit of $* accepted: $out"
	echo "$out" | grepq -iE "$want" || fail "commit of $* refused without saying why ($want): $out"
	log "refused: $*: $(echo "$out" | grep -iE "$want" | head -1)"
}
bad_commit "address|prefix" "$FWD rule 60 action drop" "$FWD rule 60 source address 300.1.1.1"
bad_commit "nosuchproto.* udp" "$FWD rule 60 action drop" "$FWD rule 60 protocol nosuchproto"
bad_commit "port|tcp|udp" "$FWD rule 60 action drop" "$FWD rule 60 destination port 80"
[ "$(bsh -c "show configuration")" = "$before" ] || fail "a refused commit changed the configuration"
tcp_transfer "$VM" 192.168.10.10 "$POD" 8080
wait_ping "$POD" 192.168.10.10

# prerouting sees the destination as it came in, before the forward chain
PRE="set firewall ipv4 prerouting filter"
bsh_commit "$PRE rule 10 action drop" "$PRE rule 10 protocol tcp" "$PRE rule 10 destination address 192.168.10.10" \
	"$PRE rule 10 destination port 8080"
rc=0
in_ns "$POD" timeout 3 bash -c "exec 3<>/dev/tcp/192.168.10.10/8080" 2>/dev/null || rc=$?
[ $rc = 124 ] || fail "TCP to 8080 past the prerouting drop ended with $rc, expected a timeout"
bsh -c "show firewall ipv4 prerouting filter" | grepq -E "^ +10 +drop +[1-9]" ||
	fail "prerouting rule 10 counted nothing: $(bsh -c "show firewall ipv4 prerouting filter")"
bsh_commit "delete firewall ipv4 prerouting filter"

# a table of 16 connections, taken up again from nothing: flows seen one
# way make room for new ones by early drop; once 16 answered (assured) flows
# hold it, the overflow is counted and the dataplane goes on
bsh_commit "delete firewall" "delete system conntrack"
bsh_commit "set system conntrack table-size 16" "$FWD rule 10 action accept" "$FWD rule 10 state established"
early=$(stat ct.early_drop) full=$(stat drop.ct.table_full)
udp_flows "$POD" 172.30.1.10 "$VM" 192.168.10.10 40 2 20000 >/dev/null
stat_grew ct.early_drop "$early"
pings=()
for _ in $(seq 24); do
	in_ns "$POD" ping -q -c 6 -i 0.3 -W 1 192.168.10.10 >/dev/null 2>&1 &
	pings+=($!)
done
for p in "${pings[@]}"; do wait "$p" || true; done
stat_grew drop.ct.table_full "$full"
bsh -c "show conntrack statistics" | grepq -E "drop\.ct\.table_full +[1-9]" ||
	fail "show conntrack statistics: $(bsh -c "show conntrack statistics")"
dp_alive || fail "the dataplane died with its table full"
