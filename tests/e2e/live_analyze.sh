#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# netdx analyze on a live interface, with --follow.
#
# The client connects N times to a closed port on the server (each attempt:
# one SYN, one RST). netdx analyze -i --follow -c 2N captures exactly those
# packets and ends by itself. Asserted:
#  - exit status 1 (a warn finding) and a JSON report whose tcp.closed_port
#    finding counts N refused attempts;
#  - with --follow, the tcp.closed_port finding is printed as a streamed
#    line before the end-of-run report (text mode);
#  - the report carries the kernel's capture-drop counter.
source "$(dirname "$0")/lib.sh"
e2e_need_netns
e2e_need_tools nc jq
e2e_pair

N=3 CLOSED=81

run_case() { # MODE OUTFILE ARGS...
	local mode=$1 out=$2
	shift 2
	e2e_bg "$E2E_C" "$out" "$out.err" "$NETDX" analyze -i "$E2E_CIF" \
		-f "tcp port $CLOSED" -c $((2 * N)) "$@"
	local pid=$E2E_PID
	e2e_wait_capturing "$E2E_C" "$pid" "$E2E_CIF" 1 ||
		{ cat "$out.err" >&2; die "netdx ($mode) never started capturing"; }
	for ((i = 0; i < N; i++)); do
		ip netns exec "$E2E_C" nc -z -w 2 "$E2E_SADDR" $CLOSED 2>/dev/null &&
			die "port $CLOSED unexpectedly accepted a connection"
	done
	e2e_wait_exit "$pid" 20
	[[ -s "$out.err" ]] && sed 's/^/    stderr: /' "$out.err"
	assert_eq "$E2E_RC" 1 "analyze -i ($mode) exit status (warn finding)"
}

run_case json "$E2E_TMP/a.json" --json
f=$(jq -c '[.findings[] | select(.id == "tcp.closed_port")]' "$E2E_TMP/a.json")
assert_eq "$(jq length <<<"$f")" 1 "one tcp.closed_port finding"
assert_eq "$(jq -r '.[0].numbers.count' <<<"$f")" $N "tcp.closed_port counts the refused attempts"
assert_eq "$(jq -r '.counters.frames' "$E2E_TMP/a.json")" $((2 * N)) "frames captured"
assert_match "$(jq -r '.counters.kernel_dropped' "$E2E_TMP/a.json")" '^[0-9]+$' "kernel drop counter reported"

run_case follow "$E2E_TMP/f.txt" --follow
first_finding=$(grep -n 'tcp.closed_port' "$E2E_TMP/f.txt" | head -1 | cut -d: -f1)
verdict=$(grep -n '^Verdict:' "$E2E_TMP/f.txt" | head -1 | cut -d: -f1)
if [[ -n "$first_finding" && -n "$verdict" && $first_finding -lt $verdict ]]; then
	echo "ok: --follow printed tcp.closed_port (line $first_finding) before the report (line $verdict)"
else
	fail "--follow did not stream tcp.closed_port before the report:"
	sed 's/^/    /' "$E2E_TMP/f.txt" >&2
fi
e2e_done
