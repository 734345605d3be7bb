package main

import (
	"flag"
	"fmt"
	"math"
	"os"
	"runtime"
	"time"

	"github.com/meshrtc/meshrtc/core"
	"github.com/meshrtc/meshrtc/tests/bench/benchkit"
)

// The soak and cycles metrics: memory over a long run (benchkit's
// workloads, shared with tests/faults/soak_test.go). Each reports the RSS
// and the live Go heap after a warm-up and at the end, the RSS once the
// runtime has returned its free pages to the OS (rss_released_*: RSS minus
// the scavenger's lag), its anonymous part (rss_anon_*: the rest is the
// binary's code, paged in as code paths first run), OS threads, and for
// the soak the part of the heap in pion's grow-only packet buffers
// (benchkit.MemSample.PionBuffers) and the growth of the rest.
var (
	soakSeconds  = flag.Int("soak_s", 1200, "soak: measured seconds of traffic (after the warm-up)")
	soakWarmup   = flag.Int("soak_warmup_s", 60, "soak: seconds of traffic before the warm-up sample")
	cyclesWarmup = flag.Int("warmup_cycles", 50, "cycles: cycles before the warm-up sample")
)

// progressPeriod is how often the soak prints a sample to stderr.
const progressPeriod = 60 * time.Second

// memFields are the figures both metrics report for a warm-up and an end sample.
func memFields(warm, end benchkit.MemSample, warmReleased, endReleased int64) []any {
	mb := func(kb int64) float64 { return benchkit.Round1(float64(kb) / 1024) }
	heapMB := func(b uint64) float64 { return float64(int64(float64(b)/(1<<20)*100+0.5)) / 100 }
	pct := func(from, to float64) float64 { return benchkit.Round1((to - from) / from * 100) }
	return []any{
		"rss_warm_mb", mb(warm.RSSKB), "rss_end_mb", mb(end.RSSKB),
		"rss_growth_pct", pct(float64(warm.RSSKB), float64(end.RSSKB)),
		"rss_released_warm_mb", mb(warmReleased), "rss_released_end_mb", mb(endReleased),
		"rss_released_growth_pct", pct(float64(warmReleased), float64(endReleased)),
		"rss_anon_warm_mb", mb(warm.RSSAnonKB), "rss_anon_end_mb", mb(end.RSSAnonKB),
		"heap_warm_mb", heapMB(warm.HeapAlloc), "heap_end_mb", heapMB(end.HeapAlloc),
		"heap_growth_pct", pct(float64(warm.HeapAlloc), float64(end.HeapAlloc)),
		"heap_growth_kb", (int64(end.HeapAlloc) - int64(warm.HeapAlloc)) >> 10,
		"goroutines_warm", warm.Goroutines, "goroutines_end", end.Goroutines,
		"threads_warm", warm.Threads, "threads_end", end.Threads,
		"pion_buffers_warm_mb", heapMB(warm.PionBuffers), "pion_buffers_end_mb", heapMB(end.PionBuffers),
		"heap_outside_pion_buffers_growth_kb", (end.Retained() - warm.Retained()) >> 10,
	}
}

func progress(what string, m benchkit.MemSample) {
	fmt.Fprintf(os.Stderr, "corebench: %s: rss %.1f MB (anonymous %.1f), heap %.2f MB (pion packet buffers %.2f), %d goroutines, %d threads\n",
		what, float64(m.RSSKB)/1024, float64(m.RSSAnonKB)/1024, float64(m.HeapAlloc)/(1<<20), float64(m.PionBuffers)/(1<<20),
		m.Goroutines, m.Threads)
}

func benchSoak() error {
	// pion's packet buffers, which only ever grow, apart from the rest of
	// the heap (costs a little allocation speed).
	defer benchkit.TrackBuffers()()
	n := benchkit.OrDefault(opt.Count, 8)
	s, err := benchkit.NewSoakMesh(n, *config)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.Connect(120 * time.Second); err != nil {
		return err
	}
	quiesce := func() error { return s.Quiesce(time.Second, 60*time.Second) }
	if err := s.Run(time.Duration(*soakWarmup) * time.Second); err != nil {
		return err
	}
	warm, err := benchkit.Settle(math.MaxInt, 0, quiesce)
	if err != nil {
		return err
	}
	warmReleased := benchkit.ReleasedRSSKB()
	progress("soak warm-up", warm)
	sent0, taken0 := s.Sent, s.TotalReceived()
	start := time.Now()
	for total := time.Duration(*soakSeconds) * time.Second; time.Since(start) < total; {
		if err := s.Run(min(progressPeriod, total-time.Since(start))); err != nil {
			return err
		}
		progress(fmt.Sprintf("soak %.0f s", time.Since(start).Seconds()), benchkit.Measure())
	}
	elapsed := time.Since(start).Seconds()
	end, err := benchkit.Settle(warm.Goroutines, 10*time.Second, quiesce)
	if err != nil {
		return err
	}
	endReleased := benchkit.ReleasedRSSKB()
	fields := []any{"n", n, "soak_s", benchkit.Round1(elapsed), "broadcasts_s", benchkit.Round1(float64(s.Sent-sent0) / elapsed),
		"packets_s", benchkit.Round1(float64(s.TotalReceived()-taken0) / elapsed)}
	benchkit.Emit(impl, opt.Round, "soak", append(fields, memFields(warm, end, warmReleased, endReleased)...)...)
	return nil
}

func benchCycles() error {
	n := benchkit.OrDefault(opt.Count, 1000)
	cfg, err := core.ParseConfig(*config)
	if err != nil {
		return err
	}
	base := runtime.NumGoroutine()
	cycles := func(count int) error {
		for i := range count {
			if err := benchkit.Cycle(cfg, 30*time.Second); err != nil {
				return fmt.Errorf("cycle %d: %w", i, err)
			}
			if i%100 == 99 {
				progress(fmt.Sprintf("%d cycles", i+1), benchkit.Measure())
			}
		}
		return nil
	}
	if err := cycles(*cyclesWarmup); err != nil {
		return err
	}
	warm, _ := benchkit.Settle(base, 20*time.Second, nil)
	warmReleased := benchkit.ReleasedRSSKB()
	start := time.Now()
	if err := cycles(n); err != nil {
		return err
	}
	cycleMs := time.Since(start).Seconds() * 1e3 / float64(n)
	end, _ := benchkit.Settle(base, 20*time.Second, nil)
	endReleased := benchkit.ReleasedRSSKB()
	fields := []any{"n", n, "warmup_cycles", *cyclesWarmup, "cycle_ms", benchkit.Round1(cycleMs), "goroutines_base", base,
		"heap_per_cycle_b", (int64(end.HeapAlloc) - int64(warm.HeapAlloc)) / int64(n)}
	benchkit.Emit(impl, opt.Round, "cycles", append(fields, memFields(warm, end, warmReleased, endReleased)...)...)
	return nil
}
