#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The command-line contract on bad input (no root, no namespaces needed).
#
# Every bad input gets exactly one line on stderr, "netdx: ...", naming the
# file (and the byte offset where one applies), and the documented exit
# status (src/cmd/cmd.h: 2 usage, 3 input). Nothing crashes (status >= 128)
# or hangs (each run is wrapped in timeout 20: status 124). A capture cut
# short still reports the records before the cut. Both packet commands
# (flows, analyze) are held to it for file inputs.
source "$(dirname "$0")/lib.sh"
e2e_need_netdx
e2e_need_tools timeout od jq
DEMO=$E2E_TOP/tests/fixtures/demo.pcap
[[ -r "$DEMO" ]] || skip "$DEMO missing"
T=$E2E_TMP

# run WHAT ARGS...: sets RC, OUT (stdout file), ERR (stderr file).
run() {
	local what=$1
	shift
	OUT=$T/out ERR=$T/err
	timeout 20 "$NETDX" "$@" >"$OUT" 2>"$ERR"
	RC=$?
	if ((RC == 124)); then
		fail "$what: hang (killed after 20 s): netdx $*"
	elif ((RC >= 128)); then
		fail "$what: crashed (status $RC, signal $((RC - 128))): netdx $*"
	fi
}

# expect_error WHAT WANT_RC PATTERN...: status WANT_RC, exactly one stderr
# line "netdx: ..." containing every fixed-string PATTERN.
expect_error() {
	local what=$1 want=$2 p line
	shift 2
	assert_eq "$RC" "$want" "$what: exit status"
	if [[ $(wc -l <"$ERR") -ne 1 ]]; then
		fail "$what: want exactly one line on stderr, got:"
		sed 's/^/    | /' "$ERR" >&2
		return
	fi
	line=$(cat "$ERR")
	[[ "$line" == "netdx: "* ]] || fail "$what: stderr line does not start with 'netdx: ': $line"
	for p in "$@"; do
		[[ "$line" == *"$p"* ]] || fail "$what: stderr does not name '$p': $line"
	done
	echo "   stderr: $line"
}

# ---- files -----------------------------------------------------------------
cp /etc/hostname "$T/hostname.pcap" 2>/dev/null || printf 'localhost\n' >"$T/hostname.pcap"
for ((i = 0; i < 20; i++)); do echo "this is a text file, not a capture"; done >"$T/text.pcap"
: >"$T/empty.pcap"
mkdir "$T/dir.pcap"

# A pcap cut mid-record: walk the record headers (caplen at +8, LE) to find
# the record the cut falls into; netdx must name its offset and report the
# K complete records before it.
CUT=5000
head -c $CUT "$DEMO" >"$T/cut.pcap"
off=24 k=0
while :; do
	caplen=$(od -An -tu4 -j $((off + 8)) -N4 "$DEMO" | tr -d ' ')
	((off + 16 + caplen > CUT)) && break
	off=$((off + 16 + caplen)) k=$((k + 1))
done
info "cut.pcap: $CUT bytes, $k complete records, record $((k + 1)) at offset $off is cut"

# Link type 65000 (unassigned), one 4-byte record.
{
	printf '\xd4\xc3\xb2\xa1\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00'
	printf '\xff\xff\x00\x00\xe8\xfd\x00\x00'           # snaplen, linktype 65000
	printf '\x01\x00\x00\x00\x00\x00\x00\x00'           # ts 1.0
	printf '\x04\x00\x00\x00\x04\x00\x00\x00\xde\xad\xbe\xef' # caplen, len, data
} >"$T/linktype.pcap"

