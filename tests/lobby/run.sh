#!/usr/bin/env bash
# Lobby tests that need real servers, each line PASS or FAIL, then
# "N passed, M failed":
#  - go-redis: the Go protocol tests of core/lobby again with two server
#    instances sharing one real redis-server (clients alternating between
#    them), and instances of the real meshrtc-lobby command killed (SIGKILL)
#    and shut down (SIGTERM) while their clients are in lobbies with clients
#    of other instances;
#  - the native lobby client through the real library (tests/lobby/
#    test_lobby.c, ASan/UBSan) on the real meshrtc-lobby command:
#    basic    8 peers in one lobby, all connected, data between all, a leave,
#             the seal; a server-mode lobby whose host leaves; call errors
#    redis    two instances over Redis, clients split between them, one
#             instance killed: its clients see the lobby go, the others see
#             PEER_DISCONNECT for them
#    turn     coturn with use-auth-secret; peers forced to relay connect with
#             the lobby's credentials, and credentials that expired are
#             refused (in a network namespace of its own: tests/lobby/turn.sh)
#  - readme-examples: README's C, C++ and C# lobby client examples compile.
# Every server, Redis and coturn listens on 127.0.0.1 only (on free ports,
# or inside the namespace); every process started is killed by pid on exit.
# Usage: tests/lobby/run.sh [BUILD_DIR]   (default build/linux-amd64; the
#        library and meshrtc-lobby must be built there: scripts/build.sh)
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh

need_go
c_toolchain
apt_install redis-server coturn iproute2 util-linux mono-mcs
for tool in redis-server turnserver unshare ip mcs g++; do
  command -v $tool >/dev/null || { echo "error: $tool is not on PATH after installing" >&2; exit 1; }
done
need_asan_build "${1:-}"
lobby_bin="$build/meshrtc-lobby"
[[ -x $lobby_bin ]] || { echo "error: $lobby_bin not found (run scripts/build.sh first)" >&2; exit 1; }
echo "redis: $(redis-server --version)"
echo "coturn: $(turnserver --version 2>/dev/null | head -1)"

bin="tests/lobby/bin"
rm -rf "$bin"
mkdir -p "$bin"
. tests/lobby/lobby_lib.sh

# run_step NAME CMD...: one check, its output in $bin/NAME.log.
run_step() {
  local name=$1 t0
  shift
  t0=$(date +%s%N)
  if "$@" >"$bin/$name.log" 2>&1; then
    record "$name" 0 "($(elapsed "$t0") s)"
    grep -E '^(phase|test_lobby|coturn)' "$bin/$name.log" | sed 's/^/     /'
  else
    record "$name" 1 "($(elapsed "$t0") s)"
    tail -n 40 "$bin/$name.log" | sed 's/^/    /'
  fi
}

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# ------------------------------------------------------------- go-redis
go_redis() {
  go vet -tags redis ./core/lobby/... && go test -race -count=1 -tags redis -timeout 10m ./core/lobby/...
}
run_step go-redis go_redis

# ------------------------------------------------------- native clients
sanitized_c
if ! "$CC" tests/lobby/test_lobby.c "${CFLAGS[@]}" -o "$bin/test_lobby" -L"$build" -lmeshrtc -Wl,-rpath,"$build" \
  >"$bin/build.log" 2>&1; then
  record "compile test_lobby.c" 1
  cat "$bin/build.log"
  finish
fi

basic() {
  start_lobby lobby-basic --seal-delay 500ms || return 1
  "$bin/test_lobby" basic "$lobby_url"
}
run_step basic basic

redis_split() {
  local port dir
  port=$(free_port)
  dir=$(mktemp -d)
  redis-server --bind 127.0.0.1 --port "$port" --save "" --appendonly no --dir "$dir" >"$bin/redis.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  local args=(--redis "redis://127.0.0.1:$port/0" --instance-timeout 1s)
  start_lobby lobby-a "${args[@]}" || return 1
  local url_a=$lobby_url
  start_lobby lobby-b "${args[@]}" || return 1
  "$bin/test_lobby" redis "$url_a" "$lobby_url" "$lobby_pid"
  local status=$?
  rm -rf "$dir"
  return $status
}
run_step redis redis_split

# README's lobby client examples compile (C, C++, C#), each wrapped in the
# declarations of the names it leaves to the reader.
readme_examples() {
  local d="$bin/readme"
  mkdir -p "$d"
  {
    printf '#include <stddef.h>\n#include "meshrtc.h"\nstatic int running = 1;\n'
    printf 'static void show_code(const char *code) { (void)code; }\nstatic void play(meshrtc_mesh mesh) { (void)mesh; }\n'
    printf 'int main(void) {\n'
    readme_example lobby-c c
    printf 'return 0;\n}\n'
  } >"$d/lobby.c"
  {
    printf '#include "meshrtc.hpp"\nusing namespace meshrtc;\nstatic bool running = true;\nstatic std::string friends_code;\n'
    printf 'static void show_code(const std::string &) {}\nstatic void on_mesh_event(const MeshEvent &) {}\n'
    printf 'static void handle(int32_t, const std::vector<uint8_t> &) {}\nint main() {\n'
    readme_example lobby-cpp cpp
    printf '}\n'
  } >"$d/lobby.cpp"
  {
    printf 'using System;\nusing System.Text;\nusing MeshRtc;\nstatic class Example {\n'
    printf 'static bool running = true;\nstatic string friendsCode = null;\nstatic void ShowCode(string code) {}\n'
    printf 'static void Handle(int peer, byte[] buf, int n) {}\nstatic void Main() {\n'
    readme_example lobby-csharp csharp
    printf '}\n}\n'
  } >"$d/Lobby.cs"
  for f in "$d"/lobby.c "$d"/lobby.cpp "$d"/Lobby.cs; do
    [[ $(wc -l <"$f") -gt 12 ]] || { echo "no README example in $f"; return 1; }
  done
  cc -std=c11 -Wall -Wextra -Werror -Iinclude -fsyntax-only "$d/lobby.c" &&
    g++ -std=c++17 -Wall -Wextra -Werror -Iinclude -Ibindings/cpp -fsyntax-only "$d/lobby.cpp" &&
    mcs -langversion:7.2 -unsafe -warnaserror -nologo -target:library -out:"$d/MeshRtc.dll" \
      bindings/csharp/Runtime/*.cs bindings/csharp/Runtime/Native/*.cs &&
    mcs -langversion:7.2 -warnaserror -nologo -target:library -r:"$d/MeshRtc.dll" -out:"$d/Example.dll" "$d/Lobby.cs" &&
    echo "phase readme: the C, C++ and C# lobby examples compile"
}
run_step readme-examples readme_examples

# The TURN test runs in a network namespace of its own (lo only), so coturn
# has its usual port and nothing else can reach it.
run_step turn unshare --net --pid --fork --mount-proc --kill-child=SIGTERM -- \
  bash tests/lobby/turn.sh "$bin" "$lobby_bin"

summary
