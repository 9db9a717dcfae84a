#!/usr/bin/env bash
# Lints .github/workflows offline with the pinned actionlint that scripts/toolchain.sh builds from the
# Go module proxy (~30 s the first time, then cached). Prints `N passed, N failed` (one per workflow
# file) and, with TEST_RESULTS_DIR set, writes <dir>/workflows.json for .ci/run.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/toolchain.sh install actionlint >/dev/null || { echo "actionlint could not be built" >&2; exit 1; }
eval "$(bash scripts/toolchain.sh --print-env 2>/dev/null)"
passed=0
failed=0
for f in .github/workflows/*.yml .github/workflows/*.yaml; do
  [[ -f "$f" ]] || continue
  if actionlint -no-color "$f"; then
    echo "ok  $f"
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
  fi
done
if [[ -n "${TEST_RESULTS_DIR:-}" ]]; then
  mkdir -p "$TEST_RESULTS_DIR"
  printf '{"suite":"workflows","passed":%d,"failed":%d,"skipped":0}\n' "$passed" "$failed" > "$TEST_RESULTS_DIR/workflows.json"
fi
echo "$passed passed, $failed failed"
[[ "$failed" -eq 0 && "$passed" -gt 0 ]]
