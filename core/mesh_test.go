package core

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

var threeExtra = []TransferMode{TransferModeReliable, TransferModeUnreliableOrdered, TransferModeUnreliable}

// combos are the (transfer channel, mode) pairs a mesh with threeExtra can
// send on; the mode of channel N ≥ 1 is threeExtra[N-1].
var combos = []struct {
	channel int32
	mode    TransferMode
}{
	{0, TransferModeReliable}, {0, TransferModeUnreliableOrdered}, {0, TransferModeUnreliable},
	{1, TransferModeReliable}, {2, TransferModeUnreliableOrdered}, {3, TransferModeUnreliable},
}

func TestMeshConfigure(t *testing.T) {
	guard(t)
	m := NewMesh()
	checkUnconfiguredMesh(t, m)
	checkConfigureRefusals(t, m)
	checkConfigureModes(t, m)
	checkTransferSettings(t, m)
	checkMeshClose(t, m)
}

// checkUnconfiguredMesh checks a new mesh: disconnected, without packets,
// with Godot's defaults.
func checkUnconfiguredMesh(t *testing.T, m *Mesh) {
	if m.Mode() != MeshModeNone || m.ConnectionStatus() != StatusDisconnected || m.IsServerRelaySupported() || m.IsServer() {
		t.Fatalf("new mesh: mode %d status %d", m.Mode(), m.ConnectionStatus())
	}
	if id, err := m.UniqueID(); id != 1 || !errors.Is(err, ErrUnconfigured) {
		t.Fatalf("unique id of a disconnected mesh: %d %v (Godot returns 1 with an error)", id, err)
	}
	if m.PacketPeer() != 0 || m.PacketChannel() != 0 || m.PacketMode() != TransferModeReliable || m.AvailablePacketCount() != 0 {
		t.Fatal("a mesh without packets must describe none (peer 0, channel 0, reliable)")
	}
	if _, err := m.GetPacket(); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("get_packet: %v", err)
	}
	wantErr(t, "put_packet unconfigured", m.PutPacket([]byte("x")), ErrUnconfigured, "")
	if m.MaxPacketSize() != 1200 || m.TransferMode() != TransferModeReliable || m.TransferChannel() != 0 || m.TargetPeer() != 0 {
		t.Fatal("defaults differ from Godot's")
	}
	m.Poll() // nothing to do
}

// checkConfigureRefusals checks that bad ids and channel configurations are
// refused and leave the mesh unconfigured.
func checkConfigureRefusals(t *testing.T, m *Mesh) {
	for _, c := range []struct {
		name string
		err  error
		want string
	}{
		{"client id 1", m.CreateClient(1, nil), "clients cannot have id 1"},
		{"client id 0", m.CreateClient(0, nil), "out of range"},
		{"mesh id 0", m.CreateMesh(0, nil), "out of range"},
		{"mesh id -5", m.CreateMesh(-5, nil), "out of range"},
		{"godot3 id 0", m.Initialize(0, false), "out of range"},
		{"config mode 3", m.CreateServer([]TransferMode{TransferModeReliable, 3}), "channels_config[1]"},
		{"config mode -1", m.CreateClient(2, []TransferMode{-1}), "channels_config[0]"},
		{"config too long", m.CreateMesh(2, make([]TransferMode, MaxMeshChannels+1)), "at most 255"},
	} {
		wantErr(t, c.name, c.err, ErrInvalidParameter, c.want)
		if m.Mode() != MeshModeNone {
			t.Fatalf("%s: a failed configure changed the mode", c.name)
		}
	}
	if err := m.CreateMesh(3, make([]TransferMode, MaxMeshChannels)); err != nil {
		t.Fatalf("255 extra channels: %v", err)
	}
}

// checkConfigureModes configures m in every mode, one after the other, and
// checks its mode, status, id and relay support.
func checkConfigureModes(t *testing.T, m *Mesh) {
	for _, c := range []struct {
		name      string
		configure func() error
		mode      MeshMode
		status    ConnectionStatus
		id        int32
		relay     bool
	}{
		{"server", func() error { return m.CreateServer(threeExtra) }, MeshModeServer, StatusConnected, 1, true},
		{"client", func() error { return m.CreateClient(5, nil) }, MeshModeClient, StatusConnecting, 5, true},
		{"mesh", func() error { return m.CreateMesh(7, threeExtra) }, MeshModeMesh, StatusConnected, 7, false},
		{"mesh id 1", func() error { return m.CreateMesh(1, nil) }, MeshModeMesh, StatusConnected, 1, false},
		{"max id", func() error { return m.CreateMesh(2147483647, nil) }, MeshModeMesh, StatusConnected, 2147483647, false},
		{"godot3", func() error { return m.Initialize(3, false) }, MeshModeGodot3, StatusConnected, 3, false},
		{"godot3 compat", func() error { return m.Initialize(3, true) }, MeshModeGodot3, StatusConnecting, 3, false},
		{"godot3 compat server", func() error { return m.Initialize(1, true) }, MeshModeGodot3, StatusConnected, 1, false},
	} {
		if err := c.configure(); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		id, err := m.UniqueID()
		if m.Mode() != c.mode || m.ConnectionStatus() != c.status || id != c.id || err != nil ||
			m.IsServerRelaySupported() != c.relay || m.IsServer() != (c.id == 1) {
			t.Fatalf("%s: mode %d status %d id %d (%v) relay %v", c.name, m.Mode(), m.ConnectionStatus(), id, err, m.IsServerRelaySupported())
		}
	}
}

// checkTransferSettings refuses bad transfer modes and channels, then sets
// the settings checkMeshClose expects kept.
func checkTransferSettings(t *testing.T, m *Mesh) {
	wantErr(t, "transfer mode 3", m.SetTransferMode(3), ErrInvalidParameter, "transfer mode")
	wantErr(t, "transfer mode -1", m.SetTransferMode(-1), ErrInvalidParameter, "transfer mode")
	wantErr(t, "transfer channel -1", m.SetTransferChannel(-1), ErrInvalidParameter, "transfer channel")
	wantErr(t, "transfer channel 256", m.SetTransferChannel(256), ErrInvalidParameter, "transfer channel")
	if err := m.SetTransferChannel(255); err != nil {
		t.Fatal(err)
	}
	if err := m.SetTransferMode(TransferModeUnreliable); err != nil {
		t.Fatal(err)
	}
	m.SetTargetPeer(-4)
	m.SetRefuseNewConnections(true)
}

