#!/usr/bin/env bash
# A control client that sends dump requests and never reads the replies does
# not stop the dataplane's main lcore: a new neighbour is still resolved by
# ARP meanwhile. The dataplane disconnects that client, and a brinkd started
# afterwards connects and converges.
. "$(dirname "$0")/lib.sh"

topo_demo
conf_demo >"$T/brink.conf"
router_start "$T/brink.conf"
wait_ping "$POD" 10.20.0.10
brinkd_stop || fail "brinkd did not stop cleanly"

# An address the router has never resolved: reaching it needs a new ARP
# resolution, which is the main lcore's work.
ip -n "$VM" addr add 192.168.10.11/24 dev eth0
ip netns exec "$RT" "$PY" "$E2E_DIR/ctl_slow_reader.py" "$DP_SOCK" "$REPO/common/dp_msg.h" "$T/stalled" \
	>"$T/slow_reader.log" 2>&1 &
reader=$!
BG_PIDS+=("$reader")
wait_for 20 test -e "$T/stalled" || fail "the client never filled its socket: $(cat "$T/slow_reader.log")"
log "client stalled: $(tail -n1 "$T/slow_reader.log")"
wait_ping "$POD" 192.168.10.11 10
if kill -0 "$reader" 2>/dev/null; then state="still connected"; else state="already disconnected"; fi
log "192.168.10.11 resolved and reachable while the client reads nothing ($state)"

rc=0
wait "$reader" || rc=$?
[ $rc -eq 0 ] || fail "the client was not disconnected (exit $rc): $(cat "$T/slow_reader.log")"
log "$(tail -n1 "$T/slow_reader.log")"
grepq "bytes of replies unread for .* ms; disconnecting" "$T/dataplane.log" ||
	fail "the dataplane did not say why it disconnected the client"

brinkd_start "$T/brink.conf"
wait_for 10 bsh_has "show ip route" 10.20.0.0/16 ||
	fail "brinkd did not converge: $(bsh -c 'show ip route')"
wait_ping "$POD" 10.20.0.10
