#!/usr/bin/env bash
# ping and traceroute from the router, through the punt path: output as it
# comes (text and JSON Lines), source by interface, a failed ping fails the
# command, filters on a stream, and ^C in brinksh stops a ping (with its
# summary) and leaves the session and brinkd as they were.
. "$(dirname "$0")/lib.sh"

topo_demo
CONF_PUNT=1 conf_demo >"$T/brink.conf"
router_start "$T/brink.conf"
wait_ping "$POD" 10.20.0.10
wait_punt

out=$(bsh -c "ping 10.20.0.10 count 3 interval 0.2") || fail "ping: $out"
echo "$out" | grepq "3 packets transmitted, 3 received" || fail "ping: $out"
out=$(bsh -c "ping 10.20.0.10 count 1 interface dp0") || fail "ping interface dp0: $out"
echo "$out" | grepq "from 172.30.1.1 " || fail "ping interface dp0 did not send from 172.30.1.1: $out"
bsh -j -c "ping 10.20.0.10 count 2 interval 0.2" >"$T/ping.json" || fail "ping -j"
"$PY" -c '
import json, sys
lines = [json.loads(l)["line"] for l in open(sys.argv[1]) if l.strip()]
assert any("2 received" in l for l in lines), lines' "$T/ping.json" || fail "ping -j is not JSON Lines: $(cat "$T/ping.json")"
out=$(bsh -c "ping 10.20.0.10 count 4 interval 0.2 | match icmp_seq=(2|3)") || fail "filtered ping: $out"
[ "$(echo "$out" | wc -l)" -eq 2 ] || fail "| match on a stream: $out"
rc=0
out=$(bsh -c "ping 10.20.0.99 count 1 deadline 2" 2>&1) || rc=$?
[ $rc -ne 0 ] || fail "a ping nobody answers succeeded: $out"
out=$(bsh -c "ping 300.1.1.1" 2>&1) && fail "ping accepted a bad address"
echo "$out" | grepq "'300.1.1.1' is not an IPv4 address" || fail "ping bad address: $out"
log "ping: ok"

out=$(bsh -c "traceroute 10.20.0.10 wait 1") || fail "traceroute: $out"
echo "$out" | grepq "^ 1  192.168.10.2 " || fail "traceroute first hop: $out"
echo "$out" | grepq "^ 2  10.20.0.10 " || fail "traceroute second hop: $out"
log "traceroute: $(echo "$out" | tr '\n' ' ' | cut -c1-120)"

# ^C in an interactive brinksh ends a ping that would run forever
pexpect_run interactive 120 - "$BRINKSH" "$API_SOCK" <<'PYEOF'
import sys
from pexpect_lib import PROMPT, brinksh, exit_shell, step, still_answers
# 10 rows: a stream longer than the screen is not held at --More--
sh = brinksh(sys.argv[1], sys.argv[2], rows=10, timeout=15)
step(sh, "first prompt", PROMPT)
sh.send("pi\t")
step(sh, "TAB completes 'pi'", "ng ")  # the completion, after the redrawn "pi"
sh.send("?")
step(sh, "'?' after ping", "Address to ping")
sh.send("10.20.0.10 ?")
step(sh, "'?' after the address lists count", "count")
step(sh, "'?' after the address lists interface", "interface")
sh.sendline("interval 0.2")
if step(sh, "an endless ping streams", ["--More--", "icmp_seq=14 "]) == 0:
    sys.exit("a streaming ping stopped at --More--")
sh.sendcontrol("c")
step(sh, "^C ends the ping with its summary", "ping statistics")
step(sh, "prompt after the ping", PROMPT)
still_answers(sh)
exit_shell(sh)
PYEOF
kill -0 "$BRINKD_PID" || fail "brinkd died"
log "^C stopped an endless ping; the session went on"
