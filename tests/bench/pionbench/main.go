// Command pionbench is the raw-pion side of scripts/bench.sh: the same
// metrics with the same method as the C benchmark (tests/bench/bench_c.c),
// written the way a Go program uses pion v4 directly. "Raw pion" means
// webrtc.NewAPI with pion's defaults (default codecs and interceptors, as
// webrtc.NewPeerConnection) and a SettingEngine that only restricts ICE to
// loopback (the project's network rule); -detached adds
// SettingEngine.DetachDataChannels and reads with ReadDataChannel instead of
// OnMessage. -hostpoll (rtt only, with -detached) drives the ping-pong the way
// meshrtc's host does: reader goroutines queue what arrives and the main
// goroutine polls the queues, so the rtt of the two differs by the library,
// not by the loop.
//
// -metric lossy is scripts/bench.sh's lossy metric: reliable messages
// through a lossy, jittery relay (tests/faults/relay).
//
// -metric server and -metric frame_loop are the game-loop metrics of
// tests/bench/gameloop_c.c: several processes of this program running 60 Hz
// frame loops (gameloop.go, procs.go).
//
//	pionbench -metric setup|throughput|rtt|msg_rate|mesh|lossy|server|frame_loop [-detached [-hostpoll]] [flags]
//
// One JSON line per run on stdout (tests/bench/README.md). It never asserts on timing:
// it exits non-zero only when something fails outright.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/meshrtc/meshrtc/tests/bench/benchkit"
	"github.com/pion/datachannel"
	"github.com/pion/ice/v4"
	"github.com/pion/webrtc/v4"
)

var (
	opt      = benchkit.NewFlags("setup, throughput, rtt, msg_rate, mesh, lossy, server or frame_loop")
	detached = flag.Bool("detached", false, "detach data channels (SettingEngine.DetachDataChannels)")
	hostPoll = flag.Bool("hostpoll", false, "rtt with -detached: a polling host loop as meshrtc's instead of an echo goroutine")
)

func main() {
	flag.Parse()
	raiseFileLimit()
	err := opt.Run(map[string]func() error{
		"setup": benchSetup, "throughput": benchThroughput, "rtt": benchRTT, "msg_rate": benchMsgRate,
		"mesh": benchMesh, "lossy": benchLossy, "server": benchServer, "frame_loop": benchFrameLoop,
	})
	if err != nil {
		benchkit.Fail("pionbench", err)
	}
}

func impl() string {
	if *hostPoll {
		return "pion-hostpoll"
	}
	if *detached {
		return "pion-detached"
	}
	return "pion"
}

func raiseFileLimit() {
	var rl syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl) == nil && rl.Cur < rl.Max {
		rl.Cur = rl.Max
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl)
	}
}

// newAPI is pion's default API (default codecs and interceptors, as
// webrtc.NewPeerConnection) with loopback-only ICE.
func newAPI() *webrtc.API {
	var se webrtc.SettingEngine
	se.SetInterfaceFilter(func(name string) bool { return name == "lo" })
	se.SetIncludeLoopbackCandidate(true)
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	if *detached {
		se.DetachDataChannels()
	}
	return webrtc.NewAPI(webrtc.WithSettingEngine(se))
}

// chanSpec is one negotiated channel created on both ends.
type chanSpec struct {
	label string
	init  webrtc.DataChannelInit
}

func u16(v uint16) *uint16 { return &v }
func yes() *bool           { v := true; return &v }
func no() *bool            { v := false; return &v }

// pairChannels are the benchmark's channels: id 1 reliable ordered, id 2
// unreliable unordered with maxRetransmits 0.
var pairChannels = []chanSpec{
	{"reliable", webrtc.DataChannelInit{Negotiated: yes(), ID: u16(1), Ordered: yes()}},
	{"unreliable", webrtc.DataChannelInit{Negotiated: yes(), ID: u16(2), Ordered: no(), MaxRetransmits: u16(0)}},
}

// godotChannels are the channels Godot's WebRTCMultiplayerPeer.add_peer
// creates (unreliable lifetime 1 ms), as meshrtc's mesh does.
var godotChannels = []chanSpec{
	{"reliable", webrtc.DataChannelInit{Negotiated: yes(), ID: u16(1), Ordered: yes()}},
	{"ordered", webrtc.DataChannelInit{Negotiated: yes(), ID: u16(2), Ordered: yes(), MaxPacketLifeTime: u16(1)}},
	{"unreliable", webrtc.DataChannelInit{Negotiated: yes(), ID: u16(3), Ordered: no(), MaxPacketLifeTime: u16(1)}},
}

