#!/usr/bin/env bash
# README command 1, tools/demo.sh, in a terminal (pexpect): the daemons it
# starts are out of the terminal's foreground process group, so ^C at its
# brinksh prompt clears the line and kills nothing; the command it prints to
# open another shell works; exit tears it down cleanly. The demo runs on
# this test's binaries, namespace prefix and run directory, without
# installing anything.
. "$(dirname "$0")/lib.sh"

export BRINK_DATAPLANE BRINKD BRINKSH
export BRINK_SKIP_DEPS=1 BRINK_SKIP_BUILD=1 BRINK_E2E_HUGE=${BRINK_E2E_HUGE:-0}
export BRINK_DEMO_PREFIX=$ID-demo BRINK_DEMO_RUN=$T/run
pexpect_run demo 240 "$E2E_DIR/demo_interactive.py" "$REPO/tools/demo.sh"
log "$(tail -n1 "$T/demo.log")"
