#!/usr/bin/env bash
# Checksums through NAT, as the wire shows them: the pod masqueraded to the
# VM, the VM's answers translated back. A UDP datagram sent without a
# checksum (0) leaves without one; one whose translated checksum computes to
# 0 leaves with all ones (RFC 768); every other TCP and UDP checksum, and the
# IP header's, is valid on both sides (scapy computes them afresh).
. "$(dirname "$0")/lib.sh"

demo_up
bsh_commit "set system conntrack table-size 4096" "set nat source rule 100 outbound-interface name dp1" \
	"set nat source rule 100 source address 172.30.0.0/16" \
	"set nat source rule 100 translation address masquerade"

capture_start vm "$VM" eth0 -n
capture_start pod "$POD" eth0 -n
# Masquerade keeps a free source port, so the translated datagram is known
# in advance: its 2-byte payload is chosen so that its checksum sums to 0.
in_ns "$POD" "$PY" - <<'PYEOF' || fail "scapy could not send the datagrams"
import logging
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import IP, TCP, UDP, Raw, send, checksum
import struct

def zero_sum_payload(src, dst, sport, dport):
    """Two bytes whose datagram from src:sport to dst:dport has a checksum that computes to 0."""
    u = UDP(sport=sport, dport=dport, len=10, chksum=0) / Raw(b"\0\0")
    pseudo = IP(src=src, dst=dst, proto=17).build()[12:20] + struct.pack("!BBH", 0, 17, 10)
    s = 0xffff - (0xffff & ~checksum(pseudo + bytes(u)))
    return struct.pack("!H", s)

pod, vm = "172.30.1.10", "192.168.10.10"
send(IP(src=pod, dst=vm) / UDP(sport=40001, dport=9, chksum=0) / Raw(b"no checksum"), verbose=0)
send(IP(src=pod, dst=vm) / UDP(sport=40002, dport=9) / Raw(zero_sum_payload("192.168.10.1", vm, 40002, 9)),
     verbose=0)
send(IP(src=pod, dst=vm) / UDP(sport=40003, dport=9) / Raw(b"checksummed"), verbose=0)
send(IP(src=pod, dst=vm) / TCP(sport=40004, dport=9, flags="S"), verbose=0)
PYEOF
# the VM answers the SYN with a RST (nothing listens on 9), back through the NAT
sleep 1
capture_stop vm
capture_stop pod

res=$("$PY" - "$T/vm.pcap" "$T/pod.pcap" <<'PYEOF'
import sys
from scapy.all import IP, TCP, UDP, rdpcap

def valid(p):
    """Whether p's IP and L4 checksums are what scapy computes afresh."""
    fresh = p.copy()
    del fresh[IP].chksum
    l4 = fresh[UDP] if UDP in fresh else fresh[TCP]
    del l4.chksum
    fresh = IP(bytes(fresh))
    got = p[UDP].chksum if UDP in p else p[TCP].chksum
    want = fresh[UDP].chksum if UDP in fresh else fresh[TCP].chksum
    return p[IP].chksum == fresh[IP].chksum and got == want

out = []
vm = [p[IP] for p in rdpcap(sys.argv[1]) if IP in p and (UDP in p or TCP in p)]
by_port = {p.sport: p for p in vm if p.src == "192.168.10.1"}
for port in (40001, 40002, 40003, 40004):
    p = by_port.get(port)
    if p is None:
        out.append("%d:missing" % port)
    elif port == 40001:
        out.append("%d:%s" % (port, "zero" if p[UDP].chksum == 0 else "0x%04x" % p[UDP].chksum))
    elif port == 40002:
        out.append("%d:%s" % (port, "ones" if p[UDP].chksum == 0xffff else "0x%04x" % p[UDP].chksum))
    else:
        out.append("%d:%s" % (port, "valid" if valid(p) else "bad"))
pod = [p[IP] for p in rdpcap(sys.argv[2]) if IP in p and TCP in p and p[TCP].dport == 40004]
out.append("rst:%s" % ("missing" if not pod else "valid" if valid(pod[0]) and pod[0].src == "192.168.10.10"
                       else "bad"))
print(" ".join(out))
PYEOF
) || fail "reading the captures: $res"
log "on the wire: $res"
[ "$res" = "40001:zero 40002:ones 40003:valid 40004:valid rst:valid" ] ||
	fail "checksums through NAT: $res, expected 40001:zero 40002:ones 40003:valid 40004:valid rst:valid"
[ "$(stat nat.snat)" -ge 4 ] || fail "nat.snat is $(stat nat.snat), expected the 4 flows"
