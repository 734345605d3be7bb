package server

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/meshrtc/meshrtc/core/lobby/protocol"
)

func TestCreateAndJoin(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		for _, mesh := range []bool{true, false} {
			h := newHarness(t, b, testConfig(t))
			name, clients, ids := h.lobbyOf(4, mesh)
			seen := map[int32]bool{}
			for _, id := range ids[1:] {
				if id < 2 || seen[id] {
					t.Errorf("ids %v: want distinct ids of 2 and up for the joiners", ids)
				}
				seen[id] = true
			}
			// Another lobby gets another code; its host is 1 too.
			other := h.dial()
			if code := other.create(!mesh); code == name {
				t.Errorf("two lobbies named %s", code)
			}
			_ = clients
		}
	})
}

func TestRelay(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		h := newHarness(t, b, testConfig(t))
		_, c, ids := h.lobbyOf(3, true)
		sdp := "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\na=x:\"quoted\" \\ é 日本\r\n"
		cand := protocol.ICECandidate{Mid: "0", Index: 0, SDP: "candidate:1 1 udp 2130706431 127.0.0.1 40000 typ host"}.Data()
		// Each type from a joiner to the host (id 1) and between joiners:
		// the receiver sees the sender's id.
		c[1].send(protocol.Offer, protocol.HostID, sdp)
		c[0].expect(protocol.Message{Type: protocol.Offer, ID: ids[1], Data: sdp})
		c[0].send(protocol.Answer, ids[1], sdp)
		c[1].expect(protocol.Message{Type: protocol.Answer, ID: protocol.HostID, Data: sdp})
		c[2].send(protocol.Candidate, ids[1], cand)
		c[1].expect(protocol.Message{Type: protocol.Candidate, ID: ids[2], Data: cand})

		// A peer of another lobby cannot be reached, and the sender stays:
		// the message is dropped (counted), like one to a peer that just left.
		_, d, dids := h.lobbyOf(2, true)
		c[1].send(protocol.Offer, dids[1], "to another lobby")
		c[1].send(protocol.Offer, 12345, "to nobody")
		c[1].send(protocol.Offer, ids[2], "after")
		c[2].expect(protocol.Message{Type: protocol.Offer, ID: ids[1], Data: "after"})
		d[0].send(protocol.Offer, dids[1], "inside")
		d[1].expect(protocol.Message{Type: protocol.Offer, ID: protocol.HostID, Data: "inside"})
		waitMetric(t, h, `meshrtc_lobby_rejects_total{reason="unknown_destination"}`, 2)
	})
}

func TestLeave(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		h := newHarness(t, b, testConfig(t))
		name, c, ids := h.lobbyOf(4, true)
		c[2].ws.Close(websocket.StatusNormalClosure, "bye")
		for _, i := range []int{0, 1, 3} {
			c[i].expect(protocol.Message{Type: protocol.PeerDisconnect, ID: ids[2]})
		}
		// The host leaves: everyone hears it, then is closed; the lobby is gone.
		c[0].ws.CloseNow()
		for _, i := range []int{1, 3} {
			c[i].expect(protocol.Message{Type: protocol.PeerDisconnect, ID: protocol.HostID})
			c[i].expectClose(protocol.CloseRefused, protocol.ReasonHostDisconnected)
		}
		late := h.dial()
		late.send(protocol.Join, protocol.JoinMesh, name)
		late.expectClose(protocol.CloseRefused, protocol.ReasonLobbyNotFound)
	})
}

func TestSeal(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		h := newHarness(t, b, testConfig(t))
		name, c, ids := h.lobbyOf(3, false)
		c[2].send(protocol.Seal, 0, "")
		c[2].expectClose(protocol.CloseRefused, protocol.ReasonOnlyHostCanSeal)
		c[0].send(protocol.Seal, 0, "")
		// Each member gets SEAL and c[2]'s leave, in either order.
		for _, i := range []int{0, 1} {
			var sealed, left bool
			for !sealed || !left {
				switch m := c[i].next(); {
				case m.Type == protocol.Seal && m.ID == 0 && !sealed:
					sealed = true
				case m.Type == protocol.PeerDisconnect && m.ID == ids[2] && !left:
					left = true
				default:
					t.Fatalf("client %d got %v %d, want SEAL and PEER_DISCONNECT %d", i, m.Type, m.ID, ids[2])
				}
			}
		}
		late := h.dial()
		late.send(protocol.Join, protocol.JoinMesh, name)
		late.expectClose(protocol.CloseRefused, protocol.ReasonLobbySealed)
		// SealDelay later, every member is closed and the lobby is gone.
		c[1].expectClose(protocol.CloseNormal, protocol.ReasonSealComplete)
		c[0].expectClose(protocol.CloseNormal, protocol.ReasonSealComplete)
		again := h.dial()
		again.send(protocol.Join, protocol.JoinMesh, name)
		again.expectClose(protocol.CloseRefused, protocol.ReasonLobbyNotFound)
	})
}

