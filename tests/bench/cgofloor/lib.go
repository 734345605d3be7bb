// Command cgofloor is a diagnostic, not part of scripts/bench.sh: the floor
// of a round trip between two UDP sockets on loopback when a C host thread
// drives Go through exported functions and polls, as meshrtc's hosts do.
//
//	go build -buildmode=c-shared -o /tmp/libcgofloor.so ./tests/bench/cgofloor
//	cc -O2 tests/bench/cgofloor/host.c -o /tmp/cgofloor -L/tmp -lcgofloor -Wl,-rpath,/tmp
//	/tmp/cgofloor          # the export writes the datagram itself
//	/tmp/cgofloor wake     # the export wakes a writer goroutine (as pion's SCTP write loop is woken)
//	/tmp/cgofloor pipe     # the export wakes the writer through a pipe (as core/outbox.go does)
//
// Waking a goroutine from the export is bimodal and far slower than a
// direct write; through a pipe it is about as fast, and steady. A goroutine
// readied inside a cgo callback waits on the caller's P, which the C thread
// keeps while it runs C code, until
// another M steals it or sysmon retakes the P (golang/go#57103); a
// goroutine the network poller wakes runs on a free P at once. That is why
// meshrtc's put_packet queues for one goroutine woken through a pipe
// instead of writing to pion, whose SCTP write loop it would wake.
package main

import "C"

import (
	"net"
	"os"
	"sync"
)

type queue struct {
	mu sync.Mutex
	n  int
}

var (
	ca, cb *net.UDPConn
	qa, qb queue
	wa, wb = make(chan struct{}, 1), make(chan struct{}, 1)
	pa, pb [2]*os.File // read and write ends of the pipes that wake the writers
	buf    = make([]byte, 64)
)

func reader(c *net.UDPConn, q *queue) {
	b := make([]byte, 2048)
	for {
		if _, _, err := c.ReadFromUDP(b); err != nil {
			return
		}
		q.mu.Lock()
		q.n++
		q.mu.Unlock()
	}
}

func writer(w chan struct{}, from, to *net.UDPConn) {
	for range w {
		_, _ = from.WriteToUDP(buf, to.LocalAddr().(*net.UDPAddr))
	}
}

//export floor_start
func floor_start() C.int {
	var err error
	if ca, err = net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}); err != nil {
		return 1
	}
	if cb, err = net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}); err != nil {
		return 1
	}
	go writer(wa, ca, cb)
	go writer(wb, cb, ca)
	for _, p := range []*[2]*os.File{&pa, &pb} {
		if p[0], p[1], err = os.Pipe(); err != nil {
			return 1
		}
	}
	go pipeWriter(pa[0], wa)
	go pipeWriter(pb[0], wb)
	go reader(ca, &qa)
	go reader(cb, &qb)
	return 0
}

// pipeWriter passes each byte read from r on to w: a writer woken by the
// network poller instead of by the export.
func pipeWriter(r *os.File, w chan struct{}) {
	b := make([]byte, 1)
	for {
		if _, err := r.Read(b); err != nil {
			return
		}
		w <- struct{}{}
	}
}

// floor_send sends one datagram towards B (toB != 0) or A: written by the
// export itself (wake 0), by a writer goroutine the export wakes (wake 1),
// or by one it wakes through a pipe (wake 2).
//
//export floor_send
func floor_send(toB, wake C.int) C.int {
	switch {
	case wake == 2 && toB != 0:
		_, _ = pa[1].Write([]byte{1})
	case wake == 2:
		_, _ = pb[1].Write([]byte{1})
	case wake != 0 && toB != 0:
		wa <- struct{}{}
	case wake != 0:
		wb <- struct{}{}
	case toB != 0:
		_, _ = ca.WriteToUDP(buf, cb.LocalAddr().(*net.UDPAddr))
	default:
		_, _ = cb.WriteToUDP(buf, ca.LocalAddr().(*net.UDPAddr))
	}
	return 0
}

// floor_poll takes one received datagram at B (b != 0) or A; 1 if there was one.
//
//export floor_poll
func floor_poll(b C.int) C.int {
	q := &qa
	if b != 0 {
		q = &qb
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.n > 0 {
		q.n--
		return 1
	}
	return 0
}

func main() {}
