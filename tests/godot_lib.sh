# Shared helpers for the Godot test runners (tests/godot/run.sh for Godot 4,
# tests/godot3/run.sh for Godot 3; sourced from the repository root, after
# scripts/lib.sh): process bookkeeping, results, log checks, the signaling
# relay and the private network namespace.
# Sets: start, passed, failed, failures, pids, watch, allowed_errors.

start=$(date +%s)
passed=0
failed=0
failures=()
pids=()

# pids holds the processes the runner started and has not reaped yet
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

# select_tests ARG... : the tests named on the command line (none: all);
# want NAME then says whether NAME runs.
selected="  "
select_tests() { selected=" $* "; }
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

# summary LABEL : the closing lines; returns non-zero if a test failed.
summary() {
  echo
  echo "$1 wall time: $(($(date +%s) - start)) s"
  [[ $failed -eq 0 ]] || echo "failed: ${failures[*]}"
  echo "$passed passed, $failed failed"
  [[ $failed -eq 0 ]]
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

# check_logs LOG... : each log's process reported RESULT with failed=0 and
# nothing crashed, leaked or hit a script error (lines matching
# $fail_pattern, an extended regular expression).
fail_pattern="handle_crash|Program crashed|Segmentation fault|SCRIPT ERROR|were still alive|Required virtual method|Parse Error"
check_logs() {
  local ok=0 log
  for log in "$@"; do
    if ! grep -q "^RESULT .* failed=0$" "$log.out"; then
      echo "  $log: no passing RESULT line"
      ok=1
    fi
    grep "^not ok" "$log.out" | sed "s|^|  $log: |"
    if grep -E "$fail_pattern" "$log.err" "$log.out" >/dev/null; then
      echo "  $log: crash, script error or leaked objects:"
      grep -E -A3 "$fail_pattern" "$log.err" "$log.out" | head -n 20 | sed 's/^/    /'
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

# start_relay DIR : starts tests/godot/signaling.py (127.0.0.1 only) with its
# port file in DIR; sets relay_pid and relay_port, or returns 1.
start_relay() {
  local dir=$1 i
  python3 tests/godot/signaling.py "$dir/port" >"$dir/relay.log" 2>&1 &
  relay_pid=$!
  pids+=("$relay_pid")
  for i in $(seq 50); do [[ -s "$dir/port" ]] && break; sleep 0.1; done
  if [[ ! -s "$dir/port" ]]; then
    echo "  signaling relay did not start"
    return 1
  fi
  relay_port=$(cat "$dir/port")
}

stop_relay() {
  kill "$relay_pid" 2>/dev/null
  reap "$relay_pid"
}

# kill_when_ready PID FILE : waits (60 s at most) until the process wrote
# FILE, then kills it with SIGKILL; returns 1 if it never got ready.
kill_when_ready() {
  local victim=$1 file=$2 i st=0
  for i in $(seq 600); do [[ -f "$file" ]] && break; kill -0 "$victim" 2>/dev/null || break; sleep 0.1; done
  if [[ -f "$file" ]]; then
    echo "  kill -9 pid $victim"
  else
    echo "  pid $victim never got ready to be killed"
    st=1
  fi
  kill -9 "$victim" 2>/dev/null
  reap "$victim"
  return $st
}

# private_netns_available : whether tests/private_netns.sh can run here
# (root, unshare -n, veth links).
private_netns_available() {
  [[ $(id -u) -eq 0 ]] && unshare -n ip link add mrvt0 type veth peer name mrvt1 2>/dev/null
}

# play_roles NAME DIR TIMEOUT LEAVE LEAVER_ARG ROLE... : runs one Godot
# process per ROLE ("id:mode") of test_multiplayer.gd in DIR against the
# signaling relay, kills peer 3 when LEAVE is "kill" once it is ready,
# checks the logs and prints the result line. The caller set t0.
play_roles() {
  local name=$1 dir=$2 timeout=$3 leave=$4 leaver=$5
  shift 5
  local st=0 ids="" role procs=() logs=() victim=""
  for role in "$@"; do ids="$ids${ids:+,}${role%%:*}"; done
  if ! start_relay "$dir"; then
    result "$name" 1
    return
  fi
  for role in "$@"; do
    godot_bg "$dir" "$dir/peer${role%%:*}" test_multiplayer.gd "--mode=${role#*:}" "--id=${role%%:*}" \
      "--peers=$ids" "--port=$relay_port" "$leaver" "--leave=$leave" "--ready-file=$PWD/$dir/ready3"
    logs+=("$dir/peer${role%%:*}")
    if [[ "$leave" == kill && "${role%%:*}" == 3 ]]; then
      victim=$last_pid
    else
      procs+=("$last_pid")
    fi
  done
  if [[ -n "$victim" ]]; then
    kill_when_ready "$victim" "$dir/ready3" || st=1
  fi
  wait_pids "$timeout" "${procs[@]}" || st=1
  stop_relay
  # (A killed process printed its RESULT before it waited to be killed.)
  check_logs "${logs[@]}" || st=1
  no_errors "${logs[@]}" || st=1
  local checks=0 log
  for log in "${logs[@]}"; do checks=$((checks + $(grep -c '^ok' "$log.out"))); done
  result "$name" $st "($checks checks, $(($(date +%s) - t0)) s)"
}
