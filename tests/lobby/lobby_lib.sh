# What tests/lobby/run.sh and tests/lobby/turn.sh share (sourced from the
# repository root): the processes they start, killed by pid on exit, and
# start_lobby. Expects bin (the output folder) and lobby_bin (the
# meshrtc-lobby command) to be set.
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null; done
  wait 2>/dev/null
}
trap cleanup EXIT

# start_lobby LOG ARGS...: starts meshrtc-lobby on 127.0.0.1 (a free port,
# no join rate limit: the tests join many clients from one address) with
# ARGS, its log in $bin/LOG.log; sets lobby_url and lobby_pid.
start_lobby() {
  local log=$1 port_file
  shift
  port_file="$bin/$log.port"
  rm -f "$port_file"
  "$lobby_bin" --listen 127.0.0.1:0 --port-file "$port_file" --log-level debug --join-rate 0 "$@" >"$bin/$log.log" 2>&1 &
  lobby_pid=$!
  pids+=("$lobby_pid")
  for _ in $(seq 100); do [[ -s $port_file ]] && break; sleep 0.1; done
  [[ -s $port_file ]] || { echo "meshrtc-lobby did not start:"; cat "$bin/$log.log"; return 1; }
  lobby_url="ws://127.0.0.1:$(cat "$port_file")"
}