// end is one side of a connection.
type end struct {
	pc *webrtc.PeerConnection
	dc []*webrtc.DataChannel
	rw []datachannel.ReadWriteCloser // detached only, set once open

	mu        sync.Mutex
	remoteSet bool
	pending   []webrtc.ICECandidateInit
}

// addCandidate applies c now or, before the remote description, later.
func (e *end) addCandidate(c webrtc.ICECandidateInit) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.remoteSet {
		e.pending = append(e.pending, c)
		return
	}
	_ = e.pc.AddICECandidate(c)
}

func (e *end) setRemote(desc webrtc.SessionDescription) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.pc.SetRemoteDescription(desc); err != nil {
		return err
	}
	e.remoteSet = true
	for _, c := range e.pending {
		_ = e.pc.AddICECandidate(c)
	}
	e.pending = nil
	return nil
}

// viaRelay, when set, rewrites each candidate of side 0 or 1 (see
// relay.Relay.Candidate); candidates it refuses are not passed on.
var viaRelay func(side int, c webrtc.ICECandidateInit) (webrtc.ICECandidateInit, bool)

// link is one connection with both ends in this process. opened is closed
// once every channel on both ends is open (and detached, with -detached).
type link struct {
	ends   [2]*end
	opened chan struct{}
}

// newLink creates both connections and their channels and runs the
// offer/answer exchange; candidates trickle through the callbacks.
func newLink(api *webrtc.API, specs []chanSpec) (*link, error) {
	l := &link{opened: make(chan struct{})}
	remaining := atomic.Int32{}
	remaining.Store(int32(2 * len(specs)))
	for i := range l.ends {
		pc, err := api.NewPeerConnection(webrtc.Configuration{})
		if err != nil {
			return nil, err
		}
		e := &end{pc: pc, rw: make([]datachannel.ReadWriteCloser, len(specs))}
		l.ends[i] = e
		for k, spec := range specs {
			init := spec.init
			dc, err := pc.CreateDataChannel(spec.label, &init)
			if err != nil {
				return nil, err
			}
			e.dc = append(e.dc, dc)
			dc.OnOpen(func() {
				if *detached {
					rw, err := dc.Detach()
					if err != nil {
						fmt.Fprintln(os.Stderr, "pionbench: detach:", err)
						os.Exit(2)
					}
					e.mu.Lock()
					e.rw[k] = rw
					e.mu.Unlock()
				}
				if remaining.Add(-1) == 0 {
					close(l.opened)
				}
			})
		}
	}
	for i, e := range l.ends {
		other := l.ends[1-i]
		e.pc.OnICECandidate(func(c *webrtc.ICECandidate) {
			if c == nil {
				return
			}
			init, ok := c.ToJSON(), true
			if viaRelay != nil {
				init, ok = viaRelay(i, init)
			}
			if ok {
				other.addCandidate(init)
			}
		})
	}
	a, b := l.ends[0], l.ends[1]
	offer := func() (webrtc.SessionDescription, error) { return a.pc.CreateOffer(nil) }
	answer := func() (webrtc.SessionDescription, error) { return b.pc.CreateAnswer(nil) }
	if err := describe(a, b, offer); err != nil {
		return nil, err
	}
	if err := describe(b, a, answer); err != nil {
		return nil, err
	}
	return l, nil
}

// describe makes from's description with create and sets it on both ends.
func describe(from, to *end, create func() (webrtc.SessionDescription, error)) error {
	desc, err := create()
	if err != nil {
		return err
	}
	if err := from.pc.SetLocalDescription(desc); err != nil {
		return err
	}
	return to.setRemote(desc)
}

func (l *link) wait(timeout time.Duration) error {
	select {
	case <-l.opened:
		return nil
	case <-time.After(timeout):
		return errors.New("channels did not open in time")
	}
}

func (l *link) close() {
	for _, e := range l.ends {
		_ = e.pc.Close()
	}
}

func (l *link) rw(side, ch int) datachannel.ReadWriteCloser {
	e := l.ends[side]
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.rw[ch]
}

