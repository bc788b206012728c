#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Live 'netdx flows -i' with no -c/-d ends on SIGINT/SIGTERM: exit 0 or 1
# (not killed by the signal), the report is printed with every packet sent
# before the signal, and the kernel's drop statistics are reported.
#
# 1. text report: N datagrams client->server and M back, then SIGINT.
# 2. --json: the same, then SIGINT; counters.kernel_dropped present.
# 3. a quiet interface (nothing at all on it), SIGTERM: netdx must still
#    notice the signal and report (no packet arrives to wake it up).
source "$(dirname "$0")/lib.sh"
e2e_need_netns
e2e_need_tools socat nft ss jq
e2e_pair

N=5 M=3 PA=80 PB=40
FA=$((14 + 20 + 8 + PA)) FB=$((14 + 20 + 8 + PB))
e2e_nft_drop_udp "$E2E_S" 7777
e2e_nft_drop_udp "$E2E_C" 7777

# start_netdx TAG ARGS...: netdx flows -i client-iface ARGS, capturing.
start_netdx() {
	local tag=$1
	shift
	e2e_bg "$E2E_C" "$E2E_TMP/$tag.out" "$E2E_TMP/$tag.err" \
		"$NETDX" flows -i "$E2E_CIF" "$@"
	e2e_wait_capturing "$E2E_C" "$E2E_PID" "$E2E_CIF" 0 ||
		{ cat "$E2E_TMP/$tag.err" >&2; die "$tag: netdx never started capturing"; }
}

# traffic CPORT: the N + M datagrams of one conversation.
traffic() {
	local i
	for ((i = 0; i < N; i++)); do
		e2e_udp_send "$E2E_C" "$1" "$E2E_SADDR" 7777 $PA
	done
	for ((i = 0; i < M; i++)); do
		e2e_udp_send "$E2E_S" 7777 "$E2E_CADDR" "$1" $PB
	done
}

# stop_netdx TAG SIGNAL: signal it, wait (bounded), check the exit status.
stop_netdx() {
	local pid=$E2E_PID
	kill "-$2" "$pid"
	e2e_wait_exit "$pid" 20
	assert_match "$E2E_RC" '^[01]$' "$1: exit status after SIG$2 is 0 or 1 (124 = hang)"
	if [[ -s "$E2E_TMP/$1.err" ]]; then
		echo "$1: netdx stderr:"
		cat "$E2E_TMP/$1.err"
	fi
}

# 1. Text report.
start_netdx text
traffic 40002
stop_netdx text INT
out=$E2E_TMP/text.out
cat "$out"
line=$(grep -E "^udp +$E2E_CADDR:40002 +$E2E_SADDR:7777 " "$out")
assert_match "$line" \
	"^udp +[^ ]+ +[^ ]+ +$N +$((N * FA)) +$M +$((M * FB)) .* two-way" \
	"text: flows row counts every packet sent before SIGINT"
assert_eq "$(grep -cE '^(udp|tcp|icmp|icmpv6|ip-)' "$out")" 1 "text: one flow row"
assert_match "$(grep '^Counters:' "$out")" "frames=$((N + M)) .*kernel_dropped=[0-9]+" \
	"text: Counters line has frames=$((N + M)) and kernel_dropped"

# 2. JSON report.
start_netdx json --json
traffic 40003
stop_netdx json INT
out=$E2E_TMP/json.out
if jq -e . "$out" >/dev/null 2>&1; then
	row=$(jq -c '[.tables[] | select(.name == "flows") | .rows[]]' "$out")
	echo "rows: $row"
	assert_eq "$(jq -r length <<<"$row")" 1 "json: one flow row"
	assert_eq "$(jq -r '.[0] | "\(.a) \(.b) \(.pkts_ab) \(.bytes_ab) \(.pkts_ba) \(.bytes_ba)"' <<<"$row")" \
		"$E2E_CADDR:40003 $E2E_SADDR:7777 $N $((N * FA)) $M $((M * FB))" \
		"json: flow row"
	assert_eq "$(jq -r .counters.frames "$out")" $((N + M)) "json: frames"
	assert_match "$(jq -r .counters.kernel_dropped "$out")" '^[0-9]+$' \
		"json: counters.kernel_dropped present"
else
	fail "json: output is not JSON"
	cat "$out" >&2
fi

# 3. Quiet interface, SIGTERM.
start_netdx quiet --json
stop_netdx quiet TERM
out=$E2E_TMP/quiet.out
if jq -e . "$out" >/dev/null 2>&1; then
	assert_eq "$(jq -r .counters.frames "$out")" 0 "quiet: frames"
	assert_eq "$(jq -r '[.tables[] | select(.name == "flows") | .rows[]] | length' "$out")" 0 \
		"quiet: no flow rows"
	assert_match "$(jq -r .counters.kernel_dropped "$out")" '^[0-9]+$' \
		"quiet: counters.kernel_dropped present"
else
	fail "quiet: no JSON report after SIGTERM"
	cat "$out" >&2
fi

e2e_done
