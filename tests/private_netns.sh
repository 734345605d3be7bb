#!/usr/bin/env bash
# Runs a command inside the network namespace it is started in (start it as
# `unshare -n tests/private_netns.sh CMD ARGS...`), after giving that
# namespace lo and one private veth pair (10.213.0.1/24 - 10.213.0.2/24) and
# checking it holds nothing else: a WebRTC stack with its default
# configuration then gathers candidates that reach nowhere but itself.
set -euo pipefail
ip link set lo up
ip link add mrv0 type veth peer name mrv1
ip addr add 10.213.0.1/24 dev mrv0
ip addr add 10.213.0.2/24 dev mrv1
ip link set mrv0 up
ip link set mrv1 up
links=$(ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort | tr '\n' ' ')
if [[ "$links" != "lo mrv0 mrv1 " ]]; then
  echo "not a private namespace: $links" >&2
  exit 3
fi
exec "$@"
