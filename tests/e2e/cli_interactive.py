#!/usr/bin/python3
"""Drive an interactive brinksh through a pseudo-terminal (pexpect):
operational show, configure, TAB completion and '?' help.
usage: cli_interactive.py BRINKSH SOCKET"""
import re
import sys

import pexpect

brinksh, sock = sys.argv[1], sys.argv[2]
PROMPT = re.compile(r"[>#$%] ?$", re.M)
sh = pexpect.spawn(brinksh, ["-s", sock], encoding="utf-8", timeout=10, dimensions=(50, 200))
sh.logfile_read = sys.stdout


def step(what, pattern):
    try:
        sh.expect(pattern)
    except (pexpect.TIMEOUT, pexpect.EOF):
        sys.exit("\nFAIL: %s: expected %r, got %r" % (what, pattern, sh.before))


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

sh.sendline("exit")
step("back to operational mode", PROMPT)
sh.sendline("exit")
sh.expect(pexpect.EOF)
sh.close()
print("\ninteractive session ok (exit status %s)" % sh.exitstatus)
sys.exit(0 if sh.exitstatus == 0 else 1)
