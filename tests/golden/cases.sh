# SPDX-License-Identifier: MIT
# The golden cases: "file|netdx arguments" (paths relative to the repo root).
# file ends in .json (the report as JSON, keys sorted, one per line) or .txt
# (the default text output, as a user reads it; no colour: not a terminal).
# Sourced by scripts/make-golden.sh and tests/corpus/golden.sh.
GOLDEN_CASES=(
	"flows-dup.json|flows --json tests/fixtures/dup.pcap"
	"flows-backwards.json|flows --json tests/fixtures/backwards.pcap"
	"flows-truncated.json|flows --json tests/fixtures/truncated.pcap"
	"flows-evicted.json|flows --json --max-flows 2 tests/fixtures/demo.pcap"
	"analyze-demo.json|analyze --json tests/fixtures/demo.pcap"
	"analyze-demo.txt|analyze tests/fixtures/demo.pcap"
	"flows-demo.txt|flows tests/fixtures/demo.pcap"
	"flows-dup.txt|flows tests/fixtures/dup.pcap"
	"analyze-truncated.txt|analyze tests/fixtures/truncated.pcap"
	"analyze-backwards.txt|analyze tests/fixtures/backwards.pcap"
	"analyze-stream.txt|analyze --stream 4 tests/fixtures/demo.pcap"
)

# Runs netdx and normalises what legitimately changes between builds (the
# version string in JSON); JSON gets one key per line so diffs stay readable.
# golden_run NETDX FILE ARGS...
golden_run() {
	local netdx=$1 file=$2
	shift 2
	local rc=0 tmp="${TMPDIR:-/tmp}/golden.$$"
	NO_COLOR=1 "$netdx" "$@" >"$tmp" || rc=$?
	if ((rc != 0 && rc != 1)); then
		echo "golden: '$*' exited $rc" >&2
		rm -f "$tmp"
		return 1
	fi
	case $file in
	*.json) jq -S 'del(.netdx_version)' "$tmp" ;;
	*) cat "$tmp" ;;
	esac
	rm -f "$tmp"
}
