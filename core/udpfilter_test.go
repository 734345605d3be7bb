package core

import (
	"bytes"
	"encoding/binary"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/pion/stun/v4"
	"github.com/pion/transport/v5"
	"github.com/pion/transport/v5/stdnet"
)

// record is one DTLS 1.2 record: content type, version 0xfefd, epoch,
// 48-bit sequence number, length, body.
func record(contentType byte, epoch uint16, seq uint64, body []byte) []byte {
	rec := make([]byte, dtlsHeaderSize, dtlsHeaderSize+len(body))
	rec[0], rec[1], rec[2] = contentType, 0xfe, 0xfd
	binary.BigEndian.PutUint16(rec[3:], epoch)
	var s [8]byte
	binary.BigEndian.PutUint64(s[:], seq)
	copy(rec[5:11], s[2:])
	binary.BigEndian.PutUint16(rec[11:], uint16(len(body)))
	return append(rec, body...)
}

func filler(n int) []byte { return bytes.Repeat([]byte{0xa5}, n) }

// channelData wraps a payload as TURN ChannelData on channel 0x4000.
func channelData(payload []byte) []byte {
	return append([]byte{0x40, 0x00, byte(len(payload) >> 8), byte(len(payload))}, payload...)
}

// dataIndicationOf wraps a payload as a TURN Data indication.
func dataIndicationOf(t *testing.T, payload []byte) []byte {
	t.Helper()
	m, err := stun.Build(stun.TransactionID, stun.NewType(stun.MethodData, stun.ClassIndication),
		&stun.XORMappedAddress{IP: net.IPv4(127, 0, 0, 1), Port: 5000}, stun.RawAttribute{Type: stun.AttrData, Value: payload})
	if err != nil {
		t.Fatal(err)
	}
	return m.Raw
}

const (
	dtlsAlert     = 21
	dtlsHandshake = 22
	farAhead      = 1 << 47
)

// TestForgedDatagram: each spoof is dropped, each kind of datagram a peer
// or a TURN server sends is kept.
func TestForgedDatagram(t *testing.T) {
	guard(t)
	binding, err := stun.Build(stun.TransactionID, stun.BindingRequest, stun.NewUsername("a:b"), stun.Fingerprint)
	if err != nil {
		t.Fatal(err)
	}
	clientHello := record(dtlsHandshake, 0, 0, filler(120))
	ccs := record(dtlsChangeCipherSpec, 0, 3, []byte{1})
	finished := record(dtlsHandshake, 1, 0, filler(40)) // encrypted: nonce, 12 bytes + header, tag
	appData := record(dtlsApplicationData, 1, 7, filler(300))
	badCCS := record(dtlsChangeCipherSpec, 1, farAhead, filler(38))
	join := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	for _, tc := range []struct {
		name   string
		b      []byte
		forged bool
	}{
		// Spoofs.
		{"epoch-1 ChangeCipherSpec, malformed 38-byte body", badCCS, true},
		{"epoch-1 ChangeCipherSpec far ahead", record(dtlsChangeCipherSpec, 1, farAhead, []byte{1}), true},
		{"epoch-0 ChangeCipherSpec, malformed body", record(dtlsChangeCipherSpec, 0, 3, []byte{2}), true},
		{"epoch-0 ChangeCipherSpec, empty body", record(dtlsChangeCipherSpec, 0, 3, nil), true},
		{"epoch-0 ChangeCipherSpec, two bytes", record(dtlsChangeCipherSpec, 0, 3, []byte{1, 1}), true},
		{"epoch-0 application data", record(dtlsApplicationData, 0, 101, filler(87)), true},
		{"forged record after a legitimate one", join(appData, badCCS), true},
		{"ChannelData carrying a forged record", channelData(badCCS), true},
		{"Data indication carrying a forged record", dataIndicationOf(t, badCCS), true},
		// Kept, pion discards it after the handshake; during the handshake
		// a plaintext alert is legitimate (a failed handshake's).
		{"epoch-0 fatal alert", record(dtlsAlert, 0, 100, []byte{2, 0}), false},
		// Kept, pion discards a datagram whose records overrun it.
		{"truncated forged record", badCCS[:30], false},
		{"header only", badCCS[:12], false},
		// What peers and TURN servers send.
		{"STUN binding request", binding.Raw, false},
		{"ClientHello", clientHello, false},
		{"handshake retransmission after the handshake", record(dtlsHandshake, 0, 9, filler(200)), false},
		{"flight ending the plaintext epoch", join(record(dtlsHandshake, 0, 2, filler(80)), ccs, finished), false},
		{"server's last flight", join(ccs, finished), false},
		{"epoch-1 application data (SCTP)", appData, false},
		{"several epoch-1 records", join(appData, appData, record(dtlsAlert, 1, 8, filler(26))), false},
		{"epoch-1 alert", record(dtlsAlert, 1, 8, filler(26)), false},
		{"ChannelData carrying application data", channelData(appData), false},
		{"ChannelData carrying the last flight", channelData(join(ccs, finished)), false},
		{"ChannelData padded", append(channelData(ccs), 0, 0), false},
		{"ChannelData carrying STUN", channelData(binding.Raw), false},
		{"Data indication carrying application data", dataIndicationOf(t, appData), false},
		{"SRTP range", append([]byte{0x80}, filler(40)...), false},
		{"empty", nil, false},
		{"one byte", []byte{dtlsChangeCipherSpec}, false},
	} {
		if got := forgedDatagram(tc.b); got != tc.forged {
			t.Errorf("%s (%d bytes): forged %v, want %v", tc.name, len(tc.b), got, tc.forged)
		}
	}
}

