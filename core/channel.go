package core

import (
	"errors"
	"io"
	"sync"
	"sync/atomic"

	"github.com/pion/datachannel"
	"github.com/pion/logging"
	"github.com/pion/webrtc/v4"
)

// Channel is a WebRTCDataChannel. All methods are safe for concurrent use.
// Received messages are read by one goroutine per open channel into a bounded
// queue (see packetQueue); the host takes them with GetPacket.
type Channel struct {
	HostHandle

	dc             *webrtc.DataChannel
	negotiated     bool
	lifetime       int32 // ms, unsetLimit when not set
	retransmits    int32 // unsetLimit when not set
	reliable       bool
	maxMessageSize int
	sendLimit      int64 // bytes PutPacket may have buffered (Config.SendBufferLimit)
	queue          *packetQueue
	log            logging.LeveledLogger

	// Atomics: read on every call, written by pion's goroutines.
	state      atomic.Int32 // ChannelState
	writeMode  atomic.Int32 // WriteMode
	lastString atomic.Bool  // was the last packet taken by GetPacket text?
	lost       atomic.Int32 // ConnectionState that ended the channel, or 0 (see lose)
	outBytes   atomic.Int64 // bytes in out and in flight to pion

	readDone chan struct{} // closed when the reader goroutine ends

	mu        sync.Mutex                  // guards the fields below
	rw        datachannel.ReadWriteCloser // set once open
	closing   bool                        // Close was called
	out       fifo[outgoing]              // messages PutPacket queued for the outbox
	scheduled bool                        // c is in the outbox's ready list

	// flushMu lets one writer (the outbox, or Close) pass messages to pion
	// at a time, so they leave in queue order. Taken before mu.
	flushMu sync.Mutex
}

// outgoing is one queued message.
type outgoing struct {
	data []byte
	text bool
}

const initialReadBuffer = 1024

// newChannel wraps dc. lifetime and retransmits are what the application
// asked for (unsetLimit when not set), which pion may not hold (see pionInit).
func newChannel(dc *webrtc.DataChannel, negotiated bool, lifetime, retransmits int32, cfg *Config) *Channel {
	c := &Channel{
		dc:             dc,
		negotiated:     negotiated,
		lifetime:       lifetime,
		retransmits:    retransmits,
		reliable:       lifetime == unsetLimit && retransmits == unsetLimit,
		maxMessageSize: cfg.MaxMessageSize,
		sendLimit:      int64(cfg.SendBufferLimit),
		queue:          newPacketQueue(cfg.ReceiveQueuePackets, cfg.ReceiveQueueBytes),
		log:            Logs.NewLogger("channel"),
		readDone:       make(chan struct{}),
	}
	c.writeMode.Store(int32(WriteModeBinary))
	dc.OnOpen(c.handleOpen)
	return c
}

// handleOpen runs on a pion goroutine: detach, then start reading.
func (c *Channel) handleOpen() {
	rw, err := c.dc.Detach()
	if err != nil {
		c.log.Errorf("channel %q: detach failed: %v", c.dc.Label(), err)
		c.markClosed()
		return
	}
	c.mu.Lock()
	if c.closing || c.State() == ChannelClosed {
		c.mu.Unlock()
		_ = rw.Close()
		c.markClosed()
		return
	}
	if err := sharedOutbox.acquire(); err != nil {
		c.mu.Unlock()
		c.log.Errorf("channel %q: cannot start sending, closing: %v", c.dc.Label(), err)
		_ = rw.Close()
		c.markClosed()
		return
	}
	c.rw = rw
	c.state.Store(int32(ChannelOpen))
	c.mu.Unlock()
	go c.readLoop(rw)
}

func (c *Channel) readLoop(rw datachannel.ReadWriteCloser) {
	defer close(c.readDone)
	defer sharedOutbox.release()
	defer c.markClosed()
	buf := make([]byte, initialReadBuffer)
	for {
		n, isString, err := rw.ReadDataChannel(buf)
		if errors.Is(err, io.ErrShortBuffer) {
			if len(buf) >= c.maxMessageSize {
				c.log.Errorf("channel %q: message larger than maxMessageSize %d, closing", c.dc.Label(), c.maxMessageSize)
				_ = rw.Close()
				return
			}
			buf = make([]byte, min(2*len(buf), c.maxMessageSize))
			continue
		}
		if err != nil {
			if !errors.Is(err, io.EOF) && c.State() == ChannelOpen {
				c.log.Debugf("channel %q: read ended: %v", c.dc.Label(), err)
			}
			return
		}
		data := make([]byte, n)
		copy(data, buf[:n])
		if !c.queue.push(Packet{Data: data, IsString: isString}, c.reliable) && c.reliable {
			return // queue closed: the channel is going away
		}
	}
}

// markClosed moves the channel to CLOSED and releases a reader waiting for queue space.
func (c *Channel) markClosed() {
	c.state.Store(int32(ChannelClosed))
	c.queue.close()
}

