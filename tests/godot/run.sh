#!/usr/bin/env bash
# Godot 4 GDExtension tests in the real headless Godot 4.6.3 (test host from
# ../shared/tools/godot4/, unpacked into build/godot/host/; GODOT=... picks
# another binary). Builds the addon (scripts/build_godot.sh) from
# build/linux-amd64/libmeshrtc.so (built first when missing), then runs:
#   build          interface check, exports, addon layout
#   pair           two WebRTCPeerConnections in one process (tests/godot/pair)
#   bad_input      bad options/SDP/states give Godot errors, never a crash
#   logs           MESHRTC_LOG_LEVEL=debug: library lines reach print()
#   mesh           WebRTCMultiplayerPeer mesh, 3 processes + signaling relay
#   server_client  WebRTCMultiplayerPeer server + 2 clients, relayed RPCs
#   server_client_kill  the same, but client 3 is killed with SIGKILL
#   lobby_mesh     4 processes meet through meshrtc-lobby (the signaling
#                  demo's protocol on WebSocketPeer), mesh; one leaves; the
#                  server also sends TURN credentials, which they ignore
#   lobby_server   the same with the lobby's host as server
#   lobby_meet_c_host, lobby_meet_godot_host  a Godot game (the addon's
#                  MeshRTCLobby), a C and a C# program (the library's lobby
#                  client) meet in one lobby and play, hosted by C, then Godot
#   lobby_readme   README's MeshRTCLobby example parses against the addon
#   dropin         webrtc-native-style scripts, unchanged (default config),
#                  inside a private network namespace (needs root + unshare)
# Every WebRTC peer outside the dropin namespace is initialized with the
# loopback-only configuration. Output: build/godot-tests/<test>/*.out/.err.
# Prints "N passed, M failed" last; exits non-zero on failure. Every process
# it starts is killed by pid on exit.
# Usage: tests/godot/run.sh [TEST...]   (default: all; build always runs)
# Environment: GODOT_ADDON, the addons/meshrtc folder the test projects copy
# (default build/godot/addons/meshrtc).
set -uo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib.sh
. tests/godot_lib.sh
. bindings/godot/tools/godot_host.sh
select_tests "$@"

apt_install python3 iproute2 util-linux mono-mcs mono-runtime gcc libc6-dev
godot_host_deps

if [[ ! -f build/linux-amd64/libmeshrtc.so || ! -x build/linux-amd64/meshrtc-lobby ]]; then
  scripts/build.sh || { echo "error: scripts/build.sh failed"; echo "0 passed, 1 failed"; exit 1; }
fi

work="build/godot-tests"
rm -rf "$work"
mkdir -p "$work"

# ------------------------------------------------------------------ build
echo "=== build"
if scripts/build_godot.sh >"$work/build.log" 2>&1; then
  build_ok=0
  gdext=build/godot/addons/meshrtc/meshrtc.gdextension
  for line in 'entry_symbol = "meshrtc_godot_init"' 'compatibility_minimum = "4.3"' 'reloadable = false' \
    'linux.x86_64 = "bin/linux.x86_64/libmeshrtc_godot.so"' \
    'linux.x86_64 = { "bin/linux.x86_64/libmeshrtc.so": "" }'; do
    grep -qF "$line" "$gdext" || { echo "meshrtc.gdextension lacks: $line"; build_ok=1; }
  done
  [[ -f build/godot/addons/meshrtc/bin/linux.x86_64/libmeshrtc.so ]] || { echo "libmeshrtc.so not in the addon"; build_ok=1; }
  [[ -f build/godot/addons/meshrtc/meshrtc_lobby.gd ]] || { echo "meshrtc_lobby.gd not in the addon"; build_ok=1; }
  grep -q "all since Godot 4.3 or older" "$work/build.log" || { echo "interface check did not run"; build_ok=1; }
  result build $build_ok
else
  tail -n 30 "$work/build.log"
  result build 1
  echo
  echo "$passed passed, $failed failed"
  exit 1
fi
GODOT_BIN=$(godot_host_binary) || exit 1
echo "godot: $("$GODOT_BIN" --headless --version 2>/dev/null | tail -n 1)"

# The addon the projects get: GODOT_ADDON (e.g. unpacked from a release
# archive by tests/package/run.sh), else the one scripts/build_godot.sh built.
addon_src=${GODOT_ADDON:-build/godot/addons/meshrtc}
[[ -f $addon_src/meshrtc.gdextension ]] || { echo "error: no meshrtc.gdextension in $addon_src"; echo "0 passed, 1 failed"; exit 1; }
echo "addon: $addon_src"

