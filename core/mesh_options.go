package core

import (
	"math"
	"strings"
	"time"
)

// MeshOptions are the mesh's library options; Godot has none of them. The
// defaults keep Godot's behaviour except where noted.
type MeshOptions struct {
	// DisconnectGrace is how long a connected peer whose connection reports
	// ICE "disconnected" is kept before it is removed; if the link comes back
	// within it, nothing is reported. Zero (the default) removes the peer at
	// once, as Godot does. FAILED and CLOSED connections are always removed
	// at once. JSON: "disconnectGraceMs".
	DisconnectGrace time.Duration
	// CloseEmitsPeerDisconnected makes Close queue peer_disconnected for every
	// peer that had peer_connected, so each peer_connected is matched.
	// Default true; Godot's close() drops peers silently (false).
	// JSON: "closeEmitsPeerDisconnected".
	CloseEmitsPeerDisconnected bool
	// EventQueueLimit bounds the mesh's event queue (default 4096; at least 16).
	// JSON: "eventQueueLimit".
	EventQueueLimit int
}

// DefaultMeshEventQueueLimit is the default EventQueueLimit.
const DefaultMeshEventQueueLimit = 4096

// DefaultMeshOptions returns the options a new mesh starts with.
func DefaultMeshOptions() MeshOptions {
	return MeshOptions{CloseEmitsPeerDisconnected: true, EventQueueLimit: DefaultMeshEventQueueLimit}
}

// ParseMeshOptions reads mesh options from a JSON object, starting from the
// defaults: {"disconnectGraceMs": 0..2147483647, "closeEmitsPeerDisconnected":
// bool, "eventQueueLimit": 16..2147483647}. An empty string means "{}".
// Unknown keys are errors (ERR_INVALID_PARAMETER).
func ParseMeshOptions(text string) (MeshOptions, error) {
	opts := DefaultMeshOptions()
	if strings.TrimSpace(text) == "" {
		return opts, nil
	}
	var raw struct {
		DisconnectGraceMs          *number `json:"disconnectGraceMs"`
		CloseEmitsPeerDisconnected *bool   `json:"closeEmitsPeerDisconnected"`
		EventQueueLimit            *number `json:"eventQueueLimit"`
	}
	if err := decodeStrict([]byte(text), &raw, "mesh options"); err != nil {
		return opts, err
	}
	if raw.DisconnectGraceMs != nil {
		ms, err := raw.DisconnectGraceMs.intIn("mesh options: disconnectGraceMs", 0, math.MaxInt32)
		if err != nil {
			return opts, err
		}
		opts.DisconnectGrace = time.Duration(ms) * time.Millisecond
	}
	setBool(&opts.CloseEmitsPeerDisconnected, raw.CloseEmitsPeerDisconnected)
	if raw.EventQueueLimit != nil {
		n, err := raw.EventQueueLimit.intIn("mesh options: eventQueueLimit", 16, math.MaxInt32)
		if err != nil {
			return opts, err
		}
		opts.EventQueueLimit = int(n)
	}
	return opts, nil
}

func (o MeshOptions) validate() error {
	if o.DisconnectGrace < 0 {
		return errorf(ErrInvalidParameter, "mesh options: DisconnectGrace must not be negative")
	}
	if o.EventQueueLimit < 16 {
		return errorf(ErrInvalidParameter, "mesh options: EventQueueLimit must be at least 16, got %d", o.EventQueueLimit)
	}
	return nil
}

// SetOptions replaces the mesh's options; they apply from the next call on.
func (m *Mesh) SetOptions(opts MeshOptions) error {
	if err := opts.validate(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.opts = opts
	return nil
}
