#!/usr/bin/env bash
# weft's main job: install what is missing, build the release preset, and
# check every scenario variant against its expected verdict (weft check
# --all: a table of scenario, variant, expected, found, executions, time;
# exits non-zero if any variant is not as expected).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target weft
build/release/apps/weft/weft check --all --jobs "$(nproc)"
