package client

import (
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pion/transport/v5/test"

	"github.com/meshrtc/meshrtc/core"
	"github.com/meshrtc/meshrtc/core/lobby/server"
)

// hangGuard bounds every wait of a test: a broken client fails the test
// instead of hanging it (never a timing assertion).
const hangGuard = 30 * time.Second

// loopbackPeers is the peer configuration of every test: loopback-only ICE.
const loopbackPeers = `{"iceServers":[],"meshrtc":{"interfaces":["lo"],"includeLoopback":true,"mdns":"disabled","ipv6":false}}`

// guard fails the test if goroutines outlive it or it runs too long.
// Register it first: cleanups run last-in first-out, so the leak check runs
// after every client and server of the test is closed.
func guard(t *testing.T) {
	t.Helper()
	t.Cleanup(test.CheckRoutines(t))
	timeout := test.TimeOut(2 * time.Minute)
	t.Cleanup(func() { timeout.Stop() })
}

// startServer runs an in-process lobby server (closed at the end of the
// test) and returns its ws:// URL and the server.
func startServer(t *testing.T, tune func(*server.Config)) (string, *server.Server) {
	t.Helper()
	cfg := server.DefaultConfig()
	cfg.JoinsPerSecond = 0
	cfg.SealDelay = 300 * time.Millisecond
	if tune != nil {
		tune(&cfg)
	}
	s, err := server.New(cfg)
	if err != nil {
		t.Fatalf("server.New: %v", err)
	}
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		s.Close()
		hs.Close()
	})
	return "ws" + strings.TrimPrefix(hs.URL, "http"), s
}

// member is one test client and what the test saw of it.
type member struct {
	t       *testing.T
	c       *Client
	name    string
	events  []Event
	mesh    []core.MeshEvent
	packets []packet
}

type packet struct {
	from int32
	data string
}

// world polls every member, as a host's frame loop would.
type world struct {
	t       *testing.T
	members []*member
}

// dial makes a client of url with the given options JSON ("" means the
// loopback peers).
func (w *world) dial(url, options string) *member {
	w.t.Helper()
	if options == "" {
		options = `{"peerConfig":` + loopbackPeers + `}`
	}
	opts, err := ParseOptions(options)
	if err != nil {
		w.t.Fatalf("ParseOptions: %v", err)
	}
	c, err := New(url, opts)
	if err != nil {
		w.t.Fatalf("New: %v", err)
	}
	w.t.Cleanup(c.Close)
	m := &member{t: w.t, c: c, name: fmt.Sprintf("client%d", len(w.members))}
	w.members = append(w.members, m)
	return m
}

// poll polls every member once and records its events and packets.
func (w *world) poll() {
	for _, m := range w.members {
		m.c.Poll()
		for ev, ok := m.c.NextEvent(); ok; ev, ok = m.c.NextEvent() {
			m.events = append(m.events, ev)
		}
		mesh := m.c.Mesh()
		mesh.Poll()
		for ev, ok := mesh.NextEvent(); ok; ev, ok = mesh.NextEvent() {
			m.mesh = append(m.mesh, ev)
		}
		for mesh.AvailablePacketCount() > 0 {
			from := mesh.PacketPeer()
			data, err := mesh.GetPacket()
			if err != nil {
				w.t.Fatalf("%s: get_packet: %v", m.name, err)
			}
			m.packets = append(m.packets, packet{from, string(data)})
		}
	}
}

// waitFor polls until cond holds; after hangGuard the test fails, saying what.
func (w *world) waitFor(what string, cond func() bool) {
	w.t.Helper()
	deadline := time.Now().Add(hangGuard)
	for {
		w.poll()
		if cond() {
			return
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// find is the first event of type typ (and, if id > 0, of peer id).
func (m *member) find(typ EventType, id int32) (Event, bool) {
	for _, ev := range m.events {
		if ev.Type == typ && (id == 0 || ev.PeerID == id) {
			return ev, true
		}
	}
	return Event{}, false
}

func (m *member) has(typ EventType, id int32) bool {
	_, ok := m.find(typ, id)
	return ok
}

func (m *member) meshHas(typ core.MeshEventType, id int32) bool {
	return slices.Contains(m.mesh, core.MeshEvent{Type: typ, PeerID: id})
}

// id is the peer id the lobby gave m (0 before EventConnected).
func (m *member) id() int32 {
	ev, _ := m.find(EventConnected, 0)
	return ev.PeerID
}

// gotFrom reports whether m received data from peer id.
func (m *member) gotFrom(id int32, data string) bool {
	return slices.Contains(m.packets, packet{id, data})
}

// lobbyOf makes a lobby of n members on url (the first creates it in the
// given mode, the others join by name) and waits until each member got
// its id and every WebRTC link the mode has is connected.
func (w *world) lobbyOf(url string, n int, mesh bool, options string) []*member {
	w.t.Helper()
	host := w.dial(url, options)
	if err := host.c.Join("", mesh); err != nil {
		w.t.Fatalf("host join: %v", err)
	}
	w.waitFor("the host's lobby", func() bool { return host.has(EventConnected, 0) })
	joined, _ := host.find(EventJoined, 0)
	members := []*member{host}
	for len(members) < n {
		m := w.dial(url, options)
		// A joiner's mode is the lobby's, whatever it asks for.
		if err := m.c.Join(joined.Text, !mesh); err != nil {
			w.t.Fatalf("join: %v", err)
		}
		members = append(members, m)
	}
	w.waitFor("every member's id", func() bool {
		return !slices.ContainsFunc(members, func(m *member) bool { return m.id() == 0 })
	})
	w.waitFor("every link connected", func() bool {
		for _, m := range members {
			for _, o := range members {
				linked := mesh || m.id() == 1 || o.id() == 1
				if o != m && linked && !m.meshHas(core.MeshEventPeerConnected, o.id()) {
					return false
				}
			}
		}
		return true
	})
	return members
}

// sendTo sends data from m to peer id, reliably.
func (m *member) sendTo(id int32, data string) {
	m.t.Helper()
	mesh := m.c.Mesh()
	mesh.SetTargetPeer(id)
	if err := mesh.PutPacket([]byte(data)); err != nil {
		m.t.Fatalf("%s: put_packet to %d: %v", m.name, id, err)
	}
}
