#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 'make demo': netdx on the bundled example capture (tests/fixtures/demo.pcap,
# recorded in network namespaces by tests/fixtures/make-fixtures.sh).
set -u
cd "$(dirname "$0")/.."
run() {
	printf '\n$ %s\n' "$*"
	"$@"
	rc=$?
	# 1 means "findings at warn or above": the demo is meant to have some.
	if ((rc != 0 && rc != 1)); then
		echo "demo: '$*' failed with exit status $rc" >&2
		exit "$rc"
	fi
}
run ./netdx analyze tests/fixtures/demo.pcap
run ./netdx flows tests/fixtures/demo.pcap
run ./netdx flows tests/fixtures/dup.pcap
exit 0
