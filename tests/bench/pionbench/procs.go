package main

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/meshrtc/meshrtc/tests/bench/benchkit"
	"github.com/pion/webrtc/v4"
)

// The processes of the game-loop metrics (server, frame_loop; see
// gameloop.go): this process is the server and starts -procs client
// processes of this program (-role client), which hold the clients between
// them; the signaling and the schedule travel as JSON lines over each
// client process's stdin and stdout, the way gameloop_c does it over a
// socketpair.

var (
	role  = flag.String("role", "", "server, frame_loop: client (a client process the server starts)")
	first = flag.Int("first", 2, "server, frame_loop, with -role client: the first client id of this process")
	count = flag.Int("count", 1, "server, frame_loop, with -role client: how many clients this process holds")
)

const (
	frameNs        = int64(16666667) // 60 Hz
	connectTimeout = 120 * time.Second
	drainNs        = int64(500 * time.Millisecond) // after the window: what is in flight arrives
)

// monoNs is the CLOCK_MONOTONIC time in ns, the clock every process of the
// machine shares. Go's own monotonic readings count from the process's
// start, so one clock_gettime anchors them.
var monoNs = func() func() int64 {
	var ts syscall.Timespec
	at := time.Now()
	const clockMonotonic = 1
	if _, _, errno := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockMonotonic, uintptr(unsafe.Pointer(&ts)), 0); errno != 0 {
		panic(errno)
	}
	raw := ts.Nano()
	return func() int64 { return raw + int64(time.Since(at)) }
}()

// ctlMsg is one control message; Kind says which fields it uses.
type ctlMsg struct {
	Kind    string                     `json:"k"` // sdp, cand, connected, start, sent, stop, report
	ID      int                        `json:"id,omitempty"`
	SDP     *webrtc.SessionDescription `json:"sdp,omitempty"`
	Cand    *webrtc.ICECandidateInit   `json:"cand,omitempty"`
	V       []int64                    `json:"v,omitempty"`       // start: the schedule; sent: phase, count; report: counts
	Samples [][]int32                  `json:"samples,omitempty"` // report: latency series in µs
}

// ctl is one process's end of a control link; messages arrive on in
// (from a reader goroutine: pion's callbacks send from theirs).
type ctl struct {
	mu  sync.Mutex
	w   *bufio.Writer
	enc *json.Encoder
}

func newCtl(w io.Writer) *ctl {
	bw := bufio.NewWriter(w)
	return &ctl{w: bw, enc: json.NewEncoder(bw)}
}

func (c *ctl) send(m ctlMsg) {
	c.mu.Lock()
	defer c.mu.Unlock()
	err := c.enc.Encode(m)
	if err == nil {
		err = c.w.Flush()
	}
	if err != nil {
		benchkit.Fail("pionbench", fmt.Errorf("control link: %v", err))
	}
}

// procMsg is a message and the index of the client process it came from.
type procMsg struct {
	proc int
	msg  ctlMsg
}

// readCtl sends every message of r to in, then one of kind "eof" when r
// ends (the other process exited).
func readCtl(r io.Reader, proc int, in chan<- procMsg) {
	dec := json.NewDecoder(bufio.NewReader(r))
	for {
		var m ctlMsg
		if err := dec.Decode(&m); err != nil {
			in <- procMsg{proc, ctlMsg{Kind: "eof"}}
			return
		}
		in <- procMsg{proc, m}
	}
}

// stamp is what every payload starts with: its send time (monoNs), the
// client's id and a tag (what it is, or its frame_loop phase); the layout
// of gameloop_c's.
type stamp struct {
	sendNs  int64
	id, tag int32
}

func (s stamp) put(b []byte) {
	binary.LittleEndian.PutUint64(b, uint64(s.sendNs))
	binary.LittleEndian.PutUint32(b[8:], uint32(s.id))
	binary.LittleEndian.PutUint32(b[12:], uint32(s.tag))
}

