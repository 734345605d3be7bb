package core

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// A create_offer that cannot succeed in the signaling state fails and
// queues nothing: before, pion made an offer that set_local_description
// then refused, and a host relaying every description broke its connection.
func TestPeerCreateOfferWrongState(t *testing.T) {
	guard(t)
	a, b := newTestPeer(t), newTestPeer(t)
	mustChannel(t, a, "c", "")
	mustChannel(t, b, "c", "")
	if err := a.CreateOffer(); err != nil {
		t.Fatal(err)
	}
	ev, _ := a.NextEvent()
	if err := b.SetRemoteDescription(ev.SDPType, ev.SDP); err != nil {
		t.Fatal(err)
	}
	if b.SignalingState() != SignalingHaveRemoteOffer {
		t.Fatalf("signaling %d", b.SignalingState())
	}
	queued := b.PendingEvents()
	wantCode(t, "create_offer in HAVE_REMOTE_OFFER", b.CreateOffer(), CodeFailed)
	if b.PendingEvents() != queued {
		t.Fatalf("a refused create_offer queued %d events", b.PendingEvents()-queued)
	}
	// A second offer while one is out is a re-offer: allowed.
	if err := a.SetLocalDescription(ev.SDPType, ev.SDP); err != nil {
		t.Fatal(err)
	}
	if err := a.CreateOffer(); err != nil {
		t.Fatalf("re-offer in HAVE_LOCAL_OFFER: %v", err)
	}
}

// checkStateEvents checks p's state events of each kind: consecutive events
// differ, and the last one is the current state.
func checkStateEvents(t *testing.T, s *signal, p *Peer) {
	t.Helper()
	current := map[EventType]int32{
		EventConnectionStateChanged: int32(p.ConnectionState()),
		EventGatheringStateChanged:  int32(p.GatheringState()),
		EventSignalingStateChanged:  int32(p.SignalingState()),
	}
	for typ, now := range current {
		got := s.states(p, typ)
		if len(got) == 0 || got[len(got)-1] != now {
			t.Fatalf("event type %d: states %v, current %d", typ, got, now)
		}
		for i := 1; i < len(got); i++ {
			if got[i] == got[i-1] {
				t.Fatalf("event type %d: states %v repeat one", typ, got)
			}
		}
	}
}

// State events come in the order the states were entered (pion reports
// them from goroutines of their own, which used to reorder them), and the
// last event of each kind is the current state. Repeated: the reordering
// showed up about once in ten connections.
func TestPeerStateEventOrder(t *testing.T) {
	guard(t)
	for round := range 12 {
		a, b := newTestPeer(t), newTestPeer(t)
		mustChannel(t, a, "c", reliableOpts)
		mustChannel(t, b, "c", reliableOpts)
		s := newSignal(t, a, b)
		s.connect(a)
		s.until("gathering complete", func() bool {
			return a.GatheringState() == GatheringComplete && b.GatheringState() == GatheringComplete
		})
		s.pumpOne(a, b)
		s.pumpOne(b, a)
		for _, want := range []struct {
			p   *Peer
			sig []int32
		}{{a, []int32{1, 0}}, {b, []int32{2, 0}}} {
			if got := s.states(want.p, EventSignalingStateChanged); !slices.Equal(got, want.sig) {
				t.Fatalf("round %d: signaling events %v, want %v", round, got, want.sig)
			}
			if got := s.states(want.p, EventConnectionStateChanged); !slices.Equal(got, []int32{1, 2}) {
				t.Fatalf("round %d: connection events %v, want [CONNECTING CONNECTED]", round, got)
			}
			checkStateEvents(t, s, want.p)
		}
		a.Destroy()
		b.Destroy()
	}
}

// fillSendBuffer puts 16 KiB messages on ch until its buffered amount
// passes want (the remote does not read) and returns how many it put.
func fillSendBuffer(t *testing.T, s *signal, ch *Channel, want int64) int {
	t.Helper()
	msg := bytes.Repeat([]byte{'x'}, 16*1024)
	n := 0
	s.until(fmt.Sprintf("%d bytes buffered", want), func() bool {
		for range 64 {
			if err := ch.PutPacket(msg); err != nil {
				t.Fatalf("put %d: %v", n, err)
			}
			n++
		}
		return ch.BufferedAmount() > want
	})
	return n
}

// stalledReceiver is a configuration whose channels hold at most two packets
// unread: a reliable sender's buffer then grows while the host does not read.
var stalledReceiver = loopbackWith(`"receiveQueuePackets":2`)

