#!/usr/bin/env bash
# Benchmarks meshrtc through its C ABI side by side with raw pion; the method
# (what each metric measures, how pairs are set up, the counts of each mode)
# is in tests/bench/README.md.
#
# Usage: scripts/bench.sh [--quick] [--smoke] [--report] [--rounds N] [--lib DIR]
#                         [--metrics LIST] [--impls LIST]
#   (default)  the full run: 3 rounds, full counts (about 20 min)
#   --quick    1 round with smaller counts (about 3 min)
#   --smoke    tiny counts that still exercise every metric path (under 30 s);
#              checks that the output is valid JSON lines covering every
#              metric and exits non-zero otherwise. Not a performance test:
#              nothing about the figures is ever asserted.
#   --report   also write build/bench/report.md (Markdown: meshrtc / raw pion /
#              ratio, with the machine and date) and print it
#   --rounds N override the number of rounds
#   --lib DIR  use DIR/libmeshrtc.so instead of building with scripts/build.sh
#   --baseline DIR  also run the C benchmark against DIR/libmeshrtc.so as
#              impl "meshrtc-c-base", alternating with the current library in
#              every round: before/after figures for a library change
#   --metrics  comma list of setup,throughput,rtt,msg_rate,mesh,abi,server,
#              frame_loop (default all; server and frame_loop, meshrtc-c and
#              pion only: processes running 60 Hz frame loops, a mesh server
#              with 32, 128 and 256 clients in 4 more processes at a 30 Hz
#              tick, and the largest loss-free message rate between two),
#              and the long ones, never run by default: soak (an 8-peer mesh
#              under 100 reliable + 100 unreliable packets/s per peer; full:
#              20 min after 1 min of warm-up) and cycles (pair create/connect/
#              destroy; full: 1000 after 50), meshrtc-c and meshrtc-go only:
#              RSS and (Go) live heap after the warm-up and at the end;
#              lossy (reliable ordered messages of 12 B-64 KiB, log-uniform
#              sizes, about 15 MB for the 2,000 of the
#              full run, through a loopback relay dropping 5, 10 and 20 % of
#              the datagrams each way and delaying the rest 50 +- 25 ms,
#              tests/faults/relay), meshrtc-go (its SCTP defaults) and pion
#              (raw pion's) only: time and goodput; a run that does not
#              complete within its bound reports "completed": false;
#              lobby (tests/bench/lobbybench: meshrtc-lobby, one instance and
#              two sharing a redis-server, 2,000 WebSocket clients in 500
#              lobbies; full: 10 s per traffic phase): server RSS per
#              connection, forward latency at 1 message/s per client, and
#              messages/s relayed at most
#   --impls    comma list of meshrtc-c,pion,pion-detached (default all)
#              (pion and pion-detached can be left out for a quick A/B of
#              library builds: --impls meshrtc-c --baseline DIR)
# Environment: MESHRTC_BENCH_CONFIG replaces meshrtc's peer configuration
# JSON (default: loopback-only ICE), to compare library options; CC.
#
# Implementations: meshrtc-c (tests/bench/bench_c.c, and gameloop_c.c for
# server and frame_loop: only include/meshrtc.h and the .so), pion and pion-detached (tests/bench/pionbench: raw pion
# v4 with its default API and loopback-only ICE, with and without detached
# channels; with pion, rtt also runs pion-hostpoll: detached pion driven by a
# polling loop like meshrtc's host), meshrtc-go (tests/bench/corebench: the same host loop on the Go
# core without the C ABI; abi_call_ns only). Every metric runs in a fresh
# process; within a round the implementations alternate metric by metric,
# and the order rotates each round, so the ratios stay meaningful on a busy
# machine. stdout carries only JSON lines: one per run ("round": 1..N), then
# one per implementation and metric with the median over the rounds
# ("round": "median", plus "spread_pct": (max-min)/median of the main figure)
# when there is more than one round. Progress goes to stderr. Everything is
# also kept in build/bench/results.jsonl.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

