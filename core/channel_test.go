package core

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"
)

// connectedPair connects two loopback peers (a offers) with configurations
// cfgA and cfgB ("" means loopbackConfig) and returns one negotiated
// channel per side, open, made from opts (which must be negotiated).
func connectedPair(t *testing.T, cfgA, cfgB, opts string) (*signal, *Channel, *Channel) {
	t.Helper()
	if cfgA == "" {
		cfgA = loopbackConfig
	}
	if cfgB == "" {
		cfgB = loopbackConfig
	}
	a, b := newTestPeer(t, cfgA), newTestPeer(t, cfgB)
	ca, cb := mustChannel(t, a, "pair", opts), mustChannel(t, b, "pair", opts)
	s := newSignal(t, a, b)
	s.connect(a)
	s.until("channels open", open(ca, cb))
	return s, ca, cb
}

const reliableOpts = `{"negotiated":true,"id":1}`

func TestChannelGetters(t *testing.T) {
	guard(t)
	p := newTestPeer(t)
	for _, tc := range []struct {
		label, opts    string
		id             int32
		ordered, neg   bool
		protocol       string
		lifetime, retx int32
		reliable       bool
	}{
		{"plain", ``, unsetLimit, true, false, "", unsetLimit, unsetLimit, true},
		{"", `{"ordered":false}`, unsetLimit, false, false, "", unsetLimit, unsetLimit, true},
		{"ünïcødé ✓", `{"protocol":"chat"}`, unsetLimit, true, false, "chat", unsetLimit, unsetLimit, true},
		{"neg0", `{"negotiated":true,"id":0}`, 0, true, true, "", unsetLimit, unsetLimit, true},
		{"negmax", `{"negotiated":true,"id":65534,"ordered":false}`, 65534, false, true, "", unsetLimit, unsetLimit, true},
		{"lifetime", `{"maxPacketLifeTime":150}`, unsetLimit, true, false, "", 150, unsetLimit, false},
		{"lifetime godot spelling", `{"maxPacketLifetime":1,"ordered":false}`, unsetLimit, false, false, "", 1, unsetLimit, false},
		{"lifetime 0", `{"maxPacketLifeTime":0}`, unsetLimit, true, false, "", 0, unsetLimit, false},
		{"retransmits", `{"maxRetransmits":3,"negotiated":true,"id":40}`, 40, true, true, "", unsetLimit, 3, false},
		{"retransmits 0", `{"maxRetransmits":0,"ordered":false,"protocol":"p"}`, unsetLimit, false, false, "p", unsetLimit, 0, false},
	} {
		ch := mustChannel(t, p, tc.label, tc.opts)
		if ch.Label() != tc.label || ch.ID() != tc.id || ch.Ordered() != tc.ordered || ch.Negotiated() != tc.neg ||
			ch.Protocol() != tc.protocol || ch.MaxPacketLifeTime() != tc.lifetime || ch.MaxRetransmits() != tc.retx ||
			ch.Reliable() != tc.reliable {
			t.Errorf("%q %s: label %q id %d ordered %v negotiated %v protocol %q lifetime %d retransmits %d reliable %v",
				tc.label, tc.opts, ch.Label(), ch.ID(), ch.Ordered(), ch.Negotiated(), ch.Protocol(),
				ch.MaxPacketLifeTime(), ch.MaxRetransmits(), ch.Reliable())
		}
		if ch.State() != ChannelConnecting || ch.WriteMode() != WriteModeBinary || ch.WasStringPacket() ||
			ch.MaxPacketSize() != DefaultMaxMessageSize || ch.BufferedAmount() != 0 || ch.AvailablePacketCount() != 0 ||
			ch.DroppedPacketCount() != 0 || ch.Poll() != nil {
			t.Errorf("%q: fresh channel state %d mode %d string %v max %d buffered %d available %d dropped %d",
				tc.label, ch.State(), ch.WriteMode(), ch.WasStringPacket(), ch.MaxPacketSize(), ch.BufferedAmount(),
				ch.AvailablePacketCount(), ch.DroppedPacketCount())
		}
		if _, ok := ch.PeekPacket(); ok {
			t.Errorf("%q: peek on a fresh channel", tc.label)
		}
	}
}

