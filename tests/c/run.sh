#!/usr/bin/env bash
# Builds and runs the C tests against a built library, then the ABI checks.
# Usage: tests/c/run.sh [build-dir]     (default build/linux-amd64, relative
#        to the repository root; build it first with scripts/build.sh)
# Environment: CC, the C compiler (default cc).
#
# test_connect, test_bad_input, test_mesh and test_threads link the library
# directly (-L -lmeshrtc -Wl,-rpath); test_dlopen loads it with dlopen (-ldl).
# All are compiled with -std=c11 -Wall -Wextra -Werror
# -fsanitize=address,undefined.
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
need_asan_build "${1:-}"
sanitized_c
bin="tests/c/bin/$(basename "$build")"
mkdir -p "$bin"

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
  if ! "$CC" "${CFLAGS[@]}" "tests/c/$name.c" -o "$bin/$name" "$@" >"$bin/$name.build.log" 2>&1; then
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
  timeout 600 "$@" >"$bin/$name.log" 2>&1
  status=$?
  result "$name" "$status" "$(elapsed "$t0")" "$bin/$name.log"
  # The summary lines of a passing test (case counts, phases).
  [[ $status -eq 0 ]] && grep -E '^(bad-input cases|accepted-input|phase|test_)' "$bin/$name.log" | sed 's/^/     /'
  return 0
}

link_direct=(-L"$build" -lmeshrtc -Wl,-rpath,"$build")
for t in test_connect test_bad_input test_mesh; do
  compile "$t" "${link_direct[@]}" && run "$t" "$bin/$t"
done
compile test_threads "${link_direct[@]}" -pthread && run test_threads "$bin/test_threads"
compile test_dlopen -ldl && run test_dlopen "$bin/test_dlopen" "$lib"

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
