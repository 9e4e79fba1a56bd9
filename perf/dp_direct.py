#!/usr/bin/python3
"""Benchmark-only client of brink-dataplane's control socket (common/dp_msg.h),
for when brinkd is not available: it pushes the whole benchmark state in one
transaction and reads the counters. Normal operation goes through brinkd.
The dataplane serves one client at a time: never use this while brinkd runs.

  dp_direct.py SOCK program --port NAME=IP/LEN ... --routes N --gateway IP
                            [--neigh IP=MAC ...]
        ports admin up with their addresses, N static /24 routes
        10.<i/256>.<i%256>.0/24 via the gateway, static neighbours
  dp_direct.py SOCK stats     counters as one JSON object {name: value}
  dp_direct.py SOCK routes    number of routes in the dataplane's FIB
"""
import argparse
import ipaddress
import json
import socket
import struct
import sys

VERSION = 1
(HELLO, PORT_DUMP, TXN_BEGIN, TXN_PORT, TXN_ADDR, TXN_ROUTE, TXN_NEIGH, TXN_COMMIT,
 TXN_ABORT, ROUTE_DUMP, NEIGH_DUMP, STATS_DUMP, STATS_CLEAR) = range(1, 14)
F_MORE = 1
HDR = struct.Struct("=HHHHIIiI")            # struct dp_msg_hdr, 24 bytes
ROUTE_GATEWAY = 1


def pad(fmt, align):
    size = struct.calcsize(fmt)
    return struct.Struct(fmt + "%dx" % ((-size) % align) if (-size) % align else fmt)


PORT_CONF = pad("@16sHB6sB", 2)   # struct dp_port_conf (26)
ADDR = pad("@16sIB", 4)           # struct dp_addr (24)
ROUTE = pad("@IBBHI", 4)          # struct dp_route (12)
NEIGH = pad("@16sI6s", 4)         # struct dp_neigh (28)
COUNTER = struct.Struct("@56sQ")  # struct dp_counter (64)
TXN = struct.Struct("@Q")


class Dp:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.s.connect(path)
        self.seq = 0

    def request(self, mtype, body=b""):
        """Send one request; return (status, [bodies]) over all MORE replies."""
        self.seq += 1
        self.s.send(HDR.pack(VERSION, mtype, 0, 0, HDR.size + len(body), self.seq, 0, 0) + body)
        bodies = []
        while True:
            msg = self.s.recv(65536 + 64)
            if not msg:
                raise RuntimeError("dataplane closed the control socket")
            ver, typ, flags, _, length, seq, status, count = HDR.unpack_from(msg)
            if ver != VERSION or typ != mtype or seq != self.seq or length != len(msg):
                raise RuntimeError("unexpected reply %r" % (HDR.unpack_from(msg),))
            if status < 0:
                text = msg[HDR.size:].split(b"\0")[0].decode(errors="replace")
                raise RuntimeError("dataplane refused message type %d: %s (%d)" % (mtype, text, status))
            bodies.append(msg[HDR.size:])
            if not flags & F_MORE:
                return bodies


def ip_int(s):
    return int(ipaddress.IPv4Address(s))


def mac_bytes(s):
    return bytes(int(x, 16) for x in s.split(":"))


def program(dp, a):
    dp.request(TXN_BEGIN, TXN.pack(1))
    for spec in a.port:
        name, cidr = spec.split("=")
        dp.request(TXN_PORT, PORT_CONF.pack(name.encode(), 0, 0, b"\0" * 6, 1))
        ip, plen = cidr.split("/")
        dp.request(TXN_ADDR, ADDR.pack(name.encode(), ip_int(ip), int(plen)))
    gw = ip_int(a.gateway)
    for i in range(a.routes):
        prefix = ip_int("10.%d.%d.0" % (i // 256, i % 256))
        dp.request(TXN_ROUTE, ROUTE.pack(prefix, 24, ROUTE_GATEWAY, 0, gw))
    for spec in a.neigh or []:
        ip, mac = spec.split("=")
        dp.request(TXN_NEIGH, NEIGH.pack(b"", ip_int(ip), mac_bytes(mac)))
    dp.request(TXN_COMMIT)


def stats(dp):
    out = {}
    for body in dp.request(STATS_DUMP):
        for off in range(0, len(body) - COUNTER.size + 1, COUNTER.size):
            name, value = COUNTER.unpack_from(body, off)
            out[name.split(b"\0")[0].decode()] = value
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("sock")
    ap.add_argument("cmd", choices=["program", "stats", "routes"])
    ap.add_argument("--port", action="append", default=[])
    ap.add_argument("--routes", type=int, default=0)
    ap.add_argument("--gateway")
    ap.add_argument("--neigh", action="append")
    a = ap.parse_args()
    dp = Dp(a.sock)
    try:
        if a.cmd == "program":
            program(dp, a)
        elif a.cmd == "stats":
            print(json.dumps(stats(dp)))
        else:
            # struct dp_route_info: IBBBBI16s = 28 bytes
            print(sum(len(b) // 28 for b in dp.request(ROUTE_DUMP)))
    except RuntimeError as e:
        sys.exit("dp_direct: %s" % e)


if __name__ == "__main__":
    main()
