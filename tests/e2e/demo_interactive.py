#!/usr/bin/python3
"""README command 1 in a terminal (pexpect): tools/demo.sh shows its traffic
and opens brinksh; ^C at that prompt clears the line; brinkd and the
dataplane have no terminal, so SIGINT to the terminal's foreground process
group (what ^C sends while a command runs) leaves them running, and brinksh
too; the "Another shell" command it prints works; exit tears the demo down
cleanly.
usage: demo_interactive.py DEMO_SH"""
import os
import re
import shlex
import signal
import subprocess
import sys
import time

import pexpect
from pexpect_lib import PROMPT, alive, interrupt, spawn, step

demo = sys.argv[1]


def stat(pid):
    """/proc/PID/stat fields after the command name: state, ppid, pgrp, session, tty_nr, tpgid, ..."""
    with open("/proc/%d/stat" % pid) as f:
        return f.read().rsplit(")", 1)[1].split()


sh = spawn("bash", [demo], timeout=15)
step(sh, "the demo prints how to open another shell", re.compile(r"Another shell: (.+?)\r?\n"), timeout=180)
attach = sh.match.group(1).strip()
step(sh, "the demo opens brinksh", PROMPT)

interrupt(sh, "show interf", times=3)
sh.sendline("show interfaces")
step(sh, "brinkd and the dataplane answer after ^C", "link up")
step(sh, "prompt", PROMPT)

ns = shlex.split(attach)[3]  # ip netns exec NS brinksh ...
pids = subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True).stdout.split()
daemons = {}
for pid in map(int, pids):
    with open("/proc/%d/comm" % pid) as f:
        comm = f.read().strip()
    if comm in ("brinkd", "brink-dataplane"):
        daemons[pid] = comm
if sorted(daemons.values()) != ["brink-dataplane", "brinkd"]:
    sys.exit("\nFAIL: brinkd and brink-dataplane not found in %s: %r" % (ns, daemons))
for pid, comm in daemons.items():
    if int(stat(pid)[4]) != 0:
        sys.exit("\nFAIL: %s (pid %d) has the demo's terminal" % (comm, pid))
foreground = int(stat(sh.pid)[5])
for _ in range(3):
    os.killpg(foreground, signal.SIGINT)
    time.sleep(0.2)
for pid, comm in daemons.items():
    if not alive(pid):
        sys.exit("\nFAIL: %s died of SIGINT to the terminal's foreground process group" % comm)
sh.sendline("show interfaces")
step(sh, "brinksh and the daemons answer after SIGINT to the foreground group", "link up")
step(sh, "prompt", PROMPT)

r = subprocess.run(shlex.split(attach) + ["-c", "show ip route"], capture_output=True, text=True, timeout=30)
if r.returncode != 0 or "10.20.0.0/16" not in r.stdout:
    sys.exit("\nFAIL: the printed command %r does not work: exit %d %r" % (attach, r.returncode, r.stderr))
print("\n(%s -c 'show ip route' works)" % attach)

sh.sendline("exit")
step(sh, "the demo tears down after exit", "==== tearing down")
step(sh, "the demo ends", pexpect.EOF, timeout=90)
sh.close()
if sh.exitstatus != 0:
    sys.exit("\nFAIL: the demo did not end cleanly (exit status %s)" % sh.exitstatus)
print("\ndemo ok (exit status 0)")
