package core

import (
	"net"
	"sync"
	"time"

	"github.com/pion/logging"
	"github.com/pion/transport/v5"
	"github.com/pion/transport/v5/stdnet"
)

// bufferedNet is the operating system's network (pion's stdnet) as every
// connection without Config.Net uses it: the UDP sockets ICE opens drop
// forged datagrams (see forgedDatagram) and get a larger receive buffer
// (Config.UDPReceiveBuffer, when not 0).
// The default buffer (Linux: net.core.rmem_default, 208 KiB) overflows in
// bursts on loopback and fast links; every SCTP packet the kernel drops then
// costs a retransmission, often after pion's 1 s minimum RTO on reliable
// channels, and a lost message on unreliable ones.
//
// The interface list is read on first use, as pion does when it makes its
// own network at gathering time: reading it walks every interface, which a
// connection that never gathers (NewPeer's default one, replaced by the
// host's initialize) should not pay. Connections that gather within
// interfaceListAge of each other share one read (see sharedInterfaces).
type bufferedNet struct {
	*stdnet.Net   // listening and dialing do not need the interface list
	receiveBuffer int
	log           logging.LeveledLogger

	once   sync.Once
	ifaces *stdnet.Net // the interface list, once read
	err    error
}

func newBufferedNet(receiveBuffer int) *bufferedNet {
	return &bufferedNet{Net: &stdnet.Net{}, receiveBuffer: receiveBuffer, log: Logs.NewLogger("udp")}
}

// interfaceListAge is how long one read of the interface list serves new
// connections. A game connecting a mesh makes dozens of connections at once;
// each read list is memory the connection keeps, and time.
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
func (n *bufferedNet) setReadBuffer(conn *net.UDPConn) {
	if n.receiveBuffer > 0 {
		_ = conn.SetReadBuffer(n.receiveBuffer)
	}
}

// filter gives a UDP socket ICE opened the larger buffer and the filter of
// forged datagrams (stdnet's UDP sockets are *net.UDPConn).
func (n *bufferedNet) filter(conn transport.UDPConn, multicast bool) transport.UDPConn {
	udp, ok := conn.(*net.UDPConn)
	if !ok {
		return conn
	}
	n.setReadBuffer(udp)
	if multicast {
		// The mDNS socket: pion reads it through x/net's ipv4 and ipv6
		// packages, which need the bare socket; it carries no DTLS.
		return udp
	}
	return &filteredConn{UDPConn: udp, log: n.log}
}

// ListenUDP opens a UDP socket (host candidates, mDNS).
func (n *bufferedNet) ListenUDP(network string, laddr *net.UDPAddr) (transport.UDPConn, error) {
	conn, err := n.Net.ListenUDP(network, laddr)
	if err != nil {
		return nil, err
	}
	return n.filter(conn, laddr != nil && laddr.IP.IsMulticast()), nil
}

// ListenPacket opens a packet socket (server-reflexive candidates, TURN
// over UDP).
func (n *bufferedNet) ListenPacket(network, address string) (net.PacketConn, error) {
	conn, err := n.Net.ListenPacket(network, address)
	if udp, ok := conn.(*net.UDPConn); ok && err == nil {
		return n.filter(udp, false), nil
	}
	return conn, err
}