func TestChannelBeforeOpenAndClose(t *testing.T) {
	guard(t)
	p := newTestPeer(t, loopbackWith(`"maxMessageSize":100`))
	ch := mustChannel(t, p, "early", "")
	if ch.MaxPacketSize() != 100 {
		t.Fatalf("max packet size %d, want the configured 100", ch.MaxPacketSize())
	}
	wantCode(t, "put before open", ch.PutPacket([]byte("x")), CodeUnavailable)
	wantCode(t, "empty put before open", ch.PutPacket(nil), CodeUnavailable)
	wantCode(t, "oversize put before open", ch.PutPacket(make([]byte, 101)), CodeInvalidParameter)
	_, err := ch.GetPacket()
	wantCode(t, "get on empty", err, CodeUnavailable)
	for _, mode := range []WriteMode{-1, 2, 100} {
		wantCode(t, fmt.Sprintf("write mode %d", mode), ch.SetWriteMode(mode), CodeInvalidParameter)
	}
	if ch.WriteMode() != WriteModeBinary {
		t.Fatal("a refused write mode was applied")
	}
	ch.Close()
	ch.Close()
	if ch.State() != ChannelClosed {
		t.Fatalf("state %d after close", ch.State())
	}
	wantCode(t, "put after close", ch.PutPacket([]byte("x")), CodeFailed)
	wantCode(t, "oversize put after close", ch.PutPacket(make([]byte, 101)), CodeInvalidParameter)
	_, err = ch.GetPacket()
	wantCode(t, "get after close", err, CodeUnavailable)
}

func TestChannelWriteModes(t *testing.T) {
	guard(t)
	s, ca, cb := connectedPair(t, "", "", reliableOpts)
	if ca.WriteMode() != WriteModeBinary {
		t.Fatalf("default write mode %d, want binary (Godot 4)", ca.WriteMode())
	}
	sends := []struct {
		mode WriteMode
		data string
	}{
		{WriteModeText, "hello\x00world\x00"},
		{WriteModeBinary, "\x00\x01\xffbinary"},
		{WriteModeText, ""},
		{WriteModeBinary, ""},
		{WriteModeText, "\x00"},
		{WriteModeText, "ünïcødé"},
		{WriteModeBinary, "after text"},
	}
	for _, m := range sends {
		if err := ca.SetWriteMode(m.mode); err != nil {
			t.Fatal(err)
		}
		if ca.WriteMode() != m.mode {
			t.Fatalf("write mode %d, want %d", ca.WriteMode(), m.mode)
		}
		if err := ca.PutPacket([]byte(m.data)); err != nil {
			t.Fatalf("put %q: %v", m.data, err)
		}
	}
	s.until("all packets queued", func() bool { return cb.AvailablePacketCount() == len(sends) })
	for i, m := range sends {
		peek, ok := cb.PeekPacket()
		if !ok || !bytes.Equal(peek.Data, []byte(m.data)) {
			t.Fatalf("%d: peek %q %v", i, peek.Data, ok)
		}
		if i > 0 && cb.WasStringPacket() != (sends[i-1].mode == WriteModeText) {
			t.Fatalf("%d: peek changed was_string_packet", i)
		}
		p, err := cb.GetPacket()
		if err != nil {
			t.Fatal(err)
		}
		wantString := m.mode == WriteModeText
		if !bytes.Equal(p.Data, []byte(m.data)) || p.IsString != wantString || cb.WasStringPacket() != wantString {
			t.Fatalf("%d: got %q string=%v was_string=%v, want %q string=%v", i, p.Data, p.IsString, cb.WasStringPacket(), m.data, wantString)
		}
	}
	if _, err := cb.GetPacket(); CodeOf(err) != CodeUnavailable {
		t.Fatalf("get on empty: %v", err)
	}
	if cb.WasStringPacket() != (sends[len(sends)-1].mode == WriteModeText) {
		t.Fatal("a failed get changed was_string_packet")
	}
	// The receiver's own write mode does not matter for what it receives.
	if cb.WriteMode() != WriteModeBinary {
		t.Fatal("receiving changed the write mode")
	}
}

