#!/usr/bin/env bash
# Exception path: a TCP service in the router (management) namespace, bound
# to the router's pod-side address on the punt TAP, is reached from the pod
# host through the dataplane (dataplane -> brink0 -> kernel and back); the
# kernel reaches everything beyond its connected subnets by one default route.
. "$(dirname "$0")/lib.sh"

topo_demo
CONF_PUNT=1 conf_demo >"$T/brink.conf"
router_start "$T/brink.conf"

ip -n "$RT" link show brink0 >/dev/null || fail "no punt interface brink0 in the router namespace"
wait_punt 172.30.1.1
wait_punt 192.168.10.1
wait_ping "$POD" 172.30.1.1

# the kernel gets one default route into the dataplane, not a copy of each static route
kroutes=$(ip -n "$RT" -4 route show proto 200)
[ "$kroutes" = "default via 169.254.0.1 dev brink0 metric 1000000 onlink " ] ||
	fail "brinkd's kernel routes on brink0: '$kroutes'"
ip -n "$RT" -4 route get 10.20.0.10 | grepq "dev brink0" || fail "10.20.0.10 is not routed into the dataplane"
# a destination the dataplane has no route for fails at once (its ICMP error), not after a timeout
out=$(in_ns "$RT" timeout 3 bash -c 'exec 3<>/dev/tcp/203.0.113.9/80' 2>&1) && fail "connected to 203.0.113.9"
echo "$out" | grepq "Network is unreachable" || fail "connect to an unrouted destination: '$out'"

punted=$(stat punt.to_kernel) back=$(stat punt.from_kernel)
tcp_transfer "$RT" 172.30.1.1 "$POD" 2222
tcp_transfer "$RT" 192.168.10.1 "$VM" 2222

# a short exchange with nc as well: request out, banner back
bg in_ns "$RT" bash -c 'echo hello-from-router | exec nc -l 172.30.1.1 2223 >/dev/null'
wait_for 10 in_ns "$RT" bash -c "ss -ltn | grepq 172.30.1.1:2223"
got=$(echo ping | in_ns "$POD" timeout 10 nc -N 172.30.1.1 2223 || true)
[ "$got" = hello-from-router ] || fail "nc 172.30.1.1:2223 from the pod got '$got'"

dp=$(($(stat punt.to_kernel) - punted)) dk=$(($(stat punt.from_kernel) - back))
log "punt.to_kernel +$dp, punt.from_kernel +$dk"
[ "$dp" -ge 100 ] || fail "punt.to_kernel +$dp: the service was not reached through the punt path"
[ "$dk" -ge 100 ] || fail "punt.from_kernel +$dk: replies did not come back through the dataplane"
# the dataplane still answers ICMP echo itself, and forwarding is unaffected
ping_ok "$POD" 172.30.1.1 || fail "no echo reply from the router"
wait_ping "$POD" 10.20.0.10
