package core

import (
	"sync"
	"sync/atomic"
)

// Packet is one received message.
type Packet struct {
	Data     []byte
	IsString bool
}

// packetQueue is a channel's bounded receive queue. The reader goroutine of a
// reliable channel waits in push while the queue is full, so the remote sender
// is slowed by SCTP flow control instead of memory growing; an unreliable
// channel drops the packet and counts it.
type packetQueue struct {
	mu         sync.Mutex
	space      *sync.Cond
	packets    fifo[Packet]
	bytes      int
	maxPackets int
	maxBytes   int
	closed     bool
	dropped    uint64
	counter    *atomic.Int64 // also counts the packets here (a mesh's total), if set
}

func newPacketQueue(maxPackets, maxBytes int) *packetQueue {
	q := &packetQueue{maxPackets: maxPackets, maxBytes: maxBytes}
	q.space = sync.NewCond(&q.mu)
	return q
}

// full reports whether p cannot be added now. An empty queue always takes a
// packet, so a message larger than maxBytes still gets through.
func (q *packetQueue) full(p Packet) bool {
	n := q.packets.len()
	return n > 0 && (n >= q.maxPackets || q.bytes+len(p.Data) > q.maxBytes)
}

// push adds p. With wait it blocks while the queue is full; without, a full
// queue drops p. It returns false when p was dropped or the queue is closed.
func (q *packetQueue) push(p Packet, wait bool) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	for !q.closed && q.full(p) {
		if !wait {
			q.dropped++
			return false
		}
		q.space.Wait()
	}
	if q.closed {
		return false
	}
	q.packets.push(p)
	q.bytes += len(p.Data)
	if q.counter != nil {
		q.counter.Add(1)
	}
	notifyArrival()
	return true
}

// peek returns the next packet without taking it.
func (q *packetQueue) peek() (Packet, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.packets.peek()
}

// pop takes the next packet.
func (q *packetQueue) pop() (Packet, bool) {
	p, ok, _ := q.popFitting(-1)
	return p, ok
}

// popFitting takes the next packet if it has at most limit bytes (any size
// for a negative limit). Otherwise it reports the next packet's size, or -1
// when the queue is empty.
func (q *packetQueue) popFitting(limit int) (p Packet, ok bool, next int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	p, ok = q.packets.peek()
	if !ok {
		return p, false, -1
	}
	if limit >= 0 && len(p.Data) > limit {
		return Packet{}, false, len(p.Data)
	}
	q.packets.pop()
	q.bytes -= len(p.Data)
	if q.counter != nil {
		q.counter.Add(-1)
	}
	q.space.Signal()
	return p, true, 0
}

// countInto makes c count this queue's packets too, from now on.
func (q *packetQueue) countInto(c *atomic.Int64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	c.Add(int64(q.packets.len()))
	q.counter = c
}

// uncount stops counting into the counter given to countInto, taking this
// queue's packets out of it.
func (q *packetQueue) uncount() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.counter != nil {
		q.counter.Add(-int64(q.packets.len()))
		q.counter = nil
	}
}

func (q *packetQueue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.packets.len()
}

func (q *packetQueue) droppedCount() uint64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.dropped
}

// close wakes a waiting reader for good; queued packets stay readable.
func (q *packetQueue) close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.closed = true
	q.space.Broadcast()
}
