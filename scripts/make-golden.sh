#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Writes the golden reports (JSON and text) in tests/golden/ from netdx's
# own fixture captures (cases: tests/golden/cases.sh). Run it after a deliberate output change, review the diff
# ('git diff tests/golden'), and commit both. tests/corpus/golden.sh checks
# that the current binary still produces exactly these files.
#   scripts/make-golden.sh [NETDX]        (default ./netdx)
set -euo pipefail
cd "$(dirname "$0")/.."
NETDX=${1:-./netdx}
. tests/golden/cases.sh
for c in "${GOLDEN_CASES[@]}"; do
	name=${c%%|*}
	args=${c#*|}
	# shellcheck disable=SC2086
	golden_run "$NETDX" "$name" $args >"tests/golden/$name"
	echo "wrote tests/golden/$name"
done