// A dead remote (every packet lost) takes the connection through
// DISCONNECTED to FAILED; then its channels read CLOSED, put_packet fails
// with a message and nothing counts as buffered any more. Before, the
// channels stayed OPEN and put_packet kept accepting data.
func TestPeerDeadRemote(t *testing.T) {
	guard(t)
	w := newMeshWorld(t)
	v := w.useVnet(func(c *Config) {
		c.ICEDisconnectedTimeout = 300 * time.Millisecond
		c.ICEFailedTimeout = 600 * time.Millisecond
		c.ICEKeepalive = 100 * time.Millisecond
		c.ReceiveQueuePackets = 2
	})
	a, b := w.peer(), w.peer()
	ca, cb := mustChannel(t, a, "r", reliableOpts), mustChannel(t, b, "r", reliableOpts)
	un := mustChannel(t, a, "u", `{"negotiated":true,"id":2,"ordered":false,"maxRetransmits":0}`)
	mustChannel(t, b, "u", `{"negotiated":true,"id":2,"ordered":false,"maxRetransmits":0}`)
	s := newSignal(t, a, b)
	s.connect(a)
	s.until("open", open(ca, cb, un))

	v.lossPc.Store(100)
	fillSendBuffer(t, s, ca, 64*1024)
	s.until("a FAILED", func() bool { return a.ConnectionState() == ConnectionFailed })
	s.pumpOne(a, b)
	got := s.states(a, EventConnectionStateChanged)
	if !slices.Equal(got, []int32{1, 2, 3, 4}) {
		t.Fatalf("connection events %v, want [CONNECTING CONNECTED DISCONNECTED FAILED]", got)
	}
	for _, ch := range []*Channel{ca, un} {
		if ch.State() != ChannelClosed {
			t.Fatalf("channel %q of a FAILED connection reads %d, want CLOSED", ch.Label(), ch.State())
		}
		err := ch.PutPacket([]byte("x"))
		wantCode(t, "put on a FAILED connection", err, CodeFailed)
		if !strings.Contains(err.Error(), "failed") {
			t.Fatalf("message %q does not say the connection failed", err)
		}
		if n := ch.BufferedAmount(); n != 0 {
			t.Fatalf("buffered amount %d on a FAILED connection, want 0", n)
		}
	}
	// FAILED stays, even when the network comes back.
	v.lossPc.Store(0)
	w.wait(300 * time.Millisecond)
	if a.ConnectionState() != ConnectionFailed {
		t.Fatalf("state %d after the network came back, want FAILED to stay", a.ConnectionState())
	}
}

// Closing a peer drops what its channels had queued for sending, as the
// header says: the buffered amount is 0 at once (it kept ~11.5 MB).
func TestPeerCloseDropsBuffered(t *testing.T) {
	guard(t)
	s, ca, _ := connectedPair(t, "", stalledReceiver, reliableOpts)
	fillSendBuffer(t, s, ca, 1024*1024)
	s.a.Close()
	if n := ca.BufferedAmount(); n != 0 {
		t.Fatalf("buffered amount %d after peer close, want 0", n)
	}
	err := ca.PutPacket([]byte("x"))
	wantCode(t, "put after peer close", err, CodeFailed)
	if !strings.Contains(err.Error(), "closed") {
		t.Fatalf("message %q", err)
	}
}

// put_packet refuses data beyond sendBufferLimit with OUT_OF_MEMORY and
// queues nothing; every message it accepted arrives, in order, once the
// receiver reads again. Before, sending was unbounded (hundreds of MB).
func TestChannelSendBufferLimit(t *testing.T) {
	guard(t)
	const limit = 256 * 1024
	s, ca, cb := connectedPair(t, loopbackWith(fmt.Sprintf(`"sendBufferLimit":%d`, limit)), stalledReceiver, reliableOpts)
	var accepted int
	var refused error
	s.until("put refused", func() bool {
		for range 16 {
			msg := fmt.Appendf(bytes.Repeat([]byte{'.'}, 8*1024), "%08d", accepted)
			if refused = ca.PutPacket(msg); refused != nil {
				return true
			}
			accepted++
			if ca.BufferedAmount() > limit {
				t.Fatalf("buffered %d past the limit %d", ca.BufferedAmount(), limit)
			}
		}
		return false
	})
	wantCode(t, "put beyond the limit", refused, CodeOutOfMemory)
	if !strings.Contains(refused.Error(), "sendBufferLimit") {
		t.Fatalf("message %q does not name the option", refused)
	}
	got := s.recvAll(cb, accepted)
	for i, p := range got {
		if want := fmt.Sprintf("%08d", i); !bytes.HasPrefix(p.Data[8*1024:], []byte(want)) {
			t.Fatalf("message %d carries %q", i, p.Data[8*1024:])
		}
	}
	if _, err := cb.GetPacket(); err == nil {
		t.Fatal("a refused message arrived")
	}
	s.until("buffer drained", func() bool { return ca.BufferedAmount() == 0 })
	if err := ca.PutPacket([]byte("again")); err != nil {
		t.Fatalf("put after the buffer drained: %v", err)
	}
}

