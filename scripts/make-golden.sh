#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Writes the golden JSON reports in tests/golden/ from netdx's own fixture
# captures. Run it after a deliberate output change, review the diff
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
	golden_run "$NETDX" $args >"tests/golden/$name.json"
	echo "wrote tests/golden/$name.json"
done
