package core

// MeshEventType says which multiplayer signal a MeshEvent is. The numbers are
// part of the C ABI; they do not overlap the peer's EventType numbers.
type MeshEventType int32

// Mesh event types.
const (
	// MeshEventPeerConnected is MultiplayerPeer.peer_connected(PeerID).
	MeshEventPeerConnected MeshEventType = 101
	// MeshEventPeerDisconnected is MultiplayerPeer.peer_disconnected(PeerID).
	// It is only queued for a peer whose peer_connected was queued before.
	MeshEventPeerDisconnected MeshEventType = 102
	// MeshEventConnectionSucceeded: a client (or a Godot 3 mesh with server
	// compatibility) reached the server, peer 1; queued right after
	// peer_connected(1). PeerID is 1.
	MeshEventConnectionSucceeded MeshEventType = 103
	// MeshEventConnectionFailed: the link to the server went away before it
	// connected; the status is now DISCONNECTED. PeerID is 1. Godot leaves
	// such a client CONNECTING forever instead.
	MeshEventConnectionFailed MeshEventType = 104
	// MeshEventServerDisconnected: the connected server, peer 1, went away;
	// queued after peer_disconnected(1); the status is now DISCONNECTED.
	// PeerID is 1.
	MeshEventServerDisconnected MeshEventType = 105
)

// MeshEvent is one queued multiplayer signal.
type MeshEvent struct {
	Type   MeshEventType
	PeerID int32
}

// push queues ev; the caller holds m.mu. A full queue drops the event, counts
// it and logs an error: the host calls Poll but never NextEvent.
func (m *Mesh) push(typ MeshEventType, id int32) {
	if m.events.len() >= m.opts.EventQueueLimit {
		m.droppedEvents++
		m.log.Errorf("mesh event queue full (%d): dropping event %d for peer %d; is the host calling next_event?",
			m.opts.EventQueueLimit, typ, id)
		return
	}
	m.events.push(MeshEvent{Type: typ, PeerID: id})
}

// NextEvent takes the oldest queued event. Events are queued by Poll,
// RemovePeer, DisconnectPeer and Close, never from another goroutine.
func (m *Mesh) NextEvent() (MeshEvent, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.events.pop()
}
