package core

import (
	"os"
	"sync"
)

// outbox passes queued messages to pion for every channel of the library.
//
// A write to pion wakes pion's SCTP write loop, a goroutine. When the write
// comes from a host thread inside a C call, Go puts the woken goroutine on
// the P that thread holds, and the P stays with the thread while it runs C
// code: the write loop waits until another thread steals it or the runtime's
// monitor retakes the P, tens of microseconds to milliseconds later
// (golang/go#57103). So PutPacket only queues the message and wakes this one
// goroutine through a pipe; the runtime's network poller hands it to a free
// P at once, and pion's goroutines then run there.
type outbox struct {
	mu      sync.Mutex
	ready   fifo[*Channel] // channels with queued messages
	users   int            // open channels: the goroutine runs while > 0
	running bool
	parked  bool // the goroutine waits on wakeR
	wakeR   *os.File
	wakeW   *os.File
}

// sharedOutbox is the library's one outbox.
var sharedOutbox = &outbox{}

// acquire registers an open channel, starting the goroutine if needed. It
// runs on a pion goroutine (Channel.handleOpen), never on a host thread, so
// the new goroutine does not wait on a host's P.
func (s *outbox) acquire() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.wakeR == nil {
		r, w, err := os.Pipe()
		if err != nil {
			return err
		}
		s.wakeR, s.wakeW = r, w
	}
	s.users++
	if !s.running {
		s.running = true
		s.parked = false
		go s.run()
	}
	return nil
}

// release unregisters a channel; the goroutine ends with the last one, so a
// library without open channels runs no goroutine of its own.
func (s *outbox) release() {
	s.mu.Lock()
	s.users--
	wake := s.users == 0 && s.unpark()
	s.mu.Unlock()
	if wake {
		s.wake()
	}
}

// schedule queues c for a flush.
func (s *outbox) schedule(c *Channel) {
	s.mu.Lock()
	s.ready.push(c)
	wake := s.unpark()
	s.mu.Unlock()
	if wake {
		s.wake()
	}
}

// unpark reports whether the goroutine must be woken, and marks it awake.
// Called with mu held: one wake byte per park, so none is ever left over.
func (s *outbox) unpark() bool {
	if !s.parked {
		return false
	}
	s.parked = false
	return true
}

func (s *outbox) wake() {
	if _, err := s.wakeW.Write([]byte{1}); err != nil {
		Logs.NewLogger("outbox").Errorf("cannot wake the outbox: %v", err)
	}
}

func (s *outbox) run() {
	var buf [1]byte
	for {
		s.mu.Lock()
		c, ok := s.ready.pop()
		if !ok {
			if s.users == 0 {
				s.running = false
				s.mu.Unlock()
				return
			}
			s.parked = true
			s.mu.Unlock()
			_, _ = s.wakeR.Read(buf[:])
			continue
		}
		s.mu.Unlock()
		c.flush()
	}
}
