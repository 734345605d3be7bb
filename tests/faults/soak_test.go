//go:build faults

package faults

import (
	"fmt"
	"math"
	"runtime"
	"testing"
	"time"

	"github.com/meshrtc/meshrtc/core"
	"github.com/meshrtc/meshrtc/tests/bench/benchkit"
)

// The soak: an 8-peer full mesh, every peer broadcasting 100 reliable and
// 100 unreliable packets a second (benchkit.SoakMesh), 1,500 broadcasts of
// warm-up (15 s when the host keeps up) then 4,500 measured (45 s; counted,
// not timed, so that a slow machine changes the duration, not what is
// measured). Each sample is the least of five, each taken once
// every reliable packet sent has been taken and 1 s more without traffic
// has passed: nothing is in flight.
//
// The bound is on the live heap outside pion's packet buffers, which grow to
// the largest backlog their reader goroutine ever had and never shrink
// (bounded by pion at 1 MB each; see benchkit.MemSample.PionBuffers): how far
// they grow depends on how starved for CPU the machine is, not on a leak.
// The rest may grow by soakHeapBudget: the measured part takes up to
// 504,000 packets (252,000 reliable), so a leak of 1 byte per packet, or of
// the 8 kB/s once measured (over 45 s), fails.
const (
	soakPeers      = 8
	soakWarmUp     = 1500 // broadcasts
	soakMeasured   = 4500 // broadcasts
	soakQuiet      = time.Second
	soakHeapBudget = 256 << 10
)

func TestSoakMesh(t *testing.T) {
	guard(t, 10*time.Minute)
	defer benchkit.TrackBuffers()()
	s, err := benchkit.NewSoakMesh(soakPeers, loopbackConfig(""))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	if err := s.Connect(60 * time.Second); err != nil {
		t.Fatal(err)
	}
	// Every reliable packet arrives (unreliable ones may be dropped).
	quiesce := func() error { return s.Quiesce(soakQuiet, 60*time.Second) }
	sample := func(broadcasts int, goroutines int) benchkit.MemSample {
		t.Helper()
		for end := s.Sent + broadcasts; s.Sent < end; {
			if err := s.Run(benchkit.SoakTick); err != nil {
				t.Fatal(err)
			}
		}
		m, err := benchkit.Settle(goroutines, 10*time.Second, quiesce)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	warm := sample(soakWarmUp, math.MaxInt)
	warmSent, warmTaken := s.Sent, s.TotalReceived()
	end := sample(soakMeasured, warm.Goroutines)
	memFigures("soak", warm, end)
	fmt.Printf("figure soak broadcasts=%d packets_taken=%d\n", s.Sent-warmSent, s.TotalReceived()-warmTaken)

	checkGoroutines(t, warm, end)
	if growth := end.Retained() - warm.Retained(); growth > soakHeapBudget {
		t.Errorf("live heap outside pion's packet buffers grew by %d KiB over %d broadcasts (bound %d KiB): %d → %d KiB",
			growth>>10, soakMeasured, soakHeapBudget>>10, warm.Retained()>>10, end.Retained()>>10)
	}
}

// The cycles: a pair of peers created, connected (two channels, one message
// each way on each) and released, soakCycles times after cyclesWarmUp
// cycles. Goroutines must come back to what they were before the first
// cycle, and the live heap may end cyclesHeapBudget above its warm-up
// figure: a leak of 1 KB per cycle fails.
const (
	cyclesWarmUp     = 20
	soakCycles       = 150
	cyclesHeapBudget = 128 << 10
)

func TestSoakCycles(t *testing.T) {
	guard(t, 10*time.Minute)
	cfg, err := core.ParseConfig(loopbackConfig(""))
	if err != nil {
		t.Fatal(err)
	}
	base := runtime.NumGoroutine()
	cycles := func(n int) {
		t.Helper()
		for i := range n {
			if err := benchkit.Cycle(cfg, 30*time.Second); err != nil {
				t.Fatalf("cycle %d: %v", i, err)
			}
		}
	}
	settle := func() benchkit.MemSample {
		t.Helper()
		m, err := benchkit.Settle(base, 20*time.Second, nil)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	cycles(cyclesWarmUp)
	warm := settle()
	cycles(soakCycles)
	end := settle()
	memFigures("cycles", warm, end)
	checkGoroutines(t, warm, end)
	if end.Goroutines > base {
		t.Errorf("goroutines: %d before the first cycle, %d after the last", base, end.Goroutines)
	}
	if growth := int64(end.HeapAlloc) - int64(warm.HeapAlloc); growth > cyclesHeapBudget {
		t.Errorf("live heap grew by %d KiB over %d cycles (%d B/cycle; bound %d KiB): %d → %d KiB",
			growth>>10, soakCycles, growth/soakCycles, cyclesHeapBudget>>10, warm.HeapAlloc>>10, end.HeapAlloc>>10)
	}
}
