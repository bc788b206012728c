#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The output and option contract (no root): --format and its synonym
# --json, options after file names and "--", conflicting options, the
# verdicts (ok with notes, no_data, what a verdict covers) and the text
# layout for a narrow terminal (COLUMNS), which leaves files and pipes as
# they were.
source "$(dirname "$0")/lib.sh"
e2e_need_netdx
e2e_need_tools timeout jq cmp
DEMO=$E2E_TOP/tests/fixtures/demo.pcap
TRUNC=$E2E_TOP/tests/fixtures/truncated.pcap
[[ -r "$DEMO" && -r "$TRUNC" ]] || skip "fixtures missing"
T=$E2E_TMP

# run ARGS...: sets RC, OUT, ERR (files); COLUMNS as the caller exports it.
run() {
	OUT=$T/out ERR=$T/err
	timeout 20 "$NETDX" "$@" >"$OUT" 2>"$ERR"
	RC=$?
	((RC < 124)) || fail "crash or hang ($RC): netdx $*"
}
# usage_err WHAT WORD1 WORD2 ARGS...: status 2, one stderr line naming both.
usage_err() {
	local what=$1 w1=$2 w2=$3
	shift 3
	run "$@"
	assert_eq "$RC" 2 "$what: status"
	assert_eq "$(wc -l <"$ERR")" 1 "$what: one stderr line"
	assert_match "$(cat "$ERR")" "^netdx: .*$w1.*$w2" "$what: names both"
	assert_eq "$(wc -c <"$OUT")" 0 "$what: no report"
}
unset COLUMNS

# --format, --json as its synonym.
run flows --json "$DEMO"; cp "$OUT" "$T/json1"
run flows --format json "$DEMO"
cmp -s "$OUT" "$T/json1" || fail "--format json differs from --json"
run flows --format json --json "$DEMO"
assert_eq "$RC" 0 "--format json --json agree"
run flows --format text "$DEMO"; cp "$OUT" "$T/text1"
run flows "$DEMO"
cmp -s "$OUT" "$T/text1" || fail "--format text differs from the default"
usage_err "--json --format text" json text flows --json --format text "$DEMO"
usage_err "--format yaml" yaml "text, json" flows --format yaml "$DEMO"

# Options after file names; "--" ends the options.
run flows "$DEMO" --json
cmp -s "$OUT" "$T/json1" || fail "flows FILE --json differs from flows --json FILE"
run analyze "$DEMO" --min-severity crit
assert_eq "$RC" 0 "analyze FILE --min-severity crit: no warn left"
mkdir -p "$T/d" && cp "$DEMO" "$T/d/-x.pcap"
(cd "$T/d" && timeout 20 "$NETDX" flows --json -- -x.pcap >"$T/dash" 2>&1)
assert_eq "$(jq -r '.inputs[0]' "$T/dash")" "-x.pcap" "-- then a file named -x.pcap"

# Conflicting options name both.
usage_err "flows --tsv --json" --tsv --json flows --tsv --json "$DEMO"
usage_err "flows --format json --tsv" --tsv "--format json" flows --format json --tsv "$DEMO"
usage_err "analyze --stream --flow" --stream --flow \
	analyze --stream 1 --flow '10.77.0.1:48812 10.77.1.2:81' "$DEMO"
usage_err "analyze --frames --json" --frames --json analyze --frames --json "$DEMO"
usage_err "analyze --fields --format json" --fields "--format json" \
	analyze --fields --format json "$DEMO"

# Verdicts. flows says what it does not cover; analyze covers its own.
run flows "$DEMO"
assert_match "$(sed -n 2,3p "$OUT" | tr '\n' '|')" \
	"^Verdict: OK: no findings\|Covers: capture checks only \(flows does not analyse TCP: run netdx analyze\)\|$" \
	"flows demo: OK, and what it covers"
assert_eq "$(jq -r .summary.covers "$T/json1")" \
	"capture checks only (flows does not analyse TCP: run netdx analyze)" "flows --json covers"
run analyze --json "$DEMO"
assert_eq "$(jq -r '.summary.verdict + " " + (.summary.covers|tostring)' "$OUT")" "degraded null" \
	"analyze demo: degraded, whole analysis"
run flows --json "$TRUNC"
assert_eq "$(jq -r '.summary.verdict + " " + (.summary.notes|tostring)' "$OUT")" "ok 1" \
	"flows truncated: ok with 1 note"
# Nothing to analyse: an empty selection, and analyze on a capture without TCP.
run flows --json -f 'tcp port 1' "$DEMO"
assert_eq "$(jq -r .summary.verdict "$OUT")" no_data "flows, no frame: no_data"
run analyze -f udp "$DEMO"
assert_match "$(sed -n 2p "$OUT")" "^Verdict: NO DATA: nothing for netdx analyze to analyse" \
	"analyze without TCP: NO DATA"
assert_eq "$RC" 0 "analyze without TCP: status 0"
run analyze --json -f udp "$DEMO"
assert_eq "$(jq -r .summary.verdict "$OUT")" no_data "analyze --json without TCP: no_data"

# Width: COLUMNS=80 fits 80 columns; files and pipes without COLUMNS keep
# whole lines (the goldens); JSON never changes.
for cmd in flows analyze; do
	run $cmd "$DEMO"; cp "$OUT" "$T/wide"
	COLUMNS=80 run $cmd "$DEMO"
	long=$(awk 'length($0) > 80' "$OUT" | wc -l)
	assert_eq "$long" 0 "$cmd COLUMNS=80: no line over 80 columns"
	assert_file_contains "$OUT" "(to fit 80 columns, not shown:" "$cmd COLUMNS=80: says what it left out"
	awk 'length($0) > 80 { n++ } END { exit !n }' "$T/wide" ||
		fail "$cmd without COLUMNS: expected the whole (wide) table"
	COLUMNS=80 run $cmd --json "$DEMO"; cp "$OUT" "$T/j80"
	run $cmd --json "$DEMO"
	cmp -s "$OUT" "$T/j80" || fail "$cmd --json changed with COLUMNS"
done
COLUMNS=80 run flows "$DEMO"
assert_match "$(grep -m1 '^a  ' "$OUT")" "^a +b +bytes_ab +bytes_ba +state$" \
	"flows COLUMNS=80: addresses, bytes and state stay"
e2e_done
