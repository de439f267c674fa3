#!/usr/bin/env bash
# Every test: install what is missing, check formatting, then build and run
# the whole ctest suite in the dev, asan (AddressSanitizer + UBSan) and tsan
# (ThreadSanitizer) presets, and build the benchmarks (release) without
# running them. Exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/check-format.sh

jobs=$(nproc)
for preset in dev asan tsan; do
  echo "=== ${preset}: build"
  cmake --preset "${preset}" >/dev/null
  cmake --build --preset "${preset}" -j "${jobs}"
  echo "=== ${preset}: test"
  ctest --preset "${preset}" -j "${jobs}"
done

echo "=== release: build benchmarks and demo (not run)"
cmake --preset release >/dev/null
cmake --build --preset release -j "${jobs}"
echo "=== all tests passed"
