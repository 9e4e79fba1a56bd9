#!/usr/bin/env bash
# The per-packet trace: armed from brinksh for packets received on dp0, a ping
# to the VM shows its route, TTL and TX, a ping to an unrouted address shows
# the no-route drop with its counter and the ICMP error sent back; text and
# JSON. The end of the session that armed it stops the trace, and what it
# recorded stays for "show dataplane trace" until "clear dataplane trace".
. "$(dirname "$0")/lib.sh"

topo_demo
conf_demo >"$T/brink.conf"
router_start "$T/brink.conf"
wait_ping "$POD" 192.168.10.10

# The trace lives as long as the session that started it: keep one open
# (its stdin stays open), and look at the trace from others.
mkfifo "$T/monitor.in"
bg bash -c "exec \"$BRINKSH\" -s \"$API_SOCK\" <\"$T/monitor.in\" >\"$T/monitor.out\" 2>&1"
MONITOR_PID=${BG_PIDS[-1]}
exec 3>"$T/monitor.in"
echo "monitor dataplane trace 8 interface dp0" >&3
trace_armed() { bsh -c "show dataplane trace" | grepq -E "^Trace [0-9]+: [0-9]+ of 8 packets picked on dp0, .*picking more"; }
wait_for 10 trace_armed || fail "monitor did not start a trace: $(cat "$T/monitor.out"; bsh -c 'show dataplane trace')"

in_ns "$POD" ping -n -c 1 -W 2 192.168.10.10 >/dev/null || fail "no reply from the VM while tracing"
in_ns "$POD" ping -n -c 1 -W 2 203.0.113.1 >/dev/null 2>&1 || true

trace_has() { bsh -c "show dataplane trace" | grepq -F "$1"; }
wait_for 10 trace_has "no route to 203.0.113.1" || fail "no trace of the unrouted ping: $(bsh -c 'show dataplane trace')"
out=$(bsh -c "show dataplane trace")
log "show dataplane trace:"
echo "$out"
for want in "Trace " "received on dp0" "IPv4 172.30.1.10 > 192.168.10.10 ICMP type 8 code 0" \
	"ip4_route    route 192.168.10.10/32 -> host 192.168.10.10 on dp1" "ip4_forward  TTL 64 -> 63" \
	"tx           sent on dp1 queue " "IPv4 172.30.1.10 > 203.0.113.1 ICMP" \
	"ip4_route    no route to 203.0.113.1  [drop.ip4.no_route]" \
	"icmp         net unreachable (3/0) to 172.30.1.10 from 172.30.1.1" "tx           sent on dp0 queue " \
	"=> dropped: drop.ip4.no_route (an answer was sent)"; do
	echo "$out" | grepq -F -- "$want" || fail "show dataplane trace lacks '$want'"
done
echo "$out" | grepq -F "received on dp1" && fail "the echo reply from dp1 was traced despite 'interface dp0'"

sjson "show dataplane trace" | "$PY" -c '
import json, sys
pkts = json.load(sys.stdin)
assert isinstance(pkts, list) and pkts, pkts
def one(dst):
    found = [p for p in pkts if p["ipv4"] and p["ipv4"]["dst"] == dst and p["icmp"] and p["icmp"]["type"] == 8]
    assert len(found) == 1, (dst, found)
    return found[0]
echo = one("192.168.10.10")
assert echo["interface"] == "dp0" and echo["origin"] == "port", echo
assert echo["done"] and echo["result"] == "sent" and echo["drop"] is None, echo
stages = [s["stage"] for s in echo["steps"]]
assert stages == ["eth_input", "ip4_route", "ip4_forward", "tx"], stages
assert echo["steps"][2]["text"].startswith("TTL 64 -> 63"), echo["steps"][2]
lost = one("203.0.113.1")
assert lost["drop"] == "drop.ip4.no_route" and lost["result"] == "answered", lost
route = [s for s in lost["steps"] if s["counter"] == "drop.ip4.no_route"]
assert route and route[0]["stage"] == "ip4_route", lost["steps"]
assert lost["steps"][-1]["stage"] == "tx", lost["steps"]
for p in pkts:
    assert set(p) >= {"trace", "index", "time_ms", "origin", "interface", "worker", "steps", "done", "result", "drop"}, p
' || fail "show dataplane trace | json is not what it should be"
log "JSON ok"

# The end of the session stops the trace; its packets stay until cleared.
kill -TERM "$MONITOR_PID"
exec 3>&-
trace_finished() { bsh -c "show dataplane trace" | grepq -E "^Trace [0-9]+: [0-9]+ of 8 packets picked on dp0, [0-9]+ done; finished"; }
wait_for 10 trace_finished || fail "the trace did not stop with its session: $(bsh -c 'show dataplane trace' | head -n1)"
count() { sjson "show dataplane trace" | "$PY" -c 'import json, sys; print(len(json.load(sys.stdin)))'; }
before=$(count)
in_ns "$POD" ping -n -c 1 -W 2 192.168.10.10 >/dev/null || fail "no reply from the VM after the trace"
[ "$(count)" = "$before" ] || fail "packets were traced after the trace stopped ($before, then $(count))"
bsh -c "clear dataplane trace"
[ "$(bsh -c 'show dataplane trace')" = "The trace was cleared." ] || fail "clear dataplane trace left packets"
