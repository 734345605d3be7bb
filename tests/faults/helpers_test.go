//go:build faults

package faults

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/meshrtc/meshrtc/core"
	"github.com/meshrtc/meshrtc/tests/bench/benchkit"
	"github.com/meshrtc/meshrtc/tests/faults/relay"
	"github.com/pion/transport/v5/test"
)

// guard fails the test if goroutines outlive it or it runs over limit.
// Register it first: cleanups run last-in first-out, so the leak check
// runs after everything the test registered is released.
func guard(t *testing.T, limit time.Duration) {
	t.Helper()
	t.Cleanup(test.CheckRoutines(t))
	timeout := test.TimeOut(limit)
	t.Cleanup(func() { timeout.Stop() })
}

// loopbackConfig is loopback-only ICE plus more "meshrtc" options (a JSON
// object body without braces, may be empty).
func loopbackConfig(options string) string {
	if options != "" {
		options = "," + options
	}
	return `{"meshrtc":{"interfaces":["lo"],"includeLoopback":true,"mdns":"disabled","ipv6":false` + options + `}}`
}

// newRelay starts a relay closed when the test ends.
func newRelay(t *testing.T, cfg relay.Config) *relay.Relay {
	t.Helper()
	r, err := relay.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return r
}

// pair is two peers whose only path is the relay, each with a reliable
// ordered channel (id 1) and an unordered channel without retransmissions
// (id 2), both negotiated.
type pair struct {
	t          *testing.T
	r          *relay.Relay
	peers      [2]*core.Peer // indexed by relay.Side
	rel, unrel [2]*core.Channel
}

// connectPair connects two peers configured with configJSON through r and
// waits until all four channels are open.
func connectPair(t *testing.T, r *relay.Relay, configJSON string) *pair {
	t.Helper()
	p := &pair{t: t, r: r, peers: newPeers(t, configJSON)}
	for s, peer := range p.peers {
		p.rel[s] = newChannel(t, peer, "reliable", `{"negotiated":true,"id":1}`)
		p.unrel[s] = newChannel(t, peer, "unreliable", `{"negotiated":true,"id":2,"ordered":false,"maxRetransmits":0}`)
	}
	if err := p.peers[relay.A].CreateOffer(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second) // DTLS and SCTP set-up go through the lossy relay too
	for !p.open() {
		if time.Now().After(deadline) {
			t.Fatalf("channels not open after 60 s (relay A→B %+v, B→A %+v)", r.Stats(relay.A), r.Stats(relay.B))
		}
		p.pump()
		time.Sleep(2 * time.Millisecond)
	}
	return p
}

// newPeers makes the two peers of a pair, configured with configJSON and
// released when the test ends.
func newPeers(t *testing.T, configJSON string) [2]*core.Peer {
	t.Helper()
	cfg, err := core.ParseConfig(configJSON)
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	var peers [2]*core.Peer
	for s := range peers {
		peers[s] = core.NewPeer()
		if err := peers[s].Initialize(cfg); err != nil {
			t.Fatalf("initialize: %v", err)
		}
		t.Cleanup(peers[s].Destroy)
	}
	return peers
}

func newChannel(t *testing.T, p *core.Peer, label, opts string) *core.Channel {
	t.Helper()
	o, err := core.ParseChannelOptions(opts)
	if err != nil {
		t.Fatal(err)
	}
	ch, err := p.CreateDataChannel(label, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ch.Destroy)
	return ch
}

func (p *pair) open() bool {
	for s := range p.peers {
		if p.rel[s].State() != core.ChannelOpen || p.unrel[s].State() != core.ChannelOpen {
			return false
		}
	}
	return true
}

// pump plays the host's signaling for both sides: descriptions as they
// are, candidates rewritten by the relay (the others dropped).
func (p *pair) pump() {
	p.t.Helper()
	sides := map[*core.Peer]relay.Side{p.peers[relay.A]: relay.A, p.peers[relay.B]: relay.B}
	pumpSignaling(p.t, p.peers, func(from *core.Peer, name string) (string, bool) {
		return p.r.Candidate(sides[from], name)
	})
}

// pumpSignaling plays the host's signaling for two peers once in each
// direction (benchkit.Signal; candidate may be nil).
func pumpSignaling(t *testing.T, peers [2]*core.Peer, candidate func(*core.Peer, string) (string, bool)) {
	t.Helper()
	for from := range peers {
		if _, err := benchkit.Signal(peers[from], peers[1-from], candidate); err != nil {
			t.Fatalf("signaling: %v", err)
		}
	}
}

// message is the i-th message of a transfer: a size in [minSize, maxSize]
// and content drawn from i alone, so the receiver can check it without
// keeping what was sent.
func message(i, minSize, maxSize int) []byte {
	var seed [32]byte
	binary.LittleEndian.PutUint64(seed[:], uint64(i))
	rng := rand.NewChaCha8(seed)
	data := make([]byte, minSize+int(rng.Uint64()%uint64(maxSize-minSize+1)))
	_, _ = rng.Read(data)
	return data
}
