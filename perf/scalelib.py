#!/usr/bin/python3
"""Helpers for perf/bench_scale.sh (stdlib, plus scapy for the pcap).

  scalelib.py gen DIR N COMMIT FRAMES DST_MAC HEADER
        N routes and COMMIT more (fixed seed), written to DIR:
          base.conf     HEADER (ports, static ARP) + the N routes
          commit.conf   the same + the COMMIT routes
          l3fwd-v4.cfg  the N routes for l3fwd's --rule_ipv4
          in.pcap       FRAMES 64-byte UDP frames to hosts inside the N routes
          probes        three of the N prefixes, to check the dataplane has them
        and prints the number of /24s holding a longer prefix (l3fwd's tbl8s).
        Lengths: half /24, half /25../32 evenly; base prefixes from 1-191.x
        (not 127), commit prefixes from 192-223.x, so adding and removing
        the commit's routes never changes the route of a frame.
  scalelib.py commit BRINKSH SOCK FILE TIMEOUT
        one brinksh session: configure, load FILE, then time `commit`; prints
        {"ok", "commit_s", "output"} as JSON
  scalelib.py drops FILE            sum of the drop.* counters of one snapshot
  scalelib.py plot DATA PNG         routes vs Mpps and routes vs commit time
"""
import ipaddress
import json
import os
import random
import select
import subprocess
import sys
import time

GATEWAY = "198.51.100.2"
SKIP_24 = {(192, 0, 2), (198, 51, 100)}  # the source's and the sink's subnets


def draw(rng, first_octets, seen):
    while True:
        a = rng.choice(first_octets)
        b, c = rng.randrange(256), rng.randrange(256)
        if (a, b, c) in SKIP_24:
            continue
        length = 24 if rng.random() < 0.5 else rng.randint(25, 32)
        host = rng.randrange(256) & ~((1 << (32 - length)) - 1) & 0xFF
        net = (a << 24) | (b << 16) | (c << 8) | host
        if (net, length) not in seen:
            seen.add((net, length))
            return net, length


def routes(n, first_octets, seed):
    rng = random.Random(seed)
    seen = set()
    return sorted(draw(rng, first_octets, seen) for _ in range(n))


def fmt(net, length):
    return "%s/%d" % (ipaddress.IPv4Address(net), length)


def write_conf(path, header, rts):
    with open(path, "w") as f:
        f.write(header)
        f.write("protocols: { static: {\n  arp = ( { address = \"%s\"; hwaddr = \"02:00:00:00:00:02\"; } );\n"
                "  route = (\n" % GATEWAY)
        last = len(rts) - 1
        for i, (net, length) in enumerate(rts):
            f.write('    { prefix = "%s"; next-hop = "%s"; }%s\n' % (fmt(net, length), GATEWAY, "," if i < last else ""))
        f.write("  );\n}; };\n")