mode=full
report=0
rounds=""
libdir=""
basedir=""
metrics="setup,throughput,rtt,msg_rate,mesh,abi,server,frame_loop"
impls="meshrtc-c,pion,pion-detached"
while [[ $# -gt 0 ]]; do
  case $1 in
    --quick) [[ $mode == smoke ]] || mode=quick ;;
    --smoke) mode=smoke ;;
    --report) report=1 ;;
    --rounds) rounds=$2; shift ;;
    --lib) libdir=$2; shift ;;
    --baseline) basedir=$2; shift ;;
    --metrics) metrics=$2; shift ;;
    --impls) impls=$2; shift ;;
    -h | --help) sed -n '/^set -euo/q;2,$p' "$0"; exit 0 ;;
    *) echo "bench.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

need_go
c_toolchain
apt_install python3

# Counts per mode (the table in tests/bench/README.md).
case $mode in
  full)
    : "${rounds:=3}"
    setup=(runs=20); tput=(bytes=67108864); rtt=(n=10000 warmup=500); rate=(n=200000)
    mesh_ns=(8 16 32); mesh_idle_ms=10000; abi=(n=20000)
    server_ns=(32 128 256); server=(warmup_ms=2000 measure_ms=10000); frame=(latency_ms=10000 step_ms=2000)
    soak=(soak_s=1200 soak_warmup_s=60); cycles=(n=1000 warmup_cycles=50); lossy=(n=2000 bound_s=180)
    lobby=(clients=2000 lobbies=500 seconds=10) ;;
  quick)
    : "${rounds:=1}"
    setup=(runs=10); tput=(bytes=16777216); rtt=(n=2000 warmup=200); rate=(n=50000)
    mesh_ns=(8 16 32); mesh_idle_ms=2000; abi=(n=6400)
    server_ns=(32 128 256); server=(warmup_ms=1000 measure_ms=3000); frame=(latency_ms=3000 step_ms=1000)
    soak=(soak_s=120 soak_warmup_s=20); cycles=(n=200 warmup_cycles=20); lossy=(n=300 bound_s=120)
    lobby=(clients=400 lobbies=100 seconds=3) ;;
  smoke)
    : "${rounds:=1}"
    setup=(runs=2); tput=(bytes=1048576); rtt=(n=50 warmup=10); rate=(n=2000 quiet_ms=100)
    mesh_ns=(3); mesh_idle_ms=200; abi=(n=640)
    server_ns=(4); server=(warmup_ms=200 measure_ms=1000); frame=(latency_ms=500 step_ms=200 max_steps=2)
    soak=(soak_s=3 soak_warmup_s=1); cycles=(n=3 warmup_cycles=1); lossy=(n=10 bound_s=20)
    lobby=(clients=40 lobbies=10 seconds=1) ;;
esac

