#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The output-path rule (README "Output files", src/core/outfile.h), through
# --write-evidence: a FIFO and a character device are written through and
# stay what they are; a symlink stays a link and its target gets the file;
# a regular file is replaced whole; a directory or a dangling link is
# refused (2); '-' is standard output with the report moved to stderr; a
# write error is exit 5 with one stderr line. Needs no namespaces. The
# character device is a private node in the temporary directory (mknod, as
# root), never one in /dev.
source "$(dirname "$0")/lib.sh"
e2e_need_netdx
e2e_need_tools timeout mkfifo od
DEMO=$E2E_TOP/tests/fixtures/demo.pcap
T=$E2E_TMP

# A reference extract written to a plain new file.
timeout 20 "$NETDX" analyze --write-evidence "$T/ref.pcap" "$DEMO" >/dev/null
assert_eq "$?" 1 "reference run: exit status (demo has warn findings)"
[[ -s $T/ref.pcap ]] || die "reference extract not written"

# FIFO: written through, still a FIFO.
mkfifo "$T/fifo"
timeout 20 cat "$T/fifo" >"$T/from_fifo" &
reader=$!
timeout 20 "$NETDX" analyze --write-evidence "$T/fifo" "$DEMO" >/dev/null 2>"$T/err"
assert_eq "$?" 1 "FIFO: exit status"
wait $reader
[[ -p $T/fifo ]] && echo "ok: FIFO is still a FIFO" || fail "FIFO was replaced by: $(stat -c %F "$T/fifo")"
assert_eq "$(cmp -s "$T/ref.pcap" "$T/from_fifo" && echo same)" same "FIFO reader got the extract"

# Symlink: the link stays, its target gets the extract.
echo old >"$T/target"
ln -s target "$T/link"
timeout 20 "$NETDX" analyze --write-evidence "$T/link" "$DEMO" >/dev/null
assert_eq "$?" 1 "symlink: exit status"
[[ -L $T/link ]] && echo "ok: symlink is still a symlink" || fail "symlink was replaced"
assert_eq "$(cmp -s "$T/ref.pcap" "$T/target" && echo same)" same "symlink target holds the extract"

# Dangling symlink, directory: refused, nothing created.
ln -s missing "$T/dangling"
timeout 20 "$NETDX" analyze --write-evidence "$T/dangling" "$DEMO" >/dev/null 2>"$T/err"
assert_eq "$?" 2 "dangling symlink: exit status"
assert_eq "$(wc -l <"$T/err")" 1 "dangling symlink: one stderr line"
[[ -L $T/dangling && ! -e $T/missing ]] && echo "ok: dangling link left alone" || fail "dangling link changed"
mkdir "$T/dir"
timeout 20 "$NETDX" analyze --write-evidence "$T/dir" "$DEMO" >/dev/null 2>"$T/err"
assert_eq "$?" 2 "directory: exit status"
assert_file_contains "$T/err" "$T/dir" "directory: stderr names the path"

# '-': the capture on stdout, the report on stderr.
timeout 20 "$NETDX" analyze --write-evidence - "$DEMO" >"$T/stdout" 2>"$T/err"
assert_eq "$?" 1 "'-': exit status"
assert_eq "$(cmp -s "$T/ref.pcap" "$T/stdout" && echo same)" same "'-': stdout is exactly the extract"
assert_file_contains "$T/err" "Verdict:" "'-': the report went to stderr"

# A character device: written through, never replaced; a write error is 5.
if [[ $(id -u) -eq 0 ]]; then
	mknod "$T/full" c 1 7 || die "mknod failed"
	dev=$T/full
else
	dev=/dev/full
fi
timeout 20 "$NETDX" analyze --write-evidence "$dev" "$DEMO" >/dev/null 2>"$T/err"
rc=$?
assert_eq "$rc" 5 "write error (full device): exit status"
[[ -c $dev ]] && echo "ok: $dev is still a character device" || fail "$dev was replaced by: $(stat -c %F "$dev")"
assert_eq "$(wc -l <"$T/err")" 1 "write error: one stderr line"
e2e_done
