// Command lobbybench is the lobby server's load run (scripts/bench.sh
// --metrics lobby): meshrtc-lobby instances as separate processes on
// 127.0.0.1 (one in memory, or two sharing a redis-server it starts), and
// -clients WebSocket clients in this process, in lobbies of
// clients/lobbies members (the host creates, the others join, alternating
// between instances). Then:
//
//   - memory: the servers' RSS before the clients came and with all of
//     them joined, per connection;
//   - paced: every client sends -rate signaling messages per second (one
//     SDP-sized OFFER of 800 B for three 120 B CANDIDATEs) to random members
//     of its lobby for -seconds; forward latency (send to receive, both ends
//     in this process) p50/p99 and the messages/s delivered;
//   - saturated: every client keeps -window messages in flight (each one
//     received is answered with a new one) for -seconds: messages/s the
//     servers relay at most, and the latency p99 at that load.
//
// It prints one JSON line. The load generator shares the machine's cores
// with the servers: the figures are for one machine, not for the server alone.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/meshrtc/meshrtc/core/lobby/protocol"
)

var (
	serverBin   = flag.String("server", "", "meshrtc-lobby binary")
	redisBin    = flag.String("redis-server", "redis-server", "redis-server binary (two instances)")
	instances   = flag.Int("instances", 1, "1 (in memory) or 2 (sharing Redis)")
	clients     = flag.Int("clients", 2000, "WebSocket clients")
	lobbies     = flag.Int("lobbies", 500, "lobbies (clients are spread evenly)")
	seconds     = flag.Float64("seconds", 10, "length of each traffic phase")
	rate        = flag.Float64("rate", 1, "paced phase: messages per second per client")
	window      = flag.Int("window", 4, "saturated phase: messages in flight per client")
	round       = flag.Int("round", 1, "round number for the JSON line")
	impl        = flag.String("impl", "", "impl name for the JSON line (default meshrtc-lobby[-redis])")
	dialWorkers = 32
)

func main() {
	flag.Parse()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "lobbybench:", err)
		os.Exit(1)
	}
}

type proc struct {
	cmd *exec.Cmd
	url string
}

