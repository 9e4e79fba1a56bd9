#!/usr/bin/python3
"""Drive an interactive brinksh through a pseudo-terminal (pexpect): TAB and
'?' on commit-confirm, rollback and compare, then commit-confirm 1 of a route
(10.31.0.0/16 via 192.168.10.2) and confirm.
usage: commit_interactive.py BRINKSH SOCKET"""
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


def clear_line():
    sh.send("\x15")  # ^U: kill the line
    sh.sendline("")
    step("prompt", PROMPT)


step("first prompt", PROMPT)
sh.sendline("configure")
step("configuration mode prompt", PROMPT)

sh.send("commit-c\t")
step("TAB completes 'commit-c' to 'commit-confirm'", "onfirm")
sh.send(" ?")
step("'?' after commit-confirm lists the minutes", r"<1-60>\s+Minutes until brinkd rolls back")
step("'?' after commit-confirm lists comment", r"comment\s+Why")
clear_line()

sh.sendline("set protocols static route 10.31.0.0/16 next-hop 192.168.10.2")
step("prompt after set", PROMPT)
sh.sendline('commit-confirm 1 comment "route A"')
step("commit-confirm says what happens next", "unless 'confirm' follows within 1 minute")
step("prompt after commit-confirm", PROMPT)

sh.send("rollback \t")
step("TAB after rollback lists the revision placeholder", r"<n>\s+A revision")
step("TAB after rollback lists revision 0, the commit-confirm", r"0\s+\S+ \S+ by root via commit-confirm")
step("TAB after rollback lists revision 1, the boot revision", r"1\s+\S+ \S+ by brinkd via boot")
clear_line()
sh.send("compare 0 ?")
step("'?' after compare N offers M", r"<m>\s+Compare revision N with revision M")
clear_line()

sh.sendline("compare 1")
step("compare 1 shows the commit-confirm's route", r"\+ set protocols static route 10.31.0.0/16 next-hop 192.168.10.2")
step("prompt after compare", PROMPT)
sh.sendline("run show system commit")
step("show system commit says a confirmation is due", "commit-confirm by root pending")
step("prompt after show", PROMPT)
sh.sendline("confirm")
step("confirm keeps it", "confirmed: the commit-confirm by root stays")
step("prompt after confirm", PROMPT)

sh.sendline("exit")
step("back to operational mode", PROMPT)
sh.sendline("exit")
sh.expect(pexpect.EOF)
sh.close()
print("\ninteractive session ok (exit status %s)" % sh.exitstatus)
sys.exit(0 if sh.exitstatus == 0 else 1)
