#!/usr/bin/python3
"""brinkd's sessions: greeting, the 33rd connection told why it gets none, the
idle timeout closing sessions with a reason (raw API clients and an
interactive brinksh, pexpect).
usage: sessions.py BRINKSH SOCKET IDLE_SECONDS"""
import errno
import os
import re
import socket
import struct
import subprocess
import sys
import time

import pexpect
import pexpect_lib

brinksh, sock, idle = sys.argv[1], sys.argv[2], int(sys.argv[3])
MAX_SESSIONS = 32
# the version and flags as control/api_msg.h has them
_HDR = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../control/api_msg.h")).read()
API_VERSION = int(re.search(r"#define API_VERSION (\d+)", _HDR).group(1))
API_F_CLOSED = 0x0004
REPLY = struct.Struct("=HHiIHH")  # version, flags, status, len, level_len, reserved (control/api_msg.h)
WAIT = idle + 20  # generous: the idle check runs once a second on a shared machine


def fail(msg):
    sys.exit("FAIL: " + msg)


def reply(s, timeout):
    s.settimeout(timeout)
    try:
        m = s.recv(70000)
    except socket.timeout:
        fail("no reply within %d s" % timeout)
    if len(m) < REPLY.size:
        fail("short reply %r" % m)
    version, flags, status, n, _, _ = REPLY.unpack(m[: REPLY.size])
    if version != API_VERSION:
        fail("reply version %d" % version)
    return flags, status, m[REPLY.size : REPLY.size + n].decode()


def connect():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(sock)
    return s


def brinksh_c(*cmds):
    args = [brinksh, "-s", sock]
    for c in cmds:
        args += ["-c", c]
    return subprocess.run(args, capture_output=True, text=True, timeout=30)


# Every session is greeted before its first command.
clients = []
for i in range(MAX_SESSIONS):
    s = connect()
    flags, status, text = reply(s, 10)
    if status != 0 or flags & API_F_CLOSED:
        fail("session %d greeted with status %d flags %#x: %r" % (i + 1, status, flags, text))
    clients.append(s)
print("%d sessions open, each greeted" % len(clients))

# The 33rd is told why it gets no session.
r = brinksh_c("show configuration")
print("33rd: exit %d, stderr %r" % (r.returncode, r.stderr))
if r.returncode == 0 or "32 sessions are open" not in r.stderr or "idle sessions close after %d s" % idle not in r.stderr:
    fail("the 33rd session did not say why: exit %d, %r" % (r.returncode, r.stderr))

# Idle sessions close, each with the reason.
for i, s in enumerate(clients):
    flags, status, text = reply(s, WAIT)
    if status != -errno.ETIMEDOUT or not flags & API_F_CLOSED or "after %d s without a command" % idle not in text:
        fail("idle session %d: status %d flags %#x %r" % (i + 1, status, flags, text))
    s.settimeout(5)
    if s.recv(100) != b"":
        fail("idle session %d still open after its closing reply" % (i + 1))
    s.close()
print("%d idle sessions closed with the reason" % len(clients))
r = brinksh_c("show configuration")
if r.returncode != 0:
    fail("no session once the idle ones closed: %r" % r.stderr)

# An interactive brinksh: the reason shows at once at the prompt, with the
# uncommitted change that goes with the session; brinksh then exits 1.
sh = pexpect_lib.brinksh(brinksh, sock)
sh.expect(re.compile(r"> $", re.M))
sh.sendline("configure")
sh.expect(re.compile(r"# $", re.M))
sh.sendline("set protocols static route 10.77.0.0/16 next-hop 192.168.10.2")
sh.expect(re.compile(r"# $", re.M))
t0 = time.monotonic()
try:
    sh.expect("closed this session after %d s without a command" % idle, timeout=WAIT)
    sh.expect(r"\+ set protocols static route 10.77.0.0/16 next-hop 192.168.10.2")
    sh.expect(pexpect.EOF)
except (pexpect.TIMEOUT, pexpect.EOF):
    fail("interactive brinksh: no reason shown at the prompt: %r" % sh.before)
sh.close()
print("\ninteractive: closed after %.0f s idle, exit status %s" % (time.monotonic() - t0, sh.exitstatus))
if sh.exitstatus != 1:
    fail("brinksh exit status %s after brinkd closed the session" % sh.exitstatus)
r = brinksh_c("show ip route")
if "10.77.0.0/16" in r.stdout:
    fail("the uncommitted route of the closed session was applied")
print("sessions ok")
