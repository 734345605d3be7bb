package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/meshrtc/meshrtc/tests/bench/benchkit"
	"github.com/pion/webrtc/v4"
)

// The game-loop metrics of tests/bench/gameloop_c.c on raw pion, by the
// same method: processes running 60 Hz frame loops that sleep between
// frames (procs.go), Godot's three negotiated channels per connection,
// messages taken in the frame they are found in (OnMessage leaves them in
// an inbox), payloads stamped with their send time.
//
// server: every second frame the server sends 128 B to every client on the
// unreliable channel and 16 B on the reliable one; every client sends 32 B
// of input (unreliable) every second frame of its own.
// frame_loop: one client sends -size messages on the unreliable channel,
// -latency_rate a second for -latency_ms, then -step_ms steps at 1000,
// 1414, 2000, ... msgs/s until one loses a message (or -max_steps ran).

var (
	procs       = flag.Int("procs", 4, "server: client processes holding the -n clients")
	warmupMs    = flag.Int("warmup_ms", 2000, "server: traffic before the measured window")
	measureMs   = flag.Int("measure_ms", 10000, "server: the measured window")
	latencyMs   = flag.Int("latency_ms", 10000, "frame_loop: the latency phase")
	latencyRate = flag.Int("latency_rate", 600, "frame_loop: messages per second in the latency phase")
	stepMs      = flag.Int("step_ms", 2000, "frame_loop: the length of each rate step")
	maxSteps    = flag.Int("max_steps", 19, "frame_loop: rate steps at most (1000 msgs/s, then x sqrt 2 each)")
)

// Payload tags of the server metric (frame_loop tags with the phase).
const (
	tagState    = 1
	tagReliable = 2
	tagInput    = 3
)

// Godot's channel indices: 0 reliable, 2 unreliable.
const (
	chReliable   = 0
	chUnreliable = 2
)

// stepGapNs is frame_loop's quiet time after each phase.
const stepGapNs = int64(300 * time.Millisecond)

// traffic counts one side's messages sent inside the window [t0, t1), by
// tag, and times them when taken.
type traffic struct {
	t0, t1         int64
	sent, received [4]int64
	refused        int64 // sends that failed: counted as sent and lost
	latency        [4][]int32
	err            error
}

func (t *traffic) inWindow(ns int64) bool { return ns >= t.t0 && ns < t.t1 }

func (t *traffic) take(st stamp) {
	if st.tag < tagState || st.tag > tagInput {
		t.err = fmt.Errorf("packet with the unknown tag %d", st.tag)
		return
	}
	if t.inWindow(st.sendNs) {
		t.received[st.tag]++
		t.latency[st.tag] = append(t.latency[st.tag], int32((monoNs()-st.sendNs)/1000))
	}
}

func (t *traffic) send(dc *webrtc.DataChannel, buf []byte, id, tag int) {
	st := stamp{monoNs(), int32(id), int32(tag)}
	st.put(buf)
	refuse(dc.Send(buf), &t.refused)
	if t.inWindow(st.sendNs) {
		t.sent[tag]++
	}
}

// refuse counts a failed send (the first one is shown), as gameloop_c does
// for a put_packet the library refused.
func refuse(err error, refused *int64) {
	if err == nil {
		return
	}
	if *refused == 0 {
		fmt.Fprintln(os.Stderr, "pionbench: first refused send:", err)
	}
	*refused++
}

func checkGameLoop() error {
	if *detached {
		return errors.New("server and frame_loop run raw pion's OnMessage, not -detached")
	}
	return nil
}

