# Shared helpers for the test runners (tests/*/run.sh; sourced, not run,
# from the repository root). Sources scripts/lib.sh too.
# Sets: root, build, lib (by need_build), passed, failed, failures (the
# names record saw fail), start.

. scripts/lib.sh

root=$PWD
passed=0
failed=0
failures=()
start=$(date +%s%N)

# need_build [build-dir]: sets build (absolute; default build/linux-amd64,
# relative to the repository root) and lib, and fails unless the library is
# built there.
need_build() {
  build="${1:-build/linux-amd64}"
  [[ $build = /* ]] || build="$root/$build"
  lib="$build/$(library_file "$build")"
  if [[ ! -f $lib ]]; then
    echo "error: $lib not found (run scripts/build.sh first)" >&2
    exit 1
  fi
}

# need_asan_build [build-dir]: need_build, refusing a -race build: the Go
# race runtime is ThreadSanitizer's, which cannot share a process with ASan
# (and here cannot even map its shadow memory).
need_asan_build() {
  need_build "$@"
  if [[ $build == *-race ]]; then
    echo "error: $build is a -race build; these tests need the ASan-compatible build" >&2
    exit 1
  fi
}

# sanitized_c sets CC and CFLAGS for C test programs built with ASan and
# UBSan, and the options that make both fail a test on what they find
# (tests/c/run.sh says why each is needed).
sanitized_c() {
  CC=${CC:-cc}
  CFLAGS=(-std=c11 -Wall -Wextra -Werror -fsanitize=address,undefined -fno-omit-frame-pointer -g -Iinclude)
  export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
  export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
}

# seconds since nanosecond timestamp $1, one decimal (no bc needed)
elapsed() { local ms=$((($(date +%s%N) - $1) / 1000000)); printf '%d.%d' $((ms / 1000)) $((ms % 1000 / 100)); }

check() { # name status log
  if [[ $2 -eq 0 ]]; then
    echo "PASS $1"
    passed=$((passed + 1))
  else
    echo "FAIL $1; output:"
    sed 's/^/    /' "$3"
    failed=$((failed + 1))
  fi
}

# record NAME STATUS [DETAIL]: counts one test (STATUS 0: passed) and
# prints "--- PASS NAME DETAIL" or "--- FAIL NAME DETAIL".
record() {
  local verdict=PASS
  if [[ $2 -eq 0 ]]; then
    passed=$((passed + 1))
  else
    verdict=FAIL failed=$((failed + 1)) failures+=("$1")
  fi
  echo "--- $verdict $1 ${3:-}"
}

# finish names the tests record saw fail, prints the counts and exits: 0
# when nothing failed.
finish() {
  ((${#failures[@]} == 0)) || echo "failed: ${failures[*]}"
  echo "$passed passed, $failed failed"
  [[ $failed -eq 0 ]]
  exit
}

# summary prints the time, then finishes.
summary() {
  echo "total time $(elapsed "$start") s"
  finish
}

# run_test_program log what pass-line command...: runs a test program that
# prints PASS/FAIL lines and "N passed, M failed" under a 900 s hang guard
# (the tests guard their own waits), shows its output without its summary,
# adds its counts, and checks that it exited by itself with status 0: prints
# "PASS <pass-line>", else a FAIL line naming <what>.
run_test_program() {
  local log=$1 what=$2 ok=$3 status line f
  shift 3
  timeout -k 10 900 "$@" >"$log" 2>&1
  status=$?
  grep -vE '^(total time|[0-9]+ passed, [0-9]+ failed$)' "$log"
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -1)
  if [[ -n $line ]]; then
    passed=$((passed + ${line%% passed*}))
    f=${line#*passed, }
    failed=$((failed + ${f%% failed}))
  else
    echo "FAIL the test program printed no summary"
    failed=$((failed + 1))
  fi
  if [[ $status -eq 0 ]]; then
    echo "PASS $ok"
    passed=$((passed + 1))
  elif [[ $status -eq 124 || $status -eq 137 ]]; then
    echo "FAIL $what did not exit within 900 s (killed)"
    failed=$((failed + 1))
  else
    echo "FAIL $what exited with status $status"
    failed=$((failed + 1))
  fi
}
