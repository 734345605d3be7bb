package core

import (
	"encoding/binary"
	"net"
	"net/netip"

	"github.com/pion/logging"
	"github.com/pion/stun/v4"
)

// Anyone who knows a connection's addresses can send it datagrams from its
// remote's address and port. DTLS authenticates what it decrypts, but pion
// reads a few records before any check and turns a malformed one into a
// fatal error: a ChangeCipherSpec record is never encrypted, so pion/dtls
// (v3.1.16: ciphersuite's aead.decrypt returns it as it came, whatever its
// epoch) hands an epoch-1 one to RecordLayer.Unmarshal in
// Conn.handleIncomingPacket; a body other than the single byte 1 fails
// there, and pion answers a fatal decode_error alert (which closes the
// remote) and fails its reader (which closes SCTP). A filter in front of
// pion drops the datagrams that carry a record of a form no DTLS 1.2 peer
// ever sends; it needs no connection state, so it cannot drop a record a
// peer may legitimately send at some point of a connection's life.

const (
	dtlsHeaderSize        = 13 // type, version (2), epoch (2), sequence (6), length (2)
	dtlsChangeCipherSpec  = 20
	dtlsApplicationData   = 23
	dtlsFirst, dtlsLast   = 20, 63 // first bytes of DTLS datagrams (RFC 7983, as pion demultiplexes)
	channelDataHeaderSize = 4      // channel number (2), length (2)
)

// forgedDatagram reports whether a datagram carries a DTLS record no peer
// sends: directly, or relayed by a TURN server (ChannelData or a Data
// indication), whose payload pion's TURN client hands on to DTLS as it is.
func forgedDatagram(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	switch {
	case b[0] >= dtlsFirst && b[0] <= dtlsLast:
		return forgedDTLS(b)
	case b[0]&0xc0 == 0x40 && len(b) >= channelDataHeaderSize: // channel numbers 0x4000-0x7fff
		n := int(binary.BigEndian.Uint16(b[2:]))
		return n <= len(b)-channelDataHeaderSize && forgedDTLS(b[channelDataHeaderSize:channelDataHeaderSize+n])
	case len(b) >= 2 && binary.BigEndian.Uint16(b) == dataIndication:
		return forgedDTLS(indicationData(b))
	}
	return false
}

// dataIndication is the STUN message type of a TURN Data indication.
var dataIndication = stun.NewType(stun.MethodData, stun.ClassIndication).Value()

// indicationData is the DATA attribute of a Data indication, nil if there is none.
func indicationData(b []byte) []byte {
	m := &stun.Message{Raw: b}
	if m.Decode() != nil {
		return nil
	}
	data, err := m.Get(stun.AttrData)
	if err != nil {
		return nil
	}
	return data
}

// forgedDTLS reports whether a DTLS datagram carries a forged record. The
// records are framed as pion frames them (no connection IDs: pion/webrtc
// does not negotiate them); a datagram whose records overrun it is one
// pion discards whole, so it is kept.
func forgedDTLS(b []byte) bool {
	if len(b) == 0 || b[0] < dtlsFirst || b[0] > dtlsLast {
		return false
	}
	for len(b) >= dtlsHeaderSize {
		n := dtlsHeaderSize + int(binary.BigEndian.Uint16(b[11:]))
		if n > len(b) {
			return false
		}
		if forgedRecord(b[:n]) {
			return true
		}
		b = b[n:]
	}
	return false
}

// forgedRecord reports whether a whole DTLS record is one no peer sends.
func forgedRecord(rec []byte) bool {
	epoch := binary.BigEndian.Uint16(rec[3:])
	switch rec[0] {
	case dtlsChangeCipherSpec:
		// The only ChangeCipherSpec ends the plaintext epoch 0 of the one
		// handshake (WebRTC has no renegotiation) and is the byte 1. Pion
		// ignores one of a later epoch and fails on a malformed one.
		return epoch != 0 || len(rec) != dtlsHeaderSize+1 || rec[dtlsHeaderSize] != 1
	case dtlsApplicationData:
		// Application data is always encrypted, never in epoch 0; pion
		// fails a handshake in progress on such a record.
		return epoch == 0
	}
	return false
}

// filteredConn is a UDP socket whose reads skip forged datagrams. Every
// read method is covered, so none of *net.UDPConn's can bypass it.
type filteredConn struct {
	*net.UDPConn
	log logging.LeveledLogger
}

// dropped logs a forged datagram a read skipped.
func (c *filteredConn) dropped(n int, from any) {
	c.log.Debugf("dropped a forged %d-byte datagram from %v", n, from)
}

// Read reads the next datagram that is not forged.
func (c *filteredConn) Read(b []byte) (int, error) {
	for {
		n, err := c.UDPConn.Read(b)
		if err != nil || !forgedDatagram(b[:n]) {
			return n, err
		}
		c.dropped(n, c.RemoteAddr())
	}
}

// ReadFrom reads the next datagram that is not forged.
func (c *filteredConn) ReadFrom(b []byte) (int, net.Addr, error) {
	for {
		n, from, err := c.UDPConn.ReadFrom(b)
		if err != nil || !forgedDatagram(b[:n]) {
			return n, from, err
		}
		c.dropped(n, from)
	}
}

// ReadFromUDP reads the next datagram that is not forged.
func (c *filteredConn) ReadFromUDP(b []byte) (int, *net.UDPAddr, error) {
	for {
		n, from, err := c.UDPConn.ReadFromUDP(b)
		if err != nil || !forgedDatagram(b[:n]) {
			return n, from, err
		}
		c.dropped(n, from)
	}
}

// ReadFromUDPAddrPort reads the next datagram that is not forged.
func (c *filteredConn) ReadFromUDPAddrPort(b []byte) (int, netip.AddrPort, error) {
	for {
		n, from, err := c.UDPConn.ReadFromUDPAddrPort(b)
		if err != nil || !forgedDatagram(b[:n]) {
			return n, from, err
		}
		c.dropped(n, from)
	}
}

// ReadMsgUDP reads the next datagram that is not forged.
func (c *filteredConn) ReadMsgUDP(b, oob []byte) (n, oobn, flags int, from *net.UDPAddr, err error) {
	for {
		n, oobn, flags, from, err = c.UDPConn.ReadMsgUDP(b, oob)
		if err != nil || !forgedDatagram(b[:n]) {
			return n, oobn, flags, from, err
		}
		c.dropped(n, from)
	}
}

// ReadMsgUDPAddrPort reads the next datagram that is not forged.
func (c *filteredConn) ReadMsgUDPAddrPort(b, oob []byte) (n, oobn, flags int, from netip.AddrPort, err error) {
	for {
		n, oobn, flags, from, err = c.UDPConn.ReadMsgUDPAddrPort(b, oob)
		if err != nil || !forgedDatagram(b[:n]) {
			return n, oobn, flags, from, err
		}
		c.dropped(n, from)
	}
}

// ReadFromAddrPort and WriteToAddrPort make pion/ice's allocation-free
// interface (AddrPortReaderWriter), which it finds by itself only on a
// bare *net.UDPConn.
func (c *filteredConn) ReadFromAddrPort(b []byte) (int, netip.AddrPort, error) {
	return c.ReadFromUDPAddrPort(b)
}

// WriteToAddrPort sends one datagram.
func (c *filteredConn) WriteToAddrPort(b []byte, addr netip.AddrPort) (int, error) {
	return c.WriteToUDPAddrPort(b, addr)
}
