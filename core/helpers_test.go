package core

import (
	"fmt"
	"testing"
	"time"

	"github.com/pion/transport/v5/test"
)

// guard fails the test if goroutines outlive it or it runs over a minute.
// Register it first: cleanups run last-in first-out, so the leak check
// runs after every object the test registered is released.
func guard(t *testing.T) {
	t.Helper()
	t.Cleanup(test.CheckRoutines(t))
	timeout := test.TimeOut(60 * time.Second)
	t.Cleanup(func() { timeout.Stop() })
}

const loopbackConfig = `{"meshrtc":{"interfaces":["lo"],"includeLoopback":true,"mdns":"disabled","ipv6":false}}`

// newTestPeer returns a peer on loopback-only ICE, released when the test ends.
func newTestPeer(t *testing.T, extra ...string) *Peer {
	t.Helper()
	p := NewPeer()
	cfg := loopbackConfig
	if len(extra) > 0 {
		cfg = extra[0]
	}
	if err := initJSON(p, cfg); err != nil {
		t.Fatalf("initialize: %v", err)
	}
	t.Cleanup(p.Destroy)
	return p
}

// initJSON is meshrtc_peer_initialize: parse, then initialize.
func initJSON(p *Peer, configJSON string) error {
	cfg, err := ParseConfig(configJSON)
	if err != nil {
		return err
	}
	return p.Initialize(cfg)
}

// signal plays the host's part for two peers: it drains both event queues,
// forwarding descriptions and candidates, and collects received channels.
type signal struct {
	t        *testing.T
	a, b     *Peer
	received map[*Peer][]*Channel
	events   map[*Peer][]PeerEvent
}

func newSignal(t *testing.T, a, b *Peer) *signal {
	return &signal{t: t, a: a, b: b, received: map[*Peer][]*Channel{}, events: map[*Peer][]PeerEvent{}}
}

func (s *signal) pumpOne(from, to *Peer) {
	s.t.Helper()
	for ev, ok := from.NextEvent(); ok; ev, ok = from.NextEvent() {
		s.events[from] = append(s.events[from], ev)
		switch ev.Type {
		case EventSessionDescriptionCreated:
			if err := from.SetLocalDescription(ev.SDPType, ev.SDP); err != nil {
				s.t.Fatalf("set local: %v", err)
			}
			if err := to.SetRemoteDescription(ev.SDPType, ev.SDP); err != nil {
				s.t.Fatalf("set remote: %v", err)
			}
		case EventICECandidateCreated:
			if err := to.AddICECandidate(ev.Media, ev.Index, ev.Name); err != nil {
				s.t.Fatalf("add candidate: %v", err)
			}
		case EventDataChannelReceived:
			ev.Channel.Poll()
			s.received[from] = append(s.received[from], ev.Channel)
			s.t.Cleanup(ev.Channel.Destroy)
		}
	}
}

// until pumps events until cond holds, failing the test after 10 s.
func (s *signal) until(what string, cond func() bool) {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			s.t.Fatalf("timed out waiting for %s", what)
		}
		s.pumpOne(s.a, s.b)
		s.pumpOne(s.b, s.a)
		time.Sleep(2 * time.Millisecond)
	}
}

func mustChannel(t *testing.T, p *Peer, label, opts string) *Channel {
	t.Helper()
	o, err := ParseChannelOptions(opts)
	if err != nil {
		t.Fatalf("options %s: %v", opts, err)
	}
	ch, err := p.CreateDataChannel(label, o)
	if err != nil {
		t.Fatalf("create channel %s: %v", label, err)
	}
	return ch
}

func open(chs ...*Channel) func() bool {
	return func() bool {
		for _, c := range chs {
			if c.State() != ChannelOpen {
				return false
			}
		}
		return true
	}
}

// loopbackWith is loopbackConfig with more "meshrtc" options (a JSON object
// body without braces, e.g. `"receiveQueuePackets":8`). The four loopback
// settings of loopbackConfig are always kept.
func loopbackWith(options string) string {
	return `{"meshrtc":{"interfaces":["lo"],"includeLoopback":true,"mdns":"disabled","ipv6":false,` + options + `}}`
}

// wantCode fails the test unless err carries the Godot code want.
func wantCode(t *testing.T, what string, err error, want Code) {
	t.Helper()
	if got := CodeOf(err); got != want {
		t.Fatalf("%s: code %d (%v), want %d", what, got, err, want)
	}
}

// connect makes offerer create the offer and pumps until both peers are CONNECTED.
func (s *signal) connect(offerer *Peer) {
	s.t.Helper()
	if err := offerer.CreateOffer(); err != nil {
		s.t.Fatalf("create offer: %v", err)
	}
	s.until("both peers connected", func() bool {
		return s.a.ConnectionState() == ConnectionConnected && s.b.ConnectionState() == ConnectionConnected
	})
}

// receivedChannel pumps until p has received an in-band channel named label.
func (s *signal) receivedChannel(p *Peer, label string) *Channel {
	s.t.Helper()
	var found *Channel
	s.until("channel "+label+" received", func() bool {
		for _, ch := range s.received[p] {
			if ch.Label() == label {
				found = ch
				return true
			}
		}
		return false
	})
	return found
}

// states lists the State of every event of type typ that p emitted so far.
func (s *signal) states(p *Peer, typ EventType) []int32 {
	var out []int32
	for _, ev := range s.events[p] {
		if ev.Type == typ {
			out = append(out, ev.State)
		}
	}
	return out
}

// closed reports whether every channel is CLOSED.
func closed(chs ...*Channel) func() bool {
	return func() bool {
		for _, c := range chs {
			if c.State() != ChannelClosed {
				return false
			}
		}
		return true
	}
}

// recvAll pumps until n packets have been taken from ch and returns them.
func (s *signal) recvAll(ch *Channel, n int) []Packet {
	s.t.Helper()
	var got []Packet
	s.until(fmt.Sprintf("%d packets on %q", n, ch.Label()), func() bool {
		for len(got) < n {
			p, err := ch.GetPacket()
			if err != nil {
				break
			}
			got = append(got, p)
		}
		return len(got) >= n
	})
	return got
}

// openReliablePair connects two loopback peers (configured as newTestPeer
// does) with a negotiated reliable channel (id 1) and returns them once
// both ends are open.
func openReliablePair(t *testing.T, config ...string) (a, b *Peer, ca, cb *Channel, s *signal) {
	t.Helper()
	a, b = newTestPeer(t, config...), newTestPeer(t, config...)
	ca = mustChannel(t, a, "r", `{"negotiated":true,"id":1}`)
	cb = mustChannel(t, b, "r", `{"negotiated":true,"id":1}`)
	s = newSignal(t, a, b)
	s.connect(a)
	s.until("open", open(ca, cb))
	return a, b, ca, cb, s
}