func readStamp(b []byte) (stamp, error) {
	if len(b) < 16 {
		return stamp{}, errors.New("short packet")
	}
	return stamp{int64(binary.LittleEndian.Uint64(b)), int32(binary.LittleEndian.Uint32(b[8:])),
		int32(binary.LittleEndian.Uint32(b[12:]))}, nil
}

// inbox is where pion's OnMessage callbacks leave what arrived, for the
// frame loop to take: a game handles messages in its frame.
type inbox struct {
	mu     sync.Mutex
	stamps []stamp
	err    error
}

func (in *inbox) onMessage(m webrtc.DataChannelMessage) {
	st, err := readStamp(m.Data)
	in.mu.Lock()
	defer in.mu.Unlock()
	if err != nil {
		in.err = err
		return
	}
	in.stamps = append(in.stamps, st)
}

// take hands everything that arrived to fn (in the calling goroutine).
func (in *inbox) take(spare []stamp, fn func(stamp)) ([]stamp, error) {
	in.mu.Lock()
	got, err := in.stamps, in.err
	in.stamps = spare[:0]
	in.mu.Unlock()
	for _, st := range got {
		fn(st)
	}
	return got, err
}

// remoteEnd is this process's end of a connection whose other end is in
// another process: Godot's channels, candidates sent on c as id's, every
// message to box, opened called once every channel is open; down counts it
// the first time its ICE goes disconnected or failed.
func remoteEnd(api *webrtc.API, id int, c *ctl, box *inbox, opened func(), down *atomic.Int32) (*end, error) {
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, err
	}
	var wentDown atomic.Bool
	pc.OnICEConnectionStateChange(func(st webrtc.ICEConnectionState) {
		if (st == webrtc.ICEConnectionStateDisconnected || st == webrtc.ICEConnectionStateFailed) && !wentDown.Swap(true) {
			fmt.Fprintf(os.Stderr, "pionbench: client %d: ICE %s\n", id, st)
			down.Add(1)
		}
	})
	e := &end{pc: pc}
	remaining := atomic.Int32{}
	remaining.Store(int32(len(godotChannels)))
	for _, spec := range godotChannels {
		init := spec.init
		dc, err := pc.CreateDataChannel(spec.label, &init)
		if err != nil {
			return nil, err
		}
		e.dc = append(e.dc, dc)
		dc.OnOpen(func() {
			if remaining.Add(-1) == 0 {
				opened()
			}
		})
		dc.OnMessage(box.onMessage)
	}
	pc.OnICECandidate(func(cand *webrtc.ICECandidate) {
		if cand != nil {
			init := cand.ToJSON()
			c.send(ctlMsg{Kind: "cand", ID: id, Cand: &init})
		}
	})
	return e, nil
}

// signal applies an sdp or cand message to e; an offer is answered on c.
func signal(e *end, m ctlMsg, c *ctl) error {
	switch {
	case m.Kind == "cand" && m.Cand != nil:
		e.addCandidate(*m.Cand)
	case m.Kind == "sdp" && m.SDP != nil:
		if err := e.setRemote(*m.SDP); err != nil {
			return err
		}
		if m.SDP.Type == webrtc.SDPTypeOffer {
			answer, err := e.pc.CreateAnswer(nil)
			if err != nil {
				return err
			}
			if err := e.pc.SetLocalDescription(answer); err != nil {
				return err
			}
			c.send(ctlMsg{Kind: "sdp", ID: m.ID, SDP: &answer})
		}
	default:
		return fmt.Errorf("unexpected control message %q", m.Kind)
	}
	return nil
}

// frames is a 60 Hz frame loop: each frame starts period after the last
// one, or at once when the last one overran (no catching up).
type frames struct {
	next, period, began int64 // began: when this frame's work started
	count, late         int
	work                *[]int32 // when set, each frame's work time (µs) goes there
}

func newFrames(period int64) *frames {
	now := monoNs()
	return &frames{next: now, period: period, began: now}
}

func (f *frames) sleep() {
	now := monoNs()
	if f.work != nil {
		*f.work = append(*f.work, int32((now-f.began)/1000))
	}
	f.next += f.period
	f.count++
	if f.next <= now {
		f.late++
		f.next = now
	} else {
		time.Sleep(time.Duration(f.next - now))
	}
	f.began = monoNs()
}

