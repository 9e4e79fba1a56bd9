#!/usr/bin/python3
"""Write the benchmark input: 64-byte Ethernet/IPv4/UDP frames (60 bytes
captured + 4 bytes FCS on the wire) spread over N /24 destination prefixes.

Usage: gen_pcap.py OUT.pcap DST_MAC [--prefixes 1000] [--frames 1000]
           [--routes-brink FILE] [--routes-l3fwd FILE]

Prefix i is 10.<i // 256>.<i % 256>.0/24.  Frame k goes to prefix k % N,
host (k // N) % 250 + 1, and the frame order is shuffled (fixed seed) so
consecutive lookups hit unrelated prefixes.  Source 192.0.2.2 (the subnet
of the receiving port), TTL 64, valid IPv4 header checksum, UDP checksum.
"""
import argparse
import random
import sys

from scapy.all import Ether, IP, UDP, Raw, wrpcap  # Debian python3-scapy


def prefix(i):
    return "10.%d.%d" % (i // 256, i % 256)


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
    args = ap.parse_args()
    if args.prefixes > 256 * 256:
        sys.exit("too many prefixes")

    order = list(range(args.frames))
    random.Random(1).shuffle(order)
    pkts = []
    for k in order:
        p = k % args.prefixes
        host = (k // args.prefixes) % 250 + 1
        pkt = (Ether(dst=args.dst_mac, src=args.src_mac)
               / IP(src=args.src_ip, dst="%s.%d" % (prefix(p), host), ttl=64)
               / UDP(sport=1024 + (k % 50000), dport=9))
        pad = args.size - len(pkt)
        if pad > 0:
            pkt = pkt / Raw(b"\x00" * pad)
        pkt = Ether(bytes(pkt))  # fill in lengths and checksums
        assert len(pkt) == args.size, len(pkt)
        pkts.append(pkt)
    wrpcap(args.out, pkts)


if __name__ == "__main__":
    main()
