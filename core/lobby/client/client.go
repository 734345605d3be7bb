// Package client is meshrtc's native lobby client. It joins a lobby on a
// server that speaks Godot's webrtc_signaling demo protocol (package
// protocol; meshrtc-lobby is one), builds a core.Mesh the way the demo's
// Godot 4 clients build their WebRTCMultiplayerPeer, and does the signaling
// of every connection of that mesh, so a host gets a connected mesh without
// writing any signaling code, and meets Godot games that use the demo's
// scripts in the same lobby.
//
// As the demo's Godot 4 clients do: the lobby's ID message configures the
// mesh (create_mesh in mesh mode; create_server for the host, peer 1, and
// create_client for the others in server mode); each PEER_CONNECT adds a
// connection (in server mode a client links to the host only), and of two
// peers the one with the higher id makes the offer; PEER_DISCONNECT removes
// the connection; a lobby connection that ends before the lobby was sealed
// closes the mesh.
//
// The client never calls the host. The WebSocket is opened, read and
// written on the client's own goroutines; everything else happens in Poll,
// on the host's thread: received messages are applied, the connections'
// offers, answers and candidates are sent, and lobby events are queued for
// NextEvent. Every method is safe for concurrent use and none waits on the
// network.
package client

import (
	"context"
	"fmt"
	"net/url"
	"sync"

	"github.com/pion/logging"

	"github.com/meshrtc/meshrtc/core"
	"github.com/meshrtc/meshrtc/core/lobby/protocol"
)

// Client is one lobby connection and the mesh it builds.
type Client struct {
	opts   Options
	mesh   *core.Mesh
	log    logging.LeveledLogger
	link   *link
	cancel context.CancelFunc
	wg     sync.WaitGroup // the WebSocket goroutines

	mu        sync.Mutex
	destroyed bool
	ended     bool // the lobby connection ended (EventClosed is queued)
	joinSent  bool
	id        int32 // from ID; 0 before
	meshMode  bool
	sealed    bool
	turn      []core.ICEServer     // from TURN
	peers     map[int32]*core.Peer // the connections the client made, by remote id
	events    eventQueue
}

// New starts connecting to the lobby server at rawURL (ws:// or wss://)
// and returns at once; Join asks for a lobby, Poll does the rest. The mesh
// (Mesh) exists from the start, unconfigured until the lobby gives the
// client its id.
func New(rawURL string, opts Options) (*Client, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "ws" && u.Scheme != "wss") || u.Host == "" {
		return nil, invalid("the lobby URL must be ws://host[:port][/path] or wss://..., got %q", rawURL)
	}
	if opts.EventQueueLimit < minEventQueueLimit || opts.ConnectTimeout <= 0 {
		return nil, invalid("lobby options: eventQueueLimit must be at least %d and the connect timeout positive", minEventQueueLimit)
	}
	mesh := core.NewMesh()
	if err := mesh.SetOptions(opts.MeshOptions); err != nil {
		return nil, err
	}
	c := &Client{
		opts:   opts,
		mesh:   mesh,
		log:    core.Logs.NewLogger("lobby"),
		link:   newLink(),
		peers:  make(map[int32]*core.Peer),
		events: eventQueue{limit: opts.EventQueueLimit},
	}
	ctx, cancel := context.WithCancel(context.Background())
	c.cancel = cancel
	c.wg.Add(1)
	go c.link.run(ctx, &c.wg, rawURL, opts.ConnectTimeout)
	return c, nil
}

// Mesh is the mesh the client builds. The host polls it and sends and
// receives on it; the client configures it and adds and removes its peers.
func (c *Client) Mesh() *core.Mesh { return c.mesh }

// Join asks the server for lobby name, or for a new lobby when name is ""
// (in mesh mode or, with the client as its host, in server mode; joining
// an existing lobby takes that lobby's mode). It may be called before the
// WebSocket is open; the request goes out once it is. The answer comes as
// EventJoined and EventConnected, or as EventClosed with the server's
// reason.
// Errors: ErrAlreadyExists (Join was called before), ErrUnavailable (the
// lobby connection ended or the client was closed).
func (c *Client) Join(name string, mesh bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.usable(); err != nil {
		return err
	}
	if c.joinSent {
		return fmt.Errorf("%w: join was already called on this lobby client", core.ErrAlreadyExists)
	}
	mode := protocol.JoinServer
	if mesh {
		mode = protocol.JoinMesh
	}
	c.joinSent = true
	c.send(protocol.Message{Type: protocol.Join, ID: mode, Data: name})
	return nil
}

// Seal asks the server to seal the lobby (the host only): nobody else can
// join and the server closes the lobby shortly, while the mesh stays.
// Errors: ErrUnconfigured (the lobby has not given the client its id yet),
// ErrUnauthorized (the client is not the lobby's host, peer 1),
// ErrUnavailable (the lobby connection ended or the client was closed).
func (c *Client) Seal() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.usable(); err != nil {
		return err
	}
	switch {
	case c.id == 0:
		return fmt.Errorf("%w: the lobby has not given this client its id yet", core.ErrUnconfigured)
	case c.id != protocol.HostID:
		return fmt.Errorf("%w: only the lobby's host (peer 1) can seal it; this client is peer %d", core.ErrUnauthorized, c.id)
	}
	c.send(protocol.Message{Type: protocol.Seal})
	return nil
}

func (c *Client) usable() error {
	switch {
	case c.destroyed:
		return fmt.Errorf("%w: the lobby client is closed", core.ErrUnavailable)
	case c.ended:
		return fmt.Errorf("%w: the lobby connection has ended", core.ErrUnavailable)
	}
	return nil
}

// Poll applies what the server sent since the last Poll (at most a few
// hundred messages per call), sends the offers, answers and candidates the
// connections made, and queues lobby events. Call it every frame while the
// lobby is open, as the mesh's Poll.
func (c *Client) Poll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.destroyed {
		return
	}
drain:
	for range inboxSize {
		select {
		case in := <-c.link.inbox:
			c.handle(in)
		default:
			break drain
		}
	}
	c.relayLocalSignaling()
}

// NextEvent takes the oldest queued lobby event.
func (c *Client) NextEvent() (Event, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.events.pop()
}

// Close closes the lobby connection (the others see the client leave), the
// mesh and every connection of it, and waits for the client's goroutines.
// Idempotent.
func (c *Client) Close() {
	c.mu.Lock()
	if c.destroyed {
		c.mu.Unlock()
		return
	}
	c.destroyed = true
	peers := c.peers
	c.peers = nil
	c.mu.Unlock()
	c.cancel()
	c.link.close()
	c.wg.Wait()
	c.mesh.Close()
	for _, p := range peers {
		p.Destroy()
	}
}

// send queues a message for the server while the lobby connection lasts;
// the caller holds c.mu.
func (c *Client) send(m protocol.Message) {
	if !c.ended {
		c.link.send(m)
	}
}

// queue adds an event for the host; the caller holds c.mu.
func (c *Client) queue(ev Event) {
	if !c.events.push(ev) {
		c.log.Errorf("lobby event queue full (%d): dropping event %d; is the host calling next_event?", c.opts.EventQueueLimit, ev.Type)
	}
}

// queueError reports a failure that does not end the lobby connection.
func (c *Client) queueError(err error) {
	c.log.Warnf("%v", err)
	c.queue(Event{Type: EventError, Code: int32(core.CodeOf(err)), Text: err.Error()})
}
