#!/usr/bin/env bash
# Style and static checks over the project's C code (every tracked .c and .h):
#   clang-format --dry-run --Werror with the top-level .clang-format
#   cppcheck with the build's defines and include paths (DPDK's from pkg-config)
# Prints each finding and a count per tool; exits non-zero on any finding.
#   tests/lint.sh [FILE...]   only those files
set -uo pipefail

cd "$(dirname "$0")/.."
if [ $# -gt 0 ]; then
	files=("$@")
else
	mapfile -t files < <(git ls-files '*.c' '*.h')
fi
for tool in clang-format cppcheck pkg-config; do
	command -v $tool >/dev/null || {
		echo "lint: $tool is missing (tools/install-deps.sh installs it)" >&2
		exit 2
	}
done
tmp=$(mktemp -d /tmp/brink-lint.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
rc=0

echo "==== clang-format ($(clang-format --version | grep -o 'version [0-9.]*'))"
unformatted=0
for f in "${files[@]}"; do
	if ! clang-format --dry-run --Werror "$f" 2>"$tmp/format" >/dev/null; then
		unformatted=$((unformatted + 1))
		head -n 20 "$tmp/format"
	fi
done
echo "clang-format: $unformatted of ${#files[@]} files differ from .clang-format"
[ $unformatted -eq 0 ] || rc=1

# The compiler's view: GNU and DPDK's experimental APIs on (CMakeLists.txt),
# DPDK's rte_config.h forced in as its pkg-config --cflags do, and the
# predefined macros DPDK's headers test (cppcheck defines no compiler's).
# Not reported: findings inside system headers (DPDK's own), and
# variableScope (declaring at the top of a block is this code's style).
# posix, not gnu: gnu.cfg wrongly forbids accept4()'s NULL address length.
echo "==== cppcheck ($(cppcheck --version))"
includes=(-I.)
rte_config=
for flag in $(pkg-config --cflags-only-I libdpdk libnl-3.0 libedit); do
	includes+=("$flag")
	[ -f "${flag#-I}/rte_config.h" ] && rte_config=${flag#-I}/rte_config.h
done
[ -n "$rte_config" ] || {
	echo "lint: no rte_config.h in DPDK's include directories" >&2
	exit 2
}
cppcheck --std=c11 --enable=warning,style,performance,portability --inline-suppr --quiet -j "$(nproc)" \
	--library=posix --library=tests/cppcheck.cfg \
	-D_GNU_SOURCE -DALLOW_EXPERIMENTAL_API -D__GNUC__=12 -D__x86_64__=1 -D__CHAR_BIT__=8 -D__SIZEOF_POINTER__=8 \
	-D__ORDER_LITTLE_ENDIAN__=1234 -D__ORDER_BIG_ENDIAN__=4321 -D__BYTE_ORDER__=1234 \
	"${includes[@]}" --include="$rte_config" \
	--suppress=missingIncludeSystem --suppress=variableScope --suppress='*:/usr/include/*' \
	--template='{file}:{line}:{column}: {severity}: {message} [{id}]' \
	"${files[@]}" 2>"$tmp/cppcheck"
cat "$tmp/cppcheck"
findings=$(grep -cE '^[^ ]+:[0-9]+:[0-9]+: [a-z]+: ' "$tmp/cppcheck")
echo "cppcheck: $findings findings"
[ "$findings" -eq 0 ] || rc=1
exit $rc
