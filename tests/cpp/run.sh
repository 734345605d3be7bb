#!/usr/bin/env bash
# Builds and runs the C++ wrapper's tests against a built library.
# Usage: tests/cpp/run.sh [build-dir]   (default build/linux-amd64, relative
#        to the repository root; build it first with scripts/build.sh)
# Environment: CXX (default g++). Installs g++ with apt when missing.
# Checks, one PASS/FAIL line each, then "N passed, M failed":
#  - bindings/cpp/meshrtc.hpp compiles alone as C++17 with -Wall -Wextra
#    -Werror -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wold-style-cast;
#  - every function of include/meshrtc.h is used by the wrapper;
#  - every test of test_bindings (compiled with -std=c++17 -Wall -Wextra
#    -Werror -fsanitize=address,undefined, linked to the library; its lobby
#    test meets on a meshrtc-lobby this script starts on 127.0.0.1);
#  - the process exits by itself with status 0 (ASan's leak check included).
# ASan/UBSan and the Go runtime: see tests/c/run.sh (same options, same reasons).
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
need_build "${1:-}"
if [[ $build == *-race ]]; then
  echo "error: $build is a -race build; these tests need the ASan-compatible build" >&2
  exit 1
fi
c_toolchain
CXX=${CXX:-g++}
command -v "$CXX" >/dev/null || { echo "error: $CXX is missing" >&2; exit 1; }

bin="tests/cpp/bin/$(basename "$build")"
rm -rf "$bin"
mkdir -p "$bin"

printf '#include "meshrtc.hpp"\n#include "meshrtc.hpp"\nint main() { return meshrtc::PeerConnection().handle() == 0; }\n' >"$bin/header_alone.cpp"
"$CXX" -std=c++17 -Wall -Wextra -Werror -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wold-style-cast \
  -Iinclude -Ibindings/cpp -fsyntax-only "$bin/header_alone.cpp" >"$bin/header.log" 2>&1
check "meshrtc.hpp compiles alone (C++17, strict warnings)" $? "$bin/header.log"

funcs=$(grep -oE '\bmeshrtc_[a-z0-9_]+\(' include/meshrtc.h | tr -d '(' | sort -u)
{
  n=0
  for f in $funcs; do
    n=$((n + 1))
    grep -qE "\\b$f\\b" bindings/cpp/meshrtc.hpp || echo "not used by meshrtc.hpp: $f"
  done
  echo "$n functions in meshrtc.h"
} >"$bin/coverage.log"
! grep -q 'not used' "$bin/coverage.log"
check "every meshrtc.h function is wrapped ($(tail -1 "$bin/coverage.log"))" $? "$bin/coverage.log"

"$CXX" -std=c++17 -Wall -Wextra -Werror -fsanitize=address,undefined -fno-omit-frame-pointer -g \
  -Iinclude -Ibindings/cpp tests/cpp/test_bindings.cpp -o "$bin/test_bindings" \
  -L"$build" -lmeshrtc -Wl,-rpath,"$build" -pthread >"$bin/build.log" 2>&1
build_ok=$?
check "compile test_bindings (-std=c++17 -Wall -Wextra -Werror -fsanitize=address,undefined)" $build_ok "$bin/build.log"
[[ $build_ok -eq 0 ]] || summary

# The lobby test's server: meshrtc-lobby on 127.0.0.1 (a free port), killed on exit.
[[ -x $build/meshrtc-lobby ]] || { echo "error: $build/meshrtc-lobby not found (run scripts/build.sh first)" >&2; exit 1; }
"$build/meshrtc-lobby" --listen 127.0.0.1:0 --port-file "$bin/lobby.port" --join-rate 0 >"$bin/lobby.log" 2>&1 &
lobby_pid=$!
trap 'kill "$lobby_pid" 2>/dev/null' EXIT
for _ in $(seq 100); do [[ -s $bin/lobby.port ]] && break; sleep 0.1; done
export MESHRTC_TEST_LOBBY_URL="ws://127.0.0.1:$(cat "$bin/lobby.port" 2>/dev/null)"

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
run_test_program "$bin/tests.log" test_bindings "process exited normally (status 0, no sanitizer report)" \
  "$bin/test_bindings"
summary
