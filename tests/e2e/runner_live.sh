#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The runner drives a live capture and a second source together: the test
# program runner_probe (NETDX_PROBE; not a product option) runs the toy
# timer source beside a live veth capture, with the toy analyzer row.
#
# 1. N datagrams, then a tick must report the capture at N frames; M more,
#    then a tick at N+M: the timer ran while the capture ran, and saw it.
# 2. One SIGINT stops both: exit 0/1, the report is printed (frames N+M,
#    both sources listed), the timer was stopped and finished, and the
#    analyzer row's end-of-run evidence counts every frame.
source "$(dirname "$0")/lib.sh"
[[ -n ${NETDX_PROBE:-} && -x ${NETDX_PROBE:-} ]] ||
	{ echo "SKIP: NETDX_PROBE (make .output/rel/runner_probe) not given"; exit 77; }
e2e_need_netns
e2e_need_tools socat nft ss jq
e2e_pair

N=4 M=3
e2e_nft_drop_udp "$E2E_S" 7777

# wait_tick FRAMES: a tick line reporting the capture at FRAMES frames
# (bounded wait on a state of the running program, not a timing claim).
wait_tick() {
	local i
	for ((i = 0; i < 200; i++)); do
		grep -q "^toy.tick [0-9]* frames $1\$" "$E2E_TMP/p.err" && return 0
		sleep 0.1
	done
	return 1
}

e2e_bg "$E2E_C" "$E2E_TMP/p.out" "$E2E_TMP/p.err" \
	"$NETDX_PROBE" -i "$E2E_CIF" --json -f 'udp port 7777'
e2e_wait_capturing "$E2E_C" "$E2E_PID" "$E2E_CIF" 0 ||
	{ cat "$E2E_TMP/p.err" >&2; die "probe never started capturing"; }
pid=$E2E_PID
for ((i = 0; i < N; i++)); do
	e2e_udp_send "$E2E_C" 40100 "$E2E_SADDR" 7777 60
done
wait_tick $N || { cat "$E2E_TMP/p.err"; die "no tick saw the capture at $N frames"; }
for ((i = 0; i < M; i++)); do
	e2e_udp_send "$E2E_C" 40100 "$E2E_SADDR" 7777 60
done
wait_tick $((N + M)) || { cat "$E2E_TMP/p.err"; die "no tick saw the capture at $((N + M)) frames"; }
ticks_before=$(grep -c '^toy.tick ' "$E2E_TMP/p.err")

kill -INT "$pid"
e2e_wait_exit "$pid" 20
assert_match "$E2E_RC" '^[01]$' "exit status after one SIGINT is 0 or 1 (124 = hang)"
tail -5 "$E2E_TMP/p.err"
out=$E2E_TMP/p.out
jq -e . "$out" >/dev/null 2>&1 || die "no JSON report after SIGINT: $(head -c 300 "$out")"
assert_eq "$(jq -r .counters.frames "$out")" $((N + M)) "report: frames = every datagram sent"
assert_eq "$(jq -r '[.sources[] | select(.name == "toy_timer") | .status] | .[0]' "$out")" available \
	"report: the timer source is listed as available"
assert_eq "$(jq -r '[.sources[] | select(.name == "capture") | .status] | .[0]' "$out")" available \
	"report: the capture source is listed as available"
assert_match "$(grep '^toy.ticks ' "$E2E_TMP/p.err")" "^toy.ticks [0-9]+ stopped 1 finished 1\$" \
	"the SIGINT stopped the timer source and it finished"
assert_file_contains "$E2E_TMP/p.err" "toy.packets frames $((N + M)) packets $((N + M))" \
	"the analyzer row counted every frame and packet"
ticks=$(sed -n 's/^toy.ticks \([0-9]*\) .*/\1/p' "$E2E_TMP/p.err")
((ticks >= ticks_before && ticks_before >= 2)) ||
	assert_eq "$ticks/$ticks_before" "ok" "ticks before the signal (>= 2) and in total"
e2e_done
