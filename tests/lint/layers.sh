#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Layering: every folder under src/ has a layer, and a source file includes
# project headers only from its own layer or below. Exceptions live in
# tests/lint/layers.allow ("file -> header" lines) and may only shrink: an
# allow-list line that no longer matches an include fails too, so a fixed
# exception must be deleted from the list.
#   layers.sh            check
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
allow="$here/layers.allow"

# Bottom to top. A layer may use every layer listed before it. One line per
# layer; several folders on a line share that layer (they may not include
# each other's headers: siblings are independent).
LAYERS=(
	"core"
	"evidence runner"
	"capture"
	"decode"
	"flow"
	"analyze"
	"rules"
	"output"
	"cmd"
)

declare -A rank
for i in "${!LAYERS[@]}"; do
	for d in ${LAYERS[$i]}; do rank[$d]=$i; done
done

fail=0
cd "$top" || exit 1
for d in src/*/; do
	d=${d%/}; d=${d#src/}
	if [[ -z ${rank[$d]+x} ]]; then
		echo "FAIL: src/$d has no layer (add it to LAYERS in tests/lint/layers.sh and docs/architecture.md)"
		fail=1
	fi
done

declare -A allowed=() used=()
if [[ -f $allow ]]; then
	while read -r f arrow h; do
		[[ -z $f || $f == \#* ]] && continue
		[[ $arrow == "->" ]] || { echo "FAIL: layers.allow: bad line '$f $arrow $h'"; fail=1; continue; }
		allowed["$f -> $h"]=1
	done <"$allow"
fi

checked=0
while IFS= read -r f; do
	own=${f#src/}; own=${own%%/*}
	[[ $f == src/main.c ]] && own=cmd
	[[ -n ${rank[$own]+x} ]] || continue
	while IFS= read -r h; do
		dir=${h%%/*}
		[[ $h == */* ]] || continue
		[[ -n ${rank[$dir]+x} ]] || continue
		checked=$((checked + 1))
		if [[ $dir != "$own" && ${rank[$dir]} -ge ${rank[$own]} ]]; then
			if [[ -n ${allowed["$f -> $h"]+x} ]]; then
				used["$f -> $h"]=1
			else
				echo "FAIL: $f includes $h: layer '$dir' is not below '$own'"
				fail=1
			fi
		fi
	done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f")
done < <(find src -name '*.[ch]' | sort)

for k in "${!allowed[@]}"; do
	if [[ -z ${used[$k]+x} ]]; then
		echo "FAIL: layers.allow: '$k' no longer occurs: delete the line (the list only shrinks)"
		fail=1
	fi
done
((checked > 0)) || { echo "FAIL: no include checked"; exit 1; }
echo "INFO: $checked project includes checked, ${#used[@]} allowed exceptions"
exit $fail
