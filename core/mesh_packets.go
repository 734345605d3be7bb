package core

// sendIndex is the channel index PutPacket uses (Godot's put_packet): transfer
// channel 0 picks a built-in channel by transfer mode, N ≥ 1 the N-th extra
// channel. Godot 3 has no transfer channel.
func (m *Mesh) sendIndex() int {
	if m.transferChannel == 0 || m.mode == MeshModeGodot3 {
		switch m.transferMode {
		case TransferModeUnreliableOrdered:
			return chOrdered
		case TransferModeUnreliable:
			return chUnreliable
		default:
			return chReliable
		}
	}
	return int(m.transferChannel) + chReservedMax - 1
}

// PutPacket sends data to the target peer (see SetTargetPeer) on the
// channel the transfer channel and mode select. While DISCONNECTED →
// ERR_UNCONFIGURED. A positive target that is not in the mesh, or a transfer
// channel the target does not have → ERR_INVALID_PARAMETER; otherwise the
// channel's error is returned (e.g. ERR_UNAVAILABLE before it opens). A
// broadcast skips peers that lack the channel or fail to send, and returns OK,
// as Godot does.
func (m *Mesh) PutPacket(data []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.status == StatusDisconnected {
		return errorf(ErrUnconfigured, "the mesh is disconnected")
	}
	idx := m.sendIndex()
	if m.targetPeer > 0 {
		e, ok := m.peers[m.targetPeer]
		if !ok {
			return errorf(ErrInvalidParameter, "invalid target peer %d", m.targetPeer)
		}
		if idx >= len(e.channels) {
			return errorf(ErrInvalidParameter, "cannot send on channel %d: peer %d has %d channels", idx, m.targetPeer, len(e.channels))
		}
		return e.channels[idx].PutPacket(data)
	}
	exclude := -int64(m.targetPeer)
	for _, id := range m.order {
		if m.targetPeer != 0 && int64(id) == exclude {
			continue
		}
		e := m.peers[id]
		if idx >= len(e.channels) {
			m.log.Warnf("cannot send on channel %d: peer %d has %d channels", idx, id, len(e.channels))
			continue
		}
		if err := e.channels[idx].PutPacket(data); err != nil {
			m.log.Debugf("broadcast to peer %d: %v", id, err)
		}
	}
	return nil
}

// GetPacket takes the packet PacketPeer, PacketChannel and PacketMode
// describe, then describes the next one: round robin across connected peers
// in the mesh's order, one packet per peer per turn, channels by index within
// a peer. With no packet described it returns ERR_UNAVAILABLE (and, as in
// Godot, looks for the next packet so that the following call can succeed).
// Packets become visible from the Poll after they arrive.
func (m *Mesh) GetPacket() ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.peers[m.nextPeer]
	if m.nextPeer == 0 || !ok {
		m.findNext()
		return nil, errNoPacket
	}
	p, err := e.channels[m.nextChannel].GetPacket()
	m.findNext()
	if err != nil {
		// Only if the host read the mesh's channel directly.
		return nil, errorf(ErrUnavailable, "the described packet is gone")
	}
	return p.Data, nil
}

// AvailablePacketCount is how many packets the connected peers' channels
// hold, or 0 while no packet is described (so that a positive count means
// GetPacket will succeed), as in Godot.
func (m *Mesh) AvailablePacketCount() int32 {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.nextPeer == 0 {
		return 0
	}
	n := 0
	for _, id := range m.order {
		e := m.peers[id]
		if !e.connected {
			continue
		}
		for _, ch := range e.channels {
			n += ch.AvailablePacketCount()
		}
	}
	return int32(min(n, 1<<31-1))
}

// PacketPeer is the id of the peer that sent the next packet, 0 if none.
func (m *Mesh) PacketPeer() int32 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.nextPeer
}

// PacketChannel is the transfer channel of the next packet: 0 for the three
// built-in channels, N for the N-th channels_config channel.
func (m *Mesh) PacketChannel() int32 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return transferChannelOf(m.nextChannel)
}

// transferChannelOf is the transfer channel of channel index idx.
func transferChannelOf(idx int) int32 {
	if idx < chReservedMax {
		return 0
	}
	return int32(idx - chReservedMax + 1)
}

// PacketMode is the transfer mode of the next packet's channel; reliable when
// no packet is described, as in Godot.
func (m *Mesh) PacketMode() TransferMode {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.peers[m.nextPeer]
	if !ok || m.nextChannel >= len(e.modes) {
		return TransferModeReliable
	}
	return e.modes[m.nextChannel]
}

// findNext describes the next packet (Godot's _find_next_peer): the first
// connected peer after the current one, wrapping round and ending with the
// current one, that has a packet, and its lowest channel with one. The caller
// holds m.mu.
func (m *Mesh) findNext() {
	if m.queued.Load() == 0 {
		m.nextPeer, m.nextChannel = 0, 0
		return
	}
	start := -1
	if m.nextPeer != 0 {
		for i, id := range m.order {
			if id == m.nextPeer {
				start = i
				break
			}
		}
	}
	if start >= 0 {
		for _, id := range m.order[start+1:] {
			if m.describeFrom(id) {
				return
			}
		}
	}
	for _, id := range m.order {
		if m.describeFrom(id) {
			return
		}
		if id == m.nextPeer {
			break
		}
	}
	m.nextPeer, m.nextChannel = 0, 0
}

// describeFrom makes peer id's first waiting packet the next one, if any.
func (m *Mesh) describeFrom(id int32) bool {
	e := m.peers[id]
	if !e.connected {
		return false
	}
	for idx, ch := range e.channels {
		if ch.AvailablePacketCount() > 0 {
			m.nextPeer, m.nextChannel = id, idx
			return true
		}
	}
	return false
}
