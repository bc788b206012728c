#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Per-field TCP analysis parity with tshark 4.0.17 over the shared corpus:
# `netdx analyze --fields FILE` (format: docs/tcp-analysis.md "--fields
# format") against tests/corpus/expected/tcpfields/<file>.tsv (made by
# scripts/gen-tcp-fields-expected.sh). Prints the agreement of every column
# pooled over all files and checks the ratchet tcp_fields.ratchet (the
# exact number of mismatching rows allowed per column; only ever lowered,
# with --update-ratchet).
#   tcp_fields.sh [--update-ratchet]    env: NETDX, SHOW=N (print mismatches)
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(git -C "$here" rev-parse --show-toplevel 2>/dev/null || echo "$here/../..")
caps="$top/../shared/captures"
expdir="$here/expected/tcpfields"
ratchet="$here/tcp_fields.ratchet"
NETDX=${NETDX:-$top/netdx}
update=0
[[ ${1:-} == --update-ratchet ]] && update=1

[[ -x $NETDX ]] || { echo "SKIP: no netdx binary at $NETDX"; exit 77; }
if ! "$NETDX" analyze --help 2>&1 | grep -qE -- '(^|[[:space:]])--fields([[:space:]]|$)'; then
	echo "SKIP: netdx analyze --fields not available"
	exit 77
fi
[[ -d $caps ]] || { echo "SKIP: no capture corpus at $caps"; exit 77; }
[[ -d $expdir ]] || { echo "SKIP: no expected data at $expdir"; exit 77; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
: >"$tmp/want"; : >"$tmp/ours"
fail=0 nfiles=0
for x in "$expdir"/*.tsv "$expdir"/*.tsv.gz; do
	[[ -f $x ]] || continue
	case $x in
	*.gz) b=$(basename "$x" .tsv.gz); cat=(zcat) ;;
	*) b=$(basename "$x" .tsv); cat=(cat) ;;
	esac
	f="$caps/$b"
	[[ -f $f ]] || { echo "INFO: $b not in the corpus, skipped"; continue; }
	nfiles=$((nfiles + 1))
	"${cat[@]}" "$x" | awk -F'\t' -v f="$b" '!/^#/ { print f "\t" $0 }' >>"$tmp/want"
	# Frames past what tshark read (it stops on some bad files) are not judged.
	last=
	if [[ -f $caps/truth/$b.frames.tsv ]]; then
		last=$(tail -n1 "$caps/truth/$b.frames.tsv" | cut -f1)
		[[ $last =~ ^[0-9]+$ ]] || last=0
	fi
	# Exit status is not judged (bad files are expected to fail), a crash is.
	"$NETDX" analyze --fields "$f" >"$tmp/one" 2>"$tmp/err"
	rc=$?
	if ((rc >= 128)); then
		echo "FAIL: netdx crashed (exit $rc) on $b"
		fail=1
	fi
	if ! awk -F'\t' 'NF != 15 || $1 !~ /^[0-9]+$/ { print "FAIL: bad --fields line " NR ": " $0; bad = 1; exit }
		END { exit bad }' "$tmp/one"; then
		echo "FAIL: (in $b)"
		fail=1
		continue
	fi
	awk -F'\t' -v f="$b" -v last="$last" 'last == "" || $1 + 0 <= last + 0 { print f "\t" $0 }' \
		"$tmp/one" >>"$tmp/ours"
done
((nfiles > 0)) || { echo "SKIP: no expected file matches a corpus capture"; exit 77; }

awk -v SHOW="${SHOW:-0}" -f "$here/tcp_fields.awk" "$tmp/want" "$tmp/ours" >"$tmp/score" || fail=1

# Score lines "column match total" (+ "rows both missing extra dup") ->
# PARITY lines, ratchet check and update. The ratchet counts mismatching rows
# exactly (total - match per column): a single new mismatch fails.
awk -v UPD=$update -v NEWR="$tmp/ratchet" '
function frac(a, b) { return b ? a / b : 1 }
FILENAME == ARGV[1] {
	if ($0 ~ /^#/ || NF < 2) next
	rmax[$1] = $2; have[$1] = 1
	next
}
$1 == "rows" {
	both = $2; miss = $3; extra = $4; dup = $5
	fr = frac(both, both + miss + extra)
	printf "PARITY: field=%-16s match=%d/%d (%.4f) missing=%d extra=%d\n", "rows", both, both + miss + extra, fr, miss, extra
	if (dup > 0) { printf "FAIL: netdx printed %d frames more than once\n", dup; bad = 1 }
	col = "rows"; m = both; t = both + miss + extra
} $1 != "rows" {
	col = $1; m = $2; t = $3; fr = frac(m, t)
	printf "PARITY: field=%-16s match=%d/%d (%.4f) mismatching=%d\n", col, m, t, fr, t - m
}
{
	order[++n] = col
	mis = t - m
	if (!have[col]) {
		printf "FAIL: column %s has no ratchet line (run with --update-ratchet)\n", col
		bad = 1
	} else if (mis > rmax[col]) {
		printf "FAIL: %s: %d mismatching rows > ratchet %d\n", col, mis, rmax[col]
		bad = 1
	}
	nr[col] = (have[col] && rmax[col] < mis) ? rmax[col] : mis
}
END {
	if (UPD) {
		print "# column max_mismatching_rows (pooled over the corpus; exact; only ever lowered)" > NEWR
		for (i = 1; i <= n; i++)
			printf "%s %d\n", order[i], nr[order[i]] > NEWR
	}
	exit bad
}' "$( [[ -f $ratchet ]] && echo "$ratchet" || echo /dev/null)" "$tmp/score" || fail=1

if ((update)); then
	cp "$tmp/ratchet" "$ratchet"
	echo "RATCHET: updated $ratchet"
fi
exit $fail
