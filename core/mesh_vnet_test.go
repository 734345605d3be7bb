package core

import (
	"fmt"
	"testing"
	"time"
)

// TestMeshVnetLoss sends in every mode through a virtual network that drops
// 10 % of all packets: reliable channels deliver everything in order,
// unreliable ordered channels never reorder, nothing is duplicated, and the
// unreliable built-in channels (lifetime 0 here) really lose packets.
func TestMeshVnetLoss(t *testing.T) {
	guard(t)
	const rounds = 150
	r := newVnetLossRun(t)
	r.v.lossPc.Store(10)
	r.sendRounds(rounds)
	start := time.Now()
	r.w.until("every reliable packet", 45*time.Second, func() bool {
		r.collect()
		return len(r.bySeq[vnetReliable[0]]) >= rounds && len(r.bySeq[vnetReliable[1]]) >= rounds
	})
	t.Logf("reliable delivery under 10%% loss took %v", time.Since(start).Round(time.Millisecond))
	r.w.wait(300 * time.Millisecond)
	r.collect()
	r.v.lossPc.Store(0)

	r.checkReliableComplete(rounds)
	r.checkNoDuplicateNorReorder()
	r.logCounts(rounds)
	r.checkUnreliableLost(rounds)
}

// channelMode is one (channel, transfer mode) a mesh sends on.
type channelMode struct {
	channel int32
	mode    TransferMode
}

// vnetReliable are the reliable channels of a mesh with threeExtra.
var vnetReliable = []channelMode{{0, TransferModeReliable}, {1, TransferModeReliable}}

// vnetLossRun is a connected pair of meshes with threeExtra channels on a
// virtual network, and the sequence numbers mesh 2 has received on each
// channel and mode, in the order they came.
type vnetLossRun struct {
	t     *testing.T
	w     *meshWorld
	v     *vnetWorld
	a, b  *Mesh
	bySeq map[channelMode][]int
}

func newVnetLossRun(t *testing.T) *vnetLossRun {
	w := newMeshWorld(t)
	v := w.useVnet(nil) // before the meshes: their peers are on it
	r := &vnetLossRun{t: t, w: w, v: v, a: w.mesh(), b: w.mesh(), bySeq: map[channelMode][]int{}}
	must(t, r.a.CreateMesh(1, threeExtra))
	must(t, r.b.CreateMesh(2, threeExtra))
	pa, pb := w.peer(), w.peer()
	// Godot's default unreliable_lifetime: 1 ms, as the extra channels use.
	must(t, r.a.AddPeer(pa, 2, 1))
	must(t, r.b.AddPeer(pb, 1, 1))
	must(t, pa.CreateOffer())
	w.links = append(w.links, meshLink{pa, pb})
	w.until("connected", 20*time.Second, all(w.connectedTo(r.a, 2), w.connectedTo(r.b, 1)))
	return r
}

// sendRounds sends seq 0 to rounds-1 from mesh 1 on every channel and mode.
func (r *vnetLossRun) sendRounds(rounds int) {
	for seq := 0; seq < rounds; seq++ {
		for _, k := range combos {
			send(r.t, r.a, 2, k.mode, k.channel, payload(1, k.channel, k.mode, seq))
		}
		r.w.step()
		time.Sleep(2 * time.Millisecond)
	}
}

// collect records the packets mesh 2 has received.
func (r *vnetLossRun) collect() {
	for _, p := range r.w.takePackets(r.b) {
		var from, ch, mode int32
		var seq int
		if _, err := fmt.Sscanf(p.data, "from=%d ch=%d mode=%d seq=%d", &from, &ch, &mode, &seq); err != nil {
			r.t.Fatalf("bad payload %q", p.data)
		}
		checkAttribution(r.t, "mesh 2", []meshPacket{p})
		k := channelMode{p.channel, p.mode}
		r.bySeq[k] = append(r.bySeq[k], seq)
	}
}

// checkReliableComplete checks that the reliable channels delivered every
// packet, in order.
func (r *vnetLossRun) checkReliableComplete(rounds int) {
	for _, k := range vnetReliable {
		got := r.bySeq[k]
		if len(got) != rounds {
			r.t.Fatalf("reliable %+v: %d packets", k, len(got))
		}
		for i, seq := range got {
			if seq != i {
				r.t.Fatalf("reliable %+v: packet %d is seq %d: not in order", k, i, seq)
			}
		}
	}
}

// checkNoDuplicateNorReorder checks that no channel duplicated a packet and
// no ordered one reordered.
func (r *vnetLossRun) checkNoDuplicateNorReorder() {
	for k, got := range r.bySeq {
		seen := map[int]bool{}
		for i, seq := range got {
			if seen[seq] {
				r.t.Fatalf("%+v: seq %d duplicated", k, seq)
			}
			seen[seq] = true
			if k.mode != TransferModeUnreliable && i > 0 && seq < got[i-1] {
				r.t.Fatalf("%+v: seq %d after %d: an ordered channel reordered", k, seq, got[i-1])
			}
		}
	}
}