out=build/bench
bin=$out/bin
mkdir -p "$bin"
if [[ -n $libdir ]]; then
  [[ $libdir = /* ]] || libdir="$PWD/$libdir"
else
  scripts/build.sh >&2
  libdir="$PWD/build/$(go env GOOS)-$(go env GOARCH)"
fi
[[ -f $libdir/libmeshrtc.so ]] || { echo "bench.sh: $libdir/libmeshrtc.so not found" >&2; exit 1; }
if [[ -n $basedir ]]; then
  [[ $basedir = /* ]] || basedir="$PWD/$basedir"
  [[ -f $basedir/libmeshrtc.so ]] || { echo "bench.sh: $basedir/libmeshrtc.so not found" >&2; exit 1; }
  [[ ,$impls, == *,meshrtc-c-base,* ]] || impls="meshrtc-c-base,$impls"
fi

echo "bench.sh: building the benchmark programs ($mode, $rounds round(s), library $libdir)" >&2
# build_c SOURCE NAME LIBDIR: one C benchmark program against LIBDIR's library.
build_c() {
  ${CC:-cc} -O2 -std=c11 -Wall -Wextra -Werror -Iinclude "tests/bench/$1" -o "$bin/$2" \
    -L"$3" -lmeshrtc -Wl,-rpath,"$3"
}
build_c bench_c.c bench_c "$libdir"
build_c gameloop_c.c gameloop_c "$libdir"
if [[ -n $basedir ]]; then
  build_c bench_c.c bench_c_base "$basedir"
  build_c gameloop_c.c gameloop_c_base "$basedir"
fi
go build -o "$bin/pionbench" ./tests/bench/pionbench
go build -o "$bin/corebench" ./tests/bench/corebench
if [[ ,$metrics, == *,lobby,* ]]; then
  apt_install redis-server
  go build -o "$bin/lobbybench" ./tests/bench/lobbybench
  CGO_ENABLED=0 go build -o "$bin/meshrtc-lobby" ./core/lobby/cmd/meshrtc-lobby
fi

results=$out/results.jsonl
: >"$results"
failures=0
config=${MESHRTC_BENCH_CONFIG:-}

# run IMPL METRIC ROUND [key=value ...]: one process, one JSON line.
run() {
  local impl=$1 metric=$2 r=$3
  shift 3
  local cmd=() line status=0
  case $impl in
    meshrtc-c | meshrtc-c-base)
      local prog=bench_c
      [[ $metric == server || $metric == frame_loop ]] && prog=gameloop_c
      cmd=("$bin/$prog" "$metric" "round=$r" "$@")
      [[ $impl == meshrtc-c-base ]] && cmd=("$bin/${prog}_base" "$metric" "round=$r" "impl=$impl" "$@")
      [[ -n $config ]] && cmd+=("config=$config") ;;
    meshrtc-go)
      cmd=("$bin/corebench" -metric "$metric" -round "$r")
      for kv in "$@"; do cmd+=("-${kv%%=*}" "${kv#*=}"); done
      [[ -n $config ]] && cmd+=(-config "$config") ;;
    meshrtc-lobby | meshrtc-lobby-redis)
      cmd=("$bin/lobbybench" -server "$bin/meshrtc-lobby" -round "$r" -instances 1)
      [[ $impl == meshrtc-lobby-redis ]] && cmd+=(-instances 2)
      for kv in "$@"; do cmd+=("-${kv%%=*}" "${kv#*=}"); done ;;
    pion | pion-detached | pion-hostpoll)
      cmd=("$bin/pionbench" -metric "$metric" -round "$r")
      [[ $impl == pion-detached ]] && cmd+=(-detached)
      [[ $impl == pion-hostpoll ]] && cmd+=(-detached -hostpoll)
      for kv in "$@"; do cmd+=("-${kv%%=*}" "${kv#*=}"); done ;;
  esac
  echo "bench.sh: round $r $impl $metric $*" >&2
  # A hang guard: 10 minutes, or the run's own length plus that (soak).
  local limit=600 kv
  for kv in "$@"; do
    case $kv in soak_s=* | soak_warmup_s=*) limit=$((limit + ${kv#*=})) ;; esac
  done
  line=$(timeout "$limit" "${cmd[@]}" 2>"$out/last-stderr.log") || status=$?
  if [[ $status -ne 0 || -z $line ]]; then
    failures=$((failures + 1))
    sed 's/^/    /' "$out/last-stderr.log" >&2
    local why
    why=$(tail -n 1 "$out/last-stderr.log" | tr -d '"\\' | cut -c1-200)
    local name=$metric
    case $metric in setup) name=setup_ms ;; rtt) name=rtt_us ;; abi) name=abi_call_ns ;; esac
    line="{\"impl\":\"$impl\",\"metric\":\"$name\",\"round\":$r,\"error\":\"exit $status: $why\"}"
  fi
  echo "$line" | tee -a "$results"
}

IFS=, read -r -a metric_list <<<"$metrics"
IFS=, read -r -a impl_list <<<"$impls"

# The environment the figures were taken in (the machine is shared).
env_line() {
  local load
  load=$(cut -d' ' -f1-3 /proc/loadavg)
  printf '{"impl":"env","metric":"%s","round":%s,"nproc":%s,"cpu":"%s","load":"%s","date":"%s","go":"%s","pion":"%s","mode":"%s"}\n' \
    "$1" "$2" "$(nproc)" "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//' | tr -d '"\\')" \
    "$load" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(go env GOVERSION)" \
    "$(go list -m -f '{{.Version}}' github.com/pion/webrtc/v4)" "$mode" | tee -a "$results"
}

start=$(date +%s)
env_line start 0
for ((r = 1; r <= rounds; r++)); do
  # Rotate the order each round.
  order=()
  n=${#impl_list[@]}
  for ((i = 0; i < n; i++)); do order+=("${impl_list[$(((i + r - 1) % n))]}"); done
  for m in "${metric_list[@]}"; do
    case $m in
      setup) for impl in "${order[@]}"; do run "$impl" setup "$r" "${setup[@]}"; done ;;
      throughput) for impl in "${order[@]}"; do run "$impl" throughput "$r" "${tput[@]}"; done ;;
      rtt)
        for impl in "${order[@]}"; do
          run "$impl" rtt "$r" "${rtt[@]}"
          # Raw pion driven by a polling loop like meshrtc's host: how much
          # of the rtt gap is the host loop rather than the library.
          [[ $impl == pion ]] && run pion-hostpoll rtt "$r" "${rtt[@]}"
        done ;;
      msg_rate) for impl in "${order[@]}"; do run "$impl" msg_rate "$r" "${rate[@]}"; done ;;
      mesh)
        for nn in "${mesh_ns[@]}"; do
          for impl in "${order[@]}"; do run "$impl" mesh "$r" "n=$nn" "idle_ms=$mesh_idle_ms"; done
        done ;;
      server | frame_loop)
        # meshrtc through the C ABI and raw pion only, in the round's order.
        game_order=()
        for impl in "${order[@]}"; do
          [[ $impl == meshrtc-c || $impl == meshrtc-c-base || $impl == pion ]] && game_order+=("$impl")
        done
        if [[ $m == server ]]; then
          for nn in "${server_ns[@]}"; do
            for impl in "${game_order[@]}"; do run "$impl" server "$r" "n=$nn" "${server[@]}"; done
          done
        else
          for impl in "${game_order[@]}"; do run "$impl" frame_loop "$r" "${frame[@]}"; done
        fi ;;
      abi)
        # C ABI against the same calls in Go (meshrtc's core, no ABI).
        if ((r % 2)); then abi_order=(meshrtc-c meshrtc-go); else abi_order=(meshrtc-go meshrtc-c); fi
        [[ -n $basedir ]] && abi_order+=(meshrtc-c-base)
        for impl in "${abi_order[@]}"; do run "$impl" abi "$r" "${abi[@]}"; done ;;
      soak | cycles)
        # Memory over a long run: the C ABI and the Go core (whose live
        # heap is visible), alternating by round.
        if ((r % 2)); then mem_order=(meshrtc-c meshrtc-go); else mem_order=(meshrtc-go meshrtc-c); fi
        if [[ $m == soak ]]; then mem_args=("${soak[@]}"); else mem_args=("${cycles[@]}"); fi
        for impl in "${mem_order[@]}"; do run "$impl" "$m" "$r" "${mem_args[@]}"; done ;;
      lossy)
        # meshrtc's Go core (the C benchmark cannot drive the Go relay) and raw pion.
        if ((r % 2)); then lossy_order=(meshrtc-go pion); else lossy_order=(pion meshrtc-go); fi
        for loss in 5 10 20; do
          for impl in "${lossy_order[@]}"; do run "$impl" lossy "$r" "${lossy[@]}" "loss=$loss"; done
        done ;;
      lobby) for impl in meshrtc-lobby meshrtc-lobby-redis; do run "$impl" lobby "$r" "${lobby[@]}"; done ;;
      *) echo "bench.sh: unknown metric $m" >&2; exit 2 ;;
    esac
  done
done
env_line end 0
echo "bench.sh: $rounds round(s) in $(($(date +%s) - start)) s, $failures failed run(s)" >&2

if ((rounds > 1)); then
  python3 tests/bench/report.py aggregate "$results" | tee "$out/summary.jsonl"
  cat "$out/summary.jsonl" >>"$results"
fi

if [[ $mode == smoke ]]; then
  python3 tests/bench/report.py validate "$results" --metrics "$metrics" --impls "$impls" >&2
fi
if ((report)); then
  python3 tests/bench/report.py report "$results" >"$out/report.md"
  echo >&2
  cat "$out/report.md"
fi
[[ $failures -eq 0 ]]
