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
	w := newMeshWorld(t)
	v := w.useVnet(nil)
	a, b := w.mesh(), w.mesh()
	must(t, a.CreateMesh(1, threeExtra))
	must(t, b.CreateMesh(2, threeExtra))
	pa, pb := w.peer(), w.peer()
	// Godot's default unreliable_lifetime: 1 ms, as the extra channels use.
	must(t, a.AddPeer(pa, 2, 1))
	must(t, b.AddPeer(pb, 1, 1))
	must(t, pa.CreateOffer())
	w.links = append(w.links, meshLink{pa, pb})
	w.until("connected", 20*time.Second, all(w.connectedTo(a, 2), w.connectedTo(b, 1)))

	v.lossPc.Store(10)
	const rounds = 150
	for seq := 0; seq < rounds; seq++ {
		for _, k := range combos {
			send(t, a, 2, k.mode, k.channel, payload(1, k.channel, k.mode, seq))
		}
		w.step()
		time.Sleep(2 * time.Millisecond)
	}
	type key struct {
		channel int32
		mode    TransferMode
	}
	bySeq := map[key][]int{}
	collect := func() {
		for _, p := range w.takePackets(b) {
			var from, ch, mode int32
			var seq int
			if _, err := fmt.Sscanf(p.data, "from=%d ch=%d mode=%d seq=%d", &from, &ch, &mode, &seq); err != nil {
				t.Fatalf("bad payload %q", p.data)
			}
			checkAttribution(t, "mesh 2", []meshPacket{p})
			k := key{p.channel, p.mode}
			bySeq[k] = append(bySeq[k], seq)
		}
	}
	reliable := []key{{0, TransferModeReliable}, {1, TransferModeReliable}}
	start := time.Now()
	w.until("every reliable packet", 45*time.Second, func() bool {
		collect()
		return len(bySeq[reliable[0]]) >= rounds && len(bySeq[reliable[1]]) >= rounds
	})
	t.Logf("reliable delivery under 10%% loss took %v", time.Since(start).Round(time.Millisecond))
	w.wait(300 * time.Millisecond)
	collect()
	v.lossPc.Store(0)

	for _, k := range reliable {
		got := bySeq[k]
		if len(got) != rounds {
			t.Fatalf("reliable %+v: %d packets", k, len(got))
		}
		for i, seq := range got {
			if seq != i {
				t.Fatalf("reliable %+v: packet %d is seq %d: not in order", k, i, seq)
			}
		}
	}
	for k, got := range bySeq {
		seen := map[int]bool{}
		for i, seq := range got {
			if seen[seq] {
				t.Fatalf("%+v: seq %d duplicated", k, seq)
			}
			seen[seq] = true
			if k.mode != TransferModeUnreliable && i > 0 && seq < got[i-1] {
				t.Fatalf("%+v: seq %d after %d: an ordered channel reordered", k, seq, got[i-1])
			}
		}
	}
	counts := map[string]int{}
	for k, got := range bySeq {
		counts[fmt.Sprintf("ch%d/mode%d", k.channel, k.mode)] = len(got)
	}
	t.Logf("delivered of %d: %v", rounds, counts)

	for k := range bySeq {
		if k.mode == TransferModeReliable {
			continue
		}
		if n := len(bySeq[k]); n == 0 || n >= rounds {
			t.Fatalf("unreliable %+v delivered %d of %d under 10%% loss", k, n, rounds)
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
