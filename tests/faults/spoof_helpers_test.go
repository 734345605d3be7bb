//go:build faults

package faults

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"testing"
	"time"

	"github.com/meshrtc/meshrtc/core"
	"github.com/pion/stun/v4"
	"github.com/pion/turn/v5"
)

// directPair is two peers connected over loopback on the operating
// system's network (so meshrtc's own UDP layer is in use), each with a
// reliable ordered channel (negotiated, id 1).
type directPair struct {
	t     *testing.T
	peers [2]*core.Peer
	rel   [2]*core.Channel
	sent  int            // messages sent each way so far
	turn  netip.AddrPort // the TURN server relaying the pair, if any
}

// connectDirect connects two peers configured with configJSON and waits
// until both channels are open.
func connectDirect(t *testing.T, configJSON string) *directPair {
	t.Helper()
	p := &directPair{t: t, peers: newPeers(t, configJSON)}
	for s, peer := range p.peers {
		p.rel[s] = newChannel(t, peer, "reliable", `{"negotiated":true,"id":1}`)
	}
	if err := p.peers[0].CreateOffer(); err != nil {
		t.Fatal(err)
	}
	p.until("channels open", func() bool {
		return p.rel[0].State() == core.ChannelOpen && p.rel[1].State() == core.ChannelOpen
	})
	return p
}

// pump plays the host's signaling for both sides.
func (p *directPair) pump() { pumpSignaling(p.t, p.peers, nil) }

// until pumps until cond holds; 20 s is a hang guard (loopback takes
// milliseconds), long enough for SCTP to retransmit several times.
func (p *directPair) until(what string, cond func() bool) {
	p.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			p.t.Fatalf("timed out waiting for %s (states %v, %v; channels %v, %v)", what,
				p.peers[0].ConnectionState(), p.peers[1].ConnectionState(), p.rel[0].State(), p.rel[1].State())
		}
		p.pump()
		time.Sleep(2 * time.Millisecond)
	}
}

// path is one side's selected candidate pair: the addresses a datagram
// the remote sends it travels from and to. For a relayed pair, from is
// the TURN server's address and to the side's socket facing it.
func (p *directPair) path(side int) (to, from netip.AddrPort) {
	p.t.Helper()
	st := p.peers[side].Stats()
	ipv4 := func(addr netip.AddrPort) netip.AddrPort {
		if !addr.Addr().Is4() {
			p.t.Fatalf("side %d: candidate address %v is not IPv4 (no pair selected?)", side, addr)
		}
		return addr
	}
	if relayed := st.LocalCandidate == core.CandidateRelay; relayed != p.turn.IsValid() {
		p.t.Fatalf("side %d: local candidate type %d with TURN server %v", side, st.LocalCandidate, p.turn)
	} else if relayed {
		return ipv4(st.LocalRelatedAddress), p.turn
	}
	return ipv4(st.LocalAddress), ipv4(st.RemoteAddress)
}

// relayedPeer is the remote's relayed address, where side's datagrams go.
func (p *directPair) relayedPeer(side int) netip.AddrPort {
	p.t.Helper()
	st := p.peers[side].Stats()
	if st.RemoteCandidate != core.CandidateRelay {
		p.t.Fatalf("side %d: the selected pair is not relayed (remote type %d)", side, st.RemoteCandidate)
	}
	return st.RemoteAddress
}

// exchange sends one message each way on the reliable channel, checks
// both arrive intact, and that both connections are still CONNECTED.
func (p *directPair) exchange() {
	p.t.Helper()
	p.sent++
	var want [2][]byte
	for s := range p.peers {
		want[s] = message(2*p.sent+s, 16, 2048)
		if err := p.rel[s].PutPacket(want[s]); err != nil {
			p.t.Fatalf("side %d: put_packet: %v", s, err)
		}
	}
	var got [2]bool
	p.until(fmt.Sprintf("message %d both ways", p.sent), func() bool {
		for s := range p.peers {
			if got[s] {
				continue
			}
			pkt, err := p.rel[1-s].GetPacket()
			if err != nil {
				continue
			}
			if !bytes.Equal(pkt.Data, want[s]) {
				p.t.Fatalf("side %d sent %d bytes, %d different bytes arrived", s, len(want[s]), len(pkt.Data))
			}
			got[s] = true
		}
		return got[0] && got[1]
	})
	for s, peer := range p.peers {
		if st := peer.ConnectionState(); st != core.ConnectionConnected {
			p.t.Fatalf("side %d: connection state %v, want CONNECTED", s, st)
		}
	}
}

// spoofer sends UDP datagrams with any source address through a raw IPv4
// socket (IP_HDRINCL). It needs CAP_NET_RAW; the fault stage runs as root
// in a namespace of its own, where only lo exists.
type spoofer struct {
	t  *testing.T
	fd int
}

func newSpoofer(t *testing.T) *spoofer {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_RAW, syscall.IPPROTO_RAW)
	if errors.Is(err, syscall.EPERM) {
		// Fail, not skip: a suite that cannot spoof has not tested this.
		t.Fatal("raw sockets need CAP_NET_RAW: run tests/faults/run.sh as root")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Close(fd) })
	return &spoofer{t: t, fd: fd}
}

