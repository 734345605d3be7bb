package benchkit

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"sort"
	"time"

	"github.com/meshrtc/meshrtc/tests/faults/relay"
)

// Flags are the command-line flags both Go benchmark programs take
// (scripts/bench.sh passes each key=value of a run as -key value), with the
// metric loops they share.
type Flags struct {
	Metric  string
	Round   int
	Count   int // -n; 0: the metric's default
	Runs    int
	Warmup  int
	Size    int // 0: the metric's default
	Bytes   int64
	Msg     int
	Window  int // 0: the metric's default
	QuietMs int
	IdleMs  int
	LossPct float64
	BoundS  int
}

// NewFlags registers the shared flags on the command line; metrics names
// the program's metrics in -metric's help.
func NewFlags(metrics string) *Flags {
	f := &Flags{}
	flag.StringVar(&f.Metric, "metric", "", metrics)
	flag.IntVar(&f.Round, "round", 0, "round number copied into the output")
	flag.IntVar(&f.Count, "n", 0, "abi: put+get pairs (20000); rtt: round trips (10000); msg_rate: messages (200000); "+
		"mesh: peers (8); lossy: messages (2000); soak: peers (8); cycles: cycles (1000)")
	flag.IntVar(&f.Runs, "runs", 20, "setup: timed runs (after one warm-up)")
	flag.IntVar(&f.Warmup, "warmup", 500, "rtt: untimed round trips first")
	flag.IntVar(&f.Size, "size", 0, "rtt: message size (64); msg_rate: message size (100)")
	flag.Int64Var(&f.Bytes, "bytes", 64<<20, "throughput: bytes to send")
	flag.IntVar(&f.Msg, "msg", 64<<10, "throughput: message size")
	flag.IntVar(&f.Window, "window", 0, "buffered-amount limit (default 1 MiB for throughput, 256 KiB for msg_rate)")
	flag.IntVar(&f.QuietMs, "quiet_ms", 300, "msg_rate: stop when nothing arrived for this long after the last send")
	flag.IntVar(&f.IdleMs, "idle_ms", 10000, "mesh: idle period for the CPU measurement")
	flag.Float64Var(&f.LossPct, "loss", 20, "lossy: % of datagrams the relay drops each way")
	flag.IntVar(&f.BoundS, "bound_s", 300, "lossy: give up (and report what arrived) after this many seconds")
	return f
}

// Run runs the metric -metric names.
func (f *Flags) Run(metrics map[string]func() error) error {
	run, ok := metrics[f.Metric]
	if !ok {
		return fmt.Errorf("unknown -metric %q", f.Metric)
	}
	return run()
}

// Fail ends the program on err: "prog: err" on stderr (scripts/bench.sh
// reports its last line) and exit status 2.
func Fail(prog string, err error) {
	fmt.Fprintln(os.Stderr, prog+":", err)
	os.Exit(2)
}

// Round1 and Round2 round to one and two decimals; Trunc3 cuts to three.
func Round1(v float64) float64 { return float64(int64(v*10+0.5)) / 10 }
func Round2(v float64) float64 { return float64(int64(v*100+0.5)) / 100 }
func Trunc3(v float64) float64 { return float64(int64(v*1000)) / 1000 }

// Setup is the setup_ms metric: open (a connected pair, and how to close
// it) timed -runs times after one warm-up; median, p90, min and max in ms.
func (f *Flags) Setup(impl string, open func() (closePair func(), err error)) error {
	ms := make([]float64, 0, f.Runs)
	for i := -1; i < f.Runs; i++ {
		t0 := time.Now()
		closePair, err := open()
		if err != nil {
			return err
		}
		if i >= 0 {
			ms = append(ms, float64(time.Since(t0).Microseconds())/1e3)
		}
		closePair()
	}
	sort.Float64s(ms)
	Emit(impl, f.Round, "setup_ms", "median", Round2(Percentile(ms, 50)), "p90", Round2(Percentile(ms, 90)),
		"min", Round2(ms[0]), "max", Round2(ms[len(ms)-1]), "n", len(ms))
	return nil
}

// RTTCount and RTTSize are the rtt metric's round trips and message size.
func (f *Flags) RTTCount() int { return OrDefault(f.Count, 10000) }
func (f *Flags) RTTSize() int  { return OrDefault(f.Size, 64) }

// RTT is the rtt_us metric: roundTrip timed RTTCount times after -warmup
// untimed ones; p50, p99 and min in µs.
func (f *Flags) RTT(impl string, roundTrip func() error) error {
	n := f.RTTCount()
	us := make([]float64, 0, n)
	for i := -f.Warmup; i < n; i++ {
		t0 := time.Now()
		if err := roundTrip(); err != nil {
			return err
		}
		if i >= 0 {
			us = append(us, float64(time.Since(t0).Nanoseconds())/1e3)
		}
	}
	sort.Float64s(us)
	Emit(impl, f.Round, "rtt_us", "p50", Round1(Percentile(us, 50)), "p99", Round1(Percentile(us, 99)),
		"min", Round1(us[0]), "n", n, "size", f.RTTSize())
	return nil
}

