#!/usr/bin/python3
"""Drive an interactive brinksh through a pseudo-terminal (pexpect): TAB and
'?' on commit-confirm, rollback and compare, then commit-confirm 1 of a route
(10.31.0.0/16 via 192.168.10.2) and confirm.
usage: commit_interactive.py BRINKSH SOCKET"""
import sys

from pexpect_lib import PROMPT, brinksh, clear_line, exit_shell, step

sh = brinksh(sys.argv[1], sys.argv[2])
step(sh, "first prompt", PROMPT)
sh.sendline("configure")
step(sh, "configuration mode prompt", PROMPT)

sh.send("commit-c\t")
step(sh, "TAB completes 'commit-c' to 'commit-confirm'", "onfirm")
sh.send(" ?")
step(sh, "'?' after commit-confirm lists the minutes", r"<1-60>\s+Minutes until brinkd rolls back")
step(sh, "'?' after commit-confirm lists comment", r"comment\s+Why")
clear_line(sh)

sh.sendline("set protocols static route 10.31.0.0/16 next-hop 192.168.10.2")
step(sh, "prompt after set", PROMPT)
sh.sendline('commit-confirm 1 comment "route A"')
step(sh, "commit-confirm says what happens next", "unless 'confirm' follows within 1 minute")
step(sh, "prompt after commit-confirm", PROMPT)

sh.send("rollback \t")
step(sh, "TAB after rollback lists the revision placeholder", r"<n>\s+A revision")
step(sh, "TAB after rollback lists revision 0, the commit-confirm", r"0\s+\S+ \S+ by root via commit-confirm")
step(sh, "TAB after rollback lists revision 1, the boot revision", r"1\s+\S+ \S+ by brinkd via boot")
clear_line(sh)
sh.send("compare 0 ?")
step(sh, "'?' after compare N offers M", r"<m>\s+Compare revision N with revision M")
clear_line(sh)

sh.sendline("compare 1")
step(sh, "compare 1 shows the commit-confirm's route", r"\+ set protocols static route 10.31.0.0/16 next-hop 192.168.10.2")
step(sh, "prompt after compare", PROMPT)
sh.sendline("run show system commit")
step(sh, "show system commit says a confirmation is due", "commit-confirm by root pending")
step(sh, "prompt after show", PROMPT)
sh.sendline("confirm")
step(sh, "confirm keeps it", "confirmed: the commit-confirm by root stays")
step(sh, "prompt after confirm", PROMPT)

sh.sendline("exit")
step(sh, "back to operational mode", PROMPT)
status = exit_shell(sh)
print("\ninteractive session ok (exit status %s)" % status)
sys.exit(0 if status == 0 else 1)
