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
#   dropin         webrtc-native-style scripts, unchanged (default config),
#                  inside a private network namespace (needs root + unshare)
# Every WebRTC peer outside the dropin namespace is initialized with the
# loopback-only configuration. Output: build/godot-tests/<test>/*.out/.err.
# Prints "N passed, M failed" last; exits non-zero on failure. Every process
# it starts is killed by pid on exit.
# Usage: tests/godot/run.sh [TEST...]   (default: all; build always runs)
set -uo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib.sh
. bindings/godot/tools/godot_host.sh

start=$(date +%s)
passed=0
failed=0
failures=()
pids=()

# pids holds the processes this script started and has not reaped yet
# (reaped ones are forgotten, so a reused pid is never signalled).
cleanup() {
  local pid
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null
  done
  sleep 0.2
  for pid in "${pids[@]}"; do
    kill -9 "$pid" 2>/dev/null
  done
}
reap() { # reap PID : waits for it and forgets it; returns its status
  local pid=$1 status=0 keep=() p
  wait "$pid" 2>/dev/null || status=$?
  for p in "${pids[@]}"; do
    [[ "$p" == "$pid" ]] || keep+=("$p")
  done
  pids=("${keep[@]}")
  return $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

selected=" $* "
want() { [[ "$selected" == "  " || "$selected" == *" $1 "* ]]; }

result() { # result NAME STATUS(0 pass) [detail]
  watch=()
  if [[ $2 -eq 0 ]]; then
    passed=$((passed + 1))
    echo "--- PASS $1 ${3:-}"
  else
    failed=$((failed + 1))
    failures+=("$1")
    echo "--- FAIL $1 ${3:-}"
  fi
}

apt_install python3 iproute2 util-linux
godot_host_deps

if [[ ! -f build/linux-amd64/libmeshrtc.so ]]; then
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

# make_project NAME FILE... : a Godot project in $work/NAME with the addon,
# tests/godot/common and the given files (paths relative to tests/godot).
make_project() {
  local dir="$work/$1"
  shift
  mkdir -p "$dir/.godot" "$dir/addons"
  cp -r build/godot/addons/meshrtc "$dir/addons/meshrtc"
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

# wait_pids TIMEOUT PID... : waits for the processes; kills them after
# TIMEOUT seconds, or at once when a log named in $watch (LOG.err files)
# shows a script error (Godot keeps running after one). Returns non-zero if
# any exited non-zero or was killed.
watch=()
wait_pids() {
  local timeout=$1
  shift
  local deadline=$(($(date +%s) + timeout)) status=0 pid alive
  while :; do
    alive=0
    for pid in "$@"; do
      kill -0 "$pid" 2>/dev/null && alive=1
    done
    [[ $alive -eq 0 ]] && break
    if [[ $(date +%s) -ge $deadline ]]; then
      echo "  timeout after ${timeout}s: killing what is left of $*"
      for pid in "$@"; do kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null; done
      status=1
      break
    fi
    if [[ ${#watch[@]} -gt 0 ]] && grep -qs "SCRIPT ERROR" "${watch[@]}"; then
      echo "  script error: killing what is left of $*"
      sleep 0.5
      for pid in "$@"; do kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null; done
      status=1
      break
    fi
    sleep 0.2
  done
  for pid in "$@"; do
    reap "$pid" || status=1
  done
  return $status
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

# check_logs LOG... : each log's process reported RESULT with failed=0 and
# nothing crashed, leaked or hit a script error.
check_logs() {
  local ok=0 log
  for log in "$@"; do
    if ! grep -q "^RESULT .* failed=0$" "$log.out"; then
      echo "  $log: no passing RESULT line"
      ok=1
    fi
    grep "^not ok" "$log.out" | sed "s|^|  $log: |"
    if grep -E "handle_crash|Program crashed|Segmentation fault|SCRIPT ERROR|were still alive|Required virtual method|Parse Error" \
      "$log.err" "$log.out" >/dev/null; then
      echo "  $log: crash, script error or leaked objects:"
      grep -E -A3 "handle_crash|Program crashed|Segmentation fault|SCRIPT ERROR|were still alive|Required virtual method|Parse Error" \
        "$log.err" "$log.out" | head -n 20 | sed 's/^/    /'
      ok=1
    fi
  done
  return $ok
}

# no_errors LOG... : the happy path prints no ERROR lines, except lines
# containing a substring listed in $allowed_errors (a file), if set.
allowed_errors=""
no_errors() {
  local ok=0 log errors
  for log in "$@"; do
    errors=$(grep "^ERROR:" "$log.err")
    if [[ -n "$allowed_errors" && -n "$errors" ]]; then
      errors=$(grep -vF -f "$allowed_errors" <<<"$errors")
    fi
    if [[ -n "$errors" ]]; then
      echo "  $log: unexpected errors:"
      head -n 20 <<<"$errors" | sed 's/^/    /'
      ok=1
    fi
  done
  return $ok
}

# ------------------------------------------------------------------- pair
if want pair; then
echo "=== pair"
t0=$(date +%s)
dir=$(make_project pair pair/test_pair.gd)
godot_bg "$dir" "$dir/pair" test_pair.gd
st=0
wait_pids 90 "$last_pid" || st=1
check_logs "$dir/pair" || st=1
allowed_errors=tests/godot/pair/allowed_errors.txt no_errors "$dir/pair" || st=1
result pair $st "($(grep -c '^ok' "$dir/pair.out") checks, $(($(date +%s) - t0)) s)"
fi

# -------------------------------------------------------------- bad_input
if want bad_input; then
echo "=== bad_input"
t0=$(date +%s)
dir=$(make_project bad_input bad_input/test_bad_input.gd)
godot_bg "$dir" "$dir/bad" test_bad_input.gd
st=0
wait_pids 60 "$last_pid" || st=1
check_logs "$dir/bad" || st=1
while IFS= read -r want; do
  [[ -z "$want" || "$want" == \#* ]] && continue
  if ! grep -qF -- "$want" "$dir/bad.err"; then
    echo "  stderr lacks: $want"
    st=1
  fi
done <tests/godot/bad_input/expected_stderr.txt
result bad_input $st "($(grep -c '^ok' "$dir/bad.out") checks, $(($(date +%s) - t0)) s)"
fi

# ------------------------------------------------------------------- logs
if want logs; then
echo "=== logs"
t0=$(date +%s)
dir=$(make_project logs logs/test_logs.gd)
MESHRTC_LOG_LEVEL=debug godot_bg "$dir" "$dir/logs" test_logs.gd
st=0
wait_pids 60 "$last_pid" || st=1
check_logs "$dir/logs" || st=1
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
  local name=$1 leave=$2
  shift 2
  echo "=== $name"
  local t0 st=0 ids="" role
  t0=$(date +%s)
  for role in "$@"; do ids="$ids${ids:+,}${role%%:*}"; done
  local dir
  dir=$(make_project "$name" multiplayer/test_multiplayer.gd multiplayer/game.gd)
  python3 tests/godot/signaling.py "$dir/port" >"$dir/relay.log" 2>&1 &
  local relay=$!
  pids+=("$relay")
  local i
  for i in $(seq 50); do [[ -s "$dir/port" ]] && break; sleep 0.1; done
  if [[ ! -s "$dir/port" ]]; then
    echo "  signaling relay did not start"
    result "$name" 1
    return
  fi
  local port procs=() logs=() victim=""
  port=$(cat "$dir/port")
  for role in "$@"; do
    godot_bg "$dir" "$dir/peer${role%%:*}" test_multiplayer.gd "--mode=${role#*:}" "--id=${role%%:*}" \
      "--peers=$ids" "--port=$port" "--leaver=3" "--leave=$leave" "--ready-file=$PWD/$dir/ready3"
    logs+=("$dir/peer${role%%:*}")
    if [[ "$leave" == kill && "${role%%:*}" == 3 ]]; then
      victim=$last_pid
    else
      procs+=("$last_pid")
    fi
  done
  if [[ -n "$victim" ]]; then
    for i in $(seq 600); do [[ -f "$dir/ready3" ]] && break; kill -0 "$victim" 2>/dev/null || break; sleep 0.1; done
    if [[ -f "$dir/ready3" ]]; then
      echo "  kill -9 peer 3 (pid $victim)"
    else
      echo "  peer 3 never got ready to be killed"
      st=1
    fi
    kill -9 "$victim" 2>/dev/null
    reap "$victim"
  fi
  wait_pids 120 "${procs[@]}" || st=1
  kill "$relay" 2>/dev/null
  reap "$relay"
  check_logs "${logs[@]}" || st=1
  no_errors "${logs[@]}" || st=1
  local checks=0 log
  for log in "${logs[@]}"; do checks=$((checks + $(grep -c '^ok' "$log.out"))); done
  result "$name" $st "($checks checks, $(($(date +%s) - t0)) s)"
}

want mesh && run_multiplayer mesh exit 1:mesh 2:mesh 3:mesh
want server_client && run_multiplayer server_client exit 1:server 2:client 3:client
want server_client_kill && run_multiplayer server_client_kill kill 1:server 2:client 3:client

# ----------------------------------------------------------------- dropin
# The scripts use webrtc-native's usual patterns unchanged, including the
# default configuration (no loopback options), so they run only inside a new
# network namespace that holds nothing but lo and a private veth pair.
if ! want dropin; then
  :
elif [[ $(id -u) -eq 0 ]] && unshare -n ip link add mrvt0 type veth peer name mrvt1 2>/dev/null; then
  echo "=== dropin"
  t0=$(date +%s)
  dir=$(make_project dropin dropin/test_dropin.gd dropin/chat_peer.gd multiplayer/game.gd)
  # The README's GDScript example, verbatim.
  awk '/<!-- example:godot4/ {f = 1; next} f && /^```gdscript/ {g = 1; next} g && /^```/ {exit} g {print}' \
    README.md >"$dir/example.gd"
  # Inside the namespace: set it up, verify it is the private one, run Godot.
  unshare -n bash -c '
    set -e
    ip link set lo up
    ip link add mrv0 type veth peer name mrv1
    ip addr add 10.213.0.1/24 dev mrv0
    ip addr add 10.213.0.2/24 dev mrv1
    ip link set mrv0 up
    ip link set mrv1 up
    links=$(ip -o link show | awk -F": " "{print \$2}" | sed "s/@.*//" | sort | tr "\n" " ")
    if [[ "$links" != "lo mrv0 mrv1 " ]]; then echo "not a private namespace: $links" >&2; exit 3; fi
    exec "$0" --headless --path "$1" --script res://test_dropin.gd >"$1/dropin.out" 2>"$1/dropin.err"
  ' "$GODOT_BIN" "$dir" &
  last_pid=$!
  pids+=("$last_pid")
  watch=("$dir/dropin.err")
  st=0
  wait_pids 90 "$last_pid" || st=1
  check_logs "$dir/dropin" || st=1
  if ! grep -qx "p2 received: hello from p1" "$dir/dropin.out"; then
    echo "  the README example did not print 'p2 received: hello from p1'"
    st=1
  fi
  result dropin $st "($(grep -c '^ok' "$dir/dropin.out" 2>/dev/null) checks, $(($(date +%s) - t0)) s)"
else
  # Never skipped: CI runs as root, and a missing capability must show.
  result dropin 1 "(needs root, unshare -n and veth links for a private network namespace)"
fi

echo
echo "godot tests wall time: $(($(date +%s) - start)) s"
[[ $failed -eq 0 ]] || echo "failed: ${failures[*]}"
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
