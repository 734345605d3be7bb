package server

import (
	"context"
	"sync"
	"time"

	"github.com/meshrtc/meshrtc/core/lobby/protocol"
)

// hub keeps the lobbies: in this process (memoryHub) or in Redis
// (redisHub). Its errors are refusals, or failures of the shared state.
type hub interface {
	// join puts c (held, see client.hold) into the lobby called name, or
	// into a new lobby in mesh mode or not when name is "", sets c.lobby and
	// c.id, and tells the members already there (PEER_CONNECT).
	join(ctx context.Context, c *client, name string, mesh bool) (joinResult, error)
	// leave takes a joined c out of its lobby: PEER_DISCONNECT to the
	// others; when c is the host, the lobby closes (PEER_DISCONNECT, then
	// every member is closed).
	leave(c *client)
	// forward sends frame to peer to of c's lobby; false if it is not there.
	forward(ctx context.Context, c *client, to int32, frame []byte) (bool, error)
	// seal tells every member SEAL and closes the lobby SealDelay later
	// (c is its host; sealing twice changes nothing).
	seal(ctx context.Context, c *client) error
	// lobbies is how many open lobbies have their host on this instance.
	lobbies() int
	// healthy reports whether the hub can serve (false if Redis is lost).
	healthy() bool
	// close stops the hub after every client has left.
	close()
}

type joinResult struct {
	mesh   bool
	others []int32 // members already there
}

// sealFrame is the SEAL every member of a sealed lobby gets.
var sealFrame = protocol.Message{Type: protocol.Seal}.Encode()

func peerConnectFrame(id int32) []byte {
	return protocol.Message{Type: protocol.PeerConnect, ID: id}.Encode()
}

func peerDisconnectFrame(id int32) []byte {
	return protocol.Message{Type: protocol.PeerDisconnect, ID: id}.Encode()
}

// sealComplete closes the members of a sealed lobby (the demo's code and words).
var sealComplete = &refusal{code: protocol.CloseNormal, reason: protocol.ReasonSealComplete}

// hostLeft closes the members of a lobby whose host left.
var hostLeft = &refusal{code: protocol.CloseRefused, reason: protocol.ReasonHostDisconnected}

// memoryHub keeps lobbies in this process, under one mutex: every
// operation is a few map updates and non-blocking deliveries.
type memoryHub struct {
	cfg    *Config
	mu     sync.Mutex
	byName map[string]*memoryLobby
}

type memoryLobby struct {
	name    string
	mesh    bool
	sealed  bool
	members map[int32]*client
	used    map[int32]struct{} // every id the lobby gave out: ids are never reused
	timer   *time.Timer        // the close after SEAL
}

func newMemoryHub(cfg *Config) *memoryHub {
	return &memoryHub{cfg: cfg, byName: make(map[string]*memoryLobby)}
}

func (h *memoryHub) join(_ context.Context, c *client, name string, mesh bool) (joinResult, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var l *memoryLobby
	if name == "" {
		if len(h.byName) >= h.cfg.MaxLobbies {
			return joinResult{}, refuseLobbies
		}
		name = newLobbyCode()
		for h.byName[name] != nil {
			name = newLobbyCode()
		}
		l = &memoryLobby{name: name, mesh: mesh, members: make(map[int32]*client), used: make(map[int32]struct{})}
		h.byName[name] = l
	} else if l = h.byName[name]; l == nil {
		return joinResult{}, refuseNotFound
	}
	if l.sealed {
		return joinResult{}, refuseSealed
	}
	if len(l.members) >= h.cfg.MaxPeersPerLobby {
		return joinResult{}, refuseFull
	}
	id := protocol.HostID
	if len(l.used) > 0 {
		id = newPeerID()
		for _, taken := l.used[id]; taken; _, taken = l.used[id] {
			id = newPeerID()
		}
	}
	res := joinResult{mesh: l.mesh, others: make([]int32, 0, len(l.members))}
	for otherID, other := range l.members {
		res.others = append(res.others, otherID)
		other.deliver(peerConnectFrame(id))
	}
	c.lobby, c.id = name, id
	c.joined.Store(true)
	l.members[id] = c
	l.used[id] = struct{}{}
	return res, nil
}

func (h *memoryHub) leave(c *client) {
	h.mu.Lock()
	defer h.mu.Unlock()
	l := h.byName[c.lobby]
	if l == nil || l.members[c.id] != c {
		return // the lobby closed already
	}
	delete(l.members, c.id)
	frame := peerDisconnectFrame(c.id)
	for _, other := range l.members {
		other.deliver(frame)
	}
	if c.id == protocol.HostID {
		h.closeLocked(l, hostLeft)
	}
}

// closeLocked closes every member of l and forgets l.
func (h *memoryHub) closeLocked(l *memoryLobby, why *refusal) {
	for _, m := range l.members {
		m.close(why)
	}
	if l.timer != nil {
		l.timer.Stop()
	}
	delete(h.byName, l.name)
}

func (h *memoryHub) forward(_ context.Context, c *client, to int32, frame []byte) (bool, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	l := h.byName[c.lobby]
	if l == nil {
		return false, nil
	}
	dest := l.members[to]
	if dest == nil {
		return false, nil
	}
	dest.deliver(frame)
	return true, nil
}

func (h *memoryHub) seal(_ context.Context, c *client) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	l := h.byName[c.lobby]
	if l == nil || l.sealed {
		return nil
	}
	l.sealed = true
	for _, m := range l.members {
		m.deliver(sealFrame)
	}
	l.timer = time.AfterFunc(h.cfg.SealDelay, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		if h.byName[l.name] == l {
			h.closeLocked(l, sealComplete)
		}
	})
	return nil
}

func (h *memoryHub) lobbies() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.byName)
}

func (h *memoryHub) healthy() bool { return true }

func (h *memoryHub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, l := range h.byName {
		h.closeLocked(l, &refusal{code: protocol.CloseGoingAway, reason: protocol.ReasonShutdown})
	}
}
