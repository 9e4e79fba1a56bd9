#!/usr/bin/env bash
# NAT with real hosts: a VIP load-balanced to three pod HTTP servers (flow 1)
# with a preDNAT block, a pod's traffic masqueraded to the egress address and
# DNATed from a 10.x service address to a database host behind the forward
# firewall (flow 2), round-robin over two database hosts (flow 5), ping and
# traceroute through NAT, hairpin, 1:1 static NAT, a backend leaving, port
# exhaustion on a tiny pool, and 10,000 concurrent connections.
#
#   pods bridge 172.30.1.0/24 -- dp0 172.30.1.1   [router]   dp1 198.51.100.1 -- public bridge
#     pod1 .11  pod2 .12  pod3 .13                            |- c1 198.51.100.10  c2 .11
#                               dp2 192.168.50.1              '- hop .2 -- far 100.64.0.10
#                                 '-- db bridge: db1 192.168.50.10  db2 .11
#
# The public hosts know no route to the pods: only translated traffic works.
. "$(dirname "$0")/lib.sh"

ulimit -n "$(ulimit -Hn)" # the 10,000 connections, at both ends
RT=$(ns rt)
for s in rt pods pub db pod1 pod2 pod3 c1 c2 hop far db1 db2; do ns_add $s; done
in_ns "$RT" sysctl -qw net.ipv4.ip_forward=0
declare -A SW=([pods]=$(ns pods) [pub]=$(ns pub) [db]=$(ns db))
for sw in pods pub db; do
	bridge_add "${SW[$sw]}" br0
	veth "$RT" "rt-$sw" "${SW[$sw]}" p-rt
	bridge_port "${SW[$sw]}" br0 p-rt
	offloads_off "${SW[$sw]}" br0
done
guard_dp_ports "$RT" rt-pods rt-pub rt-db
host() { # SHORT SWITCH ADDR/LEN [ROUTE...]
	local n
	n=$(ns "$1")
	veth "${SW[$2]}" "p-$1" "$n" eth0
	bridge_port "${SW[$2]}" br0 "p-$1"
	ip -n "$n" addr add "$3" dev eth0
	shift 3
	local r
	for r in "$@"; do ip -n "$n" route add $r; done
}
for i in 1 2 3; do host pod$i pods 172.30.1.1$i/24 "default via 172.30.1.1"; done
host c1 pub 198.51.100.10/24 "203.0.113.0/24 via 198.51.100.1" "203.0.114.0/24 via 198.51.100.1"
host c2 pub 198.51.100.11/24 "203.0.113.0/24 via 198.51.100.1"
host hop pub 198.51.100.2/24
host db1 db 192.168.50.10/24
host db2 db 192.168.50.11/24
veth "$(ns hop)" eth1 "$(ns far)" eth0
ip -n "$(ns hop)" addr add 100.64.0.1/24 dev eth1
ip -n "$(ns far)" addr add 100.64.0.10/24 dev eth0
ip -n "$(ns far)" route add default via 100.64.0.1
in_ns "$(ns hop)" sysctl -qw net.ipv4.ip_forward=1

conf_ports dp0=rt-pods=172.30.1.1/24 dp1=rt-pub=198.51.100.1/24 dp2=rt-db=192.168.50.1/24 >"$T/brink.conf"
echo 'protocols: { static: { route = ( { prefix = "100.64.0.0/24"; next-hop = "198.51.100.2"; } ); }; };' \
	>>"$T/brink.conf"
router_start "$T/brink.conf"
for i in 1 2 3; do wait_ping "$(ns pod$i)" 172.30.1.1; done