func TestJoinTimeout(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		cfg := testConfig(t)
		cfg.JoinTimeout = 200 * time.Millisecond
		h := newHarness(t, b, cfg)
		idle := h.dial()
		idle.expectClose(protocol.CloseRefused, protocol.ReasonNoLobby)
		// A client that joined in time stays past the timeout.
		host := h.dial()
		name := host.create(true)
		time.Sleep(2 * cfg.JoinTimeout)
		peer := h.dial()
		id := peer.join(name, true, protocol.HostID)
		host.expect(protocol.Message{Type: protocol.PeerConnect, ID: id})
	})
}

// TestIDsNotReused: a lobby never hands out an id twice, nor 1 to a joiner.
func TestIDsNotReused(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		h := newHarness(t, b, testConfig(t))
		host := h.dial()
		name := host.create(true)
		seen := map[int32]bool{protocol.HostID: true}
		for range 30 {
			c := h.dial()
			id := c.join(name, true, protocol.HostID)
			if seen[id] {
				t.Fatalf("id %d given out twice", id)
			}
			seen[id] = true
			host.expect(protocol.Message{Type: protocol.PeerConnect, ID: id})
			c.ws.CloseNow()
			host.expect(protocol.Message{Type: protocol.PeerDisconnect, ID: id})
		}
	})
}

func TestTURNCredentials(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		cfg := testConfig(t)
		cfg.TURN = TURNConfig{Secret: "s3cret", URLs: []string{"turn:127.0.0.1:3478?transport=udp"}, TTL: time.Hour}
		h := newHarness(t, b, cfg)
		before := time.Now()
		host := h.dial()
		host.send(protocol.Join, protocol.JoinMesh, "")
		name := host.next().Data
		host.expect(protocol.Message{Type: protocol.ID, ID: protocol.HostID, Data: "true"})
		checkTURN(t, host.next(), protocol.HostID, cfg.TURN, before)
		peer := h.dial()
		peer.send(protocol.Join, protocol.JoinMesh, name)
		peer.expect(protocol.Message{Type: protocol.Join, Data: name})
		id := peer.next()
		checkTURN(t, peer.next(), id.ID, cfg.TURN, before)
		peer.expectPeers(protocol.HostID)
	})
}

// checkTURN: m is a TURN message for peer id with coturn use-auth-secret
// credentials of cfg that expire TTL after the join.
func checkTURN(t *testing.T, m protocol.Message, id int32, cfg TURNConfig, before time.Time) {
	t.Helper()
	if m.Type != protocol.TURN || m.ID != id {
		t.Fatalf("got %v %d, want TURN for %d", m.Type, m.ID, id)
	}
	s, err := protocol.ParseICEServer(m.Data)
	if err != nil {
		t.Fatal(err)
	}
	expiry, peer, _ := strings.Cut(s.Username, ":")
	exp, err := strconv.ParseInt(expiry, 10, 64)
	if err != nil || peer != strconv.Itoa(int(id)) || exp < before.Add(cfg.TTL).Unix() || exp > time.Now().Add(cfg.TTL).Unix() {
		t.Errorf("username %q: want expiry:%d with expiry one TTL after the join", s.Username, id)
	}
	mac := hmac.New(sha1.New, []byte(cfg.Secret))
	mac.Write([]byte(s.Username))
	if s.Credential != base64.StdEncoding.EncodeToString(mac.Sum(nil)) || len(s.URLs) != 1 || s.URLs[0] != cfg.URLs[0] {
		t.Errorf("ICE server %+v: wrong credential or URLs", s)
	}
}