// EmitThroughput prints the throughput line: bytes taken by the receiver
// in secs, with cpu seconds of the process, as MB/s and CPU s per GiB.
func EmitThroughput(impl string, round int, bytes int64, secs, cpu float64, msg, window int) {
	Emit(impl, round, "throughput", "mb_s", Round2(float64(bytes)/1e6/secs),
		"cpu_s_per_gib", Trunc3(cpu/(float64(bytes)/(1<<30))), "seconds", Trunc3(secs), "bytes", bytes,
		"msg", msg, "window", window)
}

// EmitMsgRate prints the msg_rate line: received of n messages (sent
// were sent) until the last arrival secs after the first send; extra
// fields go after the counts.
func EmitMsgRate(impl string, round, n, sent, received int, secs float64, size int, extra ...any) {
	rate := 0.0
	if secs > 0 {
		rate = float64(int64(float64(received) / secs))
	}
	fields := []any{"msgs_s", rate, "loss_pct", Trunc3(100 * float64(n-received) / float64(n)),
		"sent", sent, "received", received}
	fields = append(fields, extra...)
	Emit(impl, round, "msg_rate", append(fields, "seconds", Trunc3(secs), "size", size)...)
}

// MeshBaseline is the process before the mesh metric builds its mesh:
// collected heap, goroutines and RSS.
type MeshBaseline struct {
	mem        runtime.MemStats
	goroutines int
	rssKB      int64
}

// NewMeshBaseline collects garbage and reads the baseline.
func NewMeshBaseline() MeshBaseline {
	var b MeshBaseline
	runtime.GC()
	runtime.ReadMemStats(&b.mem)
	b.goroutines, b.rssKB = runtime.NumGoroutine(), RSSKB()
	return b
}

// MeshResult is what the mesh metric measured: n peers all connected
// after Connect with RSSConnectedKB, then IdleCPUPct of one core over
// IdleS seconds of idling, after which RSS was RSSIdleKB.
type MeshResult struct {
	N                         int
	Connect                   time.Duration
	RSSConnectedKB, RSSIdleKB int64
	IdleCPUPct, IdleS         float64
}

// EmitMesh prints the mesh line, per connection what grew over b (RSS
// connected and idle; and, after a collection, goroutines, heap and stacks).
func (b MeshBaseline) EmitMesh(impl string, round int, m MeshResult) {
	conns := m.N * (m.N - 1)
	perConn := func(v float64) float64 { return Round1(v / float64(conns)) }
	mb := func(kb int64) float64 { return Round1(float64(kb) / 1024) }
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	Emit(impl, round, "mesh", "n", m.N, "connections", conns,
		"connect_ms", Round1(float64(m.Connect.Microseconds())/1e3), "rss_mb", mb(m.RSSConnectedKB),
		"rss_base_mb", mb(b.rssKB), "rss_per_conn_kb", perConn(float64(m.RSSConnectedKB-b.rssKB)),
		"idle_cpu_pct", Round2(m.IdleCPUPct), "idle_s", m.IdleS,
		"rss_idle_mb", mb(m.RSSIdleKB), "rss_idle_per_conn_kb", perConn(float64(m.RSSIdleKB-b.rssKB)),
		"goroutines_per_conn", perConn(float64(runtime.NumGoroutine()-b.goroutines)),
		"heap_per_conn_kb", perConn((float64(ms.HeapInuse)-float64(b.mem.HeapInuse))/1024),
		"stack_per_conn_kb", perConn((float64(ms.StackInuse)-float64(b.mem.StackInuse))/1024))
}

// LossyResult is what a lossy transfer got through: messages delivered
// in order and their bytes, Elapsed after the first send.
type LossyResult struct {
	Delivered int
	Bytes     int64
	Elapsed   time.Duration
}

// Lossy is the lossy metric around transfer, which sends n messages
// (LossyMessage) through r for at most bound and says what arrived: it
// starts the relay dropping -loss % each way and prints the line.
func (f *Flags) Lossy(impl string, transfer func(r *relay.Relay, n int, bound time.Duration) (LossyResult, error)) error {
	n := OrDefault(f.Count, 2000)
	r, err := LossyRelay(f.LossPct)
	if err != nil {
		return err
	}
	defer func() { _ = r.Close() }()
	res, err := transfer(r, n, time.Duration(f.BoundS)*time.Second)
	if err != nil {
		return err
	}
	emitLossy(impl, f.Round, f.LossPct, n, res, r)
	return nil
}
