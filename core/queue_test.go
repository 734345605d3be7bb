package core

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"
)

func TestFifoWraparound(t *testing.T) {
	var q fifo[int]
	if _, ok := q.pop(); ok {
		t.Fatal("pop from empty")
	}
	if _, ok := q.peek(); ok {
		t.Fatal("peek at empty")
	}
	// Fill, take some from the front, then push until the live part slides down.
	for i := range 8 {
		q.push(i)
	}
	capBefore := cap(q.items)
	for i := range 5 {
		if v, ok := q.pop(); !ok || v != i {
			t.Fatalf("pop %d: %d %v", i, v, ok)
		}
	}
	for i := 8; i < 8+capBefore-3; i++ {
		q.push(i)
	}
	if q.head != 0 {
		t.Fatalf("head %d: a full slice with room at the front was not slid down", q.head)
	}
	if cap(q.items) != capBefore {
		t.Fatalf("capacity grew from %d to %d although there was room", capBefore, cap(q.items))
	}
	for want := 5; q.len() > 0; want++ {
		if v, _ := q.peek(); v != want {
			t.Fatalf("peek %d, want %d", v, want)
		}
		if v, _ := q.pop(); v != want {
			t.Fatalf("pop %d, want %d", v, want)
		}
	}
	if q.head != 0 || len(q.items) != 0 {
		t.Fatalf("empty queue not reset: head %d len %d", q.head, len(q.items))
	}

	// Popped slots are zeroed so they do not keep memory alive.
	var pq fifo[*int]
	x, y := 1, 2
	pq.push(&x)
	pq.push(&y)
	pq.pop()
	if pq.items[0] != nil {
		t.Fatal("popped slot still holds its pointer")
	}
	pq.clear()
	if pq.len() != 0 || len(pq.items) != 0 {
		t.Fatal("clear left items")
	}

	// Random operations against a plain slice.
	rng := rand.New(rand.NewPCG(7, 11))
	var ref []int
	var r fifo[int]
	for i := range 20000 {
		switch op := rng.IntN(10); {
		case op < 6:
			r.push(i)
			ref = append(ref, i)
		case op < 9:
			v, ok := r.pop()
			if ok != (len(ref) > 0) || (ok && v != ref[0]) {
				t.Fatalf("op %d: pop %d %v, want %v", i, v, ok, ref)
			}
			if ok {
				ref = ref[1:]
			}
		default:
			if rng.IntN(20) == 0 {
				r.clear()
				ref = nil
			}
		}
		if r.len() != len(ref) {
			t.Fatalf("op %d: len %d, want %d", i, r.len(), len(ref))
		}
	}
}

func pkt(s string) Packet { return Packet{Data: []byte(s)} }

func TestPacketQueueLimits(t *testing.T) {
	q := newPacketQueue(3, 10)
	// An empty queue takes a packet larger than the byte limit.
	if !q.push(pkt("0123456789abcdef"), false) {
		t.Fatal("an empty queue refused an oversize packet")
	}
	if q.push(pkt("x"), false) || q.droppedCount() != 1 {
		t.Fatalf("queue over its byte limit took more (dropped %d)", q.droppedCount())
	}
	if p, ok := q.pop(); !ok || string(p.Data) != "0123456789abcdef" {
		t.Fatal("lost the oversize packet")
	}
	// Byte limit.
	for _, s := range []string{"aaaa", "bbbb"} {
		if !q.push(pkt(s), false) {
			t.Fatalf("refused %q", s)
		}
	}
	if q.push(pkt("ccc"), false) {
		t.Fatal("took 11 bytes into a 10-byte queue")
	}
	if !q.push(pkt("cc"), false) {
		t.Fatal("refused exactly 10 bytes")
	}
	// Packet limit.
	q.pop()
	q.pop()
	q.pop()
	for _, s := range []string{"1", "2", "3"} {
		if !q.push(pkt(s), false) {
			t.Fatalf("refused %q", s)
		}
	}
	if q.push(pkt("4"), false) {
		t.Fatal("took a fourth packet into a 3-packet queue")
	}
	if q.droppedCount() != 3 || q.len() != 3 {
		t.Fatalf("dropped %d len %d", q.droppedCount(), q.len())
	}
	if p, ok := q.peek(); !ok || string(p.Data) != "1" || q.len() != 3 {
		t.Fatal("peek took the packet")
	}
	// Text flag survives.
	q2 := newPacketQueue(2, 100)
	q2.push(Packet{Data: []byte("t"), IsString: true}, false)
	if p, _ := q2.pop(); !p.IsString {
		t.Fatal("lost IsString")
	}
	if _, ok := q2.pop(); ok {
		t.Fatal("pop from empty")
	}
}