# Every host serves its own name on TCP 80 (HTTP) and answers UDP 5353 and
# TCP 7000 with the peer address it sees; the database hosts also on 3306.
cat >"$T/serve.py" <<'PYEOF'
import selectors, socket, sys
name, addr, ports = sys.argv[1], sys.argv[2], [int(p) for p in sys.argv[3:]]
sel = selectors.DefaultSelector()
for p in ports:
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, p)); s.listen(4096); s.setblocking(False)
    sel.register(s, selectors.EVENT_READ, ("listen", p))
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind((addr, 5353))
sel.register(u, selectors.EVENT_READ, ("udp", 0))
while True:
    for key, _ in sel.select():
        kind, p = key.data
        if kind == "udp":
            data, peer = u.recvfrom(2048)
            u.sendto(("%s %s:%d" % (name, peer[0], peer[1])).encode(), peer)
        elif kind == "listen":
            c, peer = key.fileobj.accept(); c.setblocking(False)
            sel.register(c, selectors.EVENT_READ, ("conn", (p, peer)))
        else:
            port, peer = p
            try:
                data = key.fileobj.recv(4096)
            except OSError:
                data = b""
            if not data:
                sel.unregister(key.fileobj); key.fileobj.close(); continue
            if port == 80:
                body = name.encode()
                key.fileobj.send(b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
                sel.unregister(key.fileobj); key.fileobj.close()
            else:
                key.fileobj.send(("%s %s:%d\n" % (name, peer[0], peer[1])).encode())
PYEOF
serve() { # SHORT ADDR PORT...
	bg ip netns exec "$(ns "$1")" "$PY" "$T/serve.py" "$1" "$2" "${@:3}"
}
for i in 1 2 3; do serve pod$i 172.30.1.1$i 80 7000; done
serve c1 198.51.100.10 80 7000
serve db1 192.168.50.10 3306
serve db2 192.168.50.11 3306
serve far 100.64.0.10 7000
wait_for 10 in_ns "$(ns far)" bash -c "exec 3<>/dev/tcp/100.64.0.10/7000" || fail "the servers did not start"

# A line from TCP server DST:PORT in NS (what it saw of us), "" when none came.
tcp_line() { # NS DST PORT [TIMEOUT]
	in_ns "$1" "$PY" - "$2" "$3" "${4:-3}" <<'PYEOF' 2>/dev/null || true
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=float(sys.argv[3]))
s.send(b"hi\n"); print(s.recv(200).decode().strip())
PYEOF
}
http_name() { in_ns "$1" curl -s --max-time 3 "http://$2/" || true; }

log "---- configuration errors leave the running configuration as it was"
before=$(bsh -c "show configuration commands")
for bad in "set nat source rule 5 translation address masquerade" \
	"set nat source rule 5 outbound-interface name dp9" \
	"set nat destination rule 5 destination port 80" \
	"set nat source rule 5 translation address 10.0.0.9-10.0.0.1" \
	"set nat static rule 5 destination address 203.0.114.0/24"; do
	out=$(bsh -c configure -c "$bad" -c commit -c exit 2>&1) && fail "'$bad' committed: $out"
	log "refused: $bad -> $(echo "$out" | grep -m1 -i "nat")"
done
out=$(bsh -c configure -c "set system conntrack table-size 16777216" \
	-c "set nat source rule 5 outbound-interface name dp1" -c "set nat source rule 5 translation address masquerade" \
	-c commit -c exit 2>&1) && fail "NAT committed without the memory for its connection table: $out"
echo "$out" | grepq "connection tracking cannot start" || fail "no reason for the refused NAT commit: $out"
[ "$(bsh -c "show configuration commands")" = "$before" ] || fail "a refused commit changed the configuration"

log "---- flow 1: VIP 203.0.113.10:80 load-balanced to three pods"
bsh_commit "set system conntrack table-size 65536" \
	"set nat destination rule 10 description 'web VIP'" \
	"set nat destination rule 10 inbound-interface name dp1" \
	"set nat destination rule 10 destination address 203.0.113.10" \
	"set nat destination rule 10 destination port 80" \
	"set nat destination rule 10 protocol tcp" \
	"set nat destination rule 10 load-balance backend 172.30.1.11 weight 1" \
	"set nat destination rule 10 load-balance backend 172.30.1.12 weight 1" \
	"set nat destination rule 10 load-balance backend 172.30.1.13 weight 1"
declare -A seen=()
for i in $(seq 30); do
	n=$(http_name "$(ns c1)" 203.0.113.10)
	[ -n "$n" ] || fail "request $i to the VIP got no answer"
	seen[$n]=$((${seen[$n]:-0} + 1))
done
log "spread over 30 requests: $(for k in "${!seen[@]}"; do printf '%s=%s ' "$k" "${seen[$k]}"; done)"
for i in 1 2 3; do [ "${seen[pod$i]:-0}" -ge 1 ] || fail "pod$i never served the VIP"; done
[ "$(http_name "$(ns c2)" 203.0.113.10)" != "" ] || fail "c2 cannot reach the VIP"

log "---- preDNAT: a prerouting rule blocks c2 by the VIP it targets"
bsh_commit "set firewall ipv4 prerouting filter rule 10 action drop" \
	"set firewall ipv4 prerouting filter rule 10 source address 198.51.100.11" \
	"set firewall ipv4 prerouting filter rule 10 destination address 203.0.113.10"
