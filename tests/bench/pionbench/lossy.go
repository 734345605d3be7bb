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
// settings): -n reliable messages (benchkit.LossyMessage) through a relay
// losing -loss % of the datagrams each way.
func benchLossy() error {
	n := benchkit.OrDefault(*count, 2000)
	r, err := benchkit.LossyRelay(*lossPct)
	if err != nil {
		return err
	}
	defer func() { _ = r.Close() }()
	viaRelay = func(side int, c webrtc.ICECandidateInit) (webrtc.ICECandidateInit, bool) {
		var ok bool
		c.Candidate, ok = r.Candidate(relay.Side(side), c.Candidate)
		return c, ok
	}
	l, err := newLink(newAPI(), pairChannels)
	if err != nil {
		return err
	}
	defer l.close()
	if err := l.wait(60 * time.Second); err != nil {
		return err
	}
	var (
		mu        sync.Mutex
		delivered int
		bytes     int64
		failure   error
	)
	done := make(chan struct{})
	onReceive(l, 0, func(b []byte) {
		mu.Lock()
		defer mu.Unlock()
		if failure == nil {
			failure = benchkit.LossyCheck(delivered, b)
		}
		delivered++
		bytes += int64(len(b))
		if delivered == n {
			close(done)
		}
	})
	s := newSender(l, 0, benchkit.LossyWindow, benchkit.LossyMaxSize)
	t0 := time.Now()
	bound := time.After(time.Duration(*boundS) * time.Second)
	go func() {
		for i := 0; i < n; i++ {
			if s.send(benchkit.LossyMessage(i)) != nil {
				return // closed at the end of a stalled run
			}
		}
	}()
	select {
	case <-done:
	case <-bound:
	}
	mu.Lock()
	defer mu.Unlock()
	if failure != nil {
		return failure
	}
	if delivered > n {
		return fmt.Errorf("%d messages delivered of %d sent", delivered, n)
	}
	benchkit.EmitLossy(impl(), *round, *lossPct, n, delivered, bytes, time.Since(t0), r)
	return nil
}
