#!/usr/bin/env bash
# The whole test suite (README command 2, run by .ci/run):
#   check that the scripts the README names are executable in git, install
#   dependencies, build a Debug ASan/UBSan tree (build-asan/) and a
#   RelWithDebInfo tree (build/), check the C code's shape and run cppcheck
#   (tests/lint.sh), run the Criterion unit tests under ASan, then every
#   end-to-end scenario in tests/e2e/test_*.sh, each under a timeout.
# Ends with "N passed, N failed"; exits non-zero on any failure. Run as root.
#
#   tests/run.sh [PATTERN]   only e2e tests whose name contains PATTERN
#   BRINK_SKIP_DEPS=1        skip tools/install-deps.sh
#   BRINK_SKIP_BUILD=1       use the existing trees
#   BRINK_SKIP_LINT=1        skip tests/lint.sh
#   BRINK_SKIP_UNIT=1        skip ctest
#   BRINK_ASAN_DIR, BRINK_REL_DIR  build trees (default build-asan, build)
set -uo pipefail

cd "$(dirname "$0")/.."
REPO=$(pwd)
PATTERN=${1:-}
JOBS=$(nproc)
ASAN_DIR=${BRINK_ASAN_DIR:-build-asan}
REL_DIR=${BRINK_REL_DIR:-build}
start=$SECONDS
passed=0
failed=0
results=()

