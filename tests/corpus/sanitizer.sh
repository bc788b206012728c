#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The ASan+UBSan build of netdx (NETDX_SAN) over every corpus capture and
# every fixture: `flows --json`, `analyze --json` and `analyze --fields` must
# give the same stdout and exit status as the release build (NETDX), with no
# sanitizer report. Unit tests and fuzz replay exercise the library under
# sanitizers; this runs the whole command on real files.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(git -C "$here" rev-parse --show-toplevel 2>/dev/null || echo "$here/../..")
caps="$top/../shared/captures"
NETDX=${NETDX:-$top/netdx}
NETDX_SAN=${NETDX_SAN:-$top/.output/san/netdx}

[[ -x $NETDX ]] || { echo "SKIP: no netdx binary at $NETDX"; exit 77; }
[[ -x $NETDX_SAN ]] || { echo "SKIP: no sanitizer binary at $NETDX_SAN (make .output/san/netdx)"; exit 77; }

files=("$top"/tests/fixtures/*.pcap "$top"/tests/fixtures/tcp/*.pcap)
if [[ -d $caps ]]; then
	files+=("$caps"/*.pcap "$caps"/*.pcapng "$caps"/*.trace)
else
	echo "INFO: no capture corpus at $caps: fixtures only"
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=99
fail=0 runs=0
for f in "${files[@]}"; do
	[[ -f $f ]] || continue
	b=$(basename "$f")
	for mode in "flows --json" "analyze --json" "analyze --fields"; do
		# shellcheck disable=SC2086 # mode is two words on purpose
		"$NETDX" $mode "$f" >"$tmp/rel.out" 2>/dev/null
		rrc=$?
		# shellcheck disable=SC2086
		"$NETDX_SAN" $mode "$f" >"$tmp/san.out" 2>"$tmp/san.err"
		src=$?
		runs=$((runs + 1))
		if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$tmp/san.err"; then
			echo "FAIL: $b ($mode): sanitizer report:"
			head -n 20 "$tmp/san.err"
			fail=1
		elif [[ $rrc -ne $src ]]; then
			echo "FAIL: $b ($mode): exit $src under sanitizers, $rrc in the release build"
			fail=1
		elif ! cmp -s "$tmp/rel.out" "$tmp/san.out"; then
			echo "FAIL: $b ($mode): output differs between release and sanitizer builds"
			diff "$tmp/rel.out" "$tmp/san.out" | head -n 10
			fail=1
		fi
	done
done
((runs > 0)) || { echo "SKIP: no capture files found"; exit 77; }
echo "INFO: $runs sanitizer runs on $((runs / 3)) files"
exit $fail
