package relay

import (
	"bytes"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

// endpoint is a UDP socket standing in for a peer, with its host candidate.
func endpoint(t *testing.T) (*net.UDPConn, string) {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	port := c.LocalAddr().(*net.UDPAddr).Port
	return c, fmt.Sprintf("candidate:1 1 udp 2130706431 127.0.0.1 %d typ host generation 0", port)
}

func newTestRelay(t *testing.T, cfg Config) *Relay {
	t.Helper()
	r, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return r
}

func TestCandidateRewrite(t *testing.T) {
	r := newTestRelay(t, Config{})
	_, candA := endpoint(t)
	got, ok := r.Candidate(A, candA)
	want := fmt.Sprintf(" 127.0.0.1 %d typ host", r.Addr(B).Port)
	if !ok || !strings.Contains(got, want) || !strings.HasPrefix(got, "candidate:1 1 udp") {
		t.Fatalf("rewritten %q %v, want the address of the relay port facing B (%s)", got, ok, want)
	}
	if again, ok := r.Candidate(A, candA); !ok || again != got {
		t.Fatalf("the same candidate again: %q %v", again, ok)
	}
	for _, other := range []string{
		"candidate:2 1 udp 2130706431 127.0.0.2 4000 typ host", // a second address: a direct path
		"candidate:3 1 tcp 1518280447 127.0.0.1 9 typ host tcptype active",
		"", // end of candidates
	} {
		if got, ok := r.Candidate(A, other); ok {
			t.Fatalf("%q passed as %q: it must be filtered out", other, got)
		}
	}
}

func TestForwardDropInject(t *testing.T) {
	// Loss 0.5 A→B, none B→A, 20 ± 10 ms both ways.
	link := Link{Delay: 20 * time.Millisecond, Jitter: 10 * time.Millisecond}
	lossy := link
	lossy.Loss = 0.5
	r := newTestRelay(t, Config{AToB: lossy, BToA: link, Seed: 1})
	a, candA := endpoint(t)
	b, candB := endpoint(t)
	for s, c := range map[Side]string{A: candA, B: candB} {
		if _, ok := r.Candidate(s, c); !ok {
			t.Fatal("candidate refused")
		}
	}
	const n = 400
	for i := range n {
		if _, err := a.WriteToUDP([]byte{byte(i)}, r.Addr(A)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.WriteToUDP([]byte("back"), r.Addr(B)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 100)
	_ = a.SetReadDeadline(time.Now().Add(5 * time.Second))
	if m, from, err := a.ReadFromUDP(buf); err != nil || string(buf[:m]) != "back" || from.Port != r.Addr(A).Port {
		t.Fatalf("B→A: %q from %v (%v), want \"back\" from the relay port facing A", buf[:m], from, err)
	}
	received := 0
	_ = b.SetReadDeadline(time.Now().Add(2 * time.Second))
	for {
		if _, _, err := b.ReadFromUDP(buf); err != nil {
			break
		}
		received++
	}
	st := r.Stats(A)
	if st.Forwarded+st.Dropped != n || int(st.Forwarded) != received || received < n/4 || received > 3*n/4 {
		t.Fatalf("A→B: %d received, counters %+v, want about half of %d", received, st, n)
	}
	if err := r.Inject(B, []byte("spoof")); err != nil {
		t.Fatal(err)
	}
	_ = b.SetReadDeadline(time.Now().Add(5 * time.Second))
	if m, from, err := b.ReadFromUDP(buf); err != nil || !bytes.Equal(buf[:m], []byte("spoof")) || from.Port != r.Addr(B).Port {
		t.Fatalf("injected: %q from %v (%v), want it from the relay port facing B", buf[:m], from, err)
	}
}
