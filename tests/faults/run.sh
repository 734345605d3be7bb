#!/usr/bin/env bash
# Fault tests: loss, spoofed datagrams, killed peers, floods, tampered
# signaling, soak and create/destroy cycles.
# Usage: tests/faults/run.sh [build-dir]   (default build/linux-amd64)
#
# Everything runs inside a network namespace this script creates
# (unshare -n, only lo up): nothing a fault test sends can leave the
# namespace, and raw-socket tests can spoof loopback addresses freely.
#  - Go fault tests: package tests/faults (build tag "faults", so the
#    unit stage's `go test ./...` leaves them out), compiled with -race
#    outside the namespace (the module cache may need the network), run inside.
#  - C fault tests: every tests/faults/test_*.c, compiled against the built
#    library with ASan/UBSan and run inside.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
need_go
c_toolchain
apt_install util-linux iproute2
need_asan_build "${1:-}"
sanitized_c
CFLAGS+=(-D_GNU_SOURCE -Itests/c -Itests/faults)

bin="tests/faults/bin/$(basename "$build")"
mkdir -p "$bin"

# in_namespace CMD...: runs CMD in a fresh network namespace with lo up.
in_namespace() {
  unshare -n -- bash -c 'ip link set lo up && exec "$@"' bash "$@"
}

# run NAME CMD...: runs one test in the namespace, logs to $bin/NAME.log.
run() {
  local name=$1 t0 status
  shift
  t0=$(date +%s%N)
  # A hang guard only; the tests bound themselves.
  in_namespace timeout 900 "$@" >"$bin/$name.log" 2>&1
  status=$?
  check "$name ($(elapsed "$t0") s)" "$status" "$bin/$name.log"
  # Figures the tests report (time to detect, loss, memory) for the record.
  [[ $status -eq 0 ]] && grep -E '^(figure|--- PASS|ok )' "$bin/$name.log" | sed 's/^/     /'
  return 0
}

if go vet -tags faults ./tests/faults/ >"$bin/vet.log" 2>&1 \
  && go test -tags faults -race -c -o "$bin/faults.test" ./tests/faults/ >"$bin/build.log" 2>&1; then
  run go-faults "$bin/faults.test" -test.v -test.count=1 -test.timeout=15m
else
  cat "$bin/vet.log" "$bin/build.log" >"$bin/go-build.log"
  check go-faults-build 1 "$bin/go-build.log"
fi

for src in tests/faults/test_*.c; do
  [[ -e $src ]] || continue
  name=$(basename "$src" .c)
  if "$CC" "${CFLAGS[@]}" "$src" -o "$bin/$name" -L"$build" -lmeshrtc -Wl,-rpath,"$build" -pthread \
    >"$bin/$name.build.log" 2>&1; then
    run "$name" "$bin/$name"
  else
    check "$name (build)" 1 "$bin/$name.build.log"
  fi
done

summary
