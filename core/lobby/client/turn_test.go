package client

import (
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/logging"
	"github.com/pion/turn/v5"

	"github.com/meshrtc/meshrtc/core"
	"github.com/meshrtc/meshrtc/core/lobby/server"
)

const turnSecret = "test-only-turn-secret"

// relayPeers makes the connections use TURN relay candidates only, and
// fail fast when they cannot connect.
const relayPeers = `{"peerConfig":{"iceServers":[],"iceTransportPolicy":"relay","meshrtc":{"interfaces":["lo"],"includeLoopback":true,` +
	`"mdns":"disabled","ipv6":false,"relayAcceptanceWaitMs":0,"iceDisconnectedTimeoutMs":500,"iceFailedTimeoutMs":500}}}`

// turnServer runs pion/turn on 127.0.0.1 with coturn's use-auth-secret
// scheme (the TURN REST API) and counts the allocations' credential checks.
type turnServer struct {
	url              string
	granted, refused atomic.Int64
}

func startTURN(t *testing.T) *turnServer {
	t.Helper()
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts := &turnServer{url: "turn:" + conn.LocalAddr().String() + "?transport=udp"}
	logs := logging.NewDefaultLoggerFactory()
	logs.DefaultLogLevel = logging.LogLevelDisabled
	check := turn.LongTermTURNRESTAuthHandler(turnSecret, logs.NewLogger("turn"))
	srv, err := turn.NewServer(turn.ServerConfig{
		Realm:         "meshrtc.test",
		LoggerFactory: logs,
		AuthHandler: func(ra *turn.RequestAttributes) (string, []byte, bool) {
			user, key, ok := check(ra)
			if ok {
				ts.granted.Add(1)
			} else {
				ts.refused.Add(1)
			}
			return user, key, ok
		},
		PacketConnConfigs: []turn.PacketConnConfig{{
			PacketConn:            conn,
			RelayAddressGenerator: &turn.RelayAddressGeneratorStatic{RelayAddress: net.ParseIP("127.0.0.1"), Address: "127.0.0.1"},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return ts
}

func turnLobby(t *testing.T, ts *turnServer, ttl time.Duration) string {
	url, _ := startServer(t, func(c *server.Config) {
		c.TURN = server.TURNConfig{Secret: turnSecret, URLs: []string{ts.url}, TTL: ttl}
	})
	return url
}

// TestTURNRelay: the lobby's TURN credentials go into the connections'
// iceServers: relay-only connections connect through the TURN server.
func TestTURNRelay(t *testing.T) {
	guard(t)
	ts := startTURN(t)
	w := &world{t: t}
	members := w.lobbyOf(turnLobby(t, ts, time.Hour), 2, true, relayPeers)
	for _, m := range members {
		other := members[0]
		if m == other {
			other = members[1]
		}
		p, err := m.c.Mesh().GetPeer(other.id())
		if err != nil {
			t.Fatal(err)
		}
		if st := p.Connection.Stats(); st.LocalCandidate != core.CandidateRelay || st.RemoteCandidate != core.CandidateRelay {
			t.Errorf("%s: selected pair %v/%v, want relay/relay", m.name, st.LocalCandidate, st.RemoteCandidate)
		}
	}
	members[0].sendTo(members[1].id(), "relayed")
	w.waitFor("a relayed packet", func() bool { return members[1].gotFrom(1, "relayed") })
	if ts.granted.Load() == 0 || ts.refused.Load() != 0 {
		t.Errorf("TURN credential checks: %d granted, %d refused", ts.granted.Load(), ts.refused.Load())
	}
}

// TestTURNExpired: credentials past their expiry are refused by the TURN
// server, so relay-only connections cannot connect; the mesh drops them
// without ever announcing them.
func TestTURNExpired(t *testing.T) {
	guard(t)
	ts := startTURN(t)
	w := &world{t: t}
	url := turnLobby(t, ts, time.Second)
	host := w.dial(url, relayPeers)
	if err := host.c.Join("", true); err != nil {
		t.Fatal(err)
	}
	w.waitFor("the host's id", func() bool { return host.id() != 0 })
	host.c.mu.Lock()
	username := host.c.turn[0].Username
	host.c.mu.Unlock()
	expiry, err := strconv.ParseInt(strings.Split(username, ":")[0], 10, 64)
	if err != nil || !strings.HasSuffix(username, ":1") {
		t.Fatalf("TURN username %q, want expiry:1", username)
	}
	for time.Now().Unix() <= expiry {
		time.Sleep(50 * time.Millisecond) // until the host's credentials have expired
	}
	joined, _ := host.find(EventJoined, 0)
	guest := w.dial(url, relayPeers)
	if err := guest.c.Join(joined.Text, true); err != nil {
		t.Fatal(err)
	}
	w.waitFor("both gave up the connection", func() bool {
		return guest.id() != 0 && host.has(EventPeerJoined, guest.id()) && !host.c.Mesh().HasPeer(guest.id()) && !guest.c.Mesh().HasPeer(1)
	})
	for _, m := range []*member{host, guest} {
		if len(m.mesh) != 0 {
			t.Errorf("%s: mesh events %v, want none", m.name, m.mesh)
		}
	}
	if ts.refused.Load() == 0 {
		t.Errorf("the TURN server refused no credentials (%d granted)", ts.granted.Load())
	}
	t.Logf("TURN credential checks: %d granted, %d refused", ts.granted.Load(), ts.refused.Load())
}
