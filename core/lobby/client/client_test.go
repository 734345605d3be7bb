package client

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/meshrtc/meshrtc/core"
	"github.com/meshrtc/meshrtc/core/lobby/protocol"
	"github.com/meshrtc/meshrtc/core/lobby/server"
)

// TestMeshLobby: four clients meet in a mesh lobby, every pair connects,
// data flows between all; one leaves and the others see it go in the
// lobby and in the mesh.
func TestMeshLobby(t *testing.T) {
	guard(t)
	url, _ := startServer(t, nil)
	w := &world{t: t}
	members := w.lobbyOf(url, 4, true, `{"peerConfig":`+loopbackPeers+`,"channels":[0,2]}`)

	host := members[0]
	joined, _ := host.find(EventJoined, 0)
	ids := map[int32]bool{}
	for _, m := range members {
		if got, _ := m.find(EventJoined, 0); got.Text != joined.Text || len(got.Text) != 16 {
			t.Errorf("%s joined %q, the host's lobby is %q", m.name, got.Text, joined.Text)
		}
		connected, _ := m.find(EventConnected, 0)
		if !connected.Mesh {
			t.Errorf("%s: EventConnected says server mode", m.name)
		}
		if id, _ := m.c.Mesh().UniqueID(); id != m.id() {
			t.Errorf("%s: mesh id %d, lobby id %d", m.name, id, m.id())
		}
		ids[m.id()] = true
		for _, o := range members {
			if o != m && !m.has(EventPeerJoined, o.id()) {
				t.Errorf("%s: no EventPeerJoined for %s (%d)", m.name, o.name, o.id())
			}
		}
		if n := len(m.c.Mesh().PeerIDs()); n != 3 {
			t.Errorf("%s: %d peers in the mesh, want 3", m.name, n)
		}
		if p, err := m.c.Mesh().GetPeer(m.c.Mesh().PeerIDs()[0]); err != nil || len(p.Channels) != 5 {
			t.Errorf("%s: a peer of the mesh has %d channels (%v), want 3 + the 2 configured", m.name, len(p.Channels), err)
		}
	}
	if host.id() != protocol.HostID || len(ids) != 4 {
		t.Fatalf("ids %v: want 4 different ones, the host's 1", ids)
	}

	for _, m := range members {
		for _, o := range members {
			if o != m {
				m.sendTo(o.id(), fmt.Sprintf("%d to %d", m.id(), o.id()))
			}
		}
	}
	w.waitFor("a packet from every member to every other", func() bool {
		for _, m := range members {
			for _, o := range members {
				if o != m && !m.gotFrom(o.id(), fmt.Sprintf("%d to %d", o.id(), m.id())) {
					return false
				}
			}
		}
		return true
	})

	leaver := members[2]
	leaver.c.Close()
	stayers := slices.Delete(slices.Clone(members), 2, 3)
	w.members = stayers
	w.waitFor("the others see the leaver go", func() bool {
		for _, m := range stayers {
			if !m.has(EventPeerLeft, leaver.id()) || !m.meshHas(core.MeshEventPeerDisconnected, leaver.id()) {
				return false
			}
		}
		return true
	})
	for _, m := range stayers {
		if m.c.Mesh().HasPeer(leaver.id()) {
			t.Errorf("%s: the leaver is still in the mesh", m.name)
		}
	}
	if err := leaver.c.Join("", true); !errors.Is(err, core.ErrUnavailable) {
		t.Errorf("Join after Close: %v, want ErrUnavailable", err)
	}
}

