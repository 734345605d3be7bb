package core

import (
	"slices"
	"strconv"
	"time"
)

// MeshMember describes one remote peer of the mesh: its connection and
// channels (Godot's get_peer dictionary).
type MeshMember struct {
	ID         int32
	Connection *Peer
	// Channels: index 0 "reliable", 1 "ordered", 2 "unreliable", then one per
	// channels_config entry.
	Channels []*Channel
	// Connected: the connection reached CONNECTED with every channel open.
	Connected bool
}

// meshChannel is one channel AddPeer creates.
type meshChannel struct {
	label string
	opts  ChannelOptions
	mode  TransferMode
}

// channelLayout lists the negotiated channels Godot's add_peer creates, in
// order (modules/webrtc/webrtc_multiplayer_peer.cpp):
//
//	0 "reliable"   id 1  ordered, reliable
//	1 "ordered"    id 2  ordered, maxPacketLifetime = lifetime
//	2 "unreliable" id 3  unordered, maxPacketLifetime = lifetime
//	3+i "4+i"      id 4+i ordered; lifetime 1 for unreliable ordered; lifetime 1
//	               and unordered for unreliable; reliable otherwise
func channelLayout(lifetime int32, extra []TransferMode) []meshChannel {
	negotiated := func(id int32, ordered bool, lifetime int32) ChannelOptions {
		return ChannelOptions{Negotiated: true, ID: id, Ordered: ordered, MaxPacketLifeTime: lifetime, MaxRetransmits: -1}
	}
	layout := []meshChannel{
		{"reliable", negotiated(1, true, -1), TransferModeReliable},
		{"ordered", negotiated(2, true, lifetime), TransferModeUnreliableOrdered},
		{"unreliable", negotiated(3, false, lifetime), TransferModeUnreliable},
	}
	for i, mode := range extra {
		id := int32(firstExtraChanID + i)
		opts := negotiated(id, true, -1)
		switch mode {
		case TransferModeUnreliableOrdered:
			opts.MaxPacketLifeTime = 1
		case TransferModeUnreliable:
			opts.MaxPacketLifeTime = 1
			opts.Ordered = false
		}
		layout = append(layout, meshChannel{strconv.Itoa(int(id)), opts, mode})
	}
	return layout
}

// AddPeer adds a connection to the peer with the given id and creates its
// negotiated channels on it (see channelLayout); unreliableLifetime (ms,
// Godot's default is 1) is the lifetime of the "ordered" and "unreliable"
// channels. The host then does the signaling on conn.
//
// Checks, in Godot's order: not configured → ERR_UNCONFIGURED; a client
// adding an id other than 1, a server adding id 1, an id < 1, a lifetime < 0
// (or, meshrtc, > 65535) → ERR_INVALID_PARAMETER; refusing new connections →
// ERR_UNAUTHORIZED; conn nil or not in STATE_NEW → ERR_INVALID_PARAMETER.
// Then (meshrtc) an id or connection already in the mesh → ERR_ALREADY_EXISTS.
// A channel that cannot be created → FAILED, and the channels created so far
// are closed. Godot 3 mode has no mode checks.
func (m *Mesh) AddPeer(conn *Peer, peerID int32, unreliableLifetime int32) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case m.mode == MeshModeNone:
		return errorf(ErrUnconfigured, "configure the mesh (create_server, create_client, create_mesh or initialize) before add_peer")
	case m.mode == MeshModeClient && peerID != 1:
		return errorf(ErrInvalidParameter, "a client can only add peer 1 (the server), not %d", peerID)
	case m.mode == MeshModeServer && peerID == 1:
		return errorf(ErrInvalidParameter, "a server cannot add peer 1 (its own id)")
	case peerID < 1:
		return errorf(ErrInvalidParameter, "peer id %d is out of range 1..2147483647", peerID)
	case unreliableLifetime < 0 || unreliableLifetime > 65535:
		return errorf(ErrInvalidParameter, "unreliable_lifetime %d is out of range 0..65535", unreliableLifetime)
	case m.refusing:
		return errorf(ErrUnauthorized, "the mesh is refusing new connections")
	case conn == nil:
		return errorf(ErrInvalidParameter, "the peer connection is null")
	}
	if st := conn.ConnectionState(); st != ConnectionNew {
		return errorf(ErrInvalidParameter, "the peer connection must be in STATE_NEW (state is %d)", st)
	}
	if _, ok := m.peers[peerID]; ok {
		return errorf(ErrAlreadyExists, "peer %d is already in the mesh", peerID)
	}
	for _, e := range m.peers {
		if e.conn == conn {
			return errorf(ErrAlreadyExists, "this connection is already in the mesh as peer %d", e.id)
		}
	}

	var extra []TransferMode
	if m.mode != MeshModeGodot3 {
		extra = m.extraModes
	}
	layout := channelLayout(unreliableLifetime, extra)
	e := &member{id: peerID, conn: conn, channels: make([]*Channel, 0, len(layout)), modes: make([]TransferMode, 0, len(layout))}
	for _, c := range layout {
		ch, err := conn.CreateDataChannel(c.label, c.opts)
		if err != nil {
			for _, made := range e.channels {
				made.Close()
			}
			return errorf(ErrFailed, "add_peer: cannot create channel %q: %v", c.label, err)
		}
		ch.queue.countInto(&m.queued)
		e.channels = append(e.channels, ch)
		e.modes = append(e.modes, c.mode)
	}
	m.peers[peerID] = e
	m.order = append(m.order, peerID)
	if m.mode == MeshModeGodot3 {
		m.sortOrder()
	}
	if m.isServerLink(peerID) && m.status == StatusDisconnected {
		m.status = StatusConnecting // retrying after the server went away
	}
	return nil
}