# make_project NAME FILE... : a Godot project in $work/NAME with the addon,
# tests/godot/common and the given files (paths relative to tests/godot).
make_project() {
  local dir="$work/$1"
  shift
  mkdir -p "$dir/.godot" "$dir/addons"
  cp -r "$addon_src" "$dir/addons/meshrtc"
  cp -r tests/godot/common "$dir/common"
  local f
  for f in "$@"; do
    cp "tests/godot/$f" "$dir/"
  done
  cat >"$dir/project.godot" <<'EOF'
config_version=5

[application]

config/name="meshrtc-test"
run/flush_stdout_on_print=true

[debug]

file_logging/enable_file_logging=false
EOF
  echo "res://addons/meshrtc/meshrtc.gdextension" >"$dir/.godot/extension_list.cfg"
  echo "list=[]" >"$dir/.godot/global_script_class_cache.cfg"
  echo "$dir"
}

# godot_bg DIR LOG SCRIPT [USER_ARGS...] : starts Godot in the background;
# sets $last_pid.
godot_bg() {
  local dir=$1 log=$2 script=$3
  shift 3
  "$GODOT_BIN" --headless --path "$dir" --script "res://$script" -- "$@" >"$log.out" 2>"$log.err" &
  last_pid=$!
  pids+=("$last_pid")
  watch+=("$log.err")
}

# One Godot process per test: begin_test NAME FILE... prints "=== NAME",
# makes the project (dir) and starts the clock (t0) with st=0; await LOG
# TIMEOUT waits for the process last started and checks LOG (st=1 on a
# failure); end_test NAME LOG records the result with LOG's ok lines.
begin_test() {
  echo "=== $1"
  t0=$(date +%s)
  dir=$(make_project "$@")
  st=0
}
await() {
  wait_pids "$2" "$last_pid" || st=1
  check_logs "$1" || st=1
}
end_test() { result "$1" $st "($(grep -c '^ok' "$2.out" 2>/dev/null) checks, $(($(date +%s) - t0)) s)"; }

# ------------------------------------------------------------------- pair
if want pair; then
begin_test pair pair/test_pair.gd
godot_bg "$dir" "$dir/pair" test_pair.gd
await "$dir/pair" 90
allowed_errors=tests/godot/pair/allowed_errors.txt no_errors "$dir/pair" || st=1
end_test pair "$dir/pair"
fi

