// Package relay is a user-space UDP relay on 127.0.0.1 between two WebRTC
// peers, for fault tests and benchmarks where the kernel has no netem: it
// drops datagrams at random (i.i.d.), delays the rest by a mean ± uniform
// jitter (so datagrams are reordered, as on a real path), counts both, and
// can inject arbitrary datagrams that appear to come from either side.
//
// Peers go through it by their ICE candidates: the host passes each
// candidate through Candidate before giving it to the other side, which
// then knows only the relay port facing it. The relay learns each side's
// real address from the candidate it rewrites; any other candidate is
// filtered out, so ICE cannot find a direct path.
package relay

import (
	"container/heap"
	"fmt"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Side names one of the two peers.
type Side int

// The two sides.
const (
	A Side = iota
	B
)

func (s Side) other() Side { return 1 - s }

// Link is how datagrams travel in one direction.
type Link struct {
	Loss   float64       // drop probability of each datagram, 0..1
	Delay  time.Duration // mean delay of a forwarded datagram
	Jitter time.Duration // the delay is uniform in Delay ± Jitter
}

// Config sets both directions and the random seed (same seed, same drops
// and delays for the same sequence of datagrams).
type Config struct {
	AToB, BToA Link
	Seed       uint64
}

// Symmetric is a Config with the same link both ways.
func Symmetric(link Link, seed uint64) Config {
	return Config{AToB: link, BToA: link, Seed: seed}
}

// Counters are one direction's datagram counts.
type Counters struct {
	Forwarded, Dropped uint64
}

// readBuffer is the relay sockets' SO_RCVBUF: the relay should not add
// losses of its own under a burst.
const readBuffer = 4 << 20

// Relay forwards between two peers. conns[s] is the socket facing side s
// (its address is s's only remote candidate); a datagram arriving on it
// came from s and leaves through conns[s.other()].
type Relay struct {
	conns [2]*net.UDPConn
	dirs  [2]*direction // indexed by the sending side
	peers [2]atomic.Pointer[net.UDPAddr]
	wg    sync.WaitGroup
	done  chan struct{}
	once  sync.Once
}

// direction is one way's loss and delay: a reader draws each datagram's
// fate, and a scheduler sends the survivors when they are due.
type direction struct {
	link    Link
	rng     *rand.Rand // used by the reader goroutine only
	mu      sync.Mutex
	pending queue
	wake    chan struct{}
	fwd     atomic.Uint64
	dropped atomic.Uint64
}

// New opens both relay sockets on 127.0.0.1 and starts forwarding.
func New(cfg Config) (*Relay, error) {
	r := &Relay{done: make(chan struct{})}
	for s, link := range []Link{cfg.AToB, cfg.BToA} {
		if link.Loss < 0 || link.Loss > 1 || link.Jitter < 0 || link.Jitter > link.Delay {
			return nil, fmt.Errorf("relay: bad link %+v (loss 0..1, 0 <= jitter <= delay)", link)
		}
		r.dirs[s] = &direction{link: link, rng: rand.New(rand.NewPCG(cfg.Seed, uint64(s))), wake: make(chan struct{}, 1)}
	}
	for s := range r.conns {
		c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			r.closeConns()
			return nil, err
		}
		_ = c.SetReadBuffer(readBuffer)
		r.conns[s] = c
	}
	for s := range r.conns {
		r.wg.Add(2)
		go r.read(Side(s))
		go r.deliver(Side(s))
	}
	return r, nil
}

// Addr is the relay's address facing side s: s's only remote candidate.
func (r *Relay) Addr(s Side) *net.UDPAddr { return r.conns[s].LocalAddr().(*net.UDPAddr) }

