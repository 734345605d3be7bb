// Command corebench drives meshrtc's Go core (github.com/meshrtc/meshrtc/core)
// directly, with the same host loop as the C benchmark
// (tests/bench/bench_c.c) but no C ABI in between. scripts/bench.sh runs it
// for abi_call_ns ("the same in Go"); its rtt, throughput and msg_rate split
// a gap between meshrtc-c and raw pion into the C ABI's share and the
// core's; its mesh adds where the memory goes (goroutines, stacks and heap
// per connection after a GC). Output: one JSON line, impl "meshrtc-go".
//
// -metric lossy runs scripts/bench.sh's lossy metric: reliable messages
// through a lossy, jittery relay (tests/faults/relay).
//
// -metric soak and -metric cycles report memory over a long run (see memory.go).
//
//	corebench -metric abi|setup|rtt|throughput|msg_rate|mesh|lossy|soak|cycles [flags] [-cpuprofile f] [-memprofile f]
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"sort"
	"time"

	"github.com/meshrtc/meshrtc/core"
	"github.com/meshrtc/meshrtc/tests/bench/benchkit"
)

const loopbackConfig = `{"meshrtc":{"interfaces":["lo"],"includeLoopback":true,"mdns":"disabled","ipv6":false}}`

const impl = "meshrtc-go"

var (
	opt        = benchkit.NewFlags("abi, setup, rtt, throughput, msg_rate, mesh, lossy, soak or cycles")
	frameUs    = flag.Int("frame_us", 16667, "mesh: host frame while idle (0: no polling)")
	idleUs     = flag.Int("idle_us", -1, "sleep when a poll found nothing (0: runtime.Gosched; default as bench_c: 10 for setup and mesh, else 50)")
	spinUs     = flag.Int("spin_us", 0, "rtt: wait between polls (-1 busy spin, 0 runtime.Gosched, >0 sleep)")
	config     = flag.String("config", loopbackConfig, "peer configuration JSON")
	cpuProfile = flag.String("cpuprofile", "", "write a CPU profile of the measured part (mesh: the idle period)")
	memProfile = flag.String("memprofile", "", "write an allocation profile at the end")
)

func main() {
	flag.Parse()
	if *idleUs < 0 {
		*idleUs = 50
		if opt.Metric == "setup" || opt.Metric == "mesh" {
			*idleUs = 10
		}
	}
	if opt.Metric != "mesh" { // mesh profiles its idle period only
		startCPUProfile()
	}
	if *memProfile != "" {
		runtime.MemProfileRate = 4096
	}
	err := opt.Run(map[string]func() error{
		"abi": benchABI, "rtt": benchRTT, "throughput": benchThroughput, "msg_rate": benchMsgRate,
		"mesh": benchMesh, "setup": benchSetup, "lossy": benchLossy, "soak": benchSoak, "cycles": benchCycles,
	})
	if *cpuProfile != "" {
		pprof.StopCPUProfile()
	}
	if *memProfile != "" {
		f, ferr := os.Create(*memProfile)
		if ferr == nil {
			_ = pprof.Lookup("allocs").WriteTo(f, 0)
			_ = f.Close()
		}
	}
	if err != nil {
		benchkit.Fail("corebench", err)
	}
}