// clientPeriod is a client's frame: one frame plus 1/F of one, F the
// server's frames in the window, so that the clients' phase against the
// server's frames sweeps one whole frame over it.
func clientPeriod(windowNs int64) int64 { return frameNs + frameNs/max(windowNs/frameNs, 1) }

// gameServer is the server process: ends[i] is the connection to client id
// i+2, held by client process owner[i].
type gameServer struct {
	n         int
	ends      []*end
	owner     []int
	procs     []*exec.Cmd
	ctls      []*ctl
	in        chan procMsg
	box       inbox
	down      atomic.Int32 // connections whose ICE went disconnected or failed
	connectMs float64
}

// startServer starts the client processes for metric and connects n
// clients spread over procs of them.
func startServer(api *webrtc.API, metric string, n, procs int) (*gameServer, error) {
	s := &gameServer{n: n, in: make(chan procMsg, 1024)}
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	t0 := time.Now()
	for p, next := 0, 0; p < procs; p++ {
		k := n/procs + btoi(p < n%procs)
		args := append(append([]string{}, os.Args[1:]...), "-metric", metric, "-role", "client",
			"-first", fmt.Sprint(next+2), "-count", fmt.Sprint(k))
		cmd := exec.Command(exe, args...)
		cmd.Stderr = os.Stderr
		w, err := cmd.StdinPipe()
		if err != nil {
			return nil, err
		}
		r, err := cmd.StdoutPipe()
		if err != nil {
			return nil, err
		}
		if err := cmd.Start(); err != nil {
			return nil, err
		}
		go readCtl(r, p, s.in)
		s.procs, s.ctls = append(s.procs, cmd), append(s.ctls, newCtl(w))
		for range k {
			s.owner = append(s.owner, p)
		}
		next += k
	}
	opened := make(chan struct{}, n)
	for i := range n {
		e, err := remoteEnd(api, i+2, s.ctls[s.owner[i]], &s.box, func() { opened <- struct{}{} }, &s.down)
		if err != nil {
			return nil, err
		}
		s.ends = append(s.ends, e)
		offer, err := e.pc.CreateOffer(nil)
		if err != nil {
			return nil, err
		}
		if err := e.pc.SetLocalDescription(offer); err != nil {
			return nil, err
		}
		s.ctls[s.owner[i]].send(ctlMsg{Kind: "sdp", ID: i + 2, SDP: &offer})
	}
	deadline := time.After(connectTimeout)
	for connected, ready := 0, 0; connected < n || ready < procs; {
		select {
		case <-opened:
			connected++
		case pm := <-s.in:
			if pm.msg.Kind == "connected" {
				ready++
				continue
			}
			if pm.msg.ID < 2 || pm.msg.ID >= n+2 {
				return nil, fmt.Errorf("control message for client %d", pm.msg.ID)
			}
			if err := signal(s.ends[pm.msg.ID-2], pm.msg, s.ctls[pm.proc]); err != nil {
				return nil, err
			}
		case <-deadline:
			return nil, fmt.Errorf("%d of %d clients connected, %d of %d processes, within %v", connected, n, ready, procs, connectTimeout)
		}
	}
	s.connectMs = float64(time.Since(t0).Microseconds()) / 1e3
	return s, nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (s *gameServer) broadcast(m ctlMsg) {
	for _, c := range s.ctls {
		c.send(m)
	}
}

// poll hands the control messages that arrived to fn.
func (s *gameServer) poll(fn func(procMsg) error) error {
	for {
		select {
		case pm := <-s.in:
			if err := fn(pm); err != nil {
				return err
			}
		default:
			return nil
		}
	}
}

// finish waits for every client process's report (counts summed, series
// joined) and exit, then closes the connections.
func (s *gameServer) finish() (counts [4]int64, samples [][]int32, err error) {
	deadline := time.After(60 * time.Second)
	reported := make([]bool, len(s.procs))
	for left := len(s.procs); left > 0; {
		select {
		case pm := <-s.in:
			switch pm.msg.Kind {
			case "report":
				reported[pm.proc] = true
				left--
				for k, v := range pm.msg.V {
					counts[k] += v
				}
				for k, series := range pm.msg.Samples {
					for len(samples) <= k {
						samples = append(samples, nil)
					}
					samples[k] = append(samples[k], series...)
				}
			case "sent": // frame_loop: a phase after the last one judged
			case "eof":
				if !reported[pm.proc] {
					return counts, nil, fmt.Errorf("client process %d exited before its report", pm.proc)
				}
			default:
				return counts, nil, fmt.Errorf("unexpected control message %q at the end", pm.msg.Kind)
			}
		case <-deadline:
			return counts, nil, errors.New("the client processes did not report within 60 s")
		}
	}
	for _, cmd := range s.procs {
		if err := cmd.Wait(); err != nil {
			return counts, nil, fmt.Errorf("a client process failed: %v", err)
		}
	}
	for _, e := range s.ends {
		_ = e.pc.Close()
	}
	return counts, samples, nil
}

// gameClients is a client process: ends[j] is client id first+j's
// connection to the server.
type gameClients struct {
	first int
	ends  []*end
	ctl   *ctl
	in    chan procMsg
	box   inbox
	down  atomic.Int32
}

// startClients connects this process's clients and waits for the
// schedule (the start message's values).
func startClients(api *webrtc.API) (*gameClients, []int64, error) {
	c := &gameClients{first: *first, ctl: newCtl(os.Stdout), in: make(chan procMsg, 1024)}
	go readCtl(os.Stdin, 0, c.in)
	opened := make(chan struct{}, *count)
	for j := range *count {
		e, err := remoteEnd(api, c.first+j, c.ctl, &c.box, func() { opened <- struct{}{} }, &c.down)
		if err != nil {
			return nil, nil, err
		}
		c.ends = append(c.ends, e)
	}
	deadline := time.After(connectTimeout)
	for connected := 0; ; {
		select {
		case <-opened:
			if connected++; connected == len(c.ends) {
				c.ctl.send(ctlMsg{Kind: "connected"})
			}
		case pm := <-c.in:
			if pm.msg.Kind == "start" {
				return c, pm.msg.V, nil
			}
			j := pm.msg.ID - c.first
			if j < 0 || j >= len(c.ends) {
				return nil, nil, fmt.Errorf("control message for client %d", pm.msg.ID)
			}
			if err := signal(c.ends[j], pm.msg, c.ctl); err != nil {
				return nil, nil, err
			}
		case <-deadline:
			return nil, nil, errors.New("the clients did not connect")
		}
	}
}

// stopped says whether the server sent stop; other messages are errors.
func (c *gameClients) stopped() (bool, error) {
	select {
	case pm := <-c.in:
		if pm.msg.Kind != "stop" {
			return false, fmt.Errorf("unexpected control message %q", pm.msg.Kind)
		}
		return true, nil
	default:
		return false, nil
	}
}

// report sends the counts and series and closes the connections.
func (c *gameClients) report(counts []int64, samples [][]int32) {
	c.ctl.send(ctlMsg{Kind: "report", V: counts, Samples: samples})
	for _, e := range c.ends {
		_ = e.pc.Close()
	}
}

// latencyFields are name_p50_us and name_p99_us of samples (µs), null
// without samples.
func latencyFields(name string, samples []int32) []any {
	if len(samples) == 0 {
		return []any{name + "_p50_us", nil, name + "_p99_us", nil}
	}
	v := make([]float64, len(samples))
	for i, us := range samples {
		v[i] = float64(us)
	}
	sort.Float64s(v)
	return []any{name + "_p50_us", benchkit.Percentile(v, 50), name + "_p99_us", benchkit.Percentile(v, 99)}
}

func lossPct(sent, received int64) float64 {
	if sent <= 0 {
		return 0
	}
	return benchkit.Trunc3(100 * float64(sent-received) / float64(sent))
}