// checkMeshClose closes m twice: it is disconnected again and keeps
// MultiplayerPeer's own settings, as Godot's close does.
func checkMeshClose(t *testing.T, m *Mesh) {
	m.Close()
	m.Close() // idempotent
	if id, err := m.UniqueID(); m.Mode() != MeshModeNone || m.ConnectionStatus() != StatusDisconnected || id != 1 || err == nil || m.TargetPeer() != 0 {
		t.Fatalf("after close: mode %d status %d id %d target %d", m.Mode(), m.ConnectionStatus(), id, m.TargetPeer())
	}
	// Godot's close keeps MultiplayerPeer's own settings.
	if m.TransferMode() != TransferModeUnreliable || m.TransferChannel() != 255 || !m.IsRefusingNewConnections() {
		t.Fatal("close must keep transfer mode, transfer channel and refuse_new_connections")
	}
	if m.PendingEvents() != 0 || m.DroppedEvents() != 0 {
		t.Fatal("no events expected")
	}
}

func TestMeshOptions(t *testing.T) {
	opts, err := ParseMeshOptions("")
	if err != nil || opts != DefaultMeshOptions() || !opts.CloseEmitsPeerDisconnected || opts.DisconnectGrace != 0 || opts.EventQueueLimit != 4096 {
		t.Fatalf("defaults: %+v %v", opts, err)
	}
	opts, err = ParseMeshOptions(`{"disconnectGraceMs": 1500.0, "closeEmitsPeerDisconnected": false, "eventQueueLimit": 64}`)
	if err != nil || opts.DisconnectGrace != 1500*time.Millisecond || opts.CloseEmitsPeerDisconnected || opts.EventQueueLimit != 64 {
		t.Fatalf("parsed: %+v %v", opts, err)
	}
	for _, bad := range []string{
		`[]`, `{"disconnectGrace": 5}`, `{"disconnectGraceMs": -1}`, `{"disconnectGraceMs": 1.5}`,
		`{"closeEmitsPeerDisconnected": 1}`, `{"eventQueueLimit": 15}`, `{} {}`,
	} {
		if _, err := ParseMeshOptions(bad); !errors.Is(err, ErrInvalidParameter) {
			t.Fatalf("%s: %v", bad, err)
		}
	}
	m := NewMesh()
	wantErr(t, "negative grace", m.SetOptions(MeshOptions{DisconnectGrace: -1, EventQueueLimit: 16}), ErrInvalidParameter, "")
	wantErr(t, "tiny queue", m.SetOptions(MeshOptions{EventQueueLimit: 15}), ErrInvalidParameter, "")
	if err := m.SetOptions(opts); err != nil || m.Options() != opts {
		t.Fatalf("set options: %v", err)
	}
}

