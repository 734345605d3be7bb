package client

import (
	"fmt"
	"slices"

	"github.com/meshrtc/meshrtc/core"
	"github.com/meshrtc/meshrtc/core/lobby/protocol"
)

// handle applies one item of the inbox; the caller holds c.mu.
func (c *Client) handle(in inbound) {
	switch {
	case in.open:
		c.log.Debugf("lobby connection open")
	case in.bad != nil:
		c.queueError(in.bad)
	case in.end != nil:
		c.end(in.end)
	default:
		c.handleMessage(in.msg)
	}
}

func (c *Client) handleMessage(m protocol.Message) {
	switch m.Type {
	case protocol.Join:
		c.queue(Event{Type: EventJoined, Text: m.Data})
	case protocol.ID:
		c.configure(m.ID, m.Data == "true")
	case protocol.TURN:
		server, err := protocol.ParseICEServer(m.Data)
		if err != nil {
			c.queueError(fmt.Errorf("%w: TURN credentials from the lobby: %v", core.ErrInvalidData, err))
			return
		}
		c.turn = []core.ICEServer{{URLs: server.URLs, Username: server.Username, Credential: server.Credential}}
		c.log.Debugf("TURN credentials for %v", server.URLs)
	case protocol.PeerConnect:
		c.queue(Event{Type: EventPeerJoined, PeerID: m.ID})
		if c.meshMode || c.id == protocol.HostID || m.ID == protocol.HostID {
			c.connect(m.ID)
		}
	case protocol.PeerDisconnect:
		c.queue(Event{Type: EventPeerLeft, PeerID: m.ID})
		if p, ok := c.peers[m.ID]; ok {
			delete(c.peers, m.ID)
			if c.mesh.HasPeer(m.ID) {
				c.mesh.RemovePeer(m.ID)
			}
			p.Destroy()
		}
	case protocol.Offer, protocol.Answer:
		typ := "offer"
		if m.Type == protocol.Answer {
			typ = "answer"
		}
		if p := c.peerFor(m); p != nil {
			if err := p.SetRemoteDescription(typ, m.Data); err != nil {
				c.queueError(fmt.Errorf("the %s of peer %d: %w", typ, m.ID, err))
			}
		}
	case protocol.Candidate:
		cand, err := protocol.ParseICECandidate(m.Data)
		if err != nil {
			c.queueError(fmt.Errorf("%w: a candidate of peer %d: %v", core.ErrInvalidData, m.ID, err))
			return
		}
		if p := c.peerFor(m); p != nil {
			if err := p.AddICECandidate(cand.Mid, cand.Index, cand.SDP); err != nil {
				c.queueError(fmt.Errorf("a candidate of peer %d: %w", m.ID, err))
			}
		}
	case protocol.Seal:
		c.sealed = true
		c.queue(Event{Type: EventSealed})
	default:
		c.log.Debugf("ignoring a message of %v from the lobby", m.Type)
	}
}

// configure sets the mesh up as the lobby's ID message says.
func (c *Client) configure(id int32, mesh bool) {
	var err error
	switch {
	case id < protocol.HostID:
		err = fmt.Errorf("%w: the lobby gave this client the id %d", core.ErrInvalidData, id)
	case mesh:
		err = c.mesh.CreateMesh(id, c.opts.Channels)
	case id == protocol.HostID:
		err = c.mesh.CreateServer(c.opts.Channels)
	default:
		err = c.mesh.CreateClient(id, c.opts.Channels)
	}
	if err != nil {
		c.queueError(fmt.Errorf("cannot configure the mesh: %w", err))
		return
	}
	c.id, c.meshMode = id, mesh
	c.queue(Event{Type: EventConnected, PeerID: id, Mesh: mesh})
}

// connect adds a connection to peer id, with the lobby's TURN server; the
// peer with the higher id makes the offer (Godot 4's demo clients).
func (c *Client) connect(id int32) {
	if c.id == 0 || c.peers[id] != nil {
		return
	}
	cfg := c.opts.PeerConfig
	cfg.ICEServers = append(slices.Clone(cfg.ICEServers), c.turn...)
	p := core.NewPeer()
	err := p.Initialize(cfg)
	if err == nil {
		err = c.mesh.AddPeer(p, id, c.opts.UnreliableLifetime)
	}
	if err != nil {
		p.Destroy()
		c.queueError(fmt.Errorf("cannot connect to peer %d: %w", id, err))
		return
	}
	c.peers[id] = p
	if id < c.id {
		if err := p.CreateOffer(); err != nil {
			c.queueError(fmt.Errorf("cannot make the offer to peer %d: %w", id, err))
		}
	}
}

// peerFor is the connection a relayed message is for, or nil (then the
// message is dropped, as the demo's clients do): nobody the client
// connects to, or a connection the mesh no longer has.
func (c *Client) peerFor(m protocol.Message) *core.Peer {
	p := c.peers[m.ID]
	if p == nil || !c.mesh.HasPeer(m.ID) {
		c.log.Debugf("dropping %v from peer %d: no connection to it", m.Type, m.ID)
		return nil
	}
	return p
}

// relayLocalSignaling sends what the connections made: descriptions (after
// applying them locally, as the demo does) and candidates. Connections the
// mesh removed (failed, or removed by the host) are released.
func (c *Client) relayLocalSignaling() {
	for id, p := range c.peers {
		if !c.mesh.HasPeer(id) {
			delete(c.peers, id)
			p.Destroy()
			continue
		}
		for ev, ok := p.NextEvent(); ok; ev, ok = p.NextEvent() {
			switch ev.Type {
			case core.EventSessionDescriptionCreated:
				if err := p.SetLocalDescription(ev.SDPType, ev.SDP); err != nil {
					c.queueError(fmt.Errorf("the %s for peer %d: %w", ev.SDPType, id, err))
					continue
				}
				typ := protocol.Offer
				if ev.SDPType == "answer" {
					typ = protocol.Answer
				}
				c.send(protocol.Message{Type: typ, ID: id, Data: ev.SDP})
			case core.EventICECandidateCreated:
				if ev.Name == "" {
					continue // the demo's format has no end-of-candidates
				}
				cand := protocol.ICECandidate{Mid: ev.Media, Index: ev.Index, SDP: ev.Name}
				c.send(protocol.Message{Type: protocol.Candidate, ID: id, Data: cand.Data()})
			case core.EventDataChannelReceived:
				ev.Channel.Destroy() // the mesh's channels are negotiated: a remote's own channel has no use here
			}
		}
	}
}

// end handles the end of the lobby connection: unless the lobby was
// sealed, the mesh closes (the demo's clients stop on an unexpected
// disconnect).
func (c *Client) end(e *ending) {
	c.ended = true
	c.log.Infof("lobby connection ended: %d %s", e.code, e.reason)
	if !c.sealed {
		c.mesh.Close()
		for id, p := range c.peers {
			delete(c.peers, id)
			p.Destroy()
		}
	}
	c.queue(Event{Type: EventClosed, Code: e.code, Text: e.reason})
}
