#!/usr/bin/env bash
# Builds libmeshrtc and runs the C demo: two peers in one process on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
c_toolchain
scripts/build.sh
out="build/$(go env GOOS)-$(go env GOARCH)"
cc -std=c99 -O2 -Wall -Wextra -Werror -Iinclude -o "$out/demo" tests/c/demo.c -L"$out" -lmeshrtc -Wl,-rpath,'$ORIGIN'
"$out/demo"
