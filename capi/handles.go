package main

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/meshrtc/meshrtc/core"
)

// kind tags a handle: it sits in bits 56..62, so every handle is positive,
// never 0, and says what it names even after its object is gone.
type kind int64

const (
	kindPeer    kind = 1
	kindChannel kind = 2
	kindMesh    kind = 3
	kindLobby   kind = 4
	kindShift        = 56
	serialMask       = 1<<kindShift - 1
)

func (k kind) String() string {
	switch k {
	case kindPeer:
		return "peer"
	case kindChannel:
		return "channel"
	case kindMesh:
		return "mesh"
	case kindLobby:
		return "lobby"
	}
	return "unknown"
}

// object is what a handle names: a core object plus the per-handle state
// the C ABI needs.
type object struct {
	handle int64
	value  any   // *core.Peer, *core.Channel, *meshObject, *lobbyObject
	owner  int64 // 0: the host's to destroy; else the handle that owns it (a mesh's channels, a lobby's mesh)

	mu      sync.Mutex
	lastErr string
	out     cBuffer           // the last packet or event strings handed out
	infos   []core.PacketInfo // reused by batched gets
}

func (o *object) setError(msg string) {
	o.mu.Lock()
	o.lastErr = msg
	o.mu.Unlock()
}

func (o *object) lastError() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.lastErr
}

// registry maps handles to objects. Serial numbers only grow, so a handle
// is never reused, even across meshrtc_shutdown. Every call looks a handle
// up, so lookups take no lock (sync.Map).
type registry struct {
	serial  atomic.Int64
	objects sync.Map // int64 handle -> *object
}

var objects registry

func (r *registry) add(k kind, value any) *object { return r.addOwned(k, value, 0) }

// addOwned registers an object that owner releases (a mesh's channels, a
// lobby's mesh).
func (r *registry) addOwned(k kind, value any, owner int64) *object {
	o := &object{handle: int64(k)<<kindShift | r.serial.Add(1)&serialMask, value: value, owner: owner}
	r.objects.Store(o.handle, o)
	return o
}

func kindOf(h int64) kind { return kind(h >> kindShift) }

// lookup finds the live object of kind k named by h.
func (r *registry) lookup(h int64, k kind) (*object, error) {
	if h == 0 {
		return nil, fmt.Errorf("%w: handle 0 is never valid", core.ErrInvalidParameter)
	}
	if got := kindOf(h); got != k {
		return nil, fmt.Errorf("%w: handle %d is a %s handle, not a %s handle", core.ErrInvalidParameter, h, got, k)
	}
	o, ok := r.objects.Load(h)
	if !ok {
		return nil, fmt.Errorf("%w: %s handle %d was destroyed or never existed", core.ErrDoesNotExist, k, h)
	}
	return o.(*object), nil
}

// lookupAny finds the live object named by h, whatever its kind.
func (r *registry) lookupAny(h int64) (*object, error) {
	k := kindOf(h)
	if h != 0 && k != kindPeer && k != kindChannel && k != kindMesh && k != kindLobby {
		return nil, fmt.Errorf("%w: %d is not a meshrtc handle", core.ErrInvalidParameter, h)
	}
	return r.lookup(h, k)
}

// remove takes h out of the registry; false if it was not there (of two
// racing removes, one gets the object).
func (r *registry) remove(h int64) (*object, bool) {
	o, ok := r.objects.LoadAndDelete(h)
	if !ok {
		return nil, false
	}
	return o.(*object), true
}

// removeAll empties the registry and returns what it held, each object to
// exactly one caller when removes race with it.
func (r *registry) removeAll() []*object {
	var all []*object
	r.objects.Range(func(h, _ any) bool {
		if o, ok := r.remove(h.(int64)); ok {
			all = append(all, o)
		}
		return true
	})
	return all
}
