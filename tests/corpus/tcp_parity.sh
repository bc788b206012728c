#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# TCP analysis parity with tshark 4.0.17 over the shared capture corpus:
# per flag TP/FP/FN/precision/recall pooled over every file, checked
# against the ratchet tcp_parity.ratchet (figures may only go up).
#   tcp_parity.sh [--update-ratchet]      env: NETDX (binary under test)
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(git -C "$here" rev-parse --show-toplevel 2>/dev/null || echo "$here/../..")
caps="$top/../shared/captures"
ratchet="$here/tcp_parity.ratchet"
NETDX=${NETDX:-$top/netdx}
update=0
[[ ${1:-} == --update-ratchet ]] && update=1

[[ -x $NETDX ]] || { echo "SKIP: no netdx binary at $NETDX"; exit 77; }

# Crafted fixtures: exact per-frame output checked into the tree (tshark's).
for x in "$top"/tests/fixtures/tcp/*.expected; do
	[[ -f $x ]] || continue
	if ! "$NETDX" analyze --frames "${x%.expected}.pcap" | diff -u "$x" -; then
		echo "FAIL: fixture $(basename "${x%.expected}.pcap") differs from tshark"
		exit 1
	fi
	echo "INFO: fixture $(basename "${x%.expected}.pcap") matches tshark"
done

[[ -d $caps/truth ]] || { echo "SKIP: no capture corpus at $caps"; exit 77; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
: >"$tmp/truth"; : >"$tmp/ours"
fail=0
for t in "$caps"/truth/*.frames.tsv; do
	b=$(basename "$t" .frames.tsv)
	f="$caps/$b"
	[[ -f $f ]] || continue
	awk -F'\t' -v f="$b" 'NR > 1 { print f "\t" $1 "\t" $8 }' "$t" >>"$tmp/truth"
	# Exit status is not judged here (bad files are expected to fail),
	# only a crash is: what was read before an error was printed.
	"$NETDX" analyze --frames "$f" >"$tmp/one" 2>"$tmp/err"
	rc=$?
	if ((rc >= 128)); then
		echo "FAIL: netdx crashed (exit $rc) on $b"
		fail=1
	fi
	awk -F'\t' -v f="$b" '{ print f "\t" $1 "\t" $2 }' "$tmp/one" >>"$tmp/ours"
done

awk -v SHOW="${SHOW:-0}" -f "$here/tcp_parity.awk" "$tmp/truth" "$tmp/ours" >"$tmp/score"

# Score lines "flag tp fp fn" -> PARITY lines + ratchet check/update.
awk -v UPD=$update -v RFILE="$ratchet" -v NEWR="$tmp/ratchet" '
function ratio(a, b) { return b ? a / b : 1 }
FILENAME == ARGV[1] {
	if ($0 ~ /^#/ || NF < 4) next
	rp[$1] = $2; rr[$1] = $3; rfp[$1] = $4; have[$1] = 1
	next
}
{
	fl = $1; tp = $2; fp = $3; fn = $4
	p = ratio(tp, tp + fp); r = ratio(tp, tp + fn)
	printf "PARITY: %-24s TP %6d FP %5d FN %5d precision %.4f recall %.4f\n", fl, tp, fp, fn, p, r
	order[++n] = fl
	if (have[fl]) {
		if (p + 1e-9 < rp[fl]) { printf "FAIL: %s precision %.4f < ratchet %.4f\n", fl, p, rp[fl]; bad = 1 }
		if (r + 1e-9 < rr[fl]) { printf "FAIL: %s recall %.4f < ratchet %.4f\n", fl, r, rr[fl]; bad = 1 }
		if (rfp[fl] >= 0 && tp + fn == 0 && fp > rfp[fl]) { printf "FAIL: %s FP %d > ratchet %d\n", fl, fp, rfp[fl]; bad = 1 }
	}
	# Raised ratchet: never lower than before.
	np[fl] = (have[fl] && rp[fl] > p) ? rp[fl] : p
	nr[fl] = (have[fl] && rr[fl] > r) ? rr[fl] : r
	if (tp + fn == 0)
		nfp[fl] = (have[fl] && rfp[fl] >= 0 && rfp[fl] < fp) ? rfp[fl] : fp
	else
		nfp[fl] = (have[fl] ? rfp[fl] : -1)
}
END {
	if (UPD) {
		print "# flag min_precision min_recall max_fp_when_no_true_cases(-1: n/a)" > NEWR
		for (i = 1; i <= n; i++)
			printf "%s %.4f %.4f %d\n", order[i], int(np[order[i]] * 10000) / 10000, int(nr[order[i]] * 10000) / 10000, nfp[order[i]] > NEWR
	}
	exit bad
}' "$( [[ -f $ratchet ]] && echo "$ratchet" || echo /dev/null)" "$tmp/score" || fail=1

if ((update)); then
	cp "$tmp/ratchet" "$ratchet"
	echo "RATCHET: updated $ratchet"
fi
exit $fail