func rssKiB(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n
		}
	}
	return -1
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func waitFile(path string) (string, error) {
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(path); err == nil {
			return strings.TrimSpace(string(b)), nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return "", fmt.Errorf("%s never appeared", path)
}

func startServer(dir string, i int, extra []string) (*proc, error) {
	portFile := filepath.Join(dir, fmt.Sprintf("port%d", i))
	args := append([]string{"--listen", "127.0.0.1:0", "--port-file", portFile, "--log-level", "warn",
		"--join-rate", "0", "--msg-rate", "1000000", "--msg-burst", "1000000", "--max-conns", "100000",
		"--max-lobbies", "100000"}, extra...)
	cmd := exec.Command(*serverBin, args...)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	port, err := waitFile(portFile)
	if err != nil {
		cmd.Process.Kill()
		return nil, err
	}
	return &proc{cmd: cmd, url: "ws://127.0.0.1:" + port}, nil
}

// member is one client connection; its reader records forward latencies.
type member struct {
	ws    *websocket.Conn
	id    int32
	peers []int32 // the other members of its lobby
	out   chan []byte
}

// stats are shared by every reader.
type stats struct {
	mu        sync.Mutex
	latencies []time.Duration
	recording atomic.Bool
	received  atomic.Int64
}

func (s *stats) note(d time.Duration) {
	s.received.Add(1)
	if s.recording.Load() {
		s.mu.Lock()
		s.latencies = append(s.latencies, d)
		s.mu.Unlock()
	}
}

// takeLatencies returns the latencies recorded so far, sorted, and starts
// a new record.
func (s *stats) takeLatencies() []time.Duration {
	s.mu.Lock()
	taken := slices.Clone(s.latencies)
	s.latencies = s.latencies[:0]
	s.mu.Unlock()
	slices.Sort(taken)
	return taken
}

func percentile(sorted []time.Duration, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	return float64(sorted[min(len(sorted)-1, int(p*float64(len(sorted))))].Microseconds())
}

var padding = strings.Repeat("a=x-meshrtc-bench ", 64)

// payload is a message body carrying its send time; one in four is SDP-sized.
func payload(n int) string {
	size := 120
	if n%4 == 0 {
		size = 800
	}
	ts := strconv.FormatInt(time.Now().UnixNano(), 10) + " "
	return ts + padding[:size-len(ts)]
}

func sendType(n int) protocol.Type {
	if n%4 == 0 {
		return protocol.Offer
	}
	return protocol.Candidate
}

// bench is one load run: the server processes, the clients and what they
// share.
type bench struct {
	redis   *exec.Cmd // nil with one instance
	servers []*proc
	st      *stats
	members []*member
}

// figures are what a run measured, for the JSON line.
type figures struct {
	rssIdle, rssJoined, rssEnd int64
	connect                    time.Duration
	pacedMsgsS, saturatedMsgsS float64
	pacedLatency, satLatency   []time.Duration // sorted
}

func run() error {
	name, err := checkFlags()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "lobbybench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	b := &bench{st: &stats{}}
	defer b.stop()
	if err := b.startServers(dir); err != nil {
		return err
	}
	f, err := b.measure(context.Background())
	if err != nil {
		return err
	}
	line := b.jsonLine(name, f)
	for _, m := range b.members {
		m.ws.CloseNow()
	}
	out, _ := json.Marshal(line)
	fmt.Println(string(out))
	return nil
}

// checkFlags refuses flags the run cannot use and returns the impl name
// for the JSON line.
func checkFlags() (string, error) {
	if *serverBin == "" {
		return "", errors.New("-server is required")
	}
	if *clients < 2 || *lobbies < 1 || *clients < 2**lobbies {
		return "", errors.New("need at least two clients per lobby")
	}
	if *instances != 1 && *instances != 2 {
		return "", errors.New("-instances is 1 or 2")
	}
	if *impl != "" {
		return *impl, nil
	}
	if *instances == 2 {
		return "meshrtc-lobby-redis", nil
	}
	return "meshrtc-lobby", nil
}

// startServers starts the meshrtc-lobby instances (with two, first the
// redis-server they share) and lets them settle.
func (b *bench) startServers(dir string) error {
	var extra []string
	if *instances == 2 {
		var err error
		if extra, err = b.startRedis(dir); err != nil {
			return err
		}
	}
	for i := range *instances {
		p, err := startServer(dir, i, extra)
		if err != nil {
			return err
		}
		b.servers = append(b.servers, p)
	}
	time.Sleep(500 * time.Millisecond)
	return nil
}

// startRedis starts redis-server on a free port and returns the
// meshrtc-lobby flags that point at it.
func (b *bench) startRedis(dir string) ([]string, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	redis := exec.Command(*redisBin, "--bind", "127.0.0.1", "--port", strconv.Itoa(port), "--save", "", "--appendonly", "no", "--dir", dir)
	if err := redis.Start(); err != nil {
		return nil, fmt.Errorf("redis-server: %w", err)
	}
	b.redis = redis
	time.Sleep(300 * time.Millisecond) // redis-server listening
	return []string{"--redis", fmt.Sprintf("redis://127.0.0.1:%d/0", port)}, nil
}

// stop kills the servers, the last started first, then redis-server.
func (b *bench) stop() {
	for _, p := range slices.Backward(b.servers) {
		p.cmd.Process.Kill()
		p.cmd.Wait()
	}
	if b.redis != nil {
		b.redis.Process.Kill()
		b.redis.Wait()
	}
}

func (b *bench) serverRSS() int64 {
	var sum int64
	for _, p := range b.servers {
		sum += rssKiB(p.cmd.Process.Pid)
	}
	return sum
}

// measure connects every client, then runs the paced and the saturated
// phase, taking the servers' RSS before, between and after.
func (b *bench) measure(ctx context.Context) (figures, error) {
	var f figures
	f.rssIdle = b.serverRSS()
	var err error
	if f.connect, err = b.connect(ctx); err != nil {
		return f, err
	}
	time.Sleep(time.Second)
	f.rssJoined = b.serverRSS()
	phase := time.Duration(*seconds * float64(time.Second))
	f.pacedMsgsS, f.pacedLatency = b.pacedPhase(phase)
	f.saturatedMsgsS, f.satLatency = b.saturatedPhase(phase)
	f.rssEnd = b.serverRSS()
	return f, nil
}

// connect fills the lobbies, dialWorkers of them at once: per lobby, the
// host creates, then the others join. It returns how long that took.
func (b *bench) connect(ctx context.Context) (time.Duration, error) {
	start := time.Now()
	jobs := make(chan int)
	errs := make(chan error, dialWorkers)
	var wg sync.WaitGroup
	var membersMu sync.Mutex
	next := atomic.Int64{}
	perLobby := *clients / *lobbies
	for range dialWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for l := range jobs {
				ms, err := fillLobby(ctx, b.servers, perLobby, int(next.Add(int64(perLobby))), b.st)
				if err != nil {
					errs <- fmt.Errorf("lobby %d: %w", l, err)
					return
				}
				membersMu.Lock()
				b.members = append(b.members, ms...)
				membersMu.Unlock()
			}
		}()
	}
	for l := range *lobbies {
		select {
		case jobs <- l:
		case err := <-errs:
			return 0, err
		}
	}
	close(jobs)
	wg.Wait()
	select {
	case err := <-errs:
		return 0, err
	default:
	}
	return time.Since(start), nil
}

