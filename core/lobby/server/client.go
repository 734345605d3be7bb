package server

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/meshrtc/meshrtc/core/lobby/protocol"
)

// client is one WebSocket connection. Its reader (the HTTP handler's
// goroutine) handles the frames it receives in order; everything sent to it
// goes through its queue to its writer goroutine, so one slow client never
// holds up another.
type client struct {
	srv  *Server
	ws   *websocket.Conn
	addr string
	log  *slog.Logger
	wake chan struct{} // the writer has work: frames or the close

	// Set by the hub when the client joins (under the hub's lock), never
	// changed afterwards.
	lobby  string
	id     int32
	joined atomic.Bool

	mu      sync.Mutex
	queue   [][]byte // for the writer
	queued  int      // bytes in queue and held
	holding bool     // joining: deliveries wait in held
	held    [][]byte
	closing *refusal // set once: the writer sends what is queued, then closes
}

func newClient(srv *Server, ws *websocket.Conn, addr string) *client {
	return &client{srv: srv, ws: ws, addr: addr, log: srv.log.With("addr", addr), wake: make(chan struct{}, 1)}
}

func (c *client) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// deliver queues a frame for the client (any goroutine). A client that
// lets MaxQueuedBytes pile up is closed.
func (c *client) deliver(frame []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing != nil {
		return
	}
	if c.queued+len(frame) > c.srv.cfg.MaxQueuedBytes {
		c.closeLocked(refuseTooSlow)
		return
	}
	c.queued += len(frame)
	if c.holding {
		c.held = append(c.held, frame)
		return
	}
	c.queue = append(c.queue, frame)
	c.signal()
}

// hold makes deliveries wait until release: a joining client must get its
// JOIN, ID and PEER_CONNECT messages before any message from the peers
// that learnt of it.
func (c *client) hold() {
	c.mu.Lock()
	c.holding = true
	c.mu.Unlock()
}

// release queues first, then what was held, and stops holding.
func (c *client) release(first [][]byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.holding = false
	if c.closing != nil {
		return
	}
	for _, f := range first {
		c.queued += len(f)
	}
	c.queue = append(c.queue, first...)
	c.queue = append(c.queue, c.held...)
	c.held = nil
	if c.queued > c.srv.cfg.MaxQueuedBytes {
		c.closeLocked(refuseTooSlow)
		return
	}
	c.signal()
}

// close makes the writer send what is queued and then close the connection
// with r's code and reason (any goroutine; the first close wins).
func (c *client) close(r *refusal) {
	c.mu.Lock()
	c.closeLocked(r)
	c.mu.Unlock()
}

func (c *client) closeLocked(r *refusal) {
	if c.closing != nil {
		return
	}
	c.closing = r
	if r.metric != "" {
		c.srv.metrics.reject(r)
	}
	c.signal()
}

// writeLoop sends queued frames, pings, and finally closes the connection.
func (c *client) writeLoop() {
	ping := time.NewTicker(c.srv.cfg.PingInterval)
	defer ping.Stop()
	var batch [][]byte
	for {
		select {
		case <-c.wake:
		case <-ping.C:
			ctx, cancel := context.WithTimeout(context.Background(), c.srv.cfg.PingInterval)
			err := c.ws.Ping(ctx)
			cancel()
			if err != nil {
				c.log.Debug("no pong", "err", err)
				c.ws.CloseNow()
				return
			}
			continue
		}
		c.mu.Lock()
		batch, c.queue = c.queue, batch[:0]
		closing := c.closing
		for _, f := range batch {
			c.queued -= len(f)
		}
		c.mu.Unlock()
		for i, f := range batch {
			ctx, cancel := context.WithTimeout(context.Background(), c.srv.cfg.WriteTimeout)
			err := c.ws.Write(ctx, websocket.MessageText, f)
			cancel()
			batch[i] = nil
			if err != nil {
				c.log.Debug("write failed", "err", err)
				c.ws.CloseNow()
				return
			}
		}
		if closing != nil {
			if closing.reason != "" {
				c.log.Debug("closing", "code", closing.code, "reason", closing.reason)
				c.ws.Close(websocket.StatusCode(closing.code), closing.reason)
			} else {
				c.ws.CloseNow()
			}
			return
		}
	}
}

