# coturn for the tests that relay through it (tests/interop turn-coturn,
# tests/lobby turn; sourced). coturn_config FILE DIR PORT AUTH...: writes a
# turnserver.conf to FILE for a foreground turnserver on 127.0.0.1:PORT
# (UDP, no TLS, relays on 127.0.0.1 ports 49160-49200, loopback peers
# allowed: without allow-loopback-peers coturn answers 403 Forbidden IP),
# its pid file and user database in DIR, its log on stdout; AUTH are the
# lines that choose how it checks credentials (e.g. lt-cred-mech and a
# user=, or use-auth-secret and static-auth-secret=), each an argument.
coturn_config() {
  local file=$1 dir=$2 port=$3
  shift 3
  {
    echo "# coturn for a meshrtc test: loopback only, no TLS."
    echo "listening-ip=127.0.0.1"
    echo "relay-ip=127.0.0.1"
    echo "listening-port=$port"
    echo "min-port=49160"
    echo "max-port=49200"
    printf '%s\n' "$@"
    echo "realm=meshrtc.test"
    echo "fingerprint"
    echo "no-tls"
    echo "no-dtls"
    echo "no-cli"
    echo "no-tcp-relay"
    echo "allow-loopback-peers"
    echo "no-multicast-peers"
    echo "pidfile=$dir/turnserver.pid"
    echo "userdb=$dir/turndb"
    echo "log-file=stdout"
    echo "simple-log"
  } >"$file"
}
