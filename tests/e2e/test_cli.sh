#!/usr/bin/env bash
# brinksh: every show in text and JSON, -j with several -c as JSON Lines;
# configure/set/compare/commit/discard/save round trip (what save writes,
# brinkd loads back identically); an interactive session (pexpect) with TAB
# completion, '?' help, ^C and the pager.
. "$(dirname "$0")/lib.sh"

topo_demo
conf_demo >"$T/brink.conf"
router_start "$T/brink.conf"
wait_ping "$POD" 192.168.10.10

for cmd in "show interfaces" "show ip route" "show arp" "show dataplane statistics" "show configuration"; do
	out=$(bsh -c "$cmd") || fail "brinksh -c '$cmd' failed: $out"
	[ -n "$out" ] || fail "'$cmd' printed nothing"
	bsh -j -c "$cmd" >"$T/out.json" || fail "brinksh -j -c '$cmd' failed"
	"$PY" -c 'import json,sys; json.loads(open(sys.argv[1]).read())' "$T/out.json" ||
		fail "'$cmd' -j is not JSON: $(head -c 300 "$T/out.json")"
done
bsh -c "show interfaces" | grepq dp0 || fail "show interfaces lacks dp0"
bsh -c "show ip route" | grepq "10.20.0.0/16" || fail "show ip route lacks 10.20.0.0/16"
bsh -c "show arp" | grepq "192.168.10.10" || fail "show arp lacks 192.168.10.10"
bsh -j -c "show ip route" | grepq "10.20.0.0/16" || fail "JSON route table lacks 10.20.0.0/16"

# -j with several -c: JSON Lines, one document per command on one line each
bsh -j -c "show interfaces" -c "show ip route" -c "show arp" -c "show dataplane statistics" -c "show configuration" \
	>"$T/lines.json" || fail "brinksh -j with several -c failed"
"$PY" -c '
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 5, "%d lines for 5 commands" % len(lines)
for l in lines:
    json.loads(l)
' "$T/lines.json" || fail "-j -c A -c B... is not JSON Lines: $(head -c 300 "$T/lines.json")"

# set + compare + discard: nothing changes
out=$(bsh -c configure -c "set protocols static route 10.21.0.0/16 next-hop 192.168.10.2" -c compare -c discard -c compare -c exit) ||
	fail "set/compare/discard: $out"
echo "$out" | grepq "+.*10.21.0.0/16" || fail "compare does not show the added route: $out"
[ "$(echo "$out" | grep -c "10.21.0.0/16")" -eq 1 ] || fail "discard left the candidate changed: $out"
bsh -c "show ip route" | grepq 10.21.0.0 && fail "a discarded change was applied"

# set + commit + save
out=$(bsh -c configure -c "set protocols static route 10.21.0.0/16 next-hop 192.168.10.2" \
	-c "set interfaces dataplane dp0 description pods" -c commit -c save -c exit) || fail "commit/save: $out"
bsh -c "show ip route" | grepq "10.21.0.0/16" || fail "committed route missing from show ip route"
bsh -c "show configuration" | grepq "10.21.0.0/16" || fail "committed route missing from show configuration"
grep -q "10.21.0.0/16" "$T/brink.conf" || fail "save did not write brink.conf: $(cat "$T/brink.conf")"
out=$(in_ns "$POD" ping -n -c 1 -W 2 10.21.0.1 2>&1 || true)
echo "$out" | grepq "From 192.168.10.2" || fail "10.21.0.0/16 not routed to the hop: $out"

# load -> save -> load is a fixed point: restart brinkd on the saved file
shown=$(bsh -c "show configuration")
cp "$T/brink.conf" "$T/saved1.conf"
brinkd_stop
brinkd_start "$T/brink.conf"
[ "$(bsh -c "show configuration")" = "$shown" ] || fail "configuration differs after reloading the saved file"
bsh -c configure -c save -c exit >/dev/null || fail "second save"
cmp -s "$T/brink.conf" "$T/saved1.conf" || fail "save of a loaded save differs: $(diff "$T/saved1.conf" "$T/brink.conf")"

pexpect_run interactive 60 "$E2E_DIR/cli_interactive.py" "$BRINKSH" "$API_SOCK" "$BRINKD_PID" "$DP_PID"
log "$(tail -n1 "$T/interactive.log")"