def gen(out, n, n_commit, frames, dst_mac, header_file):
    from scapy.all import Ether, IP, UDP, Raw, wrpcap  # Debian python3-scapy

    header = open(header_file).read()
    base = routes(n, [o for o in range(1, 192) if o != 127], 1)
    extra = routes(n_commit, list(range(192, 224)), 2)
    write_conf(os.path.join(out, "base.conf"), header, base)
    write_conf(os.path.join(out, "commit.conf"), header, sorted(base + extra))
    with open(os.path.join(out, "l3fwd-v4.cfg"), "w") as f:
        for net, length in base:
            f.write("R%s 1\n" % fmt(net, length))
    with open(os.path.join(out, "probes"), "w") as f:
        for net, length in (base[0], base[len(base) // 2], base[-1]):
            f.write("%s\n" % fmt(net, length))
    rng = random.Random(3)
    pkts = []
    for k in range(frames):
        net, length = base[rng.randrange(len(base))]
        dst = net | rng.randrange(1 << (32 - length))
        pkt = (Ether(dst=dst_mac, src="02:00:00:00:00:01")
               / IP(src="192.0.2.2", dst=str(ipaddress.IPv4Address(dst)), ttl=64)
               / UDP(sport=1024 + k % 50000, dport=9))
        pkt = Ether(bytes(pkt / Raw(b"\x00" * (60 - len(pkt)))))
        pkts.append(pkt)
    wrpcap(os.path.join(out, "in.pcap"), pkts)
    print(len({net >> 8 for net, length in base if length > 24}))


def commit(brinksh, sock, path, timeout):
    """configure + load, then the commit alone is timed: the marker command
    after it (`run show version`) answers only once the commit is done."""
    p = subprocess.Popen(["stdbuf", "-oL", brinksh, "-s", sock], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True, bufsize=1)
    out = []
    deadline = time.monotonic() + timeout

    def until(want):
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([p.stdout], [], [], left)[0]:
                return "timeout"
            line = p.stdout.readline()
            if not line:
                return "eof"
            out.append(line.rstrip("\n"))
            if line.startswith(want):
                return "ok"

    result = {"ok": False, "commit_s": None}
    p.stdin.write("configure\nload %s\n" % path)
    got = until("loaded ")
    if got == "ok":
        t0 = time.monotonic()
        p.stdin.write("commit\nrun show version\n")
        got = until("Brink ")
        if got == "ok":
            result = {"ok": True, "commit_s": time.monotonic() - t0}
    if got == "timeout":
        out.append("(no answer within %d s)" % timeout)
    try:
        p.stdin.write("exit discard\nexit\n")
        p.stdin.close()
        p.wait(5)
    except (OSError, subprocess.TimeoutExpired):
        p.kill()
        p.wait()
    result["output"] = "\n".join(out[-20:])
    print(json.dumps(result))
    return 0 if result["ok"] else 1


def drops(path):
    def walk(o, key=""):
        if isinstance(o, dict):
            return sum(walk(v, k) for k, v in o.items())
        if isinstance(o, list):
            return sum(walk(v, key) for v in o)
        if isinstance(o, (int, float)) and not isinstance(o, bool) and key.startswith("drop."):
            return o
        return 0

    with open(path) as f:
        doc = json.load(f)
    flat = doc.get("counters", doc) if isinstance(doc, dict) else doc
    print(int(walk(flat)))


def plot(data, png):
    """DATA: lines 'routes brink_mpps l3fwd_mpps add_s del_s' ('-' for none);
    a panel with no point at all is left out."""
    rows = [line.split() for line in open(data) if line.strip()]
    has = [any(r[i] != "-" for r in rows) for i in range(5)]
    panels = []
    if has[1] or has[2]:
        curves = ["'%s' using 1:%d with linespoints title '%s'" % (data, i + 1, name)
                  for i, name in ((1, "brink"), (2, "l3fwd")) if has[i]]
        panels.append("set ylabel 'Mpps (64 B, one worker)'\nset key left bottom\nplot " + ", ".join(curves))
    if has[3] or has[4]:
        curves = ["'%s' using 1:%d with linespoints title '%s'" % (data, i + 1, name)
                  for i, name in ((3, "commit: add"), (4, "commit: remove")) if has[i]]
        panels.append("set ylabel 'seconds'\nset key left top\nplot " + ", ".join(curves))
    if not panels:
        sys.exit("nothing to plot")
    gp = ("set terminal pngcairo size %d,450\nset output '%s'\nset multiplot layout 1,%d\nset logscale x\n"
          "set grid\nset xlabel 'routes'\nset yrange [0:*]\nset datafile missing '-'\n%s\nunset multiplot\n"
          % (550 * len(panels), png, len(panels), "\n".join(panels)))
    return subprocess.run(["gnuplot"], input=gp, text=True).returncode


def main():
    cmd, a = sys.argv[1], sys.argv[2:]
    if cmd == "gen":
        gen(a[0], int(a[1]), int(a[2]), int(a[3]), a[4], a[5])
    elif cmd == "commit":
        return commit(a[0], a[1], a[2], float(a[3]))
    elif cmd == "drops":
        drops(a[0])
    elif cmd == "plot":
        return plot(a[0], a[1])
    else:
        sys.exit(__doc__)
    return 0


if __name__ == "__main__":
    sys.exit(main())