[ -z "$(http_name "$(ns c2)" 203.0.113.10)" ] || fail "c2 still reaches the VIP past the preDNAT block"
[ -n "$(http_name "$(ns c1)" 203.0.113.10)" ] || fail "c1 lost the VIP to c2's block"
bsh_commit "delete firewall"

log "---- an existing connection keeps its backend when the backends change"
in_ns "$(ns c1)" "$PY" - >"$T/long.out" 2>&1 <<'PYEOF' &
import socket, time
s = socket.create_connection(("203.0.113.10", 80), timeout=5)
time.sleep(4)
s.send(b"GET / HTTP/1.0\r\n\r\n")
print(s.recv(200).decode().split("\r\n\r\n")[-1])
PYEOF
long=$!
sleep 1
bsh_commit "set nat destination rule 10 load-balance backend 172.30.1.14"
wait $long || fail "the long connection failed across a backend change: $(cat "$T/long.out")"
log "the long connection was served by $(cat "$T/long.out")"
grepq -E "^pod[123]$" "$T/long.out" || fail "the long connection lost its backend: $(cat "$T/long.out")"
bsh_commit "delete nat destination rule 10 load-balance backend 172.30.1.14"

log "---- a removed backend's connections end with a reset; new ones never reach it"
bsh_commit "set nat destination rule 11 inbound-interface name dp1" \
	"set nat destination rule 11 destination address 203.0.113.10" \
	"set nat destination rule 11 destination port 7000" \
	"set nat destination rule 11 protocol tcp" \
	"set nat destination rule 11 load-balance hash round-robin" \
	"set nat destination rule 11 load-balance backend 172.30.1.11" \
	"set nat destination rule 11 load-balance backend 172.30.1.12" \
	"set nat destination rule 11 load-balance backend 172.30.1.13"
# One connection per backend to the VIP on port 7000 (rule 11), held open
# until pod3 has left the rule ($T/removed), then tried again.
cat >"$T/ends.py" <<'PYEOF'
import os, socket, sys, time
ready, removed = sys.argv[1], sys.argv[2]
conns = {}
for i in range(40):
    s = socket.create_connection(("203.0.113.10", 7000), timeout=3)
    s.send(b"x\n")
    who = s.recv(100).decode().split()[0]
    conns.setdefault(who, s)
    if len(conns) == 3:
        break
open(ready, "w").close()
for i in range(200):
    if os.path.exists(removed):
        break
    time.sleep(0.05)
time.sleep(0.5)
for who, s in sorted(conns.items()):
    try:
        s.send(b"x\n")
        got = s.recv(100).decode().split()
        print(who, "alive" if got else "closed")
    except ConnectionResetError:
        print(who, "reset")
    except OSError as e:
        print(who, "ended", e)
PYEOF
in_ns "$(ns c1)" "$PY" "$T/ends.py" "$T/ends.ready" "$T/removed" >"$T/ends.out" 2>&1 &
ends=$!
wait_for 10 test -e "$T/ends.ready" || fail "no connection to each backend of rule 11: $(cat "$T/ends.out")"
bsh_commit "delete nat destination rule 11 load-balance backend 172.30.1.13"
touch "$T/removed"
wait $ends || true
log "after pod3 left rule 11: $(tr '\n' ' ' <"$T/ends.out")"
grepq "^pod1 alive" "$T/ends.out" || fail "pod1's connection did not survive: $(cat "$T/ends.out")"
grepq "^pod2 alive" "$T/ends.out" || fail "pod2's connection did not survive: $(cat "$T/ends.out")"
grepq "^pod3 reset" "$T/ends.out" || fail "pod3's connection did not end with a reset: $(cat "$T/ends.out")"
[ "$(stat nat.resets_sent)" -ge 1 ] || fail "nat.resets_sent is $(stat nat.resets_sent)"
for i in $(seq 6); do
	[ "$(tcp_line "$(ns c1)" 203.0.113.10 7000 | cut -d' ' -f1)" != pod3 ] || fail "a new connection reached pod3"
done