// pushAsync starts a waiting push and returns a channel with its result.
func pushAsync(q *packetQueue, p Packet) <-chan bool {
	done := make(chan bool, 1)
	go func() { done <- q.push(p, true) }()
	return done
}

// stillBlocked checks that a waiting push has not returned (a short look, never a speed assertion).
func stillBlocked(t *testing.T, done <-chan bool) {
	t.Helper()
	select {
	case ok := <-done:
		t.Fatalf("push into a full queue returned %v instead of waiting", ok)
	case <-time.After(30 * time.Millisecond):
	}
}

func waitDone(t *testing.T, done <-chan bool) bool {
	t.Helper()
	select {
	case ok := <-done:
		return ok
	case <-time.After(10 * time.Second):
		t.Fatal("waiting push was never released")
		return false
	}
}

func TestPacketQueueBlockingPush(t *testing.T) {
	t.Run("released by pop", testBlockingPushReleasedByPop)
	t.Run("released by byte space", testBlockingPushReleasedByBytes)
	t.Run("released by close", testBlockingPushReleasedByClose)
	t.Run("producer and consumer", testBlockingPushProducerConsumer)
}

// testBlockingPushReleasedByPop: a push waiting for a packet slot is
// released by a pop and counts no drop.
func testBlockingPushReleasedByPop(t *testing.T) {
	q := newPacketQueue(1, 100)
	q.push(pkt("first"), true)
	done := pushAsync(q, pkt("second"))
	stillBlocked(t, done)
	if p, _ := q.pop(); string(p.Data) != "first" {
		t.Fatalf("popped %q", p.Data)
	}
	if !waitDone(t, done) {
		t.Fatal("released push reported a drop")
	}
	if p, _ := q.pop(); string(p.Data) != "second" {
		t.Fatalf("popped %q", p.Data)
	}
	if q.droppedCount() != 0 {
		t.Fatal("a waiting push counted a drop")
	}
}

// testBlockingPushReleasedByBytes: a push waiting for byte space is
// released once a pop frees enough.
func testBlockingPushReleasedByBytes(t *testing.T) {
	q := newPacketQueue(10, 6)
	q.push(pkt("abcd"), true)
	done := pushAsync(q, pkt("efgh"))
	stillBlocked(t, done)
	q.pop()
	if !waitDone(t, done) {
		t.Fatal("released push reported a drop")
	}
}

// testBlockingPushReleasedByClose: close fails every waiting push and
// every later one, counts no drops and leaves the queued packets readable.
func testBlockingPushReleasedByClose(t *testing.T) {
	q := newPacketQueue(2, 100)
	q.push(pkt("a"), true)
	q.push(pkt("b"), true)
	done := []<-chan bool{pushAsync(q, pkt("c")), pushAsync(q, pkt("d"))}
	stillBlocked(t, done[0])
	q.close()
	for _, d := range done {
		if waitDone(t, d) {
			t.Fatal("push into a closed queue reported success")
		}
	}
	if q.push(pkt("e"), true) || q.push(pkt("f"), false) {
		t.Fatal("push after close succeeded")
	}
	if q.droppedCount() != 0 {
		t.Fatalf("close counted %d drops", q.droppedCount())
	}
	// Queued packets stay readable.
	for _, want := range []string{"a", "b"} {
		if p, ok := q.pop(); !ok || string(p.Data) != want {
			t.Fatalf("after close popped %q %v, want %q", p.Data, ok, want)
		}
	}
	q.close() // idempotent
}