func TestLimits(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		t.Run("frame size", func(t *testing.T) {
			cfg := testConfig(t)
			cfg.MaxFrameBytes = 1000
			h := newHarness(t, b, cfg)
			_, c, ids := h.lobbyOf(2, true)
			c[1].send(protocol.Offer, protocol.HostID, strings.Repeat("x", 900))
			c[0].expect(protocol.Message{Type: protocol.Offer, ID: ids[1], Data: strings.Repeat("x", 900)})
			c[1].send(protocol.Offer, protocol.HostID, strings.Repeat("x", 1000))
			c[1].expectClose(int(websocket.StatusMessageTooBig), "read limited at 1001 bytes")
			c[0].expect(protocol.Message{Type: protocol.PeerDisconnect, ID: ids[1]})
		})
		t.Run("peers per lobby", func(t *testing.T) {
			cfg := testConfig(t)
			cfg.MaxPeersPerLobby = 3
			h := newHarness(t, b, cfg)
			name, _, _ := h.lobbyOf(3, true)
			extra := h.dial()
			extra.send(protocol.Join, protocol.JoinMesh, name)
			extra.expectClose(protocol.CloseRefused, protocol.ReasonLobbyFull)
		})
		t.Run("lobbies", func(t *testing.T) {
			cfg := testConfig(t)
			cfg.MaxLobbies = 2
			h := newHarness(t, b, cfg)
			h.lobbyOf(1, true)
			h.lobbyOf(1, false)
			extra := h.dial()
			extra.send(protocol.Join, protocol.JoinMesh, "")
			extra.expectClose(protocol.CloseRefused, protocol.ReasonTooManyLobbies)
		})
		t.Run("connections", func(t *testing.T) {
			cfg := testConfig(t)
			cfg.MaxConnections = 1
			h := newHarness(t, b, cfg)
			for range h.servers {
				h.dial().create(true) // one per instance
			}
			extra := h.dial()
			extra.expectClose(protocol.CloseRefused, protocol.ReasonTooManyPeers)
		})
		t.Run("message rate", func(t *testing.T) {
			cfg := testConfig(t)
			cfg.MessagesPerSecond, cfg.MessageBurst = 0.001, 4 // JOIN + 3
			h := newHarness(t, b, cfg)
			_, c, ids := h.lobbyOf(2, true)
			for i := range 4 {
				c[1].send(protocol.Candidate, protocol.HostID, strconv.Itoa(i))
			}
			for i := range 3 {
				c[0].expect(protocol.Message{Type: protocol.Candidate, ID: ids[1], Data: strconv.Itoa(i)})
			}
			c[1].expectClose(protocol.CloseRefused, protocol.ReasonTooManyMessages)
		})
		t.Run("joins per address", func(t *testing.T) {
			cfg := testConfig(t)
			cfg.JoinsPerSecond, cfg.JoinBurst = 0.001, 2
			h := newHarness(t, b, cfg)
			// The limit is per instance: all three on the first.
			host := dialURL(t, h.urls[0])
			name := host.create(true)
			dialURL(t, h.urls[0]).join(name, true, protocol.HostID)
			extra := dialURL(t, h.urls[0])
			extra.send(protocol.Join, protocol.JoinMesh, name)
			extra.expectClose(protocol.CloseRefused, protocol.ReasonTooManyJoins)
		})
	})
}

