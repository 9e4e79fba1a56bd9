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
"$PY" - "$BRINKSH" "$API_SOCK" >"$T/interactive.log" 2>&1 <<'PYEOF' || fail "interactive ping: $(tail -n 20 "$T/interactive.log")"
import re, sys, pexpect
# 10 rows: a stream longer than the screen is not held at --More--
sh = pexpect.spawn(sys.argv[1], ["-s", sys.argv[2]], encoding="utf-8", timeout=15, dimensions=(10, 200))
sh.logfile_read = sys.stdout
prompt = re.compile(r"[>#] ?$", re.M)
sh.expect(prompt)
sh.send("pi\t")
sh.expect("ng ")  # the completion, after the redrawn "pi"
sh.send("?")
sh.expect("Address to ping")
sh.send("10.20.0.10 ?")
sh.expect("count")
sh.expect("interface")
sh.sendline("interval 0.2")
if sh.expect(["--More--", "icmp_seq=14 "]) == 0:
    sys.exit("a streaming ping stopped at --More--")
sh.sendcontrol("c")
sh.expect("ping statistics")
sh.expect(prompt)
sh.sendline("show version")
sh.expect("Brink ")
sh.expect(prompt)
sh.sendline("exit")
sh.expect(pexpect.EOF)
PYEOF
kill -0 "$BRINKD_PID" || fail "brinkd died"
log "^C stopped an endless ping; the session went on"
