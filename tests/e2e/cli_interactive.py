#!/usr/bin/python3
"""Drive an interactive brinksh through a pseudo-terminal (pexpect):
operational show, configure, TAB completion and '?' help, ^C, the pager,
JSON indented on a terminal.
usage: cli_interactive.py BRINKSH SOCKET [DAEMON_PID...]"""
import re
import sys

import pexpect
from pexpect_lib import PROMPT, alive, brinksh, clear_line, exit_shell, interrupt, step

path, sock, daemons = sys.argv[1], sys.argv[2], [int(p) for p in sys.argv[3:]]
MORE = "--More--"

sh = brinksh(path, sock)
step(sh, "first prompt", PROMPT)
sh.sendline("show interfaces")
step(sh, "show interfaces lists dp0", "dp0")
step(sh, "prompt after show", PROMPT)

sh.sendline("configure")
step(sh, "configuration mode prompt", PROMPT)

# TAB completes a unique keyword
sh.send("set interf\t")
step(sh, "TAB completes 'interf' to 'interfaces'", "aces")
sh.send("\x15")  # ^U: kill the line

# '?' lists what may follow, with help, without Enter
sh.send("set ?")
step(sh, "'?' after set lists interfaces", "interfaces")
step(sh, "'?' after set lists protocols", "protocols")
clear_line(sh)

# TAB twice on an ambiguous/empty word lists the candidates
sh.send("set protocols static \t\t")
step(sh, "TAB lists 'route' under protocols static", "route")
clear_line(sh)

# ^C abandons a half-typed line, as in a shell, and keeps configuration mode
interrupt(sh, "set protocols stat")
sh.sendline("compare")
step(sh, "the abandoned line was not sent, still in configuration mode", "no changes")
step(sh, "prompt", PROMPT)

sh.sendline("exit")
step(sh, "back to operational mode", PROMPT)

interrupt(sh, "show interf", times=3)
sh.sendline("show interfaces")
step(sh, "the line after ^C runs alone", "dp0")
step(sh, "prompt", PROMPT)
for pid in daemons:
    if not alive(pid):
        sys.exit("\nFAIL: daemon %d died after ^C at the brinksh prompt" % pid)

status = exit_shell(sh)
if status != 0:
    sys.exit("\nFAIL: brinksh exit status %s" % status)

# The pager: a reply taller than a 10-row terminal stops at --More--; space
# shows the next page, enter one more line, q the prompt again
sh = brinksh(path, sock, rows=10)
step(sh, "first prompt (10 rows)", PROMPT)
sh.sendline("show dataplane statistics all")
step(sh, "a long reply stops at " + MORE, MORE)
sh.send(" ")
step(sh, "space: the next page stops again", MORE)
sh.send("\r")
step(sh, "enter: one more line, then " + MORE, MORE)
sh.send("q")
step(sh, "q: back to the prompt", PROMPT)
sh.sendline("show arp")
step(sh, "the session goes on after q", "192.168.10.10")
step(sh, "prompt", PROMPT)
exit_shell(sh)

# -c on a terminal pages too; -j indents JSON for a terminal (brinkd sends one line)
sh = brinksh(path, sock, "-j", "-c", "show configuration")
step(sh, "JSON indented on a terminal", re.compile(r'^\{\r?\n  "', re.M))
step(sh, "brinksh -j -c ends", pexpect.EOF)
sh.close()
if sh.exitstatus != 0:
    sys.exit("\nFAIL: brinksh -j -c exit status %s" % sh.exitstatus)

print("\ninteractive session ok (exit status 0)")
