package core

import (
	"errors"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pion/transport/v5/test"
)

// fuzzGuard is guard for fuzz targets: the leak check runs when the target
// ends (after the seed corpus under go test, or when a fuzzing worker stops)
// and counts goroutines, as pion's checks do not know a fuzz target's own.
// Its hang guard is per input (hangGuard): a fuzzing run has no time limit.
func fuzzGuard(f *testing.F) {
	f.Helper()
	check := goroutineCeiling(0)
	f.Cleanup(func() { check(f) })
}

// hangGuard makes an input that runs over 30 s panic, which go test reports
// as a crasher with that input (the fuzzer itself never times an input out).
func hangGuard(t *testing.T) {
	timer := test.TimeOut(30 * time.Second)
	t.Cleanup(func() { timer.Stop() })
}

// wantCoded fails t unless err is nil or a library error (a wrapped
// sentinel of errors.go) whose Godot code is one of codes: never a bare
// error from a dependency, which the C ABI could only report as FAILED.
func wantCoded(t *testing.T, what string, err error, codes ...Code) {
	t.Helper()
	var e *Error
	if err != nil && (!errors.As(err, &e) || !slices.Contains(codes, CodeOf(err))) {
		t.Fatalf("%s: error %q (code %d), want a library error with a code in %v", what, err, CodeOf(err), codes)
	}
}

// goroutineCeiling returns a check that fails t when the process runs more
// goroutines than now plus slack for a few seconds: objects a fuzz target
// reuses or re-initializes input after input must not accumulate them.
func goroutineCeiling(slack int) func(t testing.TB) {
	limit := len(goroutines()) + slack
	return func(t testing.TB) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for runtime.NumGoroutine() > limit && len(goroutines()) > limit {
			if time.Now().After(deadline) {
				stacks := goroutines()
				t.Fatalf("%d goroutines, more than %d:\n%s", len(stacks), limit, strings.Join(stacks, "\n\n"))
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// goroutines returns the stacks of the running goroutines but the signal
// handler's, which the fuzzing engine starts during a run.
func goroutines() []string {
	buf := make([]byte, 1<<20)
	var stacks []string
	for _, stack := range strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
		if !strings.Contains(stack, "os/signal.signal_recv") {
			stacks = append(stacks, stack)
		}
	}
	return stacks
}

// fuzzPeer is a connection on loopback-only ICE for fuzz targets (nothing
// probes a real interface), released when the target ends. Re-initializing
// it (reset) is much cheaper than making a new peer.
type fuzzPeer struct {
	*Peer
	cfg Config
}

func newFuzzPeer(f *testing.F) *fuzzPeer {
	f.Helper()
	p := &fuzzPeer{Peer: &Peer{log: Logs.NewLogger("peer")}, cfg: parsedLoopback()}
	if err := p.Initialize(p.cfg); err != nil {
		f.Fatalf("initialize: %v", err)
	}
	f.Cleanup(p.Destroy)
	return p
}

// reset starts a new connection on the same loopback-only configuration.
func (p *fuzzPeer) reset(t *testing.T) {
	t.Helper()
	if err := p.Initialize(p.cfg); err != nil {
		t.Fatalf("re-initialize: %v", err)
	}
}

// drain takes every queued event and returns them.
func (p *fuzzPeer) drain() []PeerEvent {
	var evs []PeerEvent
	for ev, ok := p.NextEvent(); ok; ev, ok = p.NextEvent() {
		if ev.Channel != nil {
			ev.Channel.Destroy()
		}
		evs = append(evs, ev)
	}
	return evs
}
