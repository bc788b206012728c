#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Real fuzzing with the libFuzzer builds in $FZ (make fuzz builds them).
#   scripts/fuzz.sh run TARGET [libFuzzer flags...]
#       fuzzes TARGET for $FUZZ_TIME seconds (default 600); new inputs go to
#       $FZ/corpus/TARGET (not committed), crashes to $FZ/artifacts/TARGET/;
#       tests/fuzz/seeds/TARGET is read, never written.
#   scripts/fuzz.sh corpus [TARGET...]
#       minimises tests/fuzz/seeds/TARGET plus $FZ/corpus/TARGET into
#       tests/fuzz/seeds/TARGET (libFuzzer -merge=1). Named seeds (crafted
#       inputs and crash regressions) are always kept as they are; inputs
#       named by their SHA-1 (libFuzzer's naming) stay only when they add
#       coverage beyond the named seeds and each other, and only up to
#       FUZZ_SEED_MAX bytes (default 16384).
set -euo pipefail

FZ=${FZ:-.output/fuzz}
SEEDS=${SEEDS:-tests/fuzz/seeds}
FUZZ_TIME=${FUZZ_TIME:-600}
FUZZ_SEED_MAX=${FUZZ_SEED_MAX:-16384}

die() { echo "fuzz.sh: $*" >&2; exit 2; }
is_sha() { [[ $(basename "$1") =~ ^[0-9a-f]{40}$ ]]; }

run() {
	local t=$1; shift
	local bin=$FZ/fuzz_$t
	[[ -x $bin ]] || die "$bin missing (make fuzz)"
	mkdir -p "$FZ/corpus/$t" "$FZ/artifacts/$t"
	# The first directory receives new inputs; the seeds are only read.
	exec "$bin" -max_total_time="$FUZZ_TIME" -print_final_stats=1 \
		-artifact_prefix="$FZ/artifacts/$t/" "$@" \
		"$FZ/corpus/$t" "$SEEDS/$t"
}

minimise() {
	local t=$1 bin=$FZ/fuzz_$1 f
	[[ -x $bin ]] || die "$bin missing (make fuzz)"
	[[ -d $SEEDS/$t ]] || die "$SEEDS/$t missing"
	local tmp
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/netdx-merge-$t.XXXXXX")
	# Named seeds go first: -merge=1 counts what the output directory
	# already covers and adds only inputs that cover more.
	for f in "$SEEDS/$t"/*; do
		[[ -f $f ]] && ! is_sha "$f" && cp "$f" "$tmp/"
	done
	# Candidates: SHA-named seeds and new inputs up to FUZZ_SEED_MAX bytes
	# (the committed seeds stay small; a bigger input rarely covers more).
	local cand=$tmp.in
	mkdir -p "$cand"
	for f in "$SEEDS/$t"/* "$FZ/corpus/$t"/*; do
		[[ -f $f ]] && is_sha "$f" &&
			(($(stat -c %s "$f") <= FUZZ_SEED_MAX)) && ln -sf "$(realpath "$f")" "$cand/"
	done
	"$bin" -merge=1 "$tmp" "$cand" 2>"$tmp.log" ||
		{ tail -20 "$tmp.log" >&2; rm -rf "$tmp" "$tmp.log" "$cand"; die "merge of $t failed"; }
	local before after
	before=$(find "$SEEDS/$t" -type f | wc -l)
	for f in "$SEEDS/$t"/*; do
		is_sha "$f" && rm -f "$f"
	done
	for f in "$tmp"/*; do
		is_sha "$f" && cp "$f" "$SEEDS/$t/"
	done
	after=$(find "$SEEDS/$t" -type f | wc -l)
	echo "fuzz-corpus: $t: $before -> $after seeds ($(cat "$SEEDS/$t"/* | wc -c) bytes)"
	rm -rf "$tmp" "$tmp.log" "$cand"
}

case ${1:-} in
run)
	[[ $# -ge 2 ]] || die "usage: fuzz.sh run TARGET [flags]"
	shift; run "$@" ;;
corpus)
	shift
	targets=("$@")
	if [[ ${#targets[@]} -eq 0 ]]; then
		for d in "$SEEDS"/*/; do targets+=("$(basename "$d")"); done
	fi
	for t in "${targets[@]}"; do minimise "$t"; done ;;
*)
	die "usage: fuzz.sh run TARGET [flags] | corpus [TARGET...]" ;;
esac