// TestMeshAddPeerErrors checks add_peer's errors in the order Godot checks
// them: each case breaks several rules and must report the first.
func TestMeshAddPeerErrors(t *testing.T) {
	guard(t)
	w := newMeshWorld(t)
	fresh := w.peer()
	closed := w.peer()
	closed.Close()

	unconfigured := NewMesh()
	wantErr(t, "unconfigured", unconfigured.AddPeer(nil, -1, -1), ErrUnconfigured, "")

	client := NewMesh()
	must(t, client.CreateClient(2, nil))
	wantErr(t, "client adds 3", client.AddPeer(nil, 3, -1), ErrInvalidParameter, "client can only add peer 1")
	wantErr(t, "client adds 0", client.AddPeer(nil, 0, -1), ErrInvalidParameter, "client can only add peer 1")

	server := NewMesh()
	must(t, server.CreateServer(nil))
	wantErr(t, "server adds 1", server.AddPeer(nil, 1, -1), ErrInvalidParameter, "server cannot add peer 1")

	mesh := NewMesh()
	must(t, mesh.CreateMesh(1, nil))
	wantErr(t, "id 0", mesh.AddPeer(nil, 0, -1), ErrInvalidParameter, "out of range")
	wantErr(t, "id -7", mesh.AddPeer(closed, -7, 1), ErrInvalidParameter, "out of range")
	wantErr(t, "server adds 0", server.AddPeer(nil, 0, -1), ErrInvalidParameter, "out of range")
	wantErr(t, "lifetime -1", mesh.AddPeer(nil, 2, -1), ErrInvalidParameter, "unreliable_lifetime")
	wantErr(t, "lifetime 65536", mesh.AddPeer(fresh, 2, 65536), ErrInvalidParameter, "unreliable_lifetime")

	mesh.SetRefuseNewConnections(true)
	wantErr(t, "refusing, nil peer", mesh.AddPeer(nil, 2, 1), ErrUnauthorized, "")
	wantErr(t, "refusing, closed peer", mesh.AddPeer(closed, 2, 1), ErrUnauthorized, "")
	mesh.SetRefuseNewConnections(false)

	wantErr(t, "nil peer", mesh.AddPeer(nil, 2, 1), ErrInvalidParameter, "null")
	wantErr(t, "closed peer", mesh.AddPeer(closed, 2, 1), ErrInvalidParameter, "STATE_NEW")

	must(t, mesh.AddPeer(fresh, 2, 0))
	other := w.peer()
	wantErr(t, "same id", mesh.AddPeer(other, 2, 1), ErrAlreadyExists, "peer 2")
	wantErr(t, "same connection", mesh.AddPeer(fresh, 3, 1), ErrAlreadyExists, "as peer 2")
	if err := client.AddPeer(other, 1, 65535); err != nil {
		t.Fatalf("client adds the server: %v", err)
	}

	// Godot 3 has no mode checks: any id from 1 is fine, even 1 and its own.
	g3 := NewMesh()
	must(t, g3.Initialize(4, false))
	wantErr(t, "godot3 nil peer id 1", g3.AddPeer(nil, 1, 1), ErrInvalidParameter, "null")
	wantErr(t, "godot3 id 0", g3.AddPeer(nil, 0, 1), ErrInvalidParameter, "out of range")
	must(t, g3.AddPeer(w.peer(), 4, 1))

	for _, m := range []*Mesh{mesh, client, g3} {
		m.Close()
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestMeshChannelLayout checks the channels add_peer creates against
// Godot 4's webrtc_multiplayer_peer.cpp: labels, ids, order, negotiated,
// ordered and lifetimes.
func TestMeshChannelLayout(t *testing.T) {
	guard(t)
	w := newMeshWorld(t)
	m := w.mesh()
	must(t, m.CreateMesh(1, threeExtra))
	conn := w.peer()
	must(t, m.AddPeer(conn, 9, 7))
	if !m.HasPeer(9) || m.HasPeer(8) {
		t.Fatal("has_peer")
	}
	info, err := m.GetPeer(9)
	if err != nil || info.ID != 9 || info.Connection != conn || info.Connected {
		t.Fatalf("get_peer: %+v %v", info, err)
	}
	type want struct {
		label    string
		id       int32
		ordered  bool
		lifetime int32
		reliable bool
	}
	wants := []want{
		{"reliable", 1, true, 65535, true},
		{"ordered", 2, true, 7, false},
		{"unreliable", 3, false, 7, false},
		{"4", 4, true, 65535, true},
		{"5", 5, true, 1, false},
		{"6", 6, false, 1, false},
	}
	if len(info.Channels) != len(wants) {
		t.Fatalf("%d channels, want %d", len(info.Channels), len(wants))
	}
	for i, w := range wants {
		ch := info.Channels[i]
		got := want{ch.Label(), ch.ID(), ch.Ordered(), ch.MaxPacketLifeTime(), ch.Reliable()}
		if got != w || !ch.Negotiated() || ch.MaxRetransmits() != 65535 || ch.Protocol() != "" || ch.State() != ChannelConnecting {
			t.Fatalf("channel %d: %+v negotiated=%v retransmits=%d, want %+v", i, got, ch.Negotiated(), ch.MaxRetransmits(), w)
		}
	}
	if _, err := m.GetPeer(8); !errors.Is(err, ErrDoesNotExist) {
		t.Fatalf("get_peer of a missing id: %v", err)
	}

	// A second peer (inserted second) with the default lifetime; get_peers keeps insertion order.
	conn2 := w.peer()
	must(t, m.AddPeer(conn2, 3, 1))
	peers := m.GetPeers()
	if len(peers) != 2 || peers[0].ID != 9 || peers[1].ID != 3 || peers[1].Channels[1].MaxPacketLifeTime() != 1 {
		t.Fatalf("get_peers: %+v", peers)
	}

	// Godot 3 mode: the three built-in channels only.
	g3 := w.mesh()
	must(t, g3.Initialize(2, true))
	must(t, g3.AddPeer(w.peer(), 1, 3))
	g3info, _ := g3.GetPeer(1)
	if len(g3info.Channels) != 3 || g3info.Channels[2].Label() != "unreliable" || g3info.Channels[2].MaxPacketLifeTime() != 3 {
		t.Fatalf("godot 3 channels: %d", len(g3info.Channels))
	}

	// remove_peer closes the connection and its channels.
	must(t, m.RemovePeer(9))
	if m.HasPeer(9) || conn.ConnectionState() != ConnectionClosed || info.Channels[0].State() != ChannelClosed {
		t.Fatalf("after remove_peer: state %d channel %d", conn.ConnectionState(), info.Channels[0].State())
	}
	wantErr(t, "remove twice", m.RemovePeer(9), ErrDoesNotExist, "")
	wantErr(t, "disconnect missing", m.DisconnectPeer(9, false), ErrDoesNotExist, "")
	wantErr(t, "disconnect missing forced", m.DisconnectPeer(9, true), ErrDoesNotExist, "")
	if m.PendingEvents() != 0 {
		t.Fatal("a peer that never connected must not produce events")
	}

	// A peer whose connection is re-initialized (its channels die while it
	// is NEW) is dropped by poll instead of waiting forever.
	must(t, conn2.Initialize(w.config()))
	m.Poll()
	if m.HasPeer(3) {
		t.Fatal("a peer whose channels were closed must be removed")
	}
}

// TestMeshServerClients covers server and client modes: status and events,
// every transfer mode and extra channel, target peer variants, relaying with
// the received mode and channel, and put_packet's errors.
func TestMeshServerClients(t *testing.T) {
	guard(t)
	s := newServerStar(t)
	s.connect()
	got := s.clientsSendToServer()
	s.serverRelays(got)
	s.serverTargets()
	s.putPacketErrors()
}

// serverStar is a server mesh with clients 2 and 3, every mesh with
// threeExtra channels.
type serverStar struct {
	t       *testing.T
	w       *meshWorld
	server  *Mesh
	clients map[int32]*Mesh
}

func newServerStar(t *testing.T) *serverStar {
	w := newMeshWorld(t)
	s := &serverStar{t: t, w: w, server: w.mesh(), clients: map[int32]*Mesh{}}
	must(t, s.server.CreateServer(threeExtra))
	for _, id := range []int32{2, 3} {
		c := w.mesh()
		must(t, c.CreateClient(id, threeExtra))
		s.clients[id] = c
		w.link(s.server, 1, c, id)
	}
	return s
}

// connect checks a client's state before and after the server connects,
// and every mesh's events.
func (s *serverStar) connect() {
	t, w, c2, c3 := s.t, s.w, s.clients[2], s.clients[3]
	if c2.ConnectionStatus() != StatusConnecting {
		t.Fatal("a client is CONNECTING until the server connects")
	}
	if err := trySend(c2, 1, TransferModeReliable, 0, "early"); CodeOf(err) != CodeUnavailable {
		t.Fatalf("sending before the channel opens: %v", err)
	}
	w.until("all connected", 20*time.Second, all(w.connectedTo(s.server, 2, 3), w.connectedTo(c2, 1), w.connectedTo(c3, 1)))
	if evs := w.takeEvents(s.server); len(evs) != 2 || !slices.Contains(evs, connected(2)) || !slices.Contains(evs, connected(3)) {
		t.Fatalf("server events %v", evs)
	}
	for id, c := range s.clients {
		wantEvents(t, "client "+strconv.Itoa(int(id)), w.takeEvents(c), connected(1), succeeded)
		if c.ConnectionStatus() != StatusConnected {
			t.Fatal("client not CONNECTED")
		}
		if info, _ := c.GetPeer(1); !info.Connected {
			t.Fatal("get_peer connected")
		}
	}
}

// clientsSendToServer sends from each client on every channel and mode and
// returns what the server received.
func (s *serverStar) clientsSendToServer() []meshPacket {
	for id, c := range s.clients {
		for i, k := range combos {
			send(s.t, c, 1, k.mode, k.channel, payload(id, k.channel, k.mode, i))
		}
	}
	s.w.until("12 packets at the server", 10*time.Second, func() bool { return len(s.w.packets[s.server]) == 12 })
	got := s.w.takePackets(s.server)
	checkAttribution(s.t, "server", got)
	return got
}

// serverRelays relays each packet to the other client the way
// SceneMultiplayer does: with the packet's own mode and channel.
func (s *serverStar) serverRelays(got []meshPacket) {
	for _, p := range got {
		send(s.t, s.server, -p.peer, p.mode, p.channel, "relay "+p.data)
	}
	c2, c3 := s.clients[2], s.clients[3]
	s.w.until("relayed packets", 10*time.Second, func() bool { return len(s.w.packets[c2]) == 6 && len(s.w.packets[c3]) == 6 })
	for id, c := range s.clients {
		for _, p := range s.w.takePackets(c) {
			var from, ch, mode int32
			var seq int
			if _, err := fmt.Sscanf(p.data, "relay from=%d ch=%d mode=%d seq=%d", &from, &ch, &mode, &seq); err != nil || from == id ||
				p.peer != 1 || p.channel != ch || p.mode != TransferMode(mode) {
				s.t.Fatalf("client %d: relayed %q arrived as peer %d channel %d mode %d", id, p.data, p.peer, p.channel, p.mode)
			}
		}
	}
}

// serverTargets sends with each target variant: broadcast, one peer, all
// but one.
func (s *serverStar) serverTargets() {
	t, w, c2, c3 := s.t, s.w, s.clients[2], s.clients[3]
	send(t, s.server, 0, TransferModeReliable, 0, payload(1, 0, TransferModeReliable, 100))
	send(t, s.server, 3, TransferModeUnreliable, 3, payload(1, 3, TransferModeUnreliable, 101))
	send(t, s.server, -3, TransferModeUnreliableOrdered, 0, payload(1, 0, TransferModeUnreliableOrdered, 102))
	w.until("targeted packets", 10*time.Second, func() bool { return len(w.packets[c2]) == 2 && len(w.packets[c3]) == 2 })
	w.wait(100 * time.Millisecond)
	p2, p3 := w.takePackets(c2), w.takePackets(c3)
	checkAttribution(t, "c2", p2)
	checkAttribution(t, "c3", p3)
	if seqs(p2) != "100,102" || seqs(p3) != "100,101" {
		t.Fatalf("targets: c2 got %s, c3 got %s", seqs(p2), seqs(p3))
	}
}

// putPacketErrors checks put_packet's refusals of a missing target or
// channel, broadcasts that skip peers without the channel, relay support
// and a client's id.
func (s *serverStar) putPacketErrors() {
	t, server := s.t, s.server
	wantErr(t, "missing target", trySend(server, 9, TransferModeReliable, 0, "x"), ErrInvalidParameter, "invalid target peer 9")
	wantErr(t, "missing channel", trySend(server, 2, TransferModeReliable, 4, "x"), ErrInvalidParameter, "has 6 channels")
	must(t, trySend(server, 0, TransferModeReliable, 4, "x")) // broadcast skips peers without the channel
	must(t, trySend(server, -2, TransferModeReliable, 4, "x"))
	if !server.IsServerRelaySupported() || !s.clients[2].IsServerRelaySupported() {
		t.Fatal("relay is supported in server and client modes")
	}
	if id, _ := s.clients[3].UniqueID(); id != 3 {
		t.Fatal("unique id")
	}
}

func seqs(ps []meshPacket) string {
	var out []string
	for _, p := range ps {
		var from, ch, mode int32
		var seq int
		if _, err := fmt.Sscanf(p.data, "from=%d ch=%d mode=%d seq=%d", &from, &ch, &mode, &seq); err == nil {
			out = append(out, strconv.Itoa(seq))
		}
	}
	slices.Sort(out)
	return strings.Join(out, ",")
}

// TestMeshRoundRobin checks Godot's receive order: round robin across peers
// in the mesh's order (insertion order in Godot 4, ascending ids in Godot 3),
// one packet per peer per turn, lowest channel first within a peer, and that
// get_packet_peer/channel/mode describe the next packet before get_packet.
func TestMeshRoundRobin(t *testing.T) {
	guard(t)
	type pkt = roundRobinSend
	cases := []struct {
		name  string
		setup func(m *Mesh, id int32) error
		sends []pkt
		want  []meshPacket
	}{
		{
			name:  "godot4",
			setup: func(m *Mesh, id int32) error { return m.CreateMesh(id, []TransferMode{TransferModeReliable}) },
			sends: []pkt{
				{4, TransferModeReliable, 0, "4a"}, {4, TransferModeReliable, 0, "4b"}, {4, TransferModeUnreliable, 0, "4u"},
				{2, TransferModeUnreliableOrdered, 0, "2o"},
				{3, TransferModeReliable, 1, "3x"}, {3, TransferModeReliable, 0, "3r"},
			},
			// Peers were added in the order 4, 2, 3.
			want: []meshPacket{
				{4, 0, TransferModeReliable, "4a"}, {2, 0, TransferModeUnreliableOrdered, "2o"}, {3, 0, TransferModeReliable, "3r"},
				{4, 0, TransferModeReliable, "4b"}, {3, 1, TransferModeReliable, "3x"}, {4, 0, TransferModeUnreliable, "4u"},
			},
		},
		{
			name:  "godot3",
			setup: func(m *Mesh, id int32) error { return m.Initialize(id, false) },
			sends: []pkt{
				{4, TransferModeReliable, 0, "4a"}, {4, TransferModeReliable, 0, "4b"}, {4, TransferModeUnreliable, 0, "4u"},
				{2, TransferModeUnreliableOrdered, 0, "2o"},
				{3, TransferModeUnreliable, 0, "3u"}, {3, TransferModeReliable, 0, "3r"},
			},
			// Godot 3 walks its peers in ascending id order.
			want: []meshPacket{
				{2, 0, TransferModeUnreliableOrdered, "2o"}, {3, 0, TransferModeReliable, "3r"}, {4, 0, TransferModeReliable, "4a"},
				{3, 0, TransferModeUnreliable, "3u"}, {4, 0, TransferModeReliable, "4b"}, {4, 0, TransferModeUnreliable, "4u"},
			},
		},
	}
	for _, c := range cases {
		for _, batched := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/batched=%v", c.name, batched), func(t *testing.T) {
				roundRobin(t, c.setup, c.sends, c.want, batched)
			})
		}
	}
}

