#!/usr/bin/env bash
# "show ip route" streams a large table (STREAM_ROUTES static /24s, 50,000 by
# default): its text has every route once under one header, "| count" agrees
# with it, the JSON has them all. Clients that go away in the middle of the
# dump, and a ^C in brinksh, leave brinkd's one dataplane connection in step:
# the next commands answer, and brinkd neither loses nor reopens the
# connection.
. "$(dirname "$0")/lib.sh"

N=${STREAM_ROUTES:-50000}
topo_demo
conf_scale "$N" >"$T/brink.conf"
router_start "$T/brink.conf"
wait_for 120 bsh_has "show dataplane" "runs the running configuration" || fail "not in sync: $(bsh -c 'show dataplane')"

check_table() { # WHEN
	local out count static
	out=$(bsh -c "show ip route")
	static=$(echo "$out" | grep -c '^S> ') || true
	[ "$static" = "$((N + 1))" ] || fail "$1: $static static routes in the text, want $((N + 1))"
	[ "$(echo "$out" | grep -c '^Codes: ')" = 1 ] || fail "$1: not one header"
	count=$(bsh -c "show ip route | count")
	COUNT_LINE=$count
	[ "$count" = "Count: $(echo "$out" | wc -l) lines" ] || fail "$1: '$count' for $(echo "$out" | wc -l) lines"
	static=$(sjson "show ip route" | "$PY" -c '
import json, sys
print(sum(1 for r in json.load(sys.stdin) if r["origin"] == "static"))')
	[ "$static" = "$((N + 1))" ] || fail "$1: $static static routes in the JSON, want $((N + 1))"
}
check_table "the whole table"
log "$N routes shown whole in text and JSON"

# A prefix is answered by the dataplane's own lookup of it, not by a dump.
out=$(bsh -c "show ip route 11.0.1.0/24")
[ "$(echo "$out" | grep -c '^S> ')" = 1 ] && echo "$out" | grepq "S> 11.0.1.0/24" ||
	fail "show ip route 11.0.1.0/24: $out"
out=$(bsh -c "show ip route 11.0.0.0/16 longer")
[ "$(echo "$out" | grep -c '^S> ')" = $((N < 256 ? N : 256)) ] || fail "show ip route 11.0.0.0/16 longer: $out"
static=$(sjson "show ip route owner routing" | "$PY" -c 'import json, sys; print(len(json.load(sys.stdin)))')
[ "$static" = 0 ] || fail "owner routing: $static routes, want none"
log "a prefix, its longer routes and an owner are filtered by the dataplane"

# Each brinksh fills its pipe while the reader sleeps, so brinkd's replies
# wait; it is killed then, the dump unfinished (brinksh itself would read a
# reply to its end, SIGPIPE or not).
for _ in 1 2 3; do
	timeout -s KILL 1 "$BRINKSH" -s "$API_SOCK" -c "show ip route" | {
		sleep 2
		head -n 2
	} >/dev/null || true
done
out=$(bsh -c "show interfaces")
echo "$out" | grepq "^dp0: " || fail "show interfaces after clients went away: $out"
check_table "after clients went away mid-dump"
log "clients gone mid-dump: the next commands answer"

pexpect_run interactive 120 "$E2E_DIR/route_stream_interactive.py" "$BRINKSH" "$API_SOCK" "$((N + 1))" "$COUNT_LINE"
log "$(tail -n1 "$T/interactive.log")"
blog=$(cat "$T/brinkd.log")
echo "$blog" | grepq -e "connection lost" -e "reconnecting" -e "out of sequence" &&
	fail "the dataplane connection went out of step: $(grep -e lost -e reconnecting -e sequence "$T/brinkd.log")"
[ "$(echo "$blog" | grep -c "dataplane connected")" = 1 ] || fail "brinkd reconnected: $blog"
log "brinkd kept its one dataplane connection in step throughout"