// Candidate rewrites a candidate line ("candidate:..." or without the
// prefix) that side from gathered, for the other side: its address becomes
// the relay port facing the other side. The first UDP candidate of a side
// sets that side's real address; any other candidate (another address,
// TCP, end of candidates "") returns ok false and must not be passed on.
func (r *Relay) Candidate(from Side, line string) (rewritten string, ok bool) {
	f := strings.Fields(line)
	if len(f) < 8 || !strings.EqualFold(f[2], "udp") || f[6] != "typ" {
		return "", false
	}
	port, err := strconv.Atoi(f[5])
	ip := net.ParseIP(f[4])
	if err != nil || ip == nil {
		return "", false
	}
	addr := &net.UDPAddr{IP: ip, Port: port}
	if !r.peers[from].CompareAndSwap(nil, addr) && r.peers[from].Load().String() != addr.String() {
		return "", false
	}
	facing := r.Addr(from.other())
	f[4], f[5] = facing.IP.String(), strconv.Itoa(facing.Port)
	return strings.Join(f, " "), true
}

// Inject sends data to side to at once, from the relay port facing it: it
// looks like a datagram from the other side. Neither counted nor dropped.
func (r *Relay) Inject(to Side, data []byte) error {
	peer := r.peers[to].Load()
	if peer == nil {
		return fmt.Errorf("relay: side %d's address is not known yet", to)
	}
	_, err := r.conns[to].WriteToUDP(data, peer)
	return err
}

// Stats returns the counts of the datagrams side from sent.
func (r *Relay) Stats(from Side) Counters {
	d := r.dirs[from]
	return Counters{Forwarded: d.fwd.Load(), Dropped: d.dropped.Load()}
}

// Close stops forwarding (datagrams still delayed are discarded) and waits
// for the relay's goroutines.
func (r *Relay) Close() error {
	r.once.Do(func() {
		close(r.done)
		r.closeConns()
	})
	r.wg.Wait()
	return nil
}

func (r *Relay) closeConns() {
	for _, c := range r.conns {
		if c != nil {
			_ = c.Close()
		}
	}
}

// read takes what side from sends and schedules or drops each datagram.
func (r *Relay) read(from Side) {
	defer r.wg.Done()
	d := r.dirs[from]
	buf := make([]byte, 64<<10)
	for {
		n, _, err := r.conns[from].ReadFromUDP(buf)
		if err != nil {
			return // closed
		}
		if d.rng.Float64() < d.link.Loss {
			d.dropped.Add(1)
			continue
		}
		delay := d.link.Delay
		if d.link.Jitter > 0 {
			delay += time.Duration(d.rng.Int64N(int64(2*d.link.Jitter)+1)) - d.link.Jitter
		}
		d.mu.Lock()
		heap.Push(&d.pending, datagram{due: time.Now().Add(delay), data: append([]byte(nil), buf[:n]...)})
		d.mu.Unlock()
		select {
		case d.wake <- struct{}{}:
		default:
		}
	}
}

// deliver sends side from's datagrams to the other side when they are due.
func (r *Relay) deliver(from Side) {
	defer r.wg.Done()
	d, to := r.dirs[from], from.other()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		data, wait := d.next()
		if data != nil {
			peer := r.peers[to].Load()
			if _, err := r.conns[to].WriteToUDP(data, peer); err == nil {
				d.fwd.Add(1)
			} else {
				d.dropped.Add(1) // closed, or the other side's address is unknown
			}
			continue
		}
		timer.Reset(wait)
		select {
		case <-r.done:
			return
		case <-d.wake:
		case <-timer.C:
		}
	}
}

// next pops the first datagram if it is due, or says how long until it is.
func (d *direction) next() (data []byte, wait time.Duration) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.pending) == 0 {
		return nil, time.Hour
	}
	if wait = time.Until(d.pending[0].due); wait > 0 {
		return nil, wait
	}
	return heap.Pop(&d.pending).(datagram).data, 0
}

type datagram struct {
	due  time.Time
	data []byte
}

// queue is a min-heap of datagrams by due time.
type queue []datagram

func (q queue) Len() int           { return len(q) }
func (q queue) Less(i, j int) bool { return q[i].due.Before(q[j].due) }
func (q queue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *queue) Push(x any)        { *q = append(*q, x.(datagram)) }
func (q *queue) Pop() any {
	old := *q
	x := old[len(old)-1]
	*q = old[:len(old)-1]
	return x
}