// roundRobinSend is one message of a TestMeshRoundRobin case.
type roundRobinSend struct {
	from    int32
	mode    TransferMode
	channel int32
	data    string
}

// roundRobin connects peers 4, 2 and 3 to peer 1, sends, and checks the
// order and attribution peer 1 reads them in: one by one, or batched
// (GetPackets with a buffer that holds two at a time).
func roundRobin(t *testing.T, setup func(*Mesh, int32) error, sends []roundRobinSend, want []meshPacket, batched bool) {
	w := newMeshWorld(t)
	recv := w.mesh()
	must(t, setup(recv, 1))
	senders := map[int32]*Mesh{}
	for _, id := range []int32{4, 2, 3} {
		s := w.mesh()
		must(t, setup(s, id))
		senders[id] = s
		w.link(recv, 1, s, id)
	}
	w.until("connected", 20*time.Second, all(w.connectedTo(recv, 2, 3, 4),
		w.connectedTo(senders[2], 1), w.connectedTo(senders[3], 1), w.connectedTo(senders[4], 1)))
	w.manual[recv] = true // the test polls and reads it from now on
	for _, p := range sends {
		send(t, senders[p.from], 1, p.mode, p.channel, p.data)
	}
	w.until("every packet queued", 10*time.Second, func() bool {
		n := 0
		for _, info := range recv.GetPeers() {
			for _, ch := range info.Channels {
				n += ch.AvailablePacketCount()
			}
		}
		return n == len(sends)
	})
	if recv.AvailablePacketCount() != 0 || recv.PacketPeer() != 0 {
		t.Fatal("packets must not be described before poll (Godot finds the next packet in poll)")
	}
	recv.Poll()
	var got []meshPacket
	if batched {
		got = takeBatched(t, recv, len(sends))
	}
	for i := len(sends); i > 0 && !batched; i-- {
		if n := recv.AvailablePacketCount(); n != int32(i) {
			t.Fatalf("available %d, want %d", n, i)
		}
		got = append(got, w.take(recv))
	}
	if !slices.Equal(got, want) {
		t.Fatalf("receive order\n got %v\nwant %v", got, want)
	}
	if recv.AvailablePacketCount() != 0 || recv.PacketPeer() != 0 {
		t.Fatal("queue should be empty")
	}
	if _, err := recv.GetPacket(); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("get_packet on empty: %v", err)
	}
}