func TestMalformed(t *testing.T) {
	cases := []struct {
		name   string
		joined bool // sent after joining a lobby
		typ    websocket.MessageType
		frame  string
		reason string
	}{
		{"not JSON", false, websocket.MessageText, `{"type":0,`, protocol.ReasonInvalidFormat},
		{"array", false, websocket.MessageText, `[0,0,""]`, protocol.ReasonInvalidFormat},
		{"no id", false, websocket.MessageText, `{"type":0,"data":""}`, protocol.ReasonInvalidFormat},
		{"type as string", true, websocket.MessageText, `{"type":"4","id":1,"data":"x"}`, protocol.ReasonInvalidFormat},
		{"fractional id", true, websocket.MessageText, `{"type":4,"id":1.5,"data":"x"}`, protocol.ReasonInvalidFormat},
		{"negative id", true, websocket.MessageText, `{"type":4,"id":-1,"data":"x"}`, protocol.ReasonInvalidFormat},
		{"huge id", true, websocket.MessageText, `{"type":4,"id":4294967297,"data":"x"}`, protocol.ReasonInvalidFormat},
		{"data not a string", true, websocket.MessageText, `{"type":4,"id":1,"data":{"sdp":"x"}}`, protocol.ReasonInvalidFormat},
		{"binary frame", false, websocket.MessageBinary, `{"type":0,"id":0,"data":""}`, protocol.ReasonNotText},
		{"unknown type", true, websocket.MessageText, `{"type":9,"id":1,"data":""}`, protocol.ReasonInvalidCommand},
		{"server's ID", true, websocket.MessageText, `{"type":1,"id":1,"data":"true"}`, protocol.ReasonInvalidCommand},
		{"server's PEER_CONNECT", true, websocket.MessageText, `{"type":2,"id":1,"data":""}`, protocol.ReasonInvalidCommand},
		{"server's TURN", true, websocket.MessageText, `{"type":64,"id":1,"data":"{}"}`, protocol.ReasonInvalidCommand},
		{"offer before joining", false, websocket.MessageText, `{"type":4,"id":1,"data":"x"}`, protocol.ReasonNeedLobby},
		{"seal before joining", false, websocket.MessageText, `{"type":7,"id":0,"data":""}`, protocol.ReasonNeedLobby},
		{"second join", true, websocket.MessageText, `{"type":0,"id":0,"data":""}`, protocol.ReasonAlreadyInLobby},
		{"bad mode", false, websocket.MessageText, `{"type":0,"id":2,"data":""}`, protocol.ReasonInvalidMode},
		{"unknown lobby", false, websocket.MessageText, `{"type":0,"id":0,"data":"AAAAAAAAAAAAAAAA"}`, protocol.ReasonLobbyNotFound},
		{"not a lobby code", false, websocket.MessageText, `{"type":0,"id":0,"data":"../../etc/passwd"}`, protocol.ReasonLobbyNotFound},
		{"to peer 0", true, websocket.MessageText, `{"type":4,"id":0,"data":"x"}`, protocol.ReasonInvalidDest},
	}
	forBackends(t, func(t *testing.T, b backend) {
		h := newHarness(t, b, testConfig(t))
		name, bystanders, ids := h.lobbyOf(2, true)
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				c := h.dial()
				c.t = t
				if tc.joined {
					id := c.join(name, true, ids...)
					for _, b := range bystanders {
						b.expect(protocol.Message{Type: protocol.PeerConnect, ID: id})
					}
					defer func() {
						for _, b := range bystanders {
							b.expect(protocol.Message{Type: protocol.PeerDisconnect, ID: id})
						}
					}()
				}
				c.sendRaw(tc.typ, []byte(tc.frame))
				c.expectClose(protocol.CloseRefused, tc.reason)
			})
		}
		// To itself: the joiner's own id.
		self := h.dial()
		id := self.join(name, true, ids...)
		self.send(protocol.Offer, id, "x")
		self.expectClose(protocol.CloseRefused, protocol.ReasonInvalidDest)
		// The lobby still works.
		bystanders[1].send(protocol.Offer, protocol.HostID, "still here")
		for {
			m := bystanders[0].next()
			if m.Type == protocol.Offer {
				if m.ID != ids[1] || m.Data != "still here" {
					t.Fatalf("got %+v", m)
				}
				break
			}
		}
		waitMetric(t, h, `meshrtc_lobby_rejects_total{reason="malformed"}`, 8)
	})
}

func TestMetricsAndHealth(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		h := newHarness(t, b, testConfig(t))
		_, c, ids := h.lobbyOf(3, false)
		c[1].send(protocol.Offer, protocol.HostID, "x")
		c[0].expect(protocol.Message{Type: protocol.Offer, ID: ids[1], Data: "x"})
		c[0].send(protocol.Answer, ids[1], "y")
		c[1].expect(protocol.Message{Type: protocol.Answer, ID: protocol.HostID, Data: "y"})
		want := map[string]int64{
			"meshrtc_lobby_lobbies":                                     1,
			"meshrtc_lobby_peers":                                       3,
			"meshrtc_lobby_connections":                                 3,
			"meshrtc_lobby_messages_relayed_total":                      2,
			`meshrtc_lobby_rejects_total{reason="malformed"}`:           0,
			`meshrtc_lobby_rejects_total{reason="unknown_destination"}`: 0,
		}
		for name, v := range want {
			waitMetric(t, h, name, v)
		}
		for _, u := range h.urls {
			resp, err := http.Get("http" + strings.TrimPrefix(u, "ws") + "/healthz")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || string(body) != "ok\n" {
				t.Errorf("/healthz: %d %q", resp.StatusCode, body)
			}
		}
	})
}

// waitMetric waits until metric name (summed over the instances) is want:
// counters move just after the messages they count.
func waitMetric(t *testing.T, h *harness, name string, want int64) {
	t.Helper()
	deadline := time.Now().Add(hangGuard)
	got := metricValue(t, h, name)
	for got != want && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
		got = metricValue(t, h, name)
	}
	if got != want {
		t.Errorf("%s = %d, want %d", name, got, want)
	}
}

// metricValue is the sum of one metric over the harness's instances.
func metricValue(t *testing.T, h *harness, name string) int64 {
	t.Helper()
	var sum int64
	found := false
	for _, u := range h.urls {
		resp, err := http.Get("http" + strings.TrimPrefix(u, "ws") + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		for _, line := range strings.Split(string(body), "\n") {
			if v, ok := strings.CutPrefix(line, name+" "); ok {
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					t.Fatalf("%s: %v", line, err)
				}
				sum += n
				found = true
			}
		}
	}
	if !found {
		t.Fatalf("no metric %s", name)
	}
	return sum
}
