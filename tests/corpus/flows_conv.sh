#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# netdx flows vs tshark -z conv,tcp / conv,udp on the real-world corpus.
#
# Compared exactly, per file, as a multiset of rows: proto, A address/port,
# B address/port (A = source of the first packet), packets and bytes (frame
# length) each way, and for TCP the conversation index (= tcp.stream). Start
# and duration are compared to the microsecond. Expected files come from
# scripts/gen-conv-expected.sh (tests/corpus/expected/conv). Files tshark
# rejects part-way must make netdx exit non-zero with a message on stderr.
# KNOWN lists files that differ on purpose, with the reason (docs/flows.md); it
# may only shrink: a listed file that now matches fails the test.
set -u

top=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
shared="$top/../shared"
capdir="$shared/captures"
expdir="$top/tests/corpus/expected/conv"
NETDX=${NETDX:-$top/netdx}

if [ ! -d "$capdir" ]; then
	echo "SKIP: $capdir absent"
	exit 77
fi
if [ ! -x "$NETDX" ]; then
	echo "SKIP: no netdx binary at $NETDX (set NETDX)"
	exit 77
fi

declare -A KNOWN=(
	[bigtcp-ipv4-vxlan-ipv4.pcap]="deliberate: BIG TCP: IPv4 total length 0 and UDP length 0; tshark rejects the UDP header (bad length) and taps nothing; netdx counts outer UDP and inner TCP (what the host sent)"
	[gtp-iphone.pcap]="deliberate: tshark splits one UDP address/port pair into two rows by udp.stream (two GTP tunnels); netdx keys UDP by the pair only"
	[test102.pcapng]="deliberate: counts match; start/duration differ: the first record is a custom block without timestamp and tshark's conv table takes its zero time as the start of the conversation; netdx uses the packets' own times"
)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Normalises rows to: proto A pA B pB fab bab fba bba start dur [stream].
norm='BEGIN { FS = OFS = "\t" }
/^#/ { next }
$1 == "tcp" { print $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12 }
$1 == "udp" { print $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11 }'

pass=0
fail=0
known=0
for f in "$capdir"/*; do
	base=$(basename "$f")
	case $base in
	README.md | SOURCES.tsv | truth | truth.sh) continue ;;
	esac
	[ -f "$f" ] || continue
	exp="$expdir/$base.tsv"
	if [ ! -f "$exp" ]; then
		echo "FAIL $base: no expected file (run scripts/gen-conv-expected.sh)"
		fail=$((fail + 1))
		continue
	fi
	rc=0
	"$NETDX" flows --tsv "$f" >"$tmp/out" 2>"$tmp/err" || rc=$?
	bad=""
	if grep -q '^#tshark_exit' "$exp"; then
		if [ "$rc" -eq 0 ] || [ ! -s "$tmp/err" ]; then
			bad="tshark rejects this file; netdx exited $rc without an error"
		fi
	# 1 = a warn finding (duplicates, ...): the same status as the text report.
	elif [ "$rc" -gt 1 ]; then
		bad="netdx exited $rc: $(head -c 200 "$tmp/err")"
	fi
	awk "$norm" "$exp" | sort >"$tmp/e"
	awk "$norm" "$tmp/out" | sort >"$tmp/n"
	if ! cmp -s "$tmp/e" "$tmp/n"; then
		if [ -n "${KNOWN[$base]+x}" ] && [ -z "$bad" ]; then
			known=$((known + 1))
			echo "known $base: ${KNOWN[$base]}"
			continue
		fi
		bad="${bad:+$bad; }rows differ (< tshark, > netdx):
$(diff "$tmp/e" "$tmp/n" | grep '^[<>]' | head -6)"
	elif [ -n "${KNOWN[$base]+x}" ]; then
		bad="matches now: remove it from KNOWN in $0"
	fi
	if [ -n "$bad" ]; then
		echo "FAIL $base: $bad"
		fail=$((fail + 1))
	else
		pass=$((pass + 1))
	fi
done
echo "flows_conv: $pass match, $known known differences, $fail failures"
[ "$fail" -eq 0 ]