func benchServer() error {
	if err := checkGameLoop(); err != nil {
		return err
	}
	if *role == "client" {
		return clientServer()
	}
	n := benchkit.OrDefault(opt.Count, 32)
	api := newAPI()
	rssBase := benchkit.RSSKB()
	s, err := startServer(api, "server", n, min(*procs, n))
	if err != nil {
		return err
	}
	now := monoNs()
	t := &traffic{t0: now + int64(*warmupMs)*1e6}
	t.t1 = t.t0 + int64(*measureMs)*1e6
	t2 := t.t1 + drainNs
	s.broadcast(ctlMsg{Kind: "start", V: []int64{t.t0, t.t1, t2}})
	state, reliable := make([]byte, 128), make([]byte, 16)
	var cpu0, cpu1 float64
	var w0, w1 time.Time
	var rss1 int64
	var late0, late1, frames0, frames1 int
	var work []int32 // the server's frames in the window: the time from waking to sleeping
	f := newFrames(frameNs)
	var spare []stamp
	for now = monoNs(); now < t2; now = monoNs() {
		if w0.IsZero() && now >= t.t0 { // the measured window opens
			cpu0, w0, late0, frames0 = benchkit.CPUSeconds(), time.Now(), f.late, f.count
			f.work = &work
		}
		if w1.IsZero() && now >= t.t1 { // and closes
			cpu1, w1, rss1, late1, frames1 = benchkit.CPUSeconds(), time.Now(), benchkit.RSSKB(), f.late, f.count
			f.work = nil
		}
		// The client processes' messages wait for finish (a report may come
		// a little before the server's last frame).
		if spare, err = s.box.take(spare, t.take); err != nil {
			return err
		}
		if f.count%2 == 0 && now < t.t1 { // the 30 Hz tick
			for i, e := range s.ends {
				t.send(e.dc[chUnreliable], state, i+2, tagState)
				t.send(e.dc[chReliable], reliable, i+2, tagReliable)
			}
		}
		f.sleep()
	}
	if t.err != nil {
		return t.err
	}
	// counts: [0] inputs sent, [1] states taken, [2] reliable taken
	counts, samples, err := s.finish()
	if err != nil {
		return err
	}
	for len(samples) < 2 {
		samples = append(samples, nil)
	}
	cpuPct := 100 * (cpu1 - cpu0) / w1.Sub(w0).Seconds()
	fields := []any{"n", n, "procs", len(s.procs), "connect_ms", benchkit.Round1(s.connectMs),
		"cpu_pct", benchkit.Round2(cpuPct), "cpu_pct_per_client", float64(int64(cpuPct/float64(n)*1e4)) / 1e4,
		"rss_per_client_kb", benchkit.Round1(float64(rss1-rssBase) / float64(n)),
		"rss_mb", benchkit.Round1(float64(rss1) / 1024)}
	fields = append(fields, latencyFields("down", samples[0])...)
	fields = append(fields, "down_loss_pct", lossPct(t.sent[tagState], counts[1]))
	fields = append(fields, latencyFields("reliable", samples[1])...)
	fields = append(fields, "reliable_loss_pct", lossPct(t.sent[tagReliable], counts[2]))
	fields = append(fields, latencyFields("up", t.latency[tagInput])...)
	fields = append(fields, latencyFields("frame_work", work)...)
	latePct := 0.0
	if frames1 > frames0 {
		latePct = benchkit.Round1(100 * float64(late1-late0) / float64(frames1-frames0))
	}
	fields = append(fields, "up_loss_pct", lossPct(counts[0], t.received[tagInput]),
		"disconnected", s.down.Load(), "refused", t.refused, "late_frames_pct", latePct,
		"measure_s", benchkit.Round1(w1.Sub(w0).Seconds()))
	benchkit.Emit(impl(), opt.Round, "server", fields...)
	return nil
}

func clientServer() error {
	c, start, err := startClients(newAPI())
	if err != nil {
		return err
	}
	t := &traffic{t0: start[0], t1: start[1]}
	input := make([]byte, 32)
	f := newFrames(clientPeriod(t.t1 - t.t0))
	var spare []stamp
	for now := monoNs(); now < start[2]; now = monoNs() {
		stop, err := c.stopped()
		if err != nil {
			return err
		}
		if stop {
			return errors.New("the server stopped the run early")
		}
		if spare, err = c.box.take(spare, t.take); err != nil {
			return err
		}
		if f.count%2 == 0 && now < t.t1 {
			for j, e := range c.ends {
				t.send(e.dc[chUnreliable], input, c.first+j, tagInput)
			}
		}
		f.sleep()
	}
	if t.err != nil {
		return t.err
	}
	c.report([]int64{t.sent[tagInput], t.received[tagState], t.received[tagReliable], 0},
		[][]int32{t.latency[tagState], t.latency[tagReliable]})
	return nil
}

// schedule is frame_loop's: phase 0 (latency) from start, then the rate
// steps, each phase followed by stepGapNs without traffic.
type schedule struct {
	start, latencyNs, stepNs int64
	latencyRate, steps       int
}

func newSchedule(start int64) schedule {
	return schedule{start, int64(*latencyMs) * 1e6, int64(*stepMs) * 1e6, *latencyRate, *maxSteps}
}

func (s schedule) begin(p int) int64 {
	if p == 0 {
		return s.start
	}
	return s.start + s.latencyNs + stepGapNs + int64(p-1)*(s.stepNs+stepGapNs)
}

func (s schedule) end(p int) int64 {
	if p == 0 {
		return s.start + s.latencyNs
	}
	return s.begin(p) + s.stepNs
}

// rate is phase p's messages per second: 1000 * sqrt(2)^(p-1) for the steps.
func (s schedule) rate(p int) int64 {
	if p == 0 {
		return int64(s.latencyRate)
	}
	r := int64(1000) << ((p - 1) / 2)
	if (p-1)%2 == 1 {
		return int64(float64(r)*1.41421356 + 0.5)
	}
	return r
}

