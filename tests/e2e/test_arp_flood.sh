#!/usr/bin/env bash
# A flood of UDP to random hosts of a connected /16 (none of which answer ARP)
# must not starve other traffic: while it runs, pings to the resolved VM and,
# through the hop gateway, to the remote network keep getting replies, and the
# mempool never runs dry. The refusals are counted.
. "$(dirname "$0")/lib.sh"

topo_demo
cat >"$T/brink.conf" <<'EOF'
system: { dataplane: { main-cpu = 0; worker = ( { id = 0; cpu = 1; } ); idle-sleep = 50; }; };
interfaces: {
  dataplane = (
    { name = "dp0"; device = "net_af_packet0,iface=rt-pod"; address = [ "172.30.1.1/24" ]; },
    { name = "dp1"; device = "net_af_packet1,iface=rt-byoip"; address = [ "192.168.10.1/16" ]; }
  );
};
protocols: { static: { route = ( { prefix = "10.20.0.0/16"; next-hop = "192.168.10.2"; } ); }; };
EOF
router_start "$T/brink.conf"
wait_ping "$POD" 192.168.10.10
wait_ping "$POD" 10.20.0.10

# 12 s of UDP to random 192.168.x.y (x != 10: the real hosts live there)
in_ns "$POD" "$PY" - >"$T/flood.log" 2>&1 <<'PYEOF' &
import random, socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
end = time.time() + 12
sent = 0
while time.time() < end:
    for _ in range(500):
        x = random.choice([i for i in range(256) if i != 10])
        try:
            s.sendto(b"f" * 64, ("192.168.%d.%d" % (x, random.randint(1, 254)), 9))
            sent += 1
        except OSError:
            pass
print("flood sent", sent)
PYEOF
BG_PIDS+=($!)
sleep 3 # let the flood reach its steady state

in_ns "$POD" ping -n -i 0.1 -c 50 -W 1 192.168.10.10 >"$T/ping-vm.log" 2>&1 &
ping_vm=$!
in_ns "$POD" ping -n -i 0.1 -c 50 -W 1 10.20.0.10 >"$T/ping-rem.log" 2>&1 &
ping_rem=$!
BG_PIDS+=($ping_vm $ping_rem)
min_avail=
for _ in 1 2 3 4; do
	sleep 1
	a=$(stat mempool.available)
	log "mempool.available $a"
	[ -z "$min_avail" ] || [ "$a" -lt "$min_avail" ] && min_avail=$a
done
wait "$ping_vm" || true
wait "$ping_rem" || true

lost() { # PING-LOG: echo requests without a reply
	local s
	s=$(grep "packets transmitted" "$1") || fail "ping output: $(cat "$1")"
	log "$s" >&2
	echo $(($(echo "$s" | awk '{print $1}') - $(echo "$s" | awk '{print $4}')))
}
lv=$(lost "$T/ping-vm.log")
lr=$(lost "$T/ping-rem.log")
[ "$min_avail" -gt 0 ] || fail "the mempool ran dry during the flood (mempool.available $min_avail)"
[ "$lv" -le 2 ] || fail "$lv of 50 pings to the resolved VM lost during the flood"
[ "$lr" -le 2 ] || fail "$lr of 50 pings through the gateway lost during the flood"

held=$(stat drop.arp.unresolved)
refused=$(($(stat drop.arp.create_rate_limited) + $(stat drop.arp.incomplete_full) + $(stat drop.arp.hold_total_full)))
log "arp.requests_sent $(stat arp.requests_sent), arp.requests_rate_limited $(stat arp.requests_rate_limited)," \
	"drop.arp.unresolved $held, refused $refused"
[ "$refused" -gt 0 ] || fail "no refusal counted under drop.arp.{create_rate_limited,incomplete_full,hold_total_full}"
[ "$(stat arp.requests_rate_limited)" -gt 0 ] || fail "arp.requests_rate_limited not counted"
