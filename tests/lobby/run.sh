#!/usr/bin/env bash
# Lobby server tests that need a real redis-server (installed with apt):
# the Go protocol tests of core/lobby again with two server instances sharing
# one Redis (clients alternating between them), and instances of the real
# meshrtc-lobby command killed (SIGKILL) and shut down (SIGTERM) while their
# clients are in lobbies with clients of other instances. Every server and
# Redis listens on 127.0.0.1 only, on free ports.
# Usage: tests/lobby/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib.sh

need_go
apt_install redis-server
command -v redis-server >/dev/null || { echo "error: redis-server is not on PATH after installing it" >&2; exit 1; }
echo "redis: $(redis-server --version)"

go vet -tags redis ./core/lobby/...
go test -race -count=1 -tags redis -timeout 10m ./core/lobby/...