// TestFilteredConnSkipsForged sends forged datagrams between kept ones to
// a socket of meshrtc's network: every read method returns only the kept.
func TestFilteredConnSkipsForged(t *testing.T) {
	guard(t)
	n := newBufferedNet(0)
	conn, err := n.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, ok := conn.(*filteredConn); !ok {
		t.Fatalf("ListenUDP gave a %T, not a filtered socket", conn)
	}
	packet, err := n.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer packet.Close()
	if _, ok := packet.(*filteredConn); !ok {
		t.Fatalf("ListenPacket gave a %T, not a filtered socket", packet)
	}
	sender, err := net.DialUDP("udp4", nil, conn.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer sender.Close()
	forged := record(dtlsChangeCipherSpec, 1, farAhead, filler(38))
	fc := conn.(*filteredConn)
	reads := map[string]func([]byte) (int, error){
		"Read":     fc.Read,
		"ReadFrom": func(b []byte) (int, error) { n, _, err := fc.ReadFrom(b); return n, err },
		"ReadFromUDP": func(b []byte) (int, error) {
			n, _, err := fc.ReadFromUDP(b)
			return n, err
		},
		"ReadFromAddrPort": func(b []byte) (int, error) { n, _, err := fc.ReadFromAddrPort(b); return n, err },
		"ReadMsgUDP": func(b []byte) (int, error) {
			n, _, _, _, err := fc.ReadMsgUDP(b, nil)
			return n, err
		},
		"ReadMsgUDPAddrPort": func(b []byte) (int, error) {
			n, _, _, _, err := fc.ReadMsgUDPAddrPort(b, nil)
			return n, err
		},
	}
	if err := fc.SetReadDeadline(time.Now().Add(10 * time.Second)); err != nil { // a hang guard
		t.Fatal(err)
	}
	for name, read := range reads {
		kept := record(dtlsApplicationData, 1, 1, []byte(name))
		for _, d := range [][]byte{forged, forged, kept} {
			if _, err := sender.Write(d); err != nil {
				t.Fatal(err)
			}
		}
		buf := make([]byte, 1500)
		got, err := read(buf)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !bytes.Equal(buf[:got], kept) {
			t.Fatalf("%s read %d bytes %x, want the kept datagram", name, got, buf[:got])
		}
	}
	// Writes go through unchanged.
	dst := netip.MustParseAddrPort(sender.LocalAddr().String())
	if _, err := fc.WriteToAddrPort(forged, dst); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1500)
	if err := sender.SetReadDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if got, err := sender.Read(buf); err != nil || !bytes.Equal(buf[:got], forged) {
		t.Fatalf("write: %d bytes, %v", got, err)
	}
}

