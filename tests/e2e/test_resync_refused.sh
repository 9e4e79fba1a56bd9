#!/usr/bin/env bash
# When the dataplane refuses an item of the configuration brinkd pushes at
# start or after a dataplane restart, the rest still goes in (addresses,
# routes, ping), the refusal is shown (show configuration, show dataplane,
# show log) and brinkd keeps pushing; an interactive commit stays all or
# nothing.
. "$(dirname "$0")/lib.sh"

topo_demo
# af_packet ports take at most MTU 1500: the file's 9000 is accepted by
# brinkd (it cannot know the device before it connects), refused by the dataplane.
conf_demo | sed 's|address = \[ "192.168.10.1/24" \]; }|address = [ "192.168.10.1/24" ]; mtu = 9000; }|' \
	>"$T/brink.conf"
grep -q "mtu = 9000" "$T/brink.conf" || fail "test setup: no mtu in $(cat "$T/brink.conf")"
router_start "$T/brink.conf"

check_running_but_refused() {
	wait_ping "$POD" 192.168.10.10
	wait_ping "$POD" 10.20.0.10
	wait_for 10 bsh_has "show configuration" "refused 1 item" ||
		fail "show configuration does not say the dataplane refused: $(bsh -c 'show configuration' | head -n 4)"
	bsh -c "show configuration" | grepq "#   dp1: MTU 9000 is outside what the device takes" ||
		fail "show configuration does not say what was refused"
	sjson "show dataplane" | "$PY" -c '
import json, sys
j = json.load(sys.stdin)
assert j["connected"] and not j["in_sync"], j
assert any("MTU 9000" in r for r in j["refused"]), j' || fail "show dataplane: $(sjson 'show dataplane')"
	bsh -c "show log" | grepq "dataplane refused 1 item" || fail "show log lacks the refusal: $(bsh -c 'show log')"
}

check_running_but_refused
log "start: everything but the MTU applied and the refusal shown"

# a dataplane restart: the same
dp_restart "$T/brink.conf"
check_running_but_refused
log "dataplane restart: the same"

# an interactive commit is all or nothing: another bad MTU is refused whole
out=$(bsh -c configure -c "set interfaces dataplane dp0 mtu 9000" -c "set interfaces dataplane dp0 description x" \
	-c commit 2>&1) && fail "commit of an MTU the device refuses succeeded: $out"
bsh -c "show configuration" | grepq "description" && fail "a refused commit changed the running configuration"

# fixing the configuration clears the refusal
bsh -c configure -c "delete interfaces dataplane dp1 mtu" -c commit >"$T/commit.log" 2>&1 ||
	fail "commit: $(cat "$T/commit.log")"
bsh -c "show configuration" | grepq "refused" && fail "the refusal is still shown after the fix"
sjson "show dataplane" | "$PY" -c 'import json,sys; j=json.load(sys.stdin); assert j["in_sync"] and not j["refused"], j' ||
	fail "show dataplane: $(sjson 'show dataplane')"
log "fixed: in sync"
