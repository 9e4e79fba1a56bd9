# shellcheck shell=bash
# Process handling the benchmarks share, sourced after they set BENCH (their
# name in messages), BRINK_PREFIX and L3FWD_PREFIX (EAL file prefixes),
# STOP_WAIT_S (how long a process may take to exit on SIGTERM) and, once
# known, WORK (their work directory; KEEP=1 keeps it) and HUGEDIR.
WORK=
PIDS=()

log() { printf '%s\n' "$*" >&2; }
die() { log "$BENCH: ERROR: $*"; exit 1; }

stop_pid() { # stop one process we started: SIGTERM, then SIGKILL after STOP_WAIT_S
	local pid=$1 i
	kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
	kill -TERM "$pid" 2>/dev/null
	for i in $(seq $((STOP_WAIT_S * 10))); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		log "$BENCH: pid $pid ignored SIGTERM, killing"
		kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	return 0
}

forget_pid() {
	local p keep=()
	for p in "${PIDS[@]}"; do [[ $p == "$1" ]] || keep+=("$p"); done
	PIDS=("${keep[@]}")
}

cleanup() {
	local rc=$? i
	trap - EXIT INT TERM
	for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do stop_pid "${PIDS[i]}"; done
	rm -rf "/var/run/dpdk/$BRINK_PREFIX" "/var/run/dpdk/$L3FWD_PREFIX"
	if [[ -n ${HUGEDIR:-} ]]; then
		rm -f "$HUGEDIR/${BRINK_PREFIX}map_"* "$HUGEDIR/${L3FWD_PREFIX}map_"* 2>/dev/null
	fi
	if [[ -n $WORK && -d $WORK ]]; then
		if [[ ${KEEP:-0} == 1 ]]; then log "$BENCH: work dir kept: $WORK"; else rm -rf "$WORK"; fi
	fi
	exit "$rc"
}
show_log() { # last lines of a log, for failures
	[[ -f $1 ]] || return 0
	log "---- $(basename "$1") (last 25 lines) ----"
	grep -v '^LPM: Adding route' "$1" | tail -n 25 >&2
	log "----"
}

wait_for_socket() { # path timeout_s pid
	local i
	for i in $(seq $(($2 * 10))); do
		[[ -S $1 ]] && return 0
		kill -0 "$3" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
