#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Per-connection handshake RTT (tcp_conn_stats.handshake_rtt_ns) against
# tshark's tcp.analysis.initial_rtt per stream (truth/*.json
# handshake_rtt.by_stream, microseconds): every stream tshark gives an iRTT
# must have the same value (within 0.5 us), and none more.
#   tcp_irtt.sh      env: NETDX (binary under test)
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(git -C "$here" rev-parse --show-toplevel 2>/dev/null || echo "$here/../..")
caps="$top/../shared/captures"
NETDX=${NETDX:-$top/netdx}
[[ -x $NETDX ]] || { echo "SKIP: no netdx binary at $NETDX"; exit 77; }
[[ -d $caps/truth ]] || { echo "SKIP: no capture corpus at $caps"; exit 77; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
files=0 match=0 miss=0 extra=0 diffv=0
for j in "$caps"/truth/*.json; do
	b=$(basename "$j" .json)
	f="$caps/$b"
	[[ -f $f ]] || continue
	# "by_stream": { "0": 0.072356, ... } -> stream<TAB>seconds
	awk '/"by_stream": *\{/ { on = 1; if ($0 ~ /\}/) on = 0; next }
	     on && /\}/ { on = 0 }
	     on { gsub(/[",]/, ""); sub(/:/, ""); print $1 "\t" $2 }' \
		"$j" | sort >"$tmp/truth"
	"$NETDX" analyze --all --json "$f" 2>/dev/null |
		grep '^{"stream":' |
		sed -n 's/^{"stream":\([0-9]*\),.*"handshake_rtt":\([0-9.]*\),.*/\1\t\2/p' |
		sort >"$tmp/ours"
	files=$((files + 1))
	read -r m mi ex dv < <(awk -F'\t' '
		FNR == NR { t[$1] = $2; next }
		{ o[$1] = $2 }
		END {
			for (s in t) {
				if (!(s in o)) { mi++; if (show) print "MISS " f " stream " s > "/dev/stderr"; continue }
				d = o[s] - t[s]; if (d < 0) d = -d
				if (d < 0.0000005) m++
				else { dv++; if (show) print "DIFF " f " stream " s ": " o[s] " vs " t[s] > "/dev/stderr" }
			}
			for (s in o) if (!(s in t)) { ex++; if (show) print "EXTRA " f " stream " s > "/dev/stderr" }
			print m + 0, mi + 0, ex + 0, dv + 0
		}' show="${SHOW:-0}" f="$b" "$tmp/truth" "$tmp/ours")
	match=$((match + m)) miss=$((miss + mi)) extra=$((extra + ex)) diffv=$((diffv + dv))
done
echo "IRTT: files $files streams matched $match missing $miss extra $extra different $diffv"
[[ $((miss + extra + diffv)) -eq 0 ]] || { echo "FAIL: handshake RTT differs from tshark (SHOW=1 lists)"; exit 1; }
echo "OK: handshake RTT equals tshark initial_rtt on every stream"