# -------------------------------------------------------------- bad_input
if want bad_input; then
begin_test bad_input bad_input/test_bad_input.gd
godot_bg "$dir" "$dir/bad" test_bad_input.gd
await "$dir/bad" 60
while IFS= read -r want; do
  [[ -z "$want" || "$want" == \#* ]] && continue
  if ! grep -qF -- "$want" "$dir/bad.err"; then
    echo "  stderr lacks: $want"
    st=1
  fi
done <tests/godot/bad_input/expected_stderr.txt
end_test bad_input "$dir/bad"
fi

# ------------------------------------------------------------------- logs
if want logs; then
begin_test logs logs/test_logs.gd
MESHRTC_LOG_LEVEL=debug godot_bg "$dir" "$dir/logs" test_logs.gd
await "$dir/logs" 60
# debug/info lines go through print() to stdout, with the subsystem named
if ! grep -qE "^meshrtc: (ice|pc|dtls|sctp|peer|channel|config): " "$dir/logs.out"; then
  echo "  no library debug lines on stdout"
  st=1
fi
result logs $st "($(grep -cE '^meshrtc: ' "$dir/logs.out") library lines printed, $(($(date +%s) - t0)) s)"
fi

# ------------------------------------------------------------ multiplayer
# run_multiplayer NAME exit|kill ROLES... (ROLE = id:mode) : one Godot
# process per role and the signaling relay; id 3 leaves first (exits, or is
# killed with SIGKILL), the others must see peer_disconnected(3).
run_multiplayer() {
  local name=$1 leave=$2 dir
  shift 2
  echo "=== $name"
  local t0
  t0=$(date +%s)
  dir=$(make_project "$name" multiplayer/test_multiplayer.gd multiplayer/game.gd)
  play_roles "$name" "$dir" 120 "$leave" --leaver=3 "$@"
}

want mesh && run_multiplayer mesh exit 1:mesh 2:mesh 3:mesh
want server_client && run_multiplayer server_client exit 1:server 2:client 3:client
want server_client_kill && run_multiplayer server_client_kill kill 1:server 2:client 3:client

# ------------------------------------------------------------------ lobby
# start_lobby_server DIR [SERVER_ARG...] : meshrtc-lobby on 127.0.0.1 (a free
# port), its log in DIR/lobby.log; sets lobby_port and lobby_pid, or says
# why not and returns 1.
start_lobby_server() {
  local dir=$1 i
  shift
  build/linux-amd64/meshrtc-lobby --listen 127.0.0.1:0 --port-file "$dir/port" --log-level debug "$@" \
    >"$dir/lobby.log" 2>&1 &
  lobby_pid=$!
  pids+=("$lobby_pid")
  for i in $(seq 50); do [[ -s "$dir/port" ]] && break; sleep 0.1; done
  if [[ ! -s "$dir/port" ]]; then
    echo "  meshrtc-lobby did not start:"
    sed 's/^/    /' "$dir/lobby.log"
    return 1
  fi
  lobby_port=$(cat "$dir/port")
}

# run_lobby NAME mesh|server [SERVER_ARG...] : meshrtc-lobby on 127.0.0.1 and
# four Godot processes (tests/godot/lobby) that meet through it; the one of
# index 2 leaves, and the others must see that same peer leave.
run_lobby() {
  local name=$1 mode=$2
  shift 2
  echo "=== $name"
  local t0 st=0 dir
  t0=$(date +%s)
  dir=$(make_project "$name" lobby/test_lobby.gd lobby/lobby_client.gd multiplayer/game.gd)
  if ! start_lobby_server "$dir" "$@"; then
    result "$name" 1
    return
  fi
  local port=$lobby_port server=$lobby_pid extra=() procs=() logs=() i
  [[ " $* " == *" --turn-secret "* ]] && extra=(--turn)
  for i in 0 1 2 3; do
    godot_bg "$dir" "$dir/peer$i" test_lobby.gd "--url=ws://127.0.0.1:$port" "--mode=$mode" "--index=$i" \
      --count=4 "--lobby-file=$PWD/$dir/lobby_name" --leaver=2 "${extra[@]}"
    procs+=("$last_pid")
    logs+=("$dir/peer$i")
  done
  wait_pids 180 "${procs[@]}" || st=1
  kill "$server" 2>/dev/null
  reap "$server"
  check_logs "${logs[@]}" || st=1
  no_errors "${logs[@]}" || st=1
  local leaver seen
  leaver=$(sed -n 's/^LEAVER //p' "$dir/peer2.out")
  for i in 0 1 3; do
    seen=$(sed -n 's/^LEFT //p' "$dir/peer$i.out")
    if [[ -z "$leaver" || "$seen" != "$leaver" ]]; then
      echo "  peer$i saw '$seen' leave, the leaver was '$leaver'"
      st=1
    fi
  done
  local checks=0 log
  for log in "${logs[@]}"; do checks=$((checks + $(grep -c '^ok' "$log.out"))); done
  result "$name" $st "($checks checks, $(($(date +%s) - t0)) s)"
}

want lobby_mesh && run_lobby lobby_mesh mesh --turn-secret test-only-secret --turn-urls turn:127.0.0.1:3478
want lobby_server && run_lobby lobby_server server

# ------------------------------------------------------------- lobby_meet
# A Godot game (the addon's MeshRTCLobby on Godot's WebSocketPeer,
# WebRTCMultiplayerPeer and SceneMultiplayer), a C program and a C# program
# (the library's lobby client: tests/lobby/lobby_member.c, LobbyMember.cs)
# meet in one mesh lobby on meshrtc-lobby and play: a hello from each to
# each, done, end. The host is the C program, then the Godot game, so the
# native clients both answer Godot's offers and make offers to Godot.
meet_bin="$work/meet-bin"
# The C player is built and run with the C tests' sanitizers (tests/lib.sh,
# sourced in a subshell: its counters are not this runner's).
build_meet_players() (
  mkdir -p "$meet_bin"
  . tests/lib.sh
  need_asan_build build/linux-amd64 && sanitized_c &&
    "$CC" tests/lobby/lobby_member.c "${CFLAGS[@]}" -o "$meet_bin/lobby_member" \
      -Lbuild/linux-amd64 -lmeshrtc -Wl,-rpath,"$PWD/build/linux-amd64" &&
    mcs -langversion:7.2 -unsafe -warnaserror -nologo -target:library -out:"$meet_bin/MeshRtc.dll" \
      bindings/csharp/Runtime/*.cs bindings/csharp/Runtime/Native/*.cs &&
    mcs -langversion:7.2 -warnaserror -nologo -out:"$meet_bin/lobby_member.exe" -r:"$meet_bin/MeshRtc.dll" \
      -r:System.Core.dll tests/lobby/LobbyMember.cs
)

# meet_player LANG ROLE URL DIR : starts one player; sets last_pid.
meet_player() {
  local lang=$1 role=$2 url=$3 dir=$4
  case $lang in
    godot) godot_bg "$dir" "$dir/godot" test_meet.gd "--url=$url" --count=3 "--name-file=$PWD/$dir/lobby_name" "--role=$role" ;;
    c)
      (. tests/lib.sh && sanitized_c && exec "$meet_bin/lobby_member" "$url" 3 "$dir/lobby_name" "$role") \
        >"$dir/c.out" 2>"$dir/c.err" &
      last_pid=$!
      pids+=("$last_pid")
      ;;
    csharp)
      LD_LIBRARY_PATH="$PWD/build/linux-amd64" mono --debug "$meet_bin/lobby_member.exe" "$url" 3 "$dir/lobby_name" "$role" \
        >"$dir/csharp.out" 2>"$dir/csharp.err" &
      last_pid=$!
      pids+=("$last_pid")
      ;;
  esac
}

# run_lobby_meet NAME HOST_LANG GUEST_LANG GUEST_LANG
run_lobby_meet() {
  local name=$1 host=$2
  shift 2
  echo "=== $name"
  local t0 st=0 dir lang procs=() langs=("$host" "$@")
  t0=$(date +%s)
  dir=$(make_project "$name" lobby_meet/test_meet.gd)
  if [[ $meet_built -ne 0 ]] || ! start_lobby_server "$dir"; then
    result "$name" 1 "(the players or the server did not build or start)"
    return
  fi
  meet_player "$host" host "ws://127.0.0.1:$lobby_port" "$dir"
  procs+=("$last_pid")
  for lang in "$@"; do
    meet_player "$lang" guest "ws://127.0.0.1:$lobby_port" "$dir"
    procs+=("$last_pid")
  done
  wait_pids 180 "${procs[@]}" || st=1
  kill "$lobby_pid" 2>/dev/null
  reap "$lobby_pid"
  check_logs "$dir/godot" || st=1
  no_errors "$dir/godot" || st=1
  local other heard
  for lang in "${langs[@]}"; do
    for other in "${langs[@]}"; do
      [[ $other == "$lang" ]] && continue
      if ! grep -q "^heard $other [0-9]*$" "$dir/$lang.out"; then
        echo "  $lang did not hear $other; its output:"
        sed 's/^/    /' "$dir/$lang.out" "$dir/$lang.err" | tail -n 20
        st=1
      fi
    done
  done
  heard=$(cat "$dir"/{c,csharp,godot}.out | grep -c '^heard ')
  result "$name" $st "($heard hellos heard by 3 players in C, C# and Godot, $(($(date +%s) - t0)) s)"
}

if want lobby_meet_c_host || want lobby_meet_godot_host; then
  build_meet_players >"$work/meet-build.log" 2>&1
  meet_built=$?
  [[ $meet_built -eq 0 ]] || sed 's/^/  /' "$work/meet-build.log"
fi
want lobby_meet_c_host && run_lobby_meet lobby_meet_c_host c godot csharp
want lobby_meet_godot_host && run_lobby_meet lobby_meet_godot_host godot c csharp

# README's MeshRTCLobby example, verbatim, parses against the addon (it
# names a lobby server that does not exist, so it is not run).
if want lobby_readme; then
  begin_test lobby_readme
  readme_example lobby-godot >"$dir/example.gd"
  [[ -s $dir/example.gd ]] || { echo "  no lobby-godot example in README.md"; st=1; }
  "$GODOT_BIN" --headless --path "$dir" --check-only --script res://example.gd >"$dir/readme.out" 2>"$dir/readme.err" || st=1
  if grep -E "$fail_pattern" "$dir/readme.out" "$dir/readme.err"; then st=1; fi
  result lobby_readme $st "($(($(date +%s) - t0)) s)"
fi

# ----------------------------------------------------------------- dropin
# The scripts use webrtc-native's usual patterns unchanged, including the
# default configuration (no loopback options), so they run only inside a new
# network namespace that holds nothing but lo and a private veth pair.
if ! want dropin; then
  :
elif private_netns_available; then
  begin_test dropin dropin/test_dropin.gd dropin/chat_peer.gd multiplayer/game.gd
  # The README's GDScript example, verbatim.
  readme_example godot4 >"$dir/example.gd"
  unshare -n tests/private_netns.sh "$GODOT_BIN" --headless --path "$dir" --script res://test_dropin.gd \
    >"$dir/dropin.out" 2>"$dir/dropin.err" &
  last_pid=$!
  pids+=("$last_pid")
  watch=("$dir/dropin.err")
  await "$dir/dropin" 90
  if ! grep -qx "p2 received: hello from p1" "$dir/dropin.out"; then
    echo "  the README example did not print 'p2 received: hello from p1'"
    st=1
  fi
  end_test dropin "$dir/dropin"
else
  # Never skipped: CI runs as root, and a missing capability must show.
  result dropin 1 "(needs root, unshare -n and veth links for a private network namespace)"
fi

summary "godot tests"
