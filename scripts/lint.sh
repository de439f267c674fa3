#!/usr/bin/env bash
# clang-tidy over weft's own sources (libraries and apps; the headers they
# include are checked through them), with the repo's curated .clang-tidy, in
# which every warning is an error. Uses the dev preset's compile commands
# (configured if missing).
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ ! -f build/dev/compile_commands.json ]]; then
  cmake --preset dev >/dev/null
fi
mapfile -t sources < <(git ls-files 'primitives/src/*.cpp' 'checker/src/*.cpp' 'scenarios/*.cpp' 'apps/*.cpp')
log=$(mktemp)
status=0
printf '%s\n' "${sources[@]}" |
  xargs -P "$(nproc)" -n 4 clang-tidy -p build/dev --quiet >"${log}" 2>&1 || status=$?
grep -E "(warning|error): " "${log}" | sort -u || true
rm -f "${log}"
if ((status != 0)); then
  echo "lint: clang-tidy found problems (above)" >&2
  exit 1
fi
echo "lint: ${#sources[@]} files clean"
