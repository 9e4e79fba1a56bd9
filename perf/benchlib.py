#!/usr/bin/python3
"""Helpers for perf/bench_l3.sh (stdlib only, plus dpdk_telemetry.py).

  benchlib.py port SOCK DEVNAME
        port id of the ethdev named DEVNAME (e.g. net_null0) in that process
  benchlib.py window SOCK RXPORT TXPORT SECONDS [PID]
        read both ports' counters, sleep, read again; print one JSON object
        {"dt", "rx", "tx", "pps", "rx_pps", "tx_errors"[, "cpu_share"]}: tx = delta
        opackets of TXPORT (the sink), rx = delta ipackets of RXPORT (the source),
        cpu_share = on-CPU time of PID's busiest thread (the forwarder) / dt
  benchlib.py flowing SOCK RXPORT TXPORT TIMEOUT
        wait until the sink transmits >= 90 % of what the source receives over
        a 1 s window; exit 1 with the last window on stdout if it never does
  benchlib.py median [--per-cpu] FILE...  median pps over window files (JSON);
        --per-cpu: pps divided by the forwarder's on-CPU share
  benchlib.py stages BEFORE AFTER TSC_HZ PPS [PER_STAGE]
        per-stage table from two `brinksh -j -c "show dataplane statistics"`
        snapshots (deltas), against the measured cycles/packet TSC_HZ/PPS;
        cyc/pkt(all) is per packet of PER_STAGE (default: the busiest stage;
        "rx" where a packet passes a stage twice, as a tunnelled one does)
  benchlib.py counters FILE            port and drop counters from one snapshot
"""
import json
import os
import re
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dpdk_telemetry import Telemetry  # noqa: E402


def port_stats(t, port):
    return t.cmd("/ethdev/stats,%d" % port)["/ethdev/stats"]


def find_port(sock, name):
    t = Telemetry(sock)
    for p in t.cmd("/ethdev/list")["/ethdev/list"]:
        info = t.cmd("/ethdev/info,%d" % p)["/ethdev/info"]
        if info.get("name") == name:
            return p
    sys.exit("no ethdev named %s behind %s" % (name, sock))


def busiest_task(pid):
    """The thread of pid with the most CPU time: the busy-polling forwarder."""
    best, most = None, -1
    for tid in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/stat" % (pid, tid)) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        used = int(fields[11]) + int(fields[12])  # utime + stime
        if used > most:
            best, most = int(tid), used
    return best


def on_cpu_ns(pid, tid):
    with open("/proc/%d/task/%d/schedstat" % (pid, tid)) as f:
        return int(f.read().split()[0])


def window(sock, rxp, txp, secs, pid=None):
    t = Telemetry(sock)
    tid = busiest_task(pid) if pid else None

    def snap():
        t0 = time.monotonic()
        rx = port_stats(t, rxp)
        tx = port_stats(t, txp)
        ns = on_cpu_ns(pid, tid) if tid else 0
        t1 = time.monotonic()
        return (t0 + t1) / 2, rx, tx, ns

    a = snap()
    time.sleep(secs)
    b = snap()
    t.close()
    dt = b[0] - a[0]
    rx = b[1]["ipackets"] - a[1]["ipackets"]
    tx = b[2]["opackets"] - a[2]["opackets"]
    w = {"dt": dt, "rx": rx, "tx": tx, "pps": tx / dt, "rx_pps": rx / dt,
         "tx_errors": b[2]["oerrors"] - a[2]["oerrors"]}
    if tid:
        # share of the window the forwarding thread was on its CPU (< 1: the
        # core was shared with other work or the hypervisor took it)
        w["cpu_share"] = (b[3] - a[3]) / 1e9 / dt
    return w


def flatten(obj, prefix=""):
    """Flatten nested JSON into {"a.b.c": number}."""
    out = {}
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.update(flatten(v, prefix + str(k) + "."))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            key = None
            if isinstance(v, dict):
                key = v.get("name") or v.get("stage") or v.get("port") or v.get("interface")
            out.update(flatten(v, prefix + str(key if key is not None else i) + "."))
    elif isinstance(obj, (int, float)) and not isinstance(obj, bool):
        out[prefix[:-1]] = obj
    return out


