#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Regenerates tests/corpus/expected/conv/<capture>.tsv from tshark's conv taps.
#
# Why a Lua listener: `tshark -z conv,tcp` prints bytes with units ("206 kB",
# truncated), so it cannot give exact numbers. Its TCP/UDP tables are fed by
# the "tcp"/"udp" taps; a Lua listener on the same taps sees exactly the
# headers the tables count (one call per tapped header, with th_stream /
# uh_stream, addresses and ports) and sums frame lengths exactly. Every
# generated row is then re-formatted the way tshark prints it and checked
# against the real `-z conv,tcp -z conv,udp` output; the script fails if any
# file disagrees, so the committed numbers are tshark's numbers.
#
# Output (TSV, one row per conversation, sorted by proto then stream):
#   proto addrA portA addrB portB frames_ab bytes_ab frames_ba bytes_ba
#   rel_start duration stream
# A = source of the conversation's first tapped packet (tshark's orientation).
# stream = tcp.stream / udp.stream. tshark's tables key a row by stream AND
# address/port pair: one udp.stream can span several pairs
# (fuzz-2006-06-26-2594.pcap) and one pair several udp.streams (gtp-iphone).
# rel_start is relative to the first frame of the capture, 6 decimals;
# duration = last - first tapped packet, 6 decimals.
# A file tshark rejects part-way gets a first line "#tshark_exit\t<code>";
# the rows before the error follow (tshark prints what it read).
#
# usage: scripts/gen-conv-expected.sh [CAPTURE_DIR] [OUT_DIR]
set -euo pipefail

top=$(git rev-parse --show-toplevel)
capdir=${1:-$top/../shared/captures}
outdir=${2:-$top/tests/corpus/expected/conv}
mkdir -p "$outdir"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat >"$tmp/conv.lua" <<'EOF'
-- Sums what the tcp/udp conversation tables count, exactly.
local rows = {}
local order = {}
local function add(proto, stream, pinfo, src, sport, dst, dport)
	-- A row is (stream, unordered address/port pair): port reuse gives two
	-- TCP rows; one udp.stream may span several pairs (fuzz-2006-...) and
	-- one UDP pair several streams (GTP inner flows in gtp-iphone).
	local x, y = src .. "/" .. sport, dst .. "/" .. dport
	if x > y then x, y = y, x end
	local k = proto .. "/" .. stream .. "/" .. x .. "/" .. y
	local r = rows[k]
	local t = pinfo.rel_ts
	if not r then
		r = { proto = proto, stream = stream, a = src, pa = sport, b = dst,
		      pb = dport, fab = 0, bab = 0, fba = 0, bba = 0,
		      first = t, last = t }
		rows[k] = r
		order[#order + 1] = k
	end
	if src == r.a and sport == r.pa then
		r.fab = r.fab + 1; r.bab = r.bab + pinfo.len
	else
		r.fba = r.fba + 1; r.bba = r.bba + pinfo.len
	end
	if t < r.first then r.first = t end
	if t > r.last then r.last = t end
end
local tcp = Listener.new("tcp")
function tcp.packet(pinfo, tvb, ti)
	add("tcp", ti.th_stream, pinfo, tostring(ti.ip_src), ti.th_sport,
	    tostring(ti.ip_dst), ti.th_dport)
end
local udp = Listener.new("udp")
function udp.packet(pinfo, tvb, ui)
	add("udp", ui.uh_stream, pinfo, tostring(ui.ip_src), ui.uh_sport,
	    tostring(ui.ip_dst), ui.uh_dport)
end
local function finish()
	for _, k in ipairs(order) do
		local r = rows[k]
		io.write(string.format("%s\t%s\t%d\t%s\t%d\t%d\t%d\t%d\t%d\t%.6f\t%.6f\t%d\n",
			r.proto, r.a, r.pa, r.b, r.pb, r.fab, r.bab, r.fba, r.bba,
			r.first, r.last - r.first, r.stream))
	end
end
tcp.draw = finish
EOF

# tshark's byte formatting in conv tables (checked by experiment on this
# corpus): < 10000 -> "N bytes", else truncated "N kB", "N MB" (SI).
fmt_awk='
function fmt(n) {
	if (n < 10000) return n " bytes"
	if (n < 10000000) return int(n / 1000) " kB"
	if (n < 10000000000) return int(n / 1000000) " MB"
	return int(n / 1000000000) " GB"
}'

fail=0
n=0
for f in "$capdir"/*; do
	base=$(basename "$f")
	case $base in
	README.md | SOURCES.tsv | truth | truth.sh) continue ;;
	esac
	[ -f "$f" ] || continue
	n=$((n + 1))
	rc=0
	tshark -n -r "$f" -q -X lua_script:"$tmp/conv.lua" \
		>"$tmp/rows" 2>"$tmp/err" || rc=$?
	rc2=0
	tshark -n -r "$f" -q -z conv,tcp -z conv,udp \
		>"$tmp/conv" 2>/dev/null || rc2=$?
	{
		[ "$rc" -ne 0 ] && printf '#tshark_exit\t%d\n' "$rc"
		grep -v '^Running as' "$tmp/rows" | sort -t $'\t' -k1,1 -k12,12n || true
	} >"$outdir/$base.tsv"

	# Cross-check against the printed tables (frames exact, bytes formatted).
	awk -F'\t' "$fmt_awk"'
	/^#/ { next }
	{
		a = $2 ":" $3
		b = $4 ":" $5
		print toupper($1), a, b, $8, fmt($9), $6, fmt($7)
	}' "$outdir/$base.tsv" | sort >"$tmp/mine"
	awk '
	/^TCP Conversations/ { p = "TCP" } /^UDP Conversations/ { p = "UDP" }
	/<->/ { print p, $1, $3, $4, $5 " " $6, $7, $8 " " $9 }' "$tmp/conv" |
		sort >"$tmp/theirs"
	if ! cmp -s "$tmp/mine" "$tmp/theirs"; then
		echo "MISMATCH $base (tshark rc $rc2):" >&2
		{ diff "$tmp/mine" "$tmp/theirs" || true; } | head -10 >&2
		fail=1
	fi
done
echo "generated $n files in $outdir" >&2
exit $fail
