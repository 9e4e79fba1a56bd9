#!/usr/bin/python3
"""Tiny DPDK telemetry (v2) client, stdlib only.

  dpdk_telemetry.py SOCKET CMD [CMD...]       print each reply as JSON
  dpdk_telemetry.py SOCKET --opackets PORT    print "<opackets> <ipackets> <monotonic s>"

The socket is /var/run/dpdk/<file-prefix>/dpdk_telemetry.v2 (SOCK_SEQPACKET).
On connect the server sends a greeting (version, pid, max_output_len); each
command is answered by one JSON message.
"""
import json
import socket
import sys
import time


class Telemetry:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.s.connect(path)
        hello = json.loads(self.s.recv(16384).decode())
        self.bufsize = int(hello.get("max_output_len", 16384)) + 64

    def cmd(self, c):
        self.s.send(c.encode())
        return json.loads(self.s.recv(self.bufsize).decode())

    def close(self):
        self.s.close()


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    t = Telemetry(sys.argv[1])
    if sys.argv[2] == "--opackets":
        port = int(sys.argv[3])
        r = t.cmd("/ethdev/stats,%d" % port)["/ethdev/stats"]
        now = time.monotonic()
        print(r["opackets"], r["ipackets"], "%.6f" % now)
    else:
        for c in sys.argv[2:]:
            print(json.dumps(t.cmd(c)))
    t.close()


if __name__ == "__main__":
    main()
