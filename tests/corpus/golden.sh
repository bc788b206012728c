#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The JSON and text reports on netdx's own fixtures equal the reviewed golden
# files (tests/golden/*.json, *.txt, written by scripts/make-golden.sh).
set -u
cd "$(dirname "$0")/../.."
NETDX=${NETDX:-./netdx}
command -v jq >/dev/null || { echo "SKIP: jq not installed (make deps installs it)"; exit 77; }
. tests/golden/cases.sh
fail=0 n=0
for c in "${GOLDEN_CASES[@]}"; do
	name=${c%%|*}
	args=${c#*|}
	n=$((n + 1))
	# shellcheck disable=SC2086
	if ! golden_run "$NETDX" "$name" $args >/tmp/golden-now.$$.json; then
		echo "FAIL $name: netdx failed"
		fail=$((fail + 1))
		continue
	fi
	if ! diff -u "tests/golden/$name" /tmp/golden-now.$$.json >/tmp/golden-diff.$$; then
		echo "FAIL $name: output differs from tests/golden/$name:"
		head -40 /tmp/golden-diff.$$
		fail=$((fail + 1))
	fi
done
rm -f /tmp/golden-now.$$.json /tmp/golden-diff.$$
echo "INFO: golden: $((n - fail)) of $n match"
((fail == 0))
