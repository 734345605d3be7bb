package core

// fifo is a slice-backed first-in first-out queue that reuses its storage.
// It is not safe for concurrent use: owners guard it with their own mutex.
//
// Storage grows with the backlog and is given back once a backlog has
// passed: when the queue runs empty holding more than four times the
// largest number of items it held since it last ran empty (and more than
// fifoKeep). Without that every channel, event queue and the outbox kept
// the largest backlog it ever had (a host that stalled once, a burst),
// which a long run only ever raises. The factor of four keeps steady
// traffic from reallocating on every emptying.
type fifo[T any] struct {
	items []T
	head  int
	peak  int // most items held since the queue last ran empty
}

// fifoKeep is the storage (in items) a queue always keeps once it has it.
const fifoKeep = 64

func (q *fifo[T]) len() int { return len(q.items) - q.head }

func (q *fifo[T]) push(v T) {
	if q.head > 0 && len(q.items) == cap(q.items) {
		// Slide the live part down instead of growing.
		n := copy(q.items, q.items[q.head:])
		clear(q.items[n:])
		q.items = q.items[:n]
		q.head = 0
	}
	q.items = append(q.items, v)
	q.peak = max(q.peak, q.len())
}

func (q *fifo[T]) peek() (T, bool) {
	if q.len() == 0 {
		var zero T
		return zero, false
	}
	return q.items[q.head], true
}

func (q *fifo[T]) pop() (T, bool) {
	v, ok := q.peek()
	if ok {
		var zero T
		q.items[q.head] = zero
		q.head++
		if q.head == len(q.items) {
			q.reset()
		}
	}
	return v, ok
}

// reset empties the queue, whose slots are already zeroed, and gives back
// storage a passed backlog left.
func (q *fifo[T]) reset() {
	if c := cap(q.items); c > fifoKeep && c > 4*q.peak {
		q.items = nil
	} else {
		q.items = q.items[:0]
	}
	q.head = 0
	q.peak = 0
}
