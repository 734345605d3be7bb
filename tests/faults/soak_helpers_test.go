//go:build faults

package faults

import (
	"fmt"
	"testing"

	"github.com/meshrtc/meshrtc/tests/bench/benchkit"
)

// memFigures prints a warm-up and an end sample as figure lines (the
// runner keeps lines starting with "figure").
func memFigures(name string, warm, end benchkit.MemSample) {
	fmt.Printf("figure %s heap_warm_kb=%d heap_end_kb=%d heap_growth_kb=%+d heap_inuse_warm_kb=%d heap_inuse_end_kb=%d\n",
		name, warm.HeapAlloc>>10, end.HeapAlloc>>10, (int64(end.HeapAlloc)-int64(warm.HeapAlloc))>>10,
		warm.HeapInuse>>10, end.HeapInuse>>10)
	fmt.Printf("figure %s rss_warm_kb=%d rss_end_kb=%d rss_growth_pct=%+.1f goroutines_warm=%d goroutines_end=%d\n",
		name, warm.RSSKB, end.RSSKB, 100*float64(end.RSSKB-warm.RSSKB)/float64(warm.RSSKB), warm.Goroutines, end.Goroutines)
	if warm.PionBuffers > 0 || end.PionBuffers > 0 {
		fmt.Printf("figure %s pion_packet_buffers_warm_kb=%d pion_packet_buffers_end_kb=%d heap_outside_them_growth_kb=%+d\n",
			name, warm.PionBuffers>>10, end.PionBuffers>>10, (end.Retained()-warm.Retained())>>10)
	}
}

// checkGoroutines fails the test if the end sample has more goroutines
// than the warm-up one.
func checkGoroutines(t *testing.T, warm, end benchkit.MemSample) {
	t.Helper()
	if end.Goroutines > warm.Goroutines {
		t.Errorf("goroutines: %d after warm-up, %d at the end", warm.Goroutines, end.Goroutines)
	}
}