for cmd in flows analyze; do
	run "$cmd not-a-capture (short)" $cmd "$T/hostname.pcap"
	expect_error "$cmd not-a-capture (short)" 3 "$T/hostname.pcap" "offset 0"
	run "$cmd not-a-capture (text)" $cmd "$T/text.pcap"
	expect_error "$cmd not-a-capture (text)" 3 "$T/text.pcap" "offset 0"
	run "$cmd empty file" $cmd "$T/empty.pcap"
	expect_error "$cmd empty file" 3 "$T/empty.pcap"
	run "$cmd directory" $cmd "$T/dir.pcap"
	expect_error "$cmd directory" 3 "$T/dir.pcap"
	run "$cmd missing path" $cmd "$T/missing.pcap"
	expect_error "$cmd missing path" 3 "$T/missing.pcap"
	run "$cmd cut short" $cmd "$T/cut.pcap"
	expect_error "$cmd cut short" 3 "$T/cut.pcap" "offset $off"
	[[ -s "$OUT" ]] && echo "ok: $cmd cut short: report printed" ||
		fail "$cmd cut short: nothing on stdout (records before the cut must be reported)"
	# Not malformed (data, DESIGN.md): an input error (3) or a note in the
	# report are both fine; an "OK" report that says nothing is not.
	run "$cmd unknown link type" $cmd "$T/linktype.pcap"
	assert_match "$RC" '^[013]$' "$cmd unknown link type: exit status"
	if grep -q 65000 "$ERR" "$OUT"; then
		echo "ok: $cmd unknown link type: reported: $(grep -h 65000 "$ERR" "$OUT" | head -1)"
	else
		fail "$cmd unknown link type 65000: exit $RC and neither stderr ('$(cat "$ERR")') nor the report says that the frames of link type 65000 were not decoded"
	fi
done

# The rows before the cut, exactly: --tsv and --json.
run "flows --tsv cut short" flows --tsv "$T/cut.pcap"
expect_error "flows --tsv cut short" 3 "$T/cut.pcap" "offset $off"
[[ -s "$OUT" ]] && echo "ok: flows --tsv cut short: $(wc -l <"$OUT") rows before the cut" ||
	fail "flows --tsv cut short: no rows printed"
run "flows --json cut short" flows --json "$T/cut.pcap"
expect_error "flows --json cut short" 3 "$T/cut.pcap" "offset $off"
assert_eq "$(jq -r .counters.frames "$OUT" 2>/dev/null)" $k "flows --json cut short: frames before the cut"

# ---- merged files: a bad file ends only itself -------------------------------
# demo.pcap + cut.pcap + a text file: every record of demo and the k before
# the cut are reported, each bad file is one stderr line (name, offset), the
# report says it is incomplete, status 3.
run "reference demo" flows --json "$DEMO"
n_demo=$(jq .counters.frames "$OUT")
for cmd in flows analyze; do
	run "$cmd merge with bad files" $cmd --json "$DEMO" "$T/cut.pcap" "$T/text.pcap"
	assert_eq "$RC" 3 "$cmd merge with bad files: exit status"
	assert_eq "$(wc -l <"$ERR")" 2 "$cmd merge with bad files: one stderr line per bad file"
	grep -qF "netdx: $T/cut.pcap: offset $off: " "$ERR" ||
		fail "$cmd merge: stderr does not name cut.pcap at offset $off: $(cat "$ERR")"
	grep -qF "netdx: $T/text.pcap: offset 0: " "$ERR" ||
		fail "$cmd merge: stderr does not name text.pcap: $(cat "$ERR")"
	assert_eq "$(jq .counters.frames "$OUT")" $((n_demo + k)) "$cmd merge: frames = demo + records before the cut"
	assert_eq "$(jq -r .summary.verdict "$OUT")" incomplete "$cmd merge: verdict"
	assert_eq "$(jq -c '[.errors[] | [.source, .file, .offset]]' "$OUT")" \
		"[[\"capture\",\"$T/cut.pcap\",$off],[\"capture\",\"$T/text.pcap\",null]]" \
		"$cmd merge: errors array"
	assert_eq "$(jq -r '.sources[] | select(.name == "capture") | .status' "$OUT")" partial \
		"$cmd merge: capture source"
done
run "flows merge with bad files (text)" flows "$DEMO" "$T/cut.pcap"
assert_eq "$RC" 3 "flows merge (text): exit status"
assert_match "$(grep '^Verdict:' "$OUT")" "^Verdict: INCOMPLETE: 1 input error: $T/cut.pcap: offset $off: " \
	"flows merge (text): verdict line names the error"