// takeBatched reads count 2-byte packets with GetPackets, two per call.
func takeBatched(t *testing.T, m *Mesh, count int) []meshPacket {
	var got []meshPacket
	buf := make([]byte, 5)
	infos := make([]PacketInfo, 4)
	for len(got) < count {
		n, err := m.GetPackets(buf, infos)
		if err != nil || n == 0 || (n != 2 && len(got)+n != count) {
			t.Fatalf("GetPackets after %d packets: %d, %v", len(got), n, err)
		}
		off := 0
		for _, info := range infos[:n] {
			got = append(got, meshPacket{info.PeerID, info.Channel, info.Mode, string(buf[off : off+int(info.Size)])})
			off += int(info.Size)
		}
	}
	return got
}

// TestMeshGodot3 covers Godot 3's WebRTCMultiplayer without server
// compatibility: CONNECTED at once, every peer announced, peer 1 is not special.
func TestMeshGodot3(t *testing.T) {
	guard(t)
	w := newMeshWorld(t)
	meshes := map[int32]*Mesh{}
	for _, id := range []int32{1, 2, 3} {
		m := w.mesh()
		must(t, m.Initialize(id, false))
		if m.ConnectionStatus() != StatusConnected {
			t.Fatal("without server compatibility the mesh is CONNECTED at once")
		}
		meshes[id] = m
	}
	w.link(meshes[1], 1, meshes[2], 2)
	w.link(meshes[1], 1, meshes[3], 3)
	w.link(meshes[2], 2, meshes[3], 3)
	w.until("connected", 20*time.Second, all(w.connectedTo(meshes[1], 2, 3), w.connectedTo(meshes[2], 1, 3), w.connectedTo(meshes[3], 1, 2)))
	for id, m := range meshes {
		for _, ev := range w.takeEvents(m) {
			if ev.Type != MeshEventPeerConnected {
				t.Fatalf("mesh %d: unexpected event %v", id, ev)
			}
		}
	}
	must(t, meshes[2].RemovePeer(1))
	wantEvents(t, "mesh 2", w.takeEvents(meshes[2])) // events are taken by the world's next step
	w.step()
	wantEvents(t, "mesh 2", w.takeEvents(meshes[2]), disconnected(1))
	if meshes[2].ConnectionStatus() != StatusConnected {
		t.Fatal("without server compatibility peer 1 is an ordinary peer")
	}
	w.until("mesh 1 sees 2 go", 10*time.Second, func() bool { return len(w.events[meshes[1]]) > 0 })
	wantEvents(t, "mesh 1", w.takeEvents(meshes[1]), disconnected(2))
}

