#!/usr/bin/env bash
# Every test: install what is missing, check formatting, lint (clang-tidy,
# warnings are errors), build the release
# preset (benchmarks and demo; benchmarks are never run as tests), then build
# and run the whole ctest suite in the dev, asan (AddressSanitizer + UBSan)
# and tsan (ThreadSanitizer) presets. Exits non-zero on the first failure and
# ends with one summary line over all presets.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/check-format.sh
scripts/lint.sh

jobs=$(nproc)
echo "=== release: build benchmarks and demo"
cmake --preset release >/dev/null
cmake --build --preset release -j "${jobs}"

passed=0
for preset in dev asan tsan; do
  echo "=== ${preset}: build"
  cmake --preset "${preset}" >/dev/null
  cmake --build --preset "${preset}" -j "${jobs}"
  echo "=== ${preset}: test"
  log=$(mktemp)
  ctest --preset "${preset}" -j "${jobs}" | tee "${log}"
  # "100% tests passed, 0 tests failed out of N"
  count=$(sed -n 's/.*tests failed out of \([0-9]*\).*/\1/p' "${log}")
  rm -f "${log}"
  passed=$((passed + ${count:-0}))
done

echo "weft: ${passed} passed, 0 failed"
