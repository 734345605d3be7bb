package benchkit

import (
	"fmt"
	"math"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/meshrtc/meshrtc/core"
)

// The long-run workloads of the soak and cycles metrics (corebench) and of
// the fault tests (tests/faults/soak_test.go), on meshrtc's Go core with
// one host loop, as a game runs it.
//
// Soak: an N-peer full mesh; every SoakTick each mesh broadcasts one
// reliable and one unreliable SoakPacketSize-byte packet (100 + 100 packets
// per second per peer at the default tick), and the host loop polls every
// mesh and takes every packet.
//
// Cycles: a pair of peers is created, connected (a reliable and an
// unreliable negotiated channel, one message each way on each) and
// released, over and over.
const (
	SoakTick       = 10 * time.Millisecond
	SoakPacketSize = 100
)

// MemSample is the process's memory at one moment, taken after two
// collections so that the heap figures are the live heap.
type MemSample struct {
	HeapAlloc  uint64 // bytes of live objects
	HeapInuse  uint64 // bytes in spans with live objects
	Goroutines int
	Threads    int64 // OS threads
	RSSKB      int64 // resident set size (KiB)
	// RSSAnonKB is the anonymous part of RSSKB (heap, stacks); the rest is
	// mostly the program's own code, paged in as code paths first run.
	RSSAnonKB int64
	// PionBuffers is the part of HeapAlloc in pion's packet buffers
	// (transport/v5/packetio: ICE's and the DTLS mux's receive buffers, one
	// of each per connection). They grow to the largest backlog their
	// reader ever had, up to pion's limit of 1 MB each, and never shrink:
	// a high-water mark, bounded, that a loaded host (the reader goroutines
	// starved for CPU) only ever raises. Known only while TrackBuffers is on
	// (else 0).
	PionBuffers uint64
}

// Retained is the live heap outside pion's packet buffers: what a leak
// raises (HeapAlloc when the buffers are not tracked).
func (s MemSample) Retained() int64 { return int64(s.HeapAlloc) - int64(s.PionBuffers) }

// ReleasedRSSKB is the resident set size after returning every free page to
// the operating system: RSS minus what the Go runtime holds unused (its
// scavenger gives such memory back over minutes, not at once).
func ReleasedRSSKB() int64 {
	debug.FreeOSMemory()
	return RSSKB()
}

// Measure takes a MemSample.
func Measure() MemSample {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return MemSample{HeapAlloc: ms.HeapAlloc, HeapInuse: ms.HeapInuse, Goroutines: runtime.NumGoroutine(),
		Threads: ProcStatus("Threads"), RSSKB: RSSKB(), RSSAnonKB: ProcStatus("RssAnon"), PionBuffers: pionBuffers()}
}

// Settle waits up to timeout for goroutines to drop to at most want (pion
// ends a closed connection's goroutines on timers of its own, after Close
// returned), then returns the sample with the least Retained of a few
// taken 200 ms apart, with between(), if not nil, run before each: objects
// that only a pending timer or a packet in flight still holds are then
// gone, which a leak is not.
func Settle(want int, timeout time.Duration, between func() error) (MemSample, error) {
	deadline := time.Now().Add(timeout)
	for runtime.NumGoroutine() > want && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	var best MemSample
	for i := range 5 {
		if between != nil {
			if err := between(); err != nil {
				return best, err
			}
		} else if i > 0 {
			time.Sleep(200 * time.Millisecond)
		}
		if s := Measure(); i == 0 || s.Retained() < best.Retained() {
			best = s
		}
	}
	return best, nil
}

// TrackBuffers samples allocations finely from now on (one sample per
// trackRate bytes allocated, instead of the runtime's 512 KiB) so that
// MemSample.PionBuffers is known; the returned function restores the
// previous rate. Every packet buffer pion grows is 2 KiB or more, so the
// estimate is close; recording every allocation (rate 1) halved the host
// loop's speed.
func TrackBuffers() (restore func()) {
	old := runtime.MemProfileRate
	runtime.MemProfileRate = trackRate
	return func() { runtime.MemProfileRate = old }
}

const trackRate = 4096

// pionBuffers estimates the live bytes allocated by pion's packetio
// buffers while allocations are tracked, scaling each sampled stack as
// pprof does.
func pionBuffers() uint64 {
	if runtime.MemProfileRate != trackRate {
		return 0
	}
	var records []runtime.MemProfileRecord
	n, _ := runtime.MemProfile(nil, false)
	for {
		records = make([]runtime.MemProfileRecord, n+64)
		var ok bool
		if n, ok = runtime.MemProfile(records, false); ok {
			records = records[:n]
			break
		}
	}
	var total float64
	for i := range records {
		r := &records[i]
		if objects, bytes := r.InUseObjects(), r.InUseBytes(); objects > 0 && allocatedBy(r.Stack(), "github.com/pion/transport/v5/packetio.") {
			avg := float64(bytes) / float64(objects)
			total += float64(bytes) / (1 - math.Exp(-avg/trackRate))
		}
	}
	return uint64(total)
}

