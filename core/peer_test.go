package core

import (
	"bytes"
	"testing"
)

func TestNegotiatedChannelsExchange(t *testing.T) {
	guard(t)
	a, b := newTestPeer(t), newTestPeer(t)
	ra := mustChannel(t, a, "reliable", `{"negotiated":true,"id":1}`)
	rb := mustChannel(t, b, "reliable", `{"negotiated":true,"id":1}`)
	s := newSignal(t, a, b)
	if err := a.CreateOffer(); err != nil {
		t.Fatal(err)
	}
	s.until("channels open", open(ra, rb))
	if err := ra.PutPacket([]byte("hello\x00world")); err != nil {
		t.Fatal(err)
	}
	s.until("packet", func() bool { return rb.AvailablePacketCount() == 1 })
	p, err := rb.GetPacket()
	if err != nil || !bytes.Equal(p.Data, []byte("hello\x00world")) || rb.WasStringPacket() {
		t.Fatalf("got %q %v string=%v", p.Data, err, rb.WasStringPacket())
	}
	if a.ConnectionState() != ConnectionConnected {
		t.Fatalf("state %d", a.ConnectionState())
	}
}
