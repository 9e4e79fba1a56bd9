#!/usr/bin/env bash
# With --leak-check the dataplane exits 0 on SIGTERM after traffic of every
# kind: forwarded, ICMP errors, packets held for ARP of a next hop that never
# answers, and frames still arriving while it shuts down. Every mbuf must be
# back in the mempool.
. "$(dirname "$0")/lib.sh"

topo_demo
CONF_ROUTES="10.77.0.0/16=192.168.10.77" conf_demo >"$T/brink.conf"
router_start "$T/brink.conf"
wait_ping "$POD" 192.168.10.10
wait_ping "$POD" 10.20.0.10

tcp_transfer "$VM" 192.168.10.10 "$POD"
in_ns "$POD" ping -n -c 3 -W 1 -t 1 192.168.10.10 >/dev/null 2>&1 || true
in_ns "$POD" ping -n -c 3 -W 1 203.0.113.1 >/dev/null 2>&1 || true
# 192.168.10.77 never answers ARP: these wait in the hold queue, then drop
in_ns "$POD" ping -n -c 50 -i 0.01 -W 1 10.77.0.1 >/dev/null 2>&1 || true
log "held for ARP: $(stat arp.held), hold queue full: $(stat drop.arp.hold_queue_full), unresolved: $(stat drop.arp.unresolved)"

# stop while a flood is still arriving
bg in_ns "$POD" ping -q -n -f -w 10 192.168.10.10 >/dev/null 2>&1
bg in_ns "$POD" ping -q -n -i 0.002 -w 10 10.77.0.1 >/dev/null 2>&1
sleep 1
brinkd_stop
dp_alive || fail "dataplane died before SIGTERM"
dp_stop || fail "leak check failed"
grep -i "leak" "$T/dataplane.log" | tail -n 2
grep -qi "leak check passed" "$T/dataplane.log" || fail "no 'leak check passed' in the dataplane log"