// allocatedBy reports whether a function whose name starts with prefix is on
// the allocation's stack.
func allocatedBy(stack []uintptr, prefix string) bool {
	frames := runtime.CallersFrames(stack)
	for {
		f, more := frames.Next()
		if strings.HasPrefix(f.Function, prefix) {
			return true
		}
		if !more {
			return false
		}
	}
}

// SoakMesh is the soak workload: n meshes (ids 1..n), each linked to every
// other, and the host loop that drives them.
type SoakMesh struct {
	meshes    []*core.Mesh
	links     [][2]*core.Peer // [0] in the mesh of the lower id
	connected []int           // peer_connected events per mesh
	Received  []int           // packets each mesh took
	// ReceivedReliable counts the reliable ones among Received.
	ReceivedReliable []int
	Sent             int // broadcasts each mesh made (×2 packets, ×(n-1) peers)
	payload          []byte
}

// NewSoakMesh creates the meshes and their connections (configured with
// configJSON) and starts the signaling; Connect completes it.
func NewSoakMesh(n int, configJSON string) (*SoakMesh, error) {
	cfg, err := core.ParseConfig(configJSON)
	if err != nil {
		return nil, err
	}
	s := &SoakMesh{connected: make([]int, n), Received: make([]int, n), ReceivedReliable: make([]int, n),
		payload: make([]byte, SoakPacketSize)}
	for i := range n {
		m := core.NewMesh()
		s.meshes = append(s.meshes, m)
		if err := m.CreateMesh(int32(i+1), nil); err != nil {
			s.Close()
			return nil, err
		}
	}
	for i := range n {
		for j := i + 1; j < n; j++ {
			var l [2]*core.Peer
			for k := range l {
				l[k] = core.NewPeer()
				if err := l[k].Initialize(cfg); err != nil {
					s.Close()
					return nil, err
				}
			}
			s.links = append(s.links, l)
			err := s.meshes[i].AddPeer(l[0], int32(j+1), 1)
			if err == nil {
				err = s.meshes[j].AddPeer(l[1], int32(i+1), 1)
			}
			if err == nil {
				err = l[0].CreateOffer()
			}
			if err != nil {
				s.Close()
				return nil, err
			}
		}
	}
	return s, nil
}

// Connect runs the host loop until every mesh has announced every other.
func (s *SoakMesh) Connect(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		if err := s.frame(); err != nil {
			return err
		}
		done := true
		for _, c := range s.connected {
			done = done && c == len(s.meshes)-1
		}
		if done {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d-peer mesh not connected after %v (peer_connected per mesh: %v)", len(s.meshes), timeout, s.connected)
		}
	}
}

// Run runs the host loop for d with traffic (see SoakTick).
func (s *SoakMesh) Run(d time.Duration) error {
	start := time.Now()
	next := start
	for time.Since(start) < d {
		if now := time.Now(); !next.After(now) {
			// Ticks missed while the host was late are skipped, as a
			// game's frame loop skips them.
			next = now.Add(SoakTick)
			if err := s.broadcast(); err != nil {
				return err
			}
		}
		if err := s.frame(); err != nil {
			return err
		}
	}
	return nil
}

// Quiesce runs the host loop without traffic until every reliable packet
// sent so far has been taken, then for settle more: a sample taken then has
// nothing in flight.
func (s *SoakMesh) Quiesce(settle, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	want := s.Sent * (len(s.meshes) - 1)
	for slices.Min(s.ReceivedReliable) < want {
		if time.Now().After(deadline) {
			return fmt.Errorf("reliable packets taken per mesh after %v: %v, want %d each", timeout, s.ReceivedReliable, want)
		}
		if err := s.frame(); err != nil {
			return err
		}
	}
	for end := time.Now().Add(settle); time.Now().Before(end); {
		if err := s.frame(); err != nil {
			return err
		}
	}
	return nil
}

// frame is step, then a 1 ms sleep if there was nothing to do.
func (s *SoakMesh) frame() error {
	busy, err := s.step()
	if err == nil && !busy {
		time.Sleep(time.Millisecond)
	}
	return err
}

func (s *SoakMesh) broadcast() error {
	for _, m := range s.meshes {
		m.SetTargetPeer(core.TargetPeerBroadcast)
		for _, mode := range []core.TransferMode{core.TransferModeReliable, core.TransferModeUnreliable} {
			if err := m.SetTransferMode(mode); err != nil {
				return err
			}
			if err := m.PutPacket(s.payload); err != nil {
				return err
			}
		}
	}
	s.Sent++
	return nil
}

