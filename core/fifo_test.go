package core

import "testing"

// A queue that once held a burst (a host that stopped polling for a while)
// must not keep the burst's storage for good: every channel, event queue
// and the outbox would otherwise hold their largest backlog ever, which a
// long run only ever raises.
func TestFifoReleasesBurstStorage(t *testing.T) {
	var q fifo[[]byte]
	const burst = 4096
	for range burst {
		q.push(make([]byte, 8))
	}
	for q.len() > 0 {
		q.pop()
	}
	// Normal traffic afterwards: a few items at a time, emptied each time.
	for range 3 {
		for range 4 {
			q.push(nil)
		}
		for q.len() > 0 {
			q.pop()
		}
	}
	if c := cap(q.items); c >= burst {
		t.Fatalf("after a %d-item burst and small batches the queue keeps %d slots", burst, c)
	}

	// Steady small batches never give their storage back (no churn).
	var s fifo[int]
	for i := range 1000 {
		for j := range fifoKeep {
			s.push(i*fifoKeep + j)
		}
		before := cap(s.items)
		for s.len() > 0 {
			s.pop()
		}
		if i > 0 && cap(s.items) != before {
			t.Fatalf("batch %d: a queue used up to %d items reallocated (%d → %d slots)", i, fifoKeep, before, cap(s.items))
		}
	}
}
