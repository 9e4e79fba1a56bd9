#!/usr/bin/env bash
# load kubernetes: a Service with no selector and manual Endpoints for two
# database hosts (flow 5) becomes a NAT destination rule in the candidate;
# compare shows it, commit applies it, and the pod's connections to the
# ClusterIP are served round-robin by both hosts. Re-loading changed
# endpoints changes only that rule's backends; a bad file is refused with
# its line and column and changes nothing.
. "$(dirname "$0")/lib.sh"

demo_up
bg in_ns "$VM" socat TCP-LISTEN:3306,fork,reuseaddr SYSTEM:'echo vm'
bg in_ns "$HOP" socat TCP-LISTEN:3306,fork,reuseaddr SYSTEM:'echo hop'
wait_for 10 in_ns "$VM" bash -c "ss -ltn | grep -q :3306" || fail "database on the VM"
wait_for 10 in_ns "$HOP" bash -c "ss -ltn | grep -q :3306" || fail "database on the hop"

service() { # FILE ENDPOINT...
	local f=$1 e
	shift
	{
		cat <<YAML
apiVersion: v1
kind: Service
metadata:
  name: mysql
  namespace: db
spec:
  clusterIP: 10.96.0.60
  ports:
  - name: mysql
    port: 3306
    targetPort: 3306
    protocol: TCP
---
apiVersion: v1
kind: Endpoints
metadata:
  name: mysql
  namespace: db
subsets:
- addresses:
YAML
		for e in "$@"; do echo "  - ip: $e"; done
		echo "  ports:"
		echo "  - name: mysql"
		echo "    port: 3306"
	} >"$f"
}
service "$T/db.yaml" 192.168.10.10 192.168.10.2

bsh_commit "set system conntrack table-size 4096"
out=$(bsh -c configure -c "load kubernetes $T/db.yaml" -c compare -c commit -c exit 2>&1) || fail "load and commit: $out"
log "compare after load: $(echo "$out" | grep -c "^+") added lines"
echo "$out" | grepq "+ *set nat destination rule [0-9]* load-balance backend 192.168.10.10" ||
	fail "compare does not show the backend 192.168.10.10: $out"
echo "$out" | grepq "+ *set nat destination rule [0-9]* destination address 10.96.0.60" ||
	fail "compare does not show the ClusterIP: $out"
bsh -c "show configuration commands" | grepq "description '\?kubernetes:db/mysql" ||
	fail "the running configuration lacks the Service's rule: $(bsh -c "show configuration commands" | grep nat)"

who() { in_ns "$POD" timeout 3 socat -T 2 - TCP:10.96.0.60:3306 </dev/null 2>/dev/null || true; }
order=""
for i in 1 2 3 4; do order+="$(who) "; done
log "four connections to 10.96.0.60:3306: $order"
case $order in "vm hop vm hop " | "hop vm hop vm ") ;; *) fail "not round-robin over both hosts: $order" ;; esac

# the hop leaves the Endpoints: only its backend goes
service "$T/db.yaml" 192.168.10.10
out=$(bsh -c configure -c "load kubernetes $T/db.yaml" -c compare -c commit -c exit 2>&1) || fail "re-load: $out"
echo "$out" | grepq "^- *set nat destination rule [0-9]* load-balance backend 192.168.10.2" ||
	fail "compare does not show the hop's backend going: $out"
[ "$(echo "$out" | grep -cE "^[-+] *set ")" = 1 ] || fail "the re-load changed more than the one backend: $out"
for i in 1 2 3; do [ "$(who)" = vm ] || fail "a connection still reached the hop"; done

# a broken file: refused with line and column, candidate and running configuration unchanged
before=$(bsh -c "show configuration commands")
printf 'apiVersion: v1\nkind: Service\nmetadata:\n  name: x\n   bad: [\n' >"$T/bad.yaml"
out=$(bsh -c configure -c "load kubernetes $T/bad.yaml" -c compare -c exit 2>&1) && fail "a broken file loaded: $out"
log "broken file: $(echo "$out" | grep -m1 bad.yaml)"
echo "$out" | grepq -E "bad\.yaml:[0-9]+:[0-9]+" || fail "no line and column: $out"
echo "$out" | grepq -E "^[-+] *set " && fail "the failed load changed the candidate: $out"
[ "$(bsh -c "show configuration commands")" = "$before" ] || fail "the running configuration changed"
printf 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\n' >"$T/kind.yaml"
out=$(bsh -c configure -c "load kubernetes $T/kind.yaml" -c exit 2>&1) && fail "a Deployment loaded: $out"
echo "$out" | grepq "Deployment" || fail "the unsupported kind is not named: $out"
dp_stop
brinkd_stop
log PASS