// readLoop handles frames until the connection ends or is refused.
func (c *client) readLoop(ctx context.Context) {
	c.ws.SetReadLimit(c.srv.cfg.MaxFrameBytes)
	msgs := newTokenBucket(c.srv.cfg.MessagesPerSecond, c.srv.cfg.MessageBurst, time.Now())
	for {
		typ, frame, err := c.ws.Read(ctx)
		if err != nil {
			if errors.Is(err, websocket.ErrMessageTooBig) {
				c.srv.metrics.reject(countFrameTooBig)
			}
			c.close(&refusal{}) // the connection is gone: nothing more to send
			return
		}
		var r *refusal
		switch {
		case typ != websocket.MessageText:
			r = refuseNotText
		case !msgs.allow(time.Now()):
			r = refuseMessageRate
		default:
			r = c.handle(ctx, frame)
		}
		if r != nil {
			c.log.Info("refused", "reason", r.reason, "lobby", c.lobby, "peer", c.id)
			c.close(r)
			return
		}
	}
}

// handle acts on one frame; a refusal closes the connection.
func (c *client) handle(ctx context.Context, frame []byte) *refusal {
	msg, err := protocol.Decode(frame)
	if err != nil {
		return refuseFormat
	}
	if msg.Type == protocol.Join {
		if c.joined.Load() {
			return refuseAlreadyIn
		}
		return c.join(ctx, msg)
	}
	if !c.joined.Load() {
		return refuseNeedLobby
	}
	switch {
	case msg.Type == protocol.Seal:
		if c.id != protocol.HostID {
			return refuseOnlyHostSeals
		}
		return asRefusal(c.srv.hub.seal(ctx, c))
	case msg.Type.Relayed():
		if msg.ID == 0 || msg.ID == c.id {
			return refuseDest
		}
		out := protocol.Message{Type: msg.Type, ID: c.id, Data: msg.Data}.Encode()
		delivered, err := c.srv.hub.forward(ctx, c, msg.ID, out)
		if err != nil {
			return asRefusal(err)
		}
		if delivered {
			c.srv.metrics.relayed.Add(1)
		} else {
			c.srv.metrics.reject(countUnknownDest)
		}
		return nil
	}
	return refuseCommand
}

func (c *client) join(ctx context.Context, msg protocol.Message) *refusal {
	if msg.ID != protocol.JoinMesh && msg.ID != protocol.JoinServer {
		return refuseMode
	}
	if !c.srv.joins.allow(c.addr, time.Now()) {
		return refuseJoinRate
	}
	if msg.Data != "" && !validLobbyName(msg.Data) {
		return refuseNotFound
	}
	c.hold()
	joined, err := c.srv.hub.join(ctx, c, msg.Data, msg.ID == protocol.JoinMesh)
	if err != nil {
		return asRefusal(err)
	}
	c.srv.metrics.peers.Add(1)
	first := [][]byte{
		protocol.Message{Type: protocol.Join, Data: c.lobby}.Encode(),
		protocol.Message{Type: protocol.ID, ID: c.id, Data: strconv.FormatBool(joined.mesh)}.Encode(),
	}
	if turn := c.srv.cfg.TURN; turn.Secret != "" {
		server := protocol.TURNCredentials(turn.Secret, c.id, time.Now().Add(turn.TTL), turn.URLs)
		first = append(first, protocol.Message{Type: protocol.TURN, ID: c.id, Data: server.Data()}.Encode())
	}
	for _, id := range joined.others {
		first = append(first, protocol.Message{Type: protocol.PeerConnect, ID: id}.Encode())
	}
	c.release(first)
	c.log.Debug("joined", "lobby", c.lobby, "peer", c.id, "mesh", joined.mesh, "others", len(joined.others))
	return nil
}

// asRefusal is a hub error as the refusal that closes the client: its own,
// or "state lost" for a failure of the shared state.
func asRefusal(err error) *refusal {
	if err == nil {
		return nil
	}
	var r *refusal
	if errors.As(err, &r) {
		return r
	}
	return refuseStateLost
}
