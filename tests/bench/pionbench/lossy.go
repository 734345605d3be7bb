package main

import (
	"fmt"
	"sync"
	"time"

	"github.com/meshrtc/meshrtc/tests/bench/benchkit"
	"github.com/meshrtc/meshrtc/tests/faults/relay"
	"github.com/pion/webrtc/v4"
)

// benchLossy is corebench's lossy metric on raw pion (its default SCTP
// settings): the messages go through the relay from side 0 to side 1.
func benchLossy() error { return opt.Lossy(impl(), lossyTransfer) }

func lossyTransfer(r *relay.Relay, n int, bound time.Duration) (benchkit.LossyResult, error) {
	var res benchkit.LossyResult
	viaRelay = func(side int, c webrtc.ICECandidateInit) (webrtc.ICECandidateInit, bool) {
		var ok bool
		c.Candidate, ok = r.Candidate(relay.Side(side), c.Candidate)
		return c, ok
	}
	l, err := newLink(newAPI(), pairChannels)
	if err != nil {
		return res, err
	}
	defer l.close()
	if err := l.wait(60 * time.Second); err != nil {
		return res, err
	}
	var (
		mu      sync.Mutex
		failure error
	)
	done := make(chan struct{})
	onReceive(l, 0, func(b []byte) {
		mu.Lock()
		defer mu.Unlock()
		if failure == nil {
			failure = benchkit.LossyCheck(res.Delivered, b)
		}
		res.Delivered++
		res.Bytes += int64(len(b))
		if res.Delivered == n {
			close(done)
		}
	})
	s := newSender(l, 0, benchkit.LossyWindow, benchkit.LossyMaxSize)
	t0 := time.Now()
	go func() {
		for i := 0; i < n; i++ {
			if s.send(benchkit.LossyMessage(i)) != nil {
				return // closed at the end of a stalled run
			}
		}
	}()
	select {
	case <-done:
	case <-time.After(bound):
	}
	mu.Lock()
	defer mu.Unlock()
	res.Elapsed = time.Since(t0)
	if failure != nil {
		return res, failure
	}
	if res.Delivered > n {
		return res, fmt.Errorf("%d messages delivered of %d sent", res.Delivered, n)
	}
	return res, nil
}
