#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Refused and silently dropped TCP connections, captured live by netdx.
#
# The client connects N times to a closed port on the server (answered by
# RST) and M times to a port the server's nftables drops (no answer; nc -w 2
# gives each attempt one SYN retransmission). netdx flows -i captures it
# (-w keeps the file) and is stopped with SIGINT after the last attempt.
# Asserted:
#  - the live rows and the rows read back from the -w file are identical;
#  - exactly N REJECTED rows to the closed port (1 SYN, 1 RST each) and M
#    SYN_ONLY rows to the dropped port (SYNs only, nothing back), no others;
#  - netdx analyze --json FILE reports tcp.closed_port (count N) and
#    tcp.syn_unanswered (count M), exit status 1 (warn findings).
# A missing finding id fails the test (set E2E_REQUIRE_TCP_FINDINGS=0 to
# make it SKIP naming the id instead, e.g. while bisecting old builds).
source "$(dirname "$0")/lib.sh"
REQUIRE_FINDINGS=${E2E_REQUIRE_TCP_FINDINGS:-1}
e2e_need_netns
e2e_need_tools nc nft ss jq
e2e_pair

N=3 M=2 CLOSED=81 DROPPED=8082
ip netns exec "$E2E_S" nft add table inet e2e &&
	ip netns exec "$E2E_S" nft add chain inet e2e in \
		'{ type filter hook input priority 0; }' &&
	ip netns exec "$E2E_S" nft add rule inet e2e in tcp dport $DROPPED drop ||
	die "nft drop rule"

pcap=$E2E_TMP/conn.pcap
e2e_bg "$E2E_C" "$E2E_TMP/live.tsv" "$E2E_TMP/live.err" \
	"$NETDX" flows -i "$E2E_CIF" -f tcp --tsv -w "$pcap"
pid=$E2E_PID
e2e_wait_capturing "$E2E_C" "$pid" "$E2E_CIF" 1 ||
	{ cat "$E2E_TMP/live.err" >&2; die "netdx never started capturing"; }

for ((i = 0; i < N; i++)); do
	if ip netns exec "$E2E_C" nc -z -w 2 "$E2E_SADDR" $CLOSED 2>/dev/null; then
		die "port $CLOSED unexpectedly accepted a connection"
	fi
done
for ((i = 0; i < M; i++)); do
	if ip netns exec "$E2E_C" nc -z -w 2 "$E2E_SADDR" $DROPPED 2>/dev/null; then
		die "port $DROPPED unexpectedly accepted a connection"
	fi
done

kill -INT "$pid"
e2e_wait_exit "$pid" 20
assert_match "$E2E_RC" '^[01]$' "live netdx flows exit status after SIGINT"
[[ -s "$E2E_TMP/live.err" ]] && cat "$E2E_TMP/live.err"
[[ -s "$pcap" ]] || die "-w $pcap was not written"

file_tsv=$("$NETDX" flows --tsv "$pcap")
echo "$file_tsv"
assert_eq "$(cat "$E2E_TMP/live.tsv")" "$file_tsv" "live rows = rows read back from -w"

# proto addrA portA addrB portB pkts_ab bytes_ab pkts_ba bytes_ba start duration conv state
rejected=$(awk -F'\t' -v p=$CLOSED '$1 == "tcp" && $5 == p && $13 == "REJECTED" &&
	$6 == 1 && $8 == 1' <<<"$file_tsv" | wc -l)
assert_eq "$rejected" $N "REJECTED rows to port $CLOSED (SYN, RST)"
synonly=$(awk -F'\t' -v p=$DROPPED '$1 == "tcp" && $5 == p && $13 == "SYN_ONLY" &&
	$6 >= 1 && $8 == 0' <<<"$file_tsv" | wc -l)
assert_eq "$synonly" $M "SYN_ONLY rows to port $DROPPED (no answer)"
assert_eq "$(grep -c . <<<"$file_tsv")" $((N + M)) "rows in all"
info "SYNs per dropped attempt: $(awk -F'\t' -v p=$DROPPED '$5 == p { printf "%s ", $6 }' <<<"$file_tsv")"

# Findings from the saved capture.
"$NETDX" analyze --json "$pcap" >"$E2E_TMP/analyze.json" 2>"$E2E_TMP/analyze.err"
arc=$?
missing=()
if ! jq -e '.findings | type == "array"' "$E2E_TMP/analyze.json" >/dev/null 2>&1; then
	missing=(tcp.closed_port tcp.syn_unanswered)
	why="netdx analyze --json prints no JSON report with findings (exit $arc)"
else
	why="netdx analyze --json has no finding"
	for idn in "tcp.closed_port $N" "tcp.syn_unanswered $M"; do
		set -- $idn
		f=$(jq -c --arg id "$1" '[.findings[] | select(.id == $id)]' "$E2E_TMP/analyze.json")
		if [[ "$(jq length <<<"$f")" == 0 ]]; then
			missing+=("$1")
			continue
		fi
		echo "ok: finding $1 present"
		assert_eq "$(jq -r '.[0].severity' <<<"$f")" warn "$1 severity"
		cnt=$(jq -r '.[0].numbers.count // empty' <<<"$f")
		if [[ -n "$cnt" ]]; then
			assert_eq "$cnt" "$2" "$1 numbers.count"
		else
			fail "$1 has no numbers.count: $f"
		fi
	done
	((${#missing[@]})) || assert_eq "$arc" 1 "netdx analyze exit status (warn findings)"
fi
if ((${#missing[@]})); then
	cat "$E2E_TMP/analyze.err"
	msg="$why ${missing[*]}"
	if ((REQUIRE_FINDINGS)); then
		fail "$msg"
	elif ((E2E_FAILS == 0)); then
		skip "$msg (flows assertions passed; set E2E_REQUIRE_TCP_FINDINGS=1 to fail)"
	fi
fi
e2e_done
