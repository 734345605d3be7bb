package main

import (
	"fmt"
	"time"

	"github.com/meshrtc/meshrtc/core"
	"github.com/meshrtc/meshrtc/tests/bench/benchkit"
	"github.com/meshrtc/meshrtc/tests/faults/relay"
)

// benchLossy sends the lossy metric's messages from a to b through the
// relay, with the host loop of throughput.
func benchLossy() error { return opt.Lossy(impl, lossyTransfer) }

func lossyTransfer(r *relay.Relay, n int, bound time.Duration) (benchkit.LossyResult, error) {
	var res benchkit.LossyResult
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
		return res, err
	}
	defer closePair(a, b)
	sent := 0
	next := benchkit.LossyMessage(0)
	t0 := time.Now()
	for res.Delivered < n && time.Since(t0) < bound {
		progress := false
		for sent < n && a.rel.BufferedAmount()+int64(len(next)) <= benchkit.LossyWindow {
			if err := a.rel.PutPacket(next); err != nil {
				return res, err
			}
			sent++
			next = benchkit.LossyMessage(sent)
			progress = true
		}
		for p, err := b.rel.GetPacket(); err == nil; p, err = b.rel.GetPacket() {
			if err := benchkit.LossyCheck(res.Delivered, p.Data); err != nil {
				return res, err
			}
			res.Delivered++
			res.Bytes += int64(len(p.Data))
			progress = true
		}
		if err := pump(a.peer, b.peer); err != nil {
			return res, err
		}
		if err := pump(b.peer, a.peer); err != nil {
			return res, err
		}
		if !progress {
			idle()
		}
	}
	if a.rel.State() != core.ChannelOpen {
		return res, fmt.Errorf("channel closed after %d of %d messages", res.Delivered, n)
	}
	res.Elapsed = time.Since(t0)
	return res, nil
}