// TestMeshGodot3ServerCompatibility checks the exact signal order of Godot 3's
// server compatibility mode.
func TestMeshGodot3ServerCompatibility(t *testing.T) {
	guard(t)
	w := newMeshWorld(t)
	meshes := map[int32]*Mesh{}
	for _, id := range []int32{1, 2, 3, 4, 5, 6} {
		m := w.mesh()
		must(t, m.Initialize(id, true))
		meshes[id] = m
	}
	m3 := meshes[3]
	if m3.ConnectionStatus() != StatusConnecting || meshes[1].ConnectionStatus() != StatusConnected {
		t.Fatal("with server compatibility only id 1 starts CONNECTED")
	}
	peerConnected := func(m *Mesh, id int32) func() bool {
		return func() bool { info, err := m.GetPeer(id); return err == nil && info.Connected }
	}
	// Peers 2 and 4 connect before the server: nothing is announced yet.
	w.link(m3, 3, meshes[4], 4)
	w.link(m3, 3, meshes[2], 2)
	w.link(meshes[6], 6, m3, 3)
	w.until("2, 4 and 6 connected", 20*time.Second, all(peerConnected(m3, 2), peerConnected(m3, 4), peerConnected(m3, 6)))
	w.wait(50 * time.Millisecond)
	// Peer 6 leaves again before the server came: it was never announced,
	// so no peer_disconnected either (Godot 3's code would emit one).
	must(t, m3.RemovePeer(6))
	w.step()
	wantEvents(t, "mesh 3 before the server", w.takeEvents(m3))
	if m3.ConnectionStatus() != StatusConnecting {
		t.Fatal("still CONNECTING")
	}
	// put_packet works while CONNECTING, as in Godot.
	send(t, m3, 2, TransferModeReliable, 0, payload(3, 0, TransferModeReliable, 1))

	// The server connects: peer_connected(1), connection_succeeded, then
	// every peer already connected, in ascending id order.
	w.link(meshes[1], 1, m3, 3)
	w.until("server connected", 20*time.Second, func() bool { return len(w.events[m3]) >= 4 })
	wantEvents(t, "mesh 3", w.takeEvents(m3), connected(1), succeeded, connected(2), connected(4))
	if m3.ConnectionStatus() != StatusConnected {
		t.Fatal("CONNECTED after the server")
	}
	// A later peer is announced at once.
	w.link(m3, 3, meshes[5], 5)
	w.until("peer 5", 20*time.Second, w.connectedTo(m3, 5))
	wantEvents(t, "mesh 3", w.takeEvents(m3), connected(5))

	// The server leaves: peer_disconnected(1), server_disconnected, and the
	// status becomes DISCONNECTED (Godot 3's code; its docs say CONNECTED).
	must(t, meshes[1].RemovePeer(3))
	w.until("server gone", 10*time.Second, func() bool { return len(w.events[m3]) >= 2 })
	wantEvents(t, "mesh 3", w.takeEvents(m3), disconnected(1), serverDisconnected)
	if m3.ConnectionStatus() != StatusDisconnected {
		t.Fatal("DISCONNECTED after the server left")
	}
	wantErr(t, "put_packet after the server left", trySend(m3, 2, TransferModeReliable, 0, "x"), ErrUnconfigured, "")
	if id, err := m3.UniqueID(); id != 1 || err == nil {
		t.Fatal("unique id while disconnected")
	}
	// Other peers still leave with their signal.
	must(t, meshes[2].RemovePeer(3))
	w.until("peer 2 gone", 10*time.Second, func() bool { return len(w.events[m3]) >= 1 })
	wantEvents(t, "mesh 3", w.takeEvents(m3), disconnected(2))
}

// TestMeshClientServerFailsBeforeConnecting: Godot leaves such a client
// CONNECTING forever; meshrtc reports connection_failed and DISCONNECTED, and
// adding peer 1 again retries.
func TestMeshClientServerFailsBeforeConnecting(t *testing.T) {
	guard(t)
	w := newMeshWorld(t)
	client := w.mesh()
	must(t, client.CreateClient(2, nil))
	doomed := w.peer()
	must(t, client.AddPeer(doomed, 1, 1))
	doomed.Close()
	w.step()
	wantEvents(t, "client", w.takeEvents(client), failed)
	if client.ConnectionStatus() != StatusDisconnected || client.HasPeer(1) {
		t.Fatal("a failed server link must leave the client DISCONNECTED without the peer")
	}

	server := w.mesh()
	must(t, server.CreateServer(nil))
	w.link(server, 1, client, 2)
	if client.ConnectionStatus() != StatusConnecting {
		t.Fatal("adding the server again makes the client CONNECTING")
	}
	w.until("connected", 20*time.Second, all(w.connectedTo(client, 1), w.connectedTo(server, 2)))
	wantEvents(t, "client", w.takeEvents(client), connected(1), succeeded)

	// The server closes: the client sees it leave.
	server.Close()
	w.until("server gone", 10*time.Second, func() bool { return len(w.events[client]) >= 2 })
	wantEvents(t, "client", w.takeEvents(client), disconnected(1), serverDisconnected)
	wantEvents(t, "server", w.takeEvents(server), connected(2), disconnected(2))
	if client.ConnectionStatus() != StatusDisconnected {
		t.Fatal("client status")
	}

	// The same for a Godot 3 mesh with server compatibility.
	g3 := w.mesh()
	must(t, g3.Initialize(5, true))
	doomed3 := w.peer()
	must(t, g3.AddPeer(doomed3, 1, 1))
	must(t, g3.DisconnectPeer(1, false))
	w.step()
	wantEvents(t, "godot3", w.takeEvents(g3), failed)
	if g3.ConnectionStatus() != StatusDisconnected {
		t.Fatal("godot3 status")
	}
}