func openPair(api *webrtc.API) (*link, error) {
	l, err := newLink(api, pairChannels)
	if err != nil {
		return nil, err
	}
	if err := l.wait(30 * time.Second); err != nil {
		l.close()
		return nil, err
	}
	return l, nil
}

func benchSetup() error {
	api := newAPI()
	return opt.Setup(impl(), func() (func(), error) {
		l, err := openPair(api)
		if err != nil {
			return nil, err
		}
		return l.close, nil
	})
}

// sender writes on ch of side 0, keeping its buffered amount at or below
// limit: it sends while there is room for one more message and otherwise
// waits for pion's buffered-amount-low event.
type sender struct {
	dc    *webrtc.DataChannel
	write func([]byte) error
	low   chan struct{}
	limit uint64
}

func newSender(l *link, ch int, limit int, msg int) *sender {
	dc := l.ends[0].dc[ch]
	s := &sender{dc: dc, low: make(chan struct{}, 1), limit: uint64(limit)}
	if *detached {
		rw := l.rw(0, ch)
		s.write = func(b []byte) error { _, err := rw.Write(b); return err }
	} else {
		s.write = dc.Send
	}
	dc.SetBufferedAmountLowThreshold(uint64(limit - msg))
	dc.OnBufferedAmountLow(func() {
		select {
		case s.low <- struct{}{}:
		default:
		}
	})
	return s
}

func (s *sender) send(b []byte) error {
	for s.dc.BufferedAmount()+uint64(len(b)) > s.limit {
		select {
		case <-s.low:
		case <-time.After(20 * time.Millisecond):
		}
	}
	return s.write(b)
}

// onReceive calls fn for each message on ch of side 1, from pion's
// OnMessage or, detached, from a reader goroutine.
func onReceive(l *link, ch int, fn func([]byte)) {
	if !*detached {
		l.ends[1].dc[ch].OnMessage(func(m webrtc.DataChannelMessage) { fn(m.Data) })
		return
	}
	rw := l.rw(1, ch)
	go func() {
		buf := make([]byte, 1<<20)
		for {
			n, err := rw.Read(buf)
			if err != nil {
				return
			}
			fn(buf[:n])
		}
	}()
}

func benchThroughput() error {
	limit := benchkit.OrDefault(opt.Window, 1<<20)
	l, err := openPair(newAPI())
	if err != nil {
		return err
	}
	defer l.close()
	total := opt.Bytes
	var received atomic.Int64
	done := make(chan struct{})
	onReceive(l, 0, func(b []byte) {
		if received.Add(int64(len(b))) == total {
			close(done)
		}
	})
	s := newSender(l, 0, limit, opt.Msg)
	buf := make([]byte, opt.Msg)
	for i := range buf {
		buf[i] = 0xab
	}
	c0, t0 := benchkit.CPUSeconds(), time.Now()
	for sent := int64(0); sent < total; sent += int64(len(buf)) {
		if err := s.send(buf); err != nil {
			return err
		}
	}
	select {
	case <-done:
	case <-time.After(300 * time.Second):
		return fmt.Errorf("throughput stalled at %d of %d bytes", received.Load(), total)
	}
	benchkit.EmitThroughput(impl(), opt.Round, total, time.Since(t0).Seconds(), benchkit.CPUSeconds()-c0, opt.Msg, limit)
	return nil
}

func benchRTT() error {
	l, err := openPair(newAPI())
	if err != nil {
		return err
	}
	defer l.close()
	msg := make([]byte, opt.RTTSize())
	var roundTrip func() error
	switch {
	case *hostPoll:
		roundTrip = hostPollRoundTrip(l.rw(0, 0), l.rw(1, 0), msg)
	case *detached:
		a, b := l.rw(0, 0), l.rw(1, 0)
		go func() { // echo
			buf := make([]byte, 1<<16)
			for {
				n, err := b.Read(buf)
				if err != nil {
					return
				}
				if _, err := b.Write(buf[:n]); err != nil {
					return
				}
			}
		}()
		buf := make([]byte, 1<<16)
		roundTrip = func() error {
			if _, err := a.Write(msg); err != nil {
				return err
			}
			_, err := a.Read(buf)
			return err
		}
	default:
		a, b := l.ends[0].dc[0], l.ends[1].dc[0]
		pong := make(chan struct{}, 1)
		b.OnMessage(func(m webrtc.DataChannelMessage) { _ = b.Send(m.Data) })
		a.OnMessage(func(webrtc.DataChannelMessage) { pong <- struct{}{} })
		roundTrip = func() error {
			if err := a.Send(msg); err != nil {
				return err
			}
			select {
			case <-pong:
				return nil
			case <-time.After(30 * time.Second):
				return errors.New("no pong within 30 s")
			}
		}
	}
	return opt.RTT(impl(), roundTrip)
}

