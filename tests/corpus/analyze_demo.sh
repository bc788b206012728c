#!/bin/sh
# SPDX-License-Identifier: MIT
# netdx analyze on the recorded demo capture: the expected TCP finding ids
# appear in --json output (and nothing unexpected), exit code 1 (warn+).
set -u
top=$(git rev-parse --show-toplevel 2>/dev/null || pwd)
NETDX=${NETDX:-$top/netdx}
pcap=$top/tests/fixtures/demo.pcap
[ -x "$NETDX" ] || { echo "SKIP: no netdx binary at $NETDX"; exit 77; }
[ -f "$pcap" ] || { echo "SKIP: no $pcap"; exit 77; }
fail=0
out=$("$NETDX" analyze --json "$pcap")
rc=$?
[ "$rc" -eq 1 ] || { echo "FAIL: exit code $rc, expected 1 (warn findings)"; fail=1; }
ids=$(printf '%s\n' "$out" | grep -o '"id": *"[a-z_.]*"' |
	sed 's/.*"\([a-z_.]*\)"$/\1/' | sort -u | tr '\n' ' ')
# lossy download, port 81 refused x3, SYNs to 8082 dropped, slow reader.
# No tcp.reordering: the 16 segments Wireshark calls Out-Of-Order on stream 0
# are resends of segments a router dropped before the capture point (their
# IP IDs are higher than that of the later-sequence segment before them).
for id in tcp.retransmissions tcp.closed_port \
	tcp.syn_unanswered tcp.zero_window tcp.window_full; do
	case " $ids " in
	*" $id "*) ;;
	*) echo "FAIL: $id missing (got: $ids)"; fail=1 ;;
	esac
done
for id in $ids; do
	case $id in
	tcp.retransmissions|tcp.closed_port|tcp.syn_unanswered|\
	tcp.zero_window|tcp.window_full) ;;
	*) echo "FAIL: unexpected finding $id"; fail=1 ;;
	esac
done
# Numbers the recording fixes: 3 refused attempts, one SYN with 3 retries,
# Linux 0-byte probes re-labelled (D13).
text=$("$NETDX" analyze "$pcap")
printf '%s\n' "$text" | grep -q '^  3 connection attempts were answered with a reset' ||
	{ echo "FAIL: closed_port count"; fail=1; }
printf '%s\n' "$text" | grep -q '4 SYNs, retries at 1.0 s, 2.0 s, 3.1 s' ||
	{ echo "FAIL: SYN retry schedule"; fail=1; }
printf '%s\n' "$text" | grep -q '3 probes (3 Linux 0-byte probes' ||
	{ echo "FAIL: Linux zero-window probes"; fail=1; }
# Stream 0: 14 resends Wireshark labels retransmission plus the 16 it labels
# Out-Of-Order, all 16 classified by IP ID as upstream-loss resends, of 439
# segments with data, SYN or FIN (437 data, the SYN-ACK and the FIN).
printf '%s\n' "$text" | grep -q '(stream 0): 30 of 439 segments resent (6.8%), 14 fast, 0 after a timeout, 16 retransmissions of segments lost before the capture point' ||
	{ echo "FAIL: stream 0 upstream-loss resends"; fail=1; }
s0=$("$NETDX" analyze --stream 0 "$pcap")
for row in 'out of order (Wireshark) *0 *16$' \
	'reordered (IP ID lower: sent earlier) *0 *0$' \
	'resent, lost upstream (IP ID higher) *0 *16$' \
	'cause unknown (no usable IP ID) *0 *0$'; do
	printf '%s\n' "$s0" | grep -q "$row" ||
		{ echo "FAIL: --stream 0 row '$row'"; fail=1; }
done
printf '%s\n' "$s0" | grep -q '^ *247 .*out_of_order (ip_id: sent later, resent)' ||
	{ echo "FAIL: --stream 0 frame 247 classification"; fail=1; }
# The --frames parity interface still prints Wireshark's label.
"$NETDX" analyze --frames "$pcap" | grep -q '^247	out_of_order$' ||
	{ echo "FAIL: --frames lost the out_of_order label of frame 247"; fail=1; }
# Drill-down by stream and by endpoints agree on the connection.
s=$("$NETDX" analyze --stream 4 "$pcap" | grep -c '  ->  *S  ')
[ "$s" = 4 ] || { echo "FAIL: --stream 4 shows $s SYN lines, expected 4"; fail=1; }
"$NETDX" analyze --flow '10.77.0.1:48812 10.77.1.2:81' "$pcap" |
	grep -q 'rst by server (refused)' || { echo "FAIL: --flow drill-down"; fail=1; }
"$NETDX" analyze --stream 999 "$pcap" >/dev/null 2>&1
[ $? -eq 2 ] || { echo "FAIL: unknown stream should be a usage error"; fail=1; }
# --write-evidence: the frames behind the findings, readable again.
ev=$(mktemp)
trap 'rm -f "$ev"' EXIT
"$NETDX" analyze --write-evidence "$ev" "$pcap" >/dev/null
n=$("$NETDX" analyze --json "$ev" | grep -o '"counters":{"frames":[0-9]*' | sed 's/.*://')
[ -n "$n" ] && [ "$n" -gt 0 ] && [ "$n" -lt 1615 ] ||
	{ echo "FAIL: --write-evidence wrote '$n' frames"; fail=1; }
"$NETDX" analyze "$ev" | grep -q 'tcp.syn_unanswered' ||
	{ echo "FAIL: evidence file lacks the unanswered SYNs"; fail=1; }
[ $fail -eq 0 ] && echo "OK: analyze demo findings: $ids"
exit $fail
