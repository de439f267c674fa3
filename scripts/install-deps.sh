#!/usr/bin/env bash
# Installs the Debian 12 packages weft needs, and only those that are missing
# (so a second run does nothing). Uses sudo when not run as root.
set -euo pipefail

packages=(
  g++ cmake ninja-build git pkg-config
  clang libclang-rt-14-dev   # the tsan preset (clang + ThreadSanitizer runtime)
  clang-format               # the format check in the test run
  catch2                     # C++ tests
  libbenchmark-dev           # bench/
  libboost-dev libtbb-dev    # baselines the thread pool is benchmarked against
  libabsl-dev                # baseline the deadlock detector is benchmarked against
  libboost-context-dev       # checker/: fibers (Boost.Context)
  nlohmann-json3-dev         # checker/: JSON reports
  libcli11-dev               # the weft command's argument parser
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then sudo=(sudo); fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
