#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Input forms give the same conversations as reading the file directly:
# stdin ("-"), gzip, a bare path vs -r, and a file split in two and merged
# back in time order (like mergecap). Needs no root.
. "$(dirname "$0")/lib.sh"
e2e_need_netdx
command -v jq >/dev/null || skip "jq not installed (make deps installs it)"

CAP=$E2E_TOP/tests/fixtures/demo.pcap
T=$E2E_TMP
"$NETDX" flows --tsv -r "$CAP" >"$T/ref.tsv" || die "reference run failed"
[[ -s "$T/ref.tsv" ]] || die "reference run printed no rows"

"$NETDX" flows --tsv "$CAP" >"$T/bare.tsv"
assert_eq "$(cmp -s "$T/ref.tsv" "$T/bare.tsv" && echo same)" same "bare path = -r"

"$NETDX" flows --tsv - <"$CAP" >"$T/stdin.tsv"
assert_eq "$(cmp -s "$T/ref.tsv" "$T/stdin.tsv" && echo same)" same "stdin '-' = file"

gzip -c "$CAP" >"$T/demo.pcap.gz"
"$NETDX" flows --tsv "$T/demo.pcap.gz" >"$T/gz.tsv"
assert_eq "$(cmp -s "$T/ref.tsv" "$T/gz.tsv" && echo same)" same ".gz = plain"

# Split by traffic (the two parts interleave in time), then merge them back.
command -v tcpdump >/dev/null || skip "tcpdump not installed"
tcpdump -r "$CAP" -w "$T/odd.pcap" 'tcp port 8080' 2>/dev/null || die "tcpdump split failed"
tcpdump -r "$CAP" -w "$T/even.pcap" 'not (tcp port 8080)' 2>/dev/null || die "tcpdump split failed"
n_odd=$("$NETDX" flows --json "$T/odd.pcap" | jq '.counters.frames')
n_even=$("$NETDX" flows --json "$T/even.pcap" | jq '.counters.frames')
n_all=$("$NETDX" flows --json "$CAP" | jq '.counters.frames')
assert_eq "$((n_odd + n_even))" "$n_all" "the two halves hold every frame"
"$NETDX" flows --tsv "$T/even.pcap" "$T/odd.pcap" >"$T/merged.tsv"
assert_eq "$(cmp -s "$T/ref.tsv" "$T/merged.tsv" && echo same)" same "merged halves = original"

e2e_done