log "---- flow 2: a pod reaches the database at 10.96.0.50:3306, masqueraded, past the forward firewall"
bsh_commit "set nat destination rule 20 destination address 10.96.0.50" \
	"set nat destination rule 20 destination port 3306" \
	"set nat destination rule 20 protocol tcp" \
	"set nat destination rule 20 translation address 192.168.50.10" \
	"set nat source rule 100 outbound-interface name dp2" \
	"set nat source rule 100 source address 172.30.0.0/16" \
	"set nat source rule 100 translation address masquerade" \
	"set nat source rule 110 outbound-interface name dp1" \
	"set nat source rule 110 source address 172.30.0.0/16" \
	"set nat source rule 110 translation address masquerade" \
	"set firewall global-options state-policy established action accept" \
	"set firewall global-options state-policy related action accept" \
	"set firewall ipv4 forward filter default-action drop" \
	"set firewall ipv4 forward filter rule 10 action accept" \
	"set firewall ipv4 forward filter rule 10 destination address 192.168.50.10" \
	"set firewall ipv4 forward filter rule 10 destination port 3306" \
	"set firewall ipv4 forward filter rule 10 protocol tcp" \
	"set firewall ipv4 forward filter rule 20 action accept" \
	"set firewall ipv4 forward filter rule 20 source address 172.30.0.0/16" \
	"set firewall ipv4 forward filter rule 30 action accept" \
	"set firewall ipv4 forward filter rule 30 destination address 172.30.1.0/24"
got=$(tcp_line "$(ns pod1)" 10.96.0.50 3306)
log "pod1 -> 10.96.0.50:3306: $got"
case $got in "db1 192.168.50.1:"*) ;; *) fail "the database saw '$got', not the egress address 192.168.50.1" ;; esac
bsh -c "show nat translations" | grepq "172.30.1.11:.*10.96.0.50:3306.*192.168.50.1:.*192.168.50.10:3306" ||
	fail "show nat translations lacks pod1's database connection: $(bsh -c "show nat translations")"
sjson "show nat translations" | "$PY" -c '
import json, sys
t = json.load(sys.stdin)
assert any(e["destination"] == "10.96.0.50:3306" and e["translated_destination"] == "192.168.50.10:3306" for e in t), t' ||
	fail "show nat translations in JSON lacks the database connection"
got=$(tcp_line "$(ns pod1)" 198.51.100.10 7000)
case $got in "c1 198.51.100.1:"*) ;; *) fail "c1 saw '$got', not the egress address 198.51.100.1" ;; esac
got=$(in_ns "$(ns pod1)" "$PY" -c '
import socket
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.settimeout(3)
u.sendto(b"q", ("198.51.100.10", 5353)); print(u.recvfrom(200)[0].decode())' 2>&1) || fail "UDP through SNAT: $got"
case $got in "c1 198.51.100.1:"*) ;; *) fail "UDP: c1 saw '$got'" ;; esac

log "---- ping and traceroute through NAT"
ping_ok "$(ns pod1)" 198.51.100.10 || fail "no ping through SNAT"
capture_start icmp "$(ns c1)" eth0 --immediate-mode icmp
in_ns "$(ns pod2)" ping -n -c 3 -i 0.2 -W 2 198.51.100.10 >/dev/null || fail "pod2 ping through SNAT"
sleep 1
capture_stop icmp
srcs=$(capture_fields icmp "icmp.type == 8" ip.src | sort -u | tr '\n' ' ')
[ "$srcs" = "198.51.100.1 " ] || fail "echo requests reached c1 from '$srcs', not only from the egress address"
tr=$(in_ns "$(ns pod1)" traceroute -n -q 1 -w 2 -m 5 100.64.0.10 2>&1) || true
log "traceroute: $(echo "$tr" | tr '\n' '|')"
echo "$tr" | grepq -E "^ *1 +172\.30\.1\.1 " || fail "traceroute lacks the router as hop 1"
echo "$tr" | grepq -E "^ *2 +198\.51\.100\.2 " || fail "traceroute lacks the hop behind NAT: its time exceeded was not translated"
echo "$tr" | grepq -E "^ *3 +100\.64\.0\.10 " || fail "traceroute does not reach 100.64.0.10 (port unreachable not translated)"
[ "$(stat nat.related)" -ge 2 ] || fail "nat.related=$(stat nat.related), expected the translated ICMP errors"

log "---- hairpin: a pod reaches its own service's VIP"
bsh_commit "set nat destination rule 30 destination address 10.96.0.80" \
	"set nat destination rule 30 destination port 80" \
	"set nat destination rule 30 protocol tcp" \
	"set nat destination rule 30 load-balance backend 172.30.1.12"
got=$(http_name "$(ns pod1)" 10.96.0.80)
[ "$got" = pod2 ] || fail "hairpin pod1 -> 10.96.0.80 got '$got'"
got=$(http_name "$(ns pod2)" 10.96.0.80)
[ "$got" = pod2 ] || fail "hairpin pod2 -> its own VIP got '$got'"