// sortOrder puts peers in ascending id order (Godot 3 iterates a sorted Map).
func (m *Mesh) sortOrder() { slices.Sort(m.order) }

// isServerLink reports whether peer id is the server this mesh's status
// follows: peer 1 of a client, or of a Godot 3 mesh with server compatibility.
func (m *Mesh) isServerLink(id int32) bool {
	return id == TargetPeerServer && (m.mode == MeshModeClient || (m.mode == MeshModeGodot3 && m.serverCompat))
}

// RemovePeer removes a peer and closes its connection; peer_disconnected is
// queued if its peer_connected was. Unknown id → ERR_DOES_NOT_EXIST.
func (m *Mesh) RemovePeer(peerID int32) error {
	m.mu.Lock()
	if _, ok := m.peers[peerID]; !ok {
		m.mu.Unlock()
		return errorf(ErrDoesNotExist, "no peer %d in the mesh", peerID)
	}
	conn := m.removeLocked(peerID, true)
	m.mu.Unlock()
	conn.Close()
	return nil
}

// DisconnectPeer is disconnect_peer. Without force it closes the connection
// and the next Poll removes the peer (with peer_disconnected if it was
// announced). With force the peer is removed at once without
// peer_disconnected, as Godot documents. Unknown id → ERR_DOES_NOT_EXIST.
// Either way, when a client's server link goes, the status becomes
// DISCONNECTED and connection_failed or server_disconnected is queued.
func (m *Mesh) DisconnectPeer(peerID int32, force bool) error {
	m.mu.Lock()
	e, ok := m.peers[peerID]
	if !ok {
		m.mu.Unlock()
		return errorf(ErrDoesNotExist, "no peer %d in the mesh", peerID)
	}
	conn := e.conn
	if force {
		m.removeLocked(peerID, false)
	}
	m.mu.Unlock()
	conn.Close()
	return nil
}

// removeLocked takes a peer out of the mesh and returns its connection for
// the caller to close after unlocking. The caller holds m.mu.
func (m *Mesh) removeLocked(id int32, notify bool) *Peer {
	e := m.peers[id]
	delete(m.peers, id)
	e.uncount()
	m.departed = append(m.departed, e.channels...)
	if i := slices.Index(m.order, id); i >= 0 {
		m.order = slices.Delete(m.order, i, i+1)
	}
	if e.announced && notify {
		m.push(MeshEventPeerDisconnected, id)
	}
	e.connected, e.announced = false, false
	if m.isServerLink(id) {
		switch m.status {
		case StatusConnecting:
			m.status = StatusDisconnected
			m.push(MeshEventConnectionFailed, id)
		case StatusConnected:
			m.status = StatusDisconnected
			m.push(MeshEventServerDisconnected, id)
		}
	}
	if m.nextPeer == id {
		m.nextPeer, m.nextChannel = 0, 0
		m.findNext()
	}
	return e.conn
}

// HasPeer reports whether the id is in the mesh (connected or not).
func (m *Mesh) HasPeer(peerID int32) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.peers[peerID]
	return ok
}

// GetPeer describes one peer. Unknown id → ERR_DOES_NOT_EXIST.
func (m *Mesh) GetPeer(peerID int32) (MeshMember, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.peers[peerID]
	if !ok {
		return MeshMember{}, errorf(ErrDoesNotExist, "no peer %d in the mesh", peerID)
	}
	return e.describe(), nil
}