// startCPUProfile starts the -cpuprofile profile, if asked for.
func startCPUProfile() {
	if *cpuProfile == "" {
		return
	}
	f, err := os.Create(*cpuProfile)
	if err != nil {
		benchkit.Fail("corebench", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		benchkit.Fail("corebench", err)
	}
}

func idle() {
	if *idleUs > 0 {
		time.Sleep(time.Duration(*idleUs) * time.Microsecond)
	} else {
		runtime.Gosched()
	}
}

type side struct {
	peer       *core.Peer
	rel, unrel *core.Channel
}

// viaRelay, when set, rewrites each candidate (see relay.Relay.Candidate);
// candidates it refuses are not passed on.
var viaRelay func(from *core.Peer, candidate string) (string, bool)

// pump plays from's signaling events to to, as the C host does.
func pump(from, to *core.Peer) error {
	_, err := benchkit.Signal(from, to, viaRelay)
	return err
}

// openPair creates both peers with the benchmark's negotiated channels and
// signals until all four are open.
func openPair() (a, b *side, err error) {
	cfg, err := core.ParseConfig(*config)
	if err != nil {
		return nil, nil, err
	}
	rel, err := core.ParseChannelOptions(`{"negotiated":true,"id":1}`)
	if err != nil {
		return nil, nil, err
	}
	unrel, err := core.ParseChannelOptions(`{"negotiated":true,"id":2,"ordered":false,"maxRetransmits":0}`)
	if err != nil {
		return nil, nil, err
	}
	sides := [2]*side{}
	for i := range sides {
		p := core.NewPeer()
		if err := p.Initialize(cfg); err != nil {
			return nil, nil, err
		}
		s := &side{peer: p}
		if s.rel, err = p.CreateDataChannel("reliable", rel); err != nil {
			return nil, nil, err
		}
		if s.unrel, err = p.CreateDataChannel("unreliable", unrel); err != nil {
			return nil, nil, err
		}
		sides[i] = s
	}
	a, b = sides[0], sides[1]
	if err := a.peer.CreateOffer(); err != nil {
		return nil, nil, err
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if err := pump(a.peer, b.peer); err != nil {
			return nil, nil, err
		}
		if err := pump(b.peer, a.peer); err != nil {
			return nil, nil, err
		}
		open := 0
		for _, ch := range []*core.Channel{a.rel, a.unrel, b.rel, b.unrel} {
			if ch.State() == core.ChannelOpen {
				open++
			}
		}
		if open == 4 {
			return a, b, nil
		}
		if time.Now().After(deadline) {
			return nil, nil, fmt.Errorf("channels did not open within 30 s")
		}
		idle()
	}
}

func closePair(a, b *side) {
	a.peer.Destroy()
	b.peer.Destroy()
}

func median(v []int64) float64 {
	sort.Slice(v, func(i, j int) bool { return v[i] < v[j] })
	return float64(v[len(v)/2])
}

// nsPerCall is the mean time of calls calls of fn, in ns.
func nsPerCall(calls int, fn func()) float64 {
	t0 := time.Now()
	for range calls {
		fn()
	}
	return float64(time.Since(t0).Nanoseconds()) / float64(calls)
}

// abiBatches is bench_c.c's abi_batches with core calls in place of the C
// ABI: batches of size 64-byte packets, puts and gets timed, one call per
// packet or (batched) PutPackets and GetPackets per batch; the median
// batch's ns per packet.
func abiBatches(a, b *side, size, batches int, batched bool) (putNs, getNs float64, err error) {
	msgs, buf := make([]byte, size*64), make([]byte, size*64)
	sizes, infos := make([]int32, size), make([]core.PacketInfo, size)
	for i := range sizes {
		sizes[i] = 64
	}
	put, get := make([]int64, batches), make([]int64, batches)
	for w := -2; w < batches; w++ {
		t0 := time.Now()
		if batched {
			if _, err := a.rel.PutPackets(msgs, sizes); err != nil {
				return 0, 0, err
			}
		} else {
			for range size {
				if err := a.rel.PutPacket(msgs[:64]); err != nil {
					return 0, 0, err
				}
			}
		}
		t1 := time.Now()
		deadline := time.Now().Add(30 * time.Second)
		for b.rel.AvailablePacketCount() < size {
			if time.Now().After(deadline) {
				return 0, 0, fmt.Errorf("abi packets did not arrive")
			}
			runtime.Gosched()
		}
		t2 := time.Now()
		if batched {
			for taken := 0; taken < size; {
				n, err := b.rel.GetPackets(buf, infos[:size-taken])
				if err != nil {
					return 0, 0, err
				}
				taken += n
			}
		} else {
			for range size {
				if _, err := b.rel.GetPacket(); err != nil {
					return 0, 0, err
				}
			}
		}
		t3 := time.Now()
		if w >= 0 {
			put[w] = int64(t1.Sub(t0)) / int64(size)
			get[w] = int64(t3.Sub(t2)) / int64(size)
		}
	}
	return median(put), median(get), nil
}

// benchABI is bench_c.c's bench_abi with core calls in place of the C ABI.
func benchABI() error {
	n := benchkit.OrDefault(opt.Count, 20000)
	batches16, batches64 := max(n/16, 1), max(n/64, 1)
	a, b, err := openPair()
	if err != nil {
		return err
	}
	defer closePair(a, b)
	putNs, getNs, err := abiBatches(a, b, 64, batches64, false)
	if err != nil {
		return err
	}
	put16, get16, err := abiBatches(a, b, 16, batches16, true)
	if err != nil {
		return err
	}
	put64, get64, err := abiBatches(a, b, 64, batches64, true)
	if err != nil {
		return err
	}
	const calls = 200000
	getterNs := nsPerCall(calls, func() { _ = b.rel.AvailablePacketCount() })
	emptyNs := nsPerCall(calls, func() { _, _ = b.rel.GetPacket() })
	for _, ok := b.peer.NextEvent(); ok; _, ok = b.peer.NextEvent() {
	}
	pollNs := nsPerCall(calls, func() { _ = b.peer.Poll() })
	eventNs := nsPerCall(calls, func() { _, _ = b.peer.NextEvent() })
	r1 := benchkit.Round1
	benchkit.Emit(impl, opt.Round, "abi_call_ns", "ns", putNs+getNs, "put_ns", putNs, "get_ns", getNs,
		"batch16_ns", put16+get16, "batch16_put_ns", put16, "batch16_get_ns", get16,
		"batch64_ns", put64+get64, "batch64_put_ns", put64, "batch64_get_ns", get64,
		"getter_ns", r1(getterNs), "empty_get_ns", r1(emptyNs), "poll_ns", r1(pollNs), "empty_event_ns", r1(eventNs),
		"n", batches64*64)
	return nil
}

// waitPacket spins (runtime.Gosched) until ch has a packet and takes it, as
// bench_c's wait_packet does with sched_yield.
func waitPacket(ch *core.Channel) (core.Packet, error) {
	deadline := time.Time{}
	for spins := 0; ; spins++ {
		if ch.AvailablePacketCount() > 0 {
			return ch.GetPacket()
		}
		if spins&1023 == 1023 {
			if deadline.IsZero() {
				deadline = time.Now().Add(30 * time.Second)
			} else if time.Now().After(deadline) {
				return core.Packet{}, fmt.Errorf("no packet within 30 s")
			}
		}
		switch {
		case *spinUs > 0:
			time.Sleep(time.Duration(*spinUs) * time.Microsecond)
		case *spinUs == 0:
			runtime.Gosched()
		}
	}
}

func benchRTT() error {
	a, b, err := openPair()
	if err != nil {
		return err
	}
	defer closePair(a, b)
	msg := make([]byte, opt.RTTSize())
	return opt.RTT(impl, func() error {
		if err := a.rel.PutPacket(msg); err != nil {
			return err
		}
		p, err := waitPacket(b.rel)
		if err != nil {
			return err
		}
		if err := b.rel.PutPacket(p.Data); err != nil {
			return err
		}
		_, err = waitPacket(a.rel)
		return err
	})
}

func benchThroughput() error {
	limit := int64(benchkit.OrDefault(opt.Window, 1<<20))
	total, msg := opt.Bytes, make([]byte, opt.Msg)
	a, b, err := openPair()
	if err != nil {
		return err
	}
	defer closePair(a, b)
	var sent, received int64
	c0, t0 := benchkit.CPUSeconds(), time.Now()
	deadline := t0.Add(300 * time.Second)
	for received < total {
		progress := false
		for sent < total && a.rel.BufferedAmount()+int64(len(msg)) <= limit {
			if err := a.rel.PutPacket(msg); err != nil {
				return err
			}
			sent += int64(len(msg))
			progress = true
		}
		for p, err := b.rel.GetPacket(); err == nil; p, err = b.rel.GetPacket() {
			received += int64(len(p.Data))
			progress = true
		}
		if !progress {
			if time.Now().After(deadline) {
				return fmt.Errorf("throughput stalled at %d of %d bytes", received, total)
			}
			idle()
		}
	}
	benchkit.EmitThroughput(impl, opt.Round, received, time.Since(t0).Seconds(), benchkit.CPUSeconds()-c0, opt.Msg,
		int(limit))
	return nil
}

func benchMsgRate() error {
	n, sz, limit := benchkit.OrDefault(opt.Count, 200000), benchkit.OrDefault(opt.Size, 100), int64(benchkit.OrDefault(opt.Window, 256<<10))
	a, b, err := openPair()
	if err != nil {
		return err
	}
	defer closePair(a, b)
	msg := make([]byte, sz)
	sent, received := 0, 0
	t0 := time.Now()
	lastRx, deadline := t0, t0.Add(300*time.Second)
	quiet := time.Duration(opt.QuietMs) * time.Millisecond
	for {
		progress := false
		for sent < n && a.unrel.BufferedAmount()+int64(sz) <= limit {
			if err := a.unrel.PutPacket(msg); err != nil {
				return err
			}
			sent++
			progress = true
		}
		got := false
		for _, err := b.unrel.GetPacket(); err == nil; _, err = b.unrel.GetPacket() {
			received++
			got = true
		}
		now := time.Now()
		if got {
			lastRx, progress = now, true
		}
		if received >= n || (sent >= n && now.Sub(lastRx) > quiet) || now.After(deadline) {
			break
		}
		if !progress {
			idle()
		}
	}
	benchkit.EmitMsgRate(impl, opt.Round, n, sent, received, lastRx.Sub(t0).Seconds(), sz,
		"queue_dropped", b.unrel.DroppedPacketCount())
	return nil
}

// benchMesh is bench_c.c's bench_mesh on the core, plus a memory breakdown.
func benchMesh() error {
	n := benchkit.OrDefault(opt.Count, 8)
	cfg, err := core.ParseConfig(*config)
	if err != nil {
		return err
	}
	base := benchkit.NewMeshBaseline()
	t0 := time.Now()
	meshes := make([]*core.Mesh, n)
	for i := range meshes {
		meshes[i] = core.NewMesh()
		if err := meshes[i].CreateMesh(int32(i+1), nil); err != nil {
			return err
		}
	}
	type link struct{ a, b *core.Peer }
	var links []link
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			l := link{core.NewPeer(), core.NewPeer()}
			for _, p := range []*core.Peer{l.a, l.b} {
				if err := p.Initialize(cfg); err != nil {
					return err
				}
			}
			if err := meshes[i].AddPeer(l.a, int32(j+1), 1); err != nil {
				return err
			}
			if err := meshes[j].AddPeer(l.b, int32(i+1), 1); err != nil {
				return err
			}
			if err := l.a.CreateOffer(); err != nil {
				return err
			}
			links = append(links, l)
		}
	}
	connected := make([]int, n)
	frame := func() (int, error) {
		for _, l := range links {
			if err := pump(l.a, l.b); err != nil {
				return 0, err
			}
			if err := pump(l.b, l.a); err != nil {
				return 0, err
			}
		}
		done := 0
		for i, m := range meshes {
			m.Poll()
			for ev, ok := m.NextEvent(); ok; ev, ok = m.NextEvent() {
				switch ev.Type {
				case core.MeshEventPeerConnected:
					connected[i]++
				case core.MeshEventPeerDisconnected:
					connected[i]--
				}
			}
			if connected[i] == n-1 {
				done++
			}
		}
		return done, nil
	}
	deadline := t0.Add(120 * time.Second)
	for {
		done, err := frame()
		if err != nil {
			return err
		}
		if done == n {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d-peer mesh did not connect within 120 s", n)
		}
		idle()
	}
	res := benchkit.MeshResult{N: n, Connect: time.Since(t0), RSSConnectedKB: benchkit.RSSKB()}
	startCPUProfile()
	c0, i0 := benchkit.CPUSeconds(), time.Now()
	for time.Since(i0) < time.Duration(opt.IdleMs)*time.Millisecond {
		if *frameUs > 0 {
			if _, err := frame(); err != nil {
				return err
			}
			time.Sleep(time.Duration(*frameUs) * time.Microsecond)
		} else {
			time.Sleep(10 * time.Millisecond)
		}
	}
	res.IdleCPUPct = (benchkit.CPUSeconds() - c0) / time.Since(i0).Seconds() * 100
	res.IdleS = float64(opt.IdleMs) / 1000
	res.RSSIdleKB = benchkit.RSSKB()
	base.EmitMesh(impl, opt.Round, res)
	return nil
}

// benchSetup is bench_c.c's bench_setup on the core.
func benchSetup() error {
	return opt.Setup(impl, func() (func(), error) {
		a, b, err := openPair()
		if err != nil {
			return nil, err
		}
		return func() { closePair(a, b) }, nil
	})
}
