package core

import (
	"errors"
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/transport/v5/vnet"
)

// parsedLoopback is loopbackConfig (helpers_test.go) parsed once.
var parsedLoopback = sync.OnceValue(func() Config {
	cfg, err := ParseConfig(loopbackConfig)
	if err != nil {
		panic(err)
	}
	return cfg
})

// meshWorld plays the host for many meshes at once: it does the signaling of
// every link, polls every mesh and collects its events and packets, all from
// the test goroutine, in one cheap loop.
type meshWorld struct {
	t       testing.TB
	config  func() Config // configuration of new peers
	links   []meshLink
	meshes  []*Mesh
	manual  map[*Mesh]bool // meshes the test polls and reads itself
	events  map[*Mesh][]MeshEvent
	packets map[*Mesh][]meshPacket
}

type meshLink struct{ a, b *Peer }

// meshPacket is a packet as the host saw it: attribution read before GetPacket.
type meshPacket struct {
	peer    int32
	channel int32
	mode    TransferMode
	data    string
}

func newMeshWorld(t testing.TB) *meshWorld {
	return &meshWorld{t: t, config: parsedLoopback, manual: map[*Mesh]bool{},
		events: map[*Mesh][]MeshEvent{}, packets: map[*Mesh][]meshPacket{}}
}

// peer returns a connection on the world's configuration (loopback-only ICE
// unless a vnet test replaced it), released when the test ends.
func (w *meshWorld) peer() *Peer {
	w.t.Helper()
	p := &Peer{log: Logs.NewLogger("peer")}
	if err := p.Initialize(w.config()); err != nil {
		w.t.Fatalf("initialize: %v", err)
	}
	w.t.Cleanup(p.Destroy)
	return p
}

// mesh returns a new mesh the world polls, closed when the test ends.
func (w *meshWorld) mesh() *Mesh {
	m := NewMesh()
	w.meshes = append(w.meshes, m)
	w.t.Cleanup(m.Close)
	return m
}

// link connects mesh a (whose id is aID) with mesh b (bID): each side adds a
// new connection for the other, and a's connection makes the offer.
func (w *meshWorld) link(a *Mesh, aID int32, b *Mesh, bID int32) (pa, pb *Peer) {
	w.t.Helper()
	pa, pb = w.peer(), w.peer()
	if err := a.AddPeer(pa, bID, 1); err != nil {
		w.t.Fatalf("add peer %d to mesh %d: %v", bID, aID, err)
	}
	if err := b.AddPeer(pb, aID, 1); err != nil {
		w.t.Fatalf("add peer %d to mesh %d: %v", aID, bID, err)
	}
	if err := pa.CreateOffer(); err != nil {
		w.t.Fatalf("offer: %v", err)
	}
	w.links = append(w.links, meshLink{pa, pb})
	return pa, pb
}

// pump forwards from's signaling to to; it reports whether there was any.
func (w *meshWorld) pump(from, to *Peer) bool {
	w.t.Helper()
	busy := false
	for ev, ok := from.NextEvent(); ok; ev, ok = from.NextEvent() {
		busy = true
		var err error
		switch ev.Type {
		case EventSessionDescriptionCreated:
			if err = from.SetLocalDescription(ev.SDPType, ev.SDP); err == nil {
				err = to.SetRemoteDescription(ev.SDPType, ev.SDP)
			}
		case EventICECandidateCreated:
			err = to.AddICECandidate(ev.Media, ev.Index, ev.Name)
		case EventDataChannelReceived:
			ev.Channel.Close()
			w.t.Errorf("unexpected in-band channel %q: the mesh only uses negotiated channels", ev.Channel.Label())
		}
		if err != nil && from.ConnectionState() != ConnectionClosed && to.ConnectionState() != ConnectionClosed {
			w.t.Errorf("signaling: %v", err)
		}
	}
	return busy
}

// step does one round of host work; it reports whether anything happened.
func (w *meshWorld) step() bool {
	busy := false
	for _, l := range w.links {
		busy = w.pump(l.a, l.b) || busy
		busy = w.pump(l.b, l.a) || busy
	}
	for _, m := range w.meshes {
		if w.manual[m] {
			continue
		}
		m.Poll()
		for ev, ok := m.NextEvent(); ok; ev, ok = m.NextEvent() {
			w.events[m] = append(w.events[m], ev)
			busy = true
		}
		for m.AvailablePacketCount() > 0 {
			busy = true
			w.packets[m] = append(w.packets[m], w.take(m))
		}
	}
	return busy
}

// take reads the next packet's attribution, then the packet.
func (w *meshWorld) take(m *Mesh) meshPacket {
	w.t.Helper()
	p := meshPacket{peer: m.PacketPeer(), channel: m.PacketChannel(), mode: m.PacketMode()}
	data, err := m.GetPacket()
	if err != nil {
		w.t.Fatalf("get_packet with %d available: %v", m.AvailablePacketCount(), err)
	}
	p.data = string(data)
	return p
}

// until steps until cond holds, failing the test after timeout.
func (w *meshWorld) until(what string, timeout time.Duration, cond func() bool) {
	w.t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			w.t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		if !w.step() {
			time.Sleep(time.Millisecond)
		}
	}
}

// wait steps for a while.
func (w *meshWorld) wait(d time.Duration) {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if !w.step() {
			time.Sleep(time.Millisecond)
		}
	}
}