// pacedPhase has every member send -rate messages per second for the
// phase; it returns the messages/s delivered and the forward latencies.
func (b *bench) pacedPhase(phase time.Duration) (float64, []time.Duration) {
	b.st.recording.Store(true)
	before := b.st.received.Load()
	stop := make(chan struct{})
	var senders sync.WaitGroup
	for _, m := range b.members {
		senders.Add(1)
		go func() {
			defer senders.Done()
			m.sendPaced(stop)
		}()
	}
	time.Sleep(phase)
	close(stop)
	senders.Wait()
	delivered := float64(b.st.received.Load()-before) / phase.Seconds()
	time.Sleep(500 * time.Millisecond) // the last ones in flight
	b.st.recording.Store(false)
	return delivered, b.st.takeLatencies()
}

// saturatedPhase keeps -window messages in flight per member (readers
// answer every message while it lasts); it returns the messages/s relayed
// and the forward latencies.
func (b *bench) saturatedPhase(phase time.Duration) (float64, []time.Duration) {
	saturate.Store(true)
	b.st.recording.Store(true)
	before := b.st.received.Load()
	start := time.Now()
	for _, m := range b.members {
		for n := range *window {
			m.sendRandom(n)
		}
	}
	time.Sleep(phase)
	relayed := float64(b.st.received.Load()-before) / time.Since(start).Seconds()
	saturate.Store(false)
	b.st.recording.Store(false)
	return relayed, b.st.takeLatencies()
}

func (b *bench) jsonLine(name string, f figures) map[string]any {
	conns := len(b.members)
	line := map[string]any{
		"impl": name, "metric": "lobby", "round": *round, "instances": *instances,
		"clients": conns, "lobbies": *lobbies, "connect_s": round3(f.connect.Seconds()),
		"rss_idle_kib": f.rssIdle, "rss_joined_kib": f.rssJoined, "rss_end_kib": f.rssEnd,
		"kib_per_conn":         round3(float64(f.rssJoined-f.rssIdle) / float64(conns)),
		"paced_offered_msgs_s": round3(*rate * float64(conns)), "paced_msgs_s": round3(f.pacedMsgsS),
		"p50_us": percentile(f.pacedLatency, 0.50), "p99_us": percentile(f.pacedLatency, 0.99),
		"msgs_s": round3(f.saturatedMsgsS), "saturated_p50_us": percentile(f.satLatency, 0.50), "saturated_p99_us": percentile(f.satLatency, 0.99),
		"window": *window, "rate": *rate, "seconds": *seconds,
	}
	if b.redis != nil {
		line["redis_rss_kib"] = rssKiB(b.redis.Process.Pid)
	}
	return line
}

