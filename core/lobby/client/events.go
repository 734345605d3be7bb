package client

// EventType says what a lobby event reports. The numbers are part of the C
// ABI; they overlap neither the peer's nor the mesh's event numbers.
type EventType int32

// Lobby event types.
const (
	// EventJoined: the server put the client into a lobby; Text is the
	// lobby's name (the code of a new lobby).
	EventJoined EventType = 201
	// EventConnected: the server gave the client its peer id (PeerID) and
	// the lobby's mode (Mesh); the mesh is configured with them now.
	EventConnected EventType = 202
	// EventPeerJoined: peer PeerID is in the lobby (one per member already
	// there when the client joined, then one per newcomer).
	EventPeerJoined EventType = 203
	// EventPeerLeft: peer PeerID left the lobby; its connection is removed
	// from the mesh.
	EventPeerLeft EventType = 204
	// EventSealed: the lobby's host sealed it: nobody else can join, and the
	// server closes the lobby shortly; the mesh stays.
	EventSealed EventType = 205
	// EventError: something failed that does not end the lobby connection
	// (a connection that could not be set up, a message the client could
	// not apply); Code is the failure's Godot error code, Text says what.
	EventError EventType = 206
	// EventClosed: the lobby connection ended; always the last event. Code
	// is the WebSocket close code the server sent, or CloseAbnormal when
	// the connection could not be opened or broke without one; Text is the
	// server's close reason or what went wrong. Unless the lobby was sealed,
	// the mesh is closed too.
	EventClosed EventType = 207
)

// CloseAbnormal is EventClosed's code when no close frame came (the
// WebSocket status 1006).
const CloseAbnormal = 1006

// Event is one queued lobby event; only the fields of its Type are set.
type Event struct {
	Type   EventType
	PeerID int32
	Mesh   bool
	Code   int32
	Text   string
}

// eventQueue is the bounded FIFO of lobby events. The client's mutex
// guards it.
type eventQueue struct {
	items   []Event
	head    int
	limit   int
	dropped uint64
}

// push queues ev; false (and counted) when the queue is full.
func (q *eventQueue) push(ev Event) bool {
	if len(q.items)-q.head >= q.limit {
		q.dropped++
		return false
	}
	if q.head > 0 && len(q.items) == cap(q.items) {
		n := copy(q.items, q.items[q.head:])
		clear(q.items[n:])
		q.items, q.head = q.items[:n], 0
	}
	q.items = append(q.items, ev)
	return true
}

func (q *eventQueue) pop() (Event, bool) {
	if q.head == len(q.items) {
		return Event{}, false
	}
	ev := q.items[q.head]
	q.items[q.head] = Event{}
	q.head++
	if q.head == len(q.items) {
		q.items, q.head = q.items[:0], 0
	}
	return ev, true
}