func (r *vnetLossRun) logCounts(rounds int) {
	counts := map[string]int{}
	for k, got := range r.bySeq {
		counts[fmt.Sprintf("ch%d/mode%d", k.channel, k.mode)] = len(got)
	}
	r.t.Logf("delivered of %d: %v", rounds, counts)
}

// checkUnreliableLost checks that the unreliable channels delivered some
// packets and lost others: the loss was real.
func (r *vnetLossRun) checkUnreliableLost(rounds int) {
	for k := range r.bySeq {
		if k.mode == TransferModeReliable {
			continue
		}
		if n := len(r.bySeq[k]); n == 0 || n >= rounds {
			r.t.Fatalf("unreliable %+v delivered %d of %d under 10%% loss", k, n, rounds)
		}
	}
}

// TestMeshVnetDisconnectGrace partitions a virtual network: peers of meshes
// with the default options are removed as soon as ICE reports
// "disconnected" (Godot's behaviour); with DisconnectGrace they survive a
// short outage without any event and are removed once it lasts longer.
func TestMeshVnetDisconnectGrace(t *testing.T) {
	guard(t)
	w := newMeshWorld(t)
	v := w.useVnet(func(c *Config) {
		c.ICEDisconnectedTimeout = 500 * time.Millisecond
		c.ICEFailedTimeout = 30 * time.Second
		c.ICEKeepalive = 100 * time.Millisecond
	})
	const grace = 3 * time.Second
	g1, g2, d3, d4 := w.mesh(), w.mesh(), w.mesh(), w.mesh()
	for _, m := range []*Mesh{g1, g2} {
		must(t, m.SetOptions(MeshOptions{DisconnectGrace: grace, CloseEmitsPeerDisconnected: true, EventQueueLimit: 64}))
	}
	for i, m := range []*Mesh{g1, g2, d3, d4} {
		must(t, m.CreateMesh(int32(i+1), nil))
	}
	pg1, _ := w.link(g1, 1, g2, 2)
	w.link(d3, 3, d4, 4)
	w.until("connected", 20*time.Second, all(w.connectedTo(g1, 2), w.connectedTo(g2, 1), w.connectedTo(d3, 4), w.connectedTo(d4, 3)))
	for _, m := range []*Mesh{g1, g2, d3, d4} {
		w.takeEvents(m)
	}

	// A short outage.
	v.lossPc.Store(100)
	partitioned := time.Now()
	sawDisconnected := false
	w.until("default meshes drop their peer", 15*time.Second, func() bool {
		if pg1.ConnectionState() == ConnectionDisconnected {
			sawDisconnected = true
		}
		return len(w.events[d3]) > 0 && len(w.events[d4]) > 0
	})
	t.Logf("ICE disconnected after %v", time.Since(partitioned).Round(time.Millisecond))
	wantEvents(t, "mesh 3", w.takeEvents(d3), disconnected(4))
	wantEvents(t, "mesh 4", w.takeEvents(d4), disconnected(3))
	w.wait(200 * time.Millisecond)
	if pg1.ConnectionState() == ConnectionDisconnected {
		sawDisconnected = true
	}
	if !sawDisconnected {
		t.Fatal("the graced connection never went ICE disconnected: the test did not exercise the grace period")
	}
	v.lossPc.Store(0)
	w.until("graced link back", 15*time.Second, func() bool { return pg1.ConnectionState() == ConnectionConnected })
	t.Logf("link back after an outage of %v", time.Since(partitioned).Round(time.Millisecond))
	wantEvents(t, "mesh 1", w.takeEvents(g1))
	wantEvents(t, "mesh 2", w.takeEvents(g2))
	if !g1.HasPeer(2) || !g2.HasPeer(1) {
		t.Fatal("graced peers must survive a short outage")
	}
	send(t, g1, 2, TransferModeReliable, 0, payload(1, 0, TransferModeReliable, 1))
	send(t, g2, 1, TransferModeReliable, 0, payload(2, 0, TransferModeReliable, 2))
	expectFrom(t, w, "mesh 2", g2, 1)
	expectFrom(t, w, "mesh 1", g1, 1)

	// A long outage: removed once the grace period is over.
	v.lossPc.Store(100)
	partitioned = time.Now()
	w.until("graced peers removed", 20*time.Second, func() bool { return len(w.events[g1]) > 0 && len(w.events[g2]) > 0 })
	if elapsed := time.Since(partitioned); elapsed < grace {
		t.Fatalf("removed after %v, before the grace period of %v", elapsed, grace)
	}
	wantEvents(t, "mesh 1", w.takeEvents(g1), disconnected(2))
	wantEvents(t, "mesh 2", w.takeEvents(g2), disconnected(1))
	v.lossPc.Store(0)
}
