#!/usr/bin/env bash
# The operator's commands, each with -c (text) and -j (every line JSON), and
# what they do where that is visible: clear interfaces counters, clear arp.
# Then '?' and TAB on them in an interactive brinksh (pexpect).
. "$(dirname "$0")/lib.sh"

topo_demo
CONF_PUNT=1 conf_demo >"$T/brink.conf"
router_start "$T/brink.conf"
wait_ping "$POD" 10.20.0.10
wait_punt

is_json_lines() { # FILE: every line a JSON document
	"$PY" -c 'import json, sys; [json.loads(l) for l in open(sys.argv[1]) if l.strip()]' "$1"
}

ops=(
	"show interfaces" "show interfaces dp0" "show ip route" "show ip route 10.20.0.10" "show ip route 10.20.0.0/16"
	"show ip route 10.0.0.0/8 longer" "show arp" "show dataplane" "show dataplane statistics"
	"show dataplane statistics all" "show configuration" "show configuration commands"
	"show configuration protocols static" "show log" "show log count 5" "show version"
	"ping 10.20.0.10 count 1" "traceroute 10.20.0.10 wait 1 max-ttl 3"
	"clear interfaces counters dp1" "clear interfaces counters" "clear arp interface dp0" "clear dataplane statistics"
	"sh ip ro 10.20.0.10" "show configuration commands | match next-hop | count"
)
for cmd in "${ops[@]}"; do
	out=$(bsh -c "$cmd" 2>&1) || fail "brinksh -c '$cmd' failed: $out"
	bsh -j -c "$cmd" >"$T/out.json" 2>&1 || fail "brinksh -j -c '$cmd' failed: $(cat "$T/out.json")"
	is_json_lines "$T/out.json" || fail "'$cmd' -j is not JSON Lines: $(head -c 300 "$T/out.json")"
done
log "${#ops[@]} operational commands in text and JSON"

# configuration mode, as a script
out=$(bsh -c configure -c "edit protocols static route 10.60.0.0/16" -c "set next-hop 192.168.10.2 distance 5" \
	-c "set blackhole distance 9" -c up -c "show route 10.60.0.0/16" -c top -c compare -c commit \
	-c "run show ip route 10.60.0.0/16" -c "delete protocols static route 10.60.0.0/16" -c commit -c exit 2>&1) ||
	fail "configuration script: $out"
echo "$out" | grepq "S> 10.60.0.0/16 *5  192.168.10.2" || fail "the edited route was not installed: $out"
echo "$out" | grepq "S- 10.60.0.0/16 *9  blackhole" || fail "the floating blackhole is not listed: $out"
bsh -c "show ip route" | grepq 10.60.0.0 && fail "a deleted route is still there"

# counters cleared; neighbours flushed and learned again
in_ns "$POD" ping -n -c 5 -i 0.1 192.168.10.10 >/dev/null || fail "ping before clearing counters"
before=$(sjson_get "show interfaces dp0" 0 rx packets)
bsh -c "clear interfaces counters dp0" >/dev/null || fail "clear interfaces counters dp0"
after=$(sjson_get "show interfaces dp0" 0 rx packets)
[ "$after" -lt "$before" ] || fail "counters not cleared: $before -> $after"
bsh -c "show arp" | grepq "172.30.1.10 .*reachable" || fail "no reachable neighbour to flush: $(bsh -c 'show arp')"
bsh -c "clear arp" >/dev/null || fail "clear arp"
bsh -c "show arp" | grepq "172.30.1.10 .*reachable" && fail "clear arp left a reachable entry: $(bsh -c 'show arp')"
wait_ping "$POD" 192.168.10.10
log "clear interfaces counters: $before -> $after packets; clear arp flushed, then learned again"

# bad arguments get a clear error, never a crash
for bad in "show interfaces dp9" "show ip route 10.1.2.300" "show ip route 10.1.0.0/8" "show log count 0" \
	"ping" "traceroute 1.2.3.4 max-ttl 999" "clear arp interface dp9" "show ip route 10.0.0.0/8 bogus"; do
	out=$(bsh -c "$bad" 2>&1) && fail "'$bad' succeeded: $out"
	[ -n "$out" ] || fail "'$bad' failed without a word"
done
kill -0 "$BRINKD_PID" || fail "brinkd died on bad arguments"

pexpect_run interactive 120 - "$BRINKSH" "$API_SOCK" <<'PYEOF'
import re, sys
from pexpect_lib import PROMPT, brinksh, clear_line, exit_shell, step
sh = brinksh(sys.argv[1], sys.argv[2], rows=200)

def help_lists(typed, *words):
    sh.send(typed + "?")
    step(sh, "'%s?' lists and redraws the line" % typed, r"\x1b\[K")
    missing = [w for w in words if w not in sh.before]
    if missing:
        sys.exit("\nFAIL: '%s?' does not offer %s" % (typed, missing))
    clear_line(sh)

def tab_completes(typed, rest):
    sh.send(typed + "\t")
    step(sh, "TAB completes '%s'" % typed, re.escape(rest))
    clear_line(sh)

step(sh, "first prompt", PROMPT)
help_lists("show ", "interfaces", "ip", "log", "version", "dataplane")
help_lists("show ip route ", "<address>|<prefix>", "longer")
help_lists("clear ", "arp", "interfaces", "dataplane")
help_lists("clear arp ", "interface")
help_lists("ping 10.20.0.10 ", "count", "interface", "source-address", "do-not-fragment")
help_lists("traceroute 10.20.0.10 ", "icmp", "max-ttl")
help_lists("show interfaces ", "dp0", "dp1")
tab_completes("show vers", "ion")
tab_completes("sh conf", "iguration")
sh.sendline("configure")
step(sh, "configure shows where", r"\[edit\]")
step(sh, "configuration mode prompt", PROMPT)
help_lists("set protocols static route 10.9.0.0/16 ", "next-hop", "interface", "blackhole", "reject")
help_lists("set protocols static route 10.9.0.0/16 next-hop 192.168.10.2 ", "distance", "interface", "disable")
help_lists("", "edit", "up", "top", "update", "load", "merge", "compare", "commit")
sh.sendline("edit protocols static")
step(sh, "edit moves down", r"\[edit protocols static\]")
step(sh, "prompt after edit", PROMPT)
help_lists("set ", "route", "arp")
sh.sendline("top")
step(sh, "top moves back up", r"\[edit\]")
step(sh, "prompt after top", PROMPT)
sh.sendline("exit")
step(sh, "back to operational mode", PROMPT)
exit_shell(sh)
PYEOF
log "interactive ? and TAB: ok"
