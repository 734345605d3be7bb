package main

import (
	"fmt"
	"time"

	"github.com/meshrtc/meshrtc/core"
	"github.com/meshrtc/meshrtc/tests/bench/benchkit"
	"github.com/meshrtc/meshrtc/tests/faults/relay"
)

// benchLossy sends -n reliable messages (benchkit.LossyMessage) from a to b
// through a relay losing -loss % of the datagrams, with the host loop of
// throughput, and reports time and goodput (benchkit.EmitLossy).
func benchLossy() error {
	n := benchkit.OrDefault(*count, 2000)
	r, err := benchkit.LossyRelay(*lossPct)
	if err != nil {
		return err
	}
	defer func() { _ = r.Close() }()
	// Which peer is side A does not matter (the link is the same both ways):
	// the first to send a candidate is.
	sides := map[*core.Peer]relay.Side{}
	viaRelay = func(from *core.Peer, candidate string) (string, bool) {
		if _, ok := sides[from]; !ok {
			sides[from] = relay.Side(len(sides))
		}
		return r.Candidate(sides[from], candidate)
	}
	a, b, err := openPair()
	if err != nil {
		return err
	}
	defer closePair(a, b)
	sent, delivered, bytes := 0, 0, int64(0)
	next := benchkit.LossyMessage(0)
	t0 := time.Now()
	deadline := t0.Add(time.Duration(*boundS) * time.Second)
	for delivered < n && time.Now().Before(deadline) {
		progress := false
		for sent < n && a.rel.BufferedAmount()+int64(len(next)) <= benchkit.LossyWindow {
			if err := a.rel.PutPacket(next); err != nil {
				return err
			}
			sent++
			next = benchkit.LossyMessage(sent)
			progress = true
		}
		for p, err := b.rel.GetPacket(); err == nil; p, err = b.rel.GetPacket() {
			if err := benchkit.LossyCheck(delivered, p.Data); err != nil {
				return err
			}
			delivered++
			bytes += int64(len(p.Data))
			progress = true
		}
		if err := pump(a.peer, b.peer); err != nil {
			return err
		}
		if err := pump(b.peer, a.peer); err != nil {
			return err
		}
		if !progress {
			idle()
		}
	}
	if a.rel.State() != core.ChannelOpen {
		return fmt.Errorf("channel closed after %d of %d messages", delivered, n)
	}
	benchkit.EmitLossy("meshrtc-go", *round, *lossPct, n, delivered, bytes, time.Since(t0), r)
	return nil
}
