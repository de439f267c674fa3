#!/usr/bin/env bash
# clang-tidy over weft's library sources, with the repo's curated .clang-tidy,
# using the compile commands of the dev preset (configured if missing).
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ ! -f build/dev/compile_commands.json ]]; then
  cmake --preset dev >/dev/null
fi
mapfile -t sources < <(git ls-files 'primitives/src/*.cpp' 'checker/src/*.cpp' 'apps/*.cpp')
clang-tidy -p build/dev --quiet "${sources[@]}"
