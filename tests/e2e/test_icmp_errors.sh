#!/usr/bin/env bash
# TTL 1 towards the VM gives "Time to live exceeded" from the router's pod-side
# address; an unrouted destination gives "Destination Net Unreachable".
. "$(dirname "$0")/lib.sh"

topo_demo
conf_demo >"$T/brink.conf"
router_start "$T/brink.conf"
wait_ping "$POD" 192.168.10.10

out=$(in_ns "$POD" ping -n -c 1 -W 2 -t 1 192.168.10.10 2>&1 || true)
echo "$out" | grepq -E "From 172\.30\.1\.1.*Time to live exceeded" ||
	fail "ping -t 1 did not get time-exceeded from 172.30.1.1: $out"
log "ttl 1: $(echo "$out" | grep -i 'time to live')"

# Same through the hop router: TTL 2 expires at the hop, proving the router
# decremented exactly once.
out=$(in_ns "$POD" ping -n -c 1 -W 2 -t 2 10.20.0.10 2>&1 || true)
echo "$out" | grepq -E "From 192\.168\.10\.2.*Time to live exceeded" ||
	fail "ping -t 2 to the remote net did not expire at the hop: $out"

out=$(in_ns "$POD" ping -n -c 1 -W 2 203.0.113.1 2>&1 || true)
echo "$out" | grepq -E "From 172\.30\.1\.1.*Destination Net Unreachable" ||
	fail "ping to 203.0.113.1 did not get net-unreachable from 172.30.1.1: $out"
log "no route: $(echo "$out" | grep -i unreachable)"

# a UDP probe to an unrouted destination: the error reaches the socket too
out=$(in_ns "$POD" "$PY" - <<'PYEOF'
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_IP, 11, 1)  # IP_RECVERR
s.settimeout(2)
s.connect(("203.0.113.7", 9))
s.send(b"x")
try:
    s.recv(10)
    print("no error")
except OSError as e:
    print("errno", e.errno)
PYEOF
)
[ "$out" = "errno 101" ] || [ "$out" = "errno 113" ] || fail "UDP to unrouted dst: $out (expected ENETUNREACH)"

[ "$(stat drop.ip4.ttl_exceeded)" -ge 1 ] || fail "drop.ip4.ttl_exceeded not counted"
[ "$(stat drop.ip4.no_route)" -ge 1 ] || fail "drop.ip4.no_route not counted"
[ "$(stat icmp.errors_sent)" -ge 2 ] || fail "icmp.errors_sent not counted"
