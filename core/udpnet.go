package core

import (
	"net"
	"strings"

	"github.com/pion/transport/v4"
	"github.com/pion/transport/v4/stdnet"
)

// bufferedNet is the operating system's network (pion's stdnet) with a
// larger receive buffer on every UDP socket ICE opens (Config.UDPReceiveBuffer).
// The default buffer (Linux: net.core.rmem_default, 208 KiB) overflows in
// bursts on loopback and fast links; every SCTP packet the kernel drops then
// costs a retransmission, often after pion's 1 s minimum RTO on reliable
// channels, and a lost message on unreliable ones.
type bufferedNet struct {
	*stdnet.Net
	receiveBuffer int
}

func newBufferedNet(receiveBuffer int) (*bufferedNet, error) {
	n, err := stdnet.NewNet()
	if err != nil {
		return nil, err
	}
	return &bufferedNet{Net: n, receiveBuffer: receiveBuffer}, nil
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