// connectedTo reports whether m has announced every one of ids.
func (w *meshWorld) connectedTo(m *Mesh, ids ...int32) func() bool {
	return func() bool {
		for _, id := range ids {
			if !slices.Contains(w.events[m], MeshEvent{MeshEventPeerConnected, id}) {
				return false
			}
		}
		return true
	}
}

// all combines conditions.
func all(conds ...func() bool) func() bool {
	return func() bool {
		for _, c := range conds {
			if !c() {
				return false
			}
		}
		return true
	}
}

// takeEvents returns and forgets the events collected for m.
func (w *meshWorld) takeEvents(m *Mesh) []MeshEvent {
	evs := w.events[m]
	delete(w.events, m)
	return evs
}

// takePackets returns and forgets the packets collected for m.
func (w *meshWorld) takePackets(m *Mesh) []meshPacket {
	ps := w.packets[m]
	delete(w.packets, m)
	return ps
}

// send sets the target, mode and channel, then puts one packet.
func send(t *testing.T, m *Mesh, target int32, mode TransferMode, channel int32, data string) {
	t.Helper()
	if err := trySend(m, target, mode, channel, data); err != nil {
		t.Fatalf("put_packet to %d mode %d channel %d: %v", target, mode, channel, err)
	}
}

func trySend(m *Mesh, target int32, mode TransferMode, channel int32, data string) error {
	m.SetTargetPeer(target)
	if err := m.SetTransferMode(mode); err != nil {
		return err
	}
	if err := m.SetTransferChannel(channel); err != nil {
		return err
	}
	return m.PutPacket([]byte(data))
}

// payload encodes what the receiver must see: sender, channel and mode.
func payload(from int32, channel int32, mode TransferMode, seq int) string {
	return fmt.Sprintf("from=%d ch=%d mode=%d seq=%d", from, channel, mode, seq)
}

// checkAttribution verifies that every packet's attribution matches its payload.
func checkAttribution(t *testing.T, who string, packets []meshPacket) {
	t.Helper()
	for _, p := range packets {
		var from, ch, mode int32
		var seq int
		if _, err := fmt.Sscanf(p.data, "from=%d ch=%d mode=%d seq=%d", &from, &ch, &mode, &seq); err != nil {
			t.Fatalf("%s: bad payload %q: %v", who, p.data, err)
		}
		if from != p.peer || ch != p.channel || TransferMode(mode) != p.mode {
			t.Fatalf("%s: packet %q attributed to peer %d channel %d mode %d", who, p.data, p.peer, p.channel, p.mode)
		}
	}
}

func wantErr(t *testing.T, what string, err error, sentinel *Error, contains string) {
	t.Helper()
	if !errors.Is(err, sentinel) {
		t.Fatalf("%s: got %v, want %v", what, err, sentinel)
	}
	if contains != "" && !strings.Contains(err.Error(), contains) {
		t.Fatalf("%s: error %q does not mention %q", what, err, contains)
	}
}

func wantEvents(t *testing.T, who string, got []MeshEvent, want ...MeshEvent) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("%s events:\n got %v\nwant %v", who, got, want)
	}
}

func connected(id int32) MeshEvent    { return MeshEvent{MeshEventPeerConnected, id} }
func disconnected(id int32) MeshEvent { return MeshEvent{MeshEventPeerDisconnected, id} }

var (
	succeeded          = MeshEvent{MeshEventConnectionSucceeded, 1}
	failed             = MeshEvent{MeshEventConnectionFailed, 1}
	serverDisconnected = MeshEvent{MeshEventServerDisconnected, 1}
)

// vnetWorld is a virtual LAN: every peer of the world gets its own vnet.Net
// on one router, whose filter drops chunks at a settable rate.
type vnetWorld struct {
	router *vnet.Router
	lossPc atomic.Int32 // percent of chunks dropped
	rng    *rand.Rand
	rngMu  sync.Mutex
	next   atomic.Int32
	tweak  func(*Config)
}

// useVnet makes w's peers live on a virtual network (no real interface is
// touched). tweak adjusts each peer's configuration.
func (w *meshWorld) useVnet(tweak func(*Config)) *vnetWorld {
	w.t.Helper()
	router, err := vnet.NewRouter(&vnet.RouterConfig{CIDR: "10.0.0.0/24", LoggerFactory: Logs})
	if err != nil {
		w.t.Fatal(err)
	}
	v := &vnetWorld{router: router, rng: rand.New(rand.NewSource(1)), tweak: tweak}
	router.AddChunkFilter(func(vnet.Chunk) bool {
		pc := v.lossPc.Load()
		if pc == 0 {
			return true
		}
		v.rngMu.Lock()
		defer v.rngMu.Unlock()
		return v.rng.Int31n(100) >= pc
	})
	if err := router.Start(); err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(func() { _ = router.Stop() })
	w.config = func() Config {
		n := v.next.Add(1)
		nw, err := vnet.NewNet(&vnet.NetConfig{StaticIPs: []string{fmt.Sprintf("10.0.0.%d", n+1)}})
		if err != nil {
			w.t.Fatal(err)
		}
		if err := router.AddNet(nw); err != nil {
			w.t.Fatal(err)
		}
		cfg := DefaultConfig()
		cfg.Net = nw
		cfg.Interfaces = []string{"eth0"}
		cfg.MDNS = MDNSDisabled
		cfg.IPv6 = false
		if tweak != nil {
			tweak(&cfg)
		}
		return cfg
	}
	return v
}