// GetPeers describes every peer, in the mesh's order (insertion order;
// ascending ids in Godot 3 mode).
func (m *Mesh) GetPeers() []MeshMember {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]MeshMember, 0, len(m.order))
	for _, id := range m.order {
		out = append(out, m.peers[id].describe())
	}
	return out
}

// PeerIDs lists the peers' ids in the mesh's order (get_peers).
func (m *Mesh) PeerIDs() []int32 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.order)
}

// TakeDeparted returns the channels of the members that left the mesh
// (removed, disconnected or closed) since the last call, each once, so that
// a host layer can drop what it keeps for them.
func (m *Mesh) TakeDeparted() []*Channel {
	m.mu.Lock()
	defer m.mu.Unlock()
	gone := m.departed
	m.departed = nil
	return gone
}

func (e *member) describe() MeshMember {
	return MeshMember{ID: e.id, Connection: e.conn, Channels: slices.Clone(e.channels), Connected: e.connected}
}

// Poll drives the mesh: it finds peers whose connection is CONNECTED with
// every channel open (peer_connected; for a client also status CONNECTED and
// connection_succeeded), removes peers whose connection is DISCONNECTED
// (after MeshOptions.DisconnectGrace), FAILED or CLOSED or has a closed
// channel (peer_disconnected), and describes the next packet. Removed
// connections are closed.
func (m *Mesh) Poll() {
	m.mu.Lock()
	if len(m.order) == 0 {
		m.mu.Unlock()
		return
	}
	now := time.Now()
	var remove, add []int32
	for _, id := range m.order {
		e := m.peers[id]
		switch e.conn.ConnectionState() {
		case ConnectionNew, ConnectionConnecting:
			e.disconnectedSince = time.Time{}
			if e.channelClosed() {
				remove = append(remove, id)
			}
			continue
		case ConnectionConnected:
			e.disconnectedSince = time.Time{}
		case ConnectionDisconnected:
			if grace := m.opts.DisconnectGrace; grace > 0 && e.connected && !e.channelClosed() {
				if e.disconnectedSince.IsZero() {
					e.disconnectedSince = now
				}
				if now.Sub(e.disconnectedSince) < grace {
					continue
				}
			}
			remove = append(remove, id)
			continue
		default:
			remove = append(remove, id)
			continue
		}
		ready, closed := e.channelStates()
		if closed {
			remove = append(remove, id)
			continue
		}
		if ready && !e.connected {
			e.connected = true
			add = append(add, id)
		}
	}
	conns := make([]*Peer, 0, len(remove))
	for _, id := range remove {
		conns = append(conns, m.removeLocked(id, true))
	}
	m.announceLocked(add)
	if m.nextPeer == 0 {
		m.findNext()
	}
	m.mu.Unlock()
	if len(conns) > 0 {
		closePeers(conns)
	}
}

// channelStates reports whether every channel is open and whether one is
// closing or closed.
func (e *member) channelStates() (allOpen, closed bool) {
	allOpen = true
	for _, ch := range e.channels {
		switch ch.State() {
		case ChannelOpen:
		case ChannelConnecting:
			allOpen = false
		default:
			return false, true
		}
	}
	return allOpen, false
}

// uncount takes the peer's queued packets out of the mesh's count (Mesh.queued).
func (e *member) uncount() {
	for _, ch := range e.channels {
		ch.queue.uncount()
	}
}

func (e *member) channelClosed() bool {
	_, closed := e.channelStates()
	return closed
}

// announceLocked queues the signals for peers that just connected, in the
// order Godot does. The caller holds m.mu.
func (m *Mesh) announceLocked(added []int32) {
	for _, id := range added {
		switch m.mode {
		case MeshModeClient:
			if id != TargetPeerServer {
				m.log.Errorf("bug: client mesh has peer %d", id)
				continue
			}
			m.status = StatusConnected
			m.announce(id)
			m.push(MeshEventConnectionSucceeded, id)
		case MeshModeGodot3:
			if m.status == StatusConnected {
				m.announce(id)
			}
			if m.serverCompat && id == TargetPeerServer {
				m.status = StatusConnected
				m.announce(id)
				m.push(MeshEventConnectionSucceeded, id)
				for _, other := range m.order {
					if other != TargetPeerServer && m.peers[other].connected {
						m.announce(other)
					}
				}
				return // every connected peer is announced now
			}
		default:
			m.announce(id)
		}
	}
}

// announce queues peer_connected once per peer.
func (m *Mesh) announce(id int32) {
	e := m.peers[id]
	if e == nil || e.announced {
		return
	}
	e.announced = true
	m.push(MeshEventPeerConnected, id)
}