log "---- flow 5: round-robin over two database hosts"
bsh_commit "set nat destination rule 40 destination address 10.96.0.60" \
	"set nat destination rule 40 destination port 3306" \
	"set nat destination rule 40 protocol tcp" \
	"set nat destination rule 40 load-balance hash round-robin" \
	"set nat destination rule 40 load-balance backend 192.168.50.10" \
	"set nat destination rule 40 load-balance backend 192.168.50.11"
order=""
for i in 1 2 3 4; do order+="$(tcp_line "$(ns pod3)" 10.96.0.60 3306 | cut -d' ' -f1) "; done
log "round-robin order: $order"
case $order in "db1 db2 db1 db2 " | "db2 db1 db2 db1 ") ;; *) fail "not round-robin: $order" ;; esac

log "---- 1:1 static NAT: 203.0.114.0/24 <-> 172.30.1.0/24, host bits kept"
bsh_commit "set nat static rule 10 inbound-interface name dp1" \
	"set nat static rule 10 destination address 203.0.114.0/24" \
	"set nat static rule 10 translation address 172.30.1.0/24"
got=$(tcp_line "$(ns c1)" 203.0.114.13 7000)
case $got in "pod3 198.51.100.10:"*) ;; *) fail "c1 -> 203.0.114.13 reached '$got', not pod3" ;; esac
got=$(tcp_line "$(ns pod2)" 198.51.100.10 7000)
case $got in "c1 203.0.114.12:"*) ;; *) fail "pod2's outbound connection showed '$got', not 203.0.114.12" ;; esac
bsh_commit "delete nat static"

log "---- port exhaustion on a tiny pool is counted and recovers"
bsh_commit "set system conntrack timeout udp other 2" "set system conntrack timeout udp stream 2" \
	"set nat source rule 105 outbound-interface name dp1" \
	"set nat source rule 105 source address 172.30.1.13" \
	"set nat source rule 105 protocol udp" \
	"set nat source rule 105 translation address 198.51.100.1" \
	"set nat source rule 105 translation port 40000-40003"
before=$(stat drop.nat.exhausted)
got=$(in_ns "$(ns pod3)" "$PY" - <<'PYEOF'
import socket
socks, ok = [], 0
for i in range(6):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.settimeout(1)
    u.sendto(b"q", ("198.51.100.10", 5353))
    try:
        print(u.recvfrom(200)[0].decode()); ok += 1
    except socket.timeout:
        print("none")
    socks.append(u)
PYEOF
)
log "six flows on four ports: $(echo "$got" | tr '\n' '|')"
[ "$(echo "$got" | grep -c "^c1 198.51.100.1:4000[0-3]$")" = 4 ] || fail "not four flows on the pool: $got"
[ "$(echo "$got" | grep -c "^none$")" = 2 ] || fail "the flows past the pool were not dropped: $got"
stat_grew drop.nat.exhausted "$before" 2
bsh -c "show nat source statistics" | grepq -E "^source +105 +4 +[1-9]" ||
	fail "rule 105's statistics: $(bsh -c "show nat source statistics")"
sleep 4
got=$(in_ns "$(ns pod3)" "$PY" -c '
import socket
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.settimeout(2)
u.sendto(b"q", ("198.51.100.10", 5353)); print(u.recvfrom(200)[0].decode())' 2>&1) || fail "the pool did not recover: $got"
log "after the mappings expired: $got"

log "---- 10,000 concurrent connections through SNAT, each mapping its own"
got=$(in_ns "$(ns pod1)" "$PY" - <<'PYEOF'
import selectors, socket
N, BATCH = 10000, 500
sel = selectors.DefaultSelector()
held, seen, errors = [], {}, 0
for base in range(0, N, BATCH):
    left = 0
    for i in range(base, min(N, base + BATCH)):
        s = socket.socket(); s.setblocking(False)
        s.connect_ex(("198.51.100.10", 7000))
        sel.register(s, selectors.EVENT_WRITE, i); held.append(s); left += 1
    while left:
        ready = sel.select(timeout=15)
        if not ready:
            break
        for key, mask in ready:
            s, i = key.fileobj, key.data
            if mask & selectors.EVENT_WRITE:
                if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
                    errors += 1; sel.unregister(s); left -= 1
                    continue
                s.send(b"x\n"); sel.modify(s, selectors.EVENT_READ, i)
            else:
                words = s.recv(100).decode().split()
                seen[i] = words[1] if len(words) > 1 else ""
                sel.unregister(s); left -= 1
mapped = [p for p in seen.values() if p]
print(len(mapped), len(set(mapped)), errors)
PYEOF
)
log "10k connections: answered unique errors = $got"
read -r answered unique errors <<<"$got"
[ "${answered:-0}" = 10000 ] || fail "only ${answered:-0} of 10000 connections were answered ($got)"
[ "${unique:-0}" = 10000 ] || fail "two connections shared a mapping ($got)"
n=$(sjson "show conntrack destination 198.51.100.10 port 7000" | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))')
[ "$n" -ge 10000 ] || fail "conntrack lists $n of the 10000 connections"

