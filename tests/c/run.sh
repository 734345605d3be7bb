#!/usr/bin/env bash
# Builds and runs the C tests against a built library, then the ABI checks.
# Usage: tests/c/run.sh [build-dir]     (default build/linux-amd64, relative
#        to the repository root; build it first with scripts/build.sh)
# Environment: CC, the C compiler for the host build (default cc).
#
# test_connect, test_bad_input, test_mesh, test_batch, test_threads and demo
# link the library directly; test_dlopen loads it at run time. The build
# directory names the platform:
#  - linux-amd64 (the host): -std=c11 -Wall -Wextra -Werror
#    -fsanitize=address,undefined, linked with -L -lmeshrtc -Wl,-rpath;
#    test_dlopen uses dlopen (-ldl).
#  - linux-arm64: cross-built with aarch64-linux-gnu-gcc and run under
#    qemu-aarch64 -L /usr/aarch64-linux-gnu, without sanitizers (ASan does
#    not run under qemu-user).
#  - windows-amd64: cross-built with MinGW (no ASan there), linked against
#    the import library libmeshrtc.dll.a, run under Wine with the test-only
#    bridges of tests/wine/wine.sh; test_dlopen uses LoadLibraryA.
# Every target runs real loopback connections.
#
# Sanitizers and the Go runtime. No ASAN_OPTIONS are needed to make ASan and
# the library's Go runtime coexist; we checked each suspect:
#  - signals: the Go runtime installs its handlers after ASan's (the .so's
#    constructor runs after ASan's init), with SA_ONSTACK, and forwards
#    faults outside Go code to the handler it found (ASan's), so a SEGV in
#    host code still gets ASan's report; the defaults handle_segv=1 and
#    allow_user_segv_handler=1 are right, handle_segv=0 would only lose
#    those reports. Go's preemption signal (SIGURG) is not ASan's business.
#  - leaks: Go's heap is mmap'd by the Go runtime, not malloc'd, so
#    LeakSanitizer sees no Go allocations and needs no suppressions. It does
#    see the library's C mallocs (packets, event strings, last-error texts)
#    and found a real leak (last errors of exited threads, test_threads.c),
#    so detect_leaks stays on.
#    It is set explicitly (sanitized_c, tests/lib.sh) because some
#    environments turn it off.
#  - UBSan only prints a diagnostic and carries on by default (exit status
#    0), so UBSAN_OPTIONS=halt_on_error=1 is needed for undefined behaviour
#    to fail a test; print_stacktrace=1 says where.
# TSan is not used: ThreadSanitizer and the Go runtime do not mix (the Go
# race detector is the tool for the Go side: scripts/build.sh --race).
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
need_build "${1:-}"
platform=$(basename "$build")
bin="tests/c/bin/$platform"
mkdir -p "$bin"
exe=""
runner=()
link_direct=(-L"$build" -lmeshrtc -Wl,-rpath,"$build")
link_dlopen=(-ldl)
dlopen_arg=$lib
case $platform in
  linux-arm64)
    apt_install gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user
    CC=aarch64-linux-gnu-gcc
    CFLAGS=(-std=c11 -Wall -Wextra -Werror -O1 -g -Iinclude)
    runner=(qemu-aarch64 -L /usr/aarch64-linux-gnu)
    ;;
  windows-amd64)
    . tests/wine/wine.sh
    wine_setup || exit 1
    CC=x86_64-w64-mingw32-gcc
    # MinGW's own printf (C99 formats such as %zu); static libgcc and
    # winpthreads, so a test program needs only meshrtc.dll beside it.
    CFLAGS=(-std=c11 -D__USE_MINGW_ANSI_STDIO=1 -Wall -Wextra -Werror -O1 -g -Iinclude "${WINE_BRIDGE_SOURCES[@]}")
    exe=.exe
    runner=("$WINE64")
    link_direct=("$build/libmeshrtc.dll.a" -static -pthread "${WINE_BRIDGE_LIBS[@]}")
    link_dlopen=(-static -pthread "${WINE_BRIDGE_LIBS[@]}")
    cp "$lib" "$bin/meshrtc.dll"
    dlopen_arg=$(wine_path "$root/$bin/meshrtc.dll")
    ;;
  *)
    need_asan_build "$build"
    sanitized_c
    ;;
esac

result() { # name status seconds log
  if [[ $2 -eq 0 ]]; then
    printf 'PASS %-16s %6.1f s\n' "$1" "$3"
    passed=$((passed + 1))
  else
    printf 'FAIL %-16s %6.1f s (exit %d); output:\n' "$1" "$3" "$2"
    sed 's/^/    /' "$4"
    failed=$((failed + 1))
  fi
}

compile() { # name extra-flags...
  local name=$1
  shift
  if ! "$CC" "tests/c/$name.c" "${CFLAGS[@]}" -o "$bin/$name$exe" "$@" >"$bin/$name.build.log" 2>&1; then
    result "$name" 1 0 "$bin/$name.build.log"
    return 1
  fi
}

run() { # name command...
  local name=$1
  shift
  local t0 status
  t0=$(date +%s%N)
  # A hang guard only; the tests themselves use 20-120 s guards.
  timeout 600 "${runner[@]}" "$@" >"$bin/$name.log" 2>&1
  status=$?
  result "$name" "$status" "$(elapsed "$t0")" "$bin/$name.log"
  # The summary lines of a passing test (case counts, phases).
  [[ $status -eq 0 ]] && grep -E '^(bad-input cases|accepted-input|phase|test_)' "$bin/$name.log" | sed 's/^/     /'
  return 0
}

for t in test_connect test_bad_input test_mesh; do
  compile "$t" "${link_direct[@]}" && run "$t" "$bin/$t$exe"
done
for t in test_batch test_threads; do
  compile "$t" "${link_direct[@]}" -pthread && run "$t" "$bin/$t$exe"
done
compile test_dlopen "${link_dlopen[@]}" && run test_dlopen "$bin/test_dlopen$exe" "$dlopen_arg"
# The host runs the demo in its own stage (scripts/demo.sh).
if [[ ${#runner[@]} -gt 0 ]]; then
  compile demo "${link_direct[@]}" && run demo "$bin/demo$exe"
fi

# ABI checks: each PASS/FAIL line is one check.
rel_build=${build#"$root"/}
tests/abi/check_abi.sh "$rel_build" >"$bin/check_abi.log" 2>&1
abi_status=$?
while IFS= read -r line; do
  case $line in
    PASS:*) passed=$((passed + 1)); echo "PASS abi ${line#PASS: }" ;;
    FAIL:*) failed=$((failed + 1)); echo "FAIL abi ${line#FAIL: }" ;;
    check_abi:*) ;;
    *) echo "    $line" ;;
  esac
done <"$bin/check_abi.log"
if [[ $abi_status -ne 0 ]] && ! grep -q '^FAIL:' "$bin/check_abi.log"; then
  failed=$((failed + 1))
  echo "FAIL abi: check_abi.sh exited with $abi_status"
fi

summary