// send sends payload as one UDP datagram from src to dst.
func (s *spoofer) send(src, dst netip.AddrPort, payload []byte) {
	s.t.Helper()
	const ipLen, udpLen = 20, 8
	pkt := make([]byte, ipLen+udpLen+len(payload))
	ip, udp := pkt[:ipLen], pkt[ipLen:ipLen+udpLen]
	ip[0] = 0x45 // IPv4, 5-word header
	binary.BigEndian.PutUint16(ip[2:], uint16(len(pkt)))
	ip[8] = 64 // TTL
	ip[9] = syscall.IPPROTO_UDP
	srcIP, dstIP := src.Addr().As4(), dst.Addr().As4()
	copy(ip[12:], srcIP[:])
	copy(ip[16:], dstIP[:])
	binary.BigEndian.PutUint16(ip[10:], checksum(ip))
	binary.BigEndian.PutUint16(udp[0:], src.Port())
	binary.BigEndian.PutUint16(udp[2:], dst.Port())
	binary.BigEndian.PutUint16(udp[4:], uint16(udpLen+len(payload)))
	copy(pkt[ipLen+udpLen:], payload)
	// The UDP checksum covers a pseudo-header: addresses, protocol, length.
	var pseudo [12]byte
	copy(pseudo[0:], srcIP[:])
	copy(pseudo[4:], dstIP[:])
	pseudo[9] = syscall.IPPROTO_UDP
	binary.BigEndian.PutUint16(pseudo[10:], uint16(udpLen+len(payload)))
	sum := checksum(pseudo[:], pkt[ipLen:])
	if sum == 0 {
		sum = 0xffff // 0 means "no checksum"
	}
	binary.BigEndian.PutUint16(udp[6:], sum)
	if err := syscall.Sendto(s.fd, pkt, 0, &syscall.SockaddrInet4{Addr: dstIP}); err != nil {
		s.t.Fatalf("raw send %s → %s: %v", src, dst, err)
	}
}

// checksum is the Internet checksum (RFC 1071) of the parts joined; only
// the last part may have an odd length.
func checksum(parts ...[]byte) uint16 {
	var sum uint32
	for _, data := range parts {
		for i := 0; i+1 < len(data); i += 2 {
			sum += uint32(binary.BigEndian.Uint16(data[i:]))
		}
		if len(data)%2 == 1 {
			sum += uint32(data[len(data)-1]) << 8
		}
	}
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	return ^uint16(sum)
}

// spoofBoth sends each datagram to each side from its remote's address
// and port, as an attacker who knows the connection's addresses would.
func (p *directPair) spoofBoth(s *spoofer, datagrams ...[]byte) {
	p.t.Helper()
	p.spoofEach(s, func(int) [][]byte { return datagrams })
}

// spoofEach sends each side the datagrams made for it, from its remote's
// address and port (the TURN server's for a relayed pair).
func (p *directPair) spoofEach(s *spoofer, datagrams func(side int) [][]byte) {
	p.t.Helper()
	for side := range p.peers {
		to, from := p.path(side)
		for _, d := range datagrams(side) {
			s.send(from, to, d)
		}
	}
}

// dtlsRecord is one DTLS 1.2 record: content type, version 0xfefd, epoch
// (2 bytes), sequence number (6 bytes), length (2 bytes), body.
func dtlsRecord(contentType byte, epoch uint16, seq uint64, body []byte) []byte {
	rec := make([]byte, 13, 13+len(body))
	rec[0], rec[1], rec[2] = contentType, 0xfe, 0xfd
	binary.BigEndian.PutUint16(rec[3:], epoch)
	var s [8]byte
	binary.BigEndian.PutUint64(s[:], seq)
	copy(rec[5:11], s[2:])
	binary.BigEndian.PutUint16(rec[11:], uint16(len(body)))
	return append(rec, body...)
}

// startTURN starts a TURN server on 127.0.0.1 (UDP, relaying on
// 127.0.0.1, one user) closed when the test ends, and returns its address
// and the configuration of a peer whose only candidates are relayed
// through it.
func startTURN(t *testing.T) (netip.AddrPort, string) {
	t.Helper()
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	const user, password, realm = "meshrtc", "secret", "meshrtc.test"
	key := turn.GenerateAuthKey(user, realm, password)
	server, err := turn.NewServer(turn.ServerConfig{
		Realm: realm,
		AuthHandler: func(ra *turn.RequestAttributes) (string, []byte, bool) {
			return ra.Username, key, ra.Username == user
		},
		PacketConnConfigs: []turn.PacketConnConfig{{
			PacketConn:            conn,
			RelayAddressGenerator: &turn.RelayAddressGeneratorStatic{RelayAddress: net.IPv4(127, 0, 0, 1), Address: "127.0.0.1"},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = server.Close() })
	addr := conn.LocalAddr().(*net.UDPAddr).AddrPort()
	return addr, fmt.Sprintf(`{"iceServers":[{"urls":["turn:%s"],"username":%q,"credential":%q}],"iceTransportPolicy":"relay",%s`,
		addr, user, password, loopbackConfig("")[1:])
}

// channelData is a TURN ChannelData message on the first channel pion's
// TURN client binds.
func channelData(payload []byte) []byte {
	return append([]byte{0x40, 0x00, byte(len(payload) >> 8), byte(len(payload))}, payload...)
}

// dataIndication is a TURN Data indication: payload from the peer at from.
func dataIndication(t *testing.T, from netip.AddrPort, payload []byte) []byte {
	t.Helper()
	peer := xorPeerAddress{stun.XORMappedAddress{IP: from.Addr().AsSlice(), Port: int(from.Port())}}
	m, err := stun.Build(stun.TransactionID, stun.NewType(stun.MethodData, stun.ClassIndication),
		peer, stun.RawAttribute{Type: stun.AttrData, Value: payload})
	if err != nil {
		t.Fatal(err)
	}
	return m.Raw
}

// xorPeerAddress is TURN's XOR-PEER-ADDRESS, coded as XOR-MAPPED-ADDRESS.
type xorPeerAddress struct{ stun.XORMappedAddress }

func (a xorPeerAddress) AddTo(m *stun.Message) error {
	return a.AddToAs(m, stun.AttrXORPeerAddress)
}