// recordingNet is the operating system's network, recording every
// datagram its UDP sockets read.
type recordingNet struct {
	*stdnet.Net
	mu   sync.Mutex
	read [][]byte
}

type recordingConn struct {
	transport.UDPConn // only the interface's methods: ReadFrom is the one read
	n                 *recordingNet
}

func (c *recordingConn) ReadFrom(b []byte) (int, net.Addr, error) {
	n, from, err := c.UDPConn.ReadFrom(b)
	if err == nil {
		c.n.mu.Lock()
		c.n.read = append(c.n.read, bytes.Clone(b[:n]))
		c.n.mu.Unlock()
	}
	return n, from, err
}

func (n *recordingNet) ListenUDP(network string, laddr *net.UDPAddr) (transport.UDPConn, error) {
	conn, err := n.Net.ListenUDP(network, laddr)
	if err != nil {
		return nil, err
	}
	return &recordingConn{UDPConn: conn, n: n}, nil
}

// TestForgedDatagramRealTraffic records everything two pion peers send
// each other (ICE, the DTLS handshake, SCTP set-up and data on reliable
// and unreliable channels, closing): the filter keeps all of it.
func TestForgedDatagramRealTraffic(t *testing.T) {
	guard(t)
	rec := &recordingNet{}
	var err error
	if rec.Net, err = stdnet.NewNet(); err != nil {
		t.Fatal(err)
	}
	cfg, err := ParseConfig(loopbackConfig)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Net = rec
	var peers [2]*Peer
	var rel, unrel [2]*Channel
	for i := range peers {
		peers[i] = NewPeer()
		if err := peers[i].Initialize(cfg); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(peers[i].Destroy)
		rel[i] = mustChannel(t, peers[i], "rel", `{"negotiated":true,"id":1}`)
		unrel[i] = mustChannel(t, peers[i], "unrel", `{"negotiated":true,"id":2,"ordered":false,"maxRetransmits":0}`)
		t.Cleanup(rel[i].Destroy)
		t.Cleanup(unrel[i].Destroy)
	}
	s := newSignal(t, peers[0], peers[1])
	s.connect(peers[0])
	s.until("channels open", open(rel[0], rel[1], unrel[0], unrel[1]))
	for _, size := range []int{1, 100, 1200, 16 << 10, 200 << 10} {
		for side := range peers {
			if err := rel[side].PutPacket(filler(size)); err != nil {
				t.Fatal(err)
			}
			if err := unrel[side].PutPacket(filler(min(size, 1000))); err != nil {
				t.Fatal(err)
			}
		}
		for side := range peers {
			s.recvAll(rel[side], 1)
		}
	}
	rel[0].Close()
	s.until("reliable channels closed", closed(rel[0], rel[1]))

	rec.mu.Lock()
	defer rec.mu.Unlock()
	kinds := map[string]int{}
	for _, d := range rec.read {
		if forgedDatagram(d) {
			t.Errorf("a %d-byte datagram pion sent is forged: %x", len(d), d[:min(len(d), 32)])
		}
		for kind, is := range map[string]bool{
			"STUN":                d[0] < 4,
			"plaintext handshake": d[0] == dtlsHandshake && binary.BigEndian.Uint16(d[3:]) == 0,
			"ChangeCipherSpec":    bytes.Contains(d, []byte{dtlsChangeCipherSpec, 0xfe, 0xfd, 0, 0}),
			"application data":    d[0] == dtlsApplicationData,
		} {
			if is {
				kinds[kind]++
			}
		}
	}
	for _, kind := range []string{"STUN", "plaintext handshake", "ChangeCipherSpec", "application data"} {
		if kinds[kind] == 0 {
			t.Errorf("no %s datagram recorded (%v): the test does not cover it", kind, kinds)
		}
	}
	t.Logf("%d datagrams: %v", len(rec.read), kinds)
}
