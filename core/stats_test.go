package core

import (
	"testing"
	"time"
)

func TestStatsSelectedPairAndCounters(t *testing.T) {
	guard(t)
	a, b := newTestPeer(t), newTestPeer(t)
	if st := a.Stats(); st.LocalCandidate != CandidateNone || st.RTT != -1 || st.LocalAddress.IsValid() || st.RemoteAddress.IsValid() {
		t.Fatalf("stats before connecting: %+v", st)
	}
	ca := mustChannel(t, a, "r", `{"negotiated":true,"id":1}`)
	cb := mustChannel(t, b, "r", `{"negotiated":true,"id":1}`)
	s := newSignal(t, a, b)
	if err := a.CreateOffer(); err != nil {
		t.Fatal(err)
	}
	s.until("open", open(ca, cb))
	for i := 0; i < 10; i++ {
		if err := ca.PutPacket(make([]byte, 100)); err != nil {
			t.Fatal(err)
		}
	}
	s.until("10 packets", func() bool { return cb.AvailablePacketCount() == 10 })
	if got := ca.Stats(); got.MessagesSent != 10 || got.BytesSent != 1000 {
		t.Fatalf("sender stats %+v", got)
	}
	if got := cb.Stats(); got.MessagesReceived != 10 || got.BytesReceived != 1000 {
		t.Fatalf("receiver stats %+v", got)
	}
	s.until("pair stats", func() bool { st := a.Stats(); return st.BytesSent > 1000 && st.PacketsReceived > 0 })
	st := a.Stats()
	if st.LocalCandidate != CandidateHost || (st.RemoteCandidate != CandidateHost && st.RemoteCandidate != CandidatePrflx) {
		t.Fatalf("selected pair types %+v", st)
	}
	if !st.LocalAddress.Addr().IsLoopback() || st.LocalAddress.Port() == 0 || st.RemoteAddress != b.Stats().LocalAddress {
		t.Fatalf("selected pair addresses %v -> %v, remote's local %v", st.LocalAddress, st.RemoteAddress, b.Stats().LocalAddress)
	}
	a.Close()
	if st := a.Stats(); st.LocalCandidate != CandidateNone {
		t.Fatalf("stats after close %+v", st)
	}
}

func TestRTTMicroseconds(t *testing.T) {
	for _, tc := range []struct {
		rtt  time.Duration
		want int64
	}{{-1, -1}, {0, 0}, {1500 * time.Nanosecond, 1}, {2 * time.Millisecond, 2000}} {
		if got := (PeerStats{RTT: tc.rtt}).RTTMicroseconds(); got != tc.want {
			t.Errorf("RTT %v: %d µs, want %d", tc.rtt, got, tc.want)
		}
	}
}