// TestMeshDisconnect covers remove_peer and disconnect_peer (with and without
// force) from the server's and from a client's side.
func TestMeshDisconnect(t *testing.T) {
	guard(t)
	w := newMeshWorld(t)
	server := w.mesh()
	must(t, server.CreateServer(nil))
	clients := map[int32]*Mesh{}
	for _, id := range []int32{2, 3, 4, 5} {
		c := w.mesh()
		must(t, c.CreateClient(id, nil))
		clients[id] = c
		w.link(server, 1, c, id)
	}
	w.until("connected", 20*time.Second, w.connectedTo(server, 2, 3, 4, 5))
	w.until("clients connected", 20*time.Second, func() bool {
		for _, c := range clients {
			if c.ConnectionStatus() != StatusConnected {
				return false
			}
		}
		return true
	})
	for _, m := range append([]*Mesh{server}, clients[2], clients[3], clients[4], clients[5]) {
		w.takeEvents(m)
	}
	gone := func(m *Mesh, n int) func() bool { return func() bool { return len(w.events[m]) >= n } }

	// Server, no force: the peer goes at the next poll, with its signal.
	must(t, server.DisconnectPeer(2, false))
	if !server.HasPeer(2) {
		t.Fatal("without force the peer stays until the next poll")
	}
	w.until("2 gone", 10*time.Second, all(gone(server, 1), gone(clients[2], 2)))
	wantEvents(t, "server", w.takeEvents(server), disconnected(2))
	wantEvents(t, "client 2", w.takeEvents(clients[2]), disconnected(1), serverDisconnected)
	if clients[2].ConnectionStatus() != StatusDisconnected {
		t.Fatal("client 2 status")
	}

	// Server, forced: removed at once, silently.
	must(t, server.DisconnectPeer(3, true))
	if server.HasPeer(3) {
		t.Fatal("forced disconnect removes at once")
	}
	w.until("3 gone", 10*time.Second, gone(clients[3], 2))
	wantEvents(t, "client 3", w.takeEvents(clients[3]), disconnected(1), serverDisconnected)

	// Client, forced: no peer_disconnected, but the status change is reported.
	must(t, clients[4].DisconnectPeer(1, true))
	w.step()
	wantEvents(t, "client 4", w.takeEvents(clients[4]), serverDisconnected)
	if clients[4].ConnectionStatus() != StatusDisconnected {
		t.Fatal("client 4 status")
	}
	w.until("server sees 4 go", 10*time.Second, gone(server, 1))
	wantEvents(t, "server", w.takeEvents(server), disconnected(4))

	// Client, remove_peer: signals at once.
	must(t, clients[5].RemovePeer(1))
	wantEvents(t, "client 5", drainEvents(clients[5]), disconnected(1), serverDisconnected)
	w.until("server sees 5 go", 10*time.Second, gone(server, 1))
	wantEvents(t, "server", w.takeEvents(server), disconnected(5))
	w.wait(50 * time.Millisecond)
	wantEvents(t, "server (nothing for the forced peer 3)", w.takeEvents(server))
	if len(server.GetPeers()) != 0 {
		t.Fatal("server still has peers")
	}
}

func drainEvents(m *Mesh) []MeshEvent {
	var out []MeshEvent
	for ev, ok := m.NextEvent(); ok; ev, ok = m.NextEvent() {
		out = append(out, ev)
	}
	return out
}

func TestMeshRefuseNewConnections(t *testing.T) {
	guard(t)
	w := newMeshWorld(t)
	server := w.mesh()
	must(t, server.CreateServer(nil))
	c2 := w.mesh()
	must(t, c2.CreateClient(2, nil))
	w.link(server, 1, c2, 2)
	w.until("connected", 20*time.Second, all(w.connectedTo(c2, 1), w.connectedTo(server, 2)))

	server.SetRefuseNewConnections(true)
	if !server.IsRefusingNewConnections() {
		t.Fatal("refusing")
	}
	wantErr(t, "refused", server.AddPeer(w.peer(), 3, 1), ErrUnauthorized, "refusing")
	// Connected peers are not affected.
	send(t, c2, 1, TransferModeReliable, 0, payload(2, 0, TransferModeReliable, 1))
	w.until("packet", 10*time.Second, func() bool { return len(w.packets[server]) == 1 })

	server.SetRefuseNewConnections(false)
	c3 := w.mesh()
	must(t, c3.CreateClient(3, nil))
	w.link(server, 1, c3, 3)
	w.until("3 connected", 20*time.Second, w.connectedTo(server, 3))
}

// TestMeshClose checks close(): every connection closes, the mesh is
// unconfigured again, and (by default) connected peers are signalled.
func TestMeshClose(t *testing.T) {
	guard(t)
	w := newMeshWorld(t)
	meshes := map[int32]*Mesh{}
	for _, id := range []int32{1, 2, 3} {
		m := w.mesh()
		must(t, m.CreateMesh(id, nil))
		meshes[id] = m
	}
	must(t, meshes[2].SetOptions(MeshOptions{CloseEmitsPeerDisconnected: false, EventQueueLimit: 64}))
	w.link(meshes[1], 1, meshes[3], 3)
	w.link(meshes[1], 1, meshes[2], 2)
	w.link(meshes[2], 2, meshes[3], 3)
	w.until("connected", 20*time.Second, all(w.connectedTo(meshes[1], 2, 3), w.connectedTo(meshes[2], 1, 3), w.connectedTo(meshes[3], 1, 2)))
	for _, m := range meshes {
		w.takeEvents(m)
	}
	// A peer that never connected is not signalled.
	must(t, meshes[1].AddPeer(w.peer(), 9, 1))

	meshes[1].Close()
	wantEvents(t, "mesh 1", drainEvents(meshes[1]), disconnected(3), disconnected(2)) // insertion order
	if meshes[1].Mode() != MeshModeNone || len(meshes[1].GetPeers()) != 0 {
		t.Fatal("close must forget every peer")
	}
	wantErr(t, "put after close", meshes[1].PutPacket([]byte("x")), ErrUnconfigured, "")
	wantErr(t, "add after close", meshes[1].AddPeer(w.peer(), 2, 1), ErrUnconfigured, "")
	w.until("others see 1 go", 10*time.Second, func() bool { return len(w.events[meshes[2]]) == 1 && len(w.events[meshes[3]]) == 1 })
	wantEvents(t, "mesh 2", w.takeEvents(meshes[2]), disconnected(1))
	wantEvents(t, "mesh 3", w.takeEvents(meshes[3]), disconnected(1))

	// With CloseEmitsPeerDisconnected false, close is silent (Godot's behaviour).
	meshes[2].Close()
	wantEvents(t, "mesh 2", drainEvents(meshes[2]))
	w.until("3 sees 2 go", 10*time.Second, func() bool { return len(w.events[meshes[3]]) == 1 })
	wantEvents(t, "mesh 3", w.takeEvents(meshes[3]), disconnected(2))
	// A closed mesh can be configured again.
	must(t, meshes[1].CreateMesh(1, nil))
	if meshes[1].ConnectionStatus() != StatusConnected {
		t.Fatal("reconfigure after close")
	}
}

func TestMeshEventQueueLimit(t *testing.T) {
	guard(t)
	w := newMeshWorld(t)
	m := w.mesh()
	must(t, m.SetOptions(MeshOptions{EventQueueLimit: 16}))
	must(t, m.CreateServer(nil))
	m.mu.Lock()
	for i := int32(0); i < 20; i++ {
		m.push(MeshEventPeerConnected, i+2)
	}
	m.mu.Unlock()
	if m.PendingEvents() != 16 || m.DroppedEvents() != 4 {
		t.Fatalf("pending %d dropped %d", m.PendingEvents(), m.DroppedEvents())
	}
	if ev, _ := m.NextEvent(); ev != connected(2) {
		t.Fatalf("oldest event first, got %v", ev)
	}
}