// step is one host frame: every connection's signaling, then every mesh's
// poll, events and packets. A peer that leaves the mesh is an error.
func (s *SoakMesh) step() (busy bool, err error) {
	for _, l := range s.links {
		for k := range l {
			b, err := Signal(l[k], l[1-k], nil)
			if err != nil {
				return false, err
			}
			busy = busy || b
		}
	}
	for i, m := range s.meshes {
		m.Poll()
		for ev, ok := m.NextEvent(); ok; ev, ok = m.NextEvent() {
			busy = true
			if ev.Type != core.MeshEventPeerConnected {
				return false, fmt.Errorf("mesh %d: event %d for peer %d during the soak", i+1, ev.Type, ev.PeerID)
			}
			s.connected[i]++
		}
		for m.AvailablePacketCount() > 0 {
			busy = true
			reliable := m.PacketMode() == core.TransferModeReliable
			if _, err := m.GetPacket(); err != nil {
				return false, err
			}
			s.Received[i]++
			if reliable {
				s.ReceivedReliable[i]++
			}
		}
	}
	return busy, nil
}

// TotalReceived is the sum of Received.
func (s *SoakMesh) TotalReceived() int {
	total := 0
	for _, r := range s.Received {
		total += r
	}
	return total
}

// Close closes every mesh and connection.
func (s *SoakMesh) Close() {
	for _, m := range s.meshes {
		m.Close()
	}
	for _, l := range s.links {
		for _, p := range l {
			if p != nil {
				p.Destroy()
			}
		}
	}
}

// Signal plays from's queued events to to as a host's signaling does; it
// reports whether there were any. Each candidate goes through candidate
// when it is not nil (the relay's rewrite): passed on as it returns it, or
// dropped when it returns false. Channels announced in-band are released
// (the workloads use negotiated ones).
func Signal(from, to *core.Peer, candidate func(from *core.Peer, name string) (string, bool)) (bool, error) {
	busy := false
	for ev, ok := from.NextEvent(); ok; ev, ok = from.NextEvent() {
		busy = true
		var err error
		switch ev.Type {
		case core.EventSessionDescriptionCreated:
			if err = from.SetLocalDescription(ev.SDPType, ev.SDP); err == nil {
				err = to.SetRemoteDescription(ev.SDPType, ev.SDP)
			}
		case core.EventICECandidateCreated:
			name, pass := ev.Name, true
			if candidate != nil {
				name, pass = candidate(from, ev.Name)
			}
			if pass {
				err = to.AddICECandidate(ev.Media, ev.Index, name)
			}
		case core.EventDataChannelReceived:
			ev.Channel.Destroy()
		}
		if err != nil {
			return busy, err
		}
	}
	return busy, nil
}

// cycleChannels are the pair's negotiated channels: reliable ordered and
// unordered without retransmissions.
var cycleChannels = [2]string{`{"negotiated":true,"id":1}`, `{"negotiated":true,"id":2,"ordered":false,"maxRetransmits":0}`}

// Cycle creates two peers configured with cfg, connects them, sends one
// message each way on each channel, waits for the reliable ones, and
// releases everything.
func Cycle(cfg core.Config, timeout time.Duration) (err error) {
	var peers [2]*core.Peer
	var chans [2][2]*core.Channel
	defer func() {
		for k := range peers {
			for _, ch := range chans[k] {
				if ch != nil {
					ch.Destroy()
				}
			}
			if peers[k] != nil {
				peers[k].Destroy()
			}
		}
	}()
	for k := range peers {
		peers[k] = core.NewPeer()
		if err := peers[k].Initialize(cfg); err != nil {
			return err
		}
		for c, opts := range cycleChannels {
			o, err := core.ParseChannelOptions(opts)
			if err != nil {
				return err
			}
			if chans[k][c], err = peers[k].CreateDataChannel(fmt.Sprint("cycle", c), o); err != nil {
				return err
			}
		}
	}
	if err := peers[0].CreateOffer(); err != nil {
		return err
	}
	deadline := time.Now().Add(timeout)
	wait := func(what string, cond func() bool) error {
		for !cond() {
			if time.Now().After(deadline) {
				return fmt.Errorf("cycle: %s not done after %v", what, timeout)
			}
			busy := false
			for k := range peers {
				b, err := Signal(peers[k], peers[1-k], nil)
				if err != nil {
					return err
				}
				busy = busy || b
			}
			if !busy {
				time.Sleep(time.Millisecond)
			}
		}
		return nil
	}
	if err := wait("channels open", func() bool {
		for k := range chans {
			for _, ch := range chans[k] {
				if ch.State() != core.ChannelOpen {
					return false
				}
			}
		}
		return true
	}); err != nil {
		return err
	}
	for k := range chans {
		for _, ch := range chans[k] {
			if err := ch.PutPacket([]byte("cycle")); err != nil {
				return err
			}
		}
	}
	return wait("reliable messages", func() bool {
		for k := range chans {
			if chans[k][0].AvailablePacketCount() == 0 {
				return false
			}
		}
		return true
	})
}
