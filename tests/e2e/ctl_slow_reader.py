#!/usr/bin/env python3
"""A control client of brink-dataplane that says HELLO, then sends dump
requests and never reads a reply. It must not stop the dataplane's main
lcore, and the dataplane must disconnect it.

usage: ctl_slow_reader.py SOCKET DP_MSG_H STALLED_FILE

The wire layout is that of DP_MSG_H (common/dp_msg.h): the version and the
message types are read from it. STALLED_FILE is created once the dataplane
stops taking requests (a send blocks). Exits 0 when the dataplane closes
the connection, 1 if it has not within 60 s, 2 if HELLO is refused.
"""
import os
import re
import socket
import struct
import sys
import time

HDR = struct.Struct("=HHHHIIiI")  # struct dp_msg_hdr: version type flags reserved len seq status count
HELLO_REQ = struct.Struct("=II")  # struct dp_hello_req: flags pid


def protocol(header):
    text = open(header).read()
    version = int(re.search(r"#define DP_MSG_VERSION (\d+)", text).group(1))
    body = re.search(r"enum dp_msg_type \{(.*?)\};", text, re.S).group(1)
    entries = re.findall(r"^\s*DP_MSG_(\w+)\s*(=\s*\d+)?,", body, re.M)
    if entries[0] != ("HELLO", "= 1") or any(value for _, value in entries[1:]):
        sys.exit(f"{header}: expected DP_MSG_HELLO = 1 followed by implicit values")
    return version, {name: i + 1 for i, (name, _) in enumerate(entries)}


def message(version, mtype, seq, body=b""):
    return HDR.pack(version, mtype, 0, 0, HDR.size + len(body), seq, 0, 0) + body


def main():
    path, header, stalled_file = sys.argv[1:4]
    version, types = protocol(header)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(path)
    s.send(message(version, types["HELLO"], 1, HELLO_REQ.pack(0, os.getpid())))
    reply = s.recv(65536)
    status = HDR.unpack_from(reply)[6]
    if status != 0:
        text = reply[HDR.size:].split(b"\0")[0].decode()
        print(f"HELLO refused ({status}): {text}")
        return 2
    print("controller; sending dumps, reading nothing", flush=True)

    s.settimeout(0.5)
    dumps = [types["ROUTE_DUMP"], types["STATS_DUMP"]]
    seq, sent, stalled = 1, 0, False
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        seq += 1
        try:
            s.send(message(version, dumps[seq % 2], seq))
            sent += 1
        except socket.timeout:
            if not stalled:
                print(f"stalled after {sent} requests", flush=True)
                open(stalled_file, "w").close()
                stalled = True
        except (BrokenPipeError, ConnectionResetError):
            print(f"disconnected by the dataplane after {sent} requests")
            return 0
    print(f"still connected after 60 s and {sent} requests")
    return 1


if __name__ == "__main__":
    sys.exit(main())
