package core

// fifo is a slice-backed first-in first-out queue that reuses its storage.
// It is not safe for concurrent use: owners guard it with their own mutex.
type fifo[T any] struct {
	items []T
	head  int
}

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
			q.items = q.items[:0]
			q.head = 0
		}
	}
	return v, ok
}

func (q *fifo[T]) clear() {
	clear(q.items)
	q.items = q.items[:0]
	q.head = 0
}
