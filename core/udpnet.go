package core

import (
	"net"
	"strings"
	"sync"

	"github.com/pion/transport/v4"
	"github.com/pion/transport/v4/stdnet"
)

// bufferedNet is the operating system's network (pion's stdnet) with a
// larger receive buffer on every UDP socket ICE opens (Config.UDPReceiveBuffer).
// The default buffer (Linux: net.core.rmem_default, 208 KiB) overflows in
// bursts on loopback and fast links; every SCTP packet the kernel drops then
// costs a retransmission, often after pion's 1 s minimum RTO on reliable
// channels, and a lost message on unreliable ones.
//
// The interface list is read on first use, as pion does when it makes its
// own network at gathering time: reading it costs ~190 µs, which a
// connection that never gathers (NewPeer's default one, replaced by the
// host's initialize) should not pay.
type bufferedNet struct {
	*stdnet.Net   // listening and dialing do not need the interface list
	receiveBuffer int

	once sync.Once
	err  error
}

func newBufferedNet(receiveBuffer int) *bufferedNet {
	return &bufferedNet{Net: &stdnet.Net{}, receiveBuffer: receiveBuffer}
}

// loadInterfaces reads the interface list once.
func (n *bufferedNet) loadInterfaces() error {
	n.once.Do(func() { n.err = n.Net.UpdateInterfaces() })
	return n.err
}

// Interfaces lists the network interfaces (read on first use).
func (n *bufferedNet) Interfaces() ([]*transport.Interface, error) {
	if err := n.loadInterfaces(); err != nil {
		return nil, err
	}
	return n.Net.Interfaces()
}

// InterfaceByIndex finds an interface by index (read on first use).
func (n *bufferedNet) InterfaceByIndex(index int) (*transport.Interface, error) {
	if err := n.loadInterfaces(); err != nil {
		return nil, err
	}
	return n.Net.InterfaceByIndex(index)
}

// InterfaceByName finds an interface by name (read on first use).
func (n *bufferedNet) InterfaceByName(name string) (*transport.Interface, error) {
	if err := n.loadInterfaces(); err != nil {
		return nil, err
	}
	return n.Net.InterfaceByName(name)
}

// setReadBuffer asks for the larger buffer. The OS may grant less (Linux caps
// it at net.core.rmem_max), which is not an error.
func (n *bufferedNet) setReadBuffer(conn any) {
	if b, ok := conn.(interface{ SetReadBuffer(int) error }); ok {
		_ = b.SetReadBuffer(n.receiveBuffer)
	}
}

// ListenUDP opens a UDP socket (host candidates) with the larger buffer.
func (n *bufferedNet) ListenUDP(network string, laddr *net.UDPAddr) (transport.UDPConn, error) {
	conn, err := n.Net.ListenUDP(network, laddr)
	if err == nil {
		n.setReadBuffer(conn)
	}
	return conn, err
}

// ListenPacket opens a packet socket (server-reflexive candidates); UDP ones
// get the larger buffer.
func (n *bufferedNet) ListenPacket(network, address string) (net.PacketConn, error) {
	conn, err := n.Net.ListenPacket(network, address)
	if err == nil && strings.HasPrefix(network, "udp") {
		n.setReadBuffer(conn)
	}
	return conn, err
}
