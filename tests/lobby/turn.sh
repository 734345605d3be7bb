#!/usr/bin/env bash
# The TURN check of tests/lobby/run.sh, run inside a network and pid
# namespace of its own (lo only): coturn with use-auth-secret on
# 127.0.0.1:3478 and meshrtc-lobby handing out credentials for it with the
# same secret; test_lobby turn (peers forced to relay connect) and
# test_lobby expired (credentials that expired before use are refused:
# coturn answers 401, the peers never connect). coturn's log must show both.
# Usage (from run.sh): tests/lobby/turn.sh BIN_DIR LOBBY_BINARY
set -uo pipefail
bin=$1
lobby_bin=$2
. tests/coturn.sh
. tests/lobby/lobby_lib.sh
ip link set lo up || { echo "cannot bring lo up"; exit 1; }

secret=test-only-turn-secret
turn_url="turn:127.0.0.1:3478?transport=udp"
# verbose: coturn logs each request's user and outcome, which the checks read.
coturn_config "$bin/turnserver.conf" "$bin" 3478 use-auth-secret "static-auth-secret=$secret" verbose
turnserver -c "$bin/turnserver.conf" >"$bin/coturn.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do ss -Hlun "sport = :3478" | grep -q . && break; sleep 0.1; done
ss -Hlun "sport = :3478" | grep -q . || { echo "coturn does not listen:"; tail -n 20 "$bin/coturn.log"; exit 1; }

start_lobby lobby-turn --turn-secret "$secret" --turn-urls "$turn_url" || exit 1
"$bin/test_lobby" turn "$lobby_url" || exit 1
# Allocations of the two peers (users "expiry:1" and "expiry:<id>").
granted=$(grep -cE 'user <[0-9]+:[0-9]+>: incoming packet ALLOCATE processed, success' "$bin/coturn.log")
echo "coturn: $granted allocations granted to lobby credentials"
((granted >= 2)) || { echo "coturn granted $granted allocations, want 2 or more:"; tail -n 30 "$bin/coturn.log"; exit 1; }

start_lobby lobby-expired --turn-secret "$secret" --turn-urls "$turn_url" --turn-ttl 1s || exit 1
"$bin/test_lobby" expired "$lobby_url" || exit 1
refused=$(grep -cE 'user <[0-9]+:1>: incoming packet .* error 401' "$bin/coturn.log")
echo "coturn: $refused allocations refused to expired credentials (401)"
((refused >= 1)) || { echo "coturn refused no expired credentials:"; tail -n 30 "$bin/coturn.log"; exit 1; }
