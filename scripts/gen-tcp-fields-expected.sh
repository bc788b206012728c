#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Regenerates tests/corpus/expected/tcpfields/<capture>.tsv: tshark 4.0.17's
# per-packet TCP analysis fields for every capture of the shared corpus.
#
# The run is the oracle command of TCP-ANALYSIS.md §4: pinned preferences,
# one sequential pass (never -2: iRTT would move), -E occurrence=f. Only
# frames with an analysed TCP header (non-empty tcp.stream) get a row.
#
# Output (tab-separated, empty = field absent):
#   frame tcp.stream tcp.seq tcp.ack tcp.len tcp.window_size
#   tcp.analysis.acks_frame tcp.analysis.ack_rtt tcp.analysis.initial_rtt
#   tcp.analysis.bytes_in_flight tcp.analysis.push_bytes_sent
#   tcp.analysis.duplicate_ack_num tcp.analysis.duplicate_ack_frame
#   tcp.analysis.rto tcp.analysis.rto_frame
# Comment lines start with '#':
#   "#cols\t..."            the column names (first line)
#   "#tshark_exit\t<code>"  tshark stopped on a bad file; rows before it stay
#   "#multi_tcp\t<frames>"  frames holding more than one TCP header (tunnels,
#                           ICMP quotes): occurrence=f means the row shows the
#                           FIRST TCP header tshark dissected, the outer one.
#   "#icmp_quoted\t<frames>" frames whose first TCP header is quoted inside an
#                           ICMP/ICMPv6 error. tshark gives it a tcp.stream
#                           (that of the quoted connection) but does no
#                           analysis: tcp.seq/ack are the RAW numbers there.
#                           netdx does not analyse quoted headers (as tshark),
#                           so these rows are left out and only listed.
# Files without any TCP row are still written (comment lines only) so that a
# missing file means "not generated" rather than "no TCP".
#
# usage: scripts/gen-tcp-fields-expected.sh [CAPTURE_DIR] [OUT_DIR]
set -euo pipefail

top=$(git rev-parse --show-toplevel)
capdir=${1:-$top/../shared/captures}
outdir=${2:-$top/tests/corpus/expected/tcpfields}
want="4.0.17"
ver=$(tshark -v 2>/dev/null | head -n1 | awk '{ print $3 }' || true)
if [[ $ver != "$want" ]]; then
	echo "gen-tcp-fields-expected: need tshark $want, found '${ver:-none}'" >&2
	exit 1
fi
mkdir -p "$outdir"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

P=(-o tcp.analyze_sequence_numbers:TRUE -o tcp.relative_sequence_numbers:TRUE
   -o tcp.track_bytes_in_flight:TRUE -o tcp.bif_seq_based:FALSE
   -o tcp.calculate_timestamps:TRUE -o tcp.fastrt_supersedes_ooo:TRUE
   -o tcp.default_window_scaling:not-known -o tcp.check_checksum:FALSE)
cols=(frame.number tcp.stream tcp.seq tcp.ack tcp.len tcp.window_size
      tcp.analysis.acks_frame tcp.analysis.ack_rtt tcp.analysis.initial_rtt
      tcp.analysis.bytes_in_flight tcp.analysis.push_bytes_sent
      tcp.analysis.duplicate_ack_num tcp.analysis.duplicate_ack_frame
      tcp.analysis.rto tcp.analysis.rto_frame)
E=()
for c in "${cols[@]}"; do E+=(-e "$c"); done
# Extra last column, removed from the output: says whether the first TCP
# header sits after an ICMP layer.
E+=(-e frame.protocols)

n=0
for f in "$capdir"/*; do
	b=$(basename "$f")
	case $b in README.md | SOURCES.tsv | truth.sh) continue ;; esac
	[[ -f $f ]] || continue
	out="$outdir/$b.tsv"
	rc=0
	tshark -r "$f" "${P[@]}" -T fields -E separator=/t -E occurrence=f \
		"${E[@]}" >"$tmp/rows" 2>"$tmp/err" || rc=$?
	# Second, cheap run: every occurrence of tcp.stream, to name the frames
	# where occurrence=f hid further TCP headers.
	tshark -r "$f" "${P[@]}" -T fields -E separator=/t -E occurrence=a \
		-e frame.number -e tcp.stream >"$tmp/all" 2>/dev/null || true
	{
		printf '#cols'
		printf '\t%s' "${cols[@]}"
		printf '\n'
		if ((rc != 0)); then printf '#tshark_exit\t%d\n' "$rc"; fi
		awk -F'\t' '$2 ~ /,/ { m = m (m == "" ? "" : ",") $1 }
			END { if (m != "") print "#multi_tcp\t" m }' "$tmp/all"
		awk -F'\t' -v OFS='\t' -v NC=${#cols[@]} -v Q="$tmp/quoted" '
		$2 == "" { next }
		{
			np = split($(NC + 1), pr, ":")
			q = 0
			for (i = 1; i <= np && pr[i] != "tcp"; i++)
				if (pr[i] == "icmp" || pr[i] == "icmpv6") q = 1
			if (q) { ql = ql (ql == "" ? "" : ",") $1; next }
			NF = NC
			print
		}
		END { if (ql != "") print "#icmp_quoted\t" ql > Q }' "$tmp/rows" >"$tmp/body"
		[[ -s $tmp/quoted ]] && cat "$tmp/quoted"
		cat "$tmp/body"
		rm -f "$tmp/quoted"
	} >"$out"
	n=$((n + 1))
done
echo "gen-tcp-fields-expected: wrote $n files to $outdir"
