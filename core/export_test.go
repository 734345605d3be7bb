package core

import "github.com/pion/webrtc/v4"

// Accessors only the tests need.

// pc is the pion connection of the peer's current session.
func (p *Peer) pc() *webrtc.PeerConnection { return p.current().pc }

// PendingEvents is how many events are queued.
func (p *Peer) PendingEvents() int { return p.events.len() }

// PeekPacket returns the next packet without taking it.
func (c *Channel) PeekPacket() (Packet, bool) { return c.queue.peek() }

// Reliable reports whether neither a lifetime nor a retransmit limit is set.
func (c *Channel) Reliable() bool { return c.reliable }

// Mode is how the mesh was configured (MeshModeNone before and after Close).
func (m *Mesh) Mode() MeshMode {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.mode
}

// IsServer reports whether the mesh's own id is 1.
func (m *Mesh) IsServer() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.uniqueID == TargetPeerServer
}

// Options returns the mesh's options.
func (m *Mesh) Options() MeshOptions {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.opts
}

// PendingEvents is how many events are queued.
func (m *Mesh) PendingEvents() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.events.len()
}

// DroppedEvents is how many events were dropped because the queue was full.
func (m *Mesh) DroppedEvents() uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.droppedEvents
}

func (q *fifo[T]) clear() {
	clear(q.items[q.head:])
	q.reset()
}
