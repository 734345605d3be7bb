//go:build faults

package faults

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/meshrtc/meshrtc/core"
	"github.com/meshrtc/meshrtc/tests/bench/benchkit"
	"github.com/meshrtc/meshrtc/tests/faults/relay"
)

// A transfer of reliable ordered messages of 12 B to 64 KiB
// (benchkit.LossyMessage: log-uniform sizes, 2,000 of them about 15 MB), the
// sender keeping its buffered amount within lossWindow, must complete within
// lossBound: a bound to fail a stalled transfer, not a timing target (the
// bench reports the figure). With pion's SCTP defaults a transfer stalls
// (2 of 2,000 uniform-size messages arrived in 150 s at 20 % loss).
const (
	lossWindow = 1 << 20
	lossBound  = 120 * time.Second
)

// jitteryLink drops loss of the datagrams and delays the rest 50 ± 25 ms.
func jitteryLink(loss float64) relay.Link {
	return relay.Link{Loss: loss, Delay: 50 * time.Millisecond, Jitter: 25 * time.Millisecond}
}

func TestLossReliableHeavy(t *testing.T) {
	guard(t, lossBound+90*time.Second)
	r := newRelay(t, relay.Symmetric(jitteryLink(0.20), 20))
	p := connectPair(t, r, loopbackConfig(""))
	p.checkRelayed()
	res := p.transfer(2000, 0)
	res.report("20%")
}

func TestLossReliableWithUnreliable(t *testing.T) {
	guard(t, lossBound+90*time.Second)
	r := newRelay(t, relay.Symmetric(jitteryLink(0.05), 5))
	p := connectPair(t, r, loopbackConfig(""))
	p.checkRelayed()
	// Fewer reliable messages than the heavy-loss test: what is measured
	// here is the unreliable share while they flow.
	res := p.transfer(500, 10*time.Millisecond)
	res.report("5%")
	// Unreliable packets share the path with a reliable stream filling its
	// window; how many get through is a figure, not a pass condition, but
	// none at all would mean the channel starved.
	if res.unrelReceived == 0 {
		t.Fatalf("none of %d unreliable packets arrived", res.unrelSent)
	}
}

// checkRelayed fails the test unless each side's selected remote candidate
// is the relay port facing it: no direct path bypasses the loss.
func (p *pair) checkRelayed() {
	p.t.Helper()
	for s, peer := range p.peers {
		got := peer.Stats().RemoteAddress
		addr := p.r.Addr(relay.Side(s)).AddrPort()
		if want := netip.AddrPortFrom(addr.Addr().Unmap(), addr.Port()); got != want {
			p.t.Fatalf("side %d: selected remote %v, want %v", s, got, want)
		}
	}
}

type transferResult struct {
	msgs                     int
	bytes                    int64
	elapsed                  time.Duration
	unrelSent, unrelReceived int
	relay                    [2]relay.Counters
}

// transfer sends msgs reliable messages from side A to side B and checks
// each one's bytes and place in the order. With every > 0, A also sends a
// small numbered unreliable packet that often meanwhile (a game's state
// stream); B checks each arrives at most once.
func (p *pair) transfer(msgs int, every time.Duration) transferResult {
	p.t.Helper()
	tx, rx := p.rel[relay.A], p.rel[relay.B]
	utx, urx := p.unrel[relay.A], p.unrel[relay.B]
	res := transferResult{msgs: msgs}
	seen := map[uint32]bool{}
	sent, received := 0, 0
	next := benchkit.LossyMessage(0)
	start := time.Now()
	lastUnrel := start
	for received < msgs {
		if time.Since(start) > lossBound {
			p.t.Fatalf("%d of %d reliable messages arrived in %v (%d sent; relay A→B %+v, B→A %+v)",
				received, msgs, lossBound, sent, p.r.Stats(relay.A), p.r.Stats(relay.B))
		}
		p.pump()
		busy := false
		for sent < msgs && tx.BufferedAmount()+int64(len(next)) <= lossWindow {
			if err := tx.PutPacket(next); err != nil {
				p.t.Fatalf("put %d: %v", sent, err)
			}
			sent++
			next = benchkit.LossyMessage(sent)
			busy = true
		}
		if every > 0 && time.Since(lastUnrel) >= every {
			lastUnrel = time.Now()
			packet := make([]byte, 200)
			binary.LittleEndian.PutUint32(packet, uint32(res.unrelSent))
			if err := utx.PutPacket(packet); err != nil {
				p.t.Fatalf("put unreliable %d: %v", res.unrelSent, err)
			}
			res.unrelSent++
		}
		for pkt, err := rx.GetPacket(); err == nil; pkt, err = rx.GetPacket() {
			if want := benchkit.LossyMessage(received); !bytes.Equal(pkt.Data, want) {
				p.t.Fatalf("message %d: %d bytes differ from the %d sent (out of order or corrupt)", received, len(pkt.Data), len(want))
			}
			res.bytes += int64(len(pkt.Data))
			received++
			busy = true
		}
		for pkt, err := urx.GetPacket(); err == nil; pkt, err = urx.GetPacket() {
			n := binary.LittleEndian.Uint32(pkt.Data)
			if len(pkt.Data) != 200 || int(n) >= res.unrelSent || seen[n] {
				p.t.Fatalf("unreliable packet %d (%d bytes): unknown or duplicate", n, len(pkt.Data))
			}
			seen[n] = true
			res.unrelReceived++
		}
		if !busy {
			time.Sleep(time.Millisecond)
		}
	}
	res.elapsed = time.Since(start)
	res.relay = [2]relay.Counters{p.r.Stats(relay.A), p.r.Stats(relay.B)}
	if tx.State() != core.ChannelOpen || rx.State() != core.ChannelOpen {
		p.t.Fatalf("channels closed during the transfer")
	}
	return res
}

// report prints the figure line tests/faults/run.sh collects.
func (res transferResult) report(loss string) {
	line := fmt.Sprintf("figure loss=%s delay=50±25ms msgs=%d bytes=%d seconds=%.1f goodput_kbps=%.0f relay_dropped=%d/%d",
		loss, res.msgs, res.bytes, res.elapsed.Seconds(), float64(res.bytes)*8/1000/res.elapsed.Seconds(),
		res.relay[0].Dropped+res.relay[1].Dropped, res.relay[0].Dropped+res.relay[1].Dropped+res.relay[0].Forwarded+res.relay[1].Forwarded)
	if res.unrelSent > 0 {
		line += fmt.Sprintf(" unreliable_delivered_pct=%.1f", 100*float64(res.unrelReceived)/float64(res.unrelSent))
	}
	fmt.Println(line)
}
