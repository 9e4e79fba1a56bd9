#!/usr/bin/python3
"""A user-space IP-in-IP endpoint, as a Calico node's tunl0 behaves.

The kernel here has no ipip module, so the namespace's IP stack sees the
tunnel as a TUN device (routes to the pod ranges point at it) and this
program carries its packets:
  TUN -> raw IPPROTO_IPIP socket: the kernel adds the outer IPv4 header
         (source --local, destination the remote chosen for the inner
         destination, protocol 4, DF, its own checksum);
  raw socket -> TUN: the outer header is stripped, the inner packet written.

Point-to-point: --remote ADDR takes every packet and is the only outer source
accepted. Any-remote (Calico's cross-subnet mode): --route PREFIX=NODE, as
many as needed, choose the outer destination by the inner destination
(longest prefix); outer sources are not checked, as tunl0 checks none.

Prints "ready" once the TUN exists; on SIGTERM prints its counters
("sent N received N unrouted N refused N malformed N") and exits 0.
"""

import argparse
import fcntl
import ipaddress
import os
import select
import signal
import socket
import struct
import sys

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000
IPPROTO_IPIP = 4
MAX_PACKET = 65535
SO_RCVBUFFORCE = 33  # <asm-generic/socket.h>; Python names only SO_RCVBUF


def parse_route(text):
    prefix, sep, node = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError("route %r is not PREFIX=NODE" % text)
    try:
        return ipaddress.ip_network(prefix), ipaddress.ip_address(node)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e))


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tun", required=True, help="TUN device to create")
    p.add_argument("--local", required=True, type=ipaddress.ip_address, help="outer source")
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument("--remote", type=ipaddress.ip_address, help="point-to-point remote")
    mode.add_argument("--route", type=parse_route, action="append", help="PREFIX=NODE (any-remote)")
    return p.parse_args()


def open_tun(name):
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    return fd


class Peer:
    def __init__(self, args):
        self.remote = args.remote
        # longest prefix first, so the first match is the best
        self.routes = sorted(args.route or [], key=lambda r: r[0].prefixlen, reverse=True)
        self.counters = dict.fromkeys(("sent", "received", "unrouted", "refused", "malformed"), 0)
        self.tun = open_tun(args.tun)
        self.raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, IPPROTO_IPIP)
        # with its receive queue full the kernel answers "protocol unreachable"
        self.raw.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 1 << 22)
        self.raw.bind((str(args.local), 0))

    def outer_destination(self, inner):
        if self.remote is not None:
            return self.remote
        dst = ipaddress.ip_address(inner[16:20])
        for prefix, node in self.routes:
            if dst in prefix:
                return node
        return None

    def from_tun(self):
        inner = os.read(self.tun, MAX_PACKET)
        if len(inner) < 20 or inner[0] >> 4 != 4:
            self.counters["malformed"] += 1
            return
        node = self.outer_destination(inner)
        if node is None:
            self.counters["unrouted"] += 1
            return
        self.raw.sendto(inner, (str(node), 0))
        self.counters["sent"] += 1

    def from_raw(self):
        packet, (src, _) = self.raw.recvfrom(MAX_PACKET)
        if self.remote is not None and ipaddress.ip_address(src) != self.remote:
            self.counters["refused"] += 1
            return
        outer_len = (packet[0] & 0x0F) * 4
        inner = packet[outer_len:]
        if len(inner) < 20 or inner[0] >> 4 != 4:
            self.counters["malformed"] += 1
            return
        os.write(self.tun, inner)
        self.counters["received"] += 1

    def run(self):
        stopping = []
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
        signal.signal(signal.SIGINT, lambda *_: stopping.append(True))
        print("ready", flush=True)
        while not stopping:
            try:
                readable, _, _ = select.select([self.tun, self.raw], [], [], 1.0)
            except InterruptedError:
                continue
            for f in readable:
                try:
                    if f is self.tun:
                        self.from_tun()
                    else:
                        self.from_raw()
                except OSError as e:
                    # e.g. EMSGSIZE or an unreachable node: that packet is lost, the tunnel lives on
                    print("ipip_peer: %s" % e, file=sys.stderr, flush=True)
        print(" ".join("%s %d" % kv for kv in self.counters.items()), flush=True)
        self.raw.close()
        os.close(self.tun)


def main():
    args = parse_args()
    try:
        peer = Peer(args)
    except OSError as e:
        sys.exit("ipip_peer: %s" % e)
    peer.run()


if __name__ == "__main__":
    main()