// testBlockingPushProducerConsumer: a blocking producer and a polling
// consumer: every packet arrives, in order, and the queue never holds more
// than its limit.
func testBlockingPushProducerConsumer(t *testing.T) {
	q := newPacketQueue(4, 1<<20)
	const n = 5000
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range n {
			if !q.push(pkt(fmt.Sprint(i)), true) {
				t.Errorf("push %d failed", i)
				return
			}
		}
	}()
	for i := 0; i < n; {
		p, ok := q.pop()
		if !ok {
			time.Sleep(10 * time.Microsecond)
			continue
		}
		if string(p.Data) != fmt.Sprint(i) {
			t.Fatalf("got %q, want %d", p.Data, i)
		}
		if q.len() > 4 {
			t.Fatalf("queue holds %d > 4", q.len())
		}
		i++
	}
	wg.Wait()
}

func seqPacket(i, size int) []byte {
	b := make([]byte, size)
	binary.BigEndian.PutUint32(b, uint32(i))
	for j := 4; j < size; j++ {
		b[j] = byte(i + j)
	}
	return b
}

func TestQueueReliableBackpressure(t *testing.T) {
	guard(t)
	s, ca, cb := connectedPair(t, "", loopbackWith(`"receiveQueuePackets":8`), reliableOpts)
	const n, size = 2000, 1500 // 3 MB: more than the receiver's SCTP window (1 MiB) and queue together
	for i := range n {
		if err := ca.PutPacket(seqPacket(i, size)); err != nil {
			t.Fatalf("put %d: %v", i, err)
		}
	}
	s.until("receiver queue full", func() bool {
		if got := cb.AvailablePacketCount(); got > 8 {
			t.Fatalf("receiver queue holds %d packets, limit 8", got)
		}
		return cb.AvailablePacketCount() == 8
	})
	// The receiver is not reading: what its window cannot take stays with the sender.
	s.until("sender buffering", func() bool { return ca.BufferedAmount() > 0 })
	buffered := ca.BufferedAmount()
	t.Logf("sender buffered %d bytes while the receiver held %d packets", buffered, cb.AvailablePacketCount())
	if cb.AvailablePacketCount() > 8 {
		t.Fatalf("receiver queue holds %d packets", cb.AvailablePacketCount())
	}

	// Drain: every message arrives, in order, none lost, and the queue never exceeds 8.
	next := 0
	s.until("all messages", func() bool {
		for {
			if got := cb.AvailablePacketCount(); got > 8 {
				t.Fatalf("receiver queue holds %d packets", got)
			}
			p, err := cb.GetPacket()
			if err != nil {
				return next == n
			}
			if len(p.Data) != size || int(binary.BigEndian.Uint32(p.Data)) != next || !slices.Equal(p.Data, seqPacket(next, size)) {
				t.Fatalf("message %d: got %d bytes seq %d", next, len(p.Data), binary.BigEndian.Uint32(p.Data))
			}
			next++
		}
	})
	s.until("sender drained", func() bool { return ca.BufferedAmount() == 0 })
	if cb.DroppedPacketCount() != 0 {
		t.Fatalf("reliable channel dropped %d packets", cb.DroppedPacketCount())
	}
	if _, err := cb.GetPacket(); CodeOf(err) != CodeUnavailable {
		t.Fatal("more messages than sent")
	}
	// Still usable both ways afterwards.
	if err := cb.PutPacket([]byte("done")); err != nil {
		t.Fatal(err)
	}
	if got := s.recvAll(ca, 1); string(got[0].Data) != "done" {
		t.Fatalf("got %q", got[0].Data)
	}
}

