package client

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/meshrtc/meshrtc/core"
	"github.com/meshrtc/meshrtc/core/lobby/protocol"
)

// The WebSocket side of the client: one goroutine dials and then reads,
// handing what it reads to Poll through the inbox (it stops reading while
// the inbox is full, so a host that does not poll holds the server back
// instead of growing memory); one goroutine writes what Poll queued in the
// outbox.

const (
	// inboxSize is how many received messages wait for Poll; also the most
	// one Poll handles.
	inboxSize = 256
	// maxFrameBytes bounds a frame from the server (an SDP is a few KiB).
	maxFrameBytes = 1 << 20
	// maxOutboxBytes bounds what waits to be written; more means the server
	// stopped reading, and the connection is given up.
	maxOutboxBytes = 4 << 20
	// writeTimeout bounds writing one frame.
	writeTimeout = 10 * time.Second
)

// inbound is one item of the inbox: a message, the news that the WebSocket
// opened, a frame that could not be read, or the end of the connection
// (always the last item).
type inbound struct {
	msg  protocol.Message
	open bool
	bad  error
	end  *ending
}

type ending struct {
	code   int32
	reason string
}

// link is the client's WebSocket, shared by its goroutines and Close.
type link struct {
	inbox chan inbound
	out   outbox

	mu      sync.Mutex
	ws      *websocket.Conn
	closing bool   // Close was called: no connection may be kept
	failure string // why the client gave the connection up, if it did
}

func newLink() *link {
	return &link{inbox: make(chan inbound, inboxSize), out: outbox{wake: make(chan struct{}, 1)}}
}

// run dials url, then reads until the connection ends; it starts the writer.
func (l *link) run(ctx context.Context, wg *sync.WaitGroup, url string, timeout time.Duration) {
	defer wg.Done()
	dialCtx, cancel := context.WithTimeout(ctx, timeout)
	ws, _, err := websocket.Dial(dialCtx, url, nil)
	cancel()
	if err != nil {
		l.deliver(ctx, inbound{end: &ending{CloseAbnormal, fmt.Sprintf("cannot connect to %s: %v", url, err)}})
		return
	}
	ws.SetReadLimit(maxFrameBytes)
	l.mu.Lock()
	if l.closing {
		l.mu.Unlock()
		ws.CloseNow()
		return
	}
	l.ws = ws
	l.mu.Unlock()
	l.deliver(ctx, inbound{open: true})
	readerDone := make(chan struct{})
	defer close(readerDone) // the writer stops with the reader
	wg.Add(1)
	go l.writeLoop(ctx, wg, ws, readerDone)
	for {
		typ, frame, err := ws.Read(ctx)
		if err != nil {
			ws.CloseNow()
			l.deliver(ctx, inbound{end: l.endingOf(err)})
			return
		}
		in := inbound{}
		if typ != websocket.MessageText {
			in.bad = fmt.Errorf("%w: the server sent a binary frame", core.ErrInvalidData)
		} else if in.msg, err = protocol.Decode(frame); err != nil {
			in.bad = fmt.Errorf("%w: a frame from the server: %v", core.ErrInvalidData, err)
		}
		if !l.deliver(ctx, in) {
			ws.CloseNow()
			return
		}
	}
}

// deliver hands in to Poll, waiting while the inbox is full; false when
// the client is closing.
func (l *link) deliver(ctx context.Context, in inbound) bool {
	select {
	case l.inbox <- in:
		core.NotifyArrival() // a host waiting in meshrtc_wait polls now
		return true
	case <-ctx.Done():
		return false
	}
}

// endingOf describes how a connection ended: the server's close code and
// reason, or, without a close frame, why the client gave it up or the
// error that broke it.
func (l *link) endingOf(err error) *ending {
	var ce websocket.CloseError
	if errors.As(err, &ce) {
		return &ending{int32(ce.Code), ce.Reason}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.failure != "" {
		return &ending{CloseAbnormal, l.failure}
	}
	return &ending{CloseAbnormal, err.Error()}
}

func (l *link) writeLoop(ctx context.Context, wg *sync.WaitGroup, ws *websocket.Conn, readerDone <-chan struct{}) {
	defer wg.Done()
	for {
		select {
		case <-ctx.Done():
			return
		case <-readerDone:
			return
		case <-l.out.wake:
		}
		for _, frame := range l.out.take() {
			wctx, cancel := context.WithTimeout(ctx, writeTimeout)
			err := ws.Write(wctx, websocket.MessageText, frame)
			cancel()
			if err != nil {
				l.fail(fmt.Sprintf("cannot send to the server: %v", err))
				return
			}
		}
	}
}

// send queues a frame for the writer (also before the WebSocket is open).
func (l *link) send(m protocol.Message) {
	if !l.out.push(m.Encode()) {
		l.fail(fmt.Sprintf("more than %d bytes wait to be sent: the server is not reading", maxOutboxBytes))
	}
}

// fail gives the connection up; the reader then reports its end with why.
func (l *link) fail(why string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.failure == "" {
		l.failure = why
	}
	if l.ws != nil {
		l.ws.CloseNow()
	}
}

// close drops the connection for good (Client.Close).
func (l *link) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closing = true
	if l.ws != nil {
		l.ws.CloseNow()
	}
}

// outbox holds the frames Poll queued until the writer takes them.
type outbox struct {
	mu     sync.Mutex
	frames [][]byte
	bytes  int
	wake   chan struct{}
}

// push queues frame; false when the outbox is over its limit.
func (o *outbox) push(frame []byte) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.bytes+len(frame) > maxOutboxBytes {
		return false
	}
	o.frames = append(o.frames, frame)
	o.bytes += len(frame)
	select {
	case o.wake <- struct{}{}:
	default:
	}
	return true
}

func (o *outbox) take() [][]byte {
	o.mu.Lock()
	defer o.mu.Unlock()
	frames := o.frames
	o.frames, o.bytes = nil, 0
	return frames
}