STAGE_RE = re.compile(r"(?:^|\.)stages?\.([A-Za-z0-9_]+)\.(packets|cycles)$")


def stages_of(flat):
    st = {}
    for k, v in flat.items():
        m = STAGE_RE.search(k)
        if m and not re.search(r"(?:^|\.)(lcores?|workers?)\.", k):
            st.setdefault(m.group(1), {})[m.group(2)] = v
    if not st:  # only per-lcore rows: sum them
        for k, v in flat.items():
            m = STAGE_RE.search(k)
            if m:
                d = st.setdefault(m.group(1), {})
                d[m.group(2)] = d.get(m.group(2), 0) + v
    return st


def load(path):
    with open(path) as f:
        return json.load(f)


def stages(before, after, tsc_hz, pps, per_stage=None):
    a = stages_of(flatten(load(before)))
    b = stages_of(flatten(load(after)))
    if not b:
        print("no stage.<name>.packets/cycles counters in `show dataplane statistics`")
        return 1
    rows = []
    for name in b:  # keep the dataplane's order (path order)
        dp = b[name].get("packets", 0) - a.get(name, {}).get("packets", 0)
        dc = b[name].get("cycles", 0) - a.get(name, {}).get("cycles", 0)
        rows.append((name, dp, dc))
    if per_stage:
        ref = next((r[1] for r in rows if r[0] == per_stage), 0)
    else:
        ref = max((r[1] for r in rows), default=0)  # packets through the path
    total = sum(r[2] for r in rows)
    measured = tsc_hz / pps if pps else 0
    print("%-14s %14s %12s %12s %8s" % ("stage", "packets", "cyc/pkt(own)", "cyc/pkt(all)", "share"))
    for name, dp, dc in rows:
        own = dc / dp if dp else 0.0
        per_all = dc / ref if ref else 0.0
        share = 100.0 * dc / total if total else 0.0
        print("%-14s %14d %12.1f %12.1f %7.1f%%" % (name, dp, own, per_all, share))
    print("%-14s %14s %12s %12.1f %7.1f%%" % ("sum of stages", "", "", total / ref if ref else 0, 100.0))
    if measured:
        print("measured TSC cycles/packet in this run: %.1f (outside the timed stages: %.1f)"
              % (measured, measured - (total / ref if ref else 0)))
    return 0


def counters(path):
    flat = flatten(load(path))
    always = ("rx_packets", "tx_packets", "ip4.forwarded")
    for k in sorted(flat):
        if STAGE_RE.search(k) or k.startswith("worker."):
            continue
        if k in always or k.endswith(".rx_packets") or k.endswith(".tx_packets") or flat[k]:
            print("  %-40s %d" % (k, flat[k]))


def main():
    cmd = sys.argv[1]
    a = sys.argv[2:]
    if cmd == "port":
        print(find_port(a[0], a[1]))
    elif cmd == "window":
        pid = int(a[4]) if len(a) > 4 else None
        print(json.dumps(window(a[0], int(a[1]), int(a[2]), float(a[3]), pid)))
    elif cmd == "flowing":
        deadline = time.monotonic() + float(a[3])
        while True:
            w = window(a[0], int(a[1]), int(a[2]), 1.0)
            if w["rx"] > 0 and w["tx"] >= 0.9 * w["rx"]:
                print(json.dumps(w))
                return 0
            if time.monotonic() > deadline:
                print(json.dumps(w))
                return 1
    elif cmd == "median":
        if a[0] == "--per-cpu":  # packets per on-CPU second of the forwarder
            print(statistics.median(load(p)["pps"] / load(p).get("cpu_share", 1) for p in a[1:]))
        else:
            print(statistics.median(load(p)["pps"] for p in a))
    elif cmd == "stages":
        return stages(a[0], a[1], float(a[2]), float(a[3]), a[4] if len(a) > 4 else None)
    elif cmd == "counters":
        counters(a[0])
    else:
        sys.exit(__doc__)
    return 0


if __name__ == "__main__":
    sys.exit(main())