func TestQueueReliableByteLimit(t *testing.T) {
	guard(t)
	s, ca, cb := connectedPair(t, "", loopbackWith(`"receiveQueueBytes":4096`), reliableOpts)
	const n, size = 50, 1500
	for i := range n {
		if err := ca.PutPacket(seqPacket(i, size)); err != nil {
			t.Fatal(err)
		}
	}
	// A message larger than the byte limit still gets through (alone).
	if err := ca.PutPacket(seqPacket(n, 10000)); err != nil {
		t.Fatal(err)
	}
	s.until("byte limit reached", func() bool { return cb.AvailablePacketCount() == 2 })
	next := 0
	s.until("all messages", func() bool {
		for {
			if got := cb.AvailablePacketCount(); got > 2 {
				t.Fatalf("receiver queue holds %d packets of %d bytes over a 4096-byte limit", got, size)
			}
			p, err := cb.GetPacket()
			if err != nil {
				return next == n+1
			}
			want := size
			if next == n {
				want = 10000
			}
			if !slices.Equal(p.Data, seqPacket(next, want)) {
				t.Fatalf("message %d: got %d bytes", next, len(p.Data))
			}
			next++
		}
	})
}

func TestQueueUnreliableDrops(t *testing.T) {
	guard(t)
	s, ca, cb := connectedPair(t, "", loopbackWith(`"receiveQueuePackets":8`),
		`{"negotiated":true,"id":1,"maxRetransmits":0,"ordered":false}`)
	if cb.Reliable() || cb.Ordered() || cb.MaxRetransmits() != 0 {
		t.Fatal("channel is not unreliable and unordered")
	}
	const n, size = 300, 100
	for i := range n {
		if err := ca.PutPacket(seqPacket(i, size)); err != nil {
			t.Fatalf("put %d: %v", i, err)
		}
	}
	s.until("drops counted", func() bool {
		if got := cb.AvailablePacketCount(); got > 8 {
			t.Fatalf("receiver queue holds %d packets, limit 8", got)
		}
		return cb.DroppedPacketCount() > 0
	})
	s.until("sender done", func() bool { return ca.BufferedAmount() == 0 })
	if got := cb.AvailablePacketCount(); got > 8 {
		t.Fatalf("receiver queue holds %d packets, limit 8", got)
	}
	t.Logf("dropped %d, queued %d of %d", cb.DroppedPacketCount(), cb.AvailablePacketCount(), n)
	if ca.DroppedPacketCount() != 0 {
		t.Fatal("the sender counted receive drops")
	}
	// What was kept is intact; after draining, the channel receives again.
	for p, err := cb.GetPacket(); err == nil; p, err = cb.GetPacket() {
		if i := int(binary.BigEndian.Uint32(p.Data)); i >= n || !slices.Equal(p.Data, seqPacket(i, size)) {
			t.Fatalf("corrupt packet %d", i)
		}
	}
	marker := seqPacket(n, size)
	s.until("a packet after the drops", func() bool {
		if err := ca.PutPacket(marker); err != nil {
			t.Fatal(err)
		}
		for p, err := cb.GetPacket(); err == nil; p, err = cb.GetPacket() {
			if slices.Equal(p.Data, marker) {
				return true
			}
		}
		return false
	})
}

func TestQueueCloseWhileReaderWaits(t *testing.T) {
	guard(t)
	s, ca, cb := connectedPair(t, "", loopbackWith(`"receiveQueuePackets":8`), reliableOpts)
	for i := range 100 {
		if err := ca.PutPacket(seqPacket(i, 100)); err != nil {
			t.Fatal(err)
		}
	}
	s.until("receiver queue full", func() bool { return cb.AvailablePacketCount() == 8 })
	// The receiver's reader waits for queue space; closing must release it
	// (guard fails the test if its goroutine outlives it).
	cb.Close()
	s.until("closed", closed(ca, cb))
	for i := range 8 {
		p, err := cb.GetPacket()
		if err != nil || !slices.Equal(p.Data, seqPacket(i, 100)) {
			t.Fatalf("queued packet %d lost by close: %v", i, err)
		}
	}
}
