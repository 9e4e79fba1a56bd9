#!/usr/bin/env bash
# Seeing traffic live: monitor traffic interface (dpdk-dumpcap attached to the
# dataplane, decoded by tshark) shows the pod's pings as they pass, as text and
# JSON Lines, only what a capture filter matches (run in the dataplane, or in
# brinkd where DPDK 22.11 converts the filter wrongly), every field with
# verbose, and writes a pcapng file tshark reads with the right timestamps;
# monitor interfaces shows non-zero rates; TAB and ? help, ^C ends both and the
# session goes on. Under EAL --no-huge the capture is refused with the reason.
. "$(dirname "$0")/lib.sh"

# The dataplane for the capture part is the RelWithDebInfo one. The ASan build
# cannot be captured from reliably: ASan's shadow memory covers the address
# where DPDK maps its hugepages, so they land wherever mmap puts them, and a
# secondary (dpdk-dumpcap) attaches only when that range happens to be free in
# its own address space (seen: 1 to 20 attaches out of 20). A secondary that
# fails there may crash holding the primary's memory lock, and the dataplane
# hangs. The --no-huge part at the end uses the dataplane we were given.
GIVEN_DATAPLANE=$BRINK_DATAPLANE
if ldd "$BRINK_DATAPLANE" 2>/dev/null | grepq libasan; then
	BRINK_DATAPLANE=$(find "$REPO/${BRINK_REL_DIR:-build}" -type f -name brink-dataplane -perm -u+x | head -n1)
	[ -x "$BRINK_DATAPLANE" ] || fail "the capture needs a dataplane built without ASan (cmake --build build)"
fi
free_pages=$(awk '/^HugePages_Free/ {print $2}' /proc/meminfo)
[ "${free_pages:-0}" -ge 256 ] || fail "the capture needs 256 free 2 MB hugepages (tools/install-deps.sh), $free_pages are"

topo_demo
conf_demo >"$T/brink.conf"
BRINK_E2E_HUGE=1 router_start "$T/brink.conf"
wait_ping "$POD" 192.168.10.10
bg in_ns "$POD" ping -q -n -i 0.2 192.168.10.10 >/dev/null

# ---- a line per packet ----
out=$(bsh -c "monitor traffic interface dp0 count 3") || fail "monitor traffic: $out"
[ "$(echo "$out" | grep -c ' ICMP .*Echo (ping)')" -eq 3 ] || fail "three ICMP lines expected: $out"
echo "$out" | grepq "^[0-9:.]* in  172.30.1.10 *-> 192.168.10.10 .*request" || fail "an echo request coming in: $out"
echo "$out" | grepq "^3 packets captured on dp0$" || fail "the summary: $out"
log "count 3: $(echo "$out" | sed -n 2p)"

# ---- capture filters: in the dataplane, and one DPDK gets wrong (run by brinkd) ----
out=$(bsh -c "monitor traffic interface dp0 count 4 filter src host 192.168.10.10") || fail "filter host: $out"
[ "$(echo "$out" | grep -c ' out 192.168.10.10 *-> 172.30.1.10 .*Echo (ping) reply')" -eq 4 ] ||
	fail "filter src host: only the 4 replies sent: $out"
out=$(bsh -c "monitor traffic interface dp0 count 4 filter icmp[icmptype] == icmp-echo") || fail "filter icmp[]: $out"
[ "$(echo "$out" | grep -c ' in  172.30.1.10 *-> 192.168.10.10 .*Echo (ping) request')" -eq 4 ] ||
	fail "filter icmp[icmptype]: only the 4 requests received: $out"
out=$(bsh -c "monitor traffic interface dp0 count 1 filter tcp port" 2>&1) && fail "a bad filter was accepted: $out"
echo "$out" | grepq "monitor traffic filter: .*syntax error" || fail "bad filter: $out"
out=$(bsh -c "monitor traffic interface dp5" 2>&1) && fail "a missing interface was accepted"
echo "$out" | grepq "the dataplane has no interface named 'dp5'" || fail "missing interface: $out"
log "filters: ok"

# ---- JSON, verbose ----
bsh -j -c "monitor traffic interface dp0 count 2" >"$T/packets.json" || fail "monitor traffic -j"
"$PY" - "$T/packets.json" <<'PYEOF' || fail "-j: $(cat "$T/packets.json")"
import json, sys
docs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert len(docs) == 2, docs
keys = {"number", "time", "interface", "direction", "source", "destination", "protocol", "length", "info"}
for d in docs:
    assert set(d) == keys, d
    assert d["interface"] == "dp0" and d["protocol"] == "ICMP" and d["direction"] in ("in", "out"), d
    assert d["length"] == 98, d
PYEOF
out=$(bsh -c "monitor traffic interface dp0 count 1 verbose") || fail "verbose: $out"
echo "$out" | grepq "^Internet Protocol Version 4, Src: " || fail "verbose decodes the IP header: $out"
bsh -j -c "monitor traffic interface dp0 count 1 verbose" >"$T/verbose.json" || fail "verbose -j"
"$PY" -c '
import json, sys
docs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert len(docs) == 1 and "ip" in docs[0]["layers"], docs' "$T/verbose.json" || fail "verbose -j: $(head -c 300 "$T/verbose.json")"
log "JSON and verbose: ok"