func benchMsgRate() error {
	n, sz, limit := benchkit.OrDefault(opt.Count, 200000), benchkit.OrDefault(opt.Size, 100), benchkit.OrDefault(opt.Window, 256<<10)
	l, err := openPair(newAPI())
	if err != nil {
		return err
	}
	defer l.close()
	var received atomic.Int64
	var lastRx atomic.Int64 // ns since t0
	s := newSender(l, 1, limit, sz)
	msg := make([]byte, sz)
	for i := range msg {
		msg[i] = 0x33
	}
	t0 := time.Now()
	onReceive(l, 1, func([]byte) {
		received.Add(1)
		lastRx.Store(int64(time.Since(t0)))
	})
	for i := 0; i < n; i++ {
		if err := s.send(msg); err != nil {
			return err
		}
	}
	quiet := time.Duration(opt.QuietMs) * time.Millisecond
	deadline := time.Now().Add(300 * time.Second)
	for received.Load() < int64(n) && time.Since(t0)-time.Duration(lastRx.Load()) <= quiet && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	benchkit.EmitMsgRate(impl(), opt.Round, n, n, int(received.Load()), time.Duration(lastRx.Load()).Seconds(), sz)
	return nil
}

func benchMesh() error {
	n := benchkit.OrDefault(opt.Count, 8)
	api := newAPI()
	base := benchkit.NewMeshBaseline()
	t0 := time.Now()
	var links []*link
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			l, err := newLink(api, godotChannels)
			if err != nil {
				return err
			}
			links = append(links, l)
		}
	}
	// Connected as Godot's WebRTCMultiplayerPeer counts it: every channel open
	// (the connection is CONNECTED before its channels can open).
	for _, l := range links {
		if err := l.wait(120 * time.Second); err != nil {
			return fmt.Errorf("%d-peer mesh: %w", n, err)
		}
	}
	res := benchkit.MeshResult{N: n, Connect: time.Since(t0), RSSConnectedKB: benchkit.RSSKB()}
	c0, i0 := benchkit.CPUSeconds(), time.Now()
	time.Sleep(time.Duration(opt.IdleMs) * time.Millisecond)
	res.IdleCPUPct = (benchkit.CPUSeconds() - c0) / time.Since(i0).Seconds() * 100
	res.IdleS = float64(opt.IdleMs) / 1000
	res.RSSIdleKB = benchkit.RSSKB()
	base.EmitMesh(impl(), opt.Round, res)
	return nil
}

// hostPollRoundTrip is a ping-pong driven like bench_c.c's rtt: one reader
// goroutine per end counts arrivals under a mutex, and the calling goroutine
// writes, then polls the other end's count (yielding between polls), echoes,
// and polls again.
func hostPollRoundTrip(a, b datachannel.ReadWriteCloser, msg []byte) func() error {
	type arrivals struct {
		mu sync.Mutex
		n  int
	}
	var atA, atB arrivals
	read := func(rw datachannel.ReadWriteCloser, q *arrivals) {
		buf := make([]byte, 1<<16)
		for {
			if _, err := rw.Read(buf); err != nil {
				return
			}
			q.mu.Lock()
			q.n++
			q.mu.Unlock()
		}
	}
	go read(a, &atA)
	go read(b, &atB)
	take := func(q *arrivals) error {
		deadline := time.Now().Add(30 * time.Second)
		for spins := 0; ; spins++ {
			q.mu.Lock()
			if q.n > 0 {
				q.n--
				q.mu.Unlock()
				return nil
			}
			q.mu.Unlock()
			if spins&1023 == 1023 && time.Now().After(deadline) {
				return errors.New("no packet within 30 s")
			}
			runtime.Gosched()
		}
	}
	return func() error {
		if _, err := a.Write(msg); err != nil {
			return err
		}
		if err := take(&atB); err != nil {
			return err
		}
		if _, err := b.Write(msg); err != nil {
			return err
		}
		return take(&atA)
	}
}