// State returns the ready state.
func (c *Channel) State() ChannelState {
	s := ChannelState(c.state.Load())
	if s == ChannelConnecting {
		// Not yet detached: pion still owns the channel and knows if it closed.
		switch c.dc.ReadyState() {
		case webrtc.DataChannelStateClosing:
			return ChannelClosing
		case webrtc.DataChannelStateClosed:
			return ChannelClosed
		}
	}
	return s
}

// Poll exists for Godot's API. States and queues are updated as events
// arrive, so there is nothing to do; it reports a closed channel as an error
// no more than webrtc-native does: never.
func (c *Channel) Poll() error { return nil }

// Close is Godot's close: what PutPacket accepted is still sent, then the
// channel closes; received packets stay readable. Idempotent. (Destroy is
// the immediate end.)
func (c *Channel) Close() {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return
	}
	c.closing = true
	rw := c.rw
	c.mu.Unlock()
	if rw == nil {
		_ = c.dc.Close()
		c.markClosed()
		return
	}
	if c.State() == ChannelOpen {
		c.state.Store(int32(ChannelClosing))
	}
	c.flush() // what PutPacket accepted goes out before the close
	_ = rw.Close()
	// Wake a reader waiting for queue space; it ends once the remote
	// answers the stream reset (CLOSED) or the connection goes.
	c.queue.close()
}

// Destroy (meshrtc_channel_destroy) ends the channel for good without
// waiting on the network and drops what was queued for sending: a reader
// still waiting for the remote's stream reset ends with the connection.
func (c *Channel) Destroy() {
	c.lose(ConnectionClosed)
	c.Close()
}

// lose ends the channel because its connection is state (FAILED or CLOSED):
// it reads CLOSED, PutPacket fails, and what was queued for sending is
// dropped (BufferedAmount is 0). Received packets stay readable.
func (c *Channel) lose(state ConnectionState) {
	c.lost.CompareAndSwap(0, int32(state))
	c.mu.Lock()
	for m, ok := c.out.pop(); ok; m, ok = c.out.pop() {
		c.outBytes.Add(-int64(len(m.data)))
	}
	c.mu.Unlock()
	c.markClosed()
}

// wait blocks until the reader goroutine, if one started, has ended.
func (c *Channel) wait() {
	c.mu.Lock()
	opened := c.rw != nil
	c.mu.Unlock()
	if opened {
		<-c.readDone
	}
}

// PutPacket sends one message in the current write mode. It never blocks:
// the message is copied and queued, and the outbox passes it to pion (see
// BufferedAmount and outbox).
func (c *Channel) PutPacket(data []byte) error {
	sizes := [1]int32{int32(len(data))}
	_, err := c.PutPackets(data, sizes[:])
	return err
}

// PutPackets sends len(sizes) messages that lie one after another in data,
// each as PutPacket would; it stops at the first that fails and returns how
// many were accepted and that error. The batch is copied once and queued
// under one lock, and the outbox is woken at most once.
func (c *Channel) PutPackets(data []byte, sizes []int32) (int, error) {
	limit := c.MaxPacketSize()
	if len(sizes) > 0 && int(sizes[0]) > limit { // a size error before the state's, as always
		return 0, errTooLarge(sizes[0], limit)
	}
	if err := c.sendable(); err != nil {
		return 0, err
	}
	text, buffered := c.WriteMode() == WriteModeText, c.BufferedAmount()
	// How many fit: each below the size limit, and the send buffer (one
	// message always fits an empty buffer, so a limit below the message
	// size cannot block a channel for good).
	n, total := 0, 0
	var err error
	for _, size := range sizes {
		if int(size) > limit {
			err = errTooLarge(size, limit)
			break
		}
		if buffered > 0 && buffered+int64(size) > c.sendLimit {
			err = errorf(ErrOutOfMemory, "channel %q: send buffer full (%d bytes buffered, %d more would pass sendBufferLimit %d); wait until get_buffered_amount falls",
				c.dc.Label(), buffered, size, c.sendLimit)
			break
		}
		buffered += int64(size)
		total += int(size)
		n++
	}
	if n == 0 {
		return 0, err
	}
	copied := append([]byte(nil), data[:total]...)
	c.mu.Lock()
	off := 0
	for _, size := range sizes[:n] {
		c.out.push(outgoing{data: copied[off : off+int(size) : off+int(size)], text: text})
		off += int(size)
	}
	c.outBytes.Add(int64(total))
	schedule := !c.scheduled
	c.scheduled = true
	c.mu.Unlock()
	if schedule {
		sharedOutbox.schedule(c)
	}
	return n, err
}

func errTooLarge(size int32, limit int) error {
	return errorf(ErrInvalidParameter, "packet of %d bytes is larger than the maximum message size %d", size, limit)
}

