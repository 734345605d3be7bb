package main

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/meshrtc/meshrtc/core"
	"github.com/meshrtc/meshrtc/core/lobby/client"
	"github.com/meshrtc/meshrtc/core/lobby/server"
)

// cText reads a NUL-terminated string the library returned ("<NULL>" for NULL).
func cText(p *cChar) string {
	if p == nil {
		return "<NULL>"
	}
	n := 0
	for *(*byte)(unsafe.Add(unsafe.Pointer(p), n)) != 0 {
		n++
	}
	return string(unsafe.Slice((*byte)(unsafe.Pointer(p)), n))
}

type lobbyEvent struct {
	typ     client.EventType
	peer    int32
	mesh    int32
	code    int32
	text    string
	hasText bool
}

// lobbyHost plays a host of one lobby handle: it polls the lobby and its
// mesh and records what came out.
type lobbyHost struct {
	t       *testing.T
	lobby   cLobby
	mesh    cMesh
	events  []lobbyEvent
	meshIDs map[int32]bool // peers the mesh reported connected
	packets []string
}

func newLobbyHost(t *testing.T, url string) *lobbyHost {
	h := &lobbyHost{t: t, lobby: newLobby(t, url, `{"peerConfig":`+loopbackConfig+`}`), meshIDs: map[int32]bool{}}
	must(t, "lobby_get_mesh", meshrtc_lobby_get_mesh(h.lobby, &h.mesh))
	return h
}

func (h *lobbyHost) poll() {
	must(h.t, "lobby_poll", meshrtc_lobby_poll(h.lobby))
	var ev cLobbyEvent
	for meshrtc_lobby_next_event(h.lobby, &ev) == 0 {
		h.events = append(h.events, lobbyEvent{client.EventType(ev._type), int32(ev.peer_id), int32(ev.mesh), int32(ev.code), cText(ev.text), ev.text != nil})
	}
	must(h.t, "mesh_poll", meshrtc_mesh_poll(h.mesh))
	var typ, id cInt32
	for meshrtc_mesh_next_event(h.mesh, &typ, &id) == 0 {
		if core.MeshEventType(typ) == core.MeshEventPeerConnected {
			h.meshIDs[int32(id)] = true
		}
	}
	var data *cUint8
	var n cInt32
	for meshrtc_mesh_get_packet(h.mesh, &data, &n) == 0 {
		h.packets = append(h.packets, string(unsafe.Slice((*byte)(unsafe.Pointer(data)), int(n))))
	}
}

func (h *lobbyHost) event(typ client.EventType) (lobbyEvent, bool) {
	for _, ev := range h.events {
		if ev.typ == typ {
			return ev, true
		}
	}
	return lobbyEvent{}, false
}

