package core

import (
	"encoding/binary"
	"fmt"
	"sync"
	"testing"
)

// numbered is message i of a sequence: its number, then filler up to size.
func numbered(i, size int) []byte {
	msg := make([]byte, size)
	binary.LittleEndian.PutUint32(msg, uint32(i))
	return msg
}

func checkSequence(t *testing.T, what string, got []Packet, size int) {
	t.Helper()
	for i, p := range got {
		if len(p.Data) != size || binary.LittleEndian.Uint32(p.Data) != uint32(i) {
			t.Fatalf("%s: packet %d is %d bytes numbered %d", what, i, len(p.Data), binary.LittleEndian.Uint32(p.Data))
		}
	}
}

func TestSenderCloseSendsQueuedMessagesFirst(t *testing.T) {
	guard(t)
	s, ca, cb := connectedPair(t, "", "", reliableOpts)
	const n, size = 500, 1024
	for i := range n {
		if err := ca.PutPacket(numbered(i, size)); err != nil {
			t.Fatalf("put %d: %v", i, err)
		}
	}
	ca.Close()
	if err := ca.PutPacket([]byte("late")); CodeOf(err) != CodeFailed {
		t.Fatalf("put after close: %v", err)
	}
	checkSequence(t, "after close", s.recvAll(cb, n), size)
	s.until("closed", closed(ca, cb))
	if _, err := cb.GetPacket(); CodeOf(err) != CodeUnavailable {
		t.Fatalf("more than %d packets: %v", n, err)
	}
}

func TestSenderKeepsOrderPerChannelUnderConcurrentPuts(t *testing.T) {
	guard(t)
	const channels, n, size = 4, 300, 200
	a, b := newTestPeer(t), newTestPeer(t)
	var ends [2][channels]*Channel
	for i := range channels {
		opts := fmt.Sprintf(`{"negotiated":true,"id":%d}`, i+1)
		ends[0][i], ends[1][i] = mustChannel(t, a, "c", opts), mustChannel(t, b, "c", opts)
	}
	s := newSignal(t, a, b)
	s.connect(a)
	s.until("open", open(append(ends[0][:], ends[1][:]...)...))
	var wg sync.WaitGroup
	errs := make(chan error, channels)
	for i := range channels {
		wg.Add(1)
		go func(c *Channel) {
			defer wg.Done()
			for j := range n {
				if err := c.PutPacket(numbered(j, size)); err != nil {
					errs <- err
					return
				}
			}
		}(ends[0][i])
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for i := range channels {
		checkSequence(t, fmt.Sprintf("channel %d", i+1), s.recvAll(ends[1][i], n), size)
	}
}

func TestSenderBufferedAmountCoversQueuedBytes(t *testing.T) {
	guard(t)
	s, ca, cb := connectedPair(t, "", "", reliableOpts)
	const n, size = 64, 16 * 1024
	ca.flushMu.Lock() // the outbox is busy: everything stays in the queue
	for i := range n {
		if err := ca.PutPacket(numbered(i, size)); err != nil {
			t.Fatal(err)
		}
		if got, want := ca.BufferedAmount(), int64((i+1)*size); got < want {
			t.Fatalf("buffered amount %d after putting %d bytes", got, want)
		}
	}
	ca.flushMu.Unlock()
	checkSequence(t, "drained", s.recvAll(cb, n), size)
	s.until("buffered amount 0", func() bool { return ca.BufferedAmount() == 0 })
}

func TestSenderEndsWithTheLastChannel(t *testing.T) {
	guard(t)
	s, ca, cb := connectedPair(t, "", "", reliableOpts)
	if err := ca.PutPacket([]byte("x")); err != nil {
		t.Fatal(err)
	}
	s.recvAll(cb, 1)
	s.a.Destroy()
	s.b.Destroy()
	ca.wait()
	cb.wait()
	s.until("outbox ended", func() bool {
		sharedOutbox.mu.Lock()
		defer sharedOutbox.mu.Unlock()
		return !sharedOutbox.running && sharedOutbox.users == 0
	})
}

func TestSenderDropsQueueOfAClosedConnection(t *testing.T) {
	guard(t)
	s, ca, _ := connectedPair(t, "", "", reliableOpts)
	for i := range 200 {
		if err := ca.PutPacket(numbered(i, 4096)); err != nil {
			t.Fatal(err)
		}
	}
	s.a.Destroy() // what is still queued cannot go anywhere now: dropped, no panic
	s.until("queue empty", func() bool { return ca.outBytes.Load() == 0 })
}

// TestSenderKeepsOrderAcrossLargeBatches mixes small batches with large
// bursts, some put while the outbox flushes the previous one.
func TestSenderKeepsOrderAcrossLargeBatches(t *testing.T) {
	guard(t)
	s, ca, cb := connectedPair(t, "", "", reliableOpts)
	const size, batch = 64, 1024
	next := 0
	put := func(n int) {
		for range n {
			if err := ca.PutPacket(numbered(next, size)); err != nil {
				t.Fatal(err)
			}
			next++
		}
	}
	for range 3 {
		ca.flushMu.Lock() // a small batch
		put(batch / 2)
		ca.flushMu.Unlock()
		s.until("flushed", func() bool { return ca.outBytes.Load() == 0 })
		ca.flushMu.Lock() // a large burst
		put(3 * batch)
		ca.flushMu.Unlock()
		put(2 * batch) // while the outbox flushes the burst
	}
	checkSequence(t, "bursts", s.recvAll(cb, next), size)
}
