#!/usr/bin/python3
"""Drive an interactive brinksh through a pseudo-terminal (pexpect):
operational show, configure, TAB completion and '?' help, ^C, the pager,
JSON indented on a terminal.
usage: cli_interactive.py BRINKSH SOCKET [DAEMON_PID...]"""
import os
import re
import sys

import pexpect

brinksh, sock, daemons = sys.argv[1], sys.argv[2], [int(p) for p in sys.argv[3:]]
PROMPT = re.compile(r"[>#$%] ?$", re.M)
MORE = "--More--"


def spawn(args, rows=50):
    s = pexpect.spawn(brinksh, ["-s", sock] + args, encoding="utf-8", timeout=10, dimensions=(rows, 200))
    s.logfile_read = sys.stdout
    return s


sh = spawn([])


def step(what, pattern, s=None):
    s = s or sh
    try:
        s.expect(pattern)
    except (pexpect.TIMEOUT, pexpect.EOF):
        sys.exit("\nFAIL: %s: expected %r, got %r" % (what, pattern, s.before))


def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


step("first prompt", PROMPT)
sh.sendline("show interfaces")
step("show interfaces lists dp0", "dp0")
step("prompt after show", PROMPT)

sh.sendline("configure")
step("configuration mode prompt", PROMPT)

# TAB completes a unique keyword
sh.send("set interf\t")
step("TAB completes 'interf' to 'interfaces'", "aces")
sh.send("\x15")  # ^U: kill the line

# '?' lists what may follow, with help, without Enter
sh.send("set ?")
step("'?' after set lists interfaces", "interfaces")
step("'?' after set lists protocols", "protocols")
sh.send("\x15")
sh.sendline("")
step("prompt after help", PROMPT)

# TAB twice on an ambiguous/empty word lists the candidates
sh.send("set protocols static \t\t")
step("TAB lists 'route' under protocols static", "route")
sh.send("\x15")
sh.sendline("")
step("prompt", PROMPT)

# ^C abandons a half-typed line, as in a shell, and keeps configuration mode
sh.send("set protocols stat")
step("typed half a line", "stat")
sh.send("\x03")
step("^C is shown", r"\^C")
step("a fresh prompt after ^C", PROMPT)
sh.sendline("compare")
step("the abandoned line was not sent, still in configuration mode", "no changes")
step("prompt", PROMPT)

sh.sendline("exit")
step("back to operational mode", PROMPT)

sh.send("show interf")
step("typed half a line", "interf")
for _ in range(3):
    sh.send("\x03")
    step("^C is shown", r"\^C")
    step("a fresh prompt after ^C", PROMPT)
sh.sendline("show interfaces")
step("the line after ^C runs alone", "dp0")
step("prompt", PROMPT)
for pid in daemons:
    if not alive(pid):
        sys.exit("\nFAIL: daemon %d died after ^C at the brinksh prompt" % pid)

sh.sendline("exit")
sh.expect(pexpect.EOF)
sh.close()
if sh.exitstatus != 0:
    sys.exit("\nFAIL: brinksh exit status %s" % sh.exitstatus)

# The pager: a reply taller than a 10-row terminal stops at --More--; space
# shows the next page, enter one more line, q the prompt again
sh = spawn([], rows=10)
step("first prompt (10 rows)", PROMPT)
sh.sendline("show dataplane statistics all")
step("a long reply stops at " + MORE, MORE)
sh.send(" ")
step("space: the next page stops again", MORE)
sh.send("\r")
step("enter: one more line, then " + MORE, MORE)
sh.send("q")
step("q: back to the prompt", PROMPT)
sh.sendline("show arp")
step("the session goes on after q", "192.168.10.10")
step("prompt", PROMPT)
sh.sendline("exit")
sh.expect(pexpect.EOF)
sh.close()

# -c on a terminal pages too; -j indents JSON for a terminal (brinkd sends one line)
sh = spawn(["-j", "-c", "show configuration"])
step("JSON indented on a terminal", re.compile(r'^\{\r?\n  "', re.M))
sh.expect(pexpect.EOF)
sh.close()
if sh.exitstatus != 0:
    sys.exit("\nFAIL: brinksh -j -c exit status %s" % sh.exitstatus)

print("\ninteractive session ok (exit status 0)")
