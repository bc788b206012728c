#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Per-field TCP analysis parity with tshark 4.0.17 over the shared corpus:
# `netdx analyze --fields FILE` (format: docs/tcp-analysis.md "--fields
# format") against tests/corpus/expected/tcpfields/<file>.tsv (made by
# scripts/gen-tcp-fields-expected.sh). Prints the agreement of every column
# pooled over all files and checks the ratchet tcp_fields.ratchet (minimum
# agreement per column; only ever raised, with --update-ratchet).
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
# PARITY lines, ratchet check and update.
awk -v UPD=$update -v NEWR="$tmp/ratchet" '
function frac(a, b) { return b ? a / b : 1 }
FILENAME == ARGV[1] {
	if ($0 ~ /^#/ || NF < 2) next
	rmin[$1] = $2; have[$1] = 1
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
	printf "PARITY: field=%-16s match=%d/%d (%.4f)\n", col, m, t, fr
}
{
	order[++n] = col
	if (have[col] && fr + 1e-9 < rmin[col]) {
		printf "FAIL: %s agreement %.4f < ratchet %.4f\n", col, fr, rmin[col]
		bad = 1
	}
	# Truncated to 4 decimals so that a re-run never trips on rounding.
	v = int(fr * 10000) / 10000
	nr[col] = (have[col] && rmin[col] > v) ? rmin[col] : v
}
END {
	if (UPD) {
		print "# column min_agreement (fraction of rows, pooled over the corpus; only raised)" > NEWR
		for (i = 1; i <= n; i++)
			printf "%s %.4f\n", order[i], nr[order[i]] > NEWR
	}
	exit bad
}' "$( [[ -f $ratchet ]] && echo "$ratchet" || echo /dev/null)" "$tmp/score" || fail=1

if ((update)); then
	cp "$tmp/ratchet" "$ratchet"
	echo "RATCHET: updated $ratchet"
fi
exit $fail
