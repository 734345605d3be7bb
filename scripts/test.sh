#!/usr/bin/env bash
# Runs the whole meshrtc test suite: Go tests (-race), the C tests against
# the built library (ASan/UBSan), the ABI checks, the C suite cross-built for
# linux-arm64 (qemu) and windows-amd64 (Wine), the release archives and the
# demo. Installs what it needs with apt-get and fails loudly when something
# is missing.
# Prints one line per stage and closes with "N passed, M failed".
#
# Usage: scripts/test.sh              every stage, in order
#        scripts/test.sh STAGE...     only these stages (in the suite's order;
#                                     later stages may need "build" first)
#        scripts/test.sh --list       the stage names
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

listing=0
selected=()
for arg in "$@"; do
  case $arg in
    --list) listing=1 ;;
    -h | --help) sed -n '2,12p' "$0"; exit 0 ;;
    -*) echo "test.sh: unknown option $arg (see --help)" >&2; exit 2 ;;
    *) selected+=("$arg") ;;
  esac
done

if ((!listing)); then
  need_go
  c_toolchain
  apt_install python3 ca-certificates
fi

start=$(date +%s)
passed=0
failed=0
failures=()
ran=()

# stage NAME CMD...: runs one stage (unless other stages were asked for),
# logs its output to build/test-logs/NAME.log.
stage() {
  local name=$1
  shift
  if ((listing)); then
    echo "$name"
    return
  fi
  if ((${#selected[@]})) && [[ " ${selected[*]} " != *" $name "* ]]; then
    return
  fi
  ran+=("$name")
  local log="build/test-logs/$name.log" t0=$(date +%s)
  mkdir -p build/test-logs
  echo "=== $name"
  if "$@" >"$log" 2>&1; then
    passed=$((passed + 1))
    echo "--- PASS $name ($(($(date +%s) - t0)) s)"
  else
    failed=$((failed + 1))
    failures+=("$name")
    echo "--- FAIL $name ($(($(date +%s) - t0)) s); last lines of $log:"
    tail -n 40 "$log" | sed 's/^/    /'
  fi
}

gofmt_clean() {
  local files
  files=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
  [[ -z "$files" ]] || { echo "gofmt would change: $files"; return 1; }
}

# staticcheck, pinned, from the Go module proxy; the fault and Redis tests
# have tags.
staticcheck_clean() {
  GOBIN="$PWD/build/tools" go install honnef.co/go/tools/cmd/staticcheck@v0.8.2 \
    || { echo "error: cannot install staticcheck"; return 1; }
  build/tools/staticcheck ./... && build/tools/staticcheck -tags faults ./tests/faults/... \
    && build/tools/staticcheck -tags redis ./core/lobby/...
}

# cross_stage TARGET: builds TARGET and runs the C suite and ABI checks on it
# (linux-arm64 under qemu-aarch64, windows-amd64 under Wine).
cross_stage() {
  scripts/build.sh --target "$1" && tests/c/run.sh "build/$1"
}

# package_stage: every target this machine builds, the release archives and
# their checks (tests/package/run.sh).
package_stage() {
  scripts/build.sh --all && scripts/package.sh && tests/package/run.sh
}

stage gofmt gofmt_clean
stage go-vet go vet ./...
stage staticcheck staticcheck_clean
stage go-test-race go test -race -count=1 -timeout 15m ./...
stage fuzz scripts/fuzz.sh
stage build scripts/build.sh
stage godot tests/godot/run.sh
stage godot3 tests/godot3/run.sh
stage c-tests tests/c/run.sh "build/$(go env GOOS)-$(go env GOARCH)"
stage cross-arm64 cross_stage linux-arm64
stage cross-windows cross_stage windows-amd64
stage package package_stage
stage faults tests/faults/run.sh "build/$(go env GOOS)-$(go env GOARCH)"
stage lobby tests/lobby/run.sh
stage csharp tests/csharp/run.sh "build/$(go env GOOS)-$(go env GOARCH)"
stage cpp tests/cpp/run.sh "build/$(go env GOOS)-$(go env GOARCH)"
stage interop tests/interop/run.sh "build/$(go env GOOS)-$(go env GOARCH)"
stage demo scripts/demo.sh
stage bench-smoke scripts/bench.sh --quick --smoke

((listing)) && exit 0
# A stage asked for by a name the suite does not have fails: nothing is
# skipped silently.
for name in "${selected[@]}"; do
  if [[ " ${ran[*]} " != *" $name "* ]]; then
    failed=$((failed + 1))
    failures+=("$name")
    echo "--- FAIL $name: no such stage (scripts/test.sh --list)"
  fi
done

echo
echo "suite wall time: $(($(date +%s) - start)) s"
[[ $failed -eq 0 ]] || echo "failed stages: ${failures[*]}"
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
