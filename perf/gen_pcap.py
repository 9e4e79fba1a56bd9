#!/usr/bin/python3
"""Write the benchmark input: 64-byte Ethernet/IPv4/UDP frames (60 bytes
captured + 4 bytes FCS on the wire) spread over N /24 destination prefixes.

Usage: gen_pcap.py OUT.pcap DST_MAC [--prefixes 1000] [--frames 1000]
           [--size 60 | --imix] [--src-ip A] [--src-mac M]
           [--ipip OUTER_SRC,OUTER_DST | --vxlan OUTER_SRC,OUTER_DST,VNI,INNER_DST_MAC]
       gen_pcap.py OUT.pcap DST_MAC --flows N [--prefixes 1000] [--src-mac M]

Prefix i is 10.<i // 256>.<i % 256>.0/24.  Frame k goes to prefix k % N,
host (k // N) % 250 + 1, and the frame order is shuffled (fixed seed) so
consecutive lookups hit unrelated prefixes.  Source 192.0.2.2 (the subnet
of the receiving port), TTL 64, valid IPv4 header checksum, UDP checksum.

--imix: frame k is 64, 594 or 1518 bytes on the wire (60/590/1514 captured)
as k % 12 falls in 0-6, 7-10 or 11: simple IMIX, 7:4:1 (use a multiple of
12 frames for the exact mix).

--flows N: N 64-byte frames, each its own UDP flow (frame k from
172.16.0.0 + k // 50000, source port 1024 + k % 50000), written without
scapy per frame so that a million take seconds: connection tracking's input.

The sizes are those of the frame a host sends; the tunnels carry it as a
tunnel endpoint would, to the router (DST_MAC), from OUTER_SRC to OUTER_DST:
--ipip  its IPv4 packet in an outer IPv4 header (protocol 4, 20 bytes more),
--vxlan the frame itself, with INNER_DST_MAC and the source MAC, after outer
        IPv4, UDP to 4789 (source port from the flow, checksum 0, as Linux
        sends them) and the VXLAN header with VNI (50 bytes more).
Outer headers: TTL 64, DF set (Linux's default with PMTU discovery).
"""
import argparse
import random
import socket
import struct
import sys

from scapy.all import Ether, IP, UDP, VXLAN, Raw, wrpcap  # Debian python3-scapy


IMIX = (60,) * 7 + (590,) * 4 + (1514,)
VXLAN_PORT = 4789


def prefix(i):
    return "10.%d.%d" % (i // 256, i % 256)


def encapsulate(args, frame, k):
    """frame as the tunnel's far end sends it to the router."""
    if args.ipip:
        src, dst = args.ipip.split(",")
        return Ether(dst=args.dst_mac, src=args.src_mac) / IP(src=src, dst=dst, ttl=64, flags="DF") / frame[IP]
    src, dst, vni, inner_mac = args.vxlan.split(",")
    frame[Ether].dst = inner_mac
    return (Ether(dst=args.dst_mac, src=args.src_mac) / IP(src=src, dst=dst, ttl=64, flags="DF")
            / UDP(sport=49152 + k % 16384, dport=VXLAN_PORT, chksum=0) / VXLAN(vni=int(vni), flags=0x08)
            / frame)


def ones_sum(data):
    if len(data) % 2:
        data += b"\x00"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def write_flows(args):
    """--flows: one frame per flow, headers patched into a fixed template."""
    eth = bytes(Ether(dst=args.dst_mac, src=args.src_mac, type=0x0800))[:14]
    order = list(range(args.flows))
    random.Random(1).shuffle(order)
    with open(args.out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for k in order:
            p = k % args.prefixes
            src = struct.pack("!I", 0xac100000 + k // 50000)
            dst = socket.inet_aton("%s.%d" % (prefix(p), (k // args.prefixes) % 250 + 1))
            sport = 1024 + k % 50000
            payload = b"\x00" * 18
            udp_len = 8 + len(payload)
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, 0, 0, 64, 17, 0, src, dst)
            ip = ip[:10] + struct.pack("!H", 0xffff - ones_sum(ip)) + ip[12:]
            pseudo = src + dst + struct.pack("!BBH", 0, 17, udp_len)
            udp = struct.pack("!HHHH", sport, 9, udp_len, 0) + payload
            csum = 0xffff - ones_sum(pseudo + udp)
            udp = udp[:6] + struct.pack("!H", csum or 0xffff) + udp[8:]
            frame = eth + ip + udp
            f.write(struct.pack("<IIII", 0, 0, len(frame), len(frame)) + frame)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("dst_mac")
    ap.add_argument("--src-mac", default="02:00:00:00:00:01")
    ap.add_argument("--src-ip", default="192.0.2.2")
    ap.add_argument("--prefixes", type=int, default=1000)
    ap.add_argument("--frames", type=int, default=1000)
    ap.add_argument("--size", type=int, default=60,
                    help="captured frame length without FCS (60 = 64 B frame)")
    ap.add_argument("--imix", action="store_true", help="sizes 7:4:1 of 64/594/1518 B frames")
    ap.add_argument("--ipip", metavar="OUTER_SRC,OUTER_DST")
    ap.add_argument("--vxlan", metavar="OUTER_SRC,OUTER_DST,VNI,INNER_DST_MAC")
    ap.add_argument("--inner-src-mac", default="52:54:00:aa:bb:cc",
                    help="--vxlan: the source MAC of the frames inside")
    ap.add_argument("--flows", type=int, help="this many 64-byte frames, each its own flow")
    args = ap.parse_args()
    if args.prefixes > 256 * 256:
        sys.exit("too many prefixes")
    if args.flows:
        if args.imix or args.ipip or args.vxlan:
            sys.exit("--flows takes none of --imix, --ipip, --vxlan")
        write_flows(args)
        return
    if args.ipip and args.vxlan:
        sys.exit("--ipip or --vxlan, not both")

    order = list(range(args.frames))
    random.Random(1).shuffle(order)
    pkts = []
    for k in order:
        p = k % args.prefixes
        host = (k // args.prefixes) % 250 + 1
        size = IMIX[k % len(IMIX)] if args.imix else args.size
        pkt = (Ether(dst=args.dst_mac, src=args.inner_src_mac if args.vxlan else args.src_mac)
               / IP(src=args.src_ip, dst="%s.%d" % (prefix(p), host), ttl=64)
               / UDP(sport=1024 + (k % 50000), dport=9))
        pad = size - len(pkt)
        if pad > 0:
            pkt = pkt / Raw(b"\x00" * pad)
        pkt = Ether(bytes(pkt))  # fill in lengths and checksums
        assert len(pkt) == size, len(pkt)
        if args.ipip or args.vxlan:
            pkt = Ether(bytes(encapsulate(args, pkt, k)))
        pkts.append(pkt)
    wrpcap(args.out, pkts)


if __name__ == "__main__":
    main()
