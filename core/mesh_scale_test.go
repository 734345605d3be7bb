package core

import (
	"fmt"
	"testing"
	"time"
)

// fullMesh builds n meshes (ids 1..n) all linked to each other and waits
// until every mesh has announced every other peer.
func fullMesh(t *testing.T, w *meshWorld, n int, config []TransferMode) []*Mesh {
	t.Helper()
	meshes := make([]*Mesh, n+1) // by id
	for id := 1; id <= n; id++ {
		meshes[id] = w.mesh()
		must(t, meshes[id].CreateMesh(int32(id), config))
	}
	for i := 1; i <= n; i++ {
		for j := i + 1; j <= n; j++ {
			w.link(meshes[i], int32(i), meshes[j], int32(j))
		}
	}
	start := time.Now()
	w.until(fmt.Sprintf("%d-peer full mesh connected", n), 45*time.Second, func() bool {
		for id := 1; id <= n; id++ {
			if len(w.events[meshes[id]]) < n-1 {
				return false
			}
		}
		return true
	})
	t.Logf("%d-peer full mesh (%d connections) connected in %v", n, n*(n-1)/2, time.Since(start).Round(time.Millisecond))
	for id := 1; id <= n; id++ {
		evs := w.takeEvents(meshes[id])
		seen := map[int32]bool{}
		for _, ev := range evs {
			if ev.Type != MeshEventPeerConnected || ev.PeerID == int32(id) || seen[ev.PeerID] {
				t.Fatalf("mesh %d: events %v", id, evs)
			}
			seen[ev.PeerID] = true
		}
	}
	return meshes[1:]
}

// star builds a server and clients 2..n+1 and waits until all are connected.
func star(t *testing.T, w *meshWorld, clients int, config []TransferMode) (*Mesh, []*Mesh) {
	t.Helper()
	server := w.mesh()
	must(t, server.CreateServer(config))
	cs := make([]*Mesh, clients)
	for i := range cs {
		cs[i] = w.mesh()
		must(t, cs[i].CreateClient(int32(i+2), config))
		w.link(server, 1, cs[i], int32(i+2))
	}
	start := time.Now()
	w.until(fmt.Sprintf("server with %d clients connected", clients), 45*time.Second, func() bool {
		if len(w.events[server]) < clients {
			return false
		}
		for _, c := range cs {
			if c.ConnectionStatus() != StatusConnected {
				return false
			}
		}
		return true
	})
	t.Logf("server and %d clients connected in %v", clients, time.Since(start).Round(time.Millisecond))
	w.takeEvents(server)
	for i, c := range cs {
		wantEvents(t, fmt.Sprintf("client %d", i+2), w.takeEvents(c), connected(1), succeeded)
	}
	return server, cs
}

// expectFrom waits until m has received want packets, then checks their
// attribution and that each (sender, channel, mode, seq) came exactly once.
func expectFrom(t *testing.T, w *meshWorld, who string, m *Mesh, want int) []meshPacket {
	t.Helper()
	w.until(fmt.Sprintf("%d packets at %s", want, who), 30*time.Second, func() bool { return len(w.packets[m]) >= want })
	got := w.takePackets(m)
	if len(got) != want {
		t.Fatalf("%s: %d packets, want %d", who, len(got), want)
	}
	checkAttribution(t, who, got)
	seen := map[string]bool{}
	for _, p := range got {
		if seen[p.data] {
			t.Fatalf("%s: duplicate %q", who, p.data)
		}
		seen[p.data] = true
	}
	return got
}