func round3(v float64) float64 { return float64(int64(v*1000+0.5)) / 1000 }

// saturate makes every reader answer what it receives.
var saturate atomic.Bool

func (m *member) send(typ protocol.Type, to int32, data string) {
	select {
	case m.out <- protocol.Message{Type: typ, ID: to, Data: data}.Encode():
	default: // the writer is behind: this message is not sent
	}
}

// sendRandom sends message n to a random member of m's lobby.
func (m *member) sendRandom(n int) {
	m.send(sendType(n), m.peers[rand.IntN(len(m.peers))], payload(n))
}

// sendPaced sends -rate messages per second, the first after a random part
// of the interval, until stop closes.
func (m *member) sendPaced(stop <-chan struct{}) {
	interval := time.Duration(float64(time.Second) / *rate)
	timer := time.NewTimer(time.Duration(rand.Int64N(int64(interval))))
	defer timer.Stop()
	for n := 0; ; n++ {
		select {
		case <-stop:
			return
		case <-timer.C:
		}
		m.sendRandom(n)
		timer.Reset(interval)
	}
}

func dialMember(ctx context.Context, url string) (*member, error) {
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(dctx, url, nil)
	if err != nil {
		return nil, err
	}
	ws.SetReadLimit(1 << 20)
	return &member{ws: ws, out: make(chan []byte, 256)}, nil
}

func (m *member) readOne(ctx context.Context) (protocol.Message, error) {
	rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	_, frame, err := m.ws.Read(rctx)
	if err != nil {
		return protocol.Message{}, err
	}
	return protocol.Decode(frame)
}

// fillLobby creates one lobby and joins n-1 more clients (alternating
// instances from offset), then starts their readers and writers.
func fillLobby(ctx context.Context, servers []*proc, n, offset int, st *stats) ([]*member, error) {
	ms := make([]*member, 0, n)
	var name string
	for i := range n {
		m, err := dialMember(ctx, servers[(offset+i)%len(servers)].url)
		if err != nil {
			return nil, err
		}
		m.ws.Write(ctx, websocket.MessageText, protocol.Message{Type: protocol.Join, ID: protocol.JoinMesh, Data: name}.Encode())
		joined, err := m.readOne(ctx)
		if err != nil {
			return nil, err
		}
		id, err := m.readOne(ctx)
		if err != nil || id.Type != protocol.ID {
			return nil, fmt.Errorf("join: %v %v", id, err)
		}
		name, m.id = joined.Data, id.ID
		for range i { // PEER_CONNECT for each one there
			if _, err := m.readOne(ctx); err != nil {
				return nil, err
			}
		}
		for _, old := range ms { // and theirs for this one
			if _, err := old.readOne(ctx); err != nil {
				return nil, err
			}
		}
		ms = append(ms, m)
	}
	for _, m := range ms {
		for _, o := range ms {
			if o != m {
				m.peers = append(m.peers, o.id)
			}
		}
		go m.writeLoop(ctx)
		go m.readLoop(ctx, st)
	}
	return ms, nil
}

func (m *member) writeLoop(ctx context.Context) {
	for frame := range m.out {
		if err := m.ws.Write(ctx, websocket.MessageText, frame); err != nil {
			return
		}
	}
}

func (m *member) readLoop(ctx context.Context, st *stats) {
	for n := 0; ; n++ {
		_, frame, err := m.ws.Read(ctx)
		if err != nil {
			return
		}
		msg, err := protocol.Decode(frame)
		if err != nil || !msg.Type.Relayed() {
			continue
		}
		ts, _, _ := strings.Cut(msg.Data, " ")
		if sent, err := strconv.ParseInt(ts, 10, 64); err == nil {
			st.note(time.Duration(time.Now().UnixNano() - sent))
		}
		if saturate.Load() {
			m.sendRandom(n)
		}
	}
}
