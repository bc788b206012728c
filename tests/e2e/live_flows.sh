#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Live 'netdx flows -i' in a namespace: exact packet and byte counts of a UDP
# conversation the test sends, the -f filter, -c, and what -w saved.
#
# The client sends NOISE datagrams to port 7778 (must be filtered out), then
# N datagrams of PA payload bytes to server:7777, then the server sends M
# datagrams of PB bytes back from 7777. netdx runs with -c N+M, so it ends
# by itself after exactly those packets; if the filter let noise through it
# would end early and the counts would be wrong.
source "$(dirname "$0")/lib.sh"
e2e_need_netns
e2e_need_tools socat nft ss jq tcpdump
e2e_pair

N=7 M=4 NOISE=3 PA=100 PB=60 CPORT=40001
# Frame length on the veth: Ethernet 14 + IPv4 20 + UDP 8 + payload.
FA=$((14 + 20 + 8 + PA)) FB=$((14 + 20 + 8 + PB))
e2e_nft_drop_udp "$E2E_S" 7777
e2e_nft_drop_udp "$E2E_S" 7778
e2e_nft_drop_udp "$E2E_C" 7777

out=$E2E_TMP/flows.json err=$E2E_TMP/flows.err pcap=$E2E_TMP/live.pcap
e2e_bg "$E2E_C" "$out" "$err" "$NETDX" flows -i "$E2E_CIF" --json \
	-f 'udp port 7777' -c $((N + M)) -w "$pcap"
pid=$E2E_PID
e2e_wait_capturing "$E2E_C" "$pid" "$E2E_CIF" 1 ||
	{ cat "$err" >&2; die "netdx never started capturing on $E2E_CIF"; }

for ((i = 0; i < NOISE; i++)); do
	e2e_udp_send "$E2E_C" $CPORT "$E2E_SADDR" 7778 $PA
done
for ((i = 0; i < N; i++)); do
	e2e_udp_send "$E2E_C" $CPORT "$E2E_SADDR" 7777 $PA
done
for ((i = 0; i < M; i++)); do
	e2e_udp_send "$E2E_S" 7777 "$E2E_CADDR" $CPORT $PB
done

e2e_wait_exit "$pid" 20
assert_eq "$E2E_RC" 0 "netdx flows -c $((N + M)) exit status"
[[ -s "$err" ]] && { echo "netdx stderr:"; cat "$err"; }
jq -e . "$out" >/dev/null 2>&1 || { cat "$out" >&2; die "flows --json output is not JSON"; }

rows=$(jq '.tables[] | select(.name == "flows") | .rows | length' "$out")
assert_eq "$rows" 1 "flows rows (filter 'udp port 7777' keeps one conversation)"
row=$(jq -c '.tables[] | select(.name == "flows") | .rows[0]' "$out")
echo "row: $row"
assert_eq "$(jq -r .proto <<<"$row")" udp "proto"
assert_eq "$(jq -r .a <<<"$row")" "$E2E_CADDR:$CPORT" "A (first sender)"
assert_eq "$(jq -r .b <<<"$row")" "$E2E_SADDR:7777" "B"
assert_eq "$(jq -r .pkts_ab <<<"$row")" $N "packets A->B"
assert_eq "$(jq -r .pkts_ba <<<"$row")" $M "packets B->A"
assert_eq "$(jq -r .bytes_ab <<<"$row")" $((N * FA)) "bytes A->B ($N x $FA)"
assert_eq "$(jq -r .bytes_ba <<<"$row")" $((M * FB)) "bytes B->A ($M x $FB)"
assert_eq "$(jq -r .state <<<"$row")" two-way "state"
assert_eq "$(jq -r .counters.frames "$out")" $((N + M)) "frames counter"
assert_eq "$(jq -r .inputs[0] "$out")" "$E2E_CIF" "inputs names the interface"
assert_match "$(jq -r .counters.kernel_dropped "$out")" '^[0-9]+$' \
	"kernel_dropped counter present"

# -w: the file holds exactly those packets, netdx and tcpdump agree.
[[ -s "$pcap" ]] || die "-w $pcap was not written"
tsv=$("$NETDX" flows --tsv "$pcap")
assert_eq "$(wc -l <<<"$tsv")" 1 "rows read back from the -w file"
assert_eq "$(cut -f1-9 <<<"$tsv")" \
	"$(printf 'udp\t%s\t%s\t%s\t7777\t%s\t%s\t%s\t%s' "$E2E_CADDR" $CPORT \
		"$E2E_SADDR" $N $((N * FA)) $M $((M * FB)))" \
	"the -w file's flow row (netdx flows --tsv)"
assert_eq "$(tcpdump -n -r "$pcap" 2>/dev/null | wc -l)" $((N + M)) \
	"packets in the -w file (tcpdump -r)"
assert_eq "$(tcpdump -n -r "$pcap" 'udp dst port 7777 and udp[4:2] = '$((8 + PA)) \
	2>/dev/null | wc -l)" $N "requests of $PA bytes in the -w file"

e2e_done