log "---- endpoint mapping: dependent (random ports per destination), then independent"
# The ports two servers see of one pod socket (c1, and far behind the hop).
cat >"$T/two_peers.py" <<'PYEOF'
import socket, sys
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.settimeout(3)
u.bind(("172.30.1.11", int(sys.argv[1])))
seen = []
for dst in ("198.51.100.10", "100.64.0.10"):
    u.sendto(b"q", (dst, 5353))
    seen.append(u.recvfrom(200)[0].decode().split()[1])
print(*seen)
PYEOF
bsh_commit "set nat source rule 110 translation options port-mapping random"
got=$(in_ns "$(ns pod1)" "$PY" "$T/two_peers.py" 41000 2>&1) || fail "UDP to two servers: $got"
read -r seen1 seen2 <<<"$got"
log "endpoint-dependent, random ports: c1 saw $seen1, far saw $seen2"
[ "${seen1%:*}" = 198.51.100.1 ] && [ "${seen2%:*}" = 198.51.100.1 ] || fail "not masqueraded: $got"
[ "$seen1" != "$seen2" ] || fail "random endpoint-dependent ports were the same for two destinations: $got"
bsh_commit "set nat source rule 110 translation options endpoint-mapping independent"
bsh -c "show configuration commands" | grepq "nat source rule 110 translation options endpoint-mapping independent" ||
	fail "endpoint-mapping not in the configuration: $(bsh -c "show configuration commands" | grep "rule 110")"
for port in 41001 41002; do
	got=$(in_ns "$(ns pod1)" "$PY" "$T/two_peers.py" $port 2>&1) || fail "UDP to two servers: $got"
	read -r seen1 seen2 <<<"$got"
	log "endpoint-independent, from port $port: c1 saw $seen1, far saw $seen2"
	[ "$seen1" = "$seen2" ] || fail "endpoint-independent mapping gave two translations: $got"
	[ "${seen1%:*}" = 198.51.100.1 ] || fail "not masqueraded: $got"
done
# A mapping outlives the main lcore's sweeps (a whole table's pass takes 4 s)
# while its flow lives (UDP timeouts are 2 s here), and goes with it.
cat >"$T/eim_life.py" <<'PYEOF'
import socket, time
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.settimeout(3)
u.bind(("172.30.1.11", 41003))
def ask(dst):
    u.sendto(b"q", (dst, 5353))
    return u.recvfrom(200)[0].decode().split()[1]
first = ask("198.51.100.10")
for i in range(6):
    time.sleep(1)
    ask("198.51.100.10")
kept = ask("100.64.0.10")
time.sleep(5)
print(first, kept, ask("100.64.0.10"))
PYEOF
got=$(in_ns "$(ns pod1)" "$PY" "$T/eim_life.py" 2>&1) || fail "UDP from port 41003: $got"
read -r first kept after <<<"$got"
log "endpoint-independent over time: $first, after 6 s of traffic $kept, after 5 s idle $after"
[ "$kept" = "$first" ] || fail "a live endpoint-independent mapping was lost: $got"
[ "$after" != "$first" ] || fail "an expired flow's mapping was reused with random ports: $got"
[ "$(stat nat.mappings_full)" = 0 ] || fail "nat.mappings_full is $(stat nat.mappings_full)"
bsh_commit "delete nat source rule 110 translation options"

log "---- removing NAT leaves forwarding as it was"
bsh_commit "delete nat" "delete firewall"
ip -n "$(ns db1)" route add 172.30.0.0/16 via 192.168.50.1
before=$(stat nat.snat)
got=$(tcp_line "$(ns pod1)" 192.168.50.10 3306)
case $got in "db1 172.30.1.11:"*) ;; *) fail "without NAT the database saw '$got'" ;; esac
[ "$(stat nat.snat)" = "$before" ] || fail "a connection was translated after NAT was removed"
dp_stop
brinkd_stop
log PASS