// TestMeshConcurrentUse calls every method from several goroutines while
// packets flow, for the race detector.
func TestMeshConcurrentUse(t *testing.T) {
	guard(t)
	w := newMeshWorld(t)
	a, b := w.mesh(), w.mesh()
	must(t, a.CreateMesh(1, threeExtra))
	must(t, b.CreateMesh(2, threeExtra))
	w.link(a, 1, b, 2)
	w.until("connected", 20*time.Second, all(w.connectedTo(a, 2), w.connectedTo(b, 1)))
	w.manual[a], w.manual[b] = true, true
	stop := make(chan struct{})
	done := make(chan struct{})
	var received atomic.Int64
	run := func(f func()) {
		go func() {
			defer func() { done <- struct{}{} }()
			for {
				select {
				case <-stop:
					return
				default:
					f()
				}
			}
		}()
	}
	run(func() {
		for i, k := range combos {
			_ = trySend(a, 2, k.mode, k.channel, payload(1, k.channel, k.mode, i))
		}
		time.Sleep(time.Millisecond)
	})
	run(func() {
		b.Poll()
		for b.AvailablePacketCount() > 0 {
			if _, err := b.GetPacket(); err == nil {
				received.Add(1)
			}
		}
		drainEvents(b)
		time.Sleep(time.Millisecond)
	})
	run(func() {
		a.Poll()
		_ = b.PacketPeer() + b.PacketChannel() + int32(b.PacketMode())
		_, _ = b.GetPeer(1)
		_ = b.GetPeers()
		_ = a.HasPeer(2)
		_, _ = a.UniqueID()
		_ = a.ConnectionStatus()
		b.SetTargetPeer(-5)
		_ = b.PutPacket([]byte("to 1"))
		time.Sleep(time.Millisecond)
	})
	time.Sleep(300 * time.Millisecond)
	a.Close() // while the others still run
	time.Sleep(50 * time.Millisecond)
	close(stop)
	for i := 0; i < 3; i++ {
		<-done
	}
	if received.Load() == 0 {
		t.Fatal("no packet went through")
	}
}

// TestMeshDescribedPacketPeerRemoved: removing the peer whose packet is
// described describes the next peer's packet; a packet taken from the
// channel behind the mesh's back gives ERR_UNAVAILABLE, not a wrong packet.
func TestMeshDescribedPacketPeerRemoved(t *testing.T) {
	guard(t)
	w := newMeshWorld(t)
	recv := w.mesh()
	must(t, recv.CreateServer(nil))
	senders := map[int32]*Mesh{}
	for _, id := range []int32{2, 3} {
		s := w.mesh()
		must(t, s.CreateClient(id, nil))
		senders[id] = s
		w.link(recv, 1, s, id)
	}
	w.until("connected", 20*time.Second, all(w.connectedTo(recv, 2, 3), w.connectedTo(senders[2], 1), w.connectedTo(senders[3], 1)))
	w.manual[recv] = true
	send(t, senders[2], 1, TransferModeReliable, 0, "from 2")
	send(t, senders[3], 1, TransferModeUnreliable, 0, "from 3")
	w.until("both queued", 10*time.Second, func() bool {
		a, _ := recv.GetPeer(2)
		b, _ := recv.GetPeer(3)
		return a.Channels[0].AvailablePacketCount() == 1 && b.Channels[2].AvailablePacketCount() == 1
	})
	recv.Poll()
	if recv.PacketPeer() != 2 || recv.AvailablePacketCount() != 2 {
		t.Fatalf("described peer %d, available %d", recv.PacketPeer(), recv.AvailablePacketCount())
	}
	must(t, recv.RemovePeer(2))
	if recv.PacketPeer() != 3 || recv.PacketMode() != TransferModeUnreliable || recv.AvailablePacketCount() != 1 {
		t.Fatalf("after removing the described peer: peer %d mode %d", recv.PacketPeer(), recv.PacketMode())
	}
	info, _ := recv.GetPeer(3)
	if _, err := info.Channels[2].GetPacket(); err != nil {
		t.Fatal(err)
	}
	if _, err := recv.GetPacket(); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("described packet taken elsewhere: %v", err)
	}
	if recv.PacketPeer() != 0 {
		t.Fatal("nothing left to describe")
	}
	wantEvents(t, "recv", drainEvents(recv), disconnected(2))
}

// TestMeshQueuedCount checks the count that lets an idle poll skip looking
// into every channel: it follows packets in, out, and peers leaving.
func TestMeshQueuedCount(t *testing.T) {
	guard(t)
	w := newMeshWorld(t)
	a, b, c := w.mesh(), w.mesh(), w.mesh()
	for i, m := range []*Mesh{a, b, c} {
		if err := m.CreateMesh(int32(i+1), nil); err != nil {
			t.Fatal(err)
		}
	}
	w.link(a, 1, b, 2)
	w.link(c, 3, b, 2)
	w.until("connected", 10*time.Second, all(w.connectedTo(b, 1, 3), w.connectedTo(a, 2), w.connectedTo(c, 2)))
	w.manual[b] = true
	for i := range 4 {
		send(t, a, 2, TransferModeReliable, 0, payload(1, 0, TransferModeReliable, i))
		send(t, c, 2, TransferModeReliable, 0, payload(3, 0, TransferModeReliable, i))
	}
	w.until("8 packets queued", 10*time.Second, func() bool { b.Poll(); return b.queued.Load() == 8 })
	w.take(b)
	w.take(b)
	if got := b.queued.Load(); got != 6 {
		t.Fatalf("queued %d after taking 2 of 8", got)
	}
	if err := b.RemovePeer(1); err != nil {
		t.Fatal(err)
	}
	if got, avail := b.queued.Load(), b.AvailablePacketCount(); got != 3 || avail != 3 {
		t.Fatalf("after removing peer 1: queued %d, available %d, want 3 (peer 3's)", got, avail)
	}
	b.Close()
	if got := b.queued.Load(); got != 0 {
		t.Fatalf("queued %d after close", got)
	}
}