// tamper changes the value of the first SDP attribute line "a=<attr>:" in
// sdp so that it no longer matches (the last character is replaced).
func tamper(t *testing.T, sdp, attr string) string {
	t.Helper()
	re := regexp.MustCompile(`(?m)^a=` + attr + `:[^\r\n]*[^\r\n]`)
	loc := re.FindStringIndex(sdp)
	if loc == nil {
		t.Fatalf("no a=%s in the SDP", attr)
	}
	last := sdp[loc[1]-1]
	repl := byte('A')
	if last == 'A' {
		repl = 'B'
	}
	return sdp[:loc[1]-1] + string(repl) + sdp[loc[1]:]
}

// connectTampered connects a (offering) and b with the offer changed by
// edit on its way to b, and pumps until both connections are FAILED.
func connectTampered(t *testing.T, a, b *Peer, edit func(string) string) *signal {
	t.Helper()
	mustChannel(t, a, "c", reliableOpts)
	mustChannel(t, b, "c", reliableOpts)
	if err := a.CreateOffer(); err != nil {
		t.Fatal(err)
	}
	ev, _ := a.NextEvent()
	if err := a.SetLocalDescription(ev.SDPType, ev.SDP); err != nil {
		t.Fatal(err)
	}
	if err := b.SetRemoteDescription(ev.SDPType, edit(ev.SDP)); err != nil {
		t.Fatal(err)
	}
	s := newSignal(t, a, b)
	s.until("both FAILED", func() bool {
		return a.ConnectionState() == ConnectionFailed && b.ConnectionState() == ConnectionFailed
	})
	s.pumpOne(a, b)
	s.pumpOne(b, a)
	return s
}

// A wrong fingerprint fails the DTLS handshake: both sides report FAILED (a
// Godot host expects it), where one side used to go straight to CLOSED.
func TestPeerFingerprintMismatch(t *testing.T) {
	guard(t)
	a, b := newTestPeer(t), newTestPeer(t)
	s := connectTampered(t, a, b, func(sdp string) string { return tamper(t, sdp, "fingerprint") })
	w := time.Now().Add(500 * time.Millisecond)
	for time.Now().Before(w) {
		s.pumpOne(a, b)
		s.pumpOne(b, a)
		time.Sleep(5 * time.Millisecond)
	}
	for _, p := range []*Peer{a, b} {
		got := s.states(p, EventConnectionStateChanged)
		if got[len(got)-1] != int32(ConnectionFailed) || slices.Contains(got, int32(ConnectionClosed)) {
			t.Fatalf("connection events %v, want FAILED last and no CLOSED", got)
		}
		checkStateEvents(t, s, p)
	}
}

// A wrong ICE password fails every connectivity check: the connection is
// FAILED once the checks ran for the disconnected + failed timeouts (pion
// kept checking for about twice as long).
func TestPeerWrongICEPassword(t *testing.T) {
	guard(t)
	fast := loopbackWith(`"iceDisconnectedTimeoutMs":400,"iceFailedTimeoutMs":800`)
	a, b := newTestPeer(t, fast), newTestPeer(t, fast)
	start := time.Now()
	s := connectTampered(t, a, b, func(sdp string) string { return tamper(t, sdp, "ice-pwd") })
	t.Logf("both FAILED after %v (timeouts 0.4 + 0.8 s)", time.Since(start).Round(time.Millisecond))
	for _, p := range []*Peer{a, b} {
		got := s.states(p, EventConnectionStateChanged)
		if got[len(got)-1] != int32(ConnectionFailed) || slices.Contains(got, int32(ConnectionConnected)) {
			t.Fatalf("connection events %v, want FAILED last, never CONNECTED", got)
		}
	}
}

// The ICE defaults meshrtc names (it must pass all three to pion at once)
// are pion's own: read from the pion/ice source this module builds with.
func TestPionICEDefaults(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/pion/ice/v4").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	src, err := readFile(strings.TrimSpace(string(out)) + "/agent_config.go")
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]time.Duration{
		"defaultDisconnectedTimeout": pionICEDisconnectedTimeout,
		"defaultFailedTimeout":       pionICEFailedTimeout,
		"defaultKeepaliveInterval":   pionICEKeepalive,
	} {
		m := regexp.MustCompile(name + `\s*=\s*(\d+)\s*\*\s*time\.Second`).FindStringSubmatch(src)
		if m == nil {
			t.Fatalf("%s not found in pion/ice's agent_config.go", name)
		}
		if got := fmt.Sprintf("%ss", m[1]); got != want.String() {
			t.Fatalf("pion's %s is %s, meshrtc assumes %s", name, got, want)
		}
	}
}

func readFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	return string(b), err
}
