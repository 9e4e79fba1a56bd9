#!/usr/bin/env bash
# brinkd's API sessions: every connection is greeted; with all 32 sessions
# taken, the next brinksh says why (and when idle ones close); a short idle
# timeout (brinkd -i) closes sessions with the reason, shown at once at an
# interactive prompt together with the uncommitted changes discarded.
. "$(dirname "$0")/lib.sh"

IDLE=5
topo_demo
conf_demo >"$T/brink.conf"
dp_start "$T/brink.conf"
brinkd_start "$T/brink.conf" -i ${IDLE}s

pexpect_run sessions 120 "$E2E_DIR/sessions.py" "$BRINKSH" "$API_SOCK" $IDLE
grepq "closed a session idle for $IDLE s" "$T/brinkd.log" || fail "brinkd did not log the idle close"
log "$(tail -n1 "$T/sessions.log")"
