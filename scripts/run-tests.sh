#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs one suite of test programs or scripts, one at a time, and records each
# result in .output/test-results so 'make test' can print one closing line.
#   run-tests.sh SUITE PROG...    run and record
#   run-tests.sh --summary        print "N passed, N failed, N skipped"; exit 1 on failure
#   run-tests.sh --reset          forget earlier results
# A test prints "SKIP: reason" and exits 77 to be counted as skipped.
set -u
RES=${NETDX_TEST_RESULTS:-.output/test-results}
mkdir -p "$(dirname "$RES")"

case "${1:-}" in
--reset) : >"$RES"; exit 0 ;;
--summary)
	p=$(grep -c '^PASS' "$RES" 2>/dev/null); f=$(grep -c '^FAIL' "$RES" 2>/dev/null)
	s=$(grep -c '^SKIP' "$RES" 2>/dev/null)
	grep '^FAIL' "$RES" 2>/dev/null | sed 's/^/  /'
	# Skipped suites are named with their reason, so a summary with skips
	# says what was not tested and why.
	grep '^SKIP' "$RES" 2>/dev/null | sed 's/^/  /'
	echo "test: ${p:-0} passed, ${f:-0} failed, ${s:-0} skipped"
	[[ ${f:-0} -eq 0 && ${p:-0} -gt 0 ]]
	exit
	;;
esac

suite=$1; shift
for t in "$@"; do
	[[ -e "$t" ]] || continue
	name="$suite/$(basename "$t")"
	log=$(mktemp)
	if [[ "$t" == *.sh ]]; then bash "$t" >"$log" 2>&1; rc=$?
	else "$t" >"$log" 2>&1; rc=$?; fi
	case $rc in
	0) echo "PASS $name" >>"$RES"; printf '  PASS  %s\n' "$name"
	   grep -E '^(INFO|RATCHET|PARITY):' "$log" | sed 's/^/        /' ;;
	77) why=$(grep -m1 '^SKIP' "$log" | sed 's/^SKIP: *//')
	    echo "SKIP $name: ${why:-no reason given}" >>"$RES"; printf '  SKIP  %s: %s\n' "$name" "${why:-no reason given}" ;;
	*) echo "FAIL $name" >>"$RES"; printf '  FAIL  %s (exit %d)\n' "$name" "$rc"; tail -n 40 "$log" | sed 's/^/        /' ;;
	esac
	rm -f "$log"
done
exit 0