// TestServerLobby: in server mode the host links to every client and each
// client to the host only (the lobby still announces everyone); packets
// flow both ways, and the mesh relays.
func TestServerLobby(t *testing.T) {
	guard(t)
	url, _ := startServer(t, nil)
	w := &world{t: t}
	members := w.lobbyOf(url, 4, false, "")
	host := members[0]
	if n := len(host.c.Mesh().PeerIDs()); n != 3 {
		t.Errorf("the host has %d peers, want 3", n)
	}
	for _, m := range members[1:] {
		if connected, _ := m.find(EventConnected, 0); connected.Mesh {
			t.Errorf("%s: EventConnected says mesh mode", m.name)
		}
		if got := m.c.Mesh().PeerIDs(); !slices.Equal(got, []int32{protocol.HostID}) {
			t.Errorf("%s: peers %v, want [1]", m.name, got)
		}
		for _, o := range members {
			if o != m && !m.has(EventPeerJoined, o.id()) {
				t.Errorf("%s: no EventPeerJoined for %d", m.name, o.id())
			}
		}
		if !m.c.Mesh().IsServerRelaySupported() || m.c.Mesh().ConnectionStatus() != core.StatusConnected {
			t.Errorf("%s: relay %v, status %v", m.name, m.c.Mesh().IsServerRelaySupported(), m.c.Mesh().ConnectionStatus())
		}
		m.sendTo(protocol.HostID, "to the host")
		host.sendTo(m.id(), "to a client")
	}
	w.waitFor("packets both ways", func() bool {
		for _, m := range members[1:] {
			if !m.gotFrom(protocol.HostID, "to a client") || !host.gotFrom(m.id(), "to the host") {
				return false
			}
		}
		return true
	})
}

// TestSeal: only the host seals; everyone hears it; the server then closes
// the lobby and the meshes stay connected.
func TestSeal(t *testing.T) {
	guard(t)
	url, _ := startServer(t, nil)
	w := &world{t: t}
	members := w.lobbyOf(url, 3, true, "")
	host, guest := members[0], members[1]
	if err := guest.c.Seal(); !errors.Is(err, core.ErrUnauthorized) {
		t.Errorf("a guest's Seal: %v, want ErrUnauthorized", err)
	}
	if err := host.c.Seal(); err != nil {
		t.Fatalf("Seal: %v", err)
	}
	w.waitFor("sealed, then closed by the server", func() bool {
		return !slices.ContainsFunc(members, func(m *member) bool { return !m.has(EventClosed, 0) })
	})
	for _, m := range members {
		closed, _ := m.find(EventClosed, 0)
		if !m.has(EventSealed, 0) || closed.Code != protocol.CloseNormal || closed.Text != protocol.ReasonSealComplete {
			t.Errorf("%s: events %+v, want EventSealed then EventClosed 1000 %q", m.name, m.events, protocol.ReasonSealComplete)
		}
		if last := m.events[len(m.events)-1]; last.Type != EventClosed {
			t.Errorf("%s: the last event is %+v, want EventClosed", m.name, last)
		}
		if err := m.c.Seal(); !errors.Is(err, core.ErrUnavailable) {
			t.Errorf("%s: Seal after the close: %v, want ErrUnavailable", m.name, err)
		}
	}
	// The game goes on without the lobby.
	host.sendTo(guest.id(), "after the seal")
	w.waitFor("a packet after the lobby closed", func() bool { return guest.gotFrom(host.id(), "after the seal") })
	if n := len(guest.c.Mesh().PeerIDs()); n != 2 {
		t.Errorf("the guest's mesh has %d peers after the lobby closed, want 2", n)
	}
}

// TestHostLeaves: the host of an unsealed lobby leaves: the others see it
// leave, the server closes the lobby, and their meshes close.
func TestHostLeaves(t *testing.T) {
	guard(t)
	url, _ := startServer(t, nil)
	w := &world{t: t}
	members := w.lobbyOf(url, 3, true, "")
	members[0].c.Close()
	w.members = members[1:]
	w.waitFor("the lobby closed for the others", func() bool {
		return members[1].has(EventClosed, 0) && members[2].has(EventClosed, 0)
	})
	for _, m := range members[1:] {
		closed, _ := m.find(EventClosed, 0)
		if !m.has(EventPeerLeft, protocol.HostID) || closed.Code != protocol.CloseRefused || closed.Text != protocol.ReasonHostDisconnected {
			t.Errorf("%s: events %+v, want EventPeerLeft(1) and EventClosed 4000 %q", m.name, m.events, protocol.ReasonHostDisconnected)
		}
		mesh := m.c.Mesh()
		if mesh.ConnectionStatus() != core.StatusDisconnected || len(mesh.PeerIDs()) != 0 {
			t.Errorf("%s: mesh status %v with peers %v, want a closed mesh", m.name, mesh.ConnectionStatus(), mesh.PeerIDs())
		}
		for _, o := range members {
			if o != m && !m.meshHas(core.MeshEventPeerDisconnected, o.id()) {
				t.Errorf("%s: no peer_disconnected(%d)", m.name, o.id())
			}
		}
	}
}

