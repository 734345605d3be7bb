package client

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/meshrtc/meshrtc/core"
)

// Options are a client's settings. Start from DefaultOptions or ParseOptions.
type Options struct {
	// PeerConfig is the configuration of every connection the client makes
	// (initialize()'s); the TURN server the lobby sends is appended to its
	// ICEServers.
	PeerConfig core.Config
	// Channels is the channels_config of the mesh (create_mesh,
	// create_server, create_client): one extra channel per transfer mode.
	Channels []core.TransferMode
	// UnreliableLifetime is add_peer's unreliable_lifetime, in milliseconds
	// (Godot's default is 1).
	UnreliableLifetime int32
	// MeshOptions are the mesh's library options (meshrtc_mesh_set_options).
	MeshOptions core.MeshOptions
	// ConnectTimeout bounds opening the WebSocket.
	ConnectTimeout time.Duration
	// EventQueueLimit bounds the queue of lobby events; when it is full, new
	// events are dropped and logged.
	EventQueueLimit int
}

// Defaults.
const (
	DefaultConnectTimeout     = 10 * time.Second
	DefaultEventQueueLimit    = 1024
	DefaultUnreliableLifetime = 1
	minEventQueueLimit        = 16
)

// DefaultOptions are the options of an empty options JSON.
func DefaultOptions() Options {
	return Options{
		PeerConfig:         core.DefaultConfig(),
		UnreliableLifetime: DefaultUnreliableLifetime,
		MeshOptions:        core.DefaultMeshOptions(),
		ConnectTimeout:     DefaultConnectTimeout,
		EventQueueLimit:    DefaultEventQueueLimit,
	}
}

// ParseOptions reads options from a JSON object ("" means "{}"):
//
//	"peerConfig"          a peer configuration object, as initialize() takes
//	"channels"            an array of transfer modes (0, 1, 2)
//	"unreliableLifetime"  0..65535 ms (default 1)
//	"meshOptions"         a mesh options object, as meshrtc_mesh_set_options takes
//	"connectTimeoutMs"    1..2147483647 (default 10000)
//	"eventQueueLimit"     16..2147483647 (default 1024)
//
// Unknown keys are errors (ERR_INVALID_PARAMETER), as in the library's
// other option objects.
func ParseOptions(text string) (Options, error) {
	opts := DefaultOptions()
	if strings.TrimSpace(text) == "" {
		return opts, nil
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal([]byte(text), &top); err != nil || top == nil {
		return opts, invalid("lobby options are not a JSON object")
	}
	for key, raw := range top {
		var err error
		switch key {
		case "peerConfig":
			if !isObject(raw) {
				return opts, invalid("lobby options: peerConfig must be an object")
			}
			opts.PeerConfig, err = core.ParseConfig(string(raw))
		case "channels":
			opts.Channels, err = parseChannels(raw)
		case "unreliableLifetime":
			var v int64
			v, err = wholeNumber(raw, key, 0, 65535)
			opts.UnreliableLifetime = int32(v)
		case "meshOptions":
			if !isObject(raw) {
				return opts, invalid("lobby options: meshOptions must be an object")
			}
			opts.MeshOptions, err = core.ParseMeshOptions(string(raw))
		case "connectTimeoutMs":
			var v int64
			v, err = wholeNumber(raw, key, 1, math.MaxInt32)
			opts.ConnectTimeout = time.Duration(v) * time.Millisecond
		case "eventQueueLimit":
			var v int64
			v, err = wholeNumber(raw, key, minEventQueueLimit, math.MaxInt32)
			opts.EventQueueLimit = int(v)
		default:
			err = invalid("lobby options: unknown key %q", key)
		}
		if err != nil {
			return opts, err
		}
	}
	return opts, nil
}

func isObject(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) > 0 && raw[0] == '{'
}

func parseChannels(raw json.RawMessage) ([]core.TransferMode, error) {
	var values []json.RawMessage
	if err := json.Unmarshal(raw, &values); err != nil {
		return nil, invalid("lobby options: channels must be an array of transfer modes")
	}
	if len(values) > core.MaxMeshChannels {
		return nil, invalid("lobby options: channels has %d entries, at most %d are supported", len(values), core.MaxMeshChannels)
	}
	modes := make([]core.TransferMode, len(values))
	for i, v := range values {
		mode, err := wholeNumber(v, fmt.Sprintf("channels[%d]", i), int64(core.TransferModeUnreliable), int64(core.TransferModeReliable))
		if err != nil {
			return nil, err
		}
		modes[i] = core.TransferMode(mode)
	}
	return modes, nil
}

// wholeNumber reads a JSON number that must be a whole number in lo..hi
// (4 and 4.0 both read as 4, as everywhere in the library's options).
func wholeNumber(raw json.RawMessage, name string, lo, hi int64) (int64, error) {
	var f float64
	if err := json.Unmarshal(raw, &f); err != nil || f != math.Trunc(f) || f < float64(lo) || f > float64(hi) {
		return 0, invalid("lobby options: %s must be a whole number from %d to %d, got %s", name, lo, hi, bytes.TrimSpace(raw))
	}
	return int64(f), nil
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{core.ErrInvalidParameter}, args...)...)
}