func TestChannelOrderedAndUnordered(t *testing.T) {
	guard(t)
	a, b := newTestPeer(t), newTestPeer(t)
	orderedA := mustChannel(t, a, "ordered", `{"negotiated":true,"id":1}`)
	orderedB := mustChannel(t, b, "ordered", `{"negotiated":true,"id":1}`)
	unorderedA := mustChannel(t, a, "unordered", `{"negotiated":true,"id":2,"ordered":false}`)
	unorderedB := mustChannel(t, b, "unordered", `{"negotiated":true,"id":2,"ordered":false}`)
	s := newSignal(t, a, b)
	s.connect(a)
	s.until("open", open(orderedA, orderedB, unorderedA, unorderedB))
	if !orderedB.Ordered() || unorderedB.Ordered() || !unorderedB.Reliable() {
		t.Fatal("ordering options not applied")
	}
	const n = 500
	for i := range n {
		msg := []byte(fmt.Sprintf("%05d", i))
		if err := orderedA.PutPacket(msg); err != nil {
			t.Fatal(err)
		}
		if err := unorderedA.PutPacket(msg); err != nil {
			t.Fatal(err)
		}
	}
	for i, p := range s.recvAll(orderedB, n) {
		if want := fmt.Sprintf("%05d", i); string(p.Data) != want {
			t.Fatalf("ordered channel: packet %d is %q", i, p.Data)
		}
	}
	// Unordered but reliable: every message once, in any order.
	seen := map[string]bool{}
	for _, p := range s.recvAll(unorderedB, n) {
		if seen[string(p.Data)] {
			t.Fatalf("duplicate %q", p.Data)
		}
		seen[string(p.Data)] = true
	}
	for i := range n {
		if !seen[fmt.Sprintf("%05d", i)] {
			t.Fatalf("message %d lost on a reliable unordered channel", i)
		}
	}
	if orderedA.DroppedPacketCount() != 0 || orderedB.DroppedPacketCount() != 0 {
		t.Fatal("reliable channels dropped packets")
	}
}

func TestChannelPutPacketErrors(t *testing.T) {
	guard(t)
	s, ca, cb := connectedPair(t, "", "", reliableOpts)
	wantCode(t, "oversize", ca.PutPacket(make([]byte, ca.MaxPacketSize()+1)), CodeInvalidParameter)
	if _, err := cb.GetPacket(); CodeOf(err) != CodeUnavailable {
		t.Fatalf("get on empty: %v", err)
	}
	// Empty packets are packets.
	for range 3 {
		if err := ca.PutPacket(nil); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range s.recvAll(cb, 3) {
		if len(p.Data) != 0 || p.IsString {
			t.Fatalf("empty packet arrived as %q string=%v", p.Data, p.IsString)
		}
	}
	// Closing one side's channel: its puts fail, the other side follows.
	if err := ca.PutPacket([]byte("before close")); err != nil {
		t.Fatal(err)
	}
	s.until("packet queued", func() bool { return cb.AvailablePacketCount() == 1 })
	cb.Close()
	if st := cb.State(); st != ChannelClosing && st != ChannelClosed {
		t.Fatalf("state %d right after close", st)
	}
	wantCode(t, "put on a closed channel", cb.PutPacket([]byte("x")), CodeFailed)
	s.until("both sides closed", closed(ca, cb))
	wantCode(t, "put on a channel the remote closed", ca.PutPacket([]byte("x")), CodeFailed)
	wantCode(t, "oversize on a closed channel", ca.PutPacket(make([]byte, ca.MaxPacketSize()+1)), CodeInvalidParameter)
	if p, err := cb.GetPacket(); err != nil || string(p.Data) != "before close" {
		t.Fatalf("queued packet lost by close: %q %v", p.Data, err)
	}
	// The connection stays up.
	if s.a.ConnectionState() != ConnectionConnected || s.b.ConnectionState() != ConnectionConnected {
		t.Fatal("closing a channel closed the connection")
	}
}

func TestChannelCloseKeepsOthers(t *testing.T) {
	guard(t)
	a, b := newTestPeer(t), newTestPeer(t)
	one := mustChannel(t, a, "one", "")
	two := mustChannel(t, a, "two", "")
	s := newSignal(t, a, b)
	s.connect(a)
	oneB, twoB := s.receivedChannel(b, "one"), s.receivedChannel(b, "two")
	s.until("open", open(one, two, oneB, twoB))
	// The receiver of an in-band channel closes it.
	oneB.Close()
	s.until("closed", closed(one, oneB))
	if err := two.PutPacket([]byte("still here")); err != nil {
		t.Fatal(err)
	}
	if got := s.recvAll(twoB, 1); string(got[0].Data) != "still here" {
		t.Fatalf("got %q", got[0].Data)
	}
	if err := twoB.PutPacket([]byte("and back")); err != nil {
		t.Fatal(err)
	}
	if got := s.recvAll(two, 1); string(got[0].Data) != "and back" {
		t.Fatalf("got %q", got[0].Data)
	}
}

func TestChannelLargeMessages(t *testing.T) {
	guard(t)
	s, ca, cb := connectedPair(t, "", "", reliableOpts)
	rng := rand.New(rand.NewPCG(1, 2))
	random := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.UintN(256))
		}
		return b
	}
	sizes := []int{200 * 1024, 5000, 1, 4096, 4097, 64 * 1024, ca.MaxPacketSize(), 200 * 1024}
	var sent [][]byte
	for i, n := range sizes {
		msg := random(n)
		if err := ca.SetWriteMode(WriteMode(i % 2)); err != nil {
			t.Fatal(err)
		}
		if err := ca.PutPacket(msg); err != nil {
			t.Fatalf("put %d bytes: %v", n, err)
		}
		sent = append(sent, msg)
	}
	for i, p := range s.recvAll(cb, len(sizes)) {
		if !bytes.Equal(p.Data, sent[i]) || p.IsString != (i%2 == 0) {
			t.Fatalf("message %d (%d bytes) arrived as %d bytes, string=%v", i, len(sent[i]), len(p.Data), p.IsString)
		}
	}
	// And back, larger first.
	big := random(cb.MaxPacketSize())
	if err := cb.PutPacket(big); err != nil {
		t.Fatal(err)
	}
	if got := s.recvAll(ca, 1); !bytes.Equal(got[0].Data, big) {
		t.Fatalf("%d bytes arrived as %d", len(big), len(got[0].Data))
	}
}