result() { # NAME OK|FAIL [DETAIL]
	results+=("$(printf '%-4s %s %s' "$2" "$1" "${3:-}")")
	if [ "$2" = OK ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
}

finish() {
	echo
	echo "==== summary ($((SECONDS - start)) s) ===="
	printf '%s\n' "${results[@]}"
	# the failures' own words last, where a truncated log still shows them
	[ ${#failures[@]} -eq 0 ] || printf '%s\n' "${failures[@]}"
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit $?
}

if [ "$(id -u)" -ne 0 ]; then
	echo "tests/run.sh: run as root (network namespaces, DPDK)" >&2
	exit 1
fi

# The README's commands run scripts by their path (tools/demo.sh, tests/run.sh):
# each script it names must be executable as git stores it, for every clone.
readme_scripts() {
	local f mode bad=()
	for f in $(grep -oE '[A-Za-z0-9_.][A-Za-z0-9_./-]*' README.md | sort -u); do
		[ -f "$f" ] && [ "$(head -c 2 "$f")" = '#!' ] || continue
		mode=$(git ls-files -s -- "$f" | awk 'NR == 1 {print $1}')
		[ -z "$mode" ] || [ "$mode" = 100755 ] || bad+=("$f")
	done
	[ ${#bad[@]} -eq 0 ] && return 0
	echo "not executable in git: ${bad[*]} (git update-index --chmod=+x FILE)"
	return 1
}
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	echo "==== scripts the README names"
	if out=$(readme_scripts); then result readme-scripts OK; else result readme-scripts FAIL "($out)"; fi
	echo "${out:-all executable}"
else
	echo "==== not a git checkout: the modes of the README's scripts are not checked"
fi

if [ "${BRINK_SKIP_DEPS:-0}" != 1 ]; then
	echo "==== dependencies"
	bash tools/install-deps.sh || {
		result install-deps FAIL
		finish
	}
fi

build() { # DIR CMAKE-ARGS...
	local dir=$1
	shift
	echo "==== build $dir ($*)"
	mkdir -p "$dir"
	cmake -S . -B "$dir" "$@" >"$dir/cmake-configure.log" 2>&1 || {
		cat "$dir/cmake-configure.log"
		return 1
	}
	cmake --build "$dir" -j "$JOBS" 2>&1 | tail -n 40
	return "${PIPESTATUS[0]}"
}

if [ "${BRINK_SKIP_BUILD:-0}" != 1 ]; then
	if build "$ASAN_DIR" -DCMAKE_BUILD_TYPE=Debug -DBRINK_SANITIZE=ON -DBRINK_TESTS=ON; then
		result build-asan OK
	else
		result build-asan FAIL
		finish
	fi
	if build "$REL_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBRINK_SANITIZE=OFF; then
		result build OK
		# tools/demo.sh installs the programs with these rules
		inst=$(mktemp -d /tmp/brink-install.XXXXXX)
		if cmake --install "$REL_DIR" --prefix "$inst" >"$REL_DIR/install.log" 2>&1 &&
			[ -x "$inst/bin/brink-dataplane" ] && [ -x "$inst/bin/brinkd" ] && [ -x "$inst/bin/brinksh" ]; then
			result install OK
		else
			cat "$REL_DIR/install.log"
			result install FAIL "(cmake --install does not give bin/brink-dataplane, brinkd and brinksh)"
		fi
		rm -rf "$inst"
	else
		result build FAIL # the tests below use the ASan tree: run them anyway
	fi
fi

if [ "${BRINK_SKIP_LINT:-0}" != 1 ]; then
	echo "==== lint (clang-format, cppcheck)"
	if bash tests/lint.sh; then result lint OK; else result lint FAIL "(tests/lint.sh lists the findings)"; fi
fi

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

if [ "${BRINK_SKIP_UNIT:-0}" != 1 ]; then
	echo "==== unit tests (Criterion, ASan/UBSan tree)"
	ctest --test-dir "$ASAN_DIR" -V --timeout 300 2>&1 | tee "$ASAN_DIR/ctest.log"
	# one result per ctest test: "n/N Test #k: name ....   Passed  0.01 sec"
	while read -r name status; do
		if [ "$status" = Passed ]; then result "unit:$name" OK; else result "unit:$name" FAIL "$status"; fi
	done < <(sed -nE 's|^ *[0-9]+/[0-9]+ Test +#[0-9]+: ([^ ]+) \.+ *(\*\*\*)?([A-Za-z]+).*|\1 \3|p' "$ASAN_DIR/ctest.log")
	grep -qE '^ *[0-9]+/[0-9]+ Test' "$ASAN_DIR/ctest.log" || result unit:ctest FAIL "no tests ran"
fi

bin() { # TREE NAME
	find "$REPO/$1" -type f -name "$2" -perm -u+x 2>/dev/null | head -n1
}
# brinkd and brinksh run from the ASan/UBSan tree. So does the dataplane: its
# ASan build runs the EAL with --no-huge here (checked on Debian 12, DPDK
# 22.11). Should it fail to start on some host (ASan's shadow memory and
# DPDK's virtual-address reservations can collide, e.g. with hugepages at
# fixed base addresses), the probe below falls back to the RelWithDebInfo
# dataplane and says so.
export BRINKD=$(bin "$ASAN_DIR" brinkd)
export BRINKSH=$(bin "$ASAN_DIR" brinksh)
export BRINK_DATAPLANE=$(bin "$ASAN_DIR" brink-dataplane)
if [ -x "$BRINK_DATAPLANE" ]; then
	# probe: one net_null port; up means the control socket appears, and
	# SIGTERM must give a clean exit
	probe=$(mktemp -d /tmp/brink-probe.XXXXXX)
	cat >"$probe/brink.conf" <<'EOF'
system: { dataplane: { main-cpu = 0; worker = ( { id = 0; cpu = 1; } ); idle-sleep = 50; }; };
interfaces: { dataplane = ( { name = "dp0"; device = "net_null0,no-rx=1"; address = [ "10.0.0.1/24" ]; } ); };
EOF
	ASAN_OPTIONS=detect_leaks=0 timeout 60 "$BRINK_DATAPLANE" -f "$probe/brink.conf" -s "$probe/sock" \
		-- --no-huge -m 512 --file-prefix "brinkprobe$$" >"$probe/log" 2>&1 &
	probe_pid=$!
	for _ in $(seq 150); do
		[ -S "$probe/sock" ] && break
		kill -0 $probe_pid 2>/dev/null || break
		sleep 0.2
	done
	up=0
	[ -S "$probe/sock" ] && up=1
	kill -TERM $probe_pid 2>/dev/null
	probe_rc=0
	wait $probe_pid || probe_rc=$?
	if [ $up = 1 ] && [ $probe_rc = 0 ]; then
		echo "==== e2e: dataplane from $ASAN_DIR (ASan/UBSan)"
	else
		echo "==== e2e: dataplane from $REL_DIR: the ASan build cannot run the EAL here:"
		tail -n 5 "$probe/log"
		BRINK_DATAPLANE=$(bin "$REL_DIR" brink-dataplane)
	fi
	rm -rf "$probe" "/var/run/dpdk/brinkprobe$$"
fi
echo "dataplane=$BRINK_DATAPLANE brinkd=$BRINKD brinksh=$BRINKSH"

failures=()
e2e_log=$(mktemp)
trap 'rm -f "$e2e_log"' EXIT
for t in tests/e2e/test_*.sh; do
	name=$(basename "$t" .sh)
	[ -n "$PATTERN" ] && [[ $name != *"$PATTERN"* ]] && continue
	echo "==== e2e $name"
	t0=$SECONDS
	rc=0
	# to a file, not a pipe: a process a test leaves behind cannot hold the run
	timeout -k 30 300 bash "$t" >"$e2e_log" 2>&1 || rc=$?
	cat "$e2e_log"
	[ $rc -eq 0 ] || failures+=("---- $name:" "$(grep -m 3 '] FAIL: ' "$e2e_log" || tail -n 5 "$e2e_log")")
	if [ $rc -eq 0 ]; then
		result "e2e:$name" OK "($((SECONDS - t0)) s)"
	elif [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
		result "e2e:$name" FAIL "(timeout after $((SECONDS - t0)) s)"
	else
		result "e2e:$name" FAIL "(exit $rc, $((SECONDS - t0)) s)"
	fi
done

finish