func benchFrameLoop() error {
	if err := checkGameLoop(); err != nil {
		return err
	}
	if *role == "client" {
		return clientFrameLoop()
	}
	if *maxSteps < 1 {
		return errors.New("-max_steps must be at least 1")
	}
	size := benchkit.OrDefault(opt.Size, 100)
	s, err := startServer(newAPI(), "frame_loop", 1, 1)
	if err != nil {
		return err
	}
	sc := newSchedule(monoNs() + int64(100*time.Millisecond))
	sent, received := make([]int64, sc.steps+1), make([]int64, sc.steps+1)
	for p := range sent {
		sent[p] = -1 // until the client says
	}
	var latency []int32
	var takeErr error
	take := func(st stamp) {
		if st.tag < 0 || int(st.tag) > sc.steps {
			takeErr = fmt.Errorf("packet of the unknown phase %d", st.tag)
			return
		}
		received[st.tag]++
		if st.tag == 0 {
			latency = append(latency, int32((monoNs()-st.sendNs)/1000))
		}
	}
	onSent := func(pm procMsg) error {
		if pm.msg.Kind != "sent" || len(pm.msg.V) != 2 || pm.msg.V[0] < 0 || int(pm.msg.V[0]) > sc.steps {
			return fmt.Errorf("unexpected control message %q", pm.msg.Kind)
		}
		sent[pm.msg.V[0]] = pm.msg.V[1]
		return nil
	}
	s.broadcast(ctlMsg{Kind: "start", V: []int64{sc.start}})
	evaluated, firstLossy := 0, -1
	f := newFrames(frameNs)
	var spare []stamp
	for evaluated <= sc.steps && firstLossy < 0 {
		if err := s.poll(onSent); err != nil {
			return err
		}
		if spare, err = s.box.take(spare, take); err != nil {
			return err
		}
		if takeErr != nil {
			return takeErr
		}
		// A phase is judged once its gap passed and the client said what it sent.
		for evaluated <= sc.steps && monoNs() >= sc.end(evaluated)+stepGapNs && sent[evaluated] >= 0 {
			if evaluated > 0 && received[evaluated] < sent[evaluated] {
				firstLossy = evaluated
			}
			evaluated++
		}
		f.sleep()
	}
	s.broadcast(ctlMsg{Kind: "stop"})
	counts, _, err := s.finish()
	if err != nil {
		return err
	}
	last, lossless := sc.steps, sc.steps // the last step judged, the last loss-free one (0: none)
	var firstLossyRate, firstLossyLoss any
	if firstLossy > 0 {
		last, lossless = firstLossy, firstLossy-1
		firstLossyRate, firstLossyLoss = sc.rate(firstLossy), lossPct(sent[firstLossy], received[firstLossy])
	}
	maxLossless := int64(0)
	if lossless > 0 {
		maxLossless = sc.rate(lossless)
	}
	var rates []int64
	var losses []float64
	for p := 1; p <= last; p++ {
		rates, losses = append(rates, sc.rate(p)), append(losses, lossPct(sent[p], received[p]))
	}
	fields := latencyFields("latency", latency)
	fields = append(fields, "latency_n", len(latency), "latency_loss_pct", lossPct(sent[0], received[0]),
		"max_lossless_msgs_s", maxLossless, "first_lossy_msgs_s", firstLossyRate, "first_lossy_loss_pct", firstLossyLoss,
		"step_msgs_s", rates, "step_loss_pct", losses, "disconnected", s.down.Load(), "refused", counts[0], "size", size, "latency_rate", sc.latencyRate,
		"latency_s", float64(sc.latencyNs)/1e9, "step_s", float64(sc.stepNs)/1e9)
	benchkit.Emit(impl(), opt.Round, "frame_loop", fields...)
	return nil
}

func clientFrameLoop() error {
	c, start, err := startClients(newAPI())
	if err != nil {
		return err
	}
	sc := newSchedule(start[0])
	msg := make([]byte, benchkit.OrDefault(opt.Size, 100))
	dc := c.ends[0].dc[chUnreliable]
	sent := make([]int64, sc.steps+1)
	var refused int64
	reported := 0
	f := newFrames(clientPeriod(sc.latencyNs))
	var spare []stamp
	for {
		stop, err := c.stopped()
		if err != nil {
			return err
		}
		if stop {
			break
		}
		if spare, err = c.box.take(spare, func(stamp) {}); err != nil {
			return err
		}
		now := monoNs()
		for p := reported; p <= sc.steps && now >= sc.begin(p); p++ {
			if now >= sc.end(p) {
				continue
			}
			// As many as the rate asks for by now: about rate / 60 a frame.
			due := int64(float64(sc.rate(p)) * float64(now-sc.begin(p)) / 1e9)
			for ; sent[p] < due; sent[p]++ {
				stamp{monoNs(), int32(c.first), int32(p)}.put(msg)
				refuse(dc.Send(msg), &refused)
			}
		}
		for ; reported <= sc.steps && now >= sc.end(reported); reported++ {
			c.ctl.send(ctlMsg{Kind: "sent", V: []int64{int64(reported), sent[reported]}})
		}
		f.sleep()
	}
	c.report([]int64{refused}, nil)
	return nil
}
