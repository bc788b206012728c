# SPDX-License-Identifier: MIT
# The golden cases: "name|netdx arguments" (paths relative to the repo root).
# Sourced by scripts/make-golden.sh and tests/corpus/golden.sh.
GOLDEN_CASES=(
	"flows-dup|flows --json tests/fixtures/dup.pcap"
	"flows-backwards|flows --json tests/fixtures/backwards.pcap"
	"flows-truncated|flows --json tests/fixtures/truncated.pcap"
	"flows-evicted|flows --json --max-flows 2 tests/fixtures/demo.pcap"
	"analyze-demo|analyze --json tests/fixtures/demo.pcap"
)

# Runs netdx and normalises what legitimately changes between builds (the
# version string); one key per line so diffs stay readable.
golden_run() {
	local netdx=$1
	shift
	local rc=0
	"$netdx" "$@" >"${TMPDIR:-/tmp}/golden.$$" || rc=$?
	if ((rc != 0 && rc != 1)); then
		echo "golden: '$*' exited $rc" >&2
		rm -f "${TMPDIR:-/tmp}/golden.$$"
		return 1
	fi
	jq -S 'del(.netdx_version)' "${TMPDIR:-/tmp}/golden.$$"
	rm -f "${TMPDIR:-/tmp}/golden.$$"
}
