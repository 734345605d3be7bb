package core

import "sync"

// EventType says which WebRTCPeerConnection signal (or state change) an event is.
type EventType int32

// Peer event types. The numbers are part of the C ABI.
const (
	EventSessionDescriptionCreated EventType = 1 // SDPType, SDP
	EventICECandidateCreated       EventType = 2 // Media, Index, Name
	EventDataChannelReceived       EventType = 3 // Channel
	EventConnectionStateChanged    EventType = 4 // State (ConnectionState)
	EventGatheringStateChanged     EventType = 5 // State (GatheringState)
	EventSignalingStateChanged     EventType = 6 // State (SignalingState)
)

// PeerEvent is one queued signal of a peer; only the fields of its Type are set.
type PeerEvent struct {
	Type    EventType
	SDPType string
	SDP     string
	Media   string
	Index   int32
	Name    string
	Channel *Channel
	State   int32
}

// eventQueue is a bounded FIFO filled by pion's goroutines and drained by the
// host. When full it drops the new event, counts it and logs an error: the
// host is not polling.
type eventQueue struct {
	mu      sync.Mutex
	events  fifo[PeerEvent]
	limit   int
	dropped uint64
}

func (q *eventQueue) push(ev PeerEvent) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.events.len() >= q.limit {
		q.dropped++
		return false
	}
	q.events.push(ev)
	notifyArrival()
	return true
}

func (q *eventQueue) pop() (PeerEvent, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.events.pop()
}

func (q *eventQueue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.events.len()
}

// reset empties the queue and sets a new limit; it returns what was queued so
// the caller can release resources events held.
func (q *eventQueue) reset(limit int) []PeerEvent {
	q.mu.Lock()
	defer q.mu.Unlock()
	var old []PeerEvent
	for ev, ok := q.events.pop(); ok; ev, ok = q.events.pop() {
		old = append(old, ev)
	}
	q.limit = limit
	return old
}