// TestServerGone: a server that shuts down closes its lobbies; the
// clients' meshes close.
func TestServerGone(t *testing.T) {
	guard(t)
	url, srv := startServer(t, nil)
	w := &world{t: t}
	members := w.lobbyOf(url, 2, false, "")
	go srv.Close() // waits for the clients to go, which needs their polls
	w.waitFor("both see the server go", func() bool { return members[0].has(EventClosed, 0) && members[1].has(EventClosed, 0) })
	for _, m := range members {
		if closed, _ := m.find(EventClosed, 0); closed.Code != protocol.CloseGoingAway || closed.Text != protocol.ReasonShutdown {
			t.Errorf("%s: %+v, want EventClosed 1001 %q", m.name, closed, protocol.ReasonShutdown)
		}
		if m.c.Mesh().ConnectionStatus() != core.StatusDisconnected {
			t.Errorf("%s: the mesh is still up", m.name)
		}
	}
}

// TestCannotConnect: no server at the URL: EventClosed with code 1006 and
// why; then the client refuses work.
func TestCannotConnect(t *testing.T) {
	guard(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "ws://" + ln.Addr().String()
	ln.Close()
	w := &world{t: t}
	m := w.dial(url, "")
	if err := m.c.Join("", true); err != nil {
		t.Fatalf("Join before the connection ended: %v", err)
	}
	w.waitFor("EventClosed", func() bool { return m.has(EventClosed, 0) })
	closed, _ := m.find(EventClosed, 0)
	if closed.Code != CloseAbnormal || !strings.Contains(closed.Text, "cannot connect") || len(m.events) != 1 {
		t.Errorf("events %+v, want only EventClosed 1006 \"cannot connect...\"", m.events)
	}
	if err := m.c.Seal(); !errors.Is(err, core.ErrUnavailable) {
		t.Errorf("Seal: %v, want ErrUnavailable", err)
	}
}

// TestNotJoined: a client that never joins is dropped by the server.
func TestNotJoined(t *testing.T) {
	guard(t)
	url, _ := startServer(t, func(c *server.Config) { c.JoinTimeout = 200e6 })
	w := &world{t: t}
	m := w.dial(url, "")
	w.waitFor("EventClosed", func() bool { return m.has(EventClosed, 0) })
	if closed, _ := m.find(EventClosed, 0); closed.Code != protocol.CloseRefused || closed.Text != protocol.ReasonNoLobby {
		t.Errorf("%+v, want EventClosed 4000 %q", closed, protocol.ReasonNoLobby)
	}
}

// TestCallErrors: the errors of Join and Seal, and of New's arguments.
func TestCallErrors(t *testing.T) {
	guard(t)
	url, _ := startServer(t, nil)
	w := &world{t: t}
	m := w.dial(url, "")
	if err := m.c.Seal(); !errors.Is(err, core.ErrUnconfigured) {
		t.Errorf("Seal before joining: %v, want ErrUnconfigured", err)
	}
	if err := m.c.Join("", true); err != nil {
		t.Fatal(err)
	}
	if err := m.c.Join("", true); !errors.Is(err, core.ErrAlreadyExists) {
		t.Errorf("a second Join: %v, want ErrAlreadyExists", err)
	}
	w.waitFor("the id", func() bool { return m.id() != 0 })
	if err := m.c.Seal(); err != nil {
		t.Errorf("Seal by the host: %v", err)
	}
	if err := m.c.Seal(); err != nil {
		t.Errorf("a second Seal: %v (the server ignores it)", err)
	}
	m.c.Close()
	m.c.Close()
	m.c.Poll() // harmless after Close
	if err := m.c.Seal(); !errors.Is(err, core.ErrUnavailable) {
		t.Errorf("Seal after Close: %v, want ErrUnavailable", err)
	}
	for _, bad := range []string{"", "http://127.0.0.1:1", "ws://", "127.0.0.1:80", "ws://[::1", "wss:///path"} {
		if _, err := New(bad, DefaultOptions()); !errors.Is(err, core.ErrInvalidParameter) {
			t.Errorf("New(%q): %v, want ErrInvalidParameter", bad, err)
		}
	}
	opts := DefaultOptions()
	opts.EventQueueLimit = 0
	if _, err := New(url, opts); !errors.Is(err, core.ErrInvalidParameter) {
		t.Errorf("New with EventQueueLimit 0: %v", err)
	}
}

func TestParseOptions(t *testing.T) {
	opts, err := ParseOptions(`{"peerConfig":{"iceTransportPolicy":"relay","meshrtc":{"ipv6":false}},"channels":[2,1.0,0],` +
		`"unreliableLifetime":250,"meshOptions":{"disconnectGraceMs":1500},"connectTimeoutMs":2500,"eventQueueLimit":64}`)
	if err != nil {
		t.Fatal(err)
	}
	if !opts.PeerConfig.RelayOnly || opts.PeerConfig.IPv6 ||
		!slices.Equal(opts.Channels, []core.TransferMode{core.TransferModeReliable, core.TransferModeUnreliableOrdered, core.TransferModeUnreliable}) ||
		opts.UnreliableLifetime != 250 || opts.MeshOptions.DisconnectGrace != 1500e6 || opts.ConnectTimeout != 2500e6 || opts.EventQueueLimit != 64 {
		t.Errorf("parsed %+v", opts)
	}
	if def, err := ParseOptions(" "); err != nil || def.UnreliableLifetime != 1 || def.ConnectTimeout != DefaultConnectTimeout ||
		def.EventQueueLimit != DefaultEventQueueLimit || !def.MeshOptions.CloseEmitsPeerDisconnected || !def.PeerConfig.IPv4 {
		t.Errorf("defaults: %+v, %v", def, err)
	}
	for _, bad := range []string{
		`[]`, `null`, `{`, `{"peerconfig":{}}`, `{"peerConfig":"{}"}`, `{"peerConfig":{"meshrtc":{"typo":1}}}`,
		`{"channels":[3]}`, `{"channels":[-1]}`, `{"channels":[1.5]}`, `{"channels":{}}`, `{"channels":[` + strings.Repeat("0,", 255) + `0]}`,
		`{"unreliableLifetime":-1}`, `{"unreliableLifetime":65536}`, `{"meshOptions":[]}`, `{"meshOptions":{"eventQueueLimit":1}}`,
		`{"connectTimeoutMs":0}`, `{"connectTimeoutMs":"5"}`, `{"eventQueueLimit":15}`,
	} {
		if _, err := ParseOptions(bad); !errors.Is(err, core.ErrInvalidParameter) {
			t.Errorf("ParseOptions(%s): %v, want ErrInvalidParameter", bad, err)
		}
	}
}

// TestConcurrentCalls: polls, event takes, joins and seals from several
// goroutines at once (run with -race) while a lobby forms.
func TestConcurrentCalls(t *testing.T) {
	guard(t)
	url, _ := startServer(t, nil)
	w := &world{t: t}
	host := w.dial(url, "")
	guest := w.dial(url, "")
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for _, m := range []*member{guest, host} {
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					m.c.Poll()
					if m == guest {
						m.c.Seal() // refused: not the host
					}
					m.c.Mesh().Poll()
				}
			}()
		}
	}
	if err := host.c.Join("", true); err != nil {
		t.Fatal(err)
	}
	w.waitFor("the lobby's name", func() bool { return host.has(EventJoined, 0) })
	joined, _ := host.find(EventJoined, 0)
	errs := make(chan error, 4)
	for range 4 {
		go func() { errs <- guest.c.Join(joined.Text, true) }()
	}
	var accepted int
	for range 4 {
		if err := <-errs; err == nil {
			accepted++
		} else if !errors.Is(err, core.ErrAlreadyExists) {
			t.Errorf("a racing Join: %v", err)
		}
	}
	if accepted != 1 {
		t.Errorf("%d racing Joins were accepted, want 1", accepted)
	}
	w.waitFor("both connected", func() bool {
		return host.meshHas(core.MeshEventPeerConnected, guest.id()) && guest.meshHas(core.MeshEventPeerConnected, 1)
	})
	close(stop)
	wg.Wait()
}
