package server

import (
	"fmt"
	"io"
	"sync/atomic"
)

// metrics are the counters /metrics shows (Prometheus text format).
type metrics struct {
	connections atomic.Int64
	peers       atomic.Int64
	relayed     atomic.Uint64
	rejects     map[*refusal]*atomic.Uint64
}

func newMetrics() *metrics {
	m := &metrics{rejects: make(map[*refusal]*atomic.Uint64, len(allRefusals))}
	for _, r := range allRefusals {
		m.rejects[r] = new(atomic.Uint64)
	}
	return m
}

func (m *metrics) reject(r *refusal) { m.rejects[r].Add(1) }

func (m *metrics) write(w io.Writer, lobbies int) {
	gauge := func(name, help string, v int64) {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s gauge\n%s %d\n", name, help, name, name, v)
	}
	gauge("meshrtc_lobby_lobbies", "Open lobbies whose host is connected to this instance.", int64(lobbies))
	gauge("meshrtc_lobby_peers", "Peers in a lobby, connected to this instance.", m.peers.Load())
	gauge("meshrtc_lobby_connections", "WebSocket connections to this instance.", m.connections.Load())
	fmt.Fprintf(w, "# HELP meshrtc_lobby_messages_relayed_total OFFER, ANSWER and CANDIDATE messages relayed from clients of this instance.\n"+
		"# TYPE meshrtc_lobby_messages_relayed_total counter\nmeshrtc_lobby_messages_relayed_total %d\n", m.relayed.Load())
	fmt.Fprintf(w, "# HELP meshrtc_lobby_rejects_total Connections closed (or relayed messages dropped) by reason.\n"+
		"# TYPE meshrtc_lobby_rejects_total counter\n")
	for _, r := range allRefusals {
		fmt.Fprintf(w, "meshrtc_lobby_rejects_total{reason=%q} %d\n", r.metric, m.rejects[r].Load())
	}
}
