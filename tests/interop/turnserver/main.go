// Command turnserver is the embedded pion/turn server of meshrtc's interop
// tests (tests/interop/run.sh, test turn-pion-*): a TURN server on UDP with
// one static long-term user, relaying on the listen address only.
//
// It prints "ready <addr>" once listening, stops on SIGINT/SIGTERM or after
// -lifetime, and prints how many allocations it made and refused.
//
//	go run ./tests/interop/turnserver -listen 127.0.0.1:3479 -user u=p
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/pion/logging"
	"github.com/pion/turn/v5"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:3479", "UDP address to listen on; relays use its IP")
	user := flag.String("user", "meshrtc=secret", "the one long-term user, as name=password")
	realm := flag.String("realm", "meshrtc.test", "realm")
	lifetime := flag.Duration("lifetime", 5*time.Minute, "exit after this long even if not told to")
	flag.Parse()

	if err := run(*listen, *user, *realm, *lifetime); err != nil {
		fmt.Fprintln(os.Stderr, "turnserver:", err)
		os.Exit(1)
	}
}

func run(listen, user, realm string, lifetime time.Duration) error {
	name, password, ok := strings.Cut(user, "=")
	if !ok || name == "" {
		return fmt.Errorf("-user must be name=password, got %q", user)
	}
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return err
	}
	relayIP := net.ParseIP(host)
	if relayIP == nil || !relayIP.IsLoopback() {
		return fmt.Errorf("-listen must be a loopback IP address (the tests never leave loopback), got %q", listen)
	}
	conn, err := net.ListenPacket("udp4", listen) // nolint: noctx
	if err != nil {
		return err
	}
	key := turn.GenerateAuthKey(name, realm, password)
	var granted, refused atomic.Int64
	logs := logging.NewDefaultLoggerFactory()
	logs.DefaultLogLevel = logging.LogLevelWarn
	server, err := turn.NewServer(turn.ServerConfig{
		Realm:         realm,
		LoggerFactory: logs,
		AuthHandler: func(ra *turn.RequestAttributes) (string, []byte, bool) {
			if ra.Username != name {
				refused.Add(1)
				return "", nil, false
			}
			granted.Add(1)
			return ra.Username, key, true
		},
		PacketConnConfigs: []turn.PacketConnConfig{{
			PacketConn: conn,
			RelayAddressGenerator: &turn.RelayAddressGeneratorStatic{
				RelayAddress: relayIP,
				Address:      host,
			},
		}},
	})
	if err != nil {
		return err
	}
	fmt.Printf("ready %s\n", conn.LocalAddr())

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	select {
	case s := <-sigs:
		fmt.Printf("stopping on %v\n", s)
	case <-time.After(lifetime):
		fmt.Printf("stopping after %v\n", lifetime)
	}
	fmt.Printf("auth lookups: %d for the known user, %d for unknown users\n", granted.Load(), refused.Load())
	return server.Close()
}
