package core

// PacketInfo describes one packet a batched get copied out. For a mesh,
// PeerID, Channel and Mode are what get_packet_peer, get_packet_channel and
// get_packet_mode said of it; for a channel they are zero.
type PacketInfo struct {
	Size     int32
	IsString bool
	PeerID   int32
	Channel  int32
	Mode     TransferMode
}

// errPacketTooBig is the result of a batched get whose buffer cannot hold
// even the next packet, whose size is then in infos[0].Size.
func errPacketTooBig(size, capacity int) error {
	return errorf(ErrRange, "the next packet has %d bytes, more than the %d-byte buffer", size, capacity)
}

// GetPackets takes received packets in order, copying them one after
// another into buf and describing each in infos, while the next one fits in
// what is left of buf and infos has room; it returns how many it took (0
// when none is queued). When buf cannot hold even the first, nothing is
// taken, infos[0].Size is that packet's size and the error is ErrRange.
// WasStringPacket then describes the last packet taken.
func (c *Channel) GetPackets(buf []byte, infos []PacketInfo) (int, error) {
	n, used := 0, 0
	for n < len(infos) {
		p, ok, next := c.queue.popFitting(len(buf) - used)
		if !ok {
			if n == 0 && next >= 0 {
				infos[0] = PacketInfo{Size: int32(next)}
				return 0, errPacketTooBig(next, len(buf))
			}
			break
		}
		used += copy(buf[used:], p.Data)
		infos[n] = PacketInfo{Size: int32(len(p.Data)), IsString: p.IsString}
		n++
	}
	if n > 0 {
		c.lastString.Store(infos[n-1].IsString)
	}
	return n, nil
}

// GetPackets is Channel.GetPackets for the mesh: packets in GetPacket's
// order, each described as PacketPeer, PacketChannel and PacketMode would.
func (m *Mesh) GetPackets(buf []byte, infos []PacketInfo) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n, used := 0, 0
	for n < len(infos) {
		e, ok := m.peers[m.nextPeer]
		if m.nextPeer == 0 || !ok {
			m.findNext()
			break
		}
		p, ok, next := e.channels[m.nextChannel].queue.popFitting(len(buf) - used)
		if !ok {
			if next < 0 { // the host read the mesh's channel directly
				m.findNext()
				continue
			}
			if n == 0 {
				infos[0] = PacketInfo{Size: int32(next)}
				return 0, errPacketTooBig(next, len(buf))
			}
			break
		}
		used += copy(buf[used:], p.Data)
		infos[n] = PacketInfo{Size: int32(len(p.Data)), IsString: p.IsString, PeerID: m.nextPeer,
			Channel: transferChannelOf(m.nextChannel), Mode: e.modes[m.nextChannel]}
		n++
		m.findNext()
	}
	return n, nil
}

// PutPackets is Channel.PutPackets for the mesh: each message goes as
// PutPacket sends it (target peer, transfer mode and channel). The sizes
// must add up to at most len(data).
func (m *Mesh) PutPackets(data []byte, sizes []int32) (int, error) {
	off := 0
	for i, size := range sizes {
		if err := m.PutPacket(data[off : off+int(size)]); err != nil {
			return i, err
		}
		off += int(size)
	}
	return len(sizes), nil
}
