package core

import (
	"testing"
	"time"
)

// BenchmarkMeshPollIdle is what a game pays per frame for polling a
// connected mesh (8 peers) with nothing arriving.
func BenchmarkMeshPollIdle(b *testing.B) {
	w := newMeshWorld(b)
	ms := make([]*Mesh, 8)
	for i := range ms {
		ms[i] = w.mesh()
		if err := ms[i].CreateMesh(int32(i+1), nil); err != nil {
			b.Fatal(err)
		}
	}
	for i := range ms {
		for j := i + 1; j < len(ms); j++ {
			w.link(ms[i], int32(i+1), ms[j], int32(j+1))
		}
	}
	w.until("connected", 30*time.Second, w.connectedTo(ms[0], 2, 3, 4, 5, 6, 7, 8))
	for b.Loop() {
		ms[0].Poll()
	}
}
