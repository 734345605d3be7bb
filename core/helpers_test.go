package core

import (
	"testing"
	"time"

	"github.com/pion/transport/v4/test"
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
	if err := p.Initialize(cfg); err != nil {
		t.Fatalf("initialize: %v", err)
	}
	t.Cleanup(p.Release)
	return p
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
			s.t.Cleanup(ev.Channel.release)
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
