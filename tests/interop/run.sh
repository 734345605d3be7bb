#!/usr/bin/env bash
# Interop tests: meshrtc (through its C ABI) against Chromium, aiortc and
# werift, and relay-only pairs through coturn and pion/turn. See README.md.
#
# Usage: tests/interop/run.sh [BUILD_DIR] [TEST...]
#   BUILD_DIR  holds libmeshrtc.so (default build/linux-amd64, relative to the
#              repository root; build it with scripts/build.sh)
#   TEST       run only these tests (default: all; names below)
# Needs root (network namespaces, veth). Installs what is missing: Debian
# packages through scripts/lib.sh's apt_install, werift through npm (pinned in
# node/package-lock.json). A missing tool fails the run loudly.
# Each test runs in its own network + pid namespace (ns_test.sh) under a
# time limit; logs go to build/interop-logs/<test>/. Prints one PASS/FAIL line
# per test, timings (information only) and closes with "N passed, M failed".
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT" || exit 1
. tests/lib.sh

ALL_TESTS=(
  chromium-meshrtc-offers chromium-browser-offers chromium-mesh3
  aiortc-meshrtc-offers aiortc-aiortc-offers
  werift-meshrtc-offers werift-werift-offers
  turn-coturn turn-pion
)
TEST_LIMIT=${MESHRTC_INTEROP_TEST_LIMIT:-120} # seconds per test, then killed

build=build/linux-amd64
if [[ $# -gt 0 && -d $1 ]]; then
  build=$1
  shift
fi
[[ $build = /* ]] || build="$ROOT/$build"
tests=("$@")
[[ ${#tests[@]} -gt 0 ]] || tests=("${ALL_TESTS[@]}")
for t in "${tests[@]}"; do
  [[ " ${ALL_TESTS[*]} " == *" $t "* ]] || { echo "error: unknown test $t (known: ${ALL_TESTS[*]})" >&2; exit 2; }
done

setup_failed() {
  echo "error: interop setup failed: $*" >&2
  echo "0 passed, 1 failed"
  exit 1
}

# ---------------------------------------------------------------- setup
t_setup=$SECONDS
[[ $(id -u) -eq 0 ]] || setup_failed "must run as root (unshare --net, veth pairs)"
[[ -f $build/libmeshrtc.so ]] || setup_failed "$build/libmeshrtc.so not found (run scripts/build.sh first)"
need_go
c_toolchain
apt_install python3 python3-aiortc chromium coturn iproute2 util-linux procps
command -v node >/dev/null 2>&1 || apt_install nodejs npm
for tool in /usr/bin/python3 chromium turnserver node npm unshare ip ss setsid; do
  command -v "$tool" >/dev/null 2>&1 || setup_failed "$tool is missing after installing"
done
unshare --net --pid --fork --mount-proc --kill-child=SIGTERM -- true || setup_failed "cannot create network/pid namespaces (unshare)"
/usr/bin/python3 -c 'import aiortc, aioice' || setup_failed "python3-aiortc does not import with /usr/bin/python3"
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 16 ? 0 : 1)' || setup_failed "werift needs node 16+, found $(node --version)"
werift_version() { node -p 'require("./node/node_modules/werift/package.json").version' 2>/dev/null; }
if [[ $(cd "$HERE" && werift_version) != 0.24.4 ]]; then
  echo "installing werift@0.24.4 (npm ci in tests/interop/node)"
  (cd "$HERE/node" && npm ci --no-audit --no-fund --loglevel=error) || setup_failed "npm ci in tests/interop/node failed"
  [[ $(cd "$HERE" && werift_version) == 0.24.4 ]] || setup_failed "werift 0.24.4 is not installed after npm ci"
fi
IB="$HERE/bin"
mkdir -p "$IB"
CFLAGS=(-std=c11 -O2 -g -Wall -Wextra -Werror -I"$ROOT/include" -I"$HERE")
for prog in driver turn_pair; do
  cc "${CFLAGS[@]}" "$HERE/$prog.c" -o "$IB/$prog" -L"$build" -lmeshrtc -Wl,-rpath,"$build" ||
    setup_failed "cannot compile $prog.c"
done
go build -o "$IB/pion-turnserver" ./tests/interop/turnserver || setup_failed "cannot build tests/interop/turnserver"
echo "interop setup: $((SECONDS - t_setup)) s (library: $build/libmeshrtc.so; $(chromium --version 2>/dev/null | head -1);" \
  "aiortc $(/usr/bin/python3 -c 'import aiortc; print(aiortc.__version__)'); werift 0.24.4 on node $(node --version);" \
  "$(turnserver --version 2>/dev/null | head -1 | sed 's/^/coturn /'); pion/turn $(go list -m -f '{{.Version}}' github.com/pion/turn/v5))"

# ---------------------------------------------------------------- tests
logroot="$ROOT/build/interop-logs"
t_tests=$SECONDS
for t in "${tests[@]}"; do
  out="$logroot/$t"
  rm -rf "$out"
  mkdir -p "$out"
  t0=$SECONDS
  echo "=== $t"
  # New network + pid namespaces: lo only (plus the test's own veth pair).
  # On the time limit, timeout stops unshare, which sends SIGTERM to
  # ns_test.sh (its trap kills what it started by process group); when
  # ns_test.sh, the namespace's first process, ends, the kernel kills
  # anything left in the namespace.
  IB="$IB" OUT="$out" timeout -k 10 "$TEST_LIMIT" \
    unshare --net --pid --fork --mount-proc --kill-child=SIGTERM -- bash "$HERE/ns_test.sh" "$t" >"$out/test.log" 2>&1
  rc=$?
  rm -rf "$out"/chromium-profile-*
  sed 's/^/  /' "$out/test.log"
  if [[ $rc -eq 0 ]]; then
    record "$t" 0 "($((SECONDS - t0)) s)"
  else
    [[ $rc -eq 124 || $rc -eq 137 ]] && echo "  killed after the $TEST_LIMIT s limit"
    record "$t" 1 "($((SECONDS - t0)) s, status $rc; logs in $out)"
  fi
done
echo
echo "interop wall time: $((SECONDS - t_tests)) s for tests, $((t_tests - t_setup)) s setup"
finish