// TestMeshFullMesh8 exchanges packets in every mode and on every extra
// channel across an 8-peer full mesh.
func TestMeshFullMesh8(t *testing.T) {
	guard(t)
	w := newMeshWorld(t)
	meshes := fullMesh(t, w, 8, threeExtra)
	for i, m := range meshes {
		for seq, k := range combos {
			send(t, m, TargetPeerBroadcast, k.mode, k.channel, payload(int32(i+1), k.channel, k.mode, seq))
		}
	}
	for i, m := range meshes {
		expectFrom(t, w, fmt.Sprintf("mesh %d", i+1), m, 7*len(combos))
	}
	// Exclusion and one target in each mode.
	for seq, k := range combos {
		send(t, meshes[0], -2, k.mode, k.channel, payload(1, k.channel, k.mode, 100+seq))
		send(t, meshes[7], 2, k.mode, k.channel, payload(8, k.channel, k.mode, 200+seq))
	}
	expectFrom(t, w, "mesh 2", meshes[1], len(combos))
	for i := 2; i < 8; i++ {
		expectFrom(t, w, fmt.Sprintf("mesh %d", i+1), meshes[i], len(combos))
	}
	w.wait(50 * time.Millisecond)
	if n := len(w.packets[meshes[0]]); n != 0 {
		t.Fatalf("mesh 1 got %d packets it should not have", n)
	}
}

// TestMeshServer7Clients exchanges packets in every mode between a server and
// seven clients, with the server relaying every packet to the other clients
// in the packet's own mode and channel, as SceneMultiplayer does.
func TestMeshServer7Clients(t *testing.T) {
	guard(t)
	w := newMeshWorld(t)
	server, clients := star(t, w, 7, threeExtra)
	for i, c := range clients {
		for seq, k := range combos {
			send(t, c, TargetPeerServer, k.mode, k.channel, payload(int32(i+2), k.channel, k.mode, seq))
		}
		// A client may only address the server.
		wantErr(t, "client to another client", trySend(c, 3, TransferModeReliable, 0, "x"), ErrInvalidParameter, "invalid target peer")
	}
	got := expectFrom(t, w, "server", server, 7*len(combos))
	for _, p := range got {
		send(t, server, -p.peer, p.mode, p.channel, "relay "+p.data)
	}
	for i, c := range clients {
		id := int32(i + 2)
		w.until(fmt.Sprintf("relayed packets at client %d", id), 30*time.Second, func() bool { return len(w.packets[c]) >= 6*len(combos) })
		relayed := w.takePackets(c)
		if len(relayed) != 6*len(combos) {
			t.Fatalf("client %d: %d relayed packets", id, len(relayed))
		}
		for _, p := range relayed {
			var from, ch, mode int32
			var seq int
			if _, err := fmt.Sscanf(p.data, "relay from=%d ch=%d mode=%d seq=%d", &from, &ch, &mode, &seq); err != nil ||
				from == id || p.peer != 1 || p.channel != ch || p.mode != TransferMode(mode) {
				t.Fatalf("client %d: %q arrived as peer %d channel %d mode %d", id, p.data, p.peer, p.channel, p.mode)
			}
		}
	}
}

// TestMeshFullMesh16 connects 16 peers (120 connections) and exchanges packets.
func TestMeshFullMesh16(t *testing.T) {
	guard(t)
	w := newMeshWorld(t)
	meshes := fullMesh(t, w, 16, nil)
	for i, m := range meshes {
		send(t, m, TargetPeerBroadcast, TransferModeReliable, 0, payload(int32(i+1), 0, TransferModeReliable, 0))
		send(t, m, TargetPeerBroadcast, TransferModeUnreliable, 0, payload(int32(i+1), 0, TransferModeUnreliable, 1))
	}
	for i, m := range meshes {
		expectFrom(t, w, fmt.Sprintf("mesh %d", i+1), m, 2*15)
	}
}

// TestMeshServer15Clients connects a server with 15 clients and exchanges packets.
func TestMeshServer15Clients(t *testing.T) {
	guard(t)
	w := newMeshWorld(t)
	server, clients := star(t, w, 15, nil)
	for i, c := range clients {
		send(t, c, TargetPeerServer, TransferModeReliable, 0, payload(int32(i+2), 0, TransferModeReliable, 0))
		send(t, c, TargetPeerServer, TransferModeUnreliableOrdered, 0, payload(int32(i+2), 0, TransferModeUnreliableOrdered, 1))
	}
	expectFrom(t, w, "server", server, 2*15)
	send(t, server, TargetPeerBroadcast, TransferModeReliable, 0, payload(1, 0, TransferModeReliable, 2))
	for i, c := range clients {
		expectFrom(t, w, fmt.Sprintf("client %d", i+2), c, 1)
	}
}