# ---- gzip faults ---------------------------------------------------------------
# A bad CRC or zero padding after the last record costs nothing: every record,
# one "netdx: warning:" line, status as for the plain file. A fault inside the
# records: the ones before it, then one error naming both offsets, status 3.
flip_byte() { # FILE OFFSET
	local b
	b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	printf "\\$(printf %03o $((b ^ 255)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
if command -v gzip >/dev/null; then
	gzip -c "$DEMO" >"$T/crc.pcap.gz"
	gz_len=$(stat -c %s "$T/crc.pcap.gz")
	flip_byte "$T/crc.pcap.gz" $((gz_len - 8))
	{ gzip -c "$DEMO"; head -c 512 /dev/zero; } >"$T/pad.pcap.gz"
	head -c $CUT "$DEMO" | gzip -c >"$T/mid.pcap.gz"
	mid_len=$(stat -c %s "$T/mid.pcap.gz")
	echo "not gzip" >>"$T/mid.pcap.gz"
	for cmd in flows analyze; do
		run "$cmd plain" $cmd --json "$DEMO"
		want_rc=$RC want_verdict=$(jq -r .summary.verdict "$OUT")
		for gz in crc pad; do
			run "$cmd $gz.pcap.gz" $cmd --json "$T/$gz.pcap.gz"
			assert_eq "$RC" "$want_rc" "$cmd $gz.pcap.gz: exit status as for the plain file"
			assert_eq "$(jq .counters.frames "$OUT")" "$n_demo" "$cmd $gz.pcap.gz: every frame"
			assert_eq "$(jq -r .summary.verdict "$OUT")" "$want_verdict" "$cmd $gz.pcap.gz: verdict"
			assert_eq "$(wc -l <"$ERR")" 1 "$cmd $gz.pcap.gz: one stderr line"
			assert_match "$(cat "$ERR")" "^netdx: warning: $T/$gz.pcap.gz: .*compressed offset [0-9]+ \\(uncompressed $(stat -c %s "$DEMO")\\)" \
				"$cmd $gz.pcap.gz: warning names the offsets"
		done
		run "$cmd mid.pcap.gz" $cmd --json "$T/mid.pcap.gz"
		expect_error "$cmd mid.pcap.gz" 3 "$T/mid.pcap.gz: offset $off: " \
			"compressed offset $mid_len (uncompressed $CUT)"
		assert_eq "$(jq .counters.frames "$OUT")" $k "$cmd mid.pcap.gz: records before the fault"
	done
else
	info "gzip not installed: gzip fault cases not checked"
fi

echo x >"$T/unreadable.pcap"
chmod 000 "$T/unreadable.pcap"
if [[ $(id -u) -eq 0 ]]; then
	info "unreadable file: not checked as root (root reads a mode 000 file)"
else
	run "unreadable file" flows "$T/unreadable.pcap"
	expect_error "unreadable file" 3 "$T/unreadable.pcap"
fi

# ---- usage -----------------------------------------------------------------
run "bad filter" flows -f 'tcp port' "$DEMO"
expect_error "bad filter" 2 "tcp port"
run "unknown option" flows --no-such-option "$DEMO"
expect_error "unknown option" 2 "--no-such-option"
run "unknown short option" flows -Z "$DEMO"
expect_error "unknown short option" 2 "-Z"
run "-c 0" flows -c 0 "$DEMO"
expect_error "-c 0" 2 "-c"
run "-c not a number" flows -c 1x "$DEMO"
expect_error "-c not a number" 2 "-c" "1x"
run "-d -1" flows -d -1 "$DEMO"
expect_error "-d -1" 2 "-d" "-1"
run "-d 0" flows -d 0 "$DEMO"
expect_error "-d 0" 2 "-d" "'0'"
run "-d 1e-300" flows -d 1e-300 "$DEMO"
expect_error "-d 1e-300" 2 "-d" "1e-300"
run "--idle-timeout 1e-300" flows --idle-timeout 1e-300 "$DEMO"
expect_error "--idle-timeout 1e-300" 2 "--idle-timeout" "1e-300"
# Many inputs: as many as the capture layer merges (4096), not one more.
cap1=$(od -An -tu4 -j 32 -N4 "$DEMO" | tr -d ' ')
head -c $((40 + cap1)) "$DEMO" >"$T/one.pcap"
many=()
for ((i = 0; i < 4096; i++)); do many+=("$T/one.pcap"); done
run "4096 inputs" flows --json "${many[@]}"
assert_match "$RC" '^[01]$' "4096 inputs: exit status"
assert_eq "$(jq -r .counters.frames "$OUT" 2>/dev/null)" 4096 "4096 inputs: frames"
run "4097 inputs" flows "${many[@]}" "$T/one.pcap"
expect_error "4097 inputs" 2 "4096"
run "no input" flows
expect_error "no input" 2 "flows"
run "-w without -i" flows -w "$T/w.pcap" "$DEMO"
expect_error "-w without -i" 2 "-w"
run "analyze bad filter" analyze -f 'tcp port' "$DEMO"
expect_error "analyze bad filter" 2 "tcp port"

# Settings: bounded config reads, one status (2) from --set or --config.
run "--config /dev/zero" flows --config /dev/zero "$DEMO"
expect_error "--config /dev/zero" 2 "/dev/zero"
printf 'tcp.retrans_min_count = 1.5\n' >"$T/frac.conf"
run "--config count 1.5" flows --config "$T/frac.conf" "$DEMO"
expect_error "--config count 1.5" 2 "$T/frac.conf:1" "1.5"
run "--set count 1.5" flows --set tcp.retrans_min_count=1.5 "$DEMO"
expect_error "--set count 1.5" 2 "1.5"
printf 'tcp.retrans_min_count = 2\0x\n' >"$T/nul.conf"
run "--config NUL byte" flows --config "$T/nul.conf" "$DEMO"
expect_error "--config NUL byte" 2 "$T/nul.conf:1"

# Untrusted text reaches the terminal escaped: a file name with an escape
# sequence and a newline is one stderr line; a --set value too; the text
# report's header shows a lone 0x9b byte and U+202E escaped.
evil=$T/$'bad\e[31m\nname.pcap'
cp "$T/text.pcap" "$evil"
run "escape in file name" flows "$evil"
expect_error "escape in file name" 3 '\x1b[31m\x0aname.pcap'
grep -q $'\e' "$ERR" && fail "escape in file name: raw ESC on stderr"
run "newline in --set" flows --set $'tcp.retrans_min_count=1\nx' "$DEMO"
expect_error "newline in --set" 2 '1\x0ax'
odd=$T/$'c1\x9bx\xe2\x80\xaeevil.pcap'
cp "$T/one.pcap" "$odd"
run "C1 and bidi in file name" flows "$odd"
assert_file_contains "$OUT" 'c1\x9bx\u202eevil.pcap' "text header escapes 0x9b and U+202E"
grep -qF -e $'\x9b' -e $'\xe2\x80\xae' "$OUT" && fail "C1 and bidi in file name: raw bytes in the report"

# ---- output ------------------------------------------------------------------
# A write error on stdout is status 5 with one line, in every output mode;
# the exit status does not depend on the format (dup.pcap has a warn
# finding: 1 in text, --json and --tsv alike).
for mode in "flows" "flows --json" "flows --tsv" "analyze" "analyze --json" \
	"analyze --frames" "analyze --fields"; do
	OUT=$T/out ERR=$T/err
	# shellcheck disable=SC2086
	timeout 20 "$NETDX" $mode "$DEMO" >/dev/full 2>"$ERR"
	RC=$?
	expect_error "$mode > /dev/full" 5 "writ"
done
DUP=$E2E_TOP/tests/fixtures/dup.pcap
for mode in "flows" "flows --json" "flows --tsv"; do
	# shellcheck disable=SC2086
	run "$mode (warn finding)" $mode "$DUP"
	assert_eq "$RC" 1 "$mode dup.pcap: exit status as for the text report"
done
for mode in "analyze" "analyze --json" "analyze --frames" "analyze --fields"; do
	# shellcheck disable=SC2086
	run "$mode (warn finding)" $mode "$DEMO"
	assert_eq "$RC" 1 "$mode demo.pcap: exit status as for the text report"
done

# ---- help and version --------------------------------------------------------
run "--version" --version
assert_eq "$RC" 0 "--version: exit status"
assert_eq "$(cat "$OUT")" "netdx $(cat "$E2E_TOP/VERSION")" "--version output"
run "help" help
assert_eq "$RC" 0 "help: exit status"
assert_file_contains "$OUT" "flows" "help lists the flows command"
run "flows --help" flows --help
assert_eq "$RC" 0 "flows --help: exit status"
assert_file_contains "$OUT" "usage: netdx flows" "flows --help prints usage"
run "help flows" help flows
assert_eq "$RC" 0 "help flows: exit status"
run "unknown command" nosuch
expect_error "unknown command" 2 "nosuch"
run "help unknown command" help nosuch
expect_error "help unknown command" 2 "nosuch"
run "no command" 
assert_eq "$RC" 2 "no command: exit status"

e2e_done
