"""brinksh's ^C while "show ip route" streams a large table: the prompt comes
back before the table's end, and the next commands get their own answers,
the whole table counted again (brinkd dropped the rest of the dump).
Arguments: BRINKSH API_SOCK ROUTES COUNT_LINE, ROUTES the static routes the
table has, COUNT_LINE what "show ip route | count" answers."""
import sys

from pexpect_lib import PROMPT, brinksh, exit_shell, step, still_answers

path, sock, routes, count_line = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
sh = brinksh(path, sock, timeout=60)
sh.logfile_read = None  # the table would fill the log
step(sh, "the first prompt", PROMPT)
sh.sendline("show ip route")
step(sh, "the table starts", r"S> 11\.0\.")
shown = sh.before.count("S> ") + 1
sh.send("\x03")
step(sh, "the prompt after ^C", PROMPT)
shown += sh.before.count("S> ")
if shown >= routes:
    sys.exit("FAIL: ^C did not cut the table short: %d of its %d static routes shown" % (shown, routes))
sh.sendline("show ip route | count")
step(sh, "the whole table counted", r"Count: \d+ lines?")
if sh.after != count_line:
    sys.exit("FAIL: after ^C '%s', before it '%s'" % (sh.after, count_line))
step(sh, "the prompt after the count", PROMPT)
still_answers(sh)
print("^C after %d of %d static routes; then %s" % (shown, routes, count_line))
sys.exit(exit_shell(sh))
