package core

import (
	"net"
	"strings"
	"sync"
	"time"

	"github.com/pion/transport/v5"
	"github.com/pion/transport/v5/stdnet"
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
// host's initialize) should not pay. Connections that gather within
// interfaceListAge of each other share one read (see sharedInterfaces).
type bufferedNet struct {
	*stdnet.Net   // listening and dialing do not need the interface list
	receiveBuffer int

	once   sync.Once
	ifaces *stdnet.Net // the interface list, once read
	err    error
}

func newBufferedNet(receiveBuffer int) *bufferedNet {
	return &bufferedNet{Net: &stdnet.Net{}, receiveBuffer: receiveBuffer}
}

// interfaceListAge is how long one read of the interface list serves new
// connections. A game connecting a mesh makes dozens of connections at once;
// each read list costs ~7 KB that the connection keeps, and ~190 µs.
const interfaceListAge = time.Second

var interfaceList struct {
	mu   sync.Mutex
	net  *stdnet.Net
	read time.Time
}

// sharedInterfaces returns an interface list read at most interfaceListAge ago.
func sharedInterfaces() (*stdnet.Net, error) {
	interfaceList.mu.Lock()
	defer interfaceList.mu.Unlock()
	if interfaceList.net != nil && time.Since(interfaceList.read) < interfaceListAge {
		return interfaceList.net, nil
	}
	n := &stdnet.Net{}
	if err := n.UpdateInterfaces(); err != nil {
		return nil, err
	}
	interfaceList.net, interfaceList.read = n, time.Now()
	return n, nil
}

// loadInterfaces gets the interface list once.
func (n *bufferedNet) loadInterfaces() error {
	n.once.Do(func() { n.ifaces, n.err = sharedInterfaces() })
	return n.err
}

// Interfaces lists the network interfaces (read on first use).
func (n *bufferedNet) Interfaces() ([]*transport.Interface, error) {
	if err := n.loadInterfaces(); err != nil {
		return nil, err
	}
	return n.ifaces.Interfaces()
}

// InterfaceByIndex finds an interface by index (read on first use).
func (n *bufferedNet) InterfaceByIndex(index int) (*transport.Interface, error) {
	if err := n.loadInterfaces(); err != nil {
		return nil, err
	}
	return n.ifaces.InterfaceByIndex(index)
}

// InterfaceByName finds an interface by name (read on first use).
func (n *bufferedNet) InterfaceByName(name string) (*transport.Interface, error) {
	if err := n.loadInterfaces(); err != nil {
		return nil, err
	}
	return n.ifaces.InterfaceByName(name)
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
