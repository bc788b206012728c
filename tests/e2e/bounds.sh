#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Load bounds (issue 8 items 2-4), on captures written at run time (no root):
#  * 100,001 unanswered SYNs fill the evidence store: analyze still reports
#    (exit 1, not 5) and the finding counts every one; with --max-evidence
#    1000, 5,000 SYNs give one finding counting 5,000;
#  * 1,001 conversations seen 4 times in a table of 1,000: each eviction of
#    a conversation counted once, the returns told apart;
#  * --stream keeps a window of --stream-packets packets and says so;
#  * --max-rows bounds the rows of flows and analyze --all, counting the rest.
# Memory bounds are asserted by counting kept rows/records, not by timing.
source "$(dirname "$0")/lib.sh"
e2e_need_netdx
e2e_need_tools python3 jq timeout
T=$E2E_TMP

# gen OUT NFLOWS ROUNDS: NFLOWS TCP SYNs to 10.100.0.1:80 (same ISN each
# round, so a later round resends them), round-robin.
gen() {
	python3 - "$@" <<'PY'
import struct, sys
out, n, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(out, 'wb') as f:
    f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    t = 1000000
    for r in range(rounds):
        for i in range(n):
            src = 0x0a000000 | (i // 50000 + 1)
            ip = struct.pack('!BBHHHBBHII', 0x45, 0, 40, 0, 0, 64, 6, 0,
                             src, 0x0a640001)
            tcp = struct.pack('!HHIIBBHHH', 1024 + i % 50000, 80, 1000, 0,
                              0x50, 0x02, 65535, 0, 0)
            p = b'\0\x11\x22\x33\x44\x55\0\x66\x77\x88\x99\xaa\x08\0' + ip + tcp
            f.write(struct.pack('<IIII', t // 1000000, t % 1000000, len(p), len(p)))
            f.write(p)
            t += 10
PY
}

# stream OUT NDATA: one connection, handshake then NDATA data segments.
stream() {
	python3 - "$@" <<'PY'
import struct, sys
out, n = sys.argv[1], int(sys.argv[2])
with open(out, 'wb') as f:
    f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    t = [1000000]
    def pkt(src, dst, sp, dp, seq, ack, fl, pl=b''):
        ip = struct.pack('!BBHHHBBHII', 0x45, 0, 40 + len(pl), 0, 0, 64, 6, 0, src, dst)
        tcp = struct.pack('!HHIIBBHHH', sp, dp, seq, ack, 0x50, fl, 65535, 0, 0)
        p = b'\0\x11\x22\x33\x44\x55\0\x66\x77\x88\x99\xaa\x08\0' + ip + tcp + pl
        f.write(struct.pack('<IIII', t[0] // 1000000, t[0] % 1000000, len(p), len(p)))
        f.write(p)
        t[0] += 100
    C, S = 0x0a000001, 0x0a000002
    pkt(C, S, 4000, 80, 100, 0, 0x02)
    pkt(S, C, 80, 4000, 500, 101, 0x12)
    pkt(C, S, 4000, 80, 101, 501, 0x10)
    for i in range(n):
        pkt(C, S, 4000, 80, 101 + i * 10, 501, 0x18, b'x' * 10)
PY
}

# run ARGS...: RC and OUT (stdout); a crash or hang is a failure.
run() {
	OUT=$T/out
	timeout 60 "$NETDX" "$@" >"$OUT" 2>"$T/err"
	RC=$?
	((RC < 124)) || fail "netdx $*: status $RC (crash or hang)"
}

jqv() { jq -r "$1" "$OUT" 2>/dev/null; }

# Item 2: a full evidence store degrades, never aborts.
gen "$T/syn100k.pcap" 100001 1 || die "cannot write the capture"
run analyze --json "$T/syn100k.pcap"
assert_eq "$RC" 1 "analyze on 100,001 unanswered SYNs: exit status"
assert_eq "$(jqv '.findings[] | select(.id == "tcp.syn_unanswered") | .numbers.count')" \
	100001 "syn_unanswered counts every SYN past the store cap"
assert_eq "$(jqv '.counters.evidence_aggregated > 0')" true "evidence_aggregated counted"

gen "$T/syn5k.pcap" 5000 1 || die "cannot write the capture"
run analyze --json --max-evidence 1000 "$T/syn5k.pcap"
assert_eq "$RC" 1 "analyze --max-evidence 1000: exit status"
assert_eq "$(jqv '[.findings[] | select(.id == "tcp.syn_unanswered")] | length')" \
	1 "one syn_unanswered finding"
assert_eq "$(jqv '.findings[] | select(.id == "tcp.syn_unanswered") | .numbers.count')" \
	5000 "it counts 5,000 with the store capped at 1,000"
# 4,000 SYN records past the first 1,000, and tcp.totals.
assert_eq "$(jqv '.counters.evidence_aggregated')" 4001 "records folded"

# Item 3: evictions counted once per conversation.
gen "$T/evict.pcap" 1001 4 || die "cannot write the capture"
run flows --json --max-flows 1000 "$T/evict.pcap"
F='.findings[] | select(.id == "capture.flows_evicted") | .numbers'
assert_eq "$(jqv "$F | .evicted")" 1001 "conversations evicted, each once"
assert_eq "$(jqv "$F | .evictions")" 3004 "evictions in all"
assert_eq "$(jqv "$F | .returned")" 1001 "evicted conversations that came back"
assert_eq "$(jqv '.tables[0].rows | length')" 1001 "every row intact"

# Item 4: --stream keeps a window and says what it left out.
stream "$T/stream.pcap" 300 || die "cannot write the capture"
run analyze --json --stream 0 --stream-packets 50 "$T/stream.pcap"
assert_eq "$(jqv '.tables[] | select(.name | startswith("packets")) | .rows | length')" \
	50 "--stream-packets 50 lists 50 packets"
assert_eq "$(jqv '.counters.stream_packets_omitted')" 253 "the rest counted"

# Item 4: --max-rows bounds the rows; findings still count everything.
gen "$T/syn1k.pcap" 1000 1 || die "cannot write the capture"
run flows --json --max-rows 100 "$T/syn1k.pcap"
assert_eq "$(jqv '.tables[0].rows | length')" 100 "flows --max-rows 100: rows kept"
assert_eq "$(jqv '.counters.rows_omitted')" 900 "flows: rows left out, counted"
run analyze --json --all --max-rows 100 "$T/syn1k.pcap"
assert_eq "$(jqv '.tables[0].rows | length')" 100 "analyze --all --max-rows 100: rows kept"
assert_eq "$(jqv '.counters.connections_omitted')" 900 "analyze: rows left out, counted"
assert_eq "$(jqv '.findings[] | select(.id == "tcp.syn_unanswered") | .numbers.count')" \
	1000 "findings still count every connection"

e2e_done
