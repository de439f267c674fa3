#!/usr/bin/env bash
# weft's main job: install what is missing, build the release preset, and run
# the primitives demo.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target weft-demo
build/release/apps/demo/weft-demo
