#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# netdx benchmark: times netdx commands against the libpcap floor (pcapcount)
# and against peers, side by side in one run; medians of several runs,
# ratios to the floor and peak RSS. Never part of 'make test'.
#
#   bench/run.sh [SIZE]          SIZE: small | medium (default) | large
#   env: BENCH_DIR   where captures live (default bench/out/SIZE)
#        BENCH_RUNS  runs per measurement (default 5)
#        BENCH_FILES which captures (default "bulk rr mixed")
#        BENCH_PEERS set to 0 to skip tshark/tcpdump/tcptrace
#        NETDX       netdx binary to measure (default ./netdx)
# Wall time is taken from $EPOCHREALTIME around each run (the %e of
# /usr/bin/time has 10 ms resolution, too coarse for a 0.1 s floor); peak
# RSS from /usr/bin/time %M. tcpdump runs with TZ=UTC (otherwise it spends
# most of its time in a per-packet timezone lookup).
set -euo pipefail
export LC_ALL=C TZ=UTC
cd "$(dirname "$0")/.."
ROOT=$PWD
SIZE=${1:-medium}
SHARED=$(realpath -m "$ROOT/../shared")
DIR=${BENCH_DIR:-$ROOT/bench/out/$SIZE}
RUNS=${BENCH_RUNS:-5}
FILES=${BENCH_FILES:-bulk rr mixed}
NETDX=${NETDX:-$ROOT/netdx}
[[ -x "$NETDX" ]] || { echo "bench: $NETDX not built (make)" >&2; exit 1; }

[[ -d "$SHARED/bench" ]] || { echo "bench: $SHARED/bench not found (it sits beside the repo)" >&2; exit 1; }
mkdir -p "$DIR"
need=0
for f in $FILES; do [[ -s "$DIR/$f.pcap" ]] || need=1; done
if ((need)); then
	[[ $(id -u) -eq 0 ]] || { echo "bench: captures missing in $DIR; creating them needs root" >&2; exit 1; }
	"$ROOT/scripts/deps.sh" --bench
	echo "bench: creating $SIZE captures in $DIR (make-captures.sh)"
	"$SHARED/bench/make-captures.sh" -o "$DIR" -c "$FILES" "$SIZE"
fi

BIN=$ROOT/.output/bench
mkdir -p "$BIN"
cc -O2 -o "$BIN/pcapcount" "$SHARED/bench/pcapcount.c" -lpcap

# run CMD... -> prints "median_seconds peak_rss_kb" over RUNS runs
measure() {
	local t0 t1 rss times=() rsss=()
	"$@" >/dev/null 2>&1 || true # warm-up (page cache)
	for ((i = 0; i < RUNS; i++)); do
		t0=$EPOCHREALTIME
		/usr/bin/time -f '%M' -o "$BIN/time.out" "$@" >/dev/null 2>&1 || true
		t1=$EPOCHREALTIME
		# a failing command adds a "Command exited with non-zero status" line
		rss=$(tail -n 1 "$BIN/time.out")
		times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.4f", b-a}')")
		rsss+=("$rss")
	done
	local mt mr
	mt=$(printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
	mr=$(printf '%s\n' "${rsss[@]}" | sort -g | awk '{a[NR]=$1} END {print a[NR]}')
	echo "$mt $mr"
}

echo "# netdx bench $(date -u +%Y-%m-%dT%H:%MZ) commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD -- src 2>/dev/null || echo '+dirty') runs=$RUNS dir=$DIR"
echo "# $(nproc) cores, $(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo), load $(cut -d' ' -f1-3 /proc/loadavg)"
# The commit above names the checkout; say which binary is measured.
echo "# netdx: $NETDX"
printf '%-8s %-34s %9s %8s %10s\n' capture tool median_s ratio peak_rss
for f in $FILES; do
	p=$DIR/$f.pcap
	# pcapcount prints "mode=count packets=N wire_bytes=B"
	pk=$("$BIN/pcapcount" "$p" 2>/dev/null | sed -n 's/.*packets=\([0-9]*\).*/\1/p')
	pk=${pk:-?}
	read -r floor frss < <(measure "$BIN/pcapcount" "$p")
	row() { printf '%-8s %-34s %9.3f %7.2fx %8.0f MB\n' "$f" "$1" "$2" "$(awk -v a="$2" -v b="$floor" 'BEGIN{print (b>0)?a/b:0}')" "$(awk -v r="$3" 'BEGIN{print r/1024}')"; }
	row "pcapcount (floor, $pk pkts)" "$floor" "$frss"
	read -r t r < <(measure "$BIN/pcapcount" -p "$p"); row "pcapcount -p" "$t" "$r"
	read -r t r < <(measure "$NETDX" flows "$p"); row "netdx flows" "$t" "$r"
	if "$NETDX" help analyze >/dev/null 2>&1; then
		read -r t r < <(measure "$NETDX" analyze "$p"); row "netdx analyze" "$t" "$r"
	fi
	if [[ ${BENCH_PEERS:-1} != 0 ]]; then
		command -v tshark >/dev/null && { read -r t r < <(measure tshark -r "$p" -q -z conv,tcp); row "tshark -q -z conv,tcp" "$t" "$r"; }
		command -v tshark >/dev/null && { read -r t r < <(measure tshark -r "$p" -q -z expert); row "tshark -q -z expert" "$t" "$r"; }
		command -v tcpdump >/dev/null && { read -r t r < <(measure env TZ=UTC tcpdump -nn -r "$p"); row "TZ=UTC tcpdump -nn -r" "$t" "$r"; }
		command -v tcptrace >/dev/null && { read -r t r < <(measure tcptrace -l -r -n "$p"); row "tcptrace -l -r -n" "$t" "$r"; }
	fi
done
