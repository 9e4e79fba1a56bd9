#!/usr/bin/env bash
# The operator's safety net. Interactively (pexpect): TAB and '?' on
# commit-confirm, rollback and compare; commit-confirm 1 of route A, then
# confirm. With -c: commit-confirm 1 of route B and no confirm: within 70 s
# brinkd rolls back (show configuration, show ip route, show system commit),
# route A stays past its own deadline, and pings to routes neither touches
# (the VM on the connected subnet, the remote network through the hop) lose
# nothing across the commits and the rollback. Then compare N M and
# rollback N with -c.
. "$(dirname "$0")/lib.sh"

topo_demo
conf_demo >"$T/brink.conf"
router_start "$T/brink.conf"
wait_ping "$POD" 192.168.10.10
wait_ping "$POD" 10.20.0.10

route_a="set protocols static route 10.31.0.0/16 next-hop 192.168.10.2"
route_b="set protocols static route 10.32.0.0/16 next-hop 192.168.10.2"
rev_field() { # N KEY: that key of revision N in show system commit's JSON
	sjson_get "show system commit" "$1" "$2"
}

# Called directly (not through in_ns): ip execs ping, so $! is ping, which SIGINT stops with its summary.
ip netns exec "$POD" ping -n -i 0.2 192.168.10.10 >"$T/ping-vm.log" 2>&1 &
ping_vm=$!
ip netns exec "$POD" ping -n -i 0.2 10.20.0.10 >"$T/ping-remote.log" 2>&1 &
ping_remote=$!
BG_PIDS+=("$ping_vm" "$ping_remote")

pexpect_run interactive 60 "$E2E_DIR/commit_interactive.py" "$BRINKSH" "$API_SOCK"
log "$(tail -n1 "$T/interactive.log")"
bsh -c "show ip route" | grepq "10.31.0.0/16" || fail "route A (confirmed) is not routed"
kept=$(bsh -c "show configuration commands")
echo "$kept" | grepq "^$route_a\$" || fail "route A missing from the configuration: $kept"

out=$(bsh -c configure -c "$route_b" -c 'commit-confirm 1 comment "route B"' -c exit) || fail "commit-confirm: $out"
committed=$SECONDS
echo "$out" | grepq "unless 'confirm' follows within 1 minute" || fail "commit-confirm output: $out"
bsh -c "show ip route" | grepq "10.32.0.0/16" || fail "route B is not routed after commit-confirm"
[ "$(rev_field 0 via)" = commit-confirm ] || fail "revision 0: $(sjson "show system commit")"
[ "$(rev_field 0 comment)" = "route B" ] || fail "revision 0: $(sjson "show system commit")"
[ "$(rev_field 1 comment)" = "route A" ] || fail "revision 1: $(sjson "show system commit")"
bsh -c "show system commit" | head -n1 | grepq "^commit-confirm by root pending" ||
	fail "show system commit: $(bsh -c "show system commit")"
log "route B committed with commit-confirm 1; waiting for the rollback"

rolled_back() { [ "$(rev_field 0 via)" = "commit-confirm rollback" ]; }
wait_for 70 rolled_back || fail "no rollback within 70 s: $(bsh -c "show system commit")"
log "rolled back $((SECONDS - committed)) s after the commit"
[ "$(bsh -c "show configuration commands")" = "$kept" ] ||
	fail "the configuration is not the one before: $(diff <(echo "$kept") <(bsh -c "show configuration commands"))"
routes=$(bsh -c "show ip route")
echo "$routes" | grepq "10.32.0.0/16" && fail "route B still in the dataplane: $routes"
echo "$routes" | grepq "10.31.0.0/16" || fail "route A, confirmed, is gone: $routes"
rollback_line=' by brinkd via commit-confirm rollback  "commit-confirm by root not confirmed within 1 minute"$'
bsh -c "show system commit" | head -n1 | grepq "^0 .*$rollback_line" ||
	fail "show system commit: $(bsh -c "show system commit")"
bsh -c "show log" | grepq "commit-confirm by root not confirmed within 1 minute: rolled back" ||
	fail "show log lacks the rollback: $(bsh -c "show log")"

out=$(bsh -c configure -c "compare 1 0" -c exit) || fail "compare 1 0: $out"
[ "$out" = "+ $route_b" ] || fail "compare 1 0: $out"
out=$(bsh -c configure -c "rollback 1" -c exit) || fail "rollback 1: $out"
echo "$out" | grepq "rollback 1: committed revision 1 again" || fail "rollback 1: $out"
bsh -c "show ip route" | grepq "10.32.0.0/16" || fail "route B not back after rollback 1"
[ "$(rev_field 0 comment)" = "rollback to revision 1" ] || fail "revision 0: $(sjson "show system commit")"
ls "$T"/archive/revision-*.conf.gz >/dev/null || fail "no archive next to the configuration file"

sleep 1
kill -INT "$ping_vm" "$ping_remote"
wait "$ping_vm" "$ping_remote" || true
for f in ping-vm ping-remote; do
	summary=$(grep "packets transmitted" "$T/$f.log") || fail "$f: $(tail -n 5 "$T/$f.log")"
	log "$f: $summary"
	tx=$(echo "$summary" | awk '{print $1}')
	rx=$(echo "$summary" | awk '{print $4}')
	[ "$tx" -ge 250 ] || fail "$f sent only $tx"
	[ "$rx" -eq "$tx" ] || fail "$f lost $((tx - rx)) of $tx across the commits and the rollback"
done
