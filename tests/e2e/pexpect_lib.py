"""What the e2e tests' pexpect drivers share: a program on a pseudo-terminal
whose output goes to stdout (the test's log), a step that fails saying what
it waited for and what came instead, and brinksh's prompt and line editing.
lib.sh's pexpect_run puts this directory on PYTHONPATH."""
import os
import re
import sys

import pexpect

PROMPT = re.compile(r"brink[>#] $", re.M)  # operational and configuration mode


def spawn(cmd, args, rows=50, timeout=10):
    sh = pexpect.spawn(cmd, args, encoding="utf-8", timeout=timeout, dimensions=(rows, 200))
    sh.logfile_read = sys.stdout
    return sh


def brinksh(path, sock, *args, rows=50, timeout=10):
    return spawn(path, ["-s", sock, *args], rows=rows, timeout=timeout)


def step(sh, what, pattern, timeout=-1):
    """Wait for PATTERN (a list: any of them, returning which); exit with a
    failure naming WHAT if it does not come. timeout=-1: the spawn's."""
    try:
        return sh.expect(pattern, timeout=timeout)
    except (pexpect.TIMEOUT, pexpect.EOF):
        sys.exit("\nFAIL: %s: expected %r, got %r" % (what, pattern, sh.before[-2000:]))


def clear_line(sh):
    sh.send("\x15")  # ^U: kill the line
    sh.sendline("")
    step(sh, "a fresh prompt", PROMPT)


def interrupt(sh, typed, times=1, prompt=PROMPT):
    """Type half a line, then ^C TIMES: each is shown with a fresh prompt."""
    sh.send(typed)
    step(sh, "typed half a line", typed.split()[-1])
    for _ in range(times):
        sh.send("\x03")
        step(sh, "^C is shown", r"\^C")
        step(sh, "a fresh prompt after ^C", prompt)


def still_answers(sh):
    sh.sendline("show version")
    step(sh, "the session goes on", "Brink ")
    step(sh, "prompt after show version", PROMPT)


def exit_shell(sh):
    """exit at an operational prompt: brinksh ends; returns its exit status."""
    sh.sendline("exit")
    step(sh, "brinksh ends after exit", pexpect.EOF)
    sh.close()
    return sh.exitstatus


def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