# ---- save: a pcapng file for Wireshark ----
out=$(bsh -c "monitor traffic interface dp0 count 5 save $T/dp0.pcapng filter icmp") || fail "save: $out"
echo "$out" | grepq "bytes of pcapng in $T/dp0.pcapng" || fail "save: $out"
tshark -r "$T/dp0.pcapng" -n -T fields -e frame.time_epoch -e _ws.col.Protocol >"$T/read.txt" 2>/dev/null ||
	fail "tshark cannot read $T/dp0.pcapng"
[ "$(grep -c 'ICMP$' "$T/read.txt")" -eq 5 ] || fail "the file holds 5 ICMP packets: $(cat "$T/read.txt")"
# DPDK 22.11's pcapng clock wraps on first use unless the dataplane starts it:
# timestamps would then be centuries ahead.
now=$(date +%s)
awk -v now="$now" '{ d = $1 - now; if (d < -3600 || d > 3600) bad++ } END { exit bad > 0 }' "$T/read.txt" ||
	fail "the packets' timestamps are not today's: $(head -n 2 "$T/read.txt") (now $now)"
bsh -j -c "monitor traffic interface dp0 count 1 save $T/one.pcapng" >"$T/save.json" || fail "save -j"
"$PY" -c '
import json, sys
d = json.loads(open(sys.argv[1]).read())
assert d["interface"] == "dp0" and d["file"] == sys.argv[2] and d["bytes"] > 0, d' "$T/save.json" "$T/one.pcapng" ||
	fail "save -j: $(cat "$T/save.json")"
log "save: $(wc -l <"$T/read.txt") packets read back by tshark"

# ---- rates ----
out=$(bsh -c "monitor interfaces count 2") || fail "monitor interfaces: $out"
[ "$(echo "$out" | grep -c '^Interface ')" -eq 2 ] || fail "two tables expected: $out"
for p in dp0 dp1; do
	echo "$out" | awk -v p=$p '$1 == p && $2 != "0" && $4 != "0" { ok = 1 } END { exit !ok }' ||
		fail "$p has no packets per second: $out"
done
bsh -j -c "monitor interfaces count 2" >"$T/rates.json" || fail "monitor interfaces -j"
"$PY" - "$T/rates.json" <<'PYEOF' || fail "monitor interfaces -j: $(cat "$T/rates.json")"
import json, sys
docs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert len(docs) == 2, docs
for d in docs:
    ports = {p["name"]: p for p in d["interfaces"]}
    assert set(ports) == {"dp0", "dp1"}, d
    for p in ports.values():
        assert p["rx"]["packets_per_s"] > 0 and p["tx"]["bits_per_s"] > 0, p
PYEOF
log "rates: $(echo "$out" | grep '^dp0' | head -n 1)"

# ---- interactive: help, completion, ^C ----
pexpect_run interactive 120 - "$BRINKSH" "$API_SOCK" <<'PYEOF'
import sys
from pexpect_lib import PROMPT, brinksh, clear_line, exit_shell, step, still_answers
sh = brinksh(sys.argv[1], sys.argv[2], timeout=20)
step(sh, "first prompt", PROMPT)
sh.send("monitor tr\t")
step(sh, "TAB completes 'monitor tr'", "affic ")
sh.send("interface ?")
step(sh, "'?' after interface offers a name", "<name>")
step(sh, "'?' after interface lists dp0", "dp0")
sh.send("dp0 ?")
for word in ("count", "verbose", "save", "filter"):
    step(sh, "'?' after the interface lists " + word, word)
clear_line(sh)
sh.sendline("monitor traffic interface dp0")
step(sh, "a line per packet", r"ICMP .*Echo \(ping\)")
sh.sendcontrol("c")
step(sh, "^C ends the capture with its summary", r"packets captured on dp0")
step(sh, "prompt after the capture", PROMPT)
sh.sendline("monitor interfaces")
step(sh, "the rates table", "Interface +RX pkt")
step(sh, "the rates of dp1", "dp1 ")
sh.sendcontrol("c")
step(sh, "^C ends monitor interfaces", PROMPT)
still_answers(sh)
exit_shell(sh)
PYEOF
kill -0 "$BRINKD_PID" || fail "brinkd died"
# nothing of the interrupted capture is left in the dataplane: the port captures again
out=$(bsh -c "monitor traffic interface dp0 count 1") || fail "a capture after ^C: $out"
for p in /proc/[0-9]*; do
	tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grepq "^/usr/bin/dpdk-dumpcap --file-prefix $ID " &&
		fail "a dpdk-dumpcap outlived its command: ${p#/proc/}"
done
log "interactive: TAB, ?, ^C ok"

# ---- EAL --no-huge: a secondary cannot attach ----
dp_stop || fail "the dataplane did not stop cleanly after the captures"
BRINK_DATAPLANE=$GIVEN_DATAPLANE BRINK_E2E_HUGE=0 dp_start "$T/brink.conf"
wait_for 30 bsh -c "show interfaces" || fail "brinkd does not reach the restarted dataplane"
grepq "capture: unavailable: the dataplane runs with EAL --no-huge" "$T/dataplane.log" ||
	fail "the dataplane does not say why captures are unavailable"
out=$(bsh -c "monitor traffic interface dp0 count 1" 2>&1) && fail "a capture under --no-huge succeeded: $out"
echo "$out" | grepq "cannot capture: the dataplane runs with EAL --no-huge; dpdk-dumpcap needs its memory in hugepages" ||
	fail "--no-huge: $out"
log "--no-huge: $out"
