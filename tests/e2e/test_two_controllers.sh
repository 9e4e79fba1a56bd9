#!/usr/bin/env bash
# One brinkd controls the dataplane. A second one, with another route in its
# file, is refused and says why; the first is told; the routes stay the
# first one's. A third started with --takeover replaces the first for good:
# the displaced brinkd says so and waits, it does not take the dataplane
# back. Once the third is killed (-9), the waiting one connects at once.
. "$(dirname "$0")/lib.sh"

topo_demo
conf_demo >"$T/first.conf"                                          # 10.20.0.0/16 via the hop
CONF_NH="" CONF_ROUTES="10.66.0.0/16=192.168.10.2" conf_demo >"$T/other.conf" # 10.66.0.0/16 only
router_start "$T/first.conf"
FIRST=$BRINKD_PID
wait_ping "$POD" 10.20.0.10

OTHER_SOCK=$T/brinkd-other.sock
other_start() { # LOG [brinkd options]: another brinkd on the same dataplane, API on OTHER_SOCK
	local logf=$1
	shift
	rm -f "$OTHER_SOCK"
	ip netns exec "$RT" "$BRINKD" -f "$T/other.conf" -d "$DP_SOCK" -a "$OTHER_SOCK" "$@" >>"$logf" 2>&1 &
	OTHER=$!
	BG_PIDS+=("$OTHER")
	wait_for 30 test -S "$OTHER_SOCK" || fail "brinkd $* did not start: $(cat "$logf")"
}
other_stop() { # SIGTERM; a non-zero exit (e.g. a LeakSanitizer report) fails the test
	local rc=0
	kill -TERM "$OTHER"
	wait "$OTHER" || rc=$?
	[ $rc -eq 0 ] || fail "brinkd $OTHER exited with status $rc"
}

routes_via() { # API_SOCKET: the dataplane's routes, as the brinkd on that socket shows them
	"$BRINKSH" -s "$1" -c "show ip route"
}
is_first_state() { # API_SOCKET
	local r
	r=$(routes_via "$1") && echo "$r" | grepq 10.20.0.0/16 && ! echo "$r" | grepq 10.66.0.0/16
}
is_other_state() { # API_SOCKET
	local r
	r=$(routes_via "$1") && echo "$r" | grepq 10.66.0.0/16 && ! echo "$r" | grepq 10.20.0.0/16
}
count() { grep -c "$1" "$2" || true; } # PATTERN FILE

# ---- a second brinkd is refused
other_start "$T/other.log"
log "second brinkd started (pid $OTHER)"
for i in 1 2 3 4 5; do
	sleep 1
	is_first_state "$API_SOCK" ||
		fail "after ${i} s the routes are no longer the first brinkd's: $(routes_via "$API_SOCK")"
done
ping_ok "$POD" 10.20.0.10 || fail "10.20.0.10 unreachable while a second brinkd is refused"
refused="dataplane at $DP_SOCK is controlled by another brinkd (pid $FIRST); stop it, or start this one with --takeover"
[ "$(count "$refused" "$T/other.log")" -eq 1 ] ||
	fail "the second brinkd should log its refusal once: $(cat "$T/other.log")"
grepq "dataplane: refused a second brinkd (pid $OTHER): this one stays in control" "$T/brinkd.log" ||
	fail "the first brinkd was not told: $(cat "$T/brinkd.log")"
grepq "refused a second controller, pid $OTHER: pid $FIRST is in control" "$T/dataplane.log" ||
	fail "the dataplane did not log the refusal"
log "second brinkd refused, routes kept for 5 s"
other_stop

# ---- a third one takes over with --takeover; the first does not take back
other_start "$T/takeover.log" --takeover
log "brinkd --takeover started (pid $OTHER)"
wait_for 10 is_other_state "$OTHER_SOCK" || fail "--takeover did not take over: $(routes_via "$OTHER_SOCK")"
wait_for 10 grepq "dataplane: taken over by brinkd pid $OTHER" "$T/brinkd.log" ||
	fail "the displaced brinkd did not log the takeover: $(cat "$T/brinkd.log")"
for i in 1 2 3 4 5; do
	sleep 1
	is_other_state "$OTHER_SOCK" || fail "after ${i} s the displaced brinkd took back: $(routes_via "$OTHER_SOCK")"
done
refused="dataplane at $DP_SOCK is controlled by another brinkd (pid $OTHER); stop it, or start this one with --takeover"
[ "$(count "$refused" "$T/brinkd.log")" -eq 1 ] ||
	fail "the displaced brinkd should log its refusal once: $(cat "$T/brinkd.log")"
[ "$(count "took over from" "$T/dataplane.log")" -eq 1 ] || fail "the controller changed more than once"
log "takeover held for 5 s"

# ---- the controller dies: the waiting brinkd connects at once
kill -KILL "$OTHER"
wait "$OTHER" 2>/dev/null || true
wait_for 10 is_first_state "$API_SOCK" || fail "the first brinkd did not come back: $(routes_via "$API_SOCK")"
wait_ping "$POD" 10.20.0.10
log "first brinkd back in control after kill -9 of the other"