func waitHosts(t *testing.T, what string, hosts []*lobbyHost, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		for _, h := range hosts {
			h.poll()
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// TestLobbyExports: two lobby handles meet through an in-process server;
// the events come through the C struct, the mesh handle carries packets,
// and the lobby owns its mesh.
func TestLobbyExports(t *testing.T) {
	srv, err := server.New(func() server.Config { c := server.DefaultConfig(); c.JoinsPerSecond = 0; return c }())
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	defer srv.Close()
	url := "ws" + strings.TrimPrefix(hs.URL, "http")

	host, guest := newLobbyHost(t, url), newLobbyHost(t, url)
	hosts := []*lobbyHost{host, guest}
	var again cMesh
	must(t, "lobby_get_mesh", meshrtc_lobby_get_mesh(host.lobby, &again))
	if again != host.mesh || kindOf(int64(again)) != kindMesh {
		t.Fatalf("get_mesh gave %d, then %d", host.mesh, again)
	}
	must(t, "join", meshrtc_lobby_join(host.lobby, nil, 1))
	wantCode(t, "second join", meshrtc_lobby_join(host.lobby, nil, 1), core.CodeAlreadyExists)
	waitHosts(t, "the host's id", hosts, func() bool { _, ok := host.event(client.EventConnected); return ok })
	joined, _ := host.event(client.EventJoined)
	if len(joined.text) != 16 {
		t.Fatalf("JOINED text %q", joined.text)
	}
	if ev, _ := host.event(client.EventConnected); ev.peer != 1 || ev.mesh != 1 || ev.hasText || ev.code != 0 {
		t.Errorf("CONNECTED %+v, want peer 1, mesh 1, no text", ev)
	}
	must(t, "guest join", meshrtc_lobby_join(guest.lobby, cstr(joined.text), 0))
	waitHosts(t, "both connected", hosts, func() bool { return len(host.meshIDs) == 1 && guest.meshIDs[1] })
	if ev, _ := host.event(client.EventPeerJoined); ev.peer <= 1 || ev.hasText {
		t.Errorf("PEER_JOINED %+v", ev)
	}
	wantCode(t, "seal by the guest", meshrtc_lobby_seal(guest.lobby), core.CodeUnauthorized)

	// The host's mesh is the lobby's: used, never configured or destroyed.
	var peer cPeer
	var id, count, connected cInt32
	chs := make([]cChannel, 4)
	for gid := range host.meshIDs {
		id = cInt32(gid)
	}
	must(t, "get_peer", meshrtc_mesh_get_peer(host.mesh, id, &peer, &chs[0], 4, &count, &connected))
	if peer != 0 || count != 3 || connected != 1 {
		t.Errorf("get_peer: peer %d, %d channels, connected %d; want 0, 3, 1", peer, count, connected)
	}
	p := newPeer(t)
	for _, c := range []struct {
		what string
		rc   cInt32
	}{
		{"mesh_destroy", meshrtc_mesh_destroy(host.mesh)},
		{"create_mesh", meshrtc_mesh_create_mesh(host.mesh, 1, nil, 0)},
		{"create_server", meshrtc_mesh_create_server(host.mesh, nil, 0)},
		{"create_client", meshrtc_mesh_create_client(host.mesh, 2, nil, 0)},
		{"initialize", meshrtc_mesh_initialize(host.mesh, 1, 0)},
		{"add_peer", meshrtc_mesh_add_peer(host.mesh, p, 5, 1)},
	} {
		wantCode(t, c.what+" on a lobby's mesh", c.rc, core.CodeUnauthorized)
	}
	if msg := lastError(int64(host.mesh)); !strings.Contains(msg, "lobby") {
		t.Errorf("last error %q does not name the lobby", msg)
	}
	must(t, "set_target_peer", meshrtc_mesh_set_target_peer(guest.mesh, 1))
	payload := []cUint8("through the lobby's mesh")
	must(t, "put_packet", meshrtc_mesh_put_packet(guest.mesh, &payload[0], cInt32(len(payload))))
	waitHosts(t, "the packet", hosts, func() bool { return len(host.packets) == 1 })
	if host.packets[0] != "through the lobby's mesh" {
		t.Errorf("got %q", host.packets[0])
	}

	// Destroying the guest's lobby releases its mesh and channels; the host
	// sees the guest leave.
	var gchs [4]cChannel
	must(t, "get_peer", meshrtc_mesh_get_peer(guest.mesh, 1, &peer, &gchs[0], 4, &count, &connected))
	must(t, "lobby_destroy", meshrtc_lobby_destroy(guest.lobby))
	wantCode(t, "the mesh after lobby_destroy", meshrtc_mesh_poll(guest.mesh), core.CodeDoesNotExist)
	wantChannelsGone(t, "after lobby_destroy", gchs[:count])
	hosts = hosts[:1]
	waitHosts(t, "PEER_LEFT", hosts, func() bool { _, ok := host.event(client.EventPeerLeft); return ok })

	// Shutdown counts the lobby (one leaked handle), not its mesh, and
	// releases both.
	must(t, "peer_destroy", meshrtc_peer_destroy(p))
	var leaked cInt32
	must(t, "shutdown", meshrtc_shutdown(&leaked))
	if leaked != 1 {
		t.Errorf("shutdown reported %d leaked handles, want 1 (the host's lobby)", leaked)
	}
	wantCode(t, "lobby after shutdown", meshrtc_lobby_poll(host.lobby), core.CodeDoesNotExist)
	wantCode(t, "its mesh after shutdown", meshrtc_mesh_poll(host.mesh), core.CodeDoesNotExist)
}

// TestLobbyClosedEvent: CLOSED carries the close code and the reason as text.
func TestLobbyClosedEvent(t *testing.T) {
	h := newLobbyHost(t, "ws://127.0.0.1:1")
	waitHosts(t, "CLOSED", []*lobbyHost{h}, func() bool { _, ok := h.event(client.EventClosed); return ok })
	ev, _ := h.event(client.EventClosed)
	if ev.code != client.CloseAbnormal || !strings.Contains(ev.text, "cannot connect") {
		t.Errorf("CLOSED %+v", ev)
	}
	wantCode(t, "join after CLOSED", meshrtc_lobby_join(h.lobby, nil, 1), core.CodeUnavailable)
	wantCode(t, "seal after CLOSED", meshrtc_lobby_seal(h.lobby), core.CodeUnavailable)
	var e cLobbyEvent
	wantCode(t, "next_event, none queued", meshrtc_lobby_next_event(h.lobby, &e), core.CodeUnavailable)
}