// sendable says why nothing can be sent now, if so.
func (c *Channel) sendable() error {
	switch state := c.State(); {
	case c.lost.Load() == int32(ConnectionFailed):
		return errorf(ErrFailed, "channel %q is closed: its connection failed", c.dc.Label())
	case c.lost.Load() != 0:
		return errorf(ErrFailed, "channel %q is closed: its connection is closed", c.dc.Label())
	case state == ChannelConnecting:
		return errorf(ErrUnavailable, "channel %q is not open yet", c.dc.Label())
	case state != ChannelOpen:
		return errorf(ErrFailed, "channel %q is closed", c.dc.Label())
	}
	return nil
}

// flush passes the queued messages to pion, in order. A failed write (the
// channel or its connection closed meanwhile) drops the rest: they could
// not be sent either.
func (c *Channel) flush() {
	c.flushMu.Lock()
	defer c.flushMu.Unlock()
	c.mu.Lock()
	rw := c.rw
	c.mu.Unlock()
	var failed error
	for {
		c.mu.Lock()
		m, ok := c.out.pop()
		if !ok {
			c.scheduled = false
			c.mu.Unlock()
			break
		}
		c.mu.Unlock()
		if failed == nil {
			_, failed = rw.WriteDataChannel(m.data, m.text)
		}
		// After pion counted it: BufferedAmount never dips below the truth.
		c.outBytes.Add(-int64(len(m.data)))
	}
	if failed != nil {
		c.log.Debugf("channel %q: queued messages dropped: %v", c.dc.Label(), failed)
	}
}

// errNoPacket is GetPacket's "queue empty" result, the call a host's poll
// loop ends with: made once, so that path allocates nothing.
var errNoPacket = errorf(ErrUnavailable, "no packet available")

// GetPacket takes the next received packet and remembers whether it was text.
func (c *Channel) GetPacket() (Packet, error) {
	p, ok := c.queue.pop()
	if !ok {
		return p, errNoPacket
	}
	c.lastString.Store(p.IsString)
	return p, nil
}

// AvailablePacketCount is how many received packets are queued.
func (c *Channel) AvailablePacketCount() int { return c.queue.len() }

// DroppedPacketCount is how many packets an unreliable channel dropped because its queue was full.
func (c *Channel) DroppedPacketCount() uint64 { return c.queue.droppedCount() }

// MaxPacketSize is the largest message PutPacket accepts: the configured
// maxMessageSize, or the remote's a=max-message-size once SCTP is up if that
// is smaller (pion refuses larger sends then).
func (c *Channel) MaxPacketSize() int {
	limit := c.maxMessageSize
	if remote := int(c.dc.Transport().GetCapabilities().MaxMessageSize); remote > 0 && remote < limit {
		limit = remote
	}
	return limit
}

// SetWriteMode selects text or binary messages for PutPacket.
func (c *Channel) SetWriteMode(mode WriteMode) error {
	if mode != WriteModeText && mode != WriteModeBinary {
		return errorf(ErrInvalidParameter, "write mode %d is not 0 (text) or 1 (binary)", mode)
	}
	c.writeMode.Store(int32(mode))
	return nil
}

// WriteMode returns the write mode (binary by default, as in Godot 4).
func (c *Channel) WriteMode() WriteMode { return WriteMode(c.writeMode.Load()) }

// WasStringPacket reports whether the last packet GetPacket returned was sent as text.
func (c *Channel) WasStringPacket() bool { return c.lastString.Load() }

// Label is the channel's label.
func (c *Channel) Label() string { return c.dc.Label() }

// Protocol is the channel's sub-protocol.
func (c *Channel) Protocol() string { return c.dc.Protocol() }

// Ordered reports whether messages arrive in order.
func (c *Channel) Ordered() bool { return c.dc.Ordered() }

// Negotiated reports whether the channel was negotiated by the application.
func (c *Channel) Negotiated() bool { return c.negotiated }

// ID is the SCTP stream id, or 65535 while an in-band channel's id is not yet known.
func (c *Channel) ID() int32 { return optionalUint16(c.dc.ID()) }

// MaxPacketLifeTime is the lifetime in milliseconds, or 65535 when not set.
func (c *Channel) MaxPacketLifeTime() int32 { return c.lifetime }

// MaxRetransmits is the retransmit limit, or 65535 when not set.
func (c *Channel) MaxRetransmits() int32 { return c.retransmits }

// BufferedAmount is how many bytes are queued for sending: in the outbox's
// queue and in pion's; 0 once the connection is gone (nothing will be sent).
func (c *Channel) BufferedAmount() int64 {
	if c.lost.Load() != 0 {
		return 0
	}
	return c.outBytes.Load() + int64(c.dc.BufferedAmount())
}

func optionalUint16(v *uint16) int32 {
	if v == nil {
		return unsetLimit
	}
	return int32(*v)
}