func TestChannelSmallMaxMessageSize(t *testing.T) {
	guard(t)
	small := loopbackWith(`"maxMessageSize":1024`)
	s, ca, cb := connectedPair(t, small, small, reliableOpts)
	if ca.MaxPacketSize() != 1024 || cb.MaxPacketSize() != 1024 {
		t.Fatalf("max packet size %d/%d", ca.MaxPacketSize(), cb.MaxPacketSize())
	}
	wantCode(t, "1025 bytes", ca.PutPacket(make([]byte, 1025)), CodeInvalidParameter)
	msg := bytes.Repeat([]byte("0123456789abcdef"), 64)
	if err := ca.PutPacket(msg); err != nil {
		t.Fatal(err)
	}
	if err := ca.PutPacket(msg[:10]); err != nil {
		t.Fatal(err)
	}
	got := s.recvAll(cb, 2)
	if !bytes.Equal(got[0].Data, msg) || !bytes.Equal(got[1].Data, msg[:10]) {
		t.Fatalf("got %d and %d bytes", len(got[0].Data), len(got[1].Data))
	}
}

func TestChannelRemoteSmallerMaxMessageSize(t *testing.T) {
	guard(t)
	// b accepts at most 1024 bytes and says so in its SDP (a=max-message-size);
	// a's own limit is the default. Once connected, a's limit is b's.
	s, ca, cb := connectedPair(t, "", loopbackWith(`"maxMessageSize":1024`), reliableOpts)
	if ca.MaxPacketSize() != 1024 || cb.MaxPacketSize() != 1024 {
		t.Fatalf("max packet size a %d b %d, want 1024 on both", ca.MaxPacketSize(), cb.MaxPacketSize())
	}
	wantCode(t, "2000 bytes to a peer that takes 1024", ca.PutPacket(make([]byte, 2000)), CodeInvalidParameter)
	wantCode(t, "2000 bytes from that peer", cb.PutPacket(make([]byte, 2000)), CodeInvalidParameter)
	msg := bytes.Repeat([]byte{0xab}, ca.MaxPacketSize())
	if err := ca.PutPacket(msg); err != nil {
		t.Fatal(err)
	}
	if got := s.recvAll(cb, 1); !bytes.Equal(got[0].Data, msg) {
		t.Fatalf("got %d bytes", len(got[0].Data))
	}
}
